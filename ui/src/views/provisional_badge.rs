//! "按法定节假日推算" next to a deadline counted over a year without a State Council holiday
//! notice; its tooltip says what that means.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;

/// The badge (nothing when the deadline is not provisional).
#[component]
pub fn ProvisionalBadge(
    /// Whether the deadline is provisional.
    provisional: bool,
    /// A mark (`*`) instead of the words, for tables.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let ui = use_data().ui;
    provisional.then(|| {
        if compact {
            view! { <sup class="provisional" title=move || ui.t(Msg::ProvisionalDeadlineNote)>"*"</sup> }.into_any()
        } else {
            view! {
                <span class="provisional" data-provisional="1" title=move || ui.t(Msg::ProvisionalDeadlineNote)>
                    {move || ui.t(Msg::ProvisionalDeadline)}
                </span>
            }
            .into_any()
        }
    })
}
