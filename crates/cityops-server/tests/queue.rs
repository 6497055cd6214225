//! The work queue over HTTP on both backends: each role, district and unit sees the cases awaiting
//! it, most urgent first, red and yellow judged at the service's clock; a case acted on leaves it.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::http::StatusCode;
use cityops_api::{Action, ActionRequest, CaseDto, QueueBucket, QueueDto, Role, Urgency};
use common::{SetClock, TestApp};
use serde_json::json;

/// 五四广场 (市南区 370202) and 崂山区政府 (370212).
const SHINAN: (f64, f64) = (120.3826, 36.0671);
const LAOSHAN: (f64, f64) = (120.4685, 36.1072);

async fn report(app: &TestApp, token: &str, (lon, lat): (f64, f64), what: &str) -> CaseDto {
    let body = json!({ "type_key": { "kind": "matter", "code": "06010" }, "channel": "inspector",
                       "lon": lon, "lat": lat, "description": what });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn act(app: &TestApp, token: &str, id: i64, action: Action, unit: Option<&str>) {
    let req =
        ActionRequest { action, unit_code: unit.map(str::to_owned), deadline: None, note: String::new() };
    let (s, v) = app.act(token, id, req).await;
    assert_eq!(s, StatusCode::OK, "{action:?} on {id}: {v}");
}

async fn queue(app: &TestApp, token: &str, query: &str) -> QueueDto {
    let (s, v) = app.call("GET", &format!("/api/v1/queue{query}"), Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    serde_json::from_value(v).unwrap()
}

fn ids(q: &QueueDto) -> Vec<i64> {
    q.items.iter().map(|i| i.case.id).collect()
}

async fn the_queue(url: &str) {
    let clock = SetClock::at("2025-03-04 09:00");
    let app = TestApp::with_clock(url, clock.clone()).await;
    let admin = app.token(Role::Admin, "q-admin", None).await;
    // 09:00, a Tuesday: five reports, moved on to different stages.
    let collect = report(&app, &admin, SHINAN, "待受理").await;
    let register = report(&app, &admin, SHINAN, "待立案").await;
    let dispatch = report(&app, &admin, SHINAN, "待派遣").await;
    let handle = report(&app, &admin, SHINAN, "处置中").await;
    let laoshan = report(&app, &admin, LAOSHAN, "崂山待派遣").await;
    assert_eq!((collect.district_code.as_str(), laoshan.district_code.as_str()), ("370202", "370212"));
    for c in [&register, &dispatch, &handle, &laoshan] {
        act(&app, &admin, c.id, Action::Accept, None).await;
    }
    for c in [&dispatch, &handle, &laoshan] {
        act(&app, &admin, c.id, Action::Register, None).await;
    }
    let (_, p) =
        app.call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", handle.id), Some(&admin), None).await;
    let unit = p["unit"]["code"].as_str().unwrap().to_owned();
    act(&app, &admin, handle.id, Action::Dispatch, Some(&unit)).await;

    let dispatcher = app.token(Role::Dispatcher, "q-dispatch", None).await;
    let shinan_dispatcher = app.token(Role::Dispatcher, "q-dispatch-202", Some("370202")).await;
    let laoshan_dispatcher = app.token(Role::Dispatcher, "q-dispatch-212", Some("370212")).await;
    let department = app.token(Role::Department, &unit, None).await;
    let other_department = app.token(Role::Department, "370203001-U01", None).await;
    let acceptor = app.token(Role::Acceptor, "q-acceptor", None).await;
    let shift = app.token(Role::ShiftLeader, "q-shift", None).await;
    let shinan_leader = app.token(Role::Leader, "q-leader-202", Some("370202")).await;

    // Who sees what (the counts list every bucket the role works, also when empty).
    let q = queue(&app, &dispatcher, "").await;
    assert_eq!(ids(&q), [dispatch.id, laoshan.id], "{q:?}");
    assert_eq!(
        q.counts.iter().map(|c| (c.bucket, c.total)).collect::<Vec<_>>(),
        [(QueueBucket::Dispatch, 2)]
    );
    assert_eq!(ids(&queue(&app, &shinan_dispatcher, "").await), [dispatch.id]);
    assert_eq!(ids(&queue(&app, &laoshan_dispatcher, "").await), [laoshan.id]);
    let q = queue(&app, &department, "").await;
    assert_eq!(ids(&q), [handle.id]);
    assert_eq!(q.items[0].bucket, QueueBucket::Handling);
    let q = queue(&app, &other_department, "").await;
    assert!(q.items.is_empty() && q.counts.len() == 1 && q.counts[0].total == 0, "{q:?}");
    let q = queue(&app, &acceptor, "").await;
    assert_eq!(ids(&q), [collect.id]);
    assert_eq!(
        q.counts.iter().map(|c| (c.bucket, c.total)).collect::<Vec<_>>(),
        [(QueueBucket::Accept, 1), (QueueBucket::Verify, 0)]
    );
    assert_eq!(ids(&queue(&app, &shift, "").await), [register.id]);
    let mut led = ids(&queue(&app, &shinan_leader, "").await);
    led.sort_unstable();
    assert_eq!(led, [collect.id, register.id, dispatch.id, handle.id], "a leader urges all of 市南");

    // 09:13: the 15-minute stages (立案, 派遣; deadline 09:15) are yellow from 09:12; 受理 (30
    // minutes) is not yet.
    clock.set("2025-03-04 09:13");
    let q = queue(&app, &admin, "").await;
    let urgency = |q: &QueueDto, id: i64| q.items.iter().find(|i| i.case.id == id).map(|i| i.urgency);
    assert_eq!(urgency(&q, register.id), Some(Urgency::DueSoon));
    assert_eq!(urgency(&q, dispatch.id), Some(Urgency::DueSoon));
    assert_eq!(urgency(&q, collect.id), Some(Urgency::Normal));
    let (_, v) = app.call("GET", &format!("/api/v1/cases/{}", dispatch.id), Some(&admin), None).await;
    assert_eq!((v["due_soon"].as_bool(), v["overdue"].as_bool()), (Some(true), Some(false)), "{v}");
    // 09:20: those are red, 5 working minutes past; the most overdue and then the oldest first.
    clock.set("2025-03-04 09:20");
    let q = queue(&app, &admin, "").await;
    assert_eq!(ids(&q), [register.id, dispatch.id, laoshan.id, collect.id, handle.id], "{q:?}");
    assert_eq!(q.items[0].urgency, Urgency::Overdue);
    assert_eq!(q.items[0].remaining_working_minutes, Some(-5));
    assert_eq!(q.items[3].remaining_working_minutes, Some(10));
    let c = |b: QueueBucket| q.counts.iter().find(|c| c.bucket == b).copied().unwrap();
    assert_eq!((c(QueueBucket::Dispatch).total, c(QueueBucket::Dispatch).overdue), (2, 2));
    assert_eq!(q.total, 5);
    assert_eq!((q.rule.share, q.rule.floor_working_hours), (0.8, 2.0));
    // One bucket, a page of it; the counts still cover every bucket.
    let q = queue(&app, &admin, "?bucket=dispatch&limit=1&offset=1").await;
    assert_eq!((ids(&q), q.total, q.counts.len()), (vec![laoshan.id], 2, 6));

    // Acted on, the case leaves the dispatcher's queue.
    act(&app, &shinan_dispatcher, dispatch.id, Action::Dispatch, Some(&unit)).await;
    assert!(queue(&app, &shinan_dispatcher, "").await.items.is_empty());
    assert_eq!(ids(&queue(&app, &department, "").await), [handle.id, dispatch.id]);

    // Bad queries are refused, naming the parameter.
    for (bad, names) in [("?limit=0", "limit"), ("?limit=501", "limit"), ("?bucket=later", "bucket")] {
        let (s, v) = app.call("GET", &format!("/api/v1/queue{bad}"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(v["message"].as_str().unwrap().contains(names), "{bad}: {v}");
    }
}

#[tokio::test]
async fn the_queue_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_queue(&format!("sqlite://{}/queue.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn the_queue_on_postgres() {
    let Some(url) = common::fresh_pg_url("queue").await else { return };
    the_queue(&url).await;
}
