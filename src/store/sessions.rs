//! Sessions live in the database so any instance behind a load balancer can serve any request.
//! The cookie carries a random token; only its SHA-256 is stored.

use sqlx::AnyConnection;

use super::{Backend, Db, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub company_id: Option<i64>,
    pub csrf_token: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub full_name: String,
    pub msisdn: String,
    pub is_staff: i64,
    pub disabled: i64,
    pub legal_name: Option<String>,
    pub account_number: Option<String>,
    pub role: Option<String>,
    /// The chosen company's region and reference counters (see `store::reference`).
    pub region_code: Option<String>,
    pub reference_version: Option<i64>,
    pub catalogue_version: i64,
    /// Moves whenever roles or grants change (see `authz`).
    pub policy_version: i64,
    /// The session was opened, or confirmed, with the second factor.
    pub second_factor: i64,
    /// The chosen company requires a second factor of its admins.
    pub admins_need_totp: Option<i64>,
    /// How many companies the person may open.
    pub companies: i64,
    /// A message for the next page (see `web::flash`).
    pub flash: Option<String>,
    /// The database's snapshot when the session was read (PostgreSQL): a lines page keeps
    /// its count while the snapshot stays the same (`store::counts`).
    #[sqlx(default)]
    pub snapshot: Option<String>,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub second_factor: bool,
    pub user_id: i64,
    pub company_id: Option<i64>,
    pub csrf_token: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert(conn: &mut AnyConnection, s: &NewSession<'_>) -> Result<(), sqlx::Error> {
    let now = s.created_at;
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, company_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent, second_factor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.id_hash)
    .bind(s.user_id)
    .bind(s.company_id)
    .bind(s.csrf_token)
    .bind(now)
    .bind(now)
    .bind(s.expires_at)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(i64::from(s.second_factor))
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn find(
    conn: &mut AnyConnection,
    backend: Backend,
    id_hash: &str,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT s.id_hash, s.user_id, s.company_id, s.csrf_token, s.last_seen_at, s.expires_at,
                u.full_name, u.msisdn, u.is_staff, u.disabled,
                c.legal_name, c.account_number,
                CASE WHEN u.is_staff <> 0 AND c.id IS NOT NULL THEN 'staff' ELSE m.role END AS role,
                c.region_code, c.reference_version,
                (SELECT version FROM catalogue_version WHERE id = 1) AS catalogue_version,
                (SELECT version FROM policy_version WHERE id = 1) AS policy_version,
                s.second_factor, c.admins_need_totp,
                (SELECT COUNT(*) FROM memberships mm
                 WHERE mm.user_id = s.user_id AND mm.blocked_at IS NULL) AS companies, s.flash,
                {} AS snapshot
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN companies c ON c.id = s.company_id
         LEFT JOIN memberships m
           ON m.user_id = s.user_id AND m.company_id = s.company_id AND m.blocked_at IS NULL
         WHERE s.id_hash = $1",
        backend.snapshot_column()
    );
    sqlx::query_as::<_, SessionRow>(sqlx::AssertSqlSafe(sql))
        .bind(id_hash)
        .fetch_optional(conn)
        .await
}

/// Keeps a message for the session's next page, or (with `None`) clears it once shown.
pub async fn set_flash(
    conn: &mut AnyConnection,
    id_hash: &str,
    flash: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET flash = $1 WHERE id_hash = $2")
        .bind(flash)
        .bind(id_hash)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn touch(conn: &mut AnyConnection, id_hash: &str, at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(at)
        .bind(id_hash)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Points the session at a company under a new id (`new_hash`): the id a browser held before
/// the choice does not carry the company's rights.
pub async fn set_company(
    conn: &mut AnyConnection,
    id_hash: &str,
    new_hash: &str,
    company_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET company_id = $1, id_hash = $2 WHERE id_hash = $3")
        .bind(company_id)
        .bind(new_hash)
        .bind(id_hash)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn delete(conn: &mut AnyConnection, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await
        .map(|_| ())
}

/// Ends every session of a user (password changed, user disabled).
pub async fn delete_for_user(conn: &mut AnyConnection, user_id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
}

/// Removes sessions past their lifetime; returns how many.
pub async fn delete_expired(db: &Db) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now_ms())
        .execute(&db.pool)
        .await
        .map(|r| r.rows_affected())
}

/// Remembers a browser for a user; true if it was not known before.
pub async fn remember_device(
    conn: &mut AnyConnection,
    user_id: i64,
    device_hash: &str,
    user_agent: &str,
    ip: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, user_agent, first_ip, first_seen_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, device_hash) DO NOTHING",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(user_agent)
    .bind(ip)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn device_count(conn: &mut AnyConnection, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await
}

/// A session as its owner sees it on the "Devices and sessions" page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OwnSession {
    pub id_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
    pub user_agent: String,
}

pub async fn list_for_user(
    db: &Db,
    user_id: i64,
    now: i64,
) -> Result<Vec<OwnSession>, sqlx::Error> {
    sqlx::query_as::<_, OwnSession>(
        "SELECT id_hash, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Ends one of the user's sessions; false if it is not theirs (or already gone).
pub async fn delete_own(
    conn: &mut AnyConnection,
    user_id: i64,
    id_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
        .bind(user_id)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the user but `keep`; how many.
pub async fn delete_others(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
}
