//! The dispatch dialog: the proposed unit (grid × category) and deadline (with where it came
//! from), the handling standard's tiers, another unit if the operator wants; confirm dispatches.

use cityops_api::{Action, ActionRequest, DispatchProposalDto};
use leptos::prelude::*;

use super::duplicate_list::DuplicateList;
use super::provisional_badge::ProvisionalBadge;
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::long_time;

/// The dialog, open while a case is chosen for dispatch.
#[component]
pub fn DispatchDialog() -> impl IntoView {
    let d = use_data();
    view! {
        <Show when=move || d.sel.dispatch_for.get().is_some()>
            <div class="modal-back">
                <Suspense fallback=move || view! { <div class="modal dispatch loading">{move || d.ui.t(Msg::Loading)}</div> }>
                    {move || Suspend::new(async move {
                        d.sel.proposal.await.map(|p| view! { <DispatchForm proposal=p/> })
                    })}
                </Suspense>
            </div>
        </Show>
    }
}

/// The proposal and the choice of unit.
#[component]
pub fn DispatchForm(
    /// What the service proposes.
    proposal: DispatchProposalDto,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let p = proposal;
    let unit = RwSignal::new(p.unit.code.clone());
    let id = p.case_id;
    let options = std::iter::once(p.unit.clone())
        .chain(p.alternatives.iter().cloned())
        .map(|u| {
            let code = u.code.clone();
            let syn = if u.synthetic { " *" } else { "" };
            view! { <option value=code.clone() selected=code == p.unit.code>{format!("{} ({}){syn}", u.name, u.code)}</option> }
        })
        .collect_view();
    let tiers = p.tiers.clone();
    let tiers = move || {
        let lang = ui.lang.get();
        tiers
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let default = if i == 0 { " ✓" } else { "" };
                view! { <li>{format!("{} {} {}{default}", t.label, t.limit.amount, i18n::time_unit(t.limit.unit, lang))}</li> }
            })
            .collect_view()
    };
    let confirm = move |_| {
        let req = ActionRequest {
            action: Action::Dispatch,
            unit_code: Some(unit.get_untracked()),
            deadline: None,
            note: String::new(),
        };
        d.sel.act.dispatch((id, req));
    };
    view! {
        <div class="modal dispatch">
            <h2>{move || ui.t(Msg::DispatchTitle)}</h2>
            <p class="small">{move || ui.t(Msg::ProposedUnit)} ": " <b>{p.unit.name.clone()}</b> " (" {p.unit.code.clone()} ") · " {p.function.clone()}</p>
            <label>{move || ui.t(Msg::OtherUnit)}
                <select id="dispatch-unit" on:change=move |e| unit.set(event_target_value(&e))>{options}</select>
            </label>
            <p>{move || ui.t(Msg::ProposedDeadline)} ": " <b class="mono">{long_time(p.deadline)}</b> " (UTC+8)"
                <ProvisionalBadge provisional=p.deadline_provisional/></p>
            <ul class="tiers small">{tiers}</ul>
            <DuplicateList id=id/>
            <div class="row">
                <button class="primary" id="dispatch-confirm" prop:disabled=move || d.sel.act.pending().get() on:click=confirm>{move || ui.t(Msg::Confirm)}</button>
                <button on:click=move |_| d.sel.dispatch_for.set(None)>{move || ui.t(Msg::Cancel)}</button>
            </div>
        </div>
    }
}
