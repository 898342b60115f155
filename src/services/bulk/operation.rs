//! A bulk operation from confirm to its end: confirmed once per key (a double submit starts one
//! job) on the lines resolved then, queued as a durable job behind the company's earlier
//! operations, cancelled between chunks, retried on its failed lines as a new operation.

use serde::{Deserialize, Serialize};

use crate::authz::{Action, Object, Permit, Requester};
use crate::domain::Problem;
use crate::domain::audit::{self, AuditEvent};
use crate::services::FieldError;
use crate::store::bulk::{self as store, Counts, Created, Operation};
use crate::store::{Db, jobs};

use super::change::BulkChange;
use super::preview::{self, Preview, PreviewError};
use super::run;

/// How the lines were chosen, as the operation's page says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Chosen {
    /// The lines table's filter, as its query string.
    Filter {
        query: String,
    },
    Departments {
        ids: Vec<i64>,
    },
    /// Lines ticked on the lines table.
    Lines {
        count: usize,
    },
    /// An uploaded list of numbers (with how many of its rows were no line to act on).
    List {
        file_name: String,
        rejected: usize,
    },
    /// The failed lines of an earlier operation.
    Retry {
        of: i64,
    },
    /// The tariffs or limits of an imported roster, each line with the file's value.
    Roster {
        upload_id: i64,
        file_name: String,
    },
}

impl Chosen {
    /// A list's choice, told how many of its rows were no line to act on.
    pub fn rejecting(self, rejected: usize) -> Self {
        match self {
            Chosen::List { file_name, .. } => Chosen::List {
                file_name,
                rejected,
            },
            other => other,
        }
    }

    /// The right the lines are chosen under, asked again before each chunk of the run: an
    /// import's, for a roster's changes; else the right to run bulk changes.
    pub fn under(&self) -> (Object, Action) {
        match self {
            Chosen::Roster { .. } => (Object::Roster, Action::Import),
            _ => (Object::Bulk, Action::Run),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("{}", .0.problem)]
    Invalid(FieldError),
    #[error("{0}")]
    Refused(Problem),
    #[error("no such operation")]
    NotFound,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<PreviewError> for BulkError {
    fn from(e: PreviewError) -> Self {
        match e {
            PreviewError::Invalid(e) => BulkError::Invalid(e),
            PreviewError::Db(e) => BulkError::Db(e),
        }
    }
}

/// What is confirmed.
pub struct Confirm<'a> {
    pub requester: &'a Requester,
    /// The permit for the change, and the one the lines were chosen under.
    pub permit: &'a Permit,
    pub chosen_under: &'a Permit,
    pub change: &'a BulkChange,
    /// The lines, each with its own value where the list gives one.
    pub lines: &'a [(i64, Option<String>)],
    pub chosen: &'a Chosen,
    /// The one-time key of the preview confirmed.
    pub key: &'a str,
    pub retry_of: Option<i64>,
}

/// An operation confirmed: new, or the one this key confirmed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmed {
    pub operation_id: i64,
    pub repeat: bool,
}

/// The company's queue of bulk operations: they run one after the other, in order.
fn queue(permit: &Permit) -> String {
    format!("bulk:{}", permit.company_id())
}

fn encode<T: Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}

/// The key as kept: a person's or a token's under `u:`, apart from the keys the product makes
/// for its own operations (a roster's), so that no key a user sends can take one of those.
fn stored_key(c: &Confirm<'_>) -> String {
    match c.chosen {
        Chosen::Roster { .. } => c.key.to_owned(),
        _ => format!("u:{}", c.key),
    }
}

/// Records the operation on its lines and queues its run; refused when no line would change.
/// The lines are checked in the transaction that records them.
pub async fn confirm(db: &Db, c: &Confirm<'_>) -> Result<Confirmed, BulkError> {
    if c.key.is_empty() || c.key.len() > 100 {
        return Err(BulkError::Invalid(FieldError::new(
            "key",
            Problem::KeyLength,
        )));
    }
    let mut tx = db.begin().await?;
    let preview =
        preview::check_lines(&mut tx, c.permit, c.chosen_under, c.lines, c.change).await?;
    let new = store::NewOperation {
        requester: &encode(c.requester)?,
        key: &stored_key(c),
        change: &encode(c.change)?,
        chosen: &encode(c.chosen)?,
        retry_of: c.retry_of,
        now: crate::store::now_ms(),
    };
    let (id, lines) = match store::create(&mut tx, c.permit, c.chosen_under, &new, c.lines).await? {
        // Someone else's key is no repeat.
        Created::KeyOfAnother => {
            return Err(BulkError::Invalid(FieldError::new(
                "key",
                Problem::KeyReused,
            )));
        }
        Created::Repeat(id) => {
            return Ok(Confirmed {
                operation_id: id,
                repeat: true,
            });
        }
        Created::Fresh { .. } if preview.changing.is_empty() => {
            return Err(BulkError::Refused(Problem::NothingToRun));
        }
        Created::Fresh { id, lines } => (id, lines),
    };
    let payload = encode(&run::Payload {
        operation_id: id,
        requester: c.requester.clone(),
    })?;
    let job = jobs::enqueue(
        &mut tx,
        c.permit,
        &jobs::NewJob {
            kind: run::KIND,
            queue: Some(&queue(c.permit)),
            payload: &payload,
            total: lines,
            created_by: c.permit.actor().user_id,
            now: new.now,
        },
    )
    .await?;
    store::set_job(&mut tx, c.permit, id, job).await?;
    let event = AuditEvent::BulkConfirmed {
        operation_id: id,
        bulk: audit::BulkConfirmed {
            action: c.change.name().to_owned(),
            lines,
            changing: preview.changing.len() as i64,
            retry_of: c.retry_of,
        },
    };
    crate::store::audit::append(&mut tx, c.permit, &event).await?;
    tx.commit().await?;
    Ok(Confirmed {
        operation_id: id,
        repeat: false,
    })
}

/// Where an operation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Running,
    /// Asked to stop; the chunk in progress is finishing.
    Cancelling,
    Done,
    Cancelled,
    /// The run stopped on an error of its own (not a line's): what it reached stays done.
    Failed,
}

/// An operation as its page shows it.
#[derive(Debug, Clone)]
pub struct Status {
    pub operation: Operation,
    pub change: Option<BulkChange>,
    pub chosen: Option<Chosen>,
    pub counts: Counts,
    pub state: State,
}

impl Status {
    pub fn ended(&self) -> bool {
        matches!(self.state, State::Done | State::Cancelled | State::Failed)
    }

    /// Lines not reached: still to come, or left by a cancel or a failure.
    pub fn not_reached(&self) -> i64 {
        self.operation.total - self.counts.reached()
    }
}

fn state_of(op: &Operation) -> State {
    let cancelled = op.cancelled_at.is_some();
    match op.job_status.as_str() {
        "done" if cancelled => State::Cancelled,
        "done" => State::Done,
        "failed" => State::Failed,
        _ if cancelled => State::Cancelling,
        "running" => State::Running,
        _ => State::Queued,
    }
}

/// The operation (one the permit may see) and how it stands.
pub async fn status(db: &Db, permit: &Permit, id: i64) -> Result<Status, BulkError> {
    let mut conn = db.pool.acquire().await?;
    let operation = store::get(&mut conn, permit, id)
        .await?
        .ok_or(BulkError::NotFound)?;
    let counts = store::counts(&mut conn, permit, id).await?;
    Ok(Status {
        state: state_of(&operation),
        change: serde_json::from_str(&operation.change).ok(),
        chosen: serde_json::from_str(&operation.chosen).ok(),
        operation,
        counts,
    })
}

/// The latest operations the permit may see, newest first, each as it stands.
pub async fn list(db: &Db, permit: &Permit, limit: i64) -> Result<Vec<Status>, BulkError> {
    let operations = store::list(db, permit, limit).await?;
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::with_capacity(operations.len());
    for operation in operations {
        let counts = store::counts(&mut conn, permit, operation.id).await?;
        out.push(Status {
            state: state_of(&operation),
            change: serde_json::from_str(&operation.change).ok(),
            chosen: serde_json::from_str(&operation.chosen).ok(),
            operation,
            counts,
        });
    }
    Ok(out)
}

/// Asks the run to stop after its chunk in progress; refused once it has ended.
pub async fn cancel(db: &Db, permit: &Permit, id: i64) -> Result<(), BulkError> {
    let mut tx = db.begin().await?;
    let op = store::get(&mut tx, permit, id)
        .await?
        .ok_or(BulkError::NotFound)?;
    if matches!(
        state_of(&op),
        State::Done | State::Cancelled | State::Failed
    ) {
        return Err(BulkError::Refused(Problem::OperationEnded));
    }
    if store::cancel(&mut tx, permit, id, crate::store::now_ms()).await? {
        let event = AuditEvent::BulkCancelled { operation_id: id };
        crate::store::audit::append(&mut tx, permit, &event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The failed lines of an operation (one the permit may see) and what the same change would
/// do to them now: a retry's preview. Refused when none failed.
pub async fn retry_preview(
    db: &Db,
    permit: &Permit,
    chosen_under: &Permit,
    id: i64,
) -> Result<(BulkChange, Vec<(i64, Option<String>)>, Preview), BulkError> {
    let mut conn = db.pool.acquire().await?;
    let op = store::get(&mut conn, permit, id)
        .await?
        .ok_or(BulkError::NotFound)?;
    let change: BulkChange = serde_json::from_str(&op.change)
        .map_err(|e| BulkError::Db(sqlx::Error::Decode(e.into())))?;
    let lines = store::failed_lines(&mut conn, permit, id).await?;
    if lines.is_empty() {
        return Err(BulkError::Refused(Problem::NothingFailed));
    }
    let preview = preview::check_lines(&mut conn, permit, chosen_under, &lines, &change).await?;
    Ok((change, lines, preview))
}

/// The same change again on an operation's failed lines, as a new operation confirmed under
/// `key` (refused when none failed, or none would change now).
pub async fn retry(
    db: &Db,
    requester: &Requester,
    permit: &Permit,
    chosen_under: &Permit,
    id: i64,
    key: &str,
) -> Result<Confirmed, BulkError> {
    let (change, lines, _) = retry_preview(db, permit, chosen_under, id).await?;
    confirm(
        db,
        &Confirm {
            requester,
            permit,
            chosen_under,
            change: &change,
            lines: &lines,
            chosen: &Chosen::Retry { of: id },
            key,
            retry_of: Some(id),
        },
    )
    .await
}
