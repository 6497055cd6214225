//! End-to-end: the console on a live synthetic Qingdao, driven as an operator would — wait for live
//! cases, click a case on the map, open the dispatch dialog, confirm — and the dispatch checked
//! through the service's API. Two runs of the same scenario:
//!
//! - the **real desktop window** (Tauri + WebKitGTK under Xvfb) through `tauri-driver` +
//!   `WebKitWebDriver`, on the embedded default (no service configured); then the settings screen
//!   switches it to a second `cityops-server` (a wrong token refused in the dialog, the right one
//!   followed live) and back to the embedded service;
//! - the **same UI in headless Chromium** (`chromedriver`), served by a running `cityops-server`.
//!
//! They need the built binaries, a display and the drivers, so they run when `CITYOPS_E2E=1`
//! (`scripts/test.sh` sets it and provides all of that); under `CI=true` that variable must be set.
//! Screenshots are saved under `target/e2e/`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cityops_tests::{
    Api, Driver, Proc, bin_dir, chromium_session, embedded_api, free_port, fresh_dir, own_service,
    own_service_at, simulated_service_with_ui, spawn, target_dir, wait_http,
};
use serde_json::{Value, json};

/// A Monday morning, so the synthetic city is busy.
const ORIGIN: &str = "2026-03-02T08:30:00";
/// The browser run starts two minutes before a new year: the year turns while it runs, and 2027
/// has no holiday notice bundled, so deadlines are provisional (按法定节假日推算).
/// Two hours after [`ORIGIN`]: where a restarted service's clock starts.
const LATER: &str = "2026-03-02T10:30:00";
const NEW_YEARS_EVE: &str = "2026-12-31T23:58:00";

fn enabled() -> bool {
    match std::env::var("CITYOPS_E2E").as_deref() {
        Ok("1") => return true,
        // scripts/test.sh runs them in their own step, under Xvfb.
        Ok("later") => return false,
        _ => {}
    }
    assert!(std::env::var("CI").is_err(), "CI must run the end-to-end tests (CITYOPS_E2E=1)");
    eprintln!("CITYOPS_E2E not set: end-to-end tests not run here");
    false
}

/// What the scenarios ask of the service.
trait Scenario {
    async fn report(&self, at: (f64, f64), description: &str) -> Value;
    async fn case_awaiting_dispatch(&self) -> Value;
    async fn wait_live_cases(&self, n: u64, secs: u64);
}

impl Scenario for Api {
    /// An inspector's report of 暴露垃圾 (06010) at a place.
    async fn report(&self, (lon, lat): (f64, f64), description: &str) -> Value {
        let body = json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector",
                          "lon": lon, "lat": lat, "description": description});
        self.call(reqwest::Method::POST, "/api/v1/cases", Some(body)).await
    }

    /// A case of our own in 任务派遣 (the simulator never touches cases it did not file).
    async fn case_awaiting_dispatch(&self) -> Value {
        let case = self.report((120.36157, 36.06423), "e2e: 暴露垃圾").await;
        let id = case["id"].as_i64().unwrap();
        for a in ["accept", "register"] {
            self.call(
                reqwest::Method::POST,
                &format!("/api/v1/cases/{id}/actions"),
                Some(json!({"action": a})),
            )
            .await;
        }
        case
    }

    async fn wait_live_cases(&self, n: u64, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.call(reqwest::Method::GET, "/api/v1/cases?limit=1", None).await;
            if v["total"].as_u64().unwrap_or(0) >= n {
                return;
            }
            assert!(Instant::now() < deadline, "fewer than {n} live cases after {secs} s");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

/// The operator's scenario, the same in both runs. Returns the dispatched case and the proposal.
async fn dispatch_scenario(d: &Driver, api: &Api, shot: &Path) -> (Value, Value) {
    // Live cases arrive and the status bar says so.
    api.wait_live_cases(20, 120).await;
    d.wait_text("#connection", "实时", 120).await;
    // The whole city with its live cases.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let city_shot = shot.with_file_name(
        shot.file_name().and_then(|n| n.to_str()).unwrap_or("console.png").replace("dispatch", "city"),
    );
    d.screenshot(&city_shot).await;
    let case = api.case_awaiting_dispatch().await;
    let id = case["id"].as_i64().unwrap();
    let case_no = case["case_no"].as_str().unwrap().to_owned();

    // Find it by id: the map flies there and the detail opens.
    search(d, &id.to_string()).await;
    d.wait_text(".detail", &case_no, 30).await;
    // Close the panel, zoom in to raw points and click the case on the map itself.
    let close = d.wait_find(".detail .close", 10).await;
    d.click(&close).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    d.js("document.querySelectorAll('button').forEach(b => { if (b.textContent.trim() === '+') { b.click(); b.click(); } })")
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let canvas = d.wait_find("#map-canvas", 10).await;
    d.click(&canvas).await;
    d.wait_text(".detail", &case_no, 30).await;

    // Step back out to the district (z13) so the picture around the case shows, then
    // click-to-dispatch: the dialog proposes the unit and deadline.
    d.js("document.querySelectorAll('button').forEach(b => { if (b.textContent.trim() === '−') { for (let i = 0; i < 5; i++) b.click(); } })")
        .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let dispatch = d.wait_find(".detail .actions button.primary", 30).await;
    d.click(&dispatch).await;
    let confirm = d.wait_find("#dispatch-confirm", 30).await;
    let proposal =
        api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}/dispatch-proposal"), None).await;
    d.wait_text(".modal.dispatch", proposal["unit"]["code"].as_str().unwrap(), 10).await;
    // A deadline counted over a year without a holiday notice says so next to it.
    let provisional = proposal["deadline_provisional"] == true;
    if provisional {
        d.wait_text(".modal.dispatch .provisional", "按法定节假日推算", 10).await;
    }
    d.screenshot(shot).await;
    d.click(&confirm).await;

    // The service recorded the dispatch to the proposed unit.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
        if c["stage"] == "handle" {
            assert_eq!(c["unit_code"], proposal["unit"]["code"], "{c}");
            assert_eq!(c["history"][2]["action"], "dispatch");
            break;
        }
        assert!(Instant::now() < deadline, "dispatch not recorded: {c}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let audit = api.call(reqwest::Method::GET, "/api/v1/audit?limit=200", None).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "case.dispatch" && e["target"] == format!("case:{id}")),
        "the audit log names the dispatch"
    );
    // The case changes colour live: the detail now shows 任务处理.
    d.wait_text(".detail", "任务处理", 30).await;
    if provisional {
        d.wait_text(".detail .kv .provisional", "按法定节假日推算", 30).await;
        let detail = shot.with_file_name(
            shot.file_name().and_then(|n| n.to_str()).unwrap_or("console.png").replace("dispatch", "detail"),
        );
        d.screenshot(&detail).await;
    }

    // Search by place name, by camera id and by case number (the service's free text).
    search(d, "金湖路街道").await;
    d.wait_text(".filters .places", "金湖路街道", 30).await;
    search(d, "qd-cam-000481").await;
    d.wait_text(".filters .places", "QD-CAM-000481", 30).await;
    search(d, &case_no.to_lowercase()).await;
    d.wait_text(".filters .results", &case_no, 30).await;
    d.wait_text(".detail", &case_no, 30).await;
    (case, proposal)
}

/// Export the cases of the filter panel (stage 任务处理) as GeoJSON and FlatGeobuf with the export
/// buttons: the console says where the file went, the file lands in `downloads`, the GeoJSON holds
/// only cases of that stage and among them `case_no`, the FlatGeobuf starts with its magic bytes.
async fn export_scenario(d: &Driver, downloads: &Path, case_no: &str) {
    d.js("const s = document.querySelectorAll('.filters select')[1]; s.value = 'handle'; \
          s.dispatchEvent(new Event('change', {bubbles: true}));")
        .await;
    let apply = d.wait_find(".filters button.primary", 10).await;
    d.click(&apply).await;
    d.wait_text(".filters .results", case_no, 30).await;
    for ext in ["geojson", "fgb"] {
        let button = d.wait_find(&format!(".filters button.export[data-format={ext}]"), 10).await;
        d.click(&button).await;
        let said = d.wait_content(".toast", "已导出", 60).await;
        if ext == "geojson" {
            d.screenshot(
                &target_dir().join(format!(
                    "e2e/{}-export.png",
                    if said.contains('/') { "desktop" } else { "browser" }
                )),
            )
            .await;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let file = loop {
            let done =
                std::fs::read_dir(downloads).into_iter().flatten().flatten().map(|e| e.path()).find(|p| {
                    p.extension().is_some_and(|e| e == ext)
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("cityops-cases-"))
                });
            if let Some(f) = done {
                break f;
            }
            assert!(Instant::now() < deadline, "no .{ext} export in {}", downloads.display());
            tokio::time::sleep(Duration::from_millis(300)).await;
        };
        let bytes = std::fs::read(&file).unwrap();
        if ext == "fgb" {
            assert_eq!(&bytes[..3], b"fgb", "{} is not FlatGeobuf", file.display());
            continue;
        }
        let fc: Value = serde_json::from_slice(&bytes).unwrap();
        let features = fc["features"].as_array().unwrap();
        assert!(features.iter().all(|f| f["properties"]["stage"] == "handle"), "{}", file.display());
        assert!(features.iter().any(|f| f["properties"]["case_no"] == case_no), "{case_no} not exported");
    }
}

/// The service goes away; the operator urges (督办) the open case anyway: the console keeps the
/// action in its outbox and says so; when the service is back on its address, the action is sent
/// — applied once — and the console reports it.
async fn outbox_scenario(d: &Driver, proc: Proc, remote: &Api, case: &Value, data: &Path) -> Proc {
    let port: u16 = remote.base.rsplit(':').next().unwrap().parse().unwrap();
    drop(proc);
    let urge = "const b = [...document.querySelectorAll('.detail .actions button')].find(b => b.textContent.trim() === '督办'); \
                if (b) { b.click(); return true; } return false;";
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.js(urge).await != json!(true) {
        assert!(Instant::now() < deadline, "no 督办 button on the open case");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    d.wait_content(".toast", "离线排队", 30).await;
    d.wait_content("#outbox", "离线待提交 1", 30).await;
    d.screenshot(&target_dir().join("e2e/desktop-outbox.png")).await;
    // The service comes back where the console expects it (same store, same address).
    // Its clock starts again from an origin, which must lie after the case's last change: a
    // restarted clock behind it would refuse the queued action as dated before that change.
    let (proc, back) = own_service_at(data, "remote", LATER, &[], port).await;
    d.wait_text("#connection", "实时", 60).await;
    d.wait_content(".toast", "离线操作已提交", 60).await;
    let c = back.call(reqwest::Method::GET, &format!("/api/v1/cases/{}", case["id"]), None).await;
    assert_eq!(c["supervise_count"], 1, "applied once: {c}");
    assert!(d.find("#outbox").await.is_none(), "nothing waits any more");
    proc
}

/// Answer the shell's confirmation dialog (a native GTK window titled 请确认…, outside the page)
/// with `keys` as the person at the console would: wait for it, focus it, type.
async fn answer_dialog(keys: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let window = loop {
        let out = Command::new("xdotool").args(["search", "--name", "请确认"]).output().unwrap();
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next() {
            break id.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "no confirmation dialog appeared");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let name = Command::new("xdotool").args(["getwindowname", &window]).output().unwrap();
    // Let the dialog settle (mapped, buttons realised) before it gets the keys; keep a picture
    // of the screen with it.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let shot = target_dir().join("e2e/desktop-confirm.png");
    let _ = Command::new("import").args(["-window", "root"]).arg(&shot).status();
    let status = Command::new("xdotool")
        .args(["windowfocus", "--sync", &window, "key", "--clearmodifiers", keys])
        .status()
        .unwrap();
    assert!(status.success(), "xdotool could not answer the dialog");
    String::from_utf8_lossy(&name.stdout).trim().to_owned()
}

/// The writes that end a case need a person's confirmation in a native dialog: script in the page
/// that calls the shell itself meets the dialog too (refused: nothing happens), and the operator's
/// 作废 applies once confirmed.
async fn confirm_scenario(d: &Driver, api: &Api) {
    let case = api.report((120.375, 36.068), "e2e: 待作废的重复上报").await;
    let id = case["id"].as_i64().unwrap();
    let injected = format!(
        "const done = arguments[arguments.length - 1]; \
         window.__TAURI_INTERNALS__.invoke('forward', {{ endpoint: 'act', path: {{ id: {id} }}, \
           body: {{ action: 'cancel', note: 'injected' }} }}) \
           .then(() => done('applied'), (e) => done(JSON.stringify(e)));"
    );
    let (answer, title) = tokio::join!(d.js_async(&injected), answer_dialog("Escape"));
    assert!(title.contains("作废") && title.contains(case["case_no"].as_str().unwrap()), "{title}");
    assert!(answer.as_str().is_some_and(|s| s.contains("not_confirmed")), "{answer}");
    let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(c["status"], "active", "refused in the dialog, yet applied: {c}");
    // The operator cancels it from the detail panel and confirms.
    search_case(d, id).await;
    d.wait_text(".detail", case["case_no"].as_str().unwrap(), 30).await;
    let click = "const b = document.querySelector('.detail .actions button[data-action=cancel]'); \
                 if (b) { b.click(); return true; } return false;";
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.js(click).await != json!(true) {
        assert!(Instant::now() < deadline, "no 作废 button on the case");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // 作废 needs a reason: the action dialog asks for it, then the shell for the person's word.
    give_reason(d, "重复上报").await;
    answer_dialog("alt+y").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
        if c["status"] == "cancelled" {
            break;
        }
        assert!(Instant::now() < deadline, "confirmed, yet not applied: {c}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The work queue as the handling department sees it: the dispatched case waits in 处置中 with its
/// working time left; j/k move the cursor; the department feeds back and the case leaves the queue.
async fn queue_scenario(d: &Driver, api: &Api, case: &Value, shot: &Path) {
    let id = case["id"].as_i64().unwrap();
    let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    let unit = c["unit_code"].as_str().unwrap().to_owned();
    let token = api
        .call(reqwest::Method::POST, "/api/v1/tokens", Some(json!({"role": "department", "label": unit})))
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    d.goto(&format!("{0}/?server={0}&token={1}", api.base, token)).await;
    let toggle = d.wait_find("#queue-toggle", 30).await;
    d.click(&toggle).await;
    let row = format!("#queue-panel .q-item[data-case='{id}']");
    d.wait_find(&row, 30).await;
    d.wait_text("#queue-panel .tabs", "处置中", 10).await;
    d.wait_text(&row, "工作", 10).await;
    // j and k move the cursor down and back (keys go to the window, as typed outside a field).
    let key =
        |k: &str| format!("window.dispatchEvent(new KeyboardEvent('keydown', {{ key: '{k}' }})); return 1;");
    let cursor = "return [...document.querySelectorAll('#queue-panel .q-item')].findIndex(e => e.classList.contains('cursor'));";
    assert_eq!(d.js(cursor).await, json!(0), "the cursor starts on the most urgent case");
    let rows =
        d.js("return document.querySelectorAll('#queue-panel .q-item').length;").await.as_i64().unwrap();
    d.js(&key("j")).await;
    assert_eq!(d.js(cursor).await, json!(if rows > 1 { 1 } else { 0 }));
    d.js(&key("k")).await;
    assert_eq!(d.js(cursor).await, json!(0));
    d.screenshot(shot).await;
    // Open it from the queue and feed back: it leaves the queue.
    let el = d.wait_find(&row, 10).await;
    d.click(&el).await;
    d.wait_text(".detail", c["case_no"].as_str().unwrap(), 30).await;
    let feedback = d.wait_find(".detail .actions button[data-action=feedback]", 30).await;
    d.click(&feedback).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.find(&row).await.is_some() {
        assert!(Instant::now() < deadline, "the case did not leave the department's queue");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(c["stage"], "feedback", "{c}");
}

/// A report that repeats an earlier one: its dispatch dialog lists the earlier case as a likely
/// duplicate, and the operator merges it there (in the desktop the shell asks first).
async fn merge_scenario(d: &Driver, api: &Api, native_confirm: bool, shot: &Path) {
    let first = api.report((120.3712, 36.0655), "e2e: 路边暴露垃圾").await;
    let again = api.report((120.3712, 36.0655), "e2e: 同一处又见暴露垃圾").await;
    let id = again["id"].as_i64().unwrap();
    for a in ["accept", "register"] {
        api.call(reqwest::Method::POST, &format!("/api/v1/cases/{id}/actions"), Some(json!({"action": a})))
            .await;
    }
    search_case(d, id).await;
    d.wait_text(".detail", again["case_no"].as_str().unwrap(), 30).await;
    let dispatch = d.wait_find(".detail .actions button[data-action=dispatch]", 30).await;
    d.click(&dispatch).await;
    let row = format!(".modal.dispatch .duplicate-list .dup[data-case='{}']", first["id"]);
    d.wait_find(&row, 30).await;
    d.wait_text(&row, "同类", 10).await;
    d.screenshot(shot).await;
    let merge = d.wait_find(&format!("{row} button.merge"), 10).await;
    d.click(&merge).await;
    if native_confirm {
        let title = answer_dialog("alt+y").await;
        assert!(title.contains("合并"), "{title}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
        if c["status"] == "cancelled" {
            assert_eq!(c["merged_into"], first["id"], "{c}");
            break;
        }
        assert!(Instant::now() < deadline, "not merged: {c}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // The console now shows the main case, which lists the duplicate.
    d.wait_text(".detail", first["case_no"].as_str().unwrap(), 30).await;
    let main = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{}", first["id"]), None).await;
    assert_eq!(main["merged"], json!([id]), "{main}");
}

/// The evaluation view: the districts ranked over today with the utilisation tiles; a click on a
/// district drills into its streets and units; back to the city.
async fn evaluation_scenario(d: &Driver, shot: &Path, downloads: &Path) {
    let toggle = d.wait_find("#evaluation-toggle", 30).await;
    d.click(&toggle).await;
    d.wait_text("#evaluation-panel", "区(市)排名", 60).await;
    let rows = "return document.querySelectorAll('#evaluation-panel table.rank')[0].querySelectorAll('tbody tr').length;";
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.js(rows).await != json!(10) {
        assert!(Instant::now() < deadline, "the ten districts are not ranked");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    d.wait_text("#evaluation-panel .window", "UTC+8", 10).await;
    d.screenshot(shot).await;
    let shinan = d.wait_find("#evaluation-panel tr[data-subject='370202'] td:nth-child(2)", 10).await;
    d.click(&shinan).await;
    d.wait_text("#evaluation-panel", "街道排名", 30).await;
    d.wait_text("#evaluation-panel .tile", "市南区", 30).await;
    // 导出简报: the district's briefing of the period, made by the service, saved as a PDF.
    let button = d.wait_find("#export-briefing", 10).await;
    d.click(&button).await;
    d.wait_content(".toast", "简报已保存", 120).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let pdf = loop {
        let found =
            std::fs::read_dir(downloads).into_iter().flatten().flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("cityops-briefing-") && n.ends_with(".pdf"))
            });
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "no briefing in {}", downloads.display());
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{} is not a PDF", pdf.display());
    let text = run_ok(Command::new("pdftotext").arg(&pdf).arg("-"));
    assert!(text.contains("市南区城市运行管理服务简报"), "the district's briefing: {text}");
    let up = d.wait_find("#eval-up", 10).await;
    d.click(&up).await;
    d.wait_text("#evaluation-panel", "区(市)排名", 30).await;
    d.click(&toggle).await;
}

/// The admin's work queue in the window: every bucket with its counts, the live city's cases in
/// it most urgent first, the keyboard cursor.
async fn admin_queue_scenario(d: &Driver, shot: &Path) {
    let toggle = d.wait_find("#queue-toggle", 30).await;
    d.click(&toggle).await;
    d.wait_find("#queue-panel .q-item", 60).await;
    d.wait_text("#queue-panel .tabs", "待受理", 10).await;
    d.wait_text("#queue-panel .tabs", "处置中", 10).await;
    d.wait_text("#queue-panel .rule", "80%", 10).await;
    let cursor = "return [...document.querySelectorAll('#queue-panel .q-item')].findIndex(e => e.classList.contains('cursor'));";
    d.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: 'j' })); return 1;").await;
    assert_eq!(d.js(cursor).await, json!(1), "j moves the cursor down");
    d.screenshot(shot).await;
    d.click(&toggle).await;
}

/// The wall's scenes, slugs in rotation order, with the element each scene's panel shows.
const WALL_SCENES: [(&str, &str); 7] = [
    ("overview", "#chart-hourly svg"),
    ("waste", ".wall-alerts"),
    ("sites", ".wall-alerts"),
    ("video", "#chart-types svg"),
    ("evaluation", "#chart-ranking svg"),
    ("replay", "#wall-replay-panel"),
    ("enforcement", "#wall-enforcement-panel #chart-enf-stages"),
];

/// The wall as it starts: figures in, the first scene showing, and it rotates by itself; then
/// every scene by its number key, each saved as `{prefix}-{scene}.png`.
async fn wall_scenario(d: &Driver, prefix: &str) {
    d.wait_find("#wall", 60).await;
    // The figures arrive with their time.
    d.wait_text("#wall-asof", ":", 60).await;
    let reports = "const v = document.querySelector('#kpi-reports .value'); return v ? v.textContent : '';";
    let deadline = Instant::now() + Duration::from_secs(60);
    while d.js(reports).await.as_str().is_none_or(|s| s.parse::<u32>().unwrap_or(0) == 0) {
        assert!(Instant::now() < deadline, "the wall shows no reports today");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // It rotates by itself (5 s a scene).
    let scene = "return document.querySelector('#wall').dataset.scene;";
    let first = d.js(scene).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while d.js(scene).await == first {
        assert!(Instant::now() < deadline, "the wall does not rotate");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Pinned (the strip says so before any scene key is pressed), then each scene by its number.
    d.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: 'p' })); return 1;").await;
    d.wait_content(".wall-pace", "已固定", 10).await;
    for (n, (slug, panel)) in WALL_SCENES.iter().enumerate() {
        d.js(&format!(
            "window.dispatchEvent(new KeyboardEvent('keydown', {{ key: '{}' }})); return 1;",
            n + 1
        ))
        .await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while d.js(scene).await != json!(slug) {
            assert!(Instant::now() < deadline, "key {} did not show {slug}", n + 1);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        d.wait_find(&format!("#wall-side {panel}"), 30).await;
        // Let the map draw the scene's layers.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        d.screenshot(&target_dir().join(format!("e2e/{prefix}-{slug}.png"))).await;
    }
    // The enforcement scene counts the synthetic bureau's open files.
    let open = "const v = document.querySelector('#enf-open .value'); return v ? Number(v.textContent) : -1;";
    d.wait_js(open, 60, "the enforcement scene shows no open file", |v| v.as_i64().unwrap_or(-1) >= 1).await;
    // Back to the replay scene.
    d.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: '6' })); return 1;").await;
    d.wait_js(scene, 10, "key 6 did not show the replay", |v| v.as_str() == Some("replay")).await;
    // The replay scene plays the last day: the banner says 回放, the map moves by the events
    // held, and the figures are those of the cursor's instant, which moves.
    d.wait_text("#wall #replay-banner", "回放", 10).await;
    let deltas = "return Number(document.querySelector('#wall-replay-frames').dataset.deltas);";
    d.wait_js(deltas, 15, "the replay scene's map does not move by the events", |v| {
        v.as_i64().unwrap_or(0) >= 5
    })
    .await;
    let asof = "return document.querySelector('#wall-asof').textContent;";
    let first_asof = d.js(asof).await;
    d.wait_js(asof, 10, "the replayed figures stay", |v| *v != first_asof).await;
    // Pinned: it stays.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(d.js(scene).await, json!("replay"), "pinned, the wall stays");
}

/// The sites layer counts the construction sites in the city view (drawn as markers below the
/// zoom of their outlines), not 0.
async fn sites_counted_at_city_zoom(d: &Driver) {
    let count = "const i = document.querySelector('.layer-row input[data-layer=sites]'); \
                 return i ? Number(i.closest('.layer-row').querySelector('.count').textContent) : -1;";
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = d.js(count).await.as_i64().unwrap_or(-1);
        if n > 100 {
            break;
        }
        assert!(Instant::now() < deadline, "the sites layer counts {n} at city zoom");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Replay in the console: a case reported and then cancelled is gone from the live map; the
/// case detail's 回放上报时刻 takes the map back to its report, where it is open (the picture the
/// service rebuilds); the banner says so; 回到实时 brings the live map back without it.
async fn replay_scenario(d: &Driver, api: &Api, shot: &Path) {
    // A quiet place (崂山's hills), so the sim's own reports hardly ever share the view.
    let case = api.report((120.6012, 36.1683), "e2e: 回放中的案件").await;
    let id = case["id"].as_i64().unwrap();
    open_case(d, id, case["case_no"].as_str().unwrap()).await;
    // Close in: the cases row counts what the view holds.
    for _ in 0..3 {
        d.js("document.querySelector('#map-canvas').focus(); \
              window.dispatchEvent(new KeyboardEvent('keydown', { key: '+' })); return 1;")
            .await;
        tokio::time::sleep(Duration::from_millis(900)).await;
    }
    let count = "const i = document.querySelector('.layer-row input[data-layer=cases]'); \
                 return Number(i.closest('.layer-row').querySelector('.count').textContent);";
    let wait_count = |pred: Box<dyn Fn(i64) -> bool>, what: &'static str| async move {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let n = d.js(count).await.as_i64().unwrap_or(-1);
            if pred(n) {
                return n;
            }
            assert!(Instant::now() < deadline, "{what}: the view counts {n}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let with_case = wait_count(Box::new(|n| n >= 1), "the new case on the live map").await;
    api.call(
        reqwest::Method::POST,
        &format!("/api/v1/cases/{id}/actions"),
        Some(json!({"action": "cancel", "note": "e2e: 回放测试"})),
    )
    .await;
    wait_count(Box::new(move |n| n < with_case), "the cancelled case leaves the live map").await;
    // Back to its report: the past holds it, open.
    let jump = d.wait_find("#replay-created", 30).await;
    d.click(&jump).await;
    d.wait_text("#replay-banner", "回放", 30).await;
    d.wait_find("#time-bar", 10).await;
    // The case stands at the centre of the view: pointing there names it, open, in the past.
    let hover = "const c = document.querySelector('#map-canvas'); const r = c.getBoundingClientRect(); \
                 c.dispatchEvent(new PointerEvent('pointermove', { clientX: r.left + r.width / 2, \
                   clientY: r.top + r.height / 2, pointerId: 1, bubbles: true })); \
                 const t = document.querySelector('.hover-tip'); return t ? t.textContent : '';";
    let named = format!("#{id}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let tip = d.js(hover).await;
        if tip.as_str().is_some_and(|t| t.contains(&named) && t.contains("办理中")) {
            break;
        }
        assert!(Instant::now() < deadline, "the replayed map does not show case {id} open there: {tip}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    d.screenshot(shot).await;
    // Onwards by the events held, with no full reload: a step to the next event, then ten
    // minutes at a time until the cancellation takes the case off the map.
    let frames = "const f = document.querySelector('#replay-frames'); \
                  return [Number(f.dataset.keyframes), Number(f.dataset.deltas)];";
    let banner = "return document.querySelector('#replay-banner').dataset.at;";
    let before =
        d.wait_js(frames, 30, "the replayed picture never loaded", |f| f[0].as_i64().unwrap_or(0) >= 1).await;
    let at_report = d.js(banner).await;
    let next = d.wait_find("#replay-next-event", 10).await;
    d.click(&next).await;
    d.wait_js(banner, 10, "下一事件 did not move the cursor", |v| *v != at_report).await;
    let mut gone = false;
    for _ in 0..6 {
        let tip = d.js(hover).await;
        if !tip.as_str().is_some_and(|t| t.contains(&named)) {
            gone = true;
            break;
        }
        let on = d.wait_find("#time-bar button[title='+10 min']", 10).await;
        d.click(&on).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert!(gone, "an hour on, the cancelled case {named} is still drawn");
    let after = d.js(frames).await;
    assert_eq!(after[0], before[0], "moving on reloaded the picture: {before} → {after}");
    assert!(after[1].as_i64() > before[1].as_i64(), "no move came from the events: {before} → {after}");
    // One press back to live.
    let live = d.wait_find("#replay-live", 10).await;
    d.click(&live).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.find("#replay-banner").await.is_some() {
        assert!(Instant::now() < deadline, "the banner stays after 回到实时");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let tip = d.js(hover).await;
        if !tip.as_str().is_some_and(|t| t.contains(&named)) {
            break;
        }
        assert!(Instant::now() < deadline, "live again, yet {named} is drawn: {tip}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    d.js("document.querySelector('#map-canvas').focus(); \
          window.dispatchEvent(new KeyboardEvent('keydown', { key: '0' })); return 1;")
        .await;
}

/// Fill in the action dialog's reason and confirm it (an empty reason is refused first).
async fn give_reason(d: &Driver, reason: &str) {
    let confirm = d.wait_find("#act-confirm", 30).await;
    d.click(&confirm).await;
    d.wait_text(".modal.act .problem", "原因", 10).await;
    d.js(&format!(
        "const e = document.querySelector('#act-reason'); e.value = {reason:?}; \
         e.dispatchEvent(new Event('input', {{bubbles: true}})); return 1;"
    ))
    .await;
    d.click(&confirm).await;
}

/// In the browser the page itself asks before an action that ends a case: declined, nothing is
/// sent; accepted, the case is cancelled.
async fn browser_confirm_scenario(d: &Driver, api: &Api) {
    let case = api.report((120.375, 36.068), "e2e: 浏览器中作废").await;
    let id = case["id"].as_i64().unwrap();
    search_case(d, id).await;
    d.wait_text(".detail", case["case_no"].as_str().unwrap(), 30).await;
    let button = d.wait_find(".detail .actions button[data-action=cancel]", 30).await;
    d.click(&button).await;
    give_reason(d, "重复上报").await;
    let question = d.cmd(reqwest::Method::GET, "/alert/text", None).await;
    assert!(question.as_str().is_some_and(|q| q.contains("作废")), "no confirmation asked: {question}");
    d.cmd(reqwest::Method::POST, "/alert/dismiss", Some(json!({}))).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(c["status"], "active", "declined, yet sent: {c}");
    // Declined, the dialog stays open with the reason: confirm it again.
    let confirm = d.wait_find("#act-confirm", 30).await;
    d.click(&confirm).await;
    d.cmd(reqwest::Method::POST, "/alert/accept", Some(json!({}))).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while api.call(reqwest::Method::GET, &format!("/api/v1/cases/{id}"), None).await["status"] != "cancelled"
    {
        assert!(Instant::now() < deadline, "accepted, yet not cancelled");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Search in the console's search box (clearing what was typed before).
async fn search(d: &Driver, text: &str) {
    d.js("const s = document.querySelector('#search'); s.value = ''; s.dispatchEvent(new Event('input', {bubbles: true}));")
        .await;
    let search_box = d.wait_find("#search", 10).await;
    d.type_text(&search_box, &format!("{text}\u{E007}")).await;
}

/// Search for a case until the detail panel shows it: right after a switch of service the
/// first search may still reach the service being left.
async fn open_case(d: &Driver, id: i64, needle: &str) {
    let shows = format!("return !!document.querySelector('.detail')?.textContent.includes({needle:?});");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        search_case(d, id).await;
        let tried = Instant::now() + Duration::from_secs(6);
        while Instant::now() < tried {
            if d.js(&shows).await == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        if Instant::now() > deadline {
            // Fail with the panel's content and a screenshot.
            d.wait_text(".detail", needle, 1).await;
        }
    }
}

/// Find a case by id in the console's search box.
async fn search_case(d: &Driver, id: i64) {
    search(d, &id.to_string()).await;
}

/// Open the step dialog of `action` from the file panel's buttons. The buttons are drawn again
/// whenever the file changes (a step's answer, a live event), so a click may meet a button that
/// has just been replaced: click the current one until the dialog shows.
async fn open_step(d: &Driver, action: &str) {
    // The last step's dialog closes when its answer arrives.
    d.wait_js(
        "return !document.querySelector('#step-dialog');",
        30,
        "the last step's dialog stays open",
        |v| *v == json!(true),
    )
    .await;
    let script = format!(
        "if (document.querySelector('#step-dialog')) return 'open'; \
         const b = document.querySelector(\"#file-actions button[data-step='{action}']\"); \
         if (b) {{ b.click(); return 'clicked'; }} return 'absent';"
    );
    d.wait_js(&script, 30, &format!("the step dialog of {action} did not open"), |v| {
        v.as_str() == Some("open")
    })
    .await;
}

/// 执法办案 in the console: a 私搭乱建 case in 任务处理 transferred with 移送执法, its penalty file
/// walked from 立案 to 归档 through the step dialog (the service checks every step), the decision
/// saved as a PDF and read back, and the original case handed back to 处理反馈, then verified and
/// closed.
async fn enforcement_scenario(d: &Driver, api: &Api, shot: &Path, downloads: &Path) {
    use reqwest::Method;
    // The case, filed and dispatched through the API.
    let body = json!({"type_key": {"kind": "matter", "code": "0101"}, "channel": "inspector",
                      "lon": 120.38551, "lat": 36.06321, "description": "e2e: 楼顶私搭彩钢板房约 40 平方米"});
    let case = api.call(Method::POST, "/api/v1/cases", Some(body)).await;
    let id = case["id"].as_i64().unwrap();
    let case_no = case["case_no"].as_str().unwrap().to_owned();
    for a in ["accept", "register"] {
        api.call(Method::POST, &format!("/api/v1/cases/{id}/actions"), Some(json!({"action": a}))).await;
    }
    let p = api.call(Method::GET, &format!("/api/v1/cases/{id}/dispatch-proposal"), None).await;
    let unit = p["unit"]["code"].clone();
    api.call(
        Method::POST,
        &format!("/api/v1/cases/{id}/actions"),
        Some(json!({"action": "dispatch", "unit_code": unit})),
    )
    .await;
    let matters = api.call(Method::GET, "/api/v1/enforcement/matters?kind=matter&code=0101", None).await;
    let matter = matters["matters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["penalty_basis"].as_str().unwrap_or_default().contains("城乡规划法"))
        .expect("a planning-law matter for 私搭乱建")
        .clone();
    let code = matter["code"].as_str().unwrap().to_owned();
    // 5 ‰ steps of a 200,000-yuan building: the lowest fine of the first level.
    let fine = matter["levels"][0]["min"].as_u64().unwrap() * 200;

    // 移送执法 from the case's detail.
    open_case(d, id, &case_no).await;
    let transfer = d.wait_find("#transfer-button", 30).await;
    d.click(&transfer).await;
    d.wait_js(
        "return document.querySelectorAll('#transfer-matter option').length;",
        30,
        "the matters load",
        |v| v.as_u64().unwrap_or(0) > 0,
    )
    .await;
    let set = |css: &str, value: &str| {
        format!(
            "const e = document.querySelector({css:?}); e.value = {value:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}})); e.dispatchEvent(new Event('change', {{bubbles: true}}));"
        )
    };
    d.js(&set("#transfer-matter", &code)).await;
    d.js(&set("#transfer-party", "张三（e2e）")).await;
    let confirm = d.wait_find("#transfer-confirm", 10).await;
    d.click(&confirm).await;
    d.wait_text("#file-panel", "ZF", 30).await;
    let files = api.call(Method::GET, &format!("/api/v1/enforcement/files?case_id={id}"), None).await;
    let file = files["items"][0].clone();
    let fid = file["id"].as_i64().unwrap();
    assert_eq!(file["matter"], json!(code), "{file}");
    assert_eq!(file["stage"], "clue");

    // Each step: its button, its fields, confirm; the service records it.
    let officers = "王强 37020001\n刘洋 37020002";
    let quantity = "200000".to_owned();
    let fine_text = fine.to_string();
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let steps: Vec<(&str, Fields, &str)> = vec![
        ("file", vec![("#step-note", "同意立案")], "investigation"),
        (
            "add_evidence",
            vec![
                ("#step-evidence-kind", "inspection"),
                ("#step-officers", officers),
                ("#step-note", "楼顶彩钢板房长 8 米宽 5 米"),
            ],
            "investigation",
        ),
        (
            "add_evidence",
            vec![
                ("#step-evidence-kind", "interview"),
                ("#step-officers", officers),
                ("#step-note", "问：何时搭建？答：今年十月，未审批。"),
            ],
            "investigation",
        ),
        (
            "propose",
            vec![
                ("#step-quantity", quantity.as_str()),
                ("#step-fine", fine_text.as_str()),
                ("#step-note", "首次违法"),
            ],
            "review",
        ),
        ("approve", vec![("#step-note", "事实清楚")], "discussion"),
        ("discuss", vec![("#step-note", "同意")], "notice"),
        ("notify", vec![], "notice"),
        ("end_notice", vec![("#step-note", "当事人书面放弃陈述申辩和听证")], "decision"),
        ("decide", vec![], "service"),
        ("serve", vec![("#step-service", "direct")], "execution"),
        ("record_payment", vec![], "closing"),
    ];
    for (action, fields, stage) in steps {
        let before =
            api.call(Method::GET, &format!("/api/v1/enforcement/files/{fid}"), None).await["version"]
                .as_i64()
                .unwrap();
        open_step(d, action).await;
        for (css, value) in fields {
            d.js(&set(css, value)).await;
        }
        let ok = d.wait_find("#step-confirm", 10).await;
        d.click(&ok).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let f = api.call(Method::GET, &format!("/api/v1/enforcement/files/{fid}"), None).await;
            if f["version"].as_i64().unwrap() > before {
                assert_eq!(f["stage"], stage, "after {action}: {f}");
                break;
            }
            if Instant::now() > deadline {
                let toast =
                    d.js("const t = document.querySelector('.toast'); return t ? t.textContent : '';").await;
                panic!("{action} was not recorded: {toast}");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        if action == "propose" {
            d.wait_text("#file-panel", "重大案件", 30).await;
        }
    }
    d.wait_text("#file-stage", "结案", 30).await;
    d.screenshot(shot).await;
    // The decision, saved and read back.
    let doc = d.wait_find("#file-documents button[data-doc='decision']", 30).await;
    d.click(&doc).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let pdf = loop {
        let found =
            std::fs::read_dir(downloads).into_iter().flatten().flatten().map(|e| e.path()).find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.contains("decision") && n.ends_with(".pdf"))
            });
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "no decision in {}", downloads.display());
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let text: String = run_ok(Command::new("pdftotext").arg(&pdf).arg("-")).split_whitespace().collect();
    assert!(
        text.contains("行政处罚决定书") && text.contains("张三") && text.contains("城乡规划法"),
        "{text}"
    );
    let png = shot.with_file_name(
        shot.file_name().and_then(|n| n.to_str()).unwrap_or("x.png").replace(".png", "-decision"),
    );
    run_ok(Command::new("pdftoppm").args(["-png", "-r", "80", "-singlefile"]).arg(&pdf).arg(&png));
    // 结案 and 归档.
    for (action, stage) in [("close", "archiving"), ("archive", "archived")] {
        open_step(d, action).await;
        let ok = d.wait_find("#step-confirm", 10).await;
        d.click(&ok).await;
        d.wait_js(
            "return document.querySelector('#file-panel .enf')?.dataset.stage;",
            30,
            &format!("{action} shows"),
            |v| v.as_str() == Some(stage),
        )
        .await;
    }
    // The case came back: 处理反馈, then verified and closed; its detail says so.
    let c = api.call(Method::GET, &format!("/api/v1/cases/{id}"), None).await;
    assert_eq!(c["stage"], "feedback", "{c}");
    for a in ["verify", "close"] {
        api.call(Method::POST, &format!("/api/v1/cases/{id}/actions"), Some(json!({"action": a}))).await;
    }
    let back = d.wait_find("#file-panel button.link.mono", 10).await;
    d.click(&back).await;
    d.wait_text(".detail", "已结案", 30).await;
}

/// The settings screen switches the desktop console to another service and back: a wrong token
/// is refused in the dialog, the right one switches the live map, and the embedded service is
/// one click away.
async fn switch_scenario(d: &Driver, home: &Api, home_case: &Value, data: &Path) {
    let (remote_proc, remote) = own_service(data, "remote", ORIGIN, &[]).await;
    let remote_case = remote.report((120.38, 36.07), "e2e: 远程服务上的案件").await;
    let fill = |css: &str, text: &str| {
        format!(
            "const e = document.querySelector('.modal.settings {css}'); e.value = {text:?}; \
             e.dispatchEvent(new Event('input', {{bubbles: true}}));"
        )
    };
    // The status bar opens the settings; they say which service the console follows.
    let conn = d.wait_find("#connection", 10).await;
    d.click(&conn).await;
    d.wait_text("#service-now", "内置服务", 30).await;
    // A wrong token is refused in the dialog, and the console stays where it was.
    d.js(&fill("input[type=url]", &remote.base)).await;
    d.js(&fill("input[type=password]", "wrong-token")).await;
    let save = d.wait_find("#settings-save", 10).await;
    d.click(&save).await;
    d.wait_text(".modal.settings .problem", "refused the token", 30).await;
    // The right token: the shell asks the person first; refused, the console stays.
    d.js(&fill("input[type=password]", &remote.token)).await;
    d.click(&save).await;
    let title = answer_dialog("Escape").await;
    assert!(title.contains("切换"), "{title}");
    d.wait_text(".modal.settings .problem", "未确认", 30).await;
    // Confirmed: the console switches and goes live on the other service.
    d.click(&save).await;
    answer_dialog("alt+y").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.find(".modal.settings").await.is_some() {
        assert!(Instant::now() < deadline, "the settings dialog did not close after the switch");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    d.wait_text("#connection", "实时", 60).await;
    // A remote service's events come through the shell (it holds the token).
    assert_eq!(live_via(d).await, "shell");
    open_case(d, remote_case["id"].as_i64().unwrap(), "e2e: 远程服务上的案件").await;
    d.screenshot(&target_dir().join("e2e/desktop-switched.png")).await;
    // The choice is remembered for the next start.
    let remembered: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("console-remote.json")).unwrap()).unwrap();
    assert_eq!(remembered["server"], remote.base.as_str());
    let _remote_proc = outbox_scenario(d, remote_proc, &remote, &remote_case, data).await;
    // Back to the embedded service: the dispatched case is there again.
    let conn = d.wait_find("#connection", 10).await;
    d.click(&conn).await;
    d.wait_text("#service-now", "远程服务", 30).await;
    let embedded = d.wait_find("#settings-embedded", 10).await;
    d.click(&embedded).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.find(".modal.settings").await.is_some() {
        assert!(Instant::now() < deadline, "the settings dialog did not close after the switch back");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    d.wait_text("#connection", "实时", 60).await;
    assert_eq!(live_via(d).await, "direct");
    open_case(d, home_case["id"].as_i64().unwrap(), home_case["case_no"].as_str().unwrap()).await;
    d.wait_text(".detail", "任务处理", 30).await;
    assert!(!data.join("console-remote.json").exists(), "back on the embedded service: nothing remembered");
    // The embedded service itself saw none of this.
    let c = home.call(reqwest::Method::GET, &format!("/api/v1/cases/{}", home_case["id"]), None).await;
    assert_eq!(c["stage"], "handle");
}

/// Which way the page's live events come (`direct`, `shell` or `service`).
async fn live_via(d: &Driver) -> String {
    let state = d.js("return window.cityops.bench_state();").await;
    let state: Value = serde_json::from_str(state.as_str().unwrap_or("{}")).unwrap_or_default();
    state["live_via"].as_str().unwrap_or_default().to_owned()
}

/// A fresh scratch directory for one test.
/// The desktop console on the test's clock ([`ORIGIN`]).
async fn desktop_session(data: &Path, args: &[&str]) -> (Proc, Driver) {
    cityops_tests::desktop_session(data, ORIGIN, args).await
}

#[tokio::test]
async fn the_desktop_window_dispatches_a_live_case() {
    if !enabled() {
        return;
    }
    let data = fresh_dir("desktop");
    let (_driver, d) = desktop_session(&data, &[]).await;
    let api = embedded_api(&data).await;
    // The window is locked: no global Tauri API, no eval (CSP), and the IPC bridge reaches only
    // the commands the console's capability grants.
    let locked = d
        .js("return [typeof window.__TAURI__, (() => { try { eval('1'); return 'eval ran'; } catch (e) { return 'eval refused'; } })()];")
        .await;
    assert_eq!(locked, json!(["undefined", "eval refused"]), "the window is not locked down");
    let refused = d
        .js_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('plugin:fs|read_text_file', { path: '/etc/hostname' }) \
               .then(() => done('allowed'), (e) => done('refused: ' + String(e)));",
        )
        .await;
    assert!(refused.as_str().is_some_and(|s| s.starts_with("refused")), "{refused}");
    // The shell's own dialogs are not the page's to open.
    let refused = d
        .js_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('plugin:dialog|message', { message: 'x' }) \
               .then(() => done('allowed'), (e) => done('refused: ' + String(e)));",
        )
        .await;
    assert!(refused.as_str().is_some_and(|s| s.starts_with("refused")), "{refused}");
    sites_counted_at_city_zoom(&d).await;
    confirm_scenario(&d, &api).await;
    merge_scenario(&d, &api, true, &target_dir().join("e2e/desktop-duplicates.png")).await;
    let (case, _) = dispatch_scenario(&d, &api, &target_dir().join("e2e/desktop-dispatch.png")).await;
    // The page follows the embedded service's stream itself, with a ticket that opens nothing else.
    assert_eq!(live_via(&d).await, "direct");
    let ticket = d
        .js_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('live_source').then((s) => \
               fetch(s.server + '/api/v1/cases', { headers: { Authorization: 'Bearer ' + s.ticket } }) \
                 .then((r) => done(r.status), (e) => done('fetch failed: ' + String(e))), \
               (e) => done('refused: ' + String(e)));",
        )
        .await;
    assert_eq!(ticket, json!(403), "the stream ticket read the case list");
    export_scenario(&d, &data.join("downloads"), case["case_no"].as_str().unwrap()).await;
    evaluation_scenario(&d, &target_dir().join("e2e/desktop-evaluation.png"), &data.join("downloads")).await;
    replay_scenario(&d, &api, &target_dir().join("e2e/desktop-replay.png")).await;
    enforcement_scenario(
        &d,
        &api,
        &target_dir().join("e2e/desktop-enforcement.png"),
        &data.join("downloads"),
    )
    .await;
    admin_queue_scenario(&d, &target_dir().join("e2e/desktop-queue.png")).await;
    switch_scenario(&d, &api, &case, &data).await;
    d.quit().await;
}

#[tokio::test]
async fn the_same_ui_in_chromium_dispatches_a_live_case() {
    if !enabled() {
        return;
    }
    let data = fresh_dir("browser");
    let (_svc, api) = simulated_service_with_ui(&data, "cityops", NEW_YEARS_EVE).await;
    let (_cd, d) = chromium_session(&data, "1600,900").await;
    d.goto(&format!("{0}/?server={0}&token={1}", api.base, api.token)).await;
    sites_counted_at_city_zoom(&d).await;
    let (case, proposal) = dispatch_scenario(&d, &api, &target_dir().join("e2e/browser-dispatch.png")).await;
    assert_eq!(live_via(&d).await, "service");
    // Around midnight on New Year's Eve every working-time deadline runs into 2027.
    assert_eq!(proposal["deadline_provisional"], true, "{proposal}");
    let c = api.call(reqwest::Method::GET, &format!("/api/v1/cases/{}", case["id"]), None).await;
    assert_eq!(c["deadline_provisional"], true, "{c}");
    let year = api.call(reqwest::Method::GET, "/api/v1/calendar/2027", None).await;
    assert_eq!(year["source"], "statutory-provisional");
    export_scenario(&d, &data.join("downloads"), case["case_no"].as_str().unwrap()).await;
    browser_confirm_scenario(&d, &api).await;
    merge_scenario(&d, &api, false, &target_dir().join("e2e/browser-duplicates.png")).await;
    evaluation_scenario(&d, &target_dir().join("e2e/browser-evaluation.png"), &data.join("downloads")).await;
    replay_scenario(&d, &api, &target_dir().join("e2e/browser-replay.png")).await;
    enforcement_scenario(
        &d,
        &api,
        &target_dir().join("e2e/browser-enforcement.png"),
        &data.join("downloads"),
    )
    .await;
    queue_scenario(&d, &api, &case, &target_dir().join("e2e/browser-queue.png")).await;
    d.quit().await;
}

/// The console as a supervisor installs it: the Debian package built by the Tauri bundler
/// (`scripts/package.sh`) and installed with `apt-get install ./…deb` (`scripts/test.sh` does
/// both) starts, runs its embedded service with the synthetic city, and shows the live map.
#[tokio::test]
async fn the_installed_package_starts_and_shows_the_map() {
    if !enabled() {
        return;
    }
    let listed = Command::new("dpkg").args(["-L", "cityops"]).output().unwrap();
    if !listed.status.success() {
        assert!(std::env::var("CI").is_err(), "CI must install the package first (scripts/test.sh)");
        eprintln!("the cityops package is not installed: installed-package test skipped here");
        return;
    }
    let files = String::from_utf8(listed.stdout).unwrap();
    let bin = files
        .lines()
        .find(|l| l.starts_with("/usr/bin/"))
        .expect("the package installs a program")
        .to_owned();
    let data = std::env::temp_dir().join(format!("cityops-e2e-package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let port = free_port();
    let native = free_port();
    let _driver = spawn(
        Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("CITYOPS_DATA_DIR", &data)
            .env("CITYOPS_TIME_SCALE", "60")
            .env("CITYOPS_TIME_ORIGIN", ORIGIN)
            .env("CITYOPS_SIM_SENSOR_MINUTES", "10")
            .stdout(Stdio::null()),
    );
    wait_http(&format!("http://127.0.0.1:{port}/status"), 30).await;
    let d = Driver::start(port, json!({ "tauri:options": { "application": bin } })).await;
    d.wait_text("#connection", "实时", 120).await;
    // Live cases of the synthetic city arrive on the map (the first layer row counts them).
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let cases = d.js("const c = document.querySelector('.layer-row .count'); return c ? Number(c.textContent) : 0;").await;
        if cases.as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the installed console drew no live case");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    d.screenshot(&target_dir().join("e2e/package-city.png")).await;
    d.quit().await;
}

/// The wall in the real window: `cityops-desktop --wall` fills the 3840×2160 screen and rotates
/// through every scene over the live synthetic city (one screenshot per scene).
#[tokio::test]
async fn the_desktop_wall_fills_the_screen_and_rotates() {
    if !enabled() {
        return;
    }
    let data = fresh_dir("wall");
    let (_driver, d) = desktop_session(&data, &["--wall", "--scene-seconds", "5"]).await;
    wall_scenario(&d, "wall").await;
    let size = d.js("return [window.innerWidth, window.innerHeight];").await;
    assert_eq!(size, json!([3840, 2160]), "the wall fills the 3840×2160 screen");
    d.quit().await;
}

/// The wall in Chromium (`?wall=1`) at 3840×2160 and at 1920×1080.
#[tokio::test]
async fn the_wall_in_chromium_at_4k_and_full_hd() {
    if !enabled() {
        return;
    }
    let data = fresh_dir("wall-browser");
    let (_svc, api) = simulated_service_with_ui(&data, "wall", ORIGIN).await;
    let (_cd, d) = chromium_session(&data, "3840,2160").await;
    d.goto(&format!("{0}/?server={0}&token={1}&wall=1&scene_seconds=5", api.base, api.token)).await;
    wall_scenario(&d, "wall-browser").await;
    // Live: the figures follow the event stream (the simulated city's events), not only the slow
    // timer (30 s): three fresh "as of" times within 15 s.
    let asof = "return document.querySelector('#wall-asof').textContent;";
    for n in 0..3 {
        let before = d.js(asof).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while d.js(asof).await == before {
            assert!(Instant::now() < deadline, "refresh {n}: the wall's figures did not follow the events");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    // The same wall at 1920×1080.
    d.cmd(reqwest::Method::POST, "/window/rect", Some(json!({"width": 1920, "height": 1080}))).await;
    d.js("window.dispatchEvent(new KeyboardEvent('keydown', { key: '1' })); return 1;").await;
    d.wait_find("#wall-side #chart-hourly svg", 30).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    d.screenshot(&target_dir().join("e2e/wall-browser-overview-1080.png")).await;
    d.quit().await;
}

/// A command whose output a test reads.
fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The leadership briefing of a simulated week: the service runs the synthetic city at 10,080×
/// (a week a minute), then, on the same store with the real clock, the briefing is made by the
/// command (twice, byte-identical with a fixed creation date) and by the API; poppler reads it
/// back: A4 pages, the CJK font embedded, the title, every district and the API's figures in its
/// text, the map's count equal to `viewport?at=` of the period's end. Pages are rendered to
/// `target/e2e/briefing-p*.png` to be looked at.
#[tokio::test]
async fn the_briefing_of_a_simulated_week_reads_true() {
    if !enabled() {
        return;
    }
    let data = fresh_dir("briefing");
    let server = bin_dir().join("cityops-server");
    let db = format!("sqlite://{}/week.sqlite", data.display());
    let (from, to) = ("2026-03-02T00:00:00+08:00", "2026-03-09T00:00:00+08:00");
    {
        let port = free_port();
        let _sim = spawn(
            Command::new(&server)
                .args(["--database-url", &db, "serve", "--listen", &format!("127.0.0.1:{port}")])
                .args(["--simulate", "--sim-sensor-minutes", "0", "--snapshot-minutes", "360"])
                .args(["--time-scale", "10080", "--time-origin", "2026-03-02T00:00:00"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        let health = format!("http://127.0.0.1:{port}/api/health");
        wait_http(&health, 60).await;
        let end = chrono::DateTime::parse_from_rfc3339(to).unwrap() + chrono::Duration::hours(2);
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let h: Value = reqwest::get(&health).await.unwrap().json().await.unwrap();
            let now = chrono::DateTime::parse_from_rfc3339(h["now"].as_str().unwrap()).unwrap();
            if now >= end {
                break;
            }
            assert!(Instant::now() < deadline, "the simulated week did not pass: {h}");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // The same store, the real clock: the week is history.
    let token =
        run_ok(Command::new(&server).args(["--database-url", &db, "token", "create", "--role", "leader"]))
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned();
    let port = free_port();
    let _svc = spawn(
        Command::new(&server)
            .args(["--database-url", &db, "serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    let api = Api { http: reqwest::Client::new(), base: format!("http://127.0.0.1:{port}"), token };
    wait_http(&format!("{}/api/health", api.base), 60).await;
    let enc = |t: &str| t.replace('+', "%2B");
    let drill = api
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/evaluation/drill?from={}&to={}&area=370200", enc(from), enc(to)),
            None,
        )
        .await;
    let overdue = api
        .call(reqwest::Method::GET, &format!("/api/v1/cases?at={}&overdue=true&limit=1", enc(to)), None)
        .await;
    let reports = drill["utilisation"]["reports"].as_u64().unwrap();
    assert!(reports > 1000, "a simulated week has reports: {reports}");

    // The command, twice with a fixed creation date: the same bytes.
    let pdf = data.join("week.pdf");
    for out in [&pdf, &data.join("week-again.pdf")] {
        run_ok(
            Command::new(&server)
                .env("SOURCE_DATE_EPOCH", "1773000000")
                .args(["--database-url", &db, "briefing", "--from", from, "--to", to, "--out"])
                .arg(out),
        );
    }
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        std::fs::read(data.join("week-again.pdf")).unwrap(),
        "not reproducible"
    );
    let png = data.join("week.png");
    run_ok(
        Command::new(&server)
            .args(["--database-url", &db, "briefing", "--from", from, "--to", to, "--out"])
            .arg(&png),
    );
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"), "the first page as a PNG");
    // The API's document is the same briefing.
    let resp = api
        .http
        .get(format!("{}/api/v1/briefing.pdf?from={}&to={}", api.base, enc(from), enc(to)))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let via_api = resp.bytes().await.unwrap();
    assert!(via_api.starts_with(b"%PDF"), "a PDF");

    // poppler reads it back.
    let info = run_ok(Command::new("pdfinfo").arg(&pdf));
    assert!(info.contains("Pages:           3"), "{info}");
    assert!(info.contains("A4"), "{info}");
    let fonts = run_ok(Command::new("pdffonts").arg(&pdf));
    assert!(
        fonts.lines().any(|l| l.contains("NotoSansCJKsc") && l.split_whitespace().filter(|w| *w == "yes").count() >= 2),
        "the CJK font is embedded (and subset): {fonts}"
    );
    let text = run_ok(Command::new("pdftotext").args(["-layout"]).arg(&pdf).arg("-"));
    assert!(text.contains("青岛市城市运行管理服务简报"), "{text}");
    for d in
        ["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"]
    {
        assert!(text.contains(d), "{d} missing from the briefing");
    }
    let row = |label: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} row"));
        line.trim_start().trim_start_matches(label).split_whitespace().map(str::to_owned).collect()
    };
    let util = &drill["utilisation"];
    let rates = &drill["area"]["rates"];
    assert_eq!(row("上报数(件)")[0], reports.to_string());
    assert_eq!(row("立案数(件)")[0], rates["registered"].to_string());
    assert_eq!(row("派遣数(件)")[0], util["dispatched"].to_string());
    assert_eq!(row("结案数(件)")[0], rates["closed"].to_string());
    let pct = |v: &Value| v.as_f64().map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "—".into());
    assert_eq!(row("结案率")[0], pct(&rates["close_rate"]));
    assert_eq!(row("按期结案率")[0], pct(&rates["on_time_close_rate"]));
    assert_eq!(row("期末超期案件(件)")[0], overdue["total"].to_string());
    // The map page shows what the viewport at the period's end answers for its window.
    let caption = text.lines().find(|l| l.contains("图中案件")).expect("the map's caption");
    let shown: u64 =
        caption.split("图中案件").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let window = caption.split("视窗").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let zoom = caption.split("缩放").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let b: Vec<&str> = window.split(',').collect();
    let view = api
        .call(
            reqwest::Method::GET,
            &format!(
                "/api/v1/map/viewport?west={}&south={}&east={}&north={}&zoom={zoom}&width=1020&height=840&layers=cases&at={}",
                b[0], b[1], b[2], b[3], enc(to)
            ),
            None,
        )
        .await;
    let on_map: u64 = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["mix"].as_object() {
            Some(m) => m.values().filter_map(Value::as_u64).sum(),
            None => 1,
        })
        .sum();
    assert_eq!(shown, on_map, "the map page against viewport?at={to}");
    // Rendered, to be looked at.
    let dir = target_dir().join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    run_ok(Command::new("pdftoppm").args(["-r", "80", "-png"]).arg(&pdf).arg(dir.join("briefing")));
    // Saved as briefing-p1.png, briefing-p2.png, … (pdftoppm names them briefing-1.png, …).
    for n in 1..=3 {
        let from = dir.join(format!("briefing-{n}.png"));
        assert!(from.exists(), "page {n} was not rendered");
        std::fs::rename(&from, dir.join(format!("briefing-p{n}.png"))).unwrap();
    }
    assert!(dir.join("briefing-p1.png").exists());
}
