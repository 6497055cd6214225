//! `/api/v1/cases`: create, read, list with filters, export, workflow actions, dispatch proposal.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use cityops_api::ep;

use crate::app;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, BodyOf, IdempotencyKey, PathOf, QueryOf, Reply, ReplyWith};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::CreateCase, _, _>(create)
        .at::<ep::ListCases, _, _>(list)
        .at::<ep::ExportCases, _, _>(export)
        .at::<ep::Queue, _, _>(queue)
        .at::<ep::Duplicates, _, _>(duplicates)
        .at::<ep::Merge, _, _>(merge)
        .at::<ep::GetCase, _, _>(read)
        .at::<ep::Act, _, _>(act)
        .at::<ep::AllowedActions, _, _>(allowed)
        .at::<ep::DispatchProposal, _, _>(proposal)
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    IdempotencyKey(key): IdempotencyKey,
    BodyOf(new): BodyOf<ep::CreateCase>,
) -> AppResult<ReplyWith<ep::CreateCase>> {
    let created = app::report(&st, &caller, new, key).await?;
    let status = if created.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(ReplyWith(status, created.value))
}

async fn list(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::ListCases>,
) -> AppResult<Reply<ep::ListCases>> {
    Ok(Reply(app::list_cases(&st, &caller, &q).await?))
}

async fn export(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::ExportCases>,
) -> AppResult<impl IntoResponse> {
    app::export::cases(&st, &caller, &q).await
}

async fn queue(
    State(st): State<AppState>,
    caller: Caller,
    QueryOf(q): QueryOf<ep::Queue>,
) -> AppResult<Reply<ep::Queue>> {
    Ok(Reply(app::queue::queue(&st, &caller, &q).await?))
}

async fn duplicates(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::Duplicates>,
) -> AppResult<Reply<ep::Duplicates>> {
    Ok(Reply(app::duplicates::duplicates(&st, &caller, p.id).await?))
}

async fn merge(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::Merge>,
    BodyOf(req): BodyOf<ep::Merge>,
) -> AppResult<Reply<ep::Merge>> {
    Ok(Reply(app::duplicates::merge(&st, &caller, p.id, req).await?))
}

async fn read(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::GetCase>,
) -> AppResult<Reply<ep::GetCase>> {
    Ok(Reply(app::get_case(&st, &caller, p.id).await?))
}

async fn act(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::Act>,
    BodyOf(req): BodyOf<ep::Act>,
) -> AppResult<Reply<ep::Act>> {
    Ok(Reply(app::act(&st, &caller, p.id, req).await?))
}

async fn allowed(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::AllowedActions>,
) -> AppResult<Reply<ep::AllowedActions>> {
    Ok(Reply(app::allowed_actions(&st, &caller, p.id).await?))
}

async fn proposal(
    State(st): State<AppState>,
    caller: Caller,
    PathOf(p): PathOf<ep::DispatchProposal>,
) -> AppResult<Reply<ep::DispatchProposal>> {
    Ok(Reply(app::dispatch_proposal(&st, &caller, p.id).await?))
}
