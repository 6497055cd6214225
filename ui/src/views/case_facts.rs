//! The facts of a case: type, address, grid and the areas (named by the location lookup), channel,
//! handling unit, deadline (with where it came from), report time, description.

use cityops_api::CaseDto;
use leptos::prelude::*;

use super::provisional_badge::ProvisionalBadge;
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::long_time;

fn named(name: Option<String>, code: &str) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{n} ({code})"),
        _ => code.to_owned(),
    }
}

/// The facts table.
#[component]
pub fn CaseFacts(
    /// The case.
    case: CaseDto,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let c = case;
    let code = c.type_key.code.clone();
    let kind = c.type_key.kind;
    let type_text = move || {
        let name = d.reference.type_name(&code).unwrap_or_default();
        format!("{} {code} {name}", i18n::type_kind(kind, ui.lang.get()))
    };
    let unit_code = c.unit_code.clone();
    let unit = move || unit_code.as_deref().map(|u| d.reference.unit_name(u)).unwrap_or_else(|| "—".into());
    // Names come from the location lookup; use it only when its codes agree with the case's.
    let (grid, community) = (c.grid_code.clone(), c.community_code.clone());
    let loc = Memo::new(move |_| {
        d.sel.location.get().flatten().filter(|l| l.grid_code == grid || l.community_code == community)
    });
    let (cc, sc, dc) = (c.community_code.clone(), c.street_code.clone(), c.district_code.clone());
    let channel = c.channel;
    view! {
        <table class="kv">
            <tr><th>{move || ui.t(Msg::TypeL)}</th><td>{type_text}</td></tr>
            <tr><th>{move || ui.t(Msg::Address)}</th><td>{c.address.clone()}</td></tr>
            <tr><th>{move || ui.t(Msg::Grid)}</th><td>{c.grid_code.clone()}</td></tr>
            <tr><th>{move || ui.t(Msg::Community)}</th><td>{move || named(loc.get().map(|l| l.community_name), &cc)}</td></tr>
            <tr><th>{move || ui.t(Msg::Street)}</th><td>{move || named(loc.get().map(|l| l.street_name), &sc)}</td></tr>
            <tr><th>{move || ui.t(Msg::District)}</th><td>{move || named(loc.get().map(|l| l.district_name), &dc)}</td></tr>
            <tr><th>{move || ui.t(Msg::ChannelL)}</th><td>{move || i18n::channel(channel, ui.lang.get())}</td></tr>
            <tr><th>{move || ui.t(Msg::Unit)}</th><td>{unit}</td></tr>
            <tr><th>{move || ui.t(Msg::Deadline)}</th><td>
                <span class="mono">{c.deadline.map(long_time).unwrap_or_else(|| "—".into())}</span>
                <ProvisionalBadge provisional=c.deadline_provisional/>
            </td></tr>
            <tr><th>{move || ui.t(Msg::Created)}</th><td>{long_time(c.created_at)}</td></tr>
            <tr><th>{move || ui.t(Msg::Description)}</th><td>{c.description.clone()}</td></tr>
        </table>
    }
}
