//! The actions the operator's role may take on a case now, with a note; 派遣 opens the dispatch
//! dialog; those that need a reason or a new deadline open the action dialog. The actions that end a case (作废, 结案) need the operator's confirmation: in the
//! desktop the shell asks in a native dialog of its own; in the browser the page asks here.

use cityops_api::{Action, ActionRequest};
use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::{self, Msg};

/// The action buttons of a case.
#[component]
pub fn CaseActions(
    /// The case.
    id: i64,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let note = RwSignal::new(String::new());
    let buttons = move || {
        let lang = ui.lang.get();
        let actions = d.sel.actions.get().unwrap_or_default();
        if actions.is_empty() {
            return view! { <span class="small">{Msg::NoActions.text(lang)}</span> }.into_any();
        }
        actions
            .into_iter()
            .map(|a| {
                let primary = a == Action::Dispatch;
                view! {
                    <button class:primary=primary data-action=cityops_api::wire_name(&a) on:click=move |_| {
                        if a == Action::Dispatch {
                            d.sel.open_dispatch(id);
                        } else if a.needs_reason() || a.needs_deadline() || a == Action::Merge {
                            d.sel.asking.set(Some((id, a)));
                        } else if confirmed(a, d.link.backend.get_untracked().in_shell(), lang) {
                            let req = ActionRequest { action: a, unit_code: None, deadline: None, note: note.get_untracked() };
                            d.sel.act.dispatch((id, req));
                        }
                    }>{i18n::action(a, lang)} {if primary { " (D)" } else { "" }}</button>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <textarea placeholder=move || ui.t(Msg::Note) prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))></textarea>
        <div class="actions">{buttons}</div>
    }
}

/// Whether to send `a` now: yes unless it ends a case and the browser's operator declines. In the
/// desktop shell the shell asks instead (a dialog the page cannot answer for itself).
pub fn confirmed(a: Action, in_shell: bool, lang: i18n::Lang) -> bool {
    if !a.needs_confirmation() || in_shell {
        return true;
    }
    let question = match lang {
        i18n::Lang::Zh => format!("请确认:{}此案件?", i18n::action(a, lang)),
        i18n::Lang::En => format!("Please confirm: {} this case?", i18n::action(a, lang)),
    };
    web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false)
}
