//! The simulated enforcement bureau (执法办案, synthetic): some dispatched cases whose type leads
//! to an enforcement matter are transferred (移送执法), officers on patrol register leads and
//! punish small street offences on the spot (简易程序), and every file is walked through the
//! procedure by the roles that take each step, at plausible intervals: 立案 within hours, the
//! investigation over days, the statement period as the law counts it, payment within the 15
//! days. When a transferred file closes, the service hands its outcome back to the case; the
//! simulator then verifies and closes that case. Every party, fine and record is **synthetic**.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::endpoint::Empty;
use cityops_api::query::{IdPath, MatterQuery};
use cityops_api::{
    CaseDto, EnfAction, EnfFileDto, EnfStage, EnfStatus, EnfStepRequest, EvidenceDto, EvidenceKind, FineUnit,
    MatterDto, NewEnfFileDto, OfficerDto, PartyDto, PartyKind, PenaltyDto, Role, ServiceMethod, TypeKey, ep,
};
use cityops_client::Client;
use cityops_client::native::HttpTransport;
use rand::Rng;

use crate::client::{ClientError, Service};

/// Share of dispatched 私搭乱建 cases transferred to enforcement (the rest are stopped and
/// removed by the unit itself). cityops' model.
pub const TRANSFER_SHARE_BUILDING: f64 = 0.3;
/// Share of other dispatched cases of a type that leads to a matter transferred. cityops' model.
pub const TRANSFER_SHARE: f64 = 0.02;
/// Patrol leads per filed report (officers' own finds, mostly on-the-spot street offences).
pub const PATROL_PER_REPORT: f64 = 0.01;

/// What the bureau did (synthetic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Files opened (transfers and patrol leads).
    pub opened: u64,
    /// Of which transferred from a case.
    pub transferred: u64,
    /// Files decided on the spot (简易程序).
    pub on_spot: u64,
    /// Steps taken.
    pub steps: u64,
    /// Files archived.
    pub archived: u64,
    /// Steps refused or failed.
    pub errors: u64,
}

#[derive(Debug, Clone)]
struct Plan {
    /// The fine and the level chosen.
    penalty: PenaltyDto,
    /// Decide on the spot.
    on_spot: bool,
    /// The party waives its statement period.
    waive: bool,
    /// The party asks for a hearing (when entitled).
    hearing: bool,
    /// The party pays (else compulsory execution after the period).
    pays: bool,
    /// The case it came from.
    case_id: Option<i64>,
}

/// The bureau.
pub struct Desk {
    officer: Client<HttpTransport>,
    chief: Client<HttpTransport>,
    reviewer: Client<HttpTransport>,
    matters: Vec<MatterDto>,
    by_type: HashMap<TypeKey, Vec<MatterDto>>,
    queue: BinaryHeap<Reverse<(NaiveDateTime, u64, i64)>>,
    plans: HashMap<i64, (Plan, EnfFileDto)>,
    seq: u64,
    serial: u64,
    /// Transfers to make: (at, case).
    transfers: Vec<(NaiveDateTime, CaseDto, MatterDto)>,
    /// What it did.
    pub activity: Activity,
}

fn officers(rng: &mut impl Rng) -> Vec<OfficerDto> {
    let a = rng.random_range(1..=400);
    let b = a + rng.random_range(1..=50);
    vec![
        OfficerDto { name: format!("执法队员{a:03}（模拟）"), cert_no: format!("3702{a:06}") },
        OfficerDto { name: format!("执法队员{b:03}（模拟）"), cert_no: format!("3702{b:06}") },
    ]
}

fn party(rng: &mut impl Rng, matter: &MatterDto, serial: u64) -> PartyDto {
    let org = matter.parties.contains(&PartyKind::Organisation)
        && (!matter.parties.contains(&PartyKind::Citizen) || rng.random_bool(0.3));
    if org {
        PartyDto {
            kind: PartyKind::Organisation,
            name: format!("青岛模拟商贸有限公司{serial:04}（模拟）"),
            id_number: format!("91370200MA{serial:08}"),
            address: "青岛市（模拟地址）".into(),
            phone: String::new(),
        }
    } else {
        PartyDto {
            kind: PartyKind::Citizen,
            name: format!("模拟当事人{serial:05}"),
            id_number: String::new(),
            address: "青岛市（模拟地址）".into(),
            phone: String::new(),
        }
    }
}

/// A penalty inside a level of the matter's table; on the spot only a fine within the citizen's
/// summary ceiling.
fn penalty(rng: &mut impl Rng, m: &MatterDto, on_spot: bool) -> Option<PenaltyDto> {
    let candidates: Vec<usize> = (0..m.levels.len())
        .filter(|&i| !on_spot || (m.levels[i].unit == FineUnit::Yuan && m.levels[i].min <= 200))
        .collect();
    let level = *candidates.get(rng.random_range(0..candidates.len().max(1)))?;
    let l = &m.levels[level];
    let quantity = match l.unit {
        FineUnit::Yuan => 0,
        FineUnit::YuanPerM2 => rng.random_range(5..=200),
        FineUnit::PermilleOfCost => rng.random_range(20..=500) * 1000,
        FineUnit::TimesIllegalGain => rng.random_range(1..=50) * 1000,
    };
    let (lo, hi) = cityops_core::enforcement::fine_range(l, quantity);
    let hi = if on_spot { hi.min(200) } else { hi };
    if lo > hi {
        return None;
    }
    let fine = if lo == hi { lo } else { rng.random_range(lo..=hi) } / 10 * 10;
    let fine = fine.max(lo);
    let demolition = !on_spot && m.penalty.contains("拆除") && rng.random_bool(0.3);
    Some(PenaltyDto {
        level,
        quantity,
        fine_yuan: fine,
        warning: fine == 0,
        demolition,
        reasons: "（模拟）综合违法情节、改正情况确定".into(),
    })
}

impl Desk {
    /// Tokens for the three enforcement roles, and the matter list.
    pub async fn new(service: &Service) -> Result<Desk, ClientError> {
        let role = async |r: Role, label: &str| -> Result<Client<HttpTransport>, ClientError> {
            Ok(service.as_role(&service.create_token(r, label).await?))
        };
        let officer = role(Role::LawOfficer, "sim-law-officer").await?;
        let list = officer.get::<ep::EnfMatters>(&Empty {}, &MatterQuery::default()).await?;
        let mut by_type: HashMap<TypeKey, Vec<MatterDto>> = HashMap::new();
        for m in &list.matters {
            for t in &m.problem_types {
                by_type.entry(t.clone()).or_default().push(m.clone());
            }
        }
        Ok(Desk {
            chief: role(Role::EnforcementChief, "sim-enforcement-chief").await?,
            reviewer: role(Role::LegalReviewer, "sim-legal-reviewer").await?,
            officer,
            matters: list.matters,
            by_type,
            queue: BinaryHeap::new(),
            plans: HashMap::new(),
            seq: 0,
            serial: 0,
            transfers: Vec::new(),
            activity: Activity::default(),
        })
    }

    /// A case was just dispatched: transfer it later (returns true) or let the unit handle it.
    pub fn offer(&mut self, rng: &mut impl Rng, case: &CaseDto, now: NaiveDateTime) -> bool {
        let Some(matters) = self.by_type.get(&case.type_key) else { return false };
        let share = if case.type_key.code == "06001" || case.type_key.code == "0101" {
            TRANSFER_SHARE_BUILDING
        } else {
            TRANSFER_SHARE
        };
        if !rng.random_bool(share) {
            return false;
        }
        let Some(m) = matters.get(rng.random_range(0..matters.len())).cloned() else { return false };
        let at = now + TimeDelta::minutes(rng.random_range(15..=120));
        self.transfers.push((at, case.clone(), m));
        true
    }

    /// An officer on patrol finds an offence at a point (a lead without a case).
    pub async fn patrol(&mut self, rng: &mut impl Rng, lon: f64, lat: f64, now: NaiveDateTime) {
        // Street offences a patrol meets: matters with a yuan level open to the spot procedure.
        let spot: Vec<&MatterDto> = self
            .matters
            .iter()
            .filter(|m| m.levels.iter().any(|l| l.unit == FineUnit::Yuan && l.min <= 200))
            .collect();
        let Some(m) = spot.get(rng.random_range(0..spot.len().max(1))).map(|m| (*m).clone()) else { return };
        self.open(rng, m, None, Some((lon, lat)), now).await;
    }

    async fn open(
        &mut self,
        rng: &mut impl Rng,
        m: MatterDto,
        case: Option<&CaseDto>,
        at: Option<(f64, f64)>,
        now: NaiveDateTime,
    ) {
        self.serial += 1;
        let on_spot = case.is_none() && rng.random_bool(0.6);
        let Some(pen) = penalty(rng, &m, on_spot) else { return };
        let mut p = party(rng, &m, self.serial);
        if on_spot {
            p.kind = PartyKind::Citizen;
            if !m.parties.contains(&PartyKind::Citizen) {
                return;
            }
        }
        let new = NewEnfFileDto {
            matter: m.code.clone(),
            case_id: case.map(|c| c.id),
            lon: at.map(|a| a.0),
            lat: at.map(|a| a.1),
            address: if case.is_none() { "巡查发现（模拟）".into() } else { String::new() },
            facts: if case.is_none() {
                format!("执法巡查发现当事人{}（模拟数据）", m.name)
            } else {
                String::new()
            },
            party: Some(p),
        };
        match self.officer.call::<ep::EnfCreateFile>(&Empty {}, &Empty {}, &new).await {
            Ok(f) => {
                self.activity.opened += 1;
                self.activity.transferred += u64::from(case.is_some());
                let plan = Plan {
                    penalty: pen,
                    on_spot,
                    waive: rng.random_bool(0.5),
                    hearing: rng.random_bool(0.3),
                    pays: rng.random_bool(0.9),
                    case_id: case.map(|c| c.id),
                };
                let first = if on_spot { 5 } else { rng.random_range(30..=360) };
                self.schedule(f.id, now + TimeDelta::minutes(first));
                self.plans.insert(f.id, (plan, f));
            }
            Err(e) => {
                self.activity.errors += 1;
                tracing::debug!(error = %e, matter = %m.code, "enforcement file refused");
            }
        }
    }

    fn schedule(&mut self, id: i64, at: NaiveDateTime) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq, id)));
    }

    /// Make the transfers and take the steps due by `now`. Returns the cases whose files closed
    /// with an outcome (their feedback is in; the caller verifies them).
    pub async fn run_due(&mut self, rng: &mut impl Rng, now: NaiveDateTime) -> Vec<i64> {
        let due: Vec<_> = {
            let (due, later): (Vec<_>, Vec<_>) =
                std::mem::take(&mut self.transfers).into_iter().partition(|t| t.0 <= now);
            self.transfers = later;
            due
        };
        for (_, case, m) in due {
            self.open(rng, m, Some(&case), None, now).await;
        }
        let mut closed = Vec::new();
        while let Some(Reverse((at, _, id))) = self.queue.peek().copied() {
            if at > now {
                break;
            }
            self.queue.pop();
            let Some((plan, file)) = self.plans.get(&id).cloned() else { continue };
            let Some((who, req)) = self.next(rng, &plan, &file, now) else {
                self.plans.remove(&id);
                continue;
            };
            let client = match who {
                Role::EnforcementChief => &self.chief,
                Role::LegalReviewer => &self.reviewer,
                _ => &self.officer,
            };
            match client.call::<ep::EnfStep>(&IdPath { id }, &Empty {}, &req).await {
                Ok(f) => {
                    self.activity.steps += 1;
                    self.activity.on_spot += u64::from(req.action == EnfAction::DecideOnSpot);
                    if f.stage == EnfStage::Closing
                        && file.stage != EnfStage::Closing
                        && f.status != EnfStatus::Withdrawn
                        && let Some(c) = plan.case_id
                    {
                        closed.push(c);
                    }
                    if f.stage == EnfStage::Archived {
                        self.activity.archived += 1;
                        self.plans.remove(&id);
                        continue;
                    }
                    let wait = self.wait(rng, &f);
                    self.schedule(id, now + wait);
                    self.plans.insert(id, (plan, f));
                }
                Err(e) => {
                    // A period still running (the statement period, the payment period): try again
                    // the next day. Anything else: the file is left where it is.
                    let msg = e.to_string();
                    if msg.contains("runs until") {
                        self.schedule(id, now + TimeDelta::hours(24));
                    } else {
                        self.activity.errors += 1;
                        tracing::debug!(file = id, action = ?req.action, error = %msg, "enforcement step refused");
                        self.plans.remove(&id);
                    }
                }
            }
        }
        closed
    }

    /// How long until the next step of a file in its new stage (synthetic intervals).
    fn wait(&self, rng: &mut impl Rng, f: &EnfFileDto) -> TimeDelta {
        let mut h = |a: i64, b: i64| TimeDelta::minutes(rng.random_range(a * 60..=b * 60));
        match f.stage {
            EnfStage::Clue => h(1, 6),
            EnfStage::Investigation => h(4, 48),
            EnfStage::Review | EnfStage::Discussion => h(4, 36),
            EnfStage::Notice if f.notified_at.is_none() => h(2, 24),
            EnfStage::Notice => h(12, 120),
            EnfStage::Hearing => h(7 * 24, 10 * 24),
            EnfStage::Decision => h(4, 48),
            EnfStage::Service => h(2, 72),
            EnfStage::Execution => h(24, 14 * 24),
            EnfStage::Closing => h(4, 72),
            EnfStage::Archiving | EnfStage::Archived => h(24, 5 * 24),
        }
    }

    /// The next step of a file, and the role that takes it.
    fn next(
        &self,
        rng: &mut impl Rng,
        plan: &Plan,
        f: &EnfFileDto,
        now: NaiveDateTime,
    ) -> Option<(Role, EnfStepRequest)> {
        let step = |a: EnfAction| EnfStepRequest::new(a, f.version);
        let records = f.evidence.iter().filter(|e| e.kind.needs_two_officers()).count();
        let taken = cityops_core::calendar::to_timestamp(now);
        Some(match f.stage {
            EnfStage::Clue if plan.on_spot => (
                Role::LawOfficer,
                EnfStepRequest {
                    penalty: Some(plan.penalty.clone()),
                    officers: officers(rng),
                    ..step(EnfAction::DecideOnSpot)
                },
            ),
            EnfStage::Clue => (
                Role::EnforcementChief,
                EnfStepRequest { note: "同意立案（模拟）".into(), ..step(EnfAction::File) },
            ),
            EnfStage::Investigation if records < 2 => {
                let kind = if records == 0 { EvidenceKind::Inspection } else { EvidenceKind::Interview };
                let evidence = EvidenceDto {
                    kind,
                    summary: format!(
                        "{}（模拟数据）",
                        if records == 0 {
                            "现场检查，拍照取证"
                        } else {
                            "询问当事人，对违法事实无异议"
                        }
                    ),
                    media: Vec::new(),
                    officers: officers(rng),
                    taken_at: taken,
                    from_case: false,
                };
                (
                    Role::LawOfficer,
                    EnfStepRequest { evidence: Some(evidence), ..step(EnfAction::AddEvidence) },
                )
            }
            EnfStage::Investigation => (
                Role::LawOfficer,
                EnfStepRequest { penalty: Some(plan.penalty.clone()), ..step(EnfAction::Propose) },
            ),
            EnfStage::Review => {
                let who = if f.major { Role::LegalReviewer } else { Role::EnforcementChief };
                (
                    who,
                    EnfStepRequest {
                        note: "事实清楚，证据确凿（模拟）".into(), ..step(EnfAction::Approve)
                    },
                )
            }
            EnfStage::Discussion => (
                Role::EnforcementChief,
                EnfStepRequest { note: "集体讨论同意（模拟）".into(), ..step(EnfAction::Discuss) },
            ),
            EnfStage::Notice if f.notified_at.is_none() => (Role::LawOfficer, step(EnfAction::Notify)),
            EnfStage::Notice if f.hearing_right && plan.hearing => {
                (Role::LawOfficer, step(EnfAction::RequestHearing))
            }
            EnfStage::Notice => {
                let note = if plan.waive { "当事人书面放弃陈述申辩（模拟）" } else { "" };
                (Role::LawOfficer, EnfStepRequest { note: note.into(), ..step(EnfAction::EndNotice) })
            }
            EnfStage::Hearing => (
                Role::LegalReviewer,
                EnfStepRequest {
                    note: "听证会已举行（模拟）".into(), ..step(EnfAction::HoldHearing)
                },
            ),
            EnfStage::Decision => (Role::EnforcementChief, step(EnfAction::Decide)),
            EnfStage::Service => (
                Role::LawOfficer,
                EnfStepRequest { service: Some(ServiceMethod::Direct), ..step(EnfAction::Serve) },
            ),
            EnfStage::Execution if plan.pays => {
                let due = f.penalty.as_ref().map_or(0, |p| p.fine_yuan);
                (Role::LawOfficer, EnfStepRequest { paid_yuan: Some(due), ..step(EnfAction::RecordPayment) })
            }
            EnfStage::Execution => (
                Role::EnforcementChief,
                EnfStepRequest {
                    note: "申请人民法院强制执行（模拟）".into(), ..step(EnfAction::Enforce)
                },
            ),
            EnfStage::Closing => (Role::EnforcementChief, step(EnfAction::Close)),
            EnfStage::Archiving => (Role::LawOfficer, step(EnfAction::Archive)),
            EnfStage::Archived => return None,
        })
    }
}
