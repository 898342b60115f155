//! What a bulk change would do, before anything changes: which lines change, which are skipped
//! and why (grouped by reason), and what it does to the monthly bill. The same rules as a
//! single-line change, checked over every line from a few set-based reads. A run checks each
//! chunk again the same way, in the transaction that writes it.

use std::collections::{BTreeMap, HashSet};

use sqlx::AnyConnection;

use crate::authz::Permit;
use crate::domain::audit::{Assignment, LineChanged};
use crate::domain::pricing::{BillChange, Fees};
use crate::domain::service_rules::{self, LineFacts, Refused};
use crate::domain::{LimitAction, LineStatus, Move, Problem};
use crate::services::FieldError;
use crate::store::line_changes as changes;
use crate::store::line_writes::Write;
use crate::store::lines::{self, Facts};
use crate::store::{Db, departments};

use super::change::{self, BulkChange, Limit};

/// What the change does to one line it changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub line_id: i64,
    pub msisdn: String,
    pub iccid: String,
    pub write: Write,
    /// As the line's audit entry records it.
    pub change: LineChanged,
    /// What it does to the line's monthly bill, and what it charges once.
    pub monthly_kop: i64,
    pub one_time_kop: i64,
}

/// A line left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub line_id: i64,
    pub problem: Problem,
}

/// What the change would do to the chosen lines.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// The lines it changes, in id order.
    pub changing: Vec<Planned>,
    /// The lines it leaves, each with its reason.
    pub skipped: Vec<Skipped>,
    /// The change in the monthly bill of all the lines it changes, and what is charged once.
    pub monthly_delta_kop: i64,
    pub one_time_kop: i64,
    /// Lines the change leaves without some of their services (a tariff the services do not
    /// fit).
    pub dropping_services: usize,
    /// Where the lines go, by target, when a list gives lines their own values (empty when
    /// every line takes the change as it is).
    pub groups: Vec<Group>,
}

/// The lines that go to one target (a tariff, a limit, a department) of a list's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The change with the target in its place.
    pub change: BulkChange,
    pub changing: usize,
    pub monthly_delta_kop: i64,
    pub one_time_kop: i64,
}

impl Preview {
    fn merge(&mut self, other: Preview) {
        self.changing.extend(other.changing);
        self.skipped.extend(other.skipped);
        self.monthly_delta_kop += other.monthly_delta_kop;
        self.one_time_kop += other.one_time_kop;
        self.dropping_services += other.dropping_services;
        self.groups.extend(other.groups);
    }

    /// Counted as one group of lines going to `change`'s target (with those gone there already).
    fn grouped(mut self, change: &BulkChange, into: &[Group]) -> Self {
        let mut group = into
            .iter()
            .find(|g| g.change == *change)
            .cloned()
            .unwrap_or(Group {
                change: change.clone(),
                changing: 0,
                monthly_delta_kop: 0,
                one_time_kop: 0,
            });
        group.changing += self.changing.len();
        group.monthly_delta_kop += self.monthly_delta_kop;
        group.one_time_kop += self.one_time_kop;
        self.groups = vec![group];
        self
    }

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
    /// A parameter of the change is wrong (an unknown service, a limit of zero): for every line.
    #[error("{}", .0.problem)]
    Invalid(FieldError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn invalid(field: &'static str, problem: Problem) -> PreviewError {
    PreviewError::Invalid(FieldError::new(field, problem))
}

impl From<FieldError> for PreviewError {
    fn from(e: FieldError) -> Self {
        PreviewError::Invalid(e)
    }
}

/// What the change would do to these lines (each with its own value, if any), read now:
/// `permit` is for the change, `chosen` the one the lines were chosen under (a line must be
/// within both).
pub async fn of(
    db: &Db,
    permit: &Permit,
    chosen: &Permit,
    lines: &[(i64, Option<String>)],
    change: &BulkChange,
) -> Result<Preview, PreviewError> {
    let mut conn = db.pool.acquire().await?;
    check_lines(&mut conn, permit, chosen, lines, change).await
}

/// What a list's values are looked up in, read once for all of them: the company's tariffs,
/// and the departments both permits cover (with their paths, folded).
#[derive(Default)]
struct Lookup {
    tariffs: Option<Vec<(String, String, String)>>,
    departments: Option<Vec<(i64, String, String)>>,
}

/// The change with a line's own value in its place: a tariff by its code or its name, a limit
/// as an amount, a department by its id, its name (the one of that name) or its path
/// (`Логистика / Склад`), letter case and ё aside; departments only among those both permits
/// cover. A value that names nothing stays as written, for the change's check to say so.
async fn own_change(
    conn: &mut AnyConnection,
    (permit, chosen): (&Permit, &Permit),
    lookup: &mut Lookup,
    change: &BulkChange,
    value: &str,
) -> Result<Result<BulkChange, Problem>, sqlx::Error> {
    use crate::domain::text::fold;
    let value = value.trim();
    let key = fold(value);
    let value = match change {
        BulkChange::ChangeTariff { .. } => {
            if lookup.tariffs.is_none() {
                let all = crate::store::catalogue::tariffs_of_company(conn, permit).await?;
                let folded = all
                    .into_iter()
                    .map(|t| (fold(&t.code), fold(&t.name), t.code));
                lookup.tariffs = Some(folded.collect());
            }
            let tariffs = lookup.tariffs.as_deref().unwrap_or_default();
            let found = tariffs
                .iter()
                .find(|(code, _, _)| *code == key)
                .or_else(|| tariffs.iter().find(|(_, name, _)| *name == key));
            found.map_or_else(|| value.to_owned(), |(_, _, code)| code.clone())
        }
        BulkChange::Reassign { .. } if value.parse::<i64>().is_err() => {
            if lookup.departments.is_none() {
                let all = departments::all(conn, permit).await?;
                let covered = all
                    .iter()
                    .filter(|d| permit.covers_department(d.id) && chosen.covers_department(d.id))
                    .map(|d| {
                        let path = crate::services::departments::path(&all, d.id);
                        (d.id, fold(&d.name), fold(&path))
                    });
                lookup.departments = Some(covered.collect());
            }
            // A path names one department; a bare name must be one department's alone.
            let path = value.contains('/');
            let key = key
                .split('/')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" / ");
            let named: Vec<i64> = lookup
                .departments
                .as_deref()
                .unwrap_or_default()
                .iter()
                .filter(|(_, name, full)| if path { *full == key } else { *name == key })
                .map(|(id, _, _)| *id)
                .collect();
            match named.as_slice() {
                [id] => id.to_string(),
                [] => return Ok(Err(Problem::NoDepartmentNamed { name: value.into() })),
                _ => return Ok(Err(Problem::DepartmentNameTwice { name: value.into() })),
            }
        }
        _ => value.to_owned(),
    };
    Ok(change.with_value(&value))
}

/// What the change would do to lines each with its own value (none: the change as it is),
/// read on `conn`: the lines grouped by value, each group checked as [`check`] does. A value
/// the change cannot take skips its lines with the reason.
pub async fn check_lines(
    conn: &mut AnyConnection,
    permit: &Permit,
    chosen: &Permit,
    lines: &[(i64, Option<String>)],
    change: &BulkChange,
) -> Result<Preview, PreviewError> {
    let mut groups: BTreeMap<Option<&str>, Vec<i64>> = BTreeMap::new();
    for (line, value) in lines {
        groups.entry(value.as_deref()).or_default().push(*line);
    }
    let valued = groups.keys().any(Option::is_some);
    let mut lookup = Lookup::default();
    let mut all = Preview::default();
    for (value, ids) in groups {
        let own = match value {
            // With a list of values, a line without one takes the change's own, if it has one.
            None if valued && change.target().is_empty() => Err(Problem::NoValueForLine),
            None => Ok(change.clone()),
            Some(v) => own_change(conn, (permit, chosen), &mut lookup, change, v).await?,
        };
        let checked = match &own {
            Ok(own) => check(conn, permit, chosen, &ids, own).await,
            Err(problem) => Err(invalid("value", problem.clone())),
        };
        match (checked, own) {
            (Ok(p), Ok(own)) if valued => {
                let p = p.grouped(&own, &all.groups);
                all.groups.retain(|g| g.change != own);
                all.merge(p);
            }
            (Ok(p), _) => all.merge(p),
            // A line's own value that does not do is that line's problem (and with a list of
            // values, so is a line without one where the change has none); the change's own
            // parameters are otherwise everyone's.
            (Err(PreviewError::Invalid(e)), _) if valued => {
                all.skipped.extend(ids.into_iter().map(|line_id| Skipped {
                    line_id,
                    problem: e.problem.clone(),
                }))
            }
            (Err(e), _) => return Err(e),
        }
    }
    all.changing.sort_by_key(|p| p.line_id);
    all.skipped.sort_by_key(|s| s.line_id);
    Ok(all)
}

/// What the change would do to these lines, read on `conn` (a run's writing transaction).
/// A line either permit no longer covers is skipped as not among the permit's lines.
pub async fn check(
    conn: &mut AnyConnection,
    permit: &Permit,
    chosen: &Permit,
    line_ids: &[i64],
    change: &BulkChange,
) -> Result<Preview, PreviewError> {
    let mut lines = lines::facts_of(conn, permit, line_ids).await?;
    lines.retain(|l| chosen.covers_line(l.id, l.department_id));
    let mut preview = match change {
        BulkChange::EnableService { service } => services(conn, &lines, service, true).await?,
        BulkChange::DisableService { service } => services(conn, &lines, service, false).await?,
        BulkChange::ChangeTariff { tariff: code } => tariff(conn, permit, &lines, code).await?,
        BulkChange::Suspend { reason } => {
            let reason = change::reason(reason)?;
            status(&lines, Move::Suspend, &reason)
        }
        BulkChange::Resume {} => status(&lines, Move::Resume, ""),
        BulkChange::SetLimit { amount, on_limit } => {
            let limit = Limit::parse(amount, on_limit.as_deref())?;
            spend_limit(&lines, Some(limit))
        }
        BulkChange::RemoveLimit {} => spend_limit(&lines, None),
        BulkChange::Reassign {
            department_id,
            cost_centre,
        } => {
            let cost_centre = change::cost_centre(cost_centre.as_deref())?;
            place(conn, permit, chosen, &lines, *department_id, cost_centre).await?
        }
    };
    let read: HashSet<i64> = lines.iter().map(|l| l.id).collect();
    for &id in line_ids.iter().filter(|id| !read.contains(id)) {
        preview.skipped.push(Skipped {
            line_id: id,
            problem: Problem::NotALine {
                number: String::new(),
                or_outside_rights: !(permit.is_whole_company() && chosen.is_whole_company()),
            },
        });
    }
    Ok(preview)
}

/// What a change would do to one line (the rest of [`Planned`] is the line's).
struct Effect {
    write: Write,
    change: LineChanged,
    monthly_kop: i64,
    one_time_kop: i64,
}

/// Checks each line as read: `check` says what the change would do to it, or why it cannot.
fn check_each(
    lines: &[Facts],
    mut check: impl FnMut(&Facts, &LineFacts) -> Result<Effect, Problem>,
) -> Preview {
    let mut preview = Preview::default();
    for line in lines {
        let facts = LineFacts {
            status: status_of(line),
            tariff_id: line.tariff_id,
            tariff_name: &line.tariff_name,
            services: &line.services,
        };
        match check(line, &facts) {
            Ok(effect) => {
                preview.monthly_delta_kop += effect.monthly_kop;
                preview.one_time_kop += effect.one_time_kop;
                if matches!(&effect.change, LineChanged::Tariff { dropped, .. } if !dropped.is_empty())
                {
                    preview.dropping_services += 1;
                }
                preview.changing.push(Planned {
                    line_id: line.id,
                    msisdn: line.msisdn.clone(),
                    iccid: line.iccid.clone(),
                    write: effect.write,
                    change: effect.change,
                    monthly_kop: effect.monthly_kop,
                    one_time_kop: effect.one_time_kop,
                });
            }
            Err(problem) => preview.skipped.push(Skipped {
                line_id: line.id,
                problem,
            }),
        }
    }
    preview
}

fn status_of(line: &Facts) -> LineStatus {
    LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated)
}

fn refusal(r: Refused) -> Problem {
    match r {
        Refused::State(r) => r.0,
        Refused::Service(p) => p,
    }
}

/// Enabling (`enable`) or disabling the service with this code.
async fn services(
    conn: &mut AnyConnection,
    lines: &[Facts],
    code: &str,
    enable: bool,
) -> Result<Preview, PreviewError> {
    let code = code.trim();
    let (service, facts) = changes::service_facts(conn, code).await?.ok_or_else(|| {
        invalid(
            "service",
            Problem::NoSuchService {
                service_code: code.into(),
            },
        )
    })?;
    Ok(check_each(lines, |_, line| {
        if enable {
            service_rules::enable(line, &facts).map_err(refusal)?;
            Ok(Effect {
                write: Write::Enable {
                    service_id: service.id,
                },
                change: LineChanged::ServiceOn {
                    service: service.code.clone(),
                },
                monthly_kop: service.monthly_fee_kop,
                one_time_kop: service.one_time_fee_kop,
            })
        } else {
            service_rules::disable(line, &facts).map_err(refusal)?;
            Ok(Effect {
                write: Write::Disable {
                    service_id: service.id,
                },
                change: LineChanged::ServiceOff {
                    service: service.code.clone(),
                },
                monthly_kop: -service.monthly_fee_kop,
                one_time_kop: 0,
            })
        }
    }))
}

/// Moving the lines' status (suspend with a reason, resume): each as its status allows, the
/// bill as the status leaves it.
fn status(lines: &[Facts], to: Move, reason: &str) -> Preview {
    check_each(lines, |line, facts| {
        let next = facts
            .status
            .after(to, &line.status_reason)
            .map_err(|r| r.0)?;
        let fees = Fees {
            tariff_kop: line.tariff_fee_kop,
            services_kop: line.service_fees_kop.iter().sum(),
            suspended_kop: line.tariff_suspended_kop,
        };
        let was = line.status.clone();
        let change = match to {
            Move::Suspend => LineChanged::Suspended {
                was,
                reason: reason.to_owned(),
            },
            _ => LineChanged::Resumed { was },
        };
        Ok(Effect {
            write: Write::Status {
                status: next,
                reason: reason.to_owned(),
            },
            change,
            monthly_kop: BillChange::between((facts.status, fees), (next, fees), 0).monthly_kop,
            one_time_kop: 0,
        })
    })
}

/// Setting the lines' spend limit (`Some`) or removing it: on every line but a terminated one;
/// a line that has that limit already, or none to remove, is skipped. A limit moves no fee.
fn spend_limit(lines: &[Facts], set: Option<Limit>) -> Preview {
    check_each(lines, |line, facts| {
        facts.status.allows_record_changes().map_err(|r| r.0)?;
        let (was_kop, was_action) = (line.spend_limit_kop, line.limit_action.clone());
        let (write, change) = match set {
            Some(limit) => {
                let own = line.limit_action.as_deref().map(LimitAction::parse);
                let action = match (limit.on_limit, own) {
                    (Some(a), _) | (None, Some(Ok(a))) => a,
                    (None, _) => LimitAction::Bar,
                };
                let action = action.as_str().to_owned();
                if was_kop == Some(limit.kop) && was_action.as_deref() == Some(action.as_str()) {
                    return Err(Problem::NothingChanges);
                }
                (
                    Write::Limit {
                        kop: Some(limit.kop),
                        action: Some(action.clone()),
                    },
                    LineChanged::LimitSet {
                        was_kop,
                        was_action,
                        now_kop: limit.kop,
                        action,
                    },
                )
            }
            None if was_kop.is_none() => return Err(Problem::NoLimit),
            None => (
                Write::Limit {
                    kop: None,
                    action: None,
                },
                LineChanged::LimitRemoved {
                    was_kop,
                    was_action,
                },
            ),
        };
        Ok(Effect {
            write,
            change,
            monthly_kop: 0,
            one_time_kop: 0,
        })
    })
}

/// Moving the lines to a department (one both permits cover) and cost centre; each line keeps
/// its employee. A line already there is skipped.
async fn place(
    conn: &mut AnyConnection,
    permit: &Permit,
    chosen: &Permit,
    lines: &[Facts],
    department: Option<i64>,
    cost_centre: Option<String>,
) -> Result<Preview, PreviewError> {
    if let Some(d) = department {
        if departments::get(conn, permit, d).await?.is_none() {
            return Err(invalid("department_id", Problem::NoSuchDepartment));
        }
        // Lines go only where both the right to assign and the right to bulk work reach.
        if !permit.covers_department(d) || !chosen.covers_department(d) {
            return Err(invalid("department_id", Problem::DepartmentOutsideRights));
        }
    }
    Ok(check_each(lines, |line, facts| {
        facts.status.allows_record_changes().map_err(|r| r.0)?;
        if line.department_id == department && line.cost_centre == cost_centre {
            return Err(Problem::NothingChanges);
        }
        let was = Assignment {
            employee_id: line.employee_id,
            department_id: line.department_id,
            cost_centre: line.cost_centre.clone(),
        };
        let now = Assignment {
            department_id: department,
            cost_centre: cost_centre.clone(),
            ..was.clone()
        };
        Ok(Effect {
            write: Write::Place {
                department,
                cost_centre: cost_centre.clone(),
            },
            change: LineChanged::Reassigned { was, now },
            monthly_kop: 0,
            one_time_kop: 0,
        })
    }))
}

/// Moving the lines to the tariff with this code (of the company's region): the services that
/// do not fit it are dropped, their fees with them.
async fn tariff(
    conn: &mut AnyConnection,
    permit: &Permit,
    lines: &[Facts],
    code: &str,
) -> Result<Preview, PreviewError> {
    let code = code.trim();
    let region = crate::store::companies::region_of(conn, permit).await?;
    let Some(new) = changes::tariff_in_region(conn, &region, code).await? else {
        let why = if changes::tariff_exists_elsewhere(conn, code).await? {
            Problem::TariffNotInRegion {
                tariff_code: code.into(),
            }
        } else {
            Problem::NoSuchTariff {
                tariff_code: code.into(),
            }
        };
        return Err(invalid("tariff", why));
    };
    let facts = service_rules::TariffFacts {
        id: new.id,
        name: new.name.clone(),
        open: new.for_business != 0 && new.archived == 0,
    };
    let mut services: Vec<i64> = lines
        .iter()
        .flat_map(|l| l.services.iter().map(|(id, _)| *id))
        .collect();
    services.sort_unstable();
    services.dedup();
    let limits = changes::tariffs_of_services(conn, &services).await?;
    Ok(check_each(lines, |line, line_facts| {
        let dropped = service_rules::change_tariff(line_facts, &facts, |id| {
            limits.get(&id).map_or(&[][..], Vec::as_slice)
        })
        .map_err(refusal)?;
        let mut dropped_fees = 0;
        let mut dropped_codes = Vec::new();
        for (i, (id, _)) in line.services.iter().enumerate() {
            if dropped.contains(id) {
                dropped_fees += line.service_fees_kop[i];
                dropped_codes.push(line.service_codes[i].clone());
            }
        }
        Ok(Effect {
            write: Write::Tariff {
                tariff_id: new.id,
                drop: dropped,
            },
            change: LineChanged::Tariff {
                was: line.tariff_code.clone(),
                now: new.code.clone(),
                dropped: dropped_codes,
            },
            monthly_kop: new.monthly_fee_kop - line.tariff_fee_kop - dropped_fees,
            one_time_kop: 0,
        })
    }))
}
