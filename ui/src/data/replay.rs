//! Replay in the console: the time bar's cursor (`at`), its range and play speed. While a cursor
//! is set the map shows the service's picture at that instant (`viewport?at=`, and the case list
//! at it for stage colours) and the live stream does not move the map; one key (T) or the 实时
//! button brings the live map back.

use cityops_api::Timestamp;
use leptos::prelude::*;

use super::Data;
use crate::state::{ReplayRange, advance, clamp};

/// The replay state.
#[derive(Clone, Copy)]
pub struct Replay {
    /// The instant shown (`None`: live).
    pub at: RwSignal<Option<Timestamp>>,
    /// The range of the time bar.
    pub range: RwSignal<ReplayRange>,
    /// Playing at this speed (service seconds per real second).
    pub speed: RwSignal<Option<u32>>,
    pending: StoredValue<bool>,
    again: StoredValue<bool>,
}

impl Replay {
    pub(super) fn new() -> Self {
        Replay {
            at: RwSignal::new(None),
            range: RwSignal::new(ReplayRange::Day),
            speed: RwSignal::new(None),
            pending: StoredValue::new(false),
            again: StoredValue::new(false),
        }
    }

    /// Whether the map shows the past.
    pub fn active(&self) -> bool {
        self.at.with_untracked(Option::is_some)
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

/// Follow the cursor: a new instant reloads the picture (one request at a time, the latest
/// instant last); play moves the cursor four times a second.
pub fn wire(d: Data) {
    Effect::new(move |_| {
        let _ = d.replay.at.get();
        reload(d);
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

fn reload(d: Data) {
    let r = d.replay;
    if r.pending.get_value() {
        r.again.set_value(true);
        return;
    }
    r.pending.set_value(true);
    super::map::load_viewport_then(d, move || {
        r.pending.set_value(false);
        if r.again.get_value() {
            r.again.set_value(false);
            reload(d);
        }
    });
}
