//! Fuzzing every input surface of the service in-process, through its router: the JSON bodies of
//! the writes, the query strings of the reads, Open311's form, query and paths, and the event stream's
//! `Last-Event-ID`. Inputs are the committed seeds of `fuzz/corpus/<surface>/` mutated by
//! proptest (bytes flipped, inserted from a dictionary of troublemakers — NUL, broken UTF-8,
//! huge numbers, other districts' codes —, deleted, repeated, cut); a failure is shrunk and kept in
//! `fuzz/regressions.txt` (commit it with the fix: it is replayed first on every run).
//!
//! The oracle, for every input: no panic; no 5xx; an error under `/api` is the service's
//! `{code, message}`; and a refused request changed nothing (cases and events as before).
//!
//! `CITYOPS_FUZZ_CASES` sets the inputs per surface (default 200; `scripts/test.sh` runs more).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::path::PathBuf;
use std::time::Instant;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, Uri};
use cityops_api::Role;
use common::TestApp;
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tower::ServiceExt;

/// Bytes that break parsers.
const DICT: &[&[u8]] = &[
    b"\0",
    b"\xef\xbb\xbf",
    "中".as_bytes(),
    b"\xe4\xb8",
    b"\xff",
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"1e308",
    b"-1",
    b"NaN",
    b"null",
    b"true",
    b"%FF",
    b"%00",
    b"%E4%B8",
    b"&",
    b"=",
    b"\n",
    b"9999-12-31T23:59:59+08:00",
    b"370212",
    b"QD-CAM-999999",
    b"18446744073709551616",
    b"\\u0000",
    b"<script>",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Repeat(usize, usize, usize),
    Cut(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Flip(p, b)),
        (any::<usize>(), 0..DICT.len()).prop_map(|(p, d)| Edit::Insert(p, d)),
        (any::<usize>(), 1usize..16).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), 1usize..32, 1usize..200).prop_map(|(p, n, k)| Edit::Repeat(p, n, k)),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
        match *e {
            Edit::Flip(p, x) if !b.is_empty() => {
                let i = p % b.len();
                b[i] ^= x;
            }
            Edit::Insert(p, d) => {
                let i = at(p, b.len());
                b.splice(i..i, DICT[d].iter().copied());
            }
            Edit::Delete(p, n) if !b.is_empty() => {
                let i = p % b.len();
                b.drain(i..(i + n).min(b.len()));
            }
            Edit::Repeat(p, n, k) if !b.is_empty() => {
                let i = p % b.len();
                let part: Vec<u8> = b[i..(i + n).min(b.len())].to_vec();
                let rep: Vec<u8> = part.iter().copied().cycle().take(part.len() * k).collect();
                b.splice(i..i, rep);
            }
            Edit::Cut(p) => b.truncate(at(p, b.len())),
            _ => {}
        }
    }
    b
}

/// JSON values that break validation: a structure-aware edit puts one in place of a leaf, so the
/// body still parses and reaches the checks behind the parser.
fn json_dict() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!(""),
        json!("\u{0}"),
        json!("x".repeat(5000)),
        json!("中".repeat(300)),
        json!(1e308),
        json!(-1),
        json!(0),
        json!(u64::MAX),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!("370212"),
        json!("QD-CAM-999999"),
        json!("9999-12-31T23:59:59+08:00"),
        json!("1970-01-01T00:00:00+00:00"),
        json!(121.9),
        json!(35.1),
        json!("dispatch"),
        json!(vec!["m"; 30]),
    ]
}

fn count_leaves(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => m.values().map(count_leaves).sum(),
        serde_json::Value::Array(a) => a.iter().map(count_leaves).sum(),
        _ => 1,
    }
}

/// Replace leaf number `n` (counted depth first) of `v` with `with`; true once replaced.
fn replace_leaf(v: &mut serde_json::Value, n: &mut usize, with: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => m.values_mut().any(|x| replace_leaf(x, n, with)),
        serde_json::Value::Array(a) => a.iter_mut().any(|x| replace_leaf(x, n, with)),
        leaf if *n == 0 => {
            *leaf = with.clone();
            true
        }
        _ => {
            *n -= 1;
            false
        }
    }
}

/// A seed with some of its leaves replaced by troublemakers (`edits`: leaf, dictionary entry).
fn apply_json(seed: &[u8], edits: &[(usize, usize)]) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(seed) else { return seed.to_vec() };
    let dict = json_dict();
    for &(leaf, d) in edits {
        let mut n = leaf % count_leaves(&v).max(1);
        replace_leaf(&mut v, &mut n, &dict[d % dict.len()]);
    }
    serde_json::to_vec(&v).unwrap_or_default()
}

/// A seed: what it feeds (the surface and, for JSON and queries, the endpoint) and its bytes.
#[derive(Debug, Clone)]
struct Seed {
    name: String,
    bytes: Vec<u8>,
}

fn corpus(surface: &str) -> Vec<Seed> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(surface);
    let now = chrono::Utc::now().with_timezone(&cityops_api::CST);
    let mut seeds: Vec<Seed> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            // Times are relative to the service's clock (the wall clock here).
            let text = text
                .replace("NOW_PLUS_DAY", &(now + chrono::Duration::days(1)).to_rfc3339())
                .replace("NOW", &now.to_rfc3339());
            Seed { name: path.file_stem().unwrap().to_string_lossy().into_owned(), bytes: text.into_bytes() }
        })
        .collect();
    seeds.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Percent-encode what a URI cannot carry, keeping the query's structure characters.
fn query_text(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~&=%+,:".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

struct World {
    app: TestApp,
    admin: String,
    case_id: i64,
    /// Answers by class (2xx, 4xx), to show how deep the inputs reach.
    tally: std::sync::Mutex<[u32; 2]>,
}

impl World {
    async fn written(&self) -> (u64, u64) {
        let page = self
            .app
            .state
            .store
            .list_cases(&cityops_store::CaseFilter { limit: Some(1), ..Default::default() })
            .await
            .unwrap();
        (page.total, self.app.state.store.last_event_id().await.unwrap())
    }

    /// Build the request of a surface's input (None: the bytes cannot form an HTTP request).
    fn request(&self, surface: &str, seed: &str, input: &[u8]) -> Option<Request<Body>> {
        let bearer = format!("Bearer {}", self.admin);
        match surface {
            "json" => {
                let path = match seed {
                    "create_case" => "/api/v1/cases".to_owned(),
                    "act" => format!("/api/v1/cases/{}/actions", self.case_id),
                    "merge" => format!("/api/v1/cases/{}/merge", self.case_id),
                    "create_token" => "/api/v1/tokens".to_owned(),
                    feed => format!("/api/v1/feeds/{}", feed.strip_prefix("feed_")?),
                };
                Request::post(path)
                    .header("authorization", bearer)
                    .header("content-type", "application/json")
                    .body(Body::from(input.to_vec()))
                    .ok()
            }
            "query" => {
                let path = match seed {
                    "list_cases" => "/api/v1/cases",
                    "export_cases" => "/api/v1/cases/export",
                    "viewport" => "/api/v1/map/viewport",
                    "evaluation" => "/api/v1/evaluation",
                    "cameras_in_box" => "/api/v1/cameras",
                    "locate" => "/api/v1/locate",
                    "audit" => "/api/v1/audit",
                    "queue" => "/api/v1/queue",
                    "layer" => "/api/v1/layers/grids",
                    other => panic!("query seed {other} names no endpoint"),
                };
                // The seed's file is named after its endpoint; it holds the query.
                let uri = Uri::try_from(format!("{path}?{}", query_text(input))).ok()?;
                Request::get(uri).header("authorization", bearer).body(Body::empty()).ok()
            }
            "open311" if seed == "post_request" => {
                let mut body = input.to_vec();
                body.extend_from_slice(format!("&api_key={}", self.admin).as_bytes());
                Request::post("/open311/v2/requests.json")
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .ok()
            }
            "open311" => {
                let uri = Uri::try_from(format!("/open311/v2/requests.json?{}", query_text(input))).ok()?;
                Request::get(uri).body(Body::empty()).ok()
            }
            "open311_path" => {
                let path: String = input
                    .iter()
                    .map(|&b| {
                        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                            char::from(b).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
                let uri = Uri::try_from(format!("/open311/v2/{path}")).ok()?;
                Request::get(uri).body(Body::empty()).ok()
            }
            "last_event_id" => Request::get("/api/v1/events")
                .header("authorization", bearer)
                .header("last-event-id", HeaderValue::from_bytes(input).ok()?)
                .body(Body::empty())
                .ok(),
            other => panic!("unknown surface {other}"),
        }
    }

    async fn check(&self, surface: &str, seed: &str, input: &[u8]) -> Result<(), String> {
        let Some(req) = self.request(surface, seed, input) else { return Ok(()) };
        let api = req.uri().path().starts_with("/api");
        let before = self.written().await;
        let resp = self.app.router.clone().oneshot(req).await.map_err(|e| format!("router error: {e}"))?;
        let status = resp.status();
        // The event stream never ends: its status is the answer.
        let body = if surface == "last_event_id" && status.is_success() {
            Vec::new()
        } else {
            resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes().to_vec()
        };
        let text = String::from_utf8_lossy(&body);
        if let Ok(mut t) = self.tally.lock() {
            t[usize::from(!status.is_success())] += 1;
        }
        if status.is_server_error() {
            return Err(format!("{status}: {text:.300}"));
        }
        if status.is_client_error() {
            if api {
                let v: serde_json::Value = serde_json::from_slice(&body)
                    .map_err(|_| format!("{status} without {{code, message}}: {text:.300}"))?;
                if !(v["code"].is_string() && v["message"].is_string()) {
                    return Err(format!("{status} without {{code, message}}: {text:.300}"));
                }
            }
            let after = self.written().await;
            if after != before {
                return Err(format!("{status} but the store changed {before:?} → {after:?}: {text:.300}"));
            }
        }
        Ok(())
    }
}

#[test]
fn every_input_surface_survives_mutated_input() {
    let cases: u32 = std::env::var("CITYOPS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let world = rt.block_on(async {
        let app = TestApp::new(&format!("sqlite://{}", dir.path().join("fuzz.sqlite").display())).await;
        let admin = app.token(Role::Admin, "fuzzer", None).await;
        let (s, v) = app
            .call(
                "POST",
                "/api/v1/cases",
                Some(&admin),
                Some(serde_json::json!({"type_key": {"kind": "matter", "code": "06010"}, "channel": "inspector",
                                        "lon": 120.3826, "lat": 36.0671, "description": "fuzz target"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        World { case_id: v["id"].as_i64().unwrap(), app, admin, tally: std::sync::Mutex::new([0; 2]) }
    });
    for surface in ["json", "query", "open311", "open311_path", "last_event_id"] {
        let seeds = corpus(surface);
        let started = Instant::now();
        *world.tally.lock().unwrap() = [0; 2];
        // Every seed as it is first: the valid inputs must pass the oracle too.
        for s in &seeds {
            rt.block_on(world.check(surface, &s.name, &s.bytes))
                .unwrap_or_else(|e| panic!("{surface}/{}: {e}", s.name));
        }
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
                concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions.txt"),
            ))),
            ..Config::default()
        });
        // Byte edits everywhere; on JSON bodies, half the inputs instead replace leaf values and
        // stay parseable, to reach the checks behind the parser.
        let strategy = (
            0..seeds.len(),
            prop::collection::vec(edit(), 1..8),
            any::<bool>(),
            prop::collection::vec((any::<usize>(), any::<usize>()), 1..4),
        );
        runner
            .run(&strategy, |(i, edits, by_value, leaf_edits)| {
                let seed = &seeds[i];
                let input = if surface == "json" && by_value {
                    apply_json(&seed.bytes, &leaf_edits)
                } else {
                    apply(&seed.bytes, &edits)
                };
                rt.block_on(world.check(surface, &seed.name, &input)).map_err(|e| {
                    TestCaseError::fail(format!(
                        "{surface}/{}: {e}\ninput: {:?}",
                        seed.name,
                        String::from_utf8_lossy(&input)
                    ))
                })
            })
            .unwrap_or_else(|e| panic!("{e}"));
        let [ok, refused] = *world.tally.lock().unwrap();
        eprintln!(
            "fuzz {surface}: {cases} mutated inputs over {} seeds in {:.1} s ({ok} accepted, {refused} refused; \
             none failed the oracle)",
            seeds.len(),
            started.elapsed().as_secs_f64()
        );
    }
}
