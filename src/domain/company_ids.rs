//! Russian company identifiers: INN, KPP, OGRN.

use std::fmt;

use super::{CompanyIdKind, ParseError, Problem};

fn digits_of(input: &str, what: CompanyIdKind, lengths: &[usize]) -> Result<Vec<u32>, ParseError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ParseError::new(Problem::IdMissing { what }));
    }
    let digits: Option<Vec<u32>> = s.chars().map(|c| c.to_digit(10)).collect();
    let digits = digits.ok_or_else(|| ParseError::new(Problem::IdNotDigits { what }))?;
    if !lengths.contains(&digits.len()) {
        return Err(ParseError::new(Problem::IdLength {
            what,
            digits: digits.len(),
            wanted: lengths.to_vec(),
        }));
    }
    Ok(digits)
}

fn weighted(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 11 % 10
}

/// ИНН: 10 digits for an organisation, 12 for a sole trader, with check digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Inn(String);

impl Inn {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let d = digits_of(input, CompanyIdKind::Inn, &[10, 12])?;
        let ok = if d.len() == 10 {
            weighted(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9]
        } else {
            weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
                && weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
        };
        if !ok {
            return Err(ParseError::new(Problem::IdCheckDigit {
                what: CompanyIdKind::Inn,
            }));
        }
        Ok(Self(input.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// КПП: 4 digits of the tax office, 2 of the reason (digits or A–Z), 3 digits of the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kpp(String);

impl Kpp {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ParseError::new(Problem::IdMissing {
                what: CompanyIdKind::Kpp,
            }));
        }
        let chars: Vec<char> = s.chars().collect();
        let valid = chars.len() == 9
            && chars[..4].iter().all(char::is_ascii_digit)
            && chars[4..6]
                .iter()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            && chars[6..].iter().all(char::is_ascii_digit);
        if !valid {
            return Err(ParseError::new(Problem::KppShape));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kpp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// ОГРН (13 digits) or ОГРНИП (15 digits) with its check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ogrn(String);

impl Ogrn {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let d = digits_of(input, CompanyIdKind::Ogrn, &[13, 15])?;
        let body: u64 = d[..d.len() - 1]
            .iter()
            .fold(0u64, |acc, x| acc * 10 + u64::from(*x));
        let modulus = if d.len() == 13 { 11 } else { 13 };
        let check = (body % modulus % 10) as u32;
        if check != d[d.len() - 1] {
            return Err(ParseError::new(Problem::IdCheckDigit {
                what: CompanyIdKind::Ogrn,
            }));
        }
        Ok(Self(input.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_inns() {
        assert!(Inn::parse("7707083893").is_ok());
        assert!(Inn::parse("500100732259").is_ok());
        assert_eq!(
            Inn::parse("7707083894").unwrap_err().0,
            Problem::IdCheckDigit {
                what: CompanyIdKind::Inn
            }
        );
        assert_eq!(
            Inn::parse("77070838").unwrap_err().0,
            Problem::IdLength {
                what: CompanyIdKind::Inn,
                digits: 8,
                wanted: vec![10, 12]
            }
        );
        assert!(Inn::parse("77O7083893").is_err());
        assert!(Inn::parse("").is_err());
    }

    #[test]
    fn known_kpps() {
        assert!(Kpp::parse("773601001").is_ok());
        assert!(Kpp::parse("7736AB001").is_ok());
        assert!(Kpp::parse("77360100").is_err());
        assert!(Kpp::parse("7736ab001").is_err());
        assert!(Kpp::parse("A73601001").is_err());
    }

    #[test]
    fn known_ogrns() {
        assert!(Ogrn::parse("1027700132195").is_ok());
        assert!(Ogrn::parse("1027700132196").is_err());
        assert!(Ogrn::parse("304500116000157").is_ok());
    }

    fn with_check_digit(body: &[u32]) -> String {
        let c = weighted(body, &[2, 4, 10, 3, 5, 9, 4, 6, 8]);
        body.iter()
            .chain([c].iter())
            .map(|d| char::from_digit(*d, 10).unwrap())
            .collect()
    }

    proptest! {
        #[test]
        fn a_correct_check_digit_is_accepted_and_any_other_refused(body in proptest::collection::vec(0u32..10, 9), delta in 1u32..10) {
            let inn = with_check_digit(&body);
            prop_assert!(Inn::parse(&inn).is_ok());
            let last = inn.chars().last().unwrap().to_digit(10).unwrap();
            let wrong = format!("{}{}", &inn[..9], (last + delta) % 10);
            prop_assert!(Inn::parse(&wrong).is_err());
        }

        #[test]
        fn well_formed_kpps_are_accepted(office in "[0-9]{4}", reason in "[0-9A-Z]{2}", number in "[0-9]{3}") {
            let kpp = format!("{office}{reason}{number}");
            prop_assert_eq!(Kpp::parse(&kpp).map(|k| k.as_str().to_owned()), Ok(kpp.clone()));
            prop_assert!(Kpp::parse(&kpp[..8]).is_err());
            let longer = format!("{kpp}0");
            prop_assert!(Kpp::parse(&longer).is_err());
        }

        #[test]
        fn never_panics(s in "\\PC{0,16}") {
            let _ = Inn::parse(&s);
            let _ = Kpp::parse(&s);
            let _ = Ogrn::parse(&s);
        }
    }
}
