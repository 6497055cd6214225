//! 导出简报: the leadership briefing of the evaluation panel's period and area, made by the
//! service (the same document as `cityops-server briefing`); the button says how long it has been
//! working while the service renders.

use cityops_api::Timestamp;
use cityops_api::query::EvalQuery;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::data::use_data;
use crate::i18n::Msg;

/// The button.
#[component]
pub fn BriefingButton(
    /// The period shown (from, to).
    #[prop(into)]
    period: Signal<Option<(Timestamp, Timestamp)>>,
    /// The area shown (the city, a district or one of its streets: the briefing is of the city
    /// or of the district).
    #[prop(into)]
    area: Signal<String>,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let busy = RwSignal::new(None::<u32>);
    set_interval(move || busy.update(|b| *b = b.map(|s| s + 1)), std::time::Duration::from_secs(1));
    let go = move |_| {
        let Some((from, to)) = period.get_untracked() else { return };
        let a = area.get_untracked();
        let area = (a.len() >= 6).then(|| a.chars().take(6).collect::<String>());
        let backend = d.link.backend.get_untracked();
        busy.set(Some(0));
        spawn_local(async move {
            let r = backend.export_briefing(&EvalQuery { from, to, area, unit: None }).await;
            busy.set(None);
            match r {
                Ok(name) => ui.done(format!("{} {name}", ui.t(Msg::BriefingSaved))),
                Err(e) => d.error(&e),
            }
        });
    };
    view! {
        <button id="export-briefing" class="export" title=move || ui.t(Msg::BriefingNote)
            prop:disabled=move || busy.get().is_some() || period.get().is_none() on:click=go>
            {move || match busy.get() {
                Some(s) => format!("{} {s} s", ui.t(Msg::BriefingBusy)),
                None => ui.t(Msg::ExportBriefing).to_owned(),
            }}
        </button>
    }
}
