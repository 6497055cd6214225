//! Shared state of the service: the store, the city (pack, catalogue, stage limits), the working
//! calendar, the live hub and the clock. Built once at start and passed to every handler.

use std::sync::Arc;

use cityops_core::catalogue::{Catalogue, CatalogueSources};
use cityops_core::citypack::ops::{OpsLayers, OpsSources};
use cityops_core::citypack::{CityPack, CityPackSources};
use cityops_core::workflow::StageLimits;
use cityops_store::Store;

use crate::calendar::{CalendarHandle, CalendarLoadError};
use crate::clock::Clock;
use crate::live::Live;
use crate::map::{MapError, MapState};
use crate::routes::reference::StaticLayers;
use crate::scenario::{Scenario, ScenarioSetupError};

/// Why the state could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] cityops_store::StoreError),
    /// The live map could not be loaded.
    #[error("map: {0}")]
    Map(#[from] MapError),
    /// The scenario rules could not be set up.
    #[error(transparent)]
    Scenario(#[from] ScenarioSetupError),
    /// The static layers could not be built.
    #[error("static layers: {0}")]
    Layers(String),
    /// The working calendar could not be loaded.
    #[error("working calendar: {0}")]
    Calendar(#[from] CalendarLoadError),
}

/// Limits of the stages other than 任务处理.
const STAGE_LIMITS: &str = include_str!("../../../assets/calendar/stage_limits.toml");

/// Everything the service knows about its city. Immutable after start.
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

/// State handed to every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Persistence.
    pub store: Arc<dyn Store>,
    /// The city.
    pub city: Arc<City>,
    /// Live fan-out.
    pub live: Live,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Static map layers as GeoJSON.
    pub layers: StaticLayers,
    /// The live map (point layers and their clusters).
    pub map: MapState,
    /// Scenario rules on the feeds.
    pub scenario: Arc<Scenario>,
    /// The working calendar in force (bundled notices, notices loaded at run time, the statutory
    /// rule for other years).
    pub calendar: CalendarHandle,
}

impl AppState {
    /// Assemble the state and start the live tailer.
    pub async fn new(
        store: Arc<dyn Store>,
        city: Arc<City>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StateError> {
        let live = Live::start(store.clone()).await?;
        let calendar = CalendarHandle::new(crate::calendar::load(&*store).await?);
        crate::calendar::follow(calendar.clone(), store.clone(), &live);
        let c = city.clone();
        let layers = tokio::task::spawn_blocking(move || StaticLayers::build(&c))
            .await
            .map_err(|e| StateError::Layers(e.to_string()))?
            .map_err(|e| StateError::Layers(e.to_string()))?;
        let map = MapState::start(store.clone(), &live, clock.clone(), &city.ops).await?;
        let c = city.clone();
        let scenario = Arc::new(
            tokio::task::spawn_blocking(move || Scenario::build(&c))
                .await
                .map_err(|e| StateError::Layers(e.to_string()))??,
        );
        let state = Self { store, city, live, clock, layers, map, scenario, calendar };
        crate::routes::feeds::start_route_ticker(state.clone());
        Ok(state)
    }
}
