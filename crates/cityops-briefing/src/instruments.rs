//! The standard instruments of a penalty file (行政执法文书): 立案审批表, 询问笔录, 责令改正通知书,
//! 行政处罚事先告知书, 行政处罚决定书, 送达回证 and 结案报告, each one A4 page composed as SVG from
//! the file, then written to PDF with the briefing's stack ([`crate::pdf`]), Chinese as real text.
//! Composition is pure: the caller passes the file, its matter, the document's number and the
//! dates it must state.

use std::fmt::Write as _;

use cityops_api::{
    DocKind, EnfFileDto, EnfStatus, EvidenceDto, FineUnit, MatterDto, PartyDto, PartyKind, Procedure,
    Timestamp,
};

use crate::{MARGIN, PAGE, esc};

/// One document to compose.
#[derive(Debug, Clone, Copy)]
pub struct Instrument<'a> {
    /// Its kind.
    pub kind: DocKind,
    /// Its number, e.g. `市南综执罚决字〔2026〕第12号`.
    pub number: &'a str,
    /// The issuing agency, e.g. `青岛市市南区综合行政执法局`.
    pub agency: &'a str,
    /// The file.
    pub file: &'a EnfFileDto,
    /// Its matter.
    pub matter: &'a MatterDto,
    /// For an interview record: the record.
    pub evidence: Option<&'a EvidenceDto>,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// For the prior notice: until when the party may state its case (and ask for a hearing).
    pub statement_until: Option<Timestamp>,
    /// For the service receipt: the number of the document served.
    pub served_number: Option<&'a str>,
    /// The file is of the simulated city (synthetic data): said in the footer.
    pub synthetic: bool,
}

struct Sheet {
    svg: String,
    y: f64,
}

/// Characters per line at `size` points across the text width (CJK full width, ASCII half).
fn wrap(s: &str, size: f64, width: f64) -> Vec<String> {
    let max = width / size;
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        let mut w = 0.0;
        for c in para.chars() {
            let cw = if c.is_ascii() { 0.55 } else { 1.0 };
            if w + cw > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(c);
            w += cw;
        }
        lines.push(line);
    }
    lines
}

impl Sheet {
    fn new() -> Sheet {
        Sheet { svg: crate::blank_page(), y: 60.0 }
    }

    fn text_at(&mut self, x: f64, y: f64, size: f64, weight: &str, anchor: &str, s: &str) {
        let _ = write!(
            self.svg,
            r##"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" fill="#111" text-anchor="{anchor}">{}</text>"##,
            esc(s)
        );
    }

    fn centre(&mut self, size: f64, weight: &str, s: &str) {
        self.y += size * 1.5;
        self.text_at(PAGE.0 / 2.0, self.y, size, weight, "middle", s);
    }

    fn right(&mut self, size: f64, s: &str) {
        self.y += size * 1.6;
        self.text_at(PAGE.0 - MARGIN, self.y, size, "normal", "end", s);
    }

    /// A labelled paragraph: `label：` then the text, wrapped under it.
    fn para(&mut self, label: &str, s: &str) {
        let size = 11.0;
        let text = if label.is_empty() { s.to_owned() } else { format!("{label}：{s}") };
        for line in wrap(&text, size, PAGE.0 - 2.0 * MARGIN) {
            self.y += size * 1.7;
            self.text_at(MARGIN, self.y, size, "normal", "start", &line);
        }
    }

    fn gap(&mut self, h: f64) {
        self.y += h;
    }

    fn rule(&mut self) {
        self.y += 8.0;
        let _ = write!(
            self.svg,
            r##"<line x1="{a}" y1="{y:.1}" x2="{b}" y2="{y:.1}" stroke="#b91c1c" stroke-width="1.2"/>"##,
            a = MARGIN,
            b = PAGE.0 - MARGIN,
            y = self.y
        );
        self.y += 4.0;
    }

    fn finish(mut self, synthetic: bool) -> String {
        let y = PAGE.1 - 24.0;
        let source = if synthetic {
            "cityops 执法办案 · 模拟青岛（合成数据，非真实案件）"
        } else {
            "cityops 执法办案"
        };
        let _ = write!(
            self.svg,
            r##"<text x="{MARGIN}" y="{y}" font-size="8" fill="#555">{}</text></svg>"##,
            esc(source)
        );
        self.svg
    }
}

fn day(t: &Timestamp) -> String {
    t.format("%Y年%m月%d日").to_string()
}

fn minute(t: &Timestamp) -> String {
    t.format("%Y年%m月%d日 %H时%M分").to_string()
}

fn party_line(p: Option<&PartyDto>) -> String {
    match p {
        None => "（尚未查明）".into(),
        Some(p) => {
            let id = if p.id_number.is_empty() {
                String::new()
            } else {
                match p.kind {
                    PartyKind::Citizen => format!("，身份证号码 {}", p.id_number),
                    PartyKind::Organisation => format!("，统一社会信用代码 {}", p.id_number),
                }
            };
            let addr = if p.address.is_empty() { String::new() } else { format!("，住所 {}", p.address) };
            format!("{}（{}）{id}{addr}", p.name, p.kind.zh())
        }
    }
}

fn you(p: Option<&PartyDto>) -> &'static str {
    match p.map(|p| p.kind) {
        Some(PartyKind::Organisation) => "你单位",
        _ => "你",
    }
}

/// The penalty in words, e.g. `罚款人民币 1,500 元`.
pub fn penalty_words(file: &EnfFileDto, matter: &MatterDto) -> String {
    let Some(p) = &file.penalty else { return "（无）".into() };
    let mut parts = Vec::new();
    if p.warning {
        parts.push("警告".to_owned());
    }
    if p.fine_yuan > 0 {
        parts.push(format!("罚款人民币 {} 元", yuan(p.fine_yuan)));
    }
    if p.demolition {
        parts.push("限期拆除违法建设、恢复原状".to_owned());
    }
    let level = matter.levels.get(p.level).map(|l| {
        let basis = match l.unit {
            FineUnit::Yuan => String::new(),
            FineUnit::YuanPerM2 => format!("，面积 {} 平方米", yuan(p.quantity)),
            FineUnit::PermilleOfCost => format!(
                "，为工程造价 {} 元的 {:.1}‰",
                yuan(p.quantity),
                p.fine_yuan as f64 * 1000.0 / p.quantity.max(1) as f64
            ),
            FineUnit::TimesIllegalGain => format!(
                "，为违法所得 {} 元的 {:.1} 倍",
                yuan(p.quantity),
                p.fine_yuan as f64 / p.quantity.max(1) as f64
            ),
        };
        format!("（裁量等级：{}{basis}）", l.level)
    });
    format!("{}{}", parts.join("、"), level.unwrap_or_default())
}

/// An amount with thousands separators.
pub fn yuan(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn step_by(file: &EnfFileDto, action: cityops_api::EnfAction) -> Option<&cityops_api::EnfStepDto> {
    file.steps.iter().rev().find(|s| s.action == action)
}

/// Compose one instrument as an A4 SVG page.
pub fn instrument(i: &Instrument) -> String {
    let f = i.file;
    let m = i.matter;
    let party = f.party.as_ref();
    let mut s = Sheet::new();
    s.centre(15.0, "bold", i.agency);
    s.gap(4.0);
    s.centre(21.0, "bold", i.kind.zh());
    s.right(10.5, i.number);
    s.rule();
    let cause = format!("涉嫌{}", m.name);
    match i.kind {
        DocKind::FilingApproval => {
            s.para("案由", &cause);
            s.para("案件编号", &f.file_no);
            let source = match &f.case_no {
                Some(no) => format!("城市运行管理服务平台移送（案卷 {no}）"),
                None => "执法巡查发现".to_owned(),
            };
            s.para("案件来源", &source);
            s.para("当事人", &party_line(party));
            s.para("案发地点", &f.address);
            s.para("简要案情", &f.facts);
            s.para("立案依据", &format!("{}；{}", m.offence_basis, m.penalty_basis));
            let by = step_by(f, cityops_api::EnfAction::Register);
            s.para(
                "承办人意见",
                &format!(
                    "经初步核实，当事人涉嫌违法，符合立案条件，建议立案查处。（{}，{}）",
                    by.map_or("", |b| b.actor.as_str()),
                    minute(&f.registered_at)
                ),
            );
            let approved = step_by(f, cityops_api::EnfAction::File);
            s.para(
                "负责人审批意见",
                &approved.map_or("（待审批）".into(), |a| {
                    format!("同意立案。{}（{}）", a.note, minute(&a.at))
                        .replace("。（", "（")
                        .replace("。。", "。")
                }),
            );
        }
        DocKind::InterviewRecord => {
            let e = i.evidence;
            s.para("询问时间", &e.map_or(String::new(), |e| minute(&e.taken_at)));
            s.para("询问地点", &f.address);
            let officers = e.map_or(String::new(), |e| {
                e.officers
                    .iter()
                    .map(|o| format!("{}（执法证号 {}）", o.name, o.cert_no))
                    .collect::<Vec<_>>()
                    .join("、")
            });
            s.para("询问人、记录人", &officers);
            s.para("被询问人", &party_line(party));
            s.para("案由", &cause);
            s.para(
                "告知",
                "我们是行政执法人员，已向你出示执法证件。你有如实回答询问、陈述和申辩的权利，对与案件无关的问题有拒绝回答的权利；执法人员少于两人或与本案有利害关系的，你有申请回避的权利。",
            );
            s.para("询问内容", &e.map_or(String::new(), |e| e.summary.clone()));
            s.gap(14.0);
            s.para("", "以上笔录已向被询问人宣读（或交其阅读），与所述一致。");
            s.para("被询问人签名", "                    询问人签名");
        }
        DocKind::CorrectionOrder => {
            s.para("", &format!("{}：", party.map_or("当事人", |p| p.name.as_str())));
            let by = f.correct_by.as_ref().map_or("（未定）".into(), minute);
            s.para(
                "",
                &format!(
                    "经查，{}于{}在{}{}，其行为违反了{}。根据{}的规定，现责令{}于{}前改正上述违法行为。逾期不改正的，本机关将依法处理。",
                    you(party),
                    day(&f.registered_at),
                    f.address,
                    f.facts.trim_end_matches('。'),
                    m.offence_basis,
                    m.penalty_basis,
                    you(party),
                    by
                ),
            );
        }
        DocKind::PriorNotice => {
            s.para("", &format!("{}：", party.map_or("当事人", |p| p.name.as_str())));
            s.para(
                "",
                &format!(
                    "经查，{}于{}在{}{}。以上事实有现场检查（勘验）笔录、询问笔录、现场照片等证据证实。{}的上述行为违反了{}，依据{}，本机关拟对{}作出如下行政处罚：{}。",
                    you(party),
                    day(&f.registered_at),
                    f.address,
                    f.facts.trim_end_matches('。'),
                    you(party),
                    m.offence_basis,
                    m.penalty_basis,
                    you(party),
                    penalty_words(f, m)
                ),
            );
            let until = i.statement_until.as_ref().map_or(String::new(), day);
            s.para(
                "",
                &format!(
                    "根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，{}有权进行陈述和申辩，请于{} 24 时前向本机关提出；逾期未提出的，视为放弃上述权利。",
                    you(party),
                    until
                ),
            );
            if f.hearing_right {
                s.para(
                    "",
                    &format!(
                        "根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，{}有权要求举行听证，请于{} 24 时前提出。",
                        you(party),
                        until
                    ),
                );
            }
        }
        DocKind::Decision => {
            s.para("当事人", &party_line(party));
            let procedure =
                if f.procedure == Procedure::Summary { "（简易程序，当场作出）" } else { "" };
            s.para("案由", &format!("{cause}{procedure}"));
            s.para(
                "违法事实",
                &format!(
                    "{}，当事人在{}{}。",
                    day(&f.registered_at),
                    f.address,
                    f.facts.trim_end_matches('。')
                ),
            );
            let kinds: Vec<&str> = f.evidence.iter().map(|e| e.kind.zh()).collect();
            let evidence = if kinds.is_empty() {
                "现场检查".to_owned()
            } else {
                format!("{}等", kinds.join("、"))
            };
            s.para("证据", &format!("以上事实有{evidence}证据证实。"));
            s.para("违反规定", &m.offence_basis);
            s.para("处罚依据", &m.penalty_basis);
            if let Some(p) = &f.penalty
                && !p.reasons.is_empty()
            {
                s.para("裁量理由", &p.reasons);
            }
            s.para("处罚决定", &penalty_words(f, m));
            s.para(
                "履行方式和期限",
                "当事人应自收到本决定书之日起十五日内，到指定银行或者通过电子支付系统缴纳罚款。逾期不缴纳罚款的，每日按罚款数额的百分之三加处罚款（《中华人民共和国行政处罚法》第六十七条、第七十二条）。",
            );
            s.para(
                "救济途径",
                "如不服本决定，可在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。复议或诉讼期间，本决定不停止执行。",
            );
            s.gap(10.0);
            s.right(11.0, i.agency);
            s.right(11.0, &day(&i.issued_at));
        }
        DocKind::ServiceReceipt => {
            s.para("送达文书名称及文号", &format!("行政处罚决定书 {}", i.served_number.unwrap_or("")));
            s.para("受送达人", &party_line(party));
            s.para(
                "送达地点",
                party.map_or(f.address.as_str(), |p| {
                    if p.address.is_empty() { f.address.as_str() } else { p.address.as_str() }
                }),
            );
            s.para("送达方式", f.service.map_or("", |m| m.zh()));
            s.para("送达时间", &f.served_at.as_ref().map_or(String::new(), minute));
            let by = step_by(f, cityops_api::EnfAction::Serve)
                .or_else(|| step_by(f, cityops_api::EnfAction::DecideOnSpot));
            s.para("送达人", by.map_or("", |b| b.actor.as_str()));
            s.para("受送达人签收", "");
        }
        DocKind::ClosingReport => {
            s.para("案由", &cause);
            s.para("案件编号", &f.file_no);
            s.para("当事人", &party_line(party));
            let outcome = match f.status {
                EnfStatus::Punished => format!(
                    "已作出行政处罚（{}），已履行完毕，缴纳罚款 {} 元",
                    penalty_words(f, m),
                    yuan(f.paid_yuan)
                ),
                EnfStatus::NotPunished => "依法不予行政处罚，违法行为已改正".to_owned(),
                EnfStatus::Withdrawn => "撤销立案".to_owned(),
                EnfStatus::Active | EnfStatus::Suspended => "（办理中）".to_owned(),
            };
            s.para("处理结果", &outcome);
            if let Some(no) = &f.case_no {
                s.para("运管服案卷", &format!("{no}：处理结果已反馈平台，待核查结案"));
            }
            let days = (i.issued_at - f.registered_at).num_days();
            s.para(
                "办理经过",
                &format!(
                    "{} 至 {}，共 {} 个环节、{} 日",
                    day(&f.registered_at),
                    day(&i.issued_at),
                    f.steps.len(),
                    days
                ),
            );
            // One line a step; a long timeline keeps its first and last twelve (the file holds all).
            let n = f.steps.len();
            for (k, st) in f.steps.iter().enumerate() {
                if n > 24 && (12..n - 12).contains(&k) {
                    if k == 12 {
                        s.para("", &format!("……（另 {} 个环节见电子案卷）", n - 24));
                    }
                    continue;
                }
                let note = if st.note.is_empty() { String::new() } else { format!("（{}）", st.note) };
                s.para(
                    "",
                    &format!("{}  {}  {}  {}{note}", minute(&st.at), st.action.zh(), st.role.zh(), st.actor),
                );
            }
            s.para("结案意见", "本案事实清楚，证据确凿，程序合法，处理适当，已执行完毕，同意结案。");
        }
    }
    s.finish(i.synthetic)
}
