//! The one place that decides rights. A handler asks for a [`Permit`]; only a granted check
//! makes one, and store calls take the company (and, for delegated rights, the departments and
//! lines) from it, so a forgotten check does not compile into a working query.
//!
//! casbin holds the role lines of `policies/policy.csv` and the role links of every person
//! (memberships and live grants, through [`adapter::GrantsAdapter`]). It is checked under a
//! read lock; it is reloaded when the policy version read with the session moves (any
//! instance changed roles or grants) or when a grant runs out.

mod adapter;
mod requester;
mod rights;
pub mod scope;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use casbin::{CoreApi, DefaultModel, Enforcer, StringAdapter};
use tokio::sync::{Mutex, RwLock};

use crate::clock::Clock;
pub use crate::domain::{Actor, Holder, Operator, Scope, Scoped};
use crate::store::Db;

pub use adapter::GrantsAdapter;
pub use requester::Requester;
pub use rights::{Action, Object, Right};

const MODEL: &str = include_str!("../../policies/model.conf");
pub const POLICY: &str = include_str!("../../policies/policy.csv");

/// Who is asking, in which company, with which role there.
#[derive(Debug, Clone)]
pub struct Principal {
    pub holder: Holder,
    pub company_id: i64,
    pub role: String,
    pub actor: Actor,
}

impl Principal {
    /// The casbin subject: operator staff act as their role in every company; everyone else
    /// (a person or an API token) as themselves, linked to roles per company.
    fn subject(&self) -> String {
        if self.role == "staff" {
            "staff".into()
        } else {
            self.holder.subject()
        }
    }

    /// Whether the company's rule asks a second factor of this person and the session was
    /// opened without one: only admins are bound by it.
    pub fn owes_second_factor(&self, company_requires: bool, session_has_it: bool) -> bool {
        self.role == "admin" && company_requires && !session_has_it
    }

    /// An employee: their lines are their own number's.
    pub fn is_employee(&self) -> bool {
        self.role == "employee"
    }

    /// Whether the person's lines are limited to what grants (or their own number) cover.
    pub fn is_limited(&self) -> bool {
        matches!(self.role.as_str(), "manager" | "employee")
    }
}

/// Proof that a principal may do an action on an object in its company, over a scope. It
/// derefs to the [`Scoped`] value that store functions take.
#[derive(Debug, Clone)]
pub struct Permit {
    scoped: Scoped,
}

impl std::ops::Deref for Permit {
    type Target = Scoped;

    fn deref(&self) -> &Scoped {
        &self.scoped
    }
}

impl Permit {
    fn new(company_id: i64, actor: Actor, scope: Scope) -> Permit {
        Permit {
            scoped: Scoped::new(company_id, actor, scope),
        }
    }

    /// The same permit over the scope `authz::scope` found (delegated rights); only `authz`
    /// narrows a permit, so nothing outside can widen one.
    fn limited_to(self, scope: Scope) -> Permit {
        Permit {
            scoped: self.scoped.with_scope(scope),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not permitted: {object:?} {action:?}")]
pub struct Denied {
    pub object: Object,
    pub action: Action,
}

/// Where the enforcer's role links come from.
struct Source {
    db: Db,
    clock: Arc<Clock>,
}

/// A decision: who, in which company, what, how.
type Question = (String, i64, Object, Action);

/// At most this many decisions are remembered; past it the memory starts over.
const MAX_DECISIONS: usize = 200_000;

pub struct Authz {
    enforcer: RwLock<Enforcer>,
    /// casbin's answers for the loaded policy (its matcher runs once per policy line, so a
    /// page asking a dozen questions pays for each); emptied with every reload.
    decisions: std::sync::RwLock<std::collections::HashMap<Question, bool>>,
    source: Option<Source>,
    /// The policy version the enforcer was loaded at, and when its first grant runs out.
    loaded_version: AtomicI64,
    next_expiry: AtomicI64,
    reloading: Mutex<()>,
}

impl Authz {
    /// The enforcer over the database's roles and grants.
    pub async fn load(db: Db, clock: Arc<Clock>) -> anyhow::Result<Self> {
        let now = clock.now_ms();
        let model = DefaultModel::from_str(MODEL).await?;
        let adapter = GrantsAdapter {
            db: db.clone(),
            policy: POLICY,
            now,
        };
        let enforcer = Enforcer::new(model, adapter).await?;
        let authz = Self {
            enforcer: RwLock::new(enforcer),
            decisions: Default::default(),
            source: Some(Source { db, clock }),
            loaded_version: AtomicI64::new(-1),
            next_expiry: AtomicI64::new(i64::MAX),
            reloading: Mutex::new(()),
        };
        authz.reload(-1).await?;
        Ok(authz)
    }

    /// An enforcer over a fixed policy text (unit tests, benchmarks).
    pub async fn from_policy(policy: &str) -> anyhow::Result<Self> {
        let model = DefaultModel::from_str(MODEL).await?;
        let enforcer = Enforcer::new(model, StringAdapter::new(policy.to_owned())).await?;
        Ok(Self {
            enforcer: RwLock::new(enforcer),
            decisions: Default::default(),
            source: None,
            loaded_version: AtomicI64::new(0),
            next_expiry: AtomicI64::new(i64::MAX),
            reloading: Mutex::new(()),
        })
    }

    /// Reloads when the policy version read with the session differs from the loaded one, or
    /// a grant has run out since; one request reloads, the others wait for it.
    pub async fn refresh(&self, version: i64) -> anyhow::Result<()> {
        let Some(source) = &self.source else {
            return Ok(());
        };
        let stale = |now: i64| {
            self.loaded_version.load(Ordering::Acquire) != version
                || now >= self.next_expiry.load(Ordering::Acquire)
        };
        if !stale(source.clock.now_ms()) {
            return Ok(());
        }
        let _one = self.reloading.lock().await;
        if stale(source.clock.now_ms()) {
            self.reload(version).await?;
        }
        Ok(())
    }

    async fn reload(&self, version: i64) -> anyhow::Result<()> {
        let Some(source) = &self.source else {
            return Ok(());
        };
        let now = source.clock.now_ms();
        let model = DefaultModel::from_str(MODEL).await?;
        let adapter = GrantsAdapter {
            db: source.db.clone(),
            policy: POLICY,
            now,
        };
        // Built aside, swapped in: checks go on under the old one meanwhile.
        let fresh = Enforcer::new(model, adapter).await?;
        let next = crate::store::grants::next_expiry(&source.db, now)
            .await?
            .unwrap_or(i64::MAX);
        *self.enforcer.write().await = fresh;
        self.decisions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        self.next_expiry.store(next, Ordering::Release);
        self.loaded_version.store(version, Ordering::Release);
        tracing::debug!(version, "policy loaded");
        Ok(())
    }

    /// Whether the principal may do it (menus, buttons).
    pub async fn allows(&self, p: &Principal, object: Object, action: Action) -> bool {
        let question = (p.subject(), p.company_id, object, action);
        let known = self
            .decisions
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&question)
            .copied();
        if let Some(answer) = known {
            return answer;
        }
        let domain = format!("company:{}", p.company_id);
        // Asked under the enforcer's read lock, and remembered before it is let go: a
        // reload (which empties the memory) cannot slip in between.
        let enforcer = self.enforcer.read().await;
        let answer = enforcer
            .enforce((
                question.0.as_str(),
                domain.as_str(),
                object.as_str(),
                action.as_str(),
            ))
            .unwrap_or(false);
        let mut decisions = self
            .decisions
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if decisions.len() >= MAX_DECISIONS {
            decisions.clear();
        }
        decisions.insert(question, answer);
        drop(decisions);
        drop(enforcer);
        answer
    }

    /// Whether the principal may do it: a permit over the whole company, or, for a limited
    /// principal, one that becomes a permit only once narrowed to what their grants cover.
    pub async fn permit(
        &self,
        p: &Principal,
        object: Object,
        action: Action,
    ) -> Result<Decision, Denied> {
        if !self.allows(p, object, action).await {
            return Err(Denied { object, action });
        }
        let permit = Permit::new(p.company_id, p.actor.clone(), Scope::Company);
        if !p.is_limited() {
            return Ok(Decision::Whole(permit));
        }
        // The overview shows what the person may see of the lines.
        let right = Right::of(object, action).unwrap_or(Right::LinesView);
        Ok(Decision::Delegated(Delegated {
            permit,
            principal: p.clone(),
            right,
        }))
    }
}

/// What a granted check gives.
#[derive(Debug)]
pub enum Decision {
    Whole(Permit),
    /// A limited principal's yes: [`Delegated::narrowed`] makes the permit.
    Delegated(Delegated),
}

/// A limited principal's yes, not yet a permit: it covers what their grants cover once read.
#[derive(Debug)]
pub struct Delegated {
    permit: Permit,
    principal: Principal,
    right: Right,
}

impl Delegated {
    /// The permit over what the principal's live grants with the right cover at `now`
    /// (`departments`: the company's tree).
    pub async fn narrowed(
        self,
        conn: &mut sqlx::AnyConnection,
        now: i64,
        departments: &[crate::store::departments::Department],
    ) -> Result<Permit, sqlx::Error> {
        let scope = scope::delegated(conn, &self.principal, self.right, now, departments).await?;
        Ok(self.permit.limited_to(scope))
    }
}

/// A permit carried with a queued job: casbin granted it to the person who queued the job, and
/// the job acts for them (their company, scope and name in the audit log).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CarriedPermit {
    company_id: i64,
    user_id: Option<i64>,
    label: String,
    ip: String,
    /// The API token that acts (none: a person or the operator).
    #[serde(default)]
    token_id: Option<i64>,
    /// `None`: the whole company.
    scope: Option<(Vec<i64>, Vec<i64>)>,
}

impl Permit {
    pub fn carry(&self) -> CarriedPermit {
        let actor = self.actor();
        CarriedPermit {
            company_id: self.company_id(),
            user_id: actor.user_id,
            label: actor.label.clone(),
            ip: actor.ip.clone(),
            token_id: actor.token_id,
            scope: match self.scope() {
                Scope::Company => None,
                Scope::Only { departments, lines } => Some((departments.clone(), lines.clone())),
            },
        }
    }
}

impl CarriedPermit {
    pub fn company_id(&self) -> i64 {
        self.company_id
    }

    pub fn permit(self) -> Permit {
        let actor = Actor {
            user_id: self.user_id,
            label: self.label,
            ip: self.ip,
            token_id: self.token_id,
        };
        let scope = match self.scope {
            None => Scope::Company,
            Some((departments, lines)) => Scope::Only { departments, lines },
        };
        Permit::new(self.company_id, actor, scope)
    }
}

/// Proof that the operator itself acts, across companies: its CLI and demo (whoever runs them
/// holds the installation). It derefs to the [`Operator`] value that cross-company store
/// functions take, and acts inside one company through [`OperatorPermit::in_company`].
#[derive(Debug, Clone)]
pub struct OperatorPermit {
    operator: Operator,
}

impl std::ops::Deref for OperatorPermit {
    type Target = Operator;

    fn deref(&self) -> &Operator {
        &self.operator
    }
}

impl OperatorPermit {
    /// The operator's CLI, which acts outside any login.
    pub fn cli() -> Self {
        Self::tool("cli")
    }

    /// Another of the operator's tools (the demo), named so in the audit log.
    pub fn tool(label: &str) -> Self {
        let actor = Actor {
            label: label.into(),
            ..Actor::cli()
        };
        Self {
            operator: Operator::new(actor),
        }
    }

    /// The operator acting in one company, over all of it.
    pub fn in_company(&self, company_id: i64) -> Permit {
        Permit::new(company_id, self.operator.actor().clone(), Scope::Company)
    }
}

/// The same permit over `scope` (unit tests of rules that depend on a delegated scope).
#[cfg(test)]
pub(crate) fn limited(permit: Permit, scope: Scope) -> Permit {
    permit.limited_to(scope)
}

/// The same permit acting for a person (unit tests of rules that depend on who acts).
#[cfg(test)]
pub(crate) fn acting_as(permit: Permit, user_id: i64) -> Permit {
    let actor = Actor {
        user_id: Some(user_id),
        label: format!("user {user_id}"),
        ip: String::new(),
        token_id: None,
    };
    Permit::new(permit.company_id(), actor, permit.scope().clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(user_id: i64, role: &str) -> Principal {
        Principal {
            holder: Holder::User(user_id),
            company_id: 5,
            role: role.into(),
            actor: Actor::cli(),
        }
    }

    #[tokio::test]
    async fn roles_and_rights_come_from_role_links() {
        let policy = format!(
            "{POLICY}\ng, user:1, admin, company:5\ng, user:2, accountant, company:5\n\
             g, user:3, manager, company:5\ng, user:3, right:lines.tariff, company:5\n\
             g, user:4, admin, company:6\n"
        );
        let authz = Authz::from_policy(&policy).await.unwrap();
        let can = async |who: &Principal, o, a| authz.permit(who, o, a).await.is_ok();
        assert!(can(&principal(1, "admin"), Object::Lines, Action::Tariff).await);
        assert!(!can(&principal(1, "admin"), Object::LineBlocks, Action::Write).await);
        assert!(can(&principal(2, "accountant"), Object::Finance, Action::Read).await);
        assert!(!can(&principal(2, "accountant"), Object::Lines, Action::Services).await);
        assert!(can(&principal(3, "manager"), Object::Lines, Action::Tariff).await);
        assert!(!can(&principal(3, "manager"), Object::Lines, Action::Status).await);
        // An admin of another company is nobody here, whatever role the session claims.
        assert!(!can(&principal(4, "admin"), Object::Lines, Action::Read).await);
        assert!(can(&principal(99, "staff"), Object::LineBlocks, Action::Write).await);
        let Ok(Decision::Whole(permit)) = authz
            .permit(&principal(1, "admin"), Object::Lines, Action::Read)
            .await
        else {
            panic!("an admin's permit covers the whole company");
        };
        assert_eq!((permit.company_id(), permit.scope()), (5, &Scope::Company));
        assert!(matches!(
            authz
                .permit(&principal(3, "manager"), Object::Lines, Action::Tariff)
                .await,
            Ok(Decision::Delegated(_))
        ));
    }
}
