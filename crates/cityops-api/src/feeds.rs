//! Feed ingest payloads (`/api/v1/feeds/*`) and dispatch support. Every item carries the source's
//! own id; ingest is idempotent on it.

use serde::{Deserialize, Serialize};

use crate::{DeadlineTierDto, Timestamp, TypeKey, UnitDto};

/// A report from a field inspector (监督员) via the 城管通 app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InspectorReportDto {
    /// The app's report id (idempotency key).
    pub report_id: String,
    /// Inspector id.
    pub inspector_id: String,
    /// Problem type.
    pub type_key: TypeKey,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Photo references.
    #[serde(default)]
    pub media: Vec<String>,
}

/// 12345 hotline demand types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HotlineDemand {
    /// 咨询.
    Consult,
    /// 求助.
    Help,
    /// 投诉/举报.
    Complaint,
    /// 建议.
    Suggestion,
}

/// A 12345 hotline work order (工单) transferred to the platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HotlineOrderDto {
    /// Work order number (idempotency key).
    pub order_no: String,
    /// Demand type.
    pub demand: HotlineDemand,
    /// Problem type as classified by the hotline.
    pub type_key: TypeKey,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Address as told by the caller.
    #[serde(default)]
    pub address: String,
    /// Content of the call.
    #[serde(default)]
    pub description: String,
}

/// A detection by a video-AI camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VideoDetectionDto {
    /// Detection id (idempotency key).
    pub detection_id: String,
    /// Camera id.
    pub camera_id: String,
    /// Detected problem type.
    pub type_key: TypeKey,
    /// Confidence in [0, 1].
    pub confidence: f64,
    /// WGS84 longitude of the detected object.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Snapshot reference.
    #[serde(default)]
    pub snapshot: Option<String>,
}

/// A sensor reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SensorReadingDto {
    /// Reading id (idempotency key).
    pub reading_id: String,
    /// Sensor id.
    pub sensor_id: String,
    /// Quantity: `pm10` (µg/m³) or `noise` (dB(A)).
    pub quantity: String,
    /// Value in the quantity's unit.
    pub value: f64,
    /// When measured.
    pub at: Timestamp,
}

/// A vehicle GPS fix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GpsFixDto {
    /// Fix id (idempotency key).
    pub fix_id: String,
    /// Vehicle id.
    pub vehicle_id: String,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Speed, km/h.
    #[serde(default)]
    pub speed_kmh: f64,
    /// Heading, degrees clockwise from north.
    #[serde(default)]
    pub heading_deg: f64,
    /// Fix time.
    pub at: Timestamp,
}

/// Outcome of one ingested item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IngestStatus {
    /// New: a case or event was written.
    Created,
    /// Seen before: nothing was written.
    Duplicate,
    /// Accepted but below the threshold that makes a case (video AI).
    Ignored,
    /// A repeat of an open detection (same camera, type and place): counted on its case.
    Merged,
}

/// Per-item result of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IngestItemDto {
    /// The source's id of the item.
    pub source_ref: String,
    /// What happened.
    pub status: IngestStatus,
    /// The case it created or matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// The event it created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u64>,
}

/// Result of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IngestResultDto {
    /// Items written.
    pub created: u32,
    /// Items seen before.
    pub duplicates: u32,
    /// Items accepted without effect.
    pub ignored: u32,
    /// Video detections merged into an open case.
    #[serde(default)]
    pub merged: u32,
    /// Per item, in request order.
    pub items: Vec<IngestItemDto>,
}

impl IngestResultDto {
    /// An empty result for a batch of `n` items.
    pub fn for_batch(n: usize) -> Self {
        Self { created: 0, duplicates: 0, ignored: 0, merged: 0, items: Vec::with_capacity(n) }
    }

    /// Append an item's result and count it under its status.
    pub fn push(&mut self, item: IngestItemDto) {
        let count = match item.status {
            IngestStatus::Created => &mut self.created,
            IngestStatus::Duplicate => &mut self.duplicates,
            IngestStatus::Ignored => &mut self.ignored,
            IngestStatus::Merged => &mut self.merged,
        };
        *count += 1;
        self.items.push(item);
    }
}

/// What the service proposes for a 派遣: the responsible unit (grid × category) and the
/// deadline from the handling standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DispatchProposalDto {
    /// Case id.
    pub case_id: i64,
    /// Routing function of the case's type (e.g. `sanitation`).
    pub function: String,
    /// Proposed unit.
    pub unit: UnitDto,
    /// Deadline if dispatched now with the default tier.
    pub deadline: Timestamp,
    /// That deadline is counted over a year without a holiday notice (按法定节假日推算); see
    /// [`crate::CaseDto::deadline_provisional`]. Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deadline_provisional: bool,
    /// All tiers of the handling standard.
    pub tiers: Vec<DeadlineTierDto>,
    /// Other units the operator may pick (same street, district and city units).
    pub alternatives: Vec<UnitDto>,
}

/// A page of cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CasePageDto {
    /// Cases on this page, newest first.
    pub items: Vec<crate::CaseDto>,
    /// Total matching the filter.
    pub total: u64,
    /// Page size.
    pub limit: u32,
    /// Offset.
    pub offset: u32,
}
