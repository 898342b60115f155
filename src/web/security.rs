//! «Вход и защита»: one's second factor — an authenticator app (TOTP) with recovery codes —
//! turned on, off, and its recovery codes renewed. Reachable before the company's
//! second-factor gate, since this is where an admin sets it up.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object};
use crate::error::{AppError, redirect};
use crate::services::second_factor::{self, FactorError, Setup};
use crate::store::users;

use super::flash::{self, Done};
use super::page::Page;
use super::session::{Cabinet, Enrolling};
use super::{AppState, render_status};
use crate::services::sign_in::{self, PasswordChangeError};

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    page: Page,
    on: bool,
    pending: Option<Setup>,
    recovery_left: i64,
    /// The company requires it and this session has none yet.
    required: bool,
    /// Recovery codes just made, shown this once.
    codes: Vec<String>,
    failure: Option<String>,
}

impl SecurityPage {
    /// The secret in groups of four, easier to type.
    fn grouped(&self, secret: &str) -> String {
        secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

async fn user_of(state: &AppState, cab: &Cabinet) -> Result<users::User, AppError> {
    users::find_by_msisdn(&state.db, &cab.session.msisdn)
        .await?
        .ok_or(AppError::Unauthenticated)
}

fn internal(e: FactorError) -> AppError {
    match e {
        FactorError::Db(e) => e.into(),
        other => AppError::Internal(other.into()),
    }
}

async fn show(
    state: &AppState,
    cab: &Cabinet,
    path: String,
    codes: Vec<String>,
    failure: Option<String>,
) -> Result<HttpResponse, AppError> {
    let user = user_of(state, cab).await?;
    let status = second_factor::status(&state.db, &user)
        .await
        .map_err(internal)?;
    let required = super::session::owes_second_factor(&cab.session, &cab.principal);
    let http = if failure.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = Page::new(state, cab, path, "", "security.title").await;
    render_status(
        http,
        &SecurityPage {
            page,
            on: status.on,
            pending: status.pending,
            recovery_left: status.recovery_codes_left,
            required,
            codes,
            failure,
        },
    )
}

pub async fn page(
    Enrolling(cab): Enrolling,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.permit(&state, Object::Account, Action::Write).await?;
    show(&state, &cab, req.uri().path().to_owned(), Vec::new(), None).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// Checks the form and the right; the company the actions are audited in.
async fn authorized(state: &AppState, cab: &Cabinet, csrf: &str) -> Result<Option<i64>, AppError> {
    cab.verify_csrf(csrf)?;
    let permit = cab.permit(state, Object::Account, Action::Write).await?;
    Ok(Some(permit.company_id()))
}

/// The page again with a refusal a person can act on, or the error.
async fn refused(
    state: &AppState,
    cab: &Cabinet,
    e: FactorError,
) -> Result<HttpResponse, AppError> {
    let lang = cab.lang();
    let failure = match e {
        FactorError::WrongCode => lang.t("security.wrong_code").to_owned(),
        FactorError::AlreadyOn => lang.t("security.already_on").to_owned(),
        FactorError::NotOn => lang.t("security.not_on").to_owned(),
        FactorError::RequiredBy(company) => {
            format!("{} «{company}»", lang.t("security.required_by"))
        }
        other => return Err(internal(other)),
    };
    show(state, cab, PATH.into(), Vec::new(), Some(failure)).await
}

const PATH: &str = "/security";

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// One's own new password, by the current one.
pub async fn change_password(
    Enrolling(cab): Enrolling,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Account, Action::Write).await?;
    let lang = cab.lang();
    let again = |failure: String| show(&state, &cab, PATH.into(), Vec::new(), Some(failure));
    if let Err(e) = crate::services::auth::validate_password(&form.password) {
        return again(super::i18n::problems::sentence(&e.0, lang)).await;
    }
    if form.password != form.confirm {
        return again(lang.t("reset.mismatch").to_owned()).await;
    }
    let now = state.clock.now_ms();
    let keep = &cab.session.id_hash;
    let new = &form.password;
    match sign_in::change_password(&state.db, &permit, keep, &form.current, new, now).await {
        Ok(()) => {
            flash::say(&state, &cab, Done::PasswordChanged, None).await?;
            Ok(redirect(PATH))
        }
        Err(PasswordChangeError::WrongCurrent) => {
            again(lang.t("password.wrong_current").to_owned()).await
        }
        Err(PasswordChangeError::Locked) => again(lang.t("password.locked").to_owned()).await,
        Err(PasswordChangeError::TooManyChanges) => {
            again(lang.t("reset.too_many").to_owned()).await
        }
        Err(PasswordChangeError::Db(e)) => Err(e.into()),
        Err(e @ PasswordChangeError::Hash(_)) => Err(AppError::Internal(e.into())),
    }
}

pub async fn start(
    Enrolling(cab): Enrolling,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    authorized(&state, &cab, &form.csrf).await?;
    let user = user_of(&state, &cab).await?;
    match second_factor::begin(&state.db, &user, state.clock.now_ms()).await {
        Ok(_) => Ok(redirect(PATH)),
        Err(e) => refused(&state, &cab, e).await,
    }
}

pub async fn confirm(
    Enrolling(cab): Enrolling,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let company = authorized(&state, &cab, &form.csrf).await?;
    let now = state.clock.now_ms();
    let actor = cab.visitor.actor();
    let done = second_factor::confirm(
        &state.db,
        &actor,
        company,
        &cab.session.id_hash,
        &form.code,
        now,
    )
    .await;
    match done {
        Ok(codes) => {
            let mut cab = cab;
            cab.session.second_factor = 1;
            show(&state, &cab, PATH.into(), codes, None).await
        }
        Err(e) => refused(&state, &cab, e).await,
    }
}

pub async fn disable(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let company = authorized(&state, &cab, &form.csrf).await?;
    let now = state.clock.now_ms();
    let actor = cab.visitor.actor();
    match second_factor::disable(&state.db, &actor, company, &form.code, now).await {
        Ok(()) => Ok(redirect(PATH)),
        Err(e) => refused(&state, &cab, e).await,
    }
}

pub async fn renew_codes(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let company = authorized(&state, &cab, &form.csrf).await?;
    let now = state.clock.now_ms();
    let actor = cab.visitor.actor();
    match second_factor::renew_recovery_codes(&state.db, &actor, company, &form.code, now).await {
        Ok(codes) => show(&state, &cab, PATH.into(), codes, None).await,
        Err(e) => refused(&state, &cab, e).await,
    }
}
