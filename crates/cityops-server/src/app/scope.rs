//! The district scope rule, in one place: what a token limited to one district may see and do.
//! The endpoint table marks such routes `Scope::District`; their app functions answer through
//! these functions, and the route × role × scope test (`tests/scope.rs`) holds every one of them
//! to it.
//!
//! - a case outside the scope is *not found* on a read (404, the same answer as a case that does
//!   not exist) and *forbidden* on a write (403);
//! - a list, an export, an evaluation, the map, the vehicles and the event stream hold only the
//!   district (an `area` outside it is 403);
//! - a write may name nothing outside it (a unit to dispatch to, a place to report at, a token's
//!   district).

use cityops_api::{CaseDto, EventBody, NewTokenDto, Role};
use cityops_core::org::Unit;
use cityops_store::Versioned;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The roles that call reporters back (受理员 for verification and feedback, 值班长, admin): the
/// only ones shown a reporter's identity.
pub const REPORTER_READERS: &[Role] = &[Role::Acceptor, Role::ShiftLeader, Role::Admin];

/// The case as the caller may see it: without the reporter's identity unless its role calls
/// reporters back.
pub fn redact(caller: &Caller, case: CaseDto) -> CaseDto {
    if REPORTER_READERS.contains(&caller.role) { case } else { case.without_reporter() }
}

/// A case the caller may read: outside the caller's scope it is not found.
pub async fn case_to_read(st: &AppState, caller: &Caller, id: i64) -> AppResult<Versioned<CaseDto>> {
    let v = load(st, id).await?;
    if caller.covers(&v.value.district_code) { Ok(v) } else { Err(not_found(id)) }
}

/// A case the caller may act on: outside the caller's scope the action is forbidden.
pub async fn case_to_write(st: &AppState, caller: &Caller, id: i64) -> AppResult<Versioned<CaseDto>> {
    let v = load(st, id).await?;
    caller.require_district(&v.value.district_code)?;
    Ok(v)
}

/// A case by id, whoever asks (Open311's public reads, internal paths).
pub async fn load(st: &AppState, id: i64) -> AppResult<Versioned<CaseDto>> {
    st.store.get_case(id).await?.ok_or_else(|| not_found(id))
}

fn not_found(id: i64) -> AppError {
    AppError::not_found(format!("case {id}"))
}

/// The area a query of the caller covers: the one asked for if it lies in the caller's scope
/// (403 if not), else the caller's district (None for a whole-city token asking for everything).
pub fn area(caller: &Caller, asked: Option<&str>) -> AppResult<Option<String>> {
    match (asked, &caller.district) {
        (Some(a), Some(d)) if !a.starts_with(d.as_str()) => {
            Err(AppError::forbidden(format!("token is limited to district {d}; area {a} is outside")))
        }
        (Some(a), _) => Ok(Some(a.to_owned())),
        (None, d) => Ok(d.clone()),
    }
}

/// Whether the caller sees something in district `code` (a whole-city token sees everything).
pub fn sees_district(caller: &Caller, code: &str) -> bool {
    caller.covers(code)
}

/// A unit the caller may dispatch `case` to: it must exist (400), work where the case is — a
/// city-level unit, or one of the case's district — and, for a district token, belong to the
/// caller's district (403).
pub fn dispatch_unit<'a>(
    st: &'a AppState,
    caller: &Caller,
    case: &CaseDto,
    code: &str,
) -> AppResult<&'a Unit> {
    let unit = st
        .city
        .pack
        .organisation
        .unit(code)
        .ok_or_else(|| AppError::invalid(format!("unknown unit_code {code:?} (see /api/v1/units)")))?;
    match (&unit.district_code, &caller.district) {
        (Some(u), Some(d)) if !u.starts_with(d.as_str()) => Err(AppError::forbidden(format!(
            "token is limited to district {d}; unit {code} belongs to district {u}"
        ))),
        (None, Some(d)) => Err(AppError::forbidden(format!(
            "token is limited to district {d}; unit {code} is a city-level unit (the city centre dispatches to it)"
        ))),
        (Some(u), _) if u != &case.district_code => Err(AppError::invalid(format!(
            "unit {code} works in district {u}; case {} is in {}",
            case.id, case.district_code
        ))),
        _ => Ok(unit),
    }
}

/// Whether the caller may create the token `req`: within its own scope (a district token only
/// for its district or an area inside it), with a role no higher than its own.
pub fn grant(caller: &Caller, req: &NewTokenDto) -> AppResult<()> {
    if req.role.rank() > caller.role.rank() {
        return Err(AppError::forbidden(format!(
            "a {} token may not create a {} token",
            cityops_api::wire_name(&caller.role),
            cityops_api::wire_name(&req.role)
        )));
    }
    match (&caller.district, &req.district) {
        (Some(d), None) => Err(AppError::forbidden(format!(
            "token is limited to district {d}; it may create tokens for that district only (district={d})"
        ))),
        (Some(d), Some(r)) if !r.starts_with(d.as_str()) => Err(AppError::forbidden(format!(
            "token is limited to district {d}; it may not create a token for {r}"
        ))),
        _ => Ok(()),
    }
}

/// Whether the caller sees a live event.
pub fn sees_event(st: &AppState, caller: &Caller, body: &EventBody) -> bool {
    caller.district.is_none() || st.city.district_of(body).is_none_or(|d| !d.is_empty() && caller.covers(&d))
}

/// The filter of the caller's event stream.
pub fn visible_events(st: &AppState, caller: Caller) -> crate::live::Visible {
    let st = st.clone();
    std::sync::Arc::new(move |e: &cityops_api::LiveEvent| sees_event(&st, &caller, &e.body))
}

/// Whether the caller sees a truck (one of its district's, wherever it drives).
pub fn sees_truck(st: &AppState, caller: &Caller, truck_id: &str) -> bool {
    caller.district.is_none() || st.city.truck_district(truck_id).is_some_and(|d| caller.covers(d))
}
