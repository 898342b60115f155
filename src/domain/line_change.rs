//! The rules of changing a line: which status moves are possible, and why not.

use super::{LineStatus, ParseError, Problem};

/// Why a change cannot be made from the line's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub Problem);

impl Refusal {
    pub fn code(&self) -> String {
        self.0.code()
    }
}

/// Why the operator blocked a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockReason {
    Debt,
    Unregistered,
    Lost,
}

impl BlockReason {
    pub const ALL: [BlockReason; 3] = [
        BlockReason::Debt,
        BlockReason::Unregistered,
        BlockReason::Lost,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BlockReason::Debt => "debt",
            BlockReason::Unregistered => "unregistered",
            BlockReason::Lost => "lost",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                ParseError::new(Problem::UnknownBlockReason {
                    input: s.trim().to_owned(),
                })
            })
    }
}

/// What happens when a line reaches its monthly spend limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitAction {
    /// Paid services are barred until the next month.
    Bar,
    /// The line keeps working; the employee pays what is over the limit.
    EmployeePays,
}

impl LimitAction {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitAction::Bar => "bar",
            LimitAction::EmployeePays => "employee_pays",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        match s.trim() {
            "bar" => Ok(LimitAction::Bar),
            "employee_pays" => Ok(LimitAction::EmployeePays),
            other => Err(ParseError::new(Problem::UnknownLimitAction {
                input: other.to_owned(),
            })),
        }
    }
}

/// A change of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Voluntary suspension by the customer.
    Suspend,
    /// The customer lifts their own suspension.
    Resume,
    /// The customer reports the SIM lost or stolen: an immediate block.
    ReportLost,
    /// A new SIM on the same number: lifts a lost-SIM block.
    ReplaceSim,
    /// The operator blocks (debt, unregistered user).
    Block,
    /// The operator lifts its block.
    Unblock,
}

fn terminated() -> Refusal {
    Refusal(Problem::LineTerminated)
}

impl LineStatus {
    /// The status after `m`, or why `m` is impossible from here. `reason` is why the line is
    /// blocked, when it is.
    pub fn after(self, m: Move, reason: &str) -> Result<LineStatus, Refusal> {
        use LineStatus::*;
        let blocked_by_operator = || Refusal(Problem::BlockedByOperator);
        match (self, m) {
            (Terminated, _) => Err(terminated()),
            (Active, Move::Suspend) => Ok(Suspended),
            (Suspended, Move::Suspend) => Err(Refusal(Problem::AlreadySuspended)),
            (Blocked, Move::Suspend) => Err(blocked_by_operator()),
            (Suspended, Move::Resume) => Ok(Active),
            (Active, Move::Resume) => Err(Refusal(Problem::NotSuspended)),
            (Blocked, Move::Resume) => Err(blocked_by_operator()),
            (Active | Suspended, Move::ReportLost) => Ok(Blocked),
            (Blocked, Move::ReportLost) => Err(Refusal(Problem::AlreadyBlocked)),
            (Blocked, Move::ReplaceSim) if reason == BlockReason::Lost.as_str() => Ok(Active),
            (Blocked, Move::ReplaceSim) => Err(blocked_by_operator()),
            (Active | Suspended, Move::ReplaceSim) => Ok(self),
            (Active | Suspended, Move::Block) => Ok(Blocked),
            (Blocked, Move::Block) => Err(Refusal(Problem::AlreadyBlocked)),
            (Blocked, Move::Unblock) => Ok(Active),
            (Active | Suspended, Move::Unblock) => Err(Refusal(Problem::NotBlocked)),
        }
    }

    /// Tariffs and services change only on a working line.
    pub fn allows_service_changes(self) -> Result<(), Refusal> {
        match self {
            LineStatus::Active => Ok(()),
            LineStatus::Suspended => Err(Refusal(Problem::LineSuspended)),
            LineStatus::Blocked => Err(Refusal(Problem::LineBlocked)),
            LineStatus::Terminated => Err(terminated()),
        }
    }

    /// Limits and assignments change on any line that is not terminated.
    pub fn allows_record_changes(self) -> Result<(), Refusal> {
        if self == LineStatus::Terminated {
            Err(terminated())
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LineStatus::*;

    #[test]
    fn the_customer_suspends_and_resumes() {
        assert_eq!(Active.after(Move::Suspend, ""), Ok(Suspended));
        assert_eq!(Suspended.after(Move::Resume, ""), Ok(Active));
        assert_eq!(
            Suspended.after(Move::Suspend, "").unwrap_err().code(),
            "already_suspended"
        );
        assert_eq!(
            Active.after(Move::Resume, "").unwrap_err().code(),
            "not_suspended"
        );
    }

    #[test]
    fn the_customer_cannot_lift_the_operators_block() {
        assert_eq!(
            Blocked.after(Move::Resume, "debt").unwrap_err().code(),
            "blocked_by_operator"
        );
        assert_eq!(
            Blocked.after(Move::Suspend, "debt").unwrap_err().code(),
            "blocked_by_operator"
        );
        assert_eq!(Blocked.after(Move::Unblock, "debt"), Ok(Active));
    }

    #[test]
    fn a_lost_sim_is_blocked_then_replaced() {
        assert_eq!(Active.after(Move::ReportLost, ""), Ok(Blocked));
        assert_eq!(Suspended.after(Move::ReportLost, ""), Ok(Blocked));
        assert_eq!(Blocked.after(Move::ReplaceSim, "lost"), Ok(Active));
        assert_eq!(
            Blocked.after(Move::ReplaceSim, "debt").unwrap_err().code(),
            "blocked_by_operator"
        );
        assert_eq!(Active.after(Move::ReplaceSim, ""), Ok(Active));
    }

    #[test]
    fn nothing_moves_a_terminated_line() {
        for m in [
            Move::Suspend,
            Move::Resume,
            Move::ReportLost,
            Move::ReplaceSim,
            Move::Block,
            Move::Unblock,
        ] {
            assert_eq!(
                Terminated.after(m, "").unwrap_err().code(),
                "line_terminated"
            );
        }
        assert!(Terminated.allows_service_changes().is_err());
        assert!(Terminated.allows_record_changes().is_err());
        assert_eq!(
            Suspended.allows_service_changes().unwrap_err().code(),
            "line_suspended"
        );
        assert!(Active.allows_service_changes().is_ok());
    }

    #[test]
    fn reasons_and_actions_parse() {
        assert_eq!(BlockReason::parse("debt"), Ok(BlockReason::Debt));
        assert!(BlockReason::parse("whim").is_err());
        assert_eq!(
            LimitAction::parse("employee_pays"),
            Ok(LimitAction::EmployeePays)
        );
        assert!(LimitAction::parse("explode").is_err());
    }
}
