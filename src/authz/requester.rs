//! Who asked for work that runs later (a bulk operation), kept with the work so that each of
//! its steps asks again: a right revoked, a grant narrowed or a member blocked meanwhile
//! stops the rest of the work, as it would stop a request.

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::{Action, Authz, CarriedPermit, Decision, Holder, Object, Permit, Principal};
use crate::store::{departments, grants};

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Asker {
    User(i64),
    Token(i64),
    /// The operator's own tools: the whole company, always.
    Operator,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requester {
    asker: Asker,
    permit: CarriedPermit,
}

impl Requester {
    /// The principal who holds this permit (granted to them now).
    pub fn of(principal: &Principal, permit: &Permit) -> Self {
        let asker = match principal.holder {
            Holder::User(id) => Asker::User(id),
            Holder::Token(id) => Asker::Token(id),
        };
        Self {
            asker,
            permit: permit.carry(),
        }
    }

    /// The operator acting in a company through `permit` (an `OperatorPermit`'s).
    pub fn operator(permit: &Permit) -> Self {
        Self {
            asker: Asker::Operator,
            permit: permit.carry(),
        }
    }

    /// The permit as it was granted when the work was asked for.
    pub fn as_asked(&self) -> Permit {
        self.permit.clone().permit()
    }
}

impl Authz {
    /// The permit the requester holds now for the action, over what their rights cover now:
    /// none when they are no longer a member (or the token is revoked), are blocked, or the
    /// policy says no.
    pub async fn permit_now(
        &self,
        conn: &mut AnyConnection,
        requester: &Requester,
        object: Object,
        action: Action,
        now: i64,
    ) -> anyhow::Result<Option<Permit>> {
        let asked = requester.as_asked();
        let holder = match requester.asker {
            Asker::Operator => return Ok(Some(asked)),
            Asker::User(id) => Holder::User(id),
            Asker::Token(id) => Holder::Token(id),
        };
        let Some(role) = grants::live_role(conn, &asked, holder, now).await? else {
            return Ok(None);
        };
        self.refresh(grants::policy_version(conn).await?).await?;
        let principal = Principal {
            holder,
            company_id: asked.company_id(),
            role,
            actor: asked.actor().clone(),
        };
        Ok(match self.permit(&principal, object, action).await {
            Err(_) => None,
            Ok(Decision::Whole(permit)) => Some(permit),
            Ok(Decision::Delegated(delegated)) => {
                let tree = departments::all(conn, &asked).await?;
                let permit = delegated.narrowed(conn, now, &tree).await?;
                // Rights that cover nothing now are none.
                let nothing = matches!(permit.scope(), super::Scope::Only { departments, lines }
                    if departments.is_empty() && lines.is_empty());
                (!nothing).then_some(permit)
            }
        })
    }
}
