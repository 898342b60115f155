//! The one place that decides rights. A handler asks for a [`Permit`]; only a granted check
//! makes one, and store calls take the company from it, so a forgotten check does not compile
//! into a working query.

use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use tokio::sync::RwLock;

use crate::store::audit::Actor;

const MODEL: &str = include_str!("../../policies/model.conf");
const POLICY: &str = include_str!("../../policies/policy.csv");

/// What is being touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    Overview,
    Lines,
    /// Operator blocks on lines (debt, unregistered user): staff only.
    LineBlocks,
    Departments,
    Employees,
    Audit,
}

impl Object {
    fn as_str(self) -> &'static str {
        match self {
            Object::Overview => "overview",
            Object::Lines => "lines",
            Object::LineBlocks => "line_blocks",
            Object::Departments => "departments",
            Object::Employees => "employees",
            Object::Audit => "audit",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
        }
    }
}

/// Who is asking, in which company, with which role there.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub company_id: i64,
    pub role: String,
    pub actor: Actor,
}

/// Proof that `principal` may do `action` on `object` in its company.
#[derive(Debug, Clone)]
pub struct Permit {
    company_id: i64,
    actor: Actor,
}

impl Permit {
    pub fn company_id(&self) -> i64 {
        self.company_id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not permitted: {object:?} {action:?}")]
pub struct Denied {
    pub object: Object,
    pub action: Action,
}

pub struct Authz {
    enforcer: RwLock<Enforcer>,
}

impl Authz {
    pub async fn load() -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL).await?;
        let enforcer = Enforcer::new(model, StringAdapter::new(POLICY)).await?;
        Ok(Self {
            enforcer: RwLock::new(enforcer),
        })
    }

    /// Checks under a read lock: requests never queue behind each other here.
    pub async fn permit(
        &self,
        p: &Principal,
        object: Object,
        action: Action,
    ) -> Result<Permit, Denied> {
        let domain = format!("company:{}", p.company_id);
        let allowed = self
            .enforcer
            .read()
            .await
            .enforce((
                p.role.as_str(),
                domain.as_str(),
                object.as_str(),
                action.as_str(),
            ))
            .unwrap_or(false);
        if allowed {
            Ok(Permit {
                company_id: p.company_id,
                actor: p.actor.clone(),
            })
        } else {
            Err(Denied { object, action })
        }
    }

    /// Whether the role may do it, for showing or hiding menu items.
    pub async fn allows(
        &self,
        role: &str,
        company_id: i64,
        object: Object,
        action: Action,
    ) -> bool {
        let domain = format!("company:{company_id}");
        self.enforcer
            .read()
            .await
            .enforce((role, domain.as_str(), object.as_str(), action.as_str()))
            .unwrap_or(false)
    }
}

/// A permit for the operator's own tools (CLI, demo), which act outside any login.
pub fn operator_permit(company_id: i64) -> Permit {
    Permit {
        company_id,
        actor: Actor::cli(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: &str) -> Principal {
        Principal {
            user_id: 1,
            company_id: 5,
            role: role.into(),
            actor: Actor::cli(),
        }
    }

    #[tokio::test]
    async fn roles_get_what_the_policy_gives() {
        let authz = Authz::load().await.unwrap();
        assert!(
            authz
                .permit(&principal("admin"), Object::Lines, Action::Write)
                .await
                .is_ok()
        );
        assert!(
            authz
                .permit(&principal("staff"), Object::Audit, Action::Read)
                .await
                .is_ok()
        );
        assert!(
            authz
                .permit(&principal("accountant"), Object::Lines, Action::Write)
                .await
                .is_err()
        );
        assert!(
            authz
                .permit(&principal(""), Object::Overview, Action::Read)
                .await
                .is_err()
        );
        let permit = authz
            .permit(&principal("admin"), Object::Lines, Action::Read)
            .await
            .unwrap();
        assert_eq!(permit.company_id(), 5);
    }
}
