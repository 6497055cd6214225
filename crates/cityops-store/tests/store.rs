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

/// The in-memory filter (what a past picture's cases are listed with) selects exactly what the
/// SQL selects, filter by filter, over a varied set of cases.
async fn filters_in_memory_match_the_sql(store: &dyn Store) {
    use cityops_api::{CaseStatus, Channel, TypeKey, TypeKind};
    let grids = ["370202001001001", "370212002003004", "370203005001002"];
    let stages = [Stage::Collect, Stage::Register, Stage::Dispatch, Stage::Handle];
    let statuses = [CaseStatus::Active, CaseStatus::Suspended, CaseStatus::Closed, CaseStatus::Cancelled];
    let channels = [Channel::Inspector, Channel::Hotline, Channel::Citizen];
    for i in 0..40u32 {
        let created = t(8, 0) + chrono::Duration::minutes(i64::from(i) * 7);
        let mut c = case(
            120.30 + f64::from(i % 9) * 0.02,
            36.0 + f64::from(i % 7) * 0.03,
            grids[i as usize % 3],
            created,
        );
        c.stage = stages[i as usize % 4];
        c.channel = channels[i as usize % 3];
        c.type_key = TypeKey {
            kind: if i % 5 == 0 { TypeKind::Component } else { TypeKind::Matter },
            code: format!("0{}01{}", 1 + i % 8, i % 10),
        };
        c.unit_code = (i % 4 == 1).then(|| "U-SN-01".to_owned());
        c.description = if i % 6 == 0 { "井盖缺失 Manhole".into() } else { "暴露垃圾".into() };
        c.deadline = (i % 3 != 0).then(|| created + chrono::Duration::minutes(i64::from(i % 5) * 40));
        let made = store.create_case(c, None, audit(created)).await.unwrap();
        let mut c = made.value.clone();
        c.status = statuses[i as usize % 4];
        c.updated_at = created + chrono::Duration::minutes(i64::from(i % 4) * 50);
        store.update_case(&c, 1, audit(c.updated_at)).await.unwrap();
    }
    let all = store.list_cases(&CaseFilter { limit: Some(1000), ..Default::default() }).await.unwrap().items;
    assert_eq!(all.len(), 40);
    let filters = [
        CaseFilter { area: Some("370212".into()), ..Default::default() },
        CaseFilter { area: Some("370203005".into()), ..Default::default() },
        CaseFilter { unit_code: Some("U-SN-01".into()), ..Default::default() },
        CaseFilter { type_kind: Some(TypeKind::Component), ..Default::default() },
        CaseFilter { type_code: Some("03".into()), ..Default::default() },
        CaseFilter { type_code: Some("05014".into()), ..Default::default() },
        CaseFilter { stage: Some(Stage::Dispatch), ..Default::default() },
        CaseFilter { status: Some(CaseStatus::Suspended), ..Default::default() },
        CaseFilter { channel: Some(Channel::Hotline), ..Default::default() },
        CaseFilter { overdue_at: Some(t(13, 0)), ..Default::default() },
        CaseFilter { from: Some(t(9, 0)), to: Some(t(11, 0)), ..Default::default() },
        CaseFilter { updated_from: Some(t(10, 0)), ..Default::default() },
        CaseFilter { updated_before: Some(t(10, 0)), status: Some(CaseStatus::Closed), ..Default::default() },
        CaseFilter { text: Some("manhole".into()), ..Default::default() },
        CaseFilter { text: Some(all[3].case_no.to_lowercase()), ..Default::default() },
        CaseFilter { bbox: Some([120.33, 36.02, 120.41, 36.10]), ..Default::default() },
        CaseFilter {
            area: Some("370202".into()),
            status: Some(CaseStatus::Active),
            text: Some("manhole".into()),
            ..Default::default()
        },
    ];
    for f in filters {
        let sql: Vec<i64> = store
            .list_cases(&CaseFilter { limit: Some(1000), ..f.clone() })
            .await
            .unwrap()
            .items
            .iter()
            .map(|c| c.id)
            .collect();
        let mem: Vec<i64> = all.iter().filter(|c| f.matches(c)).map(|c| c.id).collect();
        assert!(!sql.is_empty(), "a filter that selects nothing proves little: {f:?}");
        assert_eq!(mem, sql, "{f:?}");
    }
}

/// Snapshots, the event bounds by time and the pruning of the history.
async fn snapshots_and_pruning(store: &dyn Store) {
    use cityops_store::StoredSnapshot;
    let fix = |at: Timestamp| NewEvent {
        key: None,
        at,
        body: EventBody::Vehicle {
            vehicle_id: "T9".into(),
            lon: 120.4,
            lat: 36.1,
            speed_kmh: 0.0,
            heading_deg: 0.0,
        },
    };
    // After the cases' own events (08:00–15:10).
    let times: Vec<Timestamp> = (0..6).map(|h| t(16 + h, 0)).collect();
    let events = store.append_events(times.iter().map(|at| fix(*at)).collect()).await.unwrap();
    let ids: Vec<u64> = events.iter().map(|e| e.as_ref().unwrap().id).collect();
    assert_eq!(store.last_event_until(t(18, 30)).await.unwrap(), Some(ids[2]));
    assert_eq!(store.last_event_until(t(7, 0)).await.unwrap(), None);
    assert_eq!(store.first_event_since(t(18, 30)).await.unwrap(), Some(ids[3]));
    assert_eq!(store.history_span().await.unwrap().first_event_id, Some(1));
    // Nothing to prune while no snapshot is old enough.
    assert_eq!(store.prune_history(t(22, 0)).await.unwrap(), cityops_store::Pruned::default());
    for (i, id) in ids.iter().enumerate().step_by(2) {
        let s = StoredSnapshot {
            event_id: *id,
            at: times[i] + chrono::Duration::minutes(1),
            body: vec![i as u8; 3],
        };
        assert!(store.put_snapshot(&s).await.unwrap());
        assert!(!store.put_snapshot(&s).await.unwrap(), "a second one for the same event is ignored");
    }
    // The latest at or before the instant, reflecting no event after the bound.
    let s = store.snapshot_before(t(19, 0), u64::MAX).await.unwrap().unwrap();
    assert_eq!((s.event_id, s.body.clone()), (ids[2], vec![2u8; 3]));
    let s = store.snapshot_before(t(20, 30), ids[3]).await.unwrap().unwrap();
    assert_eq!(s.event_id, ids[2]);
    assert!(store.snapshot_before(t(16, 0), u64::MAX).await.unwrap().is_none(), "taken at 16:01");
    // Prune before 19:00: the 18:01 snapshot stays with its event; what came before goes.
    let p = store.prune_history(t(19, 0)).await.unwrap();
    assert_eq!(p, cityops_store::Pruned { events: ids[2] - 1, snapshots: 1 });
    let span = store.history_span().await.unwrap();
    assert_eq!(span.first_event_id, Some(ids[2]));
    assert_eq!(span.earliest_snapshot.map(|(id, _)| id), Some(ids[2]));
    assert_eq!(store.events_after(0, 10).await.unwrap().first().map(|e| e.id), Some(ids[2]));
}

#[tokio::test]
async fn sqlite_filters_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = cityops_store::open(&format!("sqlite://{}/f.sqlite", dir.path().display())).await.unwrap();
    filters_in_memory_match_the_sql(&*store).await;
    snapshots_and_pruning(&*store).await;
}

#[tokio::test]
async fn postgres_filters_and_history() {
    let Some(url) = fixture::fresh_pg_url("store_history").await else { return };
    let store = cityops_store::open(&url).await.unwrap();
    filters_in_memory_match_the_sql(&*store).await;
    snapshots_and_pruning(&*store).await;
}

/// Writes from many tasks at once are committed together (group commit): every acknowledged
/// write is there, the event ids are gap-free and in commit order, a write that fails (a stale
/// version) fails alone without undoing the others gathered with it, and a batch of cases is
/// filed in one transaction with its repeats recognised inside it.
async fn concurrent_writes(store: Arc<dyn Store>) {
    let before = store.last_event_id().await.unwrap();
    let first = store
        .create_case(case(120.38, 36.07, "370202001001001", t(9, 0)), None, audit(t(9, 0)))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..64u32 {
        let store = store.clone();
        let stale = first.value.clone();
        tasks.push(tokio::spawn(async move {
            if i % 8 == 7 {
                // Version 0 never matches: this write must fail alone.
                let r = store.update_case(&stale, 0, audit(t(9, 1))).await;
                assert!(matches!(r, Err(StoreError::VersionConflict { .. })), "{r:?}");
                None
            } else {
                let key = IngestKey::new("group", format!("k{i}"));
                let c = case(120.38 + f64::from(i) * 1e-4, 36.07, "370202001001001", t(9, 1));
                let made = store.create_case(c, Some(key), audit(t(9, 1))).await.unwrap();
                assert!(made.created);
                Some(made)
            }
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        made.extend(t.await.unwrap());
    }
    assert_eq!(made.len(), 56);
    let log = store.events_after(before, 1000).await.unwrap();
    let ids: Vec<u64> = log.iter().map(|e| e.id).collect();
    assert_eq!(ids, ((before + 1)..=(before + 57)).collect::<Vec<_>>(), "gap-free, in order");
    for m in &made {
        let e = m.event.as_ref().unwrap();
        let stored = log.iter().find(|l| l.id == e.id).unwrap();
        assert!(
            stored.at == e.at && matches!(&stored.body, EventBody::Case { case } if case.id == m.value.id),
            "the acknowledged event is the stored one: {stored:?}"
        );
        assert_eq!(store.get_case(m.value.id).await.unwrap().unwrap().value, m.value);
    }
    // A batch in one transaction: the repeat of a key inside it files nothing new.
    let items = ["b1", "b2", "b1"]
        .iter()
        .map(|k| cityops_store::NewCaseWrite {
            case: case(120.39, 36.08, "370202001001001", t(9, 2)),
            key: Some(IngestKey::new("group", *k)),
            audit: audit(t(9, 2)),
        })
        .collect();
    let batch = store.create_cases(items).await.unwrap();
    assert_eq!(batch.iter().map(|c| c.created).collect::<Vec<_>>(), [true, true, false]);
    assert_eq!(batch[2].value.id, batch[0].value.id);
    assert_eq!(store.last_event_id().await.unwrap(), before + 59);
    one_failing_case_fails_alone(store).await;
}

/// New cases gathered into one batch, two of which fail: one names an ingest key a feed event
/// already took (on both databases), one has a position SQLite stores as NULL, which its table
/// refuses (PostgreSQL stores NaN; the service's edge never lets one through). Each failing case
/// is undone alone, with its event, and the ids of the others stay gap-free — on SQLite's direct
/// connection and PostgreSQL's array statements alike, which run the batch again one by one.
async fn one_failing_case_fails_alone(store: Arc<dyn Store>) {
    let taken = IngestKey::new("group", "taken");
    let event =
        NewEvent { key: Some(taken.clone()), at: t(9, 3), body: EventBody::Calendar { years: vec![2026] } };
    assert!(store.append_events(vec![event]).await.unwrap()[0].is_some());
    let sqlite = store.dialect() == cityops_store::Dialect::Sqlite;
    let before = store.last_event_id().await.unwrap();
    let tasks: Vec<_> = (0..16u32)
        .map(|i| {
            let store = store.clone();
            let lon = if i == 5 && sqlite { f64::NAN } else { 120.38 + f64::from(i) * 1e-4 };
            let key = (i == 9).then(|| taken.clone());
            tokio::spawn(async move {
                store.create_case(case(lon, 36.07, "370202001001001", t(9, 3)), key, audit(t(9, 3))).await
            })
        })
        .collect();
    let mut ok = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(made) => ok.push(made.event.unwrap().id),
            Err(StoreError::Sqlite(_)) if i == 5 && sqlite => {}
            Err(StoreError::CaseNotFound(0)) if i == 9 => {}
            Err(e) => panic!("write {i}: {e}"),
        }
    }
    let filed = if sqlite { 14 } else { 15 };
    ok.sort_unstable();
    assert_eq!(ok, ((before + 1)..=(before + filed)).collect::<Vec<_>>(), "gap-free without the failed ones");
    assert_eq!(store.last_event_id().await.unwrap(), before + filed);
}

#[tokio::test]
async fn sqlite_commits_concurrent_writes_together() {
    let dir = tempfile::tempdir().unwrap();
    let store = cityops_store::open(&format!("sqlite://{}/g.sqlite", dir.path().display())).await.unwrap();
    concurrent_writes(store).await;
}

#[tokio::test]
async fn postgres_commits_concurrent_writes_together() {
    let Some(url) = fixture::fresh_pg_url("group").await else { return };
    concurrent_writes(cityops_store::open(&url).await.unwrap()).await;
}

/// Penalty files: numbers from counters (per day for files, per agency, kind and year for
/// documents, never restarting by themselves), idempotent registration, optimistic versions,
/// the mark in the log, filters, and a transferred case written with its file's step.
async fn enforcement_files(store: &dyn Store) {
    use cityops_api::{DocKind, EnfStage, EnfStatus};
    use cityops_store::{DocIssue, EnfFilter, NumberSpec};
    let day = |d: &str| NumberSpec {
        counter: format!("file:370202:{d}"),
        prefix: format!("ZF370202{d}"),
        width: 5,
        suffix: String::new(),
    };
    let doc = |kind: DocKind, year: i32| DocIssue {
        kind,
        evidence: None,
        number: NumberSpec {
            counter: format!("doc:市南综执:{}:{year}", kind.slug()),
            prefix: format!("市南综执{}字〔{year}〕第", kind.word()),
            width: 0,
            suffix: "号".into(),
        },
    };
    let mut enf_audit = audit(t(9, 0));
    enf_audit.action = "enforcement.register".into();
    // A case to transfer.
    let c = store
        .create_case(case(120.38, 36.06, "370202001001001", t(8, 0)), None, audit(t(8, 0)))
        .await
        .unwrap();
    let file = fixture::enf_file("370202", "2026-12-31T09:00:00+08:00", Some(c.value.id));
    let key = IngestKey::new("enforcement", "transfer-1");
    let a = store
        .create_enf_file(file.clone(), day("20261231"), Some(key.clone()), enf_audit.clone())
        .await
        .unwrap();
    assert!(a.created);
    assert_eq!(a.value.file_no, "ZF37020220261231".to_owned() + "00001");
    assert!(
        matches!(a.event.as_ref().map(|e| &e.body), Some(EventBody::Enforcement { file }) if file.id == a.value.id)
    );
    // The same key registers nothing new.
    let again =
        store.create_enf_file(file.clone(), day("20261231"), Some(key), enf_audit.clone()).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.value.id, a.value.id);
    let b = store.create_enf_file(file.clone(), day("20261231"), None, enf_audit.clone()).await.unwrap();
    assert_eq!(b.value.file_no, "ZF3702022026123100002");
    let next_day =
        store.create_enf_file(file.clone(), day("20270101"), None, enf_audit.clone()).await.unwrap();
    assert_eq!(next_day.value.file_no, "ZF3702022027010100001");
    // A step numbers its documents: per kind and year.
    let mut stepped = a.value.clone();
    stepped.stage = EnfStage::Investigation;
    let (v, events) = store
        .step_enf_file(stepped.clone(), 1, vec![doc(DocKind::FilingApproval, 2026)], None, enf_audit.clone())
        .await
        .unwrap();
    assert_eq!(v.version, 2);
    assert_eq!(events.len(), 1);
    assert_eq!(v.value.documents[0].number, "市南综执立审字〔2026〕第1号");
    // A stale version is refused and writes nothing.
    let stale = store
        .step_enf_file(stepped.clone(), 1, vec![doc(DocKind::FilingApproval, 2026)], None, enf_audit.clone())
        .await;
    assert!(matches!(stale, Err(StoreError::VersionConflict { expected: 1, .. })), "{stale:?}");
    let mut other = b.value.clone();
    other.stage = EnfStage::Investigation;
    let (o, _) = store
        .step_enf_file(
            other,
            1,
            vec![doc(DocKind::FilingApproval, 2026), doc(DocKind::FilingApproval, 2027)],
            None,
            enf_audit.clone(),
        )
        .await
        .unwrap();
    let numbers: Vec<_> = o.value.documents.iter().map(|d| d.number.as_str()).collect();
    assert_eq!(numbers, ["市南综执立审字〔2026〕第2号", "市南综执立审字〔2027〕第1号"]);
    // Closing with the transferred case's own step: both written, two events.
    let mut closed = v.value.clone();
    closed.stage = EnfStage::Archiving;
    closed.status = EnfStatus::Punished;
    let mut the_case = store.get_case(c.value.id).await.unwrap().unwrap();
    the_case.value.description = "执法结案".into();
    let (closed, events) = store
        .step_enf_file(
            closed,
            2,
            vec![doc(DocKind::ClosingReport, 2026)],
            Some((the_case.value.clone(), the_case.version)),
            enf_audit.clone(),
        )
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(store.get_case(c.value.id).await.unwrap().unwrap().value.description, "执法结案");
    // A stale case version rolls back the file's step too.
    let mut again = closed.value.clone();
    again.stage = EnfStage::Archived;
    let bad = store
        .step_enf_file(
            again,
            3,
            Vec::new(),
            Some((the_case.value.clone(), the_case.version)),
            enf_audit.clone(),
        )
        .await;
    assert!(bad.is_err());
    assert_eq!(store.get_enf_file(closed.value.id).await.unwrap().unwrap().version, 3);
    // Filters.
    let list = |f: EnfFilter| async move { store.list_enf_files(&f).await.unwrap() };
    assert_eq!(list(EnfFilter::default()).await.total, 3);
    assert_eq!(list(EnfFilter { open: Some(true), ..EnfFilter::default() }).await.total, 2);
    assert_eq!(
        list(EnfFilter { open: Some(false), ..EnfFilter::default() }).await.items[0].id,
        closed.value.id
    );
    assert_eq!(list(EnfFilter { district: Some("370203".into()), ..EnfFilter::default() }).await.total, 0);
    assert_eq!(list(EnfFilter { case_id: Some(c.value.id), ..EnfFilter::default() }).await.total, 3);
    assert_eq!(list(EnfFilter { limit: Some(1), ..EnfFilter::default() }).await.items.len(), 1);
    assert!(store.get_enf_file(999_999).await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_keeps_penalty_files() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cityops.sqlite", dir.path().display());
    enforcement_files(&*cityops_store::open(&url).await.unwrap()).await;
}

#[tokio::test]
async fn postgres_keeps_penalty_files() {
    let Some(url) = fixture::fresh_pg_url("store").await else { return };
    enforcement_files(&*cityops_store::open(&url).await.unwrap()).await;
}
