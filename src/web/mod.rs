//! Thin handlers: parse → authorize → call a use case → render or redirect.

mod access;
pub mod api;
mod assets;
mod audit;
mod auth;
mod departments;
mod devices;
mod employees;
mod exports;
pub mod format;
pub mod i18n;
pub mod line_card;
mod line_changes;
pub mod lines;
mod ops;
mod overview;
mod page;
pub mod session;
mod sign_in;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::authz::Authz;
use crate::config::Settings;
use crate::error::AppError;
use crate::services::{FieldError, UseCaseError};
use crate::store::Db;

pub struct AppState {
    pub db: Db,
    pub authz: Authz,
    pub settings: Settings,
    pub provisioner: std::sync::Arc<dyn crate::provisioning::Provisioner>,
    pub reference: crate::store::reference::ReferenceCache,
    pub sms: std::sync::Arc<dyn crate::sms::SmsGateway>,
    pub clock: std::sync::Arc<crate::clock::Clock>,
    pub mailer: crate::mail::Mailer,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(auth::home))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/login/code", web::get().to(sign_in::login_number_form))
        .route("/login/code", web::post().to(sign_in::login_send))
        .route("/login/code/enter", web::get().to(sign_in::login_code_form))
        .route("/login/code/enter", web::post().to(sign_in::login_enter))
        .route(
            "/password/forgot",
            web::get().to(sign_in::reset_number_form),
        )
        .route("/password/forgot", web::post().to(sign_in::reset_send))
        .route(
            "/password/forgot/enter",
            web::get().to(sign_in::reset_code_form),
        )
        .route(
            "/password/forgot/enter",
            web::post().to(sign_in::reset_enter),
        )
        .route("/choose", web::get().to(auth::choose_form))
        .route("/choose", web::post().to(auth::choose))
        .route("/logout", web::post().to(auth::logout))
        .route("/sessions", web::get().to(devices::list))
        .route("/access", web::get().to(access::page))
        .route("/access/grants", web::post().to(access::create_grant))
        .route("/access/grants/{id}/revoke", web::post().to(access::revoke))
        .route("/access/tokens", web::post().to(access::create_token))
        .route(
            "/access/tokens/{id}/revoke",
            web::post().to(access::revoke_token),
        )
        .route(
            "/access/members/{id}/role",
            web::post().to(access::set_role),
        )
        .route(
            "/access/members/{id}/remove",
            web::post().to(access::remove),
        )
        .route("/sessions/end", web::post().to(devices::end_one))
        .route("/sessions/end-others", web::post().to(devices::end_others))
        .route("/lang/{code}", web::get().to(auth::switch_lang))
        .route("/overview", web::get().to(overview::show))
        .route("/lines", web::get().to(lines::list))
        .route("/lines/export", web::get().to(exports::lines_export))
        .route("/lines/{id}", web::get().to(line_card::card))
        .route("/lines/{id}/change", web::get().to(line_changes::preview))
        .route("/lines/{id}/change", web::post().to(line_changes::apply))
        .route("/departments", web::get().to(departments::list))
        .route("/departments", web::post().to(departments::create))
        .route("/departments/new", web::get().to(departments::new_form))
        .route(
            "/departments/{id}/edit",
            web::get().to(departments::edit_form),
        )
        .route("/departments/{id}", web::post().to(departments::update))
        .route(
            "/departments/{id}/delete",
            web::post().to(departments::delete),
        )
        .route("/employees", web::get().to(employees::list))
        .route("/employees", web::post().to(employees::create))
        .route("/employees/new", web::get().to(employees::new_form))
        .route("/employees/options", web::get().to(employees::options))
        .route("/employees/{id}/edit", web::get().to(employees::edit_form))
        .route("/employees/{id}", web::post().to(employees::update))
        .route("/employees/{id}/delete", web::post().to(employees::delete))
        .route("/audit", web::get().to(audit::list))
        .route("/health/live", web::get().to(ops::live))
        .route("/health/ready", web::get().to(ops::ready))
        .route("/static/{file}", web::get().to(assets::serve));
}

pub fn render(t: &impl Template) -> Result<HttpResponse, AppError> {
    render_status(actix_web::http::StatusCode::OK, t)
}

pub fn render_status(
    status: actix_web::http::StatusCode,
    t: &impl Template,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(t.render()?))
}

/// Field errors for a form, looked up by field name in templates.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Errors that belong to no input on the form (shown at the top).
    pub fn general(&self, fields: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|e| !fields.contains(&e.field))
            .map(|e| e.message.as_str())
            .collect()
    }
}

/// Splits a use case's failure into form errors (re-render with 422) or an app error.
pub fn form_errors(e: UseCaseError) -> Result<FormErrors, AppError> {
    match e {
        UseCaseError::Invalid(errors) => Ok(FormErrors(errors)),
        UseCaseError::NotFound => Err(AppError::NotFound),
        UseCaseError::Db(e) => Err(e.into()),
        UseCaseError::Internal(e) => Err(AppError::Internal(e)),
    }
}

/// `?page=` as a page number from 1.
pub fn page_number(p: Option<i64>) -> i64 {
    p.unwrap_or(1).clamp(1, 1_000_000)
}

/// A `?department=` filter: None, or one of the company's departments (else a clear 400).
pub fn department_filter(
    all: &[crate::store::departments::Department],
    value: &Option<String>,
) -> Result<Option<i64>, AppError> {
    let id = opt_id(value)?;
    match id {
        Some(d) if !all.iter().any(|x| x.id == d) => {
            Err(AppError::BadRequest(format!("нет подразделения {d}")))
        }
        _ => Ok(id),
    }
}

/// Reads an optional id from a query or form value; an empty value is None.
pub fn opt_id(value: &Option<String>) -> Result<Option<i64>, AppError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("«{s}» — не идентификатор"))),
    }
}
