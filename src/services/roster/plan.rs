//! What an import would change, worked out from the checked rows and the company's records as
//! they are now — no database here, so the preview and the commit compute the same plan and a
//! commit can tell whether the records moved since the preview.
//!
//! An employee is the same person on the next upload by personnel number (leading zeros
//! ignored). Without one, rows of the same name are one person only when their department and
//! position agree too (where the file has those columns): otherwise they are different people,
//! each added, with a warning. Such a person is the employee of that name the line already has,
//! else the one of that name whose department and position agree, else the company's only
//! employee of that name (moved); two of one name, department and position are an error, never
//! merged. Only the columns the file has are compared and changed; an empty cell in a present
//! column clears the value.
//!
//! A row with a problem changes nothing: what it would have added (a department, a person) is
//! taken back, so the rows without problems can be applied alone.

use std::collections::BTreeSet;

use foldhash::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::Problem;
use crate::domain::text::fold;
use crate::roster::columns::Field;
use crate::roster::rows::{RosterRow, RowProblem, personnel_key};

pub use crate::roster::snapshot::{DepartmentNow, EmployeeNow, LineNow, Lines, Snapshot};

/// A line as a change to its employee, department or cost centre found it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineBefore {
    pub id: i64,
    pub msisdn: String,
    pub employee_id: Option<i64>,
    pub department_id: Option<i64>,
    pub cost_centre: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DeptRef {
    Existing(i64),
    /// Index into `Plan::new_departments`.
    New(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EmpRef {
    Existing(i64),
    /// Index into `Plan::new_employees`.
    New(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewDepartment {
    pub name: String,
    pub parent: Option<DeptRef>,
    /// The whole path, for people.
    pub path: String,
}

/// An employee's fields as the file sets them (`None`: the file has no such column).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EmployeeFields {
    pub full_name: String,
    pub personnel_number: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    pub department: Option<Option<DeptRef>>,
}

impl EmployeeFields {
    /// The same person's data (personnel numbers compared without leading zeros).
    fn same_as(&self, other: &EmployeeFields) -> bool {
        let key = |p: &Option<String>| p.as_deref().map(personnel_key);
        self.full_name == other.full_name
            && key(&self.personnel_number) == key(&other.personnel_number)
            && self.position == other.position
            && self.email == other.email
            && self.department == other.department
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEmployee {
    pub row: usize,
    pub fields: EmployeeFields,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmployeeUpdate {
    pub row: usize,
    pub before: EmployeeNow,
    pub fields: EmployeeFields,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineUpdate {
    pub row: usize,
    pub before: LineBefore,
    pub employee: Option<EmpRef>,
    pub department: Option<DeptRef>,
    pub cost_centre: Option<String>,
}

/// A tariff or limit the file asks for: a change to the network, offered after the import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkChange {
    pub row: usize,
    pub line_id: i64,
    pub msisdn: String,
    pub tariff: Option<(String, String)>,
    pub limit_kop: Option<(Option<i64>, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Mode {
    /// Adds and updates; nobody is removed.
    AddUpdate,
    /// Also removes employees the file does not have (their lines are unassigned).
    FullSync,
}

impl Mode {
    /// The mode as forms, links and the audit log spell it.
    pub fn code(self) -> &'static str {
        match self {
            Mode::AddUpdate => "add_update",
            Mode::FullSync => "full_sync",
        }
    }

    /// `full_sync`, else the default.
    pub fn from_code(code: &str) -> Mode {
        if code == Mode::FullSync.code() {
            Mode::FullSync
        } else {
            Mode::AddUpdate
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RowState {
    New,
    Changed,
    Unchanged,
    Error,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub new_departments: Vec<NewDepartment>,
    pub new_employees: Vec<NewEmployee>,
    pub employee_updates: Vec<EmployeeUpdate>,
    pub line_updates: Vec<LineUpdate>,
    pub removals: Vec<EmployeeNow>,
    pub network: Vec<NetworkChange>,
    #[serde(skip)]
    pub problems: Vec<RowProblem>,
    /// What is applied as asked but may not be what was meant (namesakes kept apart).
    #[serde(skip)]
    pub warnings: Vec<RowProblem>,
    #[serde(skip)]
    pub rows: Vec<(usize, RowState)>,
    #[serde(skip)]
    pub counts: Counts,
}

impl Plan {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.new_departments.is_empty()
            && self.new_employees.is_empty()
            && self.employee_updates.is_empty()
            && self.line_updates.is_empty()
            && self.removals.is_empty()
    }

    /// A digest of every change (and the records it was made against): the commit refuses
    /// when its own plan's digest differs from the one previewed.
    pub fn fingerprint(&self) -> String {
        /// Hashes the plan's JSON as it is written, without keeping it.
        struct Hashing(Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.update(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(Sha256::new());
        // Writing to a hasher cannot fail, and the plan is plain data.
        let _ = serde_json::to_writer(std::io::BufWriter::new(&mut hashing), self);
        hex::encode(hashing.0.finalize())
    }

    /// The name of a department the plan refers to.
    pub fn department_name(&self, snapshot: &Snapshot, d: &Option<DeptRef>) -> String {
        match d {
            None => String::new(),
            Some(DeptRef::Existing(id)) => snapshot
                .departments
                .iter()
                .find(|x| x.id == *id)
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            Some(DeptRef::New(i)) => self.new_departments[*i].path.clone(),
        }
    }
}

/// The snapshot looked up by key, so each row costs a few hash lookups however many
/// employees the company has.
struct Index<'a> {
    by_id: HashMap<i64, &'a EmployeeNow>,
    by_personnel_key: HashMap<String, Vec<i64>>,
    by_name: HashMap<String, Vec<i64>>,
    children: HashMap<(Option<i64>, String), i64>,
}

impl<'a> Index<'a> {
    fn new(s: &'a Snapshot) -> Self {
        let mut by_personnel_key: HashMap<String, Vec<i64>> = HashMap::default();
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::default();
        for e in &s.employees {
            let key = personnel_key(&e.personnel_number);
            if !key.is_empty() {
                by_personnel_key.entry(key).or_default().push(e.id);
            }
            by_name.entry(fold(&e.full_name)).or_default().push(e.id);
        }
        Self {
            by_id: s.employees.iter().map(|e| (e.id, e)).collect(),
            by_personnel_key,
            by_name,
            children: s
                .departments
                .iter()
                .map(|d| ((d.parent_id, fold(&d.name)), d.id))
                .collect(),
        }
    }
}

/// A person without a personnel number: the folded name, and the department and folded
/// position where the file has those columns.
type NameKey = (String, Option<Option<DeptRef>>, Option<String>);

/// Who a row's person is, as worked out before anything of the row is kept.
enum Who {
    Known(EmpRef),
    /// Someone to add: by personnel number, or a person without one (with a warning when a
    /// namesake is kept apart).
    New {
        personnel_key: Option<String>,
        warning: Option<Problem>,
    },
}

struct Planner<'a> {
    snapshot: &'a Snapshot,
    index: Index<'a>,
    present: &'a BTreeSet<Field>,
    headers: &'a HashMap<Field, String>,
    plan: Plan,
    new_depts: HashMap<(Option<DeptRef>, String), usize>,
    new_by_pnum: HashMap<String, usize>,
    /// People without a personnel number, by name, department and position.
    by_name: HashMap<NameKey, EmpRef>,
    /// The first row of each name without a personnel number.
    name_rows: HashMap<String, usize>,
    /// The row that first gave each employee their fields.
    assigned: HashMap<EmpRef, usize>,
    /// The fields given to existing employees (a new one's are in the plan).
    given: HashMap<i64, EmployeeFields>,
    /// Existing employees rows with problems name: never taken for missing.
    named_by_bad_rows: foldhash::HashSet<i64>,
}

impl Planner<'_> {
    /// The fields the row that first named this employee gave them.
    fn given(&self, e: EmpRef) -> Option<&EmployeeFields> {
        match e {
            EmpRef::New(i) => Some(&self.plan.new_employees[i].fields),
            EmpRef::Existing(id) => self.given.get(&id),
        }
    }

    fn has(&self, f: Field) -> bool {
        self.present.contains(&f)
    }

    fn problem(&self, row: usize, field: Field, problem: Problem) -> RowProblem {
        RowProblem {
            row,
            column: self
                .headers
                .get(&field)
                .cloned()
                .unwrap_or_else(|| field.header().to_owned()),
            problem,
        }
    }

    /// Whether a manager may put a line there: a covered department, or a new one under it.
    fn allowed(&self, d: Option<DeptRef>) -> bool {
        let Some(allowed) = &self.snapshot.departments_allowed else {
            return true;
        };
        match d {
            None => false,
            Some(DeptRef::Existing(id)) => allowed.contains(&id),
            Some(DeptRef::New(i)) => self.allowed(self.plan.new_departments[i].parent),
        }
    }

    fn child(&self, parent_id: Option<i64>, key: &str) -> Option<DeptRef> {
        self.index
            .children
            .get(&(parent_id, key.to_owned()))
            .map(|id| DeptRef::Existing(*id))
    }

    fn department(&mut self, path: &[String]) -> Option<DeptRef> {
        let mut parent: Option<DeptRef> = None;
        for (depth, name) in path.iter().enumerate() {
            let key = fold(name);
            // Under a department still to be made, everything is still to be made.
            let existing = match parent {
                Some(DeptRef::New(_)) => None,
                Some(DeptRef::Existing(id)) => self.child(Some(id), &key),
                None => self.child(None, &key),
            };
            parent = Some(match existing {
                Some(found) => found,
                None => {
                    let at = self.plan.new_departments.len();
                    let index = *self.new_depts.entry((parent, key)).or_insert(at);
                    if index == at {
                        self.plan.new_departments.push(NewDepartment {
                            name: name.clone(),
                            parent,
                            path: path[..=depth].join(" / "),
                        });
                    }
                    DeptRef::New(index)
                }
            });
        }
        parent
    }

    fn name_key(&self, r: &RosterRow, department: Option<DeptRef>) -> NameKey {
        (
            fold(&r.full_name),
            self.has(Field::Department).then_some(department),
            self.has(Field::Position).then(|| fold(&r.position)),
        )
    }

    /// Whether an employee's department and position are the ones the key gives.
    fn agrees(&self, id: i64, key: &NameKey) -> bool {
        let Some(e) = self.index.by_id.get(&id) else {
            return false;
        };
        key.1
            .is_none_or(|d| d == e.department_id.map(DeptRef::Existing))
            && key.2.as_ref().is_none_or(|p| *p == fold(&e.position))
    }

    /// Who the row's person is, or why that cannot be told. Keeps nothing.
    fn identify(
        &self,
        r: &RosterRow,
        line: Option<&LineNow>,
        department: Option<DeptRef>,
    ) -> Result<Who, RowProblem> {
        let pkey = r.personnel_key();
        if !pkey.is_empty() {
            let found = self
                .index
                .by_personnel_key
                .get(&pkey)
                .map_or(&[][..], Vec::as_slice);
            return match found {
                [one] => Ok(Who::Known(EmpRef::Existing(*one))),
                [] => Ok(match self.new_by_pnum.get(&pkey) {
                    Some(i) => Who::Known(EmpRef::New(*i)),
                    None => Who::New {
                        personnel_key: Some(pkey),
                        warning: None,
                    },
                }),
                _ => Err(self.problem(
                    r.row,
                    Field::PersonnelNumber,
                    Problem::PersonnelNumberShared {
                        number: r.personnel_number.clone(),
                    },
                )),
            };
        }
        let key = self.name_key(r, department);
        if let Some(e) = self.by_name.get(&key) {
            return Ok(Who::Known(*e));
        }
        let namesakes = self
            .index
            .by_name
            .get(&key.0)
            .map_or(&[][..], Vec::as_slice);
        // Those of the name not yet taken by another row's person.
        let free: Vec<i64> = namesakes
            .iter()
            .copied()
            .filter(|id| !self.assigned.contains_key(&EmpRef::Existing(*id)))
            .collect();
        if let Some(id) = line.and_then(|l| l.employee_id)
            && free.contains(&id)
        {
            return Ok(Who::Known(EmpRef::Existing(id)));
        }
        let agreeing: Vec<i64> = free
            .iter()
            .copied()
            .filter(|id| self.agrees(*id, &key))
            .collect();
        match agreeing.as_slice() {
            [one] => return Ok(Who::Known(EmpRef::Existing(*one))),
            [] => {}
            _ => {
                return Err(self.problem(
                    r.row,
                    Field::FullName,
                    Problem::NameShared {
                        count: agreeing.len(),
                        name: r.full_name.clone(),
                    },
                ));
            }
        }
        let earlier = self.name_rows.get(&key.0).copied();
        if let ([one], [_], None) = (free.as_slice(), namesakes, earlier) {
            // The company's only person of that name, moved or given a new position.
            return Ok(Who::Known(EmpRef::Existing(*one)));
        }
        let warning = match earlier {
            Some(first_row) => Some(Problem::NamesakeInFile {
                name: r.full_name.clone(),
                first_row,
            }),
            None if !namesakes.is_empty() => Some(Problem::NamesakeInCompany {
                name: r.full_name.clone(),
            }),
            None => None,
        };
        Ok(Who::New {
            personnel_key: None,
            warning,
        })
    }

    /// Keeps who the row's person is: a person to add is added.
    fn take(&mut self, who: Who, r: &RosterRow, key: Option<NameKey>) -> EmpRef {
        let e = match who {
            Who::Known(e) => e,
            Who::New {
                personnel_key,
                warning,
            } => {
                let at = self.plan.new_employees.len();
                self.plan.new_employees.push(NewEmployee {
                    row: r.row,
                    fields: EmployeeFields::default(),
                });
                if let Some(k) = personnel_key {
                    self.new_by_pnum.insert(k, at);
                }
                if let Some(w) = warning {
                    let w = self.problem(r.row, Field::FullName, w);
                    self.plan.warnings.push(w);
                }
                EmpRef::New(at)
            }
        };
        if let Some(key) = key {
            self.name_rows.entry(key.0.clone()).or_insert(r.row);
            self.by_name.entry(key).or_insert(e);
        }
        e
    }

    /// Takes back the departments a row with problems would have added.
    fn forget_departments(&mut self, from: usize) {
        for d in self.plan.new_departments.drain(from..) {
            self.new_depts.remove(&(d.parent, fold(&d.name)));
        }
    }

    fn fields(&self, r: &RosterRow, department: Option<DeptRef>) -> EmployeeFields {
        EmployeeFields {
            full_name: r.full_name.clone(),
            personnel_number: self
                .has(Field::PersonnelNumber)
                .then(|| r.personnel_number.clone()),
            position: self.has(Field::Position).then(|| r.position.clone()),
            email: self.has(Field::Email).then(|| r.email.clone()),
            department: self.has(Field::Department).then_some(department),
        }
    }

    fn tariff_code(&self, wanted: &str) -> Option<String> {
        let key = fold(wanted);
        self.snapshot
            .tariffs
            .iter()
            .find(|(code, name)| fold(code) == key || fold(name) == key)
            .map(|(code, _)| code.clone())
    }

    fn row(&mut self, r: &RosterRow) -> Result<RowState, Vec<RowProblem>> {
        let snapshot = self.snapshot;
        let line = snapshot.lines.get(r.msisdn.as_str());
        let mut problems = Vec::new();
        if line.is_none() {
            // To a manager a line outside their rights is as one that is not there.
            problems.push(self.problem(
                r.row,
                Field::Phone,
                Problem::NotALine {
                    number: r.msisdn.display(),
                    or_outside_rights: self.snapshot.departments_allowed.is_some(),
                },
            ));
        }
        let departments_before = self.plan.new_departments.len();
        let department = if self.has(Field::Department) {
            self.department(&r.department)
        } else {
            line.and_then(|l| l.department_id).map(DeptRef::Existing)
        };
        if self.has(Field::Department) && !self.allowed(department) {
            problems.push(self.problem(
                r.row,
                Field::Department,
                Problem::DepartmentNotYours {
                    path: r.department.join(" / "),
                },
            ));
        }
        let named = self.has(Field::FullName) || self.has(Field::LastName);
        let who = if named && !r.full_name.is_empty() {
            match self.identify(r, line, department) {
                Ok(w) => Some(w),
                Err(p) => {
                    problems.push(p);
                    None
                }
            }
        } else {
            None
        };
        let tariff = match (&r.tariff, self.has(Field::Tariff)) {
            (Some(t), true) => match self.tariff_code(t) {
                Some(code) => Some(code),
                None => {
                    problems.push(self.problem(
                        r.row,
                        Field::Tariff,
                        Problem::TariffNotInRegion {
                            tariff_code: t.clone(),
                        },
                    ));
                    None
                }
            },
            _ => None,
        };
        let fields = self.fields(r, department);
        if let Some(Who::Known(e)) = &who
            && let Some(first) = self.assigned.get(e)
            && self.given(*e).is_some_and(|given| !given.same_as(&fields))
        {
            problems.push(self.problem(
                r.row,
                Field::FullName,
                Problem::EmployeeRowDiffers {
                    name: r.full_name.clone(),
                    first_row: *first,
                },
            ));
        }
        let line = match line {
            Some(line) if problems.is_empty() && !r.flawed => line,
            _ => {
                if let Some(Who::Known(EmpRef::Existing(id))) = who {
                    self.named_by_bad_rows.insert(id);
                }
                self.forget_departments(departments_before);
                return Err(problems);
            }
        };

        let mut state = RowState::Unchanged;
        let key = r
            .personnel_key()
            .is_empty()
            .then(|| self.name_key(r, department));
        let employee = who.map(|w| self.take(w, r, key));
        if let Some(e) = employee
            && !self.assigned.contains_key(&e)
        {
            self.assigned.insert(e, r.row);
            match e {
                EmpRef::New(i) => {
                    self.plan.new_employees[i].fields = fields;
                    state = RowState::New;
                }
                EmpRef::Existing(id) => {
                    self.given.insert(id, fields.clone());
                    let before = self.index.by_id.get(&id).map(|e| (*e).clone());
                    if let Some(before) = before
                        && differs(&before, &fields)
                    {
                        self.plan.employee_updates.push(EmployeeUpdate {
                            row: r.row,
                            before,
                            fields,
                        });
                        state = RowState::Changed;
                    }
                }
            }
        }
        let new_employee = if named {
            employee
        } else {
            line.employee_id.map(EmpRef::Existing)
        };
        let cost_centre = if self.has(Field::CostCentre) {
            Some(r.cost_centre.clone()).filter(|c| !c.is_empty())
        } else {
            line.cost_centre.clone()
        };
        let moved = new_employee != line.employee_id.map(EmpRef::Existing)
            || department != line.department_id.map(DeptRef::Existing)
            || cost_centre != line.cost_centre;
        if moved {
            self.plan.line_updates.push(LineUpdate {
                row: r.row,
                before: LineBefore {
                    id: line.id,
                    msisdn: line.msisdn.clone(),
                    employee_id: line.employee_id,
                    department_id: line.department_id,
                    cost_centre: line.cost_centre.clone(),
                },
                employee: new_employee,
                department,
                cost_centre,
            });
            if state == RowState::Unchanged {
                state = RowState::Changed;
            }
        }
        let tariff = tariff
            .filter(|t| *t != line.tariff_code)
            .map(|t| (line.tariff_code.clone(), t));
        let limit = r
            .limit_kop
            .filter(|l| Some(*l) != line.spend_limit_kop)
            .map(|l| (line.spend_limit_kop, l));
        if tariff.is_some() || limit.is_some() {
            self.plan.network.push(NetworkChange {
                row: r.row,
                line_id: line.id,
                msisdn: line.msisdn.clone(),
                tariff,
                limit_kop: limit,
            });
        }
        Ok(state)
    }
}

fn differs(before: &EmployeeNow, f: &EmployeeFields) -> bool {
    before.full_name != f.full_name
        || f.personnel_number
            .as_ref()
            .is_some_and(|p| personnel_key(p) != personnel_key(&before.personnel_number))
        || f.position.as_ref().is_some_and(|p| *p != before.position)
        || f.email.as_ref().is_some_and(|e| *e != before.email)
        || f.department
            .is_some_and(|d| d != before.department_id.map(DeptRef::Existing))
}

/// The plan for these rows. `present` lists the columns the file has; `headers` their
/// headers as written, for problems; `parse_problems` come first, by row.
pub fn plan(
    rows: &[RosterRow],
    parse_problems: Vec<RowProblem>,
    present: &BTreeSet<Field>,
    headers: &HashMap<Field, String>,
    snapshot: &Snapshot,
    mode: Mode,
) -> Plan {
    let mut p = Planner {
        snapshot,
        index: Index::new(snapshot),
        present,
        headers,
        plan: Plan::default(),
        new_depts: HashMap::default(),
        new_by_pnum: HashMap::default(),
        by_name: HashMap::default(),
        name_rows: HashMap::default(),
        assigned: HashMap::default(),
        given: HashMap::default(),
        named_by_bad_rows: Default::default(),
    };
    // Room for every row at once: grown by doubling, 100,000 changes would hold the old and the
    // new array together at each step.
    p.plan.line_updates.reserve(rows.len());
    p.plan.new_employees.reserve(rows.len());
    let mut problems = parse_problems;
    let mut states: Vec<(usize, RowState)> = Vec::with_capacity(problems.len() + rows.len());
    states.extend(problems.iter().map(|pr| (pr.row, RowState::Error)));
    for r in rows {
        match p.row(r) {
            Ok(state) => states.push((r.row, state)),
            Err(found) => {
                states.push((r.row, RowState::Error));
                problems.extend(found);
            }
        }
    }
    let named = p.has(Field::FullName) || p.has(Field::LastName);
    if mode == Mode::FullSync && named {
        let kept: BTreeSet<i64> = p
            .assigned
            .keys()
            .filter_map(|e| match e {
                EmpRef::Existing(id) => Some(*id),
                EmpRef::New(_) => None,
            })
            .chain(p.named_by_bad_rows.iter().copied())
            .collect();
        p.plan.removals = snapshot
            .employees
            .iter()
            .filter(|e| !kept.contains(&e.id))
            .cloned()
            .collect();
    }
    states.sort_by_key(|(row, _)| *row);
    states.dedup_by(|b, a| {
        if a.0 == b.0 {
            if b.1 == RowState::Error {
                a.1 = RowState::Error;
            }
            true
        } else {
            false
        }
    });
    problems.sort_by_key(|pr| pr.row);
    let mut plan = p.plan;
    plan.counts = Counts {
        new: states.iter().filter(|s| s.1 == RowState::New).count(),
        changed: states.iter().filter(|s| s.1 == RowState::Changed).count(),
        unchanged: states.iter().filter(|s| s.1 == RowState::Unchanged).count(),
        errors: states.iter().filter(|s| s.1 == RowState::Error).count(),
    };
    plan.rows = states;
    plan.problems = problems;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(p: &RowProblem) -> String {
        crate::web::i18n::problems::in_row(p, crate::web::i18n::Lang::Ru)
    }
    use crate::domain::Msisdn;

    fn snapshot() -> Snapshot {
        let line = |id: i64, n: &str, employee: Option<i64>, dept: Option<i64>| LineNow {
            id,
            msisdn: n.into(),
            employee_id: employee,
            department_id: dept,
            cost_centre: None,
            tariff_code: "biz-start".into(),
            spend_limit_kop: None,
        };
        let emp = |id: i64, name: &str, pnum: &str, dept: Option<i64>| EmployeeNow {
            id,
            full_name: name.into(),
            personnel_number: pnum.into(),
            position: String::new(),
            email: String::new(),
            department_id: dept,
        };
        Snapshot {
            lines: Lines::new(vec![
                line(1, "+79160000001", Some(10), Some(100)),
                line(2, "+79160000002", None, None),
                line(3, "+79160000003", None, None),
                line(4, "+79160000004", Some(11), None),
            ]),
            employees: vec![
                emp(10, "Иванов Иван", "00042", Some(100)),
                emp(11, "Петров Пётр", "", None),
                emp(12, "Сидоров Семён", "", None),
                emp(13, "Сидоров Семён", "", None),
            ],
            departments: vec![DepartmentNow {
                id: 100,
                parent_id: None,
                name: "Логистика".into(),
            }],
            tariffs: vec![
                ("biz-start".into(), "Бизнес Старт".into()),
                ("biz-optimum".into(), "Бизнес Оптимум".into()),
            ],
            ..Snapshot::default()
        }
    }

    fn row(n: usize, phone: &str, name: &str, pnum: &str, dept: &[&str]) -> RosterRow {
        RosterRow {
            row: n,
            msisdn: Msisdn::parse(phone).unwrap(),
            full_name: name.into(),
            department: dept.iter().map(|d| d.to_string()).collect(),
            cost_centre: String::new(),
            personnel_number: pnum.into(),
            position: String::new(),
            email: String::new(),
            tariff: None,
            limit_kop: None,
            flawed: false,
        }
    }

    fn columns(fields: &[Field]) -> BTreeSet<Field> {
        fields.iter().copied().collect()
    }

    fn run(rows: &[RosterRow], fields: &[Field], mode: Mode) -> Plan {
        plan(
            rows,
            Vec::new(),
            &columns(fields),
            &HashMap::default(),
            &snapshot(),
            mode,
        )
    }

    const BASIC: &[Field] = &[
        Field::FullName,
        Field::Phone,
        Field::PersonnelNumber,
        Field::Department,
    ];

    #[test]
    fn the_roster_as_it_is_changes_nothing() {
        let rows = [
            row(2, "+79160000001", "Иванов Иван", "42", &["Логистика"]),
            row(3, "+79160000004", "Петров Пётр", "", &[]),
        ];
        let p = run(&rows, BASIC, Mode::AddUpdate);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            p.counts,
            Counts {
                unchanged: 2,
                ..Counts::default()
            }
        );
    }

    #[test]
    fn a_new_person_with_two_lines_is_one_employee() {
        let rows = [
            row(
                2,
                "+79160000002",
                "Смирнова Ольга",
                "7",
                &["Логистика", "Склад Москва"],
            ),
            row(
                3,
                "+79160000003",
                "Смирнова Ольга",
                "007",
                &["Логистика", "Склад Москва"],
            ),
        ];
        let p = run(&rows, BASIC, Mode::AddUpdate);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.new_employees.len(), 1);
        assert_eq!(p.new_departments.len(), 1);
        assert_eq!(p.new_departments[0].parent, Some(DeptRef::Existing(100)));
        assert_eq!(p.new_departments[0].path, "Логистика / Склад Москва");
        assert_eq!(p.line_updates.len(), 2);
        assert!(
            p.line_updates
                .iter()
                .all(|u| u.employee == Some(EmpRef::New(0)))
        );
        assert_eq!(p.counts.new, 1);
        assert_eq!(p.counts.changed, 1);
    }

    #[test]
    fn two_people_of_one_name_without_numbers_are_an_error() {
        let p = run(
            &[row(5, "+79160000002", "Сидоров Семён", "", &[])],
            BASIC,
            Mode::AddUpdate,
        );
        assert_eq!(p.counts.errors, 1);
        assert!(
            said(&p.problems[0]).contains("2 сотрудника с именем"),
            "{:?}",
            p.problems
        );
        assert!(p.is_empty());
    }

    #[test]
    fn a_number_of_no_line_of_the_company_is_an_error() {
        let p = run(
            &[row(4, "+79169999999", "Кто-то", "", &[])],
            BASIC,
            Mode::AddUpdate,
        );
        assert_eq!(
            said(&p.problems[0]),
            "Строка 4, «Телефон»: номер +7 916 999-99-99 не принадлежит компании"
        );
    }

    #[test]
    fn the_same_person_told_two_ways_is_an_error() {
        let rows = [
            row(2, "+79160000002", "Смирнова Ольга", "7", &["Логистика"]),
            row(3, "+79160000003", "Смирнова Ольга", "7", &[]),
        ];
        let p = run(&rows, BASIC, Mode::AddUpdate);
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].row, 3);
        assert!(said(&p.problems[0]).contains("уже есть в строке 2"));
    }

    #[test]
    fn a_row_with_problems_is_told_them_all_and_adds_nothing() {
        let mut bad = row(2, "+79160000002", "Смирнова Ольга", "7", &["Склад Казань"]);
        bad.tariff = Some("Безлимит Плюс".into());
        let mut gone = row(3, "+79169999999", "Кто-то", "", &["Склад Казань"]);
        gone.tariff = Some("Безлимит Плюс".into());
        let mut flawed = row(4, "+79160000003", "Орлов Олег", "8", &["Склад Тула"]);
        flawed.flawed = true;
        let mut fields = BASIC.to_vec();
        fields.push(Field::Tariff);
        let p = run(&[bad, gone, flawed], &fields, Mode::AddUpdate);
        let texts: Vec<String> = p.problems.iter().map(said).collect();
        assert_eq!(
            texts,
            vec![
                "Строка 2, «Тариф»: тариф «Безлимит Плюс» не предлагается в регионе компании",
                "Строка 3, «Телефон»: номер +7 916 999-99-99 не принадлежит компании",
                "Строка 3, «Тариф»: тариф «Безлимит Плюс» не предлагается в регионе компании",
            ]
        );
        assert_eq!(p.counts.errors, 3);
        assert!(
            p.is_empty(),
            "nothing of a row with problems is kept: {p:?}"
        );

        // A later good row of the same department makes it once, under its own name.
        let good = row(5, "+79160000003", "Орлов Олег", "8", &["Склад Казань"]);
        let mut bad = row(2, "+79160000002", "Смирнова Ольга", "7", &["Склад Казань"]);
        bad.tariff = Some("Безлимит Плюс".into());
        let p = run(&[bad, good], &fields, Mode::AddUpdate);
        assert_eq!(p.new_departments.len(), 1);
        assert_eq!(p.new_employees.len(), 1);
        assert_eq!(p.new_employees[0].fields.full_name, "Орлов Олег");
        assert_eq!(p.line_updates.len(), 1);
        assert_eq!(p.line_updates[0].department, Some(DeptRef::New(0)));
    }

    #[test]
    fn namesakes_without_numbers_are_one_person_only_where_all_agrees() {
        let with_position = |n: usize, phone: &str, dept: &[&str], position: &str| {
            let mut r = row(n, phone, "Смирнова Ольга", "", dept);
            r.position = position.into();
            r
        };
        let mut fields = BASIC.to_vec();
        fields.push(Field::Position);
        let p = run(
            &[
                with_position(2, "+79160000002", &["Логистика"], "Кладовщик"),
                with_position(3, "+79160000003", &["Логистика"], "Кладовщик"),
                with_position(4, "+79160000004", &["Продажи"], "Менеджер"),
            ],
            &fields,
            Mode::AddUpdate,
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(
            p.new_employees.len(),
            2,
            "two people: one in each department"
        );
        let warnings: Vec<String> = p.warnings.iter().map(said).collect();
        assert_eq!(
            warnings,
            vec![
                "Строка 4, «ФИО»: «Смирнова Ольга» без табельного номера в другом подразделении или должности, чем в строке 2: будут два разных сотрудника"
            ]
        );
        assert_eq!(p.line_updates[0].employee, p.line_updates[1].employee);
        assert_ne!(p.line_updates[0].employee, p.line_updates[2].employee);
    }

    #[test]
    fn a_person_without_a_number_is_found_moved_or_kept_apart() {
        // The company's only Петров Пётр, put in a department on another line: moved.
        let p = run(
            &[row(2, "+79160000003", "Петров Пётр", "", &["Логистика"])],
            BASIC,
            Mode::AddUpdate,
        );
        assert!(p.warnings.is_empty() && p.new_employees.is_empty(), "{p:?}");
        assert_eq!(p.employee_updates.len(), 1);
        assert_eq!(p.employee_updates[0].before.id, 11);
        // He keeps his own line; a namesake elsewhere is someone else.
        let p = run(
            &[
                row(2, "+79160000004", "Петров Пётр", "", &[]),
                row(3, "+79160000003", "Петров Пётр", "", &["Логистика"]),
            ],
            BASIC,
            Mode::AddUpdate,
        );
        assert_eq!(p.new_employees.len(), 1);
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].row, 3);
        // Two of that name elsewhere: a third is added, with a warning.
        let p = run(
            &[row(2, "+79160000002", "Сидоров Семён", "", &["Логистика"])],
            BASIC,
            Mode::AddUpdate,
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.new_employees.len(), 1);
        assert!(
            said(&p.warnings[0]).contains("в компании уже есть «Сидоров Семён»"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn a_large_roster_of_namesakes_without_numbers_plans_without_problems() {
        const DEPARTMENTS: [&str; 4] = ["Логистика", "Продажи", "Склад", "Бухгалтерия"];
        let names = ["Иванов Александр", "Смирнова Ольга", "Кузнецов Иван"];
        let mut s = snapshot();
        let lines: Vec<LineNow> = (0..20_000)
            .map(|i| LineNow {
                id: 1000 + i,
                msisdn: format!("+7916{:07}", 1_000_000 + i),
                employee_id: None,
                department_id: None,
                cost_centre: None,
                tariff_code: "biz-start".into(),
                spend_limit_kop: None,
            })
            .collect();
        s.lines = Lines::new(lines);
        let rows: Vec<RosterRow> = (0..20_000usize)
            .map(|i| {
                let mut r = row(
                    i + 2,
                    &format!("+7916{:07}", 1_000_000 + i),
                    names[i % names.len()],
                    "",
                    &[DEPARTMENTS[i % DEPARTMENTS.len()]],
                );
                r.position = format!("Специалист {}", i / 12);
                r
            })
            .collect();
        let mut fields = BASIC.to_vec();
        fields.push(Field::Position);
        let p = plan(
            &rows,
            Vec::new(),
            &columns(&fields),
            &HashMap::default(),
            &s,
            Mode::AddUpdate,
        );
        assert!(p.problems.is_empty(), "{:?}", &p.problems[..3]);
        assert_eq!(p.line_updates.len(), 20_000);
        // Each name, department and position together is one person.
        let people: BTreeSet<(usize, usize, usize)> =
            (0..20_000usize).map(|i| (i % 3, i % 4, i / 12)).collect();
        assert_eq!(p.new_employees.len(), people.len());
    }

    #[test]
    fn full_sync_removes_who_is_missing() {
        let rows = [row(2, "+79160000001", "Иванов Иван", "42", &["Логистика"])];
        let p = run(&rows, BASIC, Mode::FullSync);
        let removed: Vec<i64> = p.removals.iter().map(|e| e.id).collect();
        assert_eq!(removed, vec![11, 12, 13]);
        assert!(run(&rows, BASIC, Mode::AddUpdate).removals.is_empty());
    }

    #[test]
    fn tariffs_by_code_or_name_are_offered_as_network_changes() {
        let mut a = row(2, "+79160000001", "Иванов Иван", "42", &["Логистика"]);
        a.tariff = Some("бизнес оптимум".into());
        a.limit_kop = Some(150_000);
        let mut b = row(3, "+79160000004", "Петров Пётр", "", &[]);
        b.tariff = Some("Безлимит Плюс".into());
        let mut fields = BASIC.to_vec();
        fields.extend([Field::Tariff, Field::Limit]);
        let p = run(&[a, b], &fields, Mode::AddUpdate);
        assert_eq!(p.network.len(), 1);
        assert_eq!(
            p.network[0].tariff,
            Some(("biz-start".into(), "biz-optimum".into()))
        );
        assert_eq!(p.network[0].limit_kop, Some((None, 150_000)));
        assert!(said(&p.problems[0]).contains("«Безлимит Плюс» не предлагается"));
    }

    #[test]
    fn a_manager_imports_into_their_departments_only() {
        let mut scoped = snapshot();
        scoped.lines.remove("+79160000004").unwrap();
        scoped.departments_allowed = Some([100].into_iter().collect());
        let rows = [
            row(
                2,
                "+79160000001",
                "Иванов Иван",
                "42",
                &["Логистика", "Новый склад"],
            ),
            row(3, "+79160000002", "Смирнова Ольга", "7", &["Продажи"]),
            row(4, "+79160000004", "Петров Пётр", "", &["Логистика"]),
        ];
        let p = plan(
            &rows,
            Vec::new(),
            &columns(BASIC),
            &HashMap::default(),
            &scoped,
            Mode::AddUpdate,
        );
        let texts: Vec<String> = p.problems.iter().map(said).collect();
        assert_eq!(
            texts,
            vec![
                "Строка 3, «Подразделение»: «Продажи» — вне подразделений, на которые у вас есть права",
                "Строка 4, «Телефон»: номер +7 916 000-00-04 не принадлежит компании или вне ваших прав",
            ]
        );
        assert_eq!(p.counts.errors, 2);
    }

    #[test]
    fn lines_are_found_by_their_number_as_written() {
        let line = |id: i64, msisdn: &str| LineNow {
            id,
            msisdn: msisdn.into(),
            employee_id: None,
            department_id: None,
            cost_centre: None,
            tariff_code: "biz-start".into(),
            spend_limit_kop: None,
        };
        let mut lines = Lines::new(vec![
            line(1, "+79160000003"),
            line(2, "+79160000001"),
            line(3, "not a number"),
            line(4, "+79160000002"),
            line(5, "another"),
        ]);
        let id = |lines: &Lines, n: &str| lines.get(n).map(|l| l.id);
        assert_eq!(id(&lines, "+79160000001"), Some(2));
        assert_eq!(id(&lines, "+79160000002"), Some(4));
        assert_eq!(id(&lines, "+79160000003"), Some(1));
        assert_eq!(id(&lines, "not a number"), Some(3));
        assert_eq!(id(&lines, "another"), Some(5));
        // The same digits, written otherwise: not that line.
        assert_eq!(id(&lines, "79160000001"), None);
        assert_eq!(id(&lines, "+79160000004"), None);
        assert_eq!(id(&lines, ""), None);
        assert_eq!(lines.remove("+79160000003").map(|l| l.id), Some(1));
        assert_eq!(id(&lines, "+79160000003"), None);
        assert_eq!(id(&lines, "+79160000002"), Some(4));
        assert_eq!(id(&Lines::default(), "+79160000001"), None);
    }

    #[test]
    fn the_fingerprint_moves_with_the_records() {
        let rows = [row(2, "+79160000002", "Смирнова Ольга", "7", &[])];
        let a = run(&rows, BASIC, Mode::AddUpdate).fingerprint();
        assert_eq!(a, run(&rows, BASIC, Mode::AddUpdate).fingerprint());
        let mut moved = snapshot();
        moved.lines.get_mut("+79160000002").unwrap().employee_id = Some(11);
        let b = plan(
            &rows,
            Vec::new(),
            &columns(BASIC),
            &HashMap::default(),
            &moved,
            Mode::AddUpdate,
        );
        assert_ne!(a, b.fingerprint());
    }
}
