//! The right-hand panel: the selected case, loading while its detail arrives.

use leptos::prelude::*;

use super::case_detail::CaseDetail;
use crate::data::use_data;
use crate::i18n::Msg;

/// The case panel.
#[component]
pub fn CasePanel() -> impl IntoView {
    let d = use_data();
    view! {
        <Show when=move || d.sel.case.get().is_some()>
            <aside class="detail" id="case-panel">
                <button class="close" title=move || d.ui.t(Msg::Close) on:click=move |_| d.sel.clear()>"×"</button>
                <Suspense fallback=move || view! { <div class="loading">{move || d.ui.t(Msg::Loading)}</div> }>
                    {move || Suspend::new(async move {
                        d.sel.detail.await.map(|c| view! { <CaseDetail case=c/> })
                    })}
                </Suspense>
            </aside>
        </Show>
    }
}
