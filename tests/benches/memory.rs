//! Memory benchmark: what a supervisor's desk holds. The **real desktop window** (Tauri +
//! WebKitGTK under Xvfb, the default 1600×900 console, the embedded service with its simulated
//! city at ×60) runs for `--warm` seconds with every layer switched on at city zoom (so the
//! compounds, routes and sites are loaded), and then the resident (RSS) and proportional (PSS)
//! memory of each of its processes — the shell with the service and simulator, WebKit's web and
//! network processes — is read from `/proc/PID/smaps_rollup`, every `--every` seconds of the run
//! and at its end. Printed beside the anchor, the issue's target for the whole desk (400 MB), and
//! the cases the service holds then.
//!
//! Needs the built binaries and UI (`bash scripts/build-ui.sh`, `cargo build --release -p
//! cityops-desktop` with `CITYOPS_BIN_DIR=target/release`), `tauri-driver` and a display:
//!
//! ```text
//! bash scripts/with-display.sh cargo bench -p cityops-tests --bench memory -- [--warm 90] [--every 15] [--maps N]
//! ```
//!
//! The simulated city is **synthetic**.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cityops_tests::{desktop_session, embedded_api, fresh_dir};

/// A Monday morning, so the synthetic city is busy.
const ORIGIN: &str = "2026-03-02T08:30:00";
/// The issue's target for the whole desk, MB.
const TARGET_MB: f64 = 400.0;
/// City zoom over the old city, every layer on.
const VIEW: (f64, f64, f64) = (120.385, 36.095, 12.0);

struct Opts {
    warm: u64,
    every: u64,
    /// Print this many of each process's largest mappings (by RSS) at the end.
    maps: usize,
}

fn opts() -> Opts {
    let mut o = Opts { warm: 90, every: 15, maps: 0 };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--warm" => o.warm = args.next().and_then(|v| v.parse().ok()).expect("--warm SECONDS"),
            "--every" => o.every = args.next().and_then(|v| v.parse().ok()).expect("--every SECONDS"),
            "--maps" => o.maps = args.next().and_then(|v| v.parse().ok()).expect("--maps N"),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    o
}

/// The process ids under `root` (its children, theirs, …), with their names.
fn descendants(root: u32) -> Vec<(u32, String)> {
    let mut parent = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
        let Some(close) = stat.rfind(')') else { continue };
        let name = stat[stat.find('(').map_or(0, |i| i + 1)..close].to_owned();
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parent.insert(pid, (ppid, name));
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for (pid, (ppid, name)) in &parent {
            if *ppid == p {
                out.push((*pid, name.clone()));
                frontier.push(*pid);
            }
        }
    }
    out
}

/// RSS, PSS and the anonymous part of RSS (the process's own heap and stacks, not the pages of
/// its binary and libraries) of `pid`, MB.
fn usage(pid: u32) -> Option<(f64, f64, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let kb = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
    };
    Some((kb("Rss:")? / 1024.0, kb("Pss:")? / 1024.0, kb("Anonymous:")? / 1024.0))
}

/// The desk's processes under the driver, the drivers themselves left out: (pid, name).
fn desk_processes(driver: u32) -> Vec<(u32, String)> {
    let is_driver = |name: &str| name.starts_with("tauri-driver") || name.starts_with("WebKitWebDrive");
    descendants(driver).into_iter().filter(|(_, name)| !is_driver(name)).collect()
}

/// The desk's processes: name → (RSS, PSS, anonymous) MB.
fn desk(driver: u32) -> BTreeMap<String, (f64, f64, f64)> {
    let mut out = BTreeMap::new();
    for (pid, name) in desk_processes(driver) {
        if let Some((rss, pss, anon)) = usage(pid) {
            let e = out.entry(name).or_insert((0.0, 0.0, 0.0));
            e.0 += rss;
            e.1 += pss;
            e.2 += anon;
        }
    }
    out
}

/// RSS of `pid` per mapping (the file's path, or `[heap]`, `[anon]`, …), MB, largest first.
fn mappings(pid: u32) -> Vec<(String, f64)> {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else { return Vec::new() };
    let mut by = BTreeMap::<String, f64>::new();
    let mut current = String::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            // `start-end perms offset dev inode [path]`
            current = words.nth(4).map_or_else(|| "[anon]".to_owned(), str::to_owned);
        } else if first == "Rss:" {
            let kb = words.next().and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            *by.entry(current.clone()).or_default() += kb / 1024.0;
        }
    }
    let mut out: Vec<_> = by.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

fn total(m: &BTreeMap<String, (f64, f64, f64)>) -> (f64, f64, f64) {
    m.values().fold((0.0, 0.0, 0.0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2))
}

fn main() {
    let o = opts();
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("no display: run under scripts/with-display.sh");
        std::process::exit(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let data = fresh_dir("memory-desktop");
        let (driver, d) = desktop_session(&data, ORIGIN, &[]).await;
        d.wait_find("#map-canvas", 90).await;
        let api = embedded_api(&data).await;
        let (lon, lat, zoom) = VIEW;
        d.js(&format!("window.cityops.bench_view({lon}, {lat}, {zoom}, 'all'); return 1;")).await;
        let root = driver.0.id();
        let start = Instant::now();
        eprintln!("the simulated city runs for {} s (time ×60), every layer on at z{zoom}", o.warm);
        let mut samples = Vec::new();
        while start.elapsed() < Duration::from_secs(o.warm) {
            tokio::time::sleep(Duration::from_secs(o.every).min(Duration::from_secs(o.warm) - start.elapsed()))
                .await;
            let m = desk(root);
            let (rss, pss, _) = total(&m);
            eprintln!("  {:>3} s: {rss:.0} MB resident, {pss:.0} MB proportional", start.elapsed().as_secs());
            samples.push((start.elapsed().as_secs(), rss, pss));
        }
        let state = d.js("return window.cityops.bench_state();").await;
        let cases = api
            .http
            .get(format!("{}/api/v1/cases?limit=1", api.base))
            .bearer_auth(&api.token)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()["total"]
            .clone();
        let m = desk(root);
        if o.maps > 0 {
            for (pid, name) in desk_processes(root) {
                println!("{name} ({pid}), its {} largest mappings (RSS MB):", o.maps);
                for (path, mb) in mappings(pid).into_iter().take(o.maps) {
                    println!("  {mb:7.1}  {path}");
                }
            }
        }
        d.quit().await;
        println!();
        println!(
            "The desktop console (1600×900, every layer on at z{zoom}) after {} s of the synthetic city at ×60: {cases} cases in the service.",
            o.warm
        );
        println!("| process | RSS MB | PSS MB | of RSS: anonymous MB | of RSS: binary, libraries, fonts, shared MB |");
        println!("|---|---|---|---|---|");
        for (name, (rss, pss, anon)) in &m {
            println!("| {name} | {rss:.0} | {pss:.0} | {anon:.0} | {:.0} |", rss - anon);
        }
        let (rss, pss, anon) = total(&m);
        let met = if rss <= TARGET_MB { "met" } else { "not met" };
        println!("| **total** | **{rss:.0}** | **{pss:.0}** | **{anon:.0}** | **{:.0}** |", rss - anon);
        println!("| anchor: the target for the whole desk | {TARGET_MB:.0} | | | |");
        println!("Total RSS {rss:.0} MB against {TARGET_MB:.0} MB: {met}.");
        println!(
            "Over the run (s: RSS / PSS MB): {}",
            samples.iter().map(|(s, r, p)| format!("{s}: {r:.0} / {p:.0}")).collect::<Vec<_>>().join("; ")
        );
        let page: serde_json::Value = serde_json::from_str(state.as_str().unwrap_or("{}")).unwrap_or_default();
        if let Some(bytes) = page["wasm_bytes"].as_f64() {
            println!("Of the web process, the page's wasm heap (its linear memory): {:.0} MB.", bytes / 1_048_576.0);
        }
        println!("(the page: {})", state.as_str().unwrap_or("?"));
    });
}
