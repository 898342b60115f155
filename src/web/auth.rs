//! Logging in with a number and password, choosing the company, logging out, the language.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::Msisdn;
use crate::error::{AppError, redirect};
use crate::mail::Mail;
use crate::services::auth::{self, Client, authenticate, new_token, signed_token};
use crate::services::second_factor;
use crate::services::sign_in::{self, PasswordGate};
use crate::store::users;

use super::i18n::Lang;
use super::i18n::problems;
use super::session::{
    LANG_COOKIE, SESSION_COOKIE, Visitor, constant_time_eq, csrf_cookie, csrf_cookie_name,
    device_cookie, removal_cookie, session_cookie,
};
use super::{AppState, render_status};

pub async fn home(visitor: Visitor) -> HttpResponse {
    match &visitor.session {
        Some(s) if s.company_id.is_some() => redirect("/overview"),
        Some(_) => redirect("/choose"),
        None => redirect("/login"),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    lang: Lang,
    csrf: &'a str,
    number: &'a str,
    number_error: Option<String>,
    failure: Option<&'a str>,
    notice: Option<&'a str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    reset: Option<String>,
}

/// A page with an anonymous form: its double-submit token, set as a cookie on the answer.
pub fn with_anonymous_csrf(
    visitor: &Visitor,
    state: &AppState,
    page: impl FnOnce(&str) -> Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let token = visitor
        .csrf_cookie
        .clone()
        .unwrap_or_else(|| signed_token(&state.form_key));
    let mut resp = page(&token)?;
    resp.add_cookie(&csrf_cookie(&token, state.settings.cookie_secure))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

/// The double-submit check of an anonymous form; the token on success.
pub fn anonymous_csrf<'a>(visitor: &'a Visitor, form_token: &str) -> Result<&'a str, AppError> {
    let cookie = visitor.csrf_cookie.as_deref().unwrap_or("");
    if cookie.is_empty() || !constant_time_eq(cookie, form_token) {
        return Err(AppError::Csrf);
    }
    Ok(cookie)
}

pub async fn login_form(
    visitor: Visitor,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    if visitor.session.is_some() {
        return Ok(redirect("/"));
    }
    with_anonymous_csrf(&visitor, &state, |token| {
        render_status(
            StatusCode::OK,
            &LoginPage {
                lang: visitor.lang,
                csrf: token,
                number: "",
                number_error: None,
                failure: None,
                notice: query
                    .reset
                    .is_some()
                    .then(|| visitor.lang.t("login.reset_done")),
            },
        )
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let cookie = anonymous_csrf(&visitor, &form.csrf)?;
    let lang = visitor.lang;
    let again = |status: StatusCode, number_error: Option<String>, failure: Option<&str>| {
        render_status(
            status,
            &LoginPage {
                lang,
                csrf: cookie,
                number: &form.number,
                number_error,
                failure,
                notice: None,
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
    match sign_in::password_gate(&state.db, now, msisdn.as_str(), &visitor.ip).await? {
        PasswordGate::Open => {}
        PasswordGate::Throttled => {
            let failure = Some(lang.t("login.throttled"));
            return again(StatusCode::TOO_MANY_REQUESTS, None, failure);
        }
        PasswordGate::NeedsCode => {
            return again(StatusCode::FORBIDDEN, None, Some(lang.t("login.locked")));
        }
    }
    let client = Client {
        ip: &visitor.ip,
        user_agent: &visitor.user_agent,
        now,
        device: "",
    };
    let Some(user) = authenticate(&state.db, &form.number, &form.password).await? else {
        tracing::info!(ip = %visitor.ip, "login failed");
        sign_in::record_wrong_password(&state.db, now, msisdn.as_str(), &visitor.ip).await?;
        auth::record_failed_login(&state.db, &form.number, &client).await?;
        return again(StatusCode::UNAUTHORIZED, None, Some(lang.t("login.failed")));
    };
    first_factor_passed(&state, &visitor, &user).await
}

/// The sign-in attempt waiting for the second factor.
pub const SECOND_STEP_COOKIE: &str = "sf_second";

/// After the password or SMS code: the second step when the user has an authenticator, else
/// the session.
pub async fn first_factor_passed(
    state: &AppState,
    visitor: &Visitor,
    user: &users::User,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_ms();
    if !second_factor::is_on(&state.db, user.id).await? {
        return open_session(state, visitor, user, false).await;
    }
    let attempt = second_factor::start_attempt(&state.db, user.id, now).await?;
    let mut resp = redirect("/login/second");
    let cookie = Cookie::build(SECOND_STEP_COOKIE, attempt)
        .path("/")
        .http_only(true)
        .secure(state.settings.cookie_secure)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::milliseconds(
            second_factor::ATTEMPT_LIFETIME_MS,
        ))
        .finish();
    resp.add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

/// Signs the user in: a new session, its cookie, and the next page.
pub async fn open_session(
    state: &AppState,
    visitor: &Visitor,
    user: &users::User,
    second_factor: bool,
) -> Result<HttpResponse, AppError> {
    let device = visitor.device_cookie.clone().unwrap_or_else(new_token);
    let client = Client {
        ip: &visitor.ip,
        user_agent: &visitor.user_agent,
        now: state.clock.now_ms(),
        device: &device,
    };
    let companies = users::memberships(&state.db, user).await?;
    let settings = &state.settings;
    let company_id = match companies.as_slice() {
        [only] => Some(only.company_id),
        _ => None,
    };
    // A new session id at every login; the old one (if any) ends here.
    let previous = visitor.session.as_ref().map(|s| s.id_hash.as_str());
    let lifetime = settings.session_max_hours * 3_600_000;
    let started = auth::start_session(
        &state.db,
        user,
        company_id,
        lifetime,
        &client,
        previous,
        second_factor,
    )
    .await?;
    tracing::info!(user_id = user.id, ip = %visitor.ip, "login");
    if started.new_device && !user.email.is_empty() {
        notify_new_device(state, visitor, user, client.now);
    }
    let mut resp = redirect(if companies.len() == 1 {
        "/overview"
    } else {
        "/choose"
    });
    resp.add_cookie(&session_cookie(&started.token, settings.cookie_secure))
        .and_then(|_| {
            // A `__Host-` cookie is only replaced by another that is Secure.
            let mut gone = removal_cookie(csrf_cookie_name(settings.cookie_secure));
            gone.set_secure(settings.cookie_secure);
            resp.add_cookie(&gone)
        })
        .and_then(|_| resp.add_cookie(&device_cookie(&device, settings.cookie_secure)))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

/// Tells the user by e-mail about a sign-in from a browser not seen before; sent after the
/// answer, so a slow mail server does not hold the sign-in up.
fn notify_new_device(state: &AppState, visitor: &Visitor, user: &users::User, at: i64) {
    let lang = visitor.lang;
    let mail = Mail {
        to: user.email.clone(),
        subject: lang.t("mail.new_device.subject").to_owned(),
        body: format!(
            "{}\n\n{}: {}\n{}: {}\n{}: {}\n\n{} {}/sessions\n",
            lang.t("mail.new_device.intro"),
            lang.t("mail.new_device.when"),
            super::format::datetime(lang, at),
            lang.t("mail.new_device.ip"),
            visitor.ip,
            lang.t("mail.new_device.browser"),
            super::format::device(&visitor.user_agent),
            lang.t("mail.new_device.not_you"),
            state.settings.public_url(),
        ),
    };
    let mailer = state.mailer.clone();
    let user_id = user.id;
    actix_web::rt::spawn(async move {
        if let Err(e) = mailer.send(&mail).await {
            tracing::warn!(user_id, error = %e, "new-device notice not sent");
        }
    });
}

#[derive(Template)]
#[template(path = "choose.html")]
struct ChoosePage<'a> {
    lang: Lang,
    csrf: &'a str,
    user_name: &'a str,
    companies: Vec<users::Membership>,
}

async fn signed_in_user(state: &AppState, visitor: &Visitor) -> Result<users::User, AppError> {
    let session = visitor.session.as_ref().ok_or(AppError::Unauthenticated)?;
    users::find_by_msisdn(&state.db, &session.msisdn)
        .await?
        .ok_or(AppError::Unauthenticated)
}

pub async fn choose_form(
    visitor: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let user = signed_in_user(&state, &visitor).await?;
    let session = visitor.session.as_ref().ok_or(AppError::Unauthenticated)?;
    let companies = users::memberships(&state.db, &user).await?;
    render_status(
        StatusCode::OK,
        &ChoosePage {
            lang: visitor.lang,
            csrf: &session.csrf_token,
            user_name: &user.full_name,
            companies,
        },
    )
}

#[derive(Deserialize)]
pub struct ChooseForm {
    #[serde(default)]
    csrf: String,
    company_id: i64,
}

pub async fn choose(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<ChooseForm>,
) -> Result<HttpResponse, AppError> {
    let user = signed_in_user(&state, &visitor).await?;
    let session = visitor.session.as_ref().ok_or(AppError::Unauthenticated)?;
    if !constant_time_eq(&form.csrf, &session.csrf_token) {
        return Err(AppError::Csrf);
    }
    let companies = users::memberships(&state.db, &user).await?;
    if !companies.iter().any(|c| c.company_id == form.company_id) {
        return Err(AppError::NotFound);
    }
    let token = auth::choose_company(
        &state.db,
        &visitor.actor(),
        &session.id_hash,
        user.id,
        form.company_id,
    )
    .await?;
    let mut resp = redirect("/overview");
    resp.add_cookie(&session_cookie(&token, state.settings.cookie_secure))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    visitor: Visitor,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, AppError> {
    if let Some(session) = &visitor.session {
        if !constant_time_eq(&form.csrf, &session.csrf_token) {
            return Err(AppError::Csrf);
        }
        auth::end_session(
            &state.db,
            &visitor.actor(),
            &session.id_hash,
            session.user_id,
            session.company_id,
        )
        .await?;
    }
    let mut resp = redirect("/login");
    resp.add_cookie(&removal_cookie(SESSION_COOKIE))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}

#[derive(Deserialize)]
pub struct Back {
    back: Option<String>,
}

/// Sets the language and returns to the page (only to a path on this site).
pub async fn switch_lang(
    code: web::Path<String>,
    query: web::Query<Back>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&code).ok_or(AppError::NotFound)?;
    let back = query
        .back
        .as_deref()
        .and_then(super::page::same_origin_path)
        .unwrap_or("/");
    let mut resp = redirect(back);
    let cookie = Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .max_age(CookieDuration::days(365))
        .same_site(SameSite::Lax)
        .secure(state.settings.cookie_secure)
        .finish();
    resp.add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(resp)
}
