//! Fan-out benchmark: live clients on loopback, each following `/api/v1/events` (Server-Sent
//! Events), while a publisher files case reports at a fixed rate (`POST /api/v1/cases`, each a
//! case event carrying the case's mark, plus the hotspot alerts the rules raise).
//!
//! - **One instance** (`cityops-server` on a fresh SQLite file): `--clients` clients (10,000 by
//!   default), beside its anchor in the same run, the same service and rate with one client.
//! - **Three instances on one PostgreSQL + PostGIS** (a fresh database on
//!   `CITYOPS_TEST_PG_URL`; skipped without it): `--pg-clients` clients on each; the publisher
//!   writes to the first, so the clients of the other two receive the events through the database
//!   (the writer's `NOTIFY`, their hub's `LISTEN`). The first instance's own clients are the
//!   anchor.
//!
//! Every client checks that it received every event, in order, none twice: its first event is
//! the marker case filed before the run, and from then on each id is the previous one plus one,
//! up to the last event committed. Latency is measured by the probe clients (every 100th, and
//! every client of the three-instance run): from the moment the publisher sent the report to the
//! moment its case event was read from the socket (an upper bound of commit → client, since it
//! includes the request). The server's memory (resident now and at peak) and CPU time are read
//! from `/proc`.
//!
//! ```text
//! cargo build --release -p cityops-launcher
//! CITYOPS_BIN_DIR=target/release cargo bench -p cityops-tests --bench fanout -- [--clients 10000] [--rate 100] [--seconds 30] [--pg-clients 300] [--only sqlite|pg]
//! ```
//!
//! The reports are **synthetic** (fixed seed), around 五四广场 and 崂山 in the real grid.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use cityops_tests::{Api, Proc, admin_token, free_port, fresh_dir, serve};
use memchr::memmem;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Points well inside the grid (市南 五四广场, 崂山).
const PLACES: [(f64, f64); 2] = [(120.3826, 36.0671), (120.4680, 36.1070)];
/// Clients connecting at once.
const CONNECTING: usize = 256;

struct Opts {
    clients: usize,
    rate: u32,
    seconds: u64,
    pg_clients: usize,
    only: Option<String>,
}

fn opts() -> Opts {
    let mut o = Opts { clients: 10_000, rate: 100, seconds: 30, pg_clients: 300, only: None };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |what: &str| {
            args.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or_else(|| panic!("{what} N"))
        };
        match a.as_str() {
            "--clients" => o.clients = num("--clients") as usize,
            "--rate" => o.rate = num("--rate") as u32,
            "--seconds" => o.seconds = num("--seconds"),
            "--pg-clients" => o.pg_clients = num("--pg-clients") as usize,
            "--only" => o.only = args.next(),
            // cargo bench passes --bench.
            _ => {}
        }
    }
    o
}

/// Latencies in 50 µs steps up to 10 s (the last step holds everything slower).
struct Hist {
    steps: Vec<AtomicU64>,
    max_us: AtomicU64,
}

const STEP_US: u64 = 50;

impl Hist {
    fn new() -> Self {
        Self { steps: (0..200_000).map(|_| AtomicU64::new(0)).collect(), max_us: AtomicU64::new(0) }
    }

    fn add(&self, us: u64) {
        let i = ((us / STEP_US) as usize).min(self.steps.len() - 1);
        self.steps[i].fetch_add(1, Relaxed);
        self.max_us.fetch_max(us, Relaxed);
    }

    fn count(&self) -> u64 {
        self.steps.iter().map(|s| s.load(Relaxed)).sum()
    }

    /// The `q` quantile in ms (the upper edge of its step).
    fn quantile_ms(&self, q: f64) -> f64 {
        let n = self.count();
        let want = ((n as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, s) in self.steps.iter().enumerate() {
            seen += s.load(Relaxed);
            if seen >= want {
                return ((i as u64 + 1) * STEP_US) as f64 / 1000.0;
            }
        }
        f64::NAN
    }

    fn max_ms(&self) -> f64 {
        self.max_us.load(Relaxed) as f64 / 1000.0
    }
}

/// When each report was sent (ns since `start`; 0: not yet). Report `seq` is case `marker + seq`:
/// the publisher files one at a time on a fresh database and checks each answer's id.
struct Sent {
    start: Instant,
    at: Vec<AtomicU64>,
    /// The marker case's id (0 until its answer came).
    marker: AtomicU64,
}

/// What one client saw.
#[derive(Default)]
struct Seen {
    first: AtomicU64,
    last: AtomicU64,
    count: AtomicU64,
    /// Ids that were not the previous one plus one.
    breaks: AtomicU64,
    connected: AtomicBool,
}

impl Seen {
    fn record(&self, id: u64) {
        let last = self.last.load(Relaxed);
        if last == 0 {
            self.first.store(id, Relaxed);
        } else if id != last + 1 {
            self.breaks.fetch_add(1, Relaxed);
        }
        self.last.store(id, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }
}

/// Follow the stream on `addr`, recording every id; a probe also times the reports' case events.
async fn client(
    addr: SocketAddr,
    token: Arc<str>,
    seen: Arc<Seen>,
    probe: Option<(Arc<Sent>, Arc<Hist>)>,
    connecting: Arc<tokio::sync::Semaphore>,
) {
    let permit = connecting.acquire_owned().await.unwrap();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let req = format!(
        "GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the service closed the stream before answering");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = memmem::find(&buf, b"\r\n\r\n") {
            assert!(buf.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buf[..end]));
            // Keep the blank line's "\n": every id line then follows a "\n".
            buf.drain(..end + 3);
            break;
        }
    }
    seen.connected.store(true, Relaxed);
    drop(permit);
    let ids = memmem::Finder::new(b"\nid: ");
    let marker = memmem::Finder::new(b"\"kind\":\"case_mark\",\"mark\":{\"id\":");
    loop {
        let mut pos = 0;
        let mut incomplete = None;
        while let Some(i) = ids.find(&buf[pos..]) {
            let at = pos + i;
            let digits = at + 5;
            let Some(nl) = memchr::memchr(b'\n', &buf[digits..]) else {
                incomplete = Some(at);
                break;
            };
            let id_end = digits + nl;
            let mut next = id_end;
            if let Some((sent, hist)) = &probe {
                // The data line after the id line, whole.
                let Some(dl) = memchr::memchr(b'\n', &buf[id_end + 1..]) else {
                    incomplete = Some(at);
                    break;
                };
                let data = &buf[id_end + 1..id_end + 1 + dl];
                if let Some(m) = marker.find(data) {
                    let rest = &data[m + marker.needle().len()..];
                    let len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
                    let id: u64 = std::str::from_utf8(&rest[..len]).unwrap().parse().unwrap();
                    let first = sent.marker.load(Relaxed);
                    // (The marker's own event may come before its answer: no sample then.)
                    if first > 0
                        && let Some(seq) = id.checked_sub(first)
                        && let Some(at) = sent.at.get(seq as usize)
                    {
                        let now = sent.start.elapsed().as_nanos() as u64;
                        hist.add(now.saturating_sub(at.load(Relaxed)) / 1000);
                    }
                }
                next = id_end + 1 + dl;
            }
            let id: u64 = std::str::from_utf8(&buf[digits..id_end]).unwrap().trim().parse().unwrap();
            seen.record(id);
            pos = next;
        }
        // Keep what a later read completes: an unfinished event, or a "\nid: " cut in two.
        let keep = incomplete.unwrap_or_else(|| buf.len().saturating_sub(4).max(pos));
        buf.drain(..keep);
        let n = match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn report_body(seq: usize, rng: &mut u64) -> String {
    // xorshift: a fixed sequence of small offsets.
    let mut next = || {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        (*rng % 2000) as f64 / 1e6 - 0.001
    };
    let (lon, lat) = PLACES[seq % PLACES.len()];
    format!(
        r#"{{"type_key":{{"kind":"matter","code":"06010"}},"channel":"inspector","lon":{},"lat":{},"description":"fanout #{seq} (synthetic)"}}"#,
        lon + next(),
        lat + next()
    )
}

/// A server process's resident memory now and at peak (MB) and CPU time (s).
fn usage(p: &Proc) -> (f64, f64, f64) {
    let pid = p.0.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let f: Vec<f64> = after.split_whitespace().map(|v| v.parse().unwrap_or(0.0)).collect();
    let ticks = f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0);
    (kb("VmRSS:") / 1024.0, kb("VmHWM:") / 1024.0, ticks / 100.0)
}

/// One instance's clients.
struct Group {
    seen: Vec<Arc<Seen>>,
    hist: Arc<Hist>,
}

/// The outcome of one run.
struct Outcome {
    groups: Vec<Group>,
    events: u64,
    late: u64,
    connect_s: f64,
}

/// Connect `per_instance[i]` clients to `bases[i]`, file the marker and then `rate` reports a
/// second for `seconds` on `bases[0]`, and wait until every client has the last event.
async fn run(
    addrs: &[SocketAddr],
    per_instance: &[usize],
    probe_every: usize,
    token: &str,
    rate: u32,
    seconds: u64,
) -> Outcome {
    let total = (rate as u64 * seconds) as usize;
    let sent = Arc::new(Sent {
        start: Instant::now(),
        at: (0..=total).map(|_| AtomicU64::new(0)).collect(),
        marker: AtomicU64::new(0),
    });
    let token: Arc<str> = Arc::from(token);
    let connecting = Arc::new(tokio::sync::Semaphore::new(CONNECTING));
    let t0 = Instant::now();
    let mut groups = Vec::new();
    for (&addr, &n) in addrs.iter().zip(per_instance) {
        let hist = Arc::new(Hist::new());
        let mut seen = Vec::with_capacity(n);
        for i in 0..n {
            let s = Arc::new(Seen::default());
            let probe = (i % probe_every == 0).then(|| (sent.clone(), hist.clone()));
            tokio::spawn(client(addr, token.clone(), s.clone(), probe, connecting.clone()));
            seen.push(s);
        }
        groups.push(Group { seen, hist });
    }
    let all = || groups.iter().flat_map(|g| g.seen.iter());
    let clients = all().count();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let up = all().filter(|s| s.connected.load(Relaxed)).count();
        if up == clients {
            break;
        }
        assert!(Instant::now() < deadline, "only {up} of {clients} clients connected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connect_s = t0.elapsed().as_secs_f64();
    eprintln!("  {clients} clients connected in {connect_s:.1} s");
    // The marker: every client's first event.
    let api0 =
        Api { http: reqwest::Client::new(), base: format!("http://{}", addrs[0]), token: token.to_string() };
    let mut rng = 0x1A6E_5700_u64;
    sent.at[0].store(sent.start.elapsed().as_nanos() as u64, Relaxed);
    let marker = api0.file_report(report_body(0, &mut rng)).await;
    sent.marker.store(u64::try_from(marker).unwrap(), Relaxed);
    let deadline = Instant::now() + Duration::from_secs(120);
    while all().any(|s| s.count.load(Relaxed) == 0) {
        assert!(Instant::now() < deadline, "the marker did not reach every client");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The reports, at `rate` a second, from a thread of their own.
    let publisher = {
        let sent = sent.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async move {
                let period = Duration::from_secs_f64(1.0 / f64::from(rate));
                let started = tokio::time::Instant::now();
                let mut late = 0u64;
                for seq in 1..=total {
                    let due = started + period * (seq as u32 - 1);
                    if tokio::time::Instant::now() > due + period {
                        late += 1;
                    }
                    tokio::time::sleep_until(due).await;
                    sent.at[seq].store(sent.start.elapsed().as_nanos() as u64, Relaxed);
                    let id = api0.file_report(report_body(seq, &mut rng)).await;
                    assert_eq!(id, marker + seq as i64, "report {seq} is not case marker + {seq}");
                    if seq % (rate as usize * 5) == 0 {
                        eprintln!("  {seq} of {total} reports filed");
                    }
                }
                late
            })
        })
    };
    while !publisher.is_finished() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let late = publisher.join().unwrap();
    // Every client has the last event (the greatest any client saw, stable for a second).
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut stable = 0;
    let mut top = 0;
    loop {
        let now_top = all().map(|s| s.last.load(Relaxed)).max().unwrap_or(0);
        let behind = all().filter(|s| s.last.load(Relaxed) < now_top).count();
        if now_top == top && behind == 0 {
            stable += 1;
            if stable >= 10 {
                break;
            }
        } else {
            stable = 0;
        }
        top = now_top;
        if Instant::now() > deadline {
            eprintln!("  {behind} clients still behind event {now_top} after 120 s");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = all().map(|s| s.first.load(Relaxed)).min().unwrap_or(0);
    Outcome { groups, events: top.saturating_sub(first) + 1, late, connect_s }
}

/// Clients that received every event from the marker to the last, in order, none twice.
fn complete(g: &Group, marker: u64, last: u64) -> usize {
    g.seen
        .iter()
        .filter(|s| {
            s.first.load(Relaxed) == marker
                && s.last.load(Relaxed) == last
                && s.breaks.load(Relaxed) == 0
                && s.count.load(Relaxed) == last - marker + 1
        })
        .count()
}

fn bounds(o: &Outcome) -> (u64, u64) {
    let all = || o.groups.iter().flat_map(|g| g.seen.iter());
    let marker = all().map(|s| s.first.load(Relaxed)).min().unwrap_or(0);
    let last = all().map(|s| s.last.load(Relaxed)).max().unwrap_or(0);
    (marker, last)
}

fn row(name: &str, o: &Outcome, g: &Group, server: Option<(f64, f64, f64)>) {
    let (marker, last) = bounds(o);
    let h = &g.hist;
    let mem = server
        .map_or_else(|| "—".to_owned(), |(rss, peak, cpu)| format!("{rss:.0} / {peak:.0} MB, {cpu:.1} s"));
    println!(
        "| {name} | {} | {} | {} of {} | {} | {:.1} / {:.1} / {:.1} | {mem} |",
        g.seen.len(),
        o.events,
        complete(g, marker, last),
        g.seen.len(),
        h.count(),
        h.quantile_ms(0.5),
        h.quantile_ms(0.99),
        h.max_ms(),
    );
}

fn header(rate: u32, seconds: u64) {
    println!(
        "\nreports: {rate}/s for {seconds} s (plus the marker), each one case event (and any hotspot alerts)"
    );
    println!(
        "| run | clients | events each | clients with every event, in order | latencies timed | send → read p50 / p99 / max ms | server RSS now / peak, CPU |"
    );
    println!("|---|---|---|---|---|---|---|");
}

async fn sqlite(o: &Opts) {
    let dir = fresh_dir("fanout");
    let mut rows = Vec::new();
    for (name, clients, probe_every) in [("anchor: one client", 1, 1), ("many clients", o.clients, 100)] {
        let db = format!("sqlite://{}/{}.sqlite", dir.display(), clients);
        let token = admin_token(&db);
        let port = free_port();
        let server = serve(&db, port, &[]).await;
        eprintln!("SQLite, {name}: {clients} clients");
        let before = usage(&server);
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let out = run(&[addr], &[clients], probe_every, &token, o.rate, o.seconds).await;
        let after = usage(&server);
        rows.push((name, out, (after.0, after.1, after.2 - before.2)));
        drop(server);
        // Let the clients see their streams end before the next run.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!("\n## One instance (SQLite), every client on it");
    header(o.rate, o.seconds);
    for (name, out, usage) in &rows {
        row(name, out, &out.groups[0], Some(*usage));
        eprintln!("  ({name}: connected in {:.1} s, {} reports sent late)", out.connect_s, out.late);
    }
    let _ = std::fs::remove_dir_all(dir);
}

async fn postgres(o: &Opts) {
    let Some(db) = cityops_test_support::fresh_pg_url("fanout").await else {
        println!("\nCITYOPS_TEST_PG_URL not set: the three-instance run was skipped");
        return;
    };
    let token = admin_token(&db);
    let mut servers = Vec::new();
    let mut addrs = Vec::new();
    for _ in 0..3 {
        let port = free_port();
        servers.push(serve(&db, port, &[]).await);
        addrs.push(format!("127.0.0.1:{port}").parse::<SocketAddr>().unwrap());
    }
    eprintln!("PostgreSQL, three instances: {} clients each", o.pg_clients);
    let before: Vec<_> = servers.iter().map(usage).collect();
    let out = run(&addrs, &[o.pg_clients; 3], 1, &token, o.rate, o.seconds).await;
    println!("\n## Three instances on one PostgreSQL; the reports are written to the first");
    header(o.rate, o.seconds);
    for (i, g) in out.groups.iter().enumerate() {
        let (rss, peak, cpu) = usage(&servers[i]);
        let name = if i == 0 {
            "anchor: instance 1 (written to)".to_owned()
        } else {
            format!("instance {} (via NOTIFY)", i + 1)
        };
        row(&name, &out, g, Some((rss, peak, cpu - before[i].2)));
    }
    eprintln!("  (connected in {:.1} s, {} reports sent late)", out.connect_s, out.late);
}

fn main() {
    let o = opts();
    // The clients on one worker thread: the services get the other core.
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async {
        if o.only.as_deref() != Some("pg") {
            sqlite(&o).await;
        }
        if o.only.as_deref() != Some("sqlite") {
            postgres(&o).await;
        }
    });
    rt.shutdown_timeout(Duration::from_secs(1));
}
