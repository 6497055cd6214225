//! The HTTP plumbing every route uses: [`ApiRouter`], which mounts a handler only under an
//! endpoint of the table in `cityops_api::endpoint` (and records what it mounted, so a test can
//! hold the router and the table to each other both ways), and extractors and an answer typed by
//! the endpoint — [`PathOf`], [`QueryOf`], [`BodyOf`], [`Reply`] — so a handler cannot read or
//! answer a type other than the one the table says. Rejections use the service's `{code,
//! message}` and name the parameter at fault.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use cityops_api::ErrorCode;
use cityops_api::endpoint::{Endpoint, Info, Method};

use crate::error::AppError;
use crate::state::AppState;

/// A router that mounts handlers by endpoint type only.
#[derive(Debug, Default)]
pub struct ApiRouter {
    router: Router<AppState>,
    mounted: Vec<Info>,
}

impl ApiRouter {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mount `handler` at endpoint `E` (its method and path).
    pub fn at<E: Endpoint, H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let method = match E::INFO.method {
            Method::Get => axum::routing::get(handler),
            Method::Post => axum::routing::post(handler),
        };
        // A write may be retried with an Idempotency-Key: its first answer is kept and replayed
        // (not for a new token, whose answer is a secret shown once).
        let method = if E::INFO.method == Method::Post && E::INFO.name != "create_token" {
            method.layer(axum::middleware::from_fn(idempotent))
        } else {
            method
        };
        // The endpoint's Info travels with each request, so the caller's checks (token source,
        // role, scope) read the table itself: a handler cannot forget them.
        let method = method.layer(axum::Extension(E::INFO));
        self.router = self.router.route(E::INFO.path, method);
        self.mounted.push(E::INFO);
        self
    }

    /// Both routers' endpoints.
    pub fn merge(mut self, other: ApiRouter) -> Self {
        self.router = self.router.merge(other.router);
        self.mounted.extend(other.mounted);
        self
    }

    /// What was mounted, in order.
    pub fn mounted(&self) -> &[Info] {
        &self.mounted
    }

    /// The axum router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The `Idempotency-Key` of a request, if it has one: 1..=128 visible ASCII characters.
pub fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else { return Ok(None) };
    match v.to_str() {
        Ok(k) if (1..=128).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(AppError::invalid("Idempotency-Key must be 1..=128 visible ASCII characters")),
    }
}

/// The key of a write's idempotency (`Idempotency-Key` header, validated), for handlers that
/// also tie it to what they write (a new case's ingest key).
#[derive(Debug, Clone, Default)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        idempotency_key(&parts.headers).map(Self)
    }
}

/// Replay the first answer of a write retried with the same `Idempotency-Key` (by the same token,
/// to the same endpoint, with the same request); refuse the key reused for another request (409).
/// Only successful answers are kept: a refused request may be corrected and sent again.
async fn idempotent(req: Request, next: axum::middleware::Next) -> Response {
    let key = match idempotency_key(req.headers()) {
        Ok(Some(k)) => k,
        Ok(None) => return next.run(req).await,
        Err(e) => return e.into_response(),
    };
    let (Some(info), Some(state)) =
        (req.extensions().get::<Info>().copied(), req.extensions().get::<AppState>().cloned())
    else {
        return next.run(req).await;
    };
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let scope = format!("{}:{}", crate::auth::hash_token(token), info.name);
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else { return too_large().into_response() };
    let hash = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(parts.method.as_str());
        h.update(parts.uri.to_string());
        h.update(&bytes);
        h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    match state.store.stored_answer(&scope, &key).await {
        Ok(Some(a)) if a.request_hash == hash => {
            let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
            return (
                status,
                [
                    (axum::http::header::CONTENT_TYPE, "application/json"),
                    (HeaderName::from_static("idempotent-replayed"), "true"),
                ],
                a.body,
            )
                .into_response();
        }
        Ok(Some(_)) => {
            return AppError::new(
                ErrorCode::Conflict,
                format!("Idempotency-Key {key:?} was used for a different request to {}", info.name),
            )
            .into_response();
        }
        Ok(None) => {}
        Err(e) => return AppError::from(e).into_response(),
    }
    let resp = next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await;
    if !resp.status().is_success() {
        return resp;
    }
    let (rparts, rbody) = resp.into_parts();
    let Ok(out) = axum::body::to_bytes(rbody, usize::MAX).await else {
        return AppError::new(ErrorCode::Internal, "answer could not be read").into_response();
    };
    let answer = cityops_store::StoredAnswer {
        request_hash: hash,
        status: rparts.status.as_u16(),
        body: String::from_utf8_lossy(&out).into_owned(),
        at_ms: chrono::Utc::now().timestamp_millis(),
    };
    if let Err(e) = state.store.store_answer(&scope, &key, &answer).await {
        tracing::warn!(error = %e, "idempotent answer not kept");
    }
    Response::from_parts(rparts, axum::body::Body::from(out))
}

fn malformed(message: String) -> AppError {
    AppError::new(ErrorCode::MalformedRequest, message)
}

/// The path parameters of endpoint `E`.
#[derive(Debug)]
pub struct PathOf<E: Endpoint>(pub E::Path);

impl<E: Endpoint, S: Send + Sync> FromRequestParts<S> for PathOf<E> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<E::Path>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(rejection) => Err(AppError::invalid(format!("{}: {}", E::INFO.path, rejection.body_text()))),
        }
    }
}

/// The query of endpoint `E`; a bad parameter is named (`bbox: "1,2" must be four numbers…`).
#[derive(Debug)]
pub struct QueryOf<E: Endpoint>(pub E::Query);

impl<E: Endpoint, S: Send + Sync> FromRequestParts<S> for QueryOf<E> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize::<_, E::Query>(de).map(Self).map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner().to_string();
            if field == "." || field.is_empty() {
                AppError::invalid(format!("query: {inner}"))
            } else {
                AppError::invalid(format!("{field}: {inner}"))
            }
        })
    }
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

/// Largest request body accepted (a feed batch of 1,000 items with long descriptions fits).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The answer to a body over [`MAX_BODY`] (or a route's own smaller limit).
pub fn too_large() -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge, format!("the request body is larger than {MAX_BODY} bytes"))
}

/// A text body of endpoint `E` (a TOML notice): UTF-8, within the size limit.
#[derive(Debug)]
pub struct TextOf<E: Endpoint>(pub String, pub std::marker::PhantomData<E>);

impl<E: Endpoint, S: Send + Sync> FromRequest<S> for TextOf<E> {
    type Rejection = AppError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY).await.map_err(|_| too_large())?;
        String::from_utf8(bytes.to_vec()).map(|s| Self(s, std::marker::PhantomData)).map_err(|e| {
            malformed(format!("the body is not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))
        })
    }
}

/// The JSON body of endpoint `E`.
#[derive(Debug)]
pub struct BodyOf<E: Endpoint>(pub E::Request);

impl<E: Endpoint, S: Send + Sync> FromRequest<S> for BodyOf<E> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<E::Request>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(too_large()),
            Err(rejection) => Err(malformed(rejection.body_text())),
        }
    }
}

/// The answer of endpoint `E`: its `Response` as JSON with the table's success status.
#[derive(Debug)]
pub struct Reply<E: Endpoint>(pub E::Response);

impl<E: Endpoint> IntoResponse for Reply<E> {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(E::INFO.success).unwrap_or(StatusCode::OK);
        (status, axum::Json(self.0)).into_response()
    }
}

/// An answer of endpoint `E` with another success status (a repeat of a creation answers 200).
#[derive(Debug)]
pub struct ReplyWith<E: Endpoint>(pub StatusCode, pub E::Response);

impl<E: Endpoint> IntoResponse for ReplyWith<E> {
    fn into_response(self) -> Response {
        (self.0, axum::Json(self.1)).into_response()
    }
}
