//! What a bulk operation does to each of its lines: the single-line actions that make sense
//! over many lines, with their parameters checked once for all of them.

use serde::{Deserialize, Serialize};

use crate::authz::{Action, Object};
use crate::domain::{LimitAction, Money, Problem};
use crate::services::FieldError;

/// A change to every chosen line. As JSON it is tagged by `action`, as a single-line change is.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkChange {
    /// Enable a service (by service code).
    EnableService { service: String },
    /// Disable a service (by service code).
    DisableService { service: String },
    /// Move the lines to a tariff of the company's region (by tariff code).
    ChangeTariff { tariff: String },
    /// Voluntary suspension by the customer.
    Suspend { reason: String },
    /// Lift the customer's own suspension.
    Resume {},
    /// Set or change the monthly spend limit (roubles) and what happens at 100 %: `bar` or
    /// `employee_pays` (absent: what each line does now; `bar` on a line without a limit).
    SetLimit {
        amount: String,
        on_limit: Option<String>,
    },
    /// Remove the spend limit.
    RemoveLimit {},
    /// Move the lines to a department (none: out of every department) and set or clear their
    /// own cost centre; whose lines they are stays as it is.
    Reassign {
        department_id: Option<i64>,
        cost_centre: Option<String>,
    },
}

/// The highest monthly limit a line may have: 1 000 000 ₽.
pub const MAX_LIMIT_KOP: i64 = 100_000_000;

impl BulkChange {
    /// What casbin is asked for the change on each line (the right it uses).
    pub fn check(&self) -> (Object, Action) {
        let action = match self {
            BulkChange::EnableService { .. } | BulkChange::DisableService { .. } => {
                Action::Services
            }
            BulkChange::ChangeTariff { .. } => Action::Tariff,
            BulkChange::Suspend { .. } | BulkChange::Resume {} => Action::Status,
            BulkChange::SetLimit { .. } | BulkChange::RemoveLimit {} => Action::Limits,
            BulkChange::Reassign { .. } => Action::Assign,
        };
        (Object::Lines, action)
    }

    /// The action's name, as the single-line change names it.
    pub fn name(&self) -> &'static str {
        match self {
            BulkChange::EnableService { .. } => "enable_service",
            BulkChange::DisableService { .. } => "disable_service",
            BulkChange::ChangeTariff { .. } => "change_tariff",
            BulkChange::Suspend { .. } => "suspend",
            BulkChange::Resume {} => "resume",
            BulkChange::SetLimit { .. } => "set_limit",
            BulkChange::RemoveLimit {} => "remove_limit",
            BulkChange::Reassign { .. } => "reassign",
        }
    }

    /// The parameter a line's own value stands in for, as the change has it: a tariff code, a
    /// limit amount, a department id (empty for a change that takes none).
    pub fn target(&self) -> String {
        match self {
            BulkChange::ChangeTariff { tariff } => tariff.clone(),
            BulkChange::SetLimit { amount, .. } => amount.clone(),
            BulkChange::Reassign { department_id, .. } => {
                department_id.map(|d| d.to_string()).unwrap_or_default()
            }
            _ => String::new(),
        }
    }

    /// Whether a line's own value can stand in for its target.
    pub fn takes_value(&self) -> bool {
        matches!(
            self,
            BulkChange::ChangeTariff { .. }
                | BulkChange::SetLimit { .. }
                | BulkChange::Reassign { .. }
        )
    }

    /// The same change with one line's own value as its target: a tariff code, a limit in
    /// roubles, a department id. Refused for a change that takes none.
    pub fn with_value(&self, value: &str) -> Result<BulkChange, Problem> {
        let value = value.trim();
        Ok(match self {
            BulkChange::ChangeTariff { .. } => BulkChange::ChangeTariff {
                tariff: value.to_owned(),
            },
            BulkChange::SetLimit { on_limit, .. } => BulkChange::SetLimit {
                amount: value.to_owned(),
                on_limit: on_limit.clone(),
            },
            BulkChange::Reassign { cost_centre, .. } => BulkChange::Reassign {
                department_id: Some(value.parse().map_err(|_| Problem::NoSuchDepartment)?),
                cost_centre: cost_centre.clone(),
            },
            _ => return Err(Problem::NoValueTaken),
        })
    }
}

/// A spend limit as a change asks for it: its amount in kopecks and what happens at 100 %
/// (`None`: what the line does now).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub kop: i64,
    pub on_limit: Option<LimitAction>,
}

impl Limit {
    /// Reads an amount and an action as the line card takes them.
    pub fn parse(amount: &str, on_limit: Option<&str>) -> Result<Limit, FieldError> {
        let money = Money::parse(amount).map_err(|e| FieldError::new("amount", e.0))?;
        let kop = money.kopecks();
        if kop == 0 {
            return Err(FieldError::new("amount", Problem::LimitZero));
        }
        if kop > MAX_LIMIT_KOP {
            return Err(FieldError::new(
                "amount",
                Problem::LimitTooLarge {
                    max_kop: MAX_LIMIT_KOP,
                },
            ));
        }
        let on_limit = on_limit
            .map(LimitAction::parse)
            .transpose()
            .map_err(|e| FieldError::new("on_limit", e.0))?;
        Ok(Limit { kop, on_limit })
    }
}

/// A reason as a change takes it: trimmed, at most 200 characters, no control characters.
pub fn reason(text: &str) -> Result<String, FieldError> {
    let r = text.trim();
    if r.chars().count() > 200 {
        return Err(FieldError::new("reason", Problem::TooLong { max: 200 }));
    }
    if r.chars().any(char::is_control) {
        return Err(FieldError::new("reason", Problem::ControlCharacters));
    }
    Ok(r.to_owned())
}

/// A cost centre as a change takes it: none when empty, at most 50 characters.
pub fn cost_centre(text: Option<&str>) -> Result<Option<String>, FieldError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) if c.chars().count() > 50 => {
            Err(FieldError::new("cost_centre", Problem::TooLong { max: 50 }))
        }
        Some(c) => Ok(Some(c.to_owned())),
    }
}
