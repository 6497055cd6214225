//! The service itself on the wire: health and clock, the audit log, tokens, and the service's
//! clock as a client reckons it.

use serde::{Deserialize, Serialize};

use crate::{Role, Timestamp};

/// `GET /api/health`: whether the service answers, on which store, its clock and last event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HealthDto {
    /// `ok`.
    pub status: String,
    /// Backend: `sqlite` or `postgres`.
    pub store: String,
    /// Id of the last event committed.
    pub last_event_id: u64,
    /// The service's current time (China Standard Time; scaled when simulating).
    pub now: Timestamp,
    /// Service seconds per wall-clock second (1 = real time).
    pub time_scale: f64,
}

/// The service's clock as a client reckons it from one reading: simulations run faster than the
/// wall clock, so deadlines, "time left" and freshness are measured against this, not the wall
/// clock. The one formula every holder of a scaled clock uses (the service's own scaled clock,
/// the desktop shell, the simulator, the console).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceClock {
    /// Service time at the reading.
    pub at: Timestamp,
    /// Wall-clock milliseconds (any fixed origin) at the reading.
    pub wall_ms: f64,
    /// Service seconds per wall second.
    pub scale: f64,
}

impl ServiceClock {
    /// A clock reading `at` when the wall clock reads `wall_ms`, running `scale` times faster (a
    /// non-finite or non-positive scale counts as real time).
    pub fn new(at: Timestamp, wall_ms: f64, scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 { scale } else { 1.0 };
        ServiceClock { at, wall_ms, scale }
    }

    /// The clock of a health answer read at `wall_ms`.
    pub fn from_health(h: &HealthDto, wall_ms: f64) -> Self {
        Self::new(h.now, wall_ms, h.time_scale)
    }

    /// Service time when the wall clock reads `wall_ms` (millisecond precision).
    pub fn now(&self, wall_ms: f64) -> Timestamp {
        let ms = ((wall_ms - self.wall_ms) * self.scale).round() as i64;
        self.at + chrono::Duration::milliseconds(ms)
    }

    /// Whether the service runs faster or slower than real time.
    pub fn simulated(&self) -> bool {
        (self.scale - 1.0).abs() > 1e-9
    }
}

/// What an audit entry records: who did what, when, on what, from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditRecord {
    /// When.
    pub at: Timestamp,
    /// Who (token label, or `cli`).
    pub actor: String,
    /// In which role.
    pub role: Role,
    /// What, e.g. `case.dispatch`.
    pub action: String,
    /// On what, e.g. `case:42`.
    pub target: String,
    /// Details (JSON or text).
    pub detail: String,
    /// From where (remote address).
    pub remote: String,
}

/// One audit entry as stored: its id and its record (one flat JSON object).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditDto {
    /// Entry id.
    pub id: i64,
    /// The record.
    #[serde(flatten)]
    pub record: AuditRecord,
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTokenDto {
    /// Role the token grants.
    pub role: Role,
    /// Label (a department token's label is its unit code).
    pub label: String,
    /// District scope (6-digit code); the whole city when absent.
    #[serde(default)]
    pub district: Option<String>,
}

/// Answer of `POST /api/v1/tokens`: the token, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TokenDto {
    /// The bearer token.
    pub token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_clock_runs_scale_times_the_wall_clock() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-31T23:59:00+08:00").unwrap();
        let c = ServiceClock::new(at, 1_000.0, 60.0);
        assert!(c.simulated());
        // Two wall seconds at 60× are two service minutes: across midnight into 2027.
        assert_eq!(c.now(3_000.0).to_rfc3339(), "2027-01-01T00:01:00+08:00");
        assert_eq!(ServiceClock::new(at, 0.0, f64::NAN).scale, 1.0);
    }
}
