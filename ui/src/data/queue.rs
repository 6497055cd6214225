//! The work queue (待办) of the console's token: its buckets with counts, a page of the cases
//! awaiting it (most urgent first, as the service orders them), the keyboard cursor and the cases
//! marked for a batch step.

use std::collections::BTreeSet;

use cityops_api::endpoint::Empty;
use cityops_api::query::{IdPath, QueueQuery};
use cityops_api::{Action, ActionRequest, QueueBucket, QueueDto, ep};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Data;
use crate::i18n::{self, Msg};

/// How many cases the panel shows.
pub const QUEUE_PAGE: u32 = 100;

/// The queue's state.
#[derive(Clone, Copy)]
pub struct Queue {
    /// The panel is open.
    pub open: RwSignal<bool>,
    /// Only this bucket (`None`: all).
    pub bucket: RwSignal<Option<QueueBucket>>,
    /// The last page read.
    pub page: RwSignal<Option<QueueDto>>,
    /// Row under the keyboard cursor.
    pub cursor: RwSignal<usize>,
    /// Cases marked for a batch step.
    pub marked: RwSignal<BTreeSet<i64>>,
}

impl Queue {
    /// Closed and empty.
    pub fn new() -> Self {
        Queue {
            open: RwSignal::new(false),
            bucket: RwSignal::new(None),
            page: RwSignal::new(None),
            cursor: RwSignal::new(0),
            marked: RwSignal::new(BTreeSet::new()),
        }
    }

    /// Move the cursor by `by` rows, within the page.
    pub fn step(&self, by: i64) {
        let n = self.page.with_untracked(|p| p.as_ref().map_or(0, |p| p.items.len()));
        if n == 0 {
            return;
        }
        self.cursor.update(|c| *c = (*c as i64 + by).clamp(0, n as i64 - 1) as usize);
    }

    /// The case under the cursor.
    pub fn current(&self) -> Option<(i64, f64, f64)> {
        let at = self.cursor.get_untracked();
        self.page.with_untracked(|p| {
            p.as_ref().and_then(|p| p.items.get(at)).map(|i| (i.case.id, i.case.lon, i.case.lat))
        })
    }

    /// Mark or unmark the case under the cursor.
    pub fn toggle_mark(&self) {
        if let Some((id, ..)) = self.current() {
            self.marked.update(|m| {
                if !m.remove(&id) {
                    m.insert(id);
                }
            });
        }
    }
}

impl Default for Queue {
    fn default() -> Self {
        Self::new()
    }
}

/// The step a batch may take on a case of `bucket`: those that need nothing but the person's
/// word (受理, 立案, 反馈, 核查). 派遣 needs a unit, 结案 a confirmation each.
pub fn batch_action(bucket: QueueBucket) -> Option<Action> {
    let a = bucket.action();
    matches!(a, Action::Accept | Action::Register | Action::Feedback | Action::Verify).then_some(a)
}

/// Read the queue again (the open bucket's first page).
pub fn load(d: Data) {
    let backend = d.link.backend.get_untracked();
    if !backend.connected() || !d.queue.open.get_untracked() {
        return;
    }
    let q = QueueQuery { bucket: d.queue.bucket.get_untracked(), limit: Some(QUEUE_PAGE), offset: None };
    spawn_local(async move {
        match backend.get::<ep::Queue>(&Empty {}, &q).await {
            Ok(page) => {
                let n = page.items.len();
                let present: BTreeSet<i64> = page.items.iter().map(|i| i.case.id).collect();
                d.queue.marked.update(|m| m.retain(|id| present.contains(id)));
                d.queue.cursor.update(|c| *c = (*c).min(n.saturating_sub(1)));
                d.queue.page.set(Some(page));
            }
            Err(e) => d.error(&e),
        }
    });
}

/// Take each marked case (or the one under the cursor) one step on: its bucket's batch step.
/// Reports how many were done and the first refusal with the service's reason.
pub fn act_marked(d: Data) {
    let mut ids: Vec<i64> = d.queue.marked.get_untracked().into_iter().collect();
    if ids.is_empty()
        && let Some((id, ..)) = d.queue.current()
    {
        ids.push(id);
    }
    let steps: Vec<(i64, Action)> = d.queue.page.with_untracked(|p| {
        let Some(p) = p else { return Vec::new() };
        ids.iter()
            .filter_map(|id| p.items.iter().find(|i| i.case.id == *id))
            .filter_map(|i| batch_action(i.bucket).map(|a| (i.case.id, a)))
            .collect()
    });
    let lang = d.ui.lang.get_untracked();
    if steps.is_empty() {
        d.ui.problem(Msg::BatchNone.text(lang).to_owned());
        return;
    }
    let backend = d.link.backend.get_untracked();
    spawn_local(async move {
        let mut done = 0usize;
        let mut refused = None;
        for (id, action) in &steps {
            let req = ActionRequest { action: *action, unit_code: None, deadline: None, note: String::new() };
            match backend.call::<ep::Act>(&IdPath { id: *id }, &Empty {}, &req).await {
                Ok(_) => done += 1,
                Err(e) => {
                    if refused.is_none() {
                        refused = Some(e);
                    }
                }
            }
        }
        d.queue.marked.set(BTreeSet::new());
        match refused {
            Some(e) => d.error(&e),
            None => {
                let what = steps.first().map(|(_, a)| i18n::action(*a, lang)).unwrap_or_default();
                d.ui.done(format!("{} {what} × {done}", Msg::BatchDone.text(lang)));
            }
        }
        d.sel.reload();
        load(d);
    });
}
