//! The one screen: top bar, layer panel, map, case panel, status bar and the dialogs; it creates
//! the data contexts and runs the timers and effects that keep the picture current.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::action_dialog::ActionDialog;
use super::case_panel::CasePanel;
use super::dispatch_dialog::DispatchDialog;
use super::evaluation_panel::EvaluationPanel;
use super::filter_panel::FilterPanel;
use super::help_overlay::HelpOverlay;
use super::layer_panel::LayerPanel;
use super::map_view::MapView;
use super::queue_panel::QueuePanel;
use super::settings_dialog::SettingsDialog;
use super::status_bar::StatusBar;
use super::toast::Toast;
use super::top_bar::TopBar;
use crate::backend;
use crate::data::link::{connect_live, load_clock};
use crate::data::map::{
    bench_floor, bench_frames, bench_pixels, bench_pixels_take, bench_state, bench_view, load_base,
    load_grids, load_overlays, load_viewport, request_draw,
};
use crate::data::{Data, map};
use crate::render::FrameMode;

/// The frame benchmark's hooks on `window.cityops` (`crates/cityops-tests/benches/frames.rs`
/// drives them in the real window and in Chromium):
/// - `bench_view(lon, lat, zoom, layers)`: look there, with every layer on (`"all"`), none
///   (`"none"`) or as they are;
/// - `bench_state()`: the canvas size, zoom, layers and how much the picture holds (JSON text);
/// - `bench_frames(n, mode)`: milliseconds of each of `n` frames, each panned 3 px and forced to
///   rasterise (a 1-pixel read-back); `mode` `"live"` copies the still picture, `"full"` draws
///   the still part whole every frame, `"zoomed"` measures the frames after a zoom (a new still
///   picture drawn a slice per frame, the last one scaled meanwhile; `bench_state().pictures_done`
///   counts the pictures completed);
/// - `bench_floor(n)`: the same for frames that only fill the canvas (the floor);
/// - `bench_pixels(on)`, `bench_pixels_take()`: the event → pixel benchmark's log
///   (`benches/pixels.rs`): each case event's arrival and the end of the first frame after it.
fn install_bench(d: Data) {
    let Some(window) = web_sys::window() else { return };
    let obj = js_sys::Reflect::get(&window, &"cityops".into())
        .ok()
        .filter(|v| v.is_object())
        .unwrap_or_else(|| js_sys::Object::new().into());
    let times =
        |t: Vec<f64>| -> js_sys::Array { t.into_iter().map(wasm_bindgen::JsValue::from_f64).collect() };
    let set = |name: &str, f: &wasm_bindgen::JsValue| {
        let _ = js_sys::Reflect::set(&obj, &name.into(), f);
    };
    let f = Closure::<dyn Fn(u32, String) -> js_sys::Array>::new(move |n: u32, mode: String| {
        let mode = match mode.as_str() {
            "full" => FrameMode::Full,
            "zoomed" => FrameMode::Zoomed,
            _ => FrameMode::Normal,
        };
        times(bench_frames(d, n, mode))
    });
    set("bench_frames", f.as_ref());
    f.forget();
    let f = Closure::<dyn Fn(u32) -> js_sys::Array>::new(move |n: u32| times(bench_floor(d, n)));
    set("bench_floor", f.as_ref());
    f.forget();
    let f = Closure::<dyn Fn(f64, f64, f64, String)>::new(move |lon, lat, zoom, layers: String| {
        bench_view(d, lon, lat, zoom, &layers);
    });
    set("bench_view", f.as_ref());
    f.forget();
    let f = Closure::<dyn Fn() -> String>::new(move || bench_state(d));
    set("bench_state", f.as_ref());
    f.forget();
    let f = Closure::<dyn Fn(bool)>::new(move |on: bool| bench_pixels(d, on));
    set("bench_pixels", f.as_ref());
    f.forget();
    let f = Closure::<dyn Fn() -> String>::new(move || bench_pixels_take(d));
    set("bench_pixels_take", f.as_ref());
    f.forget();
    let _ = js_sys::Reflect::set(&window, &"cityops".into(), &obj);
}

/// The one screen.
#[component]
pub fn App() -> impl IntoView {
    let d = Data::provide();
    install_bench(d);

    // Redraw whenever anything drawn changes.
    Effect::new(move |_| {
        d.map.view.track();
        d.map.picture.track();
        d.map.layers.track();
        d.sel.case.track();
        d.ui.lang.track();
        d.search.results.track();
        let _ = d.sel.cameras.get();
        d.map.view_cameras.track();
        d.map.base_tick.track();
        request_draw(d);
    });
    // Viewport, grids and overlays follow the view, debounced.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        d.map.view.track();
        d.map.layers.track();
        d.link.backend.track();
        d.search.filter.track();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    load_viewport(d);
                    load_grids(d);
                    load_overlays(d);
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    Effect::new(move |_| {
        let l = d.ui.lang.get();
        backend::save_setting("cityops.lang", l.tag());
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", l.tag());
        }
    });
    // The service clock (freshness, time left), re-read every minute; the alert pulse.
    set_interval(
        move || {
            d.link.tick();
            map::age_live(d);
        },
        std::time::Duration::from_secs(1),
    );
    set_interval(move || load_clock(d.link), std::time::Duration::from_secs(60));
    set_interval(move || crate::data::link::check_outbox(d), std::time::Duration::from_secs(2));
    set_interval(
        move || {
            if d.map.layers.with_untracked(|l| l.contains(&cityops_api::LayerKind::Alerts))
                && d.map.picture.with_untracked(|p| !p.alerts.is_empty())
            {
                map::request_draw(d);
            }
        },
        std::time::Duration::from_millis(100),
    );
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            load_base(d);
            load_clock(d.link);
            connect_live(d);
        }
    });

    let wall = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| crate::state::wall_params(&crate::state::page_params(&q)));
    if let Some(seconds) = wall {
        return view! {
            <super::wall::WallView seconds=seconds/>
            <Toast/>
        }
        .into_any();
    }
    view! {
        <div class="app">
            <TopBar/>
            <div class="main">
                <LayerPanel/>
                <MapView/>
                <CasePanel/>
                <super::file_panel::FilePanel/>
            </div>
            <StatusBar/>
            <FilterPanel/>
            <QueuePanel/>
            <EvaluationPanel/>
            <DispatchDialog/>
            <ActionDialog/>
            <super::file_panel::StepDialog/>
            <super::file_panel::TransferDialog/>
            <SettingsDialog/>
            <HelpOverlay/>
            <Toast/>
        </div>
    }
    .into_any()
}
