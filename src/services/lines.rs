//! Lines: adding numbers to a company, and reading them back for the pages.

use std::collections::HashSet;

use chrono::Utc;

use crate::authz::Permit;
use crate::domain::audit::{AddedLine, AuditEvent};
use crate::domain::{LineStatus, Msisdn, ParseError, Problem};
use crate::store::audit;
use crate::store::catalogue::{self, Tariff};
use crate::store::lines::{self, NewLine};
use crate::store::{Db, companies};

use super::UseCaseError;

/// Reads `FIRST-LAST` into every number between them (at most 100,000).
pub fn parse_range(range: &str) -> Result<Vec<Msisdn>, ParseError> {
    let (a, b) = range
        .split_once("..")
        .or_else(|| {
            range
                .rsplit_once('-')
                .filter(|(a, _)| Msisdn::parse(a).is_ok())
        })
        .ok_or(ParseError(Problem::RangeShape))?;
    let first = Msisdn::parse(a)?;
    let last = Msisdn::parse(b)?;
    let lo: u64 = first
        .national()
        .parse()
        .map_err(|_| ParseError(Problem::RangeShape))?;
    let hi: u64 = last
        .national()
        .parse()
        .map_err(|_| ParseError(Problem::RangeShape))?;
    if hi < lo {
        return Err(ParseError(Problem::RangeReversed));
    }
    if hi - lo >= 100_000 {
        return Err(ParseError(Problem::RangeTooLong { max: 100_000 }));
    }
    (lo..=hi).map(|n| Msisdn::parse(&n.to_string())).collect()
}

/// Reads a list of numbers, one per line (a CSV's first column); `#` starts a comment.
pub fn parse_list(text: &str) -> Result<Vec<Msisdn>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let cell = line
            .split([',', ';', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        if cell.is_empty() || cell.starts_with('#') {
            continue;
        }
        match Msisdn::parse(cell) {
            Ok(m) => out.push(m),
            // A header row is not an error.
            Err(_) if i == 0 && !cell.chars().any(|c| c.is_ascii_digit()) => {}
            Err(e) => {
                return Err(ParseError::new(Problem::InRow {
                    row: i + 1,
                    problem: Box::new(e.0),
                }));
            }
        }
    }
    Ok(out)
}

/// The ICCID of a new SIM for a number: 89 70 (telecom, Russia) + 120 (issuer) + the number +
/// the SIM generation + a Luhn digit: 20 digits.
pub fn iccid_for(msisdn: &Msisdn, generation: u32) -> String {
    let body = format!("8970120{}{:02}", msisdn.national(), generation % 100);
    format!("{body}{}", crate::domain::iccid::luhn_digit(&body))
}

/// The default tariff for new lines: the cheapest open business tariff with voice.
fn pick_tariff<'a>(tariffs: &'a [Tariff], code: Option<&str>) -> Result<&'a Tariff, UseCaseError> {
    let open = |t: &&Tariff| t.for_business != 0 && t.archived == 0;
    match code {
        Some(code) => tariffs
            .iter()
            .filter(open)
            .find(|t| t.code == code)
            .ok_or_else(|| {
                UseCaseError::field(
                    "tariff",
                    Problem::TariffNotForBusiness {
                        tariff_code: code.to_owned(),
                    },
                )
            }),
        None => tariffs
            .iter()
            .filter(open)
            .find(|t| t.minutes > 0)
            .ok_or_else(|| UseCaseError::field("tariff", Problem::NoBusinessTariffs)),
    }
}

pub fn new_line(m: &Msisdn, tariff_id: i64, status: LineStatus) -> NewLine {
    NewLine {
        msisdn: m.as_str().to_owned(),
        number_key: m.national().to_owned(),
        number_rev: m.reversed(),
        iccid: iccid_for(m, 0),
        status: status.as_str().to_owned(),
        tariff_id,
        department_id: None,
        employee_id: None,
        spend_limit_kop: None,
        activated_on: Utc::now().date_naive().to_string(),
    }
}

/// Adds numbers to the company. Refuses the whole batch if any number repeats or belongs to
/// anyone already; writes the lines and one audit entry each in one transaction.
pub async fn add(
    db: &Db,
    permit: &Permit,
    numbers: &[Msisdn],
    tariff_code: Option<&str>,
) -> Result<usize, UseCaseError> {
    let company = companies::get(db, permit)
        .await?
        .ok_or(UseCaseError::NotFound)?;
    if numbers.is_empty() {
        return Err(UseCaseError::field("number", Problem::NoNumbers));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = numbers.iter().find(|m| !seen.insert(m.as_str())) {
        return Err(UseCaseError::field(
            "number",
            Problem::NumberListedTwice {
                number: dup.display(),
            },
        ));
    }
    let tariffs = catalogue::tariffs_of_region(db, &company.region_code).await?;
    let tariff = pick_tariff(&tariffs, tariff_code)?;
    let rows: Vec<NewLine> = numbers
        .iter()
        .map(|m| new_line(m, tariff.id, LineStatus::Active))
        .collect();

    let mut tx = db.begin().await?;
    let taken = lines::taken(
        &mut tx,
        permit,
        &rows.iter().map(|l| l.msisdn.clone()).collect::<Vec<_>>(),
    )
    .await?;
    if let Some((msisdn, ours)) = taken.first() {
        let shown = Msisdn::parse(msisdn)
            .map(|m| m.display())
            .unwrap_or_else(|_| msisdn.clone());
        return Err(UseCaseError::field(
            "number",
            Problem::NumbersTaken {
                first: shown,
                ours: *ours,
                count: taken.len(),
            },
        ));
    }
    let ids = lines::insert_many(&mut tx, permit, &rows).await?;
    let events: Vec<AuditEvent> = ids
        .iter()
        .zip(&rows)
        .map(|(id, l)| AuditEvent::LineAdded {
            line_id: *id,
            line: AddedLine {
                msisdn: l.msisdn.clone(),
                iccid: l.iccid.clone(),
                tariff: tariff.code.clone(),
                status: l.status.clone(),
            },
        })
        .collect();
    audit::append_many(&mut tx, permit, &events).await?;
    tx.commit().await?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists() {
        let r = parse_range("+79160000000-+79160000009").unwrap();
        assert_eq!(r.len(), 10);
        assert_eq!(r[9].as_str(), "+79160000009");
        assert_eq!(parse_range("89160000000..89160000002").unwrap().len(), 3);
        assert!(parse_range("+79160000009-+79160000000").is_err());
        assert!(parse_range("+79160000000-+79169999999").is_err());
        let l = parse_list("number\n+7 916 000-00-01\n\n# spare\n89160000002;Иванов\n").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            parse_list("+79160000001\n12345\n").unwrap_err().0,
            Problem::InRow {
                row: 2,
                problem: Box::new(Problem::NumberTooShort {
                    input: "12345".into()
                })
            }
        );
    }

    #[test]
    fn iccids_carry_a_luhn_digit() {
        let m = Msisdn::parse("+79123456789").unwrap();
        let iccid = iccid_for(&m, 0);
        assert_eq!(iccid.len(), 20);
        assert!(crate::domain::Iccid::parse(&iccid).is_ok());
        assert_ne!(iccid_for(&m, 1), iccid);
    }
}
