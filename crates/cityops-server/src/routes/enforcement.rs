//! `/api/v1/enforcement`: the matter list, penalty files (register or transfer, list, read, take
//! steps, the steps allowed), their documents as PDF, and the figures for the wall.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use cityops_api::ep;

use crate::app::enforcement as enf;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, BodyOf, PathOf, QueryOf, Reply, ReplyWith};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::EnfMatters, _, _>(matters)
        .at::<ep::EnfCreateFile, _, _>(create)
        .at::<ep::EnfListFiles, _, _>(list)
        .at::<ep::EnfSummary, _, _>(summary)
        .at::<ep::EnfGetFile, _, _>(read)
        .at::<ep::EnfStep, _, _>(step)
        .at::<ep::EnfAllowedSteps, _, _>(allowed)
        .at::<ep::EnfDocument, _, _>(document)
}

async fn matters(
    State(st): State<AppState>,
    _caller: Caller,
    QueryOf(q): QueryOf<ep::EnfMatters>,
) -> AppResult<Reply<ep::EnfMatters>> {
    Ok(Reply(enf::matters(&st, &q)?))
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    BodyOf(new): BodyOf<ep::EnfCreateFile>,
) -> AppResult<ReplyWith<ep::EnfCreateFile>> {
    let created = enf::create_file(&st, &caller, new).await?;
    let status = if created.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(ReplyWith(status, created.value))
}

async fn list(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EnfListFiles>,
) -> AppResult<Reply<ep::EnfListFiles>> {
    Ok(Reply(enf::list_files(&st, &caller, &q).await?))
}

async fn summary(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::EnfSummary>,
) -> AppResult<Reply<ep::EnfSummary>> {
    Ok(Reply(enf::summary(&st, &caller, &q).await?))
}

async fn read(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::EnfGetFile>,
) -> AppResult<Reply<ep::EnfGetFile>> {
    Ok(Reply(enf::get_file(&st, &caller, p.id).await?))
}

async fn step(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::EnfStep>,
    BodyOf(req): BodyOf<ep::EnfStep>,
) -> AppResult<Reply<ep::EnfStep>> {
    Ok(Reply(enf::step(&st, &caller, p.id, req).await?))
}

async fn allowed(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::EnfAllowedSteps>,
) -> AppResult<Reply<ep::EnfAllowedSteps>> {
    Ok(Reply(enf::allowed(&st, &caller, p.id).await?))
}

async fn document(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::EnfDocument>,
    QueryOf(q): QueryOf<ep::EnfDocument>,
) -> AppResult<impl IntoResponse> {
    let (bytes, name) = enf::document(&st, &caller, &p, &q).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    ))
}
