//! Pure types and rules: no I/O, no actix, no sqlx.

pub mod audit;
mod company_ids;
pub mod iccid;
mod line_change;
mod line_status;
mod money;
mod msisdn;
mod period;
pub mod pricing;
mod problem;
mod scoped;
pub mod service_rules;
pub mod text;
pub mod wire;

pub use company_ids::{Inn, Kpp, Ogrn};
pub use iccid::Iccid;
pub use line_change::{BlockReason, LimitAction, Move, Refusal};
pub use line_status::{LineState, LineStatus};
pub use money::Money;
pub use msisdn::Msisdn;
pub use period::Period;
pub use problem::{CompanyIdKind, Name, Problem};
pub use scoped::{Actor, Holder, Operator, Scope, Scoped};

/// Why a value could not be parsed; said to people next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub Problem);

impl ParseError {
    pub fn new(problem: impl Into<Problem>) -> Self {
        Self(problem.into())
    }
}
