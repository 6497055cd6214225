//! The store contract, run against SQLite always and against PostgreSQL + PostGIS when
//! `CITYOPS_TEST_PG_URL` names a database (CI sets it; on CI its absence is a failure).

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{FixedOffset, TimeZone};
use cityops_api::{CaseDto, EventBody, Role, Stage, Timestamp};
use cityops_store::{
    CaseFilter, Dialect, IngestKey, NewAudit, NewEvent, NewToken, Store, StoreError, StoredNotice,
};
use cityops_test_support as fixture;

fn t(h: u32, m: u32) -> Timestamp {
    FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

fn case(lon: f64, lat: f64, grid: &str, created: Timestamp) -> CaseDto {
    let case = CaseDto {
        id: 0,
        case_no: String::new(),
        stage: Stage::Collect,
        lon,
        lat,
        address: "test".into(),
        description: "暴露垃圾".into(),
        deadline: Some(created + chrono::Duration::minutes(30)),
        created_at: created,
        updated_at: created,
        ..fixture::case(0)
    };
    fixture::in_grid(case, grid)
}

fn audit(at: Timestamp) -> NewAudit {
    NewAudit {
        at,
        actor: "tester".into(),
        role: Role::Acceptor,
        action: "case.create".into(),
        target: String::new(),
        detail: String::new(),
        remote: "127.0.0.1".into(),
    }
}

async fn exercise(store: Arc<dyn Store>) {
    // Create, with assigned id/case_no and an event.
    let a = store
        .create_case(case(120.38, 36.07, "370202001001001", t(9, 0)), None, audit(t(9, 0)))
        .await
        .unwrap();
    assert!(a.created);
    assert!(a.value.id > 0);
    assert_eq!(a.value.case_no, format!("QD20260302{:07}", a.value.id));
    let ev_a = a.event.clone().unwrap();
    assert!(matches!(&ev_a.body, EventBody::Case { case } if case.id == a.value.id));

    // Idempotent ingest: the same key gives the same case and writes nothing.
    let key = IngestKey::new("hotline", "WO-1");
    let mut cb = case(120.45, 36.15, "370212001001002", t(9, 5));
    cb.address = "崂山区金家岭街道海口路社区".into();
    cb.camera_id = Some("QD-CAM-000481".into());
    let b = store.create_case(cb, Some(key.clone()), audit(t(9, 5))).await.unwrap();
    let last = store.last_event_id().await.unwrap();
    let b2 = store
        .create_case(case(120.45, 36.15, "370212001001002", t(9, 6)), Some(key.clone()), audit(t(9, 6)))
        .await
        .unwrap();
    assert!(!b2.created);
    assert_eq!(b2.value.id, b.value.id);
    assert!(b2.event.is_none());
    assert_eq!(store.last_event_id().await.unwrap(), last, "a repeat appends no event");
    assert_eq!(store.case_for_key(&key).await.unwrap(), Some(b.value.id));
    let merged = IngestKey::new("video_ai", "D-7");
    assert!(store.claim_key(&merged, Some(b.value.id)).await.unwrap());
    assert!(!store.claim_key(&merged, None).await.unwrap(), "a key is claimed once");
    assert_eq!(store.case_for_key(&merged).await.unwrap(), Some(b.value.id));

    // Optimistic update.
    let mut changed = a.value.clone();
    changed.stage = Stage::Register;
    changed.updated_at = t(9, 10);
    let (v2, ev) = store.update_case(&changed, 1, audit(t(9, 10))).await.unwrap();
    assert_eq!(v2, 2);
    assert!(ev.id > ev_a.id);
    match store.update_case(&changed, 1, audit(t(9, 11))).await {
        Err(StoreError::VersionConflict { expected: 1, .. }) => {}
        other => panic!("stale write must conflict: {other:?}"),
    }
    let got = store.get_case(a.value.id).await.unwrap().unwrap();
    assert_eq!(got.version, 2);
    assert_eq!(got.value.stage, Stage::Register);
    let mut ghost = changed.clone();
    ghost.id = 999_999;
    assert!(matches!(store.update_case(&ghost, 1, audit(t(9, 12))).await, Err(StoreError::CaseNotFound(_))));

    // Several cases in one transaction: all or none (a stale second leaves the first as it was).
    let before = store.last_event_id().await.unwrap();
    let bv = store.get_case(b.value.id).await.unwrap().unwrap();
    let mut a3 = got.value.clone();
    a3.merged = vec![b.value.id];
    let mut b3 = bv.value.clone();
    b3.merged_into = Some(a.value.id);
    let stale = store.update_cases(&[(a3.clone(), 2), (b3.clone(), bv.version + 5)], audit(t(9, 13))).await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { .. })), "{stale:?}");
    assert_eq!(store.get_case(a.value.id).await.unwrap().unwrap().version, 2, "the first was not written");
    assert_eq!(store.last_event_id().await.unwrap(), before, "no event either");
    let done = store.update_cases(&[(a3, 2), (b3, bv.version)], audit(t(9, 13))).await.unwrap();
    assert_eq!(done.iter().map(|(v, _)| *v).collect::<Vec<_>>(), [3, bv.version + 1]);
    assert!(done[0].1.id < done[1].1.id, "events in order");
    assert_eq!(store.get_case(b.value.id).await.unwrap().unwrap().value.merged_into, Some(a.value.id));

    // Filters: area prefix, stage, bbox, overdue, time window, paging.
    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.items[0].id, b.value.id, "newest first");
    let shinan =
        store.list_cases(&CaseFilter { area: Some("370202".into()), ..Default::default() }).await.unwrap();
    assert_eq!(shinan.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![a.value.id]);
    let reg =
        store.list_cases(&CaseFilter { stage: Some(Stage::Register), ..Default::default() }).await.unwrap();
    assert_eq!(reg.total, 1);
    let bbox = store
        .list_cases(&CaseFilter { bbox: Some([120.40, 36.10, 120.50, 36.20]), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(bbox.items.iter().map(|c| c.id).collect::<Vec<_>>(), vec![b.value.id]);
    let overdue =
        store.list_cases(&CaseFilter { overdue_at: Some(t(9, 34)), ..Default::default() }).await.unwrap();
    assert_eq!(
        overdue.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![a.value.id],
        "a's deadline 09:30"
    );
    let window = store
        .list_cases(&CaseFilter { from: Some(t(9, 1)), to: Some(t(10, 0)), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(window.total, 1);
    let page = store
        .list_cases(&CaseFilter { limit: Some(1), offset: Some(1), ..Default::default() })
        .await
        .unwrap();
    assert_eq!((page.total, page.items.len(), page.items[0].id), (2, 1, a.value.id));
    free_text(&*store, &a.value, &b.value).await;

    // Feed events: idempotent, latest state kept, ids strictly increasing.
    let fix = |k: &str, lon: f64, at: Timestamp| NewEvent {
        key: Some(IngestKey::new("gps", k)),
        at,
        body: EventBody::Vehicle {
            vehicle_id: "T001".into(),
            lon,
            lat: 36.1,
            speed_kmh: 20.0,
            heading_deg: 90.0,
        },
    };
    let appended =
        store.append_events(vec![fix("f1", 120.30, t(9, 20)), fix("f2", 120.31, t(9, 21))]).await.unwrap();
    assert!(appended.iter().all(Option::is_some));
    let again =
        store.append_events(vec![fix("f2", 120.31, t(9, 21)), fix("f3", 120.32, t(9, 19))]).await.unwrap();
    assert!(again[0].is_none(), "f2 is a repeat");
    assert!(again[1].is_some());
    let vehicles = store.vehicles().await.unwrap();
    assert_eq!(vehicles.len(), 1);
    assert_eq!(vehicles[0].lon, 120.31, "an older fix does not overwrite a newer one");
    store
        .append_events(vec![NewEvent {
            key: None,
            at: t(9, 22),
            body: EventBody::Sensor {
                sensor_id: "S1".into(),
                quantity: "pm10".into(),
                value: 180.0,
                unit: "µg/m³".into(),
            },
        }])
        .await
        .unwrap();
    assert_eq!(store.sensors().await.unwrap()[0].value, 180.0);
    let events = store.events_after(0, 1000).await.unwrap();
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events.len(), 9, "2 creates + 1 update + 2 in one transaction + 3 fixes + 1 reading");
    let tail = store.events_after(events[3].id, 2).await.unwrap();
    assert_eq!(tail.iter().map(|e| e.id).collect::<Vec<_>>(), vec![events[4].id, events[5].id]);

    // Tokens and audit.
    store
        .create_token(
            NewToken {
                hash: "abc".into(),
                role: Role::Dispatcher,
                district_code: Some("370202".into()),
                label: "dispatcher-1".into(),
                created_at: t(8, 0),
            },
            &cityops_store::Author::cli(),
        )
        .await
        .unwrap();
    let tok = store.token("abc").await.unwrap().unwrap();
    assert_eq!((tok.role, tok.district_code.as_deref()), (Role::Dispatcher, Some("370202")));
    assert!(store.token("nope").await.unwrap().is_none());
    let entries = store.audit_entries(10).await.unwrap();
    assert_eq!(entries[0].record.action, "token.create");
    assert!(entries.iter().any(|e| e.record.target == format!("case:{}", a.value.id)));
}

/// Free text (`q`): case number in any case, address, camera id, description; `%` and `_` are
/// literal characters, not wildcards.
async fn free_text(store: &dyn Store, a: &CaseDto, b: &CaseDto) {
    let mut found = Vec::new();
    for q in
        [a.case_no.to_lowercase().as_str(), "金家岭", "qd-cam-000481", "暴露垃圾", "%", "te_t", "  test "]
    {
        let page =
            store.list_cases(&CaseFilter { text: Some(q.into()), ..Default::default() }).await.unwrap();
        found.push(page.items.iter().map(|c| c.id).collect::<Vec<_>>());
    }
    assert_eq!(
        found,
        vec![vec![a.id], vec![b.id], vec![b.id], vec![b.id, a.id], vec![], vec![], vec![a.id]],
        "case no, address, camera, description, literal %, literal _, trimmed"
    );
}

/// Take the database back to before migration 2 (no search column), so reopening runs it again
/// and its backfill must find the cases by the text in their documents.
async fn undo_search_migration(url: &str) {
    use sqlx::{Connection, Executor};
    let stmts = ["ALTER TABLE cases DROP COLUMN search", "DELETE FROM schema_migrations WHERE version = 2"];
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        for s in stmts {
            c.execute(s).await.unwrap();
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for s in stmts {
            c.execute(s).await.unwrap();
        }
    }
}

async fn search_survives_remigration(url: &str) {
    let store = cityops_store::open(url).await.unwrap();
    let all = store.list_cases(&CaseFilter::default()).await.unwrap();
    drop(store);
    undo_search_migration(url).await;
    let store = cityops_store::open(url).await.unwrap();
    let (b, a) = (&all.items[0], &all.items[1]);
    free_text(&*store, a, b).await;
}

/// Case numbers across midnight and a new year, and calendar notices (run after `exercise`).
async fn year_boundary_and_notices(store: &dyn Store) {
    let cst = |y, mo, d, h, mi| {
        FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    };
    let before = store
        .create_case(case(120.38, 36.07, "370202001001001", cst(2026, 12, 31, 23, 59)), None, audit(t(9, 0)))
        .await
        .unwrap();
    let after = store
        .create_case(case(120.38, 36.07, "370202001001001", cst(2027, 1, 1, 0, 0)), None, audit(t(9, 0)))
        .await
        .unwrap();
    // 07:00 CST on 1 January written with a UTC offset (23:00 UTC on 31 December): the number
    // carries the CST date.
    let utc = FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap();
    let morning =
        store.create_case(case(120.38, 36.07, "370202001001001", utc), None, audit(t(9, 0))).await.unwrap();
    assert_eq!(before.value.case_no, format!("QD20261231{:07}", before.value.id));
    assert_eq!(after.value.case_no, format!("QD20270101{:07}", after.value.id));
    assert_eq!(morning.value.case_no, format!("QD20270101{:07}", morning.value.id));
    assert!(after.value.id > before.value.id && morning.value.id > after.value.id);

    assert!(store.calendar_notices().await.unwrap().is_empty());
    let notice = |year, text: &str| StoredNotice {
        year,
        text: text.into(),
        loaded_at: t(10, 0),
        loaded_by: "tester".into(),
    };
    let last = store.last_event_id().await.unwrap();
    let mut a = audit(t(10, 0));
    a.action = "calendar.import".into();
    let ev =
        store.put_calendar_notices(vec![notice(2028, "v1"), notice(2027, "v1")], a.clone()).await.unwrap();
    assert!(ev.id > last);
    assert_eq!(ev.body, EventBody::Calendar { years: vec![2028, 2027] });
    assert_eq!(store.events_after(last, 10).await.unwrap(), vec![ev]);
    store.put_calendar_notices(vec![notice(2027, "v2")], a).await.unwrap();
    let stored = store.calendar_notices().await.unwrap();
    assert_eq!(
        stored.iter().map(|n| (n.year, n.text.as_str())).collect::<Vec<_>>(),
        [(2027, "v2"), (2028, "v1")]
    );
    assert_eq!(stored[0].loaded_at, t(10, 0));
    assert_eq!(stored[0].loaded_by, "tester");
    let audits = store.audit_entries(2).await.unwrap();
    assert!(audits.iter().all(|e| e.record.action == "calendar.import"), "{audits:?}");
}

#[tokio::test]
async fn sqlite_store_keeps_the_contract_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/cityops.sqlite", dir.path().display());
    let store = cityops_store::open(&url).await.unwrap();
    assert_eq!(store.dialect(), Dialect::Sqlite);
    exercise(store.clone()).await;
    let last = store.last_event_id().await.unwrap();
    drop(store);
    // Reopen: migrations are idempotent and everything acknowledged is still there.
    let store = cityops_store::open(&url).await.unwrap();
    assert_eq!(store.last_event_id().await.unwrap(), last);
    assert_eq!(store.list_cases(&CaseFilter::default()).await.unwrap().total, 2);
    drop(store);
    search_survives_remigration(&url).await;
}

#[tokio::test]
async fn postgres_store_keeps_the_contract() {
    let Some(url) = fixture::fresh_pg_url("store").await else { return };
    let store = cityops_store::open(&url).await.unwrap();
    assert_eq!(store.dialect(), Dialect::Postgres);
    exercise(store.clone()).await;
    let last = store.last_event_id().await.unwrap();
    drop(store);
    let store = cityops_store::open(&url).await.unwrap();
    assert_eq!(store.last_event_id().await.unwrap(), last);
    drop(store);
    search_survives_remigration(&url).await;
}

#[tokio::test]
async fn sqlite_numbers_cases_across_a_new_year_and_keeps_notices() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cityops.sqlite", dir.path().display());
    year_boundary_and_notices(&*cityops_store::open(&url).await.unwrap()).await;
    // Notices survive a reopen.
    assert_eq!(cityops_store::open(&url).await.unwrap().calendar_notices().await.unwrap().len(), 2);
}

#[tokio::test]
async fn postgres_numbers_cases_across_a_new_year_and_keeps_notices() {
    let Some(url) = fixture::fresh_pg_url("store").await else { return };
    year_boundary_and_notices(&*cityops_store::open(&url).await.unwrap()).await;
    assert_eq!(cityops_store::open(&url).await.unwrap().calendar_notices().await.unwrap().len(), 2);
}

#[tokio::test]
async fn bad_urls_are_named() {
    match cityops_store::open("mysql://u:secret@h/db").await {
        Err(StoreError::UnsupportedUrl { url }) => assert!(!url.contains("secret"), "{url}"),
        other => panic!("{other:?}"),
    }
}
