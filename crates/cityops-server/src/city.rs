//! Everything the service knows about its city, loaded once from the data compiled into the
//! binary: the pack (organisation, grids, locator, basemap), the type catalogue, the stage limits
//! and the operations layers. Immutable after start.

use cityops_core::catalogue::{Catalogue, CatalogueSources};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::citypack::{CityPack, CityPackSources};
use cityops_core::workflow::StageLimits;

/// Limits of the stages other than 任务处理.
const STAGE_LIMITS: &str = include_str!("../../../assets/calendar/stage_limits.toml");

/// Everything the service knows about its city.
#[derive(Debug)]
pub struct City {
    /// Organisation, grids, locator, basemap.
    pub pack: CityPack,
    /// Types and handling standards.
    pub catalogue: Catalogue,
    /// Stage limits.
    pub limits: StageLimits,
    /// Operations layers: cameras, compounds, routes, facilities, construction sites.
    pub ops: OpsLayers,
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
}

impl City {
    /// Qingdao, from the data compiled into the binary.
    pub fn qingdao() -> Result<Self, CityError> {
        Ok(Self {
            pack: CityPack::from_sources(&CityPackSources::qingdao())?,
            catalogue: Catalogue::from_sources(&CatalogueSources::embedded())?,
            limits: StageLimits::from_toml(STAGE_LIMITS)?,
            ops: OpsLayers::from_sources(&OpsSources::qingdao())?,
        })
    }
}
