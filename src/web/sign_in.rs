//! Signing in by SMS code (`/login/code`) and a new password by SMS code (`/password/forgot`):
//! a number, then the code (and the new password) on the same attempt.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::Msisdn;
use crate::error::{AppError, redirect};
use crate::services::auth::{hash_password, validate_password};
use crate::services::second_factor::{self, SecondStep};
use crate::services::sign_in::{self, Purpose, ResetError, SignInError};
use crate::store::users;

use super::auth::{
    SECOND_STEP_COOKIE, anonymous_csrf, first_factor_passed, open_session, with_anonymous_csrf,
};
use super::i18n::Lang;
use super::i18n::problems;
use super::session::{Visitor, removal_cookie};
use super::{AppState, render_status};

/// The sign-in attempt a code belongs to.
pub const ATTEMPT_COOKIE: &str = "sf_attempt";

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage<'a> {
    lang: Lang,
    csrf: &'a str,
    purpose: &'static str,
    /// `number` or `code`.
    step: &'static str,
    base: &'static str,
    number: &'a str,
    number_error: Option<String>,
    password_error: Option<String>,
    failure: Option<String>,
}

impl CodePage<'_> {
    fn title_key(&self) -> &'static str {
        if self.purpose == "reset" {
            "code.title_reset"
        } else {
            "code.title_login"
        }
    }
}

fn base(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Login => "/login/code",
        Purpose::Reset => "/password/forgot",
    }
}

fn page<'a>(
    visitor: &Visitor,
    csrf: &'a str,
    purpose: Purpose,
    step: &'static str,
) -> CodePage<'a> {
    CodePage {
        lang: visitor.lang,
        csrf,
        purpose: purpose.as_str(),
        step,
        base: base(purpose),
        number: "",
        number_error: None,
        password_error: None,
        failure: None,
    }
}

fn show(
    visitor: &Visitor,
    state: &AppState,
    purpose: Purpose,
    step: &'static str,
) -> Result<HttpResponse, AppError> {
    with_anonymous_csrf(visitor, state, |csrf| {
        render_status(StatusCode::OK, &page(visitor, csrf, purpose, step))
    })
}

pub async fn login_number_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show(&visitor, &state, Purpose::Login, "number")
}

pub async fn reset_number_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show(&visitor, &state, Purpose::Reset, "number")
}

pub async fn login_code_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show(&visitor, &state, Purpose::Login, "code")
}

pub async fn reset_code_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    show(&visitor, &state, Purpose::Reset, "code")
}

#[derive(Deserialize)]
pub struct NumberForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
}

pub async fn login_send(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<NumberForm>,
) -> Result<HttpResponse, AppError> {
    send(visitor, state, form, Purpose::Login).await
}

pub async fn reset_send(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<NumberForm>,
) -> Result<HttpResponse, AppError> {
    send(visitor, state, form, Purpose::Reset).await
}

/// Issues a code for the number and moves on to the code step; the answer is the same
/// whether or not anyone has the number.
async fn send(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<NumberForm>,
    purpose: Purpose,
) -> Result<HttpResponse, AppError> {
    let csrf = anonymous_csrf(&visitor, &form.csrf)?;
    let lang = visitor.lang;
    let again = |status, number_error: Option<String>, failure: Option<String>| {
        render_status(
            status,
            &CodePage {
                number: &form.number,
                number_error,
                failure,
                ..page(&visitor, csrf, purpose, "number")
            },
        )
    };
    let msisdn = match Msisdn::parse(&form.number) {
        Ok(m) => m,
        Err(e) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(problems::sentence(&e.0, lang)),
                None,
            );
        }
    };
    let now = state.clock.now_ms();
    let sent = sign_in::request_code(&state.db, now, &msisdn, purpose, &visitor.ip).await;
    let attempt = match sent {
        Ok(issued) => {
            // Handed off whoever has the number: the answer comes as fast either way.
            let sms = state.sms.clone();
            state.background.spawn_on(
                async move { sign_in::deliver(&*sms, issued.text).await },
                &state.runtime,
            );
            issued.attempt
        }
        Err(SignInError::TooManyCodes { minutes }) => {
            let failure = format!("{} {}.", lang.t("code.too_many"), lang.minutes(minutes));
            return again(StatusCode::TOO_MANY_REQUESTS, None, Some(failure));
        }
        Err(SignInError::Db(e)) => return Err(e.into()),
    };
    let mut resp = redirect(&format!("{}/enter", base(purpose)));
    let cookie = Cookie::build(ATTEMPT_COOKIE, attempt)
        .path("/")
        .http_only(true)
        .secure(state.settings.cookie_secure)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::seconds(
            sign_in::CODE_LIFETIME.as_secs() as i64
        ))
        .finish();
    resp.add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

fn attempt_of(req: &actix_web::HttpRequest) -> String {
    req.cookie(ATTEMPT_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default()
}

fn code_again(
    visitor: &Visitor,
    csrf: &str,
    purpose: Purpose,
    status: StatusCode,
    failure: Option<String>,
    password_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    render_status(
        status,
        &CodePage {
            failure,
            password_error,
            ..page(visitor, csrf, purpose, "code")
        },
    )
}

pub async fn login_enter(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let csrf = anonymous_csrf(&visitor, &form.csrf)?;
    let attempt = attempt_of(&req);
    let now = state.clock.now_ms();
    let user = sign_in::sign_in_with_code(&state.db, now, &attempt, &form.code).await?;
    let Some(user) = user else {
        let failure = Some(visitor.lang.t("code.wrong").to_owned());
        return code_again(
            &visitor,
            csrf,
            Purpose::Login,
            StatusCode::UNAUTHORIZED,
            failure,
            None,
        );
    };
    let mut resp = first_factor_passed(&state, &visitor, &user).await?;
    resp.add_cookie(&removal_cookie(ATTEMPT_COOKIE))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

pub async fn reset_enter(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let csrf = anonymous_csrf(&visitor, &form.csrf)?;
    let lang = visitor.lang;
    let refuse = |status, failure: Option<String>, password_error: Option<String>| {
        code_again(
            &visitor,
            csrf,
            Purpose::Reset,
            status,
            failure,
            password_error,
        )
    };
    // The new password is checked first: a mistyped one does not use up the code.
    if let Err(e) = validate_password(&form.password) {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problems::sentence(&e.0, lang)),
        );
    }
    if form.password != form.confirm {
        let error = Some(lang.t("reset.mismatch").to_owned());
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, None, error);
    }
    let hash = hash_password(form.password.clone()).await?;
    let now = state.clock.now_ms();
    let attempt = attempt_of(&req);
    match sign_in::reset_password(&state.db, now, &attempt, &form.code, &hash, &visitor.ip).await {
        Ok(_) => {
            let mut resp = redirect("/login?reset=1");
            resp.add_cookie(&removal_cookie(ATTEMPT_COOKIE))
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(resp)
        }
        Err(ResetError::WrongCode) => {
            let failure = Some(lang.t("code.wrong").to_owned());
            refuse(StatusCode::UNAUTHORIZED, failure, None)
        }
        Err(ResetError::TooManyChanges) => {
            let failure = Some(lang.t("reset.too_many").to_owned());
            refuse(StatusCode::TOO_MANY_REQUESTS, failure, None)
        }
        Err(ResetError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "second_step.html")]
struct SecondStepPage<'a> {
    lang: Lang,
    csrf: &'a str,
    failure: Option<&'a str>,
}

/// The second step of signing in: the authenticator's code or a recovery code.
pub async fn second_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    with_anonymous_csrf(&visitor, &state, |csrf| {
        let page = SecondStepPage {
            lang: visitor.lang,
            csrf,
            failure: None,
        };
        render_status(StatusCode::OK, &page)
    })
}

pub async fn second_enter(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<CodeForm>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let csrf = anonymous_csrf(&visitor, &form.csrf)?;
    let attempt = req
        .cookie(SECOND_STEP_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    let now = state.clock.now_ms();
    let step = second_factor::finish_attempt(&state.db, &attempt, &form.code, &visitor.ip, now)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let failure = match step {
        SecondStep::Passed(user) => {
            let mut resp = open_session(&state, &visitor, &user, true).await?;
            resp.add_cookie(&removal_cookie(SECOND_STEP_COOKIE))
                .map_err(|e| AppError::Internal(e.into()))?;
            return Ok(resp);
        }
        SecondStep::Refused => "second.wrong",
        SecondStep::UserLocked { first } => {
            if let Some(user) = first {
                notify_second_factor_locked(&state, visitor.lang, &user);
            }
            "second.locked"
        }
        SecondStep::AddressWaits => "second.address_waits",
    };
    tracing::info!(ip = %visitor.ip, failure, "second factor refused");
    let client = crate::services::auth::Client {
        ip: &visitor.ip,
        user_agent: &visitor.user_agent,
        now,
        device: "",
    };
    crate::services::auth::record_failed_login(&state.db, "second factor", &client).await?;
    let status = if failure == "second.wrong" {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::TOO_MANY_REQUESTS
    };
    let page = SecondStepPage {
        lang: visitor.lang,
        csrf,
        failure: Some(visitor.lang.t(failure)),
    };
    render_status(status, &page)
}

/// Tells the person that their second step is closed for a while, after the answer.
fn notify_second_factor_locked(state: &AppState, lang: Lang, user: &users::User) {
    if user.email.is_empty() {
        return;
    }
    let mail = crate::mail::Mail {
        to: user.email.clone(),
        subject: lang.t("mail.second_locked.subject").to_owned(),
        body: format!(
            "{}\n\n{}\n",
            lang.t("mail.second_locked.intro"),
            lang.t("mail.second_locked.not_you"),
        ),
    };
    let mailer = state.mailer.clone();
    let user_id = user.id;
    actix_web::rt::spawn(async move {
        if let Err(e) = mailer.send(&mail).await {
            tracing::warn!(user_id, error = %e, "second-factor lock notice not sent");
        }
    });
}
