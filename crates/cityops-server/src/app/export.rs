//! The filtered case list as features for GIS tools: GeoJSON streamed page by page through
//! geozero as it is read (memory stays one page however many cases match), or FlatGeobuf with its
//! spatial index (assembled whole: the index needs every feature). Same filters and the same
//! district scope as the list; the cases are those created before the export began, so paging
//! under live traffic neither repeats nor skips one.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use cityops_api::query::{CaseExportQuery, FeatureFormat};
use cityops_api::{ErrorCode, Timestamp};
use cityops_core::formats::{Feature, write_flatgeobuf, write_geojson_to};
use cityops_core::workflow::case_feature;
use cityops_store::{CaseFilter, Store};

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Most cases one export holds.
pub const MAX_EXPORT: u64 = 100_000;
/// Cases read per page.
const PAGE: u32 = 1000;
/// Bytes sent to the client at a time.
const CHUNK: usize = 64 * 1024;

/// The export answer: the file, with its media type and a file name.
pub async fn cases(st: &AppState, caller: &Caller, q: &CaseExportQuery) -> AppResult<Response> {
    let now = cityops_core::calendar::to_timestamp(st.clock.now());
    let mut f = super::case_filter(caller, &q.filters(), now)?;
    f.to = Some(f.to.map_or(now, |t| t.min(now)));
    let total =
        st.store.list_cases(&CaseFilter { limit: Some(1), offset: Some(0), ..f.clone() }).await?.total;
    if total > MAX_EXPORT {
        return Err(AppError::invalid(format!(
            "{total} cases match; an export holds at most {MAX_EXPORT}: narrow the filters (area, from/to, stage …)"
        )));
    }
    let format = q.format.unwrap_or_default();
    let name = format!("cityops-cases-{}.{}", now.format("%Y%m%dT%H%M%S"), format.extension());
    let body = match format {
        FeatureFormat::Geojson => Body::from_stream(stream_geojson(st.store.clone(), f, now)),
        FeatureFormat::Fgb => {
            let mut features = Vec::new();
            let mut pages = Pages::new(st.store.clone(), f, now);
            while let Some(batch) = pages.next_page().await? {
                features.extend(batch);
            }
            let bytes = tokio::task::spawn_blocking(move || write_flatgeobuf("cases", &features))
                .await
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            Body::from(bytes)
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, format.media_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

/// Pages of the filtered cases, as features, newest first.
struct Pages {
    store: Arc<dyn Store>,
    filter: CaseFilter,
    now: Timestamp,
    offset: u32,
    done: bool,
}

impl Pages {
    fn new(store: Arc<dyn Store>, filter: CaseFilter, now: Timestamp) -> Self {
        Pages { store, filter, now, offset: 0, done: false }
    }

    async fn next_page(&mut self) -> Result<Option<Vec<Feature>>, cityops_store::StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .store
            .list_cases(&CaseFilter { limit: Some(PAGE), offset: Some(self.offset), ..self.filter.clone() })
            .await?;
        let n = page.items.len() as u32;
        self.offset += n;
        self.done = n < PAGE;
        Ok(Some(page.items.iter().map(|c| case_feature(&super::slim(c, self.now))).collect()))
    }
}

/// GeoJSON written by geozero on a blocking thread as pages arrive, sent in chunks.
fn stream_geojson(
    store: Arc<dyn Store>,
    filter: CaseFilter,
    now: Timestamp,
) -> tokio_stream::wrappers::ReceiverStream<Result<Bytes, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut pages = Pages::new(store, filter, now);
        let mut queue: VecDeque<Feature> = VecDeque::new();
        let failed = std::cell::Cell::new(false);
        let features = std::iter::from_fn(|| {
            while queue.is_empty() {
                match handle.block_on(pages.next_page()) {
                    Ok(Some(batch)) => queue.extend(batch),
                    Ok(None) => return None,
                    Err(e) => {
                        tracing::error!(error = %e, "case export stopped: the store failed");
                        failed.set(true);
                        return None;
                    }
                }
            }
            queue.pop_front()
        });
        let out = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
        if let Err(e) = write_geojson_to("cases", features, out) {
            tracing::warn!(error = %e, "case export not completed");
        } else if failed.get() {
            // Cut the body short so the client sees a failed transfer, not a complete file.
            let _ = tx.blocking_send(Err(std::io::Error::other("the store failed during the export")));
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// An `io::Write` that sends what is written to the response in chunks.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}
