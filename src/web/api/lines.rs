use actix_web::{HttpRequest, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Action, Object};
use crate::services::line_changes::{self, LineChange, Preview};
use crate::store::catalogue::Tariff;
use crate::store::lines::{EnabledService, LineCard, LineRow};
use crate::web::AppState;
use crate::web::i18n::Lang;
use crate::web::line_card::read_card;
use crate::web::lines::{LinesQuery, page_of_lines};

use super::{ApiError, ApiUser, ErrorBody, Page};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(card)
        .service(preview)
        .service(apply);
}

/// Lines with the same search, filters, sorting and paging as the lines page (50, 100 or 200
/// a page).
#[utoipa::path(
    tag = "lines",
    params(LinesQuery),
    responses(
        (status = 200, description = "A page of lines", body = Page<LineRow>),
        (status = 400, description = "Unknown department, status, tariff or sort", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
#[get("/lines")]
async fn list(
    user: ApiUser,
    state: web::Data<AppState>,
    query: web::Query<LinesQuery>,
) -> Result<web::Json<Page<LineRow>>, ApiError> {
    let permit = user.0.permit(&state, Object::Lines, Action::Read).await?;
    let (r, items, total) = page_of_lines(&state, &user.0, &permit, &query).await?;
    Ok(web::Json(Page {
        items,
        total: total.count,
        more: total.more,
        page: r.page_no,
        per_page: r.per,
    }))
}

/// A SIM the number had before.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousSim {
    pub iccid: String,
    /// When it was replaced.
    #[serde(serialize_with = "crate::domain::wire::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub replaced_at: i64,
    pub reason: String,
}

/// One line with its tariff, services, previous SIMs and recent history.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineDetail {
    pub line: LineCard,
    pub tariff: Tariff,
    pub services: Vec<EnabledService>,
    pub previous_sims: Vec<PreviousSim>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    #[serde(serialize_with = "crate::domain::wire::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
    pub actor: String,
    pub action: String,
    /// The action's name, in English.
    pub title: String,
    /// What changed, as a sentence in English.
    pub text: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[utoipa::path(
    tag = "lines",
    params(("id" = i64, Path, description = "Line id")),
    responses(
        (status = 200, description = "The line", body = LineDetail),
        (status = 404, description = "No such line in the company", body = ErrorBody),
    )
)]
#[get("/lines/{id}")]
async fn card(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<LineDetail>, ApiError> {
    let permit = user.0.permit(&state, Object::Lines, Action::Read).await?;
    let card = read_card(&state, &user.0, &permit, *id).await?;
    let previous_sims = card
        .sims
        .into_iter()
        .map(|(iccid, replaced_at, reason)| PreviousSim {
            iccid,
            replaced_at,
            reason,
        })
        .collect();
    let parse = |s: &Option<String>| s.as_ref().and_then(|s| serde_json::from_str(s).ok());
    let mut conn = user.0.connection(&state).await?;
    let said = crate::web::audit::said(&mut conn, &permit, &card.history, Lang::En).await?;
    let history = card
        .history
        .iter()
        .zip(said)
        .map(|(e, s)| HistoryEntry {
            at: e.at,
            actor: e.actor_label.clone(),
            action: e.action.clone(),
            title: s.title,
            text: s.detail,
            before: parse(&e.before_json),
            after: parse(&e.after_json),
        })
        .collect();
    Ok(web::Json(LineDetail {
        line: card.line,
        tariff: card.tariff,
        services: card.services,
        previous_sims,
        history,
    }))
}

/// What a change would do (cost, dropped services, status), without doing it.
#[utoipa::path(
    tag = "lines",
    params(("id" = i64, Path, description = "Line id")),
    request_body = LineChange,
    responses(
        (status = 200, description = "What the change would do", body = PreviewOut),
        (status = 409, description = "Impossible from the line's status", body = ErrorBody),
        (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody),
    )
)]
#[post("/lines/{id}/preview")]
async fn preview(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    change: web::Json<LineChange>,
) -> Result<web::Json<PreviewOut>, ApiError> {
    let (object, action) = change.check();
    let permit = user.0.permit(&state, object, action).await?;
    let preview = line_changes::preview(&state.db, &permit, *id, &change).await?;
    Ok(web::Json(said(&user, &state, &permit, preview).await?))
}

/// What a change would do, with what it does said in English.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    #[serde(flatten)]
    pub preview: Preview,
    /// What the change does, in English, as the line's history will say it.
    pub summary: String,
}

/// A change applied, or already applied with this key.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedOut {
    /// True when this key was already used: nothing was done this time.
    pub already_applied: bool,
    pub preview: Option<PreviewOut>,
}

async fn said(
    user: &ApiUser,
    state: &AppState,
    permit: &crate::authz::Permit,
    planned: Preview,
) -> Result<PreviewOut, ApiError> {
    let mut conn = user.0.connection(state).await?;
    let summary =
        crate::web::audit::change_said(&mut conn, permit, &planned.change, Lang::En).await?;
    Ok(PreviewOut {
        preview: planned,
        summary,
    })
}

/// Applies a change through the Provisioner. Send an `Idempotency-Key` header: a repeated
/// request with the same key does nothing and answers `already_applied: true`.
#[utoipa::path(
    tag = "lines",
    params(
        ("id" = i64, Path, description = "Line id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe"),
    ),
    request_body = LineChange,
    responses(
        (status = 200, description = "Applied, or already applied with this key", body = AppliedOut),
        (status = 403, description = "Not permitted (e.g. operator blocks)", body = ErrorBody),
        (status = 404, description = "Not a line of the company, or not one the rights cover", body = ErrorBody),
        (status = 409, description = "Impossible from the line's status", body = ErrorBody),
        (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody),
        (status = 502, description = "The network refused or did not answer; nothing changed", body = ErrorBody),
    )
)]
#[post("/lines/{id}/changes")]
async fn apply(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    change: web::Json<LineChange>,
    req: HttpRequest,
) -> Result<web::Json<AppliedOut>, ApiError> {
    let (object, action) = change.check();
    let permit = user.0.permit(&state, object, action).await?;
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok());
    let done = line_changes::apply(
        &state.db,
        state.provisioner.as_ref(),
        &permit,
        *id,
        &change,
        key,
    )
    .await?;
    let planned = match done.preview {
        Some(p) => Some(said(&user, &state, &permit, p).await?),
        None => None,
    };
    Ok(web::Json(AppliedOut {
        already_applied: done.already_applied,
        preview: planned,
    }))
}
