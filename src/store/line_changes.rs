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

pub async fn set_tariff(
    tx: &mut Tx,
    line: &ChangingLine,
    tariff_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE lines SET tariff_id = $1 WHERE id = $2 AND company_id = $3")
        .bind(tariff_id)
        .bind(line.id)
        .bind(line.company_id)
        .execute(&mut **tx)
        .await?;
    super::lines::reprice(tx, &[line.id]).await
}

pub async fn set_status(
    tx: &mut Tx,
    line: &ChangingLine,
    status: &str,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE lines SET status = $1, status_reason = $2 WHERE id = $3 AND company_id = $4",
    )
    .bind(status)
    .bind(reason)
    .bind(line.id)
    .bind(line.company_id)
    .execute(&mut **tx)
    .await?;
    super::lines::reprice(tx, &[line.id]).await
}

/// Puts a new SIM in; the old ICCID (and the reason it stood blocked for) goes to the line's
/// SIM history.
pub async fn replace_sim(
    tx: &mut Tx,
    line: &ChangingLine,
    new_iccid: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO line_sims (line_id, iccid, replaced_at, reason) VALUES ($1, $2, $3, $4)",
    )
    .bind(line.id)
    .bind(&line.iccid)
    .bind(now_ms())
    .bind(&line.status_reason)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE lines SET iccid = $1 WHERE id = $2 AND company_id = $3")
        .bind(new_iccid)
        .bind(line.id)
        .bind(line.company_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn set_limit(
    tx: &mut Tx,
    line: &ChangingLine,
    limit_kop: Option<i64>,
    action: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE lines SET spend_limit_kop = $1, limit_action = $2 WHERE id = $3 AND company_id = $4",
    )
    .bind(limit_kop)
    .bind(action)
    .bind(line.id)
    .bind(line.company_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn set_assignment(
    tx: &mut Tx,
    line: &ChangingLine,
    employee_id: Option<i64>,
    department_id: Option<i64>,
    cost_centre: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE lines SET employee_id = $1, department_id = $2, cost_centre = $3
         WHERE id = $4 AND company_id = $5",
    )
    .bind(employee_id)
    .bind(department_id)
    .bind(cost_centre)
    .bind(line.id)
    .bind(line.company_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn enable_service(
    tx: &mut Tx,
    line: &ChangingLine,
    service_id: i64,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    sqlx::query("INSERT INTO line_services (line_id, service_id, enabled_at) VALUES ($1, $2, $3)")
        .bind(line.id)
        .bind(service_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    super::lines::reprice(tx, &[line.id]).await?;
    history(tx, line, service_id, "enabled", now, actor).await
}

pub async fn disable_service(
    tx: &mut Tx,
    line: &ChangingLine,
    service_id: i64,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM line_services WHERE line_id = $1 AND service_id = $2")
        .bind(line.id)
        .bind(service_id)
        .execute(&mut **tx)
        .await?;
    super::lines::reprice(tx, &[line.id]).await?;
    history(tx, line, service_id, "disabled", now_ms(), actor).await
}

async fn history(
    tx: &mut Tx,
    line: &ChangingLine,
    service_id: i64,
    action: &str,
    at: i64,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO line_service_history (line_id, service_id, action, at, actor_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(line.id)
        .bind(service_id)
        .bind(action)
        .bind(at)
        .bind(actor)
        .execute(&mut **tx)
        .await
        .map(|_| ())
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

/// Lets the line go once its change is recorded as applied or failed.
pub async fn release(tx: &mut Tx, scoped: &Scoped, line_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM pending_changes WHERE line_id = $1 AND company_id = $2")
        .bind(line_id)
        .bind(scoped.company_id())
        .execute(&mut **tx)
        .await?;
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

/// A held change whose holder stopped (its lease ran out), taken over by this sweep until
/// `lease_until`: the line and what finishes the change. Like the job runner's claims, this is
/// the runtime's own work across companies; each change then acts with its own permit.
pub async fn take_over_stale(
    db: &super::Db,
    now: i64,
    lease_until: i64,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let stale: Option<(i64, i64)> = sqlx::query_as(
        "SELECT line_id, lease_until FROM pending_changes WHERE lease_until < $1
         ORDER BY lease_until LIMIT 1",
    )
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    let Some((line_id, old_lease)) = stale else {
        return Ok(None);
    };
    let taken = sqlx::query(
        "UPDATE pending_changes SET lease_until = $1 WHERE line_id = $2 AND lease_until = $3",
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
