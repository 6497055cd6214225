//! Crash trials: the `cityops-server` process is killed (SIGKILL, as `kill -9`) while clients
//! file reports concurrently, then started again on the same store, several times, on SQLite and
//! on PostgreSQL. Every report the service acknowledged is stored, and the event ids stay
//! gap-free (1, 2, 3, … with nothing missing).
//!
//! `CITYOPS_CRASH_TRIALS` sets the kills per backend (default 3).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cityops-server");
const CLIENTS: usize = 8;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn admin_token(url: &str) -> String {
    let out = Command::new(BIN)
        .args(["--database-url", url, "token", "create", "--role", "admin"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned()
}

async fn start(url: &str, port: u16) -> Child {
    let child = Command::new(BIN)
        .args(["--database-url", url, "--log", "warn", "serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while http.get(format!("http://127.0.0.1:{port}/api/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the service did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child
}

/// File reports until the service stops answering; returns the acknowledged (key → case id).
async fn client(base: String, token: String, name: String) -> BTreeMap<String, i64> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let mut acked = BTreeMap::new();
    for n in 0u32.. {
        let key = format!("{name}-{n}");
        let body = serde_json::json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector",
                                      "lon": 120.3826 + f64::from(n % 50) * 1e-4, "lat": 36.0671, "description": key});
        let sent = http
            .post(format!("{base}/api/v1/cases"))
            .bearer_auth(&token)
            .header("idempotency-key", &key)
            .json(&body)
            .send()
            .await;
        let Ok(resp) = sent else { return acked };
        if !resp.status().is_success() {
            return acked;
        }
        let Ok(v) = resp.json::<serde_json::Value>().await else { return acked };
        acked.insert(key, v["id"].as_i64().unwrap());
    }
    acked
}

async fn trials(url: &str) {
    let trials: u64 = std::env::var("CITYOPS_CRASH_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let token = admin_token(url);
    let mut acked_total = 0;
    for trial in 0..trials {
        let port = free_port();
        let mut child = start(url, port).await;
        let base = format!("http://127.0.0.1:{port}");
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| tokio::spawn(client(base.clone(), token.clone(), format!("t{trial}c{c}"))))
            .collect();
        // Killed mid-load, at a different moment each trial.
        tokio::time::sleep(Duration::from_millis(700 + 400 * trial)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        let mut acked = BTreeMap::new();
        for t in tasks {
            acked.extend(t.await.unwrap());
        }
        assert!(!acked.is_empty(), "trial {trial}: no report was acknowledged before the kill");
        // What the store holds, read directly.
        let store = cityops_store::open(url).await.unwrap();
        for (key, id) in &acked {
            let stored = store.get_case(*id).await.unwrap();
            let stored =
                stored.unwrap_or_else(|| panic!("trial {trial}: acknowledged {key} (case {id}) is lost"));
            assert_eq!(stored.value.description, *key, "trial {trial}: case {id}");
        }
        let events = store.events_after(0, u32::MAX).await.unwrap();
        let last = store.last_event_id().await.unwrap();
        assert_eq!(events.len() as u64, last, "trial {trial}: event ids 1..={last} have gaps");
        assert!(
            events.iter().zip(1u64..).all(|(e, n)| e.id == n),
            "trial {trial}: event ids out of sequence"
        );
        acked_total += acked.len();
        eprintln!(
            "crash trial {trial}: {} reports acknowledged before the kill, all stored; {last} events, gap-free",
            acked.len()
        );
    }
    eprintln!(
        "{trials} crash trials on {}: {acked_total} acknowledged reports, none lost",
        cityops_store::redact(url)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_acknowledged_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    trials(&format!("sqlite://{}", dir.path().join("crash.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_loses_nothing_acknowledged_on_postgres() {
    if let Some(url) = cityops_test_support::fresh_pg_url("crash").await {
        trials(&url).await;
    }
}
