//! The status bar: the live connection (a click opens the settings), the last event, the items
//! drawn, the cursor and the zoom.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;
use crate::state::{Connection, long_time};

/// Connection, last event, cursor, zoom.
#[component]
pub fn StatusBar() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let replaying = move || d.replay.at.get().is_some();
    let conn_class = move || match d.link.connection.get() {
        _ if replaying() => "conn replay",
        Connection::Live => "conn live",
        Connection::Connecting => "conn connecting",
        Connection::Reconnecting => "conn down",
        Connection::NoServer => "conn none",
    };
    let last = move || {
        d.map.picture.with(|p| match (p.last_event_id, p.last_event_at) {
            (Some(id), Some(at)) => format!("{} #{id} · {}", ui.t(Msg::LastEvent), long_time(at)),
            _ => String::new(),
        })
    };
    let items = move || {
        // Trucks are drawn from their fixes, not from the viewport's items.
        let trucks_on = d.map.layers.with(|l| l.contains(&cityops_api::LayerKind::Trucks));
        let trucks = if trucks_on { d.map.count(cityops_api::LayerKind::Trucks) } else { 0 };
        let (n, truncated): (u32, bool) =
            d.map.picture.with(|p| (p.counts().values().sum::<u32>() + trucks, p.truncated));
        let cut = if truncated { format!(" · {}", ui.t(Msg::Truncated)) } else { String::new() };
        format!("{n} {}{cut}", ui.t(Msg::Items))
    };
    view! {
        <footer class="statusbar">
            <span class=conn_class id="connection" title=move || ui.t(Msg::Settings) on:click=move |_| ui.show_settings.set(true)>
                <span class="led"></span>
                {move || match d.replay.at.get() {
                    Some(at) => crate::state::replay_label(at, ui.lang.get()),
                    None => d.link.connection.get().label(ui.lang.get()).to_string(),
                }}
            </span>
            <Show when=move || { d.link.outbox_pending.get() > 0 }>
                <span class="outbox" id="outbox" title=move || ui.t(Msg::OutboxNote)>
                    {move || format!("{} {}", ui.t(Msg::OutboxPending), d.link.outbox_pending.get())}
                </span>
            </Show>
            <span class="mono">{last}</span>
            <span class="mono" title=move || ui.t(Msg::ViewportNote)>{items}</span>
            <div class="spacer"></div>
            <span class="mono" id="cursor">
                {move || ui.t(Msg::Cursor)} " "
                {move || d.map.cursor.get().map(|(lon, lat)| crate::geo::format_lonlat(lon, lat)).unwrap_or_else(|| "—".into())}
            </span>
            <span class="mono" title=move || ui.t(Msg::ZoomNote)>
                {move || ui.t(Msg::ZoomL)} " " {move || format!("{:.2}", d.map.view.with(|v| v.zoom))}
            </span>
            <span class="mono">"WGS84"</span>
        </footer>
    }
}
