//! What a permit over users reaches. An admin (or the operator) reaches the whole company. A
//! delegated «Управление пользователями» reaches only what lies wholly inside its own scope:
//! grants and rights tokens whose every right is one a scope limits and whose departments and
//! lines it covers, and members whose every live grant does so (an employee: whose own line it
//! covers too). Never an admin, an accountant, a role token or the holder themselves; a member
//! with neither grants nor a line is the admins' alone. Everything else is, to them, not there.

use crate::authz::{Permit, Right};
use crate::domain::Holder;
use crate::services::UseCaseError;
use crate::store::Tx;
use crate::store::grants::{self, HeldGrant, Holdings};

/// Refuses, as not found, a target a delegated permit does not reach. Judged inside the writing
/// transaction (after the company's row is taken) with the manager's rights as they are now, so
/// what it judged is what is changed, and a right revoked meanwhile reaches nothing.
pub async fn check(
    tx: &mut Tx,
    permit: &Permit,
    target: Target,
    now: i64,
) -> Result<(), UseCaseError> {
    if permit.is_whole_company() {
        return Ok(());
    }
    let permit = crate::authz::scope::fresh(tx, permit, Right::UsersManage, now).await?;
    let holdings = grants::holdings(tx, &permit, now).await?;
    if reaches(&permit, &holdings, target) {
        Ok(())
    } else {
        Err(UseCaseError::NotFound)
    }
}

/// Something on the access page one may act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Grant(i64),
    Token(i64),
    Member(i64),
}

/// Whether `permit` (over users) reaches `target`, given the company's `holdings` (read only
/// for a delegated permit: the whole company's reaches everything).
pub fn reaches(permit: &Permit, holdings: &Holdings, target: Target) -> bool {
    if permit.is_whole_company() {
        return true;
    }
    let me = permit.actor().user_id;
    let role = |user: i64| {
        holdings
            .roles
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, r)| r.as_str())
    };
    // A grant inside the scope, held by someone a delegated manager may act on.
    let grant_inside = |g: &HeldGrant| {
        let holder_ok = match g.holder {
            Holder::User(u) => Some(u) != me && matches!(role(u), Some("manager" | "employee")),
            Holder::Token(t) => holdings
                .tokens
                .iter()
                .any(|(id, r)| *id == t && r == "manager"),
        };
        holder_ok
            && !(g.departments.is_empty() && g.lines.is_empty())
            && g.rights
                .iter()
                .all(|code| Right::parse(code).is_some_and(Right::is_scoped))
            && g.departments.iter().all(|d| permit.covers_department(*d))
            && g.lines.iter().all(|(l, d)| permit.covers_line(*l, *d))
    };
    match target {
        Target::Grant(id) => holdings
            .grants
            .iter()
            .find(|g| g.id == id)
            .is_some_and(grant_inside),
        Target::Token(id) => {
            let mut of_token = holdings
                .grants
                .iter()
                .filter(|g| g.holder == Holder::Token(id))
                .peekable();
            of_token.peek().is_some() && of_token.all(grant_inside)
        }
        Target::Member(user) => {
            let Some(role) = role(user).filter(|_| Some(user) != me) else {
                return false;
            };
            let mut grants = holdings
                .grants
                .iter()
                .filter(|g| g.holder == Holder::User(user))
                .peekable();
            let has_grants = grants.peek().is_some();
            let grants_inside = grants.all(grant_inside);
            match role {
                "manager" => has_grants && grants_inside,
                "employee" => {
                    let mut own = holdings
                        .own_lines
                        .iter()
                        .filter(|(u, _, _)| *u == user)
                        .peekable();
                    let has_line = own.peek().is_some();
                    let lines_inside = own.all(|(_, l, d)| permit.covers_line(*l, *d));
                    (has_grants || has_line) && grants_inside && lines_inside
                }
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{OperatorPermit, Scope};

    fn delegated(me: i64) -> Permit {
        let mut permit = crate::authz::limited(
            OperatorPermit::cli().in_company(1),
            Scope::Only {
                departments: vec![10, 11],
                lines: vec![100],
            },
        );
        permit = crate::authz::acting_as(permit, me);
        permit
    }

    fn grant(
        id: i64,
        holder: Holder,
        departments: Vec<i64>,
        lines: Vec<(i64, Option<i64>)>,
    ) -> HeldGrant {
        HeldGrant {
            id,
            holder,
            rights: vec!["lines.view".into()],
            departments,
            lines,
        }
    }

    fn holdings() -> Holdings {
        Holdings {
            roles: vec![
                (1, "manager".into()),
                (2, "manager".into()),
                (3, "manager".into()),
                (4, "accountant".into()),
                (5, "admin".into()),
                (6, "employee".into()),
                (7, "employee".into()),
                (8, "manager".into()),
            ],
            tokens: vec![
                (50, "manager".into()),
                (51, "admin".into()),
                (52, "manager".into()),
            ],
            grants: vec![
                // The manager's own grant.
                grant(1, Holder::User(1), vec![10], vec![]),
                // Inside: a department and a single line of the scope.
                grant(
                    2,
                    Holder::User(2),
                    vec![11],
                    vec![(100, None), (101, Some(10))],
                ),
                // One inside, one outside.
                grant(3, Holder::User(3), vec![10], vec![]),
                grant(4, Holder::User(3), vec![12], vec![]),
                grant(5, Holder::User(4), vec![10], vec![]),
                grant(6, Holder::Token(50), vec![10], vec![]),
                grant(7, Holder::Token(52), vec![], vec![(102, Some(12))]),
                HeldGrant {
                    rights: vec!["finance.view".into()],
                    ..grant(8, Holder::User(8), vec![10], vec![])
                },
            ],
            own_lines: vec![(6, 103, Some(11)), (7, 104, Some(12))],
        }
    }

    #[test]
    fn a_delegated_manager_reaches_only_what_lies_inside() {
        let p = delegated(1);
        let h = holdings();
        let yes = [
            Target::Grant(2),
            Target::Grant(3),
            Target::Member(2),
            Target::Token(50),
            Target::Member(6),
        ];
        let no = [
            Target::Grant(1),  // their own
            Target::Member(1), // themselves
            Target::Grant(4),  // outside
            Target::Member(3), // one grant outside
            Target::Grant(5),  // an accountant's
            Target::Member(4),
            Target::Member(5), // an admin
            Target::Token(51), // a role token
            Target::Token(52), // a line outside
            Target::Member(7), // an employee whose line is outside
            Target::Grant(8),  // a company-wide right
            Target::Member(8),
            Target::Grant(99), // no such grant
            Target::Member(99),
        ];
        for t in yes {
            assert!(reaches(&p, &h, t), "{t:?}");
        }
        for t in no {
            assert!(!reaches(&p, &h, t), "{t:?}");
        }
        let admin = crate::authz::acting_as(OperatorPermit::cli().in_company(1), 5);
        assert!(no.iter().all(|t| reaches(&admin, &h, *t)));
    }
}
