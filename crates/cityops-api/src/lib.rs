//! The cityops wire contract: every type that crosses a process boundary (HTTP, Server-Sent Events,
//! Tauri IPC) between the platform service, the desktop shell and the wasm UI.
//!
//! Deliberately absent: behaviour. Workflow rules, geometry and persistence live in `cityops-core`
//! and the adapters; the few rules every holder must agree on (a case's status class on the map,
//! overdue, the scaled clock's arithmetic) are here once. This crate depends on serde, chrono and
//! serde_urlencoded only, so it builds for `wasm32-unknown-unknown`.
//!
//! Capabilities by category:
//! - vocabulary of the standards: [`TypeKind`], [`TypeKey`], [`Stage`], [`CaseStatus`], [`Action`],
//!   [`Role`], [`Channel`], [`TimeUnit`]
//! - cases: [`CaseDto`], [`StageLogDto`], [`NewCaseDto`], [`ActionRequest`]
//! - catalogue and organisation: [`CategoryDto`], [`UnitDto`], [`GridDto`], [`LocationDto`]
//! - map layers: [`LayerKind`], [`StatusClass`], [`StatusMix`], [`MapItemDto`]
//! - live events: [`LiveEvent`], [`EventBody`]
//! - feeds and dispatch: [`InspectorReportDto`], [`HotlineOrderDto`], [`VideoDetectionDto`],
//!   [`SensorReadingDto`], [`GpsFixDto`], [`IngestResultDto`], [`DispatchProposalDto`], [`CasePageDto`]
//! - the work queue: [`QueueDto`], [`QueueBucket`], [`Urgency`]
//! - enforcement (执法办案): [`MatterListDto`], [`EnfFileDto`], [`EnfStepRequest`], [`EnfAction`],
//!   [`EnfStage`], [`DocKind`]
//! - evaluation: [`RatesDto`], [`Grade`]; the day's figures: [`SummaryDto`]
//! - working calendar: [`CalendarYearDto`], [`CalendarSource`], [`CalendarImportDto`]
//! - errors: [`ErrorCode`], [`ApiError`]
//! - the service: [`HealthDto`] and [`ServiceClock`], [`AuditDto`] ([`AuditRecord`]), [`NewTokenDto`], [`TokenDto`]
//! - every route as data: [`endpoint`] ([`Endpoint`], [`Info`], the table [`ep`]) and the typed
//!   parameters in [`query`]

// Input reaches these crates from the network: no indexing or string slicing that could panic
// (`get` instead). Internal tables are indexed in the core, which validates at its edge.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

mod calendar;
mod case;
mod catalogue;
pub mod endpoint;
mod enforcement;
mod error;
mod evaluation;
mod events;
mod feeds;
mod layers;
mod org;
pub mod query;
mod queue;
mod service;
mod summary;
mod vocab;

pub use calendar::*;
pub use case::*;
pub use catalogue::*;
pub use endpoint::{Endpoint, Info, ep};
pub use enforcement::*;
pub use error::*;
pub use evaluation::*;
pub use events::*;
pub use feeds::*;
pub use layers::*;
pub use org::*;
pub use queue::*;
pub use service::*;
pub use summary::*;
pub use vocab::*;

/// Timestamps on the wire: ISO 8601 with zone (Open311 requires the zone). The platform runs on
/// China Standard Time (UTC+08:00, no daylight saving).
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;

/// China Standard Time (UTC+08:00), the offset of every timestamp the platform emits.
pub const CST: chrono::FixedOffset = match chrono::FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// The wire name of a vocabulary value: its serde tag, e.g. `Stage::Verify` → `verify`,
/// `Role::ShiftLeader` → `shift_leader` (empty for values that are not plain tags).
pub fn wire_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The vocabulary value with this wire name, if there is one.
pub fn from_wire_name<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

#[cfg(test)]
mod wire_name_tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        assert_eq!(wire_name(&Stage::Verify), "verify");
        assert_eq!(wire_name(&Role::ShiftLeader), "shift_leader");
        assert_eq!(from_wire_name::<Channel>("video_ai"), Some(Channel::VideoAi));
        assert_eq!(from_wire_name::<Channel>("fax"), None);
    }
}
