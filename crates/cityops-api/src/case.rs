//! Cases (案卷) and their stage log on the wire.

use serde::{Deserialize, Serialize};

use crate::{Action, CaseStatus, Channel, Role, Stage, Timestamp, TypeKey};

/// A case as the service returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseDto {
    /// Service-wide case id.
    pub id: i64,
    /// Human case number, e.g. `QD20261129000123`.
    pub case_no: String,
    /// Problem type.
    pub type_key: TypeKey,
    /// Channel of origin.
    pub channel: Channel,
    /// Current stage of the closed loop.
    pub stage: Stage,
    /// Overall status (active, suspended, cancelled, closed).
    pub status: CaseStatus,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Free-text address (事发位置).
    pub address: String,
    /// Description from the reporter.
    pub description: String,
    /// 15-digit unit grid code.
    pub grid_code: String,
    /// 12-digit community code.
    pub community_code: String,
    /// 9-digit street (街道/镇) code.
    pub street_code: String,
    /// 6-digit GB/T 2260 district code.
    pub district_code: String,
    /// Handling unit the case is dispatched to, if any.
    pub unit_code: Option<String>,
    /// Deadline of the current stage, if it has one.
    pub deadline: Option<Timestamp>,
    /// The deadline was counted in working time over a year without a State Council holiday
    /// notice, from the statutory holidays alone (按法定节假日推算); it is final once the year's
    /// notice is loaded. Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_provisional: bool,
    /// Whether the current stage is past its deadline.
    pub overdue: bool,
    /// From when the current stage counts as due soon (临期, yellow): when the configured share
    /// of its limit is used, or fewer than the configured working hours remain (see
    /// `StageLimits::due_soon`). Absent without a deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_soon_at: Option<Timestamp>,
    /// Whether the current stage is due soon and not yet overdue ([`CaseStatus::due_soon`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub due_soon: bool,
    /// Number of 返工 so far.
    pub rework_count: u32,
    /// Number of 督办 so far.
    pub supervise_count: u32,
    /// Photo or snapshot references (URLs or storage keys).
    pub media: Vec<String>,
    /// Camera that detected it (video-AI channel).
    pub camera_id: Option<String>,
    /// Source system's event id (idempotent ingest).
    pub source_ref: Option<String>,
    /// Who reported it, when they said (a citizen's name and contact): shown only to the roles
    /// that call reporters back (acceptor, shift leader, admin); never in lists, exports, the
    /// event stream or Open311's public reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterDto>,
    /// When the report arrived.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The case this one was merged into as a duplicate (合并; it is then cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<i64>,
    /// Duplicates merged into this case, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<i64>,
    /// Stage history, oldest first (present on single-case reads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StageLogDto>,
    /// Actions that did not change the stage (延期, 督办), oldest first (single-case reads).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<CaseEventDto>,
}

/// An action that did not change the stage (延期, 督办).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseEventDto {
    /// The action.
    pub action: Action,
    /// Actor id.
    pub actor: String,
    /// Actor role.
    pub role: Role,
    /// When.
    pub at: Timestamp,
    /// Deadline before the action.
    pub deadline_before: Option<Timestamp>,
    /// Deadline after the action.
    pub deadline_after: Option<Timestamp>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// One entry of a case's stage log: who did what, when, against which deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StageLogDto {
    /// Stage the entry covers.
    pub stage: Stage,
    /// Action that ended the entry (None while the stage is open).
    pub action: Option<Action>,
    /// Actor id (user or unit code).
    pub actor: String,
    /// Actor role.
    pub role: Role,
    /// When the stage began.
    pub started_at: Timestamp,
    /// When it ended (None while open).
    pub ended_at: Option<Timestamp>,
    /// Deadline of this stage, if any.
    pub deadline: Option<Timestamp>,
    /// The deadline was counted over a year without a holiday notice (see
    /// [`CaseDto::deadline_provisional`]). Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_provisional: bool,
    /// Whether it ended (or, while open, is still) within its deadline.
    pub on_time: Option<bool>,
    /// Free-text note (e.g. reason for 回退).
    pub note: String,
    /// Handling unit during this entry (任务处理 entries and what follows them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_code: Option<String>,
    /// Whether this entry is a 挂账 interval (the case was parked in `stage`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspended: bool,
}

/// A new report, from any channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewCaseDto {
    /// Problem type.
    pub type_key: TypeKey,
    /// Channel of origin.
    pub channel: Channel,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Free-text address; derived from the location when empty.
    #[serde(default)]
    pub address: String,
    /// Reporter's description.
    #[serde(default)]
    pub description: String,
    /// Photos or snapshot references.
    #[serde(default)]
    pub media: Vec<String>,
    /// Detecting camera (video-AI channel).
    #[serde(default)]
    pub camera_id: Option<String>,
    /// Source system's event id for idempotent ingest.
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Who reports it (a citizen through Open311 or the hotline), kept apart from the
    /// description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<ReporterDto>,
}

/// A reporter's identity and contact, as they gave it (every field optional). Personal data:
/// stored with the case, shown only to the roles that call reporters back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReporterDto {
    /// Given name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_name: String,
    /// Family name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_name: String,
    /// Telephone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub phone: String,
    /// E-mail.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// The reporting app's account id (Open311 `account_id`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub account_id: String,
    /// The reporting device (Open311 `device_id`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub device_id: String,
}

impl ReporterDto {
    /// Whether nothing was given.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl CaseDto {
    /// The case without its reporter's identity (for everyone but the roles that call back).
    pub fn without_reporter(mut self) -> Self {
        self.reporter = None;
        self
    }

    /// What the map draws of the case (the live stream's case event).
    pub fn mark(&self) -> CaseMarkDto {
        CaseMarkDto {
            id: self.id,
            type_key: self.type_key.clone(),
            district_code: self.district_code.clone(),
            lon: self.lon,
            lat: self.lat,
            stage: self.stage,
            status: self.status,
            deadline: self.deadline,
            due_soon_at: self.due_soon_at,
            overdue: self.overdue,
            due_soon: self.due_soon,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A case as the map draws it: where, which class, which stage, against which deadline. The live
/// stream and the event log carry this for every case event (about 350 bytes of JSON, half or less
/// of the case); the case itself is read on demand from `cases/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseMarkDto {
    /// Service-wide case id.
    pub id: i64,
    /// Problem type.
    pub type_key: TypeKey,
    /// 6-digit GB/T 2260 district code.
    pub district_code: String,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Current stage of the closed loop.
    pub stage: Stage,
    /// Overall status.
    pub status: CaseStatus,
    /// Deadline of the current stage, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// From when the current stage counts as due soon (临期).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_soon_at: Option<Timestamp>,
    /// Past its deadline when the event was made.
    pub overdue: bool,
    /// Due soon when the event was made.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub due_soon: bool,
    /// When the report arrived.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

impl CaseMarkDto {
    /// Its status class on the map when the event was made, or `None` if it leaves the map
    /// (作废): [`crate::StatusClass::of_case`].
    pub fn class(&self) -> Option<crate::StatusClass> {
        crate::StatusClass::of_case(self.status, self.overdue, self.due_soon)
    }
}

impl NewCaseDto {
    /// A report of `type_key` from `channel` at a point, with nothing else said (no address,
    /// description, media, camera or source reference); set those with struct update syntax.
    pub fn at(type_key: TypeKey, channel: Channel, lon: f64, lat: f64) -> Self {
        Self {
            type_key,
            channel,
            lon,
            lat,
            address: String::new(),
            description: String::new(),
            media: Vec::new(),
            camera_id: None,
            source_ref: None,
            reporter: None,
        }
    }
}

/// A workflow action request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ActionRequest {
    /// The action.
    pub action: Action,
    /// Target unit (required for 派遣).
    #[serde(default)]
    pub unit_code: Option<String>,
    /// Explicit deadline (派遣 or 延期); the handling standard's when absent.
    #[serde(default)]
    pub deadline: Option<Timestamp>,
    /// Note or reason.
    #[serde(default)]
    pub note: String,
}

/// Merge a duplicate report into the case it repeats (`POST /api/v1/cases/{id}/merge`, `{id}` the
/// duplicate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The main case (active or parked, not itself merged), in the caller's district.
    pub into: i64,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// Both cases after a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MergedDto {
    /// The duplicate, now cancelled and linked (`merged_into`).
    pub duplicate: CaseDto,
    /// The main case, listing the duplicate in `merged`.
    pub main: CaseDto,
}

/// A likely duplicate of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DuplicateDto {
    /// The earlier case (as in lists).
    pub case: CaseDto,
    /// Distance between the two reports, metres.
    pub distance_m: f64,
    /// Same problem type (otherwise the same class, e.g. both 06 市容环境).
    pub same_type: bool,
}

/// The likely duplicates of a case: earlier reports of the same or a related type nearby.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DuplicatesDto {
    /// Search radius, metres.
    pub radius_m: f64,
    /// Reported within this many hours before the case.
    pub window_hours: f64,
    /// Nearest first; same type before related.
    pub items: Vec<DuplicateDto>,
}
