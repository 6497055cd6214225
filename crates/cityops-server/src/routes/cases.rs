//! `/api/v1/cases`: create, read, list with filters, workflow actions, dispatch proposal.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::DateTime;
use cityops_api::{
    Action, ActionRequest, CaseDto, CasePageDto, CaseStatus, Channel, DispatchProposalDto, NewCaseDto, Stage,
    TypeKind,
};
use cityops_store::CaseFilter;
use serde::Deserialize;

use crate::app;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cases", post(create).get(list))
        .route("/api/v1/cases/{id}", get(read))
        .route("/api/v1/cases/{id}/actions", post(act).get(allowed))
        .route("/api/v1/cases/{id}/dispatch-proposal", get(proposal))
}

async fn create(
    State(st): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewCaseDto>,
) -> AppResult<(StatusCode, axum::Json<CaseDto>)> {
    let created = app::create_case(&st, &caller, new, None).await?;
    let status = if created.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, axum::Json(created.value)))
}

async fn read(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<axum::Json<CaseDto>> {
    Ok(axum::Json(app::get_case(&st, id).await?.0))
}

async fn act(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ActionRequest>,
) -> AppResult<axum::Json<CaseDto>> {
    Ok(axum::Json(app::act(&st, &caller, id, req).await?))
}

async fn allowed(
    State(st): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<axum::Json<Vec<Action>>> {
    let (case, _) = app::get_case(&st, id).await?;
    if !caller.covers(&case.district_code) {
        return Ok(axum::Json(Vec::new()));
    }
    Ok(axum::Json(cityops_core::workflow::Case::from_dto(&case).allowed_actions(&app::actor(&caller))))
}

async fn proposal(
    State(st): State<AppState>,
    _caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<axum::Json<DispatchProposalDto>> {
    Ok(axum::Json(app::dispatch_proposal(&st, id).await?))
}

/// Query of `GET /api/v1/cases`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Area code prefix (district 6, street 9, community 12 or grid 15 digits).
    pub area: Option<String>,
    /// Handling unit code.
    pub unit: Option<String>,
    /// `component` or `matter`.
    pub kind: Option<TypeKind>,
    /// Type code (5 digits) or class (2 digits).
    pub code: Option<String>,
    /// Stage.
    pub stage: Option<Stage>,
    /// Status.
    pub status: Option<CaseStatus>,
    /// Channel.
    pub channel: Option<Channel>,
    /// Only overdue cases (`true`).
    pub overdue: Option<bool>,
    /// Created at or after (RFC 3339).
    pub from: Option<String>,
    /// Created before (RFC 3339).
    pub to: Option<String>,
    /// `west,south,east,north` in WGS84 degrees.
    pub bbox: Option<String>,
    /// Free text (1–100 characters), case-insensitive, anywhere in the case number, address,
    /// description, camera id or source reference.
    pub q: Option<String>,
    /// Page size (1–1000, default 100).
    pub limit: Option<u32>,
    /// Offset.
    pub offset: Option<u32>,
}

fn time(field: &str, s: &Option<String>) -> AppResult<Option<cityops_api::Timestamp>> {
    s.as_deref()
        .map(|v| {
            DateTime::parse_from_rfc3339(v).map_err(|e| {
                AppError::invalid(format!("{field}={v:?} is not an RFC 3339 time with zone: {e}"))
            })
        })
        .transpose()
}

/// The four numbers of a `bbox=west,south,east,north` parameter (each caller checks their order
/// and range against what it serves).
pub(crate) fn bbox_numbers(b: &str) -> AppResult<[f64; 4]> {
    b.split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<Vec<f64>, _>>()
        .ok()
        .and_then(|v| <[f64; 4]>::try_from(v).ok())
        .ok_or_else(|| AppError::invalid(format!("bbox={b:?} must be four numbers west,south,east,north")))
}

/// Validate a list query into a store filter.
pub fn filter(q: &ListQuery, now: cityops_api::Timestamp) -> AppResult<CaseFilter> {
    if let Some(a) = &q.area
        && !(matches!(a.len(), 6 | 9 | 12 | 15) && a.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AppError::invalid(format!("area={a:?} must be a 6, 9, 12 or 15-digit area code")));
    }
    if let Some(c) = &q.code
        && !(matches!(c.len(), 2 | 5) && c.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(AppError::invalid(format!("code={c:?} must be a 5-digit type or 2-digit class code")));
    }
    let bbox = q
        .bbox
        .as_deref()
        .map(|b| match bbox_numbers(b)? {
            [w, s, e, n]
                if w < e && s < n && (-180.0..=180.0).contains(&w) && (-90.0..=90.0).contains(&s) =>
            {
                Ok([w, s, e, n])
            }
            _ => Err(AppError::invalid(format!(
                "bbox={b:?} must be west,south,east,north with west<east, south<north"
            ))),
        })
        .transpose()?;
    if let Some(l) = q.limit
        && !(1..=cityops_store::MAX_PAGE).contains(&l)
    {
        return Err(AppError::invalid(format!("limit={l} must be 1..={}", cityops_store::MAX_PAGE)));
    }
    let text = match q.q.as_deref().map(str::trim) {
        None => None,
        Some(t) if (1..=100).contains(&t.chars().count()) => Some(t.to_owned()),
        Some(t) => {
            return Err(AppError::invalid(format!(
                "q={t:?} must be 1 to 100 characters of text (case number, address, description or camera id)"
            )));
        }
    };
    Ok(CaseFilter {
        text,
        area: q.area.clone(),
        unit_code: q.unit.clone(),
        type_kind: q.kind,
        type_code: q.code.clone(),
        stage: q.stage,
        status: q.status,
        channel: q.channel,
        overdue_at: q.overdue.unwrap_or(false).then_some(now),
        from: time("from", &q.from)?,
        to: time("to", &q.to)?,
        updated_from: None,
        bbox,
        limit: q.limit,
        offset: q.offset,
    })
}

async fn list(
    State(st): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<axum::Json<CasePageDto>> {
    let now = st.clock.now();
    let mut f = filter(&q, cityops_core::calendar::to_timestamp(now))?;
    // A district-scoped token sees its district only.
    if let Some(d) = &caller.district {
        match &f.area {
            Some(a) if a.starts_with(d.as_str()) => {}
            Some(a) => {
                return Err(AppError::forbidden(format!(
                    "token is limited to district {d}; area {a} is outside"
                )));
            }
            None => f.area = Some(d.clone()),
        }
    }
    let page = st.store.list_cases(&f).await?;
    let items = page
        .items
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.overdue = c.status == CaseStatus::Active && c.deadline.is_some_and(|d| d.naive_local() < now);
            // Lists are for maps and tables: the stage log and action history come with a
            // single-case read (a list of 1000 would otherwise carry every case's whole life).
            c.history.clear();
            c.events.clear();
            c
        })
        .collect();
    Ok(axum::Json(CasePageDto { items, total: page.total, limit: page.limit, offset: page.offset }))
}
