//! The operator's workflow actions while the service cannot be reached (degraded mode): each is
//! kept in an on-disk outbox (`outbox.json` in the data directory, written whole to a temporary
//! file and renamed into place) with the `Idempotency-Key` it was first sent with, and sent again
//! in order once the service answers. The service applies a key once and answers every retry with
//! its first answer, so an action is never applied twice — not even when the console stopped
//! between sending one and crossing it off.

use std::path::{Path, PathBuf};

use cityops_api::endpoint::Empty;
use cityops_api::query::IdPath;
use cityops_api::{Action, ActionRequest, ep};
use cityops_client::native::HttpTransport;
use cityops_client::{Client, ClientError};
use serde::{Deserialize, Serialize};

/// An action waiting for its service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    /// Its `Idempotency-Key`.
    pub key: String,
    /// The service it was meant for (base URL).
    pub service: String,
    /// The case.
    pub case_id: i64,
    /// The action.
    pub request: ActionRequest,
    /// When the operator took it (the console's wall clock, RFC 3339).
    pub queued_at: String,
}

/// What became of a queued action once sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The case.
    pub case_id: i64,
    /// The action.
    pub action: Action,
    /// Whether the service applied it.
    pub accepted: bool,
    /// The case number and new stage, or the service's reason for refusing.
    pub message: String,
}

/// Why the outbox could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The file could not be read or written.
    #[error("outbox {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an outbox.
    #[error("outbox {path}: {source}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        source: serde_json::Error,
    },
}

/// The outbox of one data directory.
#[derive(Debug)]
pub struct Outbox {
    path: PathBuf,
    /// One reader or writer at a time (an action queued while a flush runs waits for it).
    lock: tokio::sync::Mutex<()>,
}

impl Outbox {
    /// The outbox in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self { path: dir.join("outbox.json"), lock: tokio::sync::Mutex::new(()) }
    }

    fn read(&self) -> Result<Vec<Queued>, OutboxError> {
        let path = self.path.display().to_string();
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| OutboxError::Format { path, source })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(OutboxError::Io { path, source }),
        }
    }

    fn write(&self, items: &[Queued]) -> Result<(), OutboxError> {
        let io = |source| OutboxError::Io { path: self.path.display().to_string(), source };
        if items.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            };
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(items)
            .map_err(|source| OutboxError::Format { path: self.path.display().to_string(), source })?;
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// The actions waiting, oldest first.
    pub async fn pending(&self) -> Result<Vec<Queued>, OutboxError> {
        let _g = self.lock.lock().await;
        self.read()
    }

    /// Keep an action for later; returns its place in the queue (1 = next).
    pub async fn push(&self, q: Queued) -> Result<usize, OutboxError> {
        let _g = self.lock.lock().await;
        let mut items = self.read()?;
        if !items.iter().any(|i| i.key == q.key) {
            items.push(q);
        }
        self.write(&items)?;
        Ok(items.len())
    }

    /// Send the actions meant for the service `base`, in order, through `client`. Each answered
    /// one — applied or refused — is crossed off as soon as it is answered; at the first that
    /// cannot be sent (the service is gone again) the rest wait for the next time.
    pub async fn flush(
        &self,
        client: &Client<HttpTransport>,
        base: &str,
    ) -> Result<Vec<Outcome>, OutboxError> {
        let _g = self.lock.lock().await;
        let mut items = self.read()?;
        let mut out = Vec::new();
        while let Some(i) = items.iter().position(|q| q.service == base) {
            let q = items[i].clone();
            let answer =
                client.call_once::<ep::Act>(&IdPath { id: q.case_id }, &Empty {}, &q.request, &q.key).await;
            let outcome = match answer {
                Ok(case) => Outcome {
                    case_id: q.case_id,
                    action: q.request.action,
                    accepted: true,
                    message: format!("{} {}", case.case_no, case.stage.zh()),
                },
                Err(ClientError::Api(e)) => Outcome {
                    case_id: q.case_id,
                    action: q.request.action,
                    accepted: false,
                    message: e.message,
                },
                Err(e) => {
                    tracing::info!(error = %e, waiting = items.len(), "outbox: the service is not answering yet");
                    break;
                }
            };
            tracing::info!(case = q.case_id, accepted = outcome.accepted, "outbox: queued action sent");
            items.remove(i);
            self.write(&items)?;
            out.push(outcome);
        }
        Ok(out)
    }
}

/// A new `Idempotency-Key`: 128 random bits, hex.
pub fn new_key() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No OS randomness (should not happen): fall back to the time, still unique per action.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        return format!("t{}", t.as_nanos());
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}
