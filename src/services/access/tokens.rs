//! API tokens for the company's systems: a role's (admin, accountant: an admin's to issue) or
//! chosen rights over chosen departments and lines (handed on like a grant).

use crate::authz::Permit;
use crate::domain::Holder;
use crate::domain::Problem;
use crate::domain::audit::{AuditEvent, NewToken};
use crate::services::{UseCaseError, auth, required};
use crate::store::audit;
use crate::store::grants::{self, NewGrant};
use crate::store::{Db, api_tokens};

use super::{Held, ScopeInput, check_delegation, refused};

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TokenInput {
    #[serde(default)]
    pub name: String,
    /// `accountant`, `admin`, or `rights` (only the rights below, over the scope below).
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub rights: Vec<String>,
    #[serde(default)]
    pub departments: Vec<i64>,
    #[serde(default)]
    pub lines: String,
    #[serde(default)]
    pub until: String,
}

/// A new token: its id and the secret, shown once and never stored.
pub struct IssuedToken {
    pub id: i64,
    pub secret: String,
}

/// Issues an API token for the company's systems (audited, the secret never). Admin and
/// accountant tokens are an admin's to issue; a token with chosen rights hands on only what
/// the issuer holds, like a grant.
pub async fn create_token(
    db: &Db,
    permit: &Permit,
    held: &Held,
    input: &TokenInput,
    now: i64,
) -> Result<IssuedToken, UseCaseError> {
    let mut errors = Vec::new();
    let name = required("name", &input.name, 100)
        .map_err(|e| errors.push(e))
        .unwrap_or_default();
    let mut tx = db.begin().await?;
    let scope = ScopeInput {
        rights: &input.rights,
        departments: &input.departments,
        lines: &input.lines,
        until: &input.until,
    };
    let d = check_delegation(&mut tx, permit, held, &scope, now, &mut errors).await?;
    let role = match input.role.as_str() {
        "admin" | "accountant" if permit.is_whole_company() => input.role.as_str(),
        "admin" | "accountant" => {
            errors.push(refused("role", Problem::TokenOnlyAdmins));
            ""
        }
        "rights" if d.rights.is_empty() && input.rights.is_empty() => {
            errors.push(refused("rights", Problem::NoRightChosen));
            ""
        }
        "rights" => "manager",
        other => {
            errors.push(refused(
                "role",
                Problem::NoSuchRole {
                    role: other.to_owned(),
                },
            ));
            ""
        }
    };
    if !errors.is_empty() {
        return Err(UseCaseError::Invalid(errors));
    }
    let secret = format!("sft_{}", auth::new_token());
    let id = api_tokens::insert(
        &mut tx,
        permit,
        &api_tokens::NewToken {
            name: &name,
            token_hash: &auth::token_hash(&secret),
            prefix: &secret[..12],
            role,
            created_at: now,
            expires_at: d.expires_at,
        },
    )
    .await?;
    let codes: Vec<&str> = d.rights.iter().map(|r| r.code()).collect();
    if role == "manager" {
        let line_ids: Vec<i64> = d.lines.iter().map(|(id, _)| *id).collect();
        grants::insert(
            &mut tx,
            permit,
            &NewGrant {
                holder: Holder::Token(id),
                created_at: now,
                expires_at: d.expires_at,
                rights: &codes,
                departments: &d.departments,
                lines: &line_ids,
                holder_name: "",
            },
        )
        .await?;
    }
    let token = NewToken {
        name,
        role: role.to_owned(),
        rights: codes.iter().map(|c| c.to_string()).collect(),
        expires_at: d.expires_at,
    };
    let event = AuditEvent::TokenCreated {
        token_id: id,
        token,
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(IssuedToken { id, secret })
}
