use std::fmt;

use super::{ParseError, Problem};

/// A Russian mobile number, always held as E.164 (`+79123456789`).
///
/// The only way to get one is [`Msisdn::parse`], which accepts the spellings people write:
/// `+7 (912) 345-67-89`, `8 912 345 67 89`, `89123456789`, `9123456789`, `79123456789`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msisdn(String);

impl Msisdn {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ParseError::new(Problem::NumberMissing));
        }
        let shown = || trimmed.to_owned();
        let mut digits = String::with_capacity(11);
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
                _ => {
                    return Err(ParseError::new(Problem::NumberCharacter { character: c }));
                }
            }
        }
        let national = match digits.len() {
            10 => digits.as_str(),
            11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
            n if n < 10 => {
                return Err(ParseError::new(Problem::NumberTooShort { input: shown() }));
            }
            11 => {
                return Err(ParseError::new(Problem::NumberNotRussian {
                    input: shown(),
                }));
            }
            _ => {
                return Err(ParseError::new(Problem::NumberTooLong { input: shown() }));
            }
        };
        if trimmed.starts_with('+') && !digits.starts_with('7') {
            return Err(ParseError::new(Problem::NumberNotRussian {
                input: shown(),
            }));
        }
        if !national.starts_with('9') {
            return Err(ParseError::new(Problem::NumberNotMobile { input: shown() }));
        }
        Ok(Self(format!("+7{national}")))
    }

    /// `+79123456789`
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ten national digits, `9123456789`.
    pub fn national(&self) -> &str {
        &self.0[2..]
    }

    /// The national digits reversed: the key that serves "ends with" searches from an index.
    pub fn reversed(&self) -> String {
        self.national().chars().rev().collect()
    }

    /// `+7 912 345-67-89`
    pub fn display(&self) -> String {
        let n = self.national();
        format!("+7 {} {}-{}-{}", &n[0..3], &n[3..6], &n[6..8], &n[8..10])
    }
}

impl fmt::Display for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_common_spelling() {
        for s in [
            "+7 (912) 345-67-89",
            "8 912 345 67 89",
            "89123456789",
            "9123456789",
            "79123456789",
            "8-912-345-67-89",
            " +79123456789 ",
            "+7 912 345 67 89",
        ] {
            assert_eq!(
                Msisdn::parse(s).map(|m| m.0),
                Ok("+79123456789".into()),
                "{s}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_russian_mobile() {
        for s in [
            "",
            "12345",
            "+1 912 345 67 89",
            "59123456789",
            "84951234567",
            "912345678901",
            "91234a6789",
            "+7 912 345 67 8",
        ] {
            assert!(Msisdn::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn short_number_message_names_the_number() {
        let err = Msisdn::parse("12345").unwrap_err();
        assert_eq!(
            err.0,
            Problem::NumberTooShort {
                input: "12345".into()
            }
        );
    }

    #[test]
    fn formats_for_people_and_keys() {
        let m = Msisdn::parse("89123456789").unwrap();
        assert_eq!(m.display(), "+7 912 345-67-89");
        assert_eq!(m.national(), "9123456789");
        assert_eq!(m.reversed(), "9876543219");
    }

    proptest! {
        #[test]
        fn every_spelling_of_a_mobile_parses_to_the_same_number(rest in "9[0-9]{9}", style in 0..5usize) {
            let spelled = match style {
                0 => format!("+7{rest}"),
                1 => format!("8{rest}"),
                2 => rest.clone(),
                3 => format!("+7 ({}) {}-{}-{}", &rest[0..3], &rest[3..6], &rest[6..8], &rest[8..]),
                _ => format!("8 {} {} {} {}", &rest[0..3], &rest[3..6], &rest[6..8], &rest[8..]),
            };
            let m = Msisdn::parse(&spelled).unwrap();
            prop_assert_eq!(m.as_str(), format!("+7{rest}"));
            prop_assert_eq!(Msisdn::parse(&m.display()).unwrap(), m);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = Msisdn::parse(&s);
        }
    }
}
