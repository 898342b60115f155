//! The operator's actions on a person's account: disabling it everywhere, and erasing the
//! personal data of someone who has left (152-ФЗ).

use crate::authz::OperatorPermit;
use crate::domain::Msisdn;
use crate::domain::Problem;
use crate::domain::audit::AuditEvent;
use crate::store::audit;
use crate::store::{Db, sessions, users};

use super::UseCaseError;

async fn find(db: &Db, number: &str) -> Result<users::User, UseCaseError> {
    let msisdn = Msisdn::parse(number).map_err(|e| UseCaseError::field("number", e.0))?;
    users::find_by_msisdn(db, msisdn.as_str())
        .await?
        .ok_or(UseCaseError::NotFound)
}

/// Disables (or enables again) a person's account in every company: a disabled account
/// cannot sign in, and its sessions end at once.
pub async fn set_disabled(
    db: &Db,
    operator: &OperatorPermit,
    number: &str,
    disabled: bool,
) -> Result<(), UseCaseError> {
    let user = find(db, number).await?;
    let mut tx = db.begin().await?;
    users::set_disabled(&mut tx, operator, user.id, disabled).await?;
    let ended = if disabled {
        sessions::delete_for_user(&mut tx, user.id).await?
    } else {
        0
    };
    let event = if disabled {
        AuditEvent::UserDisabled {
            user_id: user.id,
            sessions_ended: ended as i64,
        }
    } else {
        AuditEvent::UserEnabled { user_id: user.id }
    };
    audit::append_operator(&mut tx, operator, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Erases the personal data of a person who belongs to no company any more: name, e-mail,
/// password, second factor, sessions and the browsers seen. The account stays, disabled and
/// nameless, so the audit log's entries (which name people only by id) keep pointing at it.
pub async fn erase(db: &Db, operator: &OperatorPermit, number: &str) -> Result<(), UseCaseError> {
    let user = find(db, number).await?;
    if user.is_staff != 0 {
        return Err(UseCaseError::field("number", Problem::IsStaff));
    }
    let mut tx = db.begin().await?;
    let companies = users::membership_count(&mut tx, user.id).await?;
    if companies > 0 {
        return Err(UseCaseError::field(
            "number",
            Problem::StillMember { companies },
        ));
    }
    users::erase(&mut tx, operator, user.id).await?;
    let event = AuditEvent::UserErased { user_id: user.id };
    audit::append_operator(&mut tx, operator, &event).await?;
    tx.commit().await?;
    Ok(())
}
