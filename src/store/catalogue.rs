//! Regions, the tariff catalogue per region and the service catalogue.

use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::{Db, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Region {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Tariff {
    pub id: i64,
    pub region_code: String,
    pub code: String,
    pub name: String,
    pub monthly_fee_kop: i64,
    /// A month's fee while a line stands suspended or blocked.
    pub suspended_fee_kop: i64,
    pub minutes: i64,
    pub sms: i64,
    pub data_mb: i64,
    pub minute_over_kop: i64,
    pub sms_over_kop: i64,
    pub mb_over_kop: i64,
    #[serde(serialize_with = "crate::domain::wire::flag")]
    #[schema(value_type = bool)]
    pub for_business: i64,
    #[serde(serialize_with = "crate::domain::wire::flag")]
    #[schema(value_type = bool)]
    pub archived: i64,
}

#[derive(Debug, Clone)]
pub struct NewService<'a> {
    pub code: &'a str,
    pub name_ru: &'a str,
    pub name_en: &'a str,
    pub category: &'a str,
    pub monthly_fee_kop: i64,
    pub one_time_fee_kop: i64,
}

pub async fn upsert_region(tx: &mut Tx, r: &Region) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO regions (code, name_ru, name_en) VALUES ($1, $2, $3)
         ON CONFLICT (code) DO UPDATE SET name_ru = excluded.name_ru, name_en = excluded.name_en",
    )
    .bind(&r.code)
    .bind(&r.name_ru)
    .bind(&r.name_en)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Inserts or updates a tariff by (region, code); returns its id.
pub async fn upsert_tariff(tx: &mut Tx, t: &Tariff) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO tariffs (region_code, code, name, monthly_fee_kop, minutes, sms, data_mb, minute_over_kop, sms_over_kop, mb_over_kop, for_business, archived, suspended_fee_kop)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (region_code, code) DO UPDATE SET name = excluded.name, monthly_fee_kop = excluded.monthly_fee_kop,
           suspended_fee_kop = excluded.suspended_fee_kop,
           minutes = excluded.minutes, sms = excluded.sms, data_mb = excluded.data_mb, minute_over_kop = excluded.minute_over_kop,
           sms_over_kop = excluded.sms_over_kop, mb_over_kop = excluded.mb_over_kop, for_business = excluded.for_business,
           archived = excluded.archived
         RETURNING id",
    )
    .bind(&t.region_code)
    .bind(&t.code)
    .bind(&t.name)
    .bind(t.monthly_fee_kop)
    .bind(t.minutes)
    .bind(t.sms)
    .bind(t.data_mb)
    .bind(t.minute_over_kop)
    .bind(t.sms_over_kop)
    .bind(t.mb_over_kop)
    .bind(t.for_business)
    .bind(t.archived)
    .bind(t.suspended_fee_kop)
    .fetch_one(&mut **tx)
    .await
}

pub async fn upsert_service(tx: &mut Tx, s: &NewService<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO services (code, name_ru, name_en, category, monthly_fee_kop, one_time_fee_kop)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (code) DO UPDATE SET name_ru = excluded.name_ru, name_en = excluded.name_en,
           category = excluded.category, monthly_fee_kop = excluded.monthly_fee_kop, one_time_fee_kop = excluded.one_time_fee_kop
         RETURNING id",
    )
    .bind(s.code)
    .bind(s.name_ru)
    .bind(s.name_en)
    .bind(s.category)
    .bind(s.monthly_fee_kop)
    .bind(s.one_time_fee_kop)
    .fetch_one(&mut **tx)
    .await
}

/// Replaces which tariffs a service fits and which services it excludes.
pub async fn set_service_rules(
    tx: &mut Tx,
    service_id: i64,
    tariff_ids: &[i64],
    excluded_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM service_tariffs WHERE service_id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    for t in tariff_ids {
        sqlx::query("INSERT INTO service_tariffs (service_id, tariff_id) VALUES ($1, $2)")
            .bind(service_id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query("DELETE FROM service_exclusions WHERE service_id = $1")
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    for x in excluded_ids {
        sqlx::query(
            "INSERT INTO service_exclusions (service_id, excluded_service_id) VALUES ($1, $2)",
        )
        .bind(service_id)
        .bind(x)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn region_exists(db: &Db, code: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM regions WHERE code = $1")
        .bind(code)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

pub async fn regions(db: &Db) -> Result<Vec<Region>, sqlx::Error> {
    sqlx::query_as::<_, Region>("SELECT code, name_ru, name_en FROM regions ORDER BY code")
        .fetch_all(&db.pool)
        .await
}

const TARIFF_COLUMNS: &str = "SELECT id, region_code, code, name, monthly_fee_kop, suspended_fee_kop, minutes, sms, data_mb, minute_over_kop, sms_over_kop, mb_over_kop, for_business, archived FROM tariffs";

/// The tariffs of a region, cheapest first.
pub async fn tariffs_of_region(db: &Db, region: &str) -> Result<Vec<Tariff>, sqlx::Error> {
    sqlx::query_as::<_, Tariff>(sqlx::AssertSqlSafe(format!(
        "{TARIFF_COLUMNS} WHERE region_code = $1 ORDER BY monthly_fee_kop, code"
    )))
    .bind(region)
    .fetch_all(&db.pool)
    .await
}

/// The tariffs of the company's region, cheapest first (one query: no company read first).
pub async fn tariffs_of_company(
    conn: &mut AnyConnection,
    scoped: &Scoped,
) -> Result<Vec<Tariff>, sqlx::Error> {
    sqlx::query_as::<_, Tariff>(
        "SELECT t.id, t.region_code, t.code, t.name, t.monthly_fee_kop, t.suspended_fee_kop, t.minutes, t.sms, t.data_mb, t.minute_over_kop,
                t.sms_over_kop, t.mb_over_kop, t.for_business, t.archived
         FROM tariffs t JOIN companies c ON c.region_code = t.region_code
         WHERE c.id = $1 ORDER BY t.monthly_fee_kop, t.code",
    )
    .bind(scoped.company_id())
    .fetch_all(conn)
    .await
}

pub async fn tariff(conn: &mut AnyConnection, id: i64) -> Result<Option<Tariff>, sqlx::Error> {
    sqlx::query_as::<_, Tariff>(sqlx::AssertSqlSafe(format!(
        "{TARIFF_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn service_ids(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as::<_, (i64, String)>("SELECT id, code FROM services ORDER BY id")
        .fetch_all(&db.pool)
        .await
}

/// A service of the catalogue as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct CatalogueService {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub category: String,
    pub monthly_fee_kop: i64,
    pub one_time_fee_kop: i64,
    /// Codes of the tariffs it fits; empty: every tariff.
    #[sqlx(skip)]
    pub fits: Vec<String>,
    /// Codes of the services it cannot be combined with.
    #[sqlx(skip)]
    pub excludes: Vec<String>,
}

/// Open services with the tariffs (of `region`) they fit and the services they exclude.
pub async fn open_services(db: &Db, region: &str) -> Result<Vec<CatalogueService>, sqlx::Error> {
    let mut services = sqlx::query_as::<_, CatalogueService>(
        "SELECT code, name_ru, name_en, category, monthly_fee_kop, one_time_fee_kop FROM services WHERE archived = 0 ORDER BY category, code",
    )
    .fetch_all(&db.pool)
    .await?;
    let fits: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.code, t.code FROM service_tariffs st JOIN services s ON s.id = st.service_id JOIN tariffs t ON t.id = st.tariff_id
         WHERE t.region_code = $1 ORDER BY t.code",
    )
    .bind(region)
    .fetch_all(&db.pool)
    .await?;
    let excludes: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.code, b.code FROM service_exclusions x JOIN services a ON a.id = x.service_id JOIN services b ON b.id = x.excluded_service_id ORDER BY b.code",
    )
    .fetch_all(&db.pool)
    .await?;
    for s in &mut services {
        s.fits = fits
            .iter()
            .filter(|(c, _)| *c == s.code)
            .map(|(_, t)| t.clone())
            .collect();
        s.excludes = excludes
            .iter()
            .filter(|(c, _)| *c == s.code)
            .map(|(_, x)| x.clone())
            .collect();
    }
    Ok(services)
}

/// A service that can be added to a line.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub monthly_fee_kop: i64,
    pub one_time_fee_kop: i64,
}
