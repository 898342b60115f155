//! Durable jobs (see `jobs`): queued, claimed under a lease, checkpointed unit by unit.

use crate::domain::{Operator, Scoped};

use super::{Db, Sql, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub company_id: Option<i64>,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub result: Option<String>,
    pub error: Option<String>,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

const COLUMNS: &str = "id, company_id, kind, payload, status, progress_done, progress_total, result, error, attempts, lease_owner, lease_until, created_by, created_at, started_at, finished_at";

pub struct NewJob<'a> {
    pub kind: &'a str,
    /// Jobs of one queue run one after the other, in the order they were queued.
    pub queue: Option<&'a str>,
    pub payload: &'a str,
    pub total: i64,
    pub created_by: Option<i64>,
    pub now: i64,
}

/// Queues a job of the permit's company in the caller's transaction (so it exists only if the
/// work that asked for it commits).
pub async fn enqueue(tx: &mut Tx, scoped: &Scoped, j: &NewJob<'_>) -> Result<i64, sqlx::Error> {
    insert(tx, Some(scoped), j).await
}

/// Queues the operator's own job, of no company, as [`enqueue`] does.
pub async fn enqueue_operator(
    tx: &mut Tx,
    _operator: &Operator,
    j: &NewJob<'_>,
) -> Result<i64, sqlx::Error> {
    insert(tx, None, j).await
}

async fn insert(tx: &mut Tx, scoped: Option<&Scoped>, j: &NewJob<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO jobs (company_id, kind, payload, progress_total, created_by, created_at, queue)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(scoped.map(Scoped::company_id))
    .bind(j.kind)
    .bind(j.payload)
    .bind(j.total)
    .bind(j.created_by)
    .bind(j.now)
    .bind(j.queue)
    .fetch_one(&mut **tx)
    .await
}

/// Takes the oldest job of these kinds that is queued (and not waiting to be retried), or
/// running under a lease that ran out (its runner died), for `owner` until `lease_until`;
/// a job waits for the earlier jobs of its queue to end. On PostgreSQL runners skip rows
/// another runner is taking; on SQLite the write lock makes them take turns.
pub async fn claim(
    db: &Db,
    kinds: &[&'static str],
    owner: &str,
    now: i64,
    lease_until: i64,
) -> Result<Option<Job>, sqlx::Error> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let waiting = |lock: bool| {
        let mut sql = Sql::new(
            "SELECT id FROM jobs WHERE status IN ('queued', 'running') AND COALESCE(lease_until, 0) < ",
        );
        sql.bind(now).push(" AND kind IN (");
        for (i, kind) in kinds.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(kind.to_string());
        }
        // Not while an earlier job of its queue is unfinished.
        sql.push(
            ") AND NOT EXISTS (SELECT 1 FROM jobs e WHERE e.queue = jobs.queue AND e.id < jobs.id
                 AND e.status IN ('queued', 'running')) ORDER BY id LIMIT 1",
        );
        if lock {
            sql.push(" FOR UPDATE SKIP LOCKED");
        }
        sql
    };
    // An idle runner only reads: no write lock (on SQLite, the whole file) unless there is
    // something to take.
    if waiting(false)
        .query_as::<(i64,)>()
        .fetch_optional(&db.pool)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let mut tx = db.begin().await?;
    let sql = waiting(db.backend.skips_locked_rows());
    let Some((id,)) = sql.query_as::<(i64,)>().fetch_optional(&mut *tx).await? else {
        return Ok(None);
    };
    let job = sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2,
                attempts = attempts + 1, started_at = COALESCE(started_at, $3)
         WHERE id = $4 RETURNING {COLUMNS}"
    )))
    .bind(owner)
    .bind(lease_until)
    .bind(now)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(job))
}

/// Progress and a renewed lease, for the runner that holds the job.
const PROGRESS: &str = "UPDATE jobs SET progress_done = $1, lease_until = $2
     WHERE id = $3 AND lease_owner = $4 AND status = 'running'";

/// Records progress with a unit of work, in that unit's transaction, and renews the lease.
/// False if the runner no longer holds the job: the caller must roll the unit back.
pub async fn checkpoint(
    tx: &mut Tx,
    id: i64,
    owner: &str,
    done: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(PROGRESS)
        .bind(done)
        .bind(lease_until)
        .bind(id)
        .bind(owner)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Records progress outside a unit's transaction (and renews the lease). False if lost.
pub async fn set_progress(
    db: &Db,
    id: i64,
    owner: &str,
    done: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(PROGRESS)
        .bind(done)
        .bind(lease_until)
        .bind(id)
        .bind(owner)
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Renews the lease while the job works between checkpoints. False if it was lost.
pub async fn heartbeat(
    db: &Db,
    id: i64,
    owner: &str,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND status = 'running'",
    )
    .bind(lease_until)
    .bind(id)
    .bind(owner)
    .execute(&db.pool)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn set_total(db: &Db, id: i64, owner: &str, total: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET progress_total = $1 WHERE id = $2 AND lease_owner = $3")
        .bind(total)
        .bind(id)
        .bind(owner)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// How a run ended: done with a result, failed for good, or back in the queue to try again
/// (not before the time given to `finish`).
pub enum Outcome<'a> {
    Done(&'a str),
    Failed(&'a str),
    Retry(&'a str),
}

/// Ends the run if the runner still holds the job.
pub async fn finish(
    db: &Db,
    id: i64,
    owner: &str,
    outcome: Outcome<'_>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let (sql, text) = match outcome {
        Outcome::Done(result) => (
            "UPDATE jobs SET status = 'done', result = $1, error = NULL, finished_at = $2,
                    lease_owner = NULL, lease_until = NULL
             WHERE id = $3 AND lease_owner = $4",
            result,
        ),
        Outcome::Failed(error) => (
            "UPDATE jobs SET status = 'failed', error = $1, finished_at = $2,
                    lease_owner = NULL, lease_until = NULL
             WHERE id = $3 AND lease_owner = $4",
            error,
        ),
        Outcome::Retry(error) => (
            "UPDATE jobs SET status = 'queued', error = $1, lease_until = $2, lease_owner = NULL
             WHERE id = $3 AND lease_owner = $4",
            error,
        ),
    };
    sqlx::query(sql)
        .bind(text)
        .bind(now)
        .bind(id)
        .bind(owner)
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected() == 1)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// A company's job, if it is theirs; to a delegated permit, only the jobs its actor queued.
pub async fn get_for_company(
    db: &Db,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<Job>, sqlx::Error> {
    let job = sqlx::query_as::<_, Job>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM jobs WHERE id = $1 AND company_id = $2"
    )))
    .bind(id)
    .bind(scoped.company_id())
    .fetch_optional(&db.pool)
    .await?;
    let own = |j: &Job| j.created_by.is_some() && j.created_by == scoped.actor().user_id;
    Ok(job.filter(|j| scoped.is_whole_company() || own(j)))
}
