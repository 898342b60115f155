//! Files kept for a while (a list uploaded for a bulk change, an ended operation's results),
//! in chunks of a megabyte so that
//! no row holds a whole large file, in the database so that any instance serves them. Each has
//! an expiry; the sweep deletes those past it.

use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::Db;
use super::sql::Sql;

const CHUNK: usize = 1 << 20;

/// A kept file.
#[derive(Debug, Clone)]
pub struct Kept {
    pub id: i64,
    pub name: String,
    pub bytes: Vec<u8>,
    pub created_at: i64,
}

/// Keeps a file the permit's actor gave, for `purpose`, until `expires_at`; its id.
pub async fn keep(
    db: &Db,
    scoped: &Scoped,
    purpose: &str,
    name: &str,
    bytes: &[u8],
    now: i64,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    let actor = scoped.actor();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO files (company_id, created_by, token_id, purpose, name, size, created_at,
                expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(scoped.company_id())
    .bind(actor.user_id)
    .bind(actor.token_id)
    .bind(purpose)
    .bind(name)
    .bind(bytes.len() as i64)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
        sqlx::query("INSERT INTO file_chunks (file_id, seq, bytes) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(seq as i64)
            .bind(chunk.to_vec())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The file kept for `purpose`, if it is the permit's company's, not expired, and (to a
/// delegated permit) its actor's own.
pub async fn get(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    purpose: &str,
    id: i64,
    now: i64,
) -> Result<Option<Kept>, sqlx::Error> {
    let mut sql = select(scoped, purpose, now);
    sql.push(" AND id = ").bind(id);
    read(conn, sql).await
}

/// The latest file kept for `purpose` under this name, as [`get`] finds them.
pub async fn find(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    purpose: &str,
    name: &str,
    now: i64,
) -> Result<Option<Kept>, sqlx::Error> {
    let mut sql = select(scoped, purpose, now);
    sql.push(" AND name = ")
        .bind(name)
        .push(" ORDER BY id DESC");
    sql.limit(1, 0);
    read(conn, sql).await
}

fn select(scoped: &Scoped, purpose: &str, now: i64) -> Sql {
    let mut sql = Sql::new("SELECT id, name, created_at FROM files WHERE company_id = ");
    sql.bind(scoped.company_id())
        .push(" AND purpose = ")
        .bind(purpose.to_owned())
        .push(" AND expires_at > ")
        .bind(now);
    own_only(&mut sql, scoped, ("created_by", "token_id"));
    sql
}

/// To a delegated permit, only the rows its actor made: a person's by `created_by`, a token's
/// by `token_id` (the columns named); an actor that is neither has none.
pub(super) fn own_only(sql: &mut Sql, scoped: &Scoped, (by, token): (&'static str, &'static str)) {
    if !scoped.is_whole_company() {
        let actor = scoped.actor();
        match (actor.user_id, actor.token_id) {
            (Some(user), _) => sql.push(" AND ").push(by).push(" = ").bind(user),
            (None, Some(t)) => sql.push(" AND ").push(token).push(" = ").bind(t),
            (None, None) => sql.push(" AND 1 = 0"),
        };
    }
}

async fn read(conn: &mut AnyConnection, sql: Sql) -> Result<Option<Kept>, sqlx::Error> {
    let Some((id, name, created_at)) = sql
        .query_as::<(i64, String, i64)>()
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let chunks: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT bytes FROM file_chunks WHERE file_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(conn)
            .await?;
    Ok(Some(Kept {
        id,
        name,
        bytes: chunks.into_iter().flat_map(|(b,)| b).collect(),
        created_at,
    }))
}

/// How many files for `purpose` are kept now: the permit's actor's (a person's, a token's, or
/// the operator's own tools'), and the company's.
pub async fn kept_counts(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    purpose: &str,
    now: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let count = |own: bool| {
        let mut sql = Sql::new("SELECT COUNT(*) FROM files WHERE company_id = ");
        sql.bind(scoped.company_id())
            .push(" AND purpose = ")
            .bind(purpose.to_owned())
            .push(" AND expires_at > ")
            .bind(now);
        if own {
            let actor = scoped.actor();
            match (actor.user_id, actor.token_id) {
                (Some(user), _) => sql.push(" AND created_by = ").bind(user),
                (None, Some(token)) => sql.push(" AND token_id = ").bind(token),
                (None, None) => sql.push(" AND created_by IS NULL AND token_id IS NULL"),
            };
        }
        sql
    };
    let (own,): (i64,) = count(true).query_as().fetch_one(&mut *conn).await?;
    let (all,): (i64,) = count(false).query_as().fetch_one(&mut *conn).await?;
    Ok((own, all))
}

/// Deletes every file past its expiry, in every company (the runtime's own upkeep); how many.
pub async fn sweep(db: &Db, now: i64) -> Result<u64, sqlx::Error> {
    // Most sweeps find nothing: they read, and take the write lock only when there is work.
    let due: Option<i64> =
        sqlx::query_scalar("SELECT id FROM files WHERE expires_at <= $1 LIMIT 1")
            .bind(now)
            .fetch_optional(&db.pool)
            .await?;
    if due.is_none() {
        return Ok(0);
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "DELETE FROM file_chunks WHERE file_id IN (SELECT id FROM files WHERE expires_at <= $1)",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let gone = sqlx::query("DELETE FROM files WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(gone)
}
