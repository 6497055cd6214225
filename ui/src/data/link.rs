//! The service and the live link: which backend, its settings, the live connection, the service's
//! clock; subscribing to the live stream and applying its events; switching service.

use cityops_api::endpoint::Empty;
use cityops_api::{Timestamp, ep};
use cityops_client::web::Subscription;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Data;
use crate::backend::{self, Backend};
use crate::state::{Change, Connection, ServiceClock, Settings};

/// The service and the live link.
#[derive(Clone, Copy)]
pub struct Link {
    /// Service settings (browser).
    pub settings: RwSignal<Settings>,
    /// Where IO goes.
    pub backend: RwSignal<Backend>,
    /// Live connection state.
    pub connection: RwSignal<Connection>,
    /// The service's clock (None: the wall clock).
    pub clock: RwSignal<Option<ServiceClock>>,
    /// Current time (the service's), refreshed every second.
    pub now: RwSignal<Timestamp>,
    /// Bumped whenever the console starts over on a service (resources keyed on it reload).
    pub epoch: RwSignal<u64>,
    /// Actions the desktop shell keeps for an unreachable service.
    pub outbox_pending: RwSignal<usize>,
    subscription: StoredValue<Option<Subscription>, LocalStorage>,
    /// Which way the live events come.
    via: StoredValue<Via>,
    /// The service refused the web view's own stream: the shell passes the events on instead.
    direct_refused: StoredValue<bool>,
    /// Live events received and not yet applied, with their arrival (`Date.now()`).
    inbox: StoredValue<Vec<(cityops_api::LiveEvent, f64)>, LocalStorage>,
}

/// Which way the live events come to the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The desktop's web view on its embedded service's own stream.
    Direct,
    /// The desktop shell passes the events on (a remote service, or the own stream refused).
    Shell,
    /// A browser's EventSource on the service.
    Service,
    /// No live events (offline).
    None,
}

impl Via {
    /// The name `bench_state` reports.
    pub fn wire_name(self) -> &'static str {
        match self {
            Via::Direct => "direct",
            Via::Shell => "shell",
            Via::Service => "service",
            Via::None => "none",
        }
    }
}

impl Link {
    pub(super) fn new() -> Self {
        let settings = initial_settings();
        Link {
            backend: RwSignal::new(Backend::detect(&settings)),
            settings: RwSignal::new(settings),
            connection: RwSignal::new(Connection::Connecting),
            clock: RwSignal::new(None),
            now: RwSignal::new(backend::now()),
            epoch: RwSignal::new(0),
            outbox_pending: RwSignal::new(0),
            subscription: StoredValue::new_local(None),
            via: StoredValue::new(Via::None),
            direct_refused: StoredValue::new(false),
            inbox: StoredValue::new_local(Vec::new()),
        }
    }

    /// The backend now (untracked).
    pub fn backend(&self) -> Backend {
        self.backend.get_untracked()
    }

    /// Which way the live events come.
    pub fn via(&self) -> Via {
        self.via.get_value()
    }

    /// Advance `now` by the service's clock.
    pub fn tick(&self) {
        let wall = backend::now_ms();
        let now = self.clock.with_untracked(|c| c.map(|c| c.now(wall))).unwrap_or_else(backend::now);
        self.now.set(now);
    }
}

fn initial_settings() -> Settings {
    let mut s = Settings::from_query(&backend::page_query());
    if s.server.is_empty() {
        s.server = backend::load_setting("cityops.server").unwrap_or_default();
    }
    if s.token.is_empty() {
        s.token = backend::load_setting("cityops.token").unwrap_or_default();
    }
    s
}

/// Ask the desktop shell what its outbox holds and what it sent; sent actions become a toast.
pub fn check_outbox(d: Data) {
    let backend = d.link.backend();
    if !backend.in_shell() {
        return;
    }
    spawn_local(async move {
        let Ok(status) = backend.outbox().await else { return };
        d.link.outbox_pending.set(status.pending);
        if !status.sent.is_empty() {
            let lang = d.ui.lang.get_untracked();
            let text = crate::state::outbox_summary(&status.sent, lang == crate::i18n::Lang::Zh, |a| {
                crate::i18n::action(a, lang)
            });
            if status.sent.iter().all(|o| o.accepted) {
                d.ui.done(text)
            } else {
                d.ui.problem(text)
            }
            d.sel.reload();
        }
    });
}

/// Read the service's clock (simulations run faster than real time).
pub fn load_clock(link: Link) {
    let backend = link.backend();
    if !backend.connected() {
        link.clock.set(None);
        return;
    }
    spawn_local(async move {
        let clock = backend
            .get::<ep::Health>(&Empty {}, &Empty {})
            .await
            .ok()
            .map(|h| ServiceClock::from_health(&h, backend::now_ms()));
        link.clock.set(clock);
    });
}

/// (Re)subscribe to the live stream, resuming after the last applied event. In the desktop shell
/// the page follows the embedded service's stream itself when the shell gives it a stream ticket
/// (an event then skips the hop through the shell's main thread), else the shell's events.
pub fn connect_live(d: Data) {
    let backend = d.link.backend();
    if backend.in_shell() && !d.link.direct_refused.get_value() {
        spawn_local(async move {
            let direct = backend.live_source().await.ok().flatten();
            // The console may have switched service while the shell answered.
            if d.link.backend() == backend {
                subscribe_live(d, backend, direct);
            }
        });
    } else {
        subscribe_live(d, backend, None);
    }
}

fn subscribe_live(d: Data, backend: Backend, direct: Option<cityops_api::LiveSource>) {
    let via = match (&backend, &direct) {
        (_, Some(_)) => Via::Direct,
        (Backend::Offline, None) => Via::None,
        (b, None) if b.in_shell() => Via::Shell,
        _ => Via::Service,
    };
    d.link.via.set_value(via);
    let after = d.map.picture.with_untracked(|p| p.last_event_id);
    d.link.subscription.set_value(None);
    // Events received and not applied yet come again after `after` (or belong to the service
    // left behind).
    d.link.inbox.set_value(Vec::new());
    // Trucks start from the service's latest fixes; the stream moves them from there.
    super::map::load_vehicles(d);
    let sub = backend.subscribe(
        after,
        direct,
        move |ev| {
            // Gathered, and applied together just before the next frame is drawn: a burst (a
            // round of sensor readings, a busy minute) is one change to the picture, not one
            // each, and the frame shows it at once. An event into a quiet map (no frame for the
            // length of one) is applied and drawn at once.
            let (first, full) = d
                .link
                .inbox
                .try_update_value(|q| {
                    q.push((ev, backend::now_ms()));
                    (q.len() == 1, q.len() >= INBOX_MAX)
                })
                .unwrap_or((true, false));
            if full || (first && super::map::idle(d)) {
                apply_inbox(d);
            } else if first {
                request_animation_frame(move || apply_inbox(d));
            }
        },
        move |state, gave_up| {
            let was = d.link.connection.get_untracked();
            d.link.connection.set(state);
            if state == Connection::Live && was == Connection::Reconnecting {
                // Back after a drop: the stream replays what was missed; refresh the picture, the
                // service clock and the selection too.
                super::map::load_viewport(d);
                super::map::load_vehicles(d);
                load_clock(d.link);
                d.sel.reload();
                d.enf.reload();
            }
            if gave_up {
                // An EventSource gives up only when the service refuses it (a status, a content
                // type, CORS): on the web view's own stream, fall back to the shell's events.
                if via == Via::Direct {
                    d.link.direct_refused.set_value(true);
                }
                set_timeout(move || connect_live(d), std::time::Duration::from_secs(3));
            }
        },
    );
    match sub {
        Ok(s) => d.link.subscription.set_value(s),
        Err(e) => {
            d.link.connection.set(Connection::Reconnecting);
            d.error(&e);
            set_timeout(move || connect_live(d), std::time::Duration::from_secs(5));
        }
    }
}

/// Events gathered at most before they are applied without waiting for a frame (a hidden page
/// draws no frames).
const INBOX_MAX: usize = 4096;

/// Apply the events gathered since the last frame in one change of the picture, then what they
/// change elsewhere (the selection, the penalty file shown, a recount of the view's clusters), and
/// draw.
fn apply_inbox(d: Data) {
    let events = d.link.inbox.try_update_value(std::mem::take).unwrap_or_default();
    if events.is_empty() {
        return;
    }
    // Replaying: the map shows the past; the live picture kept aside moves on.
    if d.replay.active() {
        for (ev, _) in &events {
            d.replay.keep_live(ev);
        }
        return;
    }
    let mut changes = Vec::with_capacity(events.len());
    let mut recount = false;
    d.map.picture.update(|p| {
        changes.extend(events.iter().map(|(ev, _)| p.apply(ev)));
        recount = p.take_recount();
    });
    for ((_, arrived), change) in events.iter().zip(changes) {
        if let Change::Case(id) = change {
            super::map::note_case_event(d, id, *arrived);
            d.sel.case_changed(id);
        }
        if let Change::File(id) = change {
            d.enf.file_changed(id);
        }
    }
    if recount && !d.map.viewport_fallback.get_untracked() {
        super::map::recount_soon(d);
    }
    // In this frame: the redraw the picture's change asks for would come a frame later.
    super::map::draw_change_now(d);
}

/// Apply new settings (browser): pick the transport, start over.
pub fn apply_settings(d: Data, s: Settings) {
    d.link.backend.set(Backend::detect(&s));
    keep_settings(d.link, s);
    reload_all(d);
}

/// Keep the service settings (and in `localStorage` for the next visit).
pub fn keep_settings(link: Link, s: Settings) {
    backend::save_setting("cityops.server", &s.server);
    backend::save_setting("cityops.token", &s.token);
    link.settings.set(s);
}

/// Start over on another service: the old picture, selection and event position mean nothing
/// there (event ids are per service).
pub fn reload_all(d: Data) {
    d.map.forget_service();
    d.sel.clear();
    d.search.clear();
    d.link.epoch.update(|e| *e += 1);
    load_clock(d.link);
    super::map::load_viewport(d);
    connect_live(d);
}
