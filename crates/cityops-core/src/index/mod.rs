//! The live spatial index of the map: every point layer (cases, trucks, cameras, alerts, …) in a
//! layered cell grid that is updated in place, with multi-level status clusters maintained from
//! the same deltas, viewport answers with level of detail, metric radius and k-nearest queries
//! (duplicate candidates), and polygon geofences (in R-trees) with enter / exit / dwell events.
//!
//! Deliberately absent: IO and clocks. Time is whatever the caller stamps on features and
//! updates (Unix seconds); a feature's [`StatusClass`] (e.g. open → overdue as its deadline passes)
//! is set by the caller, which owns the clock. Unit-grid lookup (point → grid → unit) is
//! [`crate::locate`]'s job; this module answers "what is here" for the map and the fences.
//!
//! Threads: [`PointLayer::bulk_load`] splits its work over two scoped threads
//! (`std::thread::scope`: storing the features while another thread groups them by cell; then
//! each partitions half of the input into stripes of consecutive cells; then each fills the
//! buckets and cells of half of the stripes; then the bucket map beside the cluster levels) and
//! joins them before it returns; callers see a plain synchronous function, and nothing else in
//! the module spawns.
//!
//! Coordinates in and out are WGS84 degrees. Internally points live in the local metric plane of
//! [`crate::geom`]; every distance this module reports is a great-circle distance in metres
//! ([`geo::Haversine`]), and planar candidates are widened by the projection's scale bound
//! so that metric answers are exact, not approximate.
//!
//! - [`PointLayer`]: one layer; bulk load, upsert / move / re-status / remove by id, box, radius
//!   and kNN queries, [`PointLayer::viewport`]. Memory per point: a 32-byte slot in a table
//!   indexed by id, an 8-byte member of its cell's bucket, and a share of the cluster cells
//!   (about 52 bytes in all at 10 M points; see `BENCHMARKS.md`). A bucket is kept sorted by
//!   urgency and id, the order of a raw viewport's answer, so such an answer reads each bucket
//!   only as far as the budget's cut.
//! - [`ClusterGrid`] (inside each layer): per-zoom cell aggregates (status mix, centroid) updated
//!   in O(zoom levels) per change, so clustering never rebuilds. The levels nest like a quadtree
//!   and are the layer's spatial index: kNN walks them best-first.
//! - [`FenceSet`] and [`FenceTracker`]: polygon fences (compounds, sites, facilities) and the
//!   per-object state that turns position updates into [`FenceEvent`]s; camera fields of view are
//!   fences too ([`Fence::view_cone`]), so "which cameras see this point" is one lookup.
//! - [`LiveIndex`]: all layers plus fences, fed by [`cityops_api::LiveEvent`]s.

mod cluster;
mod error;
mod fence;
mod fxhash;
mod live;
mod loader;
mod map;
mod points;
mod slots;
mod viewport;

#[cfg(test)]
mod tests;

pub use cluster::ClusterGrid;
pub use error::{IndexError, Result};
pub use fence::{Fence, FenceEvent, FenceEventKind, FenceSet, FenceTracker, TrackerConfig};
pub use live::{LiveIndex, POINT_LAYERS};
pub use loader::{ALERTS_FOR, CLOSED_FOR, LiveMapLoader};
pub use map::{LiveMap, MAX_VIEW_ITEMS, MapViewError, ViewError, view_query};
pub use points::{Neighbour, PointFeature, PointFilter, PointLayer, RAW_POSITION_M};
pub use viewport::{IndexConfig, LonLatBox, StatusFilter, ViewportAnswer, ViewportQuery};

pub use cityops_api::StatusClass;

// Adapters share the index across threads (behind a lock): keep it `Send + Sync`.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<PointLayer>();
    send_sync::<FenceSet>();
    send_sync::<FenceTracker>();
    send_sync::<LiveIndex>();
};
