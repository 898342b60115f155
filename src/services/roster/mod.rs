//! Importing a roster: a file in, a preview of exactly what would change, then all of it in one
//! transaction — or none of it. Nothing is written at preview time but the stored upload; the
//! commit computes the plan again from the stored file and refuses if it differs from the one
//! previewed (the company's records moved in between).

pub mod job;
pub mod network;
pub mod plan;

use crate::domain::Problem;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use foldhash::HashMap;

use crate::authz::{Permit, Scope};
use crate::domain::audit::{
    Assignment, AuditEvent, DepartmentFields, LineChanged, LineEvent, RosterImport,
};
use crate::roster::columns::{self, Field, Layout};
use crate::roster::read::ReadError;
use crate::roster::recent;
use crate::roster::rows;
use crate::store::audit;
use crate::store::roster::{self as store, Upload};
use crate::store::{Db, departments, employees};

use plan::{DeptRef, EmpRef, EmployeeFields, Mode, Plan, Snapshot};

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Unreadable(#[from] ReadError),
    #[error("no header row")]
    NoHeader,
    #[error("{0}")]
    Refused(Problem),
    #[error("the file has errors")]
    HasErrors,
    #[error("the company's data changed since the preview")]
    Stale,
    #[error("applied already")]
    AlreadyApplied,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl RosterError {
    /// What people are told (a database failure is none of theirs).
    pub fn problem(&self) -> Problem {
        match self {
            RosterError::NotFound => Problem::NotFound,
            RosterError::Unreadable(e) => e.problem(),
            RosterError::NoHeader => Problem::NoHeaderRow,
            RosterError::Refused(p) => p.clone(),
            RosterError::HasErrors => Problem::FileHasErrors,
            RosterError::Stale => Problem::StalePreview,
            RosterError::AlreadyApplied => Problem::AppliedAlready,
            RosterError::Db(_) => Problem::Internal,
        }
    }
}

/// What the admin chose on the preview page.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Options {
    pub sheet: Option<String>,
    pub mode: Mode,
    /// Columns mapped by hand: (column index, field or `None` to ignore it).
    pub mapping: Vec<(usize, Option<Field>)>,
    /// Apply the rows without problems and leave the others: then nobody is removed, whatever
    /// the mode (a row with a problem may name someone a full sync would take for missing).
    #[serde(default)]
    pub skip_errors: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sheet: None,
            mode: Mode::AddUpdate,
            mapping: Vec::new(),
            skip_errors: false,
        }
    }
}

pub struct Preview {
    pub upload: Upload,
    /// The cells of each row with a problem, by its row number, for the error rows' download
    /// (the rest of the sheet is not kept).
    pub error_rows: BTreeMap<usize, Vec<String>>,
    pub sheet: String,
    pub sheets: Vec<String>,
    pub layout: Layout,
    pub plan: Plan,
    pub snapshot: Snapshot,
    pub fingerprint: String,
    pub mode: Mode,
}

/// Keeps an uploaded file for its preview; refuses at once a file that cannot be read.
pub async fn upload(
    db: &Db,
    permit: &Permit,
    file_name: &str,
    content: &[u8],
    now: i64,
) -> Result<i64, RosterError> {
    recent::read(content, None)?;
    let name: String = file_name.chars().take(200).collect();
    Ok(store::insert_upload(db, permit, &name, content, now).await?)
}

/// Full sync removes the employees a file does not name: only for whoever covers the whole
/// company.
fn may_use(permit: &Permit, mode: Mode) -> Result<(), RosterError> {
    if mode == Mode::FullSync && *permit.scope() != Scope::Company {
        return Err(RosterError::Refused(Problem::FullSyncOnlyAdmins));
    }
    Ok(())
}

/// What importing the upload with these options would change.
pub async fn preview(
    db: &Db,
    permit: &Permit,
    id: i64,
    options: &Options,
) -> Result<Preview, RosterError> {
    let mut upload = store::upload(db, permit, id)
        .await?
        .ok_or(RosterError::NotFound)?;
    // The preview keeps what it found in the file, not the file.
    let content = std::mem::take(&mut upload.content);
    let grid = recent::read(&content, options.sheet.as_deref())?;
    let (sheet, sheets) = (grid.sheet.clone(), grid.sheets.clone());
    let remembered: Vec<(String, Field)> = store::mappings(db, permit)
        .await?
        .into_iter()
        .filter_map(|(k, f)| Field::from_code(&f).map(|f| (k, f)))
        .collect();
    let mut layout = columns::layout(&grid.rows, &remembered).ok_or(RosterError::NoHeader)?;
    for (column, field) in &options.mapping {
        if let Some(slot) = layout.fields.get_mut(*column) {
            *slot = *field;
        }
    }
    may_use(permit, options.mode)?;
    let parsed = rows::parse(&grid.rows, &layout);
    // A sheet kept for the next ask stays. One read for this preview alone (CSV: 30 MB for
    // 100,000 rows) is let go before planning, and read again only for rows with problems.
    let (kept, content) = if Arc::strong_count(&grid) > 1 {
        (Some(grid), Vec::new())
    } else {
        drop(grid);
        (None, content)
    };
    let present: BTreeSet<Field> = layout.fields.iter().flatten().copied().collect();
    let headers: HashMap<Field, String> = layout
        .fields
        .iter()
        .zip(&layout.headers)
        .filter_map(|(f, h)| f.map(|f| (f, h.clone())))
        .collect();
    let snapshot = store::snapshot(db, permit).await?;
    let plan = plan::plan(
        &parsed.rows,
        parsed.problems,
        &present,
        &headers,
        &snapshot,
        options.mode,
    );
    drop(parsed.rows);
    let fingerprint = plan.fingerprint();
    let mut error_rows = BTreeMap::new();
    if !plan.problems.is_empty() {
        let grid = match kept {
            Some(grid) => grid,
            None => recent::read(&content, options.sheet.as_deref())?,
        };
        for p in &plan.problems {
            if let Some(cells) = p.row.checked_sub(1).and_then(|i| grid.rows.get(i)) {
                error_rows.entry(p.row).or_insert_with(|| cells.clone());
            }
        }
    }
    Ok(Preview {
        upload,
        error_rows,
        sheet,
        sheets,
        layout,
        plan,
        snapshot,
        fingerprint,
        mode: options.mode,
    })
}

/// Rows an import writes (with their audit entries) at a time.
const CHUNK: usize = 10_000;

/// What a commit did.
pub use crate::domain::audit::Applied;

/// A plan checked for its commit: what [`apply`] writes, without what only the preview page
/// shows (the company's records the plan was made against: 20 MB for 100,000 lines).
pub struct Prepared {
    pub upload: Upload,
    /// The file's headers, to remember the columns mapped by hand.
    pub headers: Vec<String>,
    pub plan: Plan,
}

/// The plan to apply, if it is still the one previewed, free of problems, and not applied yet.
pub async fn prepare(
    db: &Db,
    permit: &Permit,
    id: i64,
    options: &Options,
    fingerprint: &str,
) -> Result<Prepared, RosterError> {
    check(
        preview(db, permit, id, options).await?,
        fingerprint,
        options.skip_errors,
    )
}

/// A computed plan, if it may be applied: still the one previewed (`fingerprint`), free of
/// problems unless those rows are to be skipped, and not applied yet. Skipping them removes
/// nobody.
pub fn check(
    preview: Preview,
    fingerprint: &str,
    skip_errors: bool,
) -> Result<Prepared, RosterError> {
    if preview.upload.applied_at.is_some() {
        return Err(RosterError::AlreadyApplied);
    }
    if !preview.plan.problems.is_empty() && !skip_errors {
        return Err(RosterError::HasErrors);
    }
    if preview.fingerprint != fingerprint {
        return Err(RosterError::Stale);
    }
    let mut plan = preview.plan;
    if skip_errors {
        plan.removals.clear();
    }
    Ok(Prepared {
        upload: preview.upload,
        headers: preview.layout.headers,
        plan,
    })
}

/// Queues the commit of a file with more than `job_rows` rows (title and header rows counted,
/// read but not planned) as a job, which checks the plan against the preview's `fingerprint`
/// and applies it: the job's id. `None`: a smaller file, for the caller to commit at once.
/// Refused while the upload is applied or has a job that has not failed: a failed one (the data
/// moved, say) leaves the file to be committed again after a fresh preview.
pub async fn queue_if_large(
    db: &Db,
    permit: &Permit,
    id: i64,
    options: &Options,
    fingerprint: &str,
    job_rows: usize,
    now: i64,
) -> Result<Option<i64>, RosterError> {
    let upload = store::upload(db, permit, id)
        .await?
        .ok_or(RosterError::NotFound)?;
    if recent::read(&upload.content, options.sheet.as_deref())?
        .rows
        .len()
        <= job_rows
    {
        return Ok(None);
    }
    drop(upload);
    may_use(permit, options.mode)?;
    let payload = job::Payload {
        upload_id: id,
        options: options.clone(),
        fingerprint: fingerprint.to_owned(),
        permit: permit.carry(),
    };
    let payload = serde_json::to_string(&payload).map_err(|e| {
        tracing::error!(error = %e, "a roster job's payload does not serialise");
        RosterError::Refused(Problem::Internal)
    })?;
    let mut tx = db.begin().await?;
    let job_id = crate::store::jobs::enqueue(
        &mut tx,
        permit,
        &crate::store::jobs::NewJob {
            queue: None,
            kind: job::KIND,
            payload: &payload,
            total: 2,
            created_by: permit.actor().user_id,
            now,
        },
    )
    .await?;
    if !store::set_job(&mut tx, permit, id, job_id).await? {
        return Err(RosterError::AlreadyApplied);
    }
    tx.commit().await?;
    Ok(Some(job_id))
}

/// The `n` new employees (their indexes in the plan) in the order of their first lines among
/// `lines` (those without a line last): numbered so, the lines bound to them walk the employee
/// index forward, not at random.
fn in_line_order(lines: &[&plan::LineUpdate], n: usize) -> Vec<usize> {
    let mut numbered = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for u in lines {
        if let Some(EmpRef::New(i)) = u.employee
            && !std::mem::replace(&mut numbered[i], true)
        {
            order.push(i);
        }
    }
    order.extend((0..n).filter(|&i| !numbered[i]));
    order
}

/// Writes a prepared plan: everything in one transaction, or nothing.
pub async fn apply(
    db: &Db,
    permit: &Permit,
    prepared: &Prepared,
    options: &Options,
    now: i64,
) -> Result<Applied, RosterError> {
    // A name or personnel number someone else took after the preview meets a unique index:
    // the company changed under the plan, as a stale preview.
    write_plan(db, permit, prepared, options, now)
        .await
        .map_err(|e| match e {
            RosterError::Db(e) if crate::store::is_unique_violation(&e) => RosterError::Stale,
            e => e,
        })
}

async fn write_plan(
    db: &Db,
    permit: &Permit,
    prepared: &Prepared,
    options: &Options,
    now: i64,
) -> Result<Applied, RosterError> {
    let id = prepared.upload.id;
    let plan = &prepared.plan;
    let applied = Applied {
        departments: plan.new_departments.len(),
        employees_added: plan.new_employees.len(),
        employees_changed: plan.employee_updates.len(),
        employees_removed: plan.removals.len(),
        lines: plan.line_updates.len(),
        rows_skipped: plan.counts.errors,
    };
    let result = serde_json::to_string(&applied).unwrap_or_default();
    let mut tx = db.begin().await?;
    if !store::mark_applied(&mut tx, permit, id, now, &result).await? {
        return Err(RosterError::AlreadyApplied);
    }
    let mut events: Vec<AuditEvent> = Vec::new();

    let mut dept_ids: Vec<i64> = Vec::with_capacity(plan.new_departments.len());
    let dept = |d: Option<DeptRef>, made: &[i64]| -> Option<i64> {
        d.map(|d| match d {
            DeptRef::Existing(id) => id,
            DeptRef::New(i) => made[i],
        })
    };
    for d in &plan.new_departments {
        let fields = departments::Fields {
            parent_id: dept(d.parent, &dept_ids),
            name: &d.name,
            cost_centre: "",
        };
        let new_id = departments::insert(&mut tx, permit, &fields).await?;
        dept_ids.push(new_id);
        events.push(AuditEvent::DepartmentCreated {
            id: new_id,
            now: DepartmentFields {
                name: d.name.clone(),
                parent_id: fields.parent_id,
                cost_centre: String::new(),
            },
        });
    }

    // Employees and lines go in by chunks, each followed by its audit entries, so an import
    // holds one chunk's rows and entries in memory, not the whole file's.
    // In the lines' order, not the file's (a roster sorted by name is random by line): each
    // chunk then walks the lines table and the audit log's object index forward.
    let mut line_updates: Vec<&plan::LineUpdate> = plan.line_updates.iter().collect();
    line_updates.sort_unstable_by_key(|u| u.before.id);
    let mut emp_ids: Vec<i64> = vec![0; plan.new_employees.len()];
    for chunk in in_line_order(&line_updates, plan.new_employees.len()).chunks(CHUNK) {
        let new_employees: Vec<employees::NewEmployee> = chunk
            .iter()
            .map(|&i| {
                let f = &plan.new_employees[i].fields;
                employees::NewEmployee {
                    department_id: f.department.and_then(|d| dept(d, &dept_ids)),
                    full_name: f.full_name.clone(),
                    personnel_number: f.personnel_number.clone().unwrap_or_default(),
                    position: f.position.clone().unwrap_or_default(),
                    email: f.email.clone().unwrap_or_default(),
                }
            })
            .collect();
        let ids = employees::insert_many(&mut tx, permit, &new_employees).await?;
        for (new_id, e) in ids.iter().zip(&new_employees) {
            events.push(AuditEvent::EmployeeCreated {
                id: *new_id,
                now: super::employees::audit_fields(e.department_id, &e.position),
            });
        }
        audit::append_many(&mut tx, permit, &events).await?;
        events.clear();
        for (&i, id) in chunk.iter().zip(ids) {
            emp_ids[i] = id;
        }
    }

    for u in &plan.employee_updates {
        let b = &u.before;
        let f: &EmployeeFields = &u.fields;
        let department_id = match f.department {
            Some(d) => dept(d, &dept_ids),
            None => b.department_id,
        };
        let personnel_number = f
            .personnel_number
            .clone()
            .unwrap_or(b.personnel_number.clone());
        let position = f.position.clone().unwrap_or(b.position.clone());
        let email = f.email.clone().unwrap_or(b.email.clone());
        employees::update(
            &mut tx,
            permit,
            b.id,
            &employees::Fields {
                department_id,
                full_name: &f.full_name,
                personnel_number: &personnel_number,
                position: &position,
                email: &email,
            },
        )
        .await?;
        let personal = super::employees::personal_changes(
            [&b.full_name, &b.personnel_number, &b.email],
            [&f.full_name, &personnel_number, &email],
        );
        events.push(AuditEvent::EmployeeUpdated {
            id: b.id,
            was: super::employees::audit_fields(b.department_id, &b.position),
            now: super::employees::audit_fields(department_id, &position),
            personal,
        });
    }

    for chunk in line_updates.chunks(CHUNK) {
        let mut bindings = Vec::with_capacity(chunk.len());
        for u in chunk {
            let employee_id = u.employee.map(|e| match e {
                EmpRef::Existing(id) => id,
                EmpRef::New(i) => emp_ids[i],
            });
            let department_id = dept(u.department, &dept_ids);
            bindings.push(store::Binding {
                line_id: u.before.id,
                employee_id,
                department_id,
                cost_centre: u.cost_centre.as_deref(),
            });
            let b = &u.before;
            events.push(AuditEvent::Line(LineEvent {
                line_id: b.id,
                change: LineChanged::Reassigned {
                    was: Assignment {
                        employee_id: b.employee_id,
                        department_id: b.department_id,
                        cost_centre: b.cost_centre.clone(),
                    },
                    now: Assignment {
                        employee_id,
                        department_id,
                        cost_centre: u.cost_centre.clone(),
                    },
                },
                monthly_delta_kop: 0,
                one_time_kop: 0,
                failed: None,
            }));
        }
        store::bind_lines(&mut tx, permit, &bindings).await?;
        audit::append_many(&mut tx, permit, &events).await?;
        events.clear();
    }

    for r in &plan.removals {
        let lines = employees::delete(&mut tx, permit, r.id).await?;
        events.push(AuditEvent::EmployeeDeleted {
            id: r.id,
            was: super::employees::audit_fields(r.department_id, &r.position),
        });
        events.extend(lines.into_iter().map(|line_id| AuditEvent::LineUnassigned {
            line_id,
            employee_id: Some(r.id),
        }));
    }

    for (column, field) in &options.mapping {
        if let (Some(header), Some(field)) = (prepared.headers.get(*column), field) {
            let key = columns::normalize(header);
            if !key.is_empty() {
                store::remember_mapping(&mut tx, permit, &key, field.code()).await?;
            }
        }
    }
    events.push(AuditEvent::RosterImported {
        upload_id: id,
        import: RosterImport {
            file: prepared.upload.file_name.clone(),
            mode: options.mode.code().to_owned(),
            applied: applied.clone(),
        },
    });
    audit::append_many(&mut tx, permit, &events).await?;
    tx.commit().await?;
    Ok(applied)
}
