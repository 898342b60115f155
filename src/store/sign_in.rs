//! One-time codes, wrong-password counts and password changes (see `services::sign_in`).

use super::{Db, Tx};

pub struct NewCode<'a> {
    pub attempt_hash: &'a str,
    pub purpose: &'a str,
    pub msisdn: &'a str,
    pub user_id: Option<i64>,
    pub code_hash: &'a str,
    pub ip: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

pub async fn insert_code(tx: &mut Tx, c: &NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_codes (attempt_hash, purpose, msisdn, user_id, code_hash, ip, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(c.attempt_hash)
    .bind(c.purpose)
    .bind(c.msisdn)
    .bind(c.user_id)
    .bind(c.code_hash)
    .bind(c.ip)
    .bind(c.created_at)
    .bind(c.expires_at)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// When codes were issued since `since` to a number (`by_ip` false) or from an address.
pub async fn code_times(
    tx: &mut Tx,
    by_ip: bool,
    who: &str,
    since: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let sql = if by_ip {
        "SELECT created_at FROM sign_in_codes WHERE ip = $1 AND created_at > $2"
    } else {
        "SELECT created_at FROM sign_in_codes WHERE msisdn = $1 AND created_at > $2"
    };
    sqlx::query_scalar(sql)
        .bind(who)
        .bind(since)
        .fetch_all(&mut **tx)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub id: i64,
    pub msisdn: String,
    pub user_id: Option<i64>,
    pub code_hash: String,
    pub expires_at: i64,
    pub tries: i64,
    pub used_at: Option<i64>,
}

pub async fn find_code(
    tx: &mut Tx,
    attempt_hash: &str,
    purpose: &str,
) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as::<_, CodeRow>(
        "SELECT id, msisdn, user_id, code_hash, expires_at, tries, used_at FROM sign_in_codes
         WHERE attempt_hash = $1 AND purpose = $2",
    )
    .bind(attempt_hash)
    .bind(purpose)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn count_try(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sign_in_codes SET tries = tries + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Marks a code used; false if it already was (single use, even under a race).
pub async fn use_code(tx: &mut Tx, id: i64, at: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE sign_in_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn record_failure(db: &Db, msisdn: &str, ip: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_failures (msisdn, ip, at) VALUES ($1, $2, $3)")
        .bind(msisdn)
        .bind(ip)
        .bind(at)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Wrong passwords since `since` for a number (`by_ip` false) or from an address.
pub async fn failures_since(
    db: &Db,
    by_ip: bool,
    who: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    let sql = if by_ip {
        "SELECT COUNT(*) FROM login_failures WHERE ip = $1 AND at > $2"
    } else {
        "SELECT COUNT(*) FROM login_failures WHERE msisdn = $1 AND at > $2"
    };
    sqlx::query_scalar(sql)
        .bind(who)
        .bind(since)
        .fetch_one(&db.pool)
        .await
}

/// A sign-in by code clears the number's wrong passwords.
pub async fn clear_failures(tx: &mut Tx, msisdn: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE msisdn = $1")
        .bind(msisdn)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn password_changes_since(
    tx: &mut Tx,
    user_id: i64,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM password_changes WHERE user_id = $1 AND at > $2")
        .bind(user_id)
        .bind(since)
        .fetch_one(&mut **tx)
        .await
}

pub async fn record_password_change(tx: &mut Tx, user_id: i64, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO password_changes (user_id, at) VALUES ($1, $2)")
        .bind(user_id)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}
