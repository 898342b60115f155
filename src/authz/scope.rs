//! What a limited principal's permit covers. A manager's permit for a right covers what their
//! live grants with that right cover (a granted department with every department under it,
//! and single lines); an employee's covers their own number's lines.

use sqlx::AnyConnection;

use crate::services::departments::subtree;
use crate::store::departments::{self, Department};
use crate::store::grants;

use super::{Holder, Permit, Principal, Right, Scope};

/// The scope of `p`'s permit for `right` at `now`; `departments` is the company's tree.
pub async fn delegated(
    conn: &mut AnyConnection,
    p: &Principal,
    right: Right,
    now: i64,
    departments: &[Department],
) -> Result<Scope, sqlx::Error> {
    if let (Holder::User(user_id), true) = (p.holder, p.is_employee()) {
        let lines = grants::own_lines(conn, user_id, p.company_id).await?;
        return Ok(Scope::Only {
            departments: Vec::new(),
            lines,
        });
    }
    granted(conn, p.holder, p.company_id, right, now, departments).await
}

/// Rights a person holds, each with its permit, re-read on `conn` (a writing transaction):
/// each delegated permit then covers what the person's grants cover now, so a right revoked
/// since the request began covers nothing. A whole-company permit stays as it is.
pub async fn reread(
    conn: &mut AnyConnection,
    held: &[(Right, Permit)],
    now: i64,
) -> Result<Vec<(Right, Permit)>, sqlx::Error> {
    let mut tree = None;
    let mut out = Vec::with_capacity(held.len());
    for (right, permit) in held {
        let Some(user_id) = permit
            .actor()
            .user_id
            .filter(|_| !permit.is_whole_company())
        else {
            out.push((*right, permit.clone()));
            continue;
        };
        if tree.is_none() {
            tree = Some(departments::all(conn, permit).await?);
        }
        let tree = tree.as_deref().unwrap_or_default();
        let holder = Holder::User(user_id);
        let scope = granted(conn, holder, permit.company_id(), *right, now, tree).await?;
        out.push((*right, permit.clone().limited_to(scope)));
    }
    Ok(out)
}

/// `permit` for `right` re-read on `conn`, as [`reread`] does for several.
pub async fn fresh(
    conn: &mut AnyConnection,
    permit: &Permit,
    right: Right,
    now: i64,
) -> Result<Permit, sqlx::Error> {
    let mut held = reread(conn, &[(right, permit.clone())], now).await?;
    Ok(held.pop().map_or_else(|| permit.clone(), |(_, p)| p))
}

/// What the holder's live grants with `right` cover: each granted department with its subtree,
/// and single lines.
async fn granted(
    conn: &mut AnyConnection,
    holder: Holder,
    company_id: i64,
    right: Right,
    now: i64,
    departments: &[Department],
) -> Result<Scope, sqlx::Error> {
    let (granted, lines) = grants::covered(conn, now, holder, company_id, right.code()).await?;
    let mut covered: Vec<i64> = granted
        .iter()
        .flat_map(|d| subtree(departments, *d))
        .collect();
    covered.sort_unstable();
    covered.dedup();
    Ok(Scope::Only {
        departments: covered,
        lines,
    })
}
