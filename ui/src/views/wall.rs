//! The command hall's wall (`?wall=1`, or `cityops-desktop --wall`): full screen, no pointer,
//! readable from metres away. A title strip with the scene tabs, the clock and "data as of"; KPI
//! tiles with their window on the left; the map in the middle showing the scene's layers; the
//! scene's panel (charts drawn with `cityops-charts`, the briefing's chart code) on the right; a
//! ticker of the newest reports at the bottom. Scenes rotate; an operator pins, jumps or changes
//! the pace from the keyboard. If the service drops, the last picture stays with its time.

use cityops_api::endpoint::Empty;
use cityops_api::query::{EvalQuery, SummaryQuery};
use cityops_api::{Channel, RatesDto, SummaryDto, Timestamp, ep};
use cityops_charts::Theme;
use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::map_view::MapView;
use crate::data::map::request_draw;
use crate::data::use_data;
use crate::geo::View;
use crate::i18n::{self, Lang, Msg};
use crate::state::{Rotation, Scene, long_time, replay_speed, short_time};

/// Type size of the wall's charts: about 1.1 % of the screen's width (20 px at 1920, 42 at 3840).
fn chart_font() -> u32 {
    let w = web_sys::window().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1920.0);
    (w * 0.0105).round().clamp(14.0, 64.0) as u32
}

/// Pixel size for a chart filling a share of the side panel.
fn chart_size(height_share: f64) -> (u32, u32) {
    let window = web_sys::window();
    let w = window.as_ref().and_then(|w| w.inner_width().ok()).and_then(|v| v.as_f64()).unwrap_or(1920.0);
    let h = window.as_ref().and_then(|w| w.inner_height().ok()).and_then(|v| v.as_f64()).unwrap_or(1080.0);
    ((w * 0.26) as u32, (h * height_share) as u32)
}

/// An SVG chart drawn by the shared chart code, placed as markup.
#[component]
fn Chart(
    /// The SVG document (or an error text).
    svg: String,
    /// Element id (for tests and screenshots).
    id: &'static str,
) -> impl IntoView {
    view! { <div class="wall-chart" id=id inner_html=svg></div> }
}

fn channel_name(c: Channel, lang: Lang) -> String {
    i18n::channel(c, lang).to_owned()
}

/// The wall.
#[component]
pub fn WallView(
    /// Seconds each scene shows.
    seconds: u32,
) -> impl IntoView {
    let d = use_data();
    let ui = d.ui;
    ui.wall.set(true);
    let rotation = RwSignal::new(Rotation::new(seconds));
    let summary = RwSignal::new(None::<SummaryDto>);
    let ranking = RwSignal::new(None::<Vec<RatesDto>>);
    let updated = RwSignal::new(None::<Timestamp>);

    let scene = Memo::new(move |_| rotation.with(|r| r.scene()));
    // A scene shows its layers over the whole city.
    Effect::new(move |_| {
        let scene = scene.get();
        d.map.layers.set(scene.layers().iter().copied().collect());
        let v = d.map.view.get_untracked();
        let home = View::qingdao(v.width, v.height);
        let (lon, lat) = home.center();
        d.fly_to(lon, lat, home.zoom);
        request_draw(d);
    });
    // The replay scene plays the last 24 hours within its time (again, if pinned, once it is
    // back at now); any other scene is live.
    Effect::new(move |_| {
        let replaying = scene.get() == Scene::Replay;
        match (replaying, d.replay.at.get()) {
            (true, None) => {
                let now = d.link.now.get_untracked();
                d.replay.range.set(crate::state::ReplayRange::Day);
                d.replay.speed.set(Some(replay_speed(rotation.with_untracked(|r| r.seconds))));
                d.replay.at.set(Some(now - chrono::Duration::hours(24) + chrono::Duration::minutes(1)));
            }
            (false, Some(_)) => crate::data::replay::live(d),
            _ => {}
        }
    });
    set_interval(move || rotation.update(|r| _ = r.tick()), std::time::Duration::from_secs(1));
    let load = move || {
        let backend = d.link.backend.get_untracked();
        // Replaying: the figures as they stood at the cursor.
        let q = SummaryQuery { area: None, at: d.replay.at.get_untracked() };
        spawn_local(async move {
            if let Ok(s) = backend.get::<ep::Summary>(&Empty {}, &q).await {
                // The ranking over the last 7 days: early in a day nothing is due yet.
                let (from, to) = (s.as_of - chrono::Duration::days(7), s.as_of);
                updated.set(Some(s.as_of));
                summary.set(Some(s));
                let q = EvalQuery { from, to, area: None, unit: None };
                if let Ok(r) = backend.get::<ep::EvaluationDistricts>(&Empty {}, &q).await {
                    ranking.set(Some(r));
                }
            }
        });
        d.enf.load_summary(d.link);
    };
    load();
    // Live: the figures follow the event stream. Each event asks for fresh figures; a burst of
    // events within a second makes one request. The slow timer covers what changes with
    // time alone (a case turning due soon or overdue with no event).
    let asked = StoredValue::new_local(false);
    Effect::new(move |_| {
        let replayed = d.replay.at.get().is_some();
        if replayed || d.map.picture.with(|p| p.last_event_id).is_some() {
            crate::data::once_after(asked, std::time::Duration::from_secs(1), load);
        }
    });
    set_interval(load, std::time::Duration::from_secs(30));
    // The wall's keys (the map's own shortcuts are off in wall mode).
    let _keys = window_event_listener(ev::keydown, move |e: web_sys::KeyboardEvent| {
        let mut used = false;
        rotation.update(|r| used = r.key(&e.key()));
        if used {
            e.prevent_default();
        } else if e.key() == "l" || e.key() == "L" {
            ui.lang.update(|l| *l = l.other());
        }
    });

    let tabs = move || {
        let lang = ui.lang.get();
        let r = rotation.get();
        Scene::ALL
            .iter()
            .enumerate()
            .map(|(n, s)| {
                view! {
                    <span class="wall-tab" class:active=n == r.current id=format!("wall-tab-{}", s.slug())>
                        {format!("{} {}", n + 1, s.title(lang))}
                    </span>
                }
            })
            .collect_view()
    };
    let status = move || {
        let lang = ui.lang.get();
        let r = rotation.get();
        let asof = updated.get().map(long_time).unwrap_or_else(|| "—".into());
        let pace = if r.pinned {
            Msg::WallPinned.text(lang).to_owned()
        } else {
            format!("{} {} s", Msg::WallEvery.text(lang), r.seconds)
        };
        // A dropped service: the last picture stays, saying so, until the stream is back.
        let down = d.link.connection.get() == crate::state::Connection::Reconnecting;
        view! {
            <span class="wall-asof" id="wall-asof">{Msg::WallAsOf.text(lang)} " " {asof} " (UTC+8)"</span>
            <Show when=move || down><span class="wall-down" id="wall-down">{Msg::Disconnected.text(lang)}</span></Show>
            <span class="wall-pace">{pace}</span>
        }
    };
    let tile = move |label: Msg, value: String, id: &'static str, class: &'static str| {
        view! {
            <div class=format!("wall-tile {class}") id=id>
                <div class="label">{move || ui.t(label)}</div>
                <div class="value">{value}</div>
            </div>
        }
    };
    let kpis = move || {
        let lang = ui.lang.get();
        let Some(s) = summary.get() else {
            return view! { <p class="small">{Msg::Loading.text(lang)}</p> }.into_any();
        };
        let pct = |v: Option<f64>| v.map(|v| format!("{:.0}%", v * 100.0)).unwrap_or_else(|| "—".into());
        let channels = s
            .reports_by_channel
            .iter()
            .filter(|c| c.count > 0)
            .map(|c| format!("{} {}", channel_name(c.channel, lang), c.count))
            .collect::<Vec<_>>()
            .join(" · ");
        view! {
            {tile(Msg::WallReportsToday, s.reports.to_string(), "kpi-reports", "")}
            <p class="wall-note">{channels}</p>
            {tile(Msg::WallOpen, s.open.to_string(), "kpi-open", "")}
            {tile(Msg::WallDueSoon, s.due_soon.to_string(), "kpi-due-soon", "yellow")}
            {tile(Msg::WallOverdue, s.overdue.to_string(), "kpi-overdue", "red")}
            {tile(Msg::WallClosedToday, s.closed_today.to_string(), "kpi-closed", "")}
            {tile(Msg::WallCloseRate, format!("{} / {}", pct(s.close_rate), pct(s.on_time_close_rate)), "kpi-rates", "")}
            {tile(Msg::WallTrucks, s.trucks_active.to_string(), "kpi-trucks", "")}
            {tile(Msg::WallAlerts, s.alerts.to_string(), "kpi-alerts", "")}
            <p class="wall-note">{if d.replay.at.get().is_some() { Msg::WallWindowReplay } else { Msg::WallWindow }.text(lang)}</p>
        }
        .into_any()
    };
    let side = move || {
        let lang = ui.lang.get();
        let scene = scene.get();
        let theme = Theme::DARK.with_font(chart_font());
        let Some(s) = summary.get() else { return ().into_any() };
        let alerts_of = move |rules: &[&str], title: Msg| {
            let list: Vec<crate::state::AlertMark> = d.map.picture.with(|p| {
                p.alerts
                    .iter()
                    .rev()
                    .filter(|a| rules.iter().any(|r| a.rule.contains(r)))
                    .take(8)
                    .cloned()
                    .collect()
            });
            let rows = if list.is_empty() {
                vec![view! { <li class="small">{Msg::WallNone.text(lang)}</li> }.into_any()]
            } else {
                list.into_iter()
                    .map(|a| {
                        view! { <li><span class="mono">{short_time(a.at)}</span> " " {a.message}</li> }
                            .into_any()
                    })
                    .collect()
            };
            view! { <h3>{title.text(lang)}</h3><ul class="wall-alerts">{rows}</ul> }
        };
        match scene {
            Scene::Overview => {
                let svg =
                    cityops_charts::hourly_svg(&s.hourly, Msg::WallHourly.text(lang), theme, chart_size(0.3))
                        .unwrap_or_else(|e| e.to_string());
                let rows = s
                    .districts
                    .iter()
                    .map(|x| {
                        view! { <tr><td>{x.name.clone()}</td><td class="num">{x.reports}</td><td class="num">{x.open}</td><td class="num red">{x.overdue}</td></tr> }
                    })
                    .collect_view();
                view! {
                    <Chart svg=svg id="chart-hourly"/>
                    <h3>{Msg::WallDistricts.text(lang)}</h3>
                    <table class="wall-table">{rows}</table>
                }
                .into_any()
            }
            Scene::Waste => view! {
                {alerts_of(&["off_route", "missed", "late", "route"], Msg::WallRouteAlerts)}
            }
            .into_any(),
            Scene::Sites => view! { {alerts_of(&["dust", "noise", "site"], Msg::WallSiteAlerts)} }.into_any(),
            Scene::Video => {
                let mut by_channel = s.reports_by_channel.clone();
                by_channel.sort_by_key(|c| std::cmp::Reverse(c.count));
                let rows: Vec<(String, u32, Option<cityops_charts::RGB>)> =
                    by_channel.iter().map(|c| (channel_name(c.channel, lang), c.count, None)).collect();
                let channels = cityops_charts::labelled_bars_svg(
                    &rows,
                    Msg::WallChannels.text(lang),
                    theme,
                    chart_size(0.3),
                )
                .unwrap_or_else(|e| e.to_string());
                let types: Vec<(String, u32, Option<cityops_charts::RGB>)> =
                    s.top_types.iter().map(|t| (t.name.clone(), t.count, None)).collect();
                let top = cityops_charts::labelled_bars_svg(
                    &types,
                    Msg::WallTopTypes.text(lang),
                    theme,
                    chart_size(0.3),
                )
                .unwrap_or_else(|e| e.to_string());
                let video = s
                    .reports_by_channel
                    .iter()
                    .find(|c| c.channel == Channel::VideoAi)
                    .map_or(0, |c| c.count);
                view! {
                    <div class="wall-tile"><div class="label">{Msg::WallVideo.text(lang)}</div><div class="value">{video}</div></div>
                    <Chart svg=channels id="chart-channels"/>
                    <Chart svg=top id="chart-types"/>
                }
                .into_any()
            }
            Scene::Replay => {
                let now = d.link.now.get();
                let at = d.replay.at.get();
                let done = at.map_or(100.0, |at| {
                    let left = (now - at).num_seconds() as f64;
                    (100.0 * (1.0 - left / 86_400.0)).clamp(0.0, 100.0)
                });
                let speed = d.replay.speed.get().unwrap_or(0);
                view! {
                    <div id="wall-replay-panel">
                        <h3>{Scene::Replay.title(lang)}</h3>
                        <div class="wall-tile"><div class="label">{Msg::ReplayFrames.text(lang)}</div>
                            <div class="value small-value" id="wall-replay-frames"
                                data-keyframes=d.replay.keyframes.get() data-deltas=d.replay.deltas.get()>
                                {format!("{} / {}", d.replay.keyframes.get(), d.replay.deltas.get())}
                            </div>
                            <div class="label">{Msg::ReplayFramesNote.text(lang)}</div>
                        </div>
                        <div class="wall-progress"><div class="bar" style=format!("width: {done:.1}%")></div></div>
                        <p class="wall-note">{format!("{} ×{speed}", Msg::WallReplaySpeed.text(lang))}</p>
                        <p class="wall-note">{Msg::WallReplayNote.text(lang)}</p>
                    </div>
                }
                .into_any()
            }
            Scene::Enforcement => {
                let Some(e) = d.enf.summary.get() else {
                    return view! { <p class="small">{Msg::Loading.text(lang)}</p> }.into_any();
                };
                let rows: Vec<(String, u32, Option<cityops_charts::RGB>)> = e
                    .by_stage
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(s, n)| {
                        (i18n::enf_stage(*s, lang).to_owned(), u32::try_from(*n).unwrap_or(u32::MAX), None)
                    })
                    .collect();
                let stages = cityops_charts::labelled_bars_svg(
                    &rows,
                    Msg::WallEnfStages.text(lang),
                    theme,
                    chart_size(0.32),
                )
                .unwrap_or_else(|e| e.to_string());
                let per_step = if e.closed > 0 { format!("{:.1}", e.days_per_step) } else { "—".into() };
                view! {
                    <div id="wall-enforcement-panel">
                        <div class="wall-tile" id="enf-open"><div class="label">{Msg::WallEnfOpen.text(lang)}</div><div class="value">{e.open}</div></div>
                        <div class="wall-tile yellow" id="enf-due-soon"><div class="label">{Msg::WallEnfDueSoon.text(lang)}</div><div class="value">{e.due_soon}</div></div>
                        <div class="wall-tile red" id="enf-overdue"><div class="label">{Msg::WallEnfOverdue.text(lang)}</div><div class="value">{e.overdue}</div></div>
                        <Chart svg=stages id="chart-enf-stages"/>
                        <div class="wall-tile" id="enf-closed"><div class="label">{Msg::WallEnfClosed.text(lang)}</div><div class="value">{e.closed}</div></div>
                        <div class="wall-tile" id="enf-days"><div class="label">{Msg::WallEnfDays.text(lang)}</div>
                            <div class="value">{per_step} <span class="small-value">{format!(" / {:.1}", e.baseline_days_per_step)}</span></div>
                            <div class="label">{Msg::WallEnfBaseline.text(lang)}</div></div>
                        <div class="wall-tile" id="enf-fines"><div class="label">{Msg::WallEnfFines.text(lang)}</div><div class="value">{e.fines_yuan}</div></div>
                        <p class="wall-note">{Msg::WallEnfNote.text(lang)}</p>
                    </div>
                }
                .into_any()
            }
            Scene::Evaluation => {
                let named: Vec<(String, RatesDto)> = ranking
                    .get()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| {
                        let name = s
                            .districts
                            .iter()
                            .find(|x| x.code == r.subject)
                            .map(|x| x.name.clone())
                            .unwrap_or(r.subject.clone());
                        (name, r)
                    })
                    .collect();
                let svg = cityops_charts::district_ranking_svg_with(
                    &named,
                    Msg::WallRanking.text(lang),
                    theme,
                    chart_size(0.62),
                )
                .unwrap_or_else(|e| e.to_string());
                view! { <Chart svg=svg id="chart-ranking"/> }.into_any()
            }
        }
    };
    let ticker = move || {
        let lang = ui.lang.get();
        summary
            .get()
            .map(|s| {
                s.recent
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {} {} · {}",
                            short_time(c.created_at),
                            c.case_no,
                            channel_name(c.channel, lang),
                            c.address
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("　　")
            })
            .unwrap_or_default()
    };
    view! {
        <div class="wall" id="wall" data-scene=move || rotation.with(|r| r.scene().slug())>
            <header class="wall-top">
                <div class="wall-title">{move || ui.t(Msg::WallTitle)}</div>
                <span class="badge synthetic">{move || ui.t(Msg::Synthetic)}</span>
                <div class="wall-tabs">{tabs}</div>
                <div class="spacer"></div>
                {status}
            </header>
            <div class="wall-main">
                <aside class="wall-kpis">{kpis}</aside>
                <div class="wall-map"><MapView/></div>
                <aside class="wall-side" id="wall-side">{side}</aside>
            </div>
            <footer class="wall-ticker">
                <span class="wall-ticker-label">{move || ui.t(Msg::WallTicker)}</span>
                <div class="wall-ticker-track"><span class="wall-ticker-text">{ticker}</span></div>
                <span class="wall-keys small">{move || ui.t(Msg::WallKeys)}</span>
            </footer>
        </div>
    }
}
