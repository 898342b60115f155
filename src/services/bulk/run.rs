//! The run of a bulk operation, a durable job: chunk by chunk in line order, each chunk's
//! lines checked again as they are now, under the requester's rights as they are now (a right
//! revoked or a member blocked skips the rest), then changed.
//!
//! With the database Provisioner a chunk is checked, written set-based, audited and recorded in
//! one transaction. With a network to tell, the network never hears a change with a
//! transaction open: the chunk's changes are held on their lines and committed, sent (up to
//! `bss_concurrency` at once, each under a key of its operation and line, so a change sent
//! again is made once), then recorded as answered. A run that stopped between the two (a
//! crash) sends what it held again before it goes on; the job's progress is the last line of
//! the last chunk recorded.

use std::sync::Arc;

use async_trait::async_trait;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::authz::{Action, Authz, Object, Permit, Requester};
use crate::domain::Problem;
use crate::domain::audit::{AuditEvent, LineEvent};
use crate::jobs::{Context, Handler, JobError};
use crate::provisioning::{ProvisionRequest, Provisioner};
use crate::services::line_changes::{self, Held};
use crate::store::bulk::{self as store, Outcome};
use crate::store::line_changes as holds;
use crate::store::line_writes::write_many;
use crate::store::{Tx, audit};

use super::change::BulkChange;
use super::preview::{self, Planned, Preview, PreviewError};

pub const KIND: &str = "bulk.run";

/// Lines a chunk takes: written in one transaction, or sent to the network between two.
const LOCAL_CHUNK: i64 = 1_000;
const NETWORK_CHUNK: i64 = 200;

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub operation_id: i64,
    pub requester: Requester,
}

pub struct BulkJob {
    pub provisioner: Arc<dyn Provisioner>,
    pub authz: Arc<Authz>,
    /// Calls to the network at once.
    pub concurrency: usize,
    /// Tells the requester by e-mail of a run that took at least `mail_after`.
    pub mailer: crate::mail::Mailer,
    pub mail_after: std::time::Duration,
    /// The cabinet's address, for the link in the e-mail.
    pub public_url: String,
}

/// What the run ended with, kept with the job.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Ended {
    cancelled: bool,
}

fn other(e: impl Into<anyhow::Error>) -> JobError {
    JobError::Other(e.into())
}

fn problem_text(p: &Problem) -> Option<String> {
    serde_json::to_string(p).ok()
}

fn skipped(line_id: i64, problem: &Problem) -> Outcome {
    Outcome {
        line_id,
        outcome: "skipped",
        problem: problem_text(problem),
        change: None,
    }
}

/// A planned line's audit entry.
fn event(p: &Planned) -> LineEvent {
    LineEvent {
        line_id: p.line_id,
        change: p.change.clone(),
        monthly_delta_kop: p.monthly_kop,
        one_time_kop: p.one_time_kop,
        failed: None,
    }
}

#[async_trait]
impl Handler for BulkJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    async fn run(&self, ctx: &Context) -> Result<serde_json::Value, JobError> {
        let p: Payload = serde_json::from_str(&ctx.job.payload)
            .map_err(|e| JobError::Failed(format!("the job's payload does not read: {e}")))?;
        let asked = p.requester.as_asked();
        let op = {
            let mut conn = ctx.db.pool.acquire().await?;
            store::get(&mut conn, &asked, p.operation_id)
                .await?
                .ok_or_else(|| JobError::Failed("the operation is not there".into()))?
        };
        let change: BulkChange = serde_json::from_str(&op.change)
            .map_err(|e| JobError::Failed(format!("the operation's change does not read: {e}")))?;
        let under = serde_json::from_str::<super::operation::Chosen>(&op.chosen)
            .map(|c| c.under())
            .unwrap_or((Object::Bulk, Action::Run));
        self.send_held_again(ctx, &asked).await?;
        let chunk = if self.provisioner.is_local() {
            LOCAL_CHUNK
        } else {
            NETWORK_CHUNK
        };
        let mut after = ctx.job.progress_done;
        let mut ended = Ended::default();
        loop {
            // The rights are read in the transaction that checks and writes (or holds) the
            // chunk: a grant revoked meanwhile is seen, or waited for.
            let mut tx = ctx.db.begin().await?;
            if store::cancelled(&mut tx, &asked, op.id).await? {
                ended.cancelled = true;
                break;
            }
            let lines = store::next_lines(&mut tx, &asked, op.id, after, chunk).await?;
            let Some(&(last, _)) = lines.last() else {
                break;
            };
            let now = ctx.clock.now_ms();
            let (object, action) = change.check();
            let rights = (
                self.authz
                    .permit_now(&mut tx, &p.requester, object, action, now)
                    .await
                    .map_err(other)?,
                self.authz
                    .permit_now(&mut tx, &p.requester, under.0, under.1, now)
                    .await
                    .map_err(other)?,
            );
            let (Some(permit), Some(chosen_under)) = rights else {
                drop(tx);
                self.outside_rights(ctx, &asked, op.id, after).await?;
                break;
            };
            let done = Chunk {
                operation: op.id,
                permit: &permit,
                chosen_under: &chosen_under,
                change: &change,
                lines: &lines,
                last,
            };
            if self.provisioner.is_local() {
                self.write_chunk(ctx, tx, &done).await?;
            } else {
                self.send_chunk(ctx, tx, &done).await?;
            }
            after = last;
        }
        let started = ctx.job.started_at.unwrap_or(op.created_at);
        if ctx.clock.now_ms() - started >= self.mail_after.as_millis() as i64 {
            self.tell(ctx, &asked, &change, op.id, ended.cancelled)
                .await;
        }
        Ok(serde_json::to_value(ended).unwrap_or_default())
    }
}

/// One chunk of an operation's lines, under the rights of its requester now.
struct Chunk<'a> {
    operation: i64,
    permit: &'a Permit,
    chosen_under: &'a Permit,
    change: &'a BulkChange,
    lines: &'a [(i64, Option<String>)],
    /// Its last line: the job's progress once it is recorded.
    last: i64,
}

impl BulkJob {
    /// The chunk checked again on `tx`: what changes, the lines skipped recorded with their
    /// reasons. A line with another change in hand is skipped.
    async fn check(&self, tx: &mut Tx, c: &Chunk<'_>) -> Result<Vec<Planned>, JobError> {
        let preview =
            match preview::check_lines(tx, c.permit, c.chosen_under, c.lines, c.change).await {
                Ok(p) => p,
                Err(PreviewError::Db(e)) => return Err(e.into()),
                Err(PreviewError::Invalid(e)) => Preview {
                    skipped: c
                        .lines
                        .iter()
                        .map(|(line_id, _)| preview::Skipped {
                            line_id: *line_id,
                            problem: e.problem.clone(),
                        })
                        .collect(),
                    ..Preview::default()
                },
            };
        let ids: Vec<i64> = preview.changing.iter().map(|p| p.line_id).collect();
        let in_hand = holds::held_among(tx, c.permit, &ids).await?;
        let mut outcomes: Vec<Outcome> = preview
            .skipped
            .iter()
            .map(|s| skipped(s.line_id, &s.problem))
            .collect();
        let (busy, planned): (Vec<Planned>, Vec<Planned>) = preview
            .changing
            .into_iter()
            .partition(|p| in_hand.contains(&p.line_id));
        outcomes.extend(
            busy.iter()
                .map(|p| skipped(p.line_id, &Problem::ChangeInHand)),
        );
        store::record(tx, c.permit, c.operation, &outcomes).await?;
        Ok(planned)
    }

    /// The database is the network: the chunk is checked, written, audited and recorded in
    /// one transaction, `tx`.
    async fn write_chunk(&self, ctx: &Context, mut tx: Tx, c: &Chunk<'_>) -> Result<(), JobError> {
        let planned = self.check(&mut tx, c).await?;
        let writes: Vec<(i64, &crate::store::line_writes::Write)> =
            planned.iter().map(|p| (p.line_id, &p.write)).collect();
        write_many(&mut tx, c.permit, &writes, c.permit.actor().user_id).await?;
        let events: Vec<AuditEvent> = planned.iter().map(|p| AuditEvent::Line(event(p))).collect();
        audit::append_many(&mut tx, c.permit, &events).await?;
        let changed: Vec<Outcome> = events
            .iter()
            .zip(&planned)
            .map(|(e, p)| {
                let row = e.row();
                Outcome {
                    line_id: p.line_id,
                    outcome: "changed",
                    problem: None,
                    change: Some(line_changes::recorded(&row.action, &row.before, &row.after)),
                }
            })
            .collect();
        store::record(&mut tx, c.permit, c.operation, &changed).await?;
        ctx.checkpoint(&mut tx, c.last).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The chunk held (committed on `tx`), sent, then recorded as the network answered.
    async fn send_chunk(&self, ctx: &Context, mut tx: Tx, c: &Chunk<'_>) -> Result<(), JobError> {
        let planned = self.check(&mut tx, c).await?;
        let mut held = Vec::with_capacity(planned.len());
        for p in &planned {
            let request = ProvisionRequest {
                request_id: format!("bulk-{}-{}", c.operation, p.line_id),
                msisdn: p.msisdn.clone(),
                iccid: p.iccid.clone(),
                action: p.change.name().to_owned(),
                params: line_changes::network_params(&p.change),
            };
            held.push(Held::new(
                request,
                p.write.clone(),
                &event(p),
                c.permit,
                None,
                Some(c.operation),
            ));
        }
        let payloads = held
            .iter()
            .map(|h| Ok((h.line_id, h.payload()?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let now = ctx.clock.now_ms();
        let taken: std::collections::HashSet<i64> =
            holds::hold_for_job(&mut tx, c.permit, ctx.job_id(), &payloads, now)
                .await?
                .into_iter()
                .collect();
        // A line another change took in hand meanwhile is that change's: skipped, not sent.
        let (held, busy): (Vec<Held>, Vec<Held>) =
            held.into_iter().partition(|h| taken.contains(&h.line_id));
        let busy: Vec<Outcome> = busy
            .iter()
            .map(|h| skipped(h.line_id, &Problem::ChangeInHand))
            .collect();
        store::record(&mut tx, c.permit, c.operation, &busy).await?;
        tx.commit().await?;
        let answers = self.send(&held).await;
        let mut tx = ctx.db.begin().await?;
        let answered: Vec<(&Held, Option<&Problem>)> = held
            .iter()
            .zip(&answers)
            .map(|(h, a)| (h, a.as_ref().err().map(|e| &e.0)))
            .collect();
        line_changes::finish_many(&mut tx, c.permit, &answered).await?;
        ctx.checkpoint(&mut tx, c.last).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Each change sent, `concurrency` at once; the answers in the changes' order.
    async fn send(&self, held: &[Held]) -> Vec<Result<(), crate::provisioning::ProvisionError>> {
        // The calls made first, then driven: a stream that borrows as it maps is not `Send`
        // for every lifetime the job's future needs.
        let calls: Vec<_> = held
            .iter()
            .map(|h| self.provisioner.apply(&h.request))
            .collect();
        futures_util::stream::iter(calls)
            .buffered(self.concurrency.max(1))
            .collect()
            .await
    }

    /// The changes this job held and did not record (it stopped while the network heard of
    /// them): sent again under their keys, recorded as answered. Each was checked under the
    /// requester's rights when it was held, and the network may have made it already, so it is
    /// finished whatever the rights are now (as a request in flight when a grant is revoked
    /// is): the network and the database end up agreeing. The chunks after it ask again.
    async fn send_held_again(&self, ctx: &Context, asked: &Permit) -> Result<(), JobError> {
        let mut conn = ctx.db.pool.acquire().await?;
        let rows = holds::held_by_job(&mut conn, asked, ctx.job_id()).await?;
        drop(conn);
        for (line_id, payload) in rows {
            let held = Held::read(&payload).map_err(|e| {
                JobError::Failed(format!(
                    "a held change of line {line_id} does not read: {e}"
                ))
            })?;
            let answer = self.provisioner.apply(&held.request).await;
            let mut tx = ctx.db.begin().await?;
            let failed = answer.as_ref().err().map(|e| &e.0);
            line_changes::finish_many(&mut tx, &held.permit(), &[(&held, failed)]).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Tells the requester (a person with an e-mail) how the run ended, in both languages; a
    /// message that does not go is logged, the run stays done.
    async fn tell(
        &self,
        ctx: &Context,
        asked: &Permit,
        change: &BulkChange,
        id: i64,
        stopped: bool,
    ) {
        let Some(user_id) = asked.actor().user_id else {
            return;
        };
        let read = async {
            let mut conn = ctx.db.pool.acquire().await?;
            let user = crate::store::users::find_by_id(&mut conn, user_id).await?;
            let counts = store::counts(&mut conn, asked, id).await?;
            Ok::<_, sqlx::Error>((user, counts))
        };
        let (user, counts) = match read.await {
            Ok((Some(user), counts)) if !user.email.is_empty() => (user, counts),
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(operation = id, error = %e, "the end of a bulk run not told");
                return;
            }
        };
        let said = |lang: crate::web::i18n::Lang| {
            format!(
                "{} №{id} {}: {}.\n{}: {} · {}: {} · {}: {}\n{}: {}/bulk/{id}\n",
                lang.t("bulk.operation"),
                lang.t(if stopped {
                    "mail.bulk.stopped"
                } else {
                    "mail.bulk.done"
                }),
                lang.t(&format!("change.kind.{}", change.name())),
                lang.t("bulk.outcome.changed"),
                counts.changed,
                lang.t("bulk.outcome.skipped"),
                counts.skipped,
                lang.t("bulk.outcome.failed"),
                counts.failed,
                lang.t("bulk.results"),
                self.public_url.trim_end_matches('/'),
            )
        };
        use crate::web::i18n::Lang;
        let mail = crate::mail::Mail {
            to: user.email,
            subject: format!(
                "simfleet: {} №{id} {}",
                Lang::Ru.t("bulk.operation").to_lowercase(),
                Lang::Ru.t(if stopped {
                    "mail.bulk.stopped"
                } else {
                    "mail.bulk.done"
                })
            ),
            body: format!("{}\n{}", said(Lang::Ru), said(Lang::En)),
        };
        if let Err(e) = self.mailer.send(&mail).await {
            tracing::warn!(operation = id, error = %e, "the end of a bulk run not told");
        }
    }

    /// The requester's rights are gone: every line not reached is skipped as outside them.
    async fn outside_rights(
        &self,
        ctx: &Context,
        asked: &Permit,
        operation: i64,
        after: i64,
    ) -> Result<(), JobError> {
        let mut after = after;
        loop {
            let mut tx = ctx.db.begin().await?;
            let lines = store::next_lines(&mut tx, asked, operation, after, LOCAL_CHUNK).await?;
            let Some(&(last, _)) = lines.last() else {
                return Ok(());
            };
            let outcomes: Vec<Outcome> = lines
                .iter()
                .map(|(line, _)| skipped(*line, &Problem::OutsideRightsNow))
                .collect();
            store::record(&mut tx, asked, operation, &outcomes).await?;
            ctx.checkpoint(&mut tx, last).await?;
            tx.commit().await?;
            after = last;
        }
    }
}
