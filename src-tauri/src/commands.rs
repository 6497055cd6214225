//! The console's Tauri commands: `viewport` is answered by the native live map; the others forward
//! to the service's REST API and return its JSON (errors as `{code, message}`).

use cityops_api::{ActionRequest, ApiError, ErrorCode, MapViewDto};
use cityops_core::index::{MapViewError, ViewParams};
use serde_json::Value;
use tauri::State;

use crate::service::{DesktopState, enc};

type Answer = Result<Value, ApiError>;

/// Points and clusters for a view, from the native live map (`query` is the viewport query
/// string). While the first picture loads it waits (up to 30 s) rather than failing.
#[tauri::command]
pub async fn viewport(state: State<'_, DesktopState>, query: String) -> Result<MapViewDto, ApiError> {
    let params: ViewParams = serde_urlencoded::from_str(&query)
        .map_err(|e| ApiError::new(ErrorCode::MalformedRequest, format!("viewport query: {e}")))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        {
            let guard =
                state.map.read().map_err(|_| ApiError::new(ErrorCode::Internal, "map lock poisoned"))?;
            if let Some(map) = guard.as_ref() {
                return map.view(&params).map_err(|e| match e {
                    MapViewError::Params(p) => ApiError::new(ErrorCode::InvalidField, p.to_string()),
                    MapViewError::Index(i) => ApiError::new(ErrorCode::InvalidField, i.to_string()),
                });
            }
        }
        if std::time::Instant::now() >= deadline {
            return Err(ApiError::new(ErrorCode::Unavailable, "the map is still loading"));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A static layer's GeoJSON.
#[tauri::command]
pub async fn layer_geojson(state: State<'_, DesktopState>, name: String, area: Option<String>) -> Answer {
    let q = area.map(|a| format!("?area={}", enc(&a))).unwrap_or_default();
    state.ready().await?.get(&format!("/api/v1/layers/{}{q}", enc(&name))).await
}

/// A page of cases (`query` is the list query string).
#[tauri::command]
pub async fn list_cases(state: State<'_, DesktopState>, query: String) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cases?{query}")).await
}

/// One case with its history.
#[tauri::command]
pub async fn get_case(state: State<'_, DesktopState>, id: i64) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cases/{id}")).await
}

/// Actions the operator may take on a case now.
#[tauri::command]
pub async fn allowed_actions(state: State<'_, DesktopState>, id: i64) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cases/{id}/actions")).await
}

/// Take a workflow action.
#[tauri::command]
pub async fn act(state: State<'_, DesktopState>, id: i64, request: ActionRequest) -> Answer {
    let body = serde_json::to_value(&request)
        .map_err(|e| ApiError::new(ErrorCode::MalformedRequest, e.to_string()))?;
    state.ready().await?.post(&format!("/api/v1/cases/{id}/actions"), &body).await
}

/// The proposed unit and deadline for a dispatch.
#[tauri::command]
pub async fn dispatch_proposal(state: State<'_, DesktopState>, id: i64) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cases/{id}/dispatch-proposal")).await
}

/// The type catalogue.
#[tauri::command]
pub async fn catalogue(state: State<'_, DesktopState>) -> Answer {
    state.ready().await?.get("/api/v1/catalogue").await
}

/// All units.
#[tauri::command]
pub async fn units(state: State<'_, DesktopState>) -> Answer {
    state.ready().await?.get("/api/v1/units").await
}

/// Grid, community, street, district and unit of a point.
#[tauri::command]
pub async fn locate(state: State<'_, DesktopState>, lon: f64, lat: f64) -> Answer {
    state.ready().await?.get(&format!("/api/v1/locate?lon={lon}&lat={lat}")).await
}

/// Cameras that can see a point.
#[tauri::command]
pub async fn cameras_visible(state: State<'_, DesktopState>, lon: f64, lat: f64) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cameras/visible?lon={lon}&lat={lat}")).await
}

/// The cameras whose view cone may reach into a box (`bbox` = `west,south,east,north`).
#[tauri::command]
pub async fn cameras_in_box(state: State<'_, DesktopState>, bbox: String) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cameras?bbox={}", enc(&bbox))).await
}

/// One camera by id.
#[tauri::command]
pub async fn camera(state: State<'_, DesktopState>, id: String) -> Answer {
    state.ready().await?.get(&format!("/api/v1/cameras/{}", enc(&id))).await
}

/// The service's health and clock (`now`, `time_scale`, `last_event_id`).
#[tauri::command]
pub async fn health(state: State<'_, DesktopState>) -> Answer {
    state.ready().await?.get("/api/health").await
}

/// `connecting`, `live`, `reconnecting` or `failed`.
#[tauri::command]
pub fn connection_status(state: State<'_, DesktopState>) -> String {
    state
        .connection
        .read()
        .map(|c| if c.is_empty() { "connecting".to_owned() } else { c.clone() })
        .unwrap_or_default()
}

/// Where the console's service is and whether it is embedded (never the token).
#[tauri::command]
pub fn service_info(state: State<'_, DesktopState>) -> Answer {
    let s = state.service()?;
    Ok(serde_json::json!({ "server": s.base, "embedded": s.embedded }))
}

/// Switch the console to another service (settings screen): `server` and `token` for a remote
/// one, checked before the switch (it must answer as a cityops service and accept the token); no
/// `server` for the embedded one, started now if the console began on a remote service. The live
/// map reloads from the new service, and the choice is remembered for the next start. Answers
/// like [`service_info`].
#[tauri::command]
pub async fn use_service<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, DesktopState>,
    start: State<'_, crate::StartArgs>,
    server: Option<String>,
    token: Option<String>,
) -> Answer {
    let refused = |e: crate::service::ServiceError| ApiError::new(ErrorCode::InvalidField, e.to_string());
    let svc = match server.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(base) => crate::service::remote_checked(base, token.as_deref().unwrap_or_default())
            .await
            .map_err(refused)?,
        None => match state.embedded() {
            Some(svc) => svc,
            None => {
                // Not `connect`: that would go to the service named or remembered.
                crate::connect(start.0.clone(), true)
                    .await
                    .map_err(|e| ApiError::new(ErrorCode::Unavailable, e.to_string()))?
            }
        },
    };
    tracing::info!(base = %svc.base, embedded = svc.embedded, "console switching service");
    // The next start opens on the same service (unless `--server` says otherwise).
    crate::service::remember_remote(&start.0, (!svc.embedded).then_some(&svc));
    crate::live::start(app, state.inner().clone(), svc);
    service_info(state)
}
