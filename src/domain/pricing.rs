//! What a change does to the monthly bill, exactly (kopecks, no floating point).

use super::Money;

/// The change in the monthly bill and what is charged once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BillChange {
    pub monthly_kop: i64,
    pub one_time_kop: i64,
}

impl BillChange {
    pub const NONE: BillChange = BillChange {
        monthly_kop: 0,
        one_time_kop: 0,
    };

    /// A new tariff; services that do not fit it are dropped and stop costing.
    pub fn tariff(old_fee_kop: i64, new_fee_kop: i64, dropped_monthly_kop: &[i64]) -> Self {
        let dropped: i64 = dropped_monthly_kop.iter().sum();
        BillChange {
            monthly_kop: new_fee_kop - old_fee_kop - dropped,
            one_time_kop: 0,
        }
    }

    pub fn enable(monthly_kop: i64, one_time_kop: i64) -> Self {
        BillChange {
            monthly_kop,
            one_time_kop,
        }
    }

    pub fn disable(monthly_kop: i64) -> Self {
        BillChange {
            monthly_kop: -monthly_kop,
            one_time_kop: 0,
        }
    }

    pub fn monthly(self) -> Money {
        Money::from_kopecks(self.monthly_kop)
    }

    pub fn one_time(self) -> Money {
        Money::from_kopecks(self.one_time_kop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dearer_tariff_less_the_services_it_drops() {
        // Бизнес Старт 450 ₽ → Бизнес Оптимум 790 ₽, dropping a 49 ₽ service.
        let c = BillChange::tariff(45_000, 79_000, &[4_900]);
        assert_eq!(
            c,
            BillChange {
                monthly_kop: 29_100,
                one_time_kop: 0
            }
        );
        assert_eq!(c.monthly().to_string(), "291.00");
    }

    #[test]
    fn a_cheaper_tariff_is_negative() {
        assert_eq!(
            BillChange::tariff(129_000, 45_000, &[]).monthly_kop,
            -84_000
        );
    }

    #[test]
    fn services_cost_monthly_and_once() {
        assert_eq!(
            BillChange::enable(15_000, 50_000),
            BillChange {
                monthly_kop: 15_000,
                one_time_kop: 50_000
            }
        );
        assert_eq!(BillChange::disable(39_000).monthly_kop, -39_000);
        // Sums of kopecks stay exact where floating point would not: 0.1 + 0.2.
        assert_eq!(BillChange::tariff(0, 30, &[10, 20]).monthly_kop, 0);
    }
}
