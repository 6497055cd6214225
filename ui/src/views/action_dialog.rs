//! The dialog of an action with fields of its own: a reason for 延期, 回退, 挂账, 作废 and 返工
//! (the service refuses them without one), and the new deadline for 延期. The service's refusal
//! (e.g. a deadline not later than the current one) shows in the toast with its reason.

use cityops_api::ActionRequest;
use leptos::prelude::*;

use super::duplicate_list::DuplicateList;
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::{local_minute, long_time, to_local_minute};

/// Open while [`crate::data::case::Selection::asking`] names a case and action.
#[component]
pub fn ActionDialog() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let reason = RwSignal::new(String::new());
    let deadline = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    // A new question starts empty; 延期 proposes a day after the current deadline.
    Effect::new(move |_| {
        if let Some((_, action)) = d.sel.asking.get() {
            reason.set(String::new());
            problem.set(None);
            let current = d.sel.detail.get_untracked().flatten().and_then(|c| c.deadline);
            deadline.set(if action.needs_deadline() {
                current.map(|t| to_local_minute(t + chrono::Duration::days(1))).unwrap_or_default()
            } else {
                String::new()
            });
        }
    });
    let confirm = move |_| {
        let Some((id, action)) = d.sel.asking.get_untracked() else { return };
        let note = reason.get_untracked().trim().to_owned();
        if action.needs_reason() && note.is_empty() {
            problem.set(Some(Msg::ReasonNeeded.text(ui.lang.get_untracked())));
            return;
        }
        let new_deadline = local_minute(&deadline.get_untracked());
        if action.needs_deadline() && new_deadline.is_none() {
            problem.set(Some(Msg::DeadlineNeeded.text(ui.lang.get_untracked())));
            return;
        }
        if !super::case_actions::confirmed(
            action,
            d.link.backend.get_untracked().in_shell(),
            ui.lang.get_untracked(),
        ) {
            return;
        }
        let req = ActionRequest {
            action,
            unit_code: None,
            deadline: new_deadline.filter(|_| action.needs_deadline()),
            note,
        };
        d.sel.act.dispatch((id, req));
    };
    let current = move || {
        d.sel
            .detail
            .get()
            .flatten()
            .and_then(|c| c.deadline)
            .map(|t| format!("{} (UTC+8)", long_time(t)))
            .unwrap_or_else(|| "—".into())
    };
    view! {
        <Show when=move || d.sel.asking.get().is_some()>
            <div class="modal-back">
                <div class="modal act">
                    <h2>{move || d.sel.asking.get().map(|(_, a)| i18n::action(a, ui.lang.get())).unwrap_or_default()}</h2>
                    {move || d.sel.asking.get().filter(|(_, a)| *a == cityops_api::Action::Merge).map(|(id, _)| view! { <DuplicateList id=id/> })}
                    <Show when=move || d.sel.asking.get().is_some_and(|(_, a)| a.needs_deadline())>
                        <p class="small">{move || ui.t(Msg::Deadline)} ": " <span class="mono">{current}</span></p>
                        <label>{move || ui.t(Msg::NewDeadline)}
                            <input type="datetime-local" id="act-deadline" prop:value=move || deadline.get()
                                on:input=move |e| deadline.set(event_target_value(&e))/>
                        </label>
                    </Show>
                    <Show when=move || d.sel.asking.get().is_some_and(|(_, a)| a != cityops_api::Action::Merge)>
                        <label>{move || ui.t(Msg::Reason)}
                            <textarea id="act-reason" prop:value=move || reason.get()
                                on:input=move |e| reason.set(event_target_value(&e))></textarea>
                        </label>
                        {move || problem.get().map(|p| view! { <p class="problem">{p}</p> })}
                        <div class="row">
                            <button class="primary" id="act-confirm" prop:disabled=move || d.sel.act.pending().get() on:click=confirm>{move || ui.t(Msg::Confirm)}</button>
                            <button on:click=move |_| d.sel.asking.set(None)>{move || ui.t(Msg::Cancel)}</button>
                        </div>
                    </Show>
                    <Show when=move || d.sel.asking.get().is_some_and(|(_, a)| a == cityops_api::Action::Merge)>
                        <div class="row"><button on:click=move |_| d.sel.asking.set(None)>{move || ui.t(Msg::Cancel)}</button></div>
                    </Show>
                </div>
            </div>
        </Show>
    }
}
