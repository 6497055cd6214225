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
use crate::writer::{Cases, Output, Typed};
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

/// A new case's JSON — its document and its event's body — and its search text, encoded before
/// its transaction with the id and number left out: the writer, which runs one transaction at a
/// time for the whole service, then only puts them in, while the encoding is done in parallel
/// by the callers' threads. [`CaseJson::fill`] gives exactly what encoding the numbered case
/// gives (a test holds the two equal).
#[derive(Debug, Clone)]
pub(crate) struct CaseJson {
    doc: Gap,
    event: Gap,
    /// The search text after the number (its first line).
    search_rest: String,
    /// The event's case (unnumbered), built once for its JSON and again used for the event.
    slim: CaseDto,
}

/// JSON with a gap (at `at`) where a case's id and number go.
#[derive(Debug, Clone)]
struct Gap {
    json: String,
    at: usize,
}

/// The id and number of a case not numbered yet, as JSON writes them. A JSON string escapes
/// every quote inside it, so this can only be the fields themselves.
const UNNUMBERED: &str = r#""id":0,"case_no":"""#;

impl Gap {
    /// Split `json` at the first unnumbered id and number.
    fn of(mut json: String) -> Option<Self> {
        let at = json.find(UNNUMBERED)?;
        json.replace_range(at..at + UNNUMBERED.len(), "");
        Some(Gap { json, at })
    }

    fn fill(&self, fields: &str) -> String {
        let (head, tail) = self.json.split_at(self.at);
        let mut s = String::with_capacity(self.json.len() + fields.len());
        s.push_str(head);
        s.push_str(fields);
        s.push_str(tail);
        s
    }
}

impl CaseJson {
    /// The JSON of `case`, a case not numbered yet, with the gap (`None` if it is numbered or
    /// could not be encoded: the writer encodes it).
    pub(crate) fn of(case: &CaseDto) -> Option<Self> {
        if case.id != 0 || !case.case_no.is_empty() {
            return None;
        }
        let doc = Gap::of(serde_json::to_string(case).ok()?)?;
        let body = SqlStore::case_event(case);
        let event = Gap::of(serde_json::to_string(&body).ok()?)?;
        let EventBody::Case { case: slim } = body else { return None };
        // With no number, the search text starts with the line break after it.
        Some(CaseJson { doc, event, search_rest: search_text(case), slim: *slim })
    }

    /// The document, the search text and the event's body (as JSON and as the event) of the
    /// case numbered `id`, `case_no`.
    pub(crate) fn fill(&self, id: i64, case_no: &str) -> (String, String, String, EventBody) {
        let fields = format!(r#""id":{id},"case_no":{}"#, serde_json::Value::from(case_no));
        let search = case_no.to_lowercase() + &self.search_rest;
        let slim = CaseDto { id, case_no: case_no.to_owned(), ..self.slim.clone() };
        (self.doc.fill(&fields), search, self.event.fill(&fields), EventBody::Case { case: Box::new(slim) })
    }
}

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

    fn cases(&self, cases: &Cases, events: &mut Vec<LiveEvent>) -> Result<Vec<Created<CaseDto>>> {
        cases.iter().enumerate().map(|(i, w)| self.case(w, cases.json.get(i), events)).collect()
    }

    /// File one case (a repeat of its ingest key returns the first), with its JSON if it was
    /// encoded ahead.
    fn case(
        &self,
        w: &NewCaseWrite,
        json: Option<&CaseJson>,
        events: &mut Vec<LiveEvent>,
    ) -> Result<Created<CaseDto>> {
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
        let (doc, search, body_json, body) = match json {
            Some(j) => j.fill(id, &case.case_no),
            None => {
                let body = SqlStore::case_event(&case);
                (encode("case", &case)?, search_text(&case), encode("event", &body)?, body)
            }
        };
        binds.extend([&doc as &dyn ToSql, &search]);
        c.prepare_cached(INSERT_CASE)?.execute(binds.as_slice())?;
        if let Some(k) = &key {
            c.prepare_cached(INSERT_CASE_KEY)?.execute(params![k.source, k.key, id, ms(&case.created_at)])?;
        }
        let event = self.event_encoded(&case.updated_at, body, &body_json, events)?;
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
        self.event_encoded(at, body.clone(), &encode("event", body)?, events)
    }

    /// Append `body`, whose JSON is `json`.
    fn event_encoded(
        &self,
        at: &Timestamp,
        body: EventBody,
        json: &str,
        events: &mut Vec<LiveEvent>,
    ) -> Result<LiveEvent> {
        let id: i64 = self
            .conn
            .prepare_cached(INSERT_EVENT)?
            .query_row(params![ms(at), event_kind(&body), json], |r| r.get(0))?;
        let event = LiveEvent { id: u64::try_from(id).unwrap_or(0), at: *at, body };
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cityops_api::CaseDto;
    use cityops_test_support as fixture;

    use super::CaseJson;
    use crate::model::search_text;
    use crate::sql::{SqlStore, encode, number_case};

    /// Descriptions that a gap in the JSON could be confused by: the fields' own text, quotes,
    /// escapes, a final sigma (whose lower case depends on what comes before it), other scripts.
    const AWKWARD: [&str; 7] = [
        "暴露垃圾",
        r#""id":0,"case_no":"""#,
        r#"{"id":0,"case_no":""} \" \\ \n"#,
        "ΟΔΟΣ ΣΤΟ ΚΕΝΤΡΟ Σ",
        "line\nbreak\ttab\u{0}nul",
        "İstanbul ǅ emoji 🚧",
        "",
    ];

    /// Filling in the id and number gives exactly what encoding the numbered case gives: its
    /// document, its search text and its event's body.
    #[test]
    fn json_encoded_ahead_is_the_numbered_cases_json() {
        let mut n = 0;
        for (i, text) in AWKWARD.iter().enumerate() {
            for id in [1_i64, 7, 1_234_567, 99_999_999] {
                let case = CaseDto {
                    id: 0,
                    case_no: String::new(),
                    description: (*text).to_owned(),
                    address: AWKWARD.iter().cycle().nth(i + 1).unwrap().to_string(),
                    camera_id: (i % 2 == 0).then(|| format!("CAM-Σ{i}")),
                    source_ref: (i % 3 == 0).then(|| (*text).to_owned()),
                    // Kept in the document, left out of the event.
                    reporter: (i % 2 == 1).then(|| cityops_api::ReporterDto {
                        first_name: (*text).to_owned(),
                        phone: "13800000000".into(),
                        ..Default::default()
                    }),
                    ..fixture::case(0)
                };
                let json = CaseJson::of(&case).expect("every case encodes ahead");
                let mut numbered = case.clone();
                number_case(&mut numbered, id);
                let (doc, search, event, event_body) = json.fill(id, &numbered.case_no);
                assert_eq!(doc, encode("case", &numbered).unwrap(), "document, {text:?} #{id}");
                assert_eq!(search, search_text(&numbered), "search text, {text:?} #{id}");
                let body = SqlStore::case_event(&numbered);
                assert_eq!(event, encode("event", &body).unwrap(), "event, {text:?} #{id}");
                assert_eq!(event_body, body, "the event, {text:?} #{id}");
                n += 1;
            }
        }
        assert_eq!(n, AWKWARD.len() * 4);
        assert!(
            CaseJson::of(&fixture::case(3)).is_none(),
            "a case numbered already is encoded by the writer"
        );
    }
}
