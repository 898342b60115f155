use sqlx::AnyConnection;

use crate::domain::{Operator, Scoped};

use super::{Db, Tx, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Company {
    pub id: i64,
    pub legal_name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub legal_address: String,
    pub region_code: String,
    pub contract_number: String,
    pub account_number: String,
    pub contact_email: String,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct NewCompany {
    pub legal_name: String,
    pub inn: String,
    pub kpp: String,
    pub ogrn: String,
    pub legal_address: String,
    pub region_code: String,
    pub contract_number: String,
    pub contact_email: String,
}

const SELECT: &str = "SELECT id, legal_name, inn, kpp, ogrn, legal_address, region_code, contract_number, account_number, contact_email, status FROM companies";

/// Inserts the company; its account number is derived from its id so it is unique and stable.
pub async fn insert(
    tx: &mut Tx,
    _operator: &Operator,
    c: &NewCompany,
) -> Result<Company, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO companies (legal_name, inn, kpp, ogrn, legal_address, region_code, contract_number, account_number, contact_email, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&c.legal_name)
    .bind(&c.inn)
    .bind(&c.kpp)
    .bind(&c.ogrn)
    .bind(&c.legal_address)
    .bind(&c.region_code)
    .bind(&c.contract_number)
    // A unique placeholder until the id is known.
    .bind(format!("pending-{}-{}", c.inn, c.kpp))
    .bind(&c.contact_email)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE companies SET account_number = $1 WHERE id = $2")
        .bind(account_number(id))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let company = sqlx::query_as::<_, Company>(const_format(SELECT, " WHERE id = $1"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(company)
}

/// `5` → `770000000005`: the operator's account numbers are twelve digits.
pub fn account_number(id: i64) -> String {
    format!("77{id:010}")
}

fn const_format(a: &'static str, b: &'static str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("{a}{b}"))
}

/// Takes the company's row until the transaction ends, so checks that span many of its rows
/// (the last admin, the department tree) run one writer after another.
pub async fn lock(tx: &mut Tx, scoped: &Scoped) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE companies SET id = id WHERE id = $1")
        .bind(scoped.company_id())
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The company's legal name, as its letters and messages name it.
pub async fn legal_name(conn: &mut AnyConnection, scoped: &Scoped) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT legal_name FROM companies WHERE id = $1")
        .bind(scoped.company_id())
        .fetch_one(conn)
        .await
}

/// The permit's company.
pub async fn get(db: &Db, scoped: &Scoped) -> Result<Option<Company>, sqlx::Error> {
    sqlx::query_as::<_, Company>(const_format(SELECT, " WHERE id = $1"))
        .bind(scoped.company_id())
        .fetch_optional(&db.pool)
        .await
}

/// The permit's company's region (its catalogue), read on `conn`.
pub async fn region_of(
    conn: &mut sqlx::AnyConnection,
    scoped: &Scoped,
) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT region_code FROM companies WHERE id = $1")
        .bind(scoped.company_id())
        .fetch_one(conn)
        .await
}

/// The companies with this INN (a holding's branches share it), for the operator's tools.
pub async fn find_by_inn(
    db: &Db,
    _operator: &Operator,
    inn: &str,
) -> Result<Vec<Company>, sqlx::Error> {
    sqlx::query_as::<_, Company>(const_format(SELECT, " WHERE inn = $1 ORDER BY id"))
        .bind(inn)
        .fetch_all(&db.pool)
        .await
}
