//! Scenario-rule benchmarks: a truck GPS fix through the route monitor (749 routes, all trucks),
//! "which cameras see this point" over 48,000 cameras against a linear scan, a sensor reading
//! and a video-AI detection.
//!
//! All data is synthetic ([`cityops_bench::scenario::SYNTHETIC`]).

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use cityops_api::{TypeKey, TypeKind};
use cityops_bench::index::random_location;
use cityops_bench::scenario::{self as fx, CAMERAS, ROUTES};
use cityops_core::scenario::{
    CameraIndex, Detection, DustConfig, NoiseConfig, Quantity, RouteConfig, RouteMonitor, Site, SiteMonitor,
    SiteSensor, VideoConfig, VideoMerger, sees,
};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED_STREAM: u64 = 0x0c17_0013;

fn start() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 29).and_then(|d| d.and_hms_opt(4, 0, 0)).unwrap_or_default()
}

fn routes(c: &mut Criterion) {
    let routes = fx::routes(ROUTES).items;
    let compounds = fx::compounds(&routes).items;
    eprintln!("scenario/route: {} routes, {} compounds", routes.len(), compounds.len());
    let mut g = c.benchmark_group("scenario/route");
    g.sample_size(20);
    g.bench_function(BenchmarkId::new("build", ROUTES), |b| {
        b.iter_batched(
            || (routes.clone(), compounds.clone()),
            |(r, c)| RouteMonitor::new(r, c, RouteConfig::default()).map(|m| m.knows_truck("x")),
            BatchSize::PerIteration,
        )
    });
    // Fixes 0–20 m (on route) or 200 m (off route) from a random vertex of the truck's own
    // route; time advances 10 ms a fix so a run stays within the day.
    for (name, offset) in [("on_fix_on_route", 20.0), ("on_fix_off_route", 200.0)] {
        let mut monitor = RouteMonitor::new(routes.clone(), vec![], RouteConfig::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_STREAM);
        let fixes: Vec<(String, [f64; 2])> = (0..10_000)
            .map(|_| {
                let r = &routes[rng.random_range(0..routes.len())];
                let off = if offset > 50.0 { offset } else { rng.random_range(0.0..offset) };
                (r.truck_id.clone(), fx::near_route(&mut rng, r, off))
            })
            .collect();
        let mut i = 0usize;
        let mut now = start();
        g.bench_function(BenchmarkId::new(name, ROUTES), |b| {
            b.iter(|| {
                i = (i + 1) % fixes.len();
                now += TimeDelta::milliseconds(10);
                let (truck, [lon, lat]) = &fixes[i];
                monitor.on_fix(truck, *lon, *lat, now).map(|a| a.len())
            })
        });
    }
    g.finish();
}

fn cameras(c: &mut Criterion) {
    let cameras = fx::cameras(CAMERAS).items;
    let mut g = c.benchmark_group("scenario/cameras");
    g.sample_size(20);
    g.bench_function(BenchmarkId::new("build", CAMERAS), |b| {
        b.iter_batched(|| cameras.clone(), |v| CameraIndex::new(v).map(|i| i.len()), BatchSize::PerIteration)
    });
    let index = CameraIndex::new(cameras.clone()).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_STREAM);
    // Case locations drawn like the cases of the index benchmark.
    let points: Vec<(f64, f64)> = (0..10_000).map(|_| random_location(&mut rng)).collect();
    let seen: usize =
        points.iter().map(|&(lon, lat)| index.visible_from(lon, lat).map_or(0, |v| v.len())).sum();
    eprintln!("scenario/cameras: {seen} sightings over {} points", points.len());
    let mut i = 0usize;
    g.bench_function(BenchmarkId::new("visible_from", CAMERAS), |b| {
        b.iter(|| {
            i = (i + 1) % points.len();
            let (lon, lat) = points[i];
            index.visible_from(lon, lat).map(|v| v.len())
        })
    });
    g.bench_function(BenchmarkId::new("visible_from_linear_scan", CAMERAS), |b| {
        b.iter(|| {
            i = (i + 1) % points.len();
            let (lon, lat) = points[i];
            cameras.iter().filter(|c| sees(c, lon, lat).is_some()).count()
        })
    });
    g.finish();
}

fn sensors_and_video(c: &mut Criterion) {
    let mut g = c.benchmark_group("scenario/feeds");
    let site = Site {
        id: "GD-SYN".into(),
        district_code: "370212".into(),
        polygon: vec![[120.40, 36.10], [120.401, 36.10], [120.401, 36.101], [120.40, 36.101]],
        permit_no: "synthetic".into(),
    };
    let sensor =
        SiteSensor { sensor_id: "PM-SYN".into(), site_id: "GD-SYN".into(), quantity: Quantity::Pm10 };
    let mut sites = SiteMonitor::new(vec![site], vec![sensor], DustConfig::default(), NoiseConfig::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut now = start();
    let mut k = 0u32;
    g.bench_function("site_reading", |b| {
        b.iter(|| {
            now += TimeDelta::minutes(1);
            k = k.wrapping_add(1);
            // A square wave around the threshold: episodes start and end.
            let v = if (k / 40).is_multiple_of(2) { 80.0 } else { 220.0 };
            sites.on_reading("PM-SYN", Quantity::Pm10, black_box(v), now).map(|a| a.is_some())
        })
    });
    let stall = TypeKey { kind: TypeKind::Matter, code: "0507".into() };
    let types = BTreeMap::from([(stall.clone(), "占道经营".to_owned())]);
    let mut merger = VideoMerger::with_types(types, VideoConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_STREAM);
    let mut now = start();
    g.bench_function("video_detection", |b| {
        b.iter(|| {
            now += TimeDelta::seconds(5);
            let det = Detection {
                camera_id: format!("CAM-SYN{:05}", rng.random_range(0..CAMERAS)),
                type_key: stall.clone(),
                confidence: 0.9,
                lon: 120.38 + rng.random_range(0.0..0.0005),
                lat: 36.07,
                at: now,
            };
            merger.on_detection(&det).map(|d| matches!(d, cityops_core::scenario::Decision::Merge { .. }))
        })
    });
    g.finish();
}

criterion_group!(scenario, routes, cameras, sensors_and_video);
criterion_main!(scenario);
