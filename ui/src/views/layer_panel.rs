//! The layer panel: one row per point layer, the latest alerts, the legend.

use leptos::prelude::*;

use super::alert_list::AlertList;
use super::layer_row::LayerRow;
use super::legend::Legend;
use crate::data::use_data;
use crate::i18n::Msg;
use crate::state::point_layers;

/// Layers, alerts, legend.
#[component]
pub fn LayerPanel() -> impl IntoView {
    let ui = use_data().ui;
    view! {
        <aside class="layers">
            <h2>{move || ui.t(Msg::Layers)}</h2>
            {point_layers().enumerate().map(|(index, layer)| view! { <LayerRow index=index layer=layer/> }).collect_view()}
            <AlertList limit=6/>
            <Legend/>
        </aside>
    }
}
