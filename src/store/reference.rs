//! What a company's pages read on nearly every request and what rarely changes: its
//! departments, its region's tariffs and the open services. Kept in memory per company and
//! checked against version counters that database triggers bump on every change; the counters
//! are read with the session, so every instance sees a change on its next request.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::Db;
use super::catalogue::{Offer, Tariff, tariffs_of_region};
use super::departments::{Department, tree_of};

/// The counters a cached copy is valid for, as read with the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    pub company: i64,
    pub catalogue: i64,
    pub region_code: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct OpenService {
    id: i64,
    #[sqlx(flatten)]
    offer: Offer,
}

/// One company's reference data.
#[derive(Debug)]
pub struct Reference {
    versions: Versions,
    /// Every department, by name (pickers, filters, subtrees).
    pub departments: Vec<Department>,
    /// The tariffs of the company's region, cheapest first.
    pub tariffs: Vec<Tariff>,
    /// Open services by category and name, each with the tariffs it is limited to.
    services: Vec<(OpenService, Vec<i64>)>,
    /// The services each open service cannot be on with (either way), by code; in the order of
    /// `services`.
    clashes: Vec<Vec<String>>,
    /// Where each department and tariff is in the lists above, by id.
    department_at: HashMap<i64, usize>,
    tariff_at: HashMap<i64, usize>,
}

impl Reference {
    pub fn department(&self, id: i64) -> Option<&Department> {
        self.department_at.get(&id).map(|&i| &self.departments[i])
    }

    /// A tariff of the company's region (a line on another region's is not here).
    pub fn tariff(&self, id: i64) -> Option<&Tariff> {
        self.tariff_at.get(&id).map(|&i| &self.tariffs[i])
    }

    /// Every open service of the catalogue, by category and name.
    pub fn services(&self) -> impl Iterator<Item = &Offer> {
        self.services.iter().map(|(s, _)| &s.offer)
    }

    /// Services open for a tariff that a line (with `enabled` service codes) does not have yet
    /// and could have: none that cannot be on with one it has.
    pub fn offers(&self, tariff_id: i64, enabled: &[&str]) -> Vec<Offer> {
        self.services
            .iter()
            .zip(&self.clashes)
            .filter(|((s, fits), clashes)| {
                !enabled.contains(&s.offer.code.as_str())
                    && (fits.is_empty() || fits.contains(&tariff_id))
                    && !clashes.iter().any(|c| enabled.contains(&c.as_str()))
            })
            .map(|((s, _), _)| s.offer.clone())
            .collect()
    }
}

/// At most this many companies are kept; past it the cache starts over.
const MAX_COMPANIES: usize = 10_000;

#[derive(Debug, Default)]
pub struct ReferenceCache {
    companies: RwLock<HashMap<i64, Arc<Reference>>>,
}

impl ReferenceCache {
    /// The company's reference data as of `versions` (or newer): from memory when the
    /// counters match, else read from the database.
    pub async fn get(
        &self,
        db: &Db,
        company_id: i64,
        versions: &Versions,
    ) -> Result<Arc<Reference>, sqlx::Error> {
        {
            let map = self
                .companies
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(r) = map.get(&company_id)
                && r.versions == *versions
            {
                return Ok(r.clone());
            }
        }
        // Read after the counters: the data is at least as new as the versions it is kept for.
        let loaded = Arc::new(load(db, company_id, versions.clone()).await?);
        let mut map = self
            .companies
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_COMPANIES {
            map.clear();
        }
        map.insert(company_id, loaded.clone());
        Ok(loaded)
    }
}

async fn load(db: &Db, company_id: i64, versions: Versions) -> Result<Reference, sqlx::Error> {
    let departments = tree_of(&mut *db.pool.acquire().await?, company_id).await?;
    let tariffs = tariffs_of_region(db, &versions.region_code).await?;
    let open = sqlx::query_as::<_, OpenService>(
        "SELECT id, code, name_ru, name_en, monthly_fee_kop, one_time_fee_kop FROM services
         WHERE archived = 0 ORDER BY category, name_ru",
    )
    .fetch_all(&db.pool)
    .await?;
    let fits: Vec<(i64, i64)> =
        sqlx::query_as("SELECT service_id, tariff_id FROM service_tariffs ORDER BY service_id")
            .fetch_all(&db.pool)
            .await?;
    let exclusions: Vec<(String, String)> = sqlx::query_as(
        "SELECT s.code, e.code FROM service_exclusions x
         JOIN services s ON s.id = x.service_id JOIN services e ON e.id = x.excluded_service_id",
    )
    .fetch_all(&db.pool)
    .await?;
    let clashes = open
        .iter()
        .map(|s| {
            let code = s.offer.code.as_str();
            exclusions
                .iter()
                .filter_map(|(a, b)| {
                    if a == code {
                        Some(b.clone())
                    } else if b == code {
                        Some(a.clone())
                    } else {
                        None
                    }
                })
                .collect()
        })
        .collect();
    let services = open
        .into_iter()
        .map(|s| {
            let limited = fits
                .iter()
                .filter(|(service, _)| *service == s.id)
                .map(|(_, tariff)| *tariff)
                .collect();
            (s, limited)
        })
        .collect();
    let at = |ids: &mut dyn Iterator<Item = i64>| ids.enumerate().map(|(i, id)| (id, i)).collect();
    Ok(Reference {
        versions,
        department_at: at(&mut departments.iter().map(|d| d.id)),
        tariff_at: at(&mut tariffs.iter().map(|t| t.id)),
        departments,
        tariffs,
        services,
        clashes,
    })
}
