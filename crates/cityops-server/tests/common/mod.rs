//! Shared by the integration tests.

#![allow(clippy::unwrap_used, clippy::print_stderr, dead_code, unused_imports)]

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cityops_api::{ActionRequest, Role};
use cityops_server::auth::{hash_token, new_token};
use cityops_server::clock::{Clock, SystemClock};
use cityops_server::state::{AppState, City};
use cityops_store::NewToken;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub use cityops_test_support::fresh_pg_url;

static CITY: std::sync::OnceLock<Arc<City>> = std::sync::OnceLock::new();

/// Qingdao, loaded once per test binary.
pub fn city() -> Arc<City> {
    CITY.get_or_init(|| Arc::new(City::qingdao().unwrap())).clone()
}

/// The service behind its router, on a store.
pub struct TestApp {
    pub state: AppState,
    pub router: axum::Router,
}

impl TestApp {
    pub async fn new(url: &str) -> Self {
        Self::with_clock(url, Arc::new(SystemClock)).await
    }

    pub async fn with_clock(url: &str, clock: Arc<dyn Clock>) -> Self {
        Self::with_history(url, clock, cityops_server::HistoryConfig::default()).await
    }

    pub async fn with_history(
        url: &str,
        clock: Arc<dyn Clock>,
        history: cityops_server::HistoryConfig,
    ) -> Self {
        let store = cityops_store::open(url).await.unwrap();
        let state = cityops_server::start_state_with(store, city(), clock, history).await.unwrap();
        Self { router: cityops_server::router(state.clone()), state }
    }

    pub async fn token(&self, role: Role, label: &str, district: Option<&str>) -> String {
        let t = new_token().unwrap();
        self.state
            .store
            .create_token(
                NewToken {
                    hash: hash_token(&t),
                    role,
                    district_code: district.map(str::to_owned),
                    label: label.into(),
                    created_at: cityops_core::calendar::to_timestamp(chrono::Utc::now().naive_utc()),
                },
                &cityops_store::Author::cli(),
            )
            .await
            .unwrap();
        t
    }

    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => {
                req.header("content-type", "application/json").body(Body::from(b.to_string())).unwrap()
            }
            None => req.body(Body::empty()).unwrap(),
        };
        let (status, bytes) = self.send(req).await;
        let v =
            serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
        (status, v)
    }

    pub async fn raw(&self, method: &str, uri: &str, ctype: &str, body: &str) -> (StatusCode, String) {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", ctype)
            .body(Body::from(body.to_owned()))
            .unwrap();
        let (s, b) = self.send(req).await;
        (s, String::from_utf8(b).unwrap())
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, bytes)
    }

    pub async fn act(&self, token: &str, id: i64, req: ActionRequest) -> (StatusCode, Value) {
        self.call(
            "POST",
            &format!("/api/v1/cases/{id}/actions"),
            Some(token),
            Some(serde_json::to_value(req).unwrap()),
        )
        .await
    }
}

/// The service's clock, set by the test (time is an input).
#[derive(Debug)]
pub struct SetClock(Mutex<NaiveDateTime>);

impl SetClock {
    pub fn at(s: &str) -> Arc<SetClock> {
        Arc::new(SetClock(Mutex::new(t(s))))
    }
    pub fn set(&self, s: &str) {
        *self.0.lock().unwrap() = t(s);
    }
}

impl Clock for SetClock {
    fn now(&self) -> NaiveDateTime {
        *self.0.lock().unwrap()
    }
}

/// An RFC 3339 instant.
#[allow(dead_code)]
pub fn ts(s: &str) -> cityops_api::Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap()
}

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}
