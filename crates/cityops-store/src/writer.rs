//! Group commit: one task owns the writing, gathers the writes that arrive while the previous
//! batch commits, and runs them in one transaction — one write's failure undoes only that write
//! (each inside a savepoint; on SQLite's direct path only when a first attempt without them
//! met a failure) — with one commit (one fsync) for the batch. Each caller is answered when the
//! batch is durable, with its own result.
//!
//! The hot writes — new cases and feed events — are typed ([`Typed`]). On SQLite they run on a
//! connection of the writer's own through rusqlite ([`crate::direct`]): a run of them is one
//! blocking call and one transaction, instead of a hand-off to sqlx's worker thread per
//! statement. Every other write (and every write on PostgreSQL) runs through sqlx.
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

use crate::direct::Direct;
use crate::pgdirect::PgDirect;
use crate::sql::{PG_WRITE_LOCK, SqlStore};
use crate::{Created, Dialect, NewCaseWrite, NewEvent, Result, StoreError};

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

/// A write's answer (its own type, boxed: the writer serves writes of every type).
pub(crate) type Output = Box<dyn AnyValue + Send>;
type Work = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<Output>> + Send>;
type Reply = oneshot::Sender<Result<Output>>;

/// A hot write the writer knows by its kind.
#[derive(Debug)]
pub(crate) enum Typed {
    /// New cases, in order, all or none ([`crate::Store::create_cases`]); answers
    /// `Vec<Created<CaseDto>>`.
    Cases(Vec<NewCaseWrite>),
    /// Feed events ([`crate::Store::append_events`]); answers `Vec<Option<LiveEvent>>`.
    Events(Vec<NewEvent>),
}

impl Typed {
    /// The same write through sqlx.
    fn into_work(self, dialect: Dialect) -> Work {
        match self {
            Typed::Cases(items) => Box::new(move |tx| {
                Box::pin(async move {
                    SqlStore::create_many_in(tx, dialect, items).await.map(|v| Box::new(v) as Output)
                })
            }),
            Typed::Events(items) => Box::new(move |tx| {
                Box::pin(async move {
                    SqlStore::append_in(tx, dialect, items).await.map(|v| Box::new(v) as Output)
                })
            }),
        }
    }
}

enum Task {
    Work(Work),
    Typed(Typed),
}

struct Job {
    task: Task,
    reply: Reply,
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
    /// Start the writing task on `pool` (its own connection on SQLite), with `hot` for the
    /// typed writes.
    pub(crate) fn start(pool: AnyPool, dialect: Dialect, hot: Hot) -> Self {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        let (committed, _) = broadcast::channel(COMMITTED_BUFFER);
        tokio::spawn(run(pool, dialect, hot, rx, committed.clone()));
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
        let work: Work =
            Box::new(move |tx| Box::pin(async move { work(tx).await.map(|v| Box::new(v) as Output) }));
        self.send(Task::Work(work)).await
    }

    /// File new cases in order, all or none (see [`Typed::Cases`]).
    pub(crate) async fn cases(&self, items: Vec<NewCaseWrite>) -> Result<Vec<Created<cityops_api::CaseDto>>> {
        self.send(Task::Typed(Typed::Cases(items))).await
    }

    /// Append feed events (see [`Typed::Events`]).
    pub(crate) async fn events(&self, items: Vec<NewEvent>) -> Result<Vec<Option<LiveEvent>>> {
        self.send(Task::Typed(Typed::Events(items))).await
    }

    async fn send<T: 'static>(&self, task: Task) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job { task, reply }).await.map_err(|_| StoreError::WriterStopped)?;
        let out = answer.await.map_err(|_| StoreError::WriterStopped)??;
        out.downcast::<T>().map(|b| *b).map_err(|_| StoreError::WriterStopped)
    }
}

type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

/// Where the typed writes go.
pub(crate) enum Hot {
    /// With the other writes, through sqlx (an in-memory SQLite database).
    Sqlx,
    /// SQLite's direct connection (a rusqlite connection to the same file).
    Sqlite(Shared<Direct>),
    /// PostgreSQL's array statements on a connection of the writer's own.
    Postgres(PgDirect),
}

impl Hot {
    /// SQLite's direct connection to the store's file.
    pub(crate) fn sqlite(direct: Direct) -> Self {
        Hot::Sqlite(std::sync::Arc::new(std::sync::Mutex::new(direct)))
    }
}

async fn run(
    pool: AnyPool,
    dialect: Dialect,
    hot: Hot,
    mut rx: mpsc::Receiver<Job>,
    committed: broadcast::Sender<LiveEvent>,
) {
    let apart = !matches!(hot, Hot::Sqlx);
    // How many writes the last transaction carried: as many writers are likely waiting on it to
    // send their next one.
    let mut expect = 1;
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        gather(&mut rx, &mut batch, expect).await;
        expect = batch.len();
        // In arrival order: each run of typed writes in one transaction of their own (SQLite's
        // direct connection, PostgreSQL's array statements), each run of other writes in one
        // sqlx transaction.
        let mut jobs = batch.into_iter().peekable();
        while let Some(job) = jobs.next() {
            match (job, &hot) {
                (Job { task: Task::Typed(t), reply }, Hot::Sqlite(direct)) => {
                    commit_direct(direct, typed_run((t, reply), &mut jobs), &committed).await;
                }
                (Job { task: Task::Typed(t), reply }, Hot::Postgres(pg)) => {
                    commit_pg(pg, &pool, dialect, typed_run((t, reply), &mut jobs), &committed).await;
                }
                (first, _) => {
                    let mut run = vec![first];
                    run.extend(std::iter::from_fn(|| {
                        jobs.next_if(|j| !apart || matches!(j.task, Task::Work(_)))
                    }));
                    commit_batch(&pool, dialect, run, &committed).await;
                }
            }
        }
    }
}

/// `first` and the typed writes right after it in the batch.
fn typed_run(
    first: (Typed, Reply),
    jobs: &mut std::iter::Peekable<std::vec::IntoIter<Job>>,
) -> Vec<(Typed, Reply)> {
    let mut run = vec![first];
    while let Some(Job { task: Task::Typed(t), reply }) = jobs.next_if(|j| matches!(j.task, Task::Typed(_))) {
        run.push((t, reply));
    }
    run
}

/// Run typed writes as PostgreSQL array statements in one transaction and answer each; if that
/// fails (a write of them, or the connection), run them again through sqlx, each in a
/// savepoint, so a failing write fails alone.
async fn commit_pg(
    pg: &PgDirect,
    pool: &AnyPool,
    dialect: Dialect,
    run: Vec<(Typed, Reply)>,
    committed: &broadcast::Sender<LiveEvent>,
) {
    let (writes, replies): (Vec<Typed>, Vec<Reply>) = run.into_iter().unzip();
    match pg.commit(&writes).await {
        Ok((outs, events)) => {
            publish(committed, events);
            for (reply, out) in replies.into_iter().zip(outs) {
                let _ = reply.send(Ok(out));
            }
        }
        Err(e) => {
            tracing::debug!(error = %e, writes = writes.len(), "array statements failed; writing one by one");
            let jobs = writes.into_iter().zip(replies).map(|(t, reply)| Job { task: Task::Typed(t), reply });
            commit_batch(pool, dialect, jobs.collect(), committed).await;
        }
    }
}

/// The longest the writer waits for the writes it expects before it commits what it has.
const GATHER_WAIT: std::time::Duration = std::time::Duration::from_millis(1);

/// Add the writes waiting to `batch`; when the last transaction carried more than this one has
/// yet (several writers, each sending its next write once answered), wait up to [`GATHER_WAIT`]
/// for them, so that one commit — one fsync — answers them all again. A lone writer never waits.
async fn gather(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>, expect: usize) {
    let deadline = tokio::time::Instant::now() + GATHER_WAIT;
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) if batch.len() < expect => match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(job)) => batch.push(job),
                Ok(None) | Err(_) => break,
            },
            Err(_) => break,
        }
    }
}

/// Run typed writes in one transaction on the direct connection (a blocking call) and answer
/// each.
async fn commit_direct(
    direct: &Shared<Direct>,
    run: Vec<(Typed, Reply)>,
    committed: &broadcast::Sender<LiveEvent>,
) {
    let (writes, replies): (Vec<Typed>, Vec<Reply>) = run.into_iter().unzip();
    let direct = direct.clone();
    let outcome = tokio::task::spawn_blocking(move || match direct.lock() {
        Ok(mut d) => d.commit(writes),
        Err(_) => (Vec::new(), Err("the direct writer failed earlier".to_owned())),
    })
    .await;
    let (outs, done) = match outcome {
        Ok(o) => o,
        Err(e) => (Vec::new(), Err(e.to_string())),
    };
    let done = match done {
        Ok(events) => {
            publish(committed, events);
            Ok(())
        }
        Err(message) => Err(message),
    };
    let outs = outs.into_iter().map(Some).chain(std::iter::repeat_with(|| None));
    answer(replies.into_iter().zip(outs).collect(), &done);
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
        let Job { task, reply } = job;
        let mut out = task.into_work(dialect)(&mut tx).await;
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
        let _ = reply.send(out);
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
        let reply = job.reply;
        let out = job.task.into_work(dialect)(&mut tx).await;
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
            answers.push((reply, None));
            continue;
        }
        answers.push((reply, Some(out)));
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
    answer(answers, &done);
}

/// Answer each write of a transaction: its own result if it failed on its own, else as the
/// transaction went (`done`); `None`: it was not run.
fn answer(answers: Vec<(Reply, Option<Result<Output>>)>, done: &std::result::Result<(), String>) {
    for (reply, out) in answers {
        let answer = match out {
            // A write that failed on its own says why, whatever became of the batch.
            Some(Err(e)) => Err(e),
            Some(Ok(v)) => match done {
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

impl Task {
    /// This write through sqlx.
    fn into_work(self, dialect: Dialect) -> Work {
        match self {
            Task::Work(w) => w,
            Task::Typed(t) => t.into_work(dialect),
        }
    }
}
