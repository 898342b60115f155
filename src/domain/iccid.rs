use std::fmt;

use super::{ParseError, Problem};

/// A SIM card's ICCID: 19 or 20 digits starting with 89 (telecom), the last a Luhn check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iccid(String);

impl Iccid {
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.is_empty() {
            return Err(ParseError::new(Problem::IccidMissing));
        }
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(ParseError::new(Problem::IccidNotDigits));
        }
        if !(19..=20).contains(&digits.len()) {
            return Err(ParseError::new(Problem::IccidLength {
                digits: digits.len(),
            }));
        }
        if !digits.starts_with("89") {
            return Err(ParseError::new(Problem::IccidPrefix));
        }
        let (body, check) = digits.split_at(digits.len() - 1);
        if check.parse::<u32>().ok() != Some(luhn_digit(body)) {
            return Err(ParseError::new(Problem::IccidCheckDigit));
        }
        Ok(Self(digits))
    }

    /// An ICCID with its check digit appended to `body` (all digits).
    pub fn with_check_digit(body: &str) -> Result<Self, ParseError> {
        Self::parse(&format!("{body}{}", luhn_digit(body)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Iccid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Luhn check digit of a string of digits.
pub fn luhn_digit(body: &str) -> u32 {
    let sum: u32 = body
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checks_the_luhn_digit() {
        assert_eq!(luhn_digit("7992739871"), 3);
        let good = Iccid::with_check_digit("8970120916500001000").unwrap();
        assert_eq!(good.as_str().len(), 20);
        assert!(Iccid::parse(good.as_str()).is_ok());
        let last = good.as_str().chars().last().unwrap().to_digit(10).unwrap();
        let bad = format!("{}{}", &good.as_str()[..19], (last + 1) % 10);
        assert_eq!(Iccid::parse(&bad).unwrap_err().0, Problem::IccidCheckDigit);
        assert!(Iccid::parse("12345").is_err());
        assert!(Iccid::parse("7970120916500001000").is_err());
    }

    proptest! {
        #[test]
        fn every_body_gets_a_valid_iccid(body in "89[0-9]{16,17}") {
            let iccid = Iccid::with_check_digit(&body).unwrap();
            prop_assert!(Iccid::parse(iccid.as_str()).is_ok());
        }
    }
}
