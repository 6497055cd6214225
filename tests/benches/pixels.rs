//! Event → pixel benchmark: how long from a report acknowledged by the service (`POST
//! /api/v1/cases` answered) to its case point on the map's canvas, in the **real desktop window**
//! (Tauri + WebKitGTK under Xvfb, on the embedded service with its simulated city) and in headless
//! **Chromium** (served by `cityops-server --simulate`), at 50 and at 1,000 reports a second.
//!
//! The console looks at 五四广场 at z16 with every layer on; the reports fall in that view. The
//! page logs when each case event arrived and when the first frame after it finished on the
//! canvas (rasterised: a 1-pixel read-back) — `window.cityops.bench_pixels` — on the host's wall
//! clock (`Date.now()`, whole milliseconds), as the benchmark logs each acknowledgement. Printed:
//! acknowledged → drawn, and its two parts (→ arrived in the page, arrived → drawn), p50 / p99 /
//! max, beside the anchor of one 60 Hz frame (16.7 ms). An arrival before the acknowledgement
//! (the event overtook the HTTP answer) counts as 0.
//!
//! Needs the built binaries and UI (`bash scripts/build-ui.sh; cargo build --workspace --bins`),
//! `tauri-driver`, `chromedriver` and a display:
//!
//! ```text
//! bash scripts/with-display.sh cargo bench -p cityops-tests --bench pixels -- [--seconds 10] [--rates 50,1000] [--only desktop|chromium]
//! ```
//!
//! The reports and the simulated city are **synthetic** (fixed seed).

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cityops_tests::{
    Api, Driver, chromium_session, desktop_session, embedded_api, fresh_dir, simulated_service_with_ui,
};
use serde_json::Value;

/// A Monday morning, so the synthetic city is busy.
const ORIGIN: &str = "2026-03-02T08:30:00";
/// One frame at 60 Hz, in milliseconds.
const BUDGET_MS: f64 = 1000.0 / 60.0;
/// 五四广场, the view the reports fall in.
const VIEW: (f64, f64, f64) = (120.3845, 36.0625, 16.0);
/// Reports in flight at most.
const IN_FLIGHT: usize = 64;

struct Opts {
    seconds: u64,
    rates: Vec<u32>,
    only: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts { seconds: 10, rates: vec![50, 1000], only: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => o.seconds = args.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--rates" => {
                o.rates = args
                    .next()
                    .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
                    .expect("--rates 50,1000")
            }
            "--only" => o.only = args.next(),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    o
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

/// p50, p99 and max.
fn stats(v: &[f64]) -> (f64, f64, f64) {
    let mut t = v.to_vec();
    t.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let i = ((t.len() as f64 - 1.0) * q).round() as usize;
        t.get(i).copied().unwrap_or(f64::NAN)
    };
    (at(0.5), at(0.99), t.last().copied().unwrap_or(f64::NAN))
}

fn body(seq: usize, rng: &mut u64) -> String {
    let mut next = || {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        (*rng % 6000) as f64 / 1e6 - 0.003
    };
    format!(
        r#"{{"type_key":{{"kind":"matter","code":"06010"}},"channel":"inspector","lon":{},"lat":{},"description":"pixels #{seq} (synthetic)"}}"#,
        VIEW.0 + next(),
        VIEW.1 + 0.002 + next().abs()
    )
}

/// File `rate` reports a second for `seconds`; each acknowledged case's id and acknowledgement
/// time (epoch ms), and the rate reached.
async fn publish(api: &Api, rate: u32, seconds: u64) -> (HashMap<i64, f64>, f64) {
    let total = rate as usize * seconds as usize;
    let acks = Arc::new(Mutex::new(HashMap::with_capacity(total)));
    let gate = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let period = Duration::from_secs_f64(1.0 / f64::from(rate));
    let started = tokio::time::Instant::now();
    let mut rng = 0x1A6E_5700_u64;
    let mut tasks = Vec::with_capacity(total);
    for seq in 0..total {
        tokio::time::sleep_until(started + period * seq as u32).await;
        let permit = gate.clone().acquire_owned().await.unwrap();
        let (api, acks, body) = (api.clone(), acks.clone(), body(seq, &mut rng));
        tasks.push(tokio::spawn(async move {
            let resp = api.send_report(body).await;
            let at = epoch_ms();
            let status = resp.status();
            let v: Value = resp.json().await.unwrap();
            assert!(status.is_success(), "report refused: {status} {v}");
            acks.lock().unwrap().insert(v["id"].as_i64().unwrap(), at);
            drop(permit);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let reached = total as f64 / started.elapsed().as_secs_f64();
    let acks = std::mem::take(&mut *acks.lock().unwrap());
    (acks, reached)
}

struct Row {
    place: &'static str,
    rate: u32,
    reached: f64,
    acked: usize,
    drawn: usize,
    total: (f64, f64, f64),
    arrive: (f64, f64, f64),
    draw: (f64, f64, f64),
    /// Frames drawn a second during the run (counted until every point was drawn), and their
    /// times.
    frames: (f64, (f64, f64, f64)),
    /// Long tasks on the page's main thread during the run: how many, the longest (ms).
    long: Option<(usize, f64)>,
    /// Viewport answers the page asked the service for during the run.
    asks: u64,
}

async fn measure(d: &Driver, api: &Api, place: &'static str, o: &Opts) -> Vec<Row> {
    d.wait_find("#map-canvas", 90).await;
    let (lon, lat, zoom) = VIEW;
    d.js(&format!("window.cityops.bench_view({lon}, {lat}, {zoom}, 'all'); return 1;")).await;
    // Let the view's layers arrive (the overlays and the cameras' cones) and settle: the same
    // item count twice, 3 s apart, or 30 s (trucks and the simulated city keep moving).
    let started = Instant::now();
    let mut last = Value::Null;
    loop {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let s: Value =
            serde_json::from_str(d.js("return window.cityops.bench_state();").await.as_str().unwrap_or("{}"))
                .unwrap_or_default();
        let ready = s["items"].as_u64().unwrap_or(0) > 0
            && s["overlays"].as_object().is_some_and(|m| m.len() >= 3)
            && s["view_cameras"].as_u64().unwrap_or(0) > 0;
        if ready && (s["items"] == last["items"] || started.elapsed() > Duration::from_secs(30)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "{place}: the view did not settle: {s}");
        last = s;
    }
    // Tasks of 50 ms or more on the page's main thread (Chromium reports them; WebKit does not).
    d.js("window.__long = []; if ((PerformanceObserver.supportedEntryTypes || []).includes('longtask')) { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask' }); window.__long_seen = true; } return 1;").await;
    let mut rows = Vec::new();
    for &rate in &o.rates {
        d.js("window.cityops.bench_pixels(true); window.__long = []; return 1;").await;
        eprintln!("{place}: {rate} reports/s for {} s", o.seconds);
        let (acks, reached) = publish(api, rate, o.seconds).await;
        // Every acknowledged case drawn, or 15 s.
        let mut seen: HashMap<i64, (f64, f64)> = HashMap::new();
        let mut frames: Vec<f64> = Vec::new();
        let mut asks = 0;
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = d.js("return window.cityops.bench_pixels_take();").await;
            let got: Value = serde_json::from_str(text.as_str().unwrap_or("{}")).unwrap_or_default();
            frames.extend(got["frames"].as_array().into_iter().flatten().filter_map(Value::as_f64));
            asks += got["asks"].as_u64().unwrap_or(0);
            let drawn: Vec<(i64, f64, f64)> =
                serde_json::from_value(got["drawn"].clone()).unwrap_or_default();
            for (id, arrived, drawn) in drawn {
                seen.entry(id).or_insert((arrived, drawn));
            }
            if acks.keys().all(|id| seen.contains_key(id)) || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        d.js("window.cityops.bench_pixels(false); return 1;").await;
        let long: Vec<f64> = serde_json::from_str(
            d.js("return window.__long_seen ? JSON.stringify(window.__long) : 'null';")
                .await
                .as_str()
                .unwrap_or("null"),
        )
        .unwrap_or_default();
        let (mut total, mut arrive, mut draw) = (Vec::new(), Vec::new(), Vec::new());
        for (id, ack) in &acks {
            if let Some((arrived, drawn)) = seen.get(id) {
                total.push((drawn - ack).max(0.0));
                arrive.push((arrived - ack).max(0.0));
                draw.push(drawn - arrived);
            }
        }
        rows.push(Row {
            place,
            rate,
            reached,
            acked: acks.len(),
            drawn: total.len(),
            total: stats(&total),
            arrive: stats(&arrive),
            draw: stats(&draw),
            frames: (frames.len() as f64 / (o.seconds as f64), stats(&frames)),
            long: (d.js("return !!window.__long_seen;").await == Value::Bool(true))
                .then(|| (long.len(), long.iter().copied().fold(0.0, f64::max))),
            asks,
        });
        // Let the map take in the last burst before the next rate.
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    rows
}

async fn desktop(o: &Opts) -> Vec<Row> {
    let data = fresh_dir("pixels-desktop");
    let (_driver, d) = desktop_session(&data, ORIGIN, &[]).await;
    let api = embedded_api(&data).await;
    let rows = measure(&d, &api, "desktop", o).await;
    d.quit().await;
    rows
}

async fn chromium(o: &Opts) -> Vec<Row> {
    let data = fresh_dir("pixels-chromium");
    let (_svc, api) = simulated_service_with_ui(&data, "pixels", ORIGIN).await;
    let (_cd, d) = chromium_session(&data, "1920,1080").await;
    d.goto(&format!("{0}/?server={0}&token={1}", api.base, api.token)).await;
    let rows = measure(&d, &api, "chromium", o).await;
    d.quit().await;
    rows
}

fn ms((p50, p99, max): (f64, f64, f64)) -> String {
    format!("{p50:.0} / {p99:.0} / {max:.0}")
}

fn main() {
    let o = opts();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let rows = rt.block_on(async {
        let mut rows = Vec::new();
        if o.only.as_deref() != Some("chromium") {
            rows.extend(desktop(&o).await);
        }
        if o.only.as_deref() != Some("desktop") {
            rows.extend(chromium(&o).await);
        }
        rows
    });
    println!();
    println!(
        "Report acknowledged → its point drawn, 1920×1080 console at 五四广场 z16, every layer on, {} s per rate (ms: p50 / p99 / max; anchor: one 60 Hz frame = {BUDGET_MS:.1} ms).",
        o.seconds
    );
    println!(
        "| window | reports/s asked (reached) | drawn / acknowledged | ack → drawn | ack → arrived | arrived → drawn | p99 within one frame | frames drawn /s, each ms | page tasks ≥ 50 ms (longest) | viewport answers asked |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} ({:.0}) | {} / {} | {} | {} | {} | {} | {:.0}, {} | {} | {} |",
            r.place,
            r.rate,
            r.reached,
            r.drawn,
            r.acked,
            ms(r.total),
            ms(r.arrive),
            ms(r.draw),
            if r.total.1 <= BUDGET_MS { "yes" } else { "no" },
            r.frames.0,
            ms(r.frames.1),
            r.long.map_or_else(|| "not reported".to_owned(), |(n, max)| format!("{n} ({max:.0} ms)")),
            r.asks,
        );
    }
}
