//! Personal data stays private: a citizen's name and contact given through Open311 are kept apart
//! from the description, shown only to the roles that call reporters back, and never appear in
//! Open311's public reads, lists, exports or the event stream. Browsers of other web origins get
//! no CORS permission unless configured.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::Role;
use common::TestApp;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Synthetic personal data.
const PHONE: &str = "13912345678";
const EMAIL: &str = "wang.fang@example.com";
const NAME: &str = "王芳";

async fn body_of(app: &TestApp, uri: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::builder().uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = app.router.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    let mut body = resp.into_body();
    let mut bytes = Vec::new();
    // The event stream never ends: read what its catch-up sends.
    while let Ok(Some(Ok(frame))) = tokio::time::timeout(Duration::from_millis(400), body.frame()).await {
        if let Some(d) = frame.data_ref() {
            bytes.extend_from_slice(d);
        }
    }
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn leaks(body: &str) -> bool {
    body.contains(PHONE) || body.contains(EMAIL) || body.contains(NAME)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporters_identity_is_shown_only_to_those_who_call_back() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::new(&format!("sqlite://{}", dir.path().join("privacy.sqlite").display())).await;
    let key = app.token(Role::Acceptor, "citizen-app", None).await;
    let form = format!(
        "api_key={key}&service_code=06010&lat=36.0671&long=120.3826&description=%E5%9E%83%E5%9C%BE%E6%BB%A1%E4%BA%86\
         &last_name=%E7%8E%8B&first_name=%E8%8A%B3&phone={PHONE}&email=wang.fang%40example.com&device_id=dev-77"
    );
    let (s, body) =
        app.raw("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", &form).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id: i64 = v[0]["service_request_id"].as_str().unwrap().parse().unwrap();

    // Open311's public reads: the description as given, no identity.
    for uri in [
        format!("/open311/v2/requests/{id}.json?extensions=true"),
        format!("/open311/v2/requests/{id}.xml"),
        "/open311/v2/requests.json".to_owned(),
    ] {
        let (s, body) = body_of(&app, &uri, None).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {body}");
        assert!(body.contains("垃圾满了"), "{uri}: {body}");
        assert!(!leaks(&body) && !body.contains("dev-77"), "{uri} publishes the reporter: {body}");
    }

    // The roles that call back see the reporter; the others do not.
    for role in Role::ALL {
        let t = app.token(role, &format!("privacy-{}", cityops_api::wire_name(&role)), None).await;
        let (s, one) = body_of(&app, &format!("/api/v1/cases/{id}"), Some(&t)).await;
        assert_eq!(s, StatusCode::OK, "{role:?}: {one}");
        let callers = matches!(role, Role::Acceptor | Role::ShiftLeader | Role::Admin);
        assert_eq!(leaks(&one), callers, "{role:?} reading case {id}: {one}");
        if callers {
            let c: cityops_api::CaseDto = serde_json::from_str(&one).unwrap();
            let r = c.reporter.unwrap();
            assert_eq!(
                (r.last_name.as_str(), r.phone.as_str(), r.device_id.as_str()),
                ("王", PHONE, "dev-77")
            );
            assert_eq!(c.description, "垃圾满了", "the identity is not in the description");
        }
        // Lists, exports and the event stream carry no identity, whoever reads them.
        for uri in
            ["/api/v1/cases?limit=100", "/api/v1/cases/export?format=geojson", "/api/v1/events?after=0"]
        {
            let (s, body) = body_of(&app, uri, Some(&t)).await;
            assert_eq!(s, StatusCode::OK, "{role:?} {uri}: {body}");
            // (The stream carries the case's mark, not its description.)
            let listed = if uri.contains("events") {
                body.contains(&format!("\"mark\":{{\"id\":{id},"))
            } else {
                body.contains("垃圾满了")
            };
            assert!(listed, "{role:?} {uri} should list the case: {body:.300}");
            assert!(!leaks(&body), "{role:?} {uri} carries the reporter: {body:.600}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_of_other_origins_get_no_permission() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        cityops_store::open(&format!("sqlite://{}", dir.path().join("cors.sqlite").display())).await.unwrap();
    let state = cityops_server::start_state(
        store,
        common::city(),
        std::sync::Arc::new(cityops_server::clock::SystemClock),
    )
    .await
    .unwrap();
    let allowed = "http://127.0.0.1:8090";
    let router = cityops_server::router_with(state, None, &[allowed.to_owned()]);
    let ask = |origin: &str, method: &str| {
        let mut req =
            Request::builder().method(method).uri("/open311/v2/requests.json").header("origin", origin);
        if method == "OPTIONS" {
            req = req
                .header("access-control-request-method", "GET")
                .header("access-control-request-headers", "authorization");
        }
        req.body(Body::empty()).unwrap()
    };
    for method in ["GET", "OPTIONS"] {
        let resp = router.clone().oneshot(ask("http://evil.example", method)).await.unwrap();
        assert!(
            resp.headers().get("access-control-allow-origin").is_none(),
            "{method} from another origin: {:?}",
            resp.headers()
        );
        let resp = router.clone().oneshot(ask(allowed, method)).await.unwrap();
        assert_eq!(
            resp.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()),
            Some(allowed),
            "{method} from the configured origin"
        );
    }
}
