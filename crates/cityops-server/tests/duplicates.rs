//! The dispatch-time duplicate check and the merge, over HTTP on both backends. The duplicates of a
//! case are checked against a brute-force oracle (every case, haversine distance, the window and
//! the type rule) over a seeded scatter of reports; the merge links both cases in one write.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::http::StatusCode;
use cityops_api::{CaseDto, CaseStatus, DuplicatesDto, MergedDto, Role};
use common::{SetClock, TestApp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// 五四广场, 市南区.
const CENTRE: (f64, f64) = (120.3826, 36.0671);
/// Same class (06 市容环境) as 06010, another class, and the case's own type.
const TYPES: [&str; 3] = ["06010", "06011", "08004"];

fn haversine_m((lon1, lat1): (f64, f64), (lon2, lat2): (f64, f64)) -> f64 {
    let r = 6_371_008.8;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * r * a.sqrt().asin()
}

async fn report(app: &TestApp, token: &str, code: &str, (lon, lat): (f64, f64), text: &str) -> CaseDto {
    let body = json!({ "type_key": { "kind": "matter", "code": code }, "channel": "inspector",
                       "lon": lon, "lat": lat, "description": text });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn duplicates(app: &TestApp, token: &str, id: i64) -> DuplicatesDto {
    let (s, v) = app.call("GET", &format!("/api/v1/cases/{id}/duplicates"), Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn the_check_and_the_merge(url: &str) {
    let clock = SetClock::at("2026-03-02 09:00");
    let app = TestApp::with_clock(url, clock.clone()).await;
    let admin = app.token(Role::Admin, "d-admin", None).await;
    // 60 reports scattered within about 300 m, the first 20 four days earlier (outside the 72 h
    // window), of three types.
    let mut rng = ChaCha8Rng::seed_from_u64(47);
    let mut cases = Vec::new();
    for n in 0..60 {
        if n == 20 {
            clock.set("2026-03-05 17:00");
        }
        let at = (CENTRE.0 + rng.random_range(-0.0035..0.0035), CENTRE.1 + rng.random_range(-0.0027..0.0027));
        let code = TYPES[rng.random_range(0..3)];
        cases.push(report(&app, &admin, code, at, &format!("散点 {n}")).await);
    }
    clock.set("2026-03-05 17:30");
    let target = report(&app, &admin, "06010", CENTRE, "待派遣的新上报").await;
    // The oracle: every earlier case within 100 m and 72 h, of the same type or class 06.
    let mut want: Vec<(i64, bool)> = cases
        .iter()
        .filter(|c| haversine_m((c.lon, c.lat), (target.lon, target.lat)) <= 100.0)
        .filter(|c| target.created_at - c.created_at <= chrono::Duration::hours(72))
        .filter(|c| c.type_key.code.starts_with("06"))
        .map(|c| (c.id, c.type_key.code == "06010"))
        .collect();
    want.sort_unstable();
    assert!(want.len() >= 3, "the scatter should put some duplicates near: {want:?}");
    assert!(
        cases.iter().any(|c| c.type_key.code == "08004" && haversine_m((c.lon, c.lat), CENTRE) <= 100.0),
        "and a near case of another class"
    );
    // The map follows the stream: wait until it has caught up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let got = loop {
        let d = duplicates(&app, &admin, target.id).await;
        let mut got: Vec<(i64, bool)> = d.items.iter().map(|i| (i.case.id, i.same_type)).collect();
        got.sort_unstable();
        if got == want || std::time::Instant::now() > deadline {
            break d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let mut ids: Vec<(i64, bool)> = got.items.iter().map(|i| (i.case.id, i.same_type)).collect();
    ids.sort_unstable();
    assert_eq!(ids, want, "duplicates against the oracle");
    assert!(got.items.windows(2).all(|w| w[0].distance_m <= w[1].distance_m), "nearest first");
    for i in &got.items {
        let c = cases.iter().find(|c| c.id == i.case.id).unwrap();
        let d = haversine_m((c.lon, c.lat), (target.lon, target.lat));
        assert!((i.distance_m - d).abs() < 0.5, "{} m vs {d} m", i.distance_m);
    }
    assert_eq!((got.radius_m, got.window_hours), (100.0, 72.0));

    // A district token of 崂山 does not see the case at all.
    let laoshan = app.token(Role::Dispatcher, "d-212", Some("370212")).await;
    let (s, _) =
        app.call("GET", &format!("/api/v1/cases/{}/duplicates", target.id), Some(&laoshan), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Merge the new report into the nearest same-type case: both linked in one write.
    let main = got.items.iter().find(|i| i.same_type).unwrap().case.id;
    let dispatcher = app.token(Role::Dispatcher, "d-dispatch", Some("370202")).await;
    let merge = |into: i64| json!({ "into": into, "note": "同一处暴露垃圾" });
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{}/merge", target.id),
            Some(&dispatcher),
            Some(merge(target.id)),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "into itself: {v}");
    let (s, v) = app
        .call("POST", &format!("/api/v1/cases/{}/merge", target.id), Some(&dispatcher), Some(merge(main)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let m: MergedDto = serde_json::from_value(v).unwrap();
    assert_eq!((m.duplicate.status, m.duplicate.merged_into), (CaseStatus::Cancelled, Some(main)));
    assert_eq!(m.main.merged, vec![target.id]);
    let (_, v) = app.call("GET", &format!("/api/v1/cases/{}", target.id), Some(&admin), None).await;
    let dup: CaseDto = serde_json::from_value(v).unwrap();
    assert_eq!(dup.history.last().unwrap().action, Some(cityops_api::Action::Merge));
    assert_eq!(dup.history.last().unwrap().note, "同一处暴露垃圾");
    // The duplicate's reporter follows the main case on Open311: still open while it is handled…
    let open311 = |id: i64| format!("/open311/v2/requests/{id}.json?extensions=true");
    let (s, v) = app.call("GET", &open311(target.id), None, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v[0]["status"], "open", "{v}");
    assert!(v[0]["status_notes"].as_str().unwrap().contains(&format!("已合并至案件 {main}")), "{v}");
    let open_list = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["service_request_id"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, v) = app.call("GET", "/open311/v2/requests.json?status=open", None, None).await;
    assert!(open_list(v).contains(&target.id.to_string()), "a merged request is open while its main case is");
    // …and closed with the main case's outcome once it ends.
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{main}/actions"),
            Some(&admin),
            Some(json!({"action": "cancel", "note": "现场已无垃圾"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = app.call("GET", &open311(target.id), None, None).await;
    assert_eq!(
        (v[0]["status"].as_str(), v[0]["detailed_status"].as_str()),
        (Some("closed"), Some("REJECTED")),
        "{v}"
    );
    assert!(v[0]["status_notes"].as_str().unwrap().contains("现场已无垃圾"), "{v}");
    let (_, v) = app.call("GET", "/open311/v2/requests.json?status=open", None, None).await;
    assert!(!open_list(v).contains(&target.id.to_string()), "closed with its main case");
    // Merged cases take no more merges, and no case merges into a cancelled one.
    let other = report(&app, &admin, "06010", CENTRE, "又一次上报").await;
    let (s, v) = app
        .call("POST", &format!("/api/v1/cases/{}/merge", other.id), Some(&dispatcher), Some(merge(target.id)))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("作废"), "{v}");
    let (s, _) = app
        .call("POST", &format!("/api/v1/cases/{}/merge", target.id), Some(&dispatcher), Some(merge(other.id)))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "already merged");
    // Roles: an inspector may not merge; the act route points to the merge route.
    let inspector = app.token(Role::Inspector, "d-inspector", None).await;
    let (s, _) = app
        .call("POST", &format!("/api/v1/cases/{}/merge", other.id), Some(&inspector), Some(merge(main)))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = app
        .call(
            "POST",
            &format!("/api/v1/cases/{}/actions", other.id),
            Some(&admin),
            Some(json!({"action": "merge"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("/merge"), "{v}");
}

#[tokio::test]
async fn duplicates_and_merge_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_check_and_the_merge(&format!("sqlite://{}/dup.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn duplicates_and_merge_on_postgres() {
    let Some(url) = common::fresh_pg_url("duplicates").await else { return };
    the_check_and_the_merge(&url).await;
}
