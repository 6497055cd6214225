//! The rules remember across a restart: the same inputs give the same cases and alerts whether
//! the service restarts between them or not — a repeated video detection merges into its open
//! case, a dust episode that goes on stays one episode, the stops a truck served before the
//! restart are not reported missed after it, and a hotspot (高发) that builds up across the
//! restart alarms once. On both backends.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{EventBody, Role};
use cityops_server::clock::ScaledClock;
use common::TestApp;
use serde_json::{Value, json};

/// The world the inputs speak of, and the service's clock.
struct Script {
    origin: NaiveDateTime,
    truck: String,
    /// The first stop: where, and one minute into its window (yesterday).
    served: (f64, f64, NaiveDateTime),
    /// A point of the route away from its stops, where the truck reports after the restart.
    on_route: (f64, f64),
    /// When the route rule judges: the second stop's window has closed, unserved.
    judge_at: NaiveDateTime,
}

fn script() -> Script {
    let city = common::city();
    let route = &city.ops.routes.iter().find(|r| r.route.stops.len() >= 4).unwrap().route;
    let day = (chrono::Utc::now() + TimeDelta::hours(8)).date_naive() - TimeDelta::days(1);
    let first = &route.stops[0];
    let served = (first.lon, first.lat, day.and_time(first.window.0) + TimeDelta::minutes(1));
    // A vertex of the route line at least 300 m from every stop.
    let far = |&[lon, lat]: &[f64; 2]| {
        route.stops.iter().all(|s| ((s.lon - lon) * 90_000.0).hypot((s.lat - lat) * 111_000.0) > 300.0)
    };
    let on_route = route.line.iter().find(|p| far(p)).map(|&[lon, lat]| (lon, lat)).unwrap();
    Script {
        // The clock runs from three minutes into the first stop's window (it stays open).
        origin: day.and_time(first.window.0) + TimeDelta::minutes(3),
        truck: route.truck_id.clone(),
        served,
        on_route,
        judge_at: day.and_time(route.stops[1].window.1) + TimeDelta::minutes(1),
    }
}

fn ts(t: NaiveDateTime) -> String {
    cityops_core::calendar::to_timestamp(t).to_rfc3339()
}

async fn post(app: &TestApp, token: &str, feed: &str, items: Vec<Value>) {
    let (s, v) =
        app.call("POST", &format!("/api/v1/feeds/{feed}"), Some(token), Some(Value::Array(items))).await;
    assert_eq!(s, StatusCode::OK, "{feed}: {v}");
}

fn detection(id: &str) -> Value {
    json!({"detection_id": id, "camera_id": "QD-CAM-000001", "type_key": {"kind": "matter", "code": "06010"},
           "confidence": 0.93, "lon": 120.3640, "lat": 36.0598})
}

/// Dust readings at minutes `from..to` before the clock's origin.
fn dust(s: &Script, minutes: std::ops::Range<i64>) -> Vec<Value> {
    minutes
        .map(|m| {
            json!({"reading_id": format!("PM-{m}"), "sensor_id": "QD-PM10-0001", "quantity": "pm10", "value": 320.0,
                   "at": ts(s.origin - TimeDelta::minutes(90) + TimeDelta::minutes(m))})
        })
        .collect()
}

fn fix(s: &Script, id: &str, (lon, lat): (f64, f64), at: NaiveDateTime) -> Value {
    json!({"fix_id": id, "vehicle_id": s.truck, "lon": lon, "lat": lat, "speed_kmh": 5.0, "heading_deg": 0.0, "at": ts(at)})
}

/// `n` reports of 暴露垃圾 a few metres apart at 五四广场.
async fn garbage(app: &TestApp, token: &str, n: usize, from: usize) {
    for i in from..from + n {
        let body = json!({ "type_key": { "kind": "matter", "code": "06010" }, "channel": "inspector",
                           "lon": 120.3826 + i as f64 * 0.0002, "lat": 36.0671, "description": format!("高发 {i}") });
        let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
}

async fn phase_one(app: &TestApp, s: &Script) {
    let gw = app.token(Role::Acceptor, "gateway-1", None).await;
    garbage(app, &gw, 3, 0).await;
    post(app, &gw, "video", vec![detection("D-1")]).await;
    post(app, &gw, "sensor", dust(s, 0..25)).await;
    // The truck serves its first stop.
    post(app, &gw, "gps", vec![fix(s, "G-1", (s.served.0, s.served.1), s.served.2)]).await;
}

async fn phase_two(app: &TestApp, s: &Script) {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let gw = app.token(Role::Acceptor, "gateway-2", None).await;
    garbage(app, &gw, 3, 3).await;
    post(app, &gw, "video", vec![detection("D-2")]).await;
    post(app, &gw, "sensor", dust(s, 25..45)).await;
    // The truck goes on working (on its route, between stops).
    post(app, &gw, "gps", vec![fix(s, "G-2", s.on_route, s.origin)]).await;
    // Time passes: the route rule judges the first two stops' windows.
    let alerts = app.state.scenario.tick(s.judge_at);
    cityops_server::app::feeds::publish(&app.state, &alerts).await.unwrap();
}

/// What the inputs led to: the cases (by how they were filed) and the alerts (by id).
async fn outcome(app: &TestApp) -> (Vec<String>, BTreeSet<String>) {
    let page = app
        .state
        .store
        .list_cases(&cityops_store::CaseFilter { limit: Some(1000), ..Default::default() })
        .await
        .unwrap();
    // A video group's key carries the service time of its first detection, which differs from run
    // to run by how long the service took to start: compare it without.
    let cases = page
        .items
        .iter()
        .map(|c| {
            let r = c.source_ref.clone().unwrap_or_default();
            match r.strip_prefix("video_merge:") {
                Some(key) => {
                    let parts: Vec<&str> = key.split(':').collect();
                    format!("video_merge:{}", [&parts[..3], &parts[4..]].concat().join(":"))
                }
                None => r,
            }
        })
        .collect::<Vec<_>>();
    let mut cases = cases;
    cases.sort();
    let events = app.state.store.events_after(0, 100_000).await.unwrap();
    let alerts = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Alert { alert_id, .. } => Some(alert_id.clone()),
            _ => None,
        })
        .collect();
    (cases, alerts)
}

async fn run(url_once: &str, url_restarted: &str) {
    let s = script();
    // An hour a minute, so the second detection comes minutes after the first (a new group,
    // were the first forgotten).
    let clock = || Arc::new(ScaledClock::new(s.origin, 60.0));
    // Without a restart.
    let app = TestApp::with_clock(url_once, clock()).await;
    phase_one(&app, &s).await;
    phase_two(&app, &s).await;
    let once = outcome(&app).await;
    // With a restart between the phases: a new service on the same store.
    let before = TestApp::with_clock(url_restarted, clock()).await;
    phase_one(&before, &s).await;
    drop(before);
    let after = TestApp::with_clock(url_restarted, clock()).await;
    phase_two(&after, &s).await;
    let restarted = outcome(&after).await;

    let (cases, alerts) = &once;
    assert_eq!(
        cases.iter().filter(|r| r.starts_with("video_merge:")).count(),
        1,
        "one video case: {cases:?}"
    );
    assert_eq!(
        cases.iter().filter(|r| r.starts_with("sensor_alarm:")).count(),
        1,
        "one dust case: {cases:?}"
    );
    assert_eq!(alerts.iter().filter(|a| a.starts_with("dust_exceeded")).count(), 1, "{alerts:?}");
    let missed: Vec<_> = alerts.iter().filter(|a| a.contains("missed")).collect();
    assert_eq!(missed.len(), 1, "the second stop is missed, the served first one is not: {alerts:?}");
    let hot: Vec<_> = alerts.iter().filter(|a| a.starts_with("hotspot:06010:")).collect();
    assert_eq!(hot.len(), 1, "six reports close together: one hotspot alert: {alerts:?}");
    assert_eq!(restarted, once, "a restart between the inputs changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_remember_across_a_restart_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = |n: &str| format!("sqlite://{}", dir.path().join(n).display());
    run(&url("once.sqlite"), &url("restarted.sqlite")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_remember_across_a_restart_on_postgres() {
    if let (Some(a), Some(b)) = (common::fresh_pg_url("once").await, common::fresh_pg_url("restarted").await)
    {
        run(&a, &b).await;
    }
}
