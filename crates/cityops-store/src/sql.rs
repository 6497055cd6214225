//! The SQL store: one implementation over sqlx's `Any` driver with the few statements that differ
//! per backend (schema, PostGIS geometry, bbox predicate, write lock) selected by [`Dialect`].

use std::path::Path;

use async_trait::async_trait;
use chrono::DateTime;
use cityops_api::{CST, CaseDto, EventBody, LiveEvent, Role, Timestamp, from_wire_name, wire_name};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row};

use crate::model::search_text;
use crate::writer::{Hot, Tx, Writer};
use crate::{
    AuditEntry, Author, CaseFilter, Created, DEFAULT_PAGE, HistorySpan, IngestKey, MAX_PAGE, NewAudit,
    NewCaseWrite, NewEvent, NewToken, Page, Pruned, Result, SensorState, Store, StoreError, StoredAnswer,
    StoredNotice, StoredSnapshot, TokenRecord, VehicleState, Versioned,
};

/// Which SQL backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded; WAL; one file).
    Sqlite,
    /// PostgreSQL with PostGIS.
    Postgres,
}

struct Migration {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "initial schema",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        description: "case search text",
        sqlite: include_str!("../migrations/sqlite/0002_case_search.sql"),
        postgres: include_str!("../migrations/postgres/0002_case_search.sql"),
    },
    Migration {
        version: 3,
        description: "calendar notices loaded at run time",
        sqlite: include_str!("../migrations/sqlite/0003_calendar_notices.sql"),
        postgres: include_str!("../migrations/postgres/0003_calendar_notices.sql"),
    },
    Migration {
        version: 4,
        description: "answers of idempotent writes",
        sqlite: include_str!("../migrations/sqlite/0004_idempotent_answers.sql"),
        postgres: include_str!("../migrations/postgres/0004_idempotent_answers.sql"),
    },
    Migration {
        version: 5,
        description: "events by time",
        sqlite: include_str!("../migrations/sqlite/0005_events_at.sql"),
        postgres: include_str!("../migrations/postgres/0005_events_at.sql"),
    },
    Migration {
        version: 6,
        description: "snapshots of the city for replay",
        sqlite: include_str!("../migrations/sqlite/0006_snapshots.sql"),
        postgres: include_str!("../migrations/postgres/0006_snapshots.sql"),
    },
    Migration {
        version: 7,
        description: "penalty files and number counters",
        sqlite: include_str!("../migrations/sqlite/0007_enforcement.sql"),
        postgres: include_str!("../migrations/postgres/0007_enforcement.sql"),
    },
];

/// How long an idempotent write's answer is kept for retries.
pub const ANSWER_RETENTION_MS: i64 = 24 * 3600 * 1000;

/// A `LIKE` pattern matching `q` anywhere, with `\`, `%` and `_` taken literally.
fn contains_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for ch in q.to_lowercase().chars() {
        if matches!(ch, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// Arbitrary constant for PostgreSQL's transaction-scoped advisory lock that serialises writers
/// across service instances.
pub(crate) const PG_WRITE_LOCK: i64 = 0x00c1_7a05;

pub(crate) fn ms(t: &Timestamp) -> i64 {
    t.timestamp_millis()
}

/// An event id as the database stores it (ids past `i64::MAX` read as "no bound").
fn id_i64(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

fn from_ms(v: i64) -> Timestamp {
    DateTime::from_timestamp_millis(v).unwrap_or_default().with_timezone(&CST)
}

pub(crate) fn encode<T: Serialize>(what: &'static str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|source| StoreError::Encode { what, source })
}

pub(crate) fn decode<T: DeserializeOwned>(what: &'static str, id: impl ToString, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|source| StoreError::Corrupt { what, id: id.to_string(), source })
}

// The statements of the hot writes (new cases, feed events), shared by the sqlx writer and the
// SQLite direct writer (`crate::direct`). Their `$n` parameters appear in increasing order, so
// rusqlite's positional binding numbers them as sqlx does.

/// The case an ingest key filed (`$1` source, `$2` key).
pub(crate) const SELECT_KEYED: &str = "SELECT case_id FROM ingest_keys WHERE source = $1 AND key = $2";
/// A case's document and version (`$1` id).
pub(crate) const SELECT_CASE: &str = "SELECT doc, version FROM cases WHERE id = $1";
/// A new case's number, document and search text (`$4` id).
pub(crate) const NUMBER_CASE: &str = "UPDATE cases SET case_no = $1, doc = $2, search = $3 WHERE id = $4";
/// The ingest key of a new case.
pub(crate) const INSERT_CASE_KEY: &str =
    "INSERT INTO ingest_keys (source, key, case_id, at_ms) VALUES ($1, $2, $3, $4)";
/// The ingest key of a feed event (none written if it is a repeat).
pub(crate) const INSERT_EVENT_KEY: &str =
    "INSERT INTO ingest_keys (source, key, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
/// The event a key wrote.
pub(crate) const KEY_EVENT: &str = "UPDATE ingest_keys SET event_id = $1 WHERE source = $2 AND key = $3";
/// An event. The next id is taken inside the (serialised) write transaction, not from a
/// sequence: a transaction that never commits (a crash, a kill -9) leaves no gap in the ids.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (id, at_ms, kind, body) \
     VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM events), $1, $2, $3) RETURNING id";
/// An audit entry.
pub(crate) const INSERT_AUDIT: &str = "INSERT INTO audit (at_ms, actor, role, action, target, detail, remote) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// A sensor's latest reading (an older one never replaces a newer).
pub(crate) const UPSERT_SENSOR: &str = "INSERT INTO sensors (id, quantity, value, unit, at_ms) VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (id, quantity) DO UPDATE SET value = excluded.value, unit = excluded.unit, \
     at_ms = excluded.at_ms WHERE excluded.at_ms >= sensors.at_ms";

/// A vehicle's latest fix (an older one never replaces a newer), with its PostGIS point there
/// (built once per dialect: fixes are the most frequent write).
pub(crate) fn upsert_vehicle_sql(dialect: Dialect) -> &'static str {
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| {
        [Dialect::Sqlite, Dialect::Postgres].map(|dialect| {
            let (gc, gv) = if dialect == Dialect::Postgres {
                (", geom", format!(", {}", point_sql(2, 3)))
            } else {
                ("", String::new())
            };
            let gu = if dialect == Dialect::Postgres { ", geom = excluded.geom" } else { "" };
            format!(
                "INSERT INTO vehicles (id, lon, lat, speed_kmh, heading_deg, at_ms{gc}) \
                 VALUES ($1, $2, $3, $4, $5, $6{gv}) ON CONFLICT (id) DO UPDATE SET lon = excluded.lon, \
                 lat = excluded.lat, speed_kmh = excluded.speed_kmh, heading_deg = excluded.heading_deg, \
                 at_ms = excluded.at_ms{gu} WHERE excluded.at_ms >= vehicles.at_ms"
            )
        })
    });
    let [sqlite, postgres] = &*SQL;
    match dialect {
        Dialect::Sqlite => sqlite,
        Dialect::Postgres => postgres,
    }
}

/// The latest-state row an event keeps — a vehicle's fix, a sensor's reading — as a statement
/// and its values (`None`: the event keeps none).
pub(crate) fn state_upsert(
    dialect: Dialect,
    at: &Timestamp,
    body: &EventBody,
) -> Option<(&'static str, Vec<Bind>)> {
    match body {
        EventBody::Vehicle { vehicle_id, lon, lat, speed_kmh, heading_deg } => Some((
            upsert_vehicle_sql(dialect),
            vec![
                Bind::Str(vehicle_id.clone()),
                Bind::F64(*lon),
                Bind::F64(*lat),
                Bind::F64(*speed_kmh),
                Bind::F64(*heading_deg),
                Bind::I64(ms(at)),
            ],
        )),
        EventBody::Sensor { sensor_id, quantity, value, unit } => Some((
            UPSERT_SENSOR,
            vec![
                Bind::Str(sensor_id.clone()),
                Bind::Str(quantity.clone()),
                Bind::F64(*value),
                Bind::Str(unit.clone()),
                Bind::I64(ms(at)),
            ],
        )),
        EventBody::Case { .. }
        | EventBody::CaseMark { .. }
        | EventBody::Enforcement { .. }
        | EventBody::Alert { .. }
        | EventBody::Calendar { .. }
        | EventBody::Detection { .. } => None,
    }
}

/// A new case's row, numbered and documented by [`NUMBER_CASE`] once its id is known (binds:
/// [`insert_case_binds`]).
pub(crate) fn insert_case_sql(dialect: Dialect) -> String {
    let geom_col = if dialect == Dialect::Postgres { ", geom" } else { "" };
    let geom_val =
        if dialect == Dialect::Postgres { format!(", {}", point_sql(7, 8)) } else { String::new() };
    format!(
        "INSERT INTO cases (case_no, version, type_kind, type_code, channel, stage, status, lon, lat, \
         grid_code, district_code, unit_code, deadline_ms, created_ms, updated_ms, doc{geom_col}) \
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULLIF($11, ''), NULLIF($12, -1), $13, $14, '{{}}'{geom_val}) \
         RETURNING id"
    )
}

/// The values of [`insert_case_sql`]: a placeholder number, unique until [`NUMBER_CASE`].
pub(crate) fn insert_case_binds(case: &CaseDto) -> Vec<Bind> {
    let mut binds = vec![Bind::Str(format!("pending-{}", ms(&case.created_at)))];
    binds.extend(case_columns(case));
    binds
}

/// Give a new case its id and number: QD + the CST date of the report + the service-wide id (7
/// digits, more once it passes 9,999,999) — unique because the id is; it never restarts, at
/// midnight or at a new year.
pub(crate) fn number_case(case: &mut CaseDto, id: i64) {
    case.id = id;
    case.case_no =
        format!("QD{}{:07}", case.created_at.with_timezone(&cityops_api::CST).format("%Y%m%d"), id);
}

/// The `kind` column of an event.
pub(crate) fn event_kind(body: &EventBody) -> &'static str {
    match body {
        EventBody::Case { .. } => "case",
        EventBody::CaseMark { .. } => "case_mark",
        EventBody::Vehicle { .. } => "vehicle",
        EventBody::Sensor { .. } => "sensor",
        EventBody::Alert { .. } => "alert",
        EventBody::Calendar { .. } => "calendar",
        EventBody::Detection { .. } => "detection",
        EventBody::Enforcement { .. } => "enforcement",
    }
}

/// A bound value of a dynamically built query.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    I64(i64),
    F64(f64),
    Str(String),
}

pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::I64(v) => q.bind(*v),
            Bind::F64(v) => q.bind(*v),
            Bind::Str(v) => q.bind(v.as_str()),
        };
    }
    q
}

/// The SQL store (see the crate docs for its invariants).
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    pub(crate) writer: Writer,
    /// The last event id any instance announced (PostgreSQL); `None` on SQLite.
    announced: Option<tokio::sync::watch::Receiver<u64>>,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore").field("dialect", &self.dialect).finish_non_exhaustive()
    }
}

/// A database URL with its credentials removed, for logs and messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            format!("{}://…{}", url.get(..s).unwrap_or_default(), url.get(at..).unwrap_or_default())
        }
        _ => url.to_owned(),
    }
}

impl SqlStore {
    /// Connect to `sqlite://PATH` (the file and its directory are created) or `postgres://…`,
    /// and run the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        // The SQLite file, for the writer's direct connection (none for an in-memory database:
        // a second connection would open another one).
        let mut file = None;
        let (dialect, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                return Err(StoreError::UnsupportedUrl { url: url.to_owned() });
            }
            if path != ":memory:"
                && let Some(dir) = Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
            }
            if path != ":memory:" {
                file = Some(std::path::PathBuf::from(path));
            }
            (Dialect::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Dialect::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnsupportedUrl { url: redact(url) });
        };
        let mut options = AnyPoolOptions::new().max_connections(8);
        if dialect == Dialect::Sqlite {
            options = options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        let pool = options.clone().connect(&url).await?;
        migrate(&pool, dialect).await?;
        // The writes go through one task (group commit); on SQLite over a connection of its own.
        let writes = match dialect {
            Dialect::Sqlite => options.max_connections(1).connect(&url).await?,
            Dialect::Postgres => pool.clone(),
        };
        let announced = match dialect {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(listen(&url).await?),
        };
        let hot = match (dialect, file) {
            (Dialect::Sqlite, Some(f)) => Hot::Sqlite(crate::direct::Direct::open(&f)?),
            (Dialect::Sqlite, None) => Hot::Sqlx,
            (Dialect::Postgres, _) => Hot::Postgres(crate::pgdirect::PgDirect::connect(&url).await?),
        };
        let store = Self { pool, dialect, writer: Writer::start(writes, dialect, hot), announced };
        tracing::info!(backend = ?dialect, url = %redact(&url), "store ready");
        Ok(store)
    }
}

/// Listen for the commits every instance announces on PostgreSQL; the receiver holds the
/// greatest event id announced so far. The listening connection reconnects by itself when it is
/// lost (announcements made meanwhile are missed: the log's own order and the live hub's regular
/// read cover them).
async fn listen(url: &str) -> Result<tokio::sync::watch::Receiver<u64>> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.listen(crate::writer::ANNOUNCE_CHANNEL).await?;
    let (tx, rx) = tokio::sync::watch::channel(0u64);
    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(n) => match n.payload().parse::<u64>() {
                    Ok(id) => {
                        tx.send_if_modified(|last| {
                            let newer = id > *last;
                            if newer {
                                *last = id;
                            }
                            newer
                        });
                    }
                    Err(_) => tracing::warn!(payload = n.payload(), "unreadable commit announcement ignored"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "commit announcements lost; listening again");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
            if tx.is_closed() {
                return;
            }
        }
    });
    Ok(rx)
}

/// Bring the schema up to date (before the writer starts; on PostgreSQL under the write lock).
async fn migrate(pool: &AnyPool, dialect: Dialect) -> Result<()> {
    let mut tx = pool.begin().await?;
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_WRITE_LOCK).execute(&mut *tx).await?;
    }
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, \
             description TEXT NOT NULL, applied_ms BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    for m in MIGRATIONS {
        let done: Option<i64> = sqlx::query("SELECT version FROM schema_migrations WHERE version = $1")
            .bind(m.version)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r: AnyRow| r.try_get(0))
            .transpose()?;
        if done.is_some() {
            continue;
        }
        let sql = match dialect {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(|source| StoreError::Migration {
            version: m.version,
            description: m.description,
            source,
        })?;
        sqlx::query("INSERT INTO schema_migrations (version, description, applied_ms) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.description)
            .bind(chrono::Utc::now().timestamp_millis())
            .execute(&mut *tx)
            .await?;
        tracing::info!(version = m.version, description = m.description, "migration applied");
    }
    tx.commit().await?;
    Ok(())
}

impl SqlStore {
    /// The id an ingest key was first written with (a case's or a penalty file's), inside the
    /// write transaction.
    pub(crate) async fn keyed(tx: &mut Tx, k: &IngestKey) -> Result<Option<i64>> {
        let prior = sqlx::query(SELECT_KEYED)
            .bind(k.source.as_str())
            .bind(k.key.as_str())
            .fetch_optional(&mut ***tx)
            .await?;
        // A key written without an id (an event's) reads as 0, which no case or file has.
        Ok(prior.map(|row| row.try_get::<Option<i64>, _>(0)).transpose()?.map(Option::unwrap_or_default))
    }

    /// File one case inside a write transaction (a repeat of its ingest key returns the first).
    async fn create_in(
        tx: &mut Tx,
        dialect: Dialect,
        mut case: CaseDto,
        key: Option<IngestKey>,
        audit: NewAudit,
    ) -> Result<Created<CaseDto>> {
        if let Some(k) = &key
            && let Some(id) = Self::keyed(tx, k).await?
        {
            let existing = Self::fetch_case(&mut ***tx, id).await?.ok_or(StoreError::CaseNotFound(id))?;
            return Ok(Created {
                value: existing.value,
                version: existing.version,
                created: false,
                event: None,
            });
        }
        let row = bind_all(sqlx::query(&insert_case_sql(dialect)), &insert_case_binds(&case))
            .fetch_one(&mut ***tx)
            .await?;
        let id: i64 = row.try_get(0)?;
        number_case(&mut case, id);
        sqlx::query(NUMBER_CASE)
            .bind(case.case_no.as_str())
            .bind(encode("case", &case)?)
            .bind(search_text(&case))
            .bind(id)
            .execute(&mut ***tx)
            .await?;
        if let Some(k) = &key {
            sqlx::query(INSERT_CASE_KEY)
                .bind(k.source.as_str())
                .bind(k.key.as_str())
                .bind(id)
                .bind(ms(&case.created_at))
                .execute(&mut ***tx)
                .await?;
        }
        let event = Self::insert_event(tx, &case.updated_at, &Self::case_event(&case)).await?;
        let mut audit = audit;
        audit.target = format!("case:{id}");
        Self::insert_audit(tx, &audit).await?;
        Ok(Created { value: case, version: 1, created: true, event: Some(event) })
    }

    /// File new cases inside a write transaction, in order (all or none).
    pub(crate) async fn create_many_in(
        tx: &mut Tx,
        dialect: Dialect,
        items: Vec<NewCaseWrite>,
    ) -> Result<Vec<Created<CaseDto>>> {
        let mut out = Vec::with_capacity(items.len());
        for w in items {
            out.push(Self::create_in(tx, dialect, w.case, w.key, w.audit).await?);
        }
        Ok(out)
    }

    /// Append feed events inside a write transaction ([`Store::append_events`]).
    pub(crate) async fn append_in(
        tx: &mut Tx,
        dialect: Dialect,
        items: Vec<NewEvent>,
    ) -> Result<Vec<Option<LiveEvent>>> {
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            if let Some(k) = &item.key {
                let fresh = sqlx::query(INSERT_EVENT_KEY)
                    .bind(k.source.as_str())
                    .bind(k.key.as_str())
                    .bind(ms(&item.at))
                    .execute(&mut ***tx)
                    .await?;
                if fresh.rows_affected() == 0 {
                    out.push(None);
                    continue;
                }
            }
            let event = Self::insert_event(tx, &item.at, &item.body).await?;
            if let Some(k) = &item.key {
                sqlx::query(KEY_EVENT)
                    .bind(i64::try_from(event.id).unwrap_or(i64::MAX))
                    .bind(k.source.as_str())
                    .bind(k.key.as_str())
                    .execute(&mut ***tx)
                    .await?;
            }
            if let Some((sql, binds)) = state_upsert(dialect, &item.at, &item.body) {
                bind_all(sqlx::query(sql), &binds).execute(&mut ***tx).await?;
            }
            out.push(Some(event));
        }
        Ok(out)
    }

    /// Replace one case's document inside a write transaction, if its version is `expected`.
    pub(crate) async fn update_in(
        tx: &mut Tx,
        dialect: Dialect,
        case: &CaseDto,
        expected: i64,
    ) -> Result<(i64, LiveEvent)> {
        let sql = "UPDATE cases SET version = version + 1, type_kind = $1, type_code = $2, channel = $3, \
                   stage = $4, status = $5, lon = $6, lat = $7, grid_code = $8, district_code = $9, \
                   unit_code = NULLIF($10, ''), deadline_ms = NULLIF($11, -1), created_ms = $12, updated_ms = $13, \
                   doc = $14, search = $17 WHERE id = $15 AND version = $16";
        let mut binds: Vec<Bind> = case_columns(case).into();
        binds.push(Bind::Str(encode("case", case)?));
        binds.push(Bind::I64(case.id));
        binds.push(Bind::I64(expected));
        binds.push(Bind::Str(search_text(case)));
        let done = bind_all(sqlx::query(sql), &binds).execute(&mut ***tx).await?;
        if done.rows_affected() != 1 {
            let exists = Self::fetch_case(&mut ***tx, case.id).await?.is_some();
            return Err(if exists {
                StoreError::VersionConflict { id: case.id, expected }
            } else {
                StoreError::CaseNotFound(case.id)
            });
        }
        if dialect == Dialect::Postgres {
            sqlx::query(&format!("UPDATE cases SET geom = {} WHERE id = $3", point_sql(1, 2)))
                .bind(case.lon)
                .bind(case.lat)
                .bind(case.id)
                .execute(&mut ***tx)
                .await?;
        }
        let event = Self::insert_event(tx, &case.updated_at, &Self::case_event(case)).await?;
        Ok((expected + 1, event))
    }

    pub(crate) async fn insert_event(tx: &mut Tx, at: &Timestamp, body: &EventBody) -> Result<LiveEvent> {
        let row = sqlx::query(INSERT_EVENT)
            .bind(ms(at))
            .bind(event_kind(body))
            .bind(encode("event", body)?)
            .fetch_one(&mut ***tx)
            .await?;
        let id: i64 = row.try_get(0)?;
        let event = LiveEvent { id: u64::try_from(id).unwrap_or(0), at: *at, body: body.clone() };
        tx.events.push(event.clone());
        Ok(event)
    }

    pub(crate) async fn insert_audit(tx: &mut Tx, a: &NewAudit) -> Result<()> {
        sqlx::query(INSERT_AUDIT)
            .bind(ms(&a.at))
            .bind(a.actor.as_str())
            .bind(wire_name(&a.role))
            .bind(a.action.as_str())
            .bind(a.target.as_str())
            .bind(a.detail.as_str())
            .bind(a.remote.as_str())
            .execute(&mut ***tx)
            .await?;
        Ok(())
    }

    pub(crate) fn case_event(case: &CaseDto) -> EventBody {
        // The event log is read by every client of the district: no stage log, no reporter.
        let mut slim = case.clone().without_reporter();
        slim.history.clear();
        EventBody::Case { case: Box::new(slim) }
    }

    async fn fetch_case<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        id: i64,
    ) -> Result<Option<Versioned<CaseDto>>> {
        let row = sqlx::query(SELECT_CASE).bind(id).fetch_optional(exec).await?;
        row.map(|r| {
            let doc: String = r.try_get(0)?;
            let version: i64 = r.try_get(1)?;
            Ok(Versioned { value: decode("case", id, &doc)?, version })
        })
        .transpose()
    }

    fn case_filter_sql(&self, f: &CaseFilter) -> (String, Vec<Bind>) {
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |cond: &dyn Fn(usize) -> String, b: Bind, binds: &mut Vec<Bind>| {
            binds.push(b);
            conds.push(cond(binds.len()));
        };
        if let Some(a) = &f.area {
            push(&|n| format!("grid_code LIKE ${n}"), Bind::Str(format!("{a}%")), &mut binds);
        }
        if let Some(u) = &f.unit_code {
            push(&|n| format!("unit_code = ${n}"), Bind::Str(u.clone()), &mut binds);
        }
        if let Some(k) = &f.type_kind {
            push(&|n| format!("type_kind = ${n}"), Bind::Str(wire_name(k)), &mut binds);
        }
        if let Some(c) = &f.type_code {
            if c.len() < 5 {
                push(&|n| format!("type_code LIKE ${n}"), Bind::Str(format!("{c}%")), &mut binds);
            } else {
                push(&|n| format!("type_code = ${n}"), Bind::Str(c.clone()), &mut binds);
            }
        }
        if let Some(s) = &f.stage {
            push(&|n| format!("stage = ${n}"), Bind::Str(wire_name(s)), &mut binds);
        }
        if let Some(s) = &f.status {
            push(&|n| format!("status = ${n}"), Bind::Str(wire_name(s)), &mut binds);
        }
        if let Some(c) = &f.channel {
            push(&|n| format!("channel = ${n}"), Bind::Str(wire_name(c)), &mut binds);
        }
        if let Some(t) = &f.overdue_at {
            push(
                &|n| format!("status = 'active' AND deadline_ms IS NOT NULL AND deadline_ms < ${n}"),
                Bind::I64(ms(t)),
                &mut binds,
            );
        }
        if let Some(t) = &f.from {
            push(&|n| format!("created_ms >= ${n}"), Bind::I64(ms(t)), &mut binds);
        }
        if let Some(t) = &f.to {
            push(&|n| format!("created_ms < ${n}"), Bind::I64(ms(t)), &mut binds);
        }
        if let Some(t) = &f.updated_from {
            push(&|n| format!("updated_ms >= ${n}"), Bind::I64(ms(t)), &mut binds);
        }
        if let Some(t) = &f.updated_before {
            push(&|n| format!("updated_ms < ${n}"), Bind::I64(ms(t)), &mut binds);
        }
        if let Some(q) = f.text.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            push(&|n| format!("search LIKE ${n} ESCAPE '\\'"), Bind::Str(contains_pattern(q)), &mut binds);
        }
        if let Some([w, s, e, n]) = f.bbox {
            let base = binds.len();
            binds.extend([Bind::F64(w), Bind::F64(s), Bind::F64(e), Bind::F64(n)]);
            let (a, b, c, d) = (base + 1, base + 2, base + 3, base + 4);
            conds.push(match self.dialect {
                Dialect::Sqlite => format!("lon >= ${a} AND lat >= ${b} AND lon <= ${c} AND lat <= ${d}"),
                Dialect::Postgres => format!("geom && ST_MakeEnvelope(${a}, ${b}, ${c}, ${d}, 4326)"),
            });
        }
        let sql = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        (sql, binds)
    }
}

/// A PostGIS point from two numbered parameters.
fn point_sql(lon: usize, lat: usize) -> String {
    format!("ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326)")
}

pub(crate) fn case_columns(c: &CaseDto) -> [Bind; 13] {
    [
        Bind::Str(wire_name(&c.type_key.kind)),
        Bind::Str(c.type_key.code.clone()),
        Bind::Str(wire_name(&c.channel)),
        Bind::Str(wire_name(&c.stage)),
        Bind::Str(wire_name(&c.status)),
        Bind::F64(c.lon),
        Bind::F64(c.lat),
        Bind::Str(c.grid_code.clone()),
        Bind::Str(c.district_code.clone()),
        Bind::Str(c.unit_code.clone().unwrap_or_default()),
        Bind::I64(c.deadline.as_ref().map_or(-1, ms)),
        Bind::I64(ms(&c.created_at)),
        Bind::I64(ms(&c.updated_at)),
    ]
}

fn row_event(r: &AnyRow) -> Result<LiveEvent> {
    let id: i64 = r.try_get(0)?;
    let at: i64 = r.try_get(1)?;
    let body: String = r.try_get(2)?;
    Ok(LiveEvent { id: u64::try_from(id).unwrap_or(0), at: from_ms(at), body: decode("event", id, &body)? })
}

#[async_trait]
impl Store for SqlStore {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn announced(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.announced.clone()
    }

    fn committed(&self) -> tokio::sync::broadcast::Receiver<LiveEvent> {
        self.writer.committed()
    }

    async fn create_case(
        &self,
        case: CaseDto,
        key: Option<IngestKey>,
        audit: NewAudit,
    ) -> Result<Created<CaseDto>> {
        let mut done = self.writer.cases(vec![NewCaseWrite { case, key, audit }]).await?;
        done.pop().ok_or(StoreError::WriterStopped)
    }

    async fn create_cases(&self, items: Vec<NewCaseWrite>) -> Result<Vec<Created<CaseDto>>> {
        self.writer.cases(items).await
    }

    async fn update_case(
        &self,
        case: &CaseDto,
        expected_version: i64,
        audit: NewAudit,
    ) -> Result<(i64, LiveEvent)> {
        let mut done = self.update_cases(&[(case.clone(), expected_version)], audit).await?;
        done.pop().ok_or(StoreError::CaseNotFound(case.id))
    }

    async fn update_cases(&self, cases: &[(CaseDto, i64)], audit: NewAudit) -> Result<Vec<(i64, LiveEvent)>> {
        let dialect = self.dialect;
        let cases = cases.to_vec();
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let mut out = Vec::with_capacity(cases.len());
                    for (case, expected_version) in &cases {
                        match Self::update_in(tx, dialect, case, *expected_version).await {
                            Ok(done) => out.push(done),
                            Err(e) => {
                                return Err(e);
                            }
                        }
                    }
                    Self::insert_audit(tx, &audit).await?;
                    Ok(out)
                })
            })
            .await
    }

    async fn get_case(&self, id: i64) -> Result<Option<Versioned<CaseDto>>> {
        Self::fetch_case(&self.pool, id).await
    }

    async fn case_for_key(&self, key: &IngestKey) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT case_id FROM ingest_keys WHERE source = $1 AND key = $2")
            .bind(key.source.as_str())
            .bind(key.key.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<Option<i64>, _>(0)).transpose()?.flatten())
    }

    async fn claim_key(&self, key: &IngestKey, case_id: Option<i64>) -> Result<bool> {
        let key = key.clone();
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "INSERT INTO ingest_keys (source, key, case_id, at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    )
                    .bind(key.source.as_str())
                    .bind(key.key.as_str())
                    .bind(case_id)
                    .bind(chrono::Utc::now().timestamp_millis())
                    .execute(&mut ***tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn list_cases(&self, filter: &CaseFilter) -> Result<Page<CaseDto>> {
        let (cond, mut binds) = self.case_filter_sql(filter);
        let total: i64 = bind_all(sqlx::query(&format!("SELECT COUNT(*) FROM cases{cond}")), &binds)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let limit = filter.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let offset = filter.offset.unwrap_or(0);
        let n = binds.len();
        binds.push(Bind::I64(limit.into()));
        binds.push(Bind::I64(offset.into()));
        let sql =
            format!("SELECT id, doc FROM cases{cond} ORDER BY id DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let rows = bind_all(sqlx::query(&sql), &binds).fetch_all(&self.pool).await?;
        let items = rows
            .iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                let doc: String = r.try_get(1)?;
                decode("case", id, &doc)
            })
            .collect::<Result<Vec<CaseDto>>>()?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0), limit, offset })
    }

    async fn append_events(&self, items: Vec<NewEvent>) -> Result<Vec<Option<LiveEvent>>> {
        self.writer.events(items).await
    }

    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<LiveEvent>> {
        let rows = sqlx::query("SELECT id, at_ms, body FROM events WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(i64::try_from(after).unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_event).collect()
    }

    async fn first_event_since(&self, at: Timestamp) -> Result<Option<u64>> {
        // Feed events carry their device's time, so time and id order can differ: the smallest
        // id over the whole range (read once, at start, for the day's replay).
        let row = sqlx::query("SELECT MIN(id) FROM events WHERE at_ms >= $1")
            .bind(ms(&at))
            .fetch_one(&self.pool)
            .await?;
        let id: Option<i64> = row.try_get(0)?;
        Ok(id.and_then(|i| u64::try_from(i).ok()))
    }

    async fn last_event_until(&self, at: Timestamp) -> Result<Option<u64>> {
        // One seek of the time index (asked per replayed picture, so no range scan).
        let row = sqlx::query("SELECT id FROM events WHERE at_ms <= $1 ORDER BY at_ms DESC, id DESC LIMIT 1")
            .bind(ms(&at))
            .fetch_optional(&self.pool)
            .await?;
        let id: Option<i64> = row.map(|r| r.try_get(0)).transpose()?;
        Ok(id.and_then(|i| u64::try_from(i).ok()))
    }

    async fn alerts_between(&self, from: Timestamp, to: Timestamp) -> Result<Vec<LiveEvent>> {
        let rows = sqlx::query(
            "SELECT id, at_ms, body FROM events WHERE kind = 'alert' AND at_ms >= $1 AND at_ms < $2 ORDER BY id",
        )
        .bind(ms(&from))
        .bind(ms(&to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_event).collect()
    }

    async fn put_snapshot(&self, snapshot: &StoredSnapshot) -> Result<bool> {
        let snapshot = snapshot.clone();
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let done = sqlx::query(
                        "INSERT INTO snapshots (event_id, at_ms, body) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(id_i64(snapshot.event_id))
                    .bind(ms(&snapshot.at))
                    .bind(snapshot.body.as_slice())
                    .execute(&mut ***tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn snapshot_before(&self, at: Timestamp, max_event_id: u64) -> Result<Option<StoredSnapshot>> {
        let row = sqlx::query(
            "SELECT event_id, at_ms, body FROM snapshots WHERE at_ms <= $1 AND event_id <= $2 \
             ORDER BY event_id DESC LIMIT 1",
        )
        .bind(ms(&at))
        .bind(id_i64(max_event_id))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let id: i64 = r.try_get(0)?;
            Ok(StoredSnapshot {
                event_id: u64::try_from(id).unwrap_or(0),
                at: from_ms(r.try_get(1)?),
                body: r.try_get(2)?,
            })
        })
        .transpose()
    }

    async fn history_span(&self) -> Result<HistorySpan> {
        let row = sqlx::query("SELECT MIN(id) FROM events").fetch_one(&self.pool).await?;
        let first: Option<i64> = row.try_get(0)?;
        let row = sqlx::query("SELECT event_id, at_ms FROM snapshots ORDER BY event_id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let earliest = row
            .map(|r| -> Result<(u64, Timestamp)> {
                let id: i64 = r.try_get(0)?;
                Ok((u64::try_from(id).unwrap_or(0), from_ms(r.try_get(1)?)))
            })
            .transpose()?;
        Ok(HistorySpan {
            first_event_id: first.and_then(|i| u64::try_from(i).ok()),
            earliest_snapshot: earliest,
        })
    }

    async fn prune_history(&self, before: Timestamp) -> Result<Pruned> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    // The latest snapshot at or before the horizon stays: the picture at the horizon is
                    // rebuilt from it. The events before its own go (its own stays, so the log never
                    // looks whole once pruned), and so do the snapshots before it.
                    let row = sqlx::query(
                        "SELECT event_id FROM snapshots WHERE at_ms <= $1 ORDER BY event_id DESC LIMIT 1",
                    )
                    .bind(ms(&before))
                    .fetch_optional(&mut ***tx)
                    .await?;
                    let Some(keep) = row.map(|r| r.try_get::<i64, _>(0)).transpose()? else {
                        return Ok(Pruned::default());
                    };
                    let events = sqlx::query("DELETE FROM events WHERE id < $1")
                        .bind(keep)
                        .execute(&mut ***tx)
                        .await?;
                    let snapshots = sqlx::query("DELETE FROM snapshots WHERE event_id < $1")
                        .bind(keep)
                        .execute(&mut ***tx)
                        .await?;
                    Ok(Pruned { events: events.rows_affected(), snapshots: snapshots.rows_affected() })
                })
            })
            .await
    }

    async fn last_event_id(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM events").fetch_one(&self.pool).await?;
        let id: i64 = row.try_get(0)?;
        Ok(u64::try_from(id).unwrap_or(0))
    }

    async fn vehicles(&self) -> Result<Vec<VehicleState>> {
        let rows =
            sqlx::query("SELECT id, lon, lat, speed_kmh, heading_deg, at_ms FROM vehicles ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(VehicleState {
                    id: r.try_get(0)?,
                    lon: r.try_get(1)?,
                    lat: r.try_get(2)?,
                    speed_kmh: r.try_get(3)?,
                    heading_deg: r.try_get(4)?,
                    at: from_ms(r.try_get(5)?),
                })
            })
            .collect()
    }

    async fn sensors(&self) -> Result<Vec<SensorState>> {
        let rows = sqlx::query("SELECT id, quantity, value, unit, at_ms FROM sensors ORDER BY id, quantity")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SensorState {
                    id: r.try_get(0)?,
                    quantity: r.try_get(1)?,
                    value: r.try_get(2)?,
                    unit: r.try_get(3)?,
                    at: from_ms(r.try_get(4)?),
                })
            })
            .collect()
    }

    async fn create_token(&self, token: NewToken, by: &Author) -> Result<()> {
        let audit = token.audit(by);
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    sqlx::query(
                        "INSERT INTO tokens (hash, role, district_code, label, created_ms) VALUES ($1, $2, NULLIF($3, ''), $4, $5)",
                    )
                    .bind(token.hash.as_str())
                    .bind(wire_name(&token.role))
                    .bind(token.district_code.clone().unwrap_or_default())
                    .bind(token.label.as_str())
                    .bind(ms(&token.created_at))
                    .execute(&mut ***tx)
                    .await?;
                    Self::insert_audit(tx, &audit).await?;
                    Ok(())
                })
            })
            .await
    }

    async fn revoke_tokens(&self, label: &str, by: &Author, at: Timestamp) -> Result<u64> {
        let label = label.to_owned();
        let audit = NewAudit {
            at,
            actor: by.actor.clone(),
            role: by.role,
            action: "token.revoke".into(),
            target: format!("token:{label}"),
            detail: String::new(),
            remote: by.remote.clone(),
        };
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let done = sqlx::query("UPDATE tokens SET revoked = 1 WHERE label = $1 AND revoked = 0")
                        .bind(label.as_str())
                        .execute(&mut ***tx)
                        .await?;
                    Self::insert_audit(tx, &audit).await?;
                    Ok(done.rows_affected())
                })
            })
            .await
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(
            "SELECT hash, role, district_code, label FROM tokens WHERE hash = $1 AND revoked = 0",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let role: String = r.try_get(1)?;
            Ok(TokenRecord {
                hash: r.try_get(0)?,
                role: from_wire_name(&role).unwrap_or(Role::Leader),
                district_code: r.try_get(2)?,
                label: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn record_audit(&self, audit: NewAudit) -> Result<()> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    Self::insert_audit(tx, &audit).await?;
                    Ok(())
                })
            })
            .await
    }

    async fn stored_answer(&self, scope: &str, key: &str) -> Result<Option<StoredAnswer>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body, at_ms FROM idempotent_answers WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let status: i64 = r.try_get(1)?;
            Ok(StoredAnswer {
                request_hash: r.try_get(0)?,
                status: u16::try_from(status).map_err(|_| StoreError::BadValue {
                    what: "stored answer",
                    message: format!("status {status}"),
                })?,
                body: r.try_get(2)?,
                at_ms: r.try_get(3)?,
            })
        })
        .transpose()
    }

    async fn store_answer(&self, scope: &str, key: &str, answer: &StoredAnswer) -> Result<bool> {
        let (scope, key, answer) = (scope.to_owned(), key.to_owned(), answer.clone());
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    sqlx::query("DELETE FROM idempotent_answers WHERE at_ms < $1")
                        .bind(answer.at_ms - ANSWER_RETENTION_MS)
                        .execute(&mut ***tx)
                        .await?;
                    let done = sqlx::query(
                        "INSERT INTO idempotent_answers (scope, key, request_hash, status, body, at_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    )
                    .bind(scope)
                    .bind(key)
                    .bind(answer.request_hash.as_str())
                    .bind(i64::from(answer.status))
                    .bind(answer.body.as_str())
                    .bind(answer.at_ms)
                    .execute(&mut ***tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                })
            })
            .await
    }

    async fn calendar_notices(&self) -> Result<Vec<StoredNotice>> {
        let rows = sqlx::query("SELECT year, text, loaded_ms, loaded_by FROM calendar_notices ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let year: i64 = r.try_get(0)?;
                Ok(StoredNotice {
                    year: i32::try_from(year).map_err(|_| StoreError::BadValue {
                        what: "calendar notice",
                        message: format!("year {year} is out of range"),
                    })?,
                    text: r.try_get(1)?,
                    loaded_at: from_ms(r.try_get(2)?),
                    loaded_by: r.try_get(3)?,
                })
            })
            .collect()
    }

    async fn put_calendar_notices(&self, notices: Vec<StoredNotice>, audit: NewAudit) -> Result<LiveEvent> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    for n in &notices {
                        sqlx::query("DELETE FROM calendar_notices WHERE year = $1")
                            .bind(i64::from(n.year))
                            .execute(&mut ***tx)
                            .await?;
                        sqlx::query(
                            "INSERT INTO calendar_notices (year, text, loaded_ms, loaded_by) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(i64::from(n.year))
                        .bind(n.text.as_str())
                        .bind(ms(&n.loaded_at))
                        .bind(n.loaded_by.as_str())
                        .execute(&mut ***tx)
                        .await?;
                    }
                    let body = EventBody::Calendar { years: notices.iter().map(|n| n.year).collect() };
                    let event = Self::insert_event(tx, &audit.at, &body).await?;
                    Self::insert_audit(tx, &audit).await?;
                    Ok(event)
                })
            })
            .await
    }

    async fn create_enf_file(
        &self,
        file: cityops_api::EnfFileDto,
        number: crate::NumberSpec,
        key: Option<IngestKey>,
        audit: NewAudit,
    ) -> Result<Created<cityops_api::EnfFileDto>> {
        let dialect = self.dialect;
        self.writer
            .write(move |tx| Box::pin(Self::create_file_in(tx, dialect, file, number, key, audit)))
            .await
    }

    async fn step_enf_file(
        &self,
        file: cityops_api::EnfFileDto,
        expected_version: i64,
        issue: Vec<crate::DocIssue>,
        case: Option<(CaseDto, i64)>,
        audit: NewAudit,
    ) -> Result<(Versioned<cityops_api::EnfFileDto>, Vec<LiveEvent>)> {
        let dialect = self.dialect;
        self.writer
            .write(move |tx| {
                Box::pin(Self::step_file_in(tx, dialect, file, expected_version, issue, case, audit))
            })
            .await
    }

    async fn get_enf_file(&self, id: i64) -> Result<Option<Versioned<cityops_api::EnfFileDto>>> {
        Self::fetch_file(&self.pool, id).await
    }

    async fn list_enf_files(&self, filter: &crate::EnfFilter) -> Result<Page<cityops_api::EnfFileDto>> {
        self.list_files(filter).await
    }

    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at_ms, actor, role, action, target, detail, remote FROM audit ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get(3)?;
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    record: NewAudit {
                        at: from_ms(r.try_get(1)?),
                        actor: r.try_get(2)?,
                        role: from_wire_name(&role).unwrap_or(Role::Leader),
                        action: r.try_get(4)?,
                        target: r.try_get(5)?,
                        detail: r.try_get(6)?,
                        remote: r.try_get(7)?,
                    },
                })
            })
            .collect()
    }
}
