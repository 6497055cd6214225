//! The evaluation drill-down over HTTP on both backends: the city and a district with their parts
//! and utilisation, consistent with the single-area evaluation, within the caller's scope.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::http::StatusCode;
use cityops_api::{Action, ActionRequest, CaseDto, Channel, EvaluationDrillDto, RatesDto, Role, SummaryDto};
use common::{SetClock, TestApp};
use serde_json::json;

const SHINAN: (f64, f64) = (120.3826, 36.0671);
const LAOSHAN: (f64, f64) = (120.4685, 36.1072);

async fn report(app: &TestApp, token: &str, (lon, lat): (f64, f64), channel: &str) -> CaseDto {
    let body = json!({ "type_key": { "kind": "matter", "code": "06010" }, "channel": channel,
                       "lon": lon, "lat": lat, "description": "评价" });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn act(app: &TestApp, token: &str, id: i64, action: Action, unit: Option<&str>) {
    let req =
        ActionRequest { action, unit_code: unit.map(str::to_owned), deadline: None, note: "评价".into() };
    let (s, v) = app.act(token, id, req).await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

async fn the_drill(url: &str) {
    let clock = SetClock::at("2025-03-04 09:00");
    let app = TestApp::with_clock(url, clock.clone()).await;
    let admin = app.token(Role::Admin, "e-admin", None).await;
    // 市南: an inspector's report dispatched at 09:20 and fed back at 10:20, a citizen's report
    // dispatched at 09:20; 崂山: a hotline report, not dispatched.
    let a = report(&app, &admin, SHINAN, "inspector").await;
    let b = report(&app, &admin, SHINAN, "citizen").await;
    let c = report(&app, &admin, LAOSHAN, "hotline").await;
    assert_eq!(c.district_code, "370212");
    clock.set("2025-03-04 09:10");
    for id in [a.id, b.id] {
        act(&app, &admin, id, Action::Accept, None).await;
        act(&app, &admin, id, Action::Register, None).await;
    }
    clock.set("2025-03-04 09:20");
    let (_, p) =
        app.call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", a.id), Some(&admin), None).await;
    let unit = p["unit"]["code"].as_str().unwrap().to_owned();
    for id in [a.id, b.id] {
        act(&app, &admin, id, Action::Dispatch, Some(&unit)).await;
    }
    clock.set("2025-03-04 10:20");
    act(&app, &admin, a.id, Action::Feedback, None).await;
    clock.set("2025-03-04 12:00");

    let period = "from=2025-03-04T00:00:00%2B08:00&to=2025-03-05T00:00:00%2B08:00";
    let get = |token: String, q: String| {
        let app = &app;
        async move { app.call("GET", &format!("/api/v1/evaluation/drill?{q}"), Some(&token), None).await }
    };
    // The city: its districts as peers (10), registered adding up; utilisation of all three reports.
    let (s, v) = get(admin.clone(), format!("area=370200&{period}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let city: EvaluationDrillDto = serde_json::from_value(v).unwrap();
    assert_eq!(city.children.len(), 10);
    assert_eq!(city.children.iter().map(|c| c.rates.registered).sum::<u32>(), city.area.rates.registered);
    assert_eq!(city.area.rates.registered, 2);
    let u = &city.utilisation;
    assert_eq!((u.reports, u.active, u.passive, u.automatic), (3, 1, 2, 0));
    assert_eq!(u.by_channel.iter().find(|c| c.channel == Channel::Hotline).unwrap().count, 1);
    assert_eq!((u.dispatched, u.mean_dispatch_minutes), (2, Some(20.0)));
    assert_eq!((u.handled, u.mean_handling_minutes), (1, Some(60.0)));
    // 市南: its streets, the unit that handled both, figures equal to the single-area evaluation.
    let (s, v) = get(admin.clone(), format!("area=370202&{period}")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let shinan: EvaluationDrillDto = serde_json::from_value(v).unwrap();
    assert_eq!(shinan.area.name, "市南区");
    assert!(
        shinan.children.iter().all(|c| c.rates.subject.starts_with("370202") && c.rates.subject.len() == 9)
    );
    assert_eq!(shinan.children.iter().map(|c| c.rates.registered).sum::<u32>(), 2);
    let row = shinan.units.iter().find(|r| r.rates.subject == unit).unwrap();
    assert_eq!(row.rates.registered, 2, "{row:?}");
    let (_, v) =
        app.call("GET", &format!("/api/v1/evaluation?area=370202&{period}"), Some(&admin), None).await;
    let single: RatesDto = serde_json::from_value(v).unwrap();
    assert_eq!(shinan.area.rates, single, "the drill's area row is the area's evaluation");
    assert_eq!(shinan.utilisation.reports, 2);

    // Scope: a 市南 token drills into 市南 only.
    let district = app.token(Role::Leader, "e-leader-202", Some("370202")).await;
    assert_eq!(get(district.clone(), format!("area=370202&{period}")).await.0, StatusCode::OK);
    assert_eq!(get(district.clone(), format!("area=370212&{period}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(get(district, format!("area=370200&{period}")).await.0, StatusCode::FORBIDDEN);
    // Bad areas are named.
    let (s, v) = get(admin.clone(), format!("area=370202001&{period}")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("area="), "{v}");

    // The day's figures at 12:00: three reports in the 09:00 hour, one closed loop still open.
    let summary = |token: String, q: &'static str| {
        let app = &app;
        async move { app.call("GET", &format!("/api/v1/summary{q}"), Some(&token), None).await }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let day: SummaryDto = loop {
        let (s, v) = summary(admin.clone(), "").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let d: SummaryDto = serde_json::from_value(v).unwrap();
        // The live map follows the stream: wait for it to hold the three cases.
        if d.open + d.due_soon + d.overdue == 3 || std::time::Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!((day.area.as_str(), day.reports), ("370200", 3));
    assert_eq!(day.from.to_rfc3339(), "2025-03-04T00:00:00+08:00");
    assert_eq!(day.hourly.len(), 13, "hours 0–12");
    assert_eq!(day.hourly[9], 3);
    let count = |c: Channel| day.reports_by_channel.iter().find(|x| x.channel == c).unwrap().count;
    assert_eq!((count(Channel::Inspector), count(Channel::Citizen), count(Channel::Hotline)), (1, 1, 1));
    assert_eq!(day.open + day.due_soon + day.overdue, 3, "{day:?}");
    assert_eq!(day.closed_today, 0);
    assert_eq!(day.top_types.len(), 1);
    assert_eq!((day.top_types[0].type_key.code.as_str(), day.top_types[0].count), ("06010", 3));
    assert_eq!(day.top_types[0].name, "暴露垃圾");
    assert_eq!(day.recent.iter().map(|c| c.id).collect::<Vec<_>>(), [c.id, b.id, a.id], "newest first");
    assert!(day.recent.iter().all(|c| c.history.is_empty() && c.reporter.is_none()));
    assert_eq!(day.districts.len(), 10);
    let shinan_day = day.districts.iter().find(|d| d.code == "370202").unwrap();
    assert_eq!((shinan_day.name.as_str(), shinan_day.reports, shinan_day.open), ("市南区", 2, 2));
    // A district token gets its district without asking, and not the city.
    let district = app.token(Role::Leader, "e-leader-202b", Some("370202")).await;
    let (s, v) = summary(district.clone(), "").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let own: SummaryDto = serde_json::from_value(v).unwrap();
    assert_eq!((own.area.as_str(), own.reports, own.districts.len()), ("370202", 2, 1));
    assert_eq!(summary(district, "?area=370200").await.0, StatusCode::FORBIDDEN);
    assert_eq!(summary(admin.clone(), "?area=37").await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_drill_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_drill(&format!("sqlite://{}/drill.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn the_drill_on_postgres() {
    let Some(url) = common::fresh_pg_url("drill").await else { return };
    the_drill(&url).await;
}
