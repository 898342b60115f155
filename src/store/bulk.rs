//! Bulk operations: the change, the lines it was confirmed on, and what the run did to each.

use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::sql::Sql;
use super::{Db, Tx};

/// An operation with how its job stands.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Operation {
    pub id: i64,
    pub company_id: i64,
    /// Who asked, as `authz::Requester` keeps it (JSON).
    pub requester: String,
    pub created_by: Option<i64>,
    /// The API token that asked, if one did.
    pub token_id: Option<i64>,
    /// The change, as `services::bulk::BulkChange` (JSON).
    pub change: String,
    /// How the lines were chosen (JSON).
    pub chosen: String,
    pub total: i64,
    pub job_id: Option<i64>,
    pub retry_of: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub created_at: i64,
    /// `queued`, `running`, `done` or `failed`.
    pub job_status: String,
    pub job_error: Option<String>,
    pub finished_at: Option<i64>,
    /// Who asked, as the audit log names them.
    pub requested_by: String,
}

const SELECT: &str =
    "SELECT o.id, o.company_id, o.requester, o.created_by, o.token_id, o.change, o.chosen,
        o.total, o.job_id, o.retry_of, o.cancelled_at, o.created_at,
        COALESCE(j.status, 'queued') AS job_status, j.error AS job_error, j.finished_at,
        COALESCE(u.full_name, '') AS requested_by
 FROM bulk_operations o LEFT JOIN jobs j ON j.id = o.job_id
 LEFT JOIN users u ON u.id = o.created_by
 WHERE o.company_id = ";

pub struct NewOperation<'a> {
    pub requester: &'a str,
    pub key: &'a str,
    pub change: &'a str,
    pub chosen: &'a str,
    pub retry_of: Option<i64>,
    pub now: i64,
}

/// A confirm: a new operation (with how many lines it holds), the one this key confirmed
/// before, or a key someone else confirmed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    Fresh { id: i64, lines: i64 },
    Repeat(i64),
    KeyOfAnother,
}

/// Records the operation, asked for by the permit's actor, once per key, with those of its
/// lines (each with its own value, if any) that `chosen`, the permit the lines were chosen
/// under, covers: the lines its run reports on. (A line the change's own right does not cover
/// is among them, reported as skipped.)
pub async fn create(
    tx: &mut Tx,
    scoped: &Scoped,
    chosen: &Scoped,
    op: &NewOperation<'_>,
    lines: &[(i64, Option<String>)],
) -> Result<Created, sqlx::Error> {
    let actor = scoped.actor();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO bulk_operations (company_id, requester, created_by, token_id, confirm_key,
                change, chosen, total, retry_of, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)
         ON CONFLICT (company_id, confirm_key) DO NOTHING RETURNING id",
    )
    .bind(scoped.company_id())
    .bind(op.requester)
    .bind(actor.user_id)
    .bind(actor.token_id)
    .bind(op.key)
    .bind(op.change)
    .bind(op.chosen)
    .bind(op.retry_of)
    .bind(op.now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else {
        let (id, by, token): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT id, created_by, token_id FROM bulk_operations
             WHERE company_id = $1 AND confirm_key = $2",
        )
        .bind(scoped.company_id())
        .bind(op.key)
        .fetch_one(&mut **tx)
        .await?;
        return Ok(if (by, token) == (actor.user_id, actor.token_id) {
            Created::Repeat(id)
        } else {
            Created::KeyOfAnother
        });
    };
    let mut total = 0;
    for chunk in lines.chunks(1_000) {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO bulk_lines (operation_id, line_id, msisdn, value)
             SELECT ",
        );
        sql.bind(id)
            .push(", l.id, l.msisdn, v.column2 FROM (VALUES ");
        for (i, (line, value)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*line)
                .push(", ");
            match value {
                Some(v) => sql.bind(v.clone()),
                None => sql.push("CAST(NULL AS TEXT)"),
            };
            sql.push(")");
        }
        sql.push(") AS v JOIN lines l ON l.id = v.column1 WHERE l.company_id = ")
            .bind(scoped.company_id());
        super::lines::push_scope(&mut sql, chosen.scope());
        total += sql.query().execute(&mut **tx).await?.rows_affected() as i64;
    }
    sqlx::query("UPDATE bulk_operations SET total = $1 WHERE id = $2")
        .bind(total)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(Created::Fresh { id, lines: total })
}

/// The operation the permit's company confirmed under this key, if one the permit may see.
pub async fn by_key(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    key: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mut sql = Sql::new("SELECT o.id FROM bulk_operations o WHERE o.company_id = ");
    sql.bind(scoped.company_id())
        .push(" AND o.confirm_key = ")
        .bind(key);
    own(&mut sql, scoped);
    let id: Option<(i64,)> = sql.query_as().fetch_optional(conn).await?;
    Ok(id.map(|(id,)| id))
}

pub async fn set_job(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    job_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE bulk_operations SET job_id = $1 WHERE id = $2 AND company_id = $3")
        .bind(job_id)
        .bind(id)
        .bind(scoped.company_id())
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The operation, if it is the company's; to a delegated permit, only those its actor asked
/// for.
pub async fn get(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<Operation>, sqlx::Error> {
    let mut sql = Sql::new(SELECT);
    sql.bind(scoped.company_id()).push(" AND o.id = ").bind(id);
    own(&mut sql, scoped);
    sql.query_as().fetch_optional(conn).await
}

/// To a delegated permit, only the operations its actor (a person or a token) asked for.
fn own(sql: &mut Sql, scoped: &Scoped) {
    super::files::own_only(sql, scoped, ("o.created_by", "o.token_id"));
}

/// To a delegated permit, only the lines `b` of an operation its rights cover now: the numbers
/// of lines moved out of them are no longer theirs to read.
fn covered(sql: &mut Sql, scoped: &Scoped) {
    if !scoped.is_whole_company() {
        sql.push(" AND EXISTS (SELECT 1 FROM lines l WHERE l.id = b.line_id");
        super::lines::push_scope(sql, scoped.scope());
        sql.push(")");
    }
}

/// The latest operations, newest first.
pub async fn list(db: &Db, scoped: &Scoped, limit: i64) -> Result<Vec<Operation>, sqlx::Error> {
    let mut sql = Sql::new(SELECT);
    sql.bind(scoped.company_id());
    own(&mut sql, scoped);
    sql.push(" ORDER BY o.id DESC").limit(limit, 0);
    sql.query_as().fetch_all(&db.pool).await
}

/// How many of the operation's lines ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub changed: i64,
    pub skipped: i64,
    pub failed: i64,
}

impl Counts {
    pub fn reached(&self) -> i64 {
        self.changed + self.skipped + self.failed
    }
}

/// How the lines of the permit's company's operation ended so far.
pub async fn counts(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Counts, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT r.outcome, COUNT(*) FROM bulk_results r
         JOIN bulk_operations o ON o.id = r.operation_id WHERE r.operation_id = ",
    );
    sql.bind(id)
        .push(" AND o.company_id = ")
        .bind(scoped.company_id());
    own(&mut sql, scoped);
    sql.push(" GROUP BY r.outcome");
    let rows: Vec<(String, i64)> = sql.query_as().fetch_all(conn).await?;
    let mut counts = Counts::default();
    for (outcome, n) in rows {
        match outcome.as_str() {
            "changed" => counts.changed = n,
            "skipped" => counts.skipped = n,
            _ => counts.failed += n,
        }
    }
    Ok(counts)
}

/// The next lines the run has not reached, after `after` in id order: each with its own value.
pub async fn next_lines(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT b.line_id, b.value FROM bulk_lines b
         JOIN bulk_operations o ON o.id = b.operation_id WHERE o.company_id = ",
    );
    sql.bind(scoped.company_id())
        .push(" AND b.operation_id = ")
        .bind(id)
        .push(" AND b.line_id > ")
        .bind(after)
        .push(
            " AND NOT EXISTS (SELECT 1 FROM bulk_results r
               WHERE r.operation_id = b.operation_id AND r.line_id = b.line_id)
             ORDER BY b.line_id",
        )
        .limit(limit, 0);
    sql.query_as().fetch_all(conn).await
}

/// What the run did to one line.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub line_id: i64,
    /// `changed`, `skipped` or `failed`.
    pub outcome: &'static str,
    /// Why (a problem, as JSON) for a line skipped or failed.
    pub problem: Option<String>,
    /// The change as the line's audit entry records it (JSON), for a line changed.
    pub change: Option<String>,
}

/// Records what the run did to these lines of the operation (one of the permit's company).
pub async fn record(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    outcomes: &[Outcome],
) -> Result<(), sqlx::Error> {
    let ours: Option<i64> =
        sqlx::query_scalar("SELECT id FROM bulk_operations WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(scoped.company_id())
            .fetch_optional(&mut **tx)
            .await?;
    if ours.is_none() {
        return Err(sqlx::Error::RowNotFound);
    }
    for chunk in outcomes.chunks(1_000) {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO bulk_results (operation_id, line_id, outcome, problem, change) VALUES ",
        );
        for (i, o) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(id)
                .push(", ")
                .bind(o.line_id)
                .push(", ")
                .bind(o.outcome)
                .push(", ");
            for (j, text) in [&o.problem, &o.change].into_iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                match text {
                    Some(t) => sql.bind(t.clone()),
                    None => sql.push("NULL"),
                };
            }
            sql.push(")");
        }
        sql.query().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Asks the run to stop after its chunk in progress; false if it was asked already.
pub async fn cancel(tx: &mut Tx, scoped: &Scoped, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let mut sql = Sql::new("UPDATE bulk_operations SET cancelled_at = ");
    sql.bind(now)
        .push(" WHERE id IN (SELECT o.id FROM bulk_operations o WHERE o.id = ")
        .bind(id)
        .push(" AND o.company_id = ")
        .bind(scoped.company_id())
        .push(" AND o.cancelled_at IS NULL");
    own(&mut sql, scoped);
    sql.push(")");
    sql.query()
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Whether the operation was asked to stop.
pub async fn cancelled(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT cancelled_at FROM bulk_operations WHERE id = $1 AND company_id = $2",
    )
    .bind(id)
    .bind(scoped.company_id())
    .fetch_optional(conn)
    .await?;
    Ok(at.flatten().is_some())
}

/// One line of an operation with what the run did to it (no outcome: not reached).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LineResult {
    pub line_id: i64,
    pub msisdn: String,
    pub value: Option<String>,
    pub outcome: Option<String>,
    pub problem: Option<String>,
    pub change: Option<String>,
}

/// Which of an operation's lines a page of results shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    All,
    Outcome(&'static str),
    /// Not reached (left by a cancel, or still to come).
    NotReached,
}

/// A page of the operation's lines (of one the permit may see; to a delegated permit, those it
/// covers now) in id order, with their outcomes.
pub async fn results(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
    shown: Shown,
    limit: i64,
    offset: i64,
) -> Result<Vec<LineResult>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT b.line_id, b.msisdn, b.value, r.outcome, r.problem, r.change
         FROM bulk_lines b JOIN bulk_operations o ON o.id = b.operation_id
         LEFT JOIN bulk_results r ON r.operation_id = b.operation_id AND r.line_id = b.line_id
         WHERE o.company_id = ",
    );
    sql.bind(scoped.company_id())
        .push(" AND b.operation_id = ")
        .bind(id);
    own(&mut sql, scoped);
    covered(&mut sql, scoped);
    match shown {
        Shown::All => {}
        Shown::Outcome(o) => {
            sql.push(" AND r.outcome = ").bind(o);
        }
        Shown::NotReached => {
            sql.push(" AND r.outcome IS NULL");
        }
    }
    sql.push(" ORDER BY b.line_id").limit(limit, offset);
    sql.query_as().fetch_all(conn).await
}

/// The lines that failed (of those the permit covers now), each with its own value: what a
/// retry runs on.
pub async fn failed_lines(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Vec<(i64, Option<String>)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT b.line_id, b.value FROM bulk_lines b
         JOIN bulk_results r ON r.operation_id = b.operation_id AND r.line_id = b.line_id
         JOIN bulk_operations o ON o.id = b.operation_id
         WHERE r.outcome = 'failed' AND b.operation_id = ",
    );
    sql.bind(id)
        .push(" AND o.company_id = ")
        .bind(scoped.company_id());
    own(&mut sql, scoped);
    covered(&mut sql, scoped);
    sql.push(" ORDER BY b.line_id");
    sql.query_as().fetch_all(conn).await
}
