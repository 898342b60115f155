//! Whether a service may be enabled on a line or disabled from it: the catalogue's rules, one
//! function each, on facts read beforehand — for one line, or set-based for many (a bulk change
//! reads the service once and every line's services in a few statements).

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
}
