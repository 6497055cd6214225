//! The case detail panel (type, address, areas, channel, media, cameras, stage history with
//! deadlines and time left, the actions the role allows) and the dispatch dialog.

use cityops_api::{Action, ActionRequest, CaseDto, DispatchProposalDto};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
use crate::i18n::{self, Lang, Msg};
use crate::state::{long_time, short_time, time_left};
use crate::style;

/// Select a case: load its detail, allowed actions and the cameras that can see it.
pub fn select(ctx: Ctx, id: i64) {
    if ctx.selected.get_untracked() != Some(id) {
        ctx.location.set(None);
        ctx.cameras.set(None);
    }
    ctx.selected.set(Some(id));
    ctx.selected_feature.set(None);
    let backend = ctx.backend.get_untracked();
    spawn_local(async move {
        match backend.get_case(id).await {
            Ok(c) => {
                ctx.picture.update(|p| p.note_case(&c));
                let (lon, lat) = (c.lon, c.lat);
                ctx.detail.set(Some(c));
                ctx.location.set(backend.locate(lon, lat).await.ok());
                ctx.cameras.set(backend.cameras_visible(lon, lat).await.ok());
            }
            Err(e) => ctx.error(&e),
        }
    });
    load_actions(ctx, id);
}

/// Reload the allowed actions of a case.
pub fn load_actions(ctx: Ctx, id: i64) {
    let backend = ctx.backend.get_untracked();
    spawn_local(async move {
        match backend.allowed_actions(id).await {
            Ok(a) => ctx.actions.set(a),
            Err(_) => ctx.actions.set(Vec::new()),
        }
    });
}

thread_local! {
    static PROPOSAL: std::cell::RefCell<Option<DispatchProposalDto>> = const { std::cell::RefCell::new(None) };
}

/// Open the dispatch dialog for a case (loads the proposal).
pub fn open_dispatch(ctx: Ctx, id: i64) {
    let backend = ctx.backend.get_untracked();
    spawn_local(async move {
        match backend.dispatch_proposal(id).await {
            Ok(p) => {
                PROPOSAL.with(|x| *x.borrow_mut() = Some(p));
                ctx.show_dispatch.set(true);
            }
            Err(e) => ctx.error(&e),
        }
    });
}

/// Take an action and show the result.
fn act(ctx: Ctx, id: i64, request: ActionRequest) {
    let backend = ctx.backend.get_untracked();
    spawn_local(async move {
        match backend.act(id, &request).await {
            Ok(c) => {
                ctx.picture.update(|p| {
                    p.note_case(&c);
                    let class = crate::state::status_class(c.status, c.overdue);
                    for item in &mut p.items {
                        if let cityops_api::MapItemDto::Point {
                            layer: cityops_api::LayerKind::Cases,
                            id: pid,
                            status,
                            ..
                        } = item
                            && i64::try_from(*pid).ok() == Some(c.id)
                        {
                            *status = class;
                        }
                    }
                });
                ctx.detail.set(Some(c));
                ctx.show_dispatch.set(false);
                load_actions(ctx, id);
            }
            Err(e) => ctx.error(&e),
        }
    });
}

fn named(name: Option<&str>, code: &str) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{n} ({code})"),
        _ => code.to_owned(),
    }
}

/// "按法定节假日推算" next to a deadline counted over a year without a holiday notice; its
/// tooltip says what that means.
fn provisional_badge(provisional: bool, lang: Lang) -> impl IntoView {
    provisional.then(|| {
        view! {
            <span class="provisional" data-provisional="1" title=Msg::ProvisionalDeadlineNote.text(lang)>
                {Msg::ProvisionalDeadline.text(lang)}
            </span>
        }
    })
}

fn row(label: &'static str, value: String) -> impl IntoView {
    view! { <tr><th>{label}</th><td>{value}</td></tr> }
}

fn detail_view(ctx: Ctx, c: CaseDto) -> impl IntoView {
    let lang = ctx.lang.get();
    let now = ctx.now.get();
    let type_name = ctx.type_name(&c.type_key.code).unwrap_or_default();
    let unit = c.unit_code.as_deref().map(|u| ctx.unit_name(u)).unwrap_or_else(|| "—".into());
    let left = c.deadline.map(|d| time_left(d, now, lang));
    let colour = style::case_colour(c.stage, c.overdue);
    // Names come from the location lookup; it answers for the case's point, so use it only when
    // its codes agree with the case's.
    let loc =
        ctx.location.get().filter(|l| l.grid_code == c.grid_code || l.community_code == c.community_code);
    let media = if c.media.is_empty() {
        view! { <span>{Msg::NoMedia.text(lang)}</span> }.into_any()
    } else {
        c.media.iter().map(|m| view! { <div class="mono small">{m.clone()}</div> }).collect_view().into_any()
    };
    let cameras = match ctx.cameras.get() {
        None => view! { <span class="small">{Msg::CamerasUnknown.text(lang)}</span> }.into_any(),
        Some(list) if list.is_empty() => view! { <span>{Msg::NoMedia.text(lang)}</span> }.into_any(),
        Some(list) => list
            .iter()
            .map(|c| {
                let kind = match (c.kind.as_str(), lang) {
                    ("high", Lang::Zh) => "高点 360°",
                    ("high", Lang::En) => "high point, 360°",
                    (_, Lang::Zh) => "低点",
                    (_, Lang::En) => "low",
                };
                let line = match lang {
                    Lang::Zh => {
                        format!("{} · {kind} · 距离 {:.0} 米(视距 {:.0} 米)", c.id, c.distance_m, c.range_m)
                    }
                    Lang::En => {
                        format!("{} · {kind} · {:.0} m away (range {:.0} m)", c.id, c.distance_m, c.range_m)
                    }
                };
                view! { <div class="mono small camera">{line}</div> }
            })
            .collect_view()
            .into_any(),
    };
    let history = c
        .history
        .iter()
        .map(|h| {
            let deadline = h.deadline.map(short_time).unwrap_or_else(|| "—".into());
            let state = match (h.ended_at, h.deadline, h.on_time) {
                (None, Some(d), _) => time_left(d, now, lang).0,
                (_, _, Some(true)) => Msg::OnTime.text(lang).to_owned(),
                (_, _, Some(false)) => Msg::Late.text(lang).to_owned(),
                _ => String::new(),
            };
            let late = h.on_time == Some(false) || (h.ended_at.is_none() && h.deadline.is_some_and(|d| d < now));
            view! {
                <tr class:late=late>
                    <td><span class="dot" style:background=style::stage_colour(h.stage)></span>{i18n::stage(h.stage, lang)}</td>
                    <td class="mono">{short_time(h.started_at)} " → " {h.ended_at.map(short_time).unwrap_or_else(|| "…".into())}</td>
                    <td class="mono">{deadline}{h.deadline_provisional.then(|| view! {
                        <sup class="provisional" title=Msg::ProvisionalDeadlineNote.text(lang)>"*"</sup>
                    })}</td>
                    <td>{state}</td>
                    <td class="small">{h.action.map(|a| i18n::action(a, lang)).unwrap_or("")} " " {i18n::role(h.role, lang)} " " {h.note.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let id = c.id;
    let note = RwSignal::new(String::new());
    let actions = ctx
        .actions
        .get()
        .into_iter()
        .map(|a| {
            let label = i18n::action(a, lang);
            let primary = a == Action::Dispatch;
            view! {
                <button class:primary=primary data-action=crate::state::wire(&a) on:click=move |_| {
                    if a == Action::Dispatch {
                        open_dispatch(ctx, id);
                    } else {
                        act(ctx, id, ActionRequest { action: a, unit_code: None, deadline: None, note: note.get_untracked() });
                    }
                }>{label} {if primary { " (D)" } else { "" }}</button>
            }
        })
        .collect_view();
    let no_actions = ctx.actions.with(|a| a.is_empty());
    view! {
        <div class="case">
            <h2><span class="dot big" style:background=colour></span><span class="mono">{c.case_no.clone()}</span></h2>
            <div class="stage-line">
                {i18n::stage(c.stage, lang)} " · " {i18n::case_status(c.status, lang)}
                {left.map(|(t, late)| view! { <span class="left" class:late=late>" · " {t}</span> })}
            </div>
            <table class="kv">
                {row(Msg::TypeL.text(lang), format!("{} {} {}", i18n::type_kind(c.type_key.kind, lang), c.type_key.code, type_name))}
                {row(Msg::Address.text(lang), c.address.clone())}
                {row(Msg::Grid.text(lang), c.grid_code.clone())}
                {row(Msg::Community.text(lang), named(loc.as_ref().map(|l| l.community_name.as_str()), &c.community_code))}
                {row(Msg::Street.text(lang), named(loc.as_ref().map(|l| l.street_name.as_str()), &c.street_code))}
                {row(Msg::District.text(lang), named(loc.as_ref().map(|l| l.district_name.as_str()), &c.district_code))}
                {row(Msg::ChannelL.text(lang), i18n::channel(c.channel, lang).to_owned())}
                {row(Msg::Unit.text(lang), unit)}
                <tr><th>{Msg::Deadline.text(lang)}</th><td>
                    <span class="mono">{c.deadline.map(long_time).unwrap_or_else(|| "—".into())}</span>
                    {provisional_badge(c.deadline_provisional, lang)}
                </td></tr>
                {row(Msg::Created.text(lang), long_time(c.created_at))}
                {row(Msg::Description.text(lang), c.description.clone())}
            </table>
            <h3>{Msg::Media.text(lang)}</h3>
            {media}
            {c.camera_id.clone().map(|cam| view! { <div class="small">"AI: " <span class="mono">{cam}</span></div> })}
            <h3>{Msg::Cameras.text(lang)}</h3>
            {cameras}
            <h3>{Msg::History.text(lang)} <span class="small">" (" {Msg::Deadline.text(lang)} ": UTC+8)"</span></h3>
            <table class="history">{history}</table>
            <h3>{Msg::Actions.text(lang)}</h3>
            <textarea placeholder=Msg::Note.text(lang) prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))></textarea>
            <div class="actions">
                {actions}
                {no_actions.then(|| view! { <span class="small">{Msg::NoActions.text(lang)}</span> })}
            </div>
        </div>
    }
}

/// The right-hand panel.
#[component]
pub fn DetailPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <Show when=move || ctx.selected.get().is_some()>
            <aside class="detail" id="case-panel">
                <button class="close" title=move || ctx.t(Msg::Close) on:click=move |_| {
                    ctx.selected.set(None);
                    ctx.detail.set(None);
                }>"×"</button>
                {move || match ctx.detail.get() {
                    Some(c) => detail_view(ctx, c).into_any(),
                    None => view! { <div class="loading">{ctx.t(Msg::Loading)}</div> }.into_any(),
                }}
            </aside>
        </Show>
    }
}

/// The dispatch dialog: proposed unit and deadline, another unit if the operator wants, confirm.
#[component]
pub fn DispatchDialog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let unit = RwSignal::new(String::new());
    let body = move || {
        let lang = ctx.lang.get();
        let Some(p) = PROPOSAL.with(|x| x.borrow().clone()) else { return ().into_any() };
        if unit.get_untracked().is_empty() {
            unit.set(p.unit.code.clone());
        }
        let id = p.case_id;
        let options = std::iter::once(p.unit.clone())
            .chain(p.alternatives.iter().cloned())
            .map(|u| {
                let code = u.code.clone();
                let syn = if u.synthetic { " *" } else { "" };
                view! { <option value=code.clone() selected=code == p.unit.code>{format!("{} ({}){syn}", u.name, u.code)}</option> }
            })
            .collect_view();
        let tiers = p
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let default = if i == 0 { " ✓" } else { "" };
                view! {
                    <li>{format!("{} {} {}{default}", t.label, t.limit.amount, i18n::time_unit(t.limit.unit, lang))}</li>
                }
            })
            .collect_view();
        let deadline = long_time(p.deadline);
        let confirm = move |_| {
            act(
                ctx,
                id,
                ActionRequest {
                    action: Action::Dispatch,
                    unit_code: Some(unit.get_untracked()),
                    deadline: None,
                    note: String::new(),
                },
            );
            unit.set(String::new());
        };
        view! {
            <div class="modal dispatch">
                <h2>{Msg::DispatchTitle.text(lang)}</h2>
                <p class="small">{Msg::ProposedUnit.text(lang)} ": " <b>{p.unit.name.clone()}</b> " (" {p.unit.code.clone()} ") · " {p.function.clone()}</p>
                <label>{Msg::OtherUnit.text(lang)}
                    <select id="dispatch-unit" on:change=move |e| unit.set(event_target_value(&e))>{options}</select>
                </label>
                <p>{Msg::ProposedDeadline.text(lang)} ": " <b class="mono">{deadline}</b> " (UTC+8)"
                    {provisional_badge(p.deadline_provisional, lang)}</p>
                <ul class="tiers small">{tiers}</ul>
                <div class="row">
                    <button class="primary" id="dispatch-confirm" on:click=confirm>{Msg::Confirm.text(lang)}</button>
                    <button on:click=move |_| { unit.set(String::new()); ctx.show_dispatch.set(false); }>{Msg::Cancel.text(lang)}</button>
                </div>
            </div>
        }
        .into_any()
    };
    view! {
        <Show when=move || ctx.show_dispatch.get()>
            <div class="modal-back">{body}</div>
        </Show>
    }
}
