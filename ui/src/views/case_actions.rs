//! The actions the operator's role may take on a case now, with a note; 派遣 opens the dispatch
//! dialog.

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
                        } else {
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
