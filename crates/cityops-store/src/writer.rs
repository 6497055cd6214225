//! Group commit: one task owns the writing, gathers the writes that arrive while the previous
//! batch commits, and runs them in one transaction — each inside a savepoint, so one write's
//! failure undoes only that write — with one commit (one fsync) for the batch. Each caller is
//! answered when the batch is durable, with its own result.
//!
//! This keeps the store's invariants: writes are serialised (one writer, and on PostgreSQL the
//! transaction-scoped advisory lock across instances), so event ids are committed gap-free and
//! in order; a write answered `Ok` is durable; a write whose batch fails to commit is answered
//! with an error and left no trace.

use std::any::Any as AnyValue;
use std::future::Future;
use std::ops::DerefMut;
use std::pin::Pin;

use cityops_api::LiveEvent;
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::sql::PG_WRITE_LOCK;
use crate::{Dialect, Result, StoreError};

/// A boxed future borrowing for `'a`.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A write transaction, with the events it appended (published once it commits).
pub(crate) struct Tx {
    inner: Transaction<'static, Any>,
    /// Events appended so far, in id order.
    pub(crate) events: Vec<LiveEvent>,
}

impl std::ops::Deref for Tx {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

/// The most writes one transaction gathers.
const MAX_BATCH: usize = 512;

type Output = Box<dyn AnyValue + Send>;
type Work = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<Output>> + Send>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Output>>,
}

/// The handle writes are sent through.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    committed: broadcast::Sender<LiveEvent>,
}

/// Committed events a slow follower may fall behind by before it must read the log instead.
const COMMITTED_BUFFER: usize = 16_384;

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl Writer {
    /// Start the writing task on `pool` (its own connection on SQLite).
    pub(crate) fn start(pool: AnyPool, dialect: Dialect) -> Self {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        let (committed, _) = broadcast::channel(COMMITTED_BUFFER);
        tokio::spawn(run(pool, dialect, rx, committed.clone()));
        Writer { jobs, committed }
    }

    /// The events of every transaction this writer commits, in id order, as it commits them.
    pub(crate) fn committed(&self) -> broadcast::Receiver<LiveEvent> {
        self.committed.subscribe()
    }

    /// Run `work` in a write transaction (shared with the writes that arrive with it); answered
    /// once the transaction is durable.
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work: Work =
            Box::new(move |tx| Box::pin(async move { work(tx).await.map(|v| Box::new(v) as Output) }));
        self.jobs.send(Job { work, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        let out = answer.await.map_err(|_| StoreError::WriterStopped)??;
        out.downcast::<T>().map(|b| *b).map_err(|_| StoreError::WriterStopped)
    }
}

async fn run(
    pool: AnyPool,
    dialect: Dialect,
    mut rx: mpsc::Receiver<Job>,
    committed: broadcast::Sender<LiveEvent>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&pool, dialect, batch, &committed).await;
    }
}

async fn begin(pool: &AnyPool, dialect: Dialect) -> Result<Tx> {
    let mut tx = pool.begin().await?;
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_WRITE_LOCK).execute(&mut *tx).await?;
    }
    Ok(Tx { inner: tx, events: Vec::new() })
}

/// The PostgreSQL channel commits are announced on (the payload: the last event id committed).
pub(crate) const ANNOUNCE_CHANNEL: &str = "cityops_events";

/// On PostgreSQL, announce the transaction's last event to every instance listening; the
/// database delivers it when (and only if) the transaction commits.
async fn announce(tx: &mut Tx, dialect: Dialect) -> Result<()> {
    if dialect == Dialect::Postgres
        && let Some(last) = tx.events.last().map(|e| e.id.to_string())
    {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(ANNOUNCE_CHANNEL)
            .bind(last)
            .execute(&mut **tx.deref_mut())
            .await?;
    }
    Ok(())
}

async fn exec(tx: &mut Tx, sql: &str) -> Result<()> {
    sqlx::query(sql).execute(&mut **tx.deref_mut()).await?;
    Ok(())
}

/// Publish a committed transaction's events (before its writers are answered, so an answered
/// write's event is already on its way to the live stream). Nobody following is fine.
fn publish(committed: &broadcast::Sender<LiveEvent>, events: Vec<LiveEvent>) {
    for e in events {
        let _ = committed.send(e);
    }
}

/// Run one batch and answer every job in it.
async fn commit_batch(
    pool: &AnyPool,
    dialect: Dialect,
    batch: Vec<Job>,
    committed: &broadcast::Sender<LiveEvent>,
) {
    let mut tx = match begin(pool, dialect).await {
        Ok(tx) => tx,
        Err(e) => {
            let message = e.to_string();
            for job in batch {
                let _ = job.reply.send(Err(StoreError::BatchFailed(message.clone())));
            }
            return;
        }
    };
    // One write alone needs no savepoint: its error rolls the transaction back.
    let mut batch = batch;
    if batch.len() == 1
        && let Some(job) = batch.pop()
    {
        let mut out = (job.work)(&mut tx).await;
        if out.is_ok()
            && let Err(e) = announce(&mut tx, dialect).await
        {
            out = Err(e);
        }
        let Tx { inner, events } = tx;
        let out = match out {
            Ok(v) => match inner.commit().await {
                Ok(()) => {
                    publish(committed, events);
                    Ok(v)
                }
                Err(e) => Err(StoreError::from(e)),
            },
            Err(e) => {
                let _ = inner.rollback().await;
                Err(e)
            }
        };
        let _ = job.reply.send(out);
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    let mut broken = None;
    for job in batch {
        if broken.is_some() {
            answers.push((job.reply, None));
            continue;
        }
        if let Err(e) = exec(&mut tx, "SAVEPOINT w").await {
            broken = Some(e.to_string());
            answers.push((job.reply, None));
            continue;
        }
        let mark = tx.events.len();
        let out = (job.work)(&mut tx).await;
        if out.is_err() {
            tx.events.truncate(mark);
        }
        let undo = if out.is_ok() { "RELEASE SAVEPOINT w" } else { "ROLLBACK TO SAVEPOINT w" };
        let mut closed = exec(&mut tx, undo).await;
        if out.is_err() && closed.is_ok() {
            closed = exec(&mut tx, "RELEASE SAVEPOINT w").await;
        }
        if let Err(e) = closed {
            broken = Some(e.to_string());
            answers.push((job.reply, None));
            continue;
        }
        answers.push((job.reply, Some(out)));
    }
    if broken.is_none()
        && let Err(e) = announce(&mut tx, dialect).await
    {
        broken = Some(e.to_string());
    }
    let Tx { inner, events } = tx;
    let done = match broken {
        Some(message) => {
            let _ = inner.rollback().await;
            Err(message)
        }
        None => inner.commit().await.map_err(|e| e.to_string()),
    };
    if done.is_ok() {
        publish(committed, events);
    }
    for (reply, out) in answers {
        let answer = match out {
            // A write that failed on its own says why, whatever became of the batch.
            Some(Err(e)) => Err(e),
            Some(Ok(v)) => match &done {
                Ok(()) => Ok(v),
                Err(message) => Err(StoreError::BatchFailed(message.clone())),
            },
            None => Err(StoreError::BatchFailed(
                done.as_ref().err().cloned().unwrap_or_else(|| "the batch was not written".to_owned()),
            )),
        };
        let _ = reply.send(answer);
    }
}
