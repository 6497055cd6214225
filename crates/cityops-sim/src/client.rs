//! The simulator's HTTP client: only the service's public API.

use cityops_api::{
    ActionRequest, CaseDto, CasePageDto, DispatchProposalDto, IngestResultDto, Role, Timestamp,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Errors talking to the service.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Transport failed.
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// The service refused the request.
    #[error("{status}: {body}")]
    Refused {
        /// Status code.
        status: u16,
        /// Body (the service's `{code, message}`).
        body: String,
    },
}

/// `/api/health`.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    /// The service's time.
    pub now: Timestamp,
    /// Its time scale.
    pub time_scale: f64,
}

/// A client bound to one service and admin token.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    admin: String,
}

impl Client {
    /// A client for `base` (e.g. `http://127.0.0.1:8480`).
    pub fn new(base: &str, admin: &str) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder().pool_max_idle_per_host(16).build()?;
        Ok(Self { http, base: base.trim_end_matches('/').to_owned(), admin: admin.to_owned() })
    }

    async fn json<T: DeserializeOwned>(resp: reqwest::Response) -> Result<T, ClientError> {
        let status = resp.status();
        if status.is_success() {
            Ok(resp.json().await?)
        } else {
            Err(ClientError::Refused { status: status.as_u16(), body: resp.text().await.unwrap_or_default() })
        }
    }

    /// Health and time.
    pub async fn health(&self) -> Result<Health, ClientError> {
        Self::json(self.http.get(format!("{}/api/health", self.base)).send().await?).await
    }

    /// Create a role token with the admin token.
    pub async fn create_token(&self, role: Role, label: &str) -> Result<String, ClientError> {
        #[derive(Serialize)]
        struct Req<'a> {
            role: Role,
            label: &'a str,
        }
        #[derive(Deserialize)]
        struct Resp {
            token: String,
        }
        let r: Resp = Self::json(
            self.http
                .post(format!("{}/api/v1/tokens", self.base))
                .bearer_auth(&self.admin)
                .json(&Req { role, label })
                .send()
                .await?,
        )
        .await?;
        Ok(r.token)
    }

    /// Post a feed batch.
    pub async fn feed<T: Serialize>(
        &self,
        feed: &str,
        token: &str,
        items: &[T],
    ) -> Result<IngestResultDto, ClientError> {
        Self::json(
            self.http
                .post(format!("{}/api/v1/feeds/{feed}", self.base))
                .bearer_auth(token)
                .json(items)
                .send()
                .await?,
        )
        .await
    }

    /// Post a citizen report through Open311; returns the request id.
    pub async fn open311_post(
        &self,
        api_key: &str,
        code: &str,
        lon: f64,
        lat: f64,
        text: &str,
    ) -> Result<i64, ClientError> {
        let form = [
            ("api_key", api_key.to_owned()),
            ("service_code", code.to_owned()),
            ("lat", lat.to_string()),
            ("long", lon.to_string()),
            ("description", text.to_owned()),
        ];
        let v: serde_json::Value = Self::json(
            self.http.post(format!("{}/open311/v2/requests.json", self.base)).form(&form).send().await?,
        )
        .await?;
        v[0]["service_request_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or(ClientError::Refused { status: 200, body: v.to_string() })
    }

    /// A workflow action.
    pub async fn act(&self, token: &str, id: i64, req: &ActionRequest) -> Result<CaseDto, ClientError> {
        Self::json(
            self.http
                .post(format!("{}/api/v1/cases/{id}/actions", self.base))
                .bearer_auth(token)
                .json(req)
                .send()
                .await?,
        )
        .await
    }

    /// The dispatch proposal.
    pub async fn proposal(&self, token: &str, id: i64) -> Result<DispatchProposalDto, ClientError> {
        Self::json(
            self.http
                .get(format!("{}/api/v1/cases/{id}/dispatch-proposal", self.base))
                .bearer_auth(token)
                .send()
                .await?,
        )
        .await
    }

    /// Cases currently overdue.
    pub async fn overdue_count(&self, token: &str) -> Result<u64, ClientError> {
        let p: CasePageDto = Self::json(
            self.http
                .get(format!("{}/api/v1/cases?overdue=true&limit=1", self.base))
                .bearer_auth(token)
                .send()
                .await?,
        )
        .await?;
        Ok(p.total)
    }
}
