use crate::domain::{Operator, Scoped};

use super::{Db, Tx, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub msisdn: String,
    pub full_name: String,
    pub email: String,
    pub password_hash: Option<String>,
    pub is_staff: i64,
    pub disabled: i64,
}

/// A company the user may act for, and in which role.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub company_id: i64,
    pub role: String,
    pub legal_name: String,
    pub inn: String,
}

const SELECT: &str =
    "SELECT id, msisdn, full_name, email, password_hash, is_staff, disabled FROM users";

pub async fn find_by_msisdn(db: &Db, msisdn: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE msisdn = $1")))
        .bind(msisdn)
        .fetch_optional(&db.pool)
        .await
}

/// The user with this number, made (with no password yet, to sign in by code) if there is none.
pub async fn find_or_insert(
    tx: &mut Tx,
    msisdn: &str,
    full_name: &str,
) -> Result<i64, sqlx::Error> {
    if let Some(u) = find_by_msisdn_tx(tx, msisdn).await? {
        return Ok(u.id);
    }
    insert(
        tx,
        &NewUser {
            msisdn,
            full_name,
            email: "",
            password_hash: None,
            is_staff: false,
        },
    )
    .await
}

/// Takes the user's row until the transaction ends: changes of one person's password run one
/// after the other, so a daily limit counted in them holds.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET id = id WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn find_by_id(
    conn: &mut sqlx::AnyConnection,
    id: i64,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn find_by_msisdn_tx(tx: &mut Tx, msisdn: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE msisdn = $1")))
        .bind(msisdn)
        .fetch_optional(&mut **tx)
        .await
}

pub struct NewUser<'a> {
    pub msisdn: &'a str,
    pub full_name: &'a str,
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub is_staff: bool,
}

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (msisdn, full_name, email, password_hash, is_staff, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(u.msisdn)
    .bind(u.full_name)
    .bind(u.email)
    .bind(u.password_hash)
    .bind(i64::from(u.is_staff))
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_password_hash(tx: &mut Tx, user_id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Makes the person a member with `role` under `name` (the company's name for them), or
/// changes a member's role (their name stays).
pub async fn add_membership(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
    role: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO memberships (user_id, company_id, role, created_at, joined_at, display_name)
         VALUES ($1, $2, $3, $4, $4, $5)
         ON CONFLICT (user_id, company_id) DO UPDATE SET role = excluded.role",
    )
    .bind(user_id)
    .bind(scoped.company_id())
    .bind(role)
    .bind(now)
    .bind(name)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Makes the person a manager of the company under the name a granter typed (the company's
/// name for them from then on), unless they are a member already; true if they were not.
pub async fn invite_member(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
    typed_name: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO memberships (user_id, company_id, role, created_at, display_name)
         VALUES ($1, $2, 'manager', $3, $4) ON CONFLICT (user_id, company_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(scoped.company_id())
    .bind(now)
    .bind(typed_name)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Notes the person's first sign-in to the company.
pub async fn mark_joined(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    company_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE memberships SET joined_at = $1
         WHERE user_id = $2 AND company_id = $3 AND joined_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(company_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The companies a user may act for: their memberships, or every active company for staff.
pub async fn memberships(db: &Db, user: &User) -> Result<Vec<Membership>, sqlx::Error> {
    if user.is_staff != 0 {
        return sqlx::query_as::<_, Membership>(
            "SELECT id AS company_id, 'staff' AS role, legal_name, inn FROM companies
             WHERE status <> 'closed' ORDER BY legal_name, id",
        )
        .fetch_all(&db.pool)
        .await;
    }
    sqlx::query_as::<_, Membership>(
        "SELECT m.company_id, m.role, c.legal_name, c.inn FROM memberships m
         JOIN companies c ON c.id = m.company_id
         WHERE m.user_id = $1 AND m.blocked_at IS NULL AND c.status <> 'closed' ORDER BY c.legal_name, c.id",
    )
    .bind(user.id)
    .fetch_all(&db.pool)
    .await
}

pub async fn set_disabled(
    tx: &mut Tx,
    _operator: &Operator,
    user_id: i64,
    disabled: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(i64::from(disabled))
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The companies a person belongs to (blocked or not).
pub async fn membership_count(tx: &mut Tx, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await
}

/// Removes what identifies a person besides their id: the account stays, disabled and empty,
/// and the number is free for whoever has it next.
pub async fn erase(tx: &mut Tx, _operator: &Operator, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET msisdn = $1 WHERE id = $2")
        .bind(format!("erased:{user_id}"))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM known_devices WHERE user_id = $1",
        "DELETE FROM recovery_codes WHERE user_id = $1",
        "DELETE FROM totp_secrets WHERE user_id = $1",
        "DELETE FROM second_factor_attempts WHERE user_id = $1",
        "DELETE FROM second_factor_failures WHERE user_id = $1",
        "UPDATE memberships SET display_name = '' WHERE user_id = $1",
        "UPDATE grants SET holder_name = '' WHERE user_id = $1",
        "UPDATE users SET full_name = '', email = '', password_hash = NULL, disabled = 1 WHERE id = $1",
    ] {
        sqlx::query(sql).bind(user_id).execute(&mut **tx).await?;
    }
    Ok(())
}
