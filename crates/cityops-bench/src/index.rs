//! Synthetic Qingdao fixtures for the spatial-index benchmarks: a year of cases, residential
//! compound and construction-site fences, and truck positions.
//!
//! **Everything here is synthetic** (see [`SYNTHETIC`]): points are drawn around approximate
//! district centres weighted by approximate resident population, not from real case records. The
//! sizes follow the platform's published scale (9.5 M cases a year, ~5 k compounds, ~700 sites).

use cityops_api::LayerKind;
use cityops_core::index::{Fence, PointFeature, StatusClass};
use geo::{MultiPolygon, Polygon, coord};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Label carried by every fixture set: the data is generated, not real.
pub const SYNTHETIC: &str =
    "synthetic: generated around approximate Qingdao district centres; not real cases";

/// Cases a year (our arithmetic from 26 k a day, see the peers reference).
pub const CASES_PER_YEAR: usize = 9_500_000;
/// Residential compounds (垃圾分类 fences).
pub const COMPOUNDS: usize = 5_000;
/// Construction sites.
pub const SITES: usize = 700;

/// Seed of the case fixture.
pub const SEED_CASES: u64 = 0x0c17_0005;
/// Seed of the fence fixture.
pub const SEED_FENCES: u64 = 0x0c17_0006;
/// Seed of the query and update streams.
pub const SEED_QUERIES: u64 = 0x0c17_0007;

/// Approximate centres (WGS84) and resident population (millions) of Qingdao's ten districts and
/// county-level cities; spread in kilometres (one standard deviation).
pub const DISTRICTS: [(&str, f64, f64, f64, f64); 10] = [
    ("市南区", 120.395, 36.066, 0.59, 2.5),
    ("市北区", 120.375, 36.088, 1.10, 2.5),
    ("李沧区", 120.433, 36.145, 0.75, 3.0),
    ("崂山区", 120.468, 36.107, 0.50, 4.0),
    ("城阳区", 120.396, 36.307, 1.10, 5.0),
    ("黄岛区", 120.198, 35.960, 1.90, 7.0),
    ("即墨区", 120.447, 36.389, 1.30, 6.0),
    ("胶州市", 120.033, 36.264, 0.90, 5.0),
    ("平度市", 119.960, 36.787, 1.20, 7.0),
    ("莱西市", 120.518, 36.889, 0.70, 5.0),
];

/// A labelled synthetic set.
#[derive(Debug, Clone)]
pub struct Synthetic<T> {
    /// Always [`SYNTHETIC`].
    pub label: &'static str,
    /// The data.
    pub items: Vec<T>,
}

/// A random location: a district by population weight, then a Gaussian around its centre.
pub fn random_location(rng: &mut ChaCha8Rng) -> (f64, f64) {
    let total: f64 = DISTRICTS.iter().map(|d| d.3).sum();
    let mut pick = rng.random_range(0.0..total);
    let mut district = DISTRICTS[0];
    for d in DISTRICTS {
        district = d;
        if pick < d.3 {
            break;
        }
        pick -= d.3;
    }
    let (_, lon, lat, _, spread_km) = district;
    // Box-Muller.
    let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random_range(0.0..1.0));
    let r = (-2.0 * u1.ln()).sqrt() * spread_km * 1000.0;
    let a = std::f64::consts::TAU * u2;
    let dlon = r * a.cos() / cityops_core::geom::metres_per_deg_lon();
    let dlat = r * a.sin() / cityops_core::geom::metres_per_deg_lat();
    ((lon + dlon).clamp(119.3, 121.2), (lat + dlat).clamp(35.4, 37.3))
}

/// `n` synthetic cases over one year ending at `year_end` (Unix seconds), ids 1..=n, 218 problem
/// types as tags. Status mix of a year view: 95 % closed, 4 % open, 1 % overdue.
pub fn cases(n: usize, year_end: i64) -> Synthetic<PointFeature> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_CASES);
    let items = (1..=n as u64)
        .map(|id| {
            let (lon, lat) = random_location(&mut rng);
            let p: f64 = rng.random_range(0.0..1.0);
            let status = if p < 0.95 {
                StatusClass::Closed
            } else if p < 0.99 {
                StatusClass::Open
            } else {
                StatusClass::Overdue
            };
            PointFeature {
                id,
                lon,
                lat,
                status,
                time: year_end - rng.random_range(0..365 * 86_400),
                tag: rng.random_range(0..218),
            }
        })
        .collect();
    Synthetic { label: SYNTHETIC, items }
}

fn square(lon: f64, lat: f64, half_m: f64) -> MultiPolygon<f64> {
    let dx = half_m / cityops_core::geom::metres_per_deg_lon();
    let dy = half_m / cityops_core::geom::metres_per_deg_lat();
    let ring = vec![
        coord! { x: lon - dx, y: lat - dy },
        coord! { x: lon + dx, y: lat - dy },
        coord! { x: lon + dx, y: lat + dy },
        coord! { x: lon - dx, y: lat + dy },
        coord! { x: lon - dx, y: lat - dy },
    ];
    MultiPolygon::new(vec![Polygon::new(ring.into(), vec![])])
}

/// Synthetic fences: `compounds` residential compounds (100–300 m squares) and `sites`
/// construction sites (150–400 m squares).
pub fn fences(compounds: usize, sites: usize) -> Synthetic<Fence> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_FENCES);
    let mut items = Vec::with_capacity(compounds + sites);
    for (layer, n, lo, hi) in
        [(LayerKind::Compounds, compounds, 50.0, 150.0), (LayerKind::Sites, sites, 75.0, 200.0)]
    {
        for id in 0..n as u64 {
            let (lon, lat) = random_location(&mut rng);
            items.push(Fence { layer, id, shape: square(lon, lat, rng.random_range(lo..hi)) });
        }
    }
    Synthetic { label: SYNTHETIC, items }
}

#[cfg(test)]
mod tests {
    use cityops_core::index::{FenceSet, IndexConfig, LonLatBox, PointLayer};

    use super::*;

    #[test]
    fn fixtures_are_labelled_synthetic_and_load_into_the_index() {
        let cases = cases(20_000, 1_795_881_600);
        assert_eq!(cases.label, SYNTHETIC);
        assert!(cases.label.starts_with("synthetic"));
        assert!(cases.items.iter().all(|f| LonLatBox::QINGDAO.contains(f.lon, f.lat)));
        let layer = PointLayer::bulk_load(IndexConfig::default(), cases.items).unwrap();
        let mix = layer.status_mix();
        // 95 / 4 / 1 % closed / open / overdue, within sampling noise.
        assert!((18_700..19_300).contains(&mix.closed), "{mix:?}");
        assert!((600..1_000).contains(&mix.open), "{mix:?}");
        assert!((120..280).contains(&mix.overdue), "{mix:?}");

        let fences = fences(500, 70);
        assert_eq!(fences.label, SYNTHETIC);
        assert_eq!(FenceSet::from_fences(fences.items).unwrap().len(), 570);
    }
}
