//! The PostgreSQL writer's path for the hot writes ([`Typed`]: new cases, feed events). Through
//! sqlx's `Any` driver every statement is a round trip and no statement takes an array, so a
//! case cost about seven round trips (its insert, its number and document, its event, its audit
//! entry, the savepoint around it) and a batch of cases gathered by group commit cost as many
//! per case. Here a whole run of typed writes is five round trips — begin; the write lock;
//! the events' base and the new cases' ids; one statement that writes every table, each its
//! rows as arrays (`UNNEST`), and announces the commit; the commit — plus one to look up ingest
//! keys when the writes carry any and one to read the cases repeated keys name. It runs on a
//! connection of the writer's own (sqlx's native PostgreSQL driver).
//!
//! The rows are the sqlx path's: the same columns, the case's id from the table's own sequence,
//! event ids taken inside the transaction (past the greatest committed, under the write lock, so
//! they stay gap-free and ordered), a repeated ingest key answered with the first result. A
//! write that fails here fails the whole attempt; the writer then runs the batch again through
//! sqlx, each write in a savepoint of its own, so a failing write still fails alone.

use std::collections::HashMap;

use cityops_api::{CaseDto, EventBody, LiveEvent, wire_name};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};

use crate::model::search_text;
use crate::sql::{PG_WRITE_LOCK, SqlStore, decode, encode, event_kind, ms, number_case};
use crate::writer::{ANNOUNCE_CHANNEL, Output, Typed};
use crate::{Created, NewCaseWrite, NewEvent, Result, StoreError};

/// The writer's own connection to the database (a pool of one, which reconnects by itself).
#[derive(Debug, Clone)]
pub(crate) struct PgDirect {
    pool: PgPool,
}

/// What one attempt wrote: each write's answer in order, and the events appended, in id order.
type Written = (Vec<Output>, Vec<LiveEvent>);

/// A case's or an event's ingest key: (source, key).
type Key = (String, String);

impl PgDirect {
    /// Connect to `url` (after the pool has brought the schema up to date).
    pub(crate) async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new().max_connections(1).connect(url).await?;
        Ok(PgDirect { pool })
    }

    /// Run `writes` in one transaction and commit it. `Err`: nothing was written (the first
    /// write that failed, or the commit, says why).
    pub(crate) async fn commit(&self, writes: &[Typed]) -> Result<Written> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_WRITE_LOCK).execute(&mut *tx).await?;
        let written = write(&mut tx, writes).await?;
        tx.commit().await?;
        Ok(written)
    }
}

/// The rows of one attempt, table by table, in the writes' order, numbered ([`Walk::number`]).
struct Rows {
    cases: Vec<CaseDto>,
    /// Each new case's event (an index into `events`).
    case_events: Vec<usize>,
    docs: Vec<String>,
    searches: Vec<String>,
    keys: Vec<(Key, Option<i64>, Option<i64>, i64)>,
    events: Vec<LiveEvent>,
    audits: Vec<crate::NewAudit>,
    /// The latest fix per vehicle and reading per sensor in the batch (an older one never
    /// replaces a newer, as in the one-by-one statements).
    vehicles: HashMap<String, (i64, f64, f64, f64, f64)>,
    sensors: HashMap<(String, String), (i64, f64, String)>,
}

/// What the writes come to before ids are given: the new cases (unnumbered), every event to
/// append by where it comes from, the keys to record by their owner, and each write's answer.
#[derive(Default)]
struct Walk<'a> {
    cases: Vec<&'a NewCaseWrite>,
    events: Vec<Source<'a>>,
    keys: Vec<(Key, Source<'a>, i64)>,
    answers: Vec<Answer>,
    vehicles: HashMap<String, (i64, f64, f64, f64, f64)>,
    sensors: HashMap<(String, String), (i64, f64, String)>,
}

/// An event to append, or a key's owner: a new case (its row) or a feed event.
#[derive(Clone, Copy)]
enum Source<'a> {
    Case(usize),
    Feed(&'a NewEvent, usize),
}

/// A write's answer, by rows and event positions (resolved once the rows are numbered and the
/// prior cases of repeated keys are read).
enum Answer {
    Cases(Vec<Filed>),
    Events(Vec<Option<usize>>),
}

/// What became of one new case.
enum Filed {
    /// Filed here: the index of its row.
    New(usize),
    /// A repeat of a key filed earlier in this batch: that row.
    Again(usize),
    /// A repeat of a key filed before: the prior case's id.
    Prior(i64),
}

/// Run `writes` inside `tx` (which holds the write lock): their rows gathered in order, numbered
/// once the new cases are counted, written by one statement, then each write's answer.
async fn write(tx: &mut Transaction<'static, Postgres>, writes: &[Typed]) -> Result<Written> {
    let known = known_keys(tx, writes).await?;
    let walk = Walk::of(writes, &known);
    // The events' base and the new cases' ids in one round trip.
    let (base, mut ids): (i64, Vec<i64>) = sqlx::query_as(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM events), \
         ARRAY(SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, $1))",
    )
    .bind(i64::try_from(walk.cases.len()).unwrap_or(i64::MAX))
    .fetch_one(&mut **tx)
    .await?;
    ids.sort_unstable();
    let (rows, answers) = walk.number(base, &ids)?;
    insert(tx, &rows).await?;
    let priors = prior_cases(tx, &answers).await?;
    let outs = answers
        .into_iter()
        .map(|a| match a {
            Answer::Events(v) => Ok(Box::new(
                v.into_iter().map(|p| p.and_then(|p| rows.events.get(p).cloned())).collect::<Vec<_>>(),
            ) as Output),
            Answer::Cases(filed) => filed
                .into_iter()
                .map(|f| created(f, &rows, &priors))
                .collect::<Result<Vec<_>>>()
                .map(|v| Box::new(v) as Output),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((outs, rows.events))
}

impl<'a> Walk<'a> {
    /// Go through `writes` in order, telling new cases and events from repeats of their keys
    /// (`known`: keys already in the database; the keys of this batch as it goes).
    fn of(writes: &'a [Typed], known: &HashMap<Key, Option<i64>>) -> Self {
        let mut walk = Walk::default();
        // Keys filed in this batch: a case key's row, or none for an event's.
        let mut here: HashMap<Key, Option<usize>> = HashMap::new();
        for w in writes {
            match w {
                Typed::Cases(items) => {
                    let mut filed = Vec::with_capacity(items.len());
                    for item in items.iter() {
                        let key = item.key.as_ref().map(|k| (k.source.clone(), k.key.clone()));
                        if let Some(k) = &key {
                            if let Some(seen) = here.get(k) {
                                filed.push(seen.map_or(Filed::Prior(0), Filed::Again));
                                continue;
                            }
                            if let Some(prior) = known.get(k) {
                                filed.push(Filed::Prior(prior.unwrap_or_default()));
                                continue;
                            }
                        }
                        let row = walk.cases.len();
                        walk.cases.push(item);
                        walk.events.push(Source::Case(row));
                        if let Some(k) = key {
                            walk.keys.push((k.clone(), Source::Case(row), ms(&item.case.created_at)));
                            here.insert(k, Some(row));
                        }
                        filed.push(Filed::New(row));
                    }
                    walk.answers.push(Answer::Cases(filed));
                }
                Typed::Events(items) => {
                    let out = items.iter().map(|item| walk.event(&mut here, known, item)).collect();
                    walk.answers.push(Answer::Events(out));
                }
            }
        }
        walk
    }

    /// One feed event: its position among the events to append, or `None` for a repeat of its
    /// key.
    fn event(
        &mut self,
        here: &mut HashMap<Key, Option<usize>>,
        known: &HashMap<Key, Option<i64>>,
        item: &'a NewEvent,
    ) -> Option<usize> {
        let key = item.key.as_ref().map(|k| (k.source.clone(), k.key.clone()));
        if let Some(k) = &key
            && (here.contains_key(k) || known.contains_key(k))
        {
            return None;
        }
        let at = ms(&item.at);
        let position = self.events.len();
        self.events.push(Source::Feed(item, position));
        if let Some(k) = key {
            self.keys.push((k.clone(), Source::Feed(item, position), at));
            here.insert(k, None);
        }
        match &item.body {
            EventBody::Vehicle { vehicle_id, lon, lat, speed_kmh, heading_deg } => {
                let fix = (at, *lon, *lat, *speed_kmh, *heading_deg);
                let kept = self.vehicles.entry(vehicle_id.clone()).or_insert(fix);
                if at >= kept.0 {
                    *kept = fix;
                }
            }
            EventBody::Sensor { sensor_id, quantity, value, unit } => {
                let reading = (at, *value, unit.clone());
                let kept = self
                    .sensors
                    .entry((sensor_id.clone(), quantity.clone()))
                    .or_insert_with(|| reading.clone());
                if at >= kept.0 {
                    *kept = reading;
                }
            }
            _ => {}
        }
        Some(position)
    }

    /// Give the new cases `ids` (one each, in order) and the events ids past `base`; the rows
    /// to write and the answers.
    fn number(self, base: i64, ids: &[i64]) -> Result<(Rows, Vec<Answer>)> {
        let mut cases = Vec::with_capacity(self.cases.len());
        let mut audits = Vec::with_capacity(self.cases.len());
        for (item, &id) in self.cases.iter().zip(ids) {
            let mut case = item.case.clone();
            number_case(&mut case, id);
            audits.push(crate::NewAudit { target: format!("case:{id}"), ..item.audit.clone() });
            cases.push(case);
        }
        if cases.len() != self.cases.len() {
            return Err(bad("case ids", "fewer ids than new cases"));
        }
        let event_id = |position: usize| -> Result<i64> {
            let n = i64::try_from(position).map_err(|_| bad("event id", "too many events"))?;
            Ok(base + n + 1)
        };
        let mut case_events = vec![0; cases.len()];
        let mut events = Vec::with_capacity(self.events.len());
        for (position, source) in self.events.iter().enumerate() {
            let id = u64::try_from(event_id(position)?).map_err(|_| bad("event id", "negative"))?;
            events.push(match *source {
                Source::Case(row) => {
                    let case = cases.get(row).ok_or_else(|| bad("case row", "out of range"))?;
                    if let Some(slot) = case_events.get_mut(row) {
                        *slot = position;
                    }
                    LiveEvent { id, at: case.updated_at, body: SqlStore::case_event(case) }
                }
                Source::Feed(item, _) => LiveEvent { id, at: item.at, body: item.body.clone() },
            });
        }
        let keys = self
            .keys
            .into_iter()
            .map(|(k, owner, at)| {
                Ok(match owner {
                    Source::Case(row) => (k, ids.get(row).copied(), None, at),
                    Source::Feed(_, position) => (k, None, Some(event_id(position)?), at),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let docs = cases.iter().map(|c| encode("case", c)).collect::<Result<Vec<_>>>()?;
        let searches = cases.iter().map(search_text).collect();
        let rows = Rows {
            cases,
            case_events,
            docs,
            searches,
            keys,
            events,
            audits,
            vehicles: self.vehicles,
            sensors: self.sensors,
        };
        Ok((rows, self.answers))
    }
}

fn bad(what: &'static str, message: &str) -> StoreError {
    StoreError::BadValue { what, message: message.to_owned() }
}

/// The keys of `writes` already in the database: the case each filed (`None` for an event's).
async fn known_keys(
    tx: &mut Transaction<'static, Postgres>,
    writes: &[Typed],
) -> Result<HashMap<Key, Option<i64>>> {
    let keys: Vec<&crate::IngestKey> = writes
        .iter()
        .flat_map(|w| -> Box<dyn Iterator<Item = &crate::IngestKey>> {
            match w {
                Typed::Cases(items) => Box::new(items.iter().filter_map(|i| i.key.as_ref())),
                Typed::Events(items) => Box::new(items.iter().filter_map(|i| i.key.as_ref())),
            }
        })
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let sources: Vec<&str> = keys.iter().map(|k| k.source.as_str()).collect();
    let names: Vec<&str> = keys.iter().map(|k| k.key.as_str()).collect();
    let rows = sqlx::query(
        "SELECT k.source, k.key, k.case_id FROM ingest_keys k \
         JOIN UNNEST($1::text[], $2::text[]) AS u(source, key) ON k.source = u.source AND k.key = u.key",
    )
    .bind(&sources)
    .bind(&names)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| Ok(((r.try_get(0)?, r.try_get(1)?), r.try_get::<Option<i64>, _>(2)?))).collect()
}

/// Every row of the attempt in one statement (a data-modifying `WITH` per table, each its rows
/// as arrays; an empty array writes nothing), which also announces the last event to every
/// instance listening — delivered when (and only if) the transaction commits.
const INSERT_ALL: &str = "WITH \
    c AS (INSERT INTO cases (id, case_no, version, type_kind, type_code, channel, stage, status, lon, lat, \
        grid_code, district_code, unit_code, deadline_ms, created_ms, updated_ms, doc, search, geom) \
        SELECT id, case_no, 1, type_kind, type_code, channel, stage, status, lon, lat, grid_code, \
        district_code, unit_code, deadline_ms, created_ms, updated_ms, doc, search, \
        ST_SetSRID(ST_MakePoint(lon, lat), 4326) \
        FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
        $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[], $13::int8[], $14::int8[], \
        $15::int8[], $16::text[], $17::text[]) AS u(id, case_no, type_kind, type_code, channel, stage, \
        status, lon, lat, grid_code, district_code, unit_code, deadline_ms, created_ms, updated_ms, doc, search)), \
    k AS (INSERT INTO ingest_keys (source, key, case_id, event_id, at_ms) \
        SELECT * FROM UNNEST($18::text[], $19::text[], $20::int8[], $21::int8[], $22::int8[])), \
    e AS (INSERT INTO events (id, at_ms, kind, body) \
        SELECT * FROM UNNEST($23::int8[], $24::int8[], $25::text[], $26::text[])), \
    a AS (INSERT INTO audit (at_ms, actor, role, action, target, detail, remote) \
        SELECT * FROM UNNEST($27::int8[], $28::text[], $29::text[], $30::text[], $31::text[], $32::text[], \
        $33::text[])), \
    v AS (INSERT INTO vehicles (id, lon, lat, speed_kmh, heading_deg, at_ms, geom) \
        SELECT id, lon, lat, speed_kmh, heading_deg, at_ms, ST_SetSRID(ST_MakePoint(lon, lat), 4326) \
        FROM UNNEST($34::text[], $35::float8[], $36::float8[], $37::float8[], $38::float8[], $39::int8[]) \
        AS u(id, lon, lat, speed_kmh, heading_deg, at_ms) \
        ON CONFLICT (id) DO UPDATE SET lon = excluded.lon, lat = excluded.lat, \
        speed_kmh = excluded.speed_kmh, heading_deg = excluded.heading_deg, at_ms = excluded.at_ms, \
        geom = excluded.geom WHERE excluded.at_ms >= vehicles.at_ms), \
    s AS (INSERT INTO sensors (id, quantity, value, unit, at_ms) \
        SELECT * FROM UNNEST($40::text[], $41::text[], $42::float8[], $43::text[], $44::int8[]) \
        ON CONFLICT (id, quantity) DO UPDATE SET value = excluded.value, unit = excluded.unit, \
        at_ms = excluded.at_ms WHERE excluded.at_ms >= sensors.at_ms) \
    SELECT pg_notify($45, $46) WHERE $46 <> ''";

/// Every row of the attempt ([`INSERT_ALL`]).
async fn insert(tx: &mut Transaction<'static, Postgres>, rows: &Rows) -> Result<()> {
    let c = &rows.cases;
    let col = |f: fn(&CaseDto) -> String| c.iter().map(f).collect::<Vec<_>>();
    let k = &rows.keys;
    let e = &rows.events;
    let event_ids = e.iter().map(|e| i64::try_from(e.id).map_err(|_| bad("event id", "too large")));
    let bodies = e.iter().map(|e| encode("event", &e.body));
    let a = &rows.audits;
    let acol = |f: fn(&crate::NewAudit) -> String| a.iter().map(f).collect::<Vec<_>>();
    let v: Vec<_> = rows.vehicles.iter().collect();
    let s: Vec<_> = rows.sensors.iter().collect();
    sqlx::query(INSERT_ALL)
        .bind(c.iter().map(|c| c.id).collect::<Vec<_>>())
        .bind(col(|c| c.case_no.clone()))
        .bind(col(|c| wire_name(&c.type_key.kind)))
        .bind(col(|c| c.type_key.code.clone()))
        .bind(col(|c| wire_name(&c.channel)))
        .bind(col(|c| wire_name(&c.stage)))
        .bind(col(|c| wire_name(&c.status)))
        .bind(c.iter().map(|c| c.lon).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.lat).collect::<Vec<_>>())
        .bind(col(|c| c.grid_code.clone()))
        .bind(col(|c| c.district_code.clone()))
        .bind(c.iter().map(|c| c.unit_code.clone().filter(|u| !u.is_empty())).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.deadline.as_ref().map(ms)).collect::<Vec<_>>())
        .bind(c.iter().map(|c| ms(&c.created_at)).collect::<Vec<_>>())
        .bind(c.iter().map(|c| ms(&c.updated_at)).collect::<Vec<_>>())
        .bind(&rows.docs)
        .bind(&rows.searches)
        .bind(k.iter().map(|r| r.0.0.as_str()).collect::<Vec<_>>())
        .bind(k.iter().map(|r| r.0.1.as_str()).collect::<Vec<_>>())
        .bind(k.iter().map(|r| r.1).collect::<Vec<_>>())
        .bind(k.iter().map(|r| r.2).collect::<Vec<_>>())
        .bind(k.iter().map(|r| r.3).collect::<Vec<_>>())
        .bind(event_ids.collect::<Result<Vec<_>>>()?)
        .bind(e.iter().map(|e| ms(&e.at)).collect::<Vec<_>>())
        .bind(e.iter().map(|e| event_kind(&e.body)).collect::<Vec<_>>())
        .bind(bodies.collect::<Result<Vec<_>>>()?)
        .bind(a.iter().map(|a| ms(&a.at)).collect::<Vec<_>>())
        .bind(acol(|a| a.actor.clone()))
        .bind(acol(|a| wire_name(&a.role)))
        .bind(acol(|a| a.action.clone()))
        .bind(acol(|a| a.target.clone()))
        .bind(acol(|a| a.detail.clone()))
        .bind(acol(|a| a.remote.clone()))
        .bind(v.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>())
        .bind(v.iter().map(|(_, f)| f.1).collect::<Vec<_>>())
        .bind(v.iter().map(|(_, f)| f.2).collect::<Vec<_>>())
        .bind(v.iter().map(|(_, f)| f.3).collect::<Vec<_>>())
        .bind(v.iter().map(|(_, f)| f.4).collect::<Vec<_>>())
        .bind(v.iter().map(|(_, f)| f.0).collect::<Vec<_>>())
        .bind(s.iter().map(|((id, _), _)| id.as_str()).collect::<Vec<_>>())
        .bind(s.iter().map(|((_, q), _)| q.as_str()).collect::<Vec<_>>())
        .bind(s.iter().map(|(_, r)| r.1).collect::<Vec<_>>())
        .bind(s.iter().map(|(_, r)| r.2.as_str()).collect::<Vec<_>>())
        .bind(s.iter().map(|(_, r)| r.0).collect::<Vec<_>>())
        .bind(ANNOUNCE_CHANNEL)
        .bind(e.last().map(|e| e.id.to_string()).unwrap_or_default())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The documents and versions of the prior cases the batch's repeated keys name.
async fn prior_cases(
    tx: &mut Transaction<'static, Postgres>,
    answers: &[Answer],
) -> Result<HashMap<i64, (CaseDto, i64)>> {
    let ids: Vec<i64> = answers
        .iter()
        .filter_map(|a| match a {
            Answer::Cases(filed) => Some(filed),
            Answer::Events(_) => None,
        })
        .flatten()
        .filter_map(|f| match f {
            Filed::Prior(id) => Some(*id),
            Filed::New(_) | Filed::Again(_) => None,
        })
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query("SELECT id, doc, version FROM cases WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            let doc: String = r.try_get(1)?;
            Ok((id, (decode("case", id, &doc)?, r.try_get(2)?)))
        })
        .collect()
}

/// A case write's answer.
fn created(f: Filed, rows: &Rows, priors: &HashMap<i64, (CaseDto, i64)>) -> Result<Created<CaseDto>> {
    Ok(match f {
        Filed::New(i) => Created {
            value: row(rows, i)?,
            version: 1,
            created: true,
            event: rows.case_events.get(i).and_then(|&e| rows.events.get(e)).cloned(),
        },
        Filed::Again(i) => Created { value: row(rows, i)?, version: 1, created: false, event: None },
        Filed::Prior(id) => {
            let (value, version) = priors.get(&id).cloned().ok_or(StoreError::CaseNotFound(id))?;
            Created { value, version, created: false, event: None }
        }
    })
}

fn row(rows: &Rows, i: usize) -> Result<CaseDto> {
    rows.cases.get(i).cloned().ok_or_else(|| bad("case row", "out of range"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The array statements against an independent oracle: SQLite's direct writer, which runs
    //! the one-by-one statements. The same batches go to both, and both answer and store the
    //! same.

    use cityops_api::{CaseDto, EventBody, Role, Timestamp};
    use cityops_test_support as fixture;

    use super::PgDirect;
    use crate::writer::{Output, Typed};
    use crate::{Created, IngestKey, NewAudit, NewCaseWrite, NewEvent, Store};

    fn at(minute: i64) -> Timestamp {
        fixture::ts("2026-03-02T09:00:00+08:00") + chrono::Duration::minutes(minute)
    }

    fn case(i: u32, key: Option<&str>) -> NewCaseWrite {
        let created = at(i64::from(i));
        let case = CaseDto {
            id: 0,
            case_no: String::new(),
            lon: 120.38 + f64::from(i) * 1e-4,
            lat: 36.07,
            description: format!("oracle {i}"),
            deadline: i.is_multiple_of(2).then(|| created + chrono::Duration::minutes(30)),
            unit_code: i.is_multiple_of(3).then(|| "U01".to_owned()),
            created_at: created,
            updated_at: created,
            ..fixture::case(0)
        };
        NewCaseWrite {
            case: fixture::in_grid(case, "370202001001001"),
            key: key.map(|k| IngestKey::new("oracle", k)),
            audit: NewAudit {
                at: created,
                actor: "tester".into(),
                role: Role::Acceptor,
                action: "case.create".into(),
                target: String::new(),
                detail: format!("case {i}"),
                remote: "127.0.0.1".into(),
            },
        }
    }

    fn event(minute: i64, key: Option<&str>, body: EventBody) -> NewEvent {
        NewEvent { key: key.map(|k| IngestKey::new("oracle", k)), at: at(minute), body }
    }

    fn fix(minute: i64, id: &str, lon: f64) -> NewEvent {
        let body =
            EventBody::Vehicle { vehicle_id: id.into(), lon, lat: 36.07, speed_kmh: 20.0, heading_deg: 90.0 };
        event(minute, Some(&format!("fix-{id}-{minute}")), body)
    }

    fn reading(minute: i64, id: &str, value: f64) -> NewEvent {
        let body =
            EventBody::Sensor { sensor_id: id.into(), quantity: "level".into(), value, unit: "m".into() };
        event(minute, None, body)
    }

    /// Two batches: the second repeats keys of the first and of itself, moves a vehicle
    /// forward and then back in time, and reads a sensor twice.
    fn batches() -> Vec<Vec<Typed>> {
        let first = vec![
            Typed::Cases(vec![case(1, Some("a")), case(2, None)].into()),
            Typed::Events(vec![fix(1, "V1", 120.30), reading(1, "S1", 1.5)]),
        ];
        let second = vec![
            Typed::Cases(vec![case(3, Some("a")), case(4, Some("b"))].into()),
            Typed::Events(vec![fix(5, "V1", 120.31), fix(3, "V1", 120.29), fix(1, "V1", 120.30)]),
            Typed::Cases(vec![case(6, Some("b")), case(7, None), case(9, Some("c"))].into()),
            Typed::Events(vec![
                reading(6, "S1", 1.7),
                reading(4, "S1", 1.6),
                fix(6, "V2", 120.40),
                event(7, Some("alarm"), EventBody::Calendar { years: vec![2026] }),
                event(8, Some("alarm"), EventBody::Calendar { years: vec![2027] }),
            ]),
        ];
        vec![first, second]
    }

    type Answers = (Vec<Vec<Created<CaseDto>>>, Vec<Vec<Option<cityops_api::LiveEvent>>>);

    fn answers(outs: Vec<Output>, writes: &[Typed], into: &mut Answers) {
        for (out, w) in outs.into_iter().zip(writes) {
            match w {
                Typed::Cases(_) => into.0.push(*out.downcast().unwrap()),
                Typed::Events(_) => into.1.push(*out.downcast().unwrap()),
            }
        }
    }

    /// What a store holds after the batches: the log, the cases, the latest states, the audit.
    async fn held(store: &dyn Store) -> String {
        let log = store.events_after(0, 1000).await.unwrap();
        let mut cases = Vec::new();
        for id in 1..=10 {
            cases.push(store.get_case(id).await.unwrap().map(|v| (v.value, v.version)));
        }
        let audit: Vec<_> =
            store.audit_entries(100).await.unwrap().into_iter().map(|a| (a.id, a.record)).collect();
        format!(
            "{log:?}\n{cases:?}\n{:?}\n{:?}\n{audit:?}",
            store.vehicles().await.unwrap(),
            store.sensors().await.unwrap()
        )
    }

    #[tokio::test]
    async fn the_array_statements_write_what_the_one_by_one_statements_write() {
        let Some(url) = fixture::fresh_pg_url("pgdirect").await else { return };
        let pg_store = crate::open(&url).await.unwrap();
        let pg = PgDirect::connect(&url).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oracle.sqlite");
        let sqlite_store = crate::open(&format!("sqlite://{}", path.display())).await.unwrap();
        let mut sqlite = crate::direct::Direct::open(&path).unwrap();
        let (mut got, mut want) = (Answers::default(), Answers::default());
        for batch in batches() {
            let (outs, events) = pg.commit(&batch).await.unwrap();
            let (oracle, oracle_events) = sqlite.commit(batches_again(&batch));
            let oracle_events = oracle_events.unwrap();
            assert_eq!(events, oracle_events, "the events appended, in order");
            answers(outs, &batch, &mut got);
            answers(oracle.into_iter().map(Result::unwrap).collect(), &batch, &mut want);
        }
        assert_eq!(got, want, "every write's answer");
        // Repeats: "a" and "b" again, the second "alarm"; the vehicle's older fixes kept out.
        let created: Vec<bool> = got.0.iter().flatten().map(|c| c.created).collect();
        assert_eq!(created, [true, true, false, true, false, true, true]);
        assert_eq!(got.1.last().unwrap().last().unwrap(), &None);
        assert_eq!(held(pg_store.as_ref()).await, held(sqlite_store.as_ref()).await);
        let v1 = pg_store.vehicles().await.unwrap().into_iter().find(|v| v.id == "V1").unwrap();
        assert!((v1.lon - 120.31).abs() < 1e-9, "the newest fix stays: {v1:?}");
    }

    fn batches_again(batch: &[Typed]) -> Vec<Typed> {
        batch
            .iter()
            .map(|w| match w {
                Typed::Cases(items) => Typed::Cases(items.clone()),
                Typed::Events(items) => Typed::Events(items.clone()),
            })
            .collect()
    }
}
