//! Employees: the people lines are assigned to.

use crate::authz::Permit;
use crate::domain::Problem;
use crate::domain::audit::{AuditEvent, EmployeeFields};
use crate::store::audit;
use crate::store::employees::{self, Employee, Fields};
use crate::store::{Db, Tx, departments};

use super::{FieldError, UseCaseError, optional, required};

const NUMBER_TAKEN: Problem = Problem::PersonnelNumberTaken;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EmployeeInput {
    pub full_name: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub personnel_number: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub email: String,
}

struct Valid {
    full_name: String,
    department_id: Option<i64>,
    personnel_number: String,
    position: String,
    email: String,
}

impl Valid {
    fn fields(&self) -> Fields<'_> {
        Fields {
            department_id: self.department_id,
            full_name: &self.full_name,
            personnel_number: &self.personnel_number,
            position: &self.position,
            email: &self.email,
        }
    }

    fn snapshot(&self) -> EmployeeFields {
        audit_fields(self.department_id, &self.position)
    }

    /// The personal fields (by name only) that differ from the employee's record.
    fn personal_changes(&self, before: &Employee) -> Vec<String> {
        personal_changes(
            [&before.full_name, &before.personnel_number, &before.email],
            [&self.full_name, &self.personnel_number, &self.email],
        )
    }
}

/// Which of the personal fields (name, personnel number, e-mail) differ, by name only: the
/// audit log says what changed without keeping the values.
pub fn personal_changes(was: [&str; 3], now: [&str; 3]) -> Vec<String> {
    ["full_name", "personnel_number", "email"]
        .into_iter()
        .zip(was.into_iter().zip(now))
        .filter(|(_, (a, b))| a != b)
        .map(|(field, _)| field.to_owned())
        .collect()
}

/// What the audit log keeps of an employee. Entries refer to people by id and hold no names,
/// personnel numbers or e-mails, so a person's data can be erased (152-ФЗ) while the log,
/// which is never changed, stays whole; the log page shows the name as it is now.
fn snapshot_of(e: &Employee) -> EmployeeFields {
    audit_fields(e.department_id, &e.position)
}

/// An employee as the audit log keeps them: no name, personnel number or e-mail.
pub fn audit_fields(department_id: Option<i64>, position: &str) -> EmployeeFields {
    EmployeeFields {
        department_id,
        position: position.to_owned(),
    }
}

async fn validate(
    tx: &mut Tx,
    permit: &Permit,
    input: &EmployeeInput,
) -> Result<Valid, UseCaseError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut take = |r: Result<String, FieldError>| {
        r.unwrap_or_else(|e| {
            errors.push(e);
            String::new()
        })
    };
    let full_name = take(required("full_name", &input.full_name, 200));
    let personnel_number = take(optional("personnel_number", &input.personnel_number, 30));
    let position = take(optional("position", &input.position, 200));
    let email = take(optional("email", &input.email, 254));
    if !email.is_empty() && (!email.contains('@') || email.contains(' ')) {
        errors.push(FieldError::new(
            "email",
            Problem::NotAnEmail {
                input: input.email.trim().to_owned(),
            },
        ));
    }
    let department_id = match input.department_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(id) if departments::get(tx, permit, id).await?.is_some() => Some(id),
            _ => {
                errors.push(FieldError::new("department_id", Problem::NoSuchDepartment));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(Valid {
            full_name,
            department_id,
            personnel_number,
            position,
            email,
        })
    } else {
        Err(UseCaseError::Invalid(errors))
    }
}

pub async fn create(db: &Db, permit: &Permit, input: &EmployeeInput) -> Result<i64, UseCaseError> {
    let mut tx = db.begin().await?;
    let v = validate(&mut tx, permit, input).await?;
    if !v.personnel_number.is_empty()
        && employees::personnel_number_taken(&mut tx, permit, &v.personnel_number, 0).await?
    {
        return Err(UseCaseError::field("personnel_number", NUMBER_TAKEN));
    }
    let id = employees::insert(&mut tx, permit, &v.fields())
        .await
        .map_err(UseCaseError::unless_taken("personnel_number", NUMBER_TAKEN))?;
    let now = v.snapshot();
    audit::append(&mut tx, permit, &AuditEvent::EmployeeCreated { id, now }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    permit: &Permit,
    id: i64,
    input: &EmployeeInput,
) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    employees::lock(&mut tx, permit, id).await?;
    let before = employees::get(&mut tx, permit, id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let v = validate(&mut tx, permit, input).await?;
    if !v.personnel_number.is_empty()
        && employees::personnel_number_taken(&mut tx, permit, &v.personnel_number, id).await?
    {
        return Err(UseCaseError::field("personnel_number", NUMBER_TAKEN));
    }
    employees::update(&mut tx, permit, id, &v.fields())
        .await
        .map_err(UseCaseError::unless_taken("personnel_number", NUMBER_TAKEN))?;
    let event = AuditEvent::EmployeeUpdated {
        id,
        was: snapshot_of(&before),
        now: v.snapshot(),
        personal: v.personal_changes(&before),
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the employee; their lines stay with the company, unassigned (each audited).
pub async fn delete(db: &Db, permit: &Permit, id: i64) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    employees::lock(&mut tx, permit, id).await?;
    let before = employees::get(&mut tx, permit, id)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    let lines = employees::delete(&mut tx, permit, id).await?;
    let mut events = vec![AuditEvent::EmployeeDeleted {
        id,
        was: snapshot_of(&before),
    }];
    events.extend(lines.iter().map(|line| AuditEvent::LineUnassigned {
        line_id: *line,
        employee_id: Some(id),
    }));
    audit::append_many(&mut tx, permit, &events).await?;
    tx.commit().await?;
    Ok(())
}
