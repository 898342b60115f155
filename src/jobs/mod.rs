//! The durable job runner. Long work — an import, a bulk change, a report — is a row in `jobs`;
//! any instance's runner claims it under a lease, renews the lease while it works (a
//! heartbeat), and records progress with each unit of work in that unit's own transaction
//! (`Context::checkpoint`). A runner that dies leaves its lease to run out; another runner
//! then resumes the job after the last unit that committed, so no unit is done twice and none
//! is half done. A restart resumes the same way.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::FutureExt;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::store::jobs::{self, Job, Outcome};
use crate::store::{Db, Tx};

/// How long a claim holds without a heartbeat, unless the runner is given another.
pub const LEASE: Duration = Duration::from_secs(30);
/// Runs after which a job that keeps failing is given up.
pub const MAX_ATTEMPTS: i64 = 5;
const IDLE_POLL: Duration = Duration::from_secs(1);

/// How a run went wrong.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// For good (bad input): the job fails with this message.
    #[error("{0}")]
    Failed(String),
    /// The runner lost its lease: another runner has the job now; stop quietly.
    #[error("the job's lease was lost")]
    LeaseLost,
    /// Anything else (a database hiccup): the job is tried again later.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        JobError::Other(e.into())
    }
}

/// One kind of job.
#[async_trait]
pub trait Handler: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Does the job from `ctx.job.progress_done` on; returns the result kept with the job.
    async fn run(&self, ctx: &Context) -> Result<serde_json::Value, JobError>;
}

/// What a handler works with: the job as claimed, and the runner's lease on it.
pub struct Context {
    pub db: Db,
    pub clock: Arc<Clock>,
    pub job: Job,
    owner: String,
    lease: Duration,
}

impl Context {
    fn lease_until(&self) -> i64 {
        self.clock.now_ms() + self.lease.as_millis() as i64
    }

    /// The job's id, for the rows it keeps as its own.
    pub fn job_id(&self) -> i64 {
        self.job.id
    }

    /// Records that `done` units are done, in the transaction that did the last of them; fails
    /// (and the caller drops the transaction) if this runner no longer holds the job.
    pub async fn checkpoint(&self, tx: &mut Tx, done: i64) -> Result<(), JobError> {
        if jobs::checkpoint(tx, self.job.id, &self.owner, done, self.lease_until()).await? {
            Ok(())
        } else {
            Err(JobError::LeaseLost)
        }
    }

    /// Records progress between units that are not each a transaction of their own (phases).
    pub async fn progress(&self, done: i64) -> Result<(), JobError> {
        if jobs::set_progress(&self.db, self.job.id, &self.owner, done, self.lease_until()).await? {
            Ok(())
        } else {
            Err(JobError::LeaseLost)
        }
    }

    /// Says how many units there are, once the handler knows.
    pub async fn set_total(&self, total: i64) -> Result<(), JobError> {
        Ok(jobs::set_total(&self.db, self.job.id, &self.owner, total).await?)
    }
}

/// Claims and runs jobs of the kinds it has handlers for.
#[derive(Clone)]
pub struct Runner {
    db: Db,
    clock: Arc<Clock>,
    owner: String,
    handlers: Arc<HashMap<&'static str, Arc<dyn Handler>>>,
    wake: Arc<Notify>,
    lease: Duration,
}

impl Runner {
    pub fn new(db: Db, clock: Arc<Clock>, handlers: Vec<Arc<dyn Handler>>) -> Self {
        let owner = format!(
            "{}:{}:{}",
            hostname(),
            std::process::id(),
            &crate::services::auth::new_token()[..8]
        );
        Self {
            db,
            clock,
            owner,
            handlers: Arc::new(handlers.into_iter().map(|h| (h.kind(), h)).collect()),
            wake: Arc::new(Notify::new()),
            lease: LEASE,
        }
    }

    /// The same runner with claims that hold this long without a heartbeat.
    pub fn with_lease(self, lease: Duration) -> Self {
        Self { lease, ..self }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Tells the loop a job was queued here, so it need not wait for its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Claims one job and runs it to its end; false when there was none.
    pub async fn run_once(&self) -> anyhow::Result<bool> {
        let kinds: Vec<&'static str> = self.handlers.keys().copied().collect();
        let now = self.clock.now_ms();
        let lease_until = now + self.lease.as_millis() as i64;
        let Some(job) = jobs::claim(&self.db, &kinds, &self.owner, now, lease_until).await? else {
            return Ok(false);
        };
        let handler = self.handlers[job.kind.as_str()].clone();
        let id = job.id;
        let attempts = job.attempts;
        let ctx = Context {
            db: self.db.clone(),
            clock: self.clock.clone(),
            job,
            owner: self.owner.clone(),
            lease: self.lease,
        };
        tracing::info!(
            job = id,
            kind = handler.kind(),
            attempt = attempts,
            "job started"
        );
        let beat = Heartbeat(self.heartbeat(id));
        // A handler that panics (a bug) fails its job for good; the runner goes on.
        let outcome = std::panic::AssertUnwindSafe(handler.run(&ctx))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(JobError::Failed(panicked(&*panic))));
        drop(beat);
        let now = self.clock.now_ms();
        let ended = match &outcome {
            Ok(result) => {
                let text = result.to_string();
                jobs::finish(&self.db, id, &self.owner, Outcome::Done(&text), now).await?
            }
            Err(JobError::Failed(msg)) => {
                jobs::finish(&self.db, id, &self.owner, Outcome::Failed(msg), now).await?
            }
            Err(JobError::LeaseLost) => false,
            Err(JobError::Other(e)) if attempts >= MAX_ATTEMPTS => {
                let msg = format!("gave up after {attempts} attempts: {e:#}");
                jobs::finish(&self.db, id, &self.owner, Outcome::Failed(&msg), now).await?
            }
            Err(JobError::Other(e)) => {
                // Waits a little longer after each failed attempt.
                let later = now + 1_000 * (1 << attempts.min(6));
                let msg = format!("{e:#}");
                jobs::finish(&self.db, id, &self.owner, Outcome::Retry(&msg), later).await?
            }
        };
        match outcome {
            Ok(_) if ended => tracing::info!(job = id, "job done"),
            Err(e) => tracing::warn!(job = id, error = %e, "job stopped"),
            Ok(_) => tracing::warn!(job = id, "job finished after its lease was lost"),
        }
        Ok(true)
    }

    /// Renews the lease every third of it while the job runs.
    fn heartbeat(&self, id: i64) -> tokio::task::JoinHandle<()> {
        let (db, clock, owner) = (self.db.clone(), self.clock.clone(), self.owner.clone());
        let lease = self.lease;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                let until = clock.now_ms() + lease.as_millis() as i64;
                match jobs::heartbeat(&db, id, &owner, until).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => tracing::warn!(job = id, error = %e, "heartbeat failed"),
                }
            }
        })
    }

    /// Runs jobs until the process ends: as they come, polling when idle.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.run_once().await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "job runner"),
                }
                let _ = tokio::time::timeout(IDLE_POLL, self.wake.notified()).await;
            }
        })
    }
}

/// What a handler's panic said, as the job's error.
fn panicked(panic: &(dyn std::any::Any + Send)) -> String {
    let said = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the job stopped on an internal error: {said}")
}

/// Stops the heartbeat when the run ends, however it ends (even if the run is dropped).
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into())
}
