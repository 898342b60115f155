//! One message for the next page after an action: «Сотрудник «Орлова Ольга» добавлен». It is
//! kept with the session (any instance serves the next page), shown by the next page built,
//! and then cleared.

use super::AppState;
use super::i18n::Lang;
use super::session::Cabinet;
use crate::error::AppError;
use crate::store::sessions;

/// What was just done; each is a translation key `flash.<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    EmployeeCreated,
    EmployeeSaved,
    EmployeeDeleted,
    DepartmentCreated,
    DepartmentSaved,
    DepartmentDeleted,
    GrantGiven,
    GrantRevoked,
    TokenRevoked,
    RoleSet,
    MemberBlocked,
    MemberUnblocked,
    MemberRemoved,
    SessionEnded,
    OtherSessionsEnded,
    PasswordChanged,
    MemberInvited,
}

impl Done {
    const ALL: [Done; 17] = [
        Done::EmployeeCreated,
        Done::EmployeeSaved,
        Done::EmployeeDeleted,
        Done::DepartmentCreated,
        Done::DepartmentSaved,
        Done::DepartmentDeleted,
        Done::GrantGiven,
        Done::GrantRevoked,
        Done::TokenRevoked,
        Done::RoleSet,
        Done::MemberBlocked,
        Done::MemberUnblocked,
        Done::MemberRemoved,
        Done::SessionEnded,
        Done::OtherSessionsEnded,
        Done::PasswordChanged,
        Done::MemberInvited,
    ];

    fn key(self) -> &'static str {
        match self {
            Done::EmployeeCreated => "flash.employee_created",
            Done::EmployeeSaved => "flash.employee_saved",
            Done::EmployeeDeleted => "flash.employee_deleted",
            Done::DepartmentCreated => "flash.department_created",
            Done::DepartmentSaved => "flash.department_saved",
            Done::DepartmentDeleted => "flash.department_deleted",
            Done::GrantGiven => "flash.grant_given",
            Done::GrantRevoked => "flash.grant_revoked",
            Done::TokenRevoked => "flash.token_revoked",
            Done::RoleSet => "flash.role_set",
            Done::MemberBlocked => "flash.member_blocked",
            Done::MemberUnblocked => "flash.member_unblocked",
            Done::MemberRemoved => "flash.member_removed",
            Done::SessionEnded => "flash.session_ended",
            Done::OtherSessionsEnded => "flash.other_sessions_ended",
            Done::PasswordChanged => "flash.password_changed",
            Done::MemberInvited => "flash.member_invited",
        }
    }
}

/// The separator of a kept message's key and its subject.
const SEP: char = '\u{1f}';

/// Keeps the message for the next page; `subject` (a name) is shown in quotes after it.
pub async fn say(
    state: &AppState,
    cab: &Cabinet,
    done: Done,
    subject: Option<&str>,
) -> Result<(), AppError> {
    let kept = match subject.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{}{SEP}{s}", done.key()),
        None => done.key().to_owned(),
    };
    let mut conn = cab.connection(state).await?;
    sessions::set_flash(&mut conn, &cab.session.id_hash, Some(&kept)).await?;
    Ok(())
}

/// The message kept for this page, in the page's language, and clears it.
pub async fn take(state: &AppState, cab: &Cabinet) -> Option<String> {
    let kept = cab.session.flash.as_deref()?;
    let cleared = async {
        let mut conn = cab.connection(state).await?;
        sessions::set_flash(&mut conn, &cab.session.id_hash, None).await?;
        Ok::<_, AppError>(())
    };
    if let Err(e) = cleared.await {
        tracing::warn!(error = %e, "a shown message was not cleared");
    }
    said(kept, cab.lang())
}

/// A kept message in words; one of no known kind (an older build's) is not shown.
fn said(kept: &str, lang: Lang) -> Option<String> {
    let (key, subject) = match kept.split_once(SEP) {
        Some((k, s)) => (k, Some(s)),
        None => (kept, None),
    };
    let done = Done::ALL.into_iter().find(|d| d.key() == key)?;
    let text = lang.t(done.key());
    Some(match subject {
        Some(s) => format!("{text}: «{s}»"),
        None => text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_reads_in_both_languages() {
        for done in Done::ALL {
            for lang in [Lang::Ru, Lang::En] {
                let text = said(done.key(), lang).expect("said");
                assert!(!text.contains("flash.") && text != "?", "{done:?} {lang:?}");
            }
        }
        assert_eq!(
            said("flash.employee_created\u{1f}Орлова Ольга", Lang::Ru).as_deref(),
            Some("Сотрудник добавлен: «Орлова Ольга»")
        );
        assert_eq!(
            said("flash.gone", Lang::Ru),
            None,
            "an unknown kind is not shown"
        );
    }
}
