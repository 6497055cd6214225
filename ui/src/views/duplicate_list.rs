//! The likely duplicates of a case (earlier reports of the same or a related type nearby, from the
//! service's live index), each with its stage, distance and time, and a button to merge the case
//! into it (合并): shown in the dispatch dialog and for the 合并 action.

use cityops_api::endpoint::Empty;
use cityops_api::query::IdPath;
use cityops_api::{MergeRequest, ep};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::short_time;

/// The duplicates of case `id`, with the merge.
#[component]
pub fn DuplicateList(
    /// The case being dispatched or merged.
    id: i64,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let list = LocalResource::new(move || {
        let backend = d.link.backend.get();
        async move { backend.get::<ep::Duplicates>(&IdPath { id }, &Empty {}).await }
    });
    let merge = move |into: i64, main_no: String| {
        let backend = d.link.backend.get_untracked();
        spawn_local(async move {
            let req = MergeRequest { into, note: String::new() };
            match backend.call::<ep::Merge>(&IdPath { id }, &Empty {}, &req).await {
                Ok(m) => {
                    d.ui.done(format!("{} {main_no}", Msg::Merged.text(d.ui.lang.get_untracked())));
                    d.sel.dispatch_for.set(None);
                    d.sel.asking.set(None);
                    d.fly_to(m.main.lon, m.main.lat, 16.0);
                    d.sel.select(m.main.id);
                    d.map.view.update(|_| {});
                }
                Err(e) => d.error(&e),
            }
        });
    };
    let body = move || {
        let lang = ui.lang.get();
        match list.get() {
            None => view! { <p class="small">{Msg::Loading.text(lang)}</p> }.into_any(),
            Some(Err(e)) => view! { <p class="problem">{e.to_string()}</p> }.into_any(),
            Some(Ok(dups)) => {
                let head = Msg::DuplicatesNote
                    .text(lang)
                    .replace("{m}", &format!("{:.0}", dups.radius_m))
                    .replace("{h}", &format!("{:.0}", dups.window_hours));
                let rows = if dups.items.is_empty() {
                    vec![view! { <li class="small">{Msg::NoDuplicates.text(lang)}</li> }.into_any()]
                } else {
                    dups.items
                        .into_iter()
                        .map(|dup| {
                            let c = dup.case;
                            let (into, no) = (c.id, c.case_no.clone());
                            let kind = if dup.same_type { Msg::SameType } else { Msg::RelatedType };
                            let status = if c.status == cityops_api::CaseStatus::Active {
                                i18n::stage(c.stage, lang).to_owned()
                            } else {
                                c.status.zh().to_owned()
                            };
                            view! {
                                <li class="dup" data-case=into>
                                    <b class="mono">{c.case_no.clone()}</b> " " {status}
                                    " · " {format!("{:.0} m", dup.distance_m)} " · " {kind.text(lang)}
                                    <div class="small">{short_time(c.created_at)} " " {c.address.clone()}</div>
                                    <button class="merge" on:click=move |_| merge(into, no.clone())>{Msg::MergeInto.text(lang)}</button>
                                </li>
                            }
                            .into_any()
                        })
                        .collect()
                };
                view! {
                    <h3>{Msg::Duplicates.text(lang)}</h3>
                    <p class="small">{head}</p>
                    <ul class="results duplicates">{rows}</ul>
                }
                .into_any()
            }
        }
    };
    view! { <div class="duplicate-list">{body}</div> }
}
