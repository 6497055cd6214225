//! Shared state of the service: the store, the city, the working calendar, the live hub and map,
//! the scenario rules, the static layers and the clock. Built once at start and passed to every
//! handler. Deliberately absent: anything that acts (the application layer, `app`, does).

use std::sync::Arc;

use cityops_store::Store;

use crate::calendar::{CalendarHandle, CalendarLoadError};
pub use crate::city::City;
use crate::clock::Clock;
use crate::history::{History, HistoryConfig};
use crate::layers::StaticLayers;
use crate::live::Live;
use crate::map::{MapError, MapState};
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
    /// The rules' state could not be rebuilt from the store.
    #[error("rebuilding the rules' state: {0}")]
    Restore(String),
    /// The working calendar could not be loaded.
    #[error("working calendar: {0}")]
    Calendar(#[from] CalendarLoadError),
}

/// State handed to every handler: one shared allocation, so that handing it to a request (axum
/// clones the state for every one) is one reference count, not one per part.
#[derive(Debug, Clone)]
pub struct AppState(Arc<StateParts>);

impl std::ops::Deref for AppState {
    type Target = StateParts;
    fn deref(&self) -> &StateParts {
        &self.0
    }
}

/// What the state holds.
#[derive(Debug)]
pub struct StateParts {
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
    /// The picture at past instants (snapshots, replay, retention).
    pub history: History,
    /// Tokens read recently (revocations honoured within [`crate::auth::TOKEN_TTL`]).
    pub tokens: crate::auth::TokenCache,
    /// Stream tickets minted by this process (`Bound::stream_ticket`).
    pub tickets: crate::auth::StreamTickets,
}

impl AppState {
    /// Assemble the state and start the live tailer (the application's background work starts
    /// with `app::start_background`).
    pub async fn new(
        store: Arc<dyn Store>,
        city: Arc<City>,
        clock: Arc<dyn Clock>,
        history: HistoryConfig,
    ) -> Result<Self, StateError> {
        let live = Live::start(store.clone(), crate::live::POLL).await?;
        let calendar = CalendarHandle::new(crate::calendar::load(&*store).await?);
        crate::calendar::follow(calendar.clone(), store.clone(), &live);
        let c = city.clone();
        let layers = tokio::task::spawn_blocking(move || StaticLayers::build(&c))
            .await
            .map_err(|e| StateError::Layers(e.to_string()))?
            .map_err(|e| StateError::Layers(e.to_string()))?;
        let map = MapState::start(store.clone(), &live, clock.clone(), city.clone()).await?;
        let history = History::start(history, store.clone(), &live, clock.clone(), city.clone());
        let c = city.clone();
        let scenario = Arc::new(
            tokio::task::spawn_blocking(move || Scenario::build(&c))
                .await
                .map_err(|e| StateError::Layers(e.to_string()))??,
        );
        Ok(Self(Arc::new(StateParts {
            store,
            city,
            live,
            clock,
            layers,
            map,
            scenario,
            calendar,
            history,
            tokens: Default::default(),
            tickets: Default::default(),
        })))
    }
}
