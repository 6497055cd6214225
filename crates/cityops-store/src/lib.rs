//! cityops persistence: one [`Store`] trait, two real backends behind it, chosen by URL:
//! `sqlite://path/to/cityops.sqlite` (embedded default: one file, WAL, zero setup) and
//! `postgres://…` (PostgreSQL with PostGIS geometry columns and GiST indexes).
//!
//! Invariants:
//! - every write is one transaction; when a method returns `Ok`, the write is durable
//!   (SQLite runs `synchronous=FULL`);
//! - writes are serialised (one writing task per process, which commits the writes that arrive
//!   together in one transaction — group commit, a failing write undone alone — plus a
//!   transaction-scoped advisory lock on PostgreSQL), so event ids are committed gap-free in
//!   increasing order and a reader that has seen event `n` never later finds a new event below
//!   `n`;
//! - ingest is idempotent on `(source, key)`: a repeat returns the first result and writes
//!   nothing.
//!
//! Deliberately absent: workflow rules. The store persists what the core decided; it stores the
//! wire documents of `cityops-api` plus the columns needed to filter them.

// Input reaches these crates from the network: no indexing or string slicing that could panic
// (`get` instead). Internal tables are indexed in the core, which validates at its edge.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

mod direct;
mod enforcement;
mod error;
mod model;
mod pgdirect;
mod sql;
mod writer;

use async_trait::async_trait;
use cityops_api::{CaseDto, LiveEvent};

pub use error::StoreError;
pub use model::*;
pub use sql::{Dialect, SqlStore, redact};

/// Result alias of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The persistence interface the service runs on.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Which backend this is.
    fn dialect(&self) -> Dialect;

    /// Create a case. The store assigns `id` and `case_no` and appends a case event. With an
    /// ingest key that was seen before, nothing is written and the earlier case is returned with
    /// `created = false`.
    async fn create_case(
        &self,
        case: CaseDto,
        key: Option<IngestKey>,
        audit: NewAudit,
    ) -> Result<Created<CaseDto>>;

    /// File several cases in one transaction, in order (each as [`Store::create_case`] would;
    /// all or none).
    async fn create_cases(&self, items: Vec<NewCaseWrite>) -> Result<Vec<Created<CaseDto>>>;

    /// Replace a case's document after a workflow change, if its version is still
    /// `expected_version`; appends a case event. Returns the new version and the event.
    async fn update_case(
        &self,
        case: &CaseDto,
        expected_version: i64,
        audit: NewAudit,
    ) -> Result<(i64, LiveEvent)>;

    /// Replace several cases' documents in one transaction (e.g. a duplicate and the case it is
    /// merged into), each if its version is still the expected one — all or none; appends one
    /// case event each, in order, and the audit record once.
    async fn update_cases(&self, cases: &[(CaseDto, i64)], audit: NewAudit) -> Result<Vec<(i64, LiveEvent)>>;

    /// A case and its version.
    async fn get_case(&self, id: i64) -> Result<Option<Versioned<CaseDto>>>;

    /// The case an ingest key created, if any.
    async fn case_for_key(&self, key: &IngestKey) -> Result<Option<i64>>;

    /// Record an ingest key that made no case or event of its own (e.g. a video detection merged
    /// into an open one), pointing at `case_id`. Returns false if the key was already known.
    async fn claim_key(&self, key: &IngestKey, case_id: Option<i64>) -> Result<bool>;

    /// Cases matching a filter, newest first.
    async fn list_cases(&self, filter: &CaseFilter) -> Result<Page<CaseDto>>;

    /// Append feed events (vehicle fixes, sensor readings, alerts) in one transaction, skipping
    /// those whose ingest key was seen before; also keeps the latest vehicle/sensor state.
    /// Returns, per item in order, the event appended (`None` for a repeat).
    async fn append_events(&self, items: Vec<NewEvent>) -> Result<Vec<Option<LiveEvent>>>;

    /// Events with id greater than `after`, oldest first, at most `limit`.
    async fn events_after(&self, after: u64, limit: u32) -> Result<Vec<LiveEvent>>;

    /// The id of the first event whose time is at or after `at` (None: there is none).
    async fn first_event_since(&self, at: cityops_api::Timestamp) -> Result<Option<u64>>;

    /// The event stamped last at or before `at` (None: there is none). Feed events carry their
    /// device's time, so around `at` a few events may be stamped out of commit order; the
    /// picture at `at` is the log up to this event, in commit order.
    async fn last_event_until(&self, at: cityops_api::Timestamp) -> Result<Option<u64>>;

    /// Keep a snapshot (a second one for the same event is ignored: false).
    async fn put_snapshot(&self, snapshot: &StoredSnapshot) -> Result<bool>;

    /// The latest snapshot taken at or before `at` reflecting no event after `max_event_id`.
    async fn snapshot_before(
        &self,
        at: cityops_api::Timestamp,
        max_event_id: u64,
    ) -> Result<Option<StoredSnapshot>>;

    /// How far back the kept events and snapshots reach.
    async fn history_span(&self) -> Result<HistorySpan>;

    /// Drop the history before `before`: the latest snapshot at or before it stays (the picture
    /// there is rebuilt from it), the events before its last one and the snapshots before it go,
    /// in one transaction. Nothing goes while no snapshot is that old.
    async fn prune_history(&self, before: cityops_api::Timestamp) -> Result<Pruned>;

    /// The alert events stamped in `[from, to)`, oldest first.
    async fn alerts_between(
        &self,
        from: cityops_api::Timestamp,
        to: cityops_api::Timestamp,
    ) -> Result<Vec<LiveEvent>>;

    /// The greatest event id so far (0 when none).
    async fn last_event_id(&self) -> Result<u64>;

    /// The events of every transaction this store commits (in this process), in id order, as
    /// they are committed — before their writers are answered. Events written by other
    /// processes are not in it (read the log for those); a receiver that falls behind is told
    /// it lagged.
    fn committed(&self) -> tokio::sync::broadcast::Receiver<LiveEvent>;

    /// The greatest event id the database announced as committed by any process sharing it
    /// (PostgreSQL `LISTEN`/`NOTIFY`), changing as commits are announced; `None` where the
    /// backend announces nothing (SQLite: read the log).
    fn announced(&self) -> Option<tokio::sync::watch::Receiver<u64>>;

    /// Latest known state of every vehicle.
    async fn vehicles(&self) -> Result<Vec<VehicleState>>;

    /// Latest reading of every sensor quantity.
    async fn sensors(&self) -> Result<Vec<SensorState>>;

    /// Store a new API token (only its hash) and the audit entry naming who created it (`by`), in
    /// one transaction.
    async fn create_token(&self, token: NewToken, by: &Author) -> Result<()>;

    /// Revoke every live token with this label at `at`; returns how many (audited as
    /// `token.revoke`).
    async fn revoke_tokens(&self, label: &str, by: &Author, at: cityops_api::Timestamp) -> Result<u64>;

    /// A token by hash, if it exists and is not revoked.
    async fn token(&self, hash: &str) -> Result<Option<TokenRecord>>;

    /// Record an audit entry on its own (writes record theirs inside their transaction).
    async fn record_audit(&self, audit: NewAudit) -> Result<()>;

    /// The answer kept for an idempotent write (`scope`: who asked and where; `key`: the
    /// client's Idempotency-Key), if any.
    async fn stored_answer(&self, scope: &str, key: &str) -> Result<Option<StoredAnswer>>;

    /// Keep an idempotent write's answer (the first one wins: false if one was kept already), and
    /// drop answers older than a day.
    async fn store_answer(&self, scope: &str, key: &str, answer: &StoredAnswer) -> Result<bool>;

    /// Holiday notices loaded at run time, one per year, ascending.
    async fn calendar_notices(&self) -> Result<Vec<StoredNotice>>;

    /// Store notices (replacing those of the same years), append a `calendar` live event naming
    /// the years and the audit entry, in one transaction. Returns the event.
    async fn put_calendar_notices(&self, notices: Vec<StoredNotice>, audit: NewAudit) -> Result<LiveEvent>;

    /// Register a penalty file: its number drawn from `number`'s counter, its id assigned, its
    /// mark appended to the log. A repeat of `key` returns the first file and writes nothing.
    async fn create_enf_file(
        &self,
        file: cityops_api::EnfFileDto,
        number: NumberSpec,
        key: Option<IngestKey>,
        audit: NewAudit,
    ) -> Result<Created<cityops_api::EnfFileDto>>;

    /// Write a step on a penalty file if its version is `expected_version`: the documents it
    /// issues numbered and attached, its mark appended to the log, and — for a transferred file
    /// that closes — the case's own step, all in one transaction.
    async fn step_enf_file(
        &self,
        file: cityops_api::EnfFileDto,
        expected_version: i64,
        issue: Vec<DocIssue>,
        case: Option<(CaseDto, i64)>,
        audit: NewAudit,
    ) -> Result<(Versioned<cityops_api::EnfFileDto>, Vec<LiveEvent>)>;

    /// One penalty file.
    async fn get_enf_file(&self, id: i64) -> Result<Option<Versioned<cityops_api::EnfFileDto>>>;

    /// Penalty files, most recently changed first.
    async fn list_enf_files(&self, filter: &EnfFilter) -> Result<Page<cityops_api::EnfFileDto>>;

    /// The most recent audit entries, newest first.
    async fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>>;
}

/// Open the store a URL names and bring its schema up to date.
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(SqlStore::connect(url).await?))
}
