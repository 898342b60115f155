//! Everything the audit log records: one variant per kind of entry. Services build these, the
//! store writes each as the columns the log has always had (action, object, before, after), and
//! `web` says each as a sentence, so a kind without its sentence does not compile. Entries are
//! never rewritten, so [`AuditEvent::read`] accepts every payload shape ever stored (a test
//! keeps a fixture row of each).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Problem;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditEvent {
    // The operator's own work.
    CatalogueLoaded(Counts),
    CompanyCreated {
        company_id: i64,
        company: CreatedCompany,
    },
    DemoCreated {
        company_id: i64,
        made: DemoCounts,
    },
    StaffAdded {
        user_id: i64,
        msisdn: String,
    },
    LineAdded {
        line_id: i64,
        line: AddedLine,
    },
    UserDisabled {
        user_id: i64,
        sessions_ended: i64,
    },
    UserEnabled {
        user_id: i64,
    },
    UserErased {
        user_id: i64,
    },

    // The company's structure.
    DepartmentCreated {
        id: i64,
        now: DepartmentFields,
    },
    DepartmentUpdated {
        id: i64,
        was: DepartmentFields,
        now: DepartmentFields,
    },
    DepartmentDeleted {
        id: i64,
        was: DepartmentFields,
    },
    EmployeeCreated {
        id: i64,
        now: EmployeeFields,
    },
    EmployeeUpdated {
        id: i64,
        was: EmployeeFields,
        now: EmployeeFields,
        /// Which personal fields changed (their values are never logged).
        personal: Vec<String>,
    },
    EmployeeDeleted {
        id: i64,
        was: EmployeeFields,
    },
    /// A line left its employee because the employee was removed.
    LineUnassigned {
        line_id: i64,
        employee_id: Option<i64>,
    },
    /// A change of a line, made or (with `failed`) refused by the network.
    Line(LineEvent),
    RosterImported {
        upload_id: i64,
        import: RosterImport,
    },
    /// A bulk change confirmed over its lines, its run queued.
    BulkConfirmed {
        operation_id: i64,
        bulk: BulkConfirmed,
    },
    /// A bulk change asked to stop after its chunk in hand.
    BulkCancelled {
        operation_id: i64,
    },

    // Signing in and one's own security.
    SignedIn {
        user_id: i64,
        device: SignIn,
    },
    SignInFailed,
    CompanyChosen {
        user_id: i64,
    },
    SignedOut {
        user_id: i64,
    },
    CodeSent {
        user_id: Option<i64>,
        code: CodeSent,
    },
    SessionsEnded {
        user_id: i64,
        sessions: i64,
    },
    PasswordReset {
        user_id: i64,
        sessions_ended: i64,
    },
    /// A signed-in person changed their own password; their other sessions ended.
    PasswordChanged {
        user_id: i64,
        sessions_ended: i64,
    },
    TotpOn {
        user_id: i64,
    },
    TotpOff {
        user_id: i64,
    },
    RecoveryCodesRenewed {
        user_id: i64,
    },
    AdminsNeedTotp {
        company_id: i64,
        on: bool,
    },

    // Access.
    Granted {
        grant_id: i64,
        grant: Grant,
    },
    GrantRefused(GrantRefused),
    GrantRevoked {
        grant_id: i64,
    },
    TokenCreated {
        token_id: i64,
        token: NewToken,
    },
    TokenRevoked {
        token_id: i64,
    },
    RoleSet {
        user_id: i64,
        was: String,
        now: String,
    },
    /// An admin invited a person straight into a whole role.
    MemberInvited {
        user_id: i64,
        role: String,
    },
    MemberRemoved {
        user_id: i64,
        role: String,
    },
    MemberBlocked {
        user_id: i64,
        role: String,
    },
    MemberUnblocked {
        user_id: i64,
        role: String,
    },

    /// A row of a kind this build does not know, or whose payload does not read: shown by its
    /// action, never dropped.
    Unknown {
        action: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub regions: i64,
    pub tariffs: i64,
    pub services: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedCompany {
    pub legal_name: String,
    pub inn: String,
    pub kpp: String,
    /// The region's code.
    pub region: String,
    pub account: String,
    /// The first admin's number.
    pub admin: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoCounts {
    pub departments: i64,
    pub employees: i64,
    pub lines: i64,
    /// Services enabled on lines (pairs).
    pub services: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedLine {
    pub msisdn: String,
    pub iccid: String,
    /// The tariff's code.
    pub tariff: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DepartmentFields {
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Not written by imports before they could set one.
    #[serde(default)]
    pub cost_centre: String,
}

/// An employee as the log keeps them: no personal data (entries written before that rule held
/// a name, number and e-mail too; they are read and not shown).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmployeeFields {
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub position: String,
}

/// A line's employee, department and cost centre.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Assignment {
    #[serde(default)]
    pub employee_id: Option<i64>,
    #[serde(default)]
    pub department_id: Option<i64>,
    #[serde(default)]
    pub cost_centre: Option<String>,
}

/// A change of one line.
#[derive(Debug, Clone, PartialEq)]
pub struct LineEvent {
    pub line_id: i64,
    pub change: LineChanged,
    /// Change of the monthly bill, in kopecks (negative: cheaper).
    pub monthly_delta_kop: i64,
    /// Charged once, in kopecks.
    pub one_time_kop: i64,
    /// Why the network did not make it; the line stayed as it was.
    pub failed: Option<Problem>,
}

/// What changed on a line, with what it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineChanged {
    Tariff {
        /// Tariff codes.
        was: String,
        now: String,
        /// Codes of the services the new tariff does not allow (names, in entries written
        /// before 2026-12).
        dropped: Vec<String>,
    },
    ServiceOn {
        service: String,
    },
    ServiceOff {
        service: String,
    },
    Suspended {
        was: String,
        reason: String,
    },
    Resumed {
        was: String,
    },
    ReportedLost {
        was: String,
    },
    SimReplaced {
        was_iccid: String,
        now_iccid: String,
        was: String,
        now: String,
        /// `lost` or `replacement`.
        why: String,
    },
    Blocked {
        was: String,
        reason: String,
    },
    Unblocked {
        was: String,
        reason: String,
    },
    LimitSet {
        was_kop: Option<i64>,
        was_action: Option<String>,
        now_kop: i64,
        action: String,
    },
    LimitRemoved {
        was_kop: Option<i64>,
        was_action: Option<String>,
    },
    Reassigned {
        was: Assignment,
        now: Assignment,
    },
}

impl LineChanged {
    /// The change's name in actions (`line.<name>`), as the line-change API names it.
    pub fn name(&self) -> &'static str {
        match self {
            LineChanged::Tariff { .. } => "change_tariff",
            LineChanged::ServiceOn { .. } => "enable_service",
            LineChanged::ServiceOff { .. } => "disable_service",
            LineChanged::Suspended { .. } => "suspend",
            LineChanged::Resumed { .. } => "resume",
            LineChanged::ReportedLost { .. } => "report_lost",
            LineChanged::SimReplaced { .. } => "replace_sim",
            LineChanged::Blocked { .. } => "block",
            LineChanged::Unblocked { .. } => "unblock",
            LineChanged::LimitSet { .. } => "set_limit",
            LineChanged::LimitRemoved { .. } => "remove_limit",
            LineChanged::Reassigned { .. } => "reassign",
        }
    }

    /// As stored: what it was, and what it is.
    fn payload(&self) -> (Value, Value) {
        match self {
            LineChanged::Tariff { was, now, dropped } => (
                json!({ "tariff": was }),
                json!({ "tariff": now, "dropped_services": dropped }),
            ),
            LineChanged::ServiceOn { service } => (json!({}), json!({ "service": service })),
            LineChanged::ServiceOff { service } => (json!({ "service": service }), json!({})),
            LineChanged::Suspended { was, reason } => (
                json!({ "status": was }),
                json!({ "status": "suspended", "reason": reason }),
            ),
            LineChanged::Resumed { was } => {
                (json!({ "status": was }), json!({ "status": "active" }))
            }
            LineChanged::ReportedLost { was } => (
                json!({ "status": was }),
                json!({ "status": "blocked", "reason": "lost" }),
            ),
            LineChanged::SimReplaced {
                was_iccid,
                now_iccid,
                was,
                now,
                why,
            } => (
                json!({ "iccid": was_iccid, "status": was }),
                json!({ "iccid": now_iccid, "status": now, "why": why }),
            ),
            LineChanged::Blocked { was, reason } => (
                json!({ "status": was }),
                json!({ "status": "blocked", "reason": reason }),
            ),
            LineChanged::Unblocked { was, reason } => (
                json!({ "status": was, "reason": reason }),
                json!({ "status": "active" }),
            ),
            LineChanged::LimitSet {
                was_kop,
                was_action,
                now_kop,
                action,
            } => (
                json!({ "limit_kop": was_kop, "on_limit": was_action }),
                json!({ "limit_kop": now_kop, "on_limit": action }),
            ),
            LineChanged::LimitRemoved {
                was_kop,
                was_action,
            } => (
                json!({ "limit_kop": was_kop, "on_limit": was_action }),
                json!({ "limit_kop": null }),
            ),
            LineChanged::Reassigned { was, now } => (to_value(was), to_value(now)),
        }
    }

    /// The change from its entry's action name (after `line.`) and values.
    pub fn read(name: &str, before: &Value, after: &Value) -> Option<LineChanged> {
        let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64);
        let status = |v: &Value| text(v, "status").unwrap_or_default();
        Some(match name {
            "change_tariff" => LineChanged::Tariff {
                was: text(before, "tariff")?,
                now: text(after, "tariff")?,
                dropped: after
                    .get("dropped_services")
                    .and_then(|d| serde_json::from_value(d.clone()).ok())
                    .unwrap_or_default(),
            },
            "enable_service" => LineChanged::ServiceOn {
                service: text(after, "service")?,
            },
            "disable_service" => LineChanged::ServiceOff {
                service: text(before, "service")?,
            },
            "suspend" => LineChanged::Suspended {
                was: status(before),
                reason: text(after, "reason").unwrap_or_default(),
            },
            "resume" => LineChanged::Resumed {
                was: status(before),
            },
            "report_lost" => LineChanged::ReportedLost {
                was: status(before),
            },
            "replace_sim" => LineChanged::SimReplaced {
                was_iccid: text(before, "iccid")?,
                now_iccid: text(after, "iccid")?,
                was: status(before),
                now: status(after),
                why: text(after, "why").unwrap_or_default(),
            },
            "block" => LineChanged::Blocked {
                was: status(before),
                reason: text(after, "reason").unwrap_or_default(),
            },
            "unblock" => LineChanged::Unblocked {
                was: status(before),
                reason: text(before, "reason").unwrap_or_default(),
            },
            "set_limit" => LineChanged::LimitSet {
                was_kop: number(before, "limit_kop"),
                was_action: text(before, "on_limit"),
                now_kop: number(after, "limit_kop")?,
                action: text(after, "on_limit").unwrap_or_else(|| "bar".into()),
            },
            "remove_limit" => LineChanged::LimitRemoved {
                was_kop: number(before, "limit_kop"),
                was_action: text(before, "on_limit"),
            },
            "reassign" => LineChanged::Reassigned {
                was: serde_json::from_value(before.clone()).ok()?,
                now: serde_json::from_value(after.clone()).ok()?,
            },
            _ => return None,
        })
    }
}

/// What a bulk change was confirmed as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkConfirmed {
    /// The change's action (`enable_service`, `change_tariff`, …).
    pub action: String,
    /// How many lines it was confirmed on, and how many of them it would change then.
    pub lines: i64,
    pub changing: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_of: Option<i64>,
}

/// What a roster import wrote.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Applied {
    pub departments: usize,
    pub employees_added: usize,
    pub employees_changed: usize,
    pub employees_removed: usize,
    pub lines: usize,
    /// Rows with problems left out (the rows without were applied alone).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_skipped: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterImport {
    pub file: String,
    /// `add_update` or `full_sync`.
    pub mode: String,
    pub applied: Applied,
}

/// How a person signed in (fields added over time are absent from older entries).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SignIn {
    #[serde(default)]
    pub user_agent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_device: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSent {
    /// `login` or `reset`.
    pub purpose: String,
    /// Whether the number was someone's (only staff see it).
    pub known: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub user_id: i64,
    pub rights: Vec<String>,
    pub departments: Vec<i64>,
    /// Line ids.
    pub lines: Vec<i64>,
    /// End of the last day (unix ms), or none.
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantRefused {
    /// The number as typed.
    pub number: String,
    /// Each refusal: the field and its problem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<(String, Problem)>,
    /// `field: why` in Russian, as entries written before refusals were codes hold them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewToken {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub rights: Vec<String>,
    pub expires_at: Option<i64>,
}

/// An entry as its columns hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub action: String,
    pub object_type: &'static str,
    pub object_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A refusal as stored: an entry of an earlier build keeps the network's words as text.
fn error_value(problem: &Problem) -> Value {
    match problem {
        Problem::Stored { text } => json!(text),
        other => to_value(other),
    }
}

fn error_of(stored: Option<&Value>) -> Problem {
    match stored {
        Some(Value::String(text)) => Problem::Stored { text: text.clone() },
        Some(other) => serde_json::from_value(other.clone()).unwrap_or(Problem::Stored {
            text: other.to_string(),
        }),
        None => Problem::Stored {
            text: String::new(),
        },
    }
}

fn money_text(kop: i64) -> String {
    super::Money::from_kopecks(kop).to_string()
}

fn kopecks_of(v: Option<&Value>) -> i64 {
    v.and_then(Value::as_str)
        .and_then(|s| s.parse::<Decimal>().ok())
        .and_then(|d| i64::try_from((d * Decimal::ONE_HUNDRED).round()).ok())
        .unwrap_or(0)
}

impl AuditEvent {
    /// The entry as the log's columns hold it.
    pub fn row(&self) -> Row {
        use AuditEvent as E;
        let row = |action: &str, object_type, id: String, before, after| Row {
            action: action.to_owned(),
            object_type,
            object_id: id,
            before,
            after,
        };
        let user = |action: &str, user_id: &i64, after: Option<Value>| {
            row(action, "user", user_id.to_string(), None, after)
        };
        let session = |action: &str, user_id: &i64, after: Value| {
            row(action, "session", user_id.to_string(), None, Some(after))
        };
        match self {
            E::CatalogueLoaded(c) => row(
                "catalogue.load",
                "catalogue",
                "shipped".into(),
                None,
                Some(to_value(c)),
            ),
            E::CompanyCreated {
                company_id,
                company,
            } => row(
                "company.create",
                "company",
                company_id.to_string(),
                None,
                Some(to_value(company)),
            ),
            E::DemoCreated { company_id, made } => row(
                "demo.create",
                "company",
                company_id.to_string(),
                None,
                Some(to_value(made)),
            ),
            E::StaffAdded { user_id, msisdn } => {
                user("staff.add", user_id, Some(json!({ "msisdn": msisdn })))
            }
            E::LineAdded { line_id, line } => row(
                "line.add",
                "line",
                line_id.to_string(),
                None,
                Some(to_value(line)),
            ),
            E::UserDisabled {
                user_id,
                sessions_ended,
            } => user(
                "user.disabled",
                user_id,
                Some(json!({ "sessions_ended": sessions_ended })),
            ),
            E::UserEnabled { user_id } => user(
                "user.enabled",
                user_id,
                Some(json!({ "sessions_ended": 0 })),
            ),
            E::UserErased { user_id } => user("user.erased", user_id, Some(json!({}))),
            E::DepartmentCreated { id, now } => row(
                "department.create",
                "department",
                id.to_string(),
                None,
                Some(to_value(now)),
            ),
            E::DepartmentUpdated { id, was, now } => row(
                "department.update",
                "department",
                id.to_string(),
                Some(to_value(was)),
                Some(to_value(now)),
            ),
            E::DepartmentDeleted { id, was } => row(
                "department.delete",
                "department",
                id.to_string(),
                Some(to_value(was)),
                None,
            ),
            E::EmployeeCreated { id, now } => row(
                "employee.create",
                "employee",
                id.to_string(),
                None,
                Some(to_value(now)),
            ),
            E::EmployeeUpdated {
                id,
                was,
                now,
                personal,
            } => {
                let mut after = to_value(now);
                if !personal.is_empty()
                    && let Value::Object(map) = &mut after
                {
                    map.insert("personal_data_changed".into(), json!(personal));
                }
                row(
                    "employee.update",
                    "employee",
                    id.to_string(),
                    Some(to_value(was)),
                    Some(after),
                )
            }
            E::EmployeeDeleted { id, was } => row(
                "employee.delete",
                "employee",
                id.to_string(),
                Some(to_value(was)),
                None,
            ),
            E::LineUnassigned {
                line_id,
                employee_id,
            } => row(
                "line.unassign",
                "line",
                line_id.to_string(),
                Some(json!({ "employee_id": employee_id })),
                Some(json!({ "employee_id": null })),
            ),
            E::Line(e) => {
                let (before, mut after) = e.change.payload();
                let action = format!("line.{}", e.change.name());
                if let Some(error) = &e.failed {
                    return row(
                        &format!("{action}.failed"),
                        "line",
                        e.line_id.to_string(),
                        Some(before),
                        Some(json!({ "error": error_value(error), "wanted": after })),
                    );
                }
                if let Value::Object(map) = &mut after {
                    if e.monthly_delta_kop != 0 {
                        map.insert(
                            "monthly_delta".into(),
                            json!(money_text(e.monthly_delta_kop)),
                        );
                    }
                    if e.one_time_kop != 0 {
                        map.insert("one_time".into(), json!(money_text(e.one_time_kop)));
                    }
                }
                row(
                    &action,
                    "line",
                    e.line_id.to_string(),
                    Some(before),
                    Some(after),
                )
            }
            E::RosterImported { upload_id, import } => row(
                "roster.import",
                "roster_upload",
                upload_id.to_string(),
                None,
                Some(to_value(import)),
            ),
            E::BulkConfirmed { operation_id, bulk } => row(
                "bulk.confirm",
                "bulk_operation",
                operation_id.to_string(),
                None,
                Some(to_value(bulk)),
            ),
            E::BulkCancelled { operation_id } => row(
                "bulk.cancel",
                "bulk_operation",
                operation_id.to_string(),
                None,
                Some(json!({})),
            ),
            E::SignedIn { user_id, device } => session("session.login", user_id, to_value(device)),
            E::SignInFailed => row("session.login_failed", "session", String::new(), None, None),
            E::CompanyChosen { user_id } => session("session.company", user_id, json!({})),
            E::SignedOut { user_id } => session("session.logout", user_id, json!({})),
            E::CodeSent { user_id, code } => row(
                "session.code_sent",
                "session",
                user_id.map(|u| u.to_string()).unwrap_or_default(),
                None,
                Some(to_value(code)),
            ),
            E::SessionsEnded { user_id, sessions } => {
                session("session.ended", user_id, json!({ "sessions": sessions }))
            }
            E::PasswordReset {
                user_id,
                sessions_ended,
            } => user(
                "user.password_reset",
                user_id,
                Some(json!({ "sessions_ended": sessions_ended })),
            ),
            E::PasswordChanged {
                user_id,
                sessions_ended,
            } => user(
                "user.password_changed",
                user_id,
                Some(json!({ "sessions_ended": sessions_ended })),
            ),
            E::TotpOn { user_id } => user("user.totp_on", user_id, None),
            E::TotpOff { user_id } => user("user.totp_off", user_id, None),
            E::RecoveryCodesRenewed { user_id } => user("user.recovery_codes", user_id, None),
            E::AdminsNeedTotp { company_id, on } => row(
                "company.admins_need_totp",
                "company",
                company_id.to_string(),
                None,
                Some(json!({ "on": on })),
            ),
            E::Granted { grant_id, grant } => row(
                "access.grant",
                "grant",
                grant_id.to_string(),
                None,
                Some(to_value(grant)),
            ),
            E::GrantRefused(refused) => row(
                "access.grant_refused",
                "grant",
                String::new(),
                None,
                Some(to_value(refused)),
            ),
            E::GrantRevoked { grant_id } => {
                row("access.revoke", "grant", grant_id.to_string(), None, None)
            }
            E::TokenCreated { token_id, token } => row(
                "access.token_created",
                "api_token",
                token_id.to_string(),
                None,
                Some(to_value(token)),
            ),
            E::TokenRevoked { token_id } => row(
                "access.token_revoked",
                "api_token",
                token_id.to_string(),
                None,
                None,
            ),
            E::RoleSet { user_id, was, now } => row(
                "access.role",
                "user",
                user_id.to_string(),
                Some(json!({ "role": was })),
                Some(json!({ "role": now })),
            ),
            E::MemberInvited { user_id, role } => row(
                "access.invite",
                "user",
                user_id.to_string(),
                None,
                Some(json!({ "role": role })),
            ),
            E::MemberRemoved { user_id, role } => row(
                "access.remove",
                "user",
                user_id.to_string(),
                Some(json!({ "role": role })),
                None,
            ),
            E::MemberBlocked { user_id, role } => {
                user("access.block", user_id, Some(json!({ "role": role })))
            }
            E::MemberUnblocked { user_id, role } => {
                user("access.unblock", user_id, Some(json!({ "role": role })))
            }
            E::Unknown { action } => row(action, "", String::new(), None, None),
        }
    }

    /// An entry from its columns, in any shape ever stored; one that does not read is
    /// [`AuditEvent::Unknown`].
    pub fn read(action: &str, object_id: &str, before: Option<&str>, after: Option<&str>) -> Self {
        let parse = |s: Option<&str>| {
            s.and_then(|s| serde_json::from_str::<Value>(s).ok())
                .unwrap_or(Value::Null)
        };
        let (before, after) = (parse(before), parse(after));
        Self::read_values(action, object_id, &before, &after).unwrap_or_else(|| {
            AuditEvent::Unknown {
                action: action.to_owned(),
            }
        })
    }

    fn read_values(action: &str, object_id: &str, before: &Value, after: &Value) -> Option<Self> {
        use AuditEvent as E;
        fn of<T: for<'de> Deserialize<'de>>(v: &Value) -> Option<T> {
            serde_json::from_value(v.clone()).ok()
        }
        let id = || object_id.parse::<i64>().ok();
        let count = |v: &Value, key: &str| v.get(key).and_then(Value::as_i64).unwrap_or(0);
        let role = |v: &Value| v.get("role").and_then(Value::as_str).map(str::to_owned);
        if let Some(name) = action.strip_prefix("line.") {
            let (name, failed) = match name.strip_suffix(".failed") {
                Some(name) => (name, Some(error_of(after.get("error")))),
                None => (name, None),
            };
            match name {
                "add" => {
                    return Some(E::LineAdded {
                        line_id: id()?,
                        line: of(after)?,
                    });
                }
                "unassign" => {
                    return Some(E::LineUnassigned {
                        line_id: id()?,
                        employee_id: before.get("employee_id").and_then(Value::as_i64),
                    });
                }
                _ => {}
            }
            let wanted = if failed.is_some() {
                after.get("wanted").unwrap_or(&Value::Null)
            } else {
                after
            };
            let change = LineChanged::read(name, before, wanted)?;
            return Some(E::Line(LineEvent {
                line_id: id()?,
                change,
                monthly_delta_kop: kopecks_of(after.get("monthly_delta")),
                one_time_kop: kopecks_of(after.get("one_time")),
                failed,
            }));
        }
        Some(match action {
            "catalogue.load" => E::CatalogueLoaded(of(after)?),
            "company.create" => E::CompanyCreated {
                company_id: id()?,
                company: of(after)?,
            },
            "demo.create" => E::DemoCreated {
                company_id: id()?,
                made: of(after)?,
            },
            "staff.add" => E::StaffAdded {
                user_id: id()?,
                msisdn: after.get("msisdn")?.as_str()?.to_owned(),
            },
            "user.disabled" => E::UserDisabled {
                user_id: id()?,
                sessions_ended: count(after, "sessions_ended"),
            },
            "user.enabled" => E::UserEnabled { user_id: id()? },
            "user.erased" => E::UserErased { user_id: id()? },
            "department.create" => E::DepartmentCreated {
                id: id()?,
                now: of(after)?,
            },
            "department.update" => E::DepartmentUpdated {
                id: id()?,
                was: of(before)?,
                now: of(after)?,
            },
            "department.delete" => E::DepartmentDeleted {
                id: id()?,
                was: of(before)?,
            },
            "employee.create" => E::EmployeeCreated {
                id: id()?,
                now: of(after)?,
            },
            "employee.update" => {
                let was: EmployeeFields = of(before)?;
                let now: EmployeeFields = of(after)?;
                // The first entries held the personal fields themselves: say which changed.
                let personal = match after.get("personal_data_changed") {
                    Some(list) => of(list).unwrap_or_default(),
                    None => ["full_name", "personnel_number", "email"]
                        .into_iter()
                        .filter(|k| after.get(*k).is_some() && before.get(*k) != after.get(*k))
                        .map(str::to_owned)
                        .collect(),
                };
                E::EmployeeUpdated {
                    id: id()?,
                    was,
                    now,
                    personal,
                }
            }
            "employee.delete" => E::EmployeeDeleted {
                id: id()?,
                was: of(before)?,
            },
            "roster.import" => E::RosterImported {
                upload_id: id()?,
                import: of(after)?,
            },
            "bulk.confirm" => E::BulkConfirmed {
                operation_id: id()?,
                bulk: of(after)?,
            },
            "bulk.cancel" => E::BulkCancelled {
                operation_id: id()?,
            },
            "session.login" => E::SignedIn {
                user_id: id()?,
                device: of(after).unwrap_or_default(),
            },
            "session.login_failed" => E::SignInFailed,
            "session.company" => E::CompanyChosen { user_id: id()? },
            "session.logout" => E::SignedOut { user_id: id()? },
            "session.code_sent" => E::CodeSent {
                user_id: id(),
                code: of(after)?,
            },
            "session.ended" => E::SessionsEnded {
                user_id: id()?,
                sessions: count(after, "sessions"),
            },
            "user.password_reset" => E::PasswordReset {
                user_id: id()?,
                sessions_ended: count(after, "sessions_ended"),
            },
            "user.password_changed" => E::PasswordChanged {
                user_id: id()?,
                sessions_ended: count(after, "sessions_ended"),
            },
            "user.totp_on" => E::TotpOn { user_id: id()? },
            "user.totp_off" => E::TotpOff { user_id: id()? },
            "user.recovery_codes" => E::RecoveryCodesRenewed { user_id: id()? },
            "company.admins_need_totp" => E::AdminsNeedTotp {
                company_id: id()?,
                on: after.get("on")?.as_bool()?,
            },
            "access.grant" => E::Granted {
                grant_id: id()?,
                grant: of(after)?,
            },
            "access.grant_refused" => E::GrantRefused(of(after)?),
            "access.revoke" => E::GrantRevoked { grant_id: id()? },
            "access.token_created" => E::TokenCreated {
                token_id: id()?,
                token: of(after)?,
            },
            "access.token_revoked" => E::TokenRevoked { token_id: id()? },
            "access.role" => E::RoleSet {
                user_id: id()?,
                was: role(before)?,
                now: role(after)?,
            },
            "access.invite" => E::MemberInvited {
                user_id: id()?,
                role: role(after)?,
            },
            "access.remove" => E::MemberRemoved {
                user_id: id()?,
                role: role(before)?,
            },
            "access.block" => E::MemberBlocked {
                user_id: id()?,
                role: role(after)?,
            },
            "access.unblock" => E::MemberUnblocked {
                user_id: id()?,
                role: role(after)?,
            },
            _ => return None,
        })
    }
}

/// A row of every payload shape ever stored: (action, object id, before, after). The renderer's
/// tests read and say each in both languages.
#[cfg(test)]
pub(crate) const FIXTURES: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    (
        "catalogue.load",
        "shipped",
        None,
        Some(r#"{"regions":3,"tariffs":12,"services":20}"#),
    ),
    (
        "company.create",
        "7",
        None,
        Some(
            r#"{"legal_name":"ООО «Ромашка»","inn":"7707083893","kpp":"770701001","region":"77","account":"1000000007","admin":"+79161234567"}"#,
        ),
    ),
    (
        "demo.create",
        "7",
        None,
        Some(r#"{"departments":8,"employees":120,"lines":150,"services":300}"#),
    ),
    // A staff member added before names left the log, and after.
    (
        "staff.add",
        "3",
        None,
        Some(r#"{"msisdn":"+79160000099","name":"Оператор Один"}"#),
    ),
    ("staff.add", "3", None, Some(r#"{"msisdn":"+79160000099"}"#)),
    (
        "line.add",
        "11",
        None,
        Some(
            r#"{"msisdn":"+79160000001","iccid":"8970199000000000001","tariff":"biz-start","status":"active"}"#,
        ),
    ),
    ("user.disabled", "5", None, Some(r#"{"sessions_ended":2}"#)),
    ("user.enabled", "5", None, Some(r#"{"sessions_ended":0}"#)),
    ("user.erased", "5", None, Some("{}")),
    (
        "department.create",
        "3",
        None,
        Some(r#"{"name":"Склад Москва","parent_id":null,"cost_centre":"ЦФО-1"}"#),
    ),
    // An import's department, with no cost centre.
    (
        "department.create",
        "4",
        None,
        Some(r#"{"name":"Склад Подольск","parent_id":3}"#),
    ),
    (
        "department.update",
        "3",
        Some(r#"{"name":"Склад","parent_id":null,"cost_centre":""}"#),
        Some(r#"{"name":"Склад Москва","parent_id":2,"cost_centre":"ЦФО-1"}"#),
    ),
    (
        "department.delete",
        "3",
        Some(r#"{"name":"Склад Москва","parent_id":null,"cost_centre":""}"#),
        None,
    ),
    // Employees as first logged (with personal data), then without.
    (
        "employee.create",
        "9",
        None,
        Some(
            r#"{"full_name":"Иванов Иван","department_id":3,"personnel_number":"17","position":"Кладовщик","email":"i@r.test"}"#,
        ),
    ),
    (
        "employee.update",
        "9",
        Some(
            r#"{"full_name":"Иванов Иван","department_id":3,"personnel_number":"17","position":"Кладовщик","email":""}"#,
        ),
        Some(
            r#"{"full_name":"Иванов Иван","department_id":4,"personnel_number":"18","position":"Кладовщик","email":""}"#,
        ),
    ),
    (
        "employee.delete",
        "9",
        Some(
            r#"{"full_name":"Иванов Иван","department_id":3,"personnel_number":"17","position":"Кладовщик","email":""}"#,
        ),
        None,
    ),
    (
        "employee.create",
        "9",
        None,
        Some(r#"{"department_id":3,"position":"Кладовщик"}"#),
    ),
    (
        "employee.update",
        "9",
        Some(r#"{"department_id":3,"position":"Кладовщик"}"#),
        Some(
            r#"{"department_id":4,"position":"Старший кладовщик","personal_data_changed":["full_name","email"]}"#,
        ),
    ),
    (
        "employee.update",
        "9",
        Some(r#"{"department_id":3,"position":""}"#),
        Some(r#"{"department_id":null,"position":""}"#),
    ),
    (
        "employee.delete",
        "9",
        Some(r#"{"department_id":3,"position":"Кладовщик"}"#),
        None,
    ),
    (
        "line.unassign",
        "11",
        Some(r#"{"employee_id":9,"employee":"Иванов Иван"}"#),
        Some(r#"{"employee_id":null}"#),
    ),
    (
        "line.unassign",
        "11",
        Some(r#"{"employee_id":9}"#),
        Some(r#"{"employee_id":null}"#),
    ),
    (
        "roster.import",
        "2",
        None,
        Some(
            r#"{"file":"staff.xlsx","mode":"add_update","applied":{"departments":1,"employees_added":10,"employees_changed":2,"employees_removed":0,"lines":12}}"#,
        ),
    ),
    (
        "roster.import",
        "2",
        None,
        Some(
            r#"{"file":"staff.csv","mode":"full_sync","applied":{"departments":0,"employees_added":0,"employees_changed":0,"employees_removed":3,"lines":0}}"#,
        ),
    ),
    (
        "bulk.confirm",
        "5",
        None,
        Some(r#"{"action":"enable_service","lines":1200,"changing":1150}"#),
    ),
    (
        "bulk.confirm",
        "6",
        None,
        Some(r#"{"action":"change_tariff","lines":12,"changing":12,"retry_of":5}"#),
    ),
    ("bulk.cancel", "5", None, Some("{}")),
    // Sign-ins as the fields were added.
    (
        "session.login",
        "1",
        None,
        Some(
            r#"{"user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}"#,
        ),
    ),
    (
        "session.login",
        "1",
        None,
        Some(
            r#"{"user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1","new_device":true}"#,
        ),
    ),
    (
        "session.login",
        "1",
        None,
        Some(r#"{"user_agent":"curl/8.5.0","new_device":false,"second_factor":true}"#),
    ),
    (
        "session.login",
        "1",
        None,
        Some(r#"{"user_agent":"","new_device":false,"second_factor":false}"#),
    ),
    ("session.login_failed", "", None, None),
    ("session.company", "1", None, Some("{}")),
    ("session.logout", "1", None, Some("{}")),
    (
        "session.code_sent",
        "1",
        None,
        Some(r#"{"purpose":"login","known":true}"#),
    ),
    (
        "session.code_sent",
        "",
        None,
        Some(r#"{"purpose":"reset","known":false}"#),
    ),
    ("session.ended", "1", None, Some(r#"{"sessions":3}"#)),
    (
        "user.password_reset",
        "1",
        None,
        Some(r#"{"sessions_ended":1}"#),
    ),
    (
        "user.password_changed",
        "1",
        None,
        Some(r#"{"sessions_ended":2}"#),
    ),
    ("user.totp_on", "1", None, None),
    ("user.totp_off", "1", None, None),
    ("user.recovery_codes", "1", None, None),
    (
        "company.admins_need_totp",
        "7",
        None,
        Some(r#"{"on":true}"#),
    ),
    (
        "company.admins_need_totp",
        "7",
        None,
        Some(r#"{"on":false}"#),
    ),
    // Grants before and after the number left the payload.
    (
        "access.grant",
        "4",
        None,
        Some(
            r#"{"user_id":5,"number":"+79035551234","rights":["lines.view","lines.tariff"],"departments":[3],"lines":[11],"expires_at":1798750799999}"#,
        ),
    ),
    (
        "access.grant",
        "4",
        None,
        Some(
            r#"{"user_id":5,"rights":["lines.view"],"departments":[],"lines":[11,12],"expires_at":null}"#,
        ),
    ),
    (
        "access.grant_refused",
        "",
        None,
        Some(r#"{"number":"+7903","reasons":["number: «+7903» — не номер телефона"]}"#),
    ),
    (
        "access.grant_refused",
        "",
        None,
        Some(
            r#"{"number":"+7903","refused":[["number",{"code":"number_too_short","input":"+7903"}],["rights",{"code":"required"}]]}"#,
        ),
    ),
    ("access.revoke", "4", None, None),
    (
        "access.token_created",
        "2",
        None,
        Some(r#"{"name":"Учёт","role":"admin","rights":[],"expires_at":null}"#),
    ),
    (
        "access.token_created",
        "3",
        None,
        Some(
            r#"{"name":"Склад API","role":"manager","rights":["lines.view"],"expires_at":1798750799999}"#,
        ),
    ),
    ("access.token_revoked", "2", None, None),
    (
        "access.role",
        "5",
        Some(r#"{"role":"manager"}"#),
        Some(r#"{"role":"accountant"}"#),
    ),
    ("access.remove", "5", Some(r#"{"role":"manager"}"#), None),
    ("access.invite", "5", None, Some(r#"{"role":"accountant"}"#)),
    ("access.block", "5", None, Some(r#"{"role":"manager"}"#)),
    ("access.unblock", "5", None, Some(r#"{"role":"manager"}"#)),
    // Line changes, with and without their money, and refused by the network.
    (
        "line.change_tariff",
        "11",
        Some(r#"{"tariff":"biz-start"}"#),
        Some(r#"{"tariff":"biz-max","dropped_services":["Гудок"],"monthly_delta":"500.00"}"#),
    ),
    (
        "line.change_tariff",
        "11",
        Some(r#"{"tariff":"biz-max"}"#),
        Some(r#"{"tariff":"biz-start","dropped_services":[],"monthly_delta":"-500.00"}"#),
    ),
    // Since 2026-12 the dropped services are codes.
    (
        "line.change_tariff",
        "11",
        Some(r#"{"tariff":"biz-opt"}"#),
        Some(
            r#"{"tariff":"biz-start","dropped_services":["call-recording"],"monthly_delta":"-630.00"}"#,
        ),
    ),
    (
        "line.enable_service",
        "11",
        Some("{}"),
        Some(r#"{"service":"beep","monthly_delta":"60.00","one_time":"30.00"}"#),
    ),
    (
        "line.disable_service",
        "11",
        Some(r#"{"service":"beep"}"#),
        Some(r#"{"monthly_delta":"-60.00"}"#),
    ),
    (
        "line.suspend",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"status":"suspended","reason":"отпуск"}"#),
    ),
    (
        "line.suspend",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"status":"suspended","reason":""}"#),
    ),
    (
        "line.resume",
        "11",
        Some(r#"{"status":"suspended"}"#),
        Some(r#"{"status":"active"}"#),
    ),
    (
        "line.report_lost",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"status":"blocked","reason":"lost"}"#),
    ),
    (
        "line.replace_sim",
        "11",
        Some(r#"{"iccid":"8970199000000000001","status":"blocked"}"#),
        Some(
            r#"{"iccid":"8970199000000000019","status":"active","why":"lost","one_time":"150.00"}"#,
        ),
    ),
    (
        "line.block",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"status":"blocked","reason":"debt"}"#),
    ),
    (
        "line.unblock",
        "11",
        Some(r#"{"status":"blocked","reason":"debt"}"#),
        Some(r#"{"status":"active"}"#),
    ),
    (
        "line.set_limit",
        "11",
        Some(r#"{"limit_kop":null,"on_limit":null}"#),
        Some(r#"{"limit_kop":150050,"on_limit":"bar"}"#),
    ),
    (
        "line.set_limit",
        "11",
        Some(r#"{"limit_kop":150050,"on_limit":"bar"}"#),
        Some(r#"{"limit_kop":200000,"on_limit":"employee_pays"}"#),
    ),
    (
        "line.remove_limit",
        "11",
        Some(r#"{"limit_kop":150050,"on_limit":"bar"}"#),
        Some(r#"{"limit_kop":null}"#),
    ),
    (
        "line.reassign",
        "11",
        Some(r#"{"employee_id":null,"department_id":3,"cost_centre":null}"#),
        Some(r#"{"employee_id":9,"department_id":4,"cost_centre":"ЦФО-2"}"#),
    ),
    (
        "line.reassign",
        "11",
        Some(r#"{"employee_id":9,"department_id":4,"cost_centre":"ЦФО-2"}"#),
        Some(r#"{"employee_id":null,"department_id":null,"cost_centre":null}"#),
    ),
    (
        "line.change_tariff.failed",
        "11",
        Some(r#"{"tariff":"biz-start"}"#),
        Some(r#"{"error":"BSS: timeout","wanted":{"tariff":"biz-max","dropped_services":[]}}"#),
    ),
    (
        "line.enable_service.failed",
        "11",
        Some("{}"),
        Some(
            r#"{"error":{"code":"network_answered","status":503,"body":"busy"},"wanted":{"service":"beep"}}"#,
        ),
    ),
    (
        "line.enable_service.failed",
        "11",
        Some("{}"),
        Some(r#"{"error":"BSS: 503","wanted":{"service":"beep"}}"#),
    ),
    (
        "line.disable_service.failed",
        "11",
        Some(r#"{"service":"beep"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{}}"#),
    ),
    (
        "line.suspend.failed",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"status":"suspended","reason":""}}"#),
    ),
    (
        "line.resume.failed",
        "11",
        Some(r#"{"status":"suspended"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"status":"active"}}"#),
    ),
    (
        "line.report_lost.failed",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"status":"blocked","reason":"lost"}}"#),
    ),
    (
        "line.replace_sim.failed",
        "11",
        Some(r#"{"iccid":"8970199000000000001","status":"active"}"#),
        Some(
            r#"{"error":"BSS: 503","wanted":{"iccid":"8970199000000000019","status":"active","why":"replacement"}}"#,
        ),
    ),
    (
        "line.block.failed",
        "11",
        Some(r#"{"status":"active"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"status":"blocked","reason":"unregistered"}}"#),
    ),
    (
        "line.unblock.failed",
        "11",
        Some(r#"{"status":"blocked","reason":"debt"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"status":"active"}}"#),
    ),
    (
        "line.set_limit.failed",
        "11",
        Some(r#"{"limit_kop":null,"on_limit":null}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"limit_kop":150050,"on_limit":"bar"}}"#),
    ),
    (
        "line.remove_limit.failed",
        "11",
        Some(r#"{"limit_kop":150050,"on_limit":"bar"}"#),
        Some(r#"{"error":"BSS: 503","wanted":{"limit_kop":null}}"#),
    ),
    (
        "line.reassign.failed",
        "11",
        Some(r#"{"employee_id":null,"department_id":3,"cost_centre":null}"#),
        Some(
            r#"{"error":"BSS: 503","wanted":{"employee_id":9,"department_id":3,"cost_centre":null}}"#,
        ),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind's place in [`KINDS`]; a new kind does not compile until it is named here.
    pub(crate) fn kind(e: &AuditEvent) -> &'static str {
        use AuditEvent as E;
        match e {
            E::CatalogueLoaded(_) => "CatalogueLoaded",
            E::CompanyCreated { .. } => "CompanyCreated",
            E::DemoCreated { .. } => "DemoCreated",
            E::StaffAdded { .. } => "StaffAdded",
            E::LineAdded { .. } => "LineAdded",
            E::UserDisabled { .. } => "UserDisabled",
            E::UserEnabled { .. } => "UserEnabled",
            E::UserErased { .. } => "UserErased",
            E::DepartmentCreated { .. } => "DepartmentCreated",
            E::DepartmentUpdated { .. } => "DepartmentUpdated",
            E::DepartmentDeleted { .. } => "DepartmentDeleted",
            E::EmployeeCreated { .. } => "EmployeeCreated",
            E::EmployeeUpdated { .. } => "EmployeeUpdated",
            E::EmployeeDeleted { .. } => "EmployeeDeleted",
            E::LineUnassigned { .. } => "LineUnassigned",
            E::Line(l) => match (&l.change, l.failed.is_some()) {
                (c, false) => c.name(),
                (c, true) => match c {
                    LineChanged::Tariff { .. } => "change_tariff.failed",
                    LineChanged::ServiceOn { .. } => "enable_service.failed",
                    LineChanged::ServiceOff { .. } => "disable_service.failed",
                    LineChanged::Suspended { .. } => "suspend.failed",
                    LineChanged::Resumed { .. } => "resume.failed",
                    LineChanged::ReportedLost { .. } => "report_lost.failed",
                    LineChanged::SimReplaced { .. } => "replace_sim.failed",
                    LineChanged::Blocked { .. } => "block.failed",
                    LineChanged::Unblocked { .. } => "unblock.failed",
                    LineChanged::LimitSet { .. } => "set_limit.failed",
                    LineChanged::LimitRemoved { .. } => "remove_limit.failed",
                    LineChanged::Reassigned { .. } => "reassign.failed",
                },
            },
            E::RosterImported { .. } => "RosterImported",
            E::BulkConfirmed { .. } => "BulkConfirmed",
            E::BulkCancelled { .. } => "BulkCancelled",
            E::SignedIn { .. } => "SignedIn",
            E::SignInFailed => "SignInFailed",
            E::CompanyChosen { .. } => "CompanyChosen",
            E::SignedOut { .. } => "SignedOut",
            E::CodeSent { .. } => "CodeSent",
            E::SessionsEnded { .. } => "SessionsEnded",
            E::PasswordReset { .. } => "PasswordReset",
            E::PasswordChanged { .. } => "PasswordChanged",
            E::TotpOn { .. } => "TotpOn",
            E::TotpOff { .. } => "TotpOff",
            E::RecoveryCodesRenewed { .. } => "RecoveryCodesRenewed",
            E::AdminsNeedTotp { .. } => "AdminsNeedTotp",
            E::Granted { .. } => "Granted",
            E::GrantRefused(_) => "GrantRefused",
            E::GrantRevoked { .. } => "GrantRevoked",
            E::TokenCreated { .. } => "TokenCreated",
            E::TokenRevoked { .. } => "TokenRevoked",
            E::RoleSet { .. } => "RoleSet",
            E::MemberInvited { .. } => "MemberInvited",
            E::MemberRemoved { .. } => "MemberRemoved",
            E::MemberBlocked { .. } => "MemberBlocked",
            E::MemberUnblocked { .. } => "MemberUnblocked",
            E::Unknown { .. } => "Unknown",
        }
    }

    /// Every kind but `Unknown` (which is read, never written), the line changes each made and
    /// refused.
    const KINDS: usize = 40 + 12 * 2;

    fn read(f: &(&str, &str, Option<&str>, Option<&str>)) -> AuditEvent {
        AuditEvent::read(f.0, f.1, f.2, f.3)
    }

    /// The `nth` fixture of an action.
    fn fixture(action: &str, nth: usize) -> AuditEvent {
        read(
            FIXTURES
                .iter()
                .filter(|f| f.0 == action)
                .nth(nth)
                .expect("a fixture"),
        )
    }

    #[test]
    fn every_stored_shape_reads_and_every_kind_has_one() {
        let mut kinds = std::collections::BTreeSet::new();
        for f in FIXTURES {
            let e = read(f);
            assert!(
                !matches!(e, AuditEvent::Unknown { .. }),
                "{f:?} does not read"
            );
            kinds.insert(kind(&e));
        }
        assert_eq!(kinds.len(), KINDS, "kinds with a fixture: {kinds:?}");
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        for f in FIXTURES {
            let e = read(f);
            let row = e.row();
            let again = AuditEvent::read(
                &row.action,
                &row.object_id,
                row.before.map(|v| v.to_string()).as_deref(),
                row.after.map(|v| v.to_string()).as_deref(),
            );
            assert_eq!(again, e, "{f:?}");
            assert_eq!(row.action, f.0);
        }
    }

    #[test]
    fn old_shapes_keep_their_meaning() {
        let AuditEvent::EmployeeUpdated { personal, now, .. } = fixture("employee.update", 0)
        else {
            panic!("an update");
        };
        assert_eq!(personal, ["personnel_number"]);
        assert_eq!(now.department_id, Some(4));
        let AuditEvent::Line(tariff) = fixture("line.change_tariff", 1) else {
            panic!("a line change");
        };
        assert_eq!((tariff.monthly_delta_kop, tariff.failed), (-50_000, None));
        let AuditEvent::Line(failed) = fixture("line.change_tariff.failed", 0) else {
            panic!("a refused change");
        };
        assert_eq!(
            failed.failed,
            Some(Problem::Stored {
                text: "BSS: timeout".into()
            })
        );
        assert!(matches!(
            AuditEvent::read("line.teleport", "1", None, None),
            AuditEvent::Unknown { .. }
        ));
        assert!(matches!(
            AuditEvent::read("department.create", "x", None, Some("{")),
            AuditEvent::Unknown { .. }
        ));
    }
}
