//! Who may do what: delegated grants (rights over departments and lines, until a date) and the
//! company's members and their roles. A company always keeps at least one admin; a grant hands
//! on only rights the granter holds, over what the granter's rights cover. A delegated
//! «Управление пользователями» acts only on what lies wholly inside its scope (`reach`).

mod invite;
mod members;
mod reach;
mod tokens;

use crate::sms::texts;
use chrono::{Duration as Days, NaiveDate};

use crate::authz::{Permit, Right};
use crate::domain::audit::{AuditEvent, Grant, GrantRefused};
use crate::domain::{Msisdn, Problem};
use crate::sms::SmsGateway;
use crate::store::audit;
use crate::store::grants::{self, NewGrant};
use crate::store::{Db, Tx, companies, departments, limits, lines, users};

use super::limits::{DAY, Limit, MINUTE, PER_NUMBER, wait_minutes};
use super::{FieldError, UseCaseError, required};

pub use invite::{INVITED_ROLES, InviteInput, invite};
pub use members::{Listed, ROLES, Revocable, listed, remove_member, revoke, set_blocked, set_role};
pub use reach::{Target, reaches};
pub use tokens::{IssuedToken, TokenInput, create_token};

/// Invitation SMS from one company.
const INVITES_PER_COMPANY: [Limit; 2] = [(20, 10 * MINUTE), (100, DAY)];

/// Moscow: the dates people type are days there.
const MSK_OFFSET_MS: i64 = 3 * 3_600_000;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct GrantInput {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub full_name: String,
    /// Right codes (`lines.view`, `lines.tariff`, …).
    #[serde(default)]
    pub rights: Vec<String>,
    #[serde(default)]
    pub departments: Vec<i64>,
    /// Numbers of single lines, one per line or separated by commas.
    #[serde(default)]
    pub lines: String,
    /// `YYYY-MM-DD`, the last day the grant works; empty: until revoked.
    #[serde(default)]
    pub until: String,
}

/// The rights the granter holds, each with what it covers (one permit per right).
pub type Held = Vec<(Right, Permit)>;

pub struct Granted {
    pub grant_id: i64,
    pub user_id: i64,
    pub invited: bool,
    /// The invitation SMS goes out (not past the number's own limit).
    pub text_invitation: bool,
}

fn refused(field: &'static str, problem: impl Into<Problem>) -> FieldError {
    FieldError::new(field, problem)
}

/// The end of a day typed in Moscow time, as stored.
fn end_of_day(date: NaiveDate) -> i64 {
    let next = date + Days::days(1);
    next.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - MSK_OFFSET_MS)
        .unwrap_or(i64::MAX)
}

/// Grants rights (audited); a refusal is audited too and changes nothing else.
#[allow(clippy::too_many_arguments)]
pub async fn grant(
    db: &Db,
    sms: &dyn SmsGateway,
    public_url: &str,
    permit: &Permit,
    held: &Held,
    input: &GrantInput,
    now: i64,
) -> Result<Granted, UseCaseError> {
    match check_and_grant(db, permit, held, input, now).await {
        Ok((granted, company_name, msisdn)) => {
            if granted.text_invitation {
                send_invitation(sms, public_url, &company_name, &msisdn).await;
            }
            Ok(granted)
        }
        Err(UseCaseError::Invalid(errors)) => {
            let mut tx = db.begin().await?;
            let refused = GrantRefused {
                number: input.number.clone(),
                refused: errors
                    .iter()
                    .map(|e| (e.field.to_owned(), e.problem.clone()))
                    .collect(),
                reasons: Vec::new(),
            };
            audit::append(&mut tx, permit, &AuditEvent::GrantRefused(refused)).await?;
            tx.commit().await?;
            Err(UseCaseError::Invalid(errors))
        }
        Err(e) => Err(e),
    }
}

/// Checks and writes a grant. Whether the number is already someone's anywhere changes nothing
/// the granter sees or the person is sent: the name is always the one typed, and anyone not yet
/// a member of this company is invited.
async fn check_and_grant(
    db: &Db,
    permit: &Permit,
    held: &Held,
    input: &GrantInput,
    now: i64,
) -> Result<(Granted, String, String), UseCaseError> {
    let mut errors = Vec::new();
    let msisdn = Msisdn::parse(&input.number)
        .map_err(|e| errors.push(refused("number", e.0)))
        .ok();
    let full_name = required("full_name", &input.full_name, 200)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();

    let mut tx = db.begin().await?;
    let d = check_delegation(&mut tx, permit, held, &input.scope(), now, &mut errors).await?;
    if d.rights.is_empty() && input.rights.is_empty() {
        errors.push(refused("rights", Problem::NoRightChosen));
    }
    let Delegation {
        rights,
        departments,
        lines,
        expires_at,
    } = d;
    let Some(msisdn) = msisdn.filter(|_| errors.is_empty()) else {
        return Err(UseCaseError::Invalid(errors));
    };
    let user_id = users::find_or_insert(&mut tx, msisdn.as_str(), &full_name).await?;
    // A delegated manager grants to people new to the company, or to members it reaches
    // (never itself): anyone else is, to it, not there.
    if grants::role_of(&mut tx, permit, user_id).await?.is_some() {
        reach::check(&mut tx, permit, Target::Member(user_id), now).await?;
    }
    let invited = users::invite_member(&mut tx, permit, user_id, &full_name, now).await?;
    let text_invitation =
        invited && invitation_allowed(&mut tx, permit, msisdn.as_str(), now).await?;
    match grants::role_of(&mut tx, permit, user_id).await?.as_deref() {
        Some("admin") => {
            return Err(UseCaseError::field("number", Problem::IsAdmin));
        }
        Some("accountant") if !permit.is_whole_company() => {
            return Err(UseCaseError::field("number", Problem::IsAccountant));
        }
        _ => {}
    }
    let codes: Vec<&str> = rights.iter().map(|r| r.code()).collect();
    let line_ids: Vec<i64> = lines.iter().map(|(id, _)| *id).collect();
    let grant_id = grants::insert(
        &mut tx,
        permit,
        &NewGrant {
            holder: crate::domain::Holder::User(user_id),
            created_at: now,
            expires_at,
            rights: &codes,
            departments: &departments,
            lines: &line_ids,
            holder_name: &full_name,
        },
    )
    .await?;
    let grant = Grant {
        user_id,
        rights: codes.iter().map(|c| c.to_string()).collect(),
        departments: departments.clone(),
        lines: line_ids.clone(),
        expires_at,
    };
    audit::append(&mut tx, permit, &AuditEvent::Granted { grant_id, grant }).await?;
    let company_name = companies::legal_name(&mut tx, permit).await?;
    tx.commit().await?;
    Ok((
        Granted {
            grant_id,
            user_id,
            invited,
            text_invitation,
        },
        company_name,
        msisdn.as_str().to_owned(),
    ))
}

/// Tells a new member by SMS which company let them in and where to sign in by code; after the
/// writing transaction, and a failing gateway is only logged.
pub(super) async fn send_invitation(
    sms: &dyn SmsGateway,
    public_url: &str,
    company: &str,
    to: &str,
) {
    let url = format!("{}/login/code", public_url.trim_end_matches('/'));
    let text = texts::text(&texts::Invitation { company, url: &url });
    if let Err(e) = sms.send(to, &text).await {
        tracing::warn!(error = %e, "invitation sms not sent");
    }
}

/// Whether an invitation SMS may go out: past the company's limit the grant is refused
/// (nothing of it is written); past the number's own limit, which counts every company's
/// invitations, it is made without the SMS, and nothing says so, as nothing may tell one
/// company of another's. The rows counted are taken first, so invitations at once count one
/// after the other.
pub(super) async fn invitation_allowed(
    tx: &mut Tx,
    permit: &Permit,
    msisdn: &str,
    now: i64,
) -> Result<bool, UseCaseError> {
    limits::take(tx, &format!("invite:number:{msisdn}")).await?;
    limits::take(tx, &format!("invite:company:{}", permit.company_id())).await?;
    let (to_number, from_company) = grants::invitation_times(tx, permit, msisdn, now - DAY).await?;
    if let Some(minutes) = wait_minutes(&from_company, &INVITES_PER_COMPANY, now) {
        return Err(UseCaseError::field(
            "number",
            Problem::TooManyInvitations { minutes },
        ));
    }
    if wait_minutes(&to_number, &PER_NUMBER, now).is_some() {
        return Ok(false);
    }
    grants::record_invitation(tx, permit, msisdn, now).await?;
    Ok(true)
}

/// What a grant or a token hands on, as typed.
pub struct ScopeInput<'a> {
    pub rights: &'a [String],
    pub departments: &'a [i64],
    pub lines: &'a str,
    pub until: &'a str,
}

impl GrantInput {
    fn scope(&self) -> ScopeInput<'_> {
        ScopeInput {
            rights: &self.rights,
            departments: &self.departments,
            lines: &self.lines,
            until: &self.until,
        }
    }
}

/// Rights checked against the catalogue of rights, the company and what the granter holds.
struct Delegation {
    rights: Vec<Right>,
    departments: Vec<i64>,
    lines: Vec<(i64, Option<i64>)>,
    expires_at: Option<i64>,
}

/// Reads and checks the rights, departments, lines and date of a grant; problems go to
/// `errors`, each naming its field.
async fn check_delegation(
    tx: &mut Tx,
    permit: &Permit,
    held: &Held,
    scope: &ScopeInput<'_>,
    now: i64,
    errors: &mut Vec<FieldError>,
) -> Result<Delegation, sqlx::Error> {
    // What the granter holds is read again after the company's row is taken (revoking takes it
    // too): a right revoked while this request ran hands nothing on.
    companies::lock(tx, permit).await?;
    let held = &crate::authz::scope::reread(tx, held, now).await?;
    let mut rights: Vec<Right> = Vec::new();
    for code in scope.rights {
        match Right::parse(code) {
            Some(r) => rights.push(r),
            None => errors.push(refused(
                "rights",
                Problem::NoSuchRight {
                    right_code: code.to_string(),
                },
            )),
        }
    }
    // Any right on lines needs seeing them.
    if rights.iter().any(|r| r.is_on_lines()) {
        rights.push(Right::LinesView);
    }
    rights.sort();
    rights.dedup();

    let expires_at = match scope.until.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if end_of_day(d) <= now => {
                errors.push(refused("until", Problem::DateInThePast));
                None
            }
            Ok(d) => Some(end_of_day(d)),
            Err(_) => {
                errors.push(refused(
                    "until",
                    Problem::NotADate {
                        input: s.to_owned(),
                    },
                ));
                None
            }
        },
    };

    let mut departments = Vec::new();
    for d in scope.departments {
        match departments::get(tx, permit, *d).await? {
            Some(_) => departments.push(*d),
            None => errors.push(refused("departments", Problem::NoDepartment { id: *d })),
        }
    }
    departments.sort_unstable();
    departments.dedup();
    let mut lines: Vec<(i64, Option<i64>)> = Vec::new();
    for raw in scope
        .lines
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Ok(number) = Msisdn::parse(raw) else {
            errors.push(refused(
                "lines",
                Problem::NotAPhoneNumber {
                    input: raw.to_owned(),
                },
            ));
            continue;
        };
        match lines::by_number(tx, permit, number.as_str()).await? {
            Some(found) => lines.push((found.id, found.department_id)),
            None => errors.push(refused(
                "lines",
                Problem::NotTheCompanysNumber {
                    number: number.display(),
                },
            )),
        }
    }
    // A right a scope limits is given over somewhere: with none it would cover nothing, and
    // look to every delegated manager like a grant inside their own scope.
    let scoped = rights.iter().any(|r| r.is_scoped());
    if scoped && departments.is_empty() && lines.is_empty() {
        errors.push(refused("departments", Problem::NoScopeChosen));
    }

    // Only what the granter holds, over what the granter's rights cover.
    for right in &rights {
        let Some((_, permit)) = held.iter().find(|(r, _)| r == right) else {
            errors.push(refused(
                "rights",
                Problem::RightNotHeld {
                    right: right.code().to_owned(),
                },
            ));
            continue;
        };
        if !right.is_scoped() {
            // Company-wide rights are the admins' to hand on: a delegated manager could never
            // see or revoke such a grant again.
            if !permit.is_whole_company() {
                errors.push(refused(
                    "rights",
                    Problem::RightOnlyAdmins {
                        right: right.code().to_owned(),
                    },
                ));
            }
            continue;
        }
        // Nor for longer than the granter holds it.
        if !permit.is_whole_company()
            && let Some(Some(end)) = grants::own_end(tx, permit, right.code(), now).await?
            && expires_at.is_none_or(|at| at > end)
        {
            let last_day = chrono::DateTime::from_timestamp_millis(end - 1 + MSK_OFFSET_MS)
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default();
            errors.push(refused(
                "until",
                Problem::RightEndsSooner {
                    right: right.code().to_owned(),
                    last_day,
                },
            ));
        }
        if let Some(d) = departments.iter().find(|d| !permit.covers_department(**d)) {
            errors.push(refused(
                "departments",
                Problem::DepartmentOutsideRight {
                    id: *d,
                    right: right.code().to_owned(),
                },
            ));
        }
        if lines
            .iter()
            .any(|(id, dept)| !permit.covers_line(*id, *dept))
        {
            errors.push(refused(
                "lines",
                Problem::LinesOutsideRight {
                    right: right.code().to_owned(),
                },
            ));
        }
    }

    Ok(Delegation {
        rights,
        departments,
        lines,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_ends_at_midnight_in_moscow() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        // 2027-01-01 00:00 MSK = 2026-12-31 21:00 UTC.
        assert_eq!(end_of_day(d), 1_798_750_800_000);
    }
}
