//! The application layer: validates input at the edge, asks the core what to do, persists the
//! result in one store transaction (whose events reach the live hub as it commits). HTTP
//! handlers call these functions and do nothing else. Submodules: [`feeds`] (what each source's items become, with the scenario
//! rules on them), [`reference`] (catalogue, units, layers, cameras), [`evaluation`] (GB/T
//! 30428.4), [`export`] (the case list as features).

pub mod briefing;
pub mod duplicates;
pub mod enforcement;
pub mod evaluation;
pub mod export;
pub mod feeds;
pub mod queue;
pub mod reference;
pub mod replay;
pub mod scope;
pub mod summary;
pub mod validate;

use cityops_api::query::{AuditQuery, CaseQuery, ViewQuery};
use cityops_api::{
    Action, ActionRequest, AuditDto, CaseDto, CasePageDto, Channel, DeadlineTierDto, DispatchProposalDto,
    ErrorCode, HealthDto, MapViewDto, NewCaseDto, NewTokenDto, Role, TimeLimitDto, TokenDto, TypeKey,
    UnitLevel, VehicleDto,
};
use cityops_core::calendar::CalendarError;
use cityops_core::catalogue::Category;
use cityops_core::locate::LocateError;
use cityops_core::workflow::{Actor, Case, Command, Ctx, Location, NewCase, WorkflowError};
use cityops_store::{CaseFilter, Created, IngestKey, NewAudit};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::{AppState, City};

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

impl From<CalendarError> for AppError {
    fn from(e: CalendarError) -> Self {
        match e {
            CalendarError::NoData { .. } => AppError::new(ErrorCode::CalendarUnavailable, e.to_string()),
            other => {
                tracing::error!(error = %other, "working calendar failed");
                AppError::new(ErrorCode::Internal, "the working calendar failed; see the service log")
            }
        }
    }
}

/// Map a failed point lookup to the error a client sees.
pub fn locate_error(e: LocateError) -> AppError {
    match e {
        LocateError::InvalidCoordinate { .. } => {
            AppError::invalid(format!("{e}: lon must be −180…180, lat −90…90"))
        }
        _ => AppError::new(ErrorCode::OutsideCity, format!("{e}: cases must lie on land inside Qingdao")),
    }
}

/// The catalogue entry of a type key, or an `unknown_category` error naming it.
pub fn category<'a>(city: &'a City, key: &TypeKey) -> AppResult<&'a Category> {
    city.catalogue.get(key).ok_or_else(|| {
        AppError::new(
            ErrorCode::UnknownCategory,
            format!("unknown category {} {} (see /api/v1/catalogue)", key.kind.zh(), key.code),
        )
    })
}

/// The deadline tiers of a category as plain limits.
pub fn tiers(cat: &Category) -> Vec<TimeLimitDto> {
    cat.standard().deadlines().iter().map(|t| t.limit).collect()
}

/// The core actor for a caller. A department token's label is its unit code.
pub fn actor(caller: &Caller) -> Actor {
    Actor {
        id: caller.label.clone(),
        role: caller.role,
        district: caller.district.clone(),
        unit: (caller.role == Role::Department).then(|| caller.label.clone()),
    }
}

pub(crate) fn audit(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: String,
    detail: String,
) -> NewAudit {
    NewAudit {
        at: cityops_core::calendar::to_timestamp(state.clock.now()),
        actor: caller.label.clone(),
        role: caller.role,
        action: action.to_owned(),
        target,
        detail,
        remote: caller.remote.clone(),
    }
}

/// The fields of a new report within their limits.
pub fn validate_new(new: &NewCaseDto) -> AppResult<()> {
    validate::new_case(new)?;
    if new.channel == Channel::VideoAi && new.camera_id.as_deref().is_none_or(str::is_empty) {
        return Err(AppError::invalid("camera_id is required for the video_ai channel"));
    }
    Ok(())
}

/// File a new report. With an ingest key seen before, the earlier case is returned unchanged.
pub async fn create_case(
    state: &AppState,
    caller: &Caller,
    new: NewCaseDto,
    key: Option<IngestKey>,
) -> AppResult<Created<CaseDto>> {
    if let Some(k) = &key
        && let Some(id) = state.store.case_for_key(k).await?
    {
        let v = state.store.get_case(id).await?.ok_or_else(|| AppError::not_found(format!("case {id}")))?;
        return Ok(Created { value: v.value, version: v.version, created: false, event: None });
    }
    let p = prepare_case(state, caller, new, key)?;
    let created = state.store.create_case(p.write.case, p.write.key, p.write.audit).await?;
    after_created(state, &created, &p.type_name).await;
    Ok(created)
}

/// A report ready to file: validated, located in the grid, its deadline set.
pub(crate) struct Prepared {
    /// What the store writes.
    pub write: cityops_store::NewCaseWrite,
    /// The problem type's name (for the hotspot rule).
    pub type_name: String,
}

/// Validate and place a new report, and make its case document and audit entry.
pub(crate) fn prepare_case(
    state: &AppState,
    caller: &Caller,
    new: NewCaseDto,
    key: Option<IngestKey>,
) -> AppResult<Prepared> {
    validate_new(&new)?;
    let city = &state.city;
    let cat = category(city, &new.type_key)?;
    let place = city.pack.locate(new.lon, new.lat).map_err(locate_error)?;
    caller.require_district(&place.district.code)?;
    let now = state.clock.now();
    let address = if new.address.trim().is_empty() {
        format!("{}{}{}", place.district.name, place.street.name, place.community.name)
    } else {
        new.address.trim().to_owned()
    };
    let tiers = tiers(cat);
    let calendar = state.calendar.current();
    let ctx =
        Ctx { calendar: &calendar, limits: &city.limits, handling: &tiers, urgent: cat.standard().urgent() };
    let case = Case::new(
        NewCase {
            id: 0,
            case_no: String::new(),
            type_key: cat.standard_key().clone(),
            channel: new.channel,
            location: Location {
                lon: new.lon,
                lat: new.lat,
                address,
                grid_code: place.grid.code.clone(),
                community_code: place.community.code.clone(),
                street_code: place.street.code.clone(),
                district_code: place.district.code.clone(),
            },
            description: new.description,
            media: new.media,
            camera_id: new.camera_id,
            source_ref: key.as_ref().map(|k| format!("{}:{}", k.source, k.key)),
            reporter: new.reporter.filter(|r| !r.is_empty()),
        },
        &ctx,
        now,
    )?;
    let detail = format!("type={} channel={:?}", case.type_key.code, case.channel);
    Ok(Prepared {
        write: cityops_store::NewCaseWrite {
            case: case.to_dto(now),
            key,
            audit: audit(state, caller, "case.create", String::new(), detail),
        },
        type_name: cat.name().to_owned(),
    })
}

/// After a case is filed: the hotspot rule sees it (its alert is published like the others').
pub(crate) async fn after_created(state: &AppState, created: &Created<CaseDto>, type_name: &str) {
    if created.created {
        let alerts = state.scenario.on_case(&created.value, type_name);
        if let Err(e) = feeds::publish(state, &alerts).await {
            tracing::warn!(error = ?e, "hotspot alert not published");
        }
    }
}

/// A report through the API: idempotent when the client names it — by an `Idempotency-Key`, or
/// else by the `source_ref` of its own system — so a retry after a lost acknowledgement returns
/// the first case (200) instead of filing a second. The key is written with the case, in one
/// transaction, so concurrent retries file one case.
pub async fn report(
    st: &AppState,
    caller: &Caller,
    new: NewCaseDto,
    idempotency_key: Option<String>,
) -> AppResult<Created<CaseDto>> {
    let key = idempotency_key
        .or_else(|| new.source_ref.clone())
        .map(|k| IngestKey::new(format!("api:{}", caller.label), k));
    let created = create_case(st, caller, new, key).await?;
    Ok(Created { value: scope::redact(caller, created.value), ..created })
}

/// A case the caller may read (outside its district: not found), with its `overdue` flag and
/// open entry evaluated now.
pub async fn get_case(state: &AppState, caller: &Caller, id: i64) -> AppResult<CaseDto> {
    let v = scope::case_to_read(state, caller, id).await?;
    Ok(scope::redact(caller, Case::from_dto(&v.value).to_dto(state.clock.now())))
}

/// A case as Open311's public reads show it, whoever asks, evaluated now.
pub async fn public_case(state: &AppState, id: i64) -> AppResult<CaseDto> {
    let v = scope::load(state, id).await?;
    Ok(Case::from_dto(&v.value).to_dto(state.clock.now()).without_reporter())
}

/// Apply a workflow action.
pub async fn act(state: &AppState, caller: &Caller, id: i64, req: ActionRequest) -> AppResult<CaseDto> {
    validate::action(&req, cityops_core::calendar::to_timestamp(state.clock.now()))?;
    let v = scope::case_to_write(state, caller, id).await?;
    let city = &state.city;
    if let Some(unit) = &req.unit_code {
        scope::dispatch_unit(state, caller, &v.value, unit)?;
    }
    let cat = category(city, &v.value.type_key)?;
    let tiers = tiers(cat);
    let calendar = state.calendar.current();
    let ctx =
        Ctx { calendar: &calendar, limits: &city.limits, handling: &tiers, urgent: cat.standard().urgent() };
    let mut case = Case::from_dto(&v.value);
    let now = state.clock.now();
    let changes = case.apply(&Command::from_request(&req), &actor(caller), &ctx, now)?;
    let dto = case.to_dto(now);
    let detail = format!("{changes:?}");
    let target = format!("case:{id}");
    let action = format!("case.{}", cityops_api::wire_name(&req.action));
    state.store.update_case(&dto, v.version, audit(state, caller, &action, target, detail)).await?;
    if matches!(dto.status, cityops_api::CaseStatus::Closed | cityops_api::CaseStatus::Cancelled) {
        state.scenario.case_finished(&dto);
    }
    Ok(scope::redact(caller, dto))
}

/// What a dispatcher is offered for a case: the responsible unit for (grid × category) and the
/// handling standard's deadline if dispatched now.
pub async fn dispatch_proposal(state: &AppState, caller: &Caller, id: i64) -> AppResult<DispatchProposalDto> {
    let case = get_case(state, caller, id).await?;
    let city = &state.city;
    let cat = category(city, &case.type_key)?;
    let function = cat.standard().function().to_owned();
    let org = &city.pack.organisation;
    let unit = org
        .responsible_unit(&case.grid_code, &function)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("routing failed: {e}")))?;
    let now = state.clock.now();
    let default = cat
        .standard()
        .default_tier()
        .ok_or_else(|| AppError::new(ErrorCode::Internal, "type without a deadline tier"))?;
    let deadline = state.calendar.current().deadline(now, default.limit)?;
    let alternatives = org
        .units()
        .iter()
        .filter(|u| u.code != unit.code)
        .filter(|u| match u.level {
            UnitLevel::Grassroots => u.code.starts_with(&case.street_code),
            UnitLevel::DistrictCentre | UnitLevel::Department => {
                u.district_code.as_deref().is_none_or(|d| d == case.district_code)
            }
            UnitLevel::CityCentre => false,
        })
        .map(|u| u.to_dto())
        .collect();
    Ok(DispatchProposalDto {
        case_id: id,
        function,
        unit: unit.to_dto(),
        deadline: cityops_core::calendar::to_timestamp(deadline.at),
        deadline_provisional: deadline.provisional,
        tiers: cat
            .standard()
            .deadlines()
            .iter()
            .map(|t| DeadlineTierDto { label: t.label.clone(), limit: t.limit })
            .collect(),
        alternatives,
    })
}

/// One year of the working calendar in force.
pub fn calendar_year(state: &AppState, year: i32) -> AppResult<cityops_api::CalendarYearDto> {
    crate::calendar::year_dto(&state.calendar.loaded(), year).map_err(|e| match e {
        CalendarError::NoData { .. } => AppError::not_found(format!("a working calendar for {year} ({e})")),
        other => other.into(),
    })
}

/// Load a State Council holiday notice file (admin, city-wide tokens only): validated whole,
/// stored, audited, in force for every deadline computed afterwards.
pub async fn import_notices(
    state: &AppState,
    caller: &Caller,
    text: &str,
) -> AppResult<cityops_api::CalendarImportDto> {
    use crate::calendar::CalendarLoadError;
    let by = crate::calendar::Loader {
        actor: caller.label.clone(),
        role: caller.role,
        remote: caller.remote.clone(),
        at: cityops_core::calendar::to_timestamp(state.clock.now()),
    };
    let report = crate::calendar::import_into(&state.calendar, &*state.store, text, &by).await.map_err(
        |e| match e {
            CalendarLoadError::Calendar(
                e @ (CalendarError::Invalid { .. } | CalendarError::Malformed { .. }),
            ) => AppError::invalid(format!("notice refused, nothing changed: {e}")),
            CalendarLoadError::Calendar(e) => e.into(),
            CalendarLoadError::TooLarge(_) => AppError::invalid(e.to_string()),
            CalendarLoadError::Store(e) => e.into(),
        },
    )?;
    Ok(report)
}

/// How far back the rules' inputs are replayed on start: the whole service day (truck routes
/// are planned per day), and at least this long (a dust episode across midnight).
const REPLAY_AT_LEAST: chrono::TimeDelta = chrono::TimeDelta::hours(2);

/// Rebuild the scenario rules' state from the store (after a restart): replay the day's GPS fixes,
/// sensor readings and video detections through the rules in the order they were accepted, then
/// tie the open detection groups to their cases. The same inputs after a restart then give the
/// same cases and alerts as without one. Returns how many events were replayed.
pub async fn restore_rules(st: &AppState) -> AppResult<u64> {
    let now = st.clock.now();
    let day = now.date().and_hms_opt(0, 0, 0).unwrap_or(now);
    let since = day.min(now - REPLAY_AT_LEAST);
    let since_ts = cityops_core::calendar::to_timestamp(since);
    let mut replayed = 0u64;
    if let Some(first) = st.store.first_event_since(since_ts).await? {
        let mut after = first.saturating_sub(1);
        loop {
            let batch = st.store.events_after(after, 5000).await?;
            for e in &batch {
                if e.at >= since_ts {
                    st.scenario.replay(e);
                    replayed += 1;
                }
                after = e.id;
            }
            if replayed > 0 && replayed % 100_000 < 5000 {
                tracing::info!(replayed, "rebuilding the rules' state from the day's events");
            }
            if batch.len() < 5000 {
                break;
            }
        }
    }
    let mut offset = 0;
    loop {
        let page = st
            .store
            .list_cases(&CaseFilter {
                channel: Some(Channel::VideoAi),
                updated_from: Some(since_ts),
                limit: Some(cityops_store::MAX_PAGE),
                offset: Some(offset),
                ..Default::default()
            })
            .await?;
        page.items.iter().for_each(|c| st.scenario.restore_video_case(c));
        offset += page.items.len() as u32;
        if page.items.len() < cityops_store::MAX_PAGE as usize {
            break;
        }
    }
    // The hotspot rule: the window's cases again, oldest first. An alert a crash kept from being
    // published is published now; the others are dropped as repeats (deterministic ids).
    let hot_since = cityops_core::calendar::to_timestamp(now - st.scenario.hotspot_window);
    let mut cases = all_cases(st, CaseFilter { from: Some(hot_since), ..Default::default() }).await?;
    cases.sort_by_key(|c| c.id);
    let mut alerts = Vec::new();
    for c in &cases {
        let name = category(&st.city, &c.type_key).map(|cat| cat.name().to_owned()).unwrap_or_default();
        alerts.extend(st.scenario.on_case(c, &name));
    }
    feeds::publish(st, &alerts).await?;
    tracing::info!(replayed, since = %since, hotspot_cases = cases.len(), "rules' state rebuilt from the store");
    Ok(replayed)
}

/// Every case a filter selects, read page by page (the filter's page is replaced).
pub(crate) async fn all_cases(st: &AppState, filter: CaseFilter) -> AppResult<Vec<CaseDto>> {
    Ok(newest_cases(st, filter, u64::MAX).await?.0)
}

/// The newest `at_most` cases a filter selects (at least those; whole pages are read), page by
/// page, and how many it selects in all (the filter's page is replaced).
pub(crate) async fn newest_cases(
    st: &AppState,
    filter: CaseFilter,
    at_most: u64,
) -> AppResult<(Vec<CaseDto>, u64)> {
    let mut filter = CaseFilter { limit: Some(cityops_store::MAX_PAGE), offset: Some(0), ..filter };
    let mut out = Vec::new();
    loop {
        let page = st.store.list_cases(&filter).await?;
        let n = page.items.len() as u32;
        out.extend(page.items);
        if n < cityops_store::MAX_PAGE || out.len() as u64 >= at_most.min(page.total) {
            return Ok((out, page.total));
        }
        filter.offset = Some(filter.offset.unwrap_or(0) + n);
    }
}

/// Start the application's background work: the truck-route rule's clock (stops whose window
/// closed unvisited raise alerts).
pub fn start_background(state: &AppState) {
    feeds::start_route_ticker(state.clone());
}

/// Health, backend, clock and last event.
pub async fn health(st: &AppState) -> AppResult<HealthDto> {
    Ok(HealthDto {
        status: "ok".into(),
        store: format!("{:?}", st.store.dialect()).to_lowercase(),
        last_event_id: st.store.last_event_id().await?,
        now: cityops_core::calendar::to_timestamp(st.clock.now()),
        time_scale: st.clock.scale(),
    })
}

/// The audit log, newest first (leaders and admins).
pub async fn audit_log(st: &AppState, q: AuditQuery) -> AppResult<Vec<AuditDto>> {
    let entries = st.store.audit_entries(q.limit.unwrap_or(100).min(1000)).await?;
    Ok(entries)
}

/// Create a token (admins); the token is shown once, only its hash is kept.
pub async fn create_token(st: &AppState, caller: &Caller, req: NewTokenDto) -> AppResult<TokenDto> {
    validate::token(&req)?;
    scope::grant(caller, &req)?;
    if req.role == Role::Department && st.city.pack.organisation.unit(&req.label).is_none() {
        return Err(AppError::invalid(format!(
            "a department token's label must be a unit code; {:?} is not",
            req.label
        )));
    }
    if let Some(d) = &req.district
        && st.city.pack.organisation.district(d).is_none()
    {
        return Err(AppError::invalid(format!("unknown district {d:?}")));
    }
    let token = crate::auth::new_token().map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let new = cityops_store::NewToken {
        hash: crate::auth::hash_token(&token),
        role: req.role,
        district_code: req.district,
        label: req.label,
        created_at: cityops_core::calendar::to_timestamp(st.clock.now()),
    };
    let by = cityops_store::Author {
        actor: caller.label.clone(),
        role: caller.role,
        remote: caller.remote.clone(),
    };
    st.store.create_token(new, &by).await?;
    Ok(TokenDto { token })
}

/// Validate a list query (and its caller's scope) into a store filter: a district-scoped token
/// sees its district only.
pub fn case_filter(caller: &Caller, q: &CaseQuery, now: cityops_api::Timestamp) -> AppResult<CaseFilter> {
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
    let bbox = match q.bbox {
        Some(b @ cityops_api::query::Bbox([w, s, e, n]))
            if !(w < e && s < n && (-180.0..=180.0).contains(&w) && (-90.0..=90.0).contains(&s)) =>
        {
            return Err(AppError::invalid(format!(
                "bbox={b} must be west,south,east,north with west<east, south<north"
            )));
        }
        b => b.map(|b| b.0),
    };
    if let Some(l) = q.limit
        && !(1..=cityops_store::MAX_PAGE).contains(&l)
    {
        return Err(AppError::invalid(format!("limit={l} must be 1..={}", cityops_store::MAX_PAGE)));
    }
    if let Some(t) = &q.q {
        // Characters here; the length below, with the list's own message.
        validate::text("q", t, usize::MAX)?;
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
    let mut f = CaseFilter { text, bbox, ..CaseFilter::from_query(q, now) };
    f.area = scope::area(caller, f.area.as_deref())?;
    Ok(f)
}

/// A case as lists carry it: `overdue` evaluated at `now`, without its stage log and action
/// history (a single-case read has those; a list of 1000 would otherwise carry every case's whole
/// life) — the same form the history keeps.
pub use cityops_core::history::slim_case as slim;

/// A page of cases, newest first.
pub async fn list_cases(st: &AppState, caller: &Caller, q: &CaseQuery) -> AppResult<CasePageDto> {
    if let Some(at) = q.at {
        return replay::list_cases_at(st, caller, q, at).await;
    }
    let now = cityops_core::calendar::to_timestamp(st.clock.now());
    let f = case_filter(caller, q, now)?;
    let page = st.store.list_cases(&f).await?;
    let items = page.items.iter().map(|c| slim(c, now)).collect();
    Ok(CasePageDto { items, total: page.total, limit: page.limit, offset: page.offset })
}

/// The actions the caller may take on a case now (outside the caller's district the case is not
/// found).
pub async fn allowed_actions(st: &AppState, caller: &Caller, id: i64) -> AppResult<Vec<Action>> {
    let case = get_case(st, caller, id).await?;
    Ok(Case::from_dto(&case).allowed_actions(&actor(caller)))
}

/// What a map view draws, from the service's live map (a district token: its district's cases,
/// trucks and alerts, and the city's shared infrastructure).
pub async fn viewport(st: &AppState, caller: &Caller, q: &ViewQuery) -> AppResult<MapViewDto> {
    use cityops_core::index::MapViewError;
    if let Some(at) = q.at {
        return replay::viewport_at(st, caller, q, at).await;
    }
    st.map
        .view(q, caller.district.as_deref())
        .ok_or_else(|| AppError::new(ErrorCode::Unavailable, "the map is unavailable"))?
        .map_err(|e| match e {
            MapViewError::Params(p) => AppError::invalid(p.to_string()),
            MapViewError::Index(i) => AppError::invalid(i.to_string()),
        })
}

/// Latest known position of every vehicle the caller sees (a district token: its district's
/// trucks).
pub async fn vehicles(st: &AppState, caller: &Caller) -> AppResult<Vec<VehicleDto>> {
    let all = st.store.vehicles().await?;
    Ok(all.into_iter().filter(|v| scope::sees_truck(st, caller, &v.id)).collect())
}
