//! The map surface: one canvas, mouse/touch-pad/touch pan and zoom, keyboard shortcuts, click
//! selection, scale bar, zoom buttons and the attribution line.

use std::cell::RefCell;
use std::collections::BTreeMap;

use cityops_api::{LayerKind, MapItemDto};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{Ctx, case, request_draw, set_surface};
use crate::geo::{View, scale_bar};
use crate::i18n::Msg;
use crate::keys::{Command, command_for};
use crate::render::Surface;
use crate::state::{POINT_LAYERS, describe_item, hit_test};

#[derive(Default)]
struct Gesture {
    pointers: BTreeMap<i32, (f64, f64)>,
    down_at: Option<(f64, f64)>,
    moved: f64,
    pinch: Option<f64>,
}

thread_local! {
    static GESTURE: RefCell<Gesture> = RefCell::new(Gesture::default());
}

fn local_xy(ev: &web_sys::MouseEvent) -> (f64, f64) {
    let rect = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|e| e.get_bounding_client_rect());
    match rect {
        Some(r) => (f64::from(ev.client_x()) - r.left(), f64::from(ev.client_y()) - r.top()),
        None => (f64::from(ev.offset_x()), f64::from(ev.offset_y())),
    }
}

/// Handle a click at a screen point: clusters zoom in, points select.
/// The visible map item under a screen point.
fn item_at(ctx: Ctx, x: f64, y: f64) -> Option<MapItemDto> {
    let view = ctx.view.get_untracked();
    ctx.picture.with_untracked(|p| {
        let visible: Vec<MapItemDto> = p
            .items
            .iter()
            .filter(|i| match i {
                MapItemDto::Point { layer, .. } | MapItemDto::Cluster { layer, .. } => {
                    ctx.layers.with_untracked(|l| l.contains(layer))
                }
            })
            .cloned()
            .collect();
        hit_test(&visible, &view, x, y).map(|k| visible[k].clone())
    })
}

/// Handle a click at a screen point: clusters zoom in, points select.
fn click(ctx: Ctx, x: f64, y: f64) {
    let view = ctx.view.get_untracked();
    let hit = item_at(ctx, x, y);
    if hit.is_some() {
        ctx.selected_overlay.set(None);
    }
    match hit {
        Some(MapItemDto::Cluster { lon, lat, .. }) => ctx.fly_to(lon, lat, (view.zoom + 2.0).min(18.0)),
        Some(MapItemDto::Point { layer: LayerKind::Cases, id, .. }) => {
            if let Ok(id) = i64::try_from(id) {
                case::select(ctx, id);
            }
        }
        Some(other) => {
            ctx.selected.set(None);
            ctx.detail.set(None);
            ctx.selected_feature.set(Some(other));
        }
        None => {
            ctx.selected_feature.set(None);
            ctx.selected_overlay.set(super::overlay_at(ctx, x, y).map(|(l, s)| (l, s.props)));
        }
    }
}

/// Run a keyboard command.
pub fn run_command(ctx: Ctx, cmd: Command) {
    let mut v: View = ctx.view.get_untracked();
    match cmd {
        Command::ZoomIn => {
            v.zoom_at(v.width / 2.0, v.height / 2.0, 1.0);
            ctx.view.set(v);
        }
        Command::ZoomOut => {
            v.zoom_at(v.width / 2.0, v.height / 2.0, -1.0);
            ctx.view.set(v);
        }
        Command::Pan(dx, dy) => {
            v.pan(-f64::from(dx) * v.width / 10.0, -f64::from(dy) * v.height / 10.0);
            ctx.view.set(v);
        }
        Command::ResetView => {
            let home = View::qingdao(v.width, v.height);
            let (lon, lat) = home.center();
            ctx.fly_to(lon, lat, home.zoom);
        }
        Command::Search => {
            if let Some(el) =
                document().get_element_by_id("search").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
        Command::Filters => ctx.show_filters.update(|s| *s = !*s),
        Command::Dispatch => {
            if let Some(id) = ctx.selected.get_untracked() {
                if ctx.actions.with_untracked(|a| a.contains(&cityops_api::Action::Dispatch)) {
                    case::open_dispatch(ctx, id);
                } else {
                    let lang = ctx.lang.get_untracked();
                    ctx.toast.set(Some(format!(
                        "{}: {}",
                        crate::i18n::action(cityops_api::Action::Dispatch, lang),
                        crate::i18n::error_code(cityops_api::ErrorCode::IllegalTransition, lang)
                    )));
                }
            }
        }
        Command::Escape => {
            if ctx.show_dispatch.get_untracked() {
                ctx.show_dispatch.set(false);
            } else if ctx.show_help.get_untracked() || ctx.show_settings.get_untracked() {
                ctx.show_help.set(false);
                ctx.show_settings.set(false);
            } else if ctx.show_filters.get_untracked() {
                ctx.show_filters.set(false);
            } else {
                ctx.selected.set(None);
                ctx.detail.set(None);
                ctx.selected_feature.set(None);
                ctx.selected_overlay.set(None);
            }
        }
        Command::ToggleLayer(n) => {
            if let Some(l) = POINT_LAYERS.get(usize::from(n)) {
                ctx.layers.update(|s| {
                    if !s.remove(l) {
                        s.insert(*l);
                    }
                });
            }
        }
        Command::ToggleLanguage => ctx.lang.update(|l| *l = l.other()),
        Command::Refresh => {
            ctx.view.update(|_| {});
            if let Some(id) = ctx.selected.get_untracked() {
                case::select(ctx, id);
            }
        }
        Command::Help => ctx.show_help.update(|s| *s = !*s),
    }
}

/// The map.
#[component]
pub fn MapView() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    canvas.on_load(move |c| {
        if let Some(s) = Surface::new(c.clone()) {
            set_surface(s);
            request_draw(ctx);
        }
    });
    // Redraw on window resize.
    let _resize = window_event_listener(ev::resize, move |_| request_draw(ctx));
    // Keyboard shortcuts, except while typing.
    let _keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing && e.key() != "Escape" {
            return;
        }
        if let Some(cmd) = command_for(&e.key(), e.ctrl_key() || e.alt_key() || e.meta_key()) {
            e.prevent_default();
            run_command(ctx, cmd);
        }
    });

    let on_down = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = t.set_pointer_capture(e.pointer_id());
        }
        GESTURE.with(|g| {
            let mut g = g.borrow_mut();
            g.pointers.insert(e.pointer_id(), (x, y));
            if g.pointers.len() == 1 {
                g.down_at = Some((x, y));
                g.moved = 0.0;
            }
            g.pinch = None;
        });
    };
    let hover = RwSignal::new(None::<(f64, f64, String)>);
    let on_move = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        let view = ctx.view.get_untracked();
        ctx.cursor.set(Some(view.to_lonlat(x, y)));
        if GESTURE.with(|g| g.borrow().pointers.is_empty()) {
            let text = item_at(ctx, x, y).map(|item| {
                ctx.picture.with_untracked(|p| describe_item(&item, &p.cases, ctx.lang.get_untracked()))
            });
            hover.set(text.map(|t| (x, y, t)));
        } else {
            hover.set(None);
        }
        let action = GESTURE.with(|g| {
            let mut g = g.borrow_mut();
            let prev = g.pointers.get(&e.pointer_id()).copied()?;
            g.pointers.insert(e.pointer_id(), (x, y));
            if g.pointers.len() >= 2 {
                let pts: Vec<(f64, f64)> = g.pointers.values().copied().take(2).collect();
                let d = ((pts[0].0 - pts[1].0).powi(2) + (pts[0].1 - pts[1].1).powi(2)).sqrt().max(1.0);
                let mid = ((pts[0].0 + pts[1].0) / 2.0, (pts[0].1 + pts[1].1) / 2.0);
                let dz = g.pinch.map(|p| (d / p).log2()).unwrap_or(0.0);
                g.pinch = Some(d);
                g.moved += 10.0;
                Some((0.0, 0.0, dz, mid))
            } else {
                let (dx, dy) = (x - prev.0, y - prev.1);
                g.moved += dx.abs() + dy.abs();
                Some((dx, dy, 0.0, (x, y)))
            }
        });
        if let Some((dx, dy, dz, mid)) = action {
            let mut v = view;
            if dz != 0.0 {
                v.zoom_at(mid.0, mid.1, dz);
            }
            if dx != 0.0 || dy != 0.0 {
                v.pan(dx, dy);
            }
            ctx.view.set(v);
        }
    };
    let on_up = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        let was_click = GESTURE.with(|g| {
            let mut g = g.borrow_mut();
            g.pointers.remove(&e.pointer_id());
            g.pinch = None;
            g.pointers.is_empty() && g.down_at.is_some() && g.moved < 5.0
        });
        if was_click {
            click(ctx, x, y);
        }
    };
    let on_wheel = move |e: ev::WheelEvent| {
        e.prevent_default();
        let (x, y) = local_xy(&e);
        let unit = match e.delta_mode() {
            1 => 40.0,  // lines
            2 => 800.0, // pages
            _ => 1.0,
        };
        // Pinch on a touch-pad arrives as ctrl+wheel with small deltas.
        let k = if e.ctrl_key() { 0.01 } else { 0.003 };
        let dz = (-e.delta_y() * unit * k).clamp(-1.0, 1.0);
        let mut v = ctx.view.get_untracked();
        v.zoom_at(x, y, dz);
        ctx.view.set(v);
    };
    let on_dbl = move |e: ev::MouseEvent| {
        let (x, y) = local_xy(&e);
        let v = ctx.view.get_untracked();
        let (lon, lat) = v.to_lonlat(x, y);
        let mut to = v;
        to.zoom_at(x, y, 1.0);
        let (clon, clat) = to.center();
        let _ = (lon, lat);
        ctx.fly_to(clon, clat, to.zoom);
    };
    let on_leave = move |_: ev::PointerEvent| {
        ctx.cursor.set(None);
        hover.set(None);
    };

    let bar = move || scale_bar(ctx.view.with(|v| v.metres_per_px()), 140.0);
    let zoom_in = move |_| run_command(ctx, Command::ZoomIn);
    let zoom_out = move |_| run_command(ctx, Command::ZoomOut);
    let home = move |_| run_command(ctx, Command::ResetView);

    view! {
        <div class="map">
            <canvas
                node_ref=canvas
                id="map-canvas"
                tabindex="0"
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=on_up
                on:pointerleave=on_leave
                on:wheel=on_wheel
                on:dblclick=on_dbl
            ></canvas>
            <div class="zoom-buttons">
                <button title=move || ctx.t(Msg::ZoomL) on:click=zoom_in>"+"</button>
                <button on:click=zoom_out>"−"</button>
                <button title=move || ctx.t(Msg::Reset) on:click=home>"⌂"</button>
            </div>
            <div class="scale">
                <div class="scale-bar" style:width=move || format!("{:.0}px", bar().px)></div>
                <span>{move || bar().label}</span>
            </div>
            <FeatureInfo/>
            <OverlayCard/>
            {move || {
                hover.get().map(|(x, y, t)| view! {
                    <div class="hover-tip" style:left=format!("{:.0}px", x + 14.0) style:top=format!("{:.0}px", y + 12.0)>{t}</div>
                })
            }}
            <div class="attribution">
                "© 天地图 Tianditu · GSHHG 2.3.7 (LGPL) · © OpenStreetMap contributors · GeoNames (CC BY 4.0) · 国家统计局 区划代码 2023 · "
                {move || ctx.t(Msg::SyntheticGeo)}
            </div>
        </div>
    }
}

/// The card of a selected site, compound or route.
#[component]
fn OverlayCard() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.selected_overlay.get().map(|(layer, props)| {
            let lang = ctx.lang.get();
            let rows = ctx.picture.with(|p| crate::state::feature_card(layer, &props, &p.sensors, lang));
            view! {
                <div class="feature-info overlay-card">
                    <button class="close" on:click=move |_| ctx.selected_overlay.set(None)>"×"</button>
                    <table class="kv">
                        {rows.into_iter().map(|(k, v)| view! { <tr><th>{k}</th><td>{v}</td></tr> }).collect_view()}
                    </table>
                </div>
            }
        })
    }
}

/// A small card for a selected non-case feature (truck, site, camera, …).
#[component]
fn FeatureInfo() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.selected_feature.get().map(|f| {
            let lang = ctx.lang.get();
            match f {
                MapItemDto::Point { lon, lat, .. } => {
                    let text = ctx.picture.with(|p| describe_item(&f, &p.cases, lang));
                    view! {
                        <div class="feature-info">
                            <div>{text}</div>
                            <div class="mono small">{crate::geo::format_lonlat(lon, lat)}</div>
                        </div>
                    }
                    .into_any()
                }
                MapItemDto::Cluster { .. } => ().into_any(),
            }
        })
    }
}
