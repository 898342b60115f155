//! The company's members, their roles and blocks, and revoking grants and tokens. An admin acts
//! on anyone but keeps the company an admin; a delegated «Управление пользователями» acts only on
//! what it reaches (`reach`), never sets a role, and finds anything else not there.
//!
//! Each change takes the company's row first, as granting does: two admins demoting each other
//! at once cannot leave the company without one, and a grant and the revoking of its granter's
//! right run one after the other.

use crate::authz::Permit;
use crate::domain::Problem;
use crate::domain::audit::AuditEvent;
use crate::store::api_tokens::{self, TokenRow};
use crate::store::audit;
use crate::store::grants::{self, GrantRow, Member};
use crate::store::{Db, Tx, companies};

use super::reach::{Target, check as reach, reaches};
use crate::services::UseCaseError;

/// What the access page lists: what the permit reaches.
pub struct Listed {
    pub members: Vec<Member>,
    pub grants: Vec<GrantRow>,
    pub tokens: Vec<TokenRow>,
}

/// The members, grants and tokens the permit (over users) reaches.
pub async fn listed(db: &Db, permit: &Permit, now: i64) -> Result<Listed, UseCaseError> {
    let mut members = grants::members(db, permit).await?;
    let mut grant_rows = grants::list(db, permit).await?;
    let mut tokens = api_tokens::list(db, permit).await?;
    if !permit.is_whole_company() {
        let holdings = grants::holdings(&mut *db.pool.acquire().await?, permit, now).await?;
        let me = permit.actor().user_id;
        // One's own membership shows (one cannot act on it); the rest only where reached.
        members.retain(|m| {
            Some(m.user_id) == me || reaches(permit, &holdings, Target::Member(m.user_id))
        });
        grant_rows.retain(|g| reaches(permit, &holdings, Target::Grant(g.id)));
        tokens.retain(|t| reaches(permit, &holdings, Target::Token(t.id)));
    }
    Ok(Listed {
        members,
        grants: grant_rows,
        tokens,
    })
}

/// What can be revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocable {
    Grant,
    Token,
}

/// Revokes a grant or an API token of the company (audited); it stops working on the
/// grantee's (or the token's) next request.
pub async fn revoke(
    db: &Db,
    permit: &Permit,
    what: Revocable,
    id: i64,
    now: i64,
) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let target = match what {
        Revocable::Grant => Target::Grant(id),
        Revocable::Token => Target::Token(id),
    };
    reach(&mut tx, permit, target, now).await?;
    let (revoked, event) = match what {
        Revocable::Grant => (
            grants::revoke(&mut tx, permit, id, now).await?,
            AuditEvent::GrantRevoked { grant_id: id },
        ),
        Revocable::Token => (
            api_tokens::revoke(&mut tx, permit, id, now).await?,
            AuditEvent::TokenRevoked { token_id: id },
        ),
    };
    if !revoked {
        return Err(UseCaseError::NotFound);
    }
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

pub const ROLES: [&str; 3] = ["admin", "manager", "accountant"];

/// Sets a member's role, keeping at least one admin (audited). Roles are company-wide: only a
/// permit over the whole company sets them.
pub async fn set_role(
    db: &Db,
    permit: &Permit,
    user_id: i64,
    role: &str,
) -> Result<(), UseCaseError> {
    if !permit.is_whole_company() {
        return Err(UseCaseError::NotFound);
    }
    if !ROLES.contains(&role) && role != "employee" {
        return Err(UseCaseError::field(
            "role",
            Problem::NoSuchRole {
                role: role.to_owned(),
            },
        ));
    }
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    let Some(before) = grants::role_of(&mut tx, permit, user_id).await? else {
        return Err(UseCaseError::NotFound);
    };
    keep_an_admin(&mut tx, permit, before == "admin" && role != "admin").await?;
    crate::store::users::add_membership(&mut tx, permit, user_id, role, "").await?;
    let event = AuditEvent::RoleSet {
        user_id,
        was: before,
        now: role.to_owned(),
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change by which an admin stops acting as one (`leaving`) when they are the
/// company's last.
async fn keep_an_admin(tx: &mut Tx, permit: &Permit, leaving: bool) -> Result<(), UseCaseError> {
    if leaving && grants::admin_count(tx, permit).await? <= 1 {
        return Err(UseCaseError::field("role", Problem::LastAdmin));
    }
    Ok(())
}

/// Blocks a member (their sessions in the company end at once, their role and grants stop
/// working but are kept) or lets them back; the last admin cannot be blocked, nor oneself. A
/// block an admin set is lifted only by an admin.
pub async fn set_blocked(
    db: &Db,
    permit: &Permit,
    user_id: i64,
    block: bool,
    now: i64,
) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    // A delegated manager finds themselves not there; an admin is told why.
    reach(&mut tx, permit, Target::Member(user_id), now).await?;
    if block && permit.actor().user_id == Some(user_id) {
        return Err(UseCaseError::field("role", Problem::CannotBlockSelf));
    }
    let Some(role) = grants::role_of(&mut tx, permit, user_id).await? else {
        return Err(UseCaseError::NotFound);
    };
    keep_an_admin(&mut tx, permit, block && role == "admin").await?;
    let by_admin = permit.is_whole_company();
    if !block && !by_admin && grants::blocked_by_admin(&mut tx, permit, user_id).await? {
        return Err(UseCaseError::field("role", Problem::AdminsBlock));
    }
    grants::set_blocked(&mut tx, permit, user_id, block.then_some(now), by_admin).await?;
    let event = if block {
        AuditEvent::MemberBlocked { user_id, role }
    } else {
        AuditEvent::MemberUnblocked { user_id, role }
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member from the company: role gone, grants revoked, sessions in it ended; the
/// last admin stays (audited).
pub async fn remove_member(
    db: &Db,
    permit: &Permit,
    user_id: i64,
    now: i64,
) -> Result<(), UseCaseError> {
    let mut tx = db.begin().await?;
    companies::lock(&mut tx, permit).await?;
    reach(&mut tx, permit, Target::Member(user_id), now).await?;
    let Some(before) = grants::role_of(&mut tx, permit, user_id).await? else {
        return Err(UseCaseError::NotFound);
    };
    keep_an_admin(&mut tx, permit, before == "admin").await?;
    grants::remove_member(&mut tx, permit, user_id, now).await?;
    let event = AuditEvent::MemberRemoved {
        user_id,
        role: before,
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}
