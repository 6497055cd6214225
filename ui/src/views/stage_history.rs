//! A case's stage history: each stage with its span, deadline (marked when provisional), whether
//! it ended on time (or the time left while open), the action, role and note.

use cityops_api::StageLogDto;
use leptos::prelude::*;

use super::provisional_badge::ProvisionalBadge;
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::{short_time, time_left};
use crate::style;

/// The history table.
#[component]
pub fn StageHistory(
    /// The stage log, oldest first.
    history: Vec<StageLogDto>,
) -> impl IntoView {
    let d = use_data();
    move || {
        let (lang, now) = (d.ui.lang.get(), d.link.now.get());
        let rows = history
            .iter()
            .map(|h| {
                let deadline = h.deadline.map(short_time).unwrap_or_else(|| "—".into());
                let state = match (h.ended_at, h.deadline, h.on_time) {
                    (None, Some(dl), _) => time_left(dl, now, lang).0,
                    (_, _, Some(true)) => Msg::OnTime.text(lang).to_owned(),
                    (_, _, Some(false)) => Msg::Late.text(lang).to_owned(),
                    _ => String::new(),
                };
                let late = h.on_time == Some(false) || (h.ended_at.is_none() && h.deadline.is_some_and(|dl| dl < now));
                view! {
                    <tr class:late=late>
                        <td><span class="dot" style:background=style::stage_colour(h.stage)></span>{i18n::stage(h.stage, lang)}</td>
                        <td class="mono">{short_time(h.started_at)} " → " {h.ended_at.map(short_time).unwrap_or_else(|| "…".into())}</td>
                        <td class="mono">{deadline}<ProvisionalBadge provisional=h.deadline_provisional compact=true/></td>
                        <td>{state}</td>
                        <td class="small">{h.action.map(|a| i18n::action(a, lang)).unwrap_or("")} " " {i18n::role(h.role, lang)} " " {h.note.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! { <table class="history">{rows}</table> }
    }
}
