//! Values the store takes and returns besides the wire documents.

use cityops_api::{CaseStatus, Channel, EventBody, Role, Stage, Timestamp, TypeKind};

/// Idempotency key of an ingested item: the source system and its own event id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IngestKey {
    /// Source system, e.g. `hotline`, `video_ai`, `open311`.
    pub source: String,
    /// The source's event id.
    pub key: String,
}

impl IngestKey {
    /// Build a key.
    pub fn new(source: impl Into<String>, key: impl Into<String>) -> Self {
        Self { source: source.into(), key: key.into() }
    }
}

/// Result of a create that may have been a repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    /// The stored value (the earlier one for a repeat).
    pub value: T,
    /// Its version.
    pub version: i64,
    /// Whether this call created it.
    pub created: bool,
    /// The event appended (None for a repeat).
    pub event: Option<cityops_api::LiveEvent>,
}

/// A value with its optimistic-concurrency version.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// Its version (starts at 1, +1 per update).
    pub version: i64,
}

/// Case list filter. All parts are optional and combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    /// Area code prefix: district (6), street (9), community (12) or grid (15 digits).
    pub area: Option<String>,
    /// Handling unit.
    pub unit_code: Option<String>,
    /// Type kind and code.
    pub type_kind: Option<TypeKind>,
    /// Type code, or its class prefix (2 digits).
    pub type_code: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Status.
    pub status: Option<CaseStatus>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Only active cases past their deadline at this instant.
    pub overdue_at: Option<Timestamp>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created before.
    pub to: Option<Timestamp>,
    /// Changed at or after (any activity since).
    pub updated_from: Option<Timestamp>,
    /// Last changed before.
    pub updated_before: Option<Timestamp>,
    /// Bounding box: west, south, east, north (WGS84 degrees).
    pub bbox: Option<[f64; 4]>,
    /// Free text, case-insensitive, found anywhere in the case number, address, description,
    /// camera id or source reference.
    pub text: Option<String>,
    /// Page size (capped at 1000; default 100).
    pub limit: Option<u32>,
    /// Offset.
    pub offset: Option<u32>,
}

impl CaseFilter {
    /// The store filter of a wire case query, as given (validation is the caller's): `overdue`
    /// is judged at `now`.
    pub fn from_query(q: &cityops_api::query::CaseQuery, now: Timestamp) -> Self {
        CaseFilter {
            area: q.area.clone(),
            unit_code: q.unit.clone(),
            type_kind: q.kind,
            type_code: q.code.clone(),
            stage: q.stage,
            status: q.status,
            channel: q.channel,
            overdue_at: q.overdue.unwrap_or(false).then_some(now),
            from: q.from,
            to: q.to,
            updated_from: q.updated_from,
            updated_before: None,
            bbox: q.bbox.map(|b| b.0),
            text: q.q.as_deref().map(str::trim).map(str::to_owned),
            limit: q.limit,
            offset: q.offset,
        }
    }
}

impl CaseFilter {
    /// Whether a case passes the filter (its page aside) — the same rules as the SQL the store
    /// runs, for cases held in memory (a past picture's). The store's tests hold the two equal.
    pub fn matches(&self, c: &cityops_api::CaseDto) -> bool {
        let ms = |t: &Timestamp| t.timestamp_millis();
        self.area.as_deref().is_none_or(|a| c.grid_code.starts_with(a))
            && self.unit_code.as_deref().is_none_or(|u| c.unit_code.as_deref() == Some(u))
            && self.type_kind.is_none_or(|k| c.type_key.kind == k)
            && self.type_code.as_deref().is_none_or(|t| {
                if t.len() < 5 { c.type_key.code.starts_with(t) } else { c.type_key.code == t }
            })
            && self.stage.is_none_or(|s| c.stage == s)
            && self.status.is_none_or(|s| c.status == s)
            && self.channel.is_none_or(|ch| c.channel == ch)
            && self
                .overdue_at
                .is_none_or(|t| c.status == CaseStatus::Active && c.deadline.is_some_and(|d| ms(&d) < ms(&t)))
            && self.from.is_none_or(|t| ms(&c.created_at) >= ms(&t))
            && self.to.is_none_or(|t| ms(&c.created_at) < ms(&t))
            && self.updated_from.is_none_or(|t| ms(&c.updated_at) >= ms(&t))
            && self.updated_before.is_none_or(|t| ms(&c.updated_at) < ms(&t))
            && self
                .text
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .is_none_or(|q| search_text(c).contains(&q.to_lowercase()))
            && self.bbox.is_none_or(|[w, s, e, n]| c.lon >= w && c.lat >= s && c.lon <= e && c.lat <= n)
    }
}

/// The text `q` searches: case number, address, description, camera and source reference,
/// lower-cased (the same fields and order as migration 2's backfill).
pub(crate) fn search_text(c: &cityops_api::CaseDto) -> String {
    [
        c.case_no.as_str(),
        c.address.as_str(),
        c.description.as_str(),
        c.camera_id.as_deref().unwrap_or_default(),
        c.source_ref.as_deref().unwrap_or_default(),
    ]
    .join("\n")
    .to_lowercase()
}

/// Default and maximum page sizes.
pub const DEFAULT_PAGE: u32 = 100;
/// Largest page a list returns.
pub const MAX_PAGE: u32 = 1000;

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items on this page.
    pub items: Vec<T>,
    /// Total matching.
    pub total: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u32,
}

/// A feed event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Idempotency key.
    pub key: Option<IngestKey>,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub body: EventBody,
}

/// Latest known state of one vehicle: the wire's vehicle document.
pub type VehicleState = cityops_api::VehicleDto;

/// Latest reading of one sensor quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorState {
    /// Sensor id.
    pub id: String,
    /// Quantity (`pm10`, `noise`).
    pub quantity: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Reading time.
    pub at: Timestamp,
}

/// A token to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// Role it grants.
    pub role: Role,
    /// District it is limited to (None = whole city).
    pub district_code: Option<String>,
    /// Human label.
    pub label: String,
    /// Creation time.
    pub created_at: Timestamp,
}

/// A frame of the city kept for replay: the live map's state as of event `event_id`, taken at
/// `at`; `body` is opaque to the store (the service's encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    /// The last event the frame reflects.
    pub event_id: u64,
    /// When it was taken (service clock).
    pub at: Timestamp,
    /// The encoded frame.
    pub body: Vec<u8>,
}

/// How far back the kept history reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistorySpan {
    /// The first event kept (None: no events). 1 means the log is whole.
    pub first_event_id: Option<u64>,
    /// The earliest snapshot kept: its event id and time.
    pub earliest_snapshot: Option<(u64, Timestamp)>,
}

/// What pruning removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Events deleted.
    pub events: u64,
    /// Snapshots deleted.
    pub snapshots: u64,
}

/// The answer of an idempotent write, kept for retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    /// SHA-256 of the request (method, path and body), hex: a retry has the same.
    pub request_hash: String,
    /// HTTP status.
    pub status: u16,
    /// The answer's body (JSON).
    pub body: String,
    /// When it was kept (wall clock, Unix ms).
    pub at_ms: i64,
}

/// Who makes a write, for its audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Token label, or `cli`.
    pub actor: String,
    /// In which role.
    pub role: Role,
    /// From where (remote address, or `local`).
    pub remote: String,
}

impl Author {
    /// The command line (or the process itself) on the service's host.
    pub fn cli() -> Self {
        Self { actor: "cli".into(), role: Role::Admin, remote: "local".into() }
    }
}

impl NewToken {
    /// The audit entry of creating this token.
    pub fn audit(&self, by: &Author) -> NewAudit {
        NewAudit {
            at: self.created_at,
            actor: by.actor.clone(),
            role: by.role,
            action: "token.create".into(),
            target: format!("token:{}", self.label),
            detail: format!(
                "role={} district={}",
                cityops_api::wire_name(&self.role),
                self.district_code.as_deref().unwrap_or_default()
            ),
            remote: by.remote.clone(),
        }
    }
}

/// A stored token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    /// SHA-256 of the token, hex.
    pub hash: String,
    /// Role.
    pub role: Role,
    /// District scope.
    pub district_code: Option<String>,
    /// Label (used as the actor name in the audit log).
    pub label: String,
}

/// An audit entry to write (the wire's record: the store keeps what the audit log shows).
pub type NewAudit = cityops_api::AuditRecord;

/// A stored audit entry: its id and record.
pub type AuditEntry = cityops_api::AuditDto;

/// A State Council holiday notice loaded at run time: one year in the calendar file format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotice {
    /// The year.
    pub year: i32,
    /// The year's `[[year]]` table (validated by the core before it is stored).
    pub text: String,
    /// When it was loaded.
    pub loaded_at: Timestamp,
    /// Who loaded it (token label, or `cli`).
    pub loaded_by: String,
}

/// One case to file with [`crate::Store::create_cases`].
#[derive(Debug, Clone)]
pub struct NewCaseWrite {
    /// The case (its id and number are assigned).
    pub case: cityops_api::CaseDto,
    /// Its ingest key, if its source names it.
    pub key: Option<IngestKey>,
    /// The audit entry (its target is set to the case).
    pub audit: NewAudit,
}

/// A number drawn from a named counter: `prefix` + the counter's next value zero-padded to
/// `width` + `suffix`. Counters start at 1 and never restart by themselves; a scheme that
/// restarts each year or day names a counter per year or day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSpec {
    /// The counter.
    pub counter: String,
    /// Text before the sequence.
    pub prefix: String,
    /// Zero-padding of the sequence (0: none).
    pub width: usize,
    /// Text after the sequence.
    pub suffix: String,
}

impl NumberSpec {
    /// The number with sequence `seq`.
    pub fn format(&self, seq: u64) -> String {
        format!("{}{:0width$}{}", self.prefix, seq, self.suffix, width = self.width)
    }
}

/// A document a step on a penalty file issues: numbered and attached in the step's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocIssue {
    /// Its kind.
    pub kind: cityops_api::DocKind,
    /// For an interview record, its evidence index.
    pub evidence: Option<usize>,
    /// How it is numbered.
    pub number: NumberSpec,
}

/// Penalty-file list filter; the parts combine with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnfFilter {
    /// District code prefix.
    pub district: Option<String>,
    /// Only open (not yet closed) or only closed files.
    pub open: Option<bool>,
    /// Transferred from this case.
    pub case_id: Option<i64>,
    /// Changed at or after (epoch ms).
    pub since_ms: Option<i64>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Offset.
    pub offset: Option<u32>,
}
