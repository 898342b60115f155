//! Thin handlers: parse → authorize → call a use case → render or redirect.

mod access;
pub mod api;
mod assets;
pub(crate) mod audit;
mod auth;
pub(crate) mod bulk;
pub mod connection;
mod departments;
mod devices;
mod employees;
pub mod exports;
pub mod flash;
pub mod format;
pub mod i18n;
mod jobs;
pub mod line_card;
mod line_changes;
pub mod lines;
pub(crate) mod ops;
mod overview;
mod page;
mod roster;
mod security;
pub mod session;
mod sign_in;
mod upload;

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::authz::Authz;
use crate::config::Settings;
use crate::domain::Problem;
use crate::error::AppError;
use crate::services::{FieldError, UseCaseError};
use crate::store::Db;

pub struct AppState {
    pub db: Db,
    pub authz: std::sync::Arc<Authz>,
    pub settings: Settings,
    pub provisioner: std::sync::Arc<dyn crate::provisioning::Provisioner>,
    pub reference: crate::store::reference::ReferenceCache,
    pub sms: std::sync::Arc<dyn crate::sms::SmsGateway>,
    pub clock: std::sync::Arc<crate::clock::Clock>,
    pub mailer: crate::mail::Mailer,
    /// Queued jobs are run by this instance's runner (and any other's).
    pub jobs: crate::jobs::Runner,
    /// The request counters and timings `/metrics` shows.
    pub metrics: prometheus::Registry,
    /// The key pre-session form tokens are signed with, shared by every instance.
    pub form_key: Vec<u8>,
    /// Work a request hands off and does not wait for (sending sign-in codes), run on the
    /// application's own runtime, which outlives the server's workers at shutdown.
    pub background: tokio_util::task::TaskTracker,
    pub runtime: tokio::runtime::Handle,
}

/// Every page, form and download route, registered from this one table; `ROUTES` lists them
/// for the access-matrix test, so a route cannot be added without joining it.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path,)*) => {
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        pub fn routes(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::method(actix_web::http::Method::$method).to($handler));)*
        }
    };
}

route_table! {
    GET "/" => auth::home,
    GET "/login" => auth::login_form,
    POST "/login" => auth::login,
    GET "/login/code" => sign_in::login_number_form,
    POST "/login/code" => sign_in::login_send,
    GET "/login/code/enter" => sign_in::login_code_form,
    POST "/login/code/enter" => sign_in::login_enter,
    GET "/password/forgot" => sign_in::reset_number_form,
    POST "/password/forgot" => sign_in::reset_send,
    GET "/password/forgot/enter" => sign_in::reset_code_form,
    POST "/password/forgot/enter" => sign_in::reset_enter,
    GET "/choose" => auth::choose_form,
    POST "/choose" => auth::choose,
    POST "/logout" => auth::logout,
    GET "/sessions" => devices::list,
    GET "/access" => access::page,
    GET "/access/matrix" => access::matrix,
    POST "/access/grants" => access::create_grant,
    POST "/access/invite" => access::invite,
    POST "/access/grants/{id}/revoke" => access::revoke,
    POST "/access/tokens" => access::create_token,
    POST "/access/tokens/{id}/revoke" => access::revoke_token,
    POST "/access/members/{id}/role" => access::set_role,
    POST "/access/members/{id}/remove" => access::remove,
    POST "/access/members/{id}/block" => access::block,
    POST "/access/members/{id}/unblock" => access::unblock,
    POST "/access/second-factor" => access::second_factor_rule,
    GET "/login/second" => sign_in::second_form,
    POST "/login/second" => sign_in::second_enter,
    GET "/roster" => roster::upload_form,
    POST "/roster" => roster::upload,
    GET "/roster/template" => roster::template,
    GET "/roster/current" => roster::current,
    GET "/roster/{id}" => roster::preview,
    POST "/roster/{id}/commit" => roster::commit,
    POST "/roster/{id}/network" => roster::network,
    GET "/roster/{id}/network" => roster::network_progress,
    GET "/roster/{id}/errors" => roster::errors,
    GET "/jobs/{id}" => jobs::progress,
    GET "/security" => security::page,
    POST "/security/totp/start" => security::start,
    POST "/security/totp/confirm" => security::confirm,
    POST "/security/totp/disable" => security::disable,
    POST "/security/totp/recovery" => security::renew_codes,
    POST "/security/password" => security::change_password,
    POST "/sessions/end" => devices::end_one,
    POST "/sessions/end-others" => devices::end_others,
    GET "/lang/{code}" => auth::switch_lang,
    GET "/overview" => overview::show,
    GET "/lines" => lines::list,
    GET "/lines/export" => exports::lines_export,
    GET "/lines/{id}" => line_card::card,
    GET "/lines/{id}/change" => line_changes::preview,
    POST "/lines/{id}/change" => line_changes::apply,
    GET "/bulk" => bulk::list,
    GET "/bulk/new" => bulk::new_form,
    POST "/bulk/list" => bulk::upload_list,
    POST "/bulk/preview" => bulk::preview,
    POST "/bulk/preview/skipped" => bulk::skipped_export,
    POST "/bulk" => bulk::confirm,
    GET "/bulk/{id}" => bulk::show,
    GET "/bulk/{id}/progress" => bulk::progress,
    GET "/bulk/{id}/results" => bulk::results_export,
    POST "/bulk/{id}/cancel" => bulk::cancel,
    GET "/bulk/{id}/retry" => bulk::retry_preview,
    POST "/bulk/{id}/retry" => bulk::retry,
    GET "/departments" => departments::list,
    POST "/departments" => departments::create,
    GET "/departments/new" => departments::new_form,
    GET "/departments/{id}/edit" => departments::edit_form,
    POST "/departments/{id}" => departments::update,
    POST "/departments/{id}/delete" => departments::delete,
    GET "/employees" => employees::list,
    POST "/employees" => employees::create,
    GET "/employees/new" => employees::new_form,
    GET "/employees/options" => employees::options,
    GET "/employees/{id}" => employees::card,
    GET "/employees/{id}/assign" => employees::assign,
    GET "/employees/{id}/edit" => employees::edit_form,
    POST "/employees/{id}" => employees::update,
    POST "/employees/{id}/delete" => employees::delete,
    GET "/audit" => audit::list,
    GET "/audit/export" => audit::export,
    GET "/health/live" => ops::live,
    GET "/health/ready" => ops::ready,
    GET "/static/{file}" => assets::serve,
}

/// A form or query whose fields may repeat (checkboxes, lists) read into `Vec`s, which
/// actix's own `Form` and `Query` cannot do.
pub fn html_form<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_html_form::from_bytes(bytes).map_err(|e| {
        AppError::BadRequest(Problem::BadForm {
            detail: e.to_string(),
        })
    })
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

/// Field errors for a form, said in the page's language, looked up by field name in templates.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub Vec<(&'static str, String)>);

use i18n::Lang;

impl FormErrors {
    pub fn said(errors: &[FieldError], lang: Lang) -> Self {
        Self(
            errors
                .iter()
                .map(|e| (e.field, i18n::problems::sentence(&e.problem, lang)))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Errors that belong to no input on the form (shown at the top).
    pub fn general(&self, fields: &[&str]) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(f, _)| !fields.contains(f))
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

/// Splits a use case's failure into form errors (re-render with 422) or an app error.
pub fn form_errors(e: UseCaseError, lang: Lang) -> Result<FormErrors, AppError> {
    match e {
        UseCaseError::Invalid(errors) => Ok(FormErrors::said(&errors, lang)),
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
            Err(AppError::BadRequest(Problem::NoDepartment { id: d }))
        }
        _ => Ok(id),
    }
}

/// Reads an optional id from a query or form value; an empty value is None.
pub fn opt_id(value: &Option<String>) -> Result<Option<i64>, AppError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            AppError::BadRequest(Problem::NotAnId {
                input: s.to_owned(),
            })
        }),
    }
}
