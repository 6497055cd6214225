//! The city as it was, over HTTP on both backends: `viewport?at=` and `cases?at=` answer as of a
//! past instant (across a year boundary), equal the live answers at the present instant, keep a
//! district token to its district, and refuse instants after now or outside the history kept —
//! before and after the history is pruned. The event log between two instants moves the first
//! picture to the second, page by page; the day's figures answer as they stood.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use cityops_api::{CaseDto, CasePageDto, EventBody, EventLogDto, MapItemDto, MapViewDto, Role};
use cityops_server::HistoryConfig;
use common::{SetClock, TestApp};
use serde_json::{Value, json};

/// 五四广场, 市南区 (370202).
const SHINAN: (f64, f64) = (120.3826, 36.0671);
/// 崂山区 (370212).
const LAOSHAN: (f64, f64) = (120.4680, 36.1070);

async fn report(app: &TestApp, token: &str, (lon, lat): (f64, f64), text: &str) -> CaseDto {
    let body = json!({ "type_key": { "kind": "matter", "code": "06010" }, "channel": "inspector",
                       "lon": lon, "lat": lat, "description": text });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    serde_json::from_value(v).unwrap()
}

fn view_uri(at: Option<&str>) -> String {
    let mut u =
        "/api/v1/map/viewport?west=120.2&south=35.9&east=120.7&north=36.3&zoom=20&layers=cases".to_owned();
    if let Some(a) = at {
        u.push_str(&format!("&at={}", a.replace('+', "%2B")));
    }
    u
}

/// The case points of a view: (id, status class).
async fn points(app: &TestApp, token: &str, at: Option<&str>) -> Vec<(u64, String)> {
    let (s, v) = app.call("GET", &view_uri(at), Some(token), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let v: MapViewDto = serde_json::from_value(v).unwrap();
    let mut out: Vec<(u64, String)> = v
        .items
        .iter()
        .filter_map(|i| match i {
            MapItemDto::Point { id, status, .. } => Some((*id, format!("{status:?}"))),
            MapItemDto::Cluster { .. } => None,
        })
        .collect();
    out.sort();
    out
}

async fn list(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    app.call("GET", &format!("/api/v1/cases?{query}"), Some(token), None).await
}

fn ids(v: Value) -> Vec<(i64, String)> {
    let p: CasePageDto = serde_json::from_value(v).unwrap();
    p.items.iter().map(|c| (c.id, cityops_api::wire_name(&c.status))).collect()
}

/// Wait until the keeper has written a snapshot taken at or after `at` (it looks every second).
async fn snapshot_after(app: &TestApp, at: &str) {
    let t = cityops_core::calendar::to_timestamp(common::t(at));
    for _ in 0..100 {
        let latest =
            app.state.store.snapshot_before(t + chrono::Duration::days(3650), u64::MAX).await.unwrap();
        if latest.is_some_and(|s| s.at >= t) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no snapshot taken at or after {at}");
}

async fn the_past_over_http(url: &str) {
    let clock = SetClock::at("2026-12-31 21:00");
    let history = HistoryConfig { retention_days: 30, snapshot_minutes: 60, keep: true };
    let app = TestApp::with_history(url, clock.clone(), history).await;
    let admin = app.token(Role::Admin, "r-admin", None).await;
    let laoshan = app.token(Role::Leader, "r-laoshan", Some("370212")).await;

    // 21:00 two reports; 22:00 one is cancelled; 23:30 a third (Laoshan); after midnight a fourth.
    let a = report(&app, &admin, SHINAN, "回放：一直开着").await;
    let b = report(&app, &admin, (SHINAN.0 + 0.001, SHINAN.1), "回放：后来作废").await;
    snapshot_after(&app, "2026-12-31 21:00").await;
    clock.set("2026-12-31 22:00");
    let (s, v) = app
        .act(&admin, b.id, serde_json::from_value(json!({"action": "cancel", "note": "重复上报"})).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    clock.set("2026-12-31 23:30");
    let c = report(&app, &admin, LAOSHAN, "回放：崂山").await;
    snapshot_after(&app, "2026-12-31 23:30").await;
    clock.set("2027-01-01 00:40");
    let d = report(&app, &admin, (SHINAN.0, SHINAN.1 + 0.001), "回放：新年第一件").await;
    clock.set("2027-01-01 01:00");

    let id = |c: &CaseDto| u64::try_from(c.id).unwrap();
    let on_map = |p: &[(u64, String)]| p.iter().map(|(i, _)| *i).collect::<Vec<_>>();
    // The map as it was.
    let at_2130 = "2026-12-31T21:30:00+08:00";
    assert_eq!(on_map(&points(&app, &admin, Some(at_2130)).await), vec![id(&a), id(&b)]);
    let at_2330 = "2026-12-31T23:30:30+08:00";
    assert_eq!(
        on_map(&points(&app, &admin, Some(at_2330)).await),
        vec![id(&a), id(&c)],
        "cancelled: off the map"
    );
    let at_0050 = "2027-01-01T00:50:00+08:00";
    assert_eq!(on_map(&points(&app, &admin, Some(at_0050)).await), vec![id(&a), id(&c), id(&d)]);
    // Now, asked as a past instant, is the live answer (once the live map's sweep, every 5 s,
    // has caught up with the clock's jump: the first two cases' registration deadlines passed).
    let now = "2027-01-01T01:00:00+08:00";
    let past = points(&app, &admin, Some(now)).await;
    assert!(past.iter().any(|(_, s)| s == "Overdue"), "{past:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while points(&app, &admin, None).await != past {
        assert!(
            std::time::Instant::now() < deadline,
            "live {:?} ≠ rebuilt {past:?}",
            points(&app, &admin, None).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The list as it was: b active before it was cancelled, cancelled after, d not yet reported.
    let (s, v) = list(&app, &admin, &format!("at={}", at_2130.replace('+', "%2B"))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(v), vec![(b.id, "active".into()), (a.id, "active".into())]);
    let (_, v) = list(&app, &admin, &format!("at={}", at_2330.replace('+', "%2B"))).await;
    assert_eq!(ids(v), vec![(c.id, "active".into()), (b.id, "cancelled".into()), (a.id, "active".into())]);
    // The list at now equals the live list, filter by filter.
    let enc = now.replace('+', "%2B");
    for q in [
        "",
        "status=active",
        "status=cancelled",
        "area=370202",
        "q=%E5%9B%9E%E6%94%BE",
        "limit=2&offset=1",
        "overdue=true",
    ] {
        let (s1, live) = list(&app, &admin, q).await;
        let (s2, past) = list(&app, &admin, &format!("{q}&at={enc}")).await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK), "{q}: {live} / {past}");
        let (live, past): (CasePageDto, CasePageDto) =
            (serde_json::from_value(live).unwrap(), serde_json::from_value(past).unwrap());
        assert_eq!(past.total, live.total, "{q}");
        assert_eq!(past.items, live.items, "{q}");
    }
    // A district token sees its district's past only.
    assert_eq!(on_map(&points(&app, &laoshan, Some(at_0050)).await), vec![id(&c)]);
    let (_, v) = list(&app, &laoshan, &format!("at={}", at_0050.replace('+', "%2B"))).await;
    assert_eq!(ids(v), vec![(c.id, "active".into())]);
    // After now: 400; before the history kept: 410 naming the earliest instant.
    let (s, v) = app.call("GET", &view_uri(Some("2027-01-01T02:00:00+08:00")), Some(&admin), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("after"), "{v}");
    let (s, v) = list(&app, &admin, "at=2026-11-30T00:00:00%2B08:00").await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["code"], "outside_history", "{v}");
    assert!(v["message"].as_str().unwrap().contains("2026-12-02"), "the earliest instant kept: {v}");
    // A malformed instant is a named 400.
    let (s, v) = app.call("GET", &format!("{}&at=yesterday", view_uri(None)), Some(&admin), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("at"), "{v}");

    // The event log between two instants moves the map at the first to the map at the second.
    let log = |token: &str, from: &str, to: &str, limit: Option<u32>| {
        let mut q = format!("from={}&to={}", from.replace('+', "%2B"), to.replace('+', "%2B"));
        if let Some(l) = limit {
            q.push_str(&format!("&limit={l}"));
        }
        let token = token.to_owned();
        let app = &app;
        async move { app.call("GET", &format!("/api/v1/events/log?{q}"), Some(&token), None).await }
    };
    let (s, v) = log(&admin, at_2130, at_0050, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let whole: EventLogDto = serde_json::from_value(v).unwrap();
    assert_eq!(whole.until, common::ts(at_0050));
    let mut map: std::collections::BTreeSet<u64> =
        on_map(&points(&app, &admin, Some(at_2130)).await).into_iter().collect();
    for e in &whole.items {
        assert!(e.at > common::ts(at_2130) && e.at <= common::ts(at_0050), "{e:?}");
        // A case event is the case's mark, as the live stream sends it.
        assert!(!matches!(e.body, EventBody::Case { .. }), "{e:?}");
        if let EventBody::CaseMark { mark } = &e.body {
            let pid = u64::try_from(mark.id).unwrap();
            match mark.class() {
                Some(_) => map.insert(pid),
                None => map.remove(&pid),
            };
        }
    }
    assert_eq!(map.into_iter().collect::<Vec<_>>(), on_map(&points(&app, &admin, Some(at_0050)).await));
    // Page by page (one event each) it is the same log: nothing missed, nothing twice.
    let mut paged = Vec::new();
    let mut from = at_2130.to_owned();
    while common::ts(&from) < common::ts(at_0050) {
        let (s, v) = log(&admin, &from, at_0050, Some(1)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let page: EventLogDto = serde_json::from_value(v).unwrap();
        assert!(page.items.len() <= 1 && page.until > common::ts(&from), "{page:?}");
        paged.extend(page.items.iter().map(|e| e.id));
        from = page.until.to_rfc3339();
    }
    assert_eq!(paged, whole.items.iter().map(|e| e.id).collect::<Vec<_>>());
    // A district token's log holds its district's events only.
    let (_, v) = log(&laoshan, at_2130, at_0050, None).await;
    let theirs: EventLogDto = serde_json::from_value(v).unwrap();
    assert!(!theirs.items.is_empty());
    assert!(
        theirs.items.iter().all(|e| matches!(&e.body, EventBody::CaseMark { mark } if mark.id == c.id)),
        "{theirs:?}"
    );
    // Named 400s: the wrong order, the future, a limit out of range; 410 before the history.
    for (q, what) in [
        ((at_0050, at_2130, None), "before"),
        ((at_2130, "2027-01-01T02:00:00+08:00", None), "after"),
        ((at_2130, at_0050, Some(0)), "limit"),
    ] {
        let (s, v) = log(&admin, q.0, q.1, q.2).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
        assert!(v["message"].as_str().unwrap().contains(what), "{what}: {v}");
    }
    let (s, v) = log(&admin, "2026-11-30T00:00:00+08:00", at_2130, None).await;
    assert_eq!(s, StatusCode::GONE, "{v}");

    // The day's figures as they stood: the last evening of 2026, then the first hour of 2027.
    let summary = |token: &str, at: Option<&str>| {
        let uri = match at {
            Some(a) => format!("/api/v1/summary?at={}", a.replace('+', "%2B")),
            None => "/api/v1/summary".to_owned(),
        };
        let token = token.to_owned();
        let app = &app;
        async move {
            let (s, v) = app.call("GET", &uri, Some(&token), None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v
        }
    };
    let eve = summary(&admin, Some(at_2330)).await;
    assert_eq!(
        (eve["reports"].as_u64(), eve["from"].as_str()),
        (Some(3), Some("2026-12-31T00:00:00+08:00")),
        "{eve}"
    );
    let open =
        |v: &Value| ["open", "due_soon", "overdue"].iter().map(|k| v[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(open(&eve), 2, "a and c open, b cancelled: {eve}");
    let first = summary(&admin, Some(at_0050)).await;
    assert_eq!((first["reports"].as_u64(), open(&first)), (Some(1), 3), "{first}");
    assert_eq!(summary(&laoshan, Some(at_2330)).await["reports"], 1);
    // Now, asked as a past instant, is the live answer.
    assert_eq!(summary(&admin, Some(now)).await, summary(&admin, None).await);

    // Forty days on the history before the horizon is pruned: the old instants are gone, the
    // last snapshot before the horizon stays, and the days since still replay.
    clock.set("2027-02-10 01:00");
    let pruned = async {
        for _ in 0..100 {
            let span = app.state.store.history_span().await.unwrap();
            if span.first_event_id.is_some_and(|f| f > 1) {
                return span;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the history was not pruned");
    }
    .await;
    assert!(pruned.earliest_snapshot.is_some(), "{pruned:?}");
    let (s, v) = app.call("GET", &view_uri(Some(at_0050)), Some(&admin), None).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    let recent = "2027-01-20T12:00:00+08:00";
    assert_eq!(on_map(&points(&app, &admin, Some(recent)).await), vec![id(&a), id(&c), id(&d)]);
}

#[tokio::test]
async fn the_past_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    the_past_over_http(&format!("sqlite://{}/replay.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn the_past_on_postgres() {
    let Some(url) = common::fresh_pg_url("replay").await else { return };
    the_past_over_http(&url).await;
}
