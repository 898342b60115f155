//! Departments: a tree per company, each with a cost centre code.

use crate::authz::Permit;
use crate::domain::Problem;
use crate::domain::audit::{AuditEvent, DepartmentFields};
use crate::store::audit;
use crate::store::departments::{self, Department, Fields};
use crate::store::{Db, Tx, companies};

use super::{FieldError, UseCaseError, optional, required};

const NAME_TAKEN: Problem = Problem::DepartmentNameTaken;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DepartmentInput {
    pub name: String,
    #[serde(default)]
    pub parent_id: String,
    #[serde(default)]
    pub cost_centre: String,
}

/// A department's path from the top, as a roster writes it: `Логистика / Склад Москва`.
pub fn path(all: &[Department], id: i64) -> String {
    let mut names = Vec::new();
    let mut at = Some(id);
    while let Some(current) = at {
        match all.iter().find(|d| d.id == current) {
            Some(d) if names.len() < 64 => {
                names.push(d.name.as_str());
                at = d.parent_id;
            }
            _ => break,
        }
    }
    names.reverse();
    names.join(" / ")
}

/// Ids of `root` and every department under it.
pub fn subtree(all: &[Department], root: i64) -> Vec<i64> {
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|d| d.parent_id == Some(parent))
                .map(|d| d.id),
        );
        i += 1;
    }
    out
}

/// The departments in tree order with their depth, for lists and pickers.
pub fn tree(all: &[Department]) -> Vec<(usize, &Department)> {
    fn walk<'a>(
        all: &'a [Department],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(usize, &'a Department)>,
    ) {
        for d in all.iter().filter(|d| d.parent_id == parent) {
            out.push((depth, d));
            walk(all, Some(d.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(all.len());
    walk(all, None, 0, &mut out);
    out
}

/// Checks the input against the tree as it stands inside the writing transaction, with the
/// company's row taken first: two moves at once cannot both pass and make a cycle.
async fn validate(
    tx: &mut Tx,
    permit: &Permit,
    id: Option<i64>,
    input: &DepartmentInput,
) -> Result<(String, Option<i64>, String), UseCaseError> {
    let mut errors = Vec::new();
    let name = required("name", &input.name, 200).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let cost_centre = optional("cost_centre", &input.cost_centre, 50).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let parent_id = match input.parent_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(p) => {
                let all = departments::list_plain(tx, permit).await?;
                if !all.iter().any(|d| d.id == p) {
                    errors.push(FieldError::new("parent_id", Problem::NoSuchDepartment));
                } else if id.is_some_and(|me| subtree(&all, me).contains(&p)) {
                    errors.push(FieldError::new("parent_id", Problem::DepartmentInItself));
                }
                Some(p)
            }
            Err(_) => {
                errors.push(FieldError::new("parent_id", Problem::NoSuchDepartment));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok((name, parent_id, cost_centre))
    } else {
        Err(UseCaseError::Invalid(errors))
    }
}

fn snapshot(name: &str, parent_id: Option<i64>, cost_centre: &str) -> DepartmentFields {
    DepartmentFields {
        name: name.to_owned(),
        parent_id,
        cost_centre: cost_centre.to_owned(),
    }
}

pub async fn create(
    db: &Db,
    permit: &Permit,
    input: &DepartmentInput,
) -> Result<i64, UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let (name, parent_id, cost_centre) = validate(&mut tx, permit, None, input).await?;
    if departments::sibling_named(&mut tx, permit, parent_id, &name, 0).await? {
        return Err(UseCaseError::field("name", NAME_TAKEN));
    }
    let fields = Fields {
        parent_id,
        name: &name,
        cost_centre: &cost_centre,
    };
    let id = departments::insert(&mut tx, permit, &fields)
        .await
        .map_err(UseCaseError::unless_taken("name", NAME_TAKEN))?;
    let now = snapshot(&name, parent_id, &cost_centre);
    audit::append(&mut tx, permit, &AuditEvent::DepartmentCreated { id, now }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    permit: &Permit,
    id: i64,
    input: &DepartmentInput,
) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let before = departments::get(&mut tx, permit, id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let (name, parent_id, cost_centre) = validate(&mut tx, permit, Some(id), input).await?;
    if departments::sibling_named(&mut tx, permit, parent_id, &name, id).await? {
        return Err(UseCaseError::field("name", NAME_TAKEN));
    }
    let fields = Fields {
        parent_id,
        name: &name,
        cost_centre: &cost_centre,
    };
    departments::update(&mut tx, permit, id, &fields)
        .await
        .map_err(UseCaseError::unless_taken("name", NAME_TAKEN))?;
    let event = AuditEvent::DepartmentUpdated {
        id,
        was: snapshot(&before.name, before.parent_id, &before.cost_centre),
        now: snapshot(&name, parent_id, &cost_centre),
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an empty department; one with sub-departments, lines or employees is refused.
pub async fn delete(db: &Db, permit: &Permit, id: i64) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let before = departments::get(&mut tx, permit, id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let (children, lines, employees) = departments::dependents(&mut tx, permit, id).await?;
    if children + lines + employees > 0 {
        return Err(UseCaseError::field(
            "delete",
            Problem::DepartmentNotEmpty {
                name: before.name,
                departments: children,
                lines,
                employees,
            },
        ));
    }
    departments::delete(&mut tx, permit, id).await?;
    let was = snapshot(&before.name, before.parent_id, &before.cost_centre);
    audit::append(&mut tx, permit, &AuditEvent::DepartmentDeleted { id, was }).await?;
    tx.commit().await?;
    Ok(())
}
