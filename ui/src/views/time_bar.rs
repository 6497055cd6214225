//! The time bar under the map (T): a cursor over the last day or week, steps, play at ×60 /
//! ×600 / ×3600, and 实时 to go back to the live map. While it shows the past, the map, its
//! clusters and colours, the trucks and alerts and the layer panel's counts are the picture at the
//! cursor, and a banner says "回放 YYYY-MM-DD hh:mm". 上一事件 / 下一事件 step between case
//! changes and alerts; the frame counter says how many full pictures were loaded and how many
//! moves came from the events alone.

use chrono::Duration;
use leptos::prelude::*;

use crate::data::replay::{live, seek, step_back, step_next};
use crate::data::use_data;
use crate::i18n::Msg;
use crate::state::{ReplayRange, SPEEDS, from_slider, replay_label, slider};

/// The time bar.
#[component]
pub fn TimeBar() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let r = d.replay;
    let shown = move || r.at.get().is_some();
    let value = move || {
        let now = d.link.now.get_untracked();
        r.at.get().map(|at| slider(at, r.range.get(), now)).unwrap_or((0, 1))
    };
    let step = move |minutes: i64| {
        if let Some(at) = r.at.get_untracked() {
            seek(d, at + Duration::minutes(minutes));
        }
    };
    let range_button = move |k: ReplayRange, m: Msg| {
        view! { <button class:active=move || r.range.get() == k on:click=move |_| r.range.set(k)>{move || ui.t(m)}</button> }
    };
    let speed_button = move |s: u32| {
        view! {
            <button class:active=move || r.speed.get() == Some(s) data-speed=s
                on:click=move |_| r.speed.update(|v| *v = if *v == Some(s) { None } else { Some(s) })>
                {format!("▶ ×{s}")}
            </button>
        }
    };
    view! {
        <Show when=shown>
            <div class="replay-banner" id="replay-banner" data-at=move || r.at.get().map(|t| t.to_rfc3339()).unwrap_or_default()>
                {move || r.at.get().map(|at| replay_label(at, ui.lang.get())).unwrap_or_default()}
            </div>
            <div class="time-bar" id="time-bar">
                {range_button(ReplayRange::Day, Msg::ReplayDay)}
                {range_button(ReplayRange::Week, Msg::ReplayWeek)}
                <button title="−1 h" on:click=move |_| step(-60)>"◀◀"</button>
                <button title="−10 min" on:click=move |_| step(-10)>"◀"</button>
                <input type="range" id="replay-slider" min="0" step="1"
                    prop:max=move || value().1 prop:value=move || value().0
                    on:input=move |e| {
                        if let Ok(v) = event_target_value(&e).parse::<i64>() {
                            r.speed.set(None);
                            seek(d, from_slider(v, r.range.get_untracked(), d.link.now.get_untracked()));
                        }
                    }/>
                <button title="+10 min" on:click=move |_| step(10)>"▶"</button>
                <button title="+1 h" on:click=move |_| step(60)>"▶▶"</button>
                <button id="replay-prev-event" title=move || ui.t(Msg::ReplayStepNote)
                    on:click=move |_| { r.speed.set(None); step_back(d) }>
                    {move || ui.t(Msg::ReplayPrevEvent)}
                </button>
                <button id="replay-next-event" title=move || ui.t(Msg::ReplayStepNote)
                    on:click=move |_| { r.speed.set(None); step_next(d) }>
                    {move || ui.t(Msg::ReplayNextEvent)}
                </button>
                {SPEEDS.iter().map(|s| speed_button(*s)).collect_view()}
                <span class="replay-frames" id="replay-frames" title=move || ui.t(Msg::ReplayFramesNote)
                    data-keyframes=move || r.keyframes.get() data-deltas=move || r.deltas.get()>
                    {move || format!("{} {} / {}", ui.t(Msg::ReplayFrames), r.keyframes.get(), r.deltas.get())}
                </span>
                <button class="primary" id="replay-live" title=move || ui.t(Msg::ReplayLiveNote) on:click=move |_| live(d)>
                    {move || ui.t(Msg::ReplayLive)}
                </button>
            </div>
        </Show>
    }
}
