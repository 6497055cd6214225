//! Every write a client may retry is idempotent, also under concurrency, on both backends: a
//! report with an `Idempotency-Key` or a `source_ref`, a workflow action, a feed batch, twenty
//! concurrent posts of one video detection.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::Role;
use common::TestApp;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn post(
    app: &TestApp,
    token: &str,
    uri: &str,
    key: Option<&str>,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let resp = app.router.clone().oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = resp.status();
    let replayed = resp.headers().get("idempotent-replayed").is_some();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null), replayed)
}

async fn cases(app: &TestApp) -> u64 {
    app.state
        .store
        .list_cases(&cityops_store::CaseFilter { limit: Some(1), ..Default::default() })
        .await
        .unwrap()
        .total
}

fn report(text: &str) -> Value {
    json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector", "lon": 120.3826, "lat": 36.0671,
           "description": text})
}

async fn run(url: &str) {
    let app = Arc::new(TestApp::new(url).await);
    let t = app.token(Role::Admin, "retrying-client", None).await;

    // A report retried after a lost acknowledgement: one case, the first answer again.
    let before = cases(&app).await;
    let (s1, a, r1) = post(&app, &t, "/api/v1/cases", Some("report-1"), &report("第一次")).await;
    let (s2, b, r2) = post(&app, &t, "/api/v1/cases", Some("report-1"), &report("第一次")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED), "{a} {b}");
    assert_eq!((r1, r2), (false, true));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(cases(&app).await, before + 1);
    // The key reused for another request: refused.
    let (s, v, _) = post(&app, &t, "/api/v1/cases", Some("report-1"), &report("另一件")).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{v}");
    // Without the header, the client's own source_ref: the first case, 200.
    let with_ref = |text: &str| {
        let mut r = report(text);
        r["source_ref"] = json!("client-77");
        r
    };
    let (s1, a, _) = post(&app, &t, "/api/v1/cases", None, &with_ref("来源一")).await;
    let (s2, b, _) = post(&app, &t, "/api/v1/cases", None, &with_ref("来源一")).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK), "{a} {b}");
    assert_eq!(a["id"], b["id"]);
    assert_eq!(cases(&app).await, before + 2);

    // Twenty concurrent retries of one report: one case.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, t) = (app.clone(), t.clone());
            tokio::spawn(async move {
                post(&app, &t, "/api/v1/cases", Some("report-burst"), &report("并发")).await
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (s, v, _) = task.await.unwrap();
        assert!(s.is_success(), "{s} {v}");
        ids.insert(v["id"].as_i64().unwrap());
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(cases(&app).await, before + 3);

    // A workflow action retried: applied once (督办 counts each time it is applied).
    let id = a["id"].as_i64().unwrap();
    let urge = json!({"action": "supervise", "note": "请尽快处理"});
    for _ in 0..3 {
        let (s, v, _) = post(&app, &t, &format!("/api/v1/cases/{id}/actions"), Some("urge-1"), &urge).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, c) = app.call("GET", &format!("/api/v1/cases/{id}"), Some(&t), None).await;
    assert_eq!(c["supervise_count"], 1, "{c}");

    // A feed batch retried: the first answer again (created, not duplicate).
    let gw = app.token(Role::Acceptor, "gateway", None).await;
    let batch = json!([{"report_id": "idem-1", "inspector_id": "I-1", "type_key": {"kind": "matter", "code": "06010"},
                        "lon": 120.3826, "lat": 36.0671}]);
    let (_, first, _) = post(&app, &gw, "/api/v1/feeds/inspector", Some("batch-1"), &batch).await;
    let (_, again, replayed) = post(&app, &gw, "/api/v1/feeds/inspector", Some("batch-1"), &batch).await;
    assert_eq!((first["created"].as_u64(), replayed), (Some(1), true));
    assert_eq!(first, again);

    // Twenty concurrent posts of one video detection: one case.
    let det = json!([{"detection_id": "det-burst", "camera_id": "QD-CAM-000001", "type_key": {"kind": "matter", "code": "06010"},
                      "confidence": 0.95, "lon": 120.3640, "lat": 36.0598}]);
    let before = cases(&app).await;
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (app, gw, det) = (app.clone(), gw.clone(), det.clone());
            tokio::spawn(async move { post(&app, &gw, "/api/v1/feeds/video", None, &det).await })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for task in tasks {
        let (s, v, _) = task.await.unwrap();
        assert_eq!(s, StatusCode::OK, "{v}");
        ids.insert(v["items"][0]["case_id"].as_i64());
    }
    assert_eq!(ids.len(), 1, "every answer names the one case: {ids:?}");
    assert_eq!(cases(&app).await, before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_write_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    run(&format!("sqlite://{}", dir.path().join("idem.sqlite").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_write_once_on_postgres() {
    if let Some(url) = common::fresh_pg_url("idem").await {
        run(&url).await;
    }
}
