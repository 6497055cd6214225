//! Cards over the map for a selected feature that is not a case: a truck, camera, facility or
//! alert point ([`FeatureInfo`]), or a site, compound or route ([`OverlayCard`], with a site's
//! latest sensor readings).

use cityops_api::MapItemDto;
use leptos::prelude::*;

use crate::data::use_data;
use crate::state::describe_item;

/// The card of a selected site, compound or route.
#[component]
pub fn OverlayCard() -> impl IntoView {
    let d = use_data();
    move || {
        d.sel.overlay.get().map(|(layer, props)| {
            let lang = d.ui.lang.get();
            let rows = d.map.picture.with(|p| crate::state::feature_card(layer, &props, &p.sensors, lang));
            view! {
                <div class="feature-info overlay-card">
                    <button class="close" on:click=move |_| d.sel.overlay.set(None)>"×"</button>
                    <table class="kv">
                        {rows.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}
                    </table>
                </div>
            }
        })
    }
}

/// A small card for a selected non-case point (truck, camera, facility, alert).
#[component]
pub fn FeatureInfo() -> impl IntoView {
    let d = use_data();
    move || {
        d.sel.feature.get().and_then(|f| match f {
            MapItemDto::Point { lon, lat, .. } => {
                let text = d.map.picture.with(|p| describe_item(&f, &p.cases, d.ui.lang.get()));
                Some(view! {
                    <div class="feature-info">
                        <div>{text}</div>
                        <div class="mono small">{crate::geo::format_lonlat(lon, lat)}</div>
                    </div>
                })
            }
            MapItemDto::Cluster { .. } => None,
        })
    }
}
