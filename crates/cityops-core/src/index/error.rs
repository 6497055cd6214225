//! Errors of the spatial index.

use cityops_api::LayerKind;

/// Result alias of the index.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;

/// What went wrong in the spatial index. Every variant names the offending value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A coordinate is NaN or infinite.
    #[error("coordinate ({lon}, {lat}) is not finite")]
    NonFinite {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A coordinate lies outside the index's extent (see [`super::IndexConfig::extent`]).
    #[error("coordinate ({lon}, {lat}) is outside the index extent")]
    OutsideExtent {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
    },
    /// A bounding box is not finite or has min > max.
    #[error("bounding box [{min_lon}, {min_lat}, {max_lon}, {max_lat}] is invalid")]
    InvalidBox {
        /// West edge.
        min_lon: f64,
        /// South edge.
        min_lat: f64,
        /// East edge.
        max_lon: f64,
        /// North edge.
        max_lat: f64,
    },
    /// A distance or radius is negative or not finite.
    #[error("distance {0} m is not a finite non-negative number")]
    InvalidDistance(f64),
    /// The same id appears twice in a bulk load or fence list.
    #[error("duplicate id {id}")]
    DuplicateId {
        /// The id.
        id: u64,
    },
    /// No feature with this id in the layer.
    #[error("no feature with id {id}")]
    UnknownId {
        /// The id.
        id: u64,
    },
    /// A case id that cannot be a feature id (negative).
    #[error("case id {0} is negative")]
    NegativeCaseId(i64),
    /// The layer is not a point layer of the live index (e.g. [`LayerKind::Grids`]).
    #[error("layer {0:?} is not a point layer")]
    NotAPointLayer(LayerKind),
    /// A fence polygon is empty or has non-finite coordinates.
    #[error("fence {layer:?}/{id} is invalid: {reason}")]
    InvalidFence {
        /// Fence layer.
        layer: LayerKind,
        /// Fence id.
        id: u64,
        /// Why.
        reason: &'static str,
    },
    /// A position update is older than the object's last one (feeds must be replayed in order).
    #[error("update of object {object} at {at} is older than its last update at {last}")]
    OutOfOrder {
        /// Tracked object.
        object: u64,
        /// Time of the rejected update (Unix seconds).
        at: i64,
        /// Time of the last accepted update.
        last: i64,
    },
    /// The index configuration is inconsistent.
    #[error("invalid index configuration: {0}")]
    InvalidConfig(&'static str),
}
