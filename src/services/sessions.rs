//! A person's own sessions ("Devices and sessions"): ending one of them, or all but this one.

use crate::authz::Permit;
use crate::domain::audit::AuditEvent;
use crate::store::audit;
use crate::store::{Db, sessions};

/// Which of one's own sessions to end.
#[derive(Debug, Clone, Copy)]
pub enum Ending<'a> {
    /// The one with this id.
    One(&'a str),
    /// Every other one than this.
    AllBut(&'a str),
}

/// Ends the permit's person's sessions, with an audit entry in the company they act in;
/// returns how many ended (none for a session that is not theirs).
pub async fn end_own(db: &Db, permit: &Permit, which: Ending<'_>) -> Result<u64, sqlx::Error> {
    let Some(user_id) = permit.actor().user_id else {
        return Ok(0);
    };
    let mut tx = db.begin().await?;
    let ended = match which {
        Ending::One(id) => u64::from(sessions::delete_own(&mut tx, user_id, id).await?),
        Ending::AllBut(id) => sessions::delete_others(&mut tx, user_id, id).await?,
    };
    if ended > 0 {
        let event = AuditEvent::SessionsEnded {
            user_id,
            sessions: ended as i64,
        };
        audit::append(&mut tx, permit, &event).await?;
    }
    tx.commit().await?;
    Ok(ended)
}
