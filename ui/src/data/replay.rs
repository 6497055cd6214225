//! Replay in the console: the time bar's cursor (`at`), its range and play speed. While a cursor
//! is set the map shows the past and the live stream does not move it; one key (T) or the 实时
//! button brings the live map back, as it was kept meanwhile.
//!
//! A new cursor is reached the cheap way when it can be: a full picture (a keyframe:
//! `viewport?at=`, the case list at it for stage colours, and the events after it from
//! `events/log`) is loaded when replay starts and when the cursor goes back; every move onwards —
//! play, a step forward, the slider dragged onwards — applies the held events to the picture
//! ([`Segment::reach`]) and redraws, asking only for the next stretch of events when the cursor
//! passes the ones held.

use cityops_api::endpoint::Empty;
use cityops_api::query::EventLogQuery;
use cityops_api::{LiveEvent, Timestamp, ep};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Data;
use crate::i18n::Msg;
use crate::state::{Picture, Reach, ReplayRange, Segment, advance, clamp, lookahead, notable};

/// The replay state.
#[derive(Clone, Copy)]
pub struct Replay {
    /// The instant shown (`None`: live).
    pub at: RwSignal<Option<Timestamp>>,
    /// The range of the time bar.
    pub range: RwSignal<ReplayRange>,
    /// Playing at this speed (service seconds per real second).
    pub speed: RwSignal<Option<u32>>,
    /// Full pictures loaded since replay began.
    pub keyframes: RwSignal<u32>,
    /// Cursor moves reached by applying held events, since replay began.
    pub deltas: RwSignal<u32>,
    /// The events held after the last keyframe.
    segment: StoredValue<Option<Segment>>,
    /// The live picture, kept up to date by the stream while the map shows the past.
    stash: StoredValue<Option<Picture>>,
    pending: StoredValue<bool>,
    again: StoredValue<bool>,
}

impl Replay {
    pub(super) fn new() -> Self {
        Replay {
            at: RwSignal::new(None),
            range: RwSignal::new(ReplayRange::Day),
            speed: RwSignal::new(None),
            keyframes: RwSignal::new(0),
            deltas: RwSignal::new(0),
            segment: StoredValue::new(None),
            stash: StoredValue::new(None),
            pending: StoredValue::new(false),
            again: StoredValue::new(false),
        }
    }

    /// Whether the map shows the past.
    pub fn active(&self) -> bool {
        self.at.with_untracked(Option::is_some)
    }

    /// A live event while replaying: it moves the kept live picture.
    pub fn keep_live(&self, ev: &LiveEvent) {
        self.stash.update_value(|s| {
            if let Some(p) = s.as_mut() {
                p.apply(ev);
            }
        });
    }
}

/// Start replay an hour back (or leave it: back to live).
pub fn toggle(d: Data) {
    if d.replay.active() {
        live(d);
    } else {
        let now = d.link.now.get_untracked();
        d.replay.at.set(Some(now - chrono::Duration::hours(1)));
    }
}

/// Move the cursor (kept in its range).
pub fn seek(d: Data, at: Timestamp) {
    let now = d.link.now.get_untracked();
    d.replay.at.set(Some(clamp(at, d.replay.range.get_untracked(), now)));
}

/// Back to the live map.
pub fn live(d: Data) {
    d.replay.speed.set(None);
    d.replay.at.set(None);
}

/// Follow the cursor; play moves it four times a second.
pub fn wire(d: Data) {
    Effect::new(move |_| match d.replay.at.get() {
        Some(at) => follow(d, at),
        None => leave(d),
    });
    set_interval(
        move || {
            let (Some(speed), Some(at)) = (d.replay.speed.get_untracked(), d.replay.at.get_untracked())
            else {
                return;
            };
            match advance(at, speed, 250, d.link.now.get_untracked()) {
                Some(next) => d.replay.at.set(Some(next)),
                None => live(d),
            }
        },
        std::time::Duration::from_millis(250),
    );
}

/// Step to the next case change or alert after the cursor.
pub fn step_next(d: Data) {
    let Some(at) = d.replay.at.get_untracked() else { return };
    if let Some(t) = d.replay.segment.with_value(|s| s.as_ref().and_then(|s| s.next_after(at))) {
        seek(d, t);
        return;
    }
    let now = d.link.now.get_untracked();
    find_event(d, at, now, move |log| match log.items.iter().find(|e| notable(e) && e.at > at) {
        Some(e) => seek(d, e.at),
        None if log.until < now => seek(d, log.until),
        None => no_event(d),
    });
}

/// Step back to the last case change or alert before the cursor (within the hour before).
pub fn step_back(d: Data) {
    let Some(at) = d.replay.at.get_untracked() else { return };
    if let Some(t) = d.replay.segment.with_value(|s| s.as_ref().and_then(|s| s.last_before(at))) {
        seek(d, t);
        return;
    }
    let from =
        clamp(at - chrono::Duration::hours(1), d.replay.range.get_untracked(), d.link.now.get_untracked());
    find_event(d, from, at, move |log| match log.items.iter().rfind(|e| notable(e) && e.at < at) {
        Some(e) => seek(d, e.at),
        None => no_event(d),
    });
}

fn find_event(
    d: Data,
    from: Timestamp,
    to: Timestamp,
    then: impl FnOnce(cityops_api::EventLogDto) + 'static,
) {
    if to <= from {
        no_event(d);
        return;
    }
    let backend = d.link.backend();
    spawn_local(async move {
        let q = EventLogQuery { from, to, limit: Some(20_000) };
        match backend.get::<ep::EventLog>(&Empty {}, &q).await {
            Ok(log) => then(log),
            Err(e) => d.error(&e),
        }
    });
}

/// Show `at`: by the held events if they reach it, else by a keyframe.
fn follow(d: Data, at: Timestamp) {
    let r = d.replay;
    if r.stash.with_value(Option::is_none) {
        // Replay begins: keep the live picture aside.
        r.stash.set_value(Some(d.map.picture.get_untracked()));
        // Nothing of the present stays on the map while the past loads.
        d.map.picture.update(|p| p.replay_from(&[]));
        r.segment.set_value(None);
        r.keyframes.set(0);
        r.deltas.set(0);
    }
    if r.pending.get_value() {
        r.again.set_value(true);
        return;
    }
    let mut reach = Reach::Back;
    r.segment.update_value(|s| {
        if let Some(s) = s.as_mut() {
            d.map.picture.update(|p| reach = s.reach(p, at));
        }
    });
    match reach {
        Reach::Deltas(_) => {
            r.deltas.update(|n| *n += 1);
            super::map::request_draw(d);
        }
        Reach::Beyond => extend(d, at),
        Reach::Back => keyframe(d, at),
    }
}

/// Hold the events after the stretch held, up to past `at`, then move on to it.
fn extend(d: Data, at: Timestamp) {
    let r = d.replay;
    let Some(from) = r.segment.with_value(|s| s.as_ref().map(|s| s.until)) else { return keyframe(d, at) };
    r.pending.set_value(true);
    let backend = d.link.backend();
    spawn_local(async move {
        let to = (at + lookahead(r.speed.get_untracked())).min(d.link.now.get_untracked()).max(at);
        let q = EventLogQuery { from, to, limit: None };
        let taken = match backend.get::<ep::EventLog>(&Empty {}, &q).await {
            Ok(log) => {
                r.segment.try_update_value(|s| s.as_mut().is_some_and(|s| s.extend(log))).unwrap_or(false)
            }
            Err(e) => {
                d.error(&e);
                false
            }
        };
        r.pending.set_value(false);
        r.again.set_value(false);
        match r.at.get_untracked() {
            Some(now_at) if taken => follow(d, now_at),
            // The stretch held changed meanwhile (or could not be read): start again from a keyframe.
            Some(now_at) => keyframe(d, now_at),
            None => {}
        }
    });
}

/// Load the full picture at `at` and the events after it.
fn keyframe(d: Data, at: Timestamp) {
    let r = d.replay;
    r.pending.set_value(true);
    r.segment.set_value(None);
    // Marks of the present would recolour the past: the case list at `at` brings its own.
    d.map.picture.update(|p| p.cases.clear());
    let backend = d.link.backend();
    super::map::load_viewport_then(d, move || {
        spawn_local(async move {
            let to = (at + lookahead(r.speed.get_untracked())).min(d.link.now.get_untracked()).max(at);
            let q = EventLogQuery { from: at, to, limit: None };
            match backend.get::<ep::EventLog>(&Empty {}, &q).await {
                Ok(log) if r.at.get_untracked().is_some() => {
                    d.map.picture.update(|p| {
                        p.replay_from(&log.vehicles);
                        p.age(at);
                    });
                    r.segment.set_value(Some(Segment::new(log)));
                    r.keyframes.update(|n| *n += 1);
                    super::map::request_draw(d);
                }
                Ok(_) => {}
                Err(e) => d.error(&e),
            }
            r.pending.set_value(false);
            if r.again.get_value() {
                r.again.set_value(false);
                if let Some(now_at) = r.at.get_untracked() {
                    follow(d, now_at);
                }
            }
        });
    });
}

/// Back to live: the kept live picture, refreshed from the service.
fn leave(d: Data) {
    let r = d.replay;
    let Some(p) = r.stash.try_update_value(Option::take).flatten() else { return };
    r.segment.set_value(None);
    r.again.set_value(false);
    d.map.picture.set(p);
    super::map::load_viewport(d);
}

fn no_event(d: Data) {
    d.ui.done(Msg::ReplayNoEvent.text(d.ui.lang.get_untracked()).to_owned());
}
