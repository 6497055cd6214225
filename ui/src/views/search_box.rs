//! The search box: a case id or number, a camera id, or any text (places of the base map, the
//! service's case search); Enter searches.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;

/// The search box.
#[component]
pub fn SearchBox() -> impl IntoView {
    let d = use_data();
    let query = RwSignal::new(String::new());
    view! {
        <input
            id="search"
            class="search"
            type="search"
            placeholder=move || d.ui.t(Msg::Search)
            prop:value=move || query.get()
            on:input=move |e| query.set(event_target_value(&e))
            on:keydown=move |e: leptos::ev::KeyboardEvent| {
                if e.key() == "Enter" {
                    d.search.search.dispatch(query.get_untracked());
                }
            }
        />
    }
}
