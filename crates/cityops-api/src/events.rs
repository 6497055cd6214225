//! Live events (Server-Sent Events `/api/v1/events`), each with a strictly increasing id.

use serde::{Deserialize, Serialize};

use std::borrow::Cow;

use crate::{CaseDto, CaseMarkDto, Timestamp};

/// Where a page of the desktop console follows the live stream itself (the shell's command
/// `live_source`): its embedded service and a stream ticket, which opens `GET /api/v1/events` and
/// nothing else. The page's events then come straight from the service, not through the shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSource {
    /// Base URL of the service, e.g. `http://127.0.0.1:40123`.
    pub server: String,
    /// The stream ticket (sent as `?access_token=`, as a browser's EventSource must).
    pub ticket: String,
}

/// One live event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LiveEvent {
    /// Strictly increasing event id (the SSE `id:` field; resume with `Last-Event-ID`).
    pub id: u64,
    /// When it happened.
    pub at: Timestamp,
    /// What happened.
    pub body: EventBody,
}

impl LiveEvent {
    /// The event as the live stream and the event log send it: a case event as the case's mark,
    /// every other event as it is.
    pub fn for_wire(&self) -> Cow<'_, LiveEvent> {
        match &self.body {
            EventBody::Case { case } => Cow::Owned(LiveEvent {
                id: self.id,
                at: self.at,
                body: EventBody::CaseMark { mark: Box::new(case.mark()) },
            }),
            _ => Cow::Borrowed(self),
        }
    }

    /// The case this event changed, as the map draws it (a case event in either form).
    pub fn case_mark(&self) -> Option<Cow<'_, CaseMarkDto>> {
        match &self.body {
            EventBody::Case { case } => Some(Cow::Owned(case.mark())),
            EventBody::CaseMark { mark } => Some(Cow::Borrowed(mark)),
            _ => None,
        }
    }
}

/// What a live event says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventBody {
    /// A case was created or changed stage/status: the service's own log and its in-process
    /// followers (the live map, the scenario rules, the replay frames). The live stream and the
    /// event log send [`EventBody::CaseMark`] in its place ([`LiveEvent::for_wire`]).
    Case {
        /// The case after the change (no stage log, no reporter).
        case: Box<CaseDto>,
    },
    /// A case was created or changed stage/status, as the map draws it (what the live stream and
    /// the event log carry of a case event; the case itself on demand from `cases/{id}`).
    CaseMark {
        /// The case's mark after the change.
        mark: Box<CaseMarkDto>,
    },
    /// A vehicle reported its position.
    Vehicle {
        /// Vehicle id.
        vehicle_id: String,
        /// WGS84 longitude.
        lon: f64,
        /// WGS84 latitude.
        lat: f64,
        /// Speed, km/h.
        speed_kmh: f64,
        /// Heading, degrees clockwise from north.
        heading_deg: f64,
    },
    /// A sensor reading.
    Sensor {
        /// Sensor id.
        sensor_id: String,
        /// Quantity, e.g. `pm10` or `noise`.
        quantity: String,
        /// Value.
        value: f64,
        /// Unit, e.g. `µg/m³` or `dB(A)`.
        unit: String,
    },
    /// The working calendar changed: State Council holiday notices were loaded for these years.
    /// Deadlines computed from now on use them.
    Calendar {
        /// The years whose notice was loaded or replaced.
        years: Vec<i32>,
    },
    /// A video-AI detection the service accepted (what the detection rule decided is in the case
    /// or the merge it led to). Kept so the rule's state is rebuilt after a restart.
    Detection {
        /// The detecting system's id.
        detection_id: String,
        /// Camera.
        camera_id: String,
        /// Detected type.
        type_key: crate::TypeKey,
        /// Confidence, 0..=1.
        confidence: f64,
        /// WGS84 longitude.
        lon: f64,
        /// WGS84 latitude.
        lat: f64,
    },
    /// A penalty file was opened or took a step (what the map draws of it; the file itself on
    /// demand from `enforcement/files/{id}`, for the enforcement roles).
    Enforcement {
        /// The file's mark.
        file: Box<crate::EnfMarkDto>,
    },
    /// An alert raised by a scenario rule.
    Alert {
        /// Alert id.
        alert_id: String,
        /// Rule that raised it.
        rule: String,
        /// Human message (Chinese).
        message: String,
        /// WGS84 longitude.
        lon: f64,
        /// WGS84 latitude.
        lat: f64,
    },
}

/// A stretch of the event log (`GET /api/v1/events/log`): what moves the picture at `from` on to
/// `until`, for a replaying console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventLogDto {
    /// The instant the events apply to (exclusive).
    pub from: Timestamp,
    /// The events are whole up to this instant (inclusive): the query's `to`, or earlier when the
    /// limit cut the stretch (ask again from here for the rest).
    pub until: Timestamp,
    /// Each vehicle's last fix at `from` (what the vehicle events move on).
    pub vehicles: Vec<crate::VehicleDto>,
    /// The events after `from` up to `until`, in id order (the caller's scope only).
    pub items: Vec<LiveEvent>,
}
