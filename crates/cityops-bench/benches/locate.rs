//! Point → grid → community → street → district → unit lookup on the committed Qingdao pack
//! (target: ≤ 5 µs per lookup). 100,000 seeded random land points per iteration; plus the time to
//! load the pack.

use cityops_core::citypack::{CityPack, CityPackSources};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const SEED_1: u64 = 0xBE7C_0001;
const POINTS: usize = 100_000;

fn load() -> CityPack {
    CityPack::from_sources(&CityPackSources::qingdao()).unwrap_or_else(|e| panic!("pack: {e}"))
}

fn land_points(pack: &CityPack) -> Vec<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED_1);
    let mut pts = Vec::with_capacity(POINTS);
    while pts.len() < POINTS {
        let (lon, lat) = (rng.random_range(119.45..121.10), rng.random_range(35.55..37.15));
        if pack.locator.locate(lon, lat).is_ok() {
            pts.push((lon, lat));
        }
    }
    pts
}

fn bench(c: &mut Criterion) {
    let pack = load();
    let pts = land_points(&pack);
    let mut g = c.benchmark_group("locate");
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("grid_100k_land_points", |b| {
        b.iter(|| {
            for &(lon, lat) in &pts {
                let _ = black_box(pack.locator.locate(black_box(lon), black_box(lat)));
            }
        })
    });
    g.bench_function("resolved_to_unit_100k_land_points", |b| {
        b.iter(|| {
            for &(lon, lat) in &pts {
                let r = pack.locate(black_box(lon), black_box(lat));
                let _ = black_box(r.map(|r| r.unit.code.len()));
            }
        })
    });
    g.finish();
    let mut g = c.benchmark_group("locate_miss");
    g.bench_function("at_sea", |b| {
        b.iter(|| black_box(pack.locate(black_box(120.5), black_box(35.9)).is_err()))
    });
    g.bench_function("outside_city", |b| {
        b.iter(|| black_box(pack.locate(black_box(118.0), black_box(30.0)).is_err()))
    });
    g.finish();
}

/// Parsing and indexing the whole pack (server / desktop start-up).
fn bench_load(c: &mut Criterion) {
    c.bench_function("citypack/from_sources_qingdao", |b| b.iter(|| black_box(load().locator.len())));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_group! {
    name = loading;
    config = Criterion::default().sample_size(10);
    targets = bench_load
}
criterion_main!(benches, loading);
