//! Top bar with search, the layer panel with legend and freshness, the filter panel with results,
//! the status bar, settings, shortcut help and the error toast.

use cityops_api::{Channel, LayerKind, Stage, StatusClass};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Ctx, apply_settings, case, keep_settings, reload_all};
use crate::backend::{Backend, BackendError};
use crate::i18n::{self, Msg};
use crate::keys::help;
use crate::state::{
    CaseFilter, Connection, Freshness, POINT_LAYERS, PlaceHit, PlaceKind, SearchKind, ServiceInfo, Settings,
    VIEWPORT_LAYERS, classify_search, freshness, long_time, quiet_after_s, short_time, wire,
};
use crate::style;

/// Title, search, toggles.
#[component]
pub fn TopBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let query = RwSignal::new(String::new());
    let run_search = move || {
        let Some(kind) = classify_search(&query.get_untracked()) else { return };
        let backend = ctx.backend.get_untracked();
        spawn_local(async move {
            match kind {
                SearchKind::CaseId(id) => match backend.get_case(id).await {
                    Ok(c) => {
                        ctx.results.set(vec![c.clone()]);
                        ctx.fly_to(c.lon, c.lat, 16.0);
                        case::select(ctx, c.id);
                    }
                    Err(e) => ctx.error(&e),
                },
                other => {
                    // Places from the base map, the camera from the service, and cases whose
                    // number, address, description or camera match (the service's `q`).
                    let text = match &other {
                        SearchKind::CaseNo(t) | SearchKind::Camera(t) | SearchKind::Address(t) => t.clone(),
                        SearchKind::CaseId(id) => id.to_string(),
                    };
                    let mut places = match &other {
                        SearchKind::Address(a) => super::find_places(a, 20),
                        _ => Vec::new(),
                    };
                    if let SearchKind::Camera(cam) = &other {
                        match backend.camera(cam).await {
                            Ok(c) => {
                                places.push(PlaceHit {
                                    kind: PlaceKind::Camera,
                                    name: c.id,
                                    code: None,
                                    lon: c.lon,
                                    lat: c.lat,
                                });
                                ctx.layers.update(|l| {
                                    l.insert(LayerKind::Cameras);
                                });
                            }
                            Err(e) => ctx.error(&e),
                        }
                    }
                    let filter = CaseFilter { text: Some(text), ..Default::default() };
                    let cases = match backend.list_cases(&filter.query(50)).await {
                        Ok(page) => page.items,
                        Err(BackendError::NotConfigured) => Vec::new(),
                        Err(e) => {
                            ctx.error(&e);
                            Vec::new()
                        }
                    };
                    ctx.picture.update(|p| cases.iter().for_each(|c| p.note_case(c)));
                    if let Some(p) = places.first() {
                        ctx.fly_to(p.lon, p.lat, p.kind.zoom());
                    } else if let Some(first) = cases.first() {
                        ctx.fly_to(first.lon, first.lat, if cases.len() == 1 { 16.0 } else { 13.0 });
                        if cases.len() == 1 {
                            case::select(ctx, first.id);
                        }
                    }
                    ctx.place_results.set(places);
                    ctx.results.set(cases);
                    ctx.show_filters.set(true);
                }
            }
        });
    };
    view! {
        <header class="topbar">
            <div class="title">{move || ctx.t(Msg::Title)}</div>
            <span class="badge synthetic" title=move || ctx.t(Msg::SyntheticGeo)>{move || ctx.t(Msg::Synthetic)}</span>
            <input
                id="search"
                class="search"
                type="search"
                placeholder=move || ctx.t(Msg::Search)
                prop:value=move || query.get()
                on:input=move |e| query.set(event_target_value(&e))
                on:keydown=move |e: leptos::ev::KeyboardEvent| {
                    if e.key() == "Enter" {
                        run_search();
                    }
                }
            />
            <button
                class:active=move || ctx.filter.with(|f| !f.is_empty())
                title=move || ctx.t(Msg::FilterActive)
                on:click=move |_| ctx.show_filters.update(|s| *s = !*s)
            >
                {move || ctx.t(Msg::Filters)}
                " (F)"
            </button>
            <div class="spacer"></div>
            <span class="clock mono" title=move || ctx.t(Msg::ClockNote)>
                {move || long_time(ctx.now.get())}
                {move || ctx.clock.get().filter(|c| c.simulated()).map(|c| view! {
                    <span class="badge sim">{format!("{} ×{}", ctx.t(Msg::SimTime), c.scale)}</span>
                })}
            </span>
            <button on:click=move |_| ctx.lang.update(|l| *l = l.other())>{move || ctx.t(Msg::Language)}</button>
            <button on:click=move |_| ctx.show_help.update(|s| *s = !*s)>{move || ctx.t(Msg::Shortcuts)} " (?)"</button>
            <button on:click=move |_| ctx.show_settings.set(true)>{move || ctx.t(Msg::Settings)}</button>
        </header>
    }
}

/// Layers with toggles, counts and freshness; the legend.
#[component]
pub fn LayerPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = move || {
        let lang = ctx.lang.get();
        let now = ctx.now.get();
        let counts = ctx.picture.with(|p| p.counts());
        let as_of = ctx.picture.with(|p| p.as_of.clone());
        let on = ctx.layers.get();
        POINT_LAYERS
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let l = *l;
                let t = as_of.get(&l).copied();
                let fresh = freshness(l, t, now);
                let count = counts.get(&l).copied().unwrap_or(0);
                let static_layer = ctx.static_served.with(|s| s.contains(&l));
                let served = VIEWPORT_LAYERS.contains(&l) || static_layer;
                let mut time = match t {
                    Some(t) => format!("{} {}", Msg::DataAsOf.text(lang), short_time(t)),
                    None if static_layer => Msg::StaticLayer.text(lang).to_owned(),
                    None if served => Msg::NoData.text(lang).to_owned(),
                    None => Msg::NotServed.text(lang).to_owned(),
                };
                if fresh == Freshness::Quiet {
                    time.push_str(&format!(" · {}", Msg::FeedQuiet.text(lang)));
                }
                let quiet_min = quiet_after_s(l) / 60;
                let title = format!("{} ({} {quiet_min} min)", Msg::StaleNote.text(lang), "≤");
                let checked = on.contains(&l);
                view! {
                    <label class="layer-row" class:quiet=fresh == Freshness::Quiet title=title>
                        <input
                            type="checkbox"
                            data-layer=crate::state::layer_name(l)
                            prop:checked=checked
                            on:change=move |_| {
                                ctx.layers.update(|s| {
                                    if !s.remove(&l) {
                                        s.insert(l);
                                    }
                                })
                            }
                        />
                        <span class="swatch" style:background=style::layer_colour(l)></span>
                        <span class="layer-name">{i + 1} " " {i18n::layer(l, lang)}</span>
                        <span class="count mono" title=Msg::ViewportNote.text(lang)>{count}</span>
                        <div class="asof">{time}</div>
                    </label>
                }
            })
            .collect_view()
    };
    let legend = move || {
        let lang = ctx.lang.get();
        let stages = Stage::ALL
            .iter()
            .map(|s| {
                view! {
                    <div class="legend-row">
                        <span class="dot" style:background=style::stage_colour(*s)></span>
                        {i18n::stage(*s, lang)}
                    </div>
                }
            })
            .collect_view();
        view! {
            <div class="legend">
                <h3>{Msg::StageLegend.text(lang)}</h3>
                {stages}
                <div class="legend-row">
                    <span class="dot" style:background=style::status_colour(StatusClass::Overdue)></span>
                    {Msg::Late.text(lang)}
                </div>
                <div class="legend-row donut-note">
                    <svg width="28" height="28" viewBox="-14 -14 28 28">
                        <circle r="10" fill="none" stroke=style::status_colour(StatusClass::Open) stroke-width="7"></circle>
                        <path d="M0 -10 A10 10 0 0 1 10 0" fill="none" stroke=style::status_colour(StatusClass::Overdue) stroke-width="7"></path>
                        <path d="M0 10 A10 10 0 0 1 -10 0" fill="none" stroke=style::status_colour(StatusClass::Closed) stroke-width="7"></path>
                    </svg>
                    <span>{Msg::ClusterNote.text(lang)}</span>
                </div>
                <div class="legend-row small amber">{Msg::StaleNote.text(lang)}</div>
                <div class="legend-row small">{Msg::SyntheticGeo.text(lang)}</div>
            </div>
        }
    };
    // The latest live alerts, newest first; a click flies to the place.
    let alerts = move || {
        let list: Vec<crate::state::AlertMark> =
            ctx.picture.with(|p| p.alerts.iter().rev().take(6).cloned().collect());
        if list.is_empty() {
            return ().into_any();
        }
        view! {
            <h3>{ctx.t(Msg::Alerts)} <span class="small">" (" {ctx.t(Msg::AlertsNote)} ")"</span></h3>
            <ul class="alerts">
                {list
                    .into_iter()
                    .map(|a| {
                        let (lon, lat) = (a.lon, a.lat);
                        view! {
                            <li title=a.rule.clone() on:click=move |_| ctx.fly_to(lon, lat, 16.0)>
                                <span class="mono small">{short_time(a.at)}</span>
                                " "
                                {a.message.clone()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <aside class="layers">
            <h2>{move || ctx.t(Msg::Layers)}</h2>
            {rows}
            {alerts}
            {legend}
        </aside>
    }
}

/// Connection, last event, cursor, zoom.
#[component]
pub fn StatusBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let conn_class = move || match ctx.connection.get() {
        Connection::Live => "conn live",
        Connection::Connecting => "conn connecting",
        Connection::Reconnecting => "conn down",
        Connection::NoServer => "conn none",
    };
    let last = move || {
        ctx.picture.with(|p| match (p.last_event_id, p.last_event_at) {
            (Some(id), Some(at)) => format!("{} #{id} · {}", ctx.t(Msg::LastEvent), long_time(at)),
            _ => String::new(),
        })
    };
    let items = move || {
        let (n, truncated): (u32, bool) = ctx.picture.with(|p| (p.counts().values().sum(), p.truncated));
        let cut = if truncated { format!(" · {}", ctx.t(Msg::Truncated)) } else { String::new() };
        format!("{n} {}{cut}", ctx.t(Msg::Items))
    };
    view! {
        <footer class="statusbar">
            <span
                class=conn_class
                id="connection"
                title=move || ctx.t(Msg::Settings)
                on:click=move |_| ctx.show_settings.set(true)
            >
                <span class="led"></span>
                {move || ctx.connection.get().label(ctx.lang.get())}
            </span>
            <span class="mono">{last}</span>
            <span class="mono" title=move || ctx.t(Msg::ViewportNote)>{items}</span>
            <div class="spacer"></div>
            <span class="mono" id="cursor">
                {move || ctx.t(Msg::Cursor)} " "
                {move || ctx.cursor.get().map(|(lon, lat)| crate::geo::format_lonlat(lon, lat)).unwrap_or_else(|| "—".into())}
            </span>
            <span class="mono" title=move || ctx.t(Msg::ZoomNote)>
                {move || ctx.t(Msg::ZoomL)} " " {move || format!("{:.2}", ctx.view.with(|v| v.zoom))}
            </span>
            <span class="mono">"WGS84"</span>
        </footer>
    }
}

fn date_to_rfc3339(d: &str, end: bool) -> Option<String> {
    if d.len() != 10 {
        return None;
    }
    Some(if end { format!("{d}T23:59:59+08:00") } else { format!("{d}T00:00:00+08:00") })
}

/// Filters and results.
#[component]
pub fn FilterPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let area = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let stage = RwSignal::new(String::new());
    let overdue = RwSignal::new(false);
    let channel = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let apply = move |_| {
        let parse_stage = |s: &str| Stage::ALL.iter().copied().find(|x| wire(x) == s);
        let parse_channel = |s: &str| Channel::ALL.iter().copied().find(|x| wire(x) == s);
        let f = CaseFilter {
            area: Some(area.get_untracked()).filter(|s| !s.is_empty()),
            code: Some(code.get_untracked().trim().to_owned()).filter(|s| !s.is_empty()),
            stage: parse_stage(&stage.get_untracked()),
            overdue: overdue.get_untracked(),
            channel: parse_channel(&channel.get_untracked()),
            from: date_to_rfc3339(&from.get_untracked(), false),
            to: date_to_rfc3339(&to.get_untracked(), true),
            bbox: None,
            text: None,
        };
        ctx.filter.set(f.clone());
        let backend = ctx.backend.get_untracked();
        spawn_local(async move {
            match backend.list_cases(&f.query(50)).await {
                Ok(page) => {
                    ctx.picture.update(|p| page.items.iter().for_each(|c| p.note_case(c)));
                    // Show all results on the map.
                    if let Some(first) = page.items.first() {
                        let mut b = crate::geo::Bounds {
                            west: first.lon,
                            south: first.lat,
                            east: first.lon,
                            north: first.lat,
                        };
                        for c in &page.items {
                            b.west = b.west.min(c.lon);
                            b.east = b.east.max(c.lon);
                            b.south = b.south.min(c.lat);
                            b.north = b.north.max(c.lat);
                        }
                        let to = ctx.view.get_untracked().fitting(&b, 16.0);
                        let (lon, lat) = to.center();
                        ctx.fly_to(lon, lat, to.zoom);
                    }
                    ctx.results.set(page.items);
                    ctx.place_results.set(Vec::new());
                }
                Err(e) => ctx.error(&e),
            }
        });
    };
    let clear = move |_| {
        area.set(String::new());
        code.set(String::new());
        stage.set(String::new());
        overdue.set(false);
        channel.set(String::new());
        from.set(String::new());
        to.set(String::new());
        ctx.filter.set(CaseFilter::default());
        ctx.results.set(Vec::new());
        ctx.place_results.set(Vec::new());
    };
    let results = move || {
        let lang = ctx.lang.get();
        let now = ctx.now.get();
        ctx.results
            .get()
            .into_iter()
            .map(|c| {
                let id = c.id;
                let (lon, lat) = (c.lon, c.lat);
                let left = c.deadline.map(|d| crate::state::time_left(d, now, lang).0).unwrap_or_default();
                let colour = style::case_colour(c.stage, c.overdue);
                view! {
                    <li on:click=move |_| {
                        ctx.fly_to(lon, lat, 16.0);
                        case::select(ctx, id);
                    }>
                        <span class="dot" style:background=colour></span>
                        <b class="mono">{c.case_no.clone()}</b>
                        " " {i18n::stage(c.stage, lang)}
                        <div class="small">{c.address.clone()}</div>
                        <div class="small" class:late=c.overdue>{left}</div>
                    </li>
                }
            })
            .collect_view()
    };
    let places = move || {
        let lang = ctx.lang.get();
        ctx.place_results
            .get()
            .into_iter()
            .map(|p| {
                let (lon, lat, zoom) = (p.lon, p.lat, p.kind.zoom());
                view! {
                    <li on:click=move |_| ctx.fly_to(lon, lat, zoom)>
                        <b>{p.name.clone()}</b>
                        " " <span class="small">{p.kind.label(lang)}</span>
                        <div class="small mono">{p.code.clone().unwrap_or_default()} " " {format!("{lon:.5}, {lat:.5}")}</div>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || ctx.show_filters.get()>
            <div class="filters">
                <h2>{move || ctx.t(Msg::Filters)}</h2>
                <label>{move || ctx.t(Msg::District)}
                    <select on:change=move |e| area.set(event_target_value(&e)) prop:value=move || area.get()>
                        <option value="">{move || ctx.t(Msg::AllDistricts)}</option>
                        {move || {
                            let lang = ctx.lang.get();
                            ctx.districts.get().into_iter().map(|d| {
                                let label = if lang == i18n::Lang::Zh { d.name.clone() } else { d.name_en.clone() };
                                view! { <option value=d.code.clone()>{label}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
                <label>{move || ctx.t(Msg::Class)}
                    <input type="text" placeholder="06 / 06010" prop:value=move || code.get() on:input=move |e| code.set(event_target_value(&e))/>
                </label>
                <label>{move || ctx.t(Msg::StageL)}
                    <select on:change=move |e| stage.set(event_target_value(&e)) prop:value=move || stage.get()>
                        <option value="">{move || ctx.t(Msg::AllStages)}</option>
                        {move || {
                            let lang = ctx.lang.get();
                            Stage::ALL.iter().map(|s| view! { <option value=wire(s)>{i18n::stage(*s, lang)}</option> }).collect_view()
                        }}
                    </select>
                </label>
                <label>{move || ctx.t(Msg::ChannelL)}
                    <select on:change=move |e| channel.set(event_target_value(&e)) prop:value=move || channel.get()>
                        <option value="">{move || ctx.t(Msg::AllChannels)}</option>
                        {move || {
                            let lang = ctx.lang.get();
                            Channel::ALL.iter().map(|c| view! { <option value=wire(c)>{i18n::channel(*c, lang)}</option> }).collect_view()
                        }}
                    </select>
                </label>
                <label class="inline">
                    <input type="checkbox" prop:checked=move || overdue.get() on:change=move |_| overdue.update(|o| *o = !*o)/>
                    {move || ctx.t(Msg::OverdueOnly)}
                </label>
                <div class="row">
                    <label>{move || ctx.t(Msg::From)}
                        <input type="date" prop:value=move || from.get() on:input=move |e| from.set(event_target_value(&e))/>
                    </label>
                    <label>{move || ctx.t(Msg::To)}
                        <input type="date" prop:value=move || to.get() on:input=move |e| to.set(event_target_value(&e))/>
                    </label>
                </div>
                <div class="row">
                    <button class="primary" on:click=apply>{move || ctx.t(Msg::Apply)}</button>
                    <button on:click=clear>{move || ctx.t(Msg::Clear)}</button>
                </div>
                <Show when=move || ctx.place_results.with(|p| !p.is_empty())>
                    <h3>{move || ctx.t(Msg::Places)} " (" {move || ctx.place_results.with(|r| r.len())} ")"</h3>
                    <ul class="results places">{places}</ul>
                </Show>
                <h3>{move || ctx.t(Msg::Results)} " (" {move || ctx.results.with(|r| r.len())} ") "
                    <span class="small">{move || ctx.t(Msg::ResultsNote)}</span></h3>
                <ul class="results">{results}</ul>
            </div>
        </Show>
    }
}

/// Service URL and token. In a browser they pick the service the page talks to; in the desktop
/// shell the shell checks them and switches its live map to that service (or back to its
/// embedded one).
#[component]
pub fn SettingsDialog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let server = RwSignal::new(ctx.settings.get_untracked().server);
    let token = RwSignal::new(ctx.settings.get_untracked().token);
    let current = RwSignal::new(None::<ServiceInfo>);
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let shell = move || matches!(ctx.backend.get(), Backend::Tauri);
    // What the shell follows now, read each time the dialog opens.
    Effect::new(move |_| {
        if ctx.show_settings.get() && matches!(ctx.backend.get_untracked(), Backend::Tauri) {
            problem.set(None);
            let backend = ctx.backend.get_untracked();
            spawn_local(async move { current.set(backend.service_info().await.ok()) });
        }
    });
    let switch = move |target: Option<String>| {
        let s = Settings {
            server: server.get_untracked().trim().trim_end_matches('/').to_owned(),
            token: token.get_untracked().trim().to_owned(),
        };
        if !matches!(ctx.backend.get_untracked(), Backend::Tauri) {
            apply_settings(ctx, s);
            ctx.show_settings.set(false);
            return;
        }
        busy.set(true);
        problem.set(None);
        let backend = ctx.backend.get_untracked();
        spawn_local(async move {
            match backend.use_service(target.as_deref(), &s.token).await {
                Ok(info) => {
                    if !info.embedded {
                        keep_settings(ctx, s);
                    }
                    current.set(Some(info));
                    reload_all(ctx);
                    ctx.show_settings.set(false);
                }
                Err(e) => problem.set(Some(match e {
                    BackendError::Api(api) => api.message,
                    other => other.to_string(),
                })),
            }
            busy.set(false);
        });
    };
    let save = move |_| switch(Some(server.get_untracked().trim().to_owned()));
    let embedded = move |_| switch(None);
    let describe = move || {
        current.get().map(|info| {
            let kind = if info.embedded { Msg::EmbeddedService } else { Msg::RemoteService };
            format!("{}: {} · {}", ctx.t(Msg::CurrentService), ctx.t(kind), info.server)
        })
    };
    view! {
        <Show when=move || ctx.show_settings.get()>
            <div class="modal-back">
                <div class="modal settings">
                    <h2>{move || ctx.t(Msg::Settings)}</h2>
                    <Show when=shell>
                        <p class="service-now" id="service-now">{describe}</p>
                    </Show>
                    <label>{move || ctx.t(Msg::ServerUrl)}
                        <input type="url" placeholder="http://127.0.0.1:8480" prop:value=move || server.get() on:input=move |e| server.set(event_target_value(&e))/>
                    </label>
                    <label>{move || ctx.t(Msg::Token)}
                        <input type="password" prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e))/>
                    </label>
                    <Show when=shell>
                        <p class="hint">{move || ctx.t(Msg::SwitchNote)}</p>
                    </Show>
                    <Show when=move || busy.get()>
                        <p class="hint">{move || ctx.t(Msg::Checking)}</p>
                    </Show>
                    {move || problem.get().map(|p| view! { <p class="problem">{p}</p> })}
                    <div class="row">
                        <button class="primary" id="settings-save" prop:disabled=move || busy.get() on:click=save>{move || ctx.t(Msg::Save)}</button>
                        <Show when=shell>
                            <button id="settings-embedded" prop:disabled=move || busy.get() on:click=embedded>{move || ctx.t(Msg::UseEmbedded)}</button>
                        </Show>
                        <button on:click=move |_| ctx.show_settings.set(false)>{move || ctx.t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// The shortcut table.
#[component]
pub fn HelpOverlay() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <Show when=move || ctx.show_help.get()>
            <div class="modal-back" on:click=move |_| ctx.show_help.set(false)>
                <div class="modal help">
                    <h2>{move || ctx.t(Msg::Shortcuts)}</h2>
                    <table>
                        {move || help(ctx.lang.get()).into_iter().map(|(k, d)| view! {
                            <tr><td><kbd>{k}</kbd></td><td>{d}</td></tr>
                        }).collect_view()}
                    </table>
                </div>
            </div>
        </Show>
    }
}

/// The last error, dismissable.
#[component]
pub fn Toast() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Errors fade after eight seconds unless replaced.
    Effect::new(move |_| {
        if let Some(t) = ctx.toast.get() {
            set_timeout(
                move || {
                    if ctx.toast.get_untracked().as_deref() == Some(t.as_str()) {
                        ctx.toast.set(None);
                    }
                },
                std::time::Duration::from_secs(8),
            );
        }
    });
    move || {
        ctx.toast.get().map(|t| {
            view! {
                <div class="toast" on:click=move |_| ctx.toast.set(None)>{t}</div>
            }
        })
    }
}
