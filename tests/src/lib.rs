//! The harness of the end-to-end tests (`tests/e2e.rs`) and of the frame benchmark
//! (`benches/frames.rs`): processes killed with their group, a minimal W3C WebDriver client, the
//! desktop window under `tauri-driver`, headless Chromium under `chromedriver`, and a
//! `cityops-server` of a test's own.

#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::missing_panics_doc)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The binaries run: `CITYOPS_BIN_DIR`, or the debug build in the target directory.
pub fn bin_dir() -> PathBuf {
    std::env::var("CITYOPS_BIN_DIR").map(PathBuf::from).unwrap_or_else(|_| target_dir().join("debug"))
}

/// The W3C WebDriver key of an element reference.
pub const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Cargo's target directory.
pub fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| workspace().join("target"))
}

/// A child process killed (with its process group) on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        use nix::sys::signal::{Signal, killpg};
        use nix::unistd::Pid;
        // The whole group (the child leads its own): drivers start children of their own
        // (WebKitWebDriver, the app). Never signal a group id below 2.
        let Ok(pid) = i32::try_from(self.0.id()) else { return };
        if pid > 1 {
            let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
            std::thread::sleep(Duration::from_millis(300));
            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

/// Start `cmd` in a process group of its own, killed with it on drop.
pub fn spawn(cmd: &mut Command) -> Proc {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0).stdin(Stdio::null());
    Proc(cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}")))
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Wait until `url` answers (any status), at most `secs`.
pub async fn wait_http(url: &str, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if reqwest::get(url).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{url} did not come up in {secs} s");
}

/// A minimal W3C WebDriver client.
pub struct Driver {
    http: reqwest::Client,
    session: String,
}

impl Driver {
    /// A new session on the driver at `port` with `capabilities`.
    pub async fn start(port: u16, capabilities: Value) -> Self {
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&json!({ "capabilities": { "alwaysMatch": capabilities } }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}"));
        Self { http, session: format!("{base}/session/{id}") }
    }

    /// A command of the session; its `value`.
    pub async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }

    /// Open `url`.
    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// Run `script` in the page; its value.
    pub async fn js(&self, script: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": [] }))).await
    }

    /// Run a script that calls its last argument (the WebDriver callback) with the result.
    pub async fn js_async(&self, script: &str) -> Value {
        self.cmd(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": [] }))).await
    }

    /// The first element `css` selects, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let v = self
            .cmd(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })))
            .await;
        let id = v[ELEMENT].as_str().map(str::to_owned);
        if id.is_none() && std::env::var("CITYOPS_E2E_DEBUG").is_ok() {
            eprintln!("find {css}: {v}");
        }
        id
    }

    /// Wait for an element `css` selects, at most `secs`.
    pub async fn wait_find(&self, css: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.find(css).await {
                return e;
            }
            assert!(Instant::now() < deadline, "{css} did not appear in {secs} s");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Evaluate `script` until `done` holds for its value (within `secs`); the value.
    pub async fn wait_js(&self, script: &str, secs: u64, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let v = self.js(script).await;
            if done(&v) {
                return v;
            }
            assert!(Instant::now() < deadline, "{what} (in {secs} s): {v}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// An element's rendered text.
    pub async fn text(&self, el: &str) -> String {
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Click an element.
    pub async fn click(&self, el: &str) {
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({}))).await;
    }

    /// Type `text` into an element.
    pub async fn type_text(&self, el: &str, text: &str) {
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/value"), Some(json!({ "text": text }))).await;
    }

    /// Wait until the element `css` selects shows `needle`, at most `secs` (a screenshot when not).
    pub async fn wait_text(&self, css: &str, needle: &str, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(e) = self.find(css).await
                && self.text(&e).await.contains(needle)
            {
                return;
            }
            if Instant::now() >= deadline {
                let shot = target_dir().join(format!("e2e/timeout-{}.png", std::process::id()));
                self.screenshot(&shot).await;
                let seen = match self.find(css).await {
                    Some(e) => self.text(&e).await,
                    None => "(absent)".into(),
                };
                panic!(
                    "{css} never showed {needle:?} in {secs} s; it shows {seen:?}; see {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Like `wait_text`, on the element's text content: WebKitWebDriver reports the toast (fixed
    /// at the bottom of the window, visibly drawn) as not displayed and its rendered text as empty.
    pub async fn wait_content(&self, css: &str, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let script = format!("const e = document.querySelector({css:?}); return e ? e.textContent : null;");
        loop {
            let seen = self.js(&script).await;
            if let Some(t) = seen.as_str()
                && t.contains(needle)
            {
                return t.to_owned();
            }
            assert!(Instant::now() < deadline, "{css} never held {needle:?} in {secs} s; it holds {seen}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Save a screenshot as PNG at `path`.
    pub async fn screenshot(&self, path: &Path) {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap_or_default()).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
        eprintln!("screenshot: {}", path.display());
    }

    /// End the session.
    pub async fn quit(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }
}

/// The service the console talks to, for setting up and checking.
#[derive(Clone)]
pub struct Api {
    /// The client it calls with.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// An admin token.
    pub token: String,
}

impl Api {
    /// Call `path` with the admin token; the JSON answer, which must be a success.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    /// Send a report's JSON text to `POST /api/v1/cases` with the admin token, as written (the
    /// benchmarks time the answer's arrival before reading it).
    pub async fn send_report(&self, body: String) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1/cases", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// File a report's JSON text; it must be accepted. Returns the new case's id.
    pub async fn file_report(&self, body: String) -> i64 {
        let resp = self.send_report(body).await;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "report refused: {status} {text}");
        let case: Value = serde_json::from_str(&text).unwrap();
        case["id"].as_i64().unwrap()
    }
}

/// The admin API of the service a desktop console started in `data` (it records where it
/// listens, and its token, in `console-service.json` once it answers).
pub async fn embedded_api(data: &Path) -> Api {
    let info_path = data.join("console-service.json");
    let deadline = Instant::now() + Duration::from_secs(90);
    let info: Value = loop {
        if let Ok(t) = std::fs::read_to_string(&info_path)
            && let Ok(v) = serde_json::from_str(&t)
        {
            break v;
        }
        assert!(Instant::now() < deadline, "the console did not start its embedded service");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    Api {
        http: reqwest::Client::new(),
        base: info["server"].as_str().unwrap().to_owned(),
        token: info["token"].as_str().unwrap().to_owned(),
    }
}

/// Start a `cityops-server` of its own on a store named `name` in `data`, on the test's clock,
/// with `extra` serve arguments; return it, answering, with an admin API on it.
pub async fn own_service(data: &Path, name: &str, origin: &str, extra: &[&std::ffi::OsStr]) -> (Proc, Api) {
    own_service_at(data, name, origin, extra, free_port()).await
}

/// [`own_service`] on a given port (a restart where the console expects it).
pub async fn own_service_at(
    data: &Path,
    name: &str,
    origin: &str,
    extra: &[&std::ffi::OsStr],
    port: u16,
) -> (Proc, Api) {
    let db = format!("sqlite://{}/{name}.sqlite", data.display());
    let token = admin_token(&db);
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["--time-scale".as_ref(), "60".as_ref(), "--time-origin".as_ref(), origin.as_ref()];
    args.extend_from_slice(extra);
    let proc = serve(&db, port, &args).await;
    (proc, Api { http: reqwest::Client::new(), base: format!("http://127.0.0.1:{port}"), token })
}

/// The `cityops-server` binary (built first: `cargo build -p cityops-launcher`).
pub fn server_bin() -> PathBuf {
    let server = bin_dir().join("cityops-server");
    assert!(server.exists(), "build it first: cargo build -p cityops-launcher (the cityops-server binary)");
    server
}

/// A new admin token on the store at `db` (the `token create` subcommand).
pub fn admin_token(db: &str) -> String {
    let out = Command::new(server_bin())
        .args(["--database-url", db, "token", "create", "--role", "admin", "--label", "e2e"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().unwrap().trim().to_owned()
}

/// Serve the store at `db` on `port` with `extra` serve arguments; returned once it answers.
pub async fn serve(db: &str, port: u16, extra: &[&std::ffi::OsStr]) -> Proc {
    let proc = spawn(
        Command::new(server_bin())
            .args(["--database-url", db, "serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_http(&format!("http://127.0.0.1:{port}/api/health"), 60).await;
    proc
}

/// A fresh, empty directory for a test named `name` (under the temp directory).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cityops-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The desktop console under tauri-driver, its embedded service's data in `data`, on the test's
/// clock, started with `args`; returns the driver process and the WebDriver session.
pub async fn desktop_session(data: &Path, origin: &str, args: &[&str]) -> (Proc, Driver) {
    let bin = bin_dir().join("cityops-desktop");
    assert!(bin.exists(), "build it first: cargo build -p cityops-desktop");
    let (port, native) = (free_port(), free_port());
    let driver = spawn(
        Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .env("CITYOPS_DATA_DIR", data)
            .env("CITYOPS_TIME_SCALE", "60")
            .env("CITYOPS_TIME_ORIGIN", origin)
            .env("CITYOPS_SIM_SENSOR_MINUTES", "10")
            .env("XDG_DOWNLOAD_DIR", data.join("downloads"))
            .stdout(Stdio::null()),
    );
    wait_http(&format!("http://127.0.0.1:{port}/status"), 30).await;
    let d = Driver::start(port, json!({ "tauri:options": { "application": bin, "args": args } })).await;
    (driver, d)
}

/// Headless Chromium under chromedriver at `size` (`W,H`), downloading into `data/downloads`.
pub async fn chromium_session(data: &Path, size: &str) -> (Proc, Driver) {
    let cd_port = free_port();
    let driver = spawn(
        Command::new("chromedriver")
            .arg(format!("--port={cd_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
    );
    wait_http(&format!("http://127.0.0.1:{cd_port}/status"), 30).await;
    let profile = data.join("chromium-profile");
    let d = Driver::start(
        cd_port,
        json!({ "browserName": "chrome", "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--hide-scrollbars", format!("--window-size={size}"),
            format!("--user-data-dir={}", profile.display())
        ], "prefs": { "download.default_directory": data.join("downloads"), "download.prompt_for_download": false } } }),
    )
    .await;
    (driver, d)
}

/// A `cityops-server` of its own running the synthetic city and serving the built UI
/// (`ui/dist`), on a store named `name` in `data`, its clock starting at `origin`.
pub async fn simulated_service_with_ui(data: &Path, name: &str, origin: &str) -> (Proc, Api) {
    let dist = workspace().join("ui/dist");
    assert!(dist.join("index.html").exists(), "build the UI first: bash scripts/build-ui.sh");
    let serve: [&std::ffi::OsStr; 5] = [
        "--simulate".as_ref(),
        "--sim-sensor-minutes".as_ref(),
        "10".as_ref(),
        "--ui-dir".as_ref(),
        dist.as_ref(),
    ];
    own_service(data, name, origin, &serve).await
}
