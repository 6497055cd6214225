//! Law-enforcement case handling over HTTP, on both backends: a 私搭乱建 case transferred to a
//! penalty file (移送执法), the file walked from 立案 to 归档 by the roles that take each step
//! (refusals named), its documents as PDF read back with `pdftotext`, and the outcome handed back
//! so the original case is verified and closed.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::{
    Action, ActionRequest, CaseDto, CaseStatus, DocKind, EnfFileDto, EnfStage, EnfStatus, MatterListDto,
    Role, Stage,
};
use common::TestApp;
use serde_json::{Value, json};

/// 五四广场, 市南区.
const SHINAN: (f64, f64) = (120.3826, 36.0671);

struct Tokens {
    officer: String,
    chief: String,
    reviewer: String,
    leader: String,
    other_officer: String,
    dispatcher: String,
}

async fn step(app: &TestApp, token: &str, file: &EnfFileDto, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["version"] = json!(file.version);
    app.call("POST", &format!("/api/v1/enforcement/files/{}/steps", file.id), Some(token), Some(body)).await
}

#[track_caller]
fn file_of(s: StatusCode, v: Value, what: &str) -> EnfFileDto {
    assert_eq!(s, StatusCode::OK, "{what}: {v}");
    serde_json::from_value(v).unwrap()
}

async fn ok(app: &TestApp, token: &str, file: &EnfFileDto, body: Value) -> EnfFileDto {
    let what = body["action"].to_string();
    let (s, v) = step(app, token, file, body).await;
    file_of(s, v, &what)
}

async fn refused(app: &TestApp, token: &str, file: &EnfFileDto, body: Value, status: StatusCode, says: &str) {
    let what = body["action"].to_string();
    let (s, v) = step(app, token, file, body).await;
    assert_eq!(s, status, "{what}: {v}");
    assert!(v["message"].as_str().unwrap_or_default().contains(says), "{what}: {v} should say {says:?}");
}

async fn pdf_text(app: &TestApp, token: &str, file: &EnfFileDto, kind: DocKind) -> String {
    let uri = format!("/api/v1/enforcement/files/{}/documents/{}", file.id, kind.slug());
    let req =
        Request::builder().uri(&uri).header("authorization", format!("Bearer {token}")).body(Body::empty());
    let (s, bytes) = app.send(req.unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&bytes));
    assert!(bytes.starts_with(b"%PDF"), "{uri}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, &bytes).unwrap();
    // To look at them: CITYOPS_SAVE_DOCS=dir keeps a copy of each.
    if let Some(keep) = std::env::var_os("CITYOPS_SAVE_DOCS") {
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(std::path::Path::new(&keep).join(format!("{}.pdf", kind.slug())), &bytes).unwrap();
    }
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    assert!(out.status.success(), "pdftotext {uri}");
    // pdftotext may break lines inside a phrase: compare without whitespace.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect()
}

async fn case_step(app: &TestApp, token: &str, id: i64, action: Action, unit: Option<String>) -> CaseDto {
    let (s, v) = app
        .act(token, id, ActionRequest { action, unit_code: unit, deadline: None, note: "执法流程".into() })
        .await;
    assert_eq!(s, StatusCode::OK, "{action:?}: {v}");
    serde_json::from_value(v).unwrap()
}

/// A 私搭乱建 case of 市南, dispatched to the district's enforcement bureau.
async fn dispatched_case(app: &TestApp, t: &Tokens) -> (CaseDto, String) {
    let admin = app.token(Role::Admin, "e-admin", None).await;
    let body = json!({ "type_key": { "kind": "matter", "code": "0101" }, "channel": "inspector",
                       "lon": SHINAN.0, "lat": SHINAN.1, "description": "楼顶私搭彩钢板房约 40 平方米",
                       "media": ["photo://roof-1.jpg"] });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(&admin), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let c: CaseDto = serde_json::from_value(v).unwrap();
    case_step(app, &admin, c.id, Action::Accept, None).await;
    case_step(app, &admin, c.id, Action::Register, None).await;
    let (_, p) = app
        .call("GET", &format!("/api/v1/cases/{}/dispatch-proposal", c.id), Some(&t.dispatcher), None)
        .await;
    let unit = p["unit"]["code"].as_str().unwrap().to_owned();
    let c = case_step(app, &t.dispatcher, c.id, Action::Dispatch, Some(unit.clone())).await;
    assert_eq!(c.stage, Stage::Handle);
    (c, unit)
}

async fn walk(url: &str) {
    let app = TestApp::new(url).await;
    let t = Tokens {
        officer: app.token(Role::LawOfficer, "zf-王强", Some("370202")).await,
        chief: app.token(Role::EnforcementChief, "fz-李局", Some("370202")).await,
        reviewer: app.token(Role::LegalReviewer, "fs-赵审", None).await,
        leader: app.token(Role::Leader, "leader", None).await,
        other_officer: app.token(Role::LawOfficer, "zf-崂山", Some("370212")).await,
        dispatcher: app.token(Role::Dispatcher, "dispatcher", None).await,
    };
    let (case, _unit) = dispatched_case(&app, &t).await;

    // The matters a 私搭乱建 case leads to; the planning law's, in per mille of the cost.
    let (s, v) =
        app.call("GET", "/api/v1/enforcement/matters?kind=matter&code=0101", Some(&t.officer), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list: MatterListDto = serde_json::from_value(v).unwrap();
    let matter = list.matters.iter().find(|m| m.penalty_basis.contains("城乡规划法")).unwrap().clone();
    let (s, v) = app.call("GET", "/api/v1/enforcement/matters?kind=matter", Some(&t.officer), None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    // 移送执法: the wrong matter, another district, a dispatcher — refused, naming why.
    let transfer = json!({"matter": matter.code, "case_id": case.id, "facts": "",
                          "party": {"kind": "citizen", "name": "张三", "id_number": "370202198001011234", "address": "市南区香港中路 1 号"}});
    let wrong = json!({"matter": "01002", "case_id": case.id, "facts": "x"});
    let (s, v) = app.call("POST", "/api/v1/enforcement/files", Some(&t.officer), Some(wrong)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(v["message"].as_str().unwrap().contains("does not follow"), "{v}");
    let (s, v) =
        app.call("POST", "/api/v1/enforcement/files", Some(&t.other_officer), Some(transfer.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) =
        app.call("POST", "/api/v1/enforcement/files", Some(&t.dispatcher), Some(transfer.clone())).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) =
        app.call("POST", "/api/v1/enforcement/files", Some(&t.officer), Some(transfer.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let f: EnfFileDto = serde_json::from_value(v).unwrap();
    assert!(f.file_no.starts_with("ZF370202"), "{}", f.file_no);
    assert_eq!((f.stage, f.case_id, f.lon, f.lat), (EnfStage::Clue, Some(case.id), case.lon, case.lat));
    assert_eq!(f.facts, case.description);
    assert!(f.evidence.iter().any(|e| e.from_case && e.media == ["photo://roof-1.jpg"]));
    assert!(f.evidence.iter().any(|e| e.from_case && e.summary.contains(&case.case_no)));
    // A second transfer of the same case is refused while the file is open.
    let (s, v) = app.call("POST", "/api/v1/enforcement/files", Some(&t.officer), Some(transfer)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Reads: another district does not find it; the leader reads it.
    let uri = format!("/api/v1/enforcement/files/{}", f.id);
    assert_eq!(app.call("GET", &uri, Some(&t.other_officer), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.call("GET", &uri, Some(&t.leader), None).await.0, StatusCode::OK);
    let (_, allowed) = app.call("GET", &format!("{uri}/steps"), Some(&t.chief), None).await;
    assert_eq!(allowed, json!(["file", "withdraw"]));

    // 立案 by the chief, not the officer.
    refused(&app, &t.officer, &f, json!({"action": "file"}), StatusCode::FORBIDDEN, "执法队员").await;
    let f = ok(&app, &t.chief, &f, json!({"action": "file", "note": "同意立案"})).await;
    assert_eq!(f.stage, EnfStage::Investigation);
    assert_eq!(f.limits[0].label, "作出处罚决定");
    // A stale version is a conflict.
    let (s, v) = app
        .call(
            "POST",
            &format!("{uri}/steps"),
            Some(&t.officer),
            Some(json!({"action": "add_evidence", "version": 1})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // 调查取证: a 勘验笔录 needs two officers with certificates.
    let officers = json!([{"name": "王强", "cert_no": "37020001"}, {"name": "刘洋", "cert_no": "37020002"}]);
    let record = |kind: &str, summary: &str, officers: Value| {
        json!({"action": "add_evidence", "evidence": {"kind": kind, "summary": summary, "officers": officers,
               "taken_at": "2026-12-01T10:00:00+08:00"}})
    };
    refused(
        &app,
        &t.officer,
        &f,
        record("inspection", "现场勘验", json!([{"name": "王强", "cert_no": "37020001"}])),
        StatusCode::BAD_REQUEST,
        "two officers",
    )
    .await;
    let f = ok(
        &app,
        &t.officer,
        &f,
        record("inspection", "楼顶彩钢板房长 8 米宽 5 米，未取得规划许可", officers.clone()),
    )
    .await;
    let f = ok(
        &app,
        &t.officer,
        &f,
        record("interview", "问：房屋何时搭建？答：今年十月，未办理审批手续。", officers),
    )
    .await;
    let f = ok(
        &app,
        &t.officer,
        &f,
        json!({"action": "order_correction", "correct_by": "2027-01-31T17:00:00+08:00"}),
    )
    .await;
    // The proposal: a fine outside the discretion level is refused with its range.
    let proposal = |fine: u64| {
        json!({"action": "propose", "penalty": {"level": 0, "quantity": 200000, "fine_yuan": fine,
               "reasons": "首次违法，配合调查"}})
    };
    let level = &matter.levels[0];
    let (lo, hi) = (level.min * 200, level.max * 200); // per mille of 200,000 yuan
    refused(&app, &t.officer, &f, proposal(hi + 1), StatusCode::BAD_REQUEST, &format!("{lo}–{hi}")).await;
    let fine = lo;
    let shown = cityops_briefing::instruments::yuan(fine);
    let f = ok(&app, &t.officer, &f, proposal(fine)).await;
    assert!(f.major && f.hearing_right, "{f:?}");
    // Major: the legal reviewer approves, then the collective discussion.
    refused(&app, &t.chief, &f, json!({"action": "approve"}), StatusCode::FORBIDDEN, "执法负责人").await;
    let f = ok(&app, &t.reviewer, &f, json!({"action": "approve", "note": "事实清楚，适用法律正确"})).await;
    assert_eq!(f.stage, EnfStage::Discussion);
    let f = ok(&app, &t.chief, &f, json!({"action": "discuss", "note": "同意"})).await;
    let f = ok(&app, &t.officer, &f, json!({"action": "notify"})).await;
    refused(&app, &t.officer, &f, json!({"action": "end_notice"}), StatusCode::CONFLICT, "陈述申辩").await;
    let f = ok(&app, &t.officer, &f, json!({"action": "end_notice", "note": "当事人书面放弃陈述申辩和听证"}))
        .await;
    let f = ok(&app, &t.chief, &f, json!({"action": "decide"})).await;
    assert_eq!(f.stage, EnfStage::Service);
    let f = ok(&app, &t.officer, &f, json!({"action": "serve", "service": "direct"})).await;
    refused(
        &app,
        &t.officer,
        &f,
        json!({"action": "record_payment", "paid_yuan": 1000}),
        StatusCode::BAD_REQUEST,
        &fine.to_string(),
    )
    .await;
    let f = ok(&app, &t.officer, &f, json!({"action": "record_payment", "paid_yuan": fine})).await;
    assert_eq!((f.stage, f.status), (EnfStage::Closing, EnfStatus::Punished));

    // The outcome went back to the case: 处理反馈, then verified and closed in the case loop.
    let (_, c) = app.call("GET", &format!("/api/v1/cases/{}", case.id), Some(&t.leader), None).await;
    let c: CaseDto = serde_json::from_value(c).unwrap();
    assert_eq!(c.stage, Stage::Feedback, "{c:?}");
    let inspector = app.token(Role::Inspector, "inspector-2", None).await;
    let shift = app.token(Role::ShiftLeader, "shift", None).await;
    case_step(&app, &inspector, case.id, Action::Verify, None).await;
    let c = case_step(&app, &shift, case.id, Action::Close, None).await;
    assert_eq!(c.status, CaseStatus::Closed);

    let f = ok(&app, &t.chief, &f, json!({"action": "close"})).await;
    let f = ok(&app, &t.officer, &f, json!({"action": "archive"})).await;
    assert_eq!(f.stage, EnfStage::Archived);
    let kinds: Vec<DocKind> = f.documents.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, DocKind::ALL);
    let year = chrono::Utc::now().with_timezone(&cityops_api::CST).format("%Y").to_string();
    let decision = f.documents.iter().find(|d| d.kind == DocKind::Decision).unwrap();
    assert_eq!(decision.number, format!("市南综执罚决字〔{year}〕第1号"));

    // The documents say what the file says.
    let text = pdf_text(&app, &t.leader, &f, DocKind::Decision).await;
    for want in [
        "行政处罚决定书",
        "青岛市市南区综合行政执法局",
        "张三",
        "城乡规划法",
        shown.as_str(),
        &decision.number,
    ] {
        let want: String = want.split_whitespace().collect();
        assert!(text.contains(&want), "decision lacks {want:?}: {text}");
    }
    assert!(text.contains(&matter.name.split_whitespace().collect::<String>()), "{text}");
    let text = pdf_text(&app, &t.officer, &f, DocKind::PriorNotice).await;
    assert!(text.contains("听证") && text.contains(&shown) && text.contains("张三"), "{text}");
    let text = pdf_text(&app, &t.officer, &f, DocKind::InterviewRecord).await;
    assert!(text.contains("37020002") && text.contains("未办理审批手续"), "{text}");
    let text = pdf_text(&app, &t.officer, &f, DocKind::ClosingReport).await;
    assert!(text.contains(&shown) && text.contains(&case.case_no), "{text}");
    let text = pdf_text(&app, &t.officer, &f, DocKind::ServiceReceipt).await;
    assert!(text.contains(&decision.number) && text.contains("直接送达"), "{text}");
    let bad = format!("/api/v1/enforcement/files/{}/documents/nope", f.id);
    assert_eq!(app.call("GET", &bad, Some(&t.officer), None).await.0, StatusCode::BAD_REQUEST);

    // The figures: one file closed, its fine, days per step beside the baseline.
    let (s, v) = app.call("GET", "/api/v1/enforcement/summary?days=7", Some(&t.leader), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["open"].as_u64(), v["closed"].as_u64(), v["fines_yuan"].as_u64()),
        (Some(0), Some(1), Some(fine)),
        "{v}"
    );
    assert!(v["baseline_days_per_step"].as_f64().unwrap() > 10.0);
    let (_, list) = app.call("GET", "/api/v1/enforcement/files?open=false", Some(&t.officer), None).await;
    assert_eq!(list["total"], 1);
    let (_, list) = app.call("GET", "/api/v1/enforcement/files", Some(&t.other_officer), None).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn sqlite_a_transferred_case_is_walked_to_archive_and_closes() {
    let dir = tempfile::tempdir().unwrap();
    walk(&format!("sqlite://{}", dir.path().join("enf.sqlite").display())).await;
}

#[tokio::test]
async fn postgres_a_transferred_case_is_walked_to_archive_and_closes() {
    let Some(url) = cityops_test_support::fresh_pg_url("enforcement").await else { return };
    walk(&url).await;
}
