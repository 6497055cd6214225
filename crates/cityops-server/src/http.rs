//! The HTTP plumbing every route uses: [`ApiRouter`], which mounts a handler only under an
//! endpoint of the table in `cityops_api::endpoint` (and records what it mounted, so a test can
//! hold the router and the table to each other both ways), and extractors and an answer typed by
//! the endpoint — [`PathOf`], [`QueryOf`], [`BodyOf`], [`Reply`] — so a handler cannot read or
//! answer a type other than the one the table says. Rejections use the service's `{code,
//! message}` and name the parameter at fault.

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::handler::Handler;
use axum::http::StatusCode;
use axum::http::request::Parts;
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
