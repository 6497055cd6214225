//! Everything the service knows about its city, loaded once from the data compiled into the
//! binary: the pack (organisation, grids, locator, basemap), the type catalogue, the stage limits,
//! the enforcement matter list and the operations layers. Immutable after start.

use std::collections::HashMap;
use std::sync::Arc;

use cityops_api::EventBody;
use cityops_core::catalogue::{Catalogue, CatalogueSources};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::citypack::{CityPack, CityPackSources};
use cityops_core::index::LiveMap;
use cityops_core::workflow::StageLimits;

/// Limits of the stages other than 任务处理.
const STAGE_LIMITS: &str = include_str!("../../../assets/calendar/stage_limits.toml");

/// Everything the service knows about its city.
#[derive(Debug)]
pub struct City {
    /// Organisation, grids, locator, basemap (shared with an embedded simulator).
    pub pack: Arc<CityPack>,
    /// Types and handling standards (shared with an embedded simulator).
    pub catalogue: Arc<Catalogue>,
    /// Stage limits.
    pub limits: StageLimits,
    /// Operations layers: cameras, compounds, routes, facilities, construction sites (shared with
    /// an embedded simulator).
    pub ops: Arc<OpsLayers>,
    /// The enforcement matter list (执法事项) with its discretion tables.
    pub matters: cityops_core::enforcement::MatterList,
    /// The map's static point layers (cameras, waste facilities), loaded once: the live map and
    /// every replayed picture start from a clone of it, which shares these layers rather than
    /// copying them.
    pub statics: LiveMap,
    /// Each truck's and each site sensor's district.
    homes: HashMap<String, String>,
}

/// Why the city could not be loaded (a build defect: the data is compiled in).
#[derive(Debug, thiserror::Error)]
pub enum CityError {
    /// The city pack is invalid.
    #[error("city pack: {0}")]
    Pack(#[from] cityops_core::citypack::CityPackError),
    /// The catalogue is invalid.
    #[error("catalogue: {0}")]
    Catalogue(#[from] cityops_core::catalogue::CatalogueError),
    /// The stage limits are invalid.
    #[error("stage limits: {0}")]
    Limits(#[from] cityops_core::workflow::WorkflowError),
    /// The enforcement matter list is invalid.
    #[error("enforcement matters: {0}")]
    Matters(#[from] cityops_core::enforcement::EnforcementError),
    /// The static layers do not fit the map's index.
    #[error("map: {0}")]
    Map(#[from] cityops_core::index::IndexError),
}

impl City {
    /// Qingdao, from the data compiled into the binary.
    pub fn qingdao() -> Result<Self, CityError> {
        let ops = OpsLayers::from_sources(&OpsSources::qingdao())?;
        let mut statics = LiveMap::new()?;
        statics.load_ops(&ops)?;
        Ok(Self {
            pack: Arc::new(CityPack::from_sources(&CityPackSources::qingdao())?),
            catalogue: Arc::new(Catalogue::from_sources(&CatalogueSources::embedded())?),
            limits: StageLimits::from_toml(STAGE_LIMITS)?,
            matters: cityops_core::enforcement::MatterList::embedded()?,
            statics,
            homes: homes(&ops),
            ops: Arc::new(ops),
        })
    }

    /// The district at a point (None off the city's land).
    pub fn district_at(&self, lon: f64, lat: f64) -> Option<String> {
        self.pack.locate(lon, lat).ok().map(|p| p.district.code.clone())
    }

    /// The district of a site sensor (its site's; empty for an unknown sensor).
    pub fn district_of_sensor(&self, sensor_id: &str) -> &str {
        self.homes.get(sensor_id).map_or("", String::as_str)
    }

    /// The district a truck belongs to: its route's (wherever it drives).
    pub fn truck_district(&self, truck_id: &str) -> Option<&str> {
        self.homes.get(truck_id).map(String::as_str)
    }

    /// Which district a live event belongs to — what a district token's stream and map hold:
    /// a case's or penalty file's district; a truck's route's district; a site sensor's site's; where an alert
    /// stands. `Some("")` for a thing of no district (an unknown truck, an alert off the land);
    /// None for the whole city's (a calendar change).
    pub fn district_of(&self, body: &EventBody) -> Option<String> {
        Some(match body {
            EventBody::Case { case } => case.district_code.clone(),
            EventBody::CaseMark { mark } => mark.district_code.clone(),
            EventBody::Enforcement { file } => file.district_code.clone(),
            EventBody::Vehicle { vehicle_id, .. } => {
                self.truck_district(vehicle_id).unwrap_or_default().to_owned()
            }
            EventBody::Sensor { sensor_id, .. } => self.district_of_sensor(sensor_id).to_owned(),
            EventBody::Alert { lon, lat, .. } | EventBody::Detection { lon, lat, .. } => {
                self.district_at(*lon, *lat).unwrap_or_default()
            }
            EventBody::Calendar { .. } => return None,
        })
    }
}

/// The home district of every truck (its route's) and site sensor (its site's).
fn homes(ops: &OpsLayers) -> HashMap<String, String> {
    let trucks = ops.routes.iter().map(|r| (r.route.truck_id.clone(), r.district_code.clone()));
    let sensors = ops.sites.iter().flat_map(|s| {
        [s.dust_sensor_id.clone(), s.noise_sensor_id.clone()].map(|id| (id, s.site.district_code.clone()))
    });
    trucks.chain(sensors).collect()
}
