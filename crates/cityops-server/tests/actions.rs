//! Every workflow action over HTTP, on both backends, by the role that takes it: its effect on
//! the case, and the refusals with the service's reason (a missing reason or deadline, a deadline
//! not later than the current one, the wrong role, a step the stage does not allow).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use axum::http::StatusCode;
use cityops_api::{Action, ActionRequest, CaseDto, CaseStatus, Role, Stage};
use common::TestApp;
use serde_json::{Value, json};

/// 五四广场, 市南区.
const SHINAN: (f64, f64) = (120.3826, 36.0671);

fn req(action: Action, note: &str) -> ActionRequest {
    ActionRequest { action, unit_code: None, deadline: None, note: note.into() }
}

async fn ok(app: &TestApp, token: &str, id: i64, r: ActionRequest) -> CaseDto {
    let what = format!("{:?}", r.action);
    let (s, v) = app.act(token, id, r).await;
    assert_eq!(s, StatusCode::OK, "{what}: {v}");
    serde_json::from_value(v).unwrap()
}

async fn refused(
    app: &TestApp,
    token: &str,
    id: i64,
    r: ActionRequest,
    status: StatusCode,
    says: &str,
) -> Value {
    let what = format!("{:?}", r.action);
    let (s, v) = app.act(token, id, r).await;
    assert_eq!(s, status, "{what}: {v}");
    assert!(v["message"].as_str().unwrap().contains(says), "{what}: {v} should say {says:?}");
    v
}

async fn new_case(app: &TestApp, token: &str) -> CaseDto {
    let body = json!({ "type_key": { "kind": "matter", "code": "06010" }, "channel": "inspector",
                       "lon": SHINAN.0, "lat": SHINAN.1, "description": "每个操作" });
    let (s, v) = app.call("POST", "/api/v1/cases", Some(token), Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    serde_json::from_value(v).unwrap()
}

async fn every_action(url: &str) {
    let app = TestApp::new(url).await;
    let inspector = app.token(Role::Inspector, "a-inspector", None).await;
    let acceptor = app.token(Role::Acceptor, "a-acceptor", None).await;
    let shift = app.token(Role::ShiftLeader, "a-shift", None).await;
    let dispatcher = app.token(Role::Dispatcher, "a-dispatcher", None).await;
    let leader = app.token(Role::Leader, "a-leader", None).await;
    let c = new_case(&app, &inspector).await;
    let id = c.id;

    let c = ok(&app, &acceptor, id, req(Action::Accept, "")).await;
    assert_eq!(c.stage, Stage::Register);
    // 督办 changes nothing but the count.
    let c = ok(&app, &leader, id, req(Action::Supervise, "请尽快立案")).await;
    assert_eq!((c.stage, c.supervise_count), (Stage::Register, 1));
    // The wrong role, with the role named.
    refused(&app, &dispatcher, id, req(Action::Register, ""), StatusCode::FORBIDDEN, "派遣员").await;
    let c = ok(&app, &shift, id, req(Action::Register, "")).await;
    assert_eq!(c.stage, Stage::Dispatch);

    // 挂账 needs a reason; parked, the case has no running deadline; 恢复 restarts the stage.
    refused(&app, &shift, id, req(Action::Suspend, "  "), StatusCode::BAD_REQUEST, "note").await;
    let c = ok(&app, &shift, id, req(Action::Suspend, "权属不清,待协调")).await;
    assert_eq!((c.status, c.deadline), (CaseStatus::Suspended, None));
    let c = ok(&app, &shift, id, req(Action::Resume, "")).await;
    assert!(c.status == CaseStatus::Active && c.deadline.is_some(), "{c:?}");

    let (_, p) =
        app.call("GET", &format!("/api/v1/cases/{id}/dispatch-proposal"), Some(&dispatcher), None).await;
    let unit = p["unit"]["code"].as_str().unwrap().to_owned();
    let department = app.token(Role::Department, &unit, None).await;
    let dispatch = ActionRequest { unit_code: Some(unit.clone()), ..req(Action::Dispatch, "") };
    let c = ok(&app, &dispatcher, id, dispatch.clone()).await;
    assert_eq!((c.stage, c.unit_code.as_deref()), (Stage::Handle, Some(unit.as_str())));
    let current = c.deadline.unwrap();

    // 延期: the new deadline and a reason; not earlier than the current one.
    refused(&app, &dispatcher, id, req(Action::Postpone, "材料未到"), StatusCode::BAD_REQUEST, "deadline")
        .await;
    let later =
        ActionRequest { deadline: Some(current + chrono::Duration::days(2)), ..req(Action::Postpone, "") };
    refused(&app, &dispatcher, id, later.clone(), StatusCode::BAD_REQUEST, "note").await;
    let same = ActionRequest { deadline: Some(current), ..req(Action::Postpone, "材料未到") };
    refused(&app, &dispatcher, id, same, StatusCode::BAD_REQUEST, "not later").await;
    let c = ok(&app, &dispatcher, id, ActionRequest { note: "材料未到".into(), ..later.clone() }).await;
    assert_eq!(c.deadline, later.deadline);
    let (_, full) = app.call("GET", &format!("/api/v1/cases/{id}"), Some(&shift), None).await;
    let full: CaseDto = serde_json::from_value(full).unwrap();
    let e = full.events.iter().find(|e| e.action == Action::Postpone).unwrap();
    assert_eq!(
        (e.deadline_before, e.deadline_after, e.note.as_str()),
        (Some(current), later.deadline, "材料未到")
    );

    // 回退: the unit says why; the case goes back to dispatch without a unit.
    refused(&app, &department, id, req(Action::Return, ""), StatusCode::BAD_REQUEST, "note").await;
    let c = ok(&app, &department, id, req(Action::Return, "非本单位职责")).await;
    assert_eq!((c.stage, c.unit_code), (Stage::Dispatch, None));
    ok(&app, &dispatcher, id, dispatch).await;
    let c = ok(&app, &department, id, req(Action::Feedback, "已清理")).await;
    assert_eq!(c.stage, Stage::Feedback);

    // 返工: the check failed, with the reason; back to the same unit.
    refused(&app, &inspector, id, req(Action::Rework, ""), StatusCode::BAD_REQUEST, "note").await;
    let c = ok(&app, &inspector, id, req(Action::Rework, "现场仍有垃圾")).await;
    assert_eq!((c.stage, c.rework_count, c.unit_code.as_deref()), (Stage::Handle, 1, Some(unit.as_str())));
    ok(&app, &department, id, req(Action::Feedback, "已再次清理")).await;
    let c = ok(&app, &inspector, id, req(Action::Verify, "")).await;
    assert_eq!(c.stage, Stage::Verify);
    let c = ok(&app, &shift, id, req(Action::Close, "")).await;
    assert_eq!((c.stage, c.status), (Stage::Evaluate, CaseStatus::Closed));
    // Closed: nothing more, and the stage is named.
    refused(&app, &leader, id, req(Action::Supervise, ""), StatusCode::CONFLICT, "综合评价").await;

    // 作废 needs a reason too; a cancelled case takes no further step.
    let other = new_case(&app, &inspector).await.id;
    refused(&app, &acceptor, other, req(Action::Cancel, ""), StatusCode::BAD_REQUEST, "note").await;
    let c = ok(&app, &acceptor, other, req(Action::Cancel, "重复上报")).await;
    assert_eq!(c.status, CaseStatus::Cancelled);
    refused(&app, &acceptor, other, req(Action::Accept, ""), StatusCode::CONFLICT, "作废").await;

    // 合并: a repeated report joins the case it repeats (its own route; tests/duplicates.rs).
    let main = new_case(&app, &inspector).await.id;
    let repeat = new_case(&app, &inspector).await.id;
    let (s, v) = app
        .call("POST", &format!("/api/v1/cases/{repeat}/merge"), Some(&acceptor), Some(json!({"into": main})))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // Every action was taken at least once above.
    let (_, audit) = app
        .call("GET", "/api/v1/audit?limit=1000", Some(&app.token(Role::Admin, "a-admin", None).await), None)
        .await;
    for a in Action::ALL {
        let name = format!("case.{}", cityops_api::wire_name(&a));
        assert!(audit.as_array().unwrap().iter().any(|e| e["action"] == name.as_str()), "{name} never taken");
    }
}

#[tokio::test]
async fn every_action_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    every_action(&format!("sqlite://{}/actions.sqlite", dir.path().display())).await;
}

#[tokio::test]
async fn every_action_on_postgres() {
    let Some(url) = common::fresh_pg_url("actions").await else { return };
    every_action(&url).await;
}
