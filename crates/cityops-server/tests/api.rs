//! The whole service, driven through its router without a socket (and, for the live stream, over
//! a real loopback socket), against SQLite always and against PostgreSQL + PostGIS when
//! `CITYOPS_TEST_PG_URL` names a database (CI sets it; on CI its absence is a failure).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::TestApp;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::{
    Action, ActionRequest, CaseDto, CasePageDto, CaseStatus, DispatchProposalDto, IngestResultDto,
    IngestStatus, Role, Stage,
};
use cityops_server::clock::{Clock, ScaledClock};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

fn action(a: Action) -> ActionRequest {
    ActionRequest { action: a, unit_code: None, deadline: None, note: String::new() }
}

/// 五四广场, 市南区.
const SHINAN: (f64, f64) = (120.3826, 36.0671);

fn report(code: &str, (lon, lat): (f64, f64)) -> Value {
    json!({ "type_key": { "kind": "matter", "code": code }, "channel": "inspector", "lon": lon, "lat": lat,
            "description": "测试" })
}

async fn closed_loop(app: &TestApp) {
    let inspector = app.token(Role::Inspector, "inspector-7", None).await;
    let acceptor = app.token(Role::Acceptor, "acceptor-1", None).await;
    let leader = app.token(Role::ShiftLeader, "shift-1", None).await;
    let dispatcher = app.token(Role::Dispatcher, "dispatch-1", Some("370202")).await;
    let admin = app.token(Role::Admin, "admin", None).await;

    let (s, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06010", SHINAN))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let case: CaseDto = serde_json::from_value(v).unwrap();
    assert_eq!((case.stage, case.district_code.as_str()), (Stage::Collect, "370202"));
    assert_eq!(case.grid_code.len(), 15);
    let id = case.id;

    assert_eq!(app.act(&acceptor, id, action(Action::Accept)).await.0, StatusCode::OK);
    assert_eq!(app.act(&leader, id, action(Action::Register)).await.0, StatusCode::OK);

    // Click-to-dispatch: the proposal names the grid's sanitation unit for 暴露垃圾.
    let asked = std::time::Instant::now();
    let (s, v) =
        app.call("GET", &format!("/api/v1/cases/{id}/dispatch-proposal"), Some(&dispatcher), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p: DispatchProposalDto = serde_json::from_value(v).unwrap();
    assert_eq!(p.function, "sanitation");
    assert!(p.unit.code.starts_with(&case.street_code), "{}", p.unit.code);
    let (s, v) = app.call("GET", &format!("/api/v1/cases/{id}/actions"), Some(&dispatcher), None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(serde_json::from_value::<Vec<Action>>(v).unwrap().contains(&Action::Dispatch));
    let (s, v) = app
        .act(
            &dispatcher,
            id,
            ActionRequest { unit_code: Some(p.unit.code.clone()), ..action(Action::Dispatch) },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: CaseDto = serde_json::from_value(v).unwrap();
    assert_eq!((c.stage, c.unit_code.as_deref()), (Stage::Handle, Some(p.unit.code.as_str())));
    // The deadline runs from the dispatch, on this app's wall clock: within working hours it is
    // the proposal's moved on by the time between the two calls, outside them the same.
    let between = chrono::Duration::from_std(asked.elapsed()).unwrap() + chrono::Duration::milliseconds(1);
    let later = c.deadline.expect("a dispatched case has a deadline") - p.deadline;
    assert!(
        later >= chrono::Duration::zero() && later <= between,
        "deadline from the handling standard: {:?} against the proposal's {} ({later} later, {between} between)",
        c.deadline,
        p.deadline
    );

    // Only the assigned unit may feed back.
    let other_unit = app.token(Role::Department, "370202001-U01", None).await;
    let unit = app.token(Role::Department, &p.unit.code, None).await;
    if p.unit.code != "370202001-U01" {
        let (s, v) = app.act(&other_unit, id, action(Action::Feedback)).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    }
    assert_eq!(app.act(&unit, id, action(Action::Feedback)).await.0, StatusCode::OK);
    assert_eq!(app.act(&inspector, id, action(Action::Verify)).await.0, StatusCode::OK);
    let (s, v) = app.act(&leader, id, action(Action::Close)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.call("GET", &format!("/api/v1/cases/{id}"), Some(&inspector), None).await;
    let c: CaseDto = serde_json::from_value(v).unwrap();
    assert_eq!((c.stage, c.status), (Stage::Evaluate, CaseStatus::Closed));
    assert_eq!(c.history.len(), 6, "one log entry per stage passed");
    assert!(c.history.iter().all(|h| h.ended_at.is_some()));

    // Filters.
    let (_, v) = app.call("GET", "/api/v1/cases?area=370202&status=closed", Some(&admin), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert!(page.items.iter().any(|c| c.id == id));
    assert!(page.items.iter().all(|c| c.history.is_empty() && c.events.is_empty()), "lists are slim");
    let (_, v) = app.call("GET", "/api/v1/cases?area=370203", Some(&admin), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert!(page.items.iter().all(|c| c.district_code == "370203"));
    // Free text: the case number in lower case, or words of its address.
    let (_, v) =
        app.call("GET", &format!("/api/v1/cases?q={}", c.case_no.to_lowercase()), Some(&admin), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert_eq!(page.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id]);
    let street = c.address.chars().skip(3).take(4).collect::<String>();
    let (s, v) = app
        .call(
            "GET",
            &format!("/api/v1/cases?{}", serde_urlencoded::to_string([("q", &street)]).unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert!(page.items.iter().any(|x| x.id == id), "{street:?} in {:?}", c.address);
    assert!(page.items.iter().all(|x| x.address.contains(&street)));
    for bad in ["q=", "q=%20%20", &format!("q={}", "x".repeat(101))] {
        let (s, v) = app.call("GET", &format!("/api/v1/cases?{bad}"), Some(&admin), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert!(v["message"].as_str().unwrap().starts_with("q="), "{v}");
    }

    // The audit log names who did what.
    let (s, v) = app.call("GET", "/api/v1/audit?limit=20", Some(&admin), None).await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<String> =
        v.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    for a in [
        "case.create",
        "case.accept",
        "case.register",
        "case.dispatch",
        "case.feedback",
        "case.verify",
        "case.close",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from {actions:?}");
    }
    assert_eq!(app.call("GET", "/api/v1/audit", Some(&inspector), None).await.0, StatusCode::FORBIDDEN);
}

async fn bad_input_writes_nothing(app: &TestApp) {
    let inspector = app.token(Role::Inspector, "i", None).await;
    let scoped = app.token(Role::Inspector, "i-shinan", Some("370202")).await;
    let leader_ro = app.token(Role::Leader, "mayor", None).await;
    let before_events = app.state.store.last_event_id().await.unwrap();
    let before_cases = app.state.store.list_cases(&Default::default()).await.unwrap().total;

    let cases: [(Option<&str>, Option<Value>, StatusCode, &str); 8] = [
        (Some(&inspector), Some(json!({"type_key": 1})), StatusCode::BAD_REQUEST, "malformed_request"),
        (
            Some(&inspector),
            Some(report("99999", SHINAN)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_category",
        ),
        (
            Some(&inspector),
            Some(report("06010", (120.60, 35.90))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_city",
        ),
        (
            Some(&inspector),
            Some(report("06010", (116.40, 39.90))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_city",
        ),
        (Some(&inspector), Some(report("06010", (f64::MAX, 0.0))), StatusCode::BAD_REQUEST, "invalid_field"),
        (Some(&scoped), Some(report("06010", (120.02, 36.28))), StatusCode::FORBIDDEN, "forbidden"),
        (Some(&leader_ro), Some(report("06010", SHINAN)), StatusCode::FORBIDDEN, "forbidden"),
        (None, Some(report("06010", SHINAN)), StatusCode::UNAUTHORIZED, "unauthenticated"),
    ];
    for (i, (tok, body, status, code)) in cases.into_iter().enumerate() {
        let (s, v) = app.call("POST", "/api/v1/cases", tok, body).await;
        assert_eq!(s, status, "case {i}: {v}");
        assert_eq!(v["code"], code, "case {i}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // An illegal transition is a 409 naming the stage; the case is unchanged.
    let (_, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06010", SHINAN))).await;
    let id = v["id"].as_i64().unwrap();
    let events = app.state.store.last_event_id().await.unwrap();
    let admin = app.token(Role::Admin, "a", None).await;
    let (s, v) = app.act(&admin, id, action(Action::Close)).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::CONFLICT, Some("illegal_transition")), "{v}");
    let (s, v) = app
        .act(&admin, id, ActionRequest { unit_code: Some("nope".into()), ..action(Action::Dispatch) })
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(app.state.store.last_event_id().await.unwrap(), events, "refusals write no event");
    assert_eq!(app.state.store.list_cases(&Default::default()).await.unwrap().total, before_cases + 1);
    assert_eq!(events, before_events + 1);
    // Bad query parameters are named.
    let (s, v) = app.call("GET", "/api/v1/cases?area=37x", Some(&admin), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("area"), "{v}");
    let (s, _) = app.call("GET", "/api/v1/cases?bogus=1", Some(&admin), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

async fn feeds_are_idempotent(app: &TestApp) {
    let gw = app.token(Role::Acceptor, "feed-gateway", None).await;
    let batch = json!([
        {"order_no": "WO-1", "demand": "complaint", "type_key": {"kind": "matter", "code": "09006"}, "lon": 120.3826, "lat": 36.0671, "description": "占道经营"},
        {"order_no": "WO-2", "demand": "consult", "type_key": {"kind": "matter", "code": "09006"}, "lon": 120.3826, "lat": 36.0671},
    ]);
    let (s, v) = app.call("POST", "/api/v1/feeds/hotline", Some(&gw), Some(batch.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!((r.created, r.ignored, r.items[1].status), (1, 1, IngestStatus::Ignored));
    let events = app.state.store.last_event_id().await.unwrap();
    let (_, v) = app.call("POST", "/api/v1/feeds/hotline", Some(&gw), Some(batch)).await;
    let r2: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!((r2.created, r2.duplicates), (0, 1));
    assert_eq!(r2.items[0].case_id, r.items[0].case_id);
    assert_eq!(app.state.store.last_event_id().await.unwrap(), events, "a repeat writes nothing");

    // A batch with one bad item writes nothing at all.
    let bad = json!([
        {"report_id": "R-1", "inspector_id": "i1", "type_key": {"kind": "matter", "code": "06010"}, "lon": 120.38, "lat": 36.07},
        {"report_id": "R-2", "inspector_id": "i1", "type_key": {"kind": "matter", "code": "06010"}, "lon": 121.9, "lat": 35.1},
    ]);
    let (s, v) = app.call("POST", "/api/v1/feeds/inspector", Some(&gw), Some(bad)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("item 1"), "{v}");
    assert_eq!(app.state.store.last_event_id().await.unwrap(), events);

    // Observations must be recent on the service's clock (this app runs on the wall clock).
    let now = chrono::Utc::now().with_timezone(&cityops_api::CST).to_rfc3339();
    let gps = json!([
        {"fix_id": "F1", "vehicle_id": "QD-T001", "lon": 120.38, "lat": 36.07, "speed_kmh": 20.0, "heading_deg": 90.0, "at": now},
        {"fix_id": "F1", "vehicle_id": "QD-T001", "lon": 120.38, "lat": 36.07, "speed_kmh": 20.0, "heading_deg": 90.0, "at": now},
    ]);
    let (_, v) = app.call("POST", "/api/v1/feeds/gps", Some(&gw), Some(gps)).await;
    let r: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!((r.created, r.duplicates), (1, 1), "a repeat inside one batch is a duplicate too");
    let video = json!([
        {"detection_id": "D1", "camera_id": "QD-CAM-000002", "type_key": {"kind": "matter", "code": "06010"}, "confidence": 0.95, "lon": 120.38, "lat": 36.07, "snapshot": "snap/D1.jpg"},
        {"detection_id": "D2", "camera_id": "QD-CAM-000002", "type_key": {"kind": "matter", "code": "06010"}, "confidence": 0.40, "lon": 120.38, "lat": 36.07},
    ]);
    let (_, v) = app.call("POST", "/api/v1/feeds/video", Some(&gw), Some(video)).await;
    let r: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!((r.created, r.ignored), (1, 1), "{r:?}");
    let (_, v) =
        app.call("GET", &format!("/api/v1/cases/{}", r.items[0].case_id.unwrap()), Some(&gw), None).await;
    assert_eq!(v["camera_id"], "QD-CAM-000002");
    assert_eq!(v["channel"], "video_ai");
}

async fn open311_round_trip(app: &TestApp) {
    let key = app.token(Role::Acceptor, "citizen-app", None).await;
    let (s, disc) = app.call("GET", "/open311/v2/discovery.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(disc["endpoints"][0]["specification"], "http://wiki.open311.org/GeoReport_v2");
    let (_, services) = app.call("GET", "/open311/v2/services.json", None, None).await;
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 250, "every GB/T 47678.5 matter type is a service");
    let s06010 = services.iter().find(|s| s["service_code"] == "06010").unwrap();
    assert_eq!(s06010["service_name"], "暴露垃圾");
    assert_eq!(s06010["group"], "市容环境类");
    for k in ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"] {
        assert!(s06010.get(k).is_some(), "{k}");
    }
    let (s, xml) = app.raw("GET", "/open311/v2/services.xml", "text/plain", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(xml_count(&xml, "service"), 250);

    let form = format!(
        "api_key={key}&service_code=06010&lat=36.0671&long=120.3826&description=%E5%9E%83%E5%9C%BE&first_name=Li&email=li%40example.com&media_url=http%3A%2F%2Fx%2F1.jpg"
    );
    let (s, body) =
        app.raw("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", &form).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let id = v[0]["service_request_id"].as_str().unwrap().to_owned();
    assert!(v[0]["service_notice"].as_str().unwrap().contains("处置时限"));
    let (s, xml) = app.raw("GET", &format!("/open311/v2/requests/{id}.xml"), "text/plain", "").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(xml_text(&xml, "service_request_id"), Some(id.clone()));
    assert_eq!(xml_text(&xml, "status"), Some("open".into()));
    assert_eq!(xml_text(&xml, "service_code"), Some("06010".into()));
    assert_eq!(xml_text(&xml, "media_url"), Some("http://x/1.jpg".into()));
    let (_, v) =
        app.call("GET", &format!("/open311/v2/requests/{id}.json?extensions=true"), None, None).await;
    assert_eq!(v[0]["detailed_status"], "RECEIVED");
    assert_eq!(v[0]["long"], 120.3826);
    let (_, v) =
        app.call("GET", "/open311/v2/requests.json?status=open&service_code=06010", None, None).await;
    assert!(v.as_array().unwrap().iter().any(|r| r["service_request_id"] == id.as_str()));
    let (_, v) =
        app.call("GET", "/open311/v2/requests.json?status=closed&service_code=06010", None, None).await;
    assert!(v.as_array().unwrap().iter().all(|r| r["status"] == "closed"));

    // Errors in the spec's format.
    let (s, body) = app
        .raw(
            "POST",
            "/open311/v2/requests.xml",
            "application/x-www-form-urlencoded",
            "service_code=06010&lat=36.07&long=120.38",
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(xml_text(&body, "description").unwrap().contains("api_key"), "{body}");
    let (s, body) = app
        .raw(
            "POST",
            "/open311/v2/requests.json",
            "application/x-www-form-urlencoded",
            &format!("api_key={key}&service_code=06010&lat=35.9&long=120.6"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["code"], 400);
    assert!(v[0]["description"].as_str().unwrap().contains("at sea"), "{v}");
    let (s, _) = app.raw("GET", "/open311/v2/services.csv", "text/plain", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// Count elements with this exact name in well-formed XML (a real parser checks well-formedness).
fn xml_count(xml: &str, name: &str) -> usize {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut n = 0;
    loop {
        match r.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == name.as_bytes() => n += 1,
            quick_xml::events::Event::Eof => return n,
            _ => {}
        }
    }
}

fn xml_text(xml: &str, name: &str) -> Option<String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    loop {
        match r.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => inside = e.name().as_ref() == name.as_bytes(),
            quick_xml::events::Event::Text(t) if inside => return Some(t.decode().unwrap().into_owned()),
            quick_xml::events::Event::End(_) => inside = false,
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

async fn documented_routes_exist(app: &TestApp) {
    use cityops_api::endpoint::ALL;
    // Every endpoint of the table answers (not the fallback's "no such endpoint").
    for op in ALL {
        let path =
            op.path.replace("{id}", "1").replace("{name}", "districts").replace("{year}", "2027").replace(
                "{file}",
                if op.path.ends_with("services/{file}") { "06010.json" } else { "services.json" },
            );
        let (_, v) = app.call(op.method.as_str(), &path, None, None).await;
        assert_ne!(
            v["message"],
            "no such endpoint (see /api/openapi.json)",
            "{} {}",
            op.method.as_str(),
            op.path
        );
    }
    let (s, doc) = app.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(
        doc["components"]["schemas"]["CaseDto"]["properties"]["grid_code"].is_object(),
        "schemas from the wire types"
    );
    // Query parameters come from the typed query structs, with their doc comments.
    let list = &doc["paths"]["/api/v1/cases"]["get"];
    assert_eq!(list["operationId"], "list_cases");
    let params: Vec<&str> =
        list["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in ["area", "stage", "overdue", "bbox", "q", "limit", "offset"] {
        assert!(params.contains(&name), "{name} missing from {params:?}");
    }
    let q = list["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "q").unwrap();
    assert!(q["description"].as_str().unwrap().contains("Free text"), "{q}");
    // Both ways: every operation of the document is an endpoint of the table, and every endpoint
    // of the table is in the document.
    let mut documented = std::collections::BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            documented.insert((
                method.to_uppercase(),
                path.clone(),
                op["operationId"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let table: std::collections::BTreeSet<_> =
        ALL.iter().map(|i| (i.method.as_str().to_owned(), i.path.to_owned(), i.name.to_owned())).collect();
    assert_eq!(documented, table);
}

/// The router and the endpoint table hold each other both ways: every mounted route is an
/// endpoint of the table (the router mounts by endpoint type only) and every endpoint is mounted;
/// and no module mounts a route around the table.
#[test]
fn every_mounted_route_is_documented_and_every_documented_route_is_mounted() {
    use cityops_api::endpoint::ALL;
    let mounted: std::collections::BTreeSet<_> =
        cityops_server::routes::api().mounted().iter().map(|i| (i.method, i.path, i.name)).collect();
    let table: std::collections::BTreeSet<_> = ALL.iter().map(|i| (i.method, i.path, i.name)).collect();
    let missing: Vec<_> = table.difference(&mounted).collect();
    let extra: Vec<_> = mounted.difference(&table).collect();
    assert!(missing.is_empty(), "documented but not mounted: {missing:?}");
    assert!(extra.is_empty(), "mounted but not documented: {extra:?}");
    assert_eq!(cityops_server::routes::api().mounted().len(), ALL.len(), "each endpoint mounted once");
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    for f in files {
        if f.ends_with("http.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(!text.contains(".route("), "{} mounts a route around the endpoint table", f.display());
    }
}

async fn reference_data(app: &TestApp) {
    let t = app.token(Role::Leader, "l", None).await;
    let (_, v) = app.call("GET", "/api/v1/locate?lon=120.3826&lat=36.0671", Some(&t), None).await;
    assert_eq!(v["district_name"], "市南区", "{v}");
    let (_, v) = app.call("GET", "/api/v1/units", Some(&t), None).await;
    assert_eq!(v.as_array().unwrap().len(), 1 + 10 + 53 + 612);
    let (s, v) = app.call("GET", "/api/v1/layers/districts", Some(&t), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["features"].as_array().unwrap().len(), 10);
    let (_, v) = app.call("GET", "/api/v1/layers/grids?area=370202001", Some(&t), None).await;
    assert!(
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["properties"]["code"].as_str().unwrap().starts_with("370202001"))
    );
    assert_eq!(app.call("GET", "/api/v1/layers/grids", Some(&t), None).await.0, StatusCode::BAD_REQUEST);
    let (_, v) = app.call("GET", "/api/v1/catalogue", Some(&t), None).await;
    assert!(v.as_array().unwrap().len() >= 403);
    // The briefing chart (plotters → SVG): every district with its composite.
    let req = Request::builder()
        .uri("/api/v1/evaluation/chart.svg?from=2020-01-01T00:00:00%2B08:00&to=2030-01-01T00:00:00%2B08:00")
        .header("authorization", format!("Bearer {t}"))
        .body(Body::empty())
        .unwrap();
    let (s, body) = app.send(req).await;
    let svg = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK, "{svg}");
    assert!(
        svg.starts_with("<svg") && svg.contains("市南区") && svg.contains("莱西市"),
        "{}",
        &svg[..200.min(svg.len())]
    );
}

async fn the_map_follows_the_live_stream(app: &TestApp) {
    let t = app.token(Role::Leader, "wall", None).await;
    let active = app.state.store.list_cases(&cityops_store::CaseFilter::default()).await.unwrap();
    let visible = active.items.iter().filter(|c| c.status != CaseStatus::Cancelled).count() as u32;
    // The map is fed asynchronously by the live hub: wait until it has every case.
    let mut total = 0;
    for _ in 0..50 {
        let (s, v) = app
            .call("GET", "/api/v1/map/viewport?west=119.3&south=35.3&east=121.3&north=37.3&zoom=8&width=1920&height=1080", Some(&t), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let view: cityops_api::MapViewDto = serde_json::from_value(v).unwrap();
        total = view
            .items
            .iter()
            .map(|i| match i {
                cityops_api::MapItemDto::Cluster { mix, .. } => mix.total(),
                cityops_api::MapItemDto::Point { .. } => 1,
            })
            .sum::<u32>();
        if total == visible {
            assert!(view.as_of.contains_key(&cityops_api::LayerKind::Cases));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(total, visible, "every case not cancelled is on the map");
    let (s, v) = app
        .call(
            "GET",
            "/api/v1/map/viewport?west=120.37&south=36.06&east=120.39&north=36.07&zoom=18&layers=cases,ships",
            Some(&t),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("ships"), "{v}");
}

async fn scenario_rules_on_the_feeds(app: &TestApp) {
    let gw = app.token(Role::Acceptor, "rules-gateway", None).await;
    // Video AI: a repeat from the same camera, type and place merges into the open case.
    let det = |id: &str, lon: f64| {
        json!({"detection_id": id, "camera_id": "QD-CAM-000001", "type_key": {"kind": "matter", "code": "06010"},
               "confidence": 0.93, "lon": lon, "lat": 36.0598, "snapshot": format!("snap/{id}.jpg")})
    };
    let (s, v) =
        app.call("POST", "/api/v1/feeds/video", Some(&gw), Some(json!([det("V-1", 120.3640)]))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let first: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!(first.items[0].status, IngestStatus::Created);
    let case_id = first.items[0].case_id.unwrap();
    let (_, v) = app
        .call(
            "POST",
            "/api/v1/feeds/video",
            Some(&gw),
            Some(json!([det("V-2", 120.36401), det("V-1", 120.3640)])),
        )
        .await;
    let again: IngestResultDto = serde_json::from_value(v).unwrap();
    assert_eq!((again.items[0].status, again.items[0].case_id), (IngestStatus::Merged, Some(case_id)));
    assert_eq!((again.items[1].status, again.items[1].case_id), (IngestStatus::Duplicate, Some(case_id)));
    let (_, c) = app.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&gw), None).await;
    assert_eq!((c["channel"].as_str(), c["camera_id"].as_str()), (Some("video_ai"), Some("QD-CAM-000001")));
    assert_eq!(c["media"][0], "snap/V-1.jpg");

    // Which cameras see a point 30 m west of QD-CAM-000001 (heading 278°, 105°, 106 m).
    let (s, v) =
        app.call("GET", "/api/v1/cameras/visible?lon=120.364040&lat=36.059855", Some(&gw), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let cams = v.as_array().unwrap();
    assert!(cams.iter().any(|c| c["id"] == "QD-CAM-000001"), "{v}");
    assert!(
        cams.windows(2).all(|w| w[0]["distance_m"].as_f64() <= w[1]["distance_m"].as_f64()),
        "nearest first"
    );

    // One camera by id (any case); its cases by its id.
    let (s, v) = app.call("GET", "/api/v1/cameras/qd-cam-000001", Some(&gw), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let seen = cams.iter().find(|c| c["id"] == "QD-CAM-000001").unwrap();
    assert_eq!(
        (&v["id"], &v["lon"], &v["lat"], &v["distance_m"]),
        (&seen["id"], &seen["lon"], &seen["lat"], &json!(0.0))
    );
    // The cameras of a close view: their cones may reach into the box.
    let (lon, lat) = (seen["lon"].as_f64().unwrap(), seen["lat"].as_f64().unwrap());
    let bbox = format!("{},{},{},{}", lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002);
    let (s, v) = app.call("GET", &format!("/api/v1/cameras?bbox={bbox}"), Some(&gw), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ids: Vec<&str> = v["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"QD-CAM-000001") && ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert_eq!(v["truncated"], false);
    let (_, one) = app.call("GET", &format!("/api/v1/cameras?bbox={bbox}&limit=1"), Some(&gw), None).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    assert_eq!(one["truncated"], ids.len() > 1);
    for bad in ["bbox=1,2,3", "bbox=120.5,36,120.4,36.1", "bbox=a,b,c,d", &format!("bbox={bbox}&limit=0")] {
        let (s, v) = app.call("GET", &format!("/api/v1/cameras?{bad}"), Some(&gw), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
    let (s, v) = app.call("GET", "/api/v1/cameras/QD-CAM-999999", Some(&gw), None).await;
    assert_eq!((s, v["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{v}");
    let (_, v) = app.call("GET", "/api/v1/cases?q=QD-CAM-000001", Some(&gw), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert_eq!(page.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![case_id]);

    // Observations are dated yesterday (the service's clock is the wall clock here; readings
    // older than 30 days or ahead of it are refused), at the same times of day as ever.
    let day =
        (chrono::Utc::now().with_timezone(&cityops_api::CST) - chrono::Duration::days(1)).format("%Y-%m-%d");
    // Construction dust: a sustained exceedance raises one alert and files a 工地扬尘 case.
    let readings: Vec<Value> = (0..25)
        .map(|m| {
            json!({"reading_id": format!("PM-{m}"), "sensor_id": "QD-PM10-0001", "quantity": "pm10",
                        "value": 320.0, "at": format!("{day}T09:{m:02}:00+08:00")})
        })
        .collect();
    let (s, v) = app.call("POST", "/api/v1/feeds/sensor", Some(&gw), Some(Value::Array(readings))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.call("GET", "/api/v1/cases?channel=sensor", Some(&gw), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert_eq!(page.total, 1, "one episode, one case");
    assert_eq!(
        (page.items[0].type_key.code.as_str(), page.items[0].district_code.as_str()),
        ("08004", "370202")
    );

    // A waste truck 4 km off its route for two fixes raises an off-route alert.
    let fixes: Vec<Value> = (0..3)
        .map(|i| json!({"fix_id": format!("G-{i}"), "vehicle_id": "鲁B·H0001", "lon": 120.33, "lat": 36.10 + f64::from(i) * 1e-4,
                        "at": format!("{day}T06:{:02}:00+08:00", 40 + i)}))
        .collect();
    let (s, v) = app.call("POST", "/api/v1/feeds/gps", Some(&gw), Some(Value::Array(fixes))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let events = app.state.store.events_after(0, 100_000).await.unwrap();
    let rules: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.body {
            cityops_api::EventBody::Alert { rule, .. } => Some(rule.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(rules.iter().filter(|r| **r == "dust_exceeded").count(), 1, "{rules:?}");
    assert_eq!(rules.iter().filter(|r| **r == "off_route").count(), 1, "{rules:?}");
}

fn cst(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

/// Run the clock of `app` on until it reads `t` (a scaled clock: a few real seconds at most).
async fn wait_until(app: &TestApp, t: &str) {
    while app.state.clock.now() < cst(t) {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Register → dispatch → feedback → verify → close across 31 December / 1 January on a clock
/// running 600× (ten minutes a second) from 2026-12-31 21:00 (up to 17 s of the service's
/// start-up, on a busy machine, are left behind first).
async fn the_year_turns(app: &TestApp) {
    wait_until(app, "2026-12-31 23:57:00").await;
    assert!(app.state.clock.now() < cst("2026-12-31 23:58:00"), "the service took over 17 s to start");
    let inspector = app.token(Role::Inspector, "inspector-ny", None).await;
    let acceptor = app.token(Role::Acceptor, "acceptor-ny", None).await;
    let leader = app.token(Role::ShiftLeader, "shift-ny", None).await;
    let dispatcher = app.token(Role::Dispatcher, "dispatch-ny", None).await;
    let admin = app.token(Role::Admin, "admin-ny", None).await;
    let calendar = app.state.calendar.current();

    let (s, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06004", SHINAN))).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let a: CaseDto = serde_json::from_value(v).unwrap();
    assert!(a.case_no.starts_with("QD20261231"), "{}", a.case_no);
    assert_eq!(app.act(&acceptor, a.id, action(Action::Accept)).await.0, StatusCode::OK);
    assert_eq!(app.act(&leader, a.id, action(Action::Register)).await.0, StatusCode::OK);

    wait_until(app, "2027-01-01 00:00:30").await;
    // The proposal and the dispatch both answer (this was a 500 before) with a deadline on a
    // working day of 2027, marked provisional: 2027 has no notice.
    let (s, v) =
        app.call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", a.id), Some(&dispatcher), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let p: DispatchProposalDto = serde_json::from_value(v.clone()).unwrap();
    assert!(p.deadline_provisional && v["deadline_provisional"] == true, "{v}");
    let due = cityops_core::calendar::from_timestamp(p.deadline);
    assert!(
        due.date() > cst("2027-01-04 00:00:00").date()
            && calendar.is_working_time(due - chrono::TimeDelta::minutes(1)).unwrap()
    );
    let (s, v) = app
        .act(
            &dispatcher,
            a.id,
            ActionRequest { unit_code: Some(p.unit.code.clone()), ..action(Action::Dispatch) },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: CaseDto = serde_json::from_value(v).unwrap();
    assert!(c.deadline_provisional);
    // Oracle: the core calendar from the moment the handling stage began.
    let handle = c.history.last().unwrap();
    assert_eq!(handle.stage, Stage::Handle);
    assert!(handle.deadline_provisional);
    let expect =
        calendar.add(cityops_core::calendar::from_timestamp(handle.started_at), p.tiers[0].limit).unwrap();
    assert_eq!(c.deadline.map(cityops_core::calendar::from_timestamp), Some(expect));

    // A report after midnight is numbered with the new date; the numbers never collide.
    let (_, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06010", SHINAN))).await;
    let b: CaseDto = serde_json::from_value(v).unwrap();
    assert!(b.case_no.starts_with("QD20270101"), "{}", b.case_no);
    assert!(b.id > a.id && b.case_no != a.case_no);

    let unit = app.token(Role::Department, &p.unit.code, None).await;
    assert_eq!(app.act(&unit, a.id, action(Action::Feedback)).await.0, StatusCode::OK);
    assert_eq!(app.act(&inspector, a.id, action(Action::Verify)).await.0, StatusCode::OK);
    let (s, v) = app.act(&leader, a.id, action(Action::Close)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let closed: CaseDto = serde_json::from_value(v).unwrap();
    assert_eq!(closed.status, CaseStatus::Closed);

    // The overdue sweep crosses the boundary too: B's 30-minute collection limit passes at
    // 00:30:30 on 1 January.
    wait_until(app, "2027-01-01 00:31:00").await;
    let (_, v) = app.call("GET", "/api/v1/cases?overdue=true", Some(&admin), None).await;
    let page: CasePageDto = serde_json::from_value(v).unwrap();
    assert!(page.items.iter().any(|x| x.id == b.id && x.overdue), "B overdue in 2027");

    // An evaluation period spanning the boundary counts the case registered in 2026 and closed
    // in 2027.
    let (s, v) = app
        .call(
            "GET",
            "/api/v1/evaluation?area=370202&from=2026-12-31T00:00:00%2B08:00&to=2027-01-02T00:00:00%2B08:00",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["registered"].as_u64().unwrap() >= 1 && v["closed"].as_u64().unwrap() >= 1, "{v}");

    // The years say where they come from.
    let (s, v) = app.call("GET", "/api/v1/calendar/2027", Some(&inspector), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["source"], "statutory-provisional");
    assert!(
        v["holidays"].as_array().unwrap().iter().any(|d| d["date"] == "2027-02-06" && d["name"] == "春节")
    );
    let (_, v) = app.call("GET", "/api/v1/calendar/2026", Some(&inspector), None).await;
    assert_eq!((v["source"].as_str(), v["working_days"].as_u64()), (Some("notice"), Some(248)));
    let (s, v) = app.call("GET", "/api/v1/calendar/1999", Some(&inspector), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    assert!(v["message"].as_str().unwrap().contains("1999"), "{v}");
}

const NOTICE_2027: &str = include_str!("../../../assets/calendar/examples/notice-2027-synthetic.toml");

/// Loading a notice through the API: refused whole when bad; when good, stored, audited,
/// announced on the live stream, and in force for the next deadline (the clock reads Thursday
/// 2027-02-04 20:00, after hours, so a deadline does not depend on the exact second).
async fn notices_move_later_deadlines(app: &TestApp, url: &str) {
    let inspector = app.token(Role::Inspector, "inspector-n", None).await;
    let acceptor = app.token(Role::Acceptor, "acceptor-n", None).await;
    let leader = app.token(Role::ShiftLeader, "shift-n", None).await;
    let dispatcher = app.token(Role::Dispatcher, "dispatch-n", None).await;
    let admin = app.token(Role::Admin, "admin-n", None).await;
    let scoped_admin = app.token(Role::Admin, "admin-370202", Some("370202")).await;
    let (_, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06004", SHINAN))).await;
    let a: CaseDto = serde_json::from_value(v).unwrap();
    app.act(&acceptor, a.id, action(Action::Accept)).await;
    app.act(&leader, a.id, action(Action::Register)).await;
    let proposal = || async {
        let (s, v) = app
            .call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", a.id), Some(&dispatcher), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        serde_json::from_value::<DispatchProposalDto>(v).unwrap()
    };
    let before = proposal().await;
    assert!(before.deadline_provisional);
    let now = app.state.clock.now();
    let statutory = app.state.calendar.current();
    assert_eq!(
        cityops_core::calendar::from_timestamp(before.deadline),
        statutory.add(now, before.tiers[0].limit).unwrap()
    );

    let post = |token: String, body: String| async move {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/calendar/notices")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/toml")
            .body(Body::from(body))
            .unwrap();
        let (s, b) = app.send(req).await;
        (s, serde_json::from_slice::<Value>(&b).unwrap())
    };
    let events = app.state.store.last_event_id().await.unwrap();
    let audits = app.state.store.audit_entries(1).await.unwrap();
    // A bad file (a make-up day on a Wednesday, line 16) is refused whole and changes nothing.
    let bad = NOTICE_2027.replace("2027-02-20", "2027-02-17");
    let (s, v) = post(admin.clone(), bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("line 16") && msg.contains("nothing changed"), "{msg}");
    // Only a city-wide admin may load one.
    assert_eq!(post(dispatcher.clone(), NOTICE_2027.into()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(post(scoped_admin, NOTICE_2027.into()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.state.store.last_event_id().await.unwrap(), events);
    assert_eq!(app.state.store.audit_entries(1).await.unwrap()[0].id, audits[0].id);
    assert!(app.state.store.calendar_notices().await.unwrap().is_empty());
    let (_, v) = app.call("GET", "/api/v1/calendar/2027", Some(&admin), None).await;
    assert_eq!(v["source"], "statutory-provisional");

    let (s, v) = post(admin.clone(), NOTICE_2027.into()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        json!({ "years": [{ "year": 2027, "changed": true, "previous": "statutory-provisional" }] })
    );
    let after = proposal().await;
    assert!(!after.deadline_provisional);
    let notice = app.state.calendar.current();
    let now = app.state.clock.now();
    assert_eq!(
        cityops_core::calendar::from_timestamp(after.deadline),
        notice.add(now, after.tiers[0].limit).unwrap()
    );
    assert!(after.deadline > before.deadline, "the notice's longer 春节 block moves the deadline");
    let (_, v) = app.call("GET", "/api/v1/calendar/2027", Some(&admin), None).await;
    assert_eq!((v["source"].as_str(), v["loaded"]["by"].as_str()), (Some("notice"), Some("admin-n")));
    // Announced on the live stream and audited.
    let evs = app.state.store.events_after(events, 10).await.unwrap();
    assert!(evs.iter().any(|e| e.body == cityops_api::EventBody::Calendar { years: vec![2027] }), "{evs:?}");
    let last_audit = &app.state.store.audit_entries(1).await.unwrap()[0];
    assert_eq!(
        (last_audit.record.action.as_str(), last_audit.record.actor.as_str()),
        ("calendar.import", "admin-n")
    );
    // Loading the same notice again changes and writes nothing.
    let events = app.state.store.last_event_id().await.unwrap();
    let (_, v) = post(admin.clone(), NOTICE_2027.into()).await;
    assert_eq!(v["years"][0]["changed"], false);
    assert_eq!(app.state.store.last_event_id().await.unwrap(), events);
    // The dispatch takes the notice's deadline.
    let (s, v) = app
        .act(
            &dispatcher,
            a.id,
            ActionRequest { unit_code: Some(after.unit.code.clone()), ..action(Action::Dispatch) },
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c: CaseDto = serde_json::from_value(v).unwrap();
    assert!(!c.deadline_provisional);
    let handle = c.history.last().unwrap();
    assert_eq!(
        c.deadline.map(cityops_core::calendar::from_timestamp),
        Some(
            notice
                .add(cityops_core::calendar::from_timestamp(handle.started_at), after.tiers[0].limit)
                .unwrap()
        )
    );
    // A restarted service keeps the loaded notice.
    let again = TestApp::with_clock(url, app.state.clock.clone()).await;
    assert_eq!(
        again.state.calendar.current().year(2027).unwrap().source,
        cityops_core::calendar::YearSource::Notice
    );
}

/// A deadline that runs into a year no calendar covers is a 503 naming the year, not a 500.
async fn a_calendar_gap_is_named(app: &TestApp) {
    let inspector = app.token(Role::Inspector, "inspector-g", None).await;
    let acceptor = app.token(Role::Acceptor, "acceptor-g", None).await;
    let leader = app.token(Role::ShiftLeader, "shift-g", None).await;
    let dispatcher = app.token(Role::Dispatcher, "dispatch-g", None).await;
    let (_, v) = app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06004", SHINAN))).await;
    let a: CaseDto = serde_json::from_value(v).unwrap();
    app.act(&acceptor, a.id, action(Action::Accept)).await;
    app.act(&leader, a.id, action(Action::Register)).await;
    let (s, v) =
        app.call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", a.id), Some(&dispatcher), None).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["code"], "calendar_unavailable");
    assert!(v["message"].as_str().unwrap().contains("9999"), "{v}");
    let before = app.state.store.last_event_id().await.unwrap();
    let (s, v) = app
        .act(
            &dispatcher,
            a.id,
            ActionRequest { unit_code: Some("370202001-U01".into()), ..action(Action::Dispatch) },
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("calendar_unavailable")),
        "{v}"
    );
    assert_eq!(app.state.store.last_event_id().await.unwrap(), before, "nothing written");
}

async fn calendar_runs(url_of: impl Fn(&str) -> String) {
    let clock =
        |origin: &str, scale: f64| -> Arc<dyn Clock> { Arc::new(ScaledClock::new(cst(origin), scale)) };
    the_year_turns(&TestApp::with_clock(&url_of("ny"), clock("2026-12-31 21:00:00", 600.0)).await).await;
    let url = url_of("notice");
    notices_move_later_deadlines(&TestApp::with_clock(&url, clock("2027-02-04 20:00:00", 1.0)).await, &url)
        .await;
    a_calendar_gap_is_named(&TestApp::with_clock(&url_of("gap"), clock("9998-12-31 17:00:00", 1.0)).await)
        .await;
}

#[tokio::test]
async fn the_calendar_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    calendar_runs(|name| format!("sqlite://{}/{name}.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn the_calendar_on_postgres() {
    if std::env::var("CITYOPS_TEST_PG_URL").is_err() {
        assert!(std::env::var("CI").is_err(), "CI must provide CITYOPS_TEST_PG_URL");
        return;
    }
    let mut urls = std::collections::HashMap::new();
    for name in ["ny", "notice", "gap"] {
        urls.insert(name, common::fresh_pg_url(name).await.unwrap());
    }
    calendar_runs(|name| urls[name].clone()).await;
}

/// `ogrinfo -ro -so -al FILE` (GDAL), or None where GDAL is not installed (allowed outside CI).
fn ogrinfo(path: &std::path::Path) -> Option<String> {
    match std::process::Command::new("ogrinfo").args(["-ro", "-so", "-al"]).arg(path).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "ogrinfo {}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) => {
            assert!(std::env::var("CI").is_err(), "CI must have GDAL's ogrinfo (scripts/setup.sh): {e}");
            eprintln!("ogrinfo not installed: GDAL check skipped here");
            None
        }
    }
}

/// The filtered case list and the static layers as GeoJSON and FlatGeobuf, read back by GDAL;
/// same filters and scope as the list.
async fn exports_are_read_by_gdal(app: &TestApp) {
    let inspector = app.token(Role::Inspector, "inspector-x", None).await;
    let admin = app.token(Role::Admin, "admin-x", None).await;
    let scoped = app.token(Role::Leader, "leader-370203", Some("370203")).await;
    for _ in 0..3 {
        app.call("POST", "/api/v1/cases", Some(&inspector), Some(report("06010", SHINAN))).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let get = |uri: String, token: String| async move {
        let req = Request::builder()
            .uri(&uri)
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    };
    let (_, v) = app.call("GET", "/api/v1/cases?area=370202&limit=1000", Some(&admin), None).await;
    let listed = v["total"].as_u64().unwrap();
    assert!(listed >= 3);
    for (format, media) in [("geojson", "application/geo+json"), ("fgb", "application/flatgeobuf")] {
        let (s, h, body) =
            get(format!("/api/v1/cases/export?format={format}&area=370202"), admin.clone()).await;
        assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert_eq!(h["content-type"], media);
        assert!(h["content-disposition"].to_str().unwrap().contains(&format!(".{format}\"")), "{h:?}");
        if format == "geojson" {
            let fc: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(fc["type"], "FeatureCollection");
            assert_eq!(fc["features"].as_array().unwrap().len() as u64, listed);
            let f = &fc["features"][0];
            assert_eq!(f["geometry"]["type"], "Point");
            assert!(f["properties"]["case_no"].as_str().unwrap().starts_with("QD"), "{f}");
        }
        let path = dir.path().join(format!("cases.{format}"));
        std::fs::write(&path, &body).unwrap();
        if let Some(info) = ogrinfo(&path) {
            assert!(info.contains(&format!("Feature Count: {listed}")), "{info}");
            assert!(info.contains("case_no: String"), "{info}");
            assert!(info.contains("deadline_provisional"), "{info}");
        }
    }
    // Scope: a token of 370203 exports 370203 only, and may not ask for 370202.
    let (s, _, body) = get("/api/v1/cases/export".into(), scoped.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let fc: Value = serde_json::from_slice(&body).unwrap();
    assert!(fc["features"].as_array().unwrap().iter().all(|f| f["properties"]["district_code"] == "370203"));
    let (s, _, _) = get("/api/v1/cases/export?area=370202".into(), scoped).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, body) = get("/api/v1/cases/export?format=shp".into(), admin.clone()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("format"));
    // Every static layer as FlatGeobuf, read back by GDAL with its feature count.
    let (_, _, districts) = get("/api/v1/layers/districts?format=fgb".into(), admin.clone()).await;
    let path = dir.path().join("districts.fgb");
    std::fs::write(&path, &districts).unwrap();
    if let Some(info) = ogrinfo(&path) {
        assert!(info.contains("Feature Count: 10"), "{info}");
        assert!(info.contains("Multi Polygon") || info.contains("Polygon"), "{info}");
    }
    for name in [
        "land",
        "sea",
        "coastline",
        "streets",
        "communities",
        "places",
        "compounds",
        "routes",
        "facilities",
        "sites",
    ] {
        let (s, h, body) = get(format!("/api/v1/layers/{name}?format=fgb"), admin.clone()).await;
        assert_eq!(
            (s, h["content-type"].to_str().unwrap()),
            (StatusCode::OK, "application/flatgeobuf"),
            "{name}"
        );
        assert_eq!(&body[..3], b"fgb", "{name}: FlatGeobuf magic");
    }
    let (s, _, body) = get("/api/v1/layers/grids?area=370202001&format=fgb".into(), admin.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let path = dir.path().join("grids.fgb");
    std::fs::write(&path, &body).unwrap();
    if let Some(info) = ogrinfo(&path) {
        assert!(info.contains("unit_code: String"), "{info}");
    }
    // The whole city's grids as FlatGeobuf (as GeoJSON only by area).
    let (s, _, body) = get("/api/v1/layers/grids?format=fgb".into(), admin.clone()).await;
    assert_eq!(s, StatusCode::OK);
    let path = dir.path().join("all-grids.fgb");
    std::fs::write(&path, &body).unwrap();
    if let Some(info) = ogrinfo(&path) {
        let all = app.state.city.pack.organisation.grids().len();
        assert!(info.contains(&format!("Feature Count: {all}")), "{info}");
    }
    let (s, _, body) = get("/api/v1/layers/grids?area=3702&format=fgb".into(), admin).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let e: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(e["code"], "invalid_field");
    assert!(e["message"].as_str().unwrap().starts_with("area=\"3702\""), "{e}");
}

/// A revoked token is refused within `TOKEN_TTL` (tokens are cached between reads of the table).
async fn revoked_tokens_are_refused(app: &TestApp) {
    let token = app.token(Role::Leader, "to-revoke", None).await;
    let (s, v) = app.call("GET", "/api/v1/cases?limit=1", Some(&token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let at = cityops_core::calendar::to_timestamp(app.state.clock.now());
    let n = app.state.store.revoke_tokens("to-revoke", &cityops_store::Author::cli(), at).await.unwrap();
    assert_eq!(n, 1);
    let deadline =
        std::time::Instant::now() + cityops_server::auth::TOKEN_TTL + std::time::Duration::from_millis(500);
    loop {
        let (s, v) = app.call("GET", "/api/v1/cases?limit=1", Some(&token), None).await;
        if s == StatusCode::UNAUTHORIZED {
            assert_eq!(v["code"], "unauthenticated", "{v}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "a revoked token still answered {s} after the TTL");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn run_all(url: &str) {
    let app = TestApp::new(url).await;
    revoked_tokens_are_refused(&app).await;
    closed_loop(&app).await;
    bad_input_writes_nothing(&app).await;
    feeds_are_idempotent(&app).await;
    open311_round_trip(&app).await;
    documented_routes_exist(&app).await;
    reference_data(&app).await;
    the_map_follows_the_live_stream(&app).await;
    scenario_rules_on_the_feeds(&app).await;
    exports_are_read_by_gdal(&app).await;
}

#[tokio::test]
async fn the_api_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    run_all(&format!("sqlite://{}/api.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn the_api_on_postgres() {
    let Some(url) = common::fresh_pg_url("api").await else { return };
    run_all(&url).await;
}
