//! Spatial index benchmarks against the targets of `BENCHMARKS.md`: bulk load of a year of cases,
//! single-case updates on a year-sized tree, viewports at city / district / street zoom, metric
//! queries, and fence evaluation per GPS update.
//!
//! All data is synthetic ([`cityops_bench::index::SYNTHETIC`]). The large size is 10 M points (a
//! year is 9.5 M); `CITYOPS_BENCH_YEAR` overrides it for quick runs. Tail latencies (p99 over
//! many distinct views), memory and the supercluster comparison come from the `index_report`
//! binary (`crates/cityops-bench/run-anchors.sh`), not from criterion.

use std::hint::black_box;

use cityops_api::LayerKind;
use cityops_bench::index::{self as fx, COMPOUNDS, SEED_QUERIES, SITES};
use cityops_core::index::{
    FenceSet, FenceTracker, IndexConfig, LonLatBox, PointFeature, PointFilter, PointLayer, StatusClass,
    StatusFilter, TrackerConfig, ViewportQuery,
};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use geo::{Intersects, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const YEAR_END: i64 = 1_795_881_600; // 2026-11-29T00:00:00+08:00

fn year_size() -> usize {
    std::env::var("CITYOPS_BENCH_YEAR").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000)
}

fn bulk_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("index/bulk_load");
    g.sample_size(10);
    for n in [1_000_000, year_size()] {
        let cases = fx::cases(n, YEAR_END).items;
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &cases, |b, cases| {
            b.iter_batched(
                || cases.clone(),
                |v| PointLayer::bulk_load(IndexConfig::default(), v).map(|l| l.len()),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

/// Single-case updates on a year-sized layer.
fn updates(c: &mut Criterion) {
    let n = year_size();
    let mut layer = PointLayer::bulk_load(IndexConfig::default(), fx::cases(n, YEAR_END).items)
        .unwrap_or_else(|e| panic!("fixture: {e}"));
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_QUERIES);
    let mut g = c.benchmark_group(format!("index/update@{n}"));
    g.bench_function("insert_then_remove_new_case", |b| {
        b.iter(|| {
            let (lon, lat) = fx::random_location(&mut rng);
            let f =
                PointFeature { id: u64::MAX, lon, lat, status: StatusClass::Open, time: YEAR_END, tag: 7 };
            let _ = black_box(layer.upsert(f));
            black_box(layer.remove(u64::MAX))
        })
    });
    g.bench_function("move_existing_case", |b| {
        b.iter(|| {
            let id = rng.random_range(1..=n as u64);
            let (lon, lat) = fx::random_location(&mut rng);
            let f = PointFeature { id, lon, lat, status: StatusClass::Open, time: YEAR_END, tag: 7 };
            black_box(layer.upsert(f))
        })
    });
    g.bench_function("set_status", |b| {
        b.iter(|| {
            let id = rng.random_range(1..=n as u64);
            black_box(layer.set_status(id, StatusClass::Overdue))
        })
    });
    g.finish();
    drop(layer);

    // The truck layer: 1,000 trucks stepping ~10 m per GPS fix, each fix also run through the
    // compound and site fences.
    let set =
        FenceSet::from_fences(fx::fences(COMPOUNDS, SITES).items).unwrap_or_else(|e| panic!("fixture: {e}"));
    let mut trucks: Vec<PointFeature> = (0..1_000u64)
        .map(|id| {
            let (lon, lat) = fx::random_location(&mut rng);
            PointFeature { id, lon, lat, status: StatusClass::Open, time: YEAR_END, tag: 0 }
        })
        .collect();
    let mut layer = PointLayer::bulk_load(IndexConfig::default(), trucks.clone())
        .unwrap_or_else(|e| panic!("fixture: {e}"));
    let mut tracker = FenceTracker::new(TrackerConfig { dwell_s: Some(600) });
    let mut g = c.benchmark_group("index/trucks@1000");
    let mut i = 0usize;
    g.bench_function("gps_fix_move_and_fences", |b| {
        b.iter(|| {
            i = (i + 1) % trucks.len();
            let t = &mut trucks[i];
            t.lon += rng.random_range(-1e-4..1e-4);
            t.lat += rng.random_range(-1e-4..1e-4);
            t.time += 10;
            let _ = black_box(layer.upsert(*t));
            tracker.update(&set, t.id, t.lon, t.lat, t.time)
        })
    });
    g.finish();
}

/// A screen of `w`×`h` pixels centred on a district centre at `zoom`.
fn screen(lon: f64, lat: f64, zoom: u8, w: f64, h: f64) -> LonLatBox {
    let m = IndexConfig::metres_per_px(zoom);
    let dx = w / 2.0 * m / cityops_core::geom::metres_per_deg_lon();
    let dy = h / 2.0 * m / cityops_core::geom::metres_per_deg_lat();
    LonLatBox { min_lon: lon - dx, min_lat: lat - dy, max_lon: lon + dx, max_lat: lat + dy }
}

/// Viewports and metric queries on a year-sized layer.
fn queries(c: &mut Criterion) {
    let n = year_size();
    let layer = PointLayer::bulk_load(IndexConfig::default(), fx::cases(n, YEAR_END).items)
        .unwrap_or_else(|e| panic!("fixture: {e}"));
    let (_, lon, lat, _, _) = fx::DISTRICTS[1];
    let mut g = c.benchmark_group(format!("index/viewport@{n}"));
    for (name, zoom, statuses) in [
        ("city_z10_all", 10, StatusFilter::ALL),
        ("district_z13_all", 13, StatusFilter::ALL),
        ("street_z16_all", 16, StatusFilter::ALL),
        ("street_z16_active", 16, StatusFilter::ACTIVE),
        ("raw_z18_active", 18, StatusFilter::ACTIVE),
    ] {
        let q = ViewportQuery {
            bbox: screen(lon, lat, zoom, 1920.0, 1080.0),
            zoom,
            statuses,
            max_items: 1_000_000,
        };
        let items = layer.viewport(LayerKind::Cases, &q).map(|a| a.items.len()).unwrap_or(0);
        g.throughput(Throughput::Elements(items as u64));
        g.bench_function(format!("{name}/{items}_items"), |b| {
            b.iter(|| layer.viewport(LayerKind::Cases, black_box(&q)))
        });
    }
    g.finish();

    let mut rng = ChaCha8Rng::seed_from_u64(SEED_QUERIES);
    let mut g = c.benchmark_group(format!("index/metric@{n}"));
    g.bench_function("nearest_10_open", |b| {
        let filter = PointFilter { statuses: StatusFilter::ACTIVE, ..PointFilter::default() };
        b.iter(|| {
            let (lon, lat) = fx::random_location(&mut rng);
            layer.nearest(lon, lat, 10, &filter)
        })
    });
    g.bench_function("duplicates_50m_7d", |b| {
        b.iter(|| layer.duplicate_candidates(rng.random_range(1..=n as u64), 50.0, 7 * 86_400))
    });
    g.finish();
}

/// Fence evaluation per GPS update: Tile38's fence cost (tile38#491) is the comparison.
fn fences(c: &mut Criterion) {
    let mut g = c.benchmark_group("index/fences");
    for (compounds, sites) in [(COMPOUNDS, SITES), (23_000, 0)] {
        let set = FenceSet::from_fences(fx::fences(compounds, sites).items)
            .unwrap_or_else(|e| panic!("fixture: {e}"));
        let total = compounds + sites;
        let mut rng = ChaCha8Rng::seed_from_u64(SEED_QUERIES);
        g.bench_function(BenchmarkId::new("containing", total), |b| {
            b.iter(|| {
                let (lon, lat) = fx::random_location(&mut rng);
                set.containing(lon, lat)
            })
        });
        // Baseline: the same answer by testing every fence (what a server without a fence index
        // does per update).
        g.bench_function(BenchmarkId::new("containing_linear_scan", total), |b| {
            b.iter(|| {
                let (lon, lat) = fx::random_location(&mut rng);
                let p = Point::new(lon, lat);
                set.iter().filter(|f| f.shape.intersects(&p)).count()
            })
        });
        let mut tracker = FenceTracker::new(TrackerConfig { dwell_s: Some(600) });
        let mut trucks: Vec<(f64, f64)> = (0..1_000).map(|_| fx::random_location(&mut rng)).collect();
        let mut t = YEAR_END;
        let mut i = 0usize;
        g.bench_function(BenchmarkId::new("tracker_update", total), |b| {
            b.iter(|| {
                i = (i + 1) % trucks.len();
                if i == 0 {
                    t += 10;
                }
                let p = &mut trucks[i];
                p.0 += rng.random_range(-0.0005..0.0005);
                p.1 += rng.random_range(-0.0005..0.0005);
                tracker.update(&set, i as u64, p.0, p.1, t)
            })
        });
    }
    g.finish();
}

criterion_group!(index, bulk_load, updates, queries, fences);
criterion_main!(index);
