//! The dispatch-time duplicate check and the merge of a duplicate into its main case.

use cityops_api::{CaseDto, CaseStatus, DuplicateDto, DuplicatesDto, ErrorCode, MergeRequest, MergedDto};
use cityops_core::calendar::to_timestamp;
use cityops_core::workflow::{Case, Command};

use super::{actor, audit, scope, slim, validate};
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// The likely duplicates of case `id` the caller may see: earlier reports near it (from the live
/// index) of the same type, or of the same class when the rules say so; nearest first, same type
/// before related at the same distance.
pub async fn duplicates(st: &AppState, caller: &Caller, id: i64) -> AppResult<DuplicatesDto> {
    let case = scope::case_to_read(st, caller, id).await?.value;
    let cfg = &st.scenario.duplicates;
    let window_s = i64::from(cfg.window_hours) * 3600;
    let near = st.map.with(|m| m.cases_near(id, cfg.radius_m, window_s)).flatten().unwrap_or_default();
    let now = to_timestamp(st.clock.now());
    let class = |c: &CaseDto| c.type_key.code.chars().take(2).collect::<String>();
    let mut items = Vec::new();
    for n in near {
        let Ok(other) = i64::try_from(n.id) else { continue };
        let Some(v) = st.store.get_case(other).await? else { continue };
        let c = v.value;
        if !caller.covers(&c.district_code) || c.type_key.kind != case.type_key.kind {
            continue;
        }
        let same_type = c.type_key.code == case.type_key.code;
        if same_type || (cfg.related_class && class(&c) == class(&case)) {
            items.push(DuplicateDto { case: slim(&c, now), distance_m: n.distance_m, same_type });
        }
    }
    items.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(b.same_type.cmp(&a.same_type))
            .then(a.case.id.cmp(&b.case.id))
    });
    Ok(DuplicatesDto { radius_m: cfg.radius_m, window_hours: f64::from(cfg.window_hours), items })
}

/// Merge case `id` (a duplicate, before dispatch) into `req.into`: the duplicate is cancelled and
/// linked, the main case lists it; both are written in one transaction.
pub async fn merge(st: &AppState, caller: &Caller, id: i64, req: MergeRequest) -> AppResult<MergedDto> {
    validate::text("note", &req.note, validate::MAX_DESCRIPTION)?;
    let dup = scope::case_to_write(st, caller, id).await?;
    if req.into == id {
        return Err(AppError::invalid(format!("into = {id}: a case cannot be merged into itself")));
    }
    let main = scope::case_to_write(st, caller, req.into).await?;
    if main.value.merged_into.is_some()
        || !matches!(main.value.status, CaseStatus::Active | CaseStatus::Suspended)
    {
        return Err(AppError::new(
            ErrorCode::IllegalTransition,
            format!(
                "into = {}: case {} is {}{}; only an active or parked case takes duplicates",
                req.into,
                main.value.case_no,
                main.value.status.zh(),
                main.value.merged_into.map(|m| format!(" (merged into {m})")).unwrap_or_default()
            ),
        ));
    }
    let now = st.clock.now();
    let calendar = st.calendar.current();
    let city = &st.city;
    let cat = super::category(city, &dup.value.type_key)?;
    let tiers = super::tiers(cat);
    let ctx = cityops_core::workflow::Ctx {
        calendar: &calendar,
        limits: &city.limits,
        handling: &tiers,
        urgent: cat.standard().urgent(),
    };
    let mut d = Case::from_dto(&dup.value);
    d.apply(&Command::merge(req.into, req.note.clone()), &actor(caller), &ctx, now)?;
    let mut m = Case::from_dto(&main.value);
    m.link_duplicate(id, now)?;
    let (d, m) = (d.to_dto(now), m.to_dto(now));
    let detail = format!("{} merged into {}", d.case_no, m.case_no);
    st.store
        .update_cases(
            &[(d.clone(), dup.version), (m.clone(), main.version)],
            audit(st, caller, "case.merge", format!("case:{id}"), detail),
        )
        .await?;
    st.scenario.case_finished(&d);
    Ok(MergedDto { duplicate: scope::redact(caller, d), main: scope::redact(caller, m) })
}
