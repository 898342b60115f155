use sqlx::AnyConnection;

use crate::domain::{Scope, Scoped, text};

use super::{Db, Sql, Tx, keys, now_ms};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Employee {
    pub id: i64,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub full_name: String,
    pub personnel_number: String,
    pub position: String,
    pub email: String,
    /// How many of the employee's lines the permit covers (filled by `list` and `get_listed`).
    pub line_count: i64,
    /// Those lines (filled by `list` and `get_listed`).
    #[sqlx(skip)]
    pub lines: Vec<EmployeeLine>,
}

/// A line of an employee, as their row names it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EmployeeLine {
    pub id: i64,
    pub msisdn: String,
    pub status: String,
    pub status_reason: String,
    /// What a month of the line costs at list price.
    pub monthly_kop: i64,
}

pub struct Fields<'a> {
    pub department_id: Option<i64>,
    pub full_name: &'a str,
    pub personnel_number: &'a str,
    pub position: &'a str,
    pub email: &'a str,
}

const SELECT: &str = "SELECT e.id, e.department_id, d.name AS department_name, e.full_name, e.personnel_number, e.position, e.email,
        0 AS line_count
     FROM employees e LEFT JOIN departments d ON d.id = e.department_id
     WHERE e.company_id = ";

/// Appends "the employee has a name word starting with each of `words`" to a query.
pub fn push_name_words(sql: &mut Sql, scoped: &Scoped, column: &'static str, words: &[String]) {
    let company_id = scoped.company_id();
    for w in words {
        sql.push(" AND ")
            .push(column)
            .push(" IN (SELECT employee_id FROM employee_name_words WHERE company_id = ")
            .bind(company_id)
            .push(" AND word >= ")
            .bind(w.as_str())
            .push(" AND word < ")
            .bind(text::prefix_upper_bound(w))
            .push(")");
    }
}

/// Limits a query on `employees e` to those a delegated right covers: their department is
/// covered, or a line of theirs is.
pub(super) fn push_scope(sql: &mut Sql, scoped: &Scoped) {
    if let Scope::Only { departments, .. } = scoped.scope() {
        sql.push(" AND (e.department_id IN (");
        push_id_list(sql, departments);
        sql.push(
            ") OR EXISTS (SELECT 1 FROM lines l WHERE l.employee_id = e.id AND l.company_id = ",
        )
        .bind(scoped.company_id());
        super::lines::push_scope(sql, scoped.scope());
        sql.push("))");
    }
}

/// The company's employees (in the permit's departments) whose names start with `words`.
pub async fn list(
    db: &Db,
    scoped: &Scoped,
    words: &[String],
    department_ids: Option<&[i64]>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Employee>, i64), sqlx::Error> {
    let filter = |select: &'static str| {
        let mut sql = Sql::new(select);
        sql.bind(scoped.company_id());
        push_scope(&mut sql, scoped);
        push_name_words(&mut sql, scoped, "e.id", words);
        if let Some(ids) = department_ids {
            sql.push(" AND e.department_id IN (");
            push_id_list(&mut sql, ids);
            sql.push(")");
        }
        sql
    };
    let mut sql = filter(SELECT);
    sql.push(" ORDER BY e.name_key, e.id").limit(limit, offset);
    let mut rows = sql.query_as::<Employee>().fetch_all(&db.pool).await?;
    let mut conn = db.pool.acquire().await?;
    with_lines(&mut conn, scoped, &mut rows).await?;
    let total = filter("SELECT COUNT(*) FROM employees e WHERE e.company_id = ")
        .count(&db.pool)
        .await?;
    Ok((rows, total))
}

/// `$a, $b, …` for a non-empty list of ids; an empty list matches nothing.
pub fn push_id_list(sql: &mut Sql, ids: &[i64]) {
    sql.bind_list(ids.iter().copied());
}

/// The employee, if the scope covers them, without their lines (`lines` empty, `line_count`
/// 0): what a change reads inside its transaction.
pub async fn get(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<Employee>, sqlx::Error> {
    let mut sql = Sql::new(SELECT);
    sql.bind(scoped.company_id()).push(" AND e.id = ").bind(id);
    push_scope(&mut sql, scoped);
    sql.query_as::<Employee>().fetch_optional(conn).await
}

/// The employee with the lines the scope covers, as a list shows them.
pub async fn get_listed(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<Employee>, sqlx::Error> {
    let Some(one) = get(&mut *conn, scoped, id).await? else {
        return Ok(None);
    };
    let mut rows = vec![one];
    with_lines(conn, scoped, &mut rows).await?;
    Ok(rows.pop())
}

/// Fills in each employee's lines the permit covers (their numbers), and counts them.
async fn with_lines(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    rows: &mut [Employee],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(
        "SELECT l.employee_id, l.id, l.msisdn, l.status, l.status_reason, l.monthly_kop
         FROM lines l WHERE l.company_id = ",
    );
    sql.bind(scoped.company_id())
        .push(" AND l.employee_id IN (");
    sql.bind_list(rows.iter().map(|e| e.id)).push(")");
    super::lines::push_scope(&mut sql, scoped.scope());
    sql.push(" ORDER BY l.number_key");
    let lines: Vec<(i64, i64, String, String, String, i64)> =
        sql.query_as().fetch_all(conn).await?;
    for e in rows.iter_mut() {
        e.lines = lines
            .iter()
            .filter(|(emp, ..)| *emp == e.id)
            .map(|(_, id, msisdn, status, reason, monthly)| EmployeeLine {
                id: *id,
                msisdn: msisdn.clone(),
                status: status.clone(),
                status_reason: reason.clone(),
                monthly_kop: *monthly,
            })
            .collect();
        e.line_count = e.lines.len() as i64;
    }
    Ok(())
}

pub async fn insert(tx: &mut Tx, scoped: &Scoped, f: &Fields<'_>) -> Result<i64, sqlx::Error> {
    let company_id = scoped.company_id();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO employees (company_id, department_id, full_name, name_key, personnel_number, position, email, created_at, personnel_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(company_id)
    .bind(f.department_id)
    .bind(f.full_name)
    .bind(text::fold(f.full_name))
    .bind(f.personnel_number)
    .bind(f.position)
    .bind(f.email)
    .bind(now_ms())
    .bind(keys::personnel_number(f.personnel_number))
    .fetch_one(&mut **tx)
    .await?;
    write_name_words(tx, scoped, id, f.full_name).await?;
    Ok(id)
}

/// Takes the employee's row until the transaction ends, so the "before" read next is the
/// state this change replaces (two changes at once read one after the other).
pub async fn lock(tx: &mut Tx, scoped: &Scoped, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE employees SET id = id WHERE company_id = $1 AND id = $2")
        .bind(scoped.company_id())
        .bind(id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// A delegated scope writes only the employees it reads; any other is not found.
async fn ensure_covered(tx: &mut Tx, scoped: &Scoped, id: i64) -> Result<(), sqlx::Error> {
    if scoped.is_whole_company() || get(tx, scoped, id).await?.is_some() {
        Ok(())
    } else {
        Err(sqlx::Error::RowNotFound)
    }
}

pub async fn update(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    f: &Fields<'_>,
) -> Result<(), sqlx::Error> {
    ensure_covered(tx, scoped, id).await?;
    let company_id = scoped.company_id();
    sqlx::query(
        "UPDATE employees SET department_id = $1, full_name = $2, name_key = $3, personnel_number = $4, position = $5, email = $6,
                personnel_key = $9
         WHERE company_id = $7 AND id = $8",
    )
    .bind(f.department_id)
    .bind(f.full_name)
    .bind(text::fold(f.full_name))
    .bind(f.personnel_number)
    .bind(f.position)
    .bind(f.email)
    .bind(company_id)
    .bind(id)
    .bind(keys::personnel_number(f.personnel_number))
    .execute(&mut **tx)
    .await?;
    delete_name_words(tx, scoped, id).await?;
    write_name_words(tx, scoped, id, f.full_name).await
}

/// The company's employee's name words, found by the index by employee.
async fn delete_name_words(tx: &mut Tx, scoped: &Scoped, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM employee_name_words WHERE employee_id = $1 AND company_id = $2")
        .bind(id)
        .bind(scoped.company_id())
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

async fn write_name_words(
    tx: &mut Tx,
    scoped: &Scoped,
    id: i64,
    name: &str,
) -> Result<(), sqlx::Error> {
    for w in text::words(name) {
        sqlx::query(
            "INSERT INTO employee_name_words (company_id, word, employee_id) VALUES ($1, $2, $3)",
        )
        .bind(scoped.company_id())
        .bind(w)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Deletes the employee; their lines stay with the company, unassigned. Returns those lines' ids.
pub async fn delete(tx: &mut Tx, scoped: &Scoped, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    ensure_covered(tx, scoped, id).await?;
    let company_id = scoped.company_id();
    let lines: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM lines WHERE company_id = $1 AND employee_id = $2 ORDER BY id",
    )
    .bind(company_id)
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("UPDATE lines SET employee_id = NULL WHERE company_id = $1 AND employee_id = $2")
        .bind(company_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    delete_name_words(tx, scoped, id).await?;
    sqlx::query("DELETE FROM employees WHERE company_id = $1 AND id = $2")
        .bind(company_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(lines)
}

/// Whether another employee of the company has this personnel number.
pub async fn personnel_number_taken(
    tx: &mut Tx,
    scoped: &Scoped,
    number: &str,
    except_id: i64,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM employees WHERE company_id = $1 AND personnel_key = $2 AND id <> $3",
    )
    .bind(scoped.company_id())
    .bind(keys::personnel_number(number))
    .bind(except_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

pub struct NewEmployee {
    pub department_id: Option<i64>,
    pub full_name: String,
    pub personnel_number: String,
    pub position: String,
    pub email: String,
}

/// Inserts many employees and their name words in multi-row statements; returns ids in order.
pub async fn insert_many(
    tx: &mut Tx,
    scoped: &Scoped,
    rows: &[NewEmployee],
) -> Result<Vec<i64>, sqlx::Error> {
    let company_id = scoped.company_id();
    let now = now_ms();
    if tx.backend().writes_rows_as_arrays() {
        return insert_many_pg(tx, scoped, rows, now).await;
    }
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(super::sql::JSON_ROWS) {
        let json = super::sql::json_rows(chunk.iter().map(|e| {
            (
                e.department_id,
                &e.full_name,
                text::fold(&e.full_name),
                &e.personnel_number,
                &e.position,
                &e.email,
                keys::personnel_number(&e.personnel_number),
            )
        }))?;
        // In the array's order, so the ids (AUTOINCREMENT) come out ascending with the rows.
        let chunk_ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO employees (company_id, department_id, full_name, name_key, personnel_number, position, email, created_at, personnel_key)
             SELECT $1, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, r.value ->> 5, $2, r.value ->> 6
             FROM jsonb_each($3) AS r ORDER BY r.key RETURNING id",
        )
        .bind(company_id)
        .bind(now)
        .bind(json)
        .fetch_all(&mut **tx)
        .await?;
        let mut chunk_ids = chunk_ids;
        chunk_ids.sort_unstable();
        // In key order: each word lands after the last in its part of the index.
        let mut words: Vec<(String, i64)> = chunk_ids
            .iter()
            .zip(chunk)
            .flat_map(|(id, e)| text::words(&e.full_name).into_iter().map(move |w| (w, *id)))
            .collect();
        words.sort_unstable();
        sqlx::query(
            "INSERT INTO employee_name_words (company_id, word, employee_id)
             SELECT $1, r.value ->> 0, r.value ->> 1 FROM jsonb_each($2) AS r",
        )
        .bind(company_id)
        .bind(super::sql::json_rows(words.iter())?)
        .execute(&mut **tx)
        .await?;
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// PostgreSQL: employees and name words over arrays (`UNNEST`), a statement each per 20,000.
async fn insert_many_pg(
    tx: &mut Tx,
    scoped: &Scoped,
    rows: &[NewEmployee],
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    use super::sql::pg_array;
    let company_id = scoped.company_id();
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(20_000) {
        let texts = |f: fn(&NewEmployee) -> String| pg_array(chunk.iter().map(|e| Some(f(e))));
        let mut chunk_ids: Vec<i64> = sqlx::query_scalar(
            "INSERT INTO employees (company_id, department_id, full_name, name_key, personnel_number, position, email, created_at, personnel_key)
             SELECT $1, v.department_id, v.full_name, v.name_key, v.personnel_number, v.position, v.email, $2, v.personnel_key
             FROM UNNEST(CAST($3 AS BIGINT[]), CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]),
                         CAST($7 AS TEXT[]), CAST($8 AS TEXT[]), CAST($9 AS TEXT[]))
                  WITH ORDINALITY AS v(department_id, full_name, name_key, personnel_number, position, email, personnel_key, n)
             ORDER BY v.n RETURNING id",
        )
        .bind(company_id)
        .bind(now)
        .bind(pg_array(chunk.iter().map(|e| e.department_id.map(|d| d.to_string()))))
        .bind(texts(|e| e.full_name.clone()))
        .bind(texts(|e| text::fold(&e.full_name)))
        .bind(texts(|e| e.personnel_number.clone()))
        .bind(texts(|e| e.position.clone()))
        .bind(texts(|e| e.email.clone()))
        .bind(pg_array(
            chunk
                .iter()
                .map(|e| keys::personnel_number(&e.personnel_number)),
        ))
        .fetch_all(&mut **tx)
        .await?;
        chunk_ids.sort_unstable();
        let words: Vec<(i64, String)> = chunk_ids
            .iter()
            .zip(chunk)
            .flat_map(|(id, e)| text::words(&e.full_name).into_iter().map(move |w| (*id, w)))
            .collect();
        sqlx::query(
            "INSERT INTO employee_name_words (company_id, word, employee_id)
             SELECT $1, v.word, v.employee_id
             FROM UNNEST(CAST($2 AS TEXT[]), CAST($3 AS BIGINT[])) AS v(word, employee_id)",
        )
        .bind(company_id)
        .bind(pg_array(words.iter().map(|(_, w)| Some(w.clone()))))
        .bind(pg_array(words.iter().map(|(id, _)| Some(id.to_string()))))
        .execute(&mut **tx)
        .await?;
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Employees whose name words start with each of `words` (for choosing one), at most `limit`.
pub async fn find_by_name(
    db: &Db,
    scoped: &Scoped,
    words: &[String],
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT e.id, e.full_name FROM employees e WHERE e.company_id = ");
    sql.bind(scoped.company_id());
    push_scope(&mut sql, scoped);
    push_name_words(&mut sql, scoped, "e.id", words);
    sql.push(" ORDER BY e.name_key, e.id").limit(limit, 0);
    sql.query_as::<(i64, String)>().fetch_all(&db.pool).await
}
