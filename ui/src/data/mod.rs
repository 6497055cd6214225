//! The console's data: its reactive state by concern, provided as Leptos contexts, and the
//! loaders that fill it through [`crate::backend`] (the only IO) — resources for what the service
//! or a selection determines, actions for what the operator does. No `thread_local!`: state that
//! is not reactive (the canvas, the prepared base map, pending flags) lives in local
//! `StoredValue`s owned by the app.
//!
//! - [`Ui`]: language, dialogs, the toast (problems and confirmations);
//! - [`link::Link`]: the service (backend), its settings, the live connection and clock;
//! - [`map::MapData`]: the view, layers, live picture, base map and the canvas;
//! - [`case::Selection`]: the selected case (detail, actions, location, cameras), feature or
//!   overlay, and the dispatch proposal;
//! - [`search::Search`]: the filter, search results and places;
//! - [`reference::Reference`]: units, catalogue, districts.

pub mod case;
pub mod enforcement;
pub mod link;
pub mod map;
pub mod queue;
pub mod reference;
pub mod replay;
pub mod search;

use cityops_client::ClientError;
use leptos::prelude::*;

use crate::i18n::{Lang, Msg};
use crate::state::Connection;

/// UI chrome: language, which dialogs are open, the last error.
#[derive(Clone, Copy)]
pub struct Ui {
    /// Display language.
    pub lang: RwSignal<Lang>,
    /// Filter panel open.
    pub show_filters: RwSignal<bool>,
    /// Shortcut help open.
    pub show_help: RwSignal<bool>,
    /// Evaluation view open.
    pub show_evaluation: RwSignal<bool>,
    /// The command hall's wall mode (`?wall=1`): the map's own shortcuts are off, the wall's keys
    /// run the rotation.
    pub wall: RwSignal<bool>,
    /// Settings dialog open.
    pub show_settings: RwSignal<bool>,
    /// Last message to show.
    pub toast: RwSignal<Option<Note>>,
}

/// A message of the toast: a problem (an error, a refusal) or a confirmation of something done.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    /// The text, in the current language.
    pub text: String,
    /// Whether it reports a problem (red) or a thing done (neutral).
    pub problem: bool,
}

impl Ui {
    fn new() -> Self {
        let lang =
            crate::backend::load_setting("cityops.lang").and_then(|l| Lang::parse(&l)).unwrap_or_default();
        Ui {
            lang: RwSignal::new(lang),
            show_filters: RwSignal::new(false),
            show_help: RwSignal::new(false),
            show_evaluation: RwSignal::new(false),
            wall: RwSignal::new(false),
            show_settings: RwSignal::new(false),
            toast: RwSignal::new(None),
        }
    }

    /// Show a problem in the toast.
    pub fn problem(&self, text: String) {
        self.toast.set(Some(Note { text, problem: true }));
    }

    /// Confirm something done in the toast.
    pub fn done(&self, text: String) {
        self.toast.set(Some(Note { text, problem: false }));
    }

    /// Translate a message in the current language (tracked).
    pub fn t(&self, m: Msg) -> &'static str {
        m.text(self.lang.get())
    }
}

/// Run `f` once, `delay` from now, unless a run is already waiting on `pending`: a burst of
/// calls makes one run (the map's reload while live events arrive, the wall's figures).
pub fn once_after(
    pending: StoredValue<bool, LocalStorage>,
    delay: std::time::Duration,
    f: impl FnOnce() + 'static,
) {
    if pending.get_value() {
        return;
    }
    pending.set_value(true);
    set_timeout(
        move || {
            pending.set_value(false);
            f();
        },
        delay,
    );
}

/// Every part of the console's data, for code that needs several (one `Copy` bundle).
#[derive(Clone, Copy)]
pub struct Data {
    /// UI chrome.
    pub ui: Ui,
    /// The service and the live link.
    pub link: link::Link,
    /// The map.
    pub map: map::MapData,
    /// The selection.
    pub sel: case::Selection,
    /// Search and filter.
    pub search: search::Search,
    /// Reference data.
    pub reference: reference::Reference,
    /// The work queue.
    pub queue: queue::Queue,
    /// Replay: the map at a past instant.
    pub replay: replay::Replay,
    /// Penalty files (执法办案).
    pub enf: enforcement::Enforcement,
}

impl Data {
    /// Create every part and provide each (and the bundle) as a context.
    pub fn provide() -> Data {
        let ui = Ui::new();
        let link = link::Link::new();
        let map = map::MapData::new();
        let reference = reference::Reference::new(ui, link);
        let sel = case::Selection::new(ui, link);
        let search = search::Search::new(link, map);
        let d = Data {
            ui,
            link,
            map,
            sel,
            search,
            reference,
            queue: queue::Queue::new(),
            replay: replay::Replay::new(),
            enf: enforcement::Enforcement::new(ui, link),
        };
        provide_context(d);
        provide_context(ui);
        provide_context(link);
        provide_context(map);
        provide_context(sel);
        provide_context(search);
        provide_context(reference);
        case::wire(d);
        search::wire(d);
        replay::wire(d);
        enforcement::wire(d);
        d
    }

    /// Show an error (see [`report`]).
    pub fn error(&self, e: &ClientError) {
        report(self.ui, self.link, e);
    }

    /// Fly the map to a point.
    pub fn fly_to(&self, lon: f64, lat: f64, zoom: f64) {
        self.map.fly_to(lon, lat, zoom);
    }
}

/// Show an error in the toast. A service that cannot be reached while the status bar already says
/// "disconnected" is not repeated as toasts (nor does it push a queued action's notice away).
pub fn report(ui: Ui, link: link::Link, e: &ClientError) {
    let unreachable = match e {
        ClientError::Network(_) => true,
        ClientError::Api(api) => api.code == cityops_api::ErrorCode::Unavailable,
        _ => false,
    };
    if unreachable && link.connection.get_untracked() == Connection::Reconnecting {
        return;
    }
    let lang = ui.lang.get_untracked();
    if let ClientError::Api(api) = e
        && api.code == cityops_api::ErrorCode::Queued
    {
        ui.done(Msg::Queued.text(lang).to_owned());
        return;
    }
    // The operator said no in the console's dialog: nothing to alarm about.
    if let ClientError::Api(api) = e
        && api.code == cityops_api::ErrorCode::NotConfirmed
    {
        ui.done(crate::i18n::error_code(api.code, lang).to_owned());
        return;
    }
    let text = match e {
        ClientError::Api(api) => format!("{}: {}", crate::i18n::error_code(api.code, lang), api.message),
        other => format!("{}: {other}", Msg::Error.text(lang)),
    };
    ui.problem(text);
}

/// The data bundle of the app.
pub fn use_data() -> Data {
    expect_context::<Data>()
}
