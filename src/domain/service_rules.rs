//! Whether a service may be enabled on a line or disabled from it, and what a move to another
//! tariff does to the line's services: the catalogue's rules, one function each, on facts read
//! beforehand — for one line, or set-based for many (a bulk change reads the service or tariff
//! once and every line's services in a few statements).

use super::{LineStatus, Name, Problem, Refusal};

/// A catalogue service as its rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFacts {
    pub id: i64,
    pub name: Name,
    pub archived: bool,
    /// The tariffs it is limited to (none: every tariff).
    pub tariffs: Vec<i64>,
    /// The services it cannot be on with, whichever of the two names the other.
    pub excludes: Vec<i64>,
}

/// A line as the service rules see it.
#[derive(Debug, Clone, Copy)]
pub struct LineFacts<'a> {
    pub status: LineStatus,
    pub tariff_id: i64,
    pub tariff_name: &'a str,
    /// Its services, by id, with their names.
    pub services: &'a [(i64, Name)],
}

/// Why a service change cannot be made: the line's state, or the service on this line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    State(Refusal),
    Service(Problem),
}

/// Whether the service may be enabled: the line's state allows it, the line has it not, it is
/// open, fits the line's tariff and excludes none of the line's services.
pub fn enable(line: &LineFacts, s: &ServiceFacts) -> Result<(), Refused> {
    line.status
        .allows_service_changes()
        .map_err(Refused::State)?;
    let service = || s.name.clone();
    if line.services.iter().any(|(id, _)| *id == s.id) {
        return Err(Refused::Service(Problem::ServiceAlreadyOn {
            service: service(),
        }));
    }
    if s.archived {
        return Err(Refused::Service(Problem::ServiceClosed {
            service: service(),
        }));
    }
    if !s.tariffs.is_empty() && !s.tariffs.contains(&line.tariff_id) {
        return Err(Refused::Service(Problem::ServiceNotForTariff {
            service: service(),
            tariff: line.tariff_name.to_owned(),
        }));
    }
    let mut clash: Vec<Name> = line
        .services
        .iter()
        .filter(|(id, _)| s.excludes.contains(id))
        .map(|(_, name)| name.clone())
        .collect();
    if !clash.is_empty() {
        clash.sort_by(|a, b| a.ru.cmp(&b.ru));
        return Err(Refused::Service(Problem::ServiceClashes {
            service: service(),
            enabled: clash,
        }));
    }
    Ok(())
}

/// Whether the service may be disabled: the line's state allows it and the line has it.
pub fn disable(line: &LineFacts, s: &ServiceFacts) -> Result<(), Refused> {
    line.status
        .allows_service_changes()
        .map_err(Refused::State)?;
    if !line.services.iter().any(|(id, _)| *id == s.id) {
        return Err(Refused::Service(Problem::ServiceNotOn {
            service: s.name.clone(),
        }));
    }
    Ok(())
}

/// A tariff to move to, as the rules see it (already known to be of the company's region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TariffFacts {
    pub id: i64,
    pub name: String,
    /// Open to business customers and not archived.
    pub open: bool,
}

/// The services a move to the tariff drops (those limited to other tariffs), in the line's
/// order, or why the line cannot move. `limited_to` gives a service's tariffs (empty: all).
pub fn change_tariff<'a>(
    line: &LineFacts,
    new: &TariffFacts,
    limited_to: impl Fn(i64) -> &'a [i64],
) -> Result<Vec<i64>, Refused> {
    line.status
        .allows_service_changes()
        .map_err(Refused::State)?;
    if !new.open {
        return Err(Refused::Service(Problem::TariffClosed {
            tariff: new.name.clone(),
        }));
    }
    if new.id == line.tariff_id {
        return Err(Refused::Service(Problem::AlreadyOnTariff {
            tariff: new.name.clone(),
        }));
    }
    Ok(line
        .services
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| {
            let tariffs = limited_to(*id);
            !tariffs.is_empty() && !tariffs.contains(&new.id)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(ru: &str) -> Name {
        Name {
            ru: ru.into(),
            en: ru.into(),
        }
    }

    fn service(id: i64) -> ServiceFacts {
        ServiceFacts {
            id,
            name: name("Гудок"),
            archived: false,
            tariffs: Vec::new(),
            excludes: Vec::new(),
        }
    }

    fn code(r: Result<(), Refused>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(Refused::State(r)) => r.code(),
            Err(Refused::Service(p)) => p.code(),
        }
    }

    #[test]
    fn each_rule_of_the_catalogue_refuses_with_its_reason() {
        let services = [(7, name("Роуминг запрещён")), (8, name("Гудок"))];
        let line = LineFacts {
            status: LineStatus::Active,
            tariff_id: 1,
            tariff_name: "Бизнес Старт",
            services: &services,
        };
        assert_eq!(code(enable(&line, &service(9))), "ok");
        assert_eq!(code(enable(&line, &service(8))), "service_already_on");
        let closed = ServiceFacts {
            archived: true,
            ..service(9)
        };
        assert_eq!(code(enable(&line, &closed)), "service_closed");
        let elsewhere = ServiceFacts {
            tariffs: vec![2, 3],
            ..service(9)
        };
        assert_eq!(code(enable(&line, &elsewhere)), "service_not_for_tariff");
        let fits = ServiceFacts {
            tariffs: vec![1],
            ..service(9)
        };
        assert_eq!(code(enable(&line, &fits)), "ok");
        let roaming = ServiceFacts {
            excludes: vec![7],
            ..service(9)
        };
        assert_eq!(code(enable(&line, &roaming)), "service_clashes");
        assert_eq!(code(disable(&line, &service(8))), "ok");
        assert_eq!(code(disable(&line, &service(9))), "service_not_on");
        let suspended = LineFacts {
            status: LineStatus::Suspended,
            ..line
        };
        assert_eq!(code(enable(&suspended, &service(9))), "line_suspended");
        assert_eq!(code(disable(&suspended, &service(8))), "line_suspended");
    }

    #[test]
    fn a_move_to_another_tariff_drops_the_services_limited_to_others() {
        let services = [(7, name("Безлимит на мессенджеры")), (8, name("Гудок"))];
        let line = LineFacts {
            status: LineStatus::Active,
            tariff_id: 1,
            tariff_name: "Бизнес Старт",
            services: &services,
        };
        let limits = |id: i64| -> &'static [i64] {
            match id {
                7 => &[1],
                _ => &[],
            }
        };
        let max = TariffFacts {
            id: 2,
            name: "Бизнес Макс".into(),
            open: true,
        };
        assert_eq!(change_tariff(&line, &max, limits), Ok(vec![7]));
        let same = TariffFacts {
            id: 1,
            ..max.clone()
        };
        assert_eq!(
            code(change_tariff(&line, &same, limits).map(|_| ())),
            "already_on_tariff"
        );
        let closed = TariffFacts {
            open: false,
            ..max.clone()
        };
        assert_eq!(
            code(change_tariff(&line, &closed, limits).map(|_| ())),
            "tariff_closed"
        );
        let blocked = LineFacts {
            status: LineStatus::Blocked,
            ..line
        };
        assert_eq!(
            code(change_tariff(&blocked, &max, limits).map(|_| ())),
            "line_blocked"
        );
    }
}
