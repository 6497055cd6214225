//! Every mounted route × every role × both scopes (the whole city, one district), generated from
//! the endpoint table: a route added to the table without a probe here fails
//! `every_endpoint_has_a_probe`, and each probe's expectation comes from the table's `Access`.
//!
//! The world: one case in 市南 (370202) and one in 崂山 (370212), a truck and a site sensor of
//! 崂山 that have reported. A district token of 市南 must not read, see or act on anything of
//! 崂山; a whole-city token must see it (so each probe is shown to reach 崂山's data and the
//! test can fail).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::endpoint::{ALL, Format, Info, Method, Scope};
use cityops_api::{CaseDto, Role};
use common::TestApp;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const HOME: &str = "370202";
const OTHER: &str = "370212";
/// Text only 崂山's case carries.
const SECRET: &str = "崂山保密案件";

/// What the test knows of its world.
struct World {
    home_case: CaseDto,
    other_case: CaseDto,
    /// 崂山's penalty file: id and number.
    other_file: (i64, String),
    other_point: (f64, f64),
    other_truck: String,
    other_sensor: String,
    from: String,
    to: String,
    now: String,
}

/// What a district token of 370202 must get from a probe aimed at 370212.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hidden {
    /// 404: a read of one thing outside the district.
    NotFound,
    /// 403: a write, or a read that names an area outside the district.
    Forbidden,
    /// 2xx without any of the probe's markers (which the whole-city token's answer holds).
    Filtered,
}

/// One request aimed at 崂山's data, and how a district token of 市南 must be answered.
struct Probe {
    method: &'static str,
    uri: String,
    body: Option<(&'static str, String)>,
    hidden: Hidden,
    /// Strings that only 崂山's data puts in an answer.
    markers: Vec<String>,
    /// The markers are not expected in every whole-city answer.
    leak_only: bool,
}

impl Probe {
    fn get(uri: String, hidden: Hidden, markers: Vec<String>) -> Self {
        Self { method: "GET", uri, body: None, hidden, markers, leak_only: false }
    }

    /// Markers only checked as absent from the district token's answer (the whole city's answer
    /// depends on the role).
    fn only_leak_check(mut self) -> Self {
        self.leak_only = true;
        self
    }

    fn post(uri: &str, body: Value) -> Self {
        Self {
            method: "POST",
            uri: uri.to_owned(),
            body: Some(("application/json", body.to_string())),
            hidden: Hidden::Forbidden,
            markers: vec![],
            leak_only: false,
        }
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The probe of each endpoint (by its table name).
fn probe(name: &str, w: &World) -> Probe {
    let other = &w.other_case;
    let id = other.id;
    let (lon, lat) = w.other_point;
    let case_markers = vec![other.case_no.clone(), SECRET.to_owned()];
    let period = format!("from={}&to={}", enc(&w.from), enc(&w.to));
    match name {
        "health" => Probe::get("/api/health".into(), Hidden::Filtered, vec![]),
        "openapi" => Probe::get("/api/openapi.json".into(), Hidden::Filtered, vec![]),
        "audit" => Probe::get("/api/v1/audit".into(), Hidden::Forbidden, vec![]),
        "create_token" => Probe::post(
            "/api/v1/tokens",
            json!({"role": "inspector", "district": OTHER, "label": "scope-probe"}),
        ),
        "calendar_year" => Probe::get("/api/v1/calendar/2027".into(), Hidden::Filtered, vec![]),
        "import_notices" => Probe {
            method: "POST",
            uri: "/api/v1/calendar/notices".into(),
            body: Some(("application/toml", "not a notice".into())),
            hidden: Hidden::Forbidden,
            markers: vec![],
            leak_only: false,
        },
        "create_case" => Probe::post(
            "/api/v1/cases",
            json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector",
                   "lon": lon, "lat": lat, "description": "scope probe"}),
        ),
        "list_cases" => Probe::get("/api/v1/cases?limit=1000".into(), Hidden::Filtered, case_markers),
        "export_cases" => {
            Probe::get("/api/v1/cases/export?format=geojson".into(), Hidden::Filtered, case_markers)
        }
        "get_case" => Probe::get(format!("/api/v1/cases/{id}"), Hidden::NotFound, case_markers),
        // Whose queue holds 崂山's case depends on the role; tests/queue.rs checks that per role
        // and district. Here: every role answers, a district token without leaking.
        "queue" => Probe::get("/api/v1/queue?limit=500".into(), Hidden::Filtered, vec![SECRET.to_owned()])
            .only_leak_check(),
        "duplicates" => Probe::get(format!("/api/v1/cases/{id}/duplicates"), Hidden::NotFound, vec![]),
        // Into itself: refused after the scope check (a district token: 403), so nothing changes.
        "merge" => Probe::post(&format!("/api/v1/cases/{id}/merge"), json!({"into": id})),
        "act" => Probe::post(
            &format!("/api/v1/cases/{id}/actions"),
            json!({"action": "supervise", "note": "probe"}),
        ),
        "allowed_actions" => Probe::get(format!("/api/v1/cases/{id}/actions"), Hidden::NotFound, vec![]),
        "dispatch_proposal" => Probe::get(
            format!("/api/v1/cases/{id}/dispatch-proposal"),
            Hidden::NotFound,
            vec![format!("\"case_id\":{id}")],
        ),
        "catalogue" => Probe::get("/api/v1/catalogue".into(), Hidden::Filtered, vec![]),
        "units" => Probe::get("/api/v1/units".into(), Hidden::Filtered, vec![]),
        "locate" => Probe::get(format!("/api/v1/locate?lon={lon}&lat={lat}"), Hidden::Filtered, vec![]),
        "layer" => Probe::get("/api/v1/layers/districts".into(), Hidden::Filtered, vec![]),
        "cameras_in_box" => Probe::get(
            format!("/api/v1/cameras?bbox={},{},{},{}", lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01),
            Hidden::Filtered,
            vec![],
        ),
        "cameras_visible" => {
            Probe::get(format!("/api/v1/cameras/visible?lon={lon}&lat={lat}"), Hidden::Filtered, vec![])
        }
        "camera" => Probe::get("/api/v1/cameras/QD-CAM-000001".into(), Hidden::Filtered, vec![]),
        "vehicles" => Probe::get("/api/v1/vehicles".into(), Hidden::Filtered, vec![w.other_truck.clone()]),
        "viewport" => Probe::get(
            format!(
                "/api/v1/map/viewport?west={}&south={}&east={}&north={}&zoom=18&width=1920&height=1080&layers=cases,trucks,alerts",
                other.lon - 0.002,
                other.lat - 0.002,
                other.lon + 0.002,
                other.lat + 0.002
            ),
            Hidden::Filtered,
            vec![format!("\"layer\":\"cases\",\"id\":{id},")],
        ),
        // The stream and the log carry a case's mark (its id), not its document.
        "events" => Probe::get(
            "/api/v1/events?after=0".into(),
            Hidden::Filtered,
            vec![format!("\"mark\":{{\"id\":{id},"), w.other_truck.clone(), w.other_sensor.clone()],
        ),
        "event_log" => {
            // Up to a moment ago (the world was built before the probes): its whole log.
            let to = chrono::Utc::now().with_timezone(&cityops_api::CST) - chrono::Duration::milliseconds(5);
            Probe::get(
                format!("/api/v1/events/log?from={}&to={}", enc(&w.from), enc(&to.to_rfc3339())),
                Hidden::Filtered,
                vec![format!("\"mark\":{{\"id\":{id},"), w.other_truck.clone(), w.other_sensor.clone()],
            )
        }
        "evaluation" => {
            Probe::get(format!("/api/v1/evaluation?area={OTHER}&{period}"), Hidden::Forbidden, vec![])
        }
        "evaluation_districts" => Probe::get(
            format!("/api/v1/evaluation/districts?{period}"),
            Hidden::Filtered,
            vec![format!("\"{OTHER}\"")],
        ),
        "summary" => {
            Probe::get(format!("/api/v1/summary?area={OTHER}"), Hidden::Forbidden, vec!["崂山区".into()])
        }
        "evaluation_drill" => Probe::get(
            format!("/api/v1/evaluation/drill?area={OTHER}&{period}"),
            Hidden::Forbidden,
            vec!["崂山区".into()],
        ),
        "evaluation_chart" => Probe::get(
            format!("/api/v1/evaluation/chart.svg?{period}"),
            Hidden::Filtered,
            vec!["崂山".into()],
        ),
        "briefing" => {
            Probe::get(format!("/api/v1/briefing.pdf?area={OTHER}&{period}"), Hidden::Forbidden, vec![])
        }
        "feed_inspector" => Probe::post(
            "/api/v1/feeds/inspector",
            json!([{"report_id": "scope-probe-1", "inspector_id": "I-1", "type_key": {"kind": "matter", "code": "06010"},
                    "lon": lon, "lat": lat}]),
        ),
        "feed_hotline" => Probe::post(
            "/api/v1/feeds/hotline",
            json!([{"order_no": "scope-probe-2", "demand": "complaint", "type_key": {"kind": "matter", "code": "06010"},
                    "lon": lon, "lat": lat}]),
        ),
        "feed_video" => Probe::post(
            "/api/v1/feeds/video",
            json!([{"detection_id": "scope-probe-3", "camera_id": "QD-CAM-000001", "type_key": {"kind": "matter", "code": "06010"},
                    "confidence": 0.2, "lon": lon, "lat": lat}]),
        ),
        "feed_sensor" => Probe::post(
            "/api/v1/feeds/sensor",
            json!([{"reading_id": "scope-probe-4", "sensor_id": w.other_sensor, "quantity": "pm10", "value": 10.0, "at": w.now}]),
        ),
        "feed_gps" => Probe::post(
            "/api/v1/feeds/gps",
            json!([{"fix_id": "scope-probe-5", "vehicle_id": w.other_truck, "lon": lon, "lat": lat, "at": w.now}]),
        ),
        "enforcement_matters" => Probe::get("/api/v1/enforcement/matters".into(), Hidden::Filtered, vec![]),
        "enforcement_create_file" => Probe::post(
            "/api/v1/enforcement/files",
            json!({"matter": "01002", "lon": lon, "lat": lat, "facts": "scope probe"}),
        ),
        "enforcement_list_files" => Probe::get(
            "/api/v1/enforcement/files?limit=1000".into(),
            Hidden::Filtered,
            vec![w.other_file.1.clone(), SECRET.to_owned()],
        ),
        "enforcement_summary" => {
            Probe::get(format!("/api/v1/enforcement/summary?area={OTHER}"), Hidden::Forbidden, vec![])
        }
        "enforcement_get_file" => Probe::get(
            format!("/api/v1/enforcement/files/{}", w.other_file.0),
            Hidden::NotFound,
            vec![w.other_file.1.clone(), SECRET.to_owned()],
        ),
        // A stale version: a whole-city caller is refused after the scope check (409), so the
        // file does not move.
        "enforcement_step" => Probe::post(
            &format!("/api/v1/enforcement/files/{}/steps", w.other_file.0),
            json!({"action": "withdraw", "version": 0, "note": "scope probe"}),
        ),
        "enforcement_allowed_steps" => Probe::get(
            format!("/api/v1/enforcement/files/{}/steps", w.other_file.0),
            Hidden::NotFound,
            vec![],
        ),
        "enforcement_document" => Probe::get(
            format!("/api/v1/enforcement/files/{}/documents/filing_approval", w.other_file.0),
            Hidden::NotFound,
            vec![],
        ),
        "open311_get" => Probe::get("/open311/v2/services.json".into(), Hidden::Filtered, vec![]),
        "open311_post" => Probe {
            method: "POST",
            uri: "/open311/v2/requests.json".into(),
            body: Some(("application/x-www-form-urlencoded", "service_code=06010".into())),
            hidden: Hidden::Filtered,
            markers: vec![],
            leak_only: false,
        },
        "open311_service" => Probe::get("/open311/v2/services/06010.json".into(), Hidden::Filtered, vec![]),
        "open311_request" => {
            Probe::get(format!("/open311/v2/requests/{}.json", w.home_case.id), Hidden::Filtered, vec![])
        }
        "open311_token" => Probe::get("/open311/v2/tokens/QD1.json".into(), Hidden::Filtered, vec![]),
        other => panic!(
            "endpoint {other} has no probe in tests/scope.rs: add one (what would a district token leak?)"
        ),
    }
}

enum Token<'a> {
    None,
    Header(&'a str),
    Query(&'a str),
}

/// Send a probe; an event stream is read until it has been quiet for a moment.
async fn send(app: &TestApp, p: &Probe, token: Token<'_>, info: &Info) -> (StatusCode, String) {
    let uri = match token {
        Token::Query(t) => {
            format!("{}{}access_token={t}", p.uri, if p.uri.contains('?') { '&' } else { '?' })
        }
        _ => p.uri.clone(),
    };
    let mut req = Request::builder().method(p.method).uri(uri);
    if let Token::Header(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match &p.body {
        Some((ctype, body)) => req.header("content-type", *ctype).body(Body::from(body.clone())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let mut body = resp.into_body();
    let mut bytes = Vec::new();
    if info.response == Format::EventStream && status.is_success() {
        // Never ends on its own: read what the catch-up sends.
        while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(400), body.frame()).await {
            if let Some(d) = frame.data_ref() {
                bytes.extend_from_slice(d);
            }
        }
    } else {
        bytes = body.collect().await.unwrap().to_bytes().to_vec();
    }
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A point of district `code` on land (scanning a coarse grid of the city).
fn point_in(app: &TestApp, code: &str) -> (f64, f64) {
    let pack = &app.state.city.pack;
    for i in 0..200 {
        for j in 0..200 {
            let (lon, lat) = (119.5 + f64::from(i) * 0.01, 35.5 + f64::from(j) * 0.01);
            if pack.locate(lon, lat).is_ok_and(|p| p.district.code == code) {
                return (lon, lat);
            }
        }
    }
    panic!("no point found in {code}");
}

async fn world(app: &TestApp) -> World {
    let admin = app.token(Role::Admin, "scope-admin", None).await;
    let home_point = (120.3826, 36.0671);
    let other_point = point_in(app, OTHER);
    let mut cases = Vec::new();
    for ((lon, lat), text) in [(home_point, "市南的案件"), (other_point, SECRET)] {
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/cases",
                Some(&admin),
                Some(json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector",
                            "lon": lon, "lat": lat, "description": text})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        cases.push(serde_json::from_value::<CaseDto>(v).unwrap());
    }
    let other_case = cases.pop().unwrap();
    let home_case = cases.pop().unwrap();
    assert_eq!((home_case.district_code.as_str(), other_case.district_code.as_str()), (HOME, OTHER));
    let ops = &app.state.city.ops;
    let route = ops.routes.iter().find(|r| r.district_code == OTHER).unwrap();
    let site = ops.sites.iter().find(|s| s.site.district_code == OTHER).unwrap();
    let now = chrono::Utc::now().with_timezone(&cityops_api::CST);
    let at = now.to_rfc3339();
    let [lon, lat] = route.route.line[0];
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/feeds/gps",
            Some(&admin),
            Some(json!([{"fix_id": "world-1", "vehicle_id": route.route.truck_id, "lon": lon, "lat": lat, "at": at}])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/feeds/sensor",
            Some(&admin),
            Some(json!([{"reading_id": "world-2", "sensor_id": site.dust_sensor_id, "quantity": "pm10", "value": 30.0, "at": at}])),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A penalty file in 崂山, filed (so it has a document).
    let (s, v) = app
        .call(
            "POST",
            "/api/v1/enforcement/files",
            Some(&admin),
            Some(json!({"matter": "01002", "lon": other_point.0, "lat": other_point.1, "facts": SECRET})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let file: cityops_api::EnfFileDto = serde_json::from_value(v).unwrap();
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/enforcement/files/{}/steps", file.id),
            Some(&admin),
            Some(json!({"action": "file", "version": file.version})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The live map follows the stream: wait until it holds 崂山's case.
    tokio::time::sleep(Duration::from_millis(500)).await;
    World {
        home_case,
        other_case,
        other_file: (file.id, file.file_no),
        other_point,
        other_truck: route.route.truck_id.clone(),
        other_sensor: site.dust_sensor_id.clone(),
        from: (now - chrono::Duration::hours(1)).to_rfc3339(),
        to: (now + chrono::Duration::hours(1)).to_rfc3339(),
        now: now.to_rfc3339(),
    }
}

#[test]
fn every_endpoint_has_a_probe() {
    let w = World {
        home_case: cityops_test_support::case(1),
        other_case: cityops_test_support::case(2),
        other_file: (1, "ZF".into()),
        other_point: (120.5, 36.2),
        other_truck: "T".into(),
        other_sensor: "S".into(),
        from: String::new(),
        to: String::new(),
        now: String::new(),
    };
    for info in ALL {
        let p = probe(info.name, &w);
        assert_eq!(p.method, info.method.as_str(), "{}: the probe's method", info.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_every_role_both_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::new(&format!("sqlite://{}", dir.path().join("scope.sqlite").display())).await;
    let w = world(&app).await;
    let mut checked = 0;
    // A stream ticket (the desktop's web view on its embedded service) opens the event stream
    // and nothing else.
    let ticket = app.state.tickets.mint("scope-ticket", Role::Admin, None).unwrap();
    let mut ticket_streams = 0;
    for info in ALL {
        let p = probe(info.name, &w);
        let what = format!("{} {} ({})", p.method, p.uri, info.name);
        // Without a token: only the public routes answer.
        let (s, body) = send(&app, &p, Token::None, info).await;
        if info.access.needs_token() {
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{what} without a token: {body}");
        } else {
            assert_ne!(s, StatusCode::UNAUTHORIZED, "{what} is public: {body}");
            continue;
        }
        let (hs, hbody) = send(&app, &p, Token::Header(&ticket), info).await;
        let (qs, qbody) = send(&app, &p, Token::Query(&ticket), info).await;
        if info.response == Format::EventStream && info.method == Method::Get {
            assert!(
                hs.is_success() && qs.is_success(),
                "{what} with a stream ticket: {hs} {hbody} / {qs} {qbody}"
            );
            ticket_streams += 1;
        } else {
            assert_eq!(hs, StatusCode::FORBIDDEN, "{what} with a stream ticket: {hbody}");
            assert!(hbody.contains("stream ticket"), "{what}: the refusal names the ticket: {hbody}");
            assert_eq!(qs, StatusCode::UNAUTHORIZED, "{what} with a stream ticket in the query: {qbody}");
        }
        for role in Role::ALL {
            let label = format!("scope-{}", cityops_api::wire_name(&role));
            let city_token = app.token(role, &label, None).await;
            let home_token = app.token(role, &label, Some(HOME)).await;
            // A token in the query string: only the event stream takes one.
            let (s, body) = send(&app, &p, Token::Query(&city_token), info).await;
            if info.response == Format::EventStream && info.method == Method::Get && info.access.allows(role)
            {
                assert!(s.is_success(), "{what} with ?access_token as {role:?}: {s} {body}");
            } else if info.response != Format::EventStream {
                assert_eq!(s, StatusCode::UNAUTHORIZED, "{what} with ?access_token as {role:?}: {body}");
            }
            let (city_s, city_body) = send(&app, &p, Token::Header(&city_token), info).await;
            let (home_s, home_body) = send(&app, &p, Token::Header(&home_token), info).await;
            checked += 2;
            if !info.access.allows(role) {
                assert_eq!(city_s, StatusCode::FORBIDDEN, "{what} as {role:?}: {city_body}");
                assert_eq!(home_s, StatusCode::FORBIDDEN, "{what} as {role:?} of {HOME}: {home_body}");
                continue;
            }
            assert!(
                !matches!(city_s, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND),
                "{what} as {role:?} of the city: {city_s} {city_body}"
            );
            // The whole city sees 崂山's data (so the probe reaches it).
            for m in p.markers.iter().filter(|_| !p.leak_only) {
                assert!(
                    city_body.contains(m.as_str()),
                    "{what} as {role:?} of the city should show {m:?}: {city_body:.600}"
                );
            }
            match info.access.scope {
                Scope::Public => unreachable!(),
                Scope::City => assert_eq!(home_s, city_s, "{what} as {role:?}: the same for every scope"),
                Scope::WholeCity => {
                    assert_eq!(home_s, StatusCode::FORBIDDEN, "{what} as {role:?} of {HOME}: {home_body}");
                }
                Scope::District => match p.hidden {
                    Hidden::NotFound => {
                        assert_eq!(
                            home_s,
                            StatusCode::NOT_FOUND,
                            "{what} as {role:?} of {HOME}: {home_body}"
                        );
                    }
                    Hidden::Forbidden => {
                        assert_eq!(
                            home_s,
                            StatusCode::FORBIDDEN,
                            "{what} as {role:?} of {HOME}: {home_body}"
                        );
                    }
                    Hidden::Filtered => {
                        assert!(home_s.is_success(), "{what} as {role:?} of {HOME}: {home_s} {home_body}");
                        for m in &p.markers {
                            assert!(
                                !home_body.contains(m.as_str()),
                                "{what} as {role:?} of {HOME} leaks {m:?}: {home_body:.600}"
                            );
                        }
                    }
                },
            }
        }
    }
    eprintln!("{checked} route × role × scope answers checked over {} endpoints", ALL.len());
    assert!(checked >= ALL.len() * 10);
    assert_eq!(ticket_streams, 1, "the stream ticket opened exactly the one event stream");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_name_nothing_outside_the_district() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::new(&format!("sqlite://{}", dir.path().join("writes.sqlite").display())).await;
    let w = world(&app).await;
    let org = &app.state.city.pack.organisation;
    let total = |v: &Value| v["total"].as_u64().unwrap();

    // A dispatcher of 市南 dispatches a 市南 case: not to 崂山's units, not to city-level ones.
    let admin = app.token(Role::Admin, "writes-admin", None).await;
    let id = w.home_case.id;
    for a in ["accept", "register"] {
        let (s, v) = app
            .call("POST", &format!("/api/v1/cases/{id}/actions"), Some(&admin), Some(json!({"action": a})))
            .await;
        assert_eq!(s, StatusCode::OK, "{a}: {v}");
    }
    let dispatcher = app.token(Role::Dispatcher, "writes-dispatcher", Some(HOME)).await;
    let other_unit = org.units().iter().find(|u| u.district_code.as_deref() == Some(OTHER)).unwrap();
    let city_unit = org.units().iter().find(|u| u.district_code.is_none()).unwrap();
    for (unit, why) in [(&other_unit.code, OTHER), (&city_unit.code, "city-level")] {
        let (s, v) = app
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/actions"),
                Some(&dispatcher),
                Some(json!({"action": "dispatch", "unit_code": unit})),
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "dispatch to {unit}: {v}");
        assert!(v["message"].as_str().unwrap().contains(why), "{v}");
    }
    let (_, v) = app.call("GET", &format!("/api/v1/cases/{id}"), Some(&admin), None).await;
    assert_eq!(v["stage"], "dispatch", "nothing dispatched: {v}");
    // Even the whole city dispatches a 市南 case only to a unit working in 市南 (or the city's).
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/actions"),
            Some(&admin),
            Some(json!({"action": "dispatch", "unit_code": other_unit.code})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // Tokens: a district admin creates tokens of its district only, audited under its own name.
    let district_admin = app.token(Role::Admin, "admin-of-shinan", Some(HOME)).await;
    for (body, expect) in [
        (json!({"role": "admin", "label": "escalated"}), StatusCode::FORBIDDEN),
        (json!({"role": "dispatcher", "district": OTHER, "label": "neighbour"}), StatusCode::FORBIDDEN),
        (json!({"role": "dispatcher", "district": HOME, "label": "own"}), StatusCode::CREATED),
    ] {
        let (s, v) = app.call("POST", "/api/v1/tokens", Some(&district_admin), Some(body.clone())).await;
        assert_eq!(s, expect, "{body}: {v}");
    }
    let (_, audit) = app.call("GET", "/api/v1/audit?limit=5", Some(&admin), None).await;
    let created = audit.as_array().unwrap().iter().find(|e| e["target"] == "token:own").unwrap();
    assert_eq!(
        (created["actor"].as_str(), created["role"].as_str()),
        (Some("admin-of-shinan"), Some("admin")),
        "{created}"
    );

    // A feed batch with one item of 崂山 after good ones: refused whole, nothing written.
    let acceptor = app.token(Role::Acceptor, "writes-acceptor", Some(HOME)).await;
    let (_, before) = app.call("GET", "/api/v1/cases?limit=1", Some(&admin), None).await;
    let report = |n: usize, (lon, lat): (f64, f64)| {
        json!({"report_id": format!("batch-{n}"), "inspector_id": "I-9", "type_key": {"kind": "matter", "code": "06010"},
               "lon": lon, "lat": lat})
    };
    let batch: Vec<Value> =
        (0..9).map(|n| report(n, (120.3826, 36.0671))).chain([report(9, w.other_point)]).collect();
    let (s, v) =
        app.call("POST", "/api/v1/feeds/inspector", Some(&acceptor), Some(Value::Array(batch))).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().starts_with("item 9:"), "{v}");
    let (_, after) = app.call("GET", "/api/v1/cases?limit=1", Some(&admin), None).await;
    assert_eq!(total(&after), total(&before), "nothing of the batch was written");
    // The same for a truck or a sensor of 崂山.
    for (path, item) in [
        (
            "gps",
            json!({"fix_id": "g-9", "vehicle_id": w.other_truck, "lon": 120.38, "lat": 36.07, "at": w.now}),
        ),
        (
            "sensor",
            json!({"reading_id": "s-9", "sensor_id": w.other_sensor, "quantity": "noise", "value": 50.0, "at": w.now}),
        ),
    ] {
        let (s, v) =
            app.call("POST", &format!("/api/v1/feeds/{path}"), Some(&acceptor), Some(json!([item]))).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {v}");
    }
}
