//! Roster imports: the company's records as the planner sees them, stored uploads, remembered
//! column mappings, and the writes a commit makes.

use crate::domain::{Scope, Scoped};
use crate::roster::snapshot::{DepartmentNow, EmployeeNow, LineNow, Lines, Snapshot};

use super::{Db, Sql, Tx};

/// The company's lines (split by `scope`), employees, departments and open tariffs.
pub async fn snapshot(db: &Db, scoped: &Scoped) -> Result<Snapshot, sqlx::Error> {
    let (company_id, scope) = (scoped.company_id(), scoped.scope());
    // As JSON: a company's 100,000 lines and employees are read at every preview and commit.
    let mut sql = Sql::json_select(
        db.backend,
        &[
            "l.id",
            "l.msisdn",
            "l.employee_id",
            "l.department_id",
            "l.cost_centre",
            "t.code",
            "l.spend_limit_kop",
        ],
    );
    sql.push("FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.company_id = ")
        .bind(company_id)
        .push(" AND l.status <> 'terminated'");
    super::lines::push_scope(&mut sql, scope);
    let lines: Vec<LineNow> = sql.fetch_json(&db.pool).await?;
    let mut sql = Sql::json_select(
        db.backend,
        &[
            "id",
            "full_name",
            "personnel_number",
            "position",
            "email",
            "department_id",
        ],
    );
    sql.push("FROM employees e WHERE e.company_id = ")
        .bind(company_id);
    super::employees::push_scope(&mut sql, scoped);
    let mut employees: Vec<EmployeeNow> = sql.fetch_json(&db.pool).await?;
    employees.sort_unstable_by_key(|e| e.id);
    let departments: Vec<DepartmentNow> = sqlx::query_as(
        "SELECT id, parent_id, name FROM departments WHERE company_id = $1 ORDER BY id",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await?;
    let tariffs = super::catalogue::tariffs_of_company(&mut *db.pool.acquire().await?, scoped)
        .await?
        .into_iter()
        .filter(|t| t.for_business != 0 && t.archived == 0)
        .map(|t| (t.code, t.name))
        .collect();
    Ok(Snapshot {
        lines: Lines::new(lines),
        departments_allowed: match scope {
            Scope::Company => None,
            Scope::Only { departments, .. } => Some(departments.iter().copied().collect()),
        },
        employees,
        departments,
        tariffs,
    })
}

/// Keeps a file the scoped actor uploaded.
pub async fn insert_upload(
    db: &Db,
    scoped: &Scoped,
    file_name: &str,
    content: &[u8],
    now: i64,
) -> Result<i64, sqlx::Error> {
    let (company_id, user_id) = (scoped.company_id(), scoped.actor().user_id);
    sqlx::query_scalar(
        "INSERT INTO roster_uploads (company_id, created_by, created_at, file_name, content)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(company_id)
    .bind(user_id)
    .bind(now)
    .bind(file_name)
    .bind(content.to_vec())
    .fetch_one(&db.pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub file_name: String,
    pub content: Vec<u8>,
    pub created_at: i64,
    pub applied_at: Option<i64>,
    pub result: Option<String>,
    pub job_id: Option<i64>,
}

/// An earlier upload, as the import page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PastUpload {
    pub id: i64,
    pub file_name: String,
    pub created_at: i64,
    pub applied_at: Option<i64>,
    /// Who uploaded it, as the company names them.
    pub who: Option<String>,
    /// The state of the job applying it, if one did.
    pub job_status: Option<String>,
}

/// The latest uploads the permit may open (a delegated importer's own only), newest first.
pub async fn past(db: &Db, scoped: &Scoped, limit: i64) -> Result<Vec<PastUpload>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT u.id, u.file_name, u.created_at, u.applied_at, m.display_name AS who, j.status AS job_status
         FROM roster_uploads u
         LEFT JOIN memberships m ON m.user_id = u.created_by AND m.company_id = u.company_id
         LEFT JOIN jobs j ON j.id = u.job_id
         WHERE u.company_id = ",
    );
    sql.bind(scoped.company_id());
    if !scoped.is_whole_company() {
        sql.push(" AND u.created_by = ")
            .bind(scoped.actor().user_id.unwrap_or(0));
    }
    sql.push(" ORDER BY u.id DESC").limit(limit, 0);
    sql.query_as().fetch_all(&db.pool).await
}

/// An upload of the scoped company: any of them for a permit over the whole company, else only
/// the actor's own (a delegated importer never reads another person's file). Anything else is
/// none, exactly as a missing one.
pub async fn upload(db: &Db, scoped: &Scoped, id: i64) -> Result<Option<Upload>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, file_name, content, created_at, applied_at, result, job_id FROM roster_uploads
         WHERE company_id = $1 AND id = $2 AND ($3 <> 0 OR created_by = $4)",
    )
    .bind(scoped.company_id())
    .bind(id)
    .bind(i64::from(scoped.is_whole_company()))
    .bind(scoped.actor().user_id)
    .fetch_optional(&db.pool)
    .await
}

/// Hands an upload not applied yet to a job: false if it is applied, or has a job that has not
/// failed.
pub async fn set_job(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    job_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE roster_uploads SET job_id = $1
         WHERE id = $2 AND company_id = $3 AND applied_at IS NULL
           AND (job_id IS NULL OR job_id IN (SELECT j.id FROM jobs j WHERE j.status = 'failed'))",
    )
    .bind(job_id)
    .bind(id)
    .bind(scoped.company_id())
    .execute(&mut **tx)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Marks the upload applied, once: false if it already was (a second submit).
pub async fn mark_applied(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    now: i64,
    result: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "UPDATE roster_uploads SET applied_at = $1, result = $2
         WHERE id = $3 AND company_id = $4 AND applied_at IS NULL",
    )
    .bind(now)
    .bind(result)
    .bind(id)
    .bind(scoped.company_id())
    .execute(&mut **tx)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Headers (folded) the company mapped by hand, with the field codes.
pub async fn mappings(db: &Db, scoped: &Scoped) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT header_key, field FROM roster_mappings WHERE company_id = $1")
        .bind(scoped.company_id())
        .fetch_all(&db.pool)
        .await
}

pub async fn remember_mapping(
    tx: &mut Tx,
    scoped: &Scoped,
    header_key: &str,
    field: &str,
) -> Result<(), sqlx::Error> {
    let company_id = scoped.company_id();
    sqlx::query(
        "INSERT INTO roster_mappings (company_id, header_key, field) VALUES ($1, $2, $3)
         ON CONFLICT (company_id, header_key) DO UPDATE SET field = excluded.field",
    )
    .bind(company_id)
    .bind(header_key)
    .bind(field)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// A line bound to its employee, department and cost centre.
pub struct Binding<'a> {
    pub line_id: i64,
    pub employee_id: Option<i64>,
    pub department_id: Option<i64>,
    pub cost_centre: Option<&'a str>,
}

/// Binds lines: on PostgreSQL in one statement over arrays (`UNNEST`), on SQLite over JSON
/// rows (`jsonb_each`), 10,000 lines a statement.
pub async fn bind_lines(
    tx: &mut Tx,
    scoped: &Scoped,
    bindings: &[Binding<'_>],
) -> Result<(), sqlx::Error> {
    let company_id = scoped.company_id();
    if tx.backend().writes_rows_as_arrays() {
        // Arrays travel as their text form (the `Any` driver binds no arrays).
        let ids = super::sql::pg_array(bindings.iter().map(|b| Some(b.line_id.to_string())));
        let employees = super::sql::pg_array(
            bindings
                .iter()
                .map(|b| b.employee_id.map(|e| e.to_string())),
        );
        let departments = super::sql::pg_array(
            bindings
                .iter()
                .map(|b| b.department_id.map(|d| d.to_string())),
        );
        let centres =
            super::sql::pg_array(bindings.iter().map(|b| b.cost_centre.map(str::to_owned)));
        sqlx::query(
            "UPDATE lines SET employee_id = v.employee_id, department_id = v.department_id,
                    cost_centre = v.cost_centre, version = version + 1
             FROM UNNEST(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]), CAST($4 AS TEXT[]))
                  AS v(id, employee_id, department_id, cost_centre)
             WHERE lines.id = v.id AND lines.company_id = $5",
        )
        .bind(ids)
        .bind(employees)
        .bind(departments)
        .bind(centres)
        .bind(company_id)
        .execute(&mut **tx)
        .await?;
        return Ok(());
    }
    for chunk in bindings.chunks(super::sql::JSON_ROWS) {
        let rows = super::sql::json_rows(
            chunk
                .iter()
                .map(|b| (b.line_id, b.employee_id, b.department_id, b.cost_centre)),
        )?;
        sqlx::query(
            // Materialized: otherwise the planner may read the JSON once per line.
            "WITH v AS MATERIALIZED (
                 SELECT r.value ->> 0 AS id, r.value ->> 1 AS employee_id,
                        r.value ->> 2 AS department_id, r.value ->> 3 AS cost_centre
                 FROM jsonb_each($1) AS r)
             UPDATE lines SET employee_id = v.employee_id, department_id = v.department_id,
                    cost_centre = v.cost_centre, version = version + 1
             FROM v WHERE lines.id = v.id AND lines.company_id = $2",
        )
        .bind(rows)
        .bind(company_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A line of the company as the roster file writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CurrentRow {
    pub msisdn: String,
    pub full_name: Option<String>,
    pub personnel_number: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    pub department_id: Option<i64>,
    pub cost_centre: Option<String>,
    pub tariff: String,
    pub spend_limit_kop: Option<i64>,
}

/// The company's lines (in `scope`) with their employees, by employee and number.
pub async fn current(db: &Db, scoped: &Scoped) -> Result<Vec<CurrentRow>, sqlx::Error> {
    let (company_id, scope) = (scoped.company_id(), scoped.scope());
    let mut sql = Sql::new(
        "SELECT l.msisdn, e.full_name, e.personnel_number, e.position, e.email, l.department_id,
                l.cost_centre, t.name AS tariff, l.spend_limit_kop
         FROM lines l JOIN tariffs t ON t.id = l.tariff_id
         LEFT JOIN employees e ON e.id = l.employee_id
         WHERE l.company_id = ",
    );
    sql.bind(company_id).push(" AND l.status <> 'terminated'");
    super::lines::push_scope(&mut sql, scope);
    sql.push(" ORDER BY e.full_name IS NULL, e.full_name, l.msisdn");
    sql.query_as().fetch_all(&db.pool).await
}
