//! Bad input is refused whole, with a 4xx naming what is wrong, and writes nothing — on SQLite and
//! on PostgreSQL (which refuses NUL bytes in text). Each case here was a finding: a batch that
//! wrote the items before its bad one, a NUL byte answered 503 after earlier writes, a 1.5 MB
//! camera id fanned out to every client, a 10 MB body answered 400, readings from the year 9999,
//! a speed of 1e308, invalid UTF-8 stored as U+FFFD, and a panic on a multi-byte Open311 token.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::http::StatusCode;
use cityops_api::Role;
use common::TestApp;
use serde_json::{Value, json};

/// How many cases and events the store holds.
async fn written(app: &TestApp) -> (u64, u64) {
    let page = app
        .state
        .store
        .list_cases(&cityops_store::CaseFilter { limit: Some(1), ..Default::default() })
        .await
        .unwrap();
    (page.total, app.state.store.last_event_id().await.unwrap())
}

fn report(n: usize) -> Value {
    json!({"report_id": format!("r-{n}"), "inspector_id": "I-1", "type_key": {"kind": "matter", "code": "06010"},
           "lon": 120.3826, "lat": 36.0671, "description": "暴露垃圾"})
}

fn order(n: usize) -> Value {
    json!({"order_no": format!("o-{n}"), "demand": "complaint", "type_key": {"kind": "matter", "code": "06010"},
           "lon": 120.3826, "lat": 36.0671, "address": "香港中路", "description": "投诉"})
}

async fn refused_whole(
    app: &TestApp,
    token: &str,
    path: &str,
    bad: Value,
    good: fn(usize) -> Value,
    needle: &str,
) {
    let before = written(app).await;
    let mut batch: Vec<Value> = (0..10).map(good).collect();
    batch[5] = bad;
    let (s, v) = app.call("POST", path, Some(token), Some(Value::Array(batch))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
    let m = v["message"].as_str().unwrap();
    assert!(m.starts_with("item 5:") && m.contains(needle), "{path}: {m}");
    assert_eq!(written(app).await, before, "{path}: nothing of the batch is written");
}

async fn run(url: &str) {
    let app = TestApp::new(url).await;
    let t = app.token(Role::Acceptor, "gateway", None).await;
    let long = "长".repeat(5000);

    // One bad item among ten: the whole batch is refused and nothing is written.
    let with = |mut v: Value, k: &str, x: Value| {
        v[k] = x;
        v
    };
    refused_whole(
        &app,
        &t,
        "/api/v1/feeds/inspector",
        with(report(5), "description", json!(long)),
        report,
        "description",
    )
    .await;
    refused_whole(
        &app,
        &t,
        "/api/v1/feeds/inspector",
        with(report(5), "inspector_id", json!(long)),
        report,
        "inspector_id",
    )
    .await;
    refused_whole(
        &app,
        &t,
        "/api/v1/feeds/inspector",
        with(report(5), "media", json!(vec!["m"; 21])),
        report,
        "media",
    )
    .await;
    refused_whole(
        &app,
        &t,
        "/api/v1/feeds/hotline",
        with(order(5), "address", json!("址".repeat(300))),
        order,
        "address",
    )
    .await;
    refused_whole(
        &app,
        &t,
        "/api/v1/feeds/inspector",
        with(report(5), "description", json!("a\u{0}b")),
        report,
        "U+0000",
    )
    .await;
    // Nothing was claimed either: the good items go through afterwards.
    let (s, v) =
        app.call("POST", "/api/v1/feeds/inspector", Some(&t), Some(json!([report(0), report(1)]))).await;
    assert_eq!((s, v["created"].as_u64()), (StatusCode::OK, Some(2)), "{v}");

    // A case with a NUL byte, a 1.5 MB camera id.
    let before = written(&app).await;
    let case = |desc: &str, camera: &str| {
        json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "video_ai", "lon": 120.3826, "lat": 36.0671,
               "description": desc, "camera_id": camera})
    };
    for (body, needle) in
        [(case("x\u{0}y", "QD-CAM-000001"), "U+0000"), (case("ok", &"C".repeat(1_500_000)), "camera_id")]
    {
        let (s, v) = app.call("POST", "/api/v1/cases", Some(&t), Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v:.300}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{v:.300}");
    }
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/feeds/video",
            Some(&t),
            Some(json!([{"detection_id": "d-1", "camera_id": "C".repeat(1_500_000), "type_key": {"kind": "matter", "code": "06010"},
                         "confidence": 0.9, "lon": 120.3826, "lat": 36.0671}])),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v:.300}");
    assert_eq!(written(&app).await, before);

    // A body over the limit: 413 with the service's {code, message}.
    let huge = format!("[{}]", vec![report(1).to_string(); 80_000].join(","));
    assert!(huge.len() > 10_000_000);
    let (s, body) = app.raw("POST", "/api/v1/feeds/inspector", "application/json", &huge).await;
    // (raw sends no token: the size is refused before the caller is known, or the token is.)
    assert!(matches!(s, StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNAUTHORIZED), "{s} {body:.200}");
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/feeds/inspector")
        .header("authorization", format!("Bearer {t}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(huge))
        .unwrap();
    let (s, body) = app.send(req).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((s, v["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")), "{v}");

    // Implausible readings and fixes.
    let now = chrono::Utc::now().with_timezone(&cityops_api::CST);
    for (path, item, needle) in [
        (
            "sensor",
            json!({"reading_id": "s-1", "sensor_id": "GD-0001-D", "quantity": "pm10", "value": 30.0, "at": "9999-01-01T00:00:00+08:00"}),
            "9999",
        ),
        (
            "sensor",
            json!({"reading_id": "s-2", "sensor_id": "GD-0001-D", "quantity": "noise", "value": 1e9, "at": now}),
            "value",
        ),
        (
            "gps",
            json!({"fix_id": "g-1", "vehicle_id": "T1", "lon": 120.38, "lat": 36.07, "speed_kmh": 1e308, "at": now}),
            "speed_kmh",
        ),
        (
            "gps",
            json!({"fix_id": "g-2", "vehicle_id": "T1", "lon": 120.38, "lat": 36.07, "heading_deg": -5.0, "at": now}),
            "heading_deg",
        ),
    ] {
        let (s, v) = app.call("POST", &format!("/api/v1/feeds/{path}"), Some(&t), Some(json!([item]))).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {v}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{path}: {v}");
    }
    assert_eq!(written(&app).await, before);

    // Open311: invalid UTF-8 is refused, not stored as U+FFFD; a multi-byte token answers 404.
    let form = format!("api_key={t}&service_code=06010&lat=36.0671&long=120.3826&description=%FF%FEbad");
    let (s, body) =
        app.raw("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", &form).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("UTF-8"), "{body}");
    assert_eq!(written(&app).await, before);
    let (s, body) =
        app.raw("GET", "/open311/v2/tokens/QD1234567%E4%B8%AD%E6%96%87.json", "text/plain", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_whole_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    run(&format!("sqlite://{}", dir.path().join("input.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_whole_on_postgres() {
    if let Some(url) = common::fresh_pg_url("input").await {
        run(&url).await;
    }
}
