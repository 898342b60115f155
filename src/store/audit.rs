//! The append-only audit log. Every change writes its entry in the change's own transaction.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::domain::audit::{AuditEvent, Row};
use crate::domain::{Actor, Operator, Scope, Scoped};

use super::sql::Arg;
use super::{Sql, Tx, now_ms};

/// Appends an entry of the permit's company, by the permit's actor.
pub async fn append(tx: &mut Tx, scoped: &Scoped, event: &AuditEvent) -> Result<(), sqlx::Error> {
    insert(tx, scoped.actor(), Some(scoped.company_id()), &event.row()).await
}

/// Appends an entry of a person's own doing before or beside any permit: signing in, choosing a
/// company, their own second factor; `company_id` is the company they are in, if any.
pub async fn append_own(
    tx: &mut Tx,
    actor: &Actor,
    company_id: Option<i64>,
    event: &AuditEvent,
) -> Result<(), sqlx::Error> {
    insert(tx, actor, company_id, &event.row()).await
}

/// Appends an entry of the operator's own, of no company (loading the catalogue, its staff and
/// accounts).
pub async fn append_operator(
    tx: &mut Tx,
    operator: &Operator,
    event: &AuditEvent,
) -> Result<(), sqlx::Error> {
    insert(tx, operator.actor(), None, &event.row()).await
}

async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    company_id: Option<i64>,
    e: &Row,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(now_ms())
    .bind(company_id)
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(&e.action)
    .bind(e.object_type)
    .bind(&e.object_id)
    .bind(e.before.as_ref().map(Value::to_string))
    .bind(e.after.as_ref().map(Value::to_string))
    .bind(&actor.ip)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor_label: String,
    /// The acting person's name now (empty once their personal data is erased).
    pub actor_name: Option<String>,
    /// Who or what the object is now: a person's name (as this company names them), a line's
    /// number, a company's legal name, a grant's holder, a token's name (none once erased or
    /// deleted).
    /// Entries keep only ids of people; names are looked up when shown.
    pub object_name: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: String,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

// An entry about nothing yet made (a refused grant) has an empty object id: NULLIF keeps the
// casts from failing on it.
const COLUMNS: &str = "SELECT a.id, a.at, a.actor_label,
        (SELECT CASE WHEN u.is_staff <> 0 THEN u.full_name ELSE m.display_name END
         FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = a.company_id
         WHERE u.id = a.actor_id) AS actor_name,
        CASE a.object_type
            WHEN 'employee' THEN (SELECT e.full_name FROM employees e
                                  WHERE e.id = CAST(NULLIF(a.object_id, '') AS BIGINT) AND e.company_id = a.company_id)
            WHEN 'user' THEN (SELECT CASE WHEN u.is_staff <> 0 THEN u.full_name ELSE m.display_name END
                              FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = a.company_id
                              WHERE u.id = CAST(NULLIF(a.object_id, '') AS BIGINT))
            WHEN 'line' THEN (SELECT l.msisdn FROM lines l
                              WHERE l.id = CAST(NULLIF(a.object_id, '') AS BIGINT) AND l.company_id = a.company_id)
            WHEN 'company' THEN (SELECT c.legal_name FROM companies c
                                 WHERE c.id = CAST(NULLIF(a.object_id, '') AS BIGINT) AND c.id = a.company_id)
            WHEN 'grant' THEN (SELECT m.display_name FROM grants g
                               JOIN memberships m ON m.user_id = g.user_id AND m.company_id = g.company_id
                               WHERE g.id = CAST(NULLIF(a.object_id, '') AS BIGINT) AND g.company_id = a.company_id)
            WHEN 'api_token' THEN (SELECT t.name FROM api_tokens t
                                   WHERE t.id = CAST(NULLIF(a.object_id, '') AS BIGINT) AND t.company_id = a.company_id)
        END AS object_name,
        a.action, a.object_type, a.object_id, a.before_json, a.after_json, a.ip
    FROM audit_log a WHERE a.company_id = ";

/// The company's entries that match; a delegated scope sees only those about its lines.
fn filtered(scoped: &Scoped, f: &Filter, select: &'static str) -> Sql {
    let company_id = scoped.company_id();
    let mut sql = Sql::new(select);
    sql.bind(company_id);
    if let Scope::Only { .. } = scoped.scope() {
        sql.push(
            " AND a.object_type = 'line' AND a.object_id IN (SELECT CAST(l.id AS TEXT) FROM lines l WHERE l.company_id = ",
        )
        .bind(company_id);
        super::lines::push_scope(&mut sql, scoped.scope());
        sql.push(")");
    }
    if let Some(a) = &f.action {
        sql.push(" AND a.action = ").bind(a.as_str());
    }
    if let Some(t) = &f.object_type {
        sql.push(" AND a.object_type = ").bind(t.as_str());
    }
    if let Some(o) = &f.object_id {
        sql.push(" AND a.object_id = ").bind(o.as_str());
    }
    if let Some(a) = &f.actor {
        sql.push(" AND a.actor_label = ").bind(a.as_str());
    }
    if let Some(from) = f.from_ms {
        sql.push(" AND a.at >= ").bind(from);
    }
    if let Some(to) = f.to_ms {
        sql.push(" AND a.at < ").bind(to);
    }
    sql
}

/// A page of the company's log, newest first, and how many entries match in all.
pub async fn list(
    db: &super::Db,
    scoped: &Scoped,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64), sqlx::Error> {
    let mut sql = filtered(scoped, f, COLUMNS);
    sql.push(" ORDER BY a.at DESC, a.id DESC")
        .limit(limit, offset);
    let rows = sql.query_as::<Entry>().fetch_all(&db.pool).await?;
    let total = filtered(
        scoped,
        f,
        "SELECT COUNT(*) FROM audit_log a WHERE a.company_id = ",
    )
    .count(&db.pool)
    .await?;
    Ok((rows, total))
}

/// The distinct actions in the company's log within a scope, for the filter's choices.
pub async fn actions(db: &super::Db, scoped: &Scoped) -> Result<Vec<String>, sqlx::Error> {
    let mut sql = filtered(
        scoped,
        &Filter::default(),
        "SELECT DISTINCT a.action FROM audit_log a WHERE a.company_id = ",
    );
    sql.push(" ORDER BY a.action");
    let rows: Vec<(String,)> = sql.query_as().fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Appends many entries of the permit's company (for batch work such as adding lines or an
/// import), in their order: on PostgreSQL over arrays (`UNNEST`), 20,000 a statement; on SQLite
/// as JSON rows.
pub async fn append_many(
    tx: &mut Tx,
    scoped: &Scoped,
    events: &[AuditEvent],
) -> Result<(), sqlx::Error> {
    let at = now_ms();
    let actor = scoped.actor();
    let company_id = scoped.company_id();
    let json = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    if tx.backend().writes_rows_as_arrays() {
        use super::sql::pg_array;
        for chunk in events.chunks(20_000) {
            let rows: Vec<Row> = chunk.iter().map(AuditEvent::row).collect();
            sqlx::query(
                "INSERT INTO audit_log (at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip)
                 SELECT $1, $5, $2, $3, v.action, v.object_type, v.object_id, v.before_json, v.after_json, $4
                 FROM UNNEST(CAST($6 AS TEXT[]), CAST($7 AS TEXT[]), CAST($8 AS TEXT[]),
                             CAST($9 AS TEXT[]), CAST($10 AS TEXT[]))
                      WITH ORDINALITY AS v(action, object_type, object_id, before_json, after_json, n)
                 ORDER BY v.n",
            )
            .bind(at)
            .bind(actor.user_id)
            .bind(&actor.label)
            .bind(&actor.ip)
            .bind(company_id)
            .bind(pg_array(rows.iter().map(|e| Some(e.action.clone()))))
            .bind(pg_array(rows.iter().map(|e| Some(e.object_type.to_owned()))))
            .bind(pg_array(rows.iter().map(|e| Some(e.object_id.clone()))))
            .bind(pg_array(rows.iter().map(|e| json(&e.before))))
            .bind(pg_array(rows.iter().map(|e| json(&e.after))))
            .execute(&mut **tx)
            .await?;
        }
        return Ok(());
    }
    for chunk in events.chunks(super::sql::JSON_ROWS) {
        let rows: Vec<Row> = chunk.iter().map(AuditEvent::row).collect();
        let rows = super::sql::json_rows(rows.iter().map(|e| {
            (
                &e.action,
                e.object_type,
                &e.object_id,
                json(&e.before),
                json(&e.after),
            )
        }))?;
        sqlx::query(
            "INSERT INTO audit_log (at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip)
             SELECT $1, $5, $2, $3, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, $4
             FROM jsonb_each($6) AS r ORDER BY r.key",
        )
        .bind(at)
        .bind(actor.user_id)
        .bind(&actor.label)
        .bind(&actor.ip)
        .bind(company_id)
        .bind(rows)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What a page of entries names by id or code, to say it by name.
#[derive(Debug, Default)]
pub struct Wanted {
    pub departments: BTreeSet<i64>,
    pub employees: BTreeSet<i64>,
    pub members: BTreeSet<i64>,
    pub lines: BTreeSet<i64>,
    pub tariffs: BTreeSet<String>,
    pub services: BTreeSet<String>,
}

/// Names as they are now. Employees and lines are named only where the permit covers them, and
/// members only for a permit over the whole company: anything else stays a bare id.
#[derive(Debug, Default)]
pub struct Names {
    pub departments: HashMap<i64, String>,
    pub employees: HashMap<i64, String>,
    pub members: HashMap<i64, String>,
    /// Line id → its number.
    pub lines: HashMap<i64, String>,
    /// Tariff code → its name.
    pub tariffs: HashMap<String, String>,
    /// Service code → its Russian and English names.
    pub services: HashMap<String, (String, String)>,
}

pub async fn names(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    wanted: &Wanted,
) -> Result<Names, sqlx::Error> {
    let company_id = scoped.company_id();
    let mut names = Names::default();

    let mut sql = Sql::new("SELECT id, name FROM departments WHERE company_id = ");
    sql.bind(company_id).push(" AND id IN (");
    names.departments = named(conn, sql, &wanted.departments).await?;

    let mut sql = Sql::new("SELECT e.id, e.full_name FROM employees e WHERE e.company_id = ");
    sql.bind(company_id);
    super::employees::push_scope(&mut sql, scoped);
    sql.push(" AND e.id IN (");
    names.employees = named(conn, sql, &wanted.employees).await?;

    if scoped.is_whole_company() {
        let mut sql = Sql::new("SELECT user_id, display_name FROM memberships WHERE company_id = ");
        sql.bind(company_id).push(" AND user_id IN (");
        names.members = named(conn, sql, &wanted.members).await?;
    }

    let mut sql = Sql::new("SELECT l.id, l.msisdn FROM lines l WHERE l.company_id = ");
    sql.bind(company_id);
    super::lines::push_scope(&mut sql, scoped.scope());
    sql.push(" AND l.id IN (");
    names.lines = named(conn, sql, &wanted.lines).await?;

    // A code names a tariff in each region it is sold in, under the same name.
    let sql = Sql::new("SELECT code, MIN(name) FROM tariffs GROUP BY code HAVING code IN (");
    names.tariffs = named(conn, sql, &wanted.tariffs).await?;

    let sql = Sql::new("SELECT code, name_ru, name_en FROM services WHERE code IN (");
    let rows: Vec<(String, String, String)> = rows_for(conn, sql, &wanted.services).await?;
    names.services = rows.into_iter().map(|(c, ru, en)| (c, (ru, en))).collect();
    Ok(names)
}

/// Key → name, from `sql` (a select of the two that ends in `IN (`) for `keys`.
async fn named<K>(
    conn: &mut AnyConnection,
    sql: Sql,
    keys: &BTreeSet<K>,
) -> Result<HashMap<K, String>, sqlx::Error>
where
    K: Clone + Into<Arg> + Eq + Hash,
    (K, String): for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(rows_for(conn, sql, keys).await?.into_iter().collect())
}

/// The rows of `sql`, which ends in `IN (`, for `keys`; nothing is read when none is wanted.
async fn rows_for<K, R>(
    conn: &mut AnyConnection,
    mut sql: Sql,
    keys: &BTreeSet<K>,
) -> Result<Vec<R>, sqlx::Error>
where
    K: Clone + Into<Arg>,
    R: for<'r> FromRow<'r, AnyRow> + Send + Unpin,
{
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    sql.bind_list(keys.iter().cloned()).push(")");
    sql.query_as().fetch_all(conn).await
}
