//! The SQLite writer's own connection for the hot writes ([`Typed`]: new cases, feed events),
//! through rusqlite. sqlx's SQLite driver runs every statement on a worker thread of its own, so
//! each statement is a hand-off and a wake-up; here a whole run of writes is one blocking call on
//! one thread, with the statements prepared once and kept (`prepare_cached`).
//!
//! The writer runs its transactions one at a time, on this connection or on its sqlx one, never
//! both at once, so the two never wait on each other; each transaction starts with the write lock
//! (`BEGIN IMMEDIATE`) and sees every commit before it (WAL). The statements are the sqlx
//! writer's own (`crate::sql`), so both write the same rows.

use std::path::Path;
use std::time::Duration;

use cityops_api::{CaseDto, EventBody, LiveEvent, Timestamp};
use rusqlite::types::ToSqlOutput;
use rusqlite::{Connection, OptionalExtension, ToSql, params, params_from_iter};

use crate::model::search_text;
use crate::sql::{
    Bind, INSERT_AUDIT, INSERT_CASE_KEY, INSERT_EVENT, INSERT_EVENT_KEY, KEY_EVENT, SELECT_CASE,
    SELECT_KEYED, SqlStore, case_columns, decode, encode, event_kind, ms, number_case, state_upsert,
};
use crate::writer::{Output, Typed};
use crate::{Created, Dialect, NewAudit, NewCaseWrite, NewEvent, Result, StoreError};

impl ToSql for Bind {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        match self {
            Bind::I64(v) => v.to_sql(),
            Bind::F64(v) => v.to_sql(),
            Bind::Str(v) => v.to_sql(),
        }
    }
}

/// The id the next case gets (the table's `AUTOINCREMENT` rule: past every id it ever gave).
const NEXT_CASE_ID: &str = "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'cases'), 0), \
     COALESCE((SELECT MAX(id) FROM cases), 0)) + 1";

/// A new case written whole, with the id taken inside the transaction (it holds the write lock):
/// one row and one set of index entries, where the sqlx path inserts, then numbers and documents
/// the row once the database has given its id.
const INSERT_CASE: &str = "INSERT INTO cases (id, case_no, version, type_kind, type_code, channel, stage, \
     status, lon, lat, grid_code, district_code, unit_code, deadline_ms, created_ms, updated_ms, doc, search) \
     VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULLIF(?12, ''), NULLIF(?13, -1), ?14, ?15, ?16, ?17)";

/// A rusqlite connection to the store's file, with the pragmas of the pool's connections.
pub(crate) struct Direct {
    conn: Connection,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Direct")
    }
}

/// The result of one transaction: each write's own result (in order), and the events appended,
/// or why the transaction did not commit.
pub(crate) type Outcome = (Vec<Result<Output>>, std::result::Result<Vec<LiveEvent>, String>);

impl Direct {
    /// Open the file (after the pool has created it and brought its schema up to date).
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::BadValue { what: "journal mode", message: mode });
        }
        // Every acknowledged write is durable: one fsync per commit.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(Duration::from_secs(10))?;
        Ok(Direct { conn })
    }

    /// Run `writes` in one transaction with one commit — one fsync. A write that fails is
    /// undone alone, with its events.
    ///
    /// Most batches hold no failing write, so they first run with no savepoints: a savepoint
    /// journals every page a write is about to change (about eight pages of 4 KiB per case, to
    /// a temporary file), which was most of this path's file writes. If a write of several
    /// fails, the transaction is rolled back and the batch runs again, each write in a
    /// savepoint of its own.
    pub(crate) fn commit(&mut self, writes: Vec<Typed>) -> Outcome {
        match self.together(&writes) {
            Some(outcome) => outcome,
            None => self.apart(&writes),
        }
    }

    /// `writes` with no savepoints. The first to fail rolls the transaction back: alone, its
    /// error is the answer; one of several, `None` (run them apart).
    fn together(&mut self, writes: &[Typed]) -> Option<Outcome> {
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            return Some((Vec::new(), Err(e.to_string())));
        }
        let mut events = Vec::new();
        let mut outs = Vec::with_capacity(writes.len());
        for w in writes {
            match self.write(w, &mut events) {
                Ok(out) => outs.push(Ok(out)),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return (writes.len() == 1).then(|| (vec![Err(e)], Ok(Vec::new())));
                }
            }
        }
        Some(self.finish(outs, events))
    }

    /// `writes`, each in a savepoint of its own: one that fails is undone alone, with its
    /// events.
    fn apart(&mut self, writes: &[Typed]) -> Outcome {
        if let Err(e) = self.conn.execute_batch("BEGIN IMMEDIATE") {
            return (Vec::new(), Err(e.to_string()));
        }
        let mut events = Vec::new();
        let mut outs = Vec::with_capacity(writes.len());
        for w in writes {
            let mark = events.len();
            if let Err(e) = self.conn.execute_batch("SAVEPOINT w") {
                return self.abandon(outs, e);
            }
            let out = self.write(w, &mut events);
            let close = if out.is_ok() {
                self.conn.execute_batch("RELEASE w")
            } else {
                events.truncate(mark);
                self.conn.execute_batch("ROLLBACK TO w; RELEASE w")
            };
            if let Err(e) = close {
                return self.abandon(outs, e);
            }
            outs.push(out);
        }
        self.finish(outs, events)
    }

    fn write(&self, w: &Typed, events: &mut Vec<LiveEvent>) -> Result<Output> {
        match w {
            Typed::Cases(items) => self.cases(items, events).map(|v| Box::new(v) as Output),
            Typed::Events(items) => self.events(items, events).map(|v| Box::new(v) as Output),
        }
    }

    /// Commit: each write's result and the events, or why nothing was written.
    fn finish(&mut self, outs: Vec<Result<Output>>, events: Vec<LiveEvent>) -> Outcome {
        match self.conn.execute_batch("COMMIT") {
            Ok(()) => (outs, Ok(events)),
            Err(e) => self.abandon(outs, e),
        }
    }

    /// Roll the transaction back after `e`: nothing of it was written.
    fn abandon(&mut self, outs: Vec<Result<Output>>, e: rusqlite::Error) -> Outcome {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        (outs, Err(e.to_string()))
    }

    fn cases(&self, items: &[NewCaseWrite], events: &mut Vec<LiveEvent>) -> Result<Vec<Created<CaseDto>>> {
        items.iter().map(|w| self.case(w, events)).collect()
    }

    /// File one case (a repeat of its ingest key returns the first).
    fn case(&self, w: &NewCaseWrite, events: &mut Vec<LiveEvent>) -> Result<Created<CaseDto>> {
        let NewCaseWrite { case, key, audit } = w;
        let c = &self.conn;
        if let Some(k) = &key
            && let Some(prior) = c
                .prepare_cached(SELECT_KEYED)?
                .query_row(params![k.source, k.key], |r| r.get::<_, Option<i64>>(0))
                .optional()?
        {
            // A key written without an id (an event's) reads as 0, which no case has.
            let id = prior.unwrap_or_default();
            let (doc, version): (String, i64) = c
                .prepare_cached(SELECT_CASE)?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or(StoreError::CaseNotFound(id))?;
            return Ok(Created { value: decode("case", id, &doc)?, version, created: false, event: None });
        }
        let id: i64 = c.prepare_cached(NEXT_CASE_ID)?.query_row([], |r| r.get(0))?;
        let mut case = case.clone();
        number_case(&mut case, id);
        let columns = case_columns(&case);
        let mut binds: Vec<&dyn ToSql> = vec![&id, &case.case_no];
        binds.extend(columns.iter().map(|b| b as &dyn ToSql));
        let (doc, search) = (encode("case", &case)?, search_text(&case));
        binds.extend([&doc as &dyn ToSql, &search]);
        c.prepare_cached(INSERT_CASE)?.execute(binds.as_slice())?;
        if let Some(k) = &key {
            c.prepare_cached(INSERT_CASE_KEY)?.execute(params![k.source, k.key, id, ms(&case.created_at)])?;
        }
        let event = self.event(&case.updated_at, &SqlStore::case_event(&case), events)?;
        self.audit(&NewAudit { target: format!("case:{id}"), ..audit.clone() })?;
        Ok(Created { value: case, version: 1, created: true, event: Some(event) })
    }

    /// Append feed events, skipping repeats of their keys; keep the latest vehicle and sensor
    /// states.
    fn events(&self, items: &[NewEvent], events: &mut Vec<LiveEvent>) -> Result<Vec<Option<LiveEvent>>> {
        let c = &self.conn;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            if let Some(k) = &item.key
                && c.prepare_cached(INSERT_EVENT_KEY)?.execute(params![k.source, k.key, ms(&item.at)])? == 0
            {
                out.push(None);
                continue;
            }
            let event = self.event(&item.at, &item.body, events)?;
            if let Some(k) = &item.key {
                c.prepare_cached(KEY_EVENT)?.execute(params![
                    i64::try_from(event.id).unwrap_or(i64::MAX),
                    k.source,
                    k.key
                ])?;
            }
            if let Some((sql, binds)) = state_upsert(Dialect::Sqlite, &item.at, &item.body) {
                c.prepare_cached(sql)?.execute(params_from_iter(binds))?;
            }
            out.push(Some(event));
        }
        Ok(out)
    }

    fn event(&self, at: &Timestamp, body: &EventBody, events: &mut Vec<LiveEvent>) -> Result<LiveEvent> {
        let id: i64 = self
            .conn
            .prepare_cached(INSERT_EVENT)?
            .query_row(params![ms(at), event_kind(body), encode("event", body)?], |r| r.get(0))?;
        let event = LiveEvent { id: u64::try_from(id).unwrap_or(0), at: *at, body: body.clone() };
        events.push(event.clone());
        Ok(event)
    }

    fn audit(&self, a: &NewAudit) -> Result<()> {
        self.conn.prepare_cached(INSERT_AUDIT)?.execute(params![
            ms(&a.at),
            a.actor,
            cityops_api::wire_name(&a.role),
            a.action,
            a.target,
            a.detail,
            a.remote
        ])?;
        Ok(())
    }
}
