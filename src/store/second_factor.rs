//! The second factor's records (see `services::second_factor`): authenticator secrets,
//! recovery codes, sign-ins waiting for their second step, and the company's rule.

use crate::domain::Scoped;

use super::{Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Secret {
    pub secret: String,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

pub async fn secret(db: &Db, user_id: i64) -> Result<Option<Secret>, sqlx::Error> {
    sqlx::query_as("SELECT secret, confirmed_at, last_step FROM totp_secrets WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await
}

pub async fn secret_tx(tx: &mut Tx, user_id: i64) -> Result<Option<Secret>, sqlx::Error> {
    sqlx::query_as("SELECT secret, confirmed_at, last_step FROM totp_secrets WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
}

/// A new secret being set up, replacing an unconfirmed one.
pub async fn put_pending(
    tx: &mut Tx,
    user_id: i64,
    secret: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1 AND confirmed_at IS NULL")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO totp_secrets (user_id, secret, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(secret)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn confirm(tx: &mut Tx, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE totp_secrets SET confirmed_at = $1 WHERE user_id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Takes a time step if it is later than the last one taken: false when the code was used.
pub async fn take_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("UPDATE totp_secrets SET last_step = $1 WHERE user_id = $2 AND last_step < $1")
        .bind(step)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected() == 1)
}

/// Removes the secret and the recovery codes.
pub async fn delete(tx: &mut Tx, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM totp_secrets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn replace_recovery_codes(
    tx: &mut Tx,
    user_id: i64,
    hashes: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Uses up an unused recovery code: false if there is none with this hash.
pub async fn use_recovery_code(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE recovery_codes SET used_at = $1
         WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(&mut **tx)
    .await
    .map(|r| r.rows_affected() == 1)
}

pub async fn recovery_codes_left(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await
}

pub async fn insert_attempt(
    db: &Db,
    attempt_hash: &str,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO second_factor_attempts (attempt_hash, user_id, created_at, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(attempt_hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&db.pool)
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub user_id: i64,
    pub expires_at: i64,
    pub tries: i64,
    pub used_at: Option<i64>,
}

/// The attempt, counting this try (so tries hold even when the answer is wrong).
pub async fn try_attempt(tx: &mut Tx, attempt_hash: &str) -> Result<Option<Attempt>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE second_factor_attempts SET tries = tries + 1 WHERE attempt_hash = $1
         RETURNING user_id, expires_at, tries, used_at",
    )
    .bind(attempt_hash)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn finish_attempt(tx: &mut Tx, attempt_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE second_factor_attempts SET used_at = $1 WHERE attempt_hash = $2")
        .bind(now)
        .bind(attempt_hash)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Wrong second-factor codes since `since`: for the user, and from the address.
pub async fn failures_since(
    tx: &mut Tx,
    user_id: i64,
    ip: &str,
    since: i64,
) -> Result<(i64, i64), sqlx::Error> {
    // Taking the user's row first makes concurrent steps for one user count one after another.
    sqlx::query("UPDATE users SET id = id WHERE id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM second_factor_failures WHERE user_id = $1 AND at >= $3),
                (SELECT COUNT(*) FROM second_factor_failures WHERE ip = $2 AND at >= $3)",
    )
    .bind(user_id)
    .bind(ip)
    .bind(since)
    .fetch_one(&mut **tx)
    .await
}

/// Counts a wrong second-factor code.
pub async fn record_failure(
    tx: &mut Tx,
    user_id: i64,
    ip: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO second_factor_failures (user_id, ip, at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(ip)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Marks a session as opened or confirmed with the second factor.
pub async fn mark_session(tx: &mut Tx, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET second_factor = 1 WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// A company where the user is an admin and admins must have a second factor, if any.
pub async fn company_requiring(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.legal_name FROM memberships m JOIN companies c ON c.id = m.company_id
         WHERE m.user_id = $1 AND m.role = 'admin' AND c.admins_need_totp <> 0
         ORDER BY c.legal_name LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn company_rule(db: &Db, scoped: &Scoped) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar::<_, i64>("SELECT admins_need_totp FROM companies WHERE id = $1")
        .bind(scoped.company_id())
        .fetch_one(&db.pool)
        .await
        .map(|v| v != 0)
}

pub async fn set_company_rule(tx: &mut Tx, scoped: &Scoped, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE companies SET admins_need_totp = $1 WHERE id = $2")
        .bind(i64::from(on))
        .bind(scoped.company_id())
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The company's admins who have no confirmed second factor (named on the access page).
pub async fn admins_without(db: &Db, scoped: &Scoped) -> Result<Vec<String>, sqlx::Error> {
    let company_id = scoped.company_id();
    sqlx::query_scalar(
        "SELECT u.msisdn FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.company_id = $1 AND m.role = 'admin' AND m.blocked_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM totp_secrets t
                           WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)
         ORDER BY u.msisdn",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await
}
