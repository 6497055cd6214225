//! Seed placement and Voronoi cells in local metres: weighted best-candidate sampling inside a
//! region, half-plane clipping of a bounding box, intersection of each cell with the region.

use geo::{
    BooleanOps, BoundingRect, Contains, Coord, InteriorPoint, LineString, MultiPolygon, Point, Polygon,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A point in local metres.
pub type Xy = [f64; 2];

/// Candidates drawn per placed seed (best-candidate sampling).
const CANDIDATES: usize = 16;
/// Rejection-sampling attempts per candidate before falling back to an interior point.
const MAX_TRIES: usize = 20_000;

/// Draw one point inside `region` whose acceptance probability is `density(p)` (0..=1).
fn sample(region: &MultiPolygon<f64>, density: &dyn Fn(Xy) -> f64, rng: &mut ChaCha8Rng) -> Option<Xy> {
    let r = region.bounding_rect()?;
    for _ in 0..MAX_TRIES {
        let p = [rng.random_range(r.min().x..=r.max().x), rng.random_range(r.min().y..=r.max().y)];
        if region.contains(&Point::new(p[0], p[1])) && rng.random::<f64>() < density(p) {
            return Some(p);
        }
    }
    None
}

/// Place `n` seeds inside `region`: `fixed` ones first (kept as given), then weighted best-candidate
/// sampling (the candidate furthest from the existing seeds, distances scaled by the local density,
/// wins), which spaces cells evenly while making them smaller where `density` is high.
pub fn place_seeds(
    region: &MultiPolygon<f64>,
    fixed: &[Option<Xy>],
    density: &dyn Fn(Xy) -> f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Xy> {
    let mut placed: Vec<Xy> = fixed.iter().flatten().copied().collect();
    let fallback = region.interior_point().map(|p| [p.x(), p.y()]).unwrap_or([0.0, 0.0]);
    let mut out = Vec::with_capacity(fixed.len());
    for f in fixed {
        if let Some(p) = f {
            out.push(*p);
            continue;
        }
        let mut best: Option<(f64, Xy)> = None;
        for _ in 0..CANDIDATES {
            let Some(c) = sample(region, density, rng) else { continue };
            let d = placed.iter().map(|q| (q[0] - c[0]).hypot(q[1] - c[1])).fold(f64::INFINITY, f64::min);
            let score = d * density(c).sqrt();
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, c));
            }
        }
        let p = best.map(|(_, c)| c).unwrap_or(fallback);
        placed.push(p);
        out.push(p);
    }
    out
}

/// Place seeds in two passes: the unplaced seeds of group `true` first, then those of group
/// `false`, each pass with `density(group, p)`. Given seeds stay where they are; every placed seed
/// repels the later ones.
pub fn place_two_groups(
    region: &MultiPolygon<f64>,
    mut seeds: Vec<Option<Xy>>,
    group: &[bool],
    density: &dyn Fn(bool, Xy) -> f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Option<Xy>> {
    for pass in [true, false] {
        let take = |k: usize, s: &Option<Xy>| s.is_some() || group[k] == pass;
        let fixed: Vec<Option<Xy>> =
            seeds.iter().enumerate().filter(|(k, s)| take(*k, s)).map(|(_, s)| *s).collect();
        let mut placed = place_seeds(region, &fixed, &|p| density(pass, p), rng).into_iter();
        for (k, slot) in seeds.iter_mut().enumerate() {
            if take(k, slot) {
                *slot = placed.next();
            }
        }
    }
    seeds
}

/// Voronoi cells of `seeds` inside `region`: the cell of seed *i* is the bounding box cut by the
/// bisector half-planes towards every other seed, intersected with the region. Cells partition
/// the region (up to the overlay's float noise).
pub fn cells(seeds: &[Xy], region: &MultiPolygon<f64>) -> Vec<MultiPolygon<f64>> {
    let Some(r) = region.bounding_rect() else { return vec![MultiPolygon(vec![]); seeds.len()] };
    let pad = 10.0 + (r.width() + r.height());
    let (x0, y0, x1, y1) = (r.min().x - pad, r.min().y - pad, r.max().x + pad, r.max().y + pad);
    if seeds.len() == 1 {
        return vec![region.clone()];
    }
    seeds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // a seed repeating an earlier one gets no cell, so cells never overlap
            if seeds[..i].contains(s) {
                return MultiPolygon(vec![]);
            }
            let mut poly: Vec<Xy> = vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
            let mut others: Vec<&Xy> =
                seeds.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, q)| q).collect();
            others.sort_by(|a, b| dist2(s, a).total_cmp(&dist2(s, b)));
            for q in others {
                let reach = poly.iter().map(|v| dist2(s, v)).fold(0.0, f64::max);
                if dist2(s, q) / 4.0 > reach {
                    break; // bisector lies beyond every vertex of the cell: no more cuts
                }
                poly = clip_half_plane(&poly, s, q);
                if poly.len() < 3 {
                    break;
                }
            }
            if poly.len() < 3 {
                return MultiPolygon(vec![]);
            }
            let mut ring: Vec<Coord<f64>> = poly.iter().map(|p| Coord { x: p[0], y: p[1] }).collect();
            ring.push(ring[0]);
            Polygon::new(LineString(ring), vec![]).intersection(region)
        })
        .collect()
}

fn dist2(a: &Xy, b: &Xy) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Keep the part of convex `poly` closer to `s` than to `q` (Sutherland–Hodgman, one plane).
fn clip_half_plane(poly: &[Xy], s: &Xy, q: &Xy) -> Vec<Xy> {
    let n = [q[0] - s[0], q[1] - s[1]];
    let c = n[0] * (s[0] + q[0]) / 2.0 + n[1] * (s[1] + q[1]) / 2.0;
    let f = |p: &Xy| n[0] * p[0] + n[1] * p[1] - c; // <= 0 inside
    let mut out = Vec::with_capacity(poly.len() + 1);
    for k in 0..poly.len() {
        let a = &poly[k];
        let b = &poly[(k + 1) % poly.len()];
        let (fa, fb) = (f(a), f(b));
        if fa <= 0.0 {
            out.push(*a);
        }
        if (fa <= 0.0) != (fb <= 0.0) {
            let t = fa / (fa - fb);
            out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;
    use rand::SeedableRng;

    const SEED_1: u64 = 0x5EED_0001;

    #[test]
    fn cells_partition_a_square_region() {
        let sq = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1000.0, 0.0), (1000.0, 1000.0), (0.0, 1000.0), (0.0, 0.0)]),
            vec![],
        )]);
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
        let seeds = place_seeds(&sq, &[None; 12], &|_| 1.0, &mut rng);
        assert_eq!(seeds.len(), 12);
        let cs = cells(&seeds, &sq);
        let total: f64 = cs.iter().map(|c| c.unsigned_area()).sum();
        assert!((total - 1.0e6).abs() < 1e-3, "{total}");
        for (c, s) in cs.iter().zip(&seeds) {
            assert!(c.contains(&Point::new(s[0], s[1])));
        }
    }

    #[test]
    fn a_repeated_seed_gets_no_cell() {
        let sq = MultiPolygon(vec![Polygon::new(
            LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]),
            vec![],
        )]);
        let cs = cells(&[[2.0, 5.0], [8.0, 5.0], [2.0, 5.0]], &sq);
        let areas: Vec<f64> = cs.iter().map(|c| c.unsigned_area()).collect();
        assert!((areas[0] - 50.0).abs() < 1e-9 && (areas[1] - 50.0).abs() < 1e-9, "{areas:?}");
        assert_eq!(areas[2], 0.0);
    }
}
