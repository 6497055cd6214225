//! The last message (a problem in red, or a confirmation), dismissable; it fades after eight
//! seconds unless replaced.

use leptos::prelude::*;

use crate::data::use_data;

/// The toast.
#[component]
pub fn Toast() -> impl IntoView {
    let ui = use_data().ui;
    Effect::new(move |_| {
        if let Some(t) = ui.toast.get() {
            set_timeout(
                move || {
                    if ui.toast.get_untracked().as_ref() == Some(&t) {
                        ui.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(8),
            );
        }
    });
    move || {
        ui.toast.get().map(|t| {
            view! {
                <div class="toast" class:problem=t.problem role="status" on:click=move |_| ui.toast.set(None)>
                    {t.text}
                </div>
            }
        })
    }
}
