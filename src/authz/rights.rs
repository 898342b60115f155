//! What can be asked of casbin (an object and an action) and the rights an admin can hand on.

/// What is being touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object {
    Overview,
    Lines,
    /// Operator blocks on lines (debt, unregistered user): staff only.
    LineBlocks,
    Departments,
    Employees,
    Audit,
    Bulk,
    Roster,
    Finance,
    Reports,
    Users,
    /// One's own sign-in: the second factor, one's sessions.
    Account,
}

impl Object {
    pub fn as_str(self) -> &'static str {
        match self {
            Object::Overview => "overview",
            Object::Lines => "lines",
            Object::LineBlocks => "line_blocks",
            Object::Departments => "departments",
            Object::Employees => "employees",
            Object::Audit => "audit",
            Object::Bulk => "bulk",
            Object::Roster => "roster",
            Object::Finance => "finance",
            Object::Reports => "reports",
            Object::Users => "users",
            Object::Account => "account",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Write,
    /// Enable and disable services.
    Services,
    Tariff,
    /// Suspend, resume, report lost, replace the SIM.
    Status,
    Limits,
    /// Move a line to another employee, department or cost centre.
    Assign,
    Run,
    Import,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Services => "services",
            Action::Tariff => "tariff",
            Action::Status => "status",
            Action::Limits => "limits",
            Action::Assign => "assign",
            Action::Run => "run",
            Action::Import => "import",
        }
    }
}

/// A right an admin can delegate. Each is one casbin role (`right:<code>`) with one policy
/// line, so a grant is a role link, however many grants there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Right {
    LinesView,
    LinesServices,
    LinesTariff,
    LinesStatus,
    LinesLimits,
    LinesAssign,
    BulkRun,
    RosterImport,
    FinanceView,
    ReportsDownload,
    UsersManage,
}

impl Right {
    pub const ALL: [Right; 11] = [
        Right::LinesView,
        Right::LinesServices,
        Right::LinesTariff,
        Right::LinesStatus,
        Right::LinesLimits,
        Right::LinesAssign,
        Right::BulkRun,
        Right::RosterImport,
        Right::FinanceView,
        Right::ReportsDownload,
        Right::UsersManage,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Right::LinesView => "lines.view",
            Right::LinesServices => "lines.services",
            Right::LinesTariff => "lines.tariff",
            Right::LinesStatus => "lines.status",
            Right::LinesLimits => "lines.limits",
            Right::LinesAssign => "lines.assign",
            Right::BulkRun => "bulk.run",
            Right::RosterImport => "roster.import",
            Right::FinanceView => "finance.view",
            Right::ReportsDownload => "reports.download",
            Right::UsersManage => "users.manage",
        }
    }

    pub fn parse(code: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What casbin is asked when this right is used.
    pub fn check(self) -> (Object, Action) {
        match self {
            Right::LinesView => (Object::Lines, Action::Read),
            Right::LinesServices => (Object::Lines, Action::Services),
            Right::LinesTariff => (Object::Lines, Action::Tariff),
            Right::LinesStatus => (Object::Lines, Action::Status),
            Right::LinesLimits => (Object::Lines, Action::Limits),
            Right::LinesAssign => (Object::Lines, Action::Assign),
            Right::BulkRun => (Object::Bulk, Action::Run),
            Right::RosterImport => (Object::Roster, Action::Import),
            Right::FinanceView => (Object::Finance, Action::Read),
            Right::ReportsDownload => (Object::Reports, Action::Read),
            Right::UsersManage => (Object::Users, Action::Write),
        }
    }

    /// The right a check stands for, if it is one that can be delegated.
    pub fn of(object: Object, action: Action) -> Option<Right> {
        Right::ALL
            .into_iter()
            .find(|r| r.check() == (object, action))
    }

    /// Rights that act on lines, and so are limited to the granted departments and lines.
    pub fn is_on_lines(self) -> bool {
        self.check().0 == Object::Lines
    }

    /// Rights a grant's departments and lines limit (on lines, bulk changes, roster imports and
    /// the users they cover); finance and reports are the whole company's.
    pub fn is_scoped(self) -> bool {
        !matches!(self, Right::FinanceView | Right::ReportsDownload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_right_has_its_own_code_and_check() {
        for r in Right::ALL {
            assert_eq!(Right::parse(r.code()), Some(r));
            let (o, a) = r.check();
            assert_eq!(Right::of(o, a), Some(r));
        }
        assert_eq!(Right::parse("lines.everything"), None);
    }

    #[test]
    fn the_shipped_policy_names_every_right() {
        let policy = include_str!("../../policies/policy.csv");
        for r in Right::ALL {
            let (o, a) = r.check();
            let line = format!("p, right:{}, *, {}, {}", r.code(), o.as_str(), a.as_str());
            assert!(policy.contains(&line), "missing: {line}");
        }
    }
}
