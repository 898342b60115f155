//! A company's departments. The tree is the company's reference data: whoever may read it reads
//! all of it (a delegated scope limits lines and employees, not the names of departments).

use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::{Db, Tx, keys, now_ms};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Department {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub cost_centre: String,
    pub line_count: i64,
    pub employee_count: i64,
}

/// Every department of the company with its own (not subtree) line and employee counts.
pub async fn list(db: &Db, scoped: &Scoped) -> Result<Vec<Department>, sqlx::Error> {
    sqlx::query_as::<_, Department>(
        "SELECT d.id, d.parent_id, d.name, d.cost_centre,
                (SELECT COUNT(*) FROM lines l WHERE l.company_id = d.company_id AND l.department_id = d.id) AS line_count,
                (SELECT COUNT(*) FROM employees e WHERE e.company_id = d.company_id AND e.department_id = d.id) AS employee_count
         FROM departments d WHERE d.company_id = $1 ORDER BY d.name, d.id",
    )
    .bind(scoped.company_id())
    .fetch_all(&db.pool)
    .await
}

/// Every department of the company without counts: for pickers, filters and subtrees.
pub async fn list_plain(
    conn: &mut AnyConnection,
    scoped: &Scoped,
) -> Result<Vec<Department>, sqlx::Error> {
    tree_of(conn, scoped.company_id()).await
}

/// The same for the company's reference data, which a session reads before any permit.
pub(super) async fn tree_of(
    conn: &mut AnyConnection,
    company_id: i64,
) -> Result<Vec<Department>, sqlx::Error> {
    sqlx::query_as::<_, Department>(
        "SELECT id, parent_id, name, cost_centre, 0 AS line_count, 0 AS employee_count
         FROM departments WHERE company_id = $1 ORDER BY name, id",
    )
    .bind(company_id)
    .fetch_all(conn)
    .await
}

/// The scoped company's whole tree (no counts), read on `conn`.
pub async fn all(
    conn: &mut AnyConnection,
    scoped: &Scoped,
) -> Result<Vec<Department>, sqlx::Error> {
    tree_of(conn, scoped.company_id()).await
}

pub async fn get(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<Department>, sqlx::Error> {
    sqlx::query_as::<_, Department>(
        "SELECT d.id, d.parent_id, d.name, d.cost_centre,
                (SELECT COUNT(*) FROM lines l WHERE l.company_id = d.company_id AND l.department_id = d.id) AS line_count,
                (SELECT COUNT(*) FROM employees e WHERE e.company_id = d.company_id AND e.department_id = d.id) AS employee_count
         FROM departments d WHERE d.company_id = $1 AND d.id = $2",
    )
    .bind(scoped.company_id())
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub struct Fields<'a> {
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub cost_centre: &'a str,
}

pub async fn insert(tx: &mut Tx, scoped: &Scoped, f: &Fields<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO departments (company_id, parent_id, name, cost_centre, created_at, name_key)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(scoped.company_id())
    .bind(f.parent_id)
    .bind(f.name)
    .bind(f.cost_centre)
    .bind(now_ms())
    .bind(keys::department_name(f.name))
    .fetch_one(&mut **tx)
    .await
}

pub async fn update(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    f: &Fields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE departments SET parent_id = $1, name = $2, cost_centre = $3, name_key = $6
         WHERE company_id = $4 AND id = $5",
    )
    .bind(f.parent_id)
    .bind(f.name)
    .bind(f.cost_centre)
    .bind(scoped.company_id())
    .bind(id)
    .bind(keys::department_name(f.name))
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// What still hangs on a department: (sub-departments, lines, employees).
pub async fn dependents(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT (SELECT COUNT(*) FROM departments WHERE company_id = $1 AND parent_id = $2),
                (SELECT COUNT(*) FROM lines WHERE company_id = $1 AND department_id = $2),
                (SELECT COUNT(*) FROM employees WHERE company_id = $1 AND department_id = $2)",
    )
    .bind(scoped.company_id())
    .bind(id)
    .fetch_one(&mut **tx)
    .await
}

pub async fn delete(tx: &mut Tx, scoped: &Scoped, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM departments WHERE company_id = $1 AND id = $2")
        .bind(scoped.company_id())
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Whether a sibling already carries this name, compared as the unique index does (any case,
/// ё as е).
pub async fn sibling_named(
    tx: &mut Tx,
    scoped: &Scoped,
    parent_id: Option<i64>,
    name: &str,
    except_id: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM departments WHERE company_id = $1
         AND COALESCE(parent_id, 0) = COALESCE($2, 0) AND name_key = $3 AND id <> $4",
    )
    .bind(scoped.company_id())
    .bind(parent_id)
    .bind(keys::department_name(name))
    .bind(except_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}
