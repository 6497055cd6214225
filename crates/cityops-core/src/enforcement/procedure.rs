//! The procedure: guards (stage, status, role, scope), the steps' own rules, and the statutory
//! limits a file runs against. See the table in the module above.

use std::collections::HashSet;

use chrono::{NaiveDateTime, TimeDelta};
use cityops_api::{
    DocKind, EnfAction, EnfFileDto, EnfLimitDto, EnfStage, EnfStatus, EnfStepDto, EnfStepRequest,
    EvidenceDto, EvidenceKind, MatterDto, OfficerDto, PartyDto, PartyKind, PenaltyDto, Procedure, Role,
    ServiceMethod,
};

use super::EnforcementError;
use super::matters::{MatterList, check_penalty};
use super::periods::{self, Period};
use crate::calendar::{Calendar, from_timestamp, to_timestamp};
use crate::workflow::Actor;

/// What a step needs besides the file.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The matter list.
    pub matters: &'a MatterList,
    /// The working calendar.
    pub calendar: &'a Calendar,
}

/// 作出处罚决定: 90 days from 立案 (《行政处罚法》第六十条), plus approved extensions, minus the days
/// suspended.
pub const DECISION_LIMIT: Period = Period::natural(90);
/// 送达: 7 working days from the decision (第六十一条).
pub const SERVICE_PERIOD: Period = Period::working(7);
/// 缴纳罚款: 15 days from receiving the decision (第六十七条).
pub const PAYMENT_PERIOD: Period = Period::natural(15);
/// 立案: 15 days from the lead (《住房和城乡建设行政处罚程序规定》, recalled).
pub const FILING_PERIOD: Period = Period::natural(15);

/// The period for 陈述申辩 after the prior notice: 5 working days when the party may ask for a
/// hearing (the hearing request's period, 第六十四条), else 3 working days (cityops' reading of
/// common practice; see the enforcement SOURCES).
pub fn statement_period(file: &EnfFileDto) -> Period {
    if file.hearing_right { Period::working(5) } else { Period::working(3) }
}

/// 听证申请: within 5 working days of the prior notice (第六十四条第一项).
pub fn hearing_request_period() -> Period {
    Period::working(5)
}

/// A lead to register (线索登记), from an officer or a transferred 运管服 case.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    /// The id the store assigned.
    pub id: i64,
    /// The file number.
    pub file_no: String,
    /// The matter's code.
    pub matter: String,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// Address.
    pub address: String,
    /// District code.
    pub district_code: String,
    /// The facts.
    pub facts: String,
    /// The party, if known.
    pub party: Option<PartyDto>,
    /// The transferred case (id, number).
    pub case: Option<(i64, String)>,
    /// Evidence that came with the case.
    pub evidence: Vec<EvidenceDto>,
}

/// The documents a step issues (the store numbers them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue {
    /// The kind.
    pub kind: DocKind,
    /// For an interview record, its evidence index.
    pub evidence: Option<usize>,
}

/// A step's result: the new file and the documents to number and attach.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The file after the step.
    pub file: EnfFileDto,
    /// Documents the step issues.
    pub issue: Vec<Issue>,
}

/// Register a lead (线索登记).
pub fn new_file(
    lead: Lead,
    actor: &Actor,
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<EnfFileDto, EnforcementError> {
    let matter =
        ctx.matters.get(&lead.matter).ok_or_else(|| EnforcementError::UnknownMatter(lead.matter.clone()))?;
    if !(actor.role == Role::LawOfficer || actor.role == Role::Admin) {
        return Err(EnforcementError::Forbidden { action: EnfAction::Register, role: actor.role });
    }
    check_scope(&lead.district_code, actor)?;
    if lead.facts.trim().is_empty() {
        return Err(EnforcementError::MissingField {
            field: "facts", why: "the facts as found (违法事实)"
        });
    }
    if let Some(p) = &lead.party {
        check_party(matter, p)?;
    }
    let at = to_timestamp(now);
    let mut file = EnfFileDto {
        id: lead.id,
        file_no: lead.file_no,
        matter: matter.code.clone(),
        matter_name: matter.name.clone(),
        procedure: Procedure::Ordinary,
        stage: EnfStage::Clue,
        status: EnfStatus::Active,
        party: lead.party,
        lon: lead.lon,
        lat: lead.lat,
        address: lead.address,
        district_code: lead.district_code,
        facts: lead.facts,
        case_id: lead.case.as_ref().map(|c| c.0),
        case_no: lead.case.map(|c| c.1),
        registered_at: at,
        filed_at: None,
        evidence: lead.evidence,
        correct_by: None,
        penalty: None,
        major: false,
        hearing_right: false,
        notified_at: None,
        decided_at: None,
        served_at: None,
        service: None,
        paid_yuan: 0,
        extended_days: 0,
        suspended_days: 0,
        suspended_at: None,
        limits: Vec::new(),
        overdue: false,
        due_soon: false,
        documents: Vec::new(),
        steps: vec![EnfStepDto {
            action: EnfAction::Register,
            from: EnfStage::Clue,
            to: EnfStage::Clue,
            actor: actor.id.clone(),
            role: actor.role,
            at,
            note: String::new(),
        }],
        updated_at: at,
        version: 0,
    };
    refresh(&mut file, ctx, now)?;
    Ok(file)
}

fn check_scope(district: &str, actor: &Actor) -> Result<(), EnforcementError> {
    match &actor.district {
        Some(scope) if !district.starts_with(scope.as_str()) => {
            Err(EnforcementError::OutOfScope { district: district.to_owned(), scope: scope.clone() })
        }
        _ => Ok(()),
    }
}

fn check_party(matter: &MatterDto, p: &PartyDto) -> Result<(), EnforcementError> {
    if p.name.trim().is_empty() {
        return Err(EnforcementError::MissingField {
            field: "party.name", why: "the party's name (当事人)"
        });
    }
    if !matter.parties.contains(&p.kind) {
        return Err(EnforcementError::PartyNotLiable { matter: matter.code.clone(), party: p.kind });
    }
    Ok(())
}

/// Two officers with distinct, non-empty certificate numbers.
fn two_officers(officers: &[OfficerDto]) -> bool {
    let certs: HashSet<&str> = officers
        .iter()
        .filter(|o| !o.name.trim().is_empty() && !o.cert_no.trim().is_empty())
        .map(|o| o.cert_no.trim())
        .collect();
    certs.len() >= 2
}

/// The roles that may take `action` on `file` (Admin may always).
fn roles(action: EnfAction, file: &EnfFileDto) -> &'static [Role] {
    use EnfAction as A;
    match action {
        A::Register | A::DecideOnSpot | A::AddEvidence | A::OrderCorrection | A::Propose | A::Notify => {
            &[Role::LawOfficer]
        }
        A::RecordStatement | A::RequestHearing | A::Serve | A::RecordPayment => &[Role::LawOfficer],
        A::Approve if file.major => &[Role::LegalReviewer],
        A::Approve | A::SendBack | A::HoldHearing => &[Role::LegalReviewer, Role::EnforcementChief],
        A::EndNotice => &[Role::LawOfficer, Role::EnforcementChief],
        A::Archive => &[Role::LawOfficer, Role::LegalReviewer, Role::EnforcementChief],
        A::File
        | A::Withdraw
        | A::Discuss
        | A::Decide
        | A::NoPenalty
        | A::Enforce
        | A::Close
        | A::Suspend
        | A::Resume
        | A::Extend => &[Role::EnforcementChief],
    }
}

/// Whether `action` is legal in the file's stage and status (before its own rules).
fn legal(action: EnfAction, file: &EnfFileDto) -> bool {
    use EnfAction as A;
    use EnfStage as S;
    let active = file.status == EnfStatus::Active;
    let s = file.stage;
    match action {
        A::Register => false,
        A::File | A::DecideOnSpot => active && s == S::Clue,
        A::AddEvidence => active && matches!(s, S::Clue | S::Investigation),
        A::OrderCorrection | A::Propose => active && s == S::Investigation,
        A::Approve | A::SendBack => active && s == S::Review,
        A::Discuss => active && s == S::Discussion,
        A::Notify => active && s == S::Notice && file.notified_at.is_none(),
        A::RecordStatement | A::RequestHearing | A::EndNotice => {
            active && s == S::Notice && file.notified_at.is_some()
        }
        A::HoldHearing => active && s == S::Hearing,
        A::Decide | A::NoPenalty => active && s == S::Decision,
        A::Serve => active && s == S::Service,
        A::RecordPayment | A::Enforce => active && s == S::Execution,
        A::Withdraw => active && s <= S::Decision,
        A::Close => s == S::Closing && !active && file.status != EnfStatus::Suspended,
        A::Archive => s == S::Archiving,
        A::Suspend => active && (S::Investigation..=S::Execution).contains(&s),
        A::Resume => file.status == EnfStatus::Suspended,
        A::Extend => active && (S::Investigation..=S::Decision).contains(&s),
    }
}

fn guard(file: &EnfFileDto, action: EnfAction, actor: &Actor) -> Result<(), EnforcementError> {
    check_scope(&file.district_code, actor)?;
    if !legal(action, file) {
        return Err(EnforcementError::IllegalStep { action, stage: file.stage, status: file.status });
    }
    if actor.role != Role::Admin && !roles(action, file).contains(&actor.role) {
        return Err(EnforcementError::Forbidden { action, role: actor.role });
    }
    Ok(())
}

/// The steps `actor` may take on `file` now (stage, status, role and scope; a step's own
/// fields are checked when it is taken).
pub fn allowed_actions(file: &EnfFileDto, actor: &Actor) -> Vec<EnfAction> {
    EnfAction::ALL.into_iter().filter(|a| guard(file, *a, actor).is_ok()).collect()
}

fn need_note(step: &EnfStepRequest, why: &'static str) -> Result<(), EnforcementError> {
    if step.note.trim().is_empty() {
        return Err(EnforcementError::MissingField { field: "note", why });
    }
    Ok(())
}

fn at_of(ts: &Option<cityops_api::Timestamp>) -> Option<NaiveDateTime> {
    ts.map(from_timestamp)
}

/// Whether a penalty makes a major case, and whether it entitles the party to a hearing.
fn weigh(penalty: &PenaltyDto, party: PartyKind, ctx: &Ctx) -> (bool, bool) {
    let t = ctx.matters.thresholds();
    let (major_min, hearing_min) = match party {
        PartyKind::Citizen => (t.major_min_citizen, t.hearing_min_citizen),
        PartyKind::Organisation => (t.major_min_organisation, t.hearing_min_organisation),
    };
    (
        penalty.fine_yuan >= major_min || penalty.demolition,
        penalty.fine_yuan >= hearing_min || penalty.demolition,
    )
}

/// Take one step. On success the file has the step in its timeline, its new stage, status and
/// limits; on error nothing changed.
pub fn apply(
    file: &EnfFileDto,
    step: &EnfStepRequest,
    actor: &Actor,
    ctx: &Ctx,
    now: NaiveDateTime,
) -> Result<Applied, EnforcementError> {
    use EnfAction as A;
    let last = from_timestamp(file.updated_at);
    if now < last {
        return Err(EnforcementError::ClockSkew { now, last });
    }
    guard(file, step.action, actor)?;
    let matter =
        ctx.matters.get(&file.matter).ok_or_else(|| EnforcementError::UnknownMatter(file.matter.clone()))?;
    let mut f = file.clone();
    let mut issue = Vec::new();
    let from = f.stage;
    let at = to_timestamp(now);
    let doc = |kind| Issue { kind, evidence: None };
    match step.action {
        // `guard` refused it already: a file is registered by `new_file`.
        A::Register => {
            return Err(EnforcementError::IllegalStep {
                action: step.action,
                stage: file.stage,
                status: file.status,
            });
        }
        A::File => {
            if let Some(p) = &step.party {
                check_party(matter, p)?;
                f.party = Some(p.clone());
            }
            f.procedure = Procedure::Ordinary;
            f.filed_at = Some(at);
            f.stage = EnfStage::Investigation;
            issue.push(doc(DocKind::FilingApproval));
        }
        A::DecideOnSpot => {
            let party =
                step.party.clone().or_else(|| f.party.clone()).ok_or(EnforcementError::MissingField {
                    field: "party",
                    why: "the party punished on the spot",
                })?;
            check_party(matter, &party)?;
            let penalty = step.penalty.clone().ok_or(EnforcementError::MissingField {
                field: "penalty",
                why: "the penalty decided on the spot",
            })?;
            check_penalty(matter, party.kind, &penalty)?;
            let t = ctx.matters.thresholds();
            let ceiling = match party.kind {
                PartyKind::Citizen => t.summary_max_citizen,
                PartyKind::Organisation => t.summary_max_organisation,
            };
            if penalty.fine_yuan > ceiling || penalty.demolition {
                return Err(EnforcementError::AboveSummaryCeiling {
                    fine: penalty.fine_yuan,
                    ceiling,
                    party: party.kind,
                });
            }
            if !two_officers(&step.officers) {
                return Err(EnforcementError::TwoOfficersNeeded { kind: EvidenceKind::Inspection });
            }
            f.party = Some(party);
            f.penalty = Some(penalty);
            f.procedure = Procedure::Summary;
            f.filed_at = Some(at);
            f.decided_at = Some(at);
            f.served_at = Some(at);
            f.service = Some(ServiceMethod::Direct);
            f.stage = EnfStage::Execution;
            issue.push(doc(DocKind::Decision));
        }
        A::AddEvidence => {
            let e = step
                .evidence
                .clone()
                .ok_or(EnforcementError::MissingField { field: "evidence", why: "the evidence to add" })?;
            if e.summary.trim().is_empty() {
                return Err(EnforcementError::MissingField {
                    field: "evidence.summary",
                    why: "what it shows",
                });
            }
            if e.kind.needs_two_officers() && !two_officers(&e.officers) {
                return Err(EnforcementError::TwoOfficersNeeded { kind: e.kind });
            }
            let kind = e.kind;
            f.evidence.push(EvidenceDto { from_case: false, ..e });
            if kind == EvidenceKind::Interview {
                issue.push(Issue { kind: DocKind::InterviewRecord, evidence: Some(f.evidence.len() - 1) });
            }
        }
        A::OrderCorrection => {
            if !matter.orders_correction {
                return Err(EnforcementError::IllegalStep {
                    action: step.action,
                    stage: f.stage,
                    status: f.status,
                });
            }
            let by = at_of(&step.correct_by).ok_or(EnforcementError::MissingField {
                field: "correct_by",
                why: "the date to correct by (限期)",
            })?;
            if by <= now {
                return Err(EnforcementError::NotAfterNow { field: "correct_by", at: by, now });
            }
            f.correct_by = step.correct_by;
            issue.push(doc(DocKind::CorrectionOrder));
        }
        A::Propose => {
            if let Some(p) = &step.party {
                check_party(matter, p)?;
                f.party = Some(p.clone());
            }
            let party = f.party.clone().ok_or(EnforcementError::MissingField {
                field: "party",
                why: "the party must be known before the proposal",
            })?;
            let penalty = step.penalty.clone().ok_or(EnforcementError::MissingField {
                field: "penalty",
                why: "the proposed penalty (处罚建议)",
            })?;
            check_penalty(matter, party.kind, &penalty)?;
            if !f.evidence.iter().any(|e| e.kind.needs_two_officers() && two_officers(&e.officers)) {
                return Err(EnforcementError::NoRecord);
            }
            let (major, hearing) = weigh(&penalty, party.kind, ctx);
            f.major = major;
            f.hearing_right = hearing;
            f.penalty = Some(penalty);
            f.stage = EnfStage::Review;
        }
        A::Approve => {
            f.stage = if f.major { EnfStage::Discussion } else { EnfStage::Notice };
        }
        A::SendBack => {
            need_note(step, "what to investigate further (退回理由)")?;
            f.stage = EnfStage::Investigation;
        }
        A::Discuss => {
            need_note(step, "the discussion's conclusion (集体讨论意见)")?;
            f.stage = EnfStage::Notice;
        }
        A::Notify => {
            f.notified_at = Some(at);
            issue.push(doc(DocKind::PriorNotice));
        }
        A::RecordStatement => {
            need_note(step, "what the party stated (陈述申辩内容)")?;
        }
        A::RequestHearing => {
            if !f.hearing_right {
                return Err(EnforcementError::NoHearingRight);
            }
            let notified = at_of(&f.notified_at).unwrap_or(now);
            let until = periods::deadline(ctx.calendar, notified, hearing_request_period())?;
            if now >= until {
                return Err(EnforcementError::PeriodEnded {
                    what: "a hearing request (听证申请)", until
                });
            }
            f.stage = EnfStage::Hearing;
        }
        A::HoldHearing => {
            need_note(step, "the hearing's record in brief (听证笔录)")?;
            f.stage = EnfStage::Decision;
        }
        A::EndNotice => {
            let notified = at_of(&f.notified_at).unwrap_or(now);
            let until = periods::deadline(ctx.calendar, notified, statement_period(&f))?;
            if now < until && step.note.trim().is_empty() {
                return Err(EnforcementError::PeriodRunning {
                    what: "陈述申辩 (or note the party's waiver)",
                    until,
                });
            }
            f.stage = EnfStage::Decision;
        }
        A::Decide => {
            let notified = f.penalty.clone().unwrap_or_default();
            if let Some(p) = &step.penalty {
                let party = f.party.as_ref().map_or(PartyKind::Citizen, |p| p.kind);
                check_penalty(matter, party, p)?;
                if p.fine_yuan > notified.fine_yuan || (p.demolition && !notified.demolition) {
                    return Err(EnforcementError::HeavierThanNotified {
                        notified: notified.fine_yuan,
                        decided: p.fine_yuan,
                    });
                }
                f.penalty = Some(p.clone());
            }
            f.decided_at = Some(at);
            f.stage = EnfStage::Service;
            issue.push(doc(DocKind::Decision));
        }
        A::NoPenalty => {
            need_note(step, "why no penalty is imposed (不予处罚理由)")?;
            f.status = EnfStatus::NotPunished;
            f.decided_at = Some(at);
            f.stage = EnfStage::Closing;
        }
        A::Serve => {
            let method = step.service.ok_or(EnforcementError::MissingField {
                field: "service",
                why: "how the decision was served (送达方式)",
            })?;
            f.service = Some(method);
            f.served_at = Some(at);
            f.stage = EnfStage::Execution;
            issue.push(doc(DocKind::ServiceReceipt));
        }
        A::RecordPayment => {
            let due = f.penalty.as_ref().map_or(0, |p| p.fine_yuan);
            let paid = step.paid_yuan.ok_or(EnforcementError::MissingField {
                field: "paid_yuan",
                why: "the amount paid (0 when only a correction was ordered)",
            })?;
            if paid != due {
                return Err(EnforcementError::PaymentMismatch { due, paid });
            }
            f.paid_yuan = paid;
            f.status = EnfStatus::Punished;
            f.stage = EnfStage::Closing;
        }
        A::Enforce => {
            need_note(step, "how it was enforced (强制执行 / 申请法院执行)")?;
            let due = f.penalty.as_ref().map_or(0, |p| p.fine_yuan);
            let until = if due > 0 {
                let served = at_of(&f.served_at).unwrap_or(now);
                Some(periods::deadline(ctx.calendar, served, PAYMENT_PERIOD)?)
            } else {
                at_of(&f.correct_by)
            };
            if let Some(until) = until
                && now < until
            {
                return Err(EnforcementError::PeriodRunning {
                    what: "payment or correction by the party",
                    until,
                });
            }
            f.status = EnfStatus::Punished;
            f.stage = EnfStage::Closing;
        }
        A::Withdraw => {
            need_note(step, "why the file is withdrawn (撤案理由)")?;
            f.status = EnfStatus::Withdrawn;
            f.stage = EnfStage::Closing;
        }
        A::Close => {
            f.stage = EnfStage::Archiving;
            issue.push(doc(DocKind::ClosingReport));
        }
        A::Archive => {
            f.stage = EnfStage::Archived;
        }
        A::Suspend => {
            need_note(step, "why the file is suspended (中止理由)")?;
            f.status = EnfStatus::Suspended;
            f.suspended_at = Some(at);
        }
        A::Resume => {
            let since = at_of(&f.suspended_at).unwrap_or(now);
            let days = (now.date() - since.date()).num_days();
            f.suspended_days =
                f.suspended_days.saturating_add(u32::try_from(days.max(0)).unwrap_or(u32::MAX));
            f.suspended_at = None;
            f.status = EnfStatus::Active;
        }
        A::Extend => {
            need_note(step, "why more time is needed (延期理由)")?;
            let days = step.extend_days.ok_or(EnforcementError::MissingField {
                field: "extend_days",
                why: "the days added to the decision limit",
            })?;
            if !(1..=30).contains(&days) {
                return Err(EnforcementError::ExtensionRange { days });
            }
            f.extended_days = f.extended_days.saturating_add(days);
        }
    }
    f.steps.push(EnfStepDto {
        action: step.action,
        from,
        to: f.stage,
        actor: actor.id.clone(),
        role: actor.role,
        at,
        note: step.note.clone(),
    });
    f.updated_at = at;
    refresh(&mut f, ctx, now)?;
    Ok(Applied { file: f, issue })
}

fn limit(
    ctx: &Ctx,
    label: &str,
    basis: &str,
    from: NaiveDateTime,
    period: Period,
) -> Result<EnfLimitDto, EnforcementError> {
    let deadline = periods::deadline(ctx.calendar, from, period)?;
    Ok(EnfLimitDto {
        label: label.to_owned(),
        basis: basis.to_owned(),
        deadline: to_timestamp(deadline),
        due_soon_at: to_timestamp(due_soon_at(from, deadline)),
        period: period.label(),
        provisional: period.count == periods::DayCount::Working
            && periods::provisional(ctx.calendar, from, deadline)?,
    })
}

/// Yellow once 80 % of the time from the start to the deadline has passed (as the case loop's
/// default share).
fn due_soon_at(from: NaiveDateTime, deadline: NaiveDateTime) -> NaiveDateTime {
    let span = deadline - from;
    from + TimeDelta::seconds(span.num_seconds() * 4 / 5)
}

/// Recompute the limits running on `file` at `now` and its red/yellow flags.
pub fn refresh(file: &mut EnfFileDto, ctx: &Ctx, now: NaiveDateTime) -> Result<(), EnforcementError> {
    let mut limits = Vec::new();
    if file.status == EnfStatus::Active {
        match file.stage {
            EnfStage::Clue => limits.push(limit(
                ctx,
                "立案审批",
                "《住房和城乡建设行政处罚程序规定》：发现线索之日起十五日内决定是否立案（cityops recalled）",
                from_timestamp(file.registered_at),
                FILING_PERIOD,
            )?),
            EnfStage::Investigation
            | EnfStage::Review
            | EnfStage::Discussion
            | EnfStage::Notice
            | EnfStage::Hearing
            | EnfStage::Decision => {
                if let Some(filed) = at_of(&file.filed_at) {
                    let days = DECISION_LIMIT.days + file.extended_days + file.suspended_days;
                    limits.push(limit(
                        ctx,
                        "作出处罚决定",
                        "《行政处罚法》第六十条：自立案之日起九十日内作出决定（含批准延期，扣除中止期间）",
                        filed,
                        Period::natural(days),
                    )?);
                }
            }
            EnfStage::Service => {
                if let Some(decided) = at_of(&file.decided_at) {
                    limits.push(limit(
                        ctx,
                        "送达处罚决定书",
                        "《行政处罚法》第六十一条：决定后七日内送达（第八十五条：工作日）",
                        decided,
                        SERVICE_PERIOD,
                    )?);
                }
            }
            EnfStage::Execution => {
                let fine = file.penalty.as_ref().map_or(0, |p| p.fine_yuan);
                if fine > 0
                    && let Some(served) = at_of(&file.served_at)
                {
                    limits.push(limit(
                        ctx,
                        "缴纳罚款",
                        "《行政处罚法》第六十七条：自收到决定书之日起十五日内缴纳",
                        served,
                        PAYMENT_PERIOD,
                    )?);
                }
                if let (Some(by), Some(from)) = (at_of(&file.correct_by), at_of(&file.served_at)) {
                    let from = from.min(by);
                    limits.push(EnfLimitDto {
                        label: "限期改正".to_owned(),
                        basis: "责令改正通知书所定期限".to_owned(),
                        deadline: to_timestamp(by),
                        due_soon_at: to_timestamp(due_soon_at(from, by)),
                        period: format!("{} 日", (by.date() - from.date()).num_days()),
                        provisional: false,
                    });
                }
            }
            EnfStage::Closing | EnfStage::Archiving | EnfStage::Archived => {}
        }
    }
    file.overdue = limits.iter().any(|l| now >= from_timestamp(l.deadline));
    file.due_soon = !file.overdue && limits.iter().any(|l| now >= from_timestamp(l.due_soon_at));
    file.limits = limits;
    Ok(())
}
