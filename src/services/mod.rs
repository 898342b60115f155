//! Use cases: one module per capability. Each mutating use case takes a `Permit`, changes the
//! data and appends its audit entry in one transaction.

pub mod access;
pub mod auth;
pub mod bulk;
pub mod catalogue;
pub mod companies;
pub mod demo;
pub mod departments;
pub mod employees;
pub mod limits;
pub mod line_changes;
pub mod lines;
pub mod roster;
pub mod second_factor;
pub mod sessions;
pub mod sign_in;
pub mod users;

use crate::domain::{ParseError, Problem};

/// A use case refused the input: which field, and why (said in the page's language by `web`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: &'static str,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: &'static str, problem: impl Into<Problem>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }

    pub fn from_parse(field: &'static str, e: ParseError) -> Self {
        Self::new(field, e.0)
    }
}

/// How a use case can fail.
#[derive(Debug, thiserror::Error)]
pub enum UseCaseError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl UseCaseError {
    pub fn field(field: &'static str, problem: impl Into<Problem>) -> Self {
        UseCaseError::Invalid(vec![FieldError::new(field, problem)])
    }

    /// A unique index's refusal as the form error its check gives (two requests at once can
    /// both pass the check; the index lets one through); any other error as it is.
    pub fn unless_taken(
        field: &'static str,
        problem: Problem,
    ) -> impl FnOnce(sqlx::Error) -> UseCaseError {
        move |e| {
            if crate::store::is_unique_violation(&e) {
                UseCaseError::field(field, problem)
            } else {
                e.into()
            }
        }
    }
}

/// Trims a required text field and checks its length.
pub fn required(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, Problem::Required));
    }
    optional(field, v, max)
}

/// Trims an optional text field and checks its length.
pub fn optional(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(field, Problem::TooLong { max }));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(field, Problem::ControlCharacters));
    }
    Ok(v.to_owned())
}
