//! What a bulk change would do, before anything changes: which lines change, which are skipped
//! and why (grouped by reason), and what it does to the monthly bill. The same rules as a
//! single-line change, checked over every line from a few set-based reads.

use std::collections::BTreeMap;

use crate::authz::Permit;
use crate::domain::pricing::{BillChange, Fees};
use crate::domain::service_rules::{self, LineFacts, Refused};
use crate::domain::{LineStatus, Move, Problem};
use crate::store::Db;
use crate::store::line_changes as changes;
use crate::store::lines;

use super::selection::Resolved;

/// A line left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line_id: i64,
    pub problem: Problem,
}

/// What the change would do to the selection.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// The lines it changes, in id order.
    pub changing: Vec<i64>,
    /// The lines it leaves, each with its reason.
    pub skipped: Vec<Skipped>,
    /// The list's numbers that are no lines to act on (see [`Resolved::rejected`]).
    pub rejected: usize,
    /// The change in the monthly bill of all the lines it changes, and what is charged once.
    pub monthly_delta_kop: i64,
    pub one_time_kop: i64,
    /// Lines the change leaves without some of their services (a tariff the services do not
    /// fit).
    pub dropping_services: usize,
}

impl Preview {
    /// The skipped lines by reason (the problem's code), with how many and one of them as said.
    pub fn skipped_by_reason(&self) -> Vec<(String, usize, &Problem)> {
        let mut groups: BTreeMap<String, (usize, &Problem)> = BTreeMap::new();
        for s in &self.skipped {
            groups.entry(s.problem.code()).or_insert((0, &s.problem)).0 += 1;
        }
        groups
            .into_iter()
            .map(|(code, (n, example))| (code, n, example))
            .collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("{0}")]
    Refused(Problem),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a change would do to one line: its monthly bill, what it charges once, and
/// whether it drops some of the line's services.
#[derive(Debug, Clone, Copy, Default)]
struct Effect {
    monthly_kop: i64,
    one_time_kop: i64,
    drops_services: bool,
}

/// Checks each chosen line as read (`check` says what it would change, or why it cannot), and
/// skips the chosen lines no longer among the permit's (a grant narrowed meanwhile, say).
fn check_each(
    permit: &Permit,
    chosen: &Resolved,
    lines: &[lines::ServicesOfLine],
    mut check: impl FnMut(&lines::ServicesOfLine, &LineFacts) -> Result<Effect, Problem>,
) -> Preview {
    let mut preview = Preview {
        rejected: chosen.rejected.len(),
        ..Preview::default()
    };
    for line in lines {
        let facts = LineFacts {
            status: LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated),
            tariff_id: line.tariff_id,
            tariff_name: &line.tariff_name,
            services: &line.services,
        };
        match check(line, &facts) {
            Ok(change) => {
                preview.monthly_delta_kop += change.monthly_kop;
                preview.one_time_kop += change.one_time_kop;
                preview.dropping_services += usize::from(change.drops_services);
                preview.changing.push(line.id);
            }
            Err(problem) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem,
            }),
        }
    }
    let read: std::collections::HashSet<i64> = lines.iter().map(|l| l.id).collect();
    for &id in chosen.line_ids.iter().filter(|id| !read.contains(id)) {
        preview.skipped.push(Skipped {
            line_id: id,
            problem: Problem::NotALine {
                number: String::new(),
                or_outside_rights: *permit.scope() != crate::authz::Scope::Company,
            },
        });
    }
    preview
}

fn refusal(r: Refused) -> Problem {
    match r {
        Refused::State(r) => r.0,
        Refused::Service(p) => p,
    }
}

/// Enabling (`enable`) or disabling the service with this code on the chosen lines.
pub async fn service(
    db: &Db,
    permit: &Permit,
    chosen: &Resolved,
    code: &str,
    enable: bool,
) -> Result<Preview, PreviewError> {
    let mut conn = db.pool.acquire().await?;
    let (service, facts) = changes::service_facts(&mut conn, code.trim())
        .await?
        .ok_or_else(|| {
            PreviewError::Refused(Problem::NoSuchService {
                service_code: code.trim().into(),
            })
        })?;
    let lines = lines::services_of(&mut conn, permit, &chosen.line_ids).await?;
    Ok(check_each(permit, chosen, &lines, |_, line| {
        if enable {
            service_rules::enable(line, &facts).map_err(refusal)?;
            Ok(Effect {
                monthly_kop: service.monthly_fee_kop,
                one_time_kop: service.one_time_fee_kop,
                drops_services: false,
            })
        } else {
            service_rules::disable(line, &facts).map_err(refusal)?;
            Ok(Effect {
                monthly_kop: -service.monthly_fee_kop,
                ..Effect::default()
            })
        }
    }))
}

/// Moving the chosen lines' status (suspend, resume; the operator's block and unblock): each as
/// the line's status allows, the bill as the status leaves it.
pub async fn status(
    db: &Db,
    permit: &Permit,
    chosen: &Resolved,
    to: Move,
) -> Result<Preview, PreviewError> {
    let mut conn = db.pool.acquire().await?;
    let lines = lines::services_of(&mut conn, permit, &chosen.line_ids).await?;
    Ok(check_each(permit, chosen, &lines, |line, facts| {
        let next = facts
            .status
            .after(to, &line.status_reason)
            .map_err(|r| r.0)?;
        let fees = Fees {
            tariff_kop: line.tariff_fee_kop,
            services_kop: line.service_fees_kop.iter().sum(),
            suspended_kop: line.tariff_suspended_kop,
        };
        Ok(Effect {
            monthly_kop: BillChange::between((facts.status, fees), (next, fees), 0).monthly_kop,
            ..Effect::default()
        })
    }))
}

/// Setting the chosen lines' spend limit (`set`: a limit, checked by the caller as a single
/// change checks it) or removing it: on every line but a terminated one; removing skips the
/// lines that have none. A limit moves no fee.
pub async fn limit(
    db: &Db,
    permit: &Permit,
    chosen: &Resolved,
    set: bool,
) -> Result<Preview, PreviewError> {
    let mut conn = db.pool.acquire().await?;
    let lines = lines::services_of(&mut conn, permit, &chosen.line_ids).await?;
    Ok(check_each(permit, chosen, &lines, |line, facts| {
        facts.status.allows_record_changes().map_err(|r| r.0)?;
        if !set && line.spend_limit_kop.is_none() {
            return Err(Problem::NoLimit);
        }
        Ok(Effect::default())
    }))
}

/// Moving the chosen lines to the tariff with this code (of the company's region): the services
/// that do not fit it are dropped, their fees with them.
pub async fn tariff(
    db: &Db,
    permit: &Permit,
    chosen: &Resolved,
    code: &str,
) -> Result<Preview, PreviewError> {
    let code = code.trim();
    let region = crate::store::companies::get(db, permit)
        .await?
        .map(|c| c.region_code)
        .unwrap_or_default();
    let mut conn = db.pool.acquire().await?;
    let Some(new) = changes::tariff_in_region(&mut conn, &region, code).await? else {
        let why = if changes::tariff_exists_elsewhere(&mut conn, code).await? {
            Problem::TariffNotInRegion {
                tariff_code: code.into(),
            }
        } else {
            Problem::NoSuchTariff {
                tariff_code: code.into(),
            }
        };
        return Err(PreviewError::Refused(why));
    };
    let facts = service_rules::TariffFacts {
        id: new.id,
        name: new.name.clone(),
        open: new.for_business != 0 && new.archived == 0,
    };
    let lines = lines::services_of(&mut conn, permit, &chosen.line_ids).await?;
    let mut services: Vec<i64> = lines
        .iter()
        .flat_map(|l| l.services.iter().map(|(id, _)| *id))
        .collect();
    services.sort_unstable();
    services.dedup();
    let limits = changes::tariffs_of_services(&mut conn, &services).await?;
    Ok(check_each(permit, chosen, &lines, |line, line_facts| {
        let dropped = service_rules::change_tariff(line_facts, &facts, |id| {
            limits.get(&id).map_or(&[][..], Vec::as_slice)
        })
        .map_err(refusal)?;
        let dropped_fees: i64 = line
            .services
            .iter()
            .zip(&line.service_fees_kop)
            .filter(|((id, _), _)| dropped.contains(id))
            .map(|(_, fee)| fee)
            .sum();
        Ok(Effect {
            monthly_kop: new.monthly_fee_kop - line.tariff_fee_kop - dropped_fees,
            one_time_kop: 0,
            drops_services: !dropped.is_empty(),
        })
    }))
}
