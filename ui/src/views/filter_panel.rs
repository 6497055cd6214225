//! The filter panel: district, type or class, stage, channel, overdue, reported from/to; apply,
//! clear, export the filtered cases; then the places and cases found.

use cityops_api::{Channel, Stage, wire_name};
use leptos::prelude::*;

use super::export_buttons::ExportButtons;
use super::results::{CaseResults, PlaceResults};
use crate::data::use_data;
use crate::i18n::{self, Msg};
use crate::state::{CaseFilter, day_bound};

/// Filters and results.
#[component]
pub fn FilterPanel() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let area = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let stage = RwSignal::new(String::new());
    let overdue = RwSignal::new(false);
    let channel = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = move |_| {
        let f = CaseFilter {
            area: Some(area.get_untracked()).filter(|s| !s.is_empty()),
            code: Some(code.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            stage: Stage::ALL.iter().copied().find(|x| wire_name(x) == stage.get_untracked()),
            overdue: overdue.get_untracked(),
            channel: Channel::ALL.iter().copied().find(|x| wire_name(x) == channel.get_untracked()),
            from: day_bound(&from.get_untracked(), false),
            to: day_bound(&to.get_untracked(), true),
            bbox: None,
            text: None,
        };
        d.search.filter.set(f.clone());
        d.search.apply.dispatch(f);
    };
    let clear = move |_| {
        for s in [area, code, stage, channel, from, to] {
            s.set(String::new());
        }
        overdue.set(false);
        d.search.filter.set(CaseFilter::default());
        d.search.results.set(Vec::new());
        d.search.places.set(Vec::new());
    };
    view! {
        <Show when=move || ui.show_filters.get()>
            <div class="filters">
                <h2>{move || ui.t(Msg::Filters)}</h2>
                <label>{move || ui.t(Msg::District)}
                    <select on:change=move |e| area.set(event_target_value(&e)) prop:value=move || area.get()>
                        <option value="">{move || ui.t(Msg::AllDistricts)}</option>
                        {move || {
                            let lang = ui.lang.get();
                            d.reference.districts.get().into_iter().map(|dis| {
                                let label = if lang == i18n::Lang::Zh { dis.name.clone() } else { dis.name_en.clone() };
                                view! { <option value=dis.code.clone()>{label}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <label>{move || ui.t(Msg::Class)}
                    <input type="text" placeholder="06 / 06010" prop:value=move || code.get() on:input=move |e| code.set(event_target_value(&e))/>
                </label>
                <label>{move || ui.t(Msg::StageL)}
                    <select on:change=move |e| stage.set(event_target_value(&e)) prop:value=move || stage.get()>
                        <option value="">{move || ui.t(Msg::AllStages)}</option>
                        {move || {
                            let lang = ui.lang.get();
                            Stage::ALL.iter().map(|s| view! { <option value=wire_name(s)>{i18n::stage(*s, lang)}</option> }).collect_view()
                        }}
                    </select>
                </label>
                <label>{move || ui.t(Msg::ChannelL)}
                    <select on:change=move |e| channel.set(event_target_value(&e)) prop:value=move || channel.get()>
                        <option value="">{move || ui.t(Msg::AllChannels)}</option>
                        {move || {
                            let lang = ui.lang.get();
                            Channel::ALL.iter().map(|c| view! { <option value=wire_name(c)>{i18n::channel(*c, lang)}</option> }).collect_view()
                        }}
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" prop:checked=move || overdue.get() on:change=move |_| overdue.update(|o| *o = !*o)/>
                    {move || ui.t(Msg::OverdueOnly)}
                </label>
                <div class="row">
                    <label>{move || ui.t(Msg::From)}
                        <input type="date" prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e))/>
                    </label>
                    <label>{move || ui.t(Msg::To)}
                        <input type="date" prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e))/>
                    </label>
                </div>
                <div class="row">
                    <button class="primary" on:click=apply>{move || ui.t(Msg::Apply)}</button>
                    <button on:click=clear>{move || ui.t(Msg::Clear)}</button>
                </div>
                <ExportButtons/>
                <PlaceResults/>
                <CaseResults/>
            </div>
        </Show>
    }
}
