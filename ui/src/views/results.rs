//! What a search or a filter found: places (fly there) and cases (fly there and select).

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::style;

/// The places found.
#[component]
pub fn PlaceResults() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let rows = move || {
        let lang = ui.lang.get();
        d.search
            .places
            .get()
            .into_iter()
            .map(|p| {
                let (lon, lat, zoom) = (p.lon, p.lat, p.kind.zoom());
                view! {
                    <li on:click=move |_| d.fly_to(lon, lat, zoom)>
                        <b>{p.name.clone()}</b>
                        " " <span class="small">{p.kind.label(lang)}</span>
                        <div class="small mono">{p.code.clone().unwrap_or_default()} " " {format!("{lon:.5}, {lat:.5}")}</div>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || d.search.places.with(|p| !p.is_empty())>
            <h3>{move || ui.t(Msg::Places)} " (" {move || d.search.places.with(|r| r.len())} ")"</h3>
            <ul class="results places">{rows}</ul>
        </Show>
    }
}

/// The cases found, with their stage and time left.
#[component]
pub fn CaseResults() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let rows = move || {
        let (lang, now) = (ui.lang.get(), d.link.now.get());
        d.search
            .results
            .get()
            .into_iter()
            .map(|c| {
                let id = c.id;
                let (lon, lat) = (c.lon, c.lat);
                let left = c.deadline.map(|dl| crate::state::time_left(dl, now, lang).0).unwrap_or_default();
                let colour = style::case_colour(c.stage, c.overdue);
                view! {
                    <li on:click=move |_| {
                        d.fly_to(lon, lat, 16.0);
                        d.sel.select(id);
                    }>
                        <span class="dot" style:background=colour></span>
                        <b class="mono">{c.case_no.clone()}</b>
                        " " {i18n::stage(c.stage, lang)}
                        <div class="small">{c.address.clone()}</div>
                        <div class="small" class:late=c.overdue>{left}</div>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <h3>{move || ui.t(Msg::Results)} " (" {move || d.search.results.with(|r| r.len())} ") "
            <span class="small">{move || ui.t(Msg::ResultsNote)}</span></h3>
        <ul class="results">{rows}</ul>
    }
}
