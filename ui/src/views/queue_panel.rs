//! The work queue (待办): the buckets of the token's role with their counts (red and yellow), the
//! cases awaiting it most urgent first with the working time left, worked from the keyboard (j/k,
//! Enter, x to mark, a for the batch step) or the pointer.

use cityops_api::{QueueBucket, Urgency};
use leptos::prelude::*;

use crate::data::queue::{self, batch_action};
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::{short_time, working_left};

/// The queue panel.
#[component]
pub fn QueuePanel() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let q = d.queue;
    // Read when opened, when the bucket changes, and every 5 s while open (the service judges
    // red and yellow at its clock).
    Effect::new(move |_| {
        if q.open.get() {
            q.bucket.track();
            d.link.backend.track();
            queue::load(d);
        }
    });
    set_interval(
        move || {
            if q.open.get_untracked() {
                queue::load(d);
            }
        },
        std::time::Duration::from_secs(5),
    );
    let tabs = move || {
        let lang = ui.lang.get();
        let counts = q.page.with(|p| p.as_ref().map(|p| p.counts.clone()).unwrap_or_default());
        let all: u64 = counts.iter().map(|c| c.total).sum();
        let tab = move |b: Option<QueueBucket>, label: String| {
            view! {
                <button class="tab" class:active=move || q.bucket.get() == b
                    data-bucket=b.map(|b| cityops_api::wire_name(&b)).unwrap_or_default()
                    on:click=move |_| { q.cursor.set(0); q.bucket.set(b); }>{label}</button>
            }
        };
        let mut views = vec![tab(None, format!("{} {all}", Msg::QueueAll.text(lang))).into_any()];
        for c in counts {
            let name = if lang == i18n::Lang::Zh {
                c.bucket.zh().to_owned()
            } else {
                i18n::bucket_en(c.bucket).to_owned()
            };
            let label = format!("{name} {}", c.total);
            let (red, yellow) = (c.overdue != 0, c.due_soon != 0);
            views.push(
                view! {
                    <span class="bucket">
                        {tab(Some(c.bucket), label)}
                        <Show when=move || red><span class="badge red" title=move || ui.t(Msg::Late)>{c.overdue}</span></Show>
                        <Show when=move || yellow><span class="badge yellow" title=move || ui.t(Msg::DueSoon)>{c.due_soon}</span></Show>
                    </span>
                }
                .into_any(),
            );
        }
        views
    };
    let rows = move || {
        let lang = ui.lang.get();
        let cursor = q.cursor.get();
        let marked = q.marked.get();
        let Some(page) = q.page.get() else { return Vec::new() };
        if page.items.is_empty() {
            return vec![view! { <li class="empty small">{Msg::QueueEmpty.text(lang)}</li> }.into_any()];
        }
        page.items
            .into_iter()
            .enumerate()
            .map(|(n, item)| {
                let c = item.case;
                let (id, lon, lat) = (c.id, c.lon, c.lat);
                // Overdue by less than a working minute (or outside working hours): say so, not "0 left".
                let left = match (item.urgency, item.remaining_working_minutes) {
                    (Urgency::Overdue, Some(m)) if m >= 0 => Msg::OverdueNow.text(lang).to_owned(),
                    (_, Some(m)) => working_left(m, lang),
                    (_, None) => String::new(),
                };
                let class = match item.urgency {
                    Urgency::Overdue => "red",
                    Urgency::DueSoon => "yellow",
                    Urgency::Normal => "normal",
                };
                let batch = batch_action(item.bucket).map(|a| i18n::action(a, lang)).unwrap_or_default();
                view! {
                    <li class=format!("q-item {class}") class:cursor=n == cursor class:marked=marked.contains(&id)
                        data-case=id data-urgency=class
                        on:click=move |_| {
                            q.cursor.set(n);
                            d.fly_to(lon, lat, 16.0);
                            d.sel.select(id);
                        }>
                        <span class="mark">{if marked.contains(&id) { "☑" } else { "☐" }}</span>
                        <b class="mono">{c.case_no.clone()}</b>
                        " " <span class="small">{i18n::bucket(item.bucket, lang)}</span>
                        <span class="left">{left}</span>
                        <div class="small">{c.address.clone()} " · " {c.type_key.code.clone()} " " {batch}</div>
                    </li>
                }
                .into_any()
            })
            .collect()
    };
    let rule = move || {
        let lang = ui.lang.get();
        q.page.with(|p| {
            p.as_ref().map(|p| {
                let text = Msg::QueueRule
                    .text(lang)
                    .replace("{share}", &format!("{:.0}", p.rule.share * 100.0))
                    .replace("{hours}", &format!("{}", p.rule.floor_working_hours));
                format!("{} {} · {text}", Msg::QueueAsOf.text(lang), short_time(p.as_of))
            })
        })
    };
    view! {
        <Show when=move || q.open.get()>
            <div class="queue" id="queue-panel">
                <h2>{move || ui.t(Msg::Queue)} " " <span class="small">{move || q.page.with(|p| p.as_ref().map(|p| p.total)).unwrap_or_default()}</span></h2>
                <div class="tabs">{tabs}</div>
                <p class="small rule">{rule}</p>
                <ul class="results queue-list">{rows}</ul>
                <p class="small keys">{move || ui.t(Msg::QueueKeys)}</p>
            </div>
        </Show>
    }
}
