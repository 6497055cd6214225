//! Errors of the scenario rules.

/// Result alias of the scenario rules.
pub type Result<T, E = ScenarioError> = std::result::Result<T, E>;

/// What went wrong in a scenario rule. Every variant names the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A coordinate is NaN, infinite or outside WGS84's range.
    #[error("coordinate ({lon}, {lat}) is not a valid WGS84 position")]
    InvalidCoordinate {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A measured value, confidence or distance is NaN or infinite.
    #[error("{what} {value} is not a finite number")]
    NonFiniteValue {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: f64,
    },
    /// A static input (route, stop, compound, site, camera) is unusable.
    #[error("{kind} {id} is invalid: {reason}")]
    InvalidInput {
        /// What kind of thing (`route`, `compound`, `site`, `camera`, `sensor`).
        kind: &'static str,
        /// Its id.
        id: String,
        /// Why.
        reason: &'static str,
    },
    /// The same id appears twice among static inputs of one kind.
    #[error("duplicate {kind} id {id}")]
    DuplicateId {
        /// What kind of thing.
        kind: &'static str,
        /// The id.
        id: String,
    },
    /// A sensor is bound to a site that is not among the sites.
    #[error("sensor {sensor} names unknown site {site}")]
    UnknownSite {
        /// Sensor id.
        sensor: String,
        /// Site id it names.
        site: String,
    },
    /// A GPS fix or an end of shift for a truck without a route.
    #[error("truck {0} has no route")]
    UnknownTruck(String),
    /// A reading from a sensor that is not bound to a site.
    #[error("sensor {0} is not bound to a site")]
    UnknownSensor(String),
    /// A fix or reading older than the subject's last one (feeds must be replayed in order).
    #[error("{subject}: update at {at} is older than the last one at {last}")]
    OutOfOrder {
        /// Truck or sensor id.
        subject: String,
        /// Time of the rejected update.
        at: chrono::NaiveDateTime,
        /// Time of the last accepted update.
        last: chrono::NaiveDateTime,
    },
    /// The configuration text is not valid TOML for [`super::ScenarioConfig`].
    #[error("scenario configuration: {0}")]
    ConfigSyntax(String),
    /// A configuration value is out of range.
    #[error("scenario configuration: {key} {reason}")]
    InvalidConfig {
        /// The key, e.g. `dust.threshold_ugm3`.
        key: &'static str,
        /// Why.
        reason: &'static str,
    },
}
