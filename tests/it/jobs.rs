//! The durable job runner: unit-by-unit progress, a dead runner's job resumed after its
//! lease, a lost lease rolling its unit back, two runners sharing one queue, retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use simfleet::clock::Clock;
use simfleet::jobs::{Context, Handler, JobError, LEASE, MAX_ATTEMPTS, Runner};
use simfleet::store::Db;
use simfleet::store::jobs::{self, NewJob};
use tokio::sync::Notify;

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

const KIND: &str = "test.units";

/// Does `units` units, each an insert into `job_units` with its checkpoint; at `pause_at`
/// it waits for `resume` (before the unit's transaction) or, without one, hangs for ever.
#[derive(Default)]
struct Units {
    pause_at: Option<i64>,
    resume: Option<Arc<Notify>>,
    fail: Option<JobError>,
    runs: AtomicI64,
}

#[async_trait]
impl Handler for Units {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &Context) -> Result<serde_json::Value, JobError> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        match &self.fail {
            Some(JobError::Failed(m)) => return Err(JobError::Failed(m.clone())),
            Some(_) => return Err(JobError::Other(anyhow::anyhow!("the BSS is down"))),
            None => {}
        }
        let payload: serde_json::Value = serde_json::from_str(&ctx.job.payload).expect("payload");
        if payload["panic"] == true {
            panic!("a bug in the handler");
        }
        let total = payload["units"].as_i64().expect("units");
        ctx.set_total(total).await?;
        for unit in ctx.job.progress_done..total {
            if Some(unit) == self.pause_at {
                match &self.resume {
                    Some(resume) => resume.notified().await,
                    None => std::future::pending::<()>().await,
                }
            }
            let mut tx = ctx.db.begin().await?;
            sqlx::query("INSERT INTO job_units (job_id, unit) VALUES ($1, $2)")
                .bind(ctx.job.id)
                .bind(unit)
                .execute(&mut *tx)
                .await?;
            ctx.checkpoint(&mut tx, unit + 1).await?;
            tx.commit().await?;
        }
        Ok(json!({ "units": total }))
    }
}

async fn setup(b: Backend) -> (crate::helpers::TestApp, Arc<Clock>) {
    let app = spawn_app(b).await;
    // No key: a unit done twice would show as two rows.
    sqlx::query("CREATE TABLE job_units (job_id BIGINT NOT NULL, unit BIGINT NOT NULL)")
        .execute(&app.db.pool)
        .await
        .expect("table");
    (app, Arc::new(Clock::default()))
}

async fn enqueue(db: &Db, units: i64) -> i64 {
    enqueue_payload(db, json!({ "units": units })).await
}

async fn enqueue_payload(db: &Db, payload: serde_json::Value) -> i64 {
    let mut tx = db.begin().await.expect("tx");
    let id = jobs::enqueue_operator(
        &mut tx,
        &simfleet::authz::OperatorPermit::cli(),
        &NewJob {
            queue: None,
            kind: KIND,
            payload: &payload.to_string(),
            total: 0,
            created_by: None,
            now: simfleet::store::now_ms(),
        },
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    id
}

fn runner(db: &Db, clock: &Arc<Clock>, handler: Units) -> Runner {
    Runner::new(db.clone(), clock.clone(), vec![Arc::new(handler)])
}

/// Each unit of the job exactly once.
async fn units_of(db: &Db, job: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT unit FROM job_units WHERE job_id = $1 ORDER BY unit")
        .bind(job)
        .fetch_all(&db.pool)
        .await
        .expect("units")
}

async fn job(db: &Db, id: i64) -> jobs::Job {
    jobs::get(db, id).await.expect("get").expect("job")
}

async fn a_job_runs_unit_by_unit_to_its_end(b: Backend) {
    let (app, clock) = setup(b).await;
    let id = enqueue(&app.db, 25).await;
    let r = runner(&app.db, &clock, Units::default());
    assert!(r.run_once().await.expect("run"));
    let j = job(&app.db, id).await;
    assert_eq!(
        (
            j.status.as_str(),
            j.progress_done,
            j.progress_total,
            j.attempts
        ),
        ("done", 25, 25, 1)
    );
    assert_eq!(j.result.as_deref(), Some(r#"{"units":25}"#));
    assert_eq!(j.lease_owner, None);
    assert_eq!(units_of(&app.db, id).await, (0..25).collect::<Vec<_>>());
    assert!(!r.run_once().await.expect("run"), "nothing left");
}

async fn a_dead_runners_job_is_resumed_after_its_lease(b: Backend) {
    let (app, clock) = setup(b).await;
    let id = enqueue(&app.db, 25).await;
    let dying = runner(
        &app.db,
        &clock,
        Units {
            pause_at: Some(10),
            ..Units::default()
        },
    );
    let task = tokio::spawn(async move { dying.run_once().await });
    for _ in 0..200 {
        if job(&app.db, id).await.progress_done == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(job(&app.db, id).await.progress_done, 10);
    task.abort();
    let _ = task.await;

    let next = runner(&app.db, &clock, Units::default());
    assert!(
        !next.run_once().await.expect("run"),
        "the lease still holds"
    );
    clock.advance(LEASE + Duration::from_secs(1));
    assert!(next.run_once().await.expect("run"));
    let j = job(&app.db, id).await;
    assert_eq!(
        (j.status.as_str(), j.progress_done, j.attempts),
        ("done", 25, 2)
    );
    assert_eq!(units_of(&app.db, id).await, (0..25).collect::<Vec<_>>());
}

async fn a_runner_that_lost_its_lease_does_not_commit_its_unit(b: Backend) {
    let (app, clock) = setup(b).await;
    let id = enqueue(&app.db, 8).await;
    let resume = Arc::new(Notify::new());
    let slow = runner(
        &app.db,
        &clock,
        Units {
            pause_at: Some(3),
            resume: Some(resume.clone()),
            ..Units::default()
        },
    );
    let task = tokio::spawn(async move { slow.run_once().await });
    for _ in 0..200 {
        if job(&app.db, id).await.progress_done == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The slow runner is taken for dead; another finishes the job.
    clock.advance(LEASE + Duration::from_secs(1));
    let other = runner(&app.db, &clock, Units::default());
    assert!(other.run_once().await.expect("run"));
    resume.notify_one();
    assert!(task.await.expect("join").expect("run"));
    let j = job(&app.db, id).await;
    assert_eq!((j.status.as_str(), j.progress_done), ("done", 8));
    assert_eq!(j.lease_owner, None);
    assert_eq!(units_of(&app.db, id).await, (0..8).collect::<Vec<_>>());
}

async fn two_runners_share_the_queue_without_running_a_job_twice(b: Backend) {
    let (app, clock) = setup(b).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(enqueue(&app.db, 3).await);
    }
    let (a, b2) = (
        runner(&app.db, &clock, Units::default()),
        runner(&app.db, &clock, Units::default()),
    );
    let work = |r: Runner| async move {
        let mut n = 0;
        while r.run_once().await.expect("run") {
            n += 1;
        }
        n
    };
    let (na, nb) = tokio::join!(work(a), work(b2));
    assert_eq!(na + nb, 12, "every job run once: {na} + {nb}");
    for id in ids {
        let j = job(&app.db, id).await;
        assert_eq!((j.status.as_str(), j.attempts), ("done", 1));
        assert_eq!(units_of(&app.db, id).await, vec![0, 1, 2]);
    }
}

async fn a_failing_job_is_retried_later_then_given_up(b: Backend) {
    let (app, clock) = setup(b).await;
    let id = enqueue(&app.db, 1).await;
    let flaky = runner(
        &app.db,
        &clock,
        Units {
            fail: Some(JobError::Other(anyhow::anyhow!("x"))),
            ..Units::default()
        },
    );
    assert!(flaky.run_once().await.expect("run"));
    let j = job(&app.db, id).await;
    assert_eq!(j.status, "queued");
    assert_eq!(j.error.as_deref(), Some("the BSS is down"));
    assert!(
        !flaky.run_once().await.expect("run"),
        "it waits before the next try"
    );
    for _ in 1..MAX_ATTEMPTS {
        clock.advance(Duration::from_secs(120));
        assert!(flaky.run_once().await.expect("run"));
    }
    let j = job(&app.db, id).await;
    assert_eq!((j.status.as_str(), j.attempts), ("failed", MAX_ATTEMPTS));
    assert!(
        j.error
            .expect("error")
            .starts_with("gave up after 5 attempts")
    );

    // Bad input fails at once.
    let id = enqueue(&app.db, 1).await;
    let strict = runner(
        &app.db,
        &clock,
        Units {
            fail: Some(JobError::Failed("строка 3: нет номера".into())),
            ..Units::default()
        },
    );
    assert!(strict.run_once().await.expect("run"));
    let j = job(&app.db, id).await;
    assert_eq!((j.status.as_str(), j.attempts), ("failed", 1));
    assert_eq!(j.error.as_deref(), Some("строка 3: нет номера"));
}

/// A handler that panics fails its job, and the runner's loop goes on to the next one.
async fn a_panicking_handler_fails_its_job_and_the_runner_goes_on(b: Backend) {
    let (app, clock) = setup(b).await;
    let bad = enqueue_payload(&app.db, json!({ "panic": true })).await;
    let good = enqueue(&app.db, 2).await;
    let running = runner(&app.db, &clock, Units::default()).spawn();
    for _ in 0..500 {
        let settled = ["done", "failed"];
        if settled.contains(&job(&app.db, good).await.status.as_str())
            && settled.contains(&job(&app.db, bad).await.status.as_str())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!running.is_finished(), "the runner's loop ended");
    running.abort();
    assert_eq!(job(&app.db, good).await.status, "done");
    let failed = job(&app.db, bad).await;
    assert_eq!(failed.status, "failed");
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("a bug in the handler")),
        "{:?}",
        failed.error
    );
}

on_both!(
    a_panicking_handler_fails_its_job_and_the_runner_goes_on,
    a_job_runs_unit_by_unit_to_its_end,
    a_dead_runners_job_is_resumed_after_its_lease,
    a_runner_that_lost_its_lease_does_not_commit_its_unit,
    two_runners_share_the_queue_without_running_a_job_twice,
    a_failing_job_is_retried_later_then_given_up,
);
