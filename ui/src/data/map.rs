//! The map's data: the view, which layers are on, the live picture, the prepared base map and the
//! canvas; loading the base layers, grids, thematic overlays and the viewport; drawing (one frame
//! per animation frame at most).

use std::collections::BTreeSet;

use cityops_api::endpoint::Empty;
use cityops_api::query::{Bbox, BoxQuery};
use cityops_api::{CameraViewDto, LayerKind, MapItemDto, ep};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use super::Data;
use crate::backend::{self, Backend};
use crate::geo::{View, fly};
use crate::geojson::prepare_text;
use crate::render::{BaseLayer, BaseMap, Cone, FrameMode, Scene, Surface};
use crate::state::{CaseFilter, Picture, VIEWPORT_LAYERS, asked_of_viewport, viewport_query};
use crate::style;

/// Thematic layers the console asks the service for as GeoJSON (`/api/v1/layers/{name}`), drawn
/// when switched on: compound and site polygons (sites coloured by their sensor `status`),
/// collection routes, cameras with view cones (`heading_deg`, `fov_deg`, `range_m`).
const OVERLAY_LAYERS: [LayerKind; 4] =
    [LayerKind::Compounds, LayerKind::Routes, LayerKind::Sites, LayerKind::Cameras];

/// The map's data.
#[derive(Clone, Copy)]
pub struct MapData {
    /// Map view.
    pub view: RwSignal<View>,
    /// Layers switched on.
    pub layers: RwSignal<BTreeSet<LayerKind>>,
    /// Live picture.
    pub picture: RwSignal<Picture>,
    /// Cursor position as lon/lat.
    pub cursor: RwSignal<Option<(f64, f64)>>,
    /// Bumped when the base map changes (redraw).
    pub base_tick: RwSignal<u64>,
    /// Thematic layers the service serves as GeoJSON.
    pub static_served: RwSignal<BTreeSet<LayerKind>>,
    /// Whether the service has no viewport route (fallback to case lists).
    pub viewport_fallback: RwSignal<bool>,
    /// Every camera whose cone reaches into a close view (cameras layer on, zoom ≥ 16).
    pub view_cameras: RwSignal<Vec<CameraViewDto>>,
    base: StoredValue<BaseMap, LocalStorage>,
    surface: StoredValue<Option<Surface>, LocalStorage>,
    grids_requested: StoredValue<BTreeSet<String>, LocalStorage>,
    overlays_requested: StoredValue<BTreeSet<LayerKind>, LocalStorage>,
    draw_pending: StoredValue<bool, LocalStorage>,
    refresh_pending: StoredValue<bool, LocalStorage>,
    fitted: StoredValue<bool, LocalStorage>,
    pixels: StoredValue<PixelLog, LocalStorage>,
    /// When the last frame was drawn (`performance.now()`, ms).
    drawn_at: StoredValue<f64, LocalStorage>,
    /// When the last viewport answer was taken (`Date.now()`, ms).
    answered_at: StoredValue<f64, LocalStorage>,
    /// A frame was just drawn for the change being made: the redraw that change asks for is
    /// not needed (cleared by the microtask after the redraw effect's).
    just_drawn: StoredValue<bool, LocalStorage>,
}

/// The event → pixel benchmark's log: when each case event reached the page and when the first
/// frame drawn after it was on the canvas (`Date.now()`, ms). Off unless the benchmark turns it on.
#[derive(Default)]
struct PixelLog {
    on: bool,
    /// Case id and arrival, waiting for a frame.
    waiting: Vec<(i64, f64)>,
    /// Case id, arrival, drawn.
    drawn: Vec<(i64, f64, f64)>,
    /// Frames drawn while on, and their milliseconds.
    frames: Vec<f64>,
    /// Viewport answers asked for while on.
    asks: u32,
}

impl MapData {
    pub(super) fn new() -> Self {
        MapData {
            view: RwSignal::new(View::qingdao(1920.0, 1080.0)),
            layers: RwSignal::new(
                [
                    LayerKind::Cases,
                    LayerKind::Trucks,
                    LayerKind::Sites,
                    LayerKind::Alerts,
                    LayerKind::Facilities,
                    LayerKind::Enforcement,
                ]
                .into_iter()
                .collect(),
            ),
            picture: RwSignal::new(Picture::default()),
            cursor: RwSignal::new(None),
            base_tick: RwSignal::new(0),
            static_served: RwSignal::new(BTreeSet::new()),
            viewport_fallback: RwSignal::new(false),
            view_cameras: RwSignal::new(Vec::new()),
            base: StoredValue::new_local(BaseMap::default()),
            surface: StoredValue::new_local(None),
            grids_requested: StoredValue::new_local(BTreeSet::new()),
            overlays_requested: StoredValue::new_local(BTreeSet::new()),
            draw_pending: StoredValue::new_local(false),
            refresh_pending: StoredValue::new_local(false),
            fitted: StoredValue::new_local(false),
            pixels: StoredValue::new_local(PixelLog::default()),
            drawn_at: StoredValue::new_local(f64::NEG_INFINITY),
            answered_at: StoredValue::new_local(f64::NEG_INFINITY),
            just_drawn: StoredValue::new_local(false),
        }
    }

    /// Fly the map to a point (an eased 0.7 s move).
    pub fn fly_to(&self, lon: f64, lat: f64, zoom: f64) {
        let from = self.view.get_untracked();
        let to = from.looking_at(lon, lat, zoom);
        let start = backend::now_ms();
        let view = self.view;
        fn step(view: RwSignal<View>, from: View, to: View, start: f64) {
            let t = ((backend::now_ms() - start) / 700.0).min(1.0);
            let mut v = fly(&from, &to, t);
            let cur = view.get_untracked();
            v.resize(cur.width, cur.height);
            view.set(v);
            if t < 1.0 {
                request_animation_frame(move || step(view, from, to, start));
            }
        }
        step(view, from, to, start);
    }

    /// Install the canvas surface (the map view, once mounted).
    pub fn set_surface(&self, surface: Surface) {
        self.surface.set_value(Some(surface));
    }

    /// Places in the loaded base map (districts, streets, communities, place names) matching a
    /// search.
    pub fn find_places(&self, query: &str, limit: usize) -> Vec<crate::state::PlaceHit> {
        use crate::state::PlaceKind;
        self.base.with_value(|b| {
            let shapes = [
                (PlaceKind::District, &b.districts),
                (PlaceKind::Street, &b.streets),
                (PlaceKind::Community, &b.communities),
                (PlaceKind::Place, &b.places),
            ]
            .into_iter()
            .flat_map(|(kind, l)| l.shapes.iter().map(move |(s, _)| (kind, s)));
            crate::state::search_places(query, shapes, limit)
        })
    }

    /// `f` on the canvas, once there is one.
    fn with_surface<T>(&self, f: impl FnOnce(&Surface) -> T) -> Option<T> {
        self.surface.with_value(|s| s.as_ref().map(f))
    }

    /// The thematic feature (site, compound, route) under a screen point.
    pub fn overlay_at(&self, x: f64, y: f64) -> Option<(LayerKind, crate::geojson::Shape)> {
        let view = self.view.get_untracked();
        let layers = self.layers.get_untracked();
        self.with_surface(|surface| self.base.with_value(|b| surface.hit_overlay(b, &view, &layers, x, y)))
            .flatten()
    }

    /// How many features of a thematic layer (compounds, routes, sites) have their anchor in the
    /// view, for the layer panel; `None` before the layer is loaded. Reactive in the view and the
    /// loaded layers.
    pub fn overlay_count(&self, layer: LayerKind) -> Option<u32> {
        let v = self.view.get();
        self.base_tick.track();
        self.base.with_value(|b| {
            let overlay = b.overlays.get(&layer)?;
            let inside = |(lon, lat): (f64, f64)| {
                let (x, y) = v.to_screen(lon, lat);
                (0.0..=v.width).contains(&x) && (0.0..=v.height).contains(&y)
            };
            Some(overlay.shapes.iter().filter(|(s, _)| inside(s.anchor_lonlat)).count() as u32)
        })
    }

    /// How many items of a point layer the view shows, for the layer panel and the status bar:
    /// what the viewport answered (points plus cluster members), and the trucks whose fix is in
    /// view (they are drawn from their fixes). Reactive.
    pub fn count(&self, layer: LayerKind) -> u32 {
        if layer == LayerKind::Trucks {
            let b = self.view.get().bounds();
            return self.picture.with(|p| p.vehicles_in((b.west, b.south, b.east, b.north)));
        }
        self.picture.with(|p| p.counts().get(&layer).copied().unwrap_or(0))
    }

    /// Forget what belonged to the previous service (grids and overlays are reloaded).
    pub(super) fn forget_service(&self) {
        self.picture.set(Picture::default());
        self.viewport_fallback.set(false);
        self.grids_requested.set_value(BTreeSet::new());
        self.overlays_requested.set_value(BTreeSet::new());
        self.base.update_value(|b| {
            b.grids.clear();
            b.overlays.clear();
        });
        self.base_tick.update(|t| *t += 1);
        self.static_served.set(BTreeSet::new());
    }
}

/// Schedule one redraw on the next animation frame (coalesced).
pub fn request_draw(d: Data) {
    if d.map.draw_pending.get_value() || d.map.just_drawn.get_value() {
        return;
    }
    d.map.draw_pending.set_value(true);
    request_animation_frame(move || {
        d.map.draw_pending.set_value(false);
        draw_now(d);
    });
}

/// Draw a frame now; false while a new still picture is still being drawn (the next frame is
/// asked for).
pub fn draw_now(d: Data) -> bool {
    let m = d.map;
    let started = backend::perf_ms();
    let Some((w, h)) = m.with_surface(Surface::fit) else { return true };
    let mut view = m.view.get_untracked();
    if !m.fitted.get_value() {
        // The first frame knows the real surface: fit the whole city to it.
        m.fitted.set_value(true);
        view = match crate::state::view_from_query(&backend::page_query()) {
            Some((lon, lat, z)) => View::new(lon, lat, z, w, h),
            None => View::qingdao(w, h),
        };
        m.view.set(view);
    } else if (view.width - w).abs() > 0.5 || (view.height - h).abs() > 0.5 {
        view.resize(w, h);
        m.view.set(view);
    }
    let results: Vec<(f64, f64)> =
        d.search.results.with_untracked(|r| r.iter().map(|c| (c.lon, c.lat)).collect());
    // Sites and compounds named by an alert in the hour before the instant shown (the service
    // clock, or the replay's cursor) show in alarm colour.
    let replaying = d.replay.at.get_untracked();
    let since = replaying.unwrap_or_else(|| d.link.now.get_untracked()) - chrono::Duration::hours(1);
    let alerted = m.picture.with_untracked(|p| crate::state::alerted_ids(&p.alerts, since));
    let cone = |c: &CameraViewDto| Cone {
        lon: c.lon,
        lat: c.lat,
        heading_deg: c.heading_deg,
        fov_deg: c.fov_deg,
        range_m: c.range_m,
    };
    // View cones of the cameras that can see the selected case, and of every camera in a close view.
    let cones: Vec<Cone> = d.sel.cameras().iter().map(cone).collect();
    let view_cones: Vec<Cone> = m.view_cameras.with_untracked(|c| c.iter().map(cone).collect());
    let layers = m.layers.get_untracked();
    let settled = m.picture.with_untracked(|picture| {
        m.with_surface(|surface| {
            m.base.with_value(|b| {
                surface.draw(
                    b,
                    &Scene {
                        view: &view,
                        picture,
                        layers: &layers,
                        selected: d.sel.case.get_untracked(),
                        results: &results,
                        cones: &cones,
                        view_cones: &view_cones,
                        alerted: &alerted,
                        lang: d.ui.lang.get_untracked(),
                        now_ms: backend::now_ms(),
                        base_generation: m.base_tick.get_untracked(),
                    },
                )
            })
        })
    });
    let now = backend::perf_ms();
    m.drawn_at.set_value(now);
    m.pixels.update_value(|log| {
        if log.on {
            log.frames.push(now - started);
        }
    });
    note_frame(d);
    // A new still picture is drawn a slice per frame: ask for the next.
    if settled == Some(false) {
        request_draw(d);
    }
    settled != Some(false)
}

/// Draw a frame now for a change just made to the picture, in place of the redraw the change
/// asks for (whose effect runs in a microtask queued before the one that ends this).
pub fn draw_change_now(d: Data) {
    draw_now(d);
    d.map.just_drawn.set_value(true);
    leptos::task::spawn_local(async move { d.map.just_drawn.set_value(false) });
}

/// Whether no frame was drawn for the length of one (60 Hz): a change can be drawn at once
/// without drawing faster than the screen shows.
pub fn idle(d: Data) -> bool {
    backend::perf_ms() - d.map.drawn_at.get_value() >= 1000.0 / 60.0
}

/// A case event that reached the page at `arrived` is on the picture (the event → pixel
/// benchmark's log, when on).
pub fn note_case_event(d: Data, id: i64, arrived: f64) {
    d.map.pixels.update_value(|log| {
        if log.on {
            log.waiting.push((id, arrived));
        }
    });
}

/// After a frame: the cases waiting are on the canvas now (rasterised first, so the time counts
/// the pixels).
fn note_frame(d: Data) {
    if !d.map.pixels.with_value(|log| log.on && !log.waiting.is_empty()) {
        return;
    }
    d.map.with_surface(Surface::flush);
    let now = backend::now_ms();
    d.map.pixels.update_value(|log| {
        let waiting = std::mem::take(&mut log.waiting);
        log.drawn.extend(waiting.into_iter().map(|(id, at)| (id, at, now)));
    });
}

/// Turn the event → pixel log on or off (emptied either way).
pub fn bench_pixels(d: Data, on: bool) {
    d.map.pixels.set_value(PixelLog { on, ..PixelLog::default() });
}

/// What the event → pixel log holds, taken: `{"drawn": [[case id, arrived ms, drawn ms], …],
/// "frames": [ms, …], "asks": viewport answers asked for}` (JSON text).
pub fn bench_pixels_take(d: Data) -> String {
    let (drawn, frames, asks) = d
        .map
        .pixels
        .try_update_value(|log| {
            (std::mem::take(&mut log.drawn), std::mem::take(&mut log.frames), std::mem::take(&mut log.asks))
        })
        .unwrap_or_default();
    serde_json::json!({ "drawn": drawn, "frames": frames, "asks": asks }).to_string()
}

/// Measure drawing: `n` frames, each panned by a few pixels, each forced to rasterise (a
/// 1-pixel read-back), the still part as `mode` says ([`FrameMode`]): copied from its picture,
/// as while events arrive or the view pans; drawn whole every frame; or a new picture drawn a
/// slice per frame, as after a zoom. Returns the milliseconds of each frame.
pub fn bench_frames(d: Data, n: u32, mode: FrameMode) -> Vec<f64> {
    // The picture as a person would find it: finished drawing (at most two seconds of frames).
    for _ in 0..120 {
        if draw_now(d) {
            break;
        }
    }
    d.map.with_surface(|s| s.mode.set(mode));
    let mut times = Vec::with_capacity(n as usize);
    for i in 0..n {
        let start = backend::perf_ms();
        let mut v = d.map.view.get_untracked();
        v.pan(if i % 2 == 0 { 3.0 } else { -3.0 }, 0.0);
        d.map.view.set(v);
        draw_now(d);
        d.map.with_surface(Surface::flush);
        times.push(backend::perf_ms() - start);
    }
    d.map.with_surface(|s| s.mode.set(FrameMode::Normal));
    times
}

/// The floor under [`bench_frames`] on the same canvas: `n` frames that only fill the canvas with
/// the sea and read one pixel back (what any frame of this size costs before drawing anything).
pub fn bench_floor(d: Data, n: u32) -> Vec<f64> {
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let start = backend::perf_ms();
        d.map.with_surface(|s| {
            s.blank();
            s.flush();
        });
        times.push(backend::perf_ms() - start);
    }
    // The next frame draws the map again.
    request_draw(d);
    times
}

/// Look at `(lon, lat)` at `zoom`, with every layer on (`layers` "all"), none ("none", the base
/// map alone), the layers named (their wire names, comma-separated) or as they are ("");
/// for the frame benchmark.
pub fn bench_view(d: Data, lon: f64, lat: f64, zoom: f64, layers: &str) {
    match layers {
        "all" => d.map.layers.set(LayerKind::ALL.into_iter().collect()),
        "none" => d.map.layers.set(BTreeSet::new()),
        "" => {}
        names => d.map.layers.set(
            LayerKind::ALL
                .into_iter()
                .filter(|k| names.split(',').any(|n| serde_json::to_value(k).is_ok_and(|v| v == n)))
                .collect(),
        ),
    }
    let v = d.map.view.get_untracked();
    d.map.view.set(v.looking_at(lon, lat, zoom));
}

/// What the frame benchmark needs to know before it measures: the canvas in device pixels, the
/// zoom, the layers on, and how much the picture holds (a JSON object).
pub fn bench_state(d: Data) -> String {
    let m = d.map;
    let (width, height, dpr) = m.with_surface(Surface::device_size).unwrap_or((0, 0, 0.0));
    let view = m.view.get_untracked();
    let (items, cases) = m.picture.with_untracked(|p| (p.items.len(), p.cases.len()));
    let overlays: serde_json::Map<String, serde_json::Value> = m
        .base
        .with_value(|b| b.overlays.iter().map(|(k, l)| (format!("{k:?}"), l.shapes.len().into())).collect());
    serde_json::json!({
        "width": width, "height": height, "dpr": dpr, "zoom": view.zoom,
        "layers": m.layers.get_untracked().len(),
        "items": items, "cases": cases,
        "overlays": overlays,
        "view_cameras": m.view_cameras.with_untracked(Vec::len),
        "live_via": d.link.via().wire_name(),
        // Still pictures completed so far (the frame benchmark's frames per picture).
        "pictures_done": m.with_surface(|s| s.pictures_done.get()).unwrap_or(0),
        // The wasm heap (linear memory only grows): what the page's own data holds at most.
        "wasm_bytes": wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|m| m.buffer().dyn_into::<js_sys::ArrayBuffer>().map(|b| b.byte_length()).unwrap_or(0))
            .unwrap_or(0),
    })
    .to_string()
}

/// Load the base layers (service or bundled files) and prepare their paths.
pub fn load_base(d: Data) {
    let backend = d.link.backend();
    spawn_local(async move {
        for name in ["land", "coastline", "districts", "streets", "communities", "places"] {
            let text = match backend.layer_geojson(name, None).await {
                Ok(t) => t,
                // The service may be down: fall back to the files shipped with the UI.
                Err(_) => match Backend::Offline.layer_geojson(name, None).await {
                    Ok(t) => t,
                    Err(e) => {
                        d.error(&e);
                        continue;
                    }
                },
            };
            let shapes = match prepare_text(&text) {
                Ok(s) => s,
                Err(e) => {
                    d.ui.problem(format!("{name}: {e}"));
                    continue;
                }
            };
            if name == "districts" {
                d.reference.set_districts(&shapes);
            }
            let layer = BaseLayer::new(shapes);
            d.map.base.update_value(|b| match name {
                "land" => b.land = layer,
                "coastline" => b.coastline = layer,
                "districts" => b.districts = layer,
                "streets" => b.streets = layer,
                "communities" => b.communities = layer,
                _ => b.places = layer,
            });
            d.map.base_tick.update(|t| *t += 1);
        }
    });
}

/// Load unit grids for the districts in view once the zoom shows them.
pub fn load_grids(d: Data) {
    let view = d.map.view.get_untracked();
    if view.zoom < style::GRIDS_FROM {
        return;
    }
    let backend = d.link.backend();
    let lb = view.local_bounds();
    let wanted: Vec<Option<String>> = if backend.connected() {
        d.map.base.with_value(|b| {
            b.districts
                .shapes
                .iter()
                .filter(|(s, _)| s.visible_in(lb))
                .filter_map(|(s, _)| s.code.clone())
                .map(Some)
                .collect()
        })
    } else {
        vec![None]
    };
    for area in wanted {
        let key = area.clone().unwrap_or_else(|| "all".into());
        let mut fresh = false;
        d.map.grids_requested.update_value(|g| fresh = g.insert(key.clone()));
        if !fresh {
            continue;
        }
        let backend = backend.clone();
        spawn_local(async move {
            let text = match backend.layer_geojson("grids", area.as_deref()).await {
                Ok(t) => t,
                Err(e) => {
                    d.map.grids_requested.update_value(|g| {
                        g.remove(&key);
                    });
                    d.error(&e);
                    return;
                }
            };
            match prepare_text(&text) {
                Ok(shapes) => {
                    web_sys::console::info_1(
                        &format!("cityops: grids {key}: {} shapes", shapes.len()).into(),
                    );
                    let layer = BaseLayer::new(shapes);
                    d.map.base.update_value(|b| {
                        b.grids.insert(key, layer);
                    });
                    d.map.base_tick.update(|t| *t += 1);
                }
                Err(e) => d.ui.problem(format!("grids: {e}")),
            }
        });
    }
}

/// Load the thematic layers that are switched on, once each; a layer the service does not serve
/// stays "not served".
pub fn load_overlays(d: Data) {
    let backend = d.link.backend();
    for layer in OVERLAY_LAYERS {
        if !d.map.layers.with_untracked(|l| l.contains(&layer)) {
            continue;
        }
        let mut fresh = false;
        d.map.overlays_requested.update_value(|r| fresh = r.insert(layer));
        if !fresh {
            continue;
        }
        let backend = backend.clone();
        spawn_local(async move {
            let Ok(text) = backend.layer_geojson(crate::state::layer_name(layer), None).await else { return };
            if let Ok(shapes) = crate::geojson::prepare_text_with_props(&text) {
                d.map.base.update_value(|b| {
                    b.overlays.insert(layer, BaseLayer::new(shapes));
                });
                d.map.static_served.update(|s| {
                    s.insert(layer);
                });
                d.map.base_tick.update(|t| *t += 1);
            }
        });
    }
}

/// How often a clustered view is recounted by the service while nothing else asks (ms): cases the
/// console never saw age inside clusters too.
const RECOUNT_CLUSTERS_MS: f64 = 60_000.0;

/// Once a second (the service's clock, [`super::link::Link::now`]): the live picture judged again
/// ([`Picture::age`]: points and their clusters' counts turn yellow, then red, as deadlines
/// pass, with no event), drawn if that changed it; a clustered view recounted once a minute.
pub fn age_live(d: Data) {
    if d.replay.active() {
        return;
    }
    let now = d.link.now.get_untracked();
    let m = d.map;
    if m.picture.try_update_untracked(|p| p.age(now)).unwrap_or(false) {
        m.picture.notify();
    }
    if m.picture.with_untracked(|p| !p.clustered.is_empty())
        && backend::now_ms() - m.answered_at.get_value() >= RECOUNT_CLUSTERS_MS
        && !m.viewport_fallback.get_untracked()
    {
        recount_soon(d);
    }
}

/// Ask the service to recount the view, at most once a second, when a live change could not be
/// shown exactly ([`Picture::take_recount`]: a feature the console never saw changed inside a
/// cluster, a new point may form a cluster, or many were added): the viewport answer alone, not
/// the cameras or the case list of a full load.
/// Otherwise live changes never ask the service again: points are moved, recoloured, added and
/// removed in place, clusters count their members' changes, and trucks are drawn from their
/// fixes.
pub fn recount_soon(d: Data) {
    super::once_after(d.map.refresh_pending, std::time::Duration::from_millis(1000), move || {
        let backend = d.link.backend();
        if !backend.connected() || d.map.viewport_fallback.get_untracked() || d.replay.active() {
            return;
        }
        let view = d.map.view.get_untracked();
        let layers = viewport_layers(d);
        spawn_local(async move {
            if let Err(e) = ask_viewport(d, &backend, &view, &layers, None).await {
                d.error(&e);
            }
        });
    });
}

/// Take every vehicle's latest fix from the service (the stream moves them from there).
pub fn load_vehicles(d: Data) {
    let backend = d.link.backend();
    if !backend.connected() {
        return;
    }
    spawn_local(async move {
        match backend.get::<ep::Vehicles>(&Empty {}, &Empty {}).await {
            // While replaying, the map shows the past's fixes; the stream moves the live ones.
            Ok(_) if d.replay.active() => {}
            Ok(list) => d.map.picture.update(|p| p.note_vehicles(&list)),
            // A service without the route: the stream alone brings the trucks.
            Err(e) if e.code() == Some(cityops_api::ErrorCode::NotFound) => {}
            Err(e) => d.error(&e),
        }
    });
}

/// The layers on that the viewport route is asked for.
fn viewport_layers(d: Data) -> Vec<LayerKind> {
    d.map.layers.with_untracked(|l| {
        VIEWPORT_LAYERS.iter().copied().filter(|x| l.contains(x) && asked_of_viewport(*x)).collect()
    })
}

/// Ask the viewport route for `layers` in `view` (at a replay's instant) and put the answer on the
/// picture; a service without the route switches the map to its fallback.
async fn ask_viewport(
    d: Data,
    backend: &Backend,
    view: &View,
    layers: &[LayerKind],
    at: Option<cityops_api::Timestamp>,
) -> Result<(), cityops_client::ClientError> {
    let m = d.map;
    m.pixels.update_value(|log| log.asks += u32::from(log.on));
    let overdue_only = d.search.filter.with_untracked(|f| f.overdue);
    let q = cityops_api::query::ViewQuery { at, ..viewport_query(view, layers, overdue_only) };
    match backend.viewport(&q).await {
        Ok(v) => m.picture.update(|p| {
            m.answered_at.set_value(backend::now_ms());
            p.truncated = v.truncated;
            p.statuses = q.statuses.clone().map(|s| s.0);
            p.cluster_reach_deg = crate::state::cluster_reach_deg(view.zoom);
            p.set_viewport(v.items, v.as_of);
        }),
        Err(e) if e.code() == Some(cityops_api::ErrorCode::NotFound) => m.viewport_fallback.set(true),
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Ask what to draw in the current view (at the replay's instant when one is set).
pub fn load_viewport(d: Data) {
    load_viewport_then(d, || {});
}

/// [`load_viewport`], then `done` (also when nothing was asked).
pub fn load_viewport_then(d: Data, done: impl FnOnce() + 'static) {
    let backend = d.link.backend();
    if !backend.connected() {
        done();
        return;
    }
    let at = d.replay.at.get_untracked();
    let m = d.map;
    let view = m.view.get_untracked();
    let layers = viewport_layers(d);
    let fallback = m.viewport_fallback.get_untracked();
    let cones =
        view.zoom >= style::CONES_FROM && m.layers.with_untracked(|l| l.contains(&LayerKind::Cameras));
    spawn_local(async move {
        let bbox = view.bounds();
        // Every camera's view cone in a close view (the viewport's camera points carry none).
        if cones {
            let q = BoxQuery { bbox: Bbox::new(bbox.west, bbox.south, bbox.east, bbox.north), limit: None };
            match backend.get::<ep::CamerasInBox>(&Empty {}, &q).await {
                Ok(list) => m.view_cameras.set(list.items),
                Err(_) => m.view_cameras.set(Vec::new()),
            }
        } else if m.view_cameras.with_untracked(|c| !c.is_empty()) {
            m.view_cameras.set(Vec::new());
        }
        if !fallback && let Err(e) = ask_viewport(d, &backend, &view, &layers, at).await {
            d.error(&e);
            done();
            return;
        }
        // Learn stages of the cases in view (colour by stage); without the viewport route this
        // list is also what the map draws.
        if m.viewport_fallback.get_untracked() || view.zoom >= 13.0 {
            let filter = CaseFilter { bbox: Some(bbox), ..CaseFilter::default() };
            let q = cityops_api::query::CaseQuery { at, ..filter.query(1000) };
            match backend.get::<ep::ListCases>(&Empty {}, &q).await {
                Ok(page) => m.picture.update(|p| {
                    for c in &page.items {
                        p.note_case(c);
                    }
                    if m.viewport_fallback.get_untracked() {
                        let items = page
                            .items
                            .iter()
                            .filter_map(|c| {
                                Some(MapItemDto::Point {
                                    layer: LayerKind::Cases,
                                    id: u64::try_from(c.id).ok()?,
                                    lon: c.lon,
                                    lat: c.lat,
                                    status: cityops_api::StatusClass::of_dto(c)?,
                                })
                            })
                            .collect();
                        let as_of = page.items.iter().map(|c| c.updated_at).max();
                        p.set_viewport(items, as_of.map(|t| (LayerKind::Cases, t)).into_iter().collect());
                    }
                }),
                Err(e) => d.error(&e),
            }
        }
        done();
    });
}
