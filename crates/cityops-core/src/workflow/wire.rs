//! Lossless conversion between the [`Case`] aggregate and its wire document
//! ([`cityops_api::CaseDto`]), which is also what the stores persist.

use cityops_api::{CaseDto, CaseEventDto, CaseStatus};

use super::{ActorRef, Case, CaseEvent, Location, StageLog};
use crate::calendar::{from_timestamp, to_timestamp};

impl CaseEvent {
    /// Convert for the wire.
    pub fn to_dto(&self) -> CaseEventDto {
        CaseEventDto {
            action: self.action,
            actor: self.actor.id.clone(),
            role: self.actor.role,
            at: to_timestamp(self.at),
            deadline_before: self.deadline_before.map(to_timestamp),
            deadline_after: self.deadline_after.map(to_timestamp),
            note: self.note.clone(),
        }
    }
}

impl Case {
    /// Rebuild a case from its wire document (as written by [`Case::to_dto`]). Derived fields of
    /// the document (`overdue`, the on-time flag of the open entry, the displayed actor of an open
    /// entry) are recomputed, not read.
    pub fn from_dto(dto: &CaseDto) -> Case {
        let history = dto
            .history
            .iter()
            .map(|e| {
                let ended = e.ended_at.map(from_timestamp);
                StageLog {
                    stage: e.stage,
                    status: if e.suspended { CaseStatus::Suspended } else { CaseStatus::Active },
                    unit_code: e.unit_code.clone(),
                    started_at: from_timestamp(e.started_at),
                    ended_at: ended,
                    deadline: e.deadline.map(from_timestamp),
                    deadline_provisional: e.deadline_provisional,
                    action: e.action,
                    actor: ended.map(|_| ActorRef { id: e.actor.clone(), role: e.role }),
                    on_time: ended.and(e.on_time),
                    note: e.note.clone(),
                }
            })
            .collect();
        let events = dto
            .events
            .iter()
            .map(|e| CaseEvent {
                action: e.action,
                actor: ActorRef { id: e.actor.clone(), role: e.role },
                at: from_timestamp(e.at),
                deadline_before: e.deadline_before.map(from_timestamp),
                deadline_after: e.deadline_after.map(from_timestamp),
                note: e.note.clone(),
            })
            .collect();
        Case {
            id: dto.id,
            case_no: dto.case_no.clone(),
            type_key: dto.type_key.clone(),
            channel: dto.channel,
            location: Location {
                lon: dto.lon,
                lat: dto.lat,
                address: dto.address.clone(),
                grid_code: dto.grid_code.clone(),
                community_code: dto.community_code.clone(),
                street_code: dto.street_code.clone(),
                district_code: dto.district_code.clone(),
            },
            description: dto.description.clone(),
            unit_code: dto.unit_code.clone(),
            stage: dto.stage,
            status: dto.status,
            deadline: dto.deadline.map(from_timestamp),
            deadline_provisional: dto.deadline_provisional,
            due_soon_at: dto.due_soon_at.map(from_timestamp),
            rework_count: dto.rework_count,
            supervise_count: dto.supervise_count,
            media: dto.media.clone(),
            camera_id: dto.camera_id.clone(),
            source_ref: dto.source_ref.clone(),
            reporter: dto.reporter.clone(),
            created_at: from_timestamp(dto.created_at),
            updated_at: from_timestamp(dto.updated_at),
            history,
            events,
            merged_into: dto.merged_into,
            merged: dto.merged.clone(),
        }
    }
}

/// A case as a point feature for GIS exports (GeoJSON, FlatGeobuf): its number, type, channel,
/// stage and status (wire names), overdue, area codes, unit, address, description and times
/// (RFC 3339, China Standard Time). Every feature carries every column (empty when absent), so
/// the columns' types are the same for every case.
pub fn case_feature(c: &CaseDto) -> crate::formats::Feature {
    let time = |t: Option<cityops_api::Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    crate::formats::Feature::new(geo::Point::new(c.lon, c.lat))
        .with("id", c.id)
        .with("case_no", c.case_no.as_str())
        .with("type_kind", cityops_api::wire_name(&c.type_key.kind))
        .with("type_code", c.type_key.code.as_str())
        .with("channel", cityops_api::wire_name(&c.channel))
        .with("stage", cityops_api::wire_name(&c.stage))
        .with("status", cityops_api::wire_name(&c.status))
        .with("overdue", c.overdue)
        .with("due_soon", c.due_soon)
        .with("district_code", c.district_code.as_str())
        .with("street_code", c.street_code.as_str())
        .with("community_code", c.community_code.as_str())
        .with("grid_code", c.grid_code.as_str())
        .with("unit_code", c.unit_code.clone().unwrap_or_default())
        .with("address", c.address.as_str())
        .with("description", c.description.as_str())
        .with("deadline", time(c.deadline))
        .with("deadline_provisional", c.deadline_provisional)
        .with("created_at", time(Some(c.created_at)))
        .with("updated_at", time(Some(c.updated_at)))
}
