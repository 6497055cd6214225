//! The simulator's view of the service: only its public API, through `cityops-client` (one
//! transport per role token, sharing a connection pool).

use cityops_api::endpoint::Empty;
use cityops_api::query::{CaseQuery, FilePath, IdPath};
use cityops_api::{ActionRequest, CaseDto, DispatchProposalDto, Endpoint, HealthDto, NewTokenDto, Role, ep};
use cityops_client::native::HttpTransport;
use cityops_client::{Body, Client};

pub use cityops_client::ClientError;

/// The service, as the simulator's roles reach it.
#[derive(Debug, Clone)]
pub struct Service {
    admin: Client<HttpTransport>,
}

impl Service {
    /// The service at `base` (e.g. `http://127.0.0.1:8480`) with an admin token.
    pub fn new(base: &str, admin: &str) -> Result<Self, ClientError> {
        Ok(Self { admin: Client::new(HttpTransport::new(base, admin)?) })
    }

    /// A client acting with `token`.
    pub fn as_role(&self, token: &str) -> Client<HttpTransport> {
        Client::new(self.admin.transport().with_token(token))
    }

    /// Health and the service's clock.
    pub async fn health(&self) -> Result<HealthDto, ClientError> {
        self.admin.get::<ep::Health>(&Empty {}, &Empty {}).await
    }

    /// Create a role token with the admin token.
    pub async fn create_token(&self, role: Role, label: &str) -> Result<String, ClientError> {
        let req = NewTokenDto { role, label: label.to_owned(), district: None };
        Ok(self.admin.call::<ep::CreateToken>(&Empty {}, &Empty {}, &req).await?.token)
    }
}

/// Post a feed batch of endpoint `E` (one of the `/api/v1/feeds/*`).
pub async fn feed<E: Endpoint<Path = Empty, Query = Empty>>(
    as_role: &Client<HttpTransport>,
    items: &E::Request,
) -> Result<E::Response, ClientError> {
    as_role.call::<E>(&Empty {}, &Empty {}, items).await
}

/// Post a citizen report through Open311 (form-encoded); returns the request id.
pub async fn open311_post(
    as_role: &Client<HttpTransport>,
    code: &str,
    lon: f64,
    lat: f64,
    text: &str,
) -> Result<i64, ClientError> {
    let form = [
        ("api_key", as_role.transport().token().to_owned()),
        ("service_code", code.to_owned()),
        ("lat", lat.to_string()),
        ("long", lon.to_string()),
        ("description", text.to_owned()),
    ];
    let body = serde_urlencoded::to_string(form).map_err(|e| ClientError::Encode(e.to_string()))?;
    let r = as_role
        .raw::<ep::Open311Post>(
            &FilePath { file: "requests.json".into() },
            &Empty {},
            Some(Body::Text(body, "application/x-www-form-urlencoded")),
        )
        .await?;
    let v: serde_json::Value =
        serde_json::from_slice(&r.body).map_err(|e| ClientError::Decode(e.to_string()))?;
    v[0]["service_request_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ClientError::Decode(format!("open311 answer without a request id: {v}")))
}

/// A workflow action.
pub async fn act(
    as_role: &Client<HttpTransport>,
    id: i64,
    req: &ActionRequest,
) -> Result<CaseDto, ClientError> {
    as_role.call::<ep::Act>(&IdPath { id }, &Empty {}, req).await
}

/// The dispatch proposal.
pub async fn proposal(as_role: &Client<HttpTransport>, id: i64) -> Result<DispatchProposalDto, ClientError> {
    as_role.get::<ep::DispatchProposal>(&IdPath { id }, &Empty {}).await
}

/// Cases currently overdue.
pub async fn overdue_count(as_role: &Client<HttpTransport>) -> Result<u64, ClientError> {
    let q = CaseQuery { overdue: Some(true), limit: Some(1), ..Default::default() };
    Ok(as_role.get::<ep::ListCases>(&Empty {}, &q).await?.total)
}
