//! The top bar: title, the synthetic-data badge, search, the filter toggle, the service clock,
//! language, shortcuts and settings.

use leptos::prelude::*;

use super::clock_badge::ClockBadge;
use super::search_box::SearchBox;
use crate::data::use_data;
use crate::i18n::Msg;

/// Title, search, toggles.
#[component]
pub fn TopBar() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    view! {
        <header class="topbar">
            <div class="title">{move || ui.t(Msg::Title)}</div>
            <span class="badge synthetic" title=move || ui.t(Msg::SyntheticGeo)>{move || ui.t(Msg::Synthetic)}</span>
            <SearchBox/>
            <button
                class:active=move || d.search.filter.with(|f| !f.is_empty())
                title=move || ui.t(Msg::FilterActive)
                on:click=move |_| ui.show_filters.update(|s| *s = !*s)
            >
                {move || ui.t(Msg::Filters)}
                " (F)"
            </button>
            <button id="queue-toggle" class:active=move || d.queue.open.get() on:click=move |_| d.queue.open.update(|o| *o = !*o)>
                {move || ui.t(Msg::Queue)}
                " (Q)"
            </button>
            <button id="evaluation-toggle" class:active=move || ui.show_evaluation.get() on:click=move |_| ui.show_evaluation.update(|o| *o = !*o)>
                {move || ui.t(Msg::Evaluation)}
                " (E)"
            </button>
            <div class="spacer"></div>
            <ClockBadge/>
            <button on:click=move |_| ui.lang.update(|l| *l = l.other())>{move || ui.t(Msg::Language)}</button>
            <button on:click=move |_| ui.show_help.update(|s| *s = !*s)>{move || ui.t(Msg::Shortcuts)} " (?)"</button>
            <button on:click=move |_| ui.show_settings.set(true)>{move || ui.t(Msg::Settings)}</button>
        </header>
    }
}
