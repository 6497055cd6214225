//! Shared pieces of the `index_report` binary: the seeded views, percentiles, the location
//! lookup timing and the side-by-side table.

use std::io::Write;
use std::time::{Duration, Instant};

use cityops_core::citypack::{CityPack, CityPackSources};
use cityops_core::index::{IndexConfig, LonLatBox, StatusFilter, ViewportQuery};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::index::random_location;

/// Views per run: 200 per zoom, zooms 10–18.
pub const VIEWS: usize = 1_800;
/// Screen width and height, pixels.
pub const SCREEN: (f64, f64) = (1920.0, 1080.0);

/// A map view: a 1920×1080 screen at a zoom.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    /// Web Mercator zoom.
    pub zoom: u8,
    /// What the screen shows.
    pub bbox: LonLatBox,
}

impl View {
    /// The index query for this view.
    pub fn query(&self, statuses: StatusFilter, max_items: usize) -> ViewportQuery {
        ViewportQuery { bbox: self.bbox, zoom: self.zoom, statuses, max_items }
    }
}

/// A `w`×`h` pixel screen centred on a point at `zoom`.
pub fn screen(lon: f64, lat: f64, zoom: u8, (w, h): (f64, f64)) -> LonLatBox {
    let m = IndexConfig::metres_per_px(zoom);
    let dx = w / 2.0 * m / cityops_core::geom::metres_per_deg_lon();
    let dy = h / 2.0 * m / cityops_core::geom::metres_per_deg_lat();
    LonLatBox { min_lon: lon - dx, min_lat: lat - dy, max_lon: lon + dx, max_lat: lat + dy }
}

/// `n` views, zooms 10–18 in turn, centred where the cases are (the fixture's own distribution,
/// so dense downtown views are as common as the data makes them).
pub fn views(n: usize, seed: u64) -> Vec<View> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let zoom = 10 + (i % 9) as u8;
            let (lon, lat) = random_location(&mut rng);
            View { zoom, bbox: screen(lon, lat, zoom, SCREEN) }
        })
        .collect()
}

/// Percentiles of a latency sample.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Pct {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Worst.
    pub max: Duration,
    /// Sample size.
    pub n: usize,
}

impl Pct {
    /// Percentiles of the sample (nearest rank).
    pub fn of(mut v: Vec<Duration>) -> Pct {
        if v.is_empty() {
            return Pct::default();
        }
        v.sort_unstable();
        let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
        Pct { p50: at(0.50), p99: at(0.99), max: v[v.len() - 1], n: v.len() }
    }
}

/// One size's figures.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Median of three bulk loads.
    pub load: Duration,
    /// Fastest bulk load.
    pub load_min: Duration,
    /// Heap bytes held by the loaded index, per point.
    pub bytes_per_point: f64,
    /// The same after 20,000 inserts and removals.
    pub bytes_per_point_after_updates: f64,
    /// Peak heap of the process so far.
    pub peak_bytes: usize,
    /// All views.
    pub viewport_all: Pct,
    /// Views at clustered zooms (10–16).
    pub viewport_clustered: Pct,
    /// Views above the cluster zooms (17–18): raw points, cut at the budget.
    pub viewport_raw: Pct,
    /// Mean items per view.
    pub mean_items: f64,
    /// Insert of a new case.
    pub insert: Pct,
    /// Removal of a case.
    pub remove: Pct,
    /// Move of a case to a random place.
    pub move_far: Pct,
    /// Move of a case by a ~10 m step.
    pub move_near: Pct,
    /// Status change.
    pub status: Pct,
    /// 10 nearest, any status.
    pub knn_all: Pct,
    /// 10 nearest open or overdue.
    pub knn_active: Pct,
    /// Feature by id.
    pub get: Pct,
    /// Point → grid → unit on the Qingdao pack.
    pub locate: Pct,
    /// Cluster cells per zoom level.
    pub cells: Vec<usize>,
    /// Of them, cells holding a single point (stored inline).
    pub single_cells: usize,
}

/// Latencies of `n` point → grid → unit lookups at seeded random land points of the Qingdao pack.
pub fn locate_latencies(n: usize) -> anyhow::Result<Pct> {
    let pack = CityPack::from_sources(&CityPackSources::qingdao())?;
    let mut rng = ChaCha8Rng::seed_from_u64(0xBE7C_0001);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let (lon, lat) = (rng.random_range(119.45..121.10), rng.random_range(35.55..37.15));
        let t = Instant::now();
        let hit = pack.locate(lon, lat);
        let d = t.elapsed();
        if hit.is_ok() {
            out.push(d);
        }
    }
    Ok(Pct::of(out))
}

fn us(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 { format!("{:.2} ms", us / 1000.0) } else { format!("{us:.2} µs") }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

/// Prints one size's table: figure, target, supercluster on the same points and views, verdict.
pub fn print_table(
    out: &mut impl Write,
    n: usize,
    f: &Figures,
    sc: Option<&serde_json::Value>,
) -> std::io::Result<()> {
    let scf = |key: &str| sc.and_then(|s| s.get(key)).and_then(serde_json::Value::as_f64);
    let sc_ms = |key: &str| scf(key).map_or("–".to_string(), |ms| us(Duration::from_secs_f64(ms / 1000.0)));
    let ten_m = n >= 10_000_000;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    writeln!(out)?;
    writeln!(out, "## {n} points")?;
    writeln!(out)?;
    writeln!(out, "| What | cityops | Target | supercluster (same points, same views) | Verdict |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    let load_ok = if ten_m { f.load.as_secs_f64() <= 2.0 } else { true };
    let sc_load = scf("load_ms");
    writeln!(
        out,
        "| Bulk load (median of 3; fastest) | {} ({}) | {} | {} | {}{} |",
        secs(f.load),
        secs(f.load_min),
        if ten_m { "≤ 2 s at 10 M" } else { "–" },
        sc_load.map_or("–".into(), |v| format!("{:.2} s", v / 1000.0)),
        if ten_m { verdict(load_ok) } else { "–" },
        sc_load.map_or(String::new(), |v| format!("; {:.1}× faster than supercluster", v / ms(f.load))),
    )?;
    writeln!(
        out,
        "| Heap bytes per point (index only) | {:.1} B | ≤ 64 B | {} | {} |",
        f.bytes_per_point,
        scf("heap_bytes_per_point")
            .map_or("–".into(), |v| format!("{v:.0} B (JS heap + typed arrays, index only)")),
        verdict(f.bytes_per_point <= 64.0)
    )?;
    writeln!(
        out,
        "| Heap bytes per point after 20,000 inserts + removals | {:.1} B | ≤ 64 B | – | {} |",
        f.bytes_per_point_after_updates,
        verdict(f.bytes_per_point_after_updates <= 64.0)
    )?;
    let vp = |name: &str, p: &Pct, key50: &str, key99: &str| -> String {
        format!(
            "| {name} p50 / p99 (max) | {} / {} ({}) | p99 ≤ 0.25 ms | {} / {} | {} |",
            us(p.p50),
            us(p.p99),
            us(p.max),
            sc_ms(key50),
            sc_ms(key99),
            verdict(p.p99.as_secs_f64() <= 0.25e-3)
        )
    };
    writeln!(out, "{}", vp("Viewport z10–18, all", &f.viewport_all, "viewport_p50_ms", "viewport_p99_ms"))?;
    writeln!(
        out,
        "{}",
        vp(
            "Viewport z10–16 (clusters)",
            &f.viewport_clustered,
            "viewport_clustered_p50_ms",
            "viewport_clustered_p99_ms"
        )
    )?;
    writeln!(
        out,
        "{}",
        vp(
            "Viewport z17–18 (raw points, budget 8,100)",
            &f.viewport_raw,
            "viewport_raw_p50_ms",
            "viewport_raw_p99_ms"
        )
    )?;
    writeln!(
        out,
        "| Items per view (mean) | {:.0} | – | {} | – |",
        f.mean_items,
        scf("mean_items").map_or("–".into(), |v| format!("{v:.0} (uncut)"))
    )?;
    let op = |name: &str, p: &Pct, target_us: f64, target: &str, anchor: &str| -> String {
        format!(
            "| {name} p50 / p99 | {} / {} | {target} | {anchor} | {} |",
            us(p.p50),
            us(p.p99),
            if target_us > 0.0 { verdict(p.p99.as_secs_f64() * 1e6 <= target_us) } else { "–" }
        )
    };
    let change = scf("change_one_ms").map_or("–".into(), |v| format!("{:.2} s (full reload)", v / 1000.0));
    writeln!(out, "{}", op("Insert a case, clusters current", &f.insert, 10.0, "≤ 10 µs", &change))?;
    writeln!(out, "{}", op("Remove a case", &f.remove, 10.0, "≤ 10 µs", &change))?;
    writeln!(out, "{}", op("Move a case to a random place", &f.move_far, 10.0, "≤ 10 µs", &change))?;
    writeln!(out, "{}", op("Move a case ~10 m", &f.move_near, 10.0, "≤ 10 µs", &change))?;
    writeln!(out, "{}", op("Status change", &f.status, 10.0, "≤ 10 µs", &change))?;
    writeln!(out, "{}", op("kNN k=10, any status (exact great-circle)", &f.knn_all, 0.0, "–", "–"))?;
    writeln!(out, "{}", op("kNN k=10, open + overdue", &f.knn_active, 0.0, "–", "–"))?;
    writeln!(out, "{}", op("Feature by id", &f.get, 5.0, "–", "–"))?;
    writeln!(out, "{}", op("Location lookup (point → grid → unit)", &f.locate, 5.0, "≤ 5 µs", "–"))?;
    writeln!(out)?;
    writeln!(
        out,
        "Peak heap of the process so far: {:.0} MB. Cluster cells: {} in all ({} of one point, \
         stored inline); per zoom {:?}.",
        f.peak_bytes as f64 / 1e6,
        f.cells.iter().sum::<usize>(),
        f.single_cells,
        f.cells
    )?;
    Ok(())
}
