//! Law-enforcement case handling (执法办案) on the wire: the matter list (执法事项) with its
//! discretion table (裁量基准), the penalty file (执法案卷) with its step timeline, evidence and
//! documents, and the commands that move a file through the procedure.

use serde::{Deserialize, Serialize};

use crate::{Role, Timestamp, TypeKey};

/// The two procedures of the Administrative Penalty Law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 简易程序: decided on the spot, within the statutory amount limits (art. 51).
    Summary,
    /// 普通程序: filed, investigated, reviewed, notified, decided, served and executed.
    Ordinary,
}

impl Procedure {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Procedure::Summary => "简易程序",
            Procedure::Ordinary => "普通程序",
        }
    }
}

/// Where a penalty file stands: the step it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnfStage {
    /// 线索登记: registered, waiting for the filing decision (立案审批).
    Clue,
    /// 调查取证: filed, evidence being gathered.
    Investigation,
    /// 案件审核: the proposal under review (法制审核 for major cases).
    Review,
    /// 集体讨论: a major case before the agency's leadership.
    Discussion,
    /// 事先告知: the party notified, its period for 陈述申辩 (and 听证 request) running.
    Notice,
    /// 听证: a hearing requested, to be held.
    Hearing,
    /// 处罚决定: ready for the decision (or for 不予处罚).
    Decision,
    /// 送达: the decision made, to be served.
    Service,
    /// 执行: served, waiting for payment, correction or compulsory execution.
    Execution,
    /// 结案: executed (or not to be punished, or withdrawn), waiting for the closing report.
    Closing,
    /// 归档: closed, waiting to be archived.
    Archiving,
    /// Archived: the file is complete.
    Archived,
}

impl EnfStage {
    /// Every stage, in procedure order.
    pub const ALL: [EnfStage; 12] = [
        EnfStage::Clue,
        EnfStage::Investigation,
        EnfStage::Review,
        EnfStage::Discussion,
        EnfStage::Notice,
        EnfStage::Hearing,
        EnfStage::Decision,
        EnfStage::Service,
        EnfStage::Execution,
        EnfStage::Closing,
        EnfStage::Archiving,
        EnfStage::Archived,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            EnfStage::Clue => "线索登记",
            EnfStage::Investigation => "调查取证",
            EnfStage::Review => "案件审核",
            EnfStage::Discussion => "集体讨论",
            EnfStage::Notice => "事先告知",
            EnfStage::Hearing => "听证",
            EnfStage::Decision => "处罚决定",
            EnfStage::Service => "送达",
            EnfStage::Execution => "执行",
            EnfStage::Closing => "结案",
            EnfStage::Archiving => "归档",
            EnfStage::Archived => "已归档",
        }
    }

    /// English name.
    pub fn en(self) -> &'static str {
        match self {
            EnfStage::Clue => "Lead registered",
            EnfStage::Investigation => "Investigation",
            EnfStage::Review => "Legal review",
            EnfStage::Discussion => "Collective discussion",
            EnfStage::Notice => "Prior notice",
            EnfStage::Hearing => "Hearing",
            EnfStage::Decision => "Decision",
            EnfStage::Service => "Service",
            EnfStage::Execution => "Execution",
            EnfStage::Closing => "Closing",
            EnfStage::Archiving => "Archiving",
            EnfStage::Archived => "Archived",
        }
    }

    /// Whether the file is still being handled (not closed).
    pub fn is_open(self) -> bool {
        !matches!(self, EnfStage::Archiving | EnfStage::Archived)
    }
}

/// The state of a file besides its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnfStatus {
    /// Being handled.
    Active,
    /// 中止: suspended (its statutory clock stopped).
    Suspended,
    /// Closed with a penalty executed (处罚执行).
    Punished,
    /// Closed without a penalty (不予处罚), the violation corrected (整改完成).
    NotPunished,
    /// 撤案 / 不予立案: withdrawn.
    Withdrawn,
}

impl EnfStatus {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            EnfStatus::Active => "办理中",
            EnfStatus::Suspended => "中止",
            EnfStatus::Punished => "处罚执行",
            EnfStatus::NotPunished => "不予处罚",
            EnfStatus::Withdrawn => "撤案",
        }
    }
}

/// Who the party is: the summary-procedure, hearing and major-case amounts differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// 公民 (a natural person).
    Citizen,
    /// 法人或者其他组织.
    Organisation,
}

impl PartyKind {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            PartyKind::Citizen => "公民",
            PartyKind::Organisation => "法人或其他组织",
        }
    }
}

/// The party (当事人). Personal data: shown to enforcement roles only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartyDto {
    /// Citizen or organisation.
    pub kind: PartyKind,
    /// Name (person or organisation).
    pub name: String,
    /// ID card number or unified social credit code; may be empty at the clue stage.
    #[serde(default)]
    pub id_number: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// An enforcement officer as named on a record: two of them with their certificates (执法证).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OfficerDto {
    /// Name.
    pub name: String,
    /// 执法证号.
    pub cert_no: String,
}

/// The kinds of evidence (证据).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// 现场照片.
    Photo,
    /// 视听资料 (video).
    Video,
    /// 询问笔录 (needs two officers).
    Interview,
    /// 勘验笔录 / 现场检查笔录 (needs two officers).
    Inspection,
    /// 书证 (documents, permits, measurements).
    Document,
}

impl EvidenceKind {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            EvidenceKind::Photo => "现场照片",
            EvidenceKind::Video => "视听资料",
            EvidenceKind::Interview => "询问笔录",
            EvidenceKind::Inspection => "勘验笔录",
            EvidenceKind::Document => "书证",
        }
    }

    /// Whether a record of this kind must name two officers with their certificates.
    pub fn needs_two_officers(self) -> bool {
        matches!(self, EvidenceKind::Interview | EvidenceKind::Inspection)
    }
}

/// One piece of evidence on a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EvidenceDto {
    /// Kind.
    pub kind: EvidenceKind,
    /// What it shows or records (for a 询问笔录 the questions and answers in brief).
    pub summary: String,
    /// Photo or video references.
    #[serde(default)]
    pub media: Vec<String>,
    /// The officers who took it (two for 笔录).
    #[serde(default)]
    pub officers: Vec<OfficerDto>,
    /// When it was taken.
    pub taken_at: Timestamp,
    /// Whether it came with the transferred 运管服 case.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_case: bool,
}

/// The unit a discretion level's amounts are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FineUnit {
    /// Yuan.
    Yuan,
    /// Yuan per square metre (the quantity is the area, m²).
    YuanPerM2,
    /// Per mille of the construction cost (工程造价; the quantity is the cost, yuan).
    PermilleOfCost,
    /// Times the illegal gain (违法所得; the quantity is the gain, yuan).
    TimesIllegalGain,
}

impl FineUnit {
    /// How the unit reads after an amount.
    pub fn zh(self) -> &'static str {
        match self {
            FineUnit::Yuan => "元",
            FineUnit::YuanPerM2 => "元/平方米",
            FineUnit::PermilleOfCost => "‰ 工程造价",
            FineUnit::TimesIllegalGain => "倍违法所得",
        }
    }

    /// What the quantity is, when the unit needs one.
    pub fn quantity_zh(self) -> Option<&'static str> {
        match self {
            FineUnit::Yuan => None,
            FineUnit::YuanPerM2 => Some("面积（平方米）"),
            FineUnit::PermilleOfCost => Some("工程造价（元）"),
            FineUnit::TimesIllegalGain => Some("违法所得（元）"),
        }
    }
}

/// One level of a matter's discretion table (裁量基准).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiscretionLevelDto {
    /// Level name, e.g. 轻微, 一般, 较重, 严重.
    pub level: String,
    /// The circumstances that place a case in this level.
    pub facts: String,
    /// Unit of `min` and `max`.
    pub unit: FineUnit,
    /// Lowest amount (in `unit`).
    pub min: u64,
    /// Highest amount (in `unit`).
    pub max: u64,
}

/// An enforcement field (执法领域).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FieldDto {
    /// 2-digit code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

/// An enforcement matter (执法事项): one offence, its legal basis and its discretion table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MatterDto {
    /// 5-digit code (field + 3 digits).
    pub code: String,
    /// Field code.
    pub field: String,
    /// The offence as the list names it.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The provision breached (违法依据).
    pub offence_basis: String,
    /// The penalty provision (处罚依据).
    pub penalty_basis: String,
    /// The penalty as the provision states it.
    pub penalty: String,
    /// Who can commit it.
    pub parties: Vec<PartyKind>,
    /// Whether an order to correct (责令改正) applies.
    pub orders_correction: bool,
    /// The 运管服 problem types this matter follows from.
    pub problem_types: Vec<TypeKey>,
    /// The discretion table, lowest level first.
    pub levels: Vec<DiscretionLevelDto>,
    /// `stated`, `recalled` or `derived` (see `assets/enforcement/SOURCES.md`).
    pub confidence: String,
    /// Why the row and its figures are what they are.
    pub basis: String,
}

/// The amounts that decide the procedure: the summary-procedure ceiling, the hearing right and
/// the major case (法制审核 and 集体讨论), per kind of party, in yuan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ThresholdsDto {
    /// 简易程序 ceiling for a citizen (inclusive).
    pub summary_max_citizen: u64,
    /// 简易程序 ceiling for an organisation (inclusive).
    pub summary_max_organisation: u64,
    /// A fine from this amount entitles a citizen to a hearing.
    pub hearing_min_citizen: u64,
    /// A fine from this amount entitles an organisation to a hearing.
    pub hearing_min_organisation: u64,
    /// A fine from this amount makes a major case for a citizen.
    pub major_min_citizen: u64,
    /// A fine from this amount makes a major case for an organisation.
    pub major_min_organisation: u64,
}

/// The whole matter list (`GET /api/v1/enforcement/matters`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MatterListDto {
    /// Fields.
    pub fields: Vec<FieldDto>,
    /// Matters.
    pub matters: Vec<MatterDto>,
    /// The amounts that decide the procedure.
    pub thresholds: ThresholdsDto,
}

/// A proposed or decided penalty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PenaltyDto {
    /// Index of the discretion level applied (0 = the lowest).
    pub level: usize,
    /// The quantity the level's unit needs (area m², cost or gain in yuan); 0 for yuan levels.
    #[serde(default)]
    pub quantity: u64,
    /// The fine, yuan (0: none).
    pub fine_yuan: u64,
    /// 警告.
    #[serde(default)]
    pub warning: bool,
    /// 限期拆除 / 恢复原状 ordered (a heavier penalty: it entitles the party to a hearing).
    #[serde(default)]
    pub demolition: bool,
    /// Circumstances the officer weighed (从轻, 从重…).
    #[serde(default)]
    pub reasons: String,
}

/// The kinds of document generated from a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 立案审批表.
    FilingApproval,
    /// 询问笔录 (one per interview record).
    InterviewRecord,
    /// 责令改正通知书.
    CorrectionOrder,
    /// 行政处罚事先告知书.
    PriorNotice,
    /// 行政处罚决定书 (also the on-the-spot decision of the summary procedure).
    Decision,
    /// 送达回证.
    ServiceReceipt,
    /// 结案报告.
    ClosingReport,
}

impl DocKind {
    /// Every kind, in the order a file produces them.
    pub const ALL: [DocKind; 7] = [
        DocKind::FilingApproval,
        DocKind::InterviewRecord,
        DocKind::CorrectionOrder,
        DocKind::PriorNotice,
        DocKind::Decision,
        DocKind::ServiceReceipt,
        DocKind::ClosingReport,
    ];

    /// The instrument's title.
    pub fn zh(self) -> &'static str {
        match self {
            DocKind::FilingApproval => "立案审批表",
            DocKind::InterviewRecord => "询问笔录",
            DocKind::CorrectionOrder => "责令改正通知书",
            DocKind::PriorNotice => "行政处罚事先告知书",
            DocKind::Decision => "行政处罚决定书",
            DocKind::ServiceReceipt => "送达回证",
            DocKind::ClosingReport => "结案报告",
        }
    }

    /// The character of the document number (文号 字), e.g. 罚决 in 青城管罚决字〔2026〕第12号.
    pub fn word(self) -> &'static str {
        match self {
            DocKind::FilingApproval => "立审",
            DocKind::InterviewRecord => "询笔",
            DocKind::CorrectionOrder => "责改",
            DocKind::PriorNotice => "罚告",
            DocKind::Decision => "罚决",
            DocKind::ServiceReceipt => "送回",
            DocKind::ClosingReport => "结报",
        }
    }

    /// The kind in a URL path (`snake_case`).
    pub fn slug(self) -> &'static str {
        match self {
            DocKind::FilingApproval => "filing_approval",
            DocKind::InterviewRecord => "interview_record",
            DocKind::CorrectionOrder => "correction_order",
            DocKind::PriorNotice => "prior_notice",
            DocKind::Decision => "decision",
            DocKind::ServiceReceipt => "service_receipt",
            DocKind::ClosingReport => "closing_report",
        }
    }

    /// The kind named by `slug`.
    pub fn from_slug(slug: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.slug() == slug)
    }
}

/// A document issued on a file, with its number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DocRefDto {
    /// Kind.
    pub kind: DocKind,
    /// The document number, e.g. `青城管罚决字〔2026〕第0012号`.
    pub number: String,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// For an interview record: the index of its evidence item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<usize>,
}

/// The steps (actions) of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EnfAction {
    /// 线索登记 (a new file; also what 移送执法 does).
    Register,
    /// 立案 (approved by the chief): 线索登记 → 调查取证.
    File,
    /// 不予立案 / 撤案: withdrawn, before the decision.
    Withdraw,
    /// 当场处罚 (简易程序): 线索登记 → 执行, within the summary ceiling.
    DecideOnSpot,
    /// 调查取证: add a piece of evidence.
    AddEvidence,
    /// 责令改正: order the party to correct by a date.
    OrderCorrection,
    /// Investigation finished with a proposal: 调查取证 → 案件审核.
    Propose,
    /// 审核通过: 案件审核 → 集体讨论 (major) or 事先告知.
    Approve,
    /// 审核退回: 案件审核 → 调查取证 (补充调查).
    SendBack,
    /// 集体讨论 held: 集体讨论 → 事先告知.
    Discuss,
    /// 事先告知书 served: the statement period starts (stays in 事先告知).
    Notify,
    /// 陈述申辩 heard and recorded.
    RecordStatement,
    /// 听证申请 (only where the amount or type entitles the party): 事先告知 → 听证.
    RequestHearing,
    /// 听证 held: 听证 → 处罚决定.
    HoldHearing,
    /// The party waived or the statement period ended: 事先告知 → 处罚决定.
    EndNotice,
    /// 处罚决定: 处罚决定 → 送达.
    Decide,
    /// 不予处罚 (corrected, first offence, slight): 处罚决定 → 结案.
    NoPenalty,
    /// 送达: 送达 → 执行.
    Serve,
    /// Payment received (缴纳罚款) and the correction checked: 执行 → 结案.
    RecordPayment,
    /// 强制执行 / 申请法院强制执行 done: 执行 → 结案.
    Enforce,
    /// 结案 (the chief signs the closing report): 结案 → 归档.
    Close,
    /// 归档: 归档 → archived.
    Archive,
    /// 中止: the statutory clock stops.
    Suspend,
    /// 恢复: the statutory clock runs again.
    Resume,
    /// 延期: the decision limit extended by approval.
    Extend,
}

impl EnfAction {
    /// Every step, in procedure order.
    pub const ALL: [EnfAction; 25] = [
        EnfAction::Register,
        EnfAction::File,
        EnfAction::Withdraw,
        EnfAction::DecideOnSpot,
        EnfAction::AddEvidence,
        EnfAction::OrderCorrection,
        EnfAction::Propose,
        EnfAction::Approve,
        EnfAction::SendBack,
        EnfAction::Discuss,
        EnfAction::Notify,
        EnfAction::RecordStatement,
        EnfAction::RequestHearing,
        EnfAction::HoldHearing,
        EnfAction::EndNotice,
        EnfAction::Decide,
        EnfAction::NoPenalty,
        EnfAction::Serve,
        EnfAction::RecordPayment,
        EnfAction::Enforce,
        EnfAction::Close,
        EnfAction::Archive,
        EnfAction::Suspend,
        EnfAction::Resume,
        EnfAction::Extend,
    ];

    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            EnfAction::Register => "线索登记",
            EnfAction::File => "立案",
            EnfAction::Withdraw => "撤案",
            EnfAction::DecideOnSpot => "当场处罚",
            EnfAction::AddEvidence => "调查取证",
            EnfAction::OrderCorrection => "责令改正",
            EnfAction::Propose => "提交审核",
            EnfAction::Approve => "审核通过",
            EnfAction::SendBack => "退回补充调查",
            EnfAction::Discuss => "集体讨论",
            EnfAction::Notify => "事先告知",
            EnfAction::RecordStatement => "陈述申辩",
            EnfAction::RequestHearing => "申请听证",
            EnfAction::HoldHearing => "举行听证",
            EnfAction::EndNotice => "告知期满",
            EnfAction::Decide => "处罚决定",
            EnfAction::NoPenalty => "不予处罚",
            EnfAction::Serve => "送达",
            EnfAction::RecordPayment => "缴纳罚款",
            EnfAction::Enforce => "强制执行",
            EnfAction::Close => "结案",
            EnfAction::Archive => "归档",
            EnfAction::Suspend => "中止",
            EnfAction::Resume => "恢复",
            EnfAction::Extend => "延期",
        }
    }
}

/// How a decision was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ServiceMethod {
    /// 直接送达.
    Direct,
    /// 留置送达.
    Lodged,
    /// 邮寄送达.
    Post,
    /// 电子送达 (with the party's consent).
    Electronic,
    /// 公告送达.
    Public,
}

impl ServiceMethod {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            ServiceMethod::Direct => "直接送达",
            ServiceMethod::Lodged => "留置送达",
            ServiceMethod::Post => "邮寄送达",
            ServiceMethod::Electronic => "电子送达",
            ServiceMethod::Public => "公告送达",
        }
    }
}

/// A step on a file (`POST /api/v1/enforcement/files/{id}/steps`). Fields beyond `action` are
/// read only by the actions that need them; an action missing one is refused naming it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfStepRequest {
    /// The step.
    pub action: EnfAction,
    /// Note or reason (立案理由, 审核意见, 陈述申辩 content, 中止 reason…).
    #[serde(default)]
    pub note: String,
    /// The file's version this step was decided on (optimistic concurrency).
    pub version: i64,
    /// 调查取证: the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceDto>,
    /// 提交审核, 当场处罚, 处罚决定: the penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltyDto>,
    /// 责令改正: the date to correct by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_by: Option<Timestamp>,
    /// 送达: how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceMethod>,
    /// 缴纳罚款: the amount paid, yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_yuan: Option<u64>,
    /// 延期: natural days added to the decision limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extend_days: Option<u32>,
    /// 立案, 当场处罚: the party, when it is known by then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyDto>,
    /// 当场处罚: the officers on the spot (two, with certificates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officers: Vec<OfficerDto>,
}

impl EnfStepRequest {
    /// A step with no parameters on `version`.
    pub fn new(action: EnfAction, version: i64) -> EnfStepRequest {
        EnfStepRequest {
            action,
            note: String::new(),
            version,
            evidence: None,
            penalty: None,
            correct_by: None,
            service: None,
            paid_yuan: None,
            extend_days: None,
            party: None,
            officers: Vec::new(),
        }
    }
}

/// One entry of a file's step timeline (the audit: who did what, when).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfStepDto {
    /// The step.
    pub action: EnfAction,
    /// Stage before.
    pub from: EnfStage,
    /// Stage after.
    pub to: EnfStage,
    /// Who.
    pub actor: String,
    /// In which role.
    pub role: Role,
    /// When.
    pub at: Timestamp,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A statutory time limit running on a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfLimitDto {
    /// What must happen by the deadline, e.g. 作出处罚决定.
    pub label: String,
    /// The legal basis of the period.
    pub basis: String,
    /// Deadline: the end of its last day (CST).
    pub deadline: Timestamp,
    /// From when it is due soon (yellow).
    pub due_soon_at: Timestamp,
    /// The period as the law counts it, e.g. `7 工作日`, `90 日`.
    pub period: String,
    /// Counted over a year without its holiday notice (provisional).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional: bool,
}

/// A penalty file (执法案卷) as the service returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfFileDto {
    /// Service-wide id.
    pub id: i64,
    /// File number, e.g. `QDZF2026120600012`.
    pub file_no: String,
    /// The matter (执法事项 code).
    pub matter: String,
    /// The matter's name (for lists and the map).
    pub matter_name: String,
    /// The procedure (summary until filed, then ordinary — or summary when decided on the spot).
    pub procedure: Procedure,
    /// Stage.
    pub stage: EnfStage,
    /// Status.
    pub status: EnfStatus,
    /// The party, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyDto>,
    /// WGS84 longitude, degrees.
    pub lon: f64,
    /// WGS84 latitude, degrees.
    pub lat: f64,
    /// Address.
    pub address: String,
    /// 6-digit district code.
    pub district_code: String,
    /// The facts as registered.
    pub facts: String,
    /// The 运管服 case it was transferred from (移送执法).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// That case's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_no: Option<String>,
    /// When the lead was registered.
    pub registered_at: Timestamp,
    /// When the file was opened (立案).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_at: Option<Timestamp>,
    /// Evidence, in the order taken.
    pub evidence: Vec<EvidenceDto>,
    /// 责令改正: the date to correct by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correct_by: Option<Timestamp>,
    /// The proposal, then the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<PenaltyDto>,
    /// Whether the case is major (法制审核 and 集体讨论 required).
    pub major: bool,
    /// Whether the party may ask for a hearing.
    pub hearing_right: bool,
    /// When the prior notice was served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified_at: Option<Timestamp>,
    /// When the decision was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<Timestamp>,
    /// When the decision was served, and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_at: Option<Timestamp>,
    /// The service method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceMethod>,
    /// The amount paid, yuan.
    #[serde(default)]
    pub paid_yuan: u64,
    /// Natural days added to the decision limit by approved extensions.
    #[serde(default)]
    pub extended_days: u32,
    /// Whole days the file has spent suspended (not counted in the decision limit).
    #[serde(default)]
    pub suspended_days: u32,
    /// Since when it is suspended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended_at: Option<Timestamp>,
    /// The limits running now (none when closed or suspended).
    pub limits: Vec<EnfLimitDto>,
    /// Whether a running limit is past its deadline (red).
    pub overdue: bool,
    /// Whether a running limit is due soon and none is overdue (yellow).
    pub due_soon: bool,
    /// The documents issued.
    pub documents: Vec<DocRefDto>,
    /// The step timeline.
    pub steps: Vec<EnfStepDto>,
    /// When the file last changed.
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A new file: a lead registered by an officer, or a 运管服 case transferred (移送执法)
/// (`POST /api/v1/enforcement/files`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewEnfFileDto {
    /// The matter's code.
    pub matter: String,
    /// The case to transfer; its location, photos and history come with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// Where (required without a case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Where (required without a case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// The facts as found.
    pub facts: String,
    /// The party, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyDto>,
}

/// A page of files (`GET /api/v1/enforcement/files`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfFilePageDto {
    /// The files.
    pub items: Vec<EnfFileDto>,
    /// How many match in all.
    pub total: u64,
}

/// The enforcement figures for the wall and the desk (`GET /api/v1/enforcement/summary`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfSummaryDto {
    /// Open files (not yet closed).
    pub open: u64,
    /// Open files with a limit due soon.
    pub due_soon: u64,
    /// Open files past a limit.
    pub overdue: u64,
    /// Files closed in the window.
    pub closed: u64,
    /// Fines decided in the window, yuan.
    pub fines_yuan: u64,
    /// Open files per stage, in procedure order.
    pub by_stage: Vec<(EnfStage, u64)>,
    /// Average natural days per step (from one stage to the next) over files closed in the
    /// window, beside the platform's baseline.
    pub days_per_step: f64,
    /// The baseline days per step (the paper procedure before the platform; see the route's doc).
    pub baseline_days_per_step: f64,
    /// Start of the window.
    pub since: Timestamp,
    /// End of the window.
    pub until: Timestamp,
}

/// What the map and the live stream carry of a penalty file: no party, no evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EnfMarkDto {
    /// File id.
    pub id: i64,
    /// File number.
    pub file_no: String,
    /// Matter code.
    pub matter: String,
    /// Matter name.
    pub matter_name: String,
    /// Procedure.
    pub procedure: Procedure,
    /// Stage.
    pub stage: EnfStage,
    /// Status.
    pub status: EnfStatus,
    /// WGS84 longitude.
    pub lon: f64,
    /// WGS84 latitude.
    pub lat: f64,
    /// District code.
    pub district_code: String,
    /// The earliest running deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Timestamp>,
    /// From when that limit is due soon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_soon_at: Option<Timestamp>,
    /// Red when it was made.
    pub overdue: bool,
    /// Yellow when it was made.
    pub due_soon: bool,
    /// The transferred case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<i64>,
    /// When the file last changed.
    pub updated_at: Timestamp,
}

impl EnfFileDto {
    /// The file's mark for the map and the live stream.
    pub fn mark(&self) -> EnfMarkDto {
        let first = self.limits.iter().min_by_key(|l| l.deadline);
        EnfMarkDto {
            id: self.id,
            file_no: self.file_no.clone(),
            matter: self.matter.clone(),
            matter_name: self.matter_name.clone(),
            procedure: self.procedure,
            stage: self.stage,
            status: self.status,
            lon: self.lon,
            lat: self.lat,
            district_code: self.district_code.clone(),
            deadline: first.map(|l| l.deadline),
            due_soon_at: first.map(|l| l.due_soon_at),
            overdue: self.overdue,
            due_soon: self.due_soon,
            case_id: self.case_id,
            updated_at: self.updated_at,
        }
    }
}

impl EnfMarkDto {
    /// Red, yellow or in time at `now` by the earliest running deadline; `Closed` once the
    /// file is decided and executed, withdrawn or archived.
    pub fn class_at(&self, now: Timestamp) -> crate::StatusClass {
        if !matches!(self.status, EnfStatus::Active | EnfStatus::Suspended) {
            return crate::StatusClass::Closed;
        }
        match (self.deadline, self.due_soon_at) {
            (Some(d), _) if now >= d => crate::StatusClass::Overdue,
            (_, Some(s)) if now >= s => crate::StatusClass::DueSoon,
            _ => crate::StatusClass::Open,
        }
    }
}
