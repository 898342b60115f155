use std::fmt;

use rust_decimal::Decimal;

use super::{ParseError, Problem};

/// An exact amount of roubles. Kept as a decimal with two places; stored as integer kopecks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub fn from_kopecks(kopecks: i64) -> Self {
        Self(Decimal::new(kopecks, 2))
    }

    /// Whole kopecks; amounts are always rounded to kopecks on the way in, so this is exact.
    pub fn kopecks(self) -> i64 {
        let scaled = (self.0 * Decimal::ONE_HUNDRED).round();
        i64::try_from(scaled).unwrap_or(i64::MAX)
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    /// Reads `1 234,50`, `1234.50`, `1234` or `1 234 ₽`; at most two decimal places, not negative.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let cleaned: String = input
            .trim()
            .trim_end_matches('₽')
            .trim_end_matches("руб.")
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        if cleaned.is_empty() {
            return Err(ParseError::new(Problem::AmountMissing));
        }
        let value: Decimal = cleaned.parse().map_err(|_| {
            ParseError::new(Problem::NotAnAmount {
                input: input.trim().to_owned(),
            })
        })?;
        if value.is_sign_negative() {
            return Err(ParseError::new(Problem::AmountNegative));
        }
        if value.scale() > 2 && value.round_dp(2) != value {
            return Err(ParseError::new(Problem::AmountTooPrecise));
        }
        if value > Decimal::new(100_000_000, 0) {
            return Err(ParseError::new(Problem::AmountTooLarge));
        }
        Ok(Self(value.round_dp(2)))
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_people_write() {
        assert_eq!(Money::parse("1 234,50").unwrap().kopecks(), 123_450);
        assert_eq!(Money::parse("1234.5").unwrap().kopecks(), 123_450);
        assert_eq!(Money::parse("390 ₽").unwrap().kopecks(), 39_000);
        assert_eq!(Money::parse("0").unwrap(), Money::ZERO);
        assert!(Money::parse("-1").is_err());
        assert!(Money::parse("1,234").is_err());
        assert!(Money::parse("abc").is_err());
        assert!(Money::parse("").is_err());
        assert!(Money::parse("1000000000").is_err());
    }

    #[test]
    fn sums_are_exact() {
        let a = Money::parse("0,10").unwrap();
        let b = Money::parse("0,20").unwrap();
        assert_eq!(a.checked_add(b).unwrap(), Money::parse("0,30").unwrap());
    }

    proptest! {
        #[test]
        fn kopecks_round_trip(k in 0i64..10_000_000_000) {
            prop_assert_eq!(Money::from_kopecks(k).kopecks(), k);
            prop_assert_eq!(Money::parse(&Money::from_kopecks(k).to_string()).map(Money::kopecks), Ok(k));
        }
    }
}
