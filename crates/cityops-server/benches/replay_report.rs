//! The replay report: how fast the service rebuilds the city's picture at a past instant
//! (`viewport?at=`), on SQLite, at Qingdao's scale, beside its anchor in the same run — rebuilding
//! the same instants by replaying the whole log from its start (what there is without snapshots)
//! — and the issue's target (under 1 s).
//!
//! ```text
//! cargo bench -p cityops-server --bench replay_report -- [--days 3] [--cases-per-day 26000] [--trucks 1000] [--fix-seconds 60] [--instants 100] [--dir DIR]
//! ```
//!
//! It writes a synthetic history into a fresh SQLite store through the store's own interface:
//! every case's events (reported, registered, dispatched with a deadline, handled, closed after
//! 1–36 hours), every truck's GPS fixes (05:00–21:00), alerts, and a snapshot every hour of it
//! written the way the service's keeper writes them (a `Frame` aged to the hour, encoded by
//! `cityops_server::history::encode`). Then it asks the service's `History` for the picture at
//! seeded random instants over the span, builds its map and answers a city view at zoom 11
//! with cases, trucks and alerts. All data is **synthetic** (fixed seed); the rates are Qingdao's
//! published scale (9.54 M cases in 2023 ≈ 26,000 a day).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use cityops_api::query::{CommaList, ViewQuery};
use cityops_api::{CaseDto, CaseStatus, EventBody, LayerKind, LiveEvent, Stage};
use cityops_core::calendar::to_timestamp;
use cityops_core::history::Frame;
use cityops_server::history::{History, HistoryConfig, encode};
use cityops_store::{NewEvent, StoredSnapshot};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x5EED_2E91;
/// Grid cells of four districts (市南, 市北, 崂山, 李沧), so district views have their own cases.
const GRIDS: [&str; 4] = ["370202001001001", "370203001001001", "370212001001001", "370213001001001"];

fn flag<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A case's next change, ordered by time.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Due(NaiveDateTime, i64, u8);

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let days: i64 = flag(&args, "--days", 3);
    let per_day: u32 = flag(&args, "--cases-per-day", 26_000);
    let trucks: u32 = flag(&args, "--trucks", 1_000);
    let fix_s: i64 = flag(&args, "--fix-seconds", 60);
    let instants: usize = flag(&args, "--instants", 100);
    let dir = match args.iter().position(|a| a == "--dir").and_then(|i| args.get(i + 1)) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("cityops-replay-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("replay.sqlite");
    let _ = std::fs::remove_file(&db);
    let store = cityops_store::open(&format!("sqlite://{}", db.display())).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "# cityops replay report (synthetic data, seed {SEED:#x})")?;
    writeln!(
        out,
        "history: {days} days, {per_day} cases/day, {trucks} trucks with a fix every {fix_s} s (05:00–21:00), a snapshot an hour; SQLite at {}",
        db.display()
    )?;

    // Write the history hour by hour, as the service would have.
    let start = NaiveDate::from_ymd_opt(2026, 1, 5).and_then(|d| d.and_hms_opt(0, 0, 0)).unwrap_or_default();
    let end = start + TimeDelta::days(days);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut pending: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
    let mut cases: std::collections::HashMap<i64, CaseDto> = std::collections::HashMap::new();
    let mut frame = Frame::default();
    let mut next_id = 1i64;
    let (mut n_events, mut snap_bytes, mut snaps) = (0usize, 0usize, 0usize);
    let written = Instant::now();
    let mut hour = start;
    while hour < end {
        let next = hour + TimeDelta::hours(1);
        let mut batch: Vec<(NaiveDateTime, EventBody)> = Vec::new();
        // New reports this hour.
        for _ in 0..(per_day / 24) {
            let at = hour + TimeDelta::seconds(rng.random_range(0..3600));
            let id = next_id;
            next_id += 1;
            let grid = GRIDS[rng.random_range(0..GRIDS.len())];
            let c = CaseDto {
                case_no: format!("QD{}{id:07}", at.format("%Y%m%d")),
                lon: 120.33 + rng.random_range(0.0..0.17),
                lat: 36.05 + rng.random_range(0.0..0.12),
                stage: Stage::Collect,
                created_at: to_timestamp(at),
                updated_at: to_timestamp(at),
                ..cityops_test_support::in_grid(cityops_test_support::case(id), grid)
            };
            let life = TimeDelta::minutes(rng.random_range(60..36 * 60));
            for (k, share) in [(1u8, 0.05), (2, 0.15), (3, 0.6), (4, 1.0)] {
                let when = at + TimeDelta::seconds((life.num_seconds() as f64 * share) as i64);
                pending.push(Reverse(Due(when, id, k)));
            }
            cases.insert(id, c.clone());
            batch.push((at, EventBody::Case { case: Box::new(c) }));
        }
        // Changes due this hour.
        while let Some(Reverse(Due(when, id, k))) = pending.peek().map(|r| Reverse(Due(r.0.0, r.0.1, r.0.2)))
        {
            if when >= next {
                break;
            }
            pending.pop();
            let Some(c) = cases.get_mut(&id) else { continue };
            c.updated_at = to_timestamp(when);
            match k {
                1 => c.stage = Stage::Register,
                2 => {
                    c.stage = Stage::Handle;
                    c.unit_code = Some("370202011-U01".into());
                    c.deadline = Some(to_timestamp(when + TimeDelta::hours(rng.random_range(2..48))));
                    c.due_soon_at = c.deadline.map(|d| d - TimeDelta::hours(1));
                }
                3 => c.stage = Stage::Verify,
                _ => {
                    c.stage = Stage::Evaluate;
                    c.status = if rng.random_bool(0.02) { CaseStatus::Cancelled } else { CaseStatus::Closed };
                    c.deadline = None;
                }
            }
            let doc = c.clone();
            if k == 4 {
                cases.remove(&id);
            }
            batch.push((when, EventBody::Case { case: Box::new(doc) }));
        }
        // GPS fixes and a few alerts.
        let h = chrono::Timelike::hour(&hour);
        if (5..21).contains(&h) {
            let mut t = hour;
            while t < next {
                for v in 0..trucks {
                    batch.push((
                        t + TimeDelta::milliseconds(i64::from(v)),
                        EventBody::Vehicle {
                            vehicle_id: format!("鲁B·H{v:04}"),
                            lon: 120.33 + rng.random_range(0.0..0.17),
                            lat: 36.05 + rng.random_range(0.0..0.12),
                            speed_kmh: 20.0,
                            heading_deg: 90.0,
                        },
                    ));
                }
                t += TimeDelta::seconds(fix_s);
            }
        }
        for a in 0..8 {
            batch.push((
                hour + TimeDelta::minutes(a * 7),
                EventBody::Alert {
                    alert_id: format!("stop_missed:{}:{a}", hour.format("%Y%m%dT%H")),
                    rule: "stop_missed".into(),
                    message: "收运点漏收 (synthetic)".into(),
                    lon: 120.33 + rng.random_range(0.0..0.17),
                    lat: 36.05 + rng.random_range(0.0..0.12),
                },
            ));
        }
        batch.sort_by_key(|(t, _)| *t);
        for chunk in batch.chunks(5000) {
            let written = store
                .append_events(
                    chunk
                        .iter()
                        .map(|(t, b)| NewEvent { key: None, at: to_timestamp(*t), body: b.clone() })
                        .collect(),
                )
                .await?;
            for e in written.into_iter().flatten() {
                frame.apply(&e);
                n_events += 1;
            }
        }
        // The keeper's snapshot at the end of the hour.
        frame.age(next);
        let body = encode(&frame);
        snap_bytes += body.len();
        snaps += 1;
        store
            .put_snapshot(&StoredSnapshot { event_id: frame.last_event_id, at: to_timestamp(next), body })
            .await?;
        hour = next;
        if chrono::Timelike::hour(&hour) == 0 {
            writeln!(
                std::io::stderr(),
                "  written {} of {days} days ({n_events} events)",
                (hour - start).num_days()
            )?;
        }
    }
    let db_mb = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    writeln!(
        out,
        "written in {:.0} s: {n_events} events ({:.0} an hour), {snaps} snapshots of {:.2} MB on average; the last frame holds {} cases, {} trucks, {} alerts; database {db_mb:.0} MB",
        written.elapsed().as_secs_f64(),
        n_events as f64 / (days as f64 * 24.0),
        snap_bytes as f64 / snaps.max(1) as f64 / 1e6,
        frame.cases.len(),
        frame.vehicles.len(),
        frame.alerts.len()
    )?;

    // The service's reader of that history, its clock at the end of the span.
    let city = Arc::new(cityops_server::state::City::qingdao()?);
    let clock: Arc<dyn cityops_server::clock::Clock> =
        Arc::new(cityops_server::clock::ScaledClock::new(end, 1.0));
    let history = History::reader(HistoryConfig::default(), store.clone(), clock, city);
    let view = ViewQuery {
        west: 120.0,
        south: 35.8,
        east: 120.9,
        north: 36.5,
        zoom: 11.0,
        width: Some(1920),
        height: Some(1080),
        layers: Some(CommaList(vec![LayerKind::Cases, LayerKind::Trucks, LayerKind::Alerts])),
        ..Default::default()
    };
    let span_s = (end - start).num_seconds() - 3600;
    let mut picks: Vec<NaiveDateTime> =
        (0..instants).map(|_| start + TimeDelta::seconds(3600 + rng.random_range(0..span_s))).collect();
    picks.sort();
    let (mut total, mut read, mut built) = (Vec::new(), Vec::new(), Vec::new());
    for at in &picks {
        let t0 = Instant::now();
        let p = history.picture(to_timestamp(*at)).await?;
        let t1 = Instant::now();
        let map = history.map_of(&p, None);
        let answer = map.view(&view)?;
        let t2 = Instant::now();
        assert!(!answer.items.is_empty(), "an empty picture at {at}");
        read.push((t1 - t0).as_secs_f64() * 1e3);
        built.push((t2 - t1).as_secs_f64() * 1e3);
        total.push((t2 - t0).as_secs_f64() * 1e3);
    }
    // The anchor: the same instants (the last three picked) from the start of the log.
    let mut anchor = Vec::new();
    for at in picks.iter().rev().take(3) {
        let t0 = Instant::now();
        let until = store.last_event_until(to_timestamp(*at)).await?.unwrap_or(0);
        let mut f = Frame::default();
        'read: loop {
            let batch: Vec<LiveEvent> = store.events_after(f.last_event_id, 5000).await?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                if e.id > until {
                    break 'read;
                }
                f.apply(e);
            }
        }
        f.age(*at);
        let (map, _) = f.map(cityops_core::index::LiveMap::new()?, *at);
        let _ = map.view(&view)?;
        anchor.push((t0.elapsed().as_secs_f64() * 1e3, (*at - start).num_hours()));
    }
    let n = total.len();
    writeln!(out)?;
    writeln!(
        out,
        "| The picture at a past instant ({n} seeded instants over {days} days) | p50 | p99 | max | target / anchor |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    let (p50, p99, max) = (pct(&mut total.clone(), 0.5), pct(&mut total.clone(), 0.99), pct(&mut total, 1.0));
    writeln!(
        out,
        "| snapshot + events since + map + city view (ms) | {p50:.0} | {p99:.0} | {max:.0} | target < 1000 |"
    )?;
    writeln!(
        out,
        "| of which reading (snapshot, events) (ms) | {:.0} | {:.0} | {:.0} | |",
        pct(&mut read.clone(), 0.5),
        pct(&mut read.clone(), 0.99),
        pct(&mut read, 1.0)
    )?;
    writeln!(
        out,
        "| of which building the map and the view (ms) | {:.0} | {:.0} | {:.0} | |",
        pct(&mut built.clone(), 0.5),
        pct(&mut built.clone(), 0.99),
        pct(&mut built, 1.0)
    )?;
    for (ms, h) in &anchor {
        writeln!(
            out,
            "| anchor: the whole log replayed from its start to hour {h} (ms) | {ms:.0} | | | same instant |"
        )?;
    }
    if std::env::var_os("CITYOPS_KEEP_REPLAY_DB").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
