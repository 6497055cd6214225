//! One layer of the panel: its toggle (the shortcut is its number), colour, name, the count drawn
//! in the view, and how fresh its data is.

use cityops_api::LayerKind;
use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::{Freshness, VIEWPORT_LAYERS, freshness, quiet_after_s, short_time};
use crate::style;

/// A layer row.
#[component]
pub fn LayerRow(
    /// Position in the panel (0-based; the shortcut is `index + 1`).
    index: usize,
    /// The layer.
    layer: LayerKind,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let as_of = move || d.map.picture.with(|p| p.as_of.get(&layer).copied());
    let fresh = move || freshness(layer, as_of(), d.link.now.get());
    let static_layer = move || d.map.static_served.with(|s| s.contains(&layer));
    let time = move || {
        let lang = ui.lang.get();
        let mut time = match as_of() {
            Some(t) => format!("{} {}", Msg::DataAsOf.text(lang), short_time(t)),
            None if static_layer() => Msg::StaticLayer.text(lang).to_owned(),
            None if VIEWPORT_LAYERS.contains(&layer) => Msg::NoData.text(lang).to_owned(),
            None => Msg::NotServed.text(lang).to_owned(),
        };
        if fresh() == Freshness::Quiet {
            time.push_str(&format!(" · {}", Msg::FeedQuiet.text(lang)));
        }
        time
    };
    let title = move || format!("{} (≤ {} min)", ui.t(Msg::StaleNote), quiet_after_s(layer) / 60);
    // Point layers count what the viewport answered; thematic layers (sites, compounds, routes)
    // count their features in view, drawn as outlines or, at city zoom, as markers.
    let count = move || {
        if VIEWPORT_LAYERS.contains(&layer) {
            d.map.count(layer)
        } else {
            d.map.overlay_count(layer).unwrap_or(0)
        }
    };
    view! {
        <label class="layer-row" class:quiet=move || fresh() == Freshness::Quiet title=title>
            <input
                type="checkbox"
                data-layer=crate::state::layer_name(layer)
                prop:checked=move || d.map.layers.with(|l| l.contains(&layer))
                on:change=move |_| d.map.layers.update(|s| {
                    if !s.remove(&layer) {
                        s.insert(layer);
                    }
                })
            />
            <span class="swatch" style:background=style::layer_colour(layer)></span>
            <span class="layer-name">{index + 1} " " {move || i18n::layer(layer, ui.lang.get())}</span>
            <span class="count mono" title=move || ui.t(Msg::ViewportNote)>{count}</span>
            <div class="asof">{time}</div>
        </label>
    }
}
