//! Route legs over land: a truck's leg between two points of a district is the straight line when
//! that stays on the district's grids, else a shortest path through adjacent grids of the district
//! (grid interior points joined through the middle of the longest shared edge), string-pulled back
//! to as few straight pieces as stay on the grids. So no leg crosses a bay or another district.
//!
//! "Stays on the grids" is exact, in integer micro-degrees: both ends lie in grids of the district
//! and the piece meets (crosses or touches) no edge of the district's outline, an outline edge
//! being a grid edge that no other grid of the same district shares (the coast, the district
//! border, a hole).

use crate::output::{IPoly, IPt, SCALE, to_geo};
use geo::{BoundingRect, InteriorPoint, Intersects, MultiPolygon, Point};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

type Env = GeomWithData<Rectangle<[f64; 2]>, usize>;
/// An outline edge of a district: its end points and the district.
type Outline = GeomWithData<Rectangle<[i64; 2]>, (IPt, IPt, usize)>;

/// The grids of a city as a walkable network.
pub(crate) struct Legs {
    geo: Vec<MultiPolygon<f64>>,
    district: Vec<usize>,
    tree: RTree<Env>,
    inner: Vec<IPt>,
    /// Per grid: (neighbour, hop point on the shared edge), neighbours in the same district only.
    adj: Vec<Vec<(usize, IPt)>>,
    /// Per grid: whether it is in the largest connected piece of its district (not an island).
    mainland: Vec<bool>,
    outline: RTree<Outline>,
}

/// Sign of the turn a → b → c.
fn orient(a: IPt, b: IPt, c: IPt) -> i32 {
    let v =
        i128::from(b[0] - a[0]) * i128::from(c[1] - a[1]) - i128::from(b[1] - a[1]) * i128::from(c[0] - a[0]);
    v.signum() as i32
}

fn on_segment(a: IPt, b: IPt, p: IPt) -> bool {
    a[0].min(b[0]) <= p[0] && p[0] <= a[0].max(b[0]) && a[1].min(b[1]) <= p[1] && p[1] <= a[1].max(b[1])
}

/// Whether segments a–b and c–d share a point (touching counts).
pub(crate) fn meet(a: IPt, b: IPt, c: IPt, d: IPt) -> bool {
    let (o1, o2, o3, o4) = (orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b));
    if o1 * o2 < 0 && o3 * o4 < 0 {
        return true;
    }
    (o1 == 0 && on_segment(a, b, c))
        || (o2 == 0 && on_segment(a, b, d))
        || (o3 == 0 && on_segment(c, d, a))
        || (o4 == 0 && on_segment(c, d, b))
}

fn ll(p: IPt) -> [f64; 2] {
    [p[0] as f64 / SCALE, p[1] as f64 / SCALE]
}

/// Approximate metres between two micro-degree points (equirectangular at their mean latitude).
pub(crate) fn dist_m(a: IPt, b: IPt) -> f64 {
    let ky = cityops_core::geom::metres_per_deg_lat();
    let kx = ky * ((a[1] + b[1]) as f64 / 2.0 / SCALE).to_radians().cos();
    (((a[0] - b[0]) as f64 / SCALE * kx).powi(2) + ((a[1] - b[1]) as f64 / SCALE * ky).powi(2)).sqrt()
}

impl Legs {
    /// `grids`: polygons in micro-degrees with their district index.
    pub fn new(grids: &[(&[IPoly], usize)]) -> Legs {
        let geo: Vec<MultiPolygon<f64>> = grids.iter().map(|(p, _)| to_geo(p)).collect();
        let district: Vec<usize> = grids.iter().map(|g| g.1).collect();
        let tree = RTree::bulk_load(
            geo.iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    g.bounding_rect()
                        .map(|r| Env::new(Rectangle::from_corners(r.min().into(), r.max().into()), i))
                })
                .collect(),
        );
        let inner: Vec<IPt> = geo
            .iter()
            .map(|g| {
                g.interior_point()
                    .map(|p| [(p.x() * SCALE).round() as i64, (p.y() * SCALE).round() as i64])
                    .unwrap_or([0, 0])
            })
            .collect();
        // shared edges: noded neighbours trace identical vertex chains
        let mut edges: BTreeMap<(IPt, IPt), Vec<usize>> = BTreeMap::new();
        for (i, (poly, _)) in grids.iter().enumerate() {
            for ring in poly.iter().flatten() {
                for w in ring.windows(2) {
                    let key = if w[0] <= w[1] { (w[0], w[1]) } else { (w[1], w[0]) };
                    edges.entry(key).or_default().push(i);
                }
            }
        }
        let mut best: BTreeMap<(usize, usize), (f64, IPt)> = BTreeMap::new();
        for ((a, b), gs) in &edges {
            for (x, &g) in gs.iter().enumerate() {
                for &h in &gs[x + 1..] {
                    if g == h || district[g] != district[h] {
                        continue;
                    }
                    let len = dist_m(*a, *b);
                    let mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
                    let e = best.entry((g.min(h), g.max(h))).or_insert((0.0, mid));
                    if len > e.0 {
                        *e = (len, mid);
                    }
                }
            }
        }
        let mut adj = vec![Vec::new(); grids.len()];
        for ((g, h), (_, mid)) in best {
            adj[g].push((h, mid));
            adj[h].push((g, mid));
        }
        // connected pieces per district; the largest (by grids, ties: lowest grid) is the mainland
        let mut comp = vec![usize::MAX; grids.len()];
        let mut sizes: Vec<(usize, usize)> = Vec::new(); // (district, size) per piece
        for start in 0..grids.len() {
            if comp[start] != usize::MAX {
                continue;
            }
            let id = sizes.len();
            comp[start] = id;
            let mut stack = vec![start];
            let mut n = 0;
            while let Some(g) = stack.pop() {
                n += 1;
                for &(h, _) in &adj[g] {
                    if comp[h] == usize::MAX {
                        comp[h] = id;
                        stack.push(h);
                    }
                }
            }
            sizes.push((district[start], n));
        }
        let mut biggest: BTreeMap<usize, (usize, usize)> = BTreeMap::new(); // district → (size, piece)
        for (id, &(d, n)) in sizes.iter().enumerate() {
            let e = biggest.entry(d).or_insert((n, id));
            if n > e.0 {
                *e = (n, id);
            }
        }
        let mainland =
            (0..grids.len()).map(|g| biggest.get(&district[g]).is_some_and(|b| b.1 == comp[g])).collect();
        let mut outline = Vec::new();
        for ((a, b), gs) in &edges {
            for &g in gs {
                if gs.iter().filter(|&&h| district[h] == district[g]).count() == 1 {
                    outline.push(Outline::new(Rectangle::from_corners(*a, *b), (*a, *b, district[g])));
                }
            }
        }
        let outline = RTree::bulk_load(outline);
        Legs { geo, district, tree, inner, adj, mainland, outline }
    }

    /// Whether grid `g` is in the largest connected piece of its district.
    pub fn on_mainland(&self, g: usize) -> bool {
        self.mainland[g]
    }

    /// The grid of the district containing (or touching) the point.
    fn grid_at(&self, p: IPt, district: usize) -> Option<usize> {
        let [x, y] = ll(p);
        let pt = Point::new(x, y);
        self.tree
            .locate_all_at_point(&[x, y])
            .map(|e| e.data)
            .filter(|&g| self.district[g] == district && self.geo[g].intersects(&pt))
            .min()
    }

    /// Whether the straight piece stays on the district's grids (exact).
    pub fn dry(&self, a: IPt, b: IPt, district: usize) -> bool {
        if self.grid_at(a, district).is_none() || self.grid_at(b, district).is_none() {
            return false;
        }
        let env =
            rstar::AABB::from_corners([a[0].min(b[0]), a[1].min(b[1])], [a[0].max(b[0]), a[1].max(b[1])]);
        !self
            .outline
            .locate_in_envelope_intersecting(&env)
            .any(|e| e.data.2 == district && meet(a, b, e.data.0, e.data.1))
    }

    /// The points after `a` up to and including `b` of a leg on land: `[b]` when the straight line
    /// is dry, else a string-pulled path through adjacent grids. `None` when no path exists (the
    /// points lie on unconnected pieces of the district).
    pub fn leg(&self, a: IPt, b: IPt, district: usize) -> Option<Vec<IPt>> {
        if self.dry(a, b, district) {
            return Some(vec![b]);
        }
        let (ga, gb) = (self.grid_at(a, district)?, self.grid_at(b, district)?);
        // Dijkstra over grid interior points (costs in whole metres, ties by index)
        let mut dist: BTreeMap<usize, u64> = BTreeMap::new();
        let mut prev: BTreeMap<usize, (usize, IPt)> = BTreeMap::new();
        let mut heap = BinaryHeap::new();
        dist.insert(ga, 0);
        heap.push(Reverse((0u64, ga)));
        while let Some(Reverse((d, g))) = heap.pop() {
            if g == gb {
                break;
            }
            if dist.get(&g).is_some_and(|&x| d > x) {
                continue;
            }
            for &(h, hop) in &self.adj[g] {
                let nd = d + (dist_m(self.inner[g], hop) + dist_m(hop, self.inner[h])).round() as u64;
                if dist.get(&h).is_none_or(|&x| nd < x) {
                    dist.insert(h, nd);
                    prev.insert(h, (g, hop));
                    heap.push(Reverse((nd, h)));
                }
            }
        }
        if !dist.contains_key(&gb) {
            return None;
        }
        let mut rev: Vec<IPt> = vec![b];
        let mut g = gb;
        while g != ga {
            let (p, hop) = prev.get(&g).copied()?;
            rev.push(hop);
            if p != ga {
                rev.push(self.inner[p]);
            }
            g = p;
        }
        rev.push(a);
        rev.reverse();
        // string pulling: from each kept point, jump to the farthest point still reachable dry
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < rev.len() {
            let mut j = i + 1;
            while j + 1 < rev.len() && self.dry(rev[i], rev[j + 1], district) {
                j += 1;
            }
            out.push(rev[j]);
            i = j;
        }
        Some(out)
    }
}
