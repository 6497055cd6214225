//! Evaluation: GB/T 30428.4 rates of an area or unit over a period, the districts as peers, and
//! the ranking chart (plotters, shared with briefings).

use cityops_api::query::EvalQuery;
use cityops_api::{ChannelCountDto, ErrorCode, EvaluationDrillDto, NamedRatesDto, RatesDto, UtilisationDto};
use cityops_core::calendar::{from_timestamp, to_timestamp};
use cityops_core::evaluation::{CompositeConfig, Period, Scope, evaluate, evaluate_peers, utilisation};
use cityops_core::workflow::Case;
use cityops_store::CaseFilter;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

fn period(q: &EvalQuery) -> AppResult<Period> {
    let (from, to) = (from_timestamp(q.from), from_timestamp(q.to));
    if from >= to {
        return Err(AppError::invalid("from must be before to"));
    }
    Ok(Period { from, to })
}

/// The cases with activity in the period (created before its end, changed since its start).
pub(crate) fn activity(p: Period, area: Option<String>) -> CaseFilter {
    CaseFilter {
        area,
        to: Some(to_timestamp(p.to)),
        updated_from: Some(to_timestamp(p.from)),
        ..Default::default()
    }
}

/// Every case with activity in the period.
pub(crate) async fn cases_of(st: &AppState, p: Period, area: Option<String>) -> AppResult<Vec<Case>> {
    Ok(super::all_cases(st, activity(p, area)).await?.iter().map(Case::from_dto).collect())
}

fn join_error(e: tokio::task::JoinError) -> AppError {
    AppError::new(ErrorCode::Internal, e.to_string())
}

/// The rates, composite and grade of an area (`370200` = the city) or a unit.
pub async fn area(st: &AppState, caller: &Caller, q: &EvalQuery) -> AppResult<RatesDto> {
    let p = period(q)?;
    let scope = match (&q.area, &q.unit) {
        (Some(a), None) if a.bytes().all(|b| b.is_ascii_digit()) && matches!(a.len(), 6 | 9 | 12 | 15) => {
            Scope::Area(a.clone())
        }
        (None, Some(u)) if st.city.pack.organisation.unit(u).is_some() => Scope::Unit(u.clone()),
        _ => {
            return Err(AppError::invalid(
                "give either area=<6/9/12/15-digit code> or unit=<known unit code>",
            ));
        }
    };
    // A district token evaluates its district, the areas inside it and their units only.
    match &scope {
        Scope::Area(a) => {
            super::scope::area(caller, Some(a))?;
        }
        Scope::Unit(u) => {
            let unit_district =
                st.city.pack.organisation.unit(u).and_then(|u| u.district_code.clone()).unwrap_or_default();
            if caller.district.is_some() && !caller.covers(&unit_district) {
                return Err(AppError::forbidden(format!(
                    "token is limited to district {}; unit {u} is outside",
                    caller.district.as_deref().unwrap_or_default()
                )));
            }
        }
    }
    let area_filter = match &scope {
        Scope::Area(a) if a != "370200" => Some(a.clone()),
        _ => None,
    };
    let cases = cases_of(st, p, area_filter).await?;
    let now = st.clock.now();
    let e = tokio::task::spawn_blocking(move || {
        evaluate(&cases, &scope, p, now, None, &CompositeConfig::default())
    })
    .await
    .map_err(join_error)?;
    Ok(e.to_dto())
}

/// The 10 districts evaluated as peers (a district token: its own district's row, evaluated
/// among its peers as the city sees it).
pub async fn districts(st: &AppState, caller: &Caller, q: &EvalQuery) -> AppResult<Vec<RatesDto>> {
    let p = period(q)?;
    let cases = cases_of(st, p, None).await?;
    let codes: Vec<String> = st.city.pack.organisation.districts().iter().map(|d| d.code.clone()).collect();
    let now = st.clock.now();
    let evals = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        evaluate_peers(&cases, &refs, p, now, &CompositeConfig::default())
    })
    .await
    .map_err(join_error)?;
    Ok(evals.iter().map(|e| e.to_dto()).filter(|r| super::scope::sees_district(caller, &r.subject)).collect())
}

/// The district ranking as an SVG chart for briefings.
pub async fn chart_svg(st: &AppState, caller: &Caller, q: &EvalQuery) -> AppResult<String> {
    let title = format!(
        "区域综合评价 {} – {} (UTC+8)",
        q.from.with_timezone(&cityops_api::CST).format("%Y-%m-%d %H:%M"),
        q.to.with_timezone(&cityops_api::CST).format("%Y-%m-%d %H:%M")
    );
    let rows = districts(st, caller, q).await?;
    let named: Vec<(String, RatesDto)> = rows
        .into_iter()
        .map(|r| {
            let name = st
                .city
                .pack
                .organisation
                .district(&r.subject)
                .map(|d| d.name.clone())
                .unwrap_or(r.subject.clone());
            (name, r)
        })
        .collect();
    cityops_charts::district_ranking_svg(&named, &title)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

/// An area (the city code, or a district) with its child areas as peers, its units and its
/// platform utilisation, over a period. A district token: its own district only.
pub async fn drill(st: &AppState, caller: &Caller, q: &EvalQuery) -> AppResult<EvaluationDrillDto> {
    let p = period(q)?;
    let org = &st.city.pack.organisation;
    let city = org.city_code().to_owned();
    let area = q.area.clone().unwrap_or_else(|| city.clone());
    if q.unit.is_some() {
        return Err(AppError::invalid(
            "unit: the drill-down takes an area (the city or a district), not a unit",
        ));
    }
    type Names = Vec<(String, String)>;
    let (name, children, units): (String, Names, Names) = if area == city {
        (
            "青岛市".to_owned(),
            org.districts().iter().map(|d| (d.code.clone(), d.name.clone())).collect(),
            org.units()
                .iter()
                .filter(|u| u.district_code.is_none())
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
        )
    } else if let Some(d) = org.district(&area) {
        let streets = match org.children(&area) {
            Ok(cityops_core::org::Children::Streets(s)) => {
                s.iter().map(|s| (s.code.clone(), s.name.clone())).collect()
            }
            _ => Vec::new(),
        };
        (
            d.name.clone(),
            streets,
            org.units()
                .iter()
                .filter(|u| u.district_code.as_deref() == Some(area.as_str()))
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
        )
    } else {
        return Err(AppError::invalid(format!(
            "area={area:?} must be the city ({city}) or one of its district codes"
        )));
    };
    super::scope::area(caller, (area != city).then_some(area.as_str()))?;
    if area == city && caller.district.is_some() {
        return Err(AppError::forbidden(format!(
            "token is limited to district {}; ask for area={}",
            caller.district.as_deref().unwrap_or_default(),
            caller.district.as_deref().unwrap_or_default()
        )));
    }
    let cases = cases_of(st, p, (area != city).then(|| area.clone())).await?;
    let now = st.clock.now();
    let (from, to) = (q.from, q.to);
    let catalogue = st.city.clone();
    let drill = tokio::task::spawn_blocking(move || {
        let cfg = CompositeConfig::default();
        let whole = evaluate(&cases, &Scope::Area(area.clone()), p, now, None, &cfg).to_dto();
        let codes: Vec<&str> = children.iter().map(|(c, _)| c.as_str()).collect();
        let name_of = |list: &[(String, String)], code: &str| {
            list.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_default()
        };
        let mut kids: Vec<NamedRatesDto> = evaluate_peers(&cases, &codes, p, now, &cfg)
            .iter()
            .map(|e| e.to_dto())
            .map(|r| NamedRatesDto { name: name_of(&children, &r.subject), rates: r })
            .collect();
        let mut unit_rows: Vec<NamedRatesDto> = units
            .iter()
            .map(|(code, name)| (name, evaluate(&cases, &Scope::Unit(code.clone()), p, now, None, &cfg)))
            .filter(|(_, e)| e.counts != Default::default())
            .map(|(name, e)| NamedRatesDto { name: name.clone(), rates: e.to_dto() })
            .collect();
        let best = |a: &NamedRatesDto, b: &NamedRatesDto| {
            b.rates
                .composite
                .unwrap_or(-1.0)
                .total_cmp(&a.rates.composite.unwrap_or(-1.0))
                .then(a.rates.subject.cmp(&b.rates.subject))
        };
        kids.sort_by(best);
        unit_rows.sort_by(best);
        let u = utilisation(&cases, &area, p, now);
        let utilisation = UtilisationDto {
            subject: area,
            from,
            to,
            reports: u.reports,
            by_channel: u
                .by_channel
                .iter()
                .map(|(channel, count)| ChannelCountDto { channel: *channel, count: *count })
                .collect(),
            active: u.active,
            passive: u.passive,
            automatic: u.automatic,
            dispatched: u.dispatched,
            mean_dispatch_minutes: u.mean_dispatch_minutes,
            handled: u.handled,
            mean_handling_minutes: u.mean_handling_minutes,
            trend_hours: u.trend_hours,
            trend: u.trend,
            top_types: u
                .top_types
                .into_iter()
                .map(|(type_key, count)| {
                    let name =
                        catalogue.catalogue.get(&type_key).map(|c| c.name().to_owned()).unwrap_or_default();
                    cityops_api::TypeCountDto { type_key, name, count }
                })
                .collect(),
        };
        EvaluationDrillDto {
            area: NamedRatesDto { name, rates: whole },
            children: kids,
            units: unit_rows,
            utilisation,
        }
    })
    .await
    .map_err(join_error)?;
    Ok(drill)
}
