//! Controls over the map: zoom in and out and home, the scale bar, the data attribution.

use leptos::prelude::*;

use super::commands::run_command;
use crate::data::use_data;
use crate::geo::scale_bar;
use crate::i18n::Msg;
use crate::keys::Command;

/// `+`, `−`, home.
#[component]
pub fn ZoomButtons() -> impl IntoView {
    let d = use_data();
    view! {
        <div class="zoom-buttons">
            <button title=move || d.ui.t(Msg::ZoomL) on:click=move |_| run_command(d, Command::ZoomIn)>"+"</button>
            <button on:click=move |_| run_command(d, Command::ZoomOut)>"−"</button>
            <button title=move || d.ui.t(Msg::Reset) on:click=move |_| run_command(d, Command::ResetView)>"⌂"</button>
        </div>
    }
}

/// A scale bar of a round length, at most `width_px` wide.
#[component]
pub fn ScaleBar(
    /// Largest width of the bar, CSS pixels.
    width_px: f64,
) -> impl IntoView {
    let d = use_data();
    let bar = move || scale_bar(d.map.view.with(|v| v.metres_per_px()), width_px);
    view! {
        <div class="scale">
            <div class="scale-bar" style:width=move || format!("{:.0}px", bar().px)></div>
            <span>{move || bar().label}</span>
        </div>
    }
}

/// Sources and licences of what the map shows.
#[component]
pub fn Attribution() -> impl IntoView {
    let ui = use_data().ui;
    view! {
        <div class="attribution">
            "© 天地图 Tianditu · GSHHG 2.3.7 (LGPL) · © OpenStreetMap contributors · GeoNames (CC BY 4.0) · 国家统计局 区划代码 2023 · "
            {move || ui.t(Msg::SyntheticGeo)}
        </div>
    }
}
