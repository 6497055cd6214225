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
            rework_count: dto.rework_count,
            supervise_count: dto.supervise_count,
            media: dto.media.clone(),
            camera_id: dto.camera_id.clone(),
            source_ref: dto.source_ref.clone(),
            created_at: from_timestamp(dto.created_at),
            updated_at: from_timestamp(dto.updated_at),
            history,
            events,
        }
    }
}
