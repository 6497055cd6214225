//! Feed ingest: what each source's items become (cases, events), with the scenario rules on
//! them — their alerts published as live events, their case proposals filed. A batch is validated
//! whole before anything is written; a bad item fails the batch with an error naming its index.

use cityops_api::LiveEvent;
use cityops_api::{
    CaseDto, Channel, EventBody, GpsFixDto, HotlineOrderDto, IngestItemDto, IngestResultDto, IngestStatus,
    InspectorReportDto, NewCaseDto, SensorReadingDto, VideoDetectionDto,
};
use cityops_core::scenario::{Alert, CaseProposal, Decision, Detection};
use cityops_store::{IngestKey, NewEvent};

use super::validate;
use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Largest batch accepted.
pub const MAX_BATCH: usize = 1000;

fn check_batch<T>(items: &[T], id: impl Fn(&T) -> &str) -> AppResult<()> {
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(AppError::invalid(format!("a batch holds 1..={MAX_BATCH} items, got {}", items.len())));
    }
    for (i, it) in items.iter().enumerate() {
        let id = id(it);
        if id.is_empty() || id.len() > 128 {
            return Err(AppError::invalid(format!("item {i}: the source id must be 1..=128 characters")));
        }
    }
    Ok(())
}

fn finite(i: usize, lon: f64, lat: f64) -> AppResult<()> {
    if lon.is_finite() && lat.is_finite() {
        Ok(())
    } else {
        Err(AppError::invalid(format!("item {i}: lon/lat must be numbers")))
    }
}

/// An error about item `i` of a batch.
fn at_item(i: usize) -> impl Fn(AppError) -> AppError {
    move |e: AppError| AppError::new(e.0.code, format!("item {i}: {}", e.0.message))
}

/// Item `i` of a batch names a known category at a point on land in the city, inside the
/// caller's district.
fn validate_report(
    st: &AppState,
    caller: &Caller,
    i: usize,
    key: &cityops_api::TypeKey,
    lon: f64,
    lat: f64,
) -> AppResult<()> {
    finite(i, lon, lat)?;
    super::category(&st.city, key).map_err(at_item(i))?;
    let place = st.city.pack.locate(lon, lat).map_err(|e| at_item(i)(super::locate_error(e)))?;
    caller.require_district(&place.district.code).map_err(at_item(i))
}

/// Item `i` of a batch concerns something of the caller's district (`district` of the thing;
/// empty when it is unknown, which only a whole-city token may feed).
fn in_scope(caller: &Caller, i: usize, what: &str, district: &str) -> AppResult<()> {
    match &caller.district {
        Some(d) if !caller.covers(district) || district.is_empty() => Err(AppError::forbidden(format!(
            "item {i}: token is limited to district {d}; {what} is {}",
            if district.is_empty() { "of no known district".to_owned() } else { format!("in {district}") }
        ))),
        _ => Ok(()),
    }
}

async fn cases(
    st: &AppState,
    caller: &Caller,
    source: &str,
    items: Vec<(String, Option<NewCaseDto>)>,
) -> AppResult<IngestResultDto> {
    // Validate everything first (fields, category, location and scope of every item) so a bad
    // item writes nothing.
    for (i, (_, new)) in items.iter().enumerate() {
        if let Some(n) = new {
            super::validate_new(n).map_err(at_item(i))?;
            validate_report(st, caller, i, &n.type_key, n.lon, n.lat)?;
        }
    }
    // One transaction for the batch: every new case, or none (a repeated key files nothing new).
    let mut slots = Vec::with_capacity(items.len());
    let mut prepared = Vec::new();
    for (i, (source_ref, new)) in items.into_iter().enumerate() {
        match new {
            None => slots.push((source_ref, None)),
            Some(new) => {
                let key = IngestKey::new(source, source_ref.clone());
                prepared.push(super::prepare_case(st, caller, new, Some(key)).map_err(at_item(i))?);
                slots.push((source_ref, Some(prepared.len() - 1)));
            }
        }
    }
    let (writes, names): (Vec<_>, Vec<_>) = prepared.into_iter().map(|p| (p.write, p.type_name)).unzip();
    let created = st.store.create_cases(writes).await?;
    for (c, name) in created.iter().zip(&names) {
        super::after_created(st, c, name).await;
    }
    let mut out = IngestResultDto::for_batch(slots.len());
    for (source_ref, slot) in slots {
        let Some(c) = slot.and_then(|n| created.get(n)) else {
            out.push(IngestItemDto {
                source_ref,
                status: IngestStatus::Ignored,
                case_id: None,
                event_id: None,
            });
            continue;
        };
        out.push(IngestItemDto {
            source_ref,
            status: if c.created { IngestStatus::Created } else { IngestStatus::Duplicate },
            case_id: Some(c.value.id),
            event_id: c.event.as_ref().map(|e| e.id),
        });
    }
    Ok(out)
}

/// Inspector reports (城管通): each a case of the inspector channel.
pub async fn inspector(
    st: &AppState,
    caller: &Caller,
    items: Vec<InspectorReportDto>,
) -> AppResult<IngestResultDto> {
    check_batch(&items, |r| &r.report_id)?;
    for (i, r) in items.iter().enumerate() {
        validate::inspector(r).map_err(at_item(i))?;
    }
    let items = items
        .into_iter()
        .map(|r| {
            let description = if r.description.is_empty() {
                format!("监督员 {} 上报", r.inspector_id)
            } else {
                r.description
            };
            (
                r.report_id,
                Some(NewCaseDto {
                    description,
                    media: r.media,
                    ..NewCaseDto::at(r.type_key, Channel::Inspector, r.lon, r.lat)
                }),
            )
        })
        .collect();
    cases(st, caller, "inspector", items).await
}

/// 12345 work orders: a case each, except enquiries (咨询), which the hotline answers itself.
pub async fn hotline(
    st: &AppState,
    caller: &Caller,
    items: Vec<HotlineOrderDto>,
) -> AppResult<IngestResultDto> {
    check_batch(&items, |r| &r.order_no)?;
    for (i, r) in items.iter().enumerate() {
        validate::hotline(r).map_err(at_item(i))?;
    }
    let items = items
        .into_iter()
        .map(|r| {
            // 咨询 (an enquiry) is answered by the hotline itself and makes no case.
            let new = (r.demand != cityops_api::HotlineDemand::Consult).then(|| NewCaseDto {
                address: r.address,
                description: format!("12345工单 {}：{}", r.order_no, r.description),
                ..NewCaseDto::at(r.type_key, Channel::Hotline, r.lon, r.lat)
            });
            (r.order_no, new)
        })
        .collect();
    cases(st, caller, "hotline", items).await
}

/// Video-AI detections: ignored below the confidence threshold, merged into an open case of the
/// same camera, type and place, or filed as a case.
pub async fn video(
    st: &AppState,
    caller: &Caller,
    items: Vec<VideoDetectionDto>,
) -> AppResult<IngestResultDto> {
    check_batch(&items, |r| &r.detection_id)?;
    for (i, d) in items.iter().enumerate() {
        validate::video(d).map_err(at_item(i))?;
        if st.scenario.cameras.get(&d.camera_id).is_none() {
            return Err(AppError::invalid(format!(
                "item {i}: camera_id {:?} is not one of the city's cameras (ids look like QD-CAM-000481)",
                d.camera_id
            )));
        }
        validate_report(st, caller, i, &d.type_key, d.lon, d.lat)?;
    }
    let _gate = st.scenario.video_gate.lock().await;
    let now = st.clock.now();
    let mut out = IngestResultDto::for_batch(items.len());
    for d in items {
        let key = IngestKey::new("video_ai", d.detection_id.clone());
        let item = |status, case_id: Option<i64>| IngestItemDto {
            source_ref: d.detection_id.clone(),
            status,
            case_id,
            event_id: None,
        };
        if let Some(id) = st.store.case_for_key(&key).await? {
            out.push(item(IngestStatus::Duplicate, Some(id)));
            continue;
        }
        // Recorded first, so the rule's state can be rebuilt from the store after a restart.
        let recorded = NewEvent {
            key: None,
            at: cityops_core::calendar::to_timestamp(now),
            body: EventBody::Detection {
                detection_id: d.detection_id.clone(),
                camera_id: d.camera_id.clone(),
                type_key: d.type_key.clone(),
                confidence: d.confidence,
                lon: d.lon,
                lat: d.lat,
            },
        };
        st.store.append_events(vec![recorded]).await?;
        let det = Detection {
            camera_id: d.camera_id.clone(),
            type_key: d.type_key.clone(),
            confidence: d.confidence,
            lon: d.lon,
            lat: d.lat,
            at: now,
        };
        match st.scenario.on_detection(&det) {
            Some(Decision::NewCase { key: group, case }) => {
                let created = file(
                    st,
                    caller,
                    &case,
                    Channel::VideoAi,
                    "video_merge",
                    d.snapshot.into_iter().collect(),
                )
                .await?;
                st.scenario.remember_video_case(group, created.value.id);
                st.store.claim_key(&key, Some(created.value.id)).await?;
                out.push(IngestItemDto {
                    event_id: created.event.map(|e| e.id),
                    ..item(IngestStatus::Created, Some(created.value.id))
                });
            }
            Some(Decision::Merge { into, .. }) => {
                let case_id = st.scenario.video_case(&into);
                st.store.claim_key(&key, case_id).await?;
                out.push(item(IngestStatus::Merged, case_id));
            }
            Some(Decision::Ignore(_)) | None => {
                st.store.claim_key(&key, None).await?;
                out.push(item(IngestStatus::Ignored, None));
            }
        }
    }
    Ok(out)
}

/// Run the truck-route rule's clock: stops whose window closed unvisited raise alerts.
pub fn start_route_ticker(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            let alerts = state.scenario.tick(state.clock.now());
            if let Err(e) = publish(&state, &alerts).await {
                tracing::warn!(error = ?e, "route alerts not published");
            }
        }
    });
}

/// Append feed events; returns the result and the events actually written (new ones), in order.
async fn events(
    st: &AppState,
    items: Vec<(String, NewEvent)>,
) -> AppResult<(IngestResultDto, Vec<LiveEvent>)> {
    let (refs, events): (Vec<String>, Vec<NewEvent>) = items.into_iter().unzip();
    let written = st.store.append_events(events).await?;
    let fresh: Vec<LiveEvent> = written.iter().flatten().cloned().collect();
    let mut out = IngestResultDto::for_batch(refs.len());
    for (source_ref, event) in refs.into_iter().zip(written) {
        let status = if event.is_some() { IngestStatus::Created } else { IngestStatus::Duplicate };
        out.push(IngestItemDto { source_ref, status, case_id: None, event_id: event.map(|e| e.id) });
    }
    Ok((out, fresh))
}

/// Site sensor readings: appended as events; a dust or noise episode raises an alert and files a
/// case in the site's district.
pub async fn sensor(
    st: &AppState,
    caller: &Caller,
    items: Vec<SensorReadingDto>,
) -> AppResult<IngestResultDto> {
    check_batch(&items, |r| &r.reading_id)?;
    let now = cityops_core::calendar::to_timestamp(st.clock.now());
    let mut batch = Vec::with_capacity(items.len());
    for (i, r) in items.into_iter().enumerate() {
        let unit = validate::sensor(&r, now).map_err(at_item(i))?;
        in_scope(caller, i, &format!("sensor {}", r.sensor_id), st.city.district_of_sensor(&r.sensor_id))?;
        batch.push((
            r.reading_id.clone(),
            NewEvent {
                key: Some(IngestKey::new("sensor", r.reading_id)),
                at: r.at,
                body: EventBody::Sensor {
                    sensor_id: r.sensor_id,
                    quantity: r.quantity,
                    value: r.value,
                    unit: unit.into(),
                },
            },
        ));
    }
    let (out, fresh) = events(st, batch).await?;
    // Construction dust / noise: an episode raises an alert and files a case in the site's district.
    for e in &fresh {
        if let EventBody::Sensor { sensor_id, quantity, value, .. } = &e.body
            && let Some((alert, proposal)) = st.scenario.on_reading(
                sensor_id,
                quantity,
                *value,
                cityops_core::calendar::from_timestamp(e.at),
            )
        {
            publish(st, std::slice::from_ref(&alert)).await?;
            file(st, caller, &proposal, Channel::Sensor, "sensor_alarm", Vec::new()).await?;
        }
    }
    Ok(out)
}

/// Vehicle GPS fixes: appended as events and run through the waste-truck route rules.
pub async fn gps(st: &AppState, caller: &Caller, items: Vec<GpsFixDto>) -> AppResult<IngestResultDto> {
    check_batch(&items, |r| &r.fix_id)?;
    let now = cityops_core::calendar::to_timestamp(st.clock.now());
    let mut batch = Vec::with_capacity(items.len());
    for (i, f) in items.into_iter().enumerate() {
        validate::gps(&f, now).map_err(at_item(i))?;
        in_scope(
            caller,
            i,
            &format!("truck {}", f.vehicle_id),
            st.city.truck_district(&f.vehicle_id).unwrap_or_default(),
        )?;
        let window = st.city.pack.basemap.window;
        if !(window.min().x..=window.max().x).contains(&f.lon)
            || !(window.min().y..=window.max().y).contains(&f.lat)
        {
            return Err(AppError::new(
                cityops_api::ErrorCode::OutsideCity,
                format!("item {i}: ({}, {}) is outside the Qingdao map window", f.lon, f.lat),
            ));
        }
        batch.push((
            f.fix_id.clone(),
            NewEvent {
                key: Some(IngestKey::new("gps", f.fix_id)),
                at: f.at,
                body: EventBody::Vehicle {
                    vehicle_id: f.vehicle_id,
                    lon: f.lon,
                    lat: f.lat,
                    speed_kmh: f.speed_kmh,
                    heading_deg: f.heading_deg,
                },
            },
        ));
    }
    let (out, fresh) = events(st, batch).await?;
    // Waste trucks: off route, stops served out of their window.
    let mut alerts = Vec::new();
    for e in &fresh {
        if let EventBody::Vehicle { vehicle_id, lon, lat, .. } = &e.body {
            alerts.extend(st.scenario.on_fix(
                vehicle_id,
                *lon,
                *lat,
                cityops_core::calendar::from_timestamp(e.at),
            ));
        }
    }
    publish(st, &alerts).await?;
    Ok(out)
}

/// Publish alerts as live events (idempotent on the alert's deterministic id).
pub async fn publish(state: &AppState, alerts: &[Alert]) -> AppResult<()> {
    if alerts.is_empty() {
        return Ok(());
    }
    let events = alerts
        .iter()
        .map(|a| NewEvent {
            key: Some(IngestKey::new("alert", a.id.clone())),
            at: cityops_core::calendar::to_timestamp(a.at),
            body: a.to_event_body(),
        })
        .collect();
    state.store.append_events(events).await?;
    Ok(())
}

/// File the case a rule proposes (idempotent on its `source_ref`), as `caller`.
pub async fn file(
    state: &AppState,
    caller: &Caller,
    p: &CaseProposal,
    channel: Channel,
    source: &str,
    media: Vec<String>,
) -> AppResult<cityops_store::Created<CaseDto>> {
    let new = NewCaseDto {
        description: p.description.clone(),
        media,
        camera_id: p.cameras.first().cloned(),
        ..NewCaseDto::at(p.type_key.clone(), channel, p.lon, p.lat)
    };
    super::create_case(state, caller, new, Some(IngestKey::new(source, p.source_ref.clone()))).await
}
