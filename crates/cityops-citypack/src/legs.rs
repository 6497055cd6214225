//! Route legs over land: a truck's leg between two points of a district is the straight line when
//! that stays on the district's grids, else a shortest path through adjacent grids of the district
//! (grid interior points joined through a lattice point near the middle of the longest shared
//! edge), string-pulled back to as few straight pieces as stay on the grids. A piece that still
//! leaves its grid (a concave coastal grid) goes round by the grid's edge. So no leg crosses a bay
//! or another district.
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

/// The grids of a city as a walkable network. Below, "grid" means one polygon part of a grid.
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
    /// Per part: its rings (closed), micro-degrees.
    rings: Vec<Vec<Vec<IPt>>>,
    /// Per grid: its parts.
    of_grid: Vec<Vec<usize>>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
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
        // the nodes are the grids' polygon parts (a grid may have an island part)
        let mut of_grid: Vec<Vec<usize>> = vec![Vec::new(); grids.len()];
        let mut parts: Vec<(&[IPoly], usize)> = Vec::new();
        for (gi, (poly, d)) in grids.iter().enumerate() {
            for k in 0..poly.len() {
                of_grid[gi].push(parts.len());
                parts.push((&poly[k..k + 1], *d));
            }
        }
        let grids = &parts[..];
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
                    // the hop is a lattice point exactly on the edge, as near its middle as may
                    // be; edges without one (coprime steps) come last
                    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                    let k = gcd(dx.unsigned_abs(), dy.unsigned_abs()) as i64;
                    let (len, mid) = if k >= 2 {
                        (dist_m(*a, *b), [a[0] + dx / k * (k / 2), a[1] + dy / k * (k / 2)])
                    } else {
                        (dist_m(*a, *b) * 1e-6, *a)
                    };
                    let e = best.entry((g.min(h), g.max(h))).or_insert((-1.0, mid));
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
        let rings = grids.iter().map(|(p, _)| p.iter().flatten().cloned().collect()).collect();
        Legs { geo, district, tree, inner, adj, mainland, outline, rings, of_grid }
    }

    /// Whether every part of grid `g` is in the largest connected piece of its district.
    pub fn on_mainland(&self, g: usize) -> bool {
        self.of_grid.get(g).is_some_and(|ps| !ps.is_empty() && ps.iter().all(|&p| self.mainland[p]))
    }

    /// Whether grid `g` contains the point or has it on its boundary (exact, integer).
    fn covers(&self, g: usize, p: IPt) -> bool {
        let mut inside = false;
        for ring in &self.rings[g] {
            for w in ring.windows(2) {
                let (a, b) = (w[0], w[1]);
                if orient(a, b, p) == 0 && on_segment(a, b, p) {
                    return true;
                }
                if (a[1] > p[1]) != (b[1] > p[1]) {
                    // the edge crosses the horizontal through p: east of p?
                    let lhs = i128::from(p[1] - a[1]) * i128::from(b[0] - a[0]);
                    let rhs = i128::from(p[0] - a[0]) * i128::from(b[1] - a[1]);
                    if (b[1] > a[1] && lhs > rhs) || (b[1] < a[1] && lhs < rhs) {
                        inside = !inside;
                    }
                }
            }
        }
        inside
    }

    /// The grids of the district covering the point, lowest first.
    fn grids_at(&self, p: IPt, district: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .tree
            .locate_all_at_point(&ll(p))
            .map(|e| e.data)
            .filter(|&g| self.district[g] == district && self.covers(g, p))
            .collect();
        v.sort_unstable();
        v
    }

    /// The grid of the district containing (or touching) the point.
    fn grid_at(&self, p: IPt, district: usize) -> Option<usize> {
        self.grids_at(p, district).first().copied()
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
            if j == i + 1
                && !self.dry(rev[i], rev[j], district)
                && let Some(detour) = self.around(rev[i], rev[j], district)
            {
                out.extend(detour);
            } else {
                out.push(rev[j]);
            }
            i = j;
        }
        Some(out)
    }

    /// Whether the piece u–v lies in the closed grid `g`: it crosses none of the grid's edges, and
    /// between the grid vertices it passes through, it runs inside or along the boundary.
    fn in_grid(&self, g: usize, u: IPt, v: IPt) -> bool {
        let rings = &self.rings[g];
        let mut ts = vec![0.0, 1.0];
        let (dx, dy) = ((v[0] - u[0]) as f64, (v[1] - u[1]) as f64);
        let len2 = dx * dx + dy * dy;
        for ring in rings {
            for w in ring.windows(2) {
                let (c, d) = (w[0], w[1]);
                let (o1, o2, o3, o4) = (orient(u, v, c), orient(u, v, d), orient(c, d, u), orient(c, d, v));
                if o1 * o2 < 0 && o3 * o4 < 0 {
                    return false;
                }
                if o1 == 0 && on_segment(u, v, c) && len2 > 0.0 {
                    ts.push((((c[0] - u[0]) as f64) * dx + ((c[1] - u[1]) as f64) * dy) / len2);
                }
            }
        }
        // ring edges on the line of u–v, as parameter ranges along it
        let t_of = |c: IPt| (((c[0] - u[0]) as f64) * dx + ((c[1] - u[1]) as f64) * dy) / len2;
        let along: Vec<(f64, f64)> = rings
            .iter()
            .flat_map(|r| r.windows(2))
            .filter(|w| len2 > 0.0 && orient(u, v, w[0]) == 0 && orient(u, v, w[1]) == 0)
            .map(|w| (t_of(w[0]).min(t_of(w[1])), t_of(w[0]).max(t_of(w[1]))))
            .collect();
        ts.sort_by(f64::total_cmp);
        ts.windows(2).filter(|t| t[1] - t[0] > 1e-12).all(|t| {
            // a stretch along the boundary is in; else its middle decides (it is off the boundary)
            if along.iter().any(|&(a, b)| a <= t[0] + 1e-12 && t[1] <= b + 1e-12) {
                return true;
            }
            let m = (t[0] + t[1]) / 2.0;
            let (x, y) = ((u[0] as f64 + m * dx) / SCALE, (u[1] as f64 + m * dy) / SCALE);
            self.geo[g].intersects(&Point::new(x, y))
        })
    }

    /// A way from `p` to `q` inside one grid of the district that holds both, when the straight
    /// piece leaves it (a concave coastal grid): to a vertex `p` sees, along the grid's ring to a
    /// vertex `q` sees (the shorter way round), to `q`, string-pulled inside the grid. The points
    /// after `p`, ending with `q`.
    fn around(&self, p: IPt, q: IPt, district: usize) -> Option<Vec<IPt>> {
        let g = self.grids_at(p, district).into_iter().find(|&g| self.covers(g, q))?;
        let mut best: Option<(f64, Vec<IPt>)> = None;
        for ring in &self.rings[g] {
            let n = ring.len().saturating_sub(1); // closed ring: last == first
            if n < 3 {
                continue;
            }
            let seen =
                |from: IPt| -> Vec<usize> { (0..n).filter(|&k| self.in_grid(g, from, ring[k])).collect() };
            let (from_p, to_q) = (seen(p), seen(q));
            for &i in &from_p {
                for &j in &to_q {
                    for dir in [1, n - 1] {
                        let mut path = vec![p, ring[i]];
                        let mut k = i;
                        while k != j {
                            k = (k + dir) % n;
                            path.push(ring[k]);
                        }
                        path.push(q);
                        let len: f64 = path.windows(2).map(|w| dist_m(w[0], w[1])).sum();
                        if best.as_ref().is_none_or(|b| len < b.0) {
                            best = Some((len, path));
                        }
                    }
                }
            }
        }
        let (_, path) = best?;
        // string pulling inside the grid
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < path.len() {
            let mut j = i + 1;
            while j + 1 < path.len() && self.in_grid(g, path[i], path[j + 1]) {
                j += 1;
            }
            out.push(path[j]);
            i = j;
        }
        Some(out)
    }

    /// Whether the piece stays on the district's land: dry, or inside one grid's closure.
    pub fn on_land(&self, a: IPt, b: IPt, district: usize) -> bool {
        if self.dry(a, b, district) {
            return true;
        }
        self.grids_at(a, district).into_iter().any(|g| self.covers(g, b) && self.in_grid(g, a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_meet_when_they_cross_or_touch() {
        for (a, b, c, d, want) in [
            ([0, 0], [10, 10], [0, 10], [10, 0], true), // cross
            ([0, 0], [10, 0], [5, 0], [5, 5], true),    // T touch
            ([0, 0], [10, 0], [11, 0], [20, 0], false), // collinear apart
            ([0, 0], [10, 0], [10, 0], [10, 10], true), // end to end
            ([0, 0], [10, 0], [0, 1], [10, 1], false),  // parallel
            ([0, 0], [10, 0], [5, -5], [5, -1], false), // short of it
        ] {
            assert_eq!(meet(a, b, c, d), want, "{a:?}-{b:?} × {c:?}-{d:?}");
        }
    }

    /// A U of three grids around a bay (10–20 × 10–30, in thousands of micro-degrees): left
    /// column A, bottom B, right column C, noded (A and C carry the corners of B).
    fn u_shape() -> Legs {
        let k = 1000;
        let sq = |pts: &[[i64; 2]]| -> IPoly { vec![pts.iter().map(|p| [p[0] * k, p[1] * k]).collect()] };
        let a = sq(&[[0, 0], [10, 0], [10, 10], [10, 30], [0, 30], [0, 0]]);
        let b = sq(&[[10, 0], [20, 0], [20, 10], [10, 10], [10, 0]]);
        let c = sq(&[[20, 0], [30, 0], [30, 30], [20, 30], [20, 10], [20, 0]]);
        let polys = [a, b, c];
        let grids: Vec<(&[IPoly], usize)> = polys.iter().map(|p| (std::slice::from_ref(p), 0)).collect();
        Legs::new(&grids)
    }

    #[test]
    fn a_leg_across_a_bay_goes_round_it() {
        let legs = u_shape();
        let (from, to) = ([5_000, 25_000], [25_000, 25_000]);
        assert!(!legs.dry(from, to, 0), "the straight leg crosses the bay");
        let pts = legs.leg(from, to, 0).unwrap();
        assert_eq!(pts.last(), Some(&to));
        let mut prev = from;
        for p in &pts {
            assert!(legs.on_land(prev, *p, 0), "{prev:?} → {p:?} leaves the land");
            // no point of the piece is inside the bay
            for s in 0..=100 {
                let x = prev[0] + (p[0] - prev[0]) * s / 100;
                let y = prev[1] + (p[1] - prev[1]) * s / 100;
                assert!(!(10_000 < x && x < 20_000 && 10_000 < y && y < 30_000), "({x}, {y}) is in the bay");
            }
            prev = *p;
        }
        // a leg inside one grid stays straight
        assert_eq!(legs.leg([1_000, 1_000], [9_000, 29_000], 0), Some(vec![[9_000, 29_000]]));
        // every grid is on the mainland (one connected piece)
        assert!((0..3).all(|g| legs.on_mainland(g)));
    }
}
