//! Reference data: the catalogue, units, location lookup, the static map layers and the cameras.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use cityops_api::ep;

use crate::app::reference;
use crate::auth::Caller;
use crate::error::AppResult;
use crate::http::{ApiRouter, PathOf, QueryOf, Reply};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> ApiRouter {
    ApiRouter::new()
        .at::<ep::Catalogue, _, _>(catalogue)
        .at::<ep::Units, _, _>(units)
        .at::<ep::Locate, _, _>(locate)
        .at::<ep::Layer, _, _>(layer)
        .at::<ep::CamerasInBox, _, _>(cameras_in_box)
        .at::<ep::CamerasVisible, _, _>(cameras_visible)
        .at::<ep::Camera, _, _>(camera)
}

async fn catalogue(State(st): State<AppState>, _c: Caller) -> Reply<ep::Catalogue> {
    Reply(reference::catalogue(&st))
}

async fn units(State(st): State<AppState>, _c: Caller) -> Reply<ep::Units> {
    Reply(reference::units(&st))
}

async fn locate(
    State(st): State<AppState>,
    _c: Caller,
    QueryOf(q): QueryOf<ep::Locate>,
) -> AppResult<Reply<ep::Locate>> {
    Ok(Reply(reference::locate(&st, q)?))
}

async fn layer(
    State(st): State<AppState>,
    _c: Caller,
    PathOf(p): PathOf<ep::Layer>,
    QueryOf(q): QueryOf<ep::Layer>,
) -> AppResult<impl IntoResponse> {
    let (media_type, body) = reference::layer(&st, &p.name, &q)?;
    Ok(([(header::CONTENT_TYPE, media_type)], body))
}

async fn cameras_in_box(
    State(st): State<AppState>,
    _c: Caller,
    QueryOf(q): QueryOf<ep::CamerasInBox>,
) -> AppResult<Reply<ep::CamerasInBox>> {
    Ok(Reply(reference::cameras_in_box(&st, q)?))
}

async fn cameras_visible(
    State(st): State<AppState>,
    _c: Caller,
    QueryOf(q): QueryOf<ep::CamerasVisible>,
) -> AppResult<Reply<ep::CamerasVisible>> {
    Ok(Reply(reference::cameras_visible(&st, q)?))
}

async fn camera(
    State(st): State<AppState>,
    _c: Caller,
    PathOf(p): PathOf<ep::Camera>,
) -> AppResult<Reply<ep::Camera>> {
    Ok(Reply(reference::camera(&st, &p.id)?))
}
