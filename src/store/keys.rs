//! The folded keys behind the uniqueness of sibling departments' names and of a company's
//! personnel numbers (migration 0017): filled here for rows stored before, once.

use crate::domain::text;

use super::Db;

/// The key a department's name is unique by among its siblings.
pub fn department_name(name: &str) -> String {
    text::fold(name.trim())
}

/// The key a personnel number is unique by in a company; none for no number.
pub fn personnel_number(number: &str) -> Option<String> {
    (!number.trim().is_empty()).then(|| text::personnel_key(number))
}

/// A row left without a key because another row of its company already holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub company_id: i64,
    pub what: &'static str,
    pub value: String,
}

/// Fills the keys rows stored before the keys existed lack; returns the duplicates.
pub async fn fill_missing(db: &Db) -> Result<Vec<Duplicate>, sqlx::Error> {
    // Asked first without writing: at every start-up there is nothing to key, and no
    // process should have to wait for the write lock (or take it) to learn that.
    let unkeyed: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM departments WHERE name_key IS NULL)
              + (SELECT COUNT(*) FROM employees WHERE personnel_key IS NULL AND personnel_number <> '')",
    )
    .fetch_one(&db.pool)
    .await?;
    if unkeyed == 0 {
        return Ok(Vec::new());
    }
    let mut duplicates = Vec::new();
    let mut tx = db.begin().await?;
    let departments: Vec<(i64, i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT id, company_id, parent_id, name FROM departments WHERE name_key IS NULL ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut held = std::collections::HashSet::new();
    let keyed: Vec<(i64, i64, Option<i64>, String)> = if departments.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as("SELECT id, company_id, parent_id, name_key FROM departments WHERE name_key IS NOT NULL")
            .fetch_all(&mut *tx)
            .await?
    };
    held.extend(keyed.into_iter().map(|(_, c, p, k)| (c, p, k)));
    for (id, company_id, parent_id, name) in departments {
        let key = department_name(&name);
        if !held.insert((company_id, parent_id, key.clone())) {
            duplicates.push(Duplicate {
                company_id,
                what: "department",
                value: name,
            });
            continue;
        }
        sqlx::query("UPDATE departments SET name_key = $1 WHERE id = $2")
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let employees: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, company_id, personnel_number FROM employees
         WHERE personnel_key IS NULL AND personnel_number <> '' ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut held = std::collections::HashSet::new();
    let keyed: Vec<(i64, String)> = if employees.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as(
            "SELECT company_id, personnel_key FROM employees WHERE personnel_key IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?
    };
    held.extend(keyed);
    for (id, company_id, number) in employees {
        let Some(key) = personnel_number(&number) else {
            continue;
        };
        if !held.insert((company_id, key.clone())) {
            duplicates.push(Duplicate {
                company_id,
                what: "personnel number",
                value: number,
            });
            continue;
        }
        sqlx::query("UPDATE employees SET personnel_key = $1 WHERE id = $2")
            .bind(key)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(duplicates)
}
