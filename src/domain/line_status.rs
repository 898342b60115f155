use super::{ParseError, Problem};

/// Where a line stands. `Suspended` is the customer's own choice; `Blocked` is the operator's
/// (debt, an unregistered user, a lost SIM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineStatus {
    Active,
    Suspended,
    Blocked,
    Terminated,
}

impl LineStatus {
    pub const ALL: [LineStatus; 4] = [
        LineStatus::Active,
        LineStatus::Suspended,
        LineStatus::Blocked,
        LineStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::Active => "active",
            LineStatus::Suspended => "suspended",
            LineStatus::Blocked => "blocked",
            LineStatus::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(Problem::UnknownStatus {
                    input: s.to_owned(),
                })
            })
    }
}

/// A line's state as people tell lines apart: its status, but a blocked line whose SIM was
/// reported lost is `Lost`, apart from the operator's block (filters, badges, counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineState {
    Active,
    Suspended,
    Blocked,
    Lost,
    Terminated,
}

impl LineState {
    /// In the order lists show them.
    pub const ALL: [LineState; 5] = [
        LineState::Active,
        LineState::Suspended,
        LineState::Blocked,
        LineState::Lost,
        LineState::Terminated,
    ];

    /// The state of a line of this status and block reason.
    pub fn of(status: LineStatus, reason: &str) -> Self {
        match status {
            LineStatus::Active => LineState::Active,
            LineStatus::Suspended => LineState::Suspended,
            LineStatus::Blocked if reason == super::BlockReason::Lost.as_str() => LineState::Lost,
            LineStatus::Blocked => LineState::Blocked,
            LineStatus::Terminated => LineState::Terminated,
        }
    }

    /// The stored status it is.
    pub fn status(self) -> LineStatus {
        match self {
            LineState::Active => LineStatus::Active,
            LineState::Suspended => LineStatus::Suspended,
            LineState::Blocked | LineState::Lost => LineStatus::Blocked,
            LineState::Terminated => LineStatus::Terminated,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LineState::Lost => "lost",
            other => other.status().as_str(),
        }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                ParseError::new(Problem::UnknownStatus {
                    input: s.to_owned(),
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_sim_is_a_state_of_its_own() {
        for s in LineState::ALL {
            assert_eq!(LineState::parse(s.as_str()), Ok(s));
            assert_eq!(LineState::of(s.status(), s.as_str()), s);
        }
        assert_eq!(
            LineState::of(LineStatus::Blocked, "debt"),
            LineState::Blocked
        );
        assert_eq!(LineState::of(LineStatus::Blocked, "lost"), LineState::Lost);
        assert_eq!(LineState::of(LineStatus::Active, "lost"), LineState::Active);
        assert!(LineState::parse("gone").is_err());
    }

    #[test]
    fn round_trips() {
        for s in LineStatus::ALL {
            assert_eq!(LineStatus::parse(s.as_str()), Ok(s));
        }
        assert!(LineStatus::parse("gone").is_err());
    }
}
