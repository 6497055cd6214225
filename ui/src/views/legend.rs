//! The legend: stage colours, overdue, how to read a cluster donut, amber freshness, and which
//! geometry is synthetic.

use cityops_api::{Stage, StatusClass};
use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::style;

/// The legend.
#[component]
pub fn Legend() -> impl IntoView {
    let ui = use_data().ui;
    move || {
        let lang = ui.lang.get();
        let stages = Stage::ALL
            .iter()
            .map(|s| {
                view! {
                    <div class="legend-row">
                        <span class="dot" style:background=style::stage_colour(*s)></span>
                        {i18n::stage(*s, lang)}
                    </div>
                }
            })
            .collect_view();
        view! {
            <div class="legend">
                <h3>{Msg::StageLegend.text(lang)}</h3>
                {stages}
                <div class="legend-row">
                    <span class="dot" style:background=style::status_colour(StatusClass::DueSoon)></span>
                    {Msg::DueSoon.text(lang)}
                </div>
                <div class="legend-row">
                    <span class="dot" style:background=style::status_colour(StatusClass::Overdue)></span>
                    {Msg::Late.text(lang)}
                </div>
                <div class="legend-row donut-note">
                    <svg width="28" height="28" viewBox="-14 -14 28 28">
                        <circle r="10" fill="none" stroke=style::status_colour(StatusClass::Open) stroke-width="7"></circle>
                        <path d="M0 -10 A10 10 0 0 1 10 0" fill="none" stroke=style::status_colour(StatusClass::Overdue) stroke-width="7"></path>
                        <path d="M0 10 A10 10 0 0 1 -10 0" fill="none" stroke=style::status_colour(StatusClass::Closed) stroke-width="7"></path>
                        <path d="M10 0 A10 10 0 0 1 0 10" fill="none" stroke=style::status_colour(StatusClass::DueSoon) stroke-width="7"></path>
                    </svg>
                    <span>{Msg::ClusterNote.text(lang)}</span>
                </div>
                <div class="legend-row small amber">{Msg::StaleNote.text(lang)}</div>
                <div class="legend-row small">{Msg::SyntheticGeo.text(lang)}</div>
            </div>
        }
    }
}
