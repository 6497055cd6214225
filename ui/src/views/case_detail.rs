//! One case: its number and colour, stage and time left, the facts, media, the cameras that see
//! it, the stage history and the actions the role allows.

use cityops_api::CaseDto;
use leptos::prelude::*;

use super::case_actions::CaseActions;
use super::case_facts::CaseFacts;
use super::stage_history::StageHistory;
use crate::data::use_data;
use crate::i18n::{self, Lang, Msg};
use crate::state::time_left;
use crate::style;

/// The detail of a case.
#[component]
pub fn CaseDetail(
    /// The case (with its history).
    case: CaseDto,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let c = case;
    let colour = style::case_colour(c.stage, c.overdue);
    let deadline = c.deadline;
    let left = move || deadline.map(|dl| time_left(dl, d.link.now.get(), ui.lang.get()));
    let (stage, status) = (c.stage, c.status);
    let media = c.media.clone();
    let created = c.created_at;
    let cameras = move || {
        let lang = ui.lang.get();
        match d.sel.cameras.get() {
            None | Some(None) => {
                view! { <span class="small">{Msg::CamerasUnknown.text(lang)}</span> }.into_any()
            }
            Some(Some(list)) if list.is_empty() => {
                view! { <span>{Msg::NoMedia.text(lang)}</span> }.into_any()
            }
            Some(Some(list)) => list
                .iter()
                .map(|c| {
                    let kind = match (c.kind.as_str(), lang) {
                        ("high", Lang::Zh) => "高点 360°",
                        ("high", Lang::En) => "high point, 360°",
                        (_, Lang::Zh) => "低点",
                        (_, Lang::En) => "low",
                    };
                    let line = match lang {
                        Lang::Zh => format!(
                            "{} · {kind} · 距离 {:.0} 米(视距 {:.0} 米)",
                            c.id, c.distance_m, c.range_m
                        ),
                        Lang::En => format!(
                            "{} · {kind} · {:.0} m away (range {:.0} m)",
                            c.id, c.distance_m, c.range_m
                        ),
                    };
                    view! { <div class="mono small camera">{line}</div> }
                })
                .collect_view()
                .into_any(),
        }
    };
    view! {
        <div class="case">
            <h2><span class="dot big" style:background=colour></span><span class="mono">{c.case_no.clone()}</span></h2>
            <div class="stage-line">
                {move || i18n::stage(stage, ui.lang.get())} " · " {move || i18n::case_status(status, ui.lang.get())}
                {move || left().map(|(t, late)| view! { <span class="left" class:late=late>" · " {t}</span> })}
            </div>
            <CaseFacts case=c.clone()/>
            <h3>{move || ui.t(Msg::Media)}</h3>
            {if media.is_empty() {
                view! { <span>{move || ui.t(Msg::NoMedia)}</span> }.into_any()
            } else {
                media.into_iter().map(|m| view! { <div class="mono small">{m}</div> }).collect_view().into_any()
            }}
            {c.camera_id.clone().map(|cam| view! { <div class="small">"AI: " <span class="mono">{cam}</span></div> })}
            <h3>{move || ui.t(Msg::Cameras)}</h3>
            {cameras}
            <h3>{move || ui.t(Msg::History)} <span class="small">" (" {move || ui.t(Msg::Deadline)} ": UTC+8)"</span>
                " " <button class="small" id="replay-created" on:click=move |_| crate::data::replay::seek(d, created)>
                    {move || ui.t(Msg::ReplayFromReport)}</button></h3>
            <StageHistory history=c.history.clone()/>
            <h3>{move || ui.t(Msg::Actions)}</h3>
            <CaseActions id=c.id/>
            <div class="actions"><super::file_panel::TransferButton case=c.clone()/></div>
            <super::file_panel::CaseFiles case_id=c.id/>
        </div>
    }
}
