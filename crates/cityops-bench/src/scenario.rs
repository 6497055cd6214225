//! Synthetic Qingdao fixtures for the scenario-rule benchmarks: waste-truck routes with their
//! collection points, and video cameras.
//!
//! **Everything here is synthetic** (see [`SYNTHETIC`]): routes are random walks and cameras are
//! random points around approximate district centres ([`crate::index::random_location`]), not the
//! city's real routes or camera register. The sizes follow the platform's scale: 749 collection
//! routes, 48,000 cameras.

use chrono::NaiveTime;
use cityops_core::scenario::{Camera, CameraKind, Compound, CompoundShape, Route, Stop};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::index::SYNTHETIC;
use crate::index::{Synthetic, random_location};

/// Waste-collection routes (one truck each).
pub const ROUTES: usize = 749;
/// Video cameras.
pub const CAMERAS: usize = 48_000;
/// Seed of the route fixture.
pub const SEED_ROUTES: u64 = 0x0c17_0011;
/// Seed of the camera fixture.
pub const SEED_CAMERAS: u64 = 0x0c17_0012;

fn step(p: [f64; 2], east: f64, north: f64) -> [f64; 2] {
    let k = cityops_core::geom::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    [p[0] + east / (k * p[1].to_radians().cos()), p[1] + north / k]
}

/// `n` routes of 80 vertices 100–250 m apart (about 14 km each), truck `鲁B-SYN{i}` on route
/// `R{i}`, a collection point every fourth vertex with a one-hour window between 04:00 and 10:00.
pub fn routes(n: usize) -> Synthetic<Route> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_ROUTES);
    let items = (0..n)
        .map(|i| {
            let (lon, lat) = random_location(&mut rng);
            let mut p = [lon, lat];
            let mut heading: f64 = rng.random_range(0.0..360.0);
            let mut line = vec![p];
            for _ in 1..80 {
                heading += rng.random_range(-45.0..45.0);
                let d = rng.random_range(100.0..250.0);
                p = step(p, d * heading.to_radians().sin(), d * heading.to_radians().cos());
                line.push(p);
            }
            let stops = line
                .iter()
                .step_by(4)
                .enumerate()
                .map(|(k, v)| {
                    let open = NaiveTime::from_hms_opt(4 + (k as u32 % 6), 0, 0).unwrap_or(NaiveTime::MIN);
                    let close = open + chrono::TimeDelta::minutes(59);
                    Stop { compound_id: format!("C{i}-{k}"), lon: v[0], lat: v[1], window: (open, close) }
                })
                .collect();
            Route { id: format!("R{i}"), truck_id: format!("鲁B-SYN{i}"), line, stops }
        })
        .collect();
    Synthetic { label: SYNTHETIC, items }
}

/// `n` cameras: 15 % high-point 360° domes seeing 200–800 m, the rest low-point cones 30–120°
/// wide seeing 30–150 m.
pub fn cameras(n: usize) -> Synthetic<Camera> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_CAMERAS);
    let items = (0..n)
        .map(|i| {
            let (lon, lat) = random_location(&mut rng);
            let high = rng.random_bool(0.15);
            Camera {
                id: format!("CAM-SYN{i:05}"),
                lon,
                lat,
                heading_deg: rng.random_range(0.0..360.0),
                fov_deg: if high { 360.0 } else { rng.random_range(30.0..120.0) },
                range_m: if high { rng.random_range(200.0..800.0) } else { rng.random_range(30.0..150.0) },
                kind: if high { CameraKind::High } else { CameraKind::Low },
            }
        })
        .collect();
    Synthetic { label: SYNTHETIC, items }
}

/// One compound per collection point of `routes`: a 60–150 m square whose corner nearest the
/// road is 10 m from the stop (the bins are collected at the gate).
pub fn compounds(routes: &[Route]) -> Synthetic<Compound> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_ROUTES ^ 1);
    let items = routes
        .iter()
        .flat_map(|r| r.stops.iter())
        .map(|s| {
            let side = rng.random_range(60.0..150.0);
            let c = step([s.lon, s.lat], 10.0, 10.0);
            let ring = vec![c, step(c, side, 0.0), step(c, side, side), step(c, 0.0, side)];
            Compound { id: s.compound_id.clone(), shape: CompoundShape::Polygon(ring) }
        })
        .collect();
    Synthetic { label: SYNTHETIC, items }
}

/// A point `offset_m` metres east of a random vertex of `route`, for fix streams.
pub fn near_route(rng: &mut ChaCha8Rng, route: &Route, offset_m: f64) -> [f64; 2] {
    let v = route.line[rng.random_range(0..route.line.len())];
    step(v, offset_m, 0.0)
}
