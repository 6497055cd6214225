//! The latest alerts, newest first (while replaying: those raised in the stretch replayed, up to
//! the cursor); a click flies to the place.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;
use crate::state::short_time;

/// The alert list.
#[component]
pub fn AlertList(
    /// How many alerts to show.
    limit: usize,
) -> impl IntoView {
    let d = use_data();
    move || {
        let list: Vec<crate::state::AlertMark> =
            d.map.picture.with(|p| p.alerts.iter().rev().take(limit).cloned().collect());
        if list.is_empty() {
            return ().into_any();
        }
        view! {
            <h3>{move || d.ui.t(if d.replay.at.get().is_some() { Msg::AlertsReplayed } else { Msg::Alerts })} <span class="small">" (" {d.ui.t(Msg::AlertsNote)} ")"</span></h3>
            <ul class="alerts">
                {list
                    .into_iter()
                    .map(|a| {
                        let (lon, lat) = (a.lon, a.lat);
                        view! {
                            <li title=a.rule.clone() on:click=move |_| d.fly_to(lon, lat, 16.0)>
                                <span class="mono small">{short_time(a.at)}</span>
                                " "
                                {a.message.clone()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    }
}
