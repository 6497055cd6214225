//! `/api/v1/evaluation`: GB/T 30428.4 rates, the area composite and the A–E grade for an area and
//! a period, and the peer ranking of the districts.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::DateTime;
use cityops_api::RatesDto;
use cityops_core::calendar::from_timestamp;
use cityops_core::evaluation::{CompositeConfig, Period, Scope, evaluate, evaluate_peers};
use cityops_core::workflow::Case;
use cityops_store::CaseFilter;
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/evaluation", get(area))
        .route("/api/v1/evaluation/districts", get(districts))
        .route("/api/v1/evaluation/chart.svg", get(districts_svg))
}

/// The district ranking as an SVG chart for briefings (plotters).
async fn districts_svg(
    State(st): State<AppState>,
    caller: Caller,
    q: ApiQuery<EvalQuery>,
) -> AppResult<impl axum::response::IntoResponse> {
    let title = format!("区域综合评价 {} – {} (UTC+8)", q.0.from, q.0.to);
    let axum::Json(rows) = districts(State(st.clone()), caller, q).await?;
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
    let svg = cityops_charts::district_ranking_svg(&named, &title)
        .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg))
}

/// Query: `from`/`to` (RFC 3339, `to` exclusive), and for `/evaluation` the `area` code prefix
/// (`370200` = the whole city) or a `unit` code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EvalQuery {
    from: String,
    to: String,
    area: Option<String>,
    unit: Option<String>,
}

fn period(q: &EvalQuery) -> AppResult<Period> {
    let parse = |f: &str, v: &str| {
        DateTime::parse_from_rfc3339(v)
            .map(from_timestamp)
            .map_err(|e| AppError::invalid(format!("{f}={v:?} is not an RFC 3339 time with zone: {e}")))
    };
    let (from, to) = (parse("from", &q.from)?, parse("to", &q.to)?);
    if from >= to {
        return Err(AppError::invalid("from must be before to"));
    }
    Ok(Period { from, to })
}

/// Every case with activity in the period (created before its end, changed since its start).
async fn cases_of(st: &AppState, p: Period, area: Option<String>) -> AppResult<Vec<Case>> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = st
            .store
            .list_cases(&CaseFilter {
                area: area.clone(),
                to: Some(cityops_core::calendar::to_timestamp(p.to)),
                updated_from: Some(cityops_core::calendar::to_timestamp(p.from)),
                limit: Some(cityops_store::MAX_PAGE),
                offset: Some(offset),
                ..Default::default()
            })
            .await?;
        let n = page.items.len() as u32;
        out.extend(page.items.iter().map(Case::from_dto));
        if n < cityops_store::MAX_PAGE {
            return Ok(out);
        }
        offset += n;
    }
}

async fn area(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EvalQuery>,
) -> AppResult<axum::Json<RatesDto>> {
    let p = period(&q)?;
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
    if let Scope::Area(a) = &scope
        && a != "370200"
    {
        caller.require_district(a)?;
    }
    let area_filter = match &scope {
        Scope::Area(a) if a != "370200" => Some(a.clone()),
        _ => None,
    };
    let cases = cases_of(&st, p, area_filter).await?;
    let now = st.clock.now();
    let e = tokio::task::spawn_blocking(move || {
        evaluate(&cases, &scope, p, now, None, &CompositeConfig::default())
    })
    .await
    .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?;
    Ok(axum::Json(e.to_dto()))
}

async fn districts(
    State(st): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<EvalQuery>,
) -> AppResult<axum::Json<Vec<RatesDto>>> {
    let p = period(&q)?;
    let cases = cases_of(&st, p, None).await?;
    let codes: Vec<String> = st.city.pack.organisation.districts().iter().map(|d| d.code.clone()).collect();
    let now = st.clock.now();
    let evals = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
        evaluate_peers(&cases, &refs, p, now, &CompositeConfig::default())
    })
    .await
    .map_err(|e| AppError::new(cityops_api::ErrorCode::Internal, e.to_string()))?;
    Ok(axum::Json(evals.iter().map(|e| e.to_dto()).collect()))
}
