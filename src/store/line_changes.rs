//! Reading a line's state for a change and writing the change. Every write first bumps the
//! line's version from the one the change was planned on, so two concurrent changes cannot
//! both apply to the same state.
//!
//! Only [`load`] makes a [`ChangingLine`] (it has a private field), and it makes one only for a
//! line the permit's scope covers; every reader and writer of a line's parts here takes that
//! state, so none of them can be pointed at a line the permit does not reach.

use sqlx::AnyConnection;

use crate::domain::Scoped;

use super::sql::Sql;
use super::{Tx, now_ms};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChangingLine {
    pub id: i64,
    pub msisdn: String,
    pub iccid: String,
    pub status: String,
    pub status_reason: String,
    pub tariff_id: i64,
    pub tariff_code: String,
    pub tariff_name: String,
    pub tariff_fee_kop: i64,
    pub tariff_suspended_kop: i64,
    /// Its services' monthly fees, summed (kept with the line).
    pub services_kop: i64,
    pub region_code: String,
    pub department_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub cost_centre: Option<String>,
    pub spend_limit_kop: Option<i64>,
    pub limit_action: Option<String>,
    pub version: i64,
    company_id: i64,
}

/// The line as a change plans on it, if the scope covers it.
pub async fn load(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    id: i64,
) -> Result<Option<ChangingLine>, sqlx::Error> {
    let line = sqlx::query_as::<_, ChangingLine>(
        "SELECT l.id, l.msisdn, l.iccid, l.status, l.status_reason, l.tariff_id,
                t.code AS tariff_code, t.name AS tariff_name, t.monthly_fee_kop AS tariff_fee_kop,
                t.suspended_fee_kop AS tariff_suspended_kop, l.services_kop, c.region_code,
                l.department_id, l.employee_id, l.cost_centre, l.spend_limit_kop, l.limit_action, l.version,
                l.company_id
         FROM lines l JOIN tariffs t ON t.id = l.tariff_id JOIN companies c ON c.id = l.company_id
         WHERE l.company_id = $1 AND l.id = $2",
    )
    .bind(scoped.company_id())
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(line.filter(|l| scoped.covers_line(l.id, l.department_id)))
}

/// A service as the catalogue describes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Service {
    pub id: i64,
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub monthly_fee_kop: i64,
    pub one_time_fee_kop: i64,
    pub archived: i64,
}

pub async fn enabled_services(
    conn: &mut AnyConnection,
    line: &ChangingLine,
) -> Result<Vec<Service>, sqlx::Error> {
    sqlx::query_as::<_, Service>(
        "SELECT s.id, s.code, s.name_ru, s.name_en, s.monthly_fee_kop, s.one_time_fee_kop, s.archived
         FROM line_services ls JOIN services s ON s.id = ls.service_id WHERE ls.line_id = $1 ORDER BY s.id",
    )
    .bind(line.id)
    .fetch_all(conn)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TariffRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub monthly_fee_kop: i64,
    pub suspended_fee_kop: i64,
    pub for_business: i64,
    pub archived: i64,
}

pub async fn tariff_in_region(
    conn: &mut AnyConnection,
    region: &str,
    code: &str,
) -> Result<Option<TariffRow>, sqlx::Error> {
    sqlx::query_as::<_, TariffRow>(
        "SELECT id, code, name, monthly_fee_kop, suspended_fee_kop, for_business, archived
         FROM tariffs WHERE region_code = $1 AND code = $2",
    )
    .bind(region)
    .bind(code)
    .fetch_optional(conn)
    .await
}

pub async fn tariff_exists_elsewhere(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tariffs WHERE code = $1")
        .bind(code)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn iccid_taken(conn: &mut AnyConnection, iccid: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM lines WHERE iccid = $1) + (SELECT COUNT(*) FROM line_sims WHERE iccid = $1)",
    )
    .bind(iccid)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// What a submit key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// New: the change goes ahead.
    Fresh,
    /// Used before for this very change of this line: it is done.
    Repeat,
    /// Used before for another line or another change.
    Mismatch,
}

/// Records the submit key with the line and a fingerprint of the change it carries.
pub async fn claim_key(
    tx: &mut Tx,
    scoped: &Scoped,
    key: &str,
    line_id: i64,
    action: &str,
    fingerprint: &str,
) -> Result<Claim, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO change_keys (company_id, key, line_id, action, created_at, fingerprint)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company_id, key) DO NOTHING",
    )
    .bind(scoped.company_id())
    .bind(key)
    .bind(line_id)
    .bind(action)
    .bind(now_ms())
    .bind(fingerprint)
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let (line, print): (i64, String) = sqlx::query_as(
        "SELECT line_id, fingerprint FROM change_keys WHERE company_id = $1 AND key = $2",
    )
    .bind(scoped.company_id())
    .bind(key)
    .fetch_one(&mut **tx)
    .await?;
    Ok(if line == line_id && print == fingerprint {
        Claim::Repeat
    } else {
        Claim::Mismatch
    })
}

/// Moves the line from the version it was loaded at to the next; false if someone changed it
/// meanwhile.
pub async fn bump(tx: &mut Tx, line: &ChangingLine) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "UPDATE lines SET version = version + 1 WHERE id = $1 AND company_id = $2 AND version = $3",
    )
    .bind(line.id)
    .bind(line.company_id)
    .bind(line.version)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The SIMs the number had before, newest first; none for a line the scope does not cover.
pub async fn previous_sims(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    line_id: i64,
) -> Result<Vec<(String, i64, String)>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT s.iccid, s.replaced_at, s.reason FROM line_sims s JOIN lines l ON l.id = s.line_id
         WHERE s.line_id = ",
    );
    sql.bind(line_id)
        .push(" AND l.company_id = ")
        .bind(scoped.company_id());
    super::lines::push_scope(&mut sql, scoped.scope());
    sql.push(" ORDER BY s.replaced_at DESC, s.id DESC");
    sql.query_as::<(String, i64, String)>()
        .fetch_all(conn)
        .await
}

/// Holds the line for a change sent to the network (`payload`: what finishes it); false if the
/// line has a change in hand already.
pub async fn hold(
    tx: &mut Tx,
    line: &ChangingLine,
    payload: &str,
    now: i64,
    lease_until: i64,
) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO pending_changes (line_id, company_id, payload, created_at, lease_until)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (line_id) DO NOTHING",
    )
    .bind(line.id)
    .bind(line.company_id)
    .bind(payload)
    .bind(now)
    .bind(lease_until)
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Holds these lines of the permit's company for changes a job sends to the network (each
/// line with what finishes its change); the lines held, those with a change in hand already
/// left out. The job finishes them itself (the sweep only if the job is given up).
pub async fn hold_for_job(
    tx: &mut Tx,
    scoped: &Scoped,
    job_id: i64,
    held: &[(i64, String)],
    now: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut taken = Vec::with_capacity(held.len());
    for chunk in held.chunks(200) {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO pending_changes (line_id, company_id, payload, created_at, lease_until, job_id)
             SELECT l.id, l.company_id, v.column2, ",
        );
        sql.bind(now)
            .push(", ")
            .bind(i64::MAX)
            .push(", ")
            .bind(job_id)
            .push(" FROM (VALUES ");
        for (i, (line, payload)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(*line)
                .push(", ")
                .bind(payload.clone())
                .push(")");
        }
        sql.push(") AS v JOIN lines l ON l.id = v.column1 WHERE l.company_id = ")
            .bind(scoped.company_id())
            .push(" ON CONFLICT (line_id) DO NOTHING RETURNING line_id");
        let ids: Vec<(i64,)> = sql.query_as().fetch_all(&mut **tx).await?;
        taken.extend(ids.into_iter().map(|(id,)| id));
    }
    Ok(taken)
}

/// Which of these lines of the permit's company have a change in hand.
pub async fn held_among(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    let mut held = std::collections::HashSet::new();
    for chunk in line_ids.chunks(500) {
        let mut sql = Sql::bulk_on(
            conn,
            "SELECT line_id FROM pending_changes WHERE company_id = ",
        );
        sql.bind(scoped.company_id())
            .push(" AND line_id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        let ids: Vec<(i64,)> = sql.query_as().fetch_all(&mut *conn).await?;
        held.extend(ids.into_iter().map(|(id,)| id));
    }
    Ok(held)
}

/// The changes a job holds (sent, not yet recorded): each line with what finishes it.
pub async fn held_by_job(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    job_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT line_id, payload FROM pending_changes WHERE company_id = $1 AND job_id = $2
         ORDER BY line_id",
    )
    .bind(scoped.company_id())
    .bind(job_id)
    .fetch_all(conn)
    .await
}

/// Lets the lines go once their changes are recorded as applied or failed.
pub async fn release(tx: &mut Tx, scoped: &Scoped, line_ids: &[i64]) -> Result<(), sqlx::Error> {
    for chunk in line_ids.chunks(500) {
        let mut sql = Sql::bulk(tx, "DELETE FROM pending_changes WHERE company_id = ");
        sql.bind(scoped.company_id())
            .push(" AND line_id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        sql.query().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Frees a submit key whose change the network refused, so the same form can try again.
pub async fn forget_key(tx: &mut Tx, scoped: &Scoped, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM change_keys WHERE company_id = $1 AND key = $2")
        .bind(scoped.company_id())
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A held change whose holder stopped (its lease ran out, or the job that sent it was given
/// up), taken over by this sweep until
/// `lease_until`: the line and what finishes the change. Like the job runner's claims, this is
/// the runtime's own work across companies; each change then acts with its own permit.
pub async fn take_over_stale(
    db: &super::Db,
    now: i64,
    lease_until: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let stale: Option<(i64, i64)> = sqlx::query_as(
        "SELECT line_id, lease_until FROM pending_changes WHERE (job_id IS NULL AND lease_until < $1)
            OR job_id IN (SELECT id FROM jobs WHERE status = 'failed')
         ORDER BY lease_until LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some((line_id, old_lease)) = stale else {
        return Ok(None);
    };
    let taken = sqlx::query(
        "UPDATE pending_changes SET lease_until = $1, job_id = NULL
         WHERE line_id = $2 AND lease_until = $3",
    )
    .bind(lease_until)
    .bind(line_id)
    .bind(old_lease)
    .execute(&db.pool)
    .await?
    .rows_affected()
        == 1;
    if !taken {
        // Another instance took it first: the next sweep looks again.
        return Ok(None);
    }
    let payload: Option<String> =
        sqlx::query_scalar("SELECT payload FROM pending_changes WHERE line_id = $1")
            .bind(line_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(payload.map(|p| (line_id, p)))
}

/// The service with a code as its rules see it (see [`crate::domain::service_rules`]), with
/// its prices: read once, for one line or for many.
pub async fn service_facts(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<(Service, crate::domain::service_rules::ServiceFacts)>, sqlx::Error> {
    let Some(s) = sqlx::query_as::<_, Service>(
        "SELECT id, code, name_ru, name_en, monthly_fee_kop, one_time_fee_kop, archived
         FROM services WHERE code = $1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let tariffs: Vec<(i64,)> =
        sqlx::query_as("SELECT tariff_id FROM service_tariffs WHERE service_id = $1")
            .bind(s.id)
            .fetch_all(&mut *conn)
            .await?;
    let excludes: Vec<(i64,)> = sqlx::query_as(
        "SELECT excluded_service_id FROM service_exclusions WHERE service_id = $1
         UNION SELECT service_id FROM service_exclusions WHERE excluded_service_id = $1",
    )
    .bind(s.id)
    .fetch_all(&mut *conn)
    .await?;
    let facts = crate::domain::service_rules::ServiceFacts {
        id: s.id,
        name: crate::domain::Name {
            ru: s.name_ru.clone(),
            en: s.name_en.clone(),
        },
        archived: s.archived != 0,
        tariffs: tariffs.into_iter().map(|(t,)| t).collect(),
        excludes: excludes.into_iter().map(|(x,)| x).collect(),
    };
    Ok(Some((s, facts)))
}

/// The tariffs each of these services is limited to (a service open on every tariff is not in
/// the answer).
pub async fn tariffs_of_services(
    conn: &mut AnyConnection,
    service_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>, sqlx::Error> {
    let mut limits: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    if service_ids.is_empty() {
        return Ok(limits);
    }
    let mut sql =
        Sql::new("SELECT service_id, tariff_id FROM service_tariffs WHERE service_id IN (");
    sql.bind_list(service_ids.iter().copied()).push(")");
    let rows: Vec<(i64, i64)> = sql.query_as().fetch_all(conn).await?;
    for (service, tariff) in rows {
        limits.entry(service).or_default().push(tariff);
    }
    Ok(limits)
}
