//! The live stream over a real loopback socket: a client that disconnects, or whose service
//! restarts, resumes with `Last-Event-ID` and receives every event it missed, none twice.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use cityops_api::{Channel, LiveEvent, NewCaseDto, Role, TypeKey, TypeKind};
use cityops_server::auth::{Caller, hash_token, new_token};
use cityops_server::clock::SystemClock;
use cityops_server::state::{AppState, City};
use cityops_store::NewToken;
use futures_util::StreamExt;

struct Running {
    addr: SocketAddr,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
}

async fn start(url: &str, city: Arc<City>) -> Running {
    let store = cityops_store::open(url).await.unwrap();
    let state = cityops_server::start_state(store, city, Arc::new(SystemClock)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = cityops_server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Running { addr, state, task }
}

fn inspector() -> Caller {
    Caller { label: "inspector-1".into(), role: Role::Inspector, district: None, remote: "test".into() }
}

async fn report(state: &AppState, n: usize) {
    for i in 0..n {
        let new = NewCaseDto {
            description: format!("live {i}"),
            ..NewCaseDto::at(
                TypeKey { kind: TypeKind::Matter, code: "06010".into() },
                Channel::Inspector,
                // 270 m apart: no hotspot (高发) alert joins the events this test counts.
                120.3826 + i as f64 * 3e-3,
                36.0671,
            )
        };
        cityops_server::app::create_case(state, &inspector(), new, None).await.unwrap();
    }
}

/// Read `n` events from the stream (after `last`), then disconnect.
async fn read(
    addr: SocketAddr,
    token: &str,
    last: Option<u64>,
    n: usize,
    while_open: Option<(&AppState, usize)>,
) -> Vec<LiveEvent> {
    let client = reqwest::Client::new();
    let mut req = client.get(format!("http://{addr}/api/v1/events")).bearer_auth(token);
    req = match last {
        Some(id) => req.header("Last-Event-ID", id.to_string()),
        None => req.query(&[("after", "0")]),
    };
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let mut out = Vec::new();
    let mut produced = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while out.len() < n {
        if let Some((state, k)) = while_open
            && !produced
            && !out.is_empty()
        {
            produced = true;
            report(state, k).await;
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next()).await.expect("events arrive in time");
        buf.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
        while let Some(end) = buf.find("\n\n") {
            let frame: String = buf.drain(..end + 2).collect();
            let id =
                frame.lines().find_map(|l| l.strip_prefix("id:")).map(|s| s.trim().parse::<u64>().unwrap());
            let data: String = frame.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim).collect();
            if data.is_empty() {
                continue; // keep-alive comment
            }
            let e: LiveEvent = serde_json::from_str(&data).unwrap();
            assert_eq!(Some(e.id), id, "the SSE id is the event id");
            out.push(e);
        }
    }
    out
}

fn assert_contiguous(events: &[LiveEvent], after: u64) {
    let ids: Vec<u64> = events.iter().map(|e| e.id).collect();
    let expected: Vec<u64> = (after + 1..=after + ids.len() as u64).collect();
    assert_eq!(ids, expected, "every event after {after}, in order, none twice");
}

async fn scenario(url: &str) {
    let city = Arc::new(City::qingdao().unwrap());
    let a = start(url, city.clone()).await;
    let token = new_token().unwrap();
    a.state
        .store
        .create_token(
            NewToken {
                hash: hash_token(&token),
                role: Role::Leader,
                district_code: None,
                label: "wall".into(),
                created_at: cityops_core::calendar::to_timestamp(chrono::Utc::now().naive_utc()),
            },
            &cityops_store::Author::cli(),
        )
        .await
        .unwrap();
    let base = a.state.store.last_event_id().await.unwrap();

    report(&a.state, 5).await;
    let first = read(a.addr, &token, None, 5, None).await;
    assert_contiguous(&first, base);

    // Missed while disconnected, then live while connected.
    report(&a.state, 3).await;
    let second = read(a.addr, &token, Some(first[4].id), 5, Some((&a.state, 2))).await;
    assert_contiguous(&second, first[4].id);

    // The service restarts on the same database; the client resumes from its last id.
    a.task.abort();
    let _ = a.task.await;
    drop(a.state);
    let b = start(url, city).await;
    report(&b.state, 4).await;
    let third = read(b.addr, &token, Some(second[4].id), 4, None).await;
    assert_contiguous(&third, second[4].id);
    assert_eq!(b.state.store.last_event_id().await.unwrap(), third[3].id);
    b.task.abort();
}

#[tokio::test]
async fn resume_loses_nothing_and_repeats_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    scenario(&format!("sqlite://{}/live.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn resume_loses_nothing_and_repeats_nothing_on_postgres() {
    let Some(url) = common::fresh_pg_url("live").await else { return };
    scenario(&url).await;
}

/// Two instances on one PostgreSQL: what one commits reaches the other's live hub through the
/// database's announcement (`LISTEN`/`NOTIFY`). The reading instance's regular read of the log is
/// set to an hour, so only the announcement can bring the events within the test.
#[tokio::test]
async fn instances_share_the_stream_through_postgres_announcements() {
    let Some(url) = common::fresh_pg_url("live_notify").await else { return };
    let city = Arc::new(City::qingdao().unwrap());
    let a = start(&url, city).await;
    let b = cityops_store::open(&url).await.unwrap();
    assert!(b.announced().is_some(), "PostgreSQL announces commits");
    let hub = cityops_server::live::Live::start(b.clone(), Duration::from_secs(3600)).await.unwrap();
    let mut rx = hub.subscribe();
    let base = b.last_event_id().await.unwrap();
    report(&a.state, 3).await;
    let mut got = Vec::new();
    while got.len() < 3 {
        let e = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("the other instance's events are announced")
            .unwrap();
        got.push(e);
    }
    assert_contiguous(&got, base);
    a.task.abort();
}

/// SQLite announces nothing: one process writes its file, and the hub reads its log.
#[tokio::test]
async fn sqlite_announces_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = cityops_store::open(&format!("sqlite://{}/a.sqlite", dir.path().display())).await.unwrap();
    assert!(store.announced().is_none());
}
