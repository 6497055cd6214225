//! The cityops domain core: everything the platform knows about a Chinese city-operations
//! platform (城市运行管理服务平台), with no IO. It is handed bytes, time and configuration; it never
//! opens files or sockets, never reads the environment or the clock, and never spawns threads for
//! IO. It is synchronous. Adapters (`cityops-server`, the desktop shell, the simulator) own the
//! runtime.
//!
//! Capabilities by category:
//! - standards and data: [`catalogue`] (GB/T 47678.5 types, Qingdao's 218 local types and their
//!   立结案标准), [`org`] (centres, departments, grassroots units, streets, communities, unit grids),
//!   [`citypack`] (loading all of it from the `assets/` bytes)
//! - geometry: [`geom`] (local metric projection), [`locate`] (point → grid → … → unit),
//!   [`index`] (live point layers (cell buckets under the cluster quadtree), viewport clusters by status, radius/kNN/duplicates,
//!   geofences and camera view cones)
//! - cases: [`calendar`] (working time, holidays, make-up days), [`workflow`] (the 7-stage closed
//!   loop, exception states, roles, stage log), [`evaluation`] (GB/T 30428.4 rates, composite,
//!   grades)
//! - scenario rules: [`scenario`] (waste-truck route geofencing, construction dust/noise alarms,
//!   video-AI detection merging, which cameras can see a point)
//! - time: [`history`] (the picture at any past instant: frames rebuilt from snapshots and the event
//!   log, by the live map's own rules)
//! - formats: [`formats`] (GeoJSON in and out through geozero, FlatGeobuf out)

pub mod calendar;
pub mod catalogue;
pub mod citypack;
pub mod enforcement;
pub mod evaluation;
pub mod formats;
pub mod geom;
pub mod history;
pub mod index;
pub mod locate;
pub mod org;
pub mod scenario;
pub mod workflow;
