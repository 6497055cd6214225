//! The day's figures (`GET /api/v1/summary`) for the wall and briefings: what the day's reports
//! say (from the store), what is open now (from the live map), closures and rates (GB/T 30428.4).

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone};
use cityops_api::query::SummaryQuery;
use cityops_api::{
    CST, Channel, ChannelCountDto, DistrictCountDto, LayerKind, StatusMix, SummaryDto, TypeCountDto, TypeKey,
};
use cityops_core::calendar::{from_timestamp, to_timestamp};
use cityops_core::evaluation::{CompositeConfig, Period, Scope, evaluate};
use cityops_core::workflow::Case;

use super::{scope, slim};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// How recent a truck's last fix must be to count it active.
const ACTIVE_TRUCK: Duration = Duration::minutes(10);
/// Newest reports listed.
const RECENT: usize = 12;

/// The day so far in the asked area (the city, or the caller's district).
pub async fn summary(st: &AppState, caller: &Caller, q: &SummaryQuery) -> AppResult<SummaryDto> {
    let org = &st.city.pack.organisation;
    let city = org.city_code().to_owned();
    let area = q.area.clone().or_else(|| caller.district.clone()).unwrap_or_else(|| city.clone());
    if area != city && org.district(&area).is_none() {
        return Err(AppError::invalid(format!(
            "area={area:?} must be the city ({city}) or one of its district codes"
        )));
    }
    if area == city && caller.district.is_some() {
        return Err(AppError::forbidden(format!(
            "token is limited to district {}; ask for area={0} or leave area out",
            caller.district.as_deref().unwrap_or_default()
        )));
    }
    scope::area(caller, (area != city).then_some(area.as_str()))?;
    let district = (area != city).then(|| area.clone());

    // The day of `at` as it stood then (the picture rebuilt from the history), or today now.
    let then = match q.at {
        Some(at) => Some(st.history.picture(at).await?),
        None => None,
    };
    let now = then.as_ref().map_or_else(|| st.clock.now(), |p| p.at);
    let as_of = to_timestamp(now);
    let midnight =
        CST.from_local_datetime(&now.date().and_hms_opt(0, 0, 0).unwrap_or(now)).single().unwrap_or(as_of);
    // Today's reports.
    let mut by_channel: BTreeMap<Channel, u32> = Channel::ALL.iter().map(|c| (*c, 0)).collect();
    let mut hourly = vec![0u32; usize::try_from(chrono::Timelike::hour(&now)).unwrap_or(23) + 1];
    let mut types: BTreeMap<TypeKey, u32> = BTreeMap::new();
    let mut per_district: BTreeMap<String, u32> = BTreeMap::new();
    let mut recent = Vec::new();
    let mut reports = 0u32;
    // One read: every case with activity today (changed since midnight). Today's reports, the
    // closures and the rates all come from it; each is judged by its own times, so a case that
    // changed after `at` counts as it stood then.
    let period = Period {
        from: from_timestamp(midnight),
        to: now.max(from_timestamp(midnight) + Duration::seconds(1)),
    };
    let active = super::all_cases(st, super::evaluation::activity(period, district.clone())).await?;
    // Newest first: the recent list is the day's newest reports (as they were at `at`).
    for c in active.iter().filter(|c| c.created_at >= midnight && c.created_at <= as_of) {
        reports += 1;
        *by_channel.entry(c.channel).or_default() += 1;
        let hour = from_timestamp(c.created_at).signed_duration_since(from_timestamp(midnight)).num_hours();
        if let Some(h) = usize::try_from(hour).ok().and_then(|h| hourly.get_mut(h)) {
            *h += 1;
        }
        *types.entry(c.type_key.clone()).or_default() += 1;
        *per_district.entry(c.district_code.clone()).or_default() += 1;
        if recent.len() < RECENT {
            let was = then.as_ref().and_then(|p| p.frame.cases.get(&c.id));
            recent.push(slim(was.unwrap_or(c), as_of));
        }
    }
    let mut top: Vec<(TypeKey, u32)> = types.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.code.cmp(&b.0.code)));
    let top_types = top
        .into_iter()
        .take(5)
        .map(|(type_key, count)| {
            let name = st.city.catalogue.get(&type_key).map(|c| c.name().to_owned()).unwrap_or_default();
            TypeCountDto { type_key, name, count }
        })
        .collect();
    // Closures today and the rates over today.
    let cases: Vec<Case> = active.iter().map(Case::from_dto).collect();
    let closed =
        cases.iter().filter(|c| c.closed_at().is_some_and(|t| period.contains(t) && t <= now)).count();
    let scope_of = Scope::Area(area.clone());
    let rates = tokio::task::spawn_blocking(move || {
        evaluate(&cases, &scope_of, period, now, None, &CompositeConfig::default()).to_dto()
    })
    .await
    .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?;
    // Open now from the live map; open then from the rebuilt frame (the same status classes).
    let present = match &then {
        None => Present::Live,
        Some(p) => Present::Then(p, p.frame.cases_at(p.at)),
    };
    let mix = present.cases(st, district.as_deref());
    let alerts = present.alerts(st, district.as_deref());
    let trucks_active = present
        .fixes(st)
        .await?
        .into_iter()
        .filter(|(_, at)| *at + ACTIVE_TRUCK >= now)
        .filter(|(id, _)| scope::sees_truck(st, caller, id))
        .filter(|(id, _)| district.as_deref().is_none_or(|d| st.city.truck_district(id) == Some(d)))
        .count() as u32;
    let districts = org
        .districts()
        .iter()
        .filter(|d| district.as_deref().is_none_or(|a| a == d.code))
        .map(|d| {
            let m: StatusMix = present.cases(st, Some(&d.code));
            DistrictCountDto {
                code: d.code.clone(),
                name: d.name.clone(),
                reports: per_district.get(&d.code).copied().unwrap_or(0),
                open: m.open + m.due_soon + m.overdue,
                overdue: m.overdue,
            }
        })
        .collect();
    Ok(SummaryDto {
        area,
        from: midnight,
        as_of,
        reports,
        reports_by_channel: by_channel
            .into_iter()
            .map(|(channel, count)| ChannelCountDto { channel, count })
            .collect(),
        hourly,
        open: mix.open,
        due_soon: mix.due_soon,
        overdue: mix.overdue,
        closed_today: u32::try_from(closed).unwrap_or(u32::MAX),
        close_rate: rates.close_rate,
        on_time_close_rate: rates.on_time_close_rate,
        trucks_active,
        alerts,
        top_types,
        recent,
        districts,
    })
}

/// Where "open" comes from: the live map now, or the frame rebuilt at a past instant with its
/// cases as they were then.
enum Present<'a> {
    Live,
    Then(&'a crate::history::Picture, Vec<cityops_api::CaseDto>),
}

impl Present<'_> {
    /// The cases on the map by status class, in the city or one district.
    fn cases(&self, st: &AppState, district: Option<&str>) -> StatusMix {
        match self {
            Present::Live => st.map.mix(LayerKind::Cases, district).unwrap_or_default(),
            Present::Then(_, cases) => {
                let mut m = StatusMix::default();
                let classes = cases
                    .iter()
                    .filter(|c| district.is_none_or(|d| c.district_code == d))
                    .filter_map(cityops_api::StatusClass::of_dto);
                for class in classes {
                    m.add(class);
                }
                m
            }
        }
    }

    /// The alerts on the map.
    fn alerts(&self, st: &AppState, district: Option<&str>) -> u32 {
        match self {
            Present::Live => st.map.mix(LayerKind::Alerts, district).map_or(0, |m| m.total()),
            Present::Then(p, _) => p
                .frame
                .alerts
                .values()
                .filter(|e| district.is_none_or(|d| st.city.district_of(&e.body).as_deref() == Some(d)))
                .count() as u32,
        }
    }

    /// Every vehicle's last fix: id and time.
    async fn fixes(&self, st: &AppState) -> AppResult<Vec<(String, chrono::NaiveDateTime)>> {
        Ok(match self {
            Present::Live => {
                st.store.vehicles().await?.into_iter().map(|v| (v.id, from_timestamp(v.at))).collect()
            }
            Present::Then(p, _) => {
                p.frame.vehicles.iter().map(|(id, e)| (id.clone(), from_timestamp(e.at))).collect()
            }
        })
    }
}
