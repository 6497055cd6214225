//! `/api/v1/map/viewport`: what a map view draws — points and status-mix clusters from the live
//! index, with each layer's "data as of".

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use cityops_api::{LayerKind, MapViewDto};
use cityops_core::index::{LonLatBox, POINT_LAYERS, StatusFilter, ViewportQuery};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/map/viewport", get(viewport))
}

/// Most items one answer carries.
pub const MAX_ITEMS: usize = 20_000;

/// Query of the viewport.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ViewQuery {
    west: f64,
    south: f64,
    east: f64,
    north: f64,
    /// Web-Mercator zoom (256-px tiles); fractional zooms are floored.
    zoom: f64,
    /// View size in pixels: bounds the item budget to one item per 16×16 px.
    width: Option<u32>,
    height: Option<u32>,
    /// Comma list of point layers (default `cases`).
    layers: Option<String>,
    /// Comma list of `open`, `overdue`, `closed` (default all).
    statuses: Option<String>,
}

fn parse_layers(s: Option<&str>) -> AppResult<Vec<LayerKind>> {
    let Some(s) = s else { return Ok(vec![LayerKind::Cases]) };
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            serde_json::from_value::<LayerKind>(serde_json::Value::String(p.to_owned()))
                .ok()
                .filter(|k| POINT_LAYERS.contains(k))
                .ok_or_else(|| {
                    AppError::invalid(format!(
                        "layer {p:?} is not a point layer (cases, trucks, facilities, cameras, alerts)"
                    ))
                })
        })
        .collect()
}

fn parse_statuses(s: Option<&str>) -> AppResult<StatusFilter> {
    let Some(s) = s else { return Ok(StatusFilter::ALL) };
    let mut f = StatusFilter { open: false, overdue: false, closed: false };
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match p {
            "open" => f.open = true,
            "overdue" => f.overdue = true,
            "closed" => f.closed = true,
            _ => return Err(AppError::invalid(format!("status {p:?} is not open, overdue or closed"))),
        }
    }
    Ok(f)
}

async fn viewport(
    State(st): State<AppState>,
    _c: Caller,
    ApiQuery(q): ApiQuery<ViewQuery>,
) -> AppResult<axum::Json<MapViewDto>> {
    let bbox = LonLatBox::new(q.west, q.south, q.east, q.north)
        .map_err(|e| AppError::invalid(format!("west,south,east,north: {e}")))?;
    if !(q.zoom.is_finite() && (0.0..=22.0).contains(&q.zoom)) {
        return Err(AppError::invalid("zoom must be within 0..=22"));
    }
    let layers = parse_layers(q.layers.as_deref())?;
    let statuses = parse_statuses(q.statuses.as_deref())?;
    let budget = match (q.width, q.height) {
        (Some(w), Some(h)) => ((u64::from(w) * u64::from(h) / 256) as usize).clamp(100, MAX_ITEMS),
        _ => MAX_ITEMS,
    };
    let query = ViewportQuery { bbox, zoom: q.zoom.floor() as u8, statuses, max_items: budget };
    let answer = st
        .map
        .with(|index| {
            let answer = index.viewport(&query, &layers)?;
            let as_of = layers
                .iter()
                .filter_map(|k| {
                    index
                        .last_event_at(*k)
                        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                        .map(|t| (*k, t.with_timezone(&cityops_api::CST)))
                })
                .collect();
            Ok::<_, cityops_core::index::IndexError>(MapViewDto {
                items: answer.items,
                truncated: answer.truncated,
                as_of,
            })
        })
        .ok_or_else(|| AppError::new(cityops_api::ErrorCode::Unavailable, "the map is still loading"))?
        .map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(axum::Json(answer))
}
