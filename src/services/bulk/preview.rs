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
    let mut preview = Preview {
        rejected: chosen.rejected.len(),
        ..Preview::default()
    };
    for line in &lines {
        let status = LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated);
        let facts_of_line = LineFacts {
            status,
            tariff_id: line.tariff_id,
            tariff_name: &line.tariff_name,
            services: &line.services,
        };
        let allowed = if enable {
            service_rules::enable(&facts_of_line, &facts)
        } else {
            service_rules::disable(&facts_of_line, &facts)
        };
        match allowed {
            Ok(()) => preview.changing.push(line.id),
            Err(r) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem: refusal(r),
            }),
        }
    }
    skip_unread(&mut preview, permit, chosen, &lines);
    let n = preview.changing.len() as i64;
    if enable {
        preview.monthly_delta_kop = service.monthly_fee_kop * n;
        preview.one_time_kop = service.one_time_fee_kop * n;
    } else {
        preview.monthly_delta_kop = -service.monthly_fee_kop * n;
    }
    Ok(preview)
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
    let mut preview = Preview {
        rejected: chosen.rejected.len(),
        ..Preview::default()
    };
    for line in &lines {
        let now = LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated);
        match now.after(to, &line.status_reason) {
            Ok(next) => {
                let fees = Fees {
                    tariff_kop: line.tariff_fee_kop,
                    services_kop: line.service_fees_kop.iter().sum(),
                    suspended_kop: line.tariff_suspended_kop,
                };
                preview.monthly_delta_kop +=
                    BillChange::between((now, fees), (next, fees), 0).monthly_kop;
                preview.changing.push(line.id);
            }
            Err(r) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem: r.0,
            }),
        }
    }
    skip_unread(&mut preview, permit, chosen, &lines);
    Ok(preview)
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
    let mut preview = Preview {
        rejected: chosen.rejected.len(),
        ..Preview::default()
    };
    for line in &lines {
        let status = LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated);
        let allowed = status
            .allows_record_changes()
            .map_err(|r| r.0)
            .and_then(|()| {
                if !set && line.spend_limit_kop.is_none() {
                    Err(Problem::NoLimit)
                } else {
                    Ok(())
                }
            });
        match allowed {
            Ok(()) => preview.changing.push(line.id),
            Err(problem) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem,
            }),
        }
    }
    skip_unread(&mut preview, permit, chosen, &lines);
    Ok(preview)
}

/// Skips the chosen lines no longer among the permit's (a grant narrowed meanwhile, say).
fn skip_unread(
    preview: &mut Preview,
    permit: &Permit,
    chosen: &Resolved,
    read: &[lines::ServicesOfLine],
) {
    let read: std::collections::HashSet<i64> = read.iter().map(|l| l.id).collect();
    for &id in chosen.line_ids.iter().filter(|id| !read.contains(id)) {
        preview.skipped.push(Skipped {
            line_id: id,
            problem: Problem::NotALine {
                number: String::new(),
                or_outside_rights: *permit.scope() != crate::authz::Scope::Company,
            },
        });
    }
}

fn refusal(r: Refused) -> Problem {
    match r {
        Refused::State(r) => r.0,
        Refused::Service(p) => p,
    }
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
    let mut preview = Preview {
        rejected: chosen.rejected.len(),
        ..Preview::default()
    };
    for line in &lines {
        let facts_of_line = LineFacts {
            status: LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated),
            tariff_id: line.tariff_id,
            tariff_name: &line.tariff_name,
            services: &line.services,
        };
        let moved = service_rules::change_tariff(&facts_of_line, &facts, |id| {
            limits.get(&id).map_or(&[][..], Vec::as_slice)
        });
        match moved {
            Ok(dropped) => {
                let dropped_fees: i64 = line
                    .services
                    .iter()
                    .zip(&line.service_fees_kop)
                    .filter(|((id, _), _)| dropped.contains(id))
                    .map(|(_, fee)| fee)
                    .sum();
                preview.monthly_delta_kop +=
                    new.monthly_fee_kop - line.tariff_fee_kop - dropped_fees;
                if !dropped.is_empty() {
                    preview.dropping_services += 1;
                }
                preview.changing.push(line.id);
            }
            Err(r) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem: refusal(r),
            }),
        }
    }
    skip_unread(&mut preview, permit, chosen, &lines);
    Ok(preview)
}
