//! What a line change writes, for one line or for a chunk of thousands. The writes are grouped
//! by what they set, so a chunk costs a few statements whatever its size, and the lines' kept
//! monthly cost is worked out again once at the end. Every statement keeps to the permit's
//! company and scope: a line outside them is not written.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::domain::{LineStatus, Scoped};

use super::lines::within;
use super::sql::Sql;
use super::{Tx, now_ms};

/// The writes of one change to one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Write {
    /// A new tariff, and the services it does not allow taken off.
    Tariff {
        tariff_id: i64,
        drop: Vec<i64>,
    },
    Enable {
        service_id: i64,
    },
    Disable {
        service_id: i64,
    },
    Status {
        status: LineStatus,
        reason: String,
    },
    /// A new SIM (the old one to the line's SIM history), and the status it leaves.
    Sim {
        iccid: String,
        status: LineStatus,
        reason: String,
    },
    Limit {
        kop: Option<i64>,
        action: Option<String>,
    },
    /// Whose line it is and where its cost goes.
    Assign {
        employee: Option<i64>,
        department: Option<i64>,
        cost_centre: Option<String>,
    },
    /// Where its cost goes, the employee left as is (a bulk move to a department).
    Place {
        department: Option<i64>,
        cost_centre: Option<String>,
    },
}

/// One `UPDATE lines SET …` shared by every line it is the same for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Set {
    Tariff(i64),
    Status(LineStatus, String),
    Limit(Option<i64>, Option<String>),
    Assign(Option<i64>, Option<i64>, Option<String>),
    Place(Option<i64>, Option<String>),
}

/// Ids a statement binds (under every backend's limit on bound values).
const IDS: usize = 500;

/// Makes the writes (each a line of the permit's, with its own write), as the change's
/// actor (for the services' history).
pub async fn write_many(
    tx: &mut Tx,
    scoped: &Scoped,
    writes: &[(i64, &Write)],
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = now_ms();
    let mut sets: HashMap<Set, Vec<i64>> = HashMap::new();
    let mut on: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut off: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut set = |s: Set, line: i64| sets.entry(s).or_default().push(line);
    for &(line, write) in writes {
        match write {
            Write::Tariff { tariff_id, drop } => {
                set(Set::Tariff(*tariff_id), line);
                for s in drop {
                    off.entry(*s).or_default().push(line);
                }
            }
            Write::Enable { service_id } => on.entry(*service_id).or_default().push(line),
            Write::Disable { service_id } => off.entry(*service_id).or_default().push(line),
            Write::Status { status, reason } => set(Set::Status(*status, reason.clone()), line),
            Write::Sim {
                iccid,
                status,
                reason,
            } => {
                replace_sim(tx, scoped, line, iccid, now).await?;
                set(Set::Status(*status, reason.clone()), line);
            }
            Write::Limit { kop, action } => set(Set::Limit(*kop, action.clone()), line),
            Write::Assign {
                employee,
                department,
                cost_centre,
            } => set(
                Set::Assign(*employee, *department, cost_centre.clone()),
                line,
            ),
            Write::Place {
                department,
                cost_centre,
            } => set(Set::Place(*department, cost_centre.clone()), line),
        }
    }
    for (s, lines) in &sets {
        for chunk in lines.chunks(IDS) {
            update(tx, scoped, s, chunk).await?;
        }
    }
    for (service, lines) in &off {
        for chunk in lines.chunks(IDS) {
            services(tx, scoped, *service, chunk, false, now, actor).await?;
        }
    }
    for (service, lines) in &on {
        for chunk in lines.chunks(IDS) {
            services(tx, scoped, *service, chunk, true, now, actor).await?;
        }
    }
    // The kept monthly cost follows the tariff, the services and the status; lines whose
    // services alone changed get their new version in the same write.
    let mut priced: Vec<i64> = writes
        .iter()
        .filter(|(_, w)| w.moves_the_price())
        .map(|(line, _)| *line)
        .collect();
    priced.sort_unstable();
    priced.dedup();
    let updated: std::collections::HashSet<i64> = sets.values().flatten().copied().collect();
    let (services_only, rest): (Vec<i64>, Vec<i64>) =
        priced.into_iter().partition(|line| !updated.contains(line));
    super::lines::reprice_and_bump(tx, scoped, &services_only).await?;
    super::lines::reprice(tx, scoped, &rest).await
}

impl Write {
    /// Whether the write changes what the line costs a month (its tariff, services or status).
    fn moves_the_price(&self) -> bool {
        match self {
            Write::Tariff { .. }
            | Write::Enable { .. }
            | Write::Disable { .. }
            | Write::Status { .. }
            | Write::Sim { .. } => true,
            Write::Limit { .. } | Write::Assign { .. } | Write::Place { .. } => false,
        }
    }
}

fn bind_opt_int(sql: &mut Sql, v: Option<i64>) -> &mut Sql {
    match v {
        Some(x) => sql.bind(x),
        None => sql.push("NULL"),
    }
}

fn bind_opt_text<'a>(sql: &'a mut Sql, v: &Option<String>) -> &'a mut Sql {
    match v {
        Some(x) => sql.bind(x.clone()),
        None => sql.push("NULL"),
    }
}

async fn update(tx: &mut Tx, scoped: &Scoped, set: &Set, lines: &[i64]) -> Result<(), sqlx::Error> {
    let mut sql = Sql::bulk(tx, "UPDATE lines SET version = version + 1, ");
    match set {
        Set::Tariff(tariff) => {
            sql.push("tariff_id = ").bind(*tariff);
        }
        Set::Status(status, reason) => {
            sql.push("status = ")
                .bind(status.as_str())
                .push(", status_reason = ")
                .bind(reason.clone());
        }
        Set::Limit(kop, action) => {
            sql.push("spend_limit_kop = ");
            bind_opt_int(&mut sql, *kop).push(", limit_action = ");
            bind_opt_text(&mut sql, action);
        }
        Set::Assign(employee, department, cost_centre) => {
            sql.push("employee_id = ");
            bind_opt_int(&mut sql, *employee).push(", department_id = ");
            bind_opt_int(&mut sql, *department).push(", cost_centre = ");
            bind_opt_text(&mut sql, cost_centre);
        }
        Set::Place(department, cost_centre) => {
            sql.push("department_id = ");
            bind_opt_int(&mut sql, *department).push(", cost_centre = ");
            bind_opt_text(&mut sql, cost_centre);
        }
    }
    sql.push(" WHERE id IN (");
    within(&mut sql, scoped, lines);
    sql.push(")");
    sql.query().execute(&mut **tx).await.map(|_| ())
}

/// Turns a service on (`on`) or off on these lines, with a history row for each.
async fn services(
    tx: &mut Tx,
    scoped: &Scoped,
    service: i64,
    lines: &[i64],
    on: bool,
    now: i64,
    actor: Option<i64>,
) -> Result<(), sqlx::Error> {
    let mut sql = if on {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO line_services (line_id, service_id, enabled_at) SELECT l.id, ",
        );
        sql.bind(service).push(", ").bind(now).push(" FROM (");
        sql
    } else {
        let mut sql = Sql::bulk(tx, "DELETE FROM line_services WHERE service_id = ");
        sql.bind(service).push(" AND line_id IN (");
        sql
    };
    within(&mut sql, scoped, lines);
    sql.push(if on { ") l" } else { ")" });
    sql.query().execute(&mut **tx).await?;
    let mut history = Sql::bulk(
        tx,
        "INSERT INTO line_service_history (line_id, service_id, action, at, actor_id) SELECT l.id, ",
    );
    history
        .bind(service)
        .push(", ")
        .bind(if on { "enabled" } else { "disabled" })
        .push(", ")
        .bind(now)
        .push(", ");
    bind_opt_int(&mut history, actor).push(" FROM (");
    within(&mut history, scoped, lines);
    history.push(") l");
    history.query().execute(&mut **tx).await.map(|_| ())
}

/// Puts a new SIM in; the old ICCID (and the reason the line stood blocked for) goes to the
/// line's SIM history.
async fn replace_sim(
    tx: &mut Tx,
    scoped: &Scoped,
    line: i64,
    iccid: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut sql = Sql::bulk(
        tx,
        "INSERT INTO line_sims (line_id, iccid, replaced_at, reason) SELECT l.id, l.iccid, ",
    );
    sql.bind(now)
        .push(", l.status_reason FROM lines l WHERE l.id IN (");
    within(&mut sql, scoped, &[line]);
    sql.push(")");
    sql.query().execute(&mut **tx).await?;
    let mut sql = Sql::bulk(tx, "UPDATE lines SET iccid = ");
    sql.bind(iccid.to_owned()).push(" WHERE id IN (");
    within(&mut sql, scoped, &[line]);
    sql.push(")");
    sql.query().execute(&mut **tx).await.map(|_| ())
}
