//! The map surface: one canvas; mouse, touch-pad and touch pan and zoom; keyboard shortcuts;
//! click selection (clusters zoom in, points select); the item under the cursor.

use std::collections::BTreeMap;

use cityops_api::{LayerKind, MapItemDto};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::commands::run_command;
use super::feature_card::{FeatureInfo, OverlayCard};
use super::map_controls::{Attribution, ScaleBar, ZoomButtons};
use crate::data::map::request_draw;
use crate::data::{Data, use_data};
use crate::keys::command_for;
use crate::render::Surface;
use crate::state::{describe_item, hit_test};

/// Pointers down on the canvas, for pan, pinch and click.
#[derive(Default)]
struct Gesture {
    pointers: BTreeMap<i32, (f64, f64)>,
    down_at: Option<(f64, f64)>,
    moved: f64,
    pinch: Option<f64>,
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

/// The visible map item under a screen point.
fn item_at(d: Data, x: f64, y: f64) -> Option<MapItemDto> {
    let view = d.map.view.get_untracked();
    let layers = d.map.layers.get_untracked();
    d.map.picture.with_untracked(|p| {
        let visible: Vec<MapItemDto> = p
            .items
            .iter()
            .filter(|i| match i {
                MapItemDto::Point { layer, .. } | MapItemDto::Cluster { layer, .. } => layers.contains(layer),
            })
            .cloned()
            .collect();
        hit_test(&visible, &view, x, y).map(|k| visible[k].clone())
    })
}

/// A click at a screen point: clusters zoom in, points select, else an overlay under it.
fn click(d: Data, x: f64, y: f64) {
    let view = d.map.view.get_untracked();
    let hit = item_at(d, x, y);
    if hit.is_some() {
        d.sel.overlay.set(None);
    }
    match hit {
        Some(MapItemDto::Cluster { lon, lat, .. }) => d.fly_to(lon, lat, (view.zoom + 2.0).min(18.0)),
        Some(MapItemDto::Point { layer: LayerKind::Cases, id, .. }) => {
            if let Ok(id) = i64::try_from(id) {
                d.enf.clear();
                d.sel.select(id);
            }
        }
        Some(MapItemDto::Point { layer: LayerKind::Enforcement, id, .. }) => {
            if let Ok(id) = i64::try_from(id) {
                d.sel.clear();
                d.enf.select(id);
            }
        }
        Some(other) => {
            d.sel.case.set(None);
            d.sel.feature.set(Some(other));
        }
        None => {
            d.sel.feature.set(None);
            d.sel.overlay.set(d.map.overlay_at(x, y).map(|(l, s)| (l, s.props)));
        }
    }
}

/// The map.
#[component]
pub fn MapView() -> impl IntoView {
    let d = use_data();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    canvas.on_load(move |c| {
        if let Some(s) = Surface::new(c.clone()) {
            // On the wall, draw as a 1920-pixel-wide screen would, scaled up to the real one.
            let scale = if d.ui.wall.get_untracked() {
                web_sys::window()
                    .and_then(|w| w.inner_width().ok())
                    .and_then(|v| v.as_f64())
                    .map_or(1.0, |w| w / 1920.0)
            } else {
                1.0
            };
            d.map.set_surface(s.scaled(scale));
            request_draw(d);
        }
    });
    // Redraw on window resize.
    let _resize = window_event_listener(ev::resize, move |_| request_draw(d));
    // Keyboard shortcuts, except while typing.
    let _keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let typing = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if (typing && e.key() != "Escape") || d.ui.wall.get_untracked() {
            return;
        }
        if let Some(cmd) = command_for(&e.key(), e.ctrl_key() || e.alt_key() || e.meta_key()) {
            e.prevent_default();
            run_command(d, cmd);
        }
    });
    let gesture = StoredValue::new_local(Gesture::default());
    let hover = RwSignal::new(None::<(f64, f64, String)>);

    let on_down = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        if let Some(t) = e.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = t.set_pointer_capture(e.pointer_id());
        }
        gesture.update_value(|g| {
            g.pointers.insert(e.pointer_id(), (x, y));
            if g.pointers.len() == 1 {
                g.down_at = Some((x, y));
                g.moved = 0.0;
            }
            g.pinch = None;
        });
    };
    let on_move = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        let view = d.map.view.get_untracked();
        d.map.cursor.set(Some(view.to_lonlat(x, y)));
        if gesture.with_value(|g| g.pointers.is_empty()) {
            let text = item_at(d, x, y).map(|item| {
                d.map.picture.with_untracked(|p| describe_item(&item, &p.cases, d.ui.lang.get_untracked()))
            });
            hover.set(text.map(|t| (x, y, t)));
        } else {
            hover.set(None);
        }
        let mut action = None;
        gesture.update_value(|g| {
            let Some(prev) = g.pointers.get(&e.pointer_id()).copied() else { return };
            g.pointers.insert(e.pointer_id(), (x, y));
            action = if g.pointers.len() >= 2 {
                let pts: Vec<(f64, f64)> = g.pointers.values().copied().take(2).collect();
                let dist = ((pts[0].0 - pts[1].0).powi(2) + (pts[0].1 - pts[1].1).powi(2)).sqrt().max(1.0);
                let mid = ((pts[0].0 + pts[1].0) / 2.0, (pts[0].1 + pts[1].1) / 2.0);
                let dz = g.pinch.map(|p| (dist / p).log2()).unwrap_or(0.0);
                g.pinch = Some(dist);
                g.moved += 10.0;
                Some((0.0, 0.0, dz, mid))
            } else {
                let (dx, dy) = (x - prev.0, y - prev.1);
                g.moved += dx.abs() + dy.abs();
                Some((dx, dy, 0.0, (x, y)))
            };
        });
        if let Some((dx, dy, dz, mid)) = action {
            let mut v = view;
            if dz != 0.0 {
                v.zoom_at(mid.0, mid.1, dz);
            }
            if dx != 0.0 || dy != 0.0 {
                v.pan(dx, dy);
            }
            d.map.view.set(v);
        }
    };
    let on_up = move |e: ev::PointerEvent| {
        let (x, y) = local_xy(&e);
        let mut was_click = false;
        gesture.update_value(|g| {
            g.pointers.remove(&e.pointer_id());
            g.pinch = None;
            was_click = g.pointers.is_empty() && g.down_at.is_some() && g.moved < 5.0;
        });
        if was_click {
            click(d, x, y);
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
        let mut v = d.map.view.get_untracked();
        v.zoom_at(x, y, dz);
        d.map.view.set(v);
    };
    let on_dbl = move |e: ev::MouseEvent| {
        let (x, y) = local_xy(&e);
        let mut to = d.map.view.get_untracked();
        to.zoom_at(x, y, 1.0);
        let (lon, lat) = to.center();
        d.fly_to(lon, lat, to.zoom);
    };
    let on_leave = move |_: ev::PointerEvent| {
        d.map.cursor.set(None);
        hover.set(None);
    };

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
            <ZoomButtons/>
            <ScaleBar width_px=140.0/>
            <FeatureInfo/>
            <OverlayCard/>
            {move || hover.get().map(|(x, y, t)| view! {
                <div class="hover-tip" style:left=format!("{:.0}px", x + 14.0) style:top=format!("{:.0}px", y + 12.0)>{t}</div>
            })}
            <Attribution/>
            <super::time_bar::TimeBar/>
        </div>
    }
}
