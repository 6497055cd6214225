//! The keyboard shortcut table.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;
use crate::keys::help;

/// The shortcut table.
#[component]
pub fn HelpOverlay() -> impl IntoView {
    let ui = use_data().ui;
    view! {
        <Show when=move || ui.show_help.get()>
            <div class="modal-back" on:click=move |_| ui.show_help.set(false)>
                <div class="modal help">
                    <h2>{move || ui.t(Msg::Shortcuts)}</h2>
                    <table>
                        {move || help(ui.lang.get()).into_iter().map(|(k, d)| view! {
                            <tr><td><kbd>{k}</kbd></td><td>{d}</td></tr>
                        }).collect_view()}
                    </table>
                </div>
            </div>
        </Show>
    }
}
