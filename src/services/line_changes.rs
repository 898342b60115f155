//! Changing one line: plan the change against the line as it is (status rules, catalogue rules,
//! what it costs), then apply it through the Provisioner and the database with its audit entry.
//! A second submit of the same change (same key) does nothing.
//!
//! The network is never called with a transaction open. A change is planned and held on its
//! line (committed: other changes to the line are refused while it is in hand), then sent to
//! the Provisioner under its key, then written with its audit entry — or recorded as failed —
//! in a second transaction that lets the line go. A change whose process died between the two
//! is sent again under the same key and finished by [`finish_stale`].

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::AnyConnection;

use crate::authz::{Action, Object, Permit};
use crate::domain::audit::{Assignment, AuditEvent, LineChanged, LineEvent};
use crate::domain::pricing::{BillChange, Fees};
use crate::domain::service_rules;
use crate::domain::{
    BlockReason, Iccid, LimitAction, LineStatus, Money, Move, Name, Problem, Refusal,
};
use crate::provisioning::{ProvisionRequest, Provisioner};
use crate::services::auth::new_token;
use crate::store::audit;
use crate::store::line_changes::{self as store, ChangingLine};
use crate::store::line_writes::{Write, write_many};
use crate::store::{Db, departments, employees};

use super::FieldError;
use super::bulk::change as input;

impl LineChange {
    /// What the change carries, as a digest: a submit key is one change's, not another's.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let json = serde_json::to_string(self).unwrap_or_default();
        hex::encode(sha2::Sha256::digest(json.as_bytes()))
    }
}

/// A change to one line. As JSON it is tagged by `action`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum LineChange {
    /// Move the line to another tariff of the company's region (by tariff code).
    ChangeTariff { tariff: String },
    /// Enable a service (by service code).
    EnableService { service: String },
    /// Disable a service (by service code).
    DisableService { service: String },
    /// Voluntary suspension by the customer.
    Suspend { reason: String },
    /// Lift the customer's own suspension.
    Resume {},
    /// The SIM is lost or stolen: block the line at once.
    ReportLost {},
    /// A new SIM card on the same number.
    ReplaceSim { iccid: String },
    /// Operator staff only: block for debt or an unregistered user.
    Block { reason: String },
    /// Operator staff only: lift the operator's block.
    Unblock {},
    /// Set or change the monthly spend limit (roubles, e.g. "1500" or "1500.50") and what
    /// happens at 100 %: `bar` paid services or `employee_pays` the excess (absent: what the
    /// line does now; `bar` on a line without a limit).
    SetLimit {
        amount: String,
        on_limit: Option<String>,
    },
    /// Remove the spend limit.
    RemoveLimit {},
    /// Assign the line to an employee and/or department, and set or clear its own cost centre
    /// (none: the department's).
    Reassign {
        employee_id: Option<i64>,
        department_id: Option<i64>,
        cost_centre: Option<String>,
    },
}

impl LineChange {
    /// What a permit must cover for this change.
    /// What casbin is asked for this change (the right it uses).
    pub fn check(&self) -> (Object, Action) {
        match self {
            LineChange::Block { .. } | LineChange::Unblock {} => {
                (Object::LineBlocks, Action::Write)
            }
            LineChange::ChangeTariff { .. } => (Object::Lines, Action::Tariff),
            LineChange::EnableService { .. } | LineChange::DisableService { .. } => {
                (Object::Lines, Action::Services)
            }
            LineChange::Suspend { .. }
            | LineChange::Resume {}
            | LineChange::ReportLost {}
            | LineChange::ReplaceSim { .. } => (Object::Lines, Action::Status),
            LineChange::SetLimit { .. } | LineChange::RemoveLimit {} => {
                (Object::Lines, Action::Limits)
            }
            LineChange::Reassign { .. } => (Object::Lines, Action::Assign),
        }
    }

    /// The audit action and the name the network knows it by.
    pub fn action(&self) -> &'static str {
        match self {
            LineChange::ChangeTariff { .. } => "change_tariff",
            LineChange::EnableService { .. } => "enable_service",
            LineChange::DisableService { .. } => "disable_service",
            LineChange::Suspend { .. } => "suspend",
            LineChange::Resume {} => "resume",
            LineChange::ReportLost {} => "report_lost",
            LineChange::ReplaceSim { .. } => "replace_sim",
            LineChange::Block { .. } => "block",
            LineChange::Unblock {} => "unblock",
            LineChange::SetLimit { .. } => "set_limit",
            LineChange::RemoveLimit {} => "remove_limit",
            LineChange::Reassign { .. } => "reassign",
        }
    }
}

/// What a change will do, shown before it is confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub action: String,
    /// What the change does, as the audit log will record it (`web` says it).
    #[serde(skip)]
    pub change: LineChanged,
    /// Change of the monthly bill in kopecks (negative: cheaper).
    pub monthly_delta_kop: i64,
    /// Charged once, in kopecks.
    pub one_time_kop: i64,
    /// Services the change removes because they do not fit.
    pub dropped_services: Vec<DroppedService>,
    pub status_before: String,
    pub status_after: String,
}

/// A service a change turns off, by its code and its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DroppedService {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Applied {
    /// True when this key was already used: nothing was done this time.
    pub already_applied: bool,
    pub preview: Option<Preview>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Not a line of the company, or not one the person's rights cover: the same to them.
    #[error("line not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("{}", .0.0)]
    Refused(Refusal),
    #[error("the line changed meanwhile")]
    Conflict,
    #[error("the network refused or did not answer: {0}")]
    Provisioning(Problem),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl ChangeError {
    /// Why, as problems people are told (a database failure is none of theirs).
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            ChangeError::NotFound => vec![Problem::NotTheCompanysLine],
            ChangeError::Invalid(errors) => errors.iter().map(|e| e.problem.clone()).collect(),
            ChangeError::Refused(r) => vec![r.0.clone()],
            ChangeError::Conflict => vec![Problem::ChangedMeanwhile],
            ChangeError::Provisioning(why) => vec![Problem::NotApplied {
                why: Box::new(why.clone()),
            }],
            ChangeError::Db(_) => vec![Problem::Internal],
        }
    }
}

fn field(name: &'static str, problem: impl Into<Problem>) -> ChangeError {
    ChangeError::Invalid(vec![FieldError::new(name, problem)])
}

/// What the network is told of a change besides its name (its target, its reason).
pub(crate) fn network_params(change: &LineChanged) -> Value {
    match change {
        LineChanged::Tariff { now, .. } => json!({ "tariff": now }),
        LineChanged::ServiceOn { service } | LineChanged::ServiceOff { service } => {
            json!({ "service": service })
        }
        LineChanged::Suspended { reason, .. } | LineChanged::Blocked { reason, .. } => {
            json!({ "reason": reason })
        }
        LineChanged::ReportedLost { .. } => json!({ "reason": BlockReason::Lost.as_str() }),
        LineChanged::SimReplaced { now_iccid, .. } => json!({ "new_iccid": now_iccid }),
        LineChanged::LimitSet {
            now_kop, action, ..
        } => {
            json!({ "limit": money_text(*now_kop), "on_limit": action })
        }
        LineChanged::Resumed { .. }
        | LineChanged::Unblocked { .. }
        | LineChanged::LimitRemoved { .. }
        | LineChanged::Reassigned { .. } => json!({}),
    }
}

fn one(e: FieldError) -> ChangeError {
    ChangeError::Invalid(vec![e])
}

/// A service's name in both languages.
fn name(s: &store::Service) -> Name {
    Name {
        ru: s.name_ru.clone(),
        en: s.name_en.clone(),
    }
}

/// What a preview gathers while it plans.
struct Draft {
    /// The line's monthly prices after the change.
    fees: Fees,
    one_time_kop: i64,
    dropped_services: Vec<DroppedService>,
    status_after: LineStatus,
}

struct Plan {
    line: ChangingLine,
    preview: Preview,
    op: Write,
    /// What the audit log records.
    change: LineChanged,
    params: Value,
}

fn status_of(line: &ChangingLine) -> LineStatus {
    LineStatus::parse(&line.status).unwrap_or(LineStatus::Terminated)
}

fn money_text(kop: i64) -> String {
    Money::from_kopecks(kop).to_string()
}

async fn plan(
    conn: &mut AnyConnection,
    permit: &Permit,
    line_id: i64,
    change: &LineChange,
) -> Result<Plan, ChangeError> {
    let line = store::load(conn, permit, line_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let status = status_of(&line);
    let fees = Fees {
        tariff_kop: line.tariff_fee_kop,
        services_kop: line.services_kop,
        suspended_kop: line.tariff_suspended_kop,
    };
    let mut preview = Draft {
        fees,
        one_time_kop: 0,
        dropped_services: Vec::new(),
        status_after: status,
    };
    let move_to = |m: Move, preview: &mut Draft| -> Result<LineStatus, ChangeError> {
        let next = status
            .after(m, &line.status_reason)
            .map_err(ChangeError::Refused)?;
        preview.status_after = next;
        Ok(next)
    };
    let change_name = change.action();
    let (op, change) = match change {
        LineChange::ChangeTariff { tariff } => {
            status
                .allows_service_changes()
                .map_err(ChangeError::Refused)?;
            let code = tariff.trim();
            let Some(new) = store::tariff_in_region(conn, &line.region_code, code).await? else {
                let why = if store::tariff_exists_elsewhere(conn, code).await? {
                    Problem::TariffNotInRegion {
                        tariff_code: code.into(),
                    }
                } else {
                    Problem::NoSuchTariff {
                        tariff_code: code.into(),
                    }
                };
                return Err(field("tariff", why));
            };
            let mut drop = Vec::new();
            preview.fees.tariff_kop = new.monthly_fee_kop;
            preview.fees.suspended_kop = new.suspended_fee_kop;
            let on = store::enabled_services(conn, &line).await?;
            let named: Vec<(i64, Name)> = on.iter().map(|s| (s.id, name(s))).collect();
            let ids: Vec<i64> = on.iter().map(|s| s.id).collect();
            let limits = store::tariffs_of_services(conn, &ids).await?;
            let facts = service_rules::TariffFacts {
                id: new.id,
                name: new.name.clone(),
                open: new.for_business != 0 && new.archived == 0,
            };
            let facts_of_line = service_rules::LineFacts {
                status,
                tariff_id: line.tariff_id,
                tariff_name: &line.tariff_name,
                services: &named,
            };
            let dropped = service_rules::change_tariff(&facts_of_line, &facts, |id| {
                limits.get(&id).map_or(&[][..], Vec::as_slice)
            })
            .map_err(|r| match r {
                service_rules::Refused::State(r) => ChangeError::Refused(r),
                service_rules::Refused::Service(p) => field("tariff", p),
            })?;
            for s in on.into_iter().filter(|s| dropped.contains(&s.id)) {
                drop.push(s.id);
                preview.fees.services_kop -= s.monthly_fee_kop;
                preview.dropped_services.push(DroppedService {
                    code: s.code,
                    name_ru: s.name_ru,
                    name_en: s.name_en,
                });
            }
            (
                Write::Tariff {
                    tariff_id: new.id,
                    drop,
                },
                LineChanged::Tariff {
                    was: line.tariff_code.clone(),
                    now: new.code.clone(),
                    dropped: preview
                        .dropped_services
                        .iter()
                        .map(|s| s.code.clone())
                        .collect(),
                },
            )
        }
        LineChange::EnableService { service } | LineChange::DisableService { service } => {
            status
                .allows_service_changes()
                .map_err(ChangeError::Refused)?;
            let code = service.trim();
            let (s, facts) = store::service_facts(conn, code).await?.ok_or_else(|| {
                field(
                    "service",
                    Problem::NoSuchService {
                        service_code: code.into(),
                    },
                )
            })?;
            let on: Vec<(i64, Name)> = store::enabled_services(conn, &line)
                .await?
                .iter()
                .map(|e| (e.id, name(e)))
                .collect();
            let facts_of_line = service_rules::LineFacts {
                status,
                tariff_id: line.tariff_id,
                tariff_name: &line.tariff_name,
                services: &on,
            };
            let enable = matches!(change, LineChange::EnableService { .. });
            let allowed = if enable {
                service_rules::enable(&facts_of_line, &facts)
            } else {
                service_rules::disable(&facts_of_line, &facts)
            };
            allowed.map_err(|r| match r {
                service_rules::Refused::State(r) => ChangeError::Refused(r),
                service_rules::Refused::Service(p) => field("service", p),
            })?;
            if enable {
                preview.fees.services_kop += s.monthly_fee_kop;
                preview.one_time_kop = s.one_time_fee_kop;
                (
                    Write::Enable { service_id: s.id },
                    LineChanged::ServiceOn {
                        service: s.code.clone(),
                    },
                )
            } else {
                preview.fees.services_kop -= s.monthly_fee_kop;
                (
                    Write::Disable { service_id: s.id },
                    LineChanged::ServiceOff {
                        service: s.code.clone(),
                    },
                )
            }
        }
        LineChange::Suspend { reason } => {
            let reason = input::reason(reason).map_err(one)?;
            let next = move_to(Move::Suspend, &mut preview)?;
            (
                Write::Status {
                    status: next,
                    reason: reason.clone(),
                },
                LineChanged::Suspended {
                    was: line.status.clone(),
                    reason,
                },
            )
        }
        LineChange::Resume {} => {
            let next = move_to(Move::Resume, &mut preview)?;
            (
                Write::Status {
                    status: next,
                    reason: String::new(),
                },
                LineChanged::Resumed {
                    was: line.status.clone(),
                },
            )
        }
        LineChange::ReportLost {} => {
            let next = move_to(Move::ReportLost, &mut preview)?;
            let reason = BlockReason::Lost.as_str();
            (
                Write::Status {
                    status: next,
                    reason: reason.into(),
                },
                LineChanged::ReportedLost {
                    was: line.status.clone(),
                },
            )
        }
        LineChange::ReplaceSim { iccid } => {
            let new = Iccid::parse(iccid).map_err(|e| field("iccid", e.0))?;
            if store::iccid_taken(conn, new.as_str()).await? {
                return Err(field(
                    "iccid",
                    Problem::SimUsed {
                        iccid: new.to_string(),
                    },
                ));
            }
            let next = move_to(Move::ReplaceSim, &mut preview)?;
            let reason = if line.status_reason == BlockReason::Lost.as_str() {
                "lost"
            } else {
                "replacement"
            };
            let kept_reason = if next == LineStatus::Active {
                String::new()
            } else {
                line.status_reason.clone()
            };
            (
                Write::Sim {
                    iccid: new.to_string(),
                    status: next,
                    reason: kept_reason,
                },
                LineChanged::SimReplaced {
                    was_iccid: line.iccid.clone(),
                    now_iccid: new.as_str().to_owned(),
                    was: line.status.clone(),
                    now: next.as_str().to_owned(),
                    why: reason.to_owned(),
                },
            )
        }
        LineChange::Block { reason } => {
            let r = BlockReason::parse(reason).map_err(|e| field("reason", e.0))?;
            let next = move_to(Move::Block, &mut preview)?;
            (
                Write::Status {
                    status: next,
                    reason: r.as_str().into(),
                },
                LineChanged::Blocked {
                    was: line.status.clone(),
                    reason: r.as_str().to_owned(),
                },
            )
        }
        LineChange::Unblock {} => {
            let next = move_to(Move::Unblock, &mut preview)?;
            (
                Write::Status {
                    status: next,
                    reason: String::new(),
                },
                LineChanged::Unblocked {
                    was: line.status.clone(),
                    reason: line.status_reason.clone(),
                },
            )
        }
        LineChange::SetLimit { amount, on_limit } => {
            status
                .allows_record_changes()
                .map_err(ChangeError::Refused)?;
            let limit = input::Limit::parse(amount, on_limit.as_deref()).map_err(one)?;
            let kop = limit.kop;
            let own = line.limit_action.as_deref().map(LimitAction::parse);
            let action = match (limit.on_limit, own) {
                (Some(a), _) | (None, Some(Ok(a))) => a,
                (None, _) => LimitAction::Bar,
            };
            (
                Write::Limit {
                    kop: Some(kop),
                    action: Some(action.as_str().to_owned()),
                },
                LineChanged::LimitSet {
                    was_kop: line.spend_limit_kop,
                    was_action: line.limit_action.clone(),
                    now_kop: kop,
                    action: action.as_str().to_owned(),
                },
            )
        }
        LineChange::RemoveLimit {} => {
            status
                .allows_record_changes()
                .map_err(ChangeError::Refused)?;
            if line.spend_limit_kop.is_none() {
                return Err(field("amount", Problem::NoLimit));
            }
            (
                Write::Limit {
                    kop: None,
                    action: None,
                },
                LineChanged::LimitRemoved {
                    was_kop: line.spend_limit_kop,
                    was_action: line.limit_action.clone(),
                },
            )
        }
        LineChange::Reassign {
            employee_id,
            department_id,
            cost_centre,
        } => {
            status
                .allows_record_changes()
                .map_err(ChangeError::Refused)?;
            let mut names = Vec::new();
            if let Some(e) = employee_id {
                let name = employees::get(conn, permit, *e)
                    .await?
                    .ok_or_else(|| field("employee_id", Problem::NoSuchEmployee))?
                    .full_name;
                names.push(name);
            }
            if let Some(d) = department_id {
                let name = departments::get(conn, permit, *d)
                    .await?
                    .ok_or_else(|| field("department_id", Problem::NoSuchDepartment))?
                    .name;
                if !permit.covers_department(*d) {
                    return Err(field("department_id", Problem::DepartmentOutsideRights));
                }
                names.push(name);
            }
            let cc = input::cost_centre(cost_centre.as_deref()).map_err(one)?;
            (
                Write::Assign {
                    employee: *employee_id,
                    department: *department_id,
                    cost_centre: cc.clone(),
                },
                LineChanged::Reassigned {
                    was: Assignment {
                        employee_id: line.employee_id,
                        department_id: line.department_id,
                        cost_centre: line.cost_centre.clone(),
                    },
                    now: Assignment {
                        employee_id: *employee_id,
                        department_id: *department_id,
                        cost_centre: cc,
                    },
                },
            )
        }
    };
    let bill = BillChange::between(
        (status, fees),
        (preview.status_after, preview.fees),
        preview.one_time_kop,
    );
    let preview = Preview {
        action: change_name.to_owned(),
        change: change.clone(),
        monthly_delta_kop: bill.monthly_kop,
        one_time_kop: bill.one_time_kop,
        dropped_services: preview.dropped_services,
        status_before: status.as_str().to_owned(),
        status_after: preview.status_after.as_str().to_owned(),
    };
    Ok(Plan {
        line,
        preview,
        params: network_params(&change),
        op,
        change,
    })
}

/// What the change would do, without doing it.
pub async fn preview(
    db: &Db,
    permit: &Permit,
    line_id: i64,
    change: &LineChange,
) -> Result<Preview, ChangeError> {
    let mut conn = db.pool.acquire().await?;
    Ok(plan(&mut conn, permit, line_id, change).await?.preview)
}

/// How long a change may be in hand before a sweep takes it for a process that died: longer
/// than the Provisioner's retries take.
pub const HOLD: std::time::Duration = std::time::Duration::from_secs(60);

/// A change held on its line while the network hears of it: what finishes it, whoever does.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Held {
    pub(crate) line_id: i64,
    pub(crate) request: ProvisionRequest,
    op: Write,
    /// The audit entry it writes, as the audit log keeps it.
    action: String,
    before: Option<Value>,
    after: Option<Value>,
    /// The submit key, freed if the network refuses (the form may try again).
    key: Option<String>,
    permit: crate::authz::CarriedPermit,
    /// The bulk operation it is a line of, which records the line's outcome.
    #[serde(default)]
    bulk: Option<i64>,
}

impl Held {
    /// The change `event` (a line's) makes with `op`, sent as `request`.
    pub(crate) fn new(
        request: ProvisionRequest,
        op: Write,
        event: &LineEvent,
        permit: &Permit,
        key: Option<&str>,
        bulk: Option<i64>,
    ) -> Self {
        let row = AuditEvent::Line(event.clone()).row();
        Held {
            line_id: event.line_id,
            request,
            op,
            action: row.action,
            before: row.before,
            after: row.after,
            key: key.map(str::to_owned),
            permit: permit.carry(),
            bulk,
        }
    }

    /// Its audit entry: as planned, or with why the network refused it.
    fn event(&self, failed: Option<&Problem>) -> AuditEvent {
        let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
        let mut event = AuditEvent::read(
            &self.action,
            &self.line_id.to_string(),
            text(&self.before).as_deref(),
            text(&self.after).as_deref(),
        );
        if let AuditEvent::Line(e) = &mut event {
            e.failed = failed.cloned();
        }
        event
    }

    /// The change as a bulk operation's result keeps it: its audit entry's action and values.
    pub(crate) fn recorded(&self) -> String {
        recorded(&self.action, &self.before, &self.after)
    }

    pub(crate) fn payload(&self) -> Result<String, sqlx::Error> {
        serde_json::to_string(self).map_err(|e| sqlx::Error::Encode(e.into()))
    }

    pub(crate) fn read(payload: &str) -> Result<Held, serde_json::Error> {
        serde_json::from_str(payload)
    }

    /// The permit it was held under.
    pub(crate) fn permit(&self) -> Permit {
        self.permit.clone().permit()
    }
}

/// A change as a bulk operation's result keeps it (JSON): its audit entry's action and values,
/// which [`AuditEvent::read`] reads back.
pub(crate) fn recorded(action: &str, before: &Option<Value>, after: &Option<Value>) -> String {
    json!({ "action": action, "before": before, "after": after }).to_string()
}

/// A change a bulk operation's result keeps (see [`recorded`]), read back.
pub fn recorded_change(text: &str) -> Option<LineChanged> {
    let v: Value = serde_json::from_str(text).ok()?;
    let name = v.get("action")?.as_str()?.strip_prefix("line.")?;
    LineChanged::read(name, &v["before"], &v["after"])
}

/// Applies the change: planned and held on the line (one transaction), sent to the network
/// (none open), then written with its audit entry (another). A provisioning failure writes
/// nothing but its own audit entry.
pub async fn apply(
    db: &Db,
    provisioner: &dyn Provisioner,
    permit: &Permit,
    line_id: i64,
    change: &LineChange,
    key: Option<&str>,
) -> Result<Applied, ChangeError> {
    let Some((held, preview)) = hold(db, permit, line_id, change, key).await? else {
        return Ok(Applied {
            already_applied: true,
            preview: None,
        });
    };
    let answer = provisioner.apply(&held.request).await;
    finish(db, permit, &held, answer.as_ref().err()).await?;
    match answer {
        Ok(()) => Ok(Applied {
            already_applied: false,
            preview: Some(preview),
        }),
        Err(e) => Err(ChangeError::Provisioning(e.0)),
    }
}

/// Plans the change and holds the line for it: what finishes it and its preview, or `None`
/// when this key's change was submitted already.
async fn hold(
    db: &Db,
    permit: &Permit,
    line_id: i64,
    change: &LineChange,
    key: Option<&str>,
) -> Result<Option<(Held, Preview)>, ChangeError> {
    let mut tx = db.begin().await?;
    if let Some(key) = key {
        if key.is_empty() || key.len() > 100 {
            return Err(field("key", Problem::KeyLength));
        }
        match store::claim_key(
            &mut tx,
            permit,
            key,
            line_id,
            change.action(),
            &change.fingerprint(),
        )
        .await?
        {
            store::Claim::Fresh => {}
            store::Claim::Repeat => return Ok(None),
            store::Claim::Mismatch => {
                return Err(field("key", Problem::KeyReused));
            }
        }
    }
    let p = plan(&mut tx, permit, line_id, change).await?;
    if !store::bump(&mut tx, &p.line).await? {
        return Err(ChangeError::Conflict);
    }
    let event = LineEvent {
        line_id: p.line.id,
        change: p.change,
        monthly_delta_kop: p.preview.monthly_delta_kop,
        one_time_kop: p.preview.one_time_kop,
        failed: None,
    };
    let request = ProvisionRequest {
        request_id: key.map(str::to_owned).unwrap_or_else(new_token),
        msisdn: p.line.msisdn.clone(),
        iccid: p.line.iccid.clone(),
        action: change.action().to_owned(),
        params: p.params.clone(),
    };
    let held = Held::new(request, p.op, &event, permit, key, None);
    let payload = held.payload()?;
    let now = crate::store::now_ms();
    if !store::hold(
        &mut tx,
        &p.line,
        &payload,
        now,
        now + HOLD.as_millis() as i64,
    )
    .await?
    {
        return Err(ChangeError::Refused(Refusal(Problem::ChangeInHand)));
    }
    tx.commit().await?;
    Ok(Some((held, p.preview)))
}
/// Records how the network answered a held change — its writes and audit entry, or the
/// failure alone (its key freed) — and lets the line go, in one transaction.
async fn finish(
    db: &Db,
    permit: &Permit,
    held: &Held,
    failed: Option<&crate::provisioning::ProvisionError>,
) -> Result<(), ChangeError> {
    let mut tx = db.begin().await?;
    finish_many(&mut tx, permit, &[(held, failed.map(|e| &e.0))]).await?;
    tx.commit().await?;
    Ok(())
}

/// Records how the network answered held changes in the caller's transaction: each applied
/// one's writes and audit entry, each refused one's audit entry alone (its key freed), a bulk
/// operation's line its outcome; then lets the lines go.
pub(crate) async fn finish_many(
    tx: &mut crate::store::Tx,
    permit: &Permit,
    answered: &[(&Held, Option<&Problem>)],
) -> Result<(), sqlx::Error> {
    let mut writes = Vec::new();
    let mut events = Vec::with_capacity(answered.len());
    let mut outcomes: std::collections::BTreeMap<i64, Vec<crate::store::bulk::Outcome>> =
        Default::default();
    for &(held, failed) in answered {
        match failed {
            Some(_) => {
                if let Some(key) = &held.key {
                    store::forget_key(tx, permit, key).await?;
                }
            }
            // Held, the line is as it was planned on: no other change reaches it meanwhile.
            None => writes.push((held.line_id, &held.op)),
        }
        events.push(held.event(failed));
        if let Some(op) = held.bulk {
            outcomes
                .entry(op)
                .or_default()
                .push(crate::store::bulk::Outcome {
                    line_id: held.line_id,
                    outcome: if failed.is_some() {
                        "failed"
                    } else {
                        "changed"
                    },
                    problem: failed.map(|p| serde_json::to_string(p).unwrap_or_default()),
                    change: Some(held.recorded()),
                });
        }
    }
    write_many(tx, permit, &writes, permit.actor().user_id).await?;
    audit::append_many(tx, permit, &events).await?;
    for (op, outcomes) in &outcomes {
        crate::store::bulk::record(tx, permit, *op, outcomes).await?;
    }
    let lines: Vec<i64> = answered.iter().map(|(h, _)| h.line_id).collect();
    store::release(tx, permit, &lines).await
}

/// Finishes the changes whose process died while the network heard of them: each is sent
/// again under its own key (the network does it once) and recorded as it answers. How many.
pub async fn finish_stale(db: &Db, provisioner: &dyn Provisioner) -> Result<usize, ChangeError> {
    let mut finished = 0;
    loop {
        let now = crate::store::now_ms();
        let Some((line_id, payload)) =
            store::take_over_stale(db, now, now + HOLD.as_millis() as i64).await?
        else {
            return Ok(finished);
        };
        let held = match Held::read(&payload) {
            Ok(held) => held,
            Err(e) => {
                tracing::error!(line_id, error = %e, "a held change does not read: left for staff");
                return Ok(finished);
            }
        };
        let permit = held.permit();
        let answer = provisioner.apply(&held.request).await;
        finish(db, &permit, &held, answer.as_ref().err()).await?;
        finished += 1;
    }
}
