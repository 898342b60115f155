//! What a line costs a month at list price, and what a change does to it, exactly (kopecks, no
//! floating point). The one rule for a month's fees: [`Charge::of`] a status.

use super::LineStatus;

/// A line's monthly list prices, in kopecks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fees {
    /// Its tariff's fee for a month.
    pub tariff_kop: i64,
    /// The monthly fees of its services, summed.
    pub services_kop: i64,
    /// Its tariff's fee for a month the line stands suspended or blocked.
    pub suspended_kop: i64,
}

/// What a line pays for a month, by its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// An active line: its tariff and its services.
    TariffAndServices,
    /// A suspended or blocked line: its tariff's suspension fee.
    Suspension,
    /// A terminated line: nothing.
    Nothing,
}

impl Charge {
    pub fn of(status: LineStatus) -> Charge {
        match status {
            LineStatus::Active => Charge::TariffAndServices,
            LineStatus::Suspended | LineStatus::Blocked => Charge::Suspension,
            LineStatus::Terminated => Charge::Nothing,
        }
    }

    pub fn kopecks(self, fees: &Fees) -> i64 {
        match self {
            Charge::TariffAndServices => fees.tariff_kop + fees.services_kop,
            Charge::Suspension => fees.suspended_kop,
            Charge::Nothing => 0,
        }
    }
}

/// A month of the line at list price.
pub fn monthly_kop(status: LineStatus, fees: &Fees) -> i64 {
    Charge::of(status).kopecks(fees)
}

/// The change in the monthly bill and what is charged once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BillChange {
    pub monthly_kop: i64,
    pub one_time_kop: i64,
}

impl BillChange {
    /// From the line as it is to the line as a change leaves it.
    pub fn between(
        before: (LineStatus, Fees),
        after: (LineStatus, Fees),
        one_time_kop: i64,
    ) -> Self {
        BillChange {
            monthly_kop: monthly_kop(after.0, &after.1) - monthly_kop(before.0, &before.1),
            one_time_kop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LineStatus::*;

    const OPTIMUM: Fees = Fees {
        tariff_kop: 79_000,
        services_kop: 127_900,
        suspended_kop: 0,
    };

    #[test]
    fn a_month_by_status() {
        assert_eq!(monthly_kop(Active, &OPTIMUM), 206_900);
        assert_eq!(monthly_kop(Suspended, &OPTIMUM), 0);
        let paid_pause = Fees {
            suspended_kop: 10_000,
            ..OPTIMUM
        };
        assert_eq!(monthly_kop(Suspended, &paid_pause), 10_000);
        assert_eq!(monthly_kop(Blocked, &paid_pause), 10_000);
        assert_eq!(monthly_kop(Terminated, &paid_pause), 0);
    }

    #[test]
    fn a_dearer_tariff_less_the_services_it_drops() {
        // Бизнес Старт 450 ₽ → Бизнес Оптимум 790 ₽, dropping a 49 ₽ service.
        let before = Fees {
            tariff_kop: 45_000,
            services_kop: 4_900,
            suspended_kop: 0,
        };
        let after = Fees {
            tariff_kop: 79_000,
            services_kop: 0,
            ..before
        };
        let c = BillChange::between((Active, before), (Active, after), 0);
        assert_eq!(
            c,
            BillChange {
                monthly_kop: 29_100,
                one_time_kop: 0
            }
        );
        assert_eq!(
            crate::domain::Money::from_kopecks(c.monthly_kop).to_string(),
            "291.00"
        );
    }

    #[test]
    fn a_suspension_saves_the_whole_month() {
        let c = BillChange::between((Active, OPTIMUM), (Suspended, OPTIMUM), 0);
        assert_eq!(c.monthly_kop, -206_900);
        let back = BillChange::between((Suspended, OPTIMUM), (Active, OPTIMUM), 0);
        assert_eq!(back.monthly_kop, 206_900);
    }

    #[test]
    fn services_cost_monthly_and_once() {
        let with = Fees {
            services_kop: OPTIMUM.services_kop + 15_000,
            ..OPTIMUM
        };
        assert_eq!(
            BillChange::between((Active, OPTIMUM), (Active, with), 50_000),
            BillChange {
                monthly_kop: 15_000,
                one_time_kop: 50_000
            }
        );
        // Sums of kopecks stay exact where floating point would not: 0.1 + 0.2.
        let tenth = Fees {
            tariff_kop: 10,
            services_kop: 20,
            suspended_kop: 0,
        };
        let third = Fees {
            tariff_kop: 30,
            services_kop: 0,
            suspended_kop: 0,
        };
        assert_eq!(
            BillChange::between((Active, tenth), (Active, third), 0).monthly_kop,
            0
        );
    }
}
