use super::{ParseError, Problem};

/// Where a line stands. `Suspended` is the customer's own choice; `Blocked` is the operator's
/// (debt, an unregistered user, a lost SIM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in LineStatus::ALL {
            assert_eq!(LineStatus::parse(s.as_str()), Ok(s));
        }
        assert!(LineStatus::parse("gone").is_err());
    }
}
