//! An admin invites a person straight into a whole role (an accountant, another admin) by their
//! number and the name the company knows them by, without delegating rights. The person is told
//! by SMS as a grant's invitee is, within the same limits. Someone already in the company
//! changes role in the list instead.

use serde::Deserialize;

use crate::authz::Permit;
use crate::domain::audit::AuditEvent;
use crate::domain::{Msisdn, Problem};
use crate::services::{UseCaseError, required};
use crate::sms::SmsGateway;
use crate::store::{Db, audit, companies, grants, users};

/// The roles a person is invited into straight away.
pub const INVITED_ROLES: [&str; 2] = ["accountant", "admin"];

/// The invitation form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InviteInput {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
}

pub async fn invite(
    db: &Db,
    sms: &dyn SmsGateway,
    public_url: &str,
    permit: &Permit,
    input: &InviteInput,
    now: i64,
) -> Result<i64, UseCaseError> {
    if !permit.is_whole_company() {
        return Err(UseCaseError::NotFound);
    }
    let mut errors = Vec::new();
    let msisdn = Msisdn::parse(&input.number)
        .map_err(|e| errors.push(crate::services::FieldError::new("number", e.0)))
        .ok();
    let full_name = required("full_name", &input.full_name, 200)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let role = input.role.trim();
    if !INVITED_ROLES.contains(&role) {
        errors.push(crate::services::FieldError::new(
            "role",
            Problem::NoSuchRole {
                role: role.to_owned(),
            },
        ));
    }
    let Some(msisdn) = msisdn.filter(|_| errors.is_empty()) else {
        return Err(UseCaseError::Invalid(errors));
    };

    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let user_id = users::find_or_insert(&mut tx, msisdn.as_str(), &full_name).await?;
    if grants::role_of(&mut tx, permit, user_id).await?.is_some() {
        return Err(UseCaseError::field("number", Problem::AlreadyMember));
    }
    users::invite_member(&mut tx, permit, user_id, &full_name, now).await?;
    users::add_membership(&mut tx, permit, user_id, role, &full_name).await?;
    let text = super::invitation_allowed(&mut tx, permit, msisdn.as_str(), now).await?;
    let event = AuditEvent::MemberInvited {
        user_id,
        role: role.to_owned(),
    };
    audit::append(&mut tx, permit, &event).await?;
    let company = companies::legal_name(&mut tx, permit).await?;
    tx.commit().await?;
    if text {
        super::send_invitation(sms, public_url, &company, msisdn.as_str()).await;
    }
    Ok(user_id)
}
