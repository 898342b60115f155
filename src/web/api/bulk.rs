//! Bulk changes through the API: the lines chosen by the lines list's filter, by departments or
//! as a list of numbers; a preview, then a confirm under an `Idempotency-Key` (a repeat lands on
//! the same operation); the operation's state, its lines' outcomes, a cancel and a retry of the
//! failed lines.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Permit, Requester};
use crate::domain::Problem;
use crate::services::bulk::change::BulkChange;
use crate::services::bulk::operation::{self, BulkError, Chosen, Confirm, State, Status};
use crate::services::bulk::preview::{self, Preview, PreviewError};
use crate::services::bulk::selection::{self, Listed, Resolved, Selection, SelectionError};
use crate::store::bulk::{Counts, Shown};
use crate::web::AppState;
use crate::web::i18n::{Lang, problems};
use crate::web::lines::LinesQuery;

use super::{ApiError, ApiUser, ErrorBody, FieldProblem, Page};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(preview_bulk)
        .service(confirm_bulk)
        .service(operation_state)
        .service(operation_lines)
        .service(cancel_operation)
        .service(retry_operation);
}

/// Which lines: exactly one of `filter` (the lines list's parameters: every line they match,
/// on every page), `numbers` (up to 200,000, in any spelling), `lines` (numbers each with its
/// own value) or `departments` (with those under them).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    pub filter: Option<BulkFilter>,
    pub numbers: Option<Vec<String>>,
    /// Numbers each with its own value: the tariff (code or name), limit or department (id,
    /// name or path) that line goes to in place of the change's own.
    pub lines: Option<Vec<ListedLine>>,
    pub departments: Option<Vec<i64>>,
    pub change: BulkChange,
}

/// A number with its own value.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListedLine {
    pub number: String,
    pub value: Option<String>,
}

/// The lines that go to one target of the list's values.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetGroup {
    /// The change with the target in its place.
    pub change: BulkChange,
    pub changing: usize,
    pub monthly_delta_kop: i64,
    pub one_time_kop: i64,
}

/// The lines list's filter (see `GET /lines`).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    pub q: Option<String>,
    pub department: Option<String>,
    pub status: Option<String>,
    pub tariff: Option<String>,
    pub cost_centre: Option<String>,
    pub service: Option<String>,
}

/// A reason lines are skipped for, with how many.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedGroup {
    pub code: String,
    pub message: String,
    pub count: usize,
}

/// A number of the list that is no line to act on.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedNumber {
    /// Its place in the list, from 1.
    pub row: usize,
    pub number: String,
    pub code: String,
    pub message: String,
}

/// What the change would do to the chosen lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkPreview {
    /// Lines chosen.
    pub lines: usize,
    /// Lines the change would change.
    pub changing: usize,
    pub skipped: Vec<SkippedGroup>,
    pub rejected: Vec<RejectedNumber>,
    /// Change of the monthly bill of every line it changes, in kopecks (negative: cheaper).
    pub monthly_delta_kop: i64,
    /// Charged once, in kopecks.
    pub one_time_kop: i64,
    /// Lines that lose services the new tariff does not allow.
    pub dropping_services: usize,
    /// By target, when lines have their own values.
    pub groups: Vec<TargetGroup>,
}

/// An operation and where its run stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationOut {
    pub id: i64,
    pub change: Option<BulkChange>,
    pub chosen: Option<Chosen>,
    pub state: State,
    /// Lines in the operation.
    pub total: i64,
    pub counts: Counts,
    /// Lines the run has not reached (yet, or ever: a cancel).
    pub not_reached: i64,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub retry_of: Option<i64>,
    /// True when this key confirmed the operation before: nothing new was started.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub already_confirmed: bool,
}

fn out(s: Status, already_confirmed: bool) -> OperationOut {
    OperationOut {
        id: s.operation.id,
        not_reached: s.not_reached(),
        change: s.change,
        chosen: s.chosen,
        state: s.state,
        total: s.operation.total,
        counts: s.counts,
        created_at: s.operation.created_at,
        finished_at: s.operation.finished_at,
        retry_of: s.operation.retry_of,
        already_confirmed,
    }
}

impl From<BulkError> for ApiError {
    fn from(e: BulkError) -> Self {
        match e {
            BulkError::Invalid(e) => ApiError::invalid(vec![FieldProblem {
                field: e.field.to_owned(),
                code: e.problem.code(),
                message: problems::say(&e.problem, Lang::En),
            }]),
            BulkError::Refused(p) => refusal(StatusCode::CONFLICT, &p),
            BulkError::NotFound => crate::error::AppError::NotFound.into(),
            BulkError::Db(e) => e.into(),
        }
    }
}

fn refusal(status: StatusCode, p: &Problem) -> ApiError {
    ApiError::new(status, &p.code(), problems::say(p, Lang::En))
}

impl From<PreviewError> for ApiError {
    fn from(e: PreviewError) -> Self {
        BulkError::from(e).into()
    }
}

impl From<SelectionError> for ApiError {
    fn from(e: SelectionError) -> Self {
        match e {
            SelectionError::Refused(p) => refusal(StatusCode::UNPROCESSABLE_ENTITY, &p),
            SelectionError::Db(e) => e.into(),
        }
    }
}

async fn permits(
    user: &ApiUser,
    state: &AppState,
    change: Option<&BulkChange>,
) -> Result<(Permit, Permit), ApiError> {
    Ok(crate::web::bulk::permits(&user.0, state, change).await?)
}

fn read(body: &[u8]) -> Result<BulkRequest, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))
}

/// The lines the request chooses, within `chosen_under`.
async fn resolve(
    user: &ApiUser,
    state: &AppState,
    chosen_under: &Permit,
    request: &BulkRequest,
) -> Result<(Resolved, Chosen), ApiError> {
    let listed = match (&request.numbers, &request.lines) {
        (Some(numbers), None) => Some(numbers.iter().map(Listed::number).collect()),
        (None, Some(lines)) => Some(
            lines
                .iter()
                .map(|l| Listed {
                    number: l.number.clone(),
                    value: l.value.clone(),
                })
                .collect(),
        ),
        (None, None) => None,
        (Some(_), Some(_)) => return Err(choose_once()),
    };
    let (selection, chosen) = match (&request.filter, listed, &request.departments) {
        (Some(f), None, None) => {
            let query = LinesQuery {
                q: f.q.clone(),
                department: f.department.clone(),
                status: f.status.clone(),
                tariff: f.tariff.clone(),
                cost_centre: f.cost_centre.clone(),
                service: f.service.clone(),
                ..LinesQuery::default()
            };
            let reference = user.0.reference(state).await?;
            let resolved = crate::web::lines::resolve(reference, &query, chosen_under)?;
            let said = serde_html_form::to_string(f).unwrap_or_default();
            (
                Selection::Filter(resolved.filter),
                Chosen::Filter { query: said },
            )
        }
        (None, Some(listed), None) => (
            Selection::List(listed),
            Chosen::List {
                file_name: String::new(),
                rejected: 0,
            },
        ),
        (None, None, Some(ids)) => (
            Selection::Departments(ids.clone()),
            Chosen::Departments { ids: ids.clone() },
        ),
        _ => return Err(choose_once()),
    };
    let resolved = selection::resolve(&state.db, chosen_under, &selection).await?;
    let chosen = chosen.rejecting(resolved.rejected.len());
    Ok((resolved, chosen))
}

fn choose_once() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "choose_lines_once",
        "choose the lines by exactly one of filter, numbers, lines or departments",
    )
}

fn said_preview(resolved: &Resolved, preview: &Preview) -> BulkPreview {
    BulkPreview {
        lines: resolved.line_ids.len(),
        changing: preview.changing.len(),
        skipped: preview
            .skipped_by_reason()
            .into_iter()
            .map(|(code, count, p)| SkippedGroup {
                code,
                message: problems::say(p, Lang::En),
                count,
            })
            .collect(),
        rejected: resolved
            .rejected
            .iter()
            .map(|r| RejectedNumber {
                row: r.row,
                number: r.number.clone(),
                code: r.problem.code(),
                message: problems::say(&r.problem, Lang::En),
            })
            .collect(),
        monthly_delta_kop: preview.monthly_delta_kop,
        one_time_kop: preview.one_time_kop,
        dropping_services: preview.dropping_services,
        groups: preview
            .groups
            .iter()
            .map(|g| TargetGroup {
                change: g.change.clone(),
                changing: g.changing,
                monthly_delta_kop: g.monthly_delta_kop,
                one_time_kop: g.one_time_kop,
            })
            .collect(),
    }
}

/// What a bulk change would do: how many lines change, the others by reason, the numbers of a
/// list that are no lines of the company, and the change in the monthly bill.
#[utoipa::path(
    tag = "bulk",
    request_body = BulkRequest,
    responses(
        (status = 200, description = "What the change would do", body = BulkPreview),
        (status = 403, description = "Not permitted (bulk changes, or the change itself)", body = ErrorBody),
        (status = 422, description = "No line chosen, too many, or a parameter refused", body = ErrorBody),
    )
)]
#[post("/bulk/preview")]
async fn preview_bulk(
    user: ApiUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<web::Json<BulkPreview>, ApiError> {
    let request = read(&body)?;
    let (chosen_under, permit) = permits(&user, &state, Some(&request.change)).await?;
    let (resolved, _) = resolve(&user, &state, &chosen_under, &request).await?;
    let preview = preview::of(
        &state.db,
        &permit,
        &chosen_under,
        &resolved.lines(),
        &request.change,
    )
    .await?;
    Ok(web::Json(said_preview(&resolved, &preview)))
}

fn key_of(req: &HttpRequest) -> Result<String, ApiError> {
    req.headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_required",
                "send an Idempotency-Key header: a repeated confirm with it starts nothing new",
            )
        })
}

/// Confirms a bulk change: the lines are chosen now and kept with the operation, whose run is
/// queued (202). Send an `Idempotency-Key`: a repeat with it answers the same operation with
/// `already_confirmed: true`.
#[utoipa::path(
    tag = "bulk",
    request_body = BulkRequest,
    params(("Idempotency-Key" = String, Header, description = "One per confirm")),
    responses(
        (status = 202, description = "Queued (or confirmed before with this key)", body = OperationOut),
        (status = 403, description = "Not permitted", body = ErrorBody),
        (status = 409, description = "No chosen line would change: nothing to run", body = ErrorBody),
        (status = 422, description = "No line chosen, too many, a parameter refused, or no key", body = ErrorBody),
    )
)]
#[post("/bulk")]
async fn confirm_bulk(
    user: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<actix_web::HttpResponse, ApiError> {
    let key = key_of(&req)?;
    let request = read(&body)?;
    let (chosen_under, permit) = permits(&user, &state, Some(&request.change)).await?;
    let (resolved, chosen) = resolve(&user, &state, &chosen_under, &request).await?;
    let lines = resolved.lines();
    let requester = Requester::of(&user.0.principal, &permit);
    let confirmed = operation::confirm(
        &state.db,
        &Confirm {
            requester: &requester,
            permit: &permit,
            chosen_under: &chosen_under,
            change: &request.change,
            lines: &lines,
            chosen: &chosen,
            key: &key,
            retry_of: None,
        },
    )
    .await?;
    state.jobs.wake();
    let status = operation::status(&state.db, &chosen_under, confirmed.operation_id).await?;
    Ok(actix_web::HttpResponse::Accepted().json(out(status, confirmed.repeat)))
}

/// An operation (a delegated user sees their own) and where its run stands.
#[utoipa::path(
    tag = "bulk",
    params(("id" = i64, Path, description = "Operation id")),
    responses(
        (status = 200, description = "The operation", body = OperationOut),
        (status = 404, description = "Not an operation of the company, or not one's own", body = ErrorBody),
    )
)]
#[get("/bulk/{id}")]
async fn operation_state(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<OperationOut>, ApiError> {
    let (chosen_under, _) = permits(&user, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id).await?;
    Ok(web::Json(out(status, false)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesOfOperation {
    /// `changed`, `skipped`, `failed` or `not_reached`; absent: every line.
    pub outcome: Option<String>,
    /// Page number from 1 (200 lines a page).
    pub page: Option<i64>,
}

/// One line of an operation and what the run did to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineOutcome {
    pub line_id: i64,
    pub number: String,
    /// `changed`, `skipped`, `failed` or `not_reached`.
    pub outcome: String,
    /// Why, for a line skipped or failed.
    pub code: Option<String>,
    pub message: Option<String>,
}

const LINES_PAGE: i64 = 200;

/// The operation's lines in id order, each with its outcome.
#[utoipa::path(
    tag = "bulk",
    params(("id" = i64, Path, description = "Operation id"), LinesOfOperation),
    responses(
        (status = 200, description = "A page of lines", body = Page<LineOutcome>),
        (status = 404, description = "Not an operation of the company, or not one's own", body = ErrorBody),
    )
)]
#[get("/bulk/{id}/lines")]
async fn operation_lines(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<LinesOfOperation>,
) -> Result<web::Json<Page<LineOutcome>>, ApiError> {
    let (chosen_under, _) = permits(&user, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id).await?;
    let shown = match query.outcome.as_deref() {
        None | Some("") => Shown::All,
        Some("changed") => Shown::Outcome("changed"),
        Some("skipped") => Shown::Outcome("skipped"),
        Some("failed") => Shown::Outcome("failed"),
        Some("not_reached") => Shown::NotReached,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unknown_outcome",
                format!("unknown outcome «{other}»: changed, skipped, failed or not_reached"),
            ));
        }
    };
    let page = crate::web::page_number(query.page);
    let rows = {
        let mut conn = user.0.connection(&state).await?;
        crate::store::bulk::results(
            &mut conn,
            &chosen_under,
            *id,
            shown,
            LINES_PAGE,
            (page - 1) * LINES_PAGE,
        )
        .await?
    };
    let total = match shown {
        Shown::All => status.operation.total,
        Shown::Outcome("changed") => status.counts.changed,
        Shown::Outcome("skipped") => status.counts.skipped,
        Shown::Outcome(_) => status.counts.failed,
        Shown::NotReached => status.not_reached(),
    };
    let items = rows
        .into_iter()
        .map(|r| {
            let problem = r
                .problem
                .as_deref()
                .and_then(|p| serde_json::from_str::<Problem>(p).ok());
            LineOutcome {
                line_id: r.line_id,
                number: r.msisdn,
                outcome: r.outcome.unwrap_or_else(|| "not_reached".into()),
                code: problem.as_ref().map(Problem::code),
                message: problem.as_ref().map(|p| problems::say(p, Lang::En)),
            }
        })
        .collect();
    Ok(web::Json(Page {
        items,
        total,
        more: false,
        page,
        per_page: LINES_PAGE,
    }))
}

/// Stops the run after its chunk in hand; lines done stay done.
#[utoipa::path(
    tag = "bulk",
    params(("id" = i64, Path, description = "Operation id")),
    responses(
        (status = 200, description = "Asked to stop", body = OperationOut),
        (status = 404, description = "Not an operation of the company, or not one's own", body = ErrorBody),
        (status = 409, description = "The operation has ended", body = ErrorBody),
    )
)]
#[post("/bulk/{id}/cancel")]
async fn cancel_operation(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<OperationOut>, ApiError> {
    let (chosen_under, _) = permits(&user, &state, None).await?;
    operation::cancel(&state.db, &chosen_under, *id).await?;
    let status = operation::status(&state.db, &chosen_under, *id).await?;
    Ok(web::Json(out(status, false)))
}

/// The same change again on the operation's failed lines, as a new operation (202). Send an
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "bulk",
    params(
        ("id" = i64, Path, description = "Operation id"),
        ("Idempotency-Key" = String, Header, description = "One per confirm"),
    ),
    responses(
        (status = 202, description = "The retry, queued", body = OperationOut),
        (status = 404, description = "Not an operation of the company, or not one's own", body = ErrorBody),
        (status = 409, description = "No line failed, or none would change now", body = ErrorBody),
    )
)]
#[post("/bulk/{id}/retry")]
async fn retry_operation(
    user: ApiUser,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<actix_web::HttpResponse, ApiError> {
    let key = key_of(&req)?;
    let (chosen_under, _) = permits(&user, &state, None).await?;
    let first = operation::status(&state.db, &chosen_under, *id).await?;
    let change = first.change.ok_or(BulkError::NotFound)?;
    let (_, permit) = permits(&user, &state, Some(&change)).await?;
    let requester = Requester::of(&user.0.principal, &permit);
    let confirmed =
        operation::retry(&state.db, &requester, &permit, &chosen_under, *id, &key).await?;
    state.jobs.wake();
    let status = operation::status(&state.db, &chosen_under, confirmed.operation_id).await?;
    Ok(actix_web::HttpResponse::Accepted().json(out(status, confirmed.repeat)))
}
