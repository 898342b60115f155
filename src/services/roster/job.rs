//! A large import's commit as a durable job: prepared (read, compared, checked against the
//! preview), then applied in one transaction. Run again after a crash it applies nothing
//! twice: the upload is marked applied in the import's own transaction.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::authz::CarriedPermit;
use crate::jobs::{Context, Handler, JobError};

use super::{Options, RosterError};

pub const KIND: &str = "roster.commit";

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub upload_id: i64,
    pub options: Options,
    pub fingerprint: String,
    pub permit: CarriedPermit,
}

pub struct CommitJob;

#[async_trait]
impl Handler for CommitJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &Context) -> Result<serde_json::Value, JobError> {
        let p: Payload = serde_json::from_str(&ctx.job.payload)
            .map_err(|e| JobError::Failed(format!("the job's payload does not read: {e}")))?;
        let permit = p.permit.permit();
        let fail = |e: RosterError| match e {
            RosterError::Db(e) => JobError::Other(e.into()),
            // Kept as the problem's code, for the page to say in its language.
            other => JobError::Failed(
                serde_json::to_string(&other.problem()).unwrap_or_else(|_| other.to_string()),
            ),
        };
        let prepared =
            super::prepare(&ctx.db, &permit, p.upload_id, &p.options, &p.fingerprint).await;
        let prepared = match prepared {
            Ok(prepared) => prepared,
            // Applied by an earlier run of this job that died after committing.
            Err(RosterError::AlreadyApplied) => {
                return applied_before(ctx, &permit, p.upload_id).await;
            }
            Err(e) => return Err(fail(e)),
        };
        ctx.progress(1).await?;
        let now = ctx.clock.now_ms();
        let applied = super::apply(&ctx.db, &permit, &prepared, &p.options, now)
            .await
            .map_err(fail)?;
        ctx.progress(2).await?;
        Ok(serde_json::to_value(applied).unwrap_or_default())
    }
}

async fn applied_before(
    ctx: &Context,
    permit: &crate::authz::Permit,
    upload_id: i64,
) -> Result<serde_json::Value, JobError> {
    let upload = crate::store::roster::upload(&ctx.db, permit, upload_id).await?;
    let result = upload.and_then(|u| u.result).unwrap_or_else(|| "{}".into());
    Ok(serde_json::from_str(&result).unwrap_or_default())
}
