//! The tariffs and limits a roster asks for, applied after its import. They are changes to the
//! network, not to simfleet's records, so they run as bulk operations — one for the tariffs,
//! one for the limits, each line with the file's value as its own — with the bulk run's rules,
//! Provisioner, per-line results and retry. Started once per upload (each under a key of the
//! upload and kind), with the import's right as the one the lines are chosen under.
//!
//! The lines are worked out again from the file and the lines as they are now, so a line
//! already on the tariff asked for drops out.

use crate::authz::{Permit, Requester};
use crate::domain::Money;
use crate::services::bulk::change::BulkChange;
use crate::services::bulk::operation::{self, BulkError, Chosen, Confirm, Status};
use crate::store::Db;

use super::RosterError;
use super::plan::NetworkChange;

/// The permits the changes need: which kinds the list has.
pub fn needs(changes: &[NetworkChange]) -> (bool, bool) {
    (
        changes.iter().any(|c| c.tariff.is_some()),
        changes.iter().any(|c| c.limit_kop.is_some()),
    )
}

/// The confirm keys of an upload's operations: its tariffs, its limits.
fn keys(upload_id: i64) -> [String; 2] {
    [
        format!("roster-{upload_id}-tariffs"),
        format!("roster-{upload_id}-limits"),
    ]
}

/// What starts the changes: who asks, the right the lines are chosen under (the import's),
/// and each kind's own right where the file has that kind.
pub struct Start<'a> {
    pub requester: &'a Requester,
    pub import: &'a Permit,
    pub tariffs: Option<&'a Permit>,
    pub limits: Option<&'a Permit>,
    pub upload_id: i64,
    pub file_name: &'a str,
}

/// Confirms the upload's tariff and limit changes as bulk operations (once: a second start
/// answers the same ones); the operations' ids. A kind none of whose lines would change now
/// starts nothing.
pub async fn start(
    db: &Db,
    s: &Start<'_>,
    changes: &[NetworkChange],
) -> Result<Vec<i64>, RosterError> {
    let [tariff_key, limit_key] = keys(s.upload_id);
    let tariffs: Vec<(i64, Option<String>)> = changes
        .iter()
        .filter_map(|c| {
            c.tariff
                .as_ref()
                .map(|(_, to)| (c.line_id, Some(to.clone())))
        })
        .collect();
    let limits: Vec<(i64, Option<String>)> = changes
        .iter()
        .filter_map(|c| {
            c.limit_kop
                .map(|(_, kop)| (c.line_id, Some(Money::from_kopecks(kop).to_string())))
        })
        .collect();
    let kinds = [
        (
            s.tariffs,
            tariffs,
            BulkChange::ChangeTariff {
                tariff: String::new(),
            },
            tariff_key,
        ),
        (
            s.limits,
            limits,
            BulkChange::SetLimit {
                amount: String::new(),
                on_limit: None,
            },
            limit_key,
        ),
    ];
    let chosen = Chosen::Roster {
        upload_id: s.upload_id,
        file_name: s.file_name.to_owned(),
    };
    let mut started = Vec::new();
    for (permit, lines, change, key) in kinds {
        let Some(permit) = permit.filter(|_| !lines.is_empty()) else {
            continue;
        };
        let confirmed = operation::confirm(
            db,
            &Confirm {
                requester: s.requester,
                permit,
                chosen_under: s.import,
                change: &change,
                lines: &lines,
                chosen: &chosen,
                key: &key,
                retry_of: None,
            },
        )
        .await;
        match confirmed {
            Ok(c) => started.push(c.operation_id),
            Err(BulkError::Refused(crate::domain::Problem::NothingToRun)) => {}
            Err(BulkError::Db(e)) => return Err(RosterError::Db(e)),
            Err(e) => {
                tracing::error!(upload = s.upload_id, error = %e, "a roster's network changes not started");
                return Err(RosterError::Refused(crate::domain::Problem::Internal));
            }
        }
    }
    Ok(started)
}

/// The upload's operations (those the permit may see), each as it stands.
pub async fn operations(
    db: &Db,
    permit: &Permit,
    upload_id: i64,
) -> Result<Vec<Status>, RosterError> {
    let mut out = Vec::new();
    for key in keys(upload_id) {
        let id = {
            let mut conn = db.pool.acquire().await?;
            crate::store::bulk::by_key(&mut conn, permit, &key).await?
        };
        if let Some(id) = id {
            match operation::status(db, permit, id).await {
                Ok(status) => out.push(status),
                Err(BulkError::NotFound) => {}
                Err(BulkError::Db(e)) => return Err(RosterError::Db(e)),
                Err(e) => return Err(RosterError::Db(sqlx::Error::Protocol(e.to_string()))),
            }
        }
    }
    Ok(out)
}
