//! Changing a line from its card: every action is previewed (what it costs, what it drops,
//! where the status goes) and then confirmed with a one-time key, so a second submit of the
//! same form does nothing.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::Action;
use crate::error::{AppError, redirect};
use crate::services::auth::new_token;
use crate::services::line_changes::{self, ChangeError, LineChange, Preview};
use crate::store::lines;

use super::i18n::{Lang, problems};
use super::page::{Page, urlencode};
use super::session::Cabinet;
use super::{AppState, render};
use crate::domain::Problem;

/// A change as a flat form or query: `action` and the fields that action needs.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    pub action: String,
    pub tariff: Option<String>,
    pub service: Option<String>,
    pub reason: Option<String>,
    pub iccid: Option<String>,
    pub amount: Option<String>,
    pub on_limit: Option<String>,
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
    pub cost_centre: Option<String>,
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub key: String,
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn id(name: &str, v: &Option<String>) -> Result<Option<i64>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            AppError::BadRequest(Problem::InField {
                field: name.to_owned(),
                problem: Box::new(Problem::NotAnId {
                    input: s.to_owned(),
                }),
            })
        }),
    }
}

impl ChangeForm {
    pub fn change(&self) -> Result<LineChange, AppError> {
        Ok(match self.action.as_str() {
            "change_tariff" => LineChange::ChangeTariff {
                tariff: text(&self.tariff),
            },
            "enable_service" => LineChange::EnableService {
                service: text(&self.service),
            },
            "disable_service" => LineChange::DisableService {
                service: text(&self.service),
            },
            "suspend" => LineChange::Suspend {
                reason: text(&self.reason),
            },
            "resume" => LineChange::Resume {},
            "report_lost" => LineChange::ReportLost {},
            "replace_sim" => LineChange::ReplaceSim {
                iccid: text(&self.iccid),
            },
            "block" => LineChange::Block {
                reason: text(&self.reason),
            },
            "unblock" => LineChange::Unblock {},
            "set_limit" => LineChange::SetLimit {
                amount: text(&self.amount),
                on_limit: self.on_limit.clone().filter(|a| !a.is_empty()),
            },
            "remove_limit" => LineChange::RemoveLimit {},
            "reassign" => LineChange::Reassign {
                employee_id: id("employee_id", &self.employee_id)?,
                department_id: id("department_id", &self.department_id)?,
                cost_centre: self.cost_centre.clone(),
            },
            other => {
                return Err(AppError::BadRequest(Problem::UnknownAction {
                    input: other.to_owned(),
                }));
            }
        })
    }

    /// The change as a bulk change takes it (the actions that make sense over many lines).
    pub fn bulk_change(&self) -> Result<crate::services::bulk::change::BulkChange, AppError> {
        use crate::services::bulk::change::BulkChange;
        Ok(match self.action.as_str() {
            "change_tariff" => BulkChange::ChangeTariff {
                tariff: text(&self.tariff),
            },
            "enable_service" => BulkChange::EnableService {
                service: text(&self.service),
            },
            "disable_service" => BulkChange::DisableService {
                service: text(&self.service),
            },
            "suspend" => BulkChange::Suspend {
                reason: text(&self.reason),
            },
            "resume" => BulkChange::Resume {},
            "set_limit" => BulkChange::SetLimit {
                amount: text(&self.amount),
                on_limit: self.on_limit.clone().filter(|a| !a.is_empty()),
            },
            "remove_limit" => BulkChange::RemoveLimit {},
            "reassign" => BulkChange::Reassign {
                department_id: id("department_id", &self.department_id)?,
                cost_centre: self.cost_centre.clone(),
            },
            other => {
                return Err(AppError::BadRequest(Problem::UnknownAction {
                    input: other.to_owned(),
                }));
            }
        })
    }

    /// The fields to carry from the preview to the confirmation.
    fn hidden(&self) -> Vec<(&'static str, String)> {
        [
            ("action", Some(self.action.clone())),
            ("tariff", self.tariff.clone()),
            ("service", self.service.clone()),
            ("reason", self.reason.clone()),
            ("iccid", self.iccid.clone()),
            ("amount", self.amount.clone()),
            ("on_limit", self.on_limit.clone()),
            ("employee_id", self.employee_id.clone()),
            ("department_id", self.department_id.clone()),
            ("cost_centre", self.cost_centre.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

#[derive(Template)]
#[template(path = "lines/preview.html")]
struct PreviewPage {
    page: Page,
    line_id: i64,
    msisdn: String,
    preview: Preview,
    /// What the change does, as its entry will say it.
    summary: String,
    hidden: Vec<(&'static str, String)>,
    key: String,
}

impl PreviewPage {
    /// A reassignment to where the line is already: nothing to confirm.
    fn changes_nothing(&self) -> bool {
        matches!(
            &self.preview.change,
            crate::domain::audit::LineChanged::Reassigned { was, now } if was == now
        )
    }

    fn signed(&self, kop: impl std::borrow::Borrow<i64>) -> String {
        let kop = *kop.borrow();
        let shown = self.page.kop(kop.abs());
        match kop.signum() {
            1 => format!("+{shown}"),
            -1 => format!("−{shown}"),
            _ => shown,
        }
    }
}

/// Renders a refusal as a status and a sentence.
fn explain(e: ChangeError, lang: Lang) -> Result<(StatusCode, String), AppError> {
    let status = match e {
        ChangeError::NotFound => return Err(AppError::NotFound),
        ChangeError::Db(e) => return Err(e.into()),
        ChangeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ChangeError::Refused(_) | ChangeError::Conflict => StatusCode::CONFLICT,
        ChangeError::Provisioning(_) => StatusCode::BAD_GATEWAY,
    };
    let said: Vec<String> = match &e {
        // A field's problem that does not name the field is said with the field's name.
        ChangeError::Invalid(errors) => errors
            .iter()
            .map(|f| {
                let said = problems::say(&f.problem, lang);
                let key = format!("change.field.{}", f.field);
                if problems::names_no_field(&f.problem) && super::i18n::has_key(&key) {
                    format!("{}: {said}", lang.t(&key))
                } else {
                    said
                }
            })
            .collect(),
        _ => e
            .problems()
            .iter()
            .map(|p| problems::say(p, lang))
            .collect(),
    };
    Ok((status, super::i18n::capitalised(said.join("; "))))
}

async fn preview_page(
    cab: &Cabinet,
    state: &AppState,
    line_id: i64,
    form: &ChangeForm,
    preview: Preview,
) -> Result<PreviewPage, AppError> {
    let permit = cab
        .permit(state, crate::authz::Object::Lines, Action::Read)
        .await?;
    // The page (an error page too) names the line only to whoever may read it.
    let line = lines::card(&state.db, &permit, line_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = Page::new(
        state,
        cab,
        format!("/lines/{line_id}"),
        "/lines",
        "change.title",
    )
    .await;
    page.title = format!(
        "{} · {}",
        super::format::phone(&line.msisdn),
        page.t("change.title")
    );
    let summary = {
        let mut conn = cab.connection(state).await?;
        super::audit::change_said(&mut conn, &permit, &preview.change, cab.lang()).await?
    };
    Ok(PreviewPage {
        page,
        line_id,
        msisdn: line.msisdn,
        preview,
        summary,
        hidden: form.hidden(),
        key: new_token(),
    })
}

pub async fn preview(
    cab: Cabinet,
    state: web::Data<AppState>,
    line_id: web::Path<i64>,
    form: web::Query<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let change = form.change()?;
    let (object, action) = change.check();
    let permit = cab.permit(&state, object, action).await?;
    match line_changes::preview(&state.db, &permit, *line_id, &change).await {
        Ok(p) => render(&preview_page(&cab, &state, *line_id, &form, p).await?),
        Err(e) => back_to_card(&cab, &state, *line_id, &form, e).await,
    }
}

/// A change that did not pass goes back to the card, the field marked and the input kept.
async fn back_to_card(
    cab: &Cabinet,
    state: &AppState,
    line_id: i64,
    form: &ChangeForm,
    e: ChangeError,
) -> Result<HttpResponse, AppError> {
    let field = match &e {
        ChangeError::Invalid(errors) => errors.first().map(|f| f.field),
        _ => None,
    };
    let (status, message) = explain(e, cab.lang())?;
    let fix = super::line_card::Fix {
        action: form.action.clone(),
        field,
        message,
        input: form.hidden(),
    };
    super::line_card::with_fix(cab, state, line_id, fix, status).await
}

pub async fn apply(
    cab: Cabinet,
    state: web::Data<AppState>,
    line_id: web::Path<i64>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let change = form.change()?;
    let (object, action) = change.check();
    let permit = cab.permit(&state, object, action).await?;
    let key = (!form.key.is_empty()).then_some(form.key.as_str());
    match line_changes::apply(
        &state.db,
        state.provisioner.as_ref(),
        &permit,
        *line_id,
        &change,
        key,
    )
    .await
    {
        Ok(done) => {
            let note = if done.already_applied {
                "already"
            } else {
                "done"
            };
            Ok(redirect(&format!(
                "/lines/{}?{note}={}",
                *line_id,
                urlencode(change.action())
            )))
        }
        Err(e) => back_to_card(&cab, &state, *line_id, &form, e).await,
    }
}
