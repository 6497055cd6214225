//! Penalty files (执法案卷): their documents in `enforcement_files`, numbered from `counters`, each
//! change one event (the file's mark) in the log.

use cityops_api::{CaseDto, DocRefDto, EnfFileDto, EventBody, LiveEvent, wire_name};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::{Bind, Dialect, SqlStore, bind_all, decode, encode, ms};
use crate::writer::Tx;
use crate::{
    Created, DEFAULT_PAGE, DocIssue, EnfFilter, IngestKey, MAX_PAGE, NewAudit, NumberSpec, Page, Result,
    StoreError, Versioned,
};

impl SqlStore {
    /// The next value of a counter (1 for a new one), inside the write transaction.
    pub(crate) async fn next_seq(tx: &mut Tx, counter: &str) -> Result<u64> {
        let row = sqlx::query(
            "INSERT INTO counters (name, value) VALUES ($1, 1) \
             ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(counter)
        .fetch_one(&mut ***tx)
        .await?;
        let v: i64 = row.try_get(0)?;
        Ok(u64::try_from(v).unwrap_or(0))
    }

    fn file_event(file: &EnfFileDto) -> EventBody {
        EventBody::Enforcement { file: Box::new(file.mark()) }
    }

    pub(crate) async fn create_file_in(
        tx: &mut Tx,
        dialect: Dialect,
        mut file: EnfFileDto,
        number: NumberSpec,
        key: Option<IngestKey>,
        mut audit: NewAudit,
    ) -> Result<Created<EnfFileDto>> {
        if let Some(k) = &key
            && let Some(id) = Self::keyed(tx, k).await?
        {
            let existing = Self::fetch_file(&mut ***tx, id).await?.ok_or(StoreError::FileNotFound(id))?;
            return Ok(Created {
                value: existing.value,
                version: existing.version,
                created: false,
                event: None,
            });
        }
        file.file_no = number.format(Self::next_seq(tx, &number.counter).await?);
        file.version = 1;
        let (gc, gv) = if dialect == Dialect::Postgres {
            (", geom", ", ST_SetSRID(ST_MakePoint($11, $12), 4326)")
        } else {
            ("", "")
        };
        let sql = format!(
            "INSERT INTO enforcement_files (file_no, version, matter, stage, status, district_code, case_id, \
             is_open, registered_ms, updated_ms, doc{gc}) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10{gv}) \
             RETURNING id"
        );
        let mut q = sqlx::query(&sql)
            .bind(file.file_no.as_str())
            .bind(file.matter.as_str())
            .bind(wire_name(&file.stage))
            .bind(wire_name(&file.status))
            .bind(file.district_code.as_str())
            .bind(file.case_id)
            .bind(i64::from(file.stage.is_open()))
            .bind(ms(&file.registered_at))
            .bind(ms(&file.updated_at))
            .bind("{}");
        if dialect == Dialect::Postgres {
            q = q.bind(file.lon).bind(file.lat);
        }
        let id: i64 = q.fetch_one(&mut ***tx).await?.try_get(0)?;
        file.id = id;
        sqlx::query("UPDATE enforcement_files SET doc = $1 WHERE id = $2")
            .bind(encode("enforcement file", &file)?)
            .bind(id)
            .execute(&mut ***tx)
            .await?;
        if let Some(k) = &key {
            sqlx::query("INSERT INTO ingest_keys (source, key, case_id, at_ms) VALUES ($1, $2, $3, $4)")
                .bind(k.source.as_str())
                .bind(k.key.as_str())
                .bind(id)
                .bind(ms(&file.registered_at))
                .execute(&mut ***tx)
                .await?;
        }
        let event = Self::insert_event(tx, &file.updated_at, &Self::file_event(&file)).await?;
        audit.target = format!("enforcement:{id}");
        Self::insert_audit(tx, &audit).await?;
        Ok(Created { value: file, version: 1, created: true, event: Some(event) })
    }

    pub(crate) async fn update_file_in(
        tx: &mut Tx,
        mut file: EnfFileDto,
        expected: i64,
        issue: Vec<DocIssue>,
        mut audit: NewAudit,
    ) -> Result<(Versioned<EnfFileDto>, LiveEvent)> {
        for d in issue {
            let seq = Self::next_seq(tx, &d.number.counter).await?;
            file.documents.push(DocRefDto {
                kind: d.kind,
                number: d.number.format(seq),
                issued_at: file.updated_at,
                evidence: d.evidence,
            });
        }
        file.version = expected + 1;
        let done = sqlx::query(
            "UPDATE enforcement_files SET version = version + 1, stage = $1, status = $2, is_open = $3, \
             updated_ms = $4, doc = $5 WHERE id = $6 AND version = $7",
        )
        .bind(wire_name(&file.stage))
        .bind(wire_name(&file.status))
        .bind(i64::from(file.stage.is_open()))
        .bind(ms(&file.updated_at))
        .bind(encode("enforcement file", &file)?)
        .bind(file.id)
        .bind(expected)
        .execute(&mut ***tx)
        .await?;
        if done.rows_affected() != 1 {
            let exists = Self::fetch_file(&mut ***tx, file.id).await?.is_some();
            return Err(if exists {
                StoreError::VersionConflict { id: file.id, expected }
            } else {
                StoreError::FileNotFound(file.id)
            });
        }
        let event = Self::insert_event(tx, &file.updated_at, &Self::file_event(&file)).await?;
        audit.target = format!("enforcement:{}", file.id);
        Self::insert_audit(tx, &audit).await?;
        Ok((Versioned { version: expected + 1, value: file }, event))
    }

    pub(crate) async fn fetch_file<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        exec: E,
        id: i64,
    ) -> Result<Option<Versioned<EnfFileDto>>> {
        let row = sqlx::query("SELECT doc, version FROM enforcement_files WHERE id = $1")
            .bind(id)
            .fetch_optional(exec)
            .await?;
        row.map(|r| file_row(&r)).transpose()
    }

    pub(crate) async fn list_files(&self, f: &EnfFilter) -> Result<Page<EnfFileDto>> {
        let mut cond = vec!["1 = 1".to_owned()];
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |sql: &str, b: Bind| {
            binds.push(b);
            cond.push(sql.replace('?', &format!("${}", binds.len())));
        };
        if let Some(d) = &f.district {
            push("district_code LIKE ?", Bind::Str(format!("{}%", d.replace(['%', '_'], ""))));
        }
        if let Some(open) = f.open {
            push("is_open = ?", Bind::I64(i64::from(open)));
        }
        if let Some(c) = f.case_id {
            push("case_id = ?", Bind::I64(c));
        }
        if let Some(s) = f.since_ms {
            push("updated_ms >= ?", Bind::I64(s));
        }
        let limit = f.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
        let offset = f.offset.unwrap_or(0);
        let cond = cond.join(" AND ");
        let count = format!("SELECT COUNT(*) FROM enforcement_files WHERE {cond}");
        let total: i64 = bind_all(sqlx::query(&count), &binds).fetch_one(&self.pool).await?.try_get(0)?;
        let page = format!(
            "SELECT doc, version FROM enforcement_files WHERE {cond} ORDER BY updated_ms DESC, id DESC \
             LIMIT {limit} OFFSET {offset}"
        );
        let rows = bind_all(sqlx::query(&page), &binds).fetch_all(&self.pool).await?;
        let items = rows.iter().map(|r| file_row(r).map(|v| v.value)).collect::<Result<Vec<_>>>()?;
        Ok(Page { items, total: u64::try_from(total).unwrap_or(0), limit, offset })
    }

    /// Write a step on a file (and, for a transferred file that closes, the case's own step) in
    /// one transaction.
    pub(crate) async fn step_file_in(
        tx: &mut Tx,
        dialect: Dialect,
        file: EnfFileDto,
        expected: i64,
        issue: Vec<DocIssue>,
        case: Option<(CaseDto, i64)>,
        audit: NewAudit,
    ) -> Result<(Versioned<EnfFileDto>, Vec<LiveEvent>)> {
        let (file, event) = Self::update_file_in(tx, file, expected, issue, audit).await?;
        let mut events = vec![event];
        if let Some((case, v)) = case {
            let (_, e) = Self::update_in(tx, dialect, &case, v).await?;
            events.push(e);
        }
        Ok((file, events))
    }
}

fn file_row(r: &AnyRow) -> Result<Versioned<EnfFileDto>> {
    let doc: String = r.try_get(0)?;
    let version: i64 = r.try_get(1)?;
    let mut value: EnfFileDto = decode("enforcement file", version, &doc)?;
    value.version = version;
    Ok(Versioned { value, version })
}
