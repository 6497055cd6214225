//! Leptos components of the console and the glue between signals, the backend and the canvas.
//!
//! - [`App`]: the one screen: top bar, layer panel, map, detail panel, status bar, dialogs.
//! - `map`: the canvas surface, pointer/wheel/keyboard handling, scale bar, cursor coordinates.
//! - `panels`: top bar, layers and legend, filters and search results, status bar, settings, help.
//! - `case`: the case detail panel and the dispatch dialog.

mod case;
mod map;
mod panels;

use std::cell::RefCell;
use std::collections::BTreeSet;

use cityops_api::{Action, CaseDto, CategoryDto, LayerKind, MapItemDto, Timestamp, UnitDto};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend::{self, Backend, BackendError, Subscription};
use crate::geo::{View, fly};
use crate::geojson::prepare_text;
use crate::i18n::{Lang, Msg};
use crate::render::{BaseLayer, BaseMap, Scene, Surface};
use crate::state::{CaseFilter, Change, Connection, Picture, Settings, VIEWPORT_LAYERS, viewport_query};
use crate::style;

thread_local! {
    static BASE: RefCell<BaseMap> = RefCell::new(BaseMap::default());
    static SURFACE: RefCell<Option<Surface>> = const { RefCell::new(None) };
    static SUBSCRIPTION: RefCell<Option<Subscription>> = const { RefCell::new(None) };
    static DRAW_PENDING: RefCell<bool> = const { RefCell::new(false) };
    static GRIDS_REQUESTED: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    static REFRESH_PENDING: RefCell<bool> = const { RefCell::new(false) };
    static FITTED: RefCell<bool> = const { RefCell::new(false) };
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
    static OVERLAYS_REQUESTED: RefCell<BTreeSet<LayerKind>> = const { RefCell::new(BTreeSet::new()) };
}

/// Places in the loaded base map (districts, streets, communities, place names) matching a search.
pub fn find_places(query: &str, limit: usize) -> Vec<crate::state::PlaceHit> {
    use crate::state::PlaceKind;
    BASE.with(|b| {
        let b = b.borrow();
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

/// Thematic layers the console asks the service for as GeoJSON (`/api/v1/layers/{name}`), drawn
/// when switched on: compound and site polygons (sites coloured by their sensor `status`),
/// collection routes, cameras with view cones (`heading_deg`, `fov_deg`, `range_m`).
const OVERLAY_LAYERS: [LayerKind; 4] =
    [LayerKind::Compounds, LayerKind::Routes, LayerKind::Sites, LayerKind::Cameras];

/// Load the thematic layers that are switched on, once each; a layer the service does not serve
/// stays "not served".
fn load_overlays(ctx: Ctx) {
    // Offline, a layer file shipped in `dist/data/` is used if there is one.
    let backend = ctx.backend.get_untracked();
    for layer in OVERLAY_LAYERS {
        if !ctx.layers.with_untracked(|l| l.contains(&layer)) {
            continue;
        }
        if !OVERLAYS_REQUESTED.with(|r| r.borrow_mut().insert(layer)) {
            continue;
        }
        let backend = backend.clone();
        spawn_local(async move {
            let Ok(text) = backend.layer_geojson(crate::state::layer_name(layer), None).await else { return };
            if let Ok(shapes) = crate::geojson::prepare_text_with_props(&text) {
                BASE.with(|b| b.borrow_mut().overlays.insert(layer, BaseLayer::new(shapes)));
                ctx.static_served.update(|s| {
                    s.insert(layer);
                });
                ctx.base_tick.update(|t| *t += 1);
            }
        });
    }
}

/// Measure drawing: `n` frames, each panned by a few pixels, each forced to rasterise (a 1-pixel
/// read-back). Returns the mean milliseconds per frame. Exposed to the page as
/// `window.cityops.bench_frames(n)` for performance checks on big screens.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn bench_frames(n: u32) -> f64 {
    let Some(ctx) = CTX.with(|c| *c.borrow()) else { return f64::NAN };
    let start = backend::now_ms();
    for i in 0..n {
        let mut v = ctx.view.get_untracked();
        v.pan(if i % 2 == 0 { 3.0 } else { -3.0 }, 0.0);
        ctx.view.set(v);
        draw_now(ctx);
        SURFACE.with(|s| {
            if let Some(s) = s.borrow().as_ref() {
                s.flush();
            }
        });
    }
    (backend::now_ms() - start) / f64::from(n.max(1))
}

/// Reload the viewport at most once a second while live events arrive (moving trucks, new
/// alerts, cluster counts); case points are recoloured in place at once.
fn refresh_soon(ctx: Ctx) {
    let already = REFRESH_PENDING.with(|p| std::mem::replace(&mut *p.borrow_mut(), true));
    if already {
        return;
    }
    set_timeout(
        move || {
            REFRESH_PENDING.with(|p| *p.borrow_mut() = false);
            load_viewport(ctx);
        },
        std::time::Duration::from_millis(1000),
    );
}

/// A district for the filter panel: adcode, Chinese and English names, bbox as lon/lat.
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    /// GB/T 2260 code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

/// Signals shared by every component.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Display language.
    pub lang: RwSignal<Lang>,
    /// Service settings.
    pub settings: RwSignal<Settings>,
    /// Transport.
    pub backend: RwSignal<Backend>,
    /// Map view.
    pub view: RwSignal<View>,
    /// Live picture.
    pub picture: RwSignal<Picture>,
    /// Layers switched on.
    pub layers: RwSignal<BTreeSet<LayerKind>>,
    /// Live connection.
    pub connection: RwSignal<Connection>,
    /// Selected case.
    pub selected: RwSignal<Option<i64>>,
    /// Selected non-case feature: layer, id, status.
    pub selected_feature: RwSignal<Option<MapItemDto>>,
    /// Selected thematic feature (site, compound, route): layer and properties.
    pub selected_overlay: RwSignal<Option<(LayerKind, serde_json::Map<String, serde_json::Value>)>>,
    /// The selected case's detail.
    pub detail: RwSignal<Option<CaseDto>>,
    /// Actions allowed on it.
    pub actions: RwSignal<Vec<Action>>,
    /// Names of the selected case's grid, community, street and district.
    pub location: RwSignal<Option<cityops_api::LocationDto>>,
    /// Cameras that see it (None: lookup unavailable).
    pub cameras: RwSignal<Option<Vec<cityops_api::CameraViewDto>>>,
    /// Every camera whose cone reaches into a close view (cameras layer on, zoom ≥ 16).
    pub view_cameras: RwSignal<Vec<cityops_api::CameraViewDto>>,
    /// Cursor position as lon/lat.
    pub cursor: RwSignal<Option<(f64, f64)>>,
    /// Filter of the filter panel.
    pub filter: RwSignal<CaseFilter>,
    /// Search/filter results.
    pub results: RwSignal<Vec<CaseDto>>,
    /// Places (districts, streets, communities, place names, cameras) the search box found.
    pub place_results: RwSignal<Vec<crate::state::PlaceHit>>,
    /// Filter panel open.
    pub show_filters: RwSignal<bool>,
    /// Help overlay open.
    pub show_help: RwSignal<bool>,
    /// Settings dialog open.
    pub show_settings: RwSignal<bool>,
    /// Dispatch dialog open.
    pub show_dispatch: RwSignal<bool>,
    /// Last error to show.
    pub toast: RwSignal<Option<String>>,
    /// Bumped when the base map changes (redraw).
    pub base_tick: RwSignal<u64>,
    /// Current time, refreshed every second.
    pub now: RwSignal<Timestamp>,
    /// Districts for the filter.
    pub districts: RwSignal<Vec<District>>,
    /// Units by code (names in the detail panel).
    pub units: RwSignal<Vec<UnitDto>>,
    /// The catalogue (type names).
    pub catalogue: RwSignal<Vec<CategoryDto>>,
    /// Thematic layers the service serves as GeoJSON.
    pub static_served: RwSignal<BTreeSet<LayerKind>>,
    /// The service's clock (None: the wall clock).
    pub clock: RwSignal<Option<crate::state::ServiceClock>>,
    /// Whether the service has no viewport route (fallback to case lists).
    pub viewport_fallback: RwSignal<bool>,
}

impl Ctx {
    /// Translate a message in the current language (tracked).
    pub fn t(&self, m: Msg) -> &'static str {
        m.text(self.lang.get())
    }

    /// Show an error. Network failures while the status bar already says "disconnected" are not
    /// repeated as toasts.
    pub fn error(&self, e: &BackendError) {
        if matches!(e, BackendError::Network(_))
            && self.connection.get_untracked() == Connection::Reconnecting
        {
            return;
        }
        let lang = self.lang.get_untracked();
        let text = match e {
            BackendError::Api(api) => format!("{}: {}", crate::i18n::error_code(api.code, lang), api.message),
            other => format!("{}: {other}", Msg::Error.text(lang)),
        };
        self.toast.set(Some(text));
    }

    /// Fly the map to a point.
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

    /// Name of a type code from the catalogue.
    pub fn type_name(&self, code: &str) -> Option<String> {
        self.catalogue.with(|c| c.iter().find(|x| x.key.code == code).map(|x| x.name.clone()))
    }

    /// Name of a unit.
    pub fn unit_name(&self, code: &str) -> String {
        self.units
            .with(|u| u.iter().find(|x| x.code == code).map(|x| x.name.clone()))
            .unwrap_or_else(|| code.to_owned())
    }
}

/// Schedule one redraw on the next animation frame (coalesced).
pub fn request_draw(ctx: Ctx) {
    let already = DRAW_PENDING.with(|p| std::mem::replace(&mut *p.borrow_mut(), true));
    if already {
        return;
    }
    request_animation_frame(move || {
        DRAW_PENDING.with(|p| *p.borrow_mut() = false);
        draw_now(ctx);
    });
}

fn draw_now(ctx: Ctx) {
    SURFACE.with(|s| {
        let s = s.borrow();
        let Some(surface) = s.as_ref() else { return };
        let (w, h) = surface.fit();
        let mut view = ctx.view.get_untracked();
        let first = FITTED.with(|f| !std::mem::replace(&mut *f.borrow_mut(), true));
        if first {
            // The first frame knows the real surface: fit the whole city to it.
            view = match crate::state::view_from_query(&backend::page_query()) {
                Some((lon, lat, z)) => View::new(lon, lat, z, w, h),
                None => View::qingdao(w, h),
            };
            ctx.view.set(view);
        } else if (view.width - w).abs() > 0.5 || (view.height - h).abs() > 0.5 {
            view.resize(w, h);
            ctx.view.set(view);
        }
        let results: Vec<(f64, f64)> =
            ctx.results.with_untracked(|r| r.iter().map(|c| (c.lon, c.lat)).collect());
        // Sites and compounds named by an alert in the last hour (service clock) show in alarm colour.
        let since = ctx.now.get_untracked() - chrono::Duration::hours(1);
        let alerted = ctx.picture.with_untracked(|p| crate::state::alerted_ids(&p.alerts, since));
        // View cones of the cameras that can see the selected case.
        let cones: Vec<crate::render::Cone> = if ctx.selected.get_untracked().is_some() {
            ctx.cameras.with_untracked(|c| {
                c.iter()
                    .flatten()
                    .map(|c| crate::render::Cone {
                        lon: c.lon,
                        lat: c.lat,
                        heading_deg: c.heading_deg,
                        fov_deg: c.fov_deg,
                        range_m: c.range_m,
                    })
                    .collect()
            })
        } else {
            Vec::new()
        };
        let cone = |c: &cityops_api::CameraViewDto| crate::render::Cone {
            lon: c.lon,
            lat: c.lat,
            heading_deg: c.heading_deg,
            fov_deg: c.fov_deg,
            range_m: c.range_m,
        };
        let view_cones: Vec<crate::render::Cone> =
            ctx.view_cameras.with_untracked(|c| c.iter().map(cone).collect());
        ctx.picture.with_untracked(|picture| {
            ctx.layers.with_untracked(|layers| {
                BASE.with(|b| {
                    surface.draw(
                        &b.borrow(),
                        &Scene {
                            view: &view,
                            picture,
                            layers,
                            selected: ctx.selected.get_untracked(),
                            results: &results,
                            cones: &cones,
                            view_cones: &view_cones,
                            alerted: &alerted,
                            lang: ctx.lang.get_untracked(),
                            now_ms: backend::now_ms(),
                            // With the viewport route, trucks come from the service's R-tree.
                            live_vehicles: ctx.viewport_fallback.get_untracked(),
                        },
                    );
                });
            });
        });
    });
}

fn initial_settings() -> Settings {
    let mut s = Settings::from_query(&backend::page_query());
    if s.server.is_empty() {
        s.server = backend::load_setting("cityops.server").unwrap_or_default();
    }
    if s.token.is_empty() {
        s.token = backend::load_setting("cityops.token").unwrap_or_default();
    }
    s
}

/// Load the base layers (service or bundled files) and prepare their paths.
fn load_base(ctx: Ctx) {
    let backend = ctx.backend.get_untracked();
    spawn_local(async move {
        for name in ["land", "coastline", "districts", "streets", "communities", "places"] {
            let text = match backend.layer_geojson(name, None).await {
                Ok(t) => t,
                // The service may be down: fall back to the files shipped with the UI.
                Err(_) => match Backend::Offline.layer_geojson(name, None).await {
                    Ok(t) => t,
                    Err(e) => {
                        ctx.error(&e);
                        continue;
                    }
                },
            };
            let shapes = match prepare_text(&text) {
                Ok(s) => s,
                Err(e) => {
                    ctx.toast.set(Some(format!("{name}: {e}")));
                    continue;
                }
            };
            if name == "districts" {
                let mut ds: Vec<District> = shapes
                    .iter()
                    .filter_map(|s| {
                        Some(District {
                            code: s.code.clone()?,
                            name: s.name.clone().unwrap_or_default(),
                            name_en: s.name_en.clone().unwrap_or_default(),
                        })
                    })
                    .collect();
                ds.sort_by(|a, b| a.code.cmp(&b.code));
                ctx.districts.set(ds);
            }
            let layer = BaseLayer::new(shapes);
            BASE.with(|b| {
                let mut b = b.borrow_mut();
                match name {
                    "land" => b.land = layer,
                    "coastline" => b.coastline = layer,
                    "districts" => b.districts = layer,
                    "streets" => b.streets = layer,
                    "communities" => b.communities = layer,
                    _ => b.places = layer,
                }
            });
            ctx.base_tick.update(|t| *t += 1);
        }
    });
}

/// Load unit grids for the districts in view once the zoom shows them.
fn load_grids(ctx: Ctx) {
    let view = ctx.view.get_untracked();
    if view.zoom < style::GRIDS_FROM {
        return;
    }
    let backend = ctx.backend.get_untracked();
    let lb = view.local_bounds();
    let wanted: Vec<Option<String>> = if backend.connected() {
        BASE.with(|b| {
            b.borrow()
                .districts
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
        let fresh = GRIDS_REQUESTED.with(|g| g.borrow_mut().insert(key.clone()));
        if !fresh {
            continue;
        }
        let backend = backend.clone();
        spawn_local(async move {
            let text = match backend.layer_geojson("grids", area.as_deref()).await {
                Ok(t) => t,
                Err(e) => {
                    GRIDS_REQUESTED.with(|g| g.borrow_mut().remove(&key));
                    ctx.error(&e);
                    return;
                }
            };
            match prepare_text(&text) {
                Ok(shapes) => {
                    web_sys::console::info_1(
                        &format!("cityops: grids {key}: {} shapes", shapes.len()).into(),
                    );
                    let layer = BaseLayer::new(shapes);
                    BASE.with(|b| b.borrow_mut().grids.insert(key, layer));
                    ctx.base_tick.update(|t| *t += 1);
                }
                Err(e) => ctx.toast.set(Some(format!("grids: {e}"))),
            }
        });
    }
}

/// Ask the service what to draw in the current view.
fn load_viewport(ctx: Ctx) {
    let backend = ctx.backend.get_untracked();
    if !backend.connected() {
        return;
    }
    let view = ctx.view.get_untracked();
    let layers: Vec<LayerKind> =
        ctx.layers.with_untracked(|l| VIEWPORT_LAYERS.iter().copied().filter(|x| l.contains(x)).collect());
    let fallback = ctx.viewport_fallback.get_untracked();
    let overdue_only = ctx.filter.with_untracked(|f| f.overdue);
    let cones =
        view.zoom >= style::CONES_FROM && ctx.layers.with_untracked(|l| l.contains(&LayerKind::Cameras));
    spawn_local(async move {
        let bbox = view.bounds();
        // Every camera's view cone in a close view (the viewport's camera points carry none).
        if cones {
            match backend.cameras_in_box(&bbox).await {
                Ok(list) => ctx.view_cameras.set(list.items),
                Err(_) => ctx.view_cameras.set(Vec::new()),
            }
        } else if ctx.view_cameras.with_untracked(|c| !c.is_empty()) {
            ctx.view_cameras.set(Vec::new());
        }
        if !fallback {
            match backend.viewport(&viewport_query(&view, &layers, overdue_only)).await {
                Ok(v) => {
                    ctx.picture.update(|p| {
                        p.truncated = v.truncated;
                        p.set_viewport(v.items, v.as_of);
                    });
                }
                Err(BackendError::Api(e)) if e.code == cityops_api::ErrorCode::NotFound => {
                    ctx.viewport_fallback.set(true);
                }
                Err(e) => {
                    ctx.error(&e);
                    return;
                }
            }
        }
        // Learn stages of the cases in view (colour by stage); without the viewport route this
        // list is also what the map draws.
        if ctx.viewport_fallback.get_untracked() || view.zoom >= 13.0 {
            let filter = CaseFilter { bbox: Some(bbox), ..CaseFilter::default() };
            match backend.list_cases(&filter.query(1000)).await {
                Ok(page) => ctx.picture.update(|p| {
                    for c in &page.items {
                        p.note_case(c);
                    }
                    if ctx.viewport_fallback.get_untracked() {
                        let items = page
                            .items
                            .iter()
                            .filter_map(|c| {
                                Some(MapItemDto::Point {
                                    layer: LayerKind::Cases,
                                    id: u64::try_from(c.id).ok()?,
                                    lon: c.lon,
                                    lat: c.lat,
                                    status: crate::state::status_class(c.status, c.overdue),
                                })
                            })
                            .collect();
                        let as_of = page.items.iter().map(|c| c.updated_at).max();
                        p.set_viewport(items, as_of.map(|t| (LayerKind::Cases, t)).into_iter().collect());
                    }
                }),
                Err(e) => ctx.error(&e),
            }
        }
    });
}

/// (Re)subscribe to the live stream, resuming after the last applied event.
pub fn connect_live(ctx: Ctx) {
    let backend = ctx.backend.get_untracked();
    let after = ctx.picture.with_untracked(|p| p.last_event_id);
    SUBSCRIPTION.with(|s| s.borrow_mut().take());
    let sub = backend::subscribe(
        &backend,
        after,
        move |ev| {
            let mut change = Change::None;
            ctx.picture.update(|p| change = p.apply(&ev));
            let moves_the_map = !matches!(change, Change::None | Change::Calendar(_));
            if moves_the_map && !ctx.viewport_fallback.get_untracked() {
                refresh_soon(ctx);
            }
            if let Change::Case(id) = change
                && ctx.selected.get_untracked() == Some(id)
                && let cityops_api::EventBody::Case { case } = &ev.body
            {
                let mut c = (**case).clone();
                // Keep the history we already have if the event carries none.
                if c.history.is_empty()
                    && let Some(old) = ctx.detail.get_untracked()
                {
                    c.history = old.history;
                    c.events = old.events;
                }
                ctx.detail.set(Some(c));
                case::load_actions(ctx, id);
            }
        },
        move |state, gave_up| {
            let was = ctx.connection.get_untracked();
            ctx.connection.set(state);
            if state == Connection::Live && was == Connection::Reconnecting {
                // Back after a drop: the stream replays what was missed; refresh the picture and
                // the service clock too.
                load_viewport(ctx);
                load_clock(ctx);
                if let Some(id) = ctx.selected.get_untracked() {
                    case::select(ctx, id);
                }
            }
            if gave_up {
                set_timeout(move || connect_live(ctx), std::time::Duration::from_secs(3));
            }
        },
    );
    match sub {
        Ok(s) => SUBSCRIPTION.with(|x| *x.borrow_mut() = Some(s)),
        Err(e) => {
            ctx.connection.set(Connection::Reconnecting);
            ctx.error(&e);
            set_timeout(move || connect_live(ctx), std::time::Duration::from_secs(5));
        }
    }
}

/// Read the service's clock (simulations run faster than real time).
fn load_clock(ctx: Ctx) {
    let backend = ctx.backend.get_untracked();
    if !backend.connected() {
        ctx.clock.set(None);
        return;
    }
    spawn_local(async move {
        let clock = backend
            .health()
            .await
            .ok()
            .and_then(|h| crate::state::ServiceClock::from_health(&h, backend::now_ms()));
        ctx.clock.set(clock);
    });
}

/// Load reference data (units, catalogue) used for names.
fn load_reference(ctx: Ctx) {
    load_clock(ctx);
    let backend = ctx.backend.get_untracked();
    if !backend.connected() {
        return;
    }
    spawn_local(async move {
        if let Ok(u) = backend.units().await {
            ctx.units.set(u);
        }
        if let Ok(c) = backend.catalogue().await {
            ctx.catalogue.set(c);
        }
    });
}

/// Apply new settings: pick the transport, reload, reconnect.
pub fn apply_settings(ctx: Ctx, s: Settings) {
    ctx.backend.set(Backend::detect(&s));
    keep_settings(ctx, s);
    reload_all(ctx);
}

/// Keep the service settings (and in `localStorage` for the next visit).
pub fn keep_settings(ctx: Ctx, s: Settings) {
    backend::save_setting("cityops.server", &s.server);
    backend::save_setting("cityops.token", &s.token);
    ctx.settings.set(s);
}

/// Start over on another service: the old picture, selection and event position mean nothing
/// there (event ids are per service).
pub fn reload_all(ctx: Ctx) {
    ctx.picture.set(Picture::default());
    ctx.selected.set(None);
    ctx.selected_feature.set(None);
    ctx.selected_overlay.set(None);
    ctx.detail.set(None);
    ctx.results.set(Vec::new());
    ctx.place_results.set(Vec::new());
    ctx.viewport_fallback.set(false);
    GRIDS_REQUESTED.with(|g| g.borrow_mut().clear());
    OVERLAYS_REQUESTED.with(|g| g.borrow_mut().clear());
    BASE.with(|b| {
        let mut b = b.borrow_mut();
        b.grids.clear();
        b.overlays.clear();
    });
    ctx.static_served.set(BTreeSet::new());
    load_reference(ctx);
    load_viewport(ctx);
    connect_live(ctx);
}

/// The one screen.
#[component]
pub fn App() -> impl IntoView {
    let settings = initial_settings();
    let lang = backend::load_setting("cityops.lang").and_then(|l| Lang::parse(&l)).unwrap_or_default();
    let ctx = Ctx {
        lang: RwSignal::new(lang),
        settings: RwSignal::new(settings.clone()),
        backend: RwSignal::new(Backend::detect(&settings)),
        view: RwSignal::new(View::qingdao(1920.0, 1080.0)),
        picture: RwSignal::new(Picture::default()),
        layers: RwSignal::new(
            [LayerKind::Cases, LayerKind::Trucks, LayerKind::Sites, LayerKind::Alerts, LayerKind::Facilities]
                .into_iter()
                .collect(),
        ),
        connection: RwSignal::new(Connection::Connecting),
        selected: RwSignal::new(None),
        selected_feature: RwSignal::new(None),
        selected_overlay: RwSignal::new(None),
        detail: RwSignal::new(None),
        actions: RwSignal::new(Vec::new()),
        cameras: RwSignal::new(None),
        location: RwSignal::new(None),
        cursor: RwSignal::new(None),
        filter: RwSignal::new(CaseFilter::default()),
        results: RwSignal::new(Vec::new()),
        place_results: RwSignal::new(Vec::new()),
        view_cameras: RwSignal::new(Vec::new()),
        show_filters: RwSignal::new(false),
        show_help: RwSignal::new(false),
        show_settings: RwSignal::new(false),
        show_dispatch: RwSignal::new(false),
        toast: RwSignal::new(None),
        base_tick: RwSignal::new(0),
        now: RwSignal::new(backend::now()),
        districts: RwSignal::new(Vec::new()),
        units: RwSignal::new(Vec::new()),
        catalogue: RwSignal::new(Vec::new()),
        viewport_fallback: RwSignal::new(false),
        clock: RwSignal::new(None),
        static_served: RwSignal::new(BTreeSet::new()),
    };
    provide_context(ctx);
    CTX.with(|c| *c.borrow_mut() = Some(ctx));

    // Redraw whenever anything drawn changes.
    Effect::new(move |_| {
        ctx.view.track();
        ctx.picture.track();
        ctx.layers.track();
        ctx.selected.track();
        ctx.lang.track();
        ctx.results.track();
        ctx.cameras.track();
        ctx.view_cameras.track();
        ctx.base_tick.track();
        request_draw(ctx);
    });
    // Viewport and grids follow the view, debounced.
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| {
        ctx.view.track();
        ctx.layers.track();
        ctx.backend.track();
        ctx.filter.track();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    load_viewport(ctx);
                    load_grids(ctx);
                    load_overlays(ctx);
                }
            },
            std::time::Duration::from_millis(250),
        );
    });
    Effect::new(move |_| {
        let l = ctx.lang.get();
        backend::save_setting("cityops.lang", l.tag());
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", l.tag());
        }
    });
    // Clock (freshness, time left) and the alert pulse.
    set_interval(
        move || {
            let wall = backend::now_ms();
            let now = ctx.clock.with_untracked(|c| c.map(|c| c.now(wall))).unwrap_or_else(backend::now);
            ctx.now.set(now);
        },
        std::time::Duration::from_secs(1),
    );
    // Re-read the service clock every minute.
    set_interval(move || load_clock(ctx), std::time::Duration::from_secs(60));
    set_interval(
        move || {
            if ctx.layers.with_untracked(|l| l.contains(&LayerKind::Alerts))
                && ctx.picture.with_untracked(|p| !p.alerts.is_empty())
            {
                request_draw(ctx);
            }
        },
        std::time::Duration::from_millis(100),
    );
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            load_base(ctx);
            load_reference(ctx);
            connect_live(ctx);
        }
    });

    view! {
        <div class="app">
            <panels::TopBar/>
            <div class="main">
                <panels::LayerPanel/>
                <map::MapView/>
                <case::DetailPanel/>
            </div>
            <panels::StatusBar/>
            <panels::FilterPanel/>
            <case::DispatchDialog/>
            <panels::SettingsDialog/>
            <panels::HelpOverlay/>
            <panels::Toast/>
        </div>
    }
}

/// The thematic feature (site, compound, route) under a screen point.
pub fn overlay_at(ctx: Ctx, x: f64, y: f64) -> Option<(LayerKind, crate::geojson::Shape)> {
    let view = ctx.view.get_untracked();
    SURFACE.with(|s| {
        let s = s.borrow();
        let surface = s.as_ref()?;
        BASE.with(|b| ctx.layers.with_untracked(|l| surface.hit_overlay(&b.borrow(), &view, l, x, y)))
    })
}

/// Install a surface for the map canvas (called by the map view once mounted).
pub fn set_surface(surface: Surface) {
    SURFACE.with(|s| *s.borrow_mut() = Some(surface));
}
