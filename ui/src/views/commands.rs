//! The console's keyboard commands (see `crate::keys`): what each does to the data.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::data::Data;
use crate::geo::View;
use crate::keys::Command;
use crate::state::point_layers;

/// Run a keyboard command.
pub fn run_command(d: Data, cmd: Command) {
    let mut v: View = d.map.view.get_untracked();
    match cmd {
        Command::ZoomIn => {
            v.zoom_at(v.width / 2.0, v.height / 2.0, 1.0);
            d.map.view.set(v);
        }
        Command::ZoomOut => {
            v.zoom_at(v.width / 2.0, v.height / 2.0, -1.0);
            d.map.view.set(v);
        }
        Command::Pan(dx, dy) => {
            v.pan(-f64::from(dx) * v.width / 10.0, -f64::from(dy) * v.height / 10.0);
            d.map.view.set(v);
        }
        Command::ResetView => {
            let home = View::qingdao(v.width, v.height);
            let (lon, lat) = home.center();
            d.fly_to(lon, lat, home.zoom);
        }
        Command::Search => {
            if let Some(el) =
                document().get_element_by_id("search").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        }
        Command::Filters => d.ui.show_filters.update(|s| *s = !*s),
        Command::Dispatch => {
            if let Some(id) = d.sel.case.get_untracked() {
                let allowed =
                    d.sel.actions.get_untracked().is_some_and(|a| a.contains(&cityops_api::Action::Dispatch));
                if allowed {
                    d.sel.open_dispatch(id);
                } else {
                    let lang = d.ui.lang.get_untracked();
                    d.ui.problem(format!(
                        "{}: {}",
                        crate::i18n::action(cityops_api::Action::Dispatch, lang),
                        crate::i18n::error_code(cityops_api::ErrorCode::IllegalTransition, lang)
                    ));
                }
            }
        }
        Command::Escape => {
            if d.sel.dispatch_for.get_untracked().is_some() {
                d.sel.dispatch_for.set(None);
            } else if d.sel.asking.get_untracked().is_some() {
                d.sel.asking.set(None);
            } else if d.ui.show_help.get_untracked() || d.ui.show_settings.get_untracked() {
                d.ui.show_help.set(false);
                d.ui.show_settings.set(false);
            } else if d.ui.show_filters.get_untracked() {
                d.ui.show_filters.set(false);
            } else if d.ui.show_evaluation.get_untracked() {
                d.ui.show_evaluation.set(false);
            } else if d.queue.open.get_untracked() {
                d.queue.open.set(false);
            } else {
                d.sel.clear();
            }
        }
        Command::ToggleLayer(n) => {
            if let Some(l) = point_layers().nth(usize::from(n)) {
                d.map.layers.update(|s| {
                    if !s.remove(&l) {
                        s.insert(l);
                    }
                });
            }
        }
        Command::ToggleLanguage => d.ui.lang.update(|l| *l = l.other()),
        Command::Refresh => {
            d.map.view.update(|_| {});
            d.sel.reload();
        }
        Command::Help => d.ui.show_help.update(|s| *s = !*s),
        Command::Queue => d.queue.open.update(|o| *o = !*o),
        Command::Evaluation => d.ui.show_evaluation.update(|o| *o = !*o),
        Command::Replay => crate::data::replay::toggle(d),
        Command::QueueStep(by) if d.queue.open.get_untracked() => d.queue.step(i64::from(by)),
        Command::QueueOpen if d.queue.open.get_untracked() => {
            if let Some((id, lon, lat)) = d.queue.current() {
                d.fly_to(lon, lat, 16.0);
                d.sel.select(id);
            }
        }
        Command::QueueMark if d.queue.open.get_untracked() => d.queue.toggle_mark(),
        Command::QueueBatch if d.queue.open.get_untracked() => crate::data::queue::act_marked(d),
        Command::QueueStep(_) | Command::QueueOpen | Command::QueueMark | Command::QueueBatch => {}
    }
}
