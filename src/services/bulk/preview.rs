//! What a bulk change would do, before anything changes: which lines change, which are skipped
//! and why (grouped by reason), and what it does to the monthly bill. The same rules as a
//! single-line change, checked over every line from a few set-based reads.

use std::collections::BTreeMap;

use crate::authz::Permit;
use crate::domain::service_rules::{self, LineFacts, Refused};
use crate::domain::{LineStatus, Problem};
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
            Err(Refused::State(r)) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem: r.0,
            }),
            Err(Refused::Service(problem)) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem,
            }),
        }
    }
    // Chosen, but no longer among the permit's lines (a grant narrowed meanwhile, say).
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
    let n = preview.changing.len() as i64;
    if enable {
        preview.monthly_delta_kop = service.monthly_fee_kop * n;
        preview.one_time_kop = service.one_time_fee_kop * n;
    } else {
        preview.monthly_delta_kop = -service.monthly_fee_kop * n;
    }
    Ok(preview)
}
