//! The business catalogue shipped with simfleet: regions, tariffs per region, services.

use std::collections::BTreeMap;

use anyhow::Context;
use serde::Deserialize;

use crate::authz::OperatorPermit;
use crate::domain::Money;
use crate::domain::audit::{AuditEvent, Counts};
use crate::store::Db;
use crate::store::audit;
use crate::store::catalogue::{self, NewService, Region, Tariff};

const SHIPPED: &str = include_str!("catalogue.toml");

#[derive(Deserialize)]
struct File {
    region: Vec<RegionDef>,
    tariff: Vec<TariffDef>,
    service: Vec<ServiceDef>,
}

#[derive(Deserialize)]
struct RegionDef {
    code: String,
    name_ru: String,
    name_en: String,
}

#[derive(Deserialize)]
struct Overage {
    minute: String,
    sms: String,
    mb: String,
}

#[derive(Deserialize)]
struct TariffDef {
    code: String,
    name: String,
    minutes: i64,
    sms: i64,
    data_gb: i64,
    over: Overage,
    fee: BTreeMap<String, String>,
    /// A month's fee while a line stands suspended or blocked, in every region.
    #[serde(default = "free")]
    suspended: String,
    #[serde(default)]
    archived: bool,
    #[serde(default = "yes")]
    for_business: bool,
}

fn yes() -> bool {
    true
}

fn free() -> String {
    "0.00".to_owned()
}

#[derive(Deserialize)]
struct ServiceDef {
    code: String,
    name_ru: String,
    name_en: String,
    category: String,
    monthly: String,
    one_time: String,
    #[serde(default)]
    fits: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

fn kopecks(what: &str, s: &str) -> anyhow::Result<i64> {
    Money::parse(s)
        .map(Money::kopecks)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub regions: usize,
    pub tariffs: usize,
    pub services: usize,
    /// Lines whose monthly cost the new prices changed.
    pub repriced: u64,
}

/// Loads (or refreshes) the shipped catalogue; running it twice changes nothing.
pub async fn load_shipped(db: &Db, operator: &OperatorPermit) -> anyhow::Result<Loaded> {
    let file: File = toml::from_str(SHIPPED).context("reading the shipped catalogue")?;
    let mut tx = db.begin().await?;
    let mut loaded = Loaded::default();
    for r in &file.region {
        let region = Region {
            code: r.code.clone(),
            name_ru: r.name_ru.clone(),
            name_en: r.name_en.clone(),
        };
        catalogue::upsert_region(&mut tx, &region).await?;
        loaded.regions += 1;
    }
    // tariff code → its ids across regions
    let mut tariff_ids: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for t in &file.tariff {
        for (region, fee) in &t.fee {
            let row = Tariff {
                id: 0,
                region_code: region.clone(),
                code: t.code.clone(),
                name: t.name.clone(),
                monthly_fee_kop: kopecks(&t.code, fee)?,
                suspended_fee_kop: kopecks(&t.code, &t.suspended)?,
                minutes: t.minutes,
                sms: t.sms,
                data_mb: t.data_gb * 1024,
                minute_over_kop: kopecks(&t.code, &t.over.minute)?,
                sms_over_kop: kopecks(&t.code, &t.over.sms)?,
                mb_over_kop: kopecks(&t.code, &t.over.mb)?,
                for_business: i64::from(t.for_business),
                archived: i64::from(t.archived),
            };
            let id = catalogue::upsert_tariff(&mut tx, &row).await?;
            tariff_ids.entry(t.code.as_str()).or_default().push(id);
            loaded.tariffs += 1;
        }
    }
    let mut service_ids: BTreeMap<&str, i64> = BTreeMap::new();
    for s in &file.service {
        let id = catalogue::upsert_service(
            &mut tx,
            &NewService {
                code: &s.code,
                name_ru: &s.name_ru,
                name_en: &s.name_en,
                category: &s.category,
                monthly_fee_kop: kopecks(&s.code, &s.monthly)?,
                one_time_fee_kop: kopecks(&s.code, &s.one_time)?,
            },
        )
        .await?;
        service_ids.insert(&s.code, id);
        loaded.services += 1;
    }
    for s in &file.service {
        let fits: Vec<i64> = s
            .fits
            .iter()
            .map(|code| {
                tariff_ids
                    .get(code.as_str())
                    .cloned()
                    .with_context(|| format!("{}: unknown tariff {code}", s.code))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
            .concat();
        let excludes = s
            .excludes
            .iter()
            .map(|code| {
                service_ids
                    .get(code.as_str())
                    .copied()
                    .with_context(|| format!("{}: unknown service {code}", s.code))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        catalogue::set_service_rules(&mut tx, service_ids[s.code.as_str()], &fits, &excludes)
            .await?;
    }
    loaded.repriced = crate::store::lines::reprice_changed(&mut tx, operator).await?;
    let event = AuditEvent::CatalogueLoaded(Counts {
        regions: loaded.regions as i64,
        tariffs: loaded.tariffs as i64,
        services: loaded.services as i64,
    });
    audit::append_operator(&mut tx, operator, &event).await?;
    tx.commit().await?;
    Ok(loaded)
}
