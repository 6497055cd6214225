//! The ingest report: cases acknowledged per second over HTTP (`POST /api/v1/cases`, every one
//! durable: SQLite `synchronous=FULL`), beside its anchors in the same run — the same documents
//! written by the store in **one transaction** (the rate the database gives the service's own
//! statements: the issue's target is 0.95× of it) and **one transaction per case** (what a
//! commit per case costs here) — at several client concurrencies.
//!
//! ```text
//! cargo bench -p cityops-server --bench ingest -- [--cases 10000] [--concurrency 1,8,32] [--batch 100,1000]
//!     [--batch-only] [--dir DIR] [--pg]
//! ```
//!
//! A second table sends the same reports to the inspector feed (`POST /api/v1/feeds/inspector`),
//! `--batch` reports a request, each request one transaction, beside the same documents with their
//! feed keys written in one transaction.
//!
//! With `--pg` (and `CITYOPS_TEST_PG_URL` naming a PostgreSQL + PostGIS server) the same runs go to
//! fresh PostgreSQL databases too, beside that database's own multi-row `INSERT … SELECT` of the
//! same rows (cases with the service's document, events, audit entries) in one transaction: the
//! issue's PostgreSQL target is 0.5× of it.
//!
//! Each HTTP run is a fresh in-process service on a fresh SQLite file, driven by an in-process
//! HTTP client (keep-alive, `--concurrency` requests in flight), so the client's work shares the
//! machine's two cores with the service's. The documents the service filed are then written
//! again into fresh files by the anchors, so all three write the same rows. All reports are
//! **synthetic** (fixed seed) around 五四广场 and 崂山 in the real grid.

/// The service binaries' allocator (`cityops-server`, `cityops-desktop`), so that the service
/// measured here allocates as they do.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cityops_api::{CaseDto, Role};
use cityops_server::config::Config;
use cityops_store::{IngestKey, NewAudit, NewCaseWrite};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 0x1A6E_5700;
/// Points well inside the grid (市南 五四广场, 崂山).
const PLACES: [(f64, f64); 2] = [(120.3826, 36.0671), (120.4680, 36.1070)];

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// `n` synthetic reports: position and description.
fn reports(n: usize) -> Vec<(f64, f64, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    (0..n)
        .map(|i| {
            let (lon, lat) = PLACES[i % PLACES.len()];
            (
                lon + rng.random_range(-0.001..0.001),
                lat + rng.random_range(-0.001..0.001),
                format!("基准测试(合成数据)第 {i} 件"),
            )
        })
        .collect()
}

/// The reports as bodies of `POST /api/v1/cases`, one each.
fn bodies(n: usize) -> Vec<String> {
    reports(n)
        .into_iter()
        .map(|(lon, lat, description)| {
            serde_json::json!({
                "type_key": { "kind": "matter", "code": "06010" },
                "channel": "inspector",
                "lon": lon,
                "lat": lat,
                "description": description,
            })
            .to_string()
        })
        .collect()
}

/// The key the inspector feed files report `i` under.
fn report_id(i: usize) -> String {
    format!("bench-{i}")
}

/// The same reports as bodies of `POST /api/v1/feeds/inspector`, `size` a request.
fn feed_bodies(n: usize, size: usize) -> Vec<String> {
    let items: Vec<serde_json::Value> = reports(n)
        .into_iter()
        .enumerate()
        .map(|(i, (lon, lat, description))| {
            serde_json::json!({
                "report_id": report_id(i),
                "inspector_id": "bench",
                "type_key": { "kind": "matter", "code": "06010" },
                "lon": lon,
                "lat": lat,
                "description": description,
            })
        })
        .collect();
    items.chunks(size).map(|c| serde_json::Value::Array(c.to_vec()).to_string()).collect()
}

/// POST every body to a fresh service on `url` with `concurrency` in flight; the rate and the
/// cases filed. The answers are read as bytes while the clock runs and parsed after it stops
/// (parsing them is the client's work, not the service's).
async fn over_http(
    url: String,
    bodies: &[String],
    concurrency: usize,
) -> anyhow::Result<(f64, Vec<CaseDto>)> {
    let (rate, answers) = post_all(url, "/api/v1/cases", bodies, concurrency, 201).await?;
    let mut filed =
        answers.iter().map(|b| serde_json::from_slice::<CaseDto>(b)).collect::<Result<Vec<_>, _>>()?;
    filed.sort_by_key(|c| c.id);
    Ok((rate, filed))
}

/// POST the reports to the inspector feed in batches (`bodies` from [`feed_bodies`]) with
/// `concurrency` requests in flight; reports filed a second. Every report must come back
/// created.
async fn over_feed(url: String, bodies: &[String], n: usize, concurrency: usize) -> anyhow::Result<f64> {
    let (rate, answers) = post_all(url, "/api/v1/feeds/inspector", bodies, concurrency, 200).await?;
    let mut created = 0;
    for a in &answers {
        created += serde_json::from_slice::<cityops_api::IngestResultDto>(a)?.created as usize;
    }
    anyhow::ensure!(created == n, "the feed filed {created} of {n} reports");
    Ok(rate * n as f64 / bodies.len() as f64)
}

/// The floor of the HTTP path at `concurrency`: the same POSTs, each made invalid (a longitude
/// out of range), so the service reads, authenticates and parses each and refuses it (400)
/// without filing anything.
async fn refused(url: String, bodies: &[String], concurrency: usize) -> anyhow::Result<f64> {
    let bad: Vec<String> = bodies
        .iter()
        .map(|b| {
            let mut v: serde_json::Value = serde_json::from_str(b)?;
            v["lon"] = serde_json::json!(200.0);
            anyhow::Ok(v.to_string())
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(post_all(url, "/api/v1/cases", &bad, concurrency, 400).await?.0)
}

/// POST every body to `path` of a fresh service on `url` with `concurrency` in flight, each
/// answered with `status`; the rate (requests a second) and the answers' bodies.
///
/// The service and its client run on a runtime of their own (two workers, as the bench's),
/// dropped after the run with everything the service started: the runs that follow do not share
/// the machine, or the database's connections, with it.
async fn post_all(
    url: String,
    path: &'static str,
    bodies: &[String],
    concurrency: usize,
    status: u16,
) -> anyhow::Result<(f64, Vec<axum::body::Bytes>)> {
    let bodies = bodies.to_vec();
    let (done, outcome) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let out = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(serve_and_post(url, path, bodies, concurrency, status)));
        let _ = done.send(out);
    });
    outcome.await?
}

async fn serve_and_post(
    url: String,
    path: &'static str,
    bodies: Vec<String>,
    concurrency: usize,
    status: u16,
) -> anyhow::Result<(f64, Vec<axum::body::Bytes>)> {
    let mut config = Config::embedded(url);
    config.log = "warn".into();
    let bound = cityops_server::bind(&config).await?;
    let token = bound.admin_token("bench").await?;
    let base = format!("http://{}", bound.addr());
    let _server = bound.spawn();
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let bodies: Arc<Vec<String>> = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, bodies, next, base, token) =
            (client.clone(), bodies.clone(), next.clone(), base.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let r = client
                    .post(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await?;
                let got = r.status().as_u16();
                let answer = r.bytes().await?;
                anyhow::ensure!(got == status, "case {i}: {got} {}", String::from_utf8_lossy(&answer));
                answers.push(answer);
                if (i + 1) % (bodies.len() / 5).max(1) == 0 {
                    writeln!(
                        std::io::stderr(),
                        "  http c={concurrency} ({status}): {} of {}",
                        i + 1,
                        bodies.len()
                    )?;
                }
            }
            anyhow::Ok(answers)
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.extend(t.await??);
    }
    let secs = started.elapsed().as_secs_f64();
    Ok((bodies.len() as f64 / secs, answers))
}

fn audit(c: &CaseDto) -> NewAudit {
    NewAudit {
        at: c.created_at,
        actor: "bench".into(),
        role: Role::Admin,
        action: "case.create".into(),
        target: String::new(),
        detail: format!("type={} channel={:?}", c.type_key.code, c.channel),
        remote: "127.0.0.1".into(),
    }
}

fn fresh(c: &CaseDto) -> CaseDto {
    CaseDto { id: 0, case_no: String::new(), ..c.clone() }
}

/// The same documents in one transaction through the store (`keyed`: each under its feed key,
/// as the inspector feed files them).
async fn one_transaction(
    dir: &std::path::Path,
    cases: &[CaseDto],
    tag: &str,
    keyed: bool,
) -> anyhow::Result<f64> {
    let store = cityops_store::open(&format!("sqlite://{}/one-{tag}.sqlite", dir.display())).await?;
    let items: Vec<NewCaseWrite> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| NewCaseWrite {
            case: fresh(c),
            key: keyed.then(|| IngestKey::new("inspector", report_id(i))),
            audit: audit(c),
        })
        .collect();
    let started = Instant::now();
    let n = store.create_cases(items).await?.len();
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The same documents, one transaction (one commit) each, one after another.
async fn commit_each(dir: &std::path::Path, cases: &[CaseDto], tag: &str) -> anyhow::Result<f64> {
    let store = cityops_store::open(&format!("sqlite://{}/each-{tag}.sqlite", dir.display())).await?;
    let started = Instant::now();
    for c in cases {
        store.create_case(fresh(c), None, audit(c)).await?;
    }
    Ok(cases.len() as f64 / started.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // A failing write answers 503; the service's log says why.
    tracing_subscriber::fmt().with_max_level(tracing::Level::ERROR).with_writer(std::io::stderr).init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = flag(&args, "--cases").and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let levels: Vec<usize> = flag(&args, "--concurrency")
        .unwrap_or_else(|| "1,8,32".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let tmp = tempfile::tempdir()?;
    let dir = flag(&args, "--dir").map_or_else(|| tmp.path().to_path_buf(), std::path::PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let bodies = bodies(n);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "ingest: {n} synthetic cases per run, SQLite synchronous=FULL, files in {}",
        dir.display()
    )?;
    writeln!(
        out,
        "{:>12} {:>14} {:>18} {:>16} {:>10} {:>16}",
        "concurrency", "HTTP cases/s", "one-tx anchor /s", "commit-each /s", "HTTP/one-tx", "HTTP refused /s"
    )?;
    let mut docs = Vec::new();
    let batch_only = args.iter().any(|a| a == "--batch-only");
    if batch_only {
        // The keyed anchor's documents, from one untimed run.
        docs = over_http(format!("sqlite://{}/docs.sqlite", dir.display()), &bodies, 32).await?.1;
    }
    for &c in levels.iter().filter(|_| !batch_only) {
        let url = format!("sqlite://{}/http-{c}.sqlite", dir.display());
        let (http, filed) = over_http(url, &bodies, c).await?;
        writeln!(std::io::stderr(), "  anchors for c={c}")?;
        let one = one_transaction(&dir, &filed, &c.to_string(), false).await?;
        let each = commit_each(&dir, &filed, &c.to_string()).await?;
        let floor = refused(format!("sqlite://{}/refused-{c}.sqlite", dir.display()), &bodies, c).await?;
        writeln!(out, "{c:>12} {http:>14.0} {one:>18.0} {each:>16.0} {:>10.2} {floor:>16.0}", http / one)?;
        docs = filed;
    }
    writeln!(out, "target: HTTP ≥ 0.95 × one-tx at concurrency ≥ 8 (issue 13)")?;
    writeln!(
        out,
        "HTTP refused: the same POSTs made invalid, answered 400 without a write (the HTTP path's own floor)"
    )?;
    let sizes: Vec<usize> = flag(&args, "--batch")
        .unwrap_or_else(|| "100,1000".into())
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    writeln!(
        out,
        "\nbatched: the same reports to POST /api/v1/feeds/inspector, `batch` a request (each request one \
         transaction, gathered with the others in flight), beside the same documents with their feed keys in \
         one transaction"
    )?;
    writeln!(
        out,
        "{:>12} {:>6} {:>16} {:>22} {:>10}",
        "concurrency", "batch", "HTTP reports/s", "one-tx keyed anchor /s", "HTTP/one-tx"
    )?;
    for &c in &levels {
        for &b in &sizes {
            let url = format!("sqlite://{}/feed-{c}-{b}.sqlite", dir.display());
            let http = over_feed(url, &feed_bodies(n, b), n, c).await?;
            let one = one_transaction(&dir, &docs, &format!("keyed-{c}-{b}"), true).await?;
            writeln!(out, "{c:>12} {b:>6} {http:>16.0} {one:>22.0} {:>10.2}", http / one)?;
        }
    }
    writeln!(out, "target: HTTP ≥ 0.95 × one-tx at concurrency ≥ 8 (issue 13)")?;
    if args.iter().any(|a| a == "--pg") {
        postgres(&mut out, &bodies, &levels, &sizes).await?;
    }
    Ok(())
}

/// The PostgreSQL runs: HTTP per concurrency, one case a request and in feed batches, beside the
/// database's multi-row insert.
async fn postgres(
    out: &mut impl Write,
    bodies: &[String],
    levels: &[usize],
    sizes: &[usize],
) -> anyhow::Result<()> {
    writeln!(out, "\nPostgreSQL + PostGIS (fresh database per run)")?;
    writeln!(
        out,
        "{:>12} {:>14} {:>22} {:>12}",
        "concurrency", "HTTP cases/s", "INSERT…SELECT rows/s", "HTTP/anchor"
    )?;
    let mut like = None;
    for &c in levels {
        let Some(url) = cityops_test_support::fresh_pg_url("ingest").await else {
            anyhow::bail!("--pg needs CITYOPS_TEST_PG_URL");
        };
        let (http, filed) = over_http(url, bodies, c).await?;
        let first = filed.into_iter().next().ok_or_else(|| anyhow::anyhow!("nothing filed"))?;
        let Some(url) = cityops_test_support::fresh_pg_url("ingest_anchor").await else { unreachable!() };
        let anchor = insert_select(&url, &first, bodies.len(), false).await?;
        writeln!(out, "{c:>12} {http:>14.0} {anchor:>22.0} {:>12.2}", http / anchor)?;
        like = Some(first);
    }
    let like = like.ok_or_else(|| anyhow::anyhow!("no concurrency given"))?;
    writeln!(
        out,
        "batched (PostgreSQL): the inspector feed, `batch` reports a request, beside the same INSERT … SELECT \
         with the feed keys"
    )?;
    writeln!(
        out,
        "{:>12} {:>6} {:>16} {:>22} {:>12}",
        "concurrency", "batch", "HTTP reports/s", "INSERT…SELECT rows/s", "HTTP/anchor"
    )?;
    for &c in levels {
        for &b in sizes {
            let Some(url) = cityops_test_support::fresh_pg_url("ingest_feed").await else { unreachable!() };
            let http = over_feed(url, &feed_bodies(bodies.len(), b), bodies.len(), c).await?;
            let Some(url) = cityops_test_support::fresh_pg_url("ingest_anchor").await else { unreachable!() };
            let anchor = insert_select(&url, &like, bodies.len(), true).await?;
            writeln!(out, "{c:>12} {b:>6} {http:>16.0} {anchor:>22.0} {:>12.2}", http / anchor)?;
        }
    }
    writeln!(out, "target: HTTP ≥ 0.5 × the database's own multi-row INSERT … SELECT (issue 13)")?;
    Ok(())
}

/// `n` cases (with `like`'s document), their events and audit entries (and with `keyed` their
/// feed keys) as multi-row `INSERT … SELECT`s in one transaction, on the service's schema; rows
/// (cases) per second.
async fn insert_select(url: &str, like: &CaseDto, n: usize, keyed: bool) -> anyhow::Result<f64> {
    use sqlx::Connection;
    // The schema, from the store's own migrations.
    drop(cityops_store::open(url).await?);
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let doc = serde_json::to_string(like)?;
    let event = serde_json::to_string(&cityops_api::EventBody::Case { case: Box::new(like.clone()) })?;
    let started = Instant::now();
    let mut tx = conn.begin().await?;
    sqlx::query(
        "INSERT INTO cases (case_no, version, type_kind, type_code, channel, stage, status, lon, lat, grid_code, \
         district_code, unit_code, deadline_ms, created_ms, updated_ms, doc, search, geom) \
         SELECT 'B' || g, 1, 'matter', '06010', 'inspector', 'collect', 'active', $2, $3, $4, $5, NULL, NULL, \
         0, 0, $6, 'bench', ST_SetSRID(ST_MakePoint($2, $3), 4326) FROM generate_series(1, $1) g",
    )
    .bind(i64::try_from(n)?)
    .bind(like.lon)
    .bind(like.lat)
    .bind(like.grid_code.as_str())
    .bind(like.district_code.as_str())
    .bind(doc.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO events (id, at_ms, kind, body) SELECT (SELECT COALESCE(MAX(id), 0) FROM events) + g, 0, 'case', $2 \
         FROM generate_series(1, $1) g",
    )
    .bind(i64::try_from(n)?)
    .bind(event.as_str())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit (at_ms, actor, role, action, target, detail, remote) \
         SELECT 0, 'bench', 'admin', 'case.create', 'case:' || g, '', '127.0.0.1' FROM generate_series(1, $1) g",
    )
    .bind(i64::try_from(n)?)
    .execute(&mut *tx)
    .await?;
    if keyed {
        sqlx::query(
            "INSERT INTO ingest_keys (source, key, case_id, event_id, at_ms) \
             SELECT 'inspector', 'bench-' || g, g, g, 0 FROM generate_series(1, $1) g",
        )
        .bind(i64::try_from(n)?)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}
