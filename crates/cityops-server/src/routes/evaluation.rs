//! `/api/v1/evaluation`: GB/T 30428.4 rates, the area composite and the A–E grade for an area and
//! a period, the peer ranking of the districts, and that ranking as a chart.

use axum::extract::State;
use axum::response::IntoResponse;
use cityops_api::ep;

use crate::app::evaluation;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, QueryOf, Reply};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::Evaluation, _, _>(area)
        .at::<ep::EvaluationDistricts, _, _>(districts)
        .at::<ep::EvaluationChart, _, _>(chart)
        .at::<ep::Briefing, _, _>(briefing)
        .at::<ep::EvaluationDrill, _, _>(drill)
        .at::<ep::Summary, _, _>(summary)
}

async fn summary(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::Summary>,
) -> AppResult<Reply<ep::Summary>> {
    Ok(Reply(crate::app::summary::summary(&st, &caller, &q).await?))
}

async fn drill(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EvaluationDrill>,
) -> AppResult<Reply<ep::EvaluationDrill>> {
    Ok(Reply(evaluation::drill(&st, &caller, &q).await?))
}

async fn area(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::Evaluation>,
) -> AppResult<Reply<ep::Evaluation>> {
    Ok(Reply(evaluation::area(&st, &caller, &q).await?))
}

async fn districts(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EvaluationDistricts>,
) -> AppResult<Reply<ep::EvaluationDistricts>> {
    Ok(Reply(evaluation::districts(&st, &caller, &q).await?))
}

async fn chart(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EvaluationChart>,
) -> AppResult<impl IntoResponse> {
    let svg = evaluation::chart_svg(&st, &caller, &q).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg))
}

async fn briefing(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::Briefing>,
) -> AppResult<impl IntoResponse> {
    if q.unit.is_some() {
        return Err(crate::error::AppError::invalid("a briefing is of an area: give area, not unit"));
    }
    let ask = crate::app::briefing::Ask { from: q.from, to: q.to, area: q.area.clone() };
    let log = |n: usize, of: usize, step: &str| tracing::info!(step = n, of, "briefing: {step}");
    let pdf = crate::app::briefing::make(&st, &caller, &ask, crate::app::briefing::Form::Pdf, &log).await?;
    let name = format!("briefing-{}-{}.pdf", q.from.format("%Y%m%dT%H%M"), q.to.format("%Y%m%dT%H%M"));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        pdf,
    ))
}
