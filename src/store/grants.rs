//! Roles and delegated rights: what the casbin adapter loads, and the departments and lines a
//! person's rights cover (the SQL side of the same grants).

use sqlx::AnyConnection;

use crate::domain::{Holder, Scoped};

use super::{Db, Tx};

/// A grant counts while it is neither revoked nor past its date.
const LIVE: &str = "g.revoked_at IS NULL AND (g.expires_at IS NULL OR g.expires_at > $1)";

/// Every role link `(subject, role, company)`: people's roles from memberships, live tokens'
/// roles, and `right:<code>` for each right of each live grant.
pub async fn role_links(db: &Db, now: i64) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let mut links: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT 'user:' || CAST(user_id AS TEXT), role, company_id FROM memberships
         WHERE blocked_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let tokens: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT 'token:' || CAST(id AS TEXT), role, company_id FROM api_tokens
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    let rights: Vec<(String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT CASE WHEN g.user_id IS NOT NULL THEN 'user:' || CAST(g.user_id AS TEXT)
                              ELSE 'token:' || CAST(g.token_id AS TEXT) END,
                'right:' || r.right_code, g.company_id
         FROM grants g JOIN grant_rights r ON r.grant_id = g.id WHERE {LIVE}
           AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = g.user_id
                           AND m.company_id = g.company_id AND m.blocked_at IS NOT NULL)"
    )))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    links.extend(tokens);
    links.extend(rights);
    Ok(links)
}

/// When the next live grant or token runs out, if any does.
pub async fn next_expiry(db: &Db, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let grants: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT MIN(g.expires_at) FROM grants g WHERE {LIVE} AND g.expires_at IS NOT NULL"
    )))
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    let tokens: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(expires_at) FROM api_tokens
         WHERE revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at > $1",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    Ok(grants.into_iter().chain(tokens).min())
}

/// What [`covered`] says of a holder in the permit's company (the access matrix).
pub async fn covered_in(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    now: i64,
    holder: Holder,
    right: &str,
) -> Result<(Vec<i64>, Vec<i64>), sqlx::Error> {
    covered(conn, now, holder, scoped.company_id(), right).await
}

/// The departments (without their subtrees) and single lines a holder's live grants with a
/// right cover in a company.
pub async fn covered(
    conn: &mut AnyConnection,
    now: i64,
    holder: Holder,
    company_id: i64,
    right: &str,
) -> Result<(Vec<i64>, Vec<i64>), sqlx::Error> {
    let (who, id) = match holder {
        Holder::User(id) => ("g.user_id", id),
        Holder::Token(id) => ("g.token_id", id),
    };
    // One statement for both (a manager's every page asks): 0 marks a department, 1 a line.
    let covered: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT CAST(0 AS BIGINT) AS kind, d.department_id AS id FROM grants g
         JOIN grant_rights r ON r.grant_id = g.id
         JOIN grant_departments d ON d.grant_id = g.id
         WHERE {LIVE} AND {who} = $2 AND g.company_id = $3 AND r.right_code = $4
         UNION ALL
         SELECT DISTINCT CAST(1 AS BIGINT), l.line_id FROM grants g
         JOIN grant_rights r ON r.grant_id = g.id
         JOIN grant_lines l ON l.grant_id = g.id
         WHERE {LIVE} AND {who} = $2 AND g.company_id = $3 AND r.right_code = $4"
    )))
    .bind(now)
    .bind(id)
    .bind(company_id)
    .bind(right)
    .fetch_all(conn)
    .await?;
    let (departments, lines): (Vec<_>, Vec<_>) =
        covered.into_iter().partition(|(kind, _)| *kind == 0);
    let ids = |v: Vec<(i64, i64)>| v.into_iter().map(|(_, id)| id).collect();
    Ok((ids(departments), ids(lines)))
}

/// The company's lines whose number is the person's own (an employee's line).
pub async fn own_lines(
    conn: &mut AnyConnection,
    user_id: i64,
    company_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT l.id FROM lines l JOIN users u ON u.msisdn = l.msisdn
         WHERE u.id = $1 AND l.company_id = $2",
    )
    .bind(user_id)
    .bind(company_id)
    .fetch_all(conn)
    .await
}

pub struct NewGrant<'a> {
    pub holder: Holder,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub rights: &'a [&'a str],
    pub departments: &'a [i64],
    pub lines: &'a [i64],
    /// The holder's name as the granter typed it (empty for a token).
    pub holder_name: &'a str,
}

/// A grant in the scoped company, made by its actor.
pub async fn insert(tx: &mut Tx, scoped: &Scoped, g: &NewGrant<'_>) -> Result<i64, sqlx::Error> {
    let (user_id, token_id) = match g.holder {
        Holder::User(id) => (Some(id), None),
        Holder::Token(id) => (None, Some(id)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO grants (company_id, user_id, token_id, granted_by, created_at, expires_at, holder_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(scoped.company_id())
    .bind(user_id)
    .bind(token_id)
    .bind(scoped.actor().user_id)
    .bind(g.created_at)
    .bind(g.expires_at)
    .bind(g.holder_name)
    .fetch_one(&mut **tx)
    .await?;
    for right in g.rights {
        sqlx::query("INSERT INTO grant_rights (grant_id, right_code) VALUES ($1, $2)")
            .bind(id)
            .bind(*right)
            .execute(&mut **tx)
            .await?;
    }
    for d in g.departments {
        sqlx::query("INSERT INTO grant_departments (grant_id, department_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*d)
            .execute(&mut **tx)
            .await?;
    }
    for l in g.lines {
        sqlx::query("INSERT INTO grant_lines (grant_id, line_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*l)
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

/// Revokes a live grant of the company; false if there is none by that id.
pub async fn revoke(tx: &mut Tx, scoped: &Scoped, id: i64, at: i64) -> Result<bool, sqlx::Error> {
    let company_id = scoped.company_id();
    let done = sqlx::query(
        "UPDATE grants SET revoked_at = $1 WHERE id = $2 AND company_id = $3 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(id)
    .bind(company_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A grant as the access page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: i64,
    pub msisdn: String,
    pub full_name: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub granted_by_name: Option<String>,
    #[sqlx(skip)]
    pub rights: Vec<String>,
    #[sqlx(skip)]
    pub departments: Vec<String>,
    #[sqlx(skip)]
    pub lines: Vec<String>,
}

/// The company's grants, newest first, with their rights, departments and lines. A holder is
/// named as the granter typed until they sign in to the company.
pub async fn list(db: &Db, scoped: &Scoped) -> Result<Vec<GrantRow>, sqlx::Error> {
    let company_id = scoped.company_id();
    let mut rows = sqlx::query_as::<_, GrantRow>(
        "SELECT g.id, g.user_id, u.msisdn, g.holder_name AS full_name,
                g.created_at, g.expires_at, g.revoked_at,
                CASE WHEN b.is_staff <> 0 THEN b.full_name ELSE bm.display_name END AS granted_by_name
         FROM grants g JOIN users u ON u.id = g.user_id LEFT JOIN users b ON b.id = g.granted_by
         LEFT JOIN memberships bm ON bm.user_id = g.granted_by AND bm.company_id = g.company_id
         WHERE g.company_id = $1 ORDER BY g.id DESC",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    let rights: Vec<(i64, String)> = sqlx::query_as(
        "SELECT r.grant_id, r.right_code FROM grant_rights r JOIN grants g ON g.id = r.grant_id
         WHERE g.company_id = $1 ORDER BY r.right_code",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    let departments: Vec<(i64, String)> = sqlx::query_as(
        "SELECT x.grant_id, d.name FROM grant_departments x JOIN grants g ON g.id = x.grant_id
         JOIN departments d ON d.id = x.department_id WHERE g.company_id = $1 ORDER BY d.name",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    let lines: Vec<(i64, String)> = sqlx::query_as(
        "SELECT x.grant_id, l.msisdn FROM grant_lines x JOIN grants g ON g.id = x.grant_id
         JOIN lines l ON l.id = x.line_id WHERE g.company_id = $1 ORDER BY l.msisdn",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    for row in &mut rows {
        row.rights = pick(&rights, row.id, |(_, v)| v.clone());
        row.departments = pick(&departments, row.id, |(_, v)| v.clone());
        row.lines = pick(&lines, row.id, |(_, v)| v.clone());
    }
    Ok(rows)
}

/// How many admins the company has who are not blocked, counted with the company's row locked.
pub async fn admin_count(tx: &mut Tx, scoped: &Scoped) -> Result<i64, sqlx::Error> {
    let company_id = scoped.company_id();
    // The company's row first: two admins stepping down at once count one after the other.
    super::companies::lock(tx, scoped).await?;
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships
         WHERE company_id = $1 AND role = 'admin' AND blocked_at IS NULL",
    )
    .bind(company_id)
    .fetch_one(&mut **tx)
    .await
}

/// The person's role in the company, if any.
pub async fn role_of(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let company_id = scoped.company_id();
    sqlx::query_scalar("SELECT role FROM memberships WHERE company_id = $1 AND user_id = $2")
        .bind(company_id)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Takes a person out of a company: the role, live grants and sessions there.
pub async fn remove_member(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
    at: i64,
) -> Result<(), sqlx::Error> {
    let company_id = scoped.company_id();
    sqlx::query("DELETE FROM memberships WHERE company_id = $1 AND user_id = $2")
        .bind(company_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE grants SET revoked_at = $1 WHERE company_id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(company_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM sessions WHERE company_id = $1 AND user_id = $2")
        .bind(company_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Blocks a member at `at` (`by_admin`: an admin's block, which only an admin lifts; a block
/// already an admin's stays so) or lifts the block (`None`); a block ends their sessions in the
/// company. False if the person is not a member.
pub async fn set_blocked(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
    at: Option<i64>,
    by_admin: bool,
) -> Result<bool, sqlx::Error> {
    let company_id = scoped.company_id();
    let changed = sqlx::query(
        "UPDATE memberships SET blocked_at = $1,
                blocked_by_admin = CASE WHEN $1 IS NULL THEN 0
                                        WHEN blocked_at IS NULL THEN $4
                                        WHEN $4 = 1 THEN 1 ELSE blocked_by_admin END
         WHERE company_id = $2 AND user_id = $3",
    )
    .bind(at)
    .bind(company_id)
    .bind(user_id)
    .bind(i64::from(by_admin))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if at.is_some() {
        sqlx::query("DELETE FROM sessions WHERE company_id = $1 AND user_id = $2")
            .bind(company_id)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(changed == 1)
}

/// A member of the company as the access page lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub user_id: i64,
    pub msisdn: String,
    pub full_name: String,
    pub role: String,
    pub blocked_at: Option<i64>,
}

/// Whether the member's block is an admin's (false for a member not blocked or not there).
pub async fn blocked_by_admin(
    tx: &mut Tx,
    scoped: &Scoped,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let by_admin: Option<i64> = sqlx::query_scalar(
        "SELECT blocked_by_admin FROM memberships
         WHERE company_id = $1 AND user_id = $2 AND blocked_at IS NOT NULL",
    )
    .bind(scoped.company_id())
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(by_admin == Some(1))
}

/// The company's members, each by the name the company gave them.
pub async fn members(db: &Db, scoped: &Scoped) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as::<_, Member>(
        "SELECT user_id, msisdn, full_name, role, blocked_at FROM (
           SELECT u.id AS user_id, u.msisdn, m.role, m.blocked_at, m.display_name AS full_name
           FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.company_id = $1
         ) x ORDER BY role, full_name",
    )
    .bind(scoped.company_id())
    .fetch_all(&db.pool)
    .await
}

/// A live grant with what it covers, as the reach of delegated user management is judged.
#[derive(Debug, Clone)]
pub struct HeldGrant {
    pub id: i64,
    pub holder: Holder,
    pub rights: Vec<String>,
    pub departments: Vec<i64>,
    /// Each single line with the department it is in now.
    pub lines: Vec<(i64, Option<i64>)>,
}

/// The company's members and tokens with their roles, its live grants with what they cover,
/// and its employees' own lines (with their departments).
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    pub roles: Vec<(i64, String)>,
    pub tokens: Vec<(i64, String)>,
    pub grants: Vec<HeldGrant>,
    pub own_lines: Vec<(i64, i64, Option<i64>)>,
}

/// Everything [`Holdings`] holds for the scoped company.
pub async fn holdings(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    now: i64,
) -> Result<Holdings, sqlx::Error> {
    let company_id = scoped.company_id();
    let roles = sqlx::query_as("SELECT user_id, role FROM memberships WHERE company_id = $1")
        .bind(company_id)
        .fetch_all(&mut *conn)
        .await?;
    let tokens = sqlx::query_as("SELECT id, role FROM api_tokens WHERE company_id = $1")
        .bind(company_id)
        .fetch_all(&mut *conn)
        .await?;
    let heads: Vec<(i64, Option<i64>, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(
        format!("SELECT g.id, g.user_id, g.token_id FROM grants g WHERE {LIVE} AND g.company_id = $2 ORDER BY g.id"),
    ))
    .bind(now)
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    let rights: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.grant_id, r.right_code FROM grant_rights r JOIN grants g ON g.id = r.grant_id
         WHERE {LIVE} AND g.company_id = $2"
    )))
    .bind(now)
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    let departments: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT x.grant_id, x.department_id FROM grant_departments x JOIN grants g ON g.id = x.grant_id
         WHERE {LIVE} AND g.company_id = $2"
    )))
    .bind(now)
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    let lines: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT x.grant_id, x.line_id, l.department_id FROM grant_lines x
         JOIN grants g ON g.id = x.grant_id JOIN lines l ON l.id = x.line_id
         WHERE {LIVE} AND g.company_id = $2"
    )))
    .bind(now)
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    let own_lines = sqlx::query_as(
        "SELECT m.user_id, l.id, l.department_id FROM memberships m
         JOIN users u ON u.id = m.user_id
         JOIN lines l ON l.msisdn = u.msisdn AND l.company_id = m.company_id
         WHERE m.company_id = $1 AND m.role = 'employee'",
    )
    .bind(company_id)
    .fetch_all(&mut *conn)
    .await?;
    let grants = heads
        .into_iter()
        .filter_map(|(id, user, token)| {
            let holder = match (user, token) {
                (Some(u), _) => Holder::User(u),
                (None, Some(t)) => Holder::Token(t),
                (None, None) => return None,
            };
            Some(HeldGrant {
                id,
                holder,
                rights: pick(&rights, id, |(_, code)| code.clone()),
                departments: pick(&departments, id, |(_, d)| *d),
                lines: lines
                    .iter()
                    .filter(|(g, _, _)| *g == id)
                    .map(|(_, line, dept)| (*line, *dept))
                    .collect(),
            })
        })
        .collect();
    Ok(Holdings {
        roles,
        tokens,
        grants,
        own_lines,
    })
}

/// The values of `rows` whose grant is `id`.
fn pick<V, T>(rows: &[(i64, V)], id: i64, value: impl Fn(&(i64, V)) -> T) -> Vec<T> {
    rows.iter().filter(|r| r.0 == id).map(value).collect()
}

/// When invitations went to this number (from any company) and from this company, since
/// `since`.
pub async fn invitation_times(
    tx: &mut Tx,
    scoped: &Scoped,
    msisdn: &str,
    since: i64,
) -> Result<(Vec<i64>, Vec<i64>), sqlx::Error> {
    let to_number = sqlx::query_scalar("SELECT at FROM invitations WHERE msisdn = $1 AND at > $2")
        .bind(msisdn)
        .bind(since)
        .fetch_all(&mut **tx)
        .await?;
    let from_company =
        sqlx::query_scalar("SELECT at FROM invitations WHERE company_id = $1 AND at > $2")
            .bind(scoped.company_id())
            .bind(since)
            .fetch_all(&mut **tx)
            .await?;
    Ok((to_number, from_company))
}

pub async fn record_invitation(
    tx: &mut Tx,
    scoped: &Scoped,
    msisdn: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO invitations (company_id, msisdn, at) VALUES ($1, $2, $3)")
        .bind(scoped.company_id())
        .bind(msisdn)
        .bind(at)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// When the actor's own live grants with this right end: `Some(None)` if one of them never
/// does, `Some(Some(at))` for the latest end, `None` if the actor has none (an admin).
pub async fn own_end(
    tx: &mut Tx,
    scoped: &Scoped,
    right: &str,
    now: i64,
) -> Result<Option<Option<i64>>, sqlx::Error> {
    let Some(user_id) = scoped.actor().user_id else {
        return Ok(None);
    };
    let ends: Vec<Option<i64>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT g.expires_at FROM grants g JOIN grant_rights r ON r.grant_id = g.id
         WHERE {LIVE} AND g.company_id = $2 AND g.user_id = $3 AND r.right_code = $4"
    )))
    .bind(now)
    .bind(scoped.company_id())
    .bind(user_id)
    .bind(right)
    .fetch_all(&mut **tx)
    .await?;
    Ok(if ends.is_empty() {
        None
    } else if ends.contains(&None) {
        Some(None)
    } else {
        Some(ends.into_iter().flatten().max())
    })
}

/// The role a holder has in the permit's company now: none for a person who is no longer a
/// member or is blocked there, or a token revoked or past its date.
pub async fn live_role(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    holder: Holder,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    match holder {
        Holder::User(user) => {
            sqlx::query_scalar(
                "SELECT role FROM memberships
                 WHERE company_id = $1 AND user_id = $2 AND blocked_at IS NULL",
            )
            .bind(scoped.company_id())
            .bind(user)
            .fetch_optional(conn)
            .await
        }
        Holder::Token(token) => {
            sqlx::query_scalar(
                "SELECT role FROM api_tokens WHERE company_id = $1 AND id = $2
                 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3)",
            )
            .bind(scoped.company_id())
            .bind(token)
            .bind(now)
            .fetch_optional(conn)
            .await
        }
    }
}

/// The version of roles and grants (any instance's change moves it).
pub async fn policy_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
        .fetch_one(conn)
        .await
}
