//! The tariffs and limits a roster asks for, applied after its import. They are changes to the
//! network, not to simfleet's records, so each goes through the Provisioner as a single-line
//! change — the line card's path, with its rules, its price and its own audit entry — in a
//! durable job the admin starts from the import's page.
//!
//! The list is worked out again from the file and the lines as they are now, so a line already
//! moved to the tariff asked for drops out of it; each change also carries a key made of the
//! upload, the line and the kind, so a job resumed after a crash never sends one twice.

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::authz::{CarriedPermit, Permit};
use crate::domain::Money;
use crate::jobs::{Context, Handler, JobError};
use crate::provisioning::Provisioner;
use crate::services::line_changes::{self, ChangeError, LineChange};
use crate::store::Db;
use crate::store::roster as store;

use super::plan::NetworkChange;
use super::{Options, RosterError};

pub const KIND: &str = "roster.network";

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub upload_id: i64,
    pub options: Options,
    /// The right to import (to read the file against the company's lines).
    pub import: CarriedPermit,
    /// The rights the changes use: present when the file asks for such changes.
    pub tariffs: Option<CarriedPermit>,
    pub limits: Option<CarriedPermit>,
}

/// What the job did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub applied: usize,
    pub failed: Vec<Failure>,
}

/// A change the network or the rules refused, at its row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub row: usize,
    pub number: String,
    /// Why, as problems.
    #[serde(default)]
    pub problems: Vec<crate::domain::Problem>,
    /// Why, in Russian, as results written before refusals were codes hold it.
    #[serde(default)]
    pub reason: String,
}

/// The permits the changes need: which kinds the list has.
pub fn needs(changes: &[NetworkChange]) -> (bool, bool) {
    (
        changes.iter().any(|c| c.tariff.is_some()),
        changes.iter().any(|c| c.limit_kop.is_some()),
    )
}

/// A job payload that does not serialise (it cannot: its values are plain data), logged.
fn unwritable(e: serde_json::Error) -> RosterError {
    tracing::error!(error = %e, "a roster job's payload does not serialise");
    RosterError::Refused(crate::domain::Problem::Internal)
}

/// Queues the network changes of an applied import, once; the job's id.
pub async fn queue(
    db: &Db,
    payload: &Payload,
    total: usize,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64, RosterError> {
    let permit = payload.import.clone().permit();
    let text = serde_json::to_string(payload).map_err(unwritable)?;
    let mut tx = db.begin().await?;
    let job_id = crate::store::jobs::enqueue(
        &mut tx,
        &permit,
        &crate::store::jobs::NewJob {
            queue: None,
            kind: KIND,
            payload: &text,
            total: total as i64,
            created_by,
            now,
        },
    )
    .await?;
    if !store::set_network_job(&mut tx, &permit, payload.upload_id, job_id).await? {
        return Err(RosterError::AlreadyApplied);
    }
    tx.commit().await?;
    Ok(job_id)
}

pub struct NetworkJob {
    pub provisioner: Arc<dyn Provisioner>,
}

#[async_trait]
impl Handler for NetworkJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &Context) -> Result<serde_json::Value, JobError> {
        let p: Payload = serde_json::from_str(&ctx.job.payload)
            .map_err(|e| JobError::Failed(format!("the job's payload does not read: {e}")))?;
        let import = p.import.permit();
        let preview = super::preview(&ctx.db, &import, p.upload_id, &p.options)
            .await
            .map_err(|e| match e {
                RosterError::Db(e) => JobError::Other(e.into()),
                other => JobError::Failed(other.to_string()),
            })?;
        let changes = preview.plan.network;
        // A resumed job: what is done dropped out of the list.
        let done_before = ctx.job.progress_done;
        ctx.set_total(done_before + changes.len() as i64).await?;
        let tariffs = p.tariffs.map(CarriedPermit::permit);
        let limits = p.limits.map(CarriedPermit::permit);
        let mut outcome = Outcome::default();
        for (i, change) in changes.iter().enumerate() {
            let key = |kind: &str| format!("roster-{}-{}-{kind}", p.upload_id, change.line_id);
            let mut steps: Vec<(Option<&Permit>, LineChange, String)> = Vec::new();
            if let Some((_, code)) = &change.tariff {
                let tariff = LineChange::ChangeTariff {
                    tariff: code.clone(),
                };
                steps.push((tariffs.as_ref(), tariff, key("tariff")));
            }
            if let Some((_, kop)) = change.limit_kop {
                let limit = LineChange::SetLimit {
                    amount: Money::from_kopecks(kop).to_string(),
                    on_limit: None,
                };
                steps.push((limits.as_ref(), limit, key("limit")));
            }
            for (permit, step, key) in steps {
                let Some(permit) = permit else {
                    continue;
                };
                let applied = line_changes::apply(
                    &ctx.db,
                    self.provisioner.as_ref(),
                    permit,
                    change.line_id,
                    &step,
                    Some(&key),
                )
                .await;
                match applied {
                    Ok(_) => outcome.applied += 1,
                    Err(ChangeError::Db(e)) => return Err(JobError::Other(e.into())),
                    Err(e) => outcome.failed.push(Failure {
                        row: change.row,
                        number: crate::domain::Msisdn::parse(&change.msisdn)
                            .map(|m| m.display())
                            .unwrap_or_else(|_| change.msisdn.clone()),
                        problems: e.problems(),
                        reason: String::new(),
                    }),
                }
            }
            ctx.progress(done_before + i as i64 + 1).await?;
        }
        Ok(serde_json::to_value(outcome).unwrap_or_default())
    }
}
