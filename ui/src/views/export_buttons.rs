//! Export the filtered cases as GeoJSON or FlatGeobuf (the service's export route: same filters
//! and scope as the list); in the desktop shell the file goes to the download directory.

use cityops_api::query::FeatureFormat;
use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;

/// The export buttons.
#[component]
pub fn ExportButtons() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let busy = move || d.search.export.pending().get();
    let button = move |format: FeatureFormat, label: &'static str| {
        view! {
            <button
                class="export"
                data-format=format.extension()
                title=move || ui.t(Msg::ExportNote)
                prop:disabled=busy
                on:click=move |_| { d.search.export.dispatch(format); }
            >{move || ui.t(Msg::Export)} " " {label}</button>
        }
    };
    view! {
        <div class="row export-row">
            {button(FeatureFormat::Geojson, "GeoJSON")}
            {button(FeatureFormat::Fgb, "FlatGeobuf")}
        </div>
    }
}
