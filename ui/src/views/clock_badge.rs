//! The service's clock in the top bar (China Standard Time), with its speed when simulated.

use leptos::prelude::*;

use crate::data::use_data;
use crate::i18n::Msg;
use crate::state::long_time;

/// The clock.
#[component]
pub fn ClockBadge() -> impl IntoView {
    let d = use_data();
    view! {
        <span class="clock mono" title=move || d.ui.t(Msg::ClockNote)>
            {move || long_time(d.link.now.get())}
            {move || d.link.clock.get().filter(|c| c.simulated()).map(|c| view! {
                <span class="badge sim">{format!("{} ×{}", d.ui.t(Msg::SimTime), c.scale)}</span>
            })}
        </span>
    }
}
