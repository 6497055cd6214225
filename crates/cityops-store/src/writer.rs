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

use crate::direct::{CaseJson, Direct};
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
    Cases(Cases),
    /// Feed events ([`crate::Store::append_events`]); answers `Vec<Option<LiveEvent>>`.
    Events(Vec<NewEvent>),
}

impl Typed {
    /// The same write through sqlx.
    fn into_work(self, dialect: Dialect) -> Work {
        match self {
            Typed::Cases(items) => Box::new(move |tx| {
                Box::pin(async move {
                    SqlStore::create_many_in(tx, dialect, items.items).await.map(|v| Box::new(v) as Output)
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

/// New cases to file, and (on SQLite's direct path) their JSON encoded ahead.
#[derive(Debug, Clone)]
pub(crate) struct Cases {
    pub(crate) items: Vec<NewCaseWrite>,
    /// Each item's [`CaseJson`], encoded by the caller before the write is sent: the one
    /// writer then only fills in the id and number (the caller's threads do the encoding, in
    /// parallel, while the writer writes). Empty when not encoded ahead (or it could not be).
    pub(crate) json: Vec<CaseJson>,
}

impl From<Vec<NewCaseWrite>> for Cases {
    fn from(items: Vec<NewCaseWrite>) -> Self {
        Cases { items, json: Vec::new() }
    }
}

impl std::ops::Deref for Cases {
    type Target = [NewCaseWrite];
    fn deref(&self) -> &[NewCaseWrite] {
        &self.items
    }
}

/// The handle writes are sent through.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    committed: broadcast::Sender<LiveEvent>,
    /// Encode new cases' JSON before sending them (the direct SQLite writer uses it).
    encode_ahead: bool,
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
        let encode_ahead = matches!(hot, Hot::Sqlite(_));
        // The writer's own thread, driving its loop with the runtime's timers and I/O: on a
        // worker of the runtime it would wait, after every commit, for whichever request was
        // being parsed there to yield (about a millisecond a commit), and SQLite's direct
        // commits, which block, would need a hand-off to a blocking thread each.
        let (runtime, sent) = (tokio::runtime::Handle::current(), committed.clone());
        let spawned = std::thread::Builder::new()
            .name("cityops-writer".into())
            .spawn(move || runtime.block_on(run(pool, dialect, hot, rx, sent)));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "could not start the writer's thread; every write will fail");
        }
        Writer { jobs, committed, encode_ahead }
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
        let json = if self.encode_ahead {
            items.iter().map(|w| CaseJson::of(&w.case)).collect::<Option<Vec<_>>>().unwrap_or_default()
        } else {
            Vec::new()
        };
        self.send(Task::Typed(Typed::Cases(Cases { items, json }))).await
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

/// Where the typed writes go.
pub(crate) enum Hot {
    /// With the other writes, through sqlx (an in-memory SQLite database).
    Sqlx,
    /// SQLite's direct connection (a rusqlite connection to the same file).
    Sqlite(Direct),
    /// PostgreSQL's array statements on a connection of the writer's own.
    Postgres(PgDirect),
}

async fn run(
    pool: AnyPool,
    dialect: Dialect,
    mut hot: Hot,
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
            match (job, &mut hot) {
                (Job { task: Task::Typed(t), reply }, Hot::Sqlite(direct)) => {
                    commit_direct(direct, typed_run((t, reply), &mut jobs), &committed);
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
/// for them, so that one commit — one fsync — answers them all again. A lone writer never waits,
/// and neither does a transaction of [`FULL_COMMIT`] rows, which stops gathering once it holds
/// as many writes as are left waiting.
async fn gather(rx: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>, expect: usize) {
    let deadline = tokio::time::Instant::now() + GATHER_WAIT;
    let mut rows: usize = batch.iter().map(Job::rows).sum();
    while batch.len() < MAX_BATCH {
        let full = rows >= FULL_COMMIT;
        if full && batch.len() >= rx.len() {
            break;
        }
        let job = match rx.try_recv() {
            Ok(job) => job,
            Err(_) if !full && batch.len() < expect => {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(job)) => job,
                    Ok(None) | Err(_) => break,
                }
            }
            Err(_) => break,
        };
        rows += job.rows();
        batch.push(job);
    }
}

/// Rows at which a transaction's commit is a small part of its cost. From there it takes at
/// most half of the writes waiting: the rest are written next, while its own writers are
/// answered and send their next writes — instead of every writer waiting on one long
/// transaction, and the writer then waiting on all of them (large feed batches from a few
/// clients).
const FULL_COMMIT: usize = 256;

impl Job {
    /// The rows this write adds (cases or events; one for any other write).
    fn rows(&self) -> usize {
        match &self.task {
            Task::Typed(Typed::Cases(v)) => v.len(),
            Task::Typed(Typed::Events(v)) => v.len(),
            Task::Work(_) => 1,
        }
    }
}

/// Run typed writes in one transaction on the direct connection (a blocking call) and answer
/// each.
fn commit_direct(direct: &mut Direct, run: Vec<(Typed, Reply)>, committed: &broadcast::Sender<LiveEvent>) {
    let (writes, replies): (Vec<Typed>, Vec<Reply>) = run.into_iter().unzip();
    // A blocking call: the writer has a thread of its own.
    let (outs, done) = direct.commit(writes);
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use cityops_api::Role;
    use cityops_test_support as fixture;
    use tokio::sync::{mpsc, oneshot};

    use super::{FULL_COMMIT, GATHER_WAIT, Job, Task, Typed, gather};
    use crate::{NewAudit, NewCaseWrite};

    /// A write of `rows` new cases (its answer is never read).
    fn cases(rows: usize) -> Job {
        let write = NewCaseWrite {
            case: fixture::case(0),
            key: None,
            audit: NewAudit {
                at: fixture::case(0).created_at,
                actor: "tester".into(),
                role: Role::Acceptor,
                action: "case.create".into(),
                target: String::new(),
                detail: String::new(),
                remote: "127.0.0.1".into(),
            },
        };
        Job { task: Task::Typed(Typed::Cases(vec![write; rows].into())), reply: oneshot::channel().0 }
    }

    /// `first`, then `waiting` in the queue, gathered as after a transaction of `expect` writes:
    /// how many writes the next transaction takes, and how many are left waiting.
    async fn gathered(first: Job, waiting: Vec<Job>, expect: usize) -> (usize, usize) {
        let (tx, mut rx) = mpsc::channel(64);
        for j in waiting {
            tx.send(j).await.unwrap();
        }
        let mut batch = vec![first];
        gather(&mut rx, &mut batch, expect).await;
        (batch.len(), rx.len())
    }

    #[tokio::test]
    async fn small_writes_share_one_commit_and_large_ones_leave_half_for_the_next() {
        // Eight single cases: all in one transaction.
        let (took, left) = gathered(cases(1), (0..7).map(|_| cases(1)).collect(), 8).await;
        assert_eq!((took, left), (8, 0));
        // Eight feed batches of 100: the transaction is full at 300 rows, but holds fewer writes
        // than wait; it stops at half (four), and four are written next.
        const { assert!(300 >= FULL_COMMIT && 200 < FULL_COMMIT) };
        let (took, left) = gathered(cases(100), (0..7).map(|_| cases(100)).collect(), 8).await;
        assert_eq!((took, left), (4, 4));
        // One batch of 1,000 with one more waiting: each its own transaction.
        let (took, left) = gathered(cases(1000), vec![cases(1000)], 2).await;
        assert_eq!((took, left), (1, 1));
    }

    /// On the runtime's paused clock: the waits are exact.
    #[tokio::test(start_paused = true)]
    async fn a_full_transaction_does_not_wait_for_the_writes_it_expects() {
        let started = tokio::time::Instant::now();
        let (took, _) = gathered(cases(FULL_COMMIT), Vec::new(), 8).await;
        assert_eq!(took, 1);
        assert_eq!(started.elapsed(), std::time::Duration::ZERO);
        // Small writes expected are waited for, up to GATHER_WAIT; a lone writer is not.
        let started = tokio::time::Instant::now();
        let (took, _) = gathered(cases(1), Vec::new(), 8).await;
        assert_eq!(took, 1);
        assert_eq!(started.elapsed(), GATHER_WAIT);
        let started = tokio::time::Instant::now();
        gathered(cases(1), Vec::new(), 1).await;
        assert_eq!(started.elapsed(), std::time::Duration::ZERO);
    }
}
