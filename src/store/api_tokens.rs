//! API tokens: stored as SHA-256 of the secret; a live one reads like a session (the company,
//! its role and the version counters), so the API authorizes tokens and sessions alike.

use super::sessions::SessionRow;
use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::{Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenSession {
    pub token_id: i64,
    #[sqlx(flatten)]
    pub session: SessionRow,
}

/// A live token by the hash of its secret (not revoked, not past its date).
pub async fn find_live(
    conn: &mut AnyConnection,
    hash: &str,
    now: i64,
) -> Result<Option<TokenSession>, sqlx::Error> {
    sqlx::query_as::<_, TokenSession>(
        "SELECT t.id AS token_id, '' AS id_hash, 0 AS user_id, t.company_id, '' AS csrf_token,
                COALESCE(t.last_used_at, 0) AS last_seen_at, COALESCE(t.expires_at, 0) AS expires_at,
                t.name AS full_name, '' AS msisdn, 0 AS is_staff, 0 AS disabled,
                c.legal_name, c.account_number, t.role, c.region_code, c.reference_version,
                (SELECT version FROM catalogue_version WHERE id = 1) AS catalogue_version,
                (SELECT version FROM policy_version WHERE id = 1) AS policy_version,
                1 AS second_factor, 0 AS admins_need_totp, 1 AS companies, NULL AS flash
         FROM api_tokens t JOIN companies c ON c.id = t.company_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
    )
    .bind(hash)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// Records a use (at most once a minute per token: the caller checks `last_seen_at`).
pub async fn touch(db: &Db, id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub role: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// A token of the scoped company, issued by its actor.
pub async fn insert(tx: &mut Tx, scoped: &Scoped, t: &NewToken<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (company_id, name, token_hash, prefix, role, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(scoped.company_id())
    .bind(t.name)
    .bind(t.token_hash)
    .bind(t.prefix)
    .bind(t.role)
    .bind(scoped.actor().user_id)
    .bind(t.created_at)
    .bind(t.expires_at)
    .fetch_one(&mut **tx)
    .await
}

pub async fn revoke(tx: &mut Tx, scoped: &Scoped, id: i64, at: i64) -> Result<bool, sqlx::Error> {
    let company_id = scoped.company_id();
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND company_id = $3 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .bind(company_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A token as the access page lists it (never its secret).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    #[sqlx(skip)]
    pub rights: Vec<String>,
}

pub async fn list(db: &Db, scoped: &Scoped) -> Result<Vec<TokenRow>, sqlx::Error> {
    let company_id = scoped.company_id();
    let mut rows = sqlx::query_as::<_, TokenRow>(
        "SELECT id, name, prefix, role, created_at, expires_at, revoked_at, last_used_at
         FROM api_tokens WHERE company_id = $1 ORDER BY id DESC",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    let rights: Vec<(i64, String)> = sqlx::query_as(
        "SELECT g.token_id, r.right_code FROM grants g JOIN grant_rights r ON r.grant_id = g.id
         WHERE g.company_id = $1 AND g.token_id IS NOT NULL ORDER BY r.right_code",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    for row in &mut rows {
        row.rights = rights
            .iter()
            .filter(|(t, _)| *t == row.id)
            .map(|(_, r)| r.clone())
            .collect();
    }
    Ok(rows)
}
