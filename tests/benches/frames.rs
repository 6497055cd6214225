//! Frame benchmark: how long the map takes to draw one frame on the wall (3840×2160) with every
//! layer on, at city zoom (z12) and street zoom (z16), in the **real desktop window** (Tauri +
//! WebKitGTK under Xvfb, on the embedded service with its simulated city) and in headless
//! **Chromium** (served by `cityops-server --simulate`). Each frame pans the view by 3 px, draws it
//! and is forced to rasterise (a 1-pixel read-back), so the time covers the drawing calls and the
//! pixels. Three ways: live (the still part copied from its picture), after a zoom (a new still
//! picture drawn a slice per frame, with how many frames each took) and full (the still part drawn
//! whole every frame). Printed beside its anchors from the same run: the 60 Hz budget (16.7 ms) and the floor,
//! frames that only fill the same canvas and read it back.
//!
//! Needs the built binaries and UI (`bash scripts/build-ui.sh; cargo build --workspace --bins`),
//! `tauri-driver`, `chromedriver` and a display:
//!
//! ```text
//! bash scripts/with-display.sh cargo bench -p cityops-tests --bench frames -- [--frames 120] [--warm 90] [--only desktop|chromium]
//! ```
//!
//! The simulated city is **synthetic**. Screenshots of each measured view go to
//! `target/bench/frames-{desktop,chromium}-{wall,console}-{z12,z16}.png`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use cityops_tests::{
    Driver, chromium_session, desktop_session, fresh_dir, simulated_service_with_ui, target_dir,
};
use serde_json::Value;

/// A Monday morning, so the synthetic city is busy.
const ORIGIN: &str = "2026-03-02T08:30:00";
/// One frame at 60 Hz, in milliseconds.
const BUDGET_MS: f64 = 1000.0 / 60.0;

/// The views measured: a name, the centre and the zoom.
const VIEWS: [(&str, f64, f64, f64); 2] = [
    // The old city and its neighbours: 市南, 市北, 李沧 and the bay.
    ("z12", 120.385, 36.095, 12.0),
    // 五四广场 and the streets behind it: the densest cases and cameras.
    ("z16", 120.3845, 36.0625, 16.0),
];

struct Opts {
    frames: u32,
    warm: u64,
    only: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts { frames: 120, warm: 90, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--frames" => o.frames = args.next().and_then(|v| v.parse().ok()).expect("--frames N"),
            "--warm" => o.warm = args.next().and_then(|v| v.parse().ok()).expect("--warm SECONDS"),
            "--only" => o.only = args.next(),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    o
}

/// p50, p99 and max of `times` (milliseconds).
fn stats(times: &[f64]) -> (f64, f64, f64) {
    let mut t = times.to_vec();
    t.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((t.len() as f64 - 1.0) * q).round() as usize;
        t.get(i).copied().unwrap_or(f64::NAN)
    };
    (at(0.5), at(0.99), t.last().copied().unwrap_or(f64::NAN))
}

fn times(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

struct Row {
    place: &'static str,
    screen: &'static str,
    view: &'static str,
    state: Value,
    floor: (f64, f64, f64),
    cold: (f64, f64, f64),
    zoomed: (f64, f64, f64),
    /// Frames a new still picture took, on average, and their milliseconds in all.
    per_picture: (f64, f64),
    frame: (f64, f64, f64),
}

/// Measure both views on the page the driver shows (the wall or the console).
async fn measure(d: &Driver, place: &'static str, screen: &'static str, o: &Opts) -> Vec<Row> {
    let mut rows = Vec::new();
    for (name, lon, lat, zoom) in VIEWS {
        d.js(&format!("window.cityops.bench_view({lon}, {lat}, {zoom}, 'all'); return 1;")).await;
        // Wait for the view's items and overlays (and at z16 the cameras' cones) to arrive and
        // the picture to settle (the same item count twice, 3 s apart, or 30 s).
        let started = Instant::now();
        let mut last = Value::Null;
        let state = loop {
            tokio::time::sleep(Duration::from_secs(3)).await;
            let s: Value = serde_json::from_str(
                d.js("return window.cityops.bench_state();").await.as_str().unwrap_or("{}"),
            )
            .unwrap_or_default();
            let ready = s["items"].as_u64().unwrap_or(0) > 0
                && s["overlays"].as_object().is_some_and(|m| m.len() >= 3)
                && (zoom < 16.0 || s["view_cameras"].as_u64().unwrap_or(0) > 0);
            if ready && (s["items"] == last["items"] || started.elapsed() > Duration::from_secs(30)) {
                break s;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "{place} {screen} {name}: the view did not settle: {s}"
            );
            last = s;
        };
        let n = o.frames;
        let floor = times(&d.js(&format!("return window.cityops.bench_floor({n});")).await);
        let cold = times(&d.js(&format!("return window.cityops.bench_frames({n}, 'full');")).await);
        let done = |s: Value| {
            serde_json::from_str::<Value>(s.as_str().unwrap_or("{}")).unwrap_or_default()["pictures_done"]
                .as_f64()
                .unwrap_or(0.0)
        };
        let before = done(d.js("return window.cityops.bench_state();").await);
        let zoomed = times(&d.js(&format!("return window.cityops.bench_frames({n}, 'zoomed');")).await);
        let pictures = done(d.js("return window.cityops.bench_state();").await) - before;
        let per_picture = (zoomed.len() as f64 / pictures, zoomed.iter().sum::<f64>() / pictures);
        let frame = times(&d.js(&format!("return window.cityops.bench_frames({n}, 'live');")).await);
        assert_eq!(zoomed.len(), n as usize, "{place} {screen} {name}: bench_frames answered {zoomed:?}");
        assert_eq!(frame.len(), n as usize, "{place} {screen} {name}: bench_frames answered {frame:?}");
        assert_eq!(cold.len(), n as usize, "{place} {screen} {name}: bench_frames answered {cold:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        d.screenshot(&target_dir().join(format!("bench/frames-{place}-{screen}-{name}.png"))).await;
        rows.push(Row {
            place,
            screen,
            view: name,
            state,
            floor: stats(&floor),
            cold: stats(&cold),
            zoomed: stats(&zoomed),
            per_picture,
            frame: stats(&frame),
        });
    }
    rows
}

/// Let the simulated city run, then measure the wall (pinned, so its layers stay) and the
/// console at `console_url` on the same screen.
async fn both_screens(d: &Driver, place: &'static str, console_url: &str, o: &Opts) -> Vec<Row> {
    d.wait_find("#wall", 90).await;
    d.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: 'p' })); return 1;").await;
    d.wait_content(".wall-pace", "已固定", 10).await;
    eprintln!("{place}: the simulated city runs for {} s (time ×60)", o.warm);
    tokio::time::sleep(Duration::from_secs(o.warm)).await;
    let mut rows = measure(d, place, "wall", o).await;
    d.goto(console_url).await;
    d.wait_find("#map-canvas", 60).await;
    rows.extend(measure(d, place, "console", o).await);
    rows
}

async fn desktop(o: &Opts) -> Vec<Row> {
    let data = fresh_dir("frames-desktop");
    let (_driver, d) = desktop_session(&data, ORIGIN, &["--wall", "--scene-seconds", "600"]).await;
    // The console: the same app page without the wall's query.
    let url = d.js("return location.origin + location.pathname;").await;
    let rows = both_screens(&d, "desktop", url.as_str().unwrap(), o).await;
    d.quit().await;
    rows
}

async fn chromium(o: &Opts) -> Vec<Row> {
    let data = fresh_dir("frames-chromium");
    // The same city as the desktop's embedded one (sensors every 10 simulated minutes).
    let (_svc, api) = simulated_service_with_ui(&data, "frames", ORIGIN).await;
    let (_cd, d) = chromium_session(&data, "3840,2160").await;
    let console = format!("{0}/?server={0}&token={1}", api.base, api.token);
    d.goto(&format!("{console}&wall=1&scene_seconds=600")).await;
    let rows = both_screens(&d, "chromium", &console, o).await;
    d.quit().await;
    rows
}

fn print(rows: &[Row], o: &Opts) {
    println!();
    println!(
        "Frames with every layer on, {} per column, each panned 3 px and rasterised (ms: p50 / p99 / max).",
        o.frames
    );
    println!(
        "live: the still part (base map, outlines, labels) copied from its picture, as while events arrive or"
    );
    println!(
        "the view pans; after a zoom: a new still picture drawn a slice per frame (the last one, scaled, shown"
    );
    println!(
        "meanwhile), and the frames and ms each picture took; full: the still part drawn whole in one frame."
    );
    println!(
        "Anchors: the 60 Hz budget ({BUDGET_MS:.1} ms) and the floor (fill the same canvas and read it back)."
    );
    println!(
        "{:<9} {:<8} {:<5} {:>11} {:>5} {:>5} {:>5} {:>20} {:>20} {:>20} {:>14} {:>20} {:>13}",
        "where",
        "screen",
        "view",
        "canvas px",
        "dpr",
        "items",
        "cones",
        "floor",
        "live frame",
        "after a zoom",
        "picture in",
        "full frame",
        "p99 ≤ 16.7"
    );
    for r in rows {
        let s = &r.state;
        let f = |t: (f64, f64, f64)| format!("{:.1} / {:.1} / {:.1}", t.0, t.1, t.2);
        let met = |t: (f64, f64, f64)| if t.1 <= BUDGET_MS { "yes" } else { "no" };
        println!(
            "{:<9} {:<8} {:<5} {:>11} {:>5} {:>5} {:>5} {:>20} {:>20} {:>20} {:>14} {:>20} {:>13}",
            r.place,
            r.screen,
            r.view,
            format!("{}×{}", s["width"], s["height"]),
            s["dpr"].as_f64().map_or("?".into(), |v| format!("{v:.0}")),
            s["items"],
            s["view_cameras"],
            f(r.floor),
            f(r.frame),
            f(r.zoomed),
            format!("{:.1} fr, {:.0} ms", r.per_picture.0, r.per_picture.1),
            f(r.cold),
            format!("{} / {} / {}", met(r.frame), met(r.zoomed), met(r.cold)),
        );
    }
    println!(
        "(items: clusters and points in the view from the service; cones: cameras whose view cone reaches into it;"
    );
    println!("p99 ≤ 16.7: live / after a zoom / full)");
}

fn main() {
    let o = opts();
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!(
            "no display: run under scripts/with-display.sh (see the header of tests/benches/frames.rs)"
        );
        std::process::exit(2);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut rows = Vec::new();
    if o.only.as_deref().is_none_or(|w| w == "desktop") {
        rows.extend(rt.block_on(desktop(&o)));
    }
    if o.only.as_deref().is_none_or(|w| w == "chromium") {
        rows.extend(rt.block_on(chromium(&o)));
    }
    print(&rows, &o);
}
