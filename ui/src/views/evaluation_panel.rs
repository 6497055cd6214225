//! The evaluation view (评价, E): the GB/T 30428.4 rates, composite and grade of the city's
//! districts (or a district's streets) and units over a chosen period, ranked, with the change
//! against the period before; a click drills from a district to its streets and units; the
//! platform's utilisation (reports by channel, found actively, passively or automatically, mean
//! dispatch and handling times). Every figure says its period and unit.

use cityops_api::query::EvalQuery;
use cityops_api::{EvaluationDrillDto, NamedRatesDto, ep};
use leptos::prelude::*;

use super::briefing_button::BriefingButton;
use crate::data::use_data;
use crate::i18n::{self, Lang, Msg};
use crate::state::{PeriodKind, long_time, periods};

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into())
}

fn score(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The change of the composite against the previous period, as ▲/▼ points.
fn trend(now: Option<f64>, before: Option<f64>) -> (String, &'static str) {
    match (now, before) {
        (Some(a), Some(b)) if (a - b).abs() >= 0.05 => {
            if a > b {
                (format!("▲{:.1}", a - b), "up")
            } else {
                (format!("▼{:.1}", b - a), "down")
            }
        }
        (Some(_), Some(_)) => ("＝".into(), "same"),
        _ => ("—".into(), "same"),
    }
}

/// The ranking table of areas or units.
#[component]
fn RankTable(
    /// Rows, best first.
    rows: Vec<NamedRatesDto>,
    /// The same subjects in the previous period.
    before: Vec<NamedRatesDto>,
    /// What a click on a row drills into (districts only).
    #[prop(optional)]
    drill: Option<WriteSignal<String>>,
    /// Language.
    lang: Lang,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .enumerate()
        .map(|(n, r)| {
            let prev =
                before.iter().find(|b| b.rates.subject == r.rates.subject).and_then(|b| b.rates.composite);
            let (delta, class) = trend(r.rates.composite, prev);
            let code = r.rates.subject.clone();
            let clickable = drill.is_some() && code.len() == 6;
            let grade = r.rates.grade.map(|g| format!("{g:?}"));
            view! {
                <tr class:clickable=clickable data-subject=code.clone() on:click=move |_| {
                    if clickable && let Some(w) = drill { w.set(code.clone()); }
                }>
                    <td>{n + 1}</td>
                    <td>{r.name.clone()}</td>
                    <td class="num"><b>{score(r.rates.composite)}</b> " "
                        {grade.map(|g| view! { <span class=format!("grade g{g}")>{g.clone()}</span> })}</td>
                    <td class=format!("num trend {class}")>{delta}</td>
                    <td class="num">{r.rates.registered}</td>
                    <td class="num">{pct(r.rates.close_rate)}</td>
                    <td class="num">{pct(r.rates.on_time_close_rate)}</td>
                    <td class="num">{pct(r.rates.on_time_handle_rate)}</td>
                    <td class="num">{pct(r.rates.rework_rate)}</td>
                </tr>
            }
        })
        .collect_view();
    let h = |m: Msg| m.text(lang);
    view! {
        <table class="rank">
            <thead><tr>
                <th>"#"</th><th>{h(Msg::EvalName)}</th><th>{h(Msg::EvalComposite)}</th><th>{h(Msg::EvalTrend)}</th>
                <th>{h(Msg::EvalRegistered)}</th><th>{h(Msg::EvalCloseRate)}</th><th>{h(Msg::EvalOnTimeClose)}</th>
                <th>{h(Msg::EvalOnTimeHandle)}</th><th>{h(Msg::EvalRework)}</th>
            </tr></thead>
            <tbody>{body}</tbody>
        </table>
    }
}

/// The evaluation panel.
#[component]
pub fn EvaluationPanel() -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    let open = d.ui.show_evaluation;
    let kind = RwSignal::new(PeriodKind::Today);
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let (area, set_area) = signal(String::from("370200"));
    let chosen = move || {
        let day = |s: String| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok();
        periods(kind.get(), d.link.now.get_untracked(), day(first.get()), day(last.get()))
    };
    let drill = LocalResource::new(move || {
        let (backend, area, open, p) = (d.link.backend.get(), area.get(), open.get(), chosen());
        async move {
            let (now, before) = p?;
            if !open {
                return None;
            }
            let q = |(from, to)| EvalQuery { from, to, area: Some(area.clone()), unit: None };
            let a = backend.get::<ep::EvaluationDrill>(&cityops_api::endpoint::Empty {}, &q(now)).await;
            let b =
                backend.get::<ep::EvaluationDrill>(&cityops_api::endpoint::Empty {}, &q(before)).await.ok();
            Some((a, b, now))
        }
    });
    let tab = move |k: PeriodKind, m: Msg| {
        view! { <button class:active=move || kind.get() == k on:click=move |_| kind.set(k)>{move || ui.t(m)}</button> }
    };
    let content = move || {
        let lang = ui.lang.get();
        match drill.get() {
            None => view! { <p class="small">{Msg::Loading.text(lang)}</p> }.into_any(),
            Some(None) => view! { <p class="small">{Msg::EvalPickPeriod.text(lang)}</p> }.into_any(),
            Some(Some((Err(e), _, _))) => view! { <p class="problem">{e.to_string()}</p> }.into_any(),
            Some(Some((Ok(now), before, (from, to)))) => {
                let before: Option<EvaluationDrillDto> = before;
                let (pb_children, pb_units) = before.map(|b| (b.children, b.units)).unwrap_or_default();
                let u = now.utilisation.clone();
                let share = |n: u32| {
                    if u.reports > 0 {
                        format!("{:.0}%", f64::from(n) * 100.0 / f64::from(u.reports))
                    } else {
                        "—".into()
                    }
                };
                let minutes = |m: Option<f64>| {
                    m.map(|m| if m >= 120.0 { format!("{:.1} h", m / 60.0) } else { format!("{m:.0} min") })
                        .unwrap_or_else(|| "—".into())
                };
                let channels = u
                    .by_channel
                    .iter()
                    .map(|c| format!("{} {}", i18n::channel(c.channel, lang), c.count))
                    .collect::<Vec<_>>()
                    .join(" · ");
                let window = format!("{} – {} (UTC+8)", long_time(from), long_time(to));
                let is_city = now.area.rates.subject.ends_with("00");
                view! {
                    <p class="small window">{Msg::EvalWindow.text(lang)} ": " {window}</p>
                    <div class="tiles">
                        <div class="tile"><div class="label">{Msg::EvalComposite.text(lang)}</div>
                            <div class="value">{score(now.area.rates.composite)}</div>
                            <div class="small">{now.area.name.clone()} " · " {now.area.rates.grade.map(|g| format!("{g:?}")).unwrap_or_default()}</div></div>
                        <div class="tile"><div class="label">{Msg::EvalReports.text(lang)}</div>
                            <div class="value">{u.reports}</div>
                            <div class="small">{format!("{} {} · {} {} · {} {}", Msg::EvalActive.text(lang), share(u.active), Msg::EvalPassive.text(lang), share(u.passive), Msg::EvalAutomatic.text(lang), share(u.automatic))}</div></div>
                        <div class="tile"><div class="label">{Msg::EvalDispatchTime.text(lang)}</div>
                            <div class="value">{minutes(u.mean_dispatch_minutes)}</div>
                            <div class="small">{format!("n = {}", u.dispatched)}</div></div>
                        <div class="tile"><div class="label">{Msg::EvalHandlingTime.text(lang)}</div>
                            <div class="value">{minutes(u.mean_handling_minutes)}</div>
                            <div class="small">{format!("n = {}", u.handled)}</div></div>
                    </div>
                    <p class="small">{channels}</p>
                    <h3>{if is_city { Msg::EvalDistricts.text(lang) } else { Msg::EvalStreets.text(lang) }}</h3>
                    <RankTable rows=now.children before=pb_children drill=set_area lang=lang/>
                    <h3>{Msg::EvalUnits.text(lang)}</h3>
                    <RankTable rows=now.units.into_iter().take(15).collect() before=pb_units lang=lang/>
                    <p class="small">{Msg::EvalNote.text(lang)}</p>
                }
                .into_any()
            }
        }
    };
    view! {
        <Show when=move || open.get()>
            <div class="evaluation" id="evaluation-panel">
                <h2>{move || ui.t(Msg::Evaluation)}
                    <Show when=move || area.get() != "370200">
                        " " <button id="eval-up" on:click=move |_| set_area.set("370200".into())>{move || ui.t(Msg::EvalBack)}</button>
                    </Show>
                </h2>
                <div class="tabs">
                    {tab(PeriodKind::Today, Msg::EvalToday)}
                    {tab(PeriodKind::Week, Msg::EvalWeek)}
                    {tab(PeriodKind::Month, Msg::EvalMonth)}
                    {tab(PeriodKind::Custom, Msg::EvalCustom)}
                    <Show when=move || kind.get() == PeriodKind::Custom>
                        <input type="date" prop:value=move || first.get() on:input=move |e| first.set(event_target_value(&e))/>
                        <input type="date" prop:value=move || last.get() on:input=move |e| last.set(event_target_value(&e))/>
                    </Show>
                    <BriefingButton period=Signal::derive(move || chosen().map(|(now, _)| now)) area=area/>
                </div>
                {content}
            </div>
        </Show>
    }
}
