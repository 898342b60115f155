//! Who is asking: the session behind the cookie, checked on every request.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::authz::{Action, Decision, Holder, Object, Permit, Principal};
use crate::domain::Actor;
use crate::error::AppError;
use crate::services::auth::{is_signed, token_hash};
use crate::store::sessions::{self, SessionRow};

use super::AppState;
use super::connection::{Lent, RequestConn};
use super::i18n::Lang;

pub const SESSION_COOKIE: &str = "sf_session";
/// The pre-session form cookie: `__Host-` where cookies are secure, so no other host (a
/// subdomain) can set it.
pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure { "__Host-sf_csrf" } else { "sf_csrf" }
}
pub const LANG_COOKIE: &str = "lang";
/// A random token naming the browser, to recognise a sign-in from a new device.
pub const DEVICE_COOKIE: &str = "sf_device";

/// Last-activity is written at most this often, not on every request.
const TOUCH_EVERY_MS: i64 = 60_000;

/// Anyone: their language, address, and session if they have a live one.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    pub ip: String,
    pub user_agent: String,
    pub session: Option<SessionRow>,
    /// The anonymous double-submit token (login form), if the cookie is set.
    pub csrf_cookie: Option<String>,
    pub device_cookie: Option<String>,
    /// The connection the session was read on, kept for the handler (`Cabinet::connection`).
    pub conn: RequestConn,
}

impl Visitor {
    pub fn actor(&self) -> Actor {
        match &self.session {
            Some(s) => Actor {
                user_id: Some(s.user_id),
                label: s.msisdn.clone(),
                ip: self.ip.clone(),
                token_id: None,
            },
            None => Actor {
                user_id: None,
                label: "anonymous".into(),
                ip: self.ip.clone(),
                token_id: None,
            },
        }
    }
}

/// The client's address: the peer, or what the proxy says when it is trusted.
pub fn client_addr(req: &HttpRequest, settings: &crate::config::Settings) -> String {
    let info = req.connection_info();
    let addr = if settings.trust_forwarded {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    addr.unwrap_or("").to_owned()
}

/// Russian unless the person switched to English.
pub fn lang_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .unwrap_or_default()
}

/// The visitor, read once per request: every extractor after the first gets the same one,
/// without the connection. That stays with the first, which the handler drops when it ends:
/// a long download does not keep it while the response goes out.
async fn load(req: HttpRequest) -> Result<Visitor, AppError> {
    if let Some(visitor) = req.extensions().get::<Visitor>() {
        return Ok(visitor.clone());
    }
    let visitor = read_visitor(&req).await?;
    req.extensions_mut().insert(Visitor {
        conn: RequestConn::default(),
        ..visitor.clone()
    });
    Ok(visitor)
}

async fn read_visitor(req: &HttpRequest) -> Result<Visitor, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?;
    let ip = client_addr(req, &state.settings);
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let mut session = None;
    let mut conn = RequestConn::default();
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        let hash = token_hash(cookie.value());
        let mut held = state.db.requests.acquire().await?;
        if let Some(row) = sessions::find(&mut held, state.db.backend, &hash).await? {
            let now = state.clock.now_ms();
            let idle_ms = state.settings.session_idle_minutes * 60_000;
            if row.expires_at < now || now - row.last_seen_at > idle_ms || row.disabled != 0 {
                sessions::delete(&mut held, &hash).await?;
            } else {
                // Background polling (progress bars) says so and does not count as activity.
                let background = req.headers().contains_key("x-background");
                if !background && now - row.last_seen_at > TOUCH_EVERY_MS {
                    sessions::touch(&mut held, &hash, now).await?;
                }
                session = Some(row);
                conn = RequestConn::holding(held);
            }
        }
    }
    Ok(Visitor {
        lang: lang_of(req),
        ip,
        user_agent,
        session,
        // Only a token this server signed counts: a cookie someone else set is none.
        csrf_cookie: req
            .cookie(csrf_cookie_name(state.settings.cookie_secure))
            .map(|c| c.value().to_owned())
            .filter(|v| is_signed(&state.form_key, v)),
        device_cookie: req
            .cookie(DEVICE_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())),
        conn,
    })
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

/// A signed-in user acting for a chosen company.
#[derive(Debug, Clone)]
pub struct Cabinet {
    pub visitor: Visitor,
    pub session: SessionRow,
    pub principal: Principal,
}

impl Cabinet {
    pub fn lang(&self) -> Lang {
        self.visitor.lang
    }

    /// A connection to read on: the one the session was read on (no second checkout, no
    /// second release); if that one is lent out already, one of the main pool's.
    pub async fn connection(&self, state: &AppState) -> Result<Lent, AppError> {
        Ok(self.visitor.conn.lend(&state.db).await?)
    }

    /// The one way a handler gets a permit: casbin decides for this user in this company; a
    /// limited person's permit then covers only what `authz::scope` says.
    pub async fn permit(
        &self,
        state: &AppState,
        object: Object,
        action: Action,
    ) -> Result<Permit, AppError> {
        match state.authz.permit(&self.principal, object, action).await? {
            Decision::Whole(permit) => Ok(permit),
            Decision::Delegated(delegated) => {
                let reference = self.reference(state).await?;
                let mut conn = self.connection(state).await?;
                let now = state.clock.now_ms();
                Ok(delegated
                    .narrowed(&mut conn, now, &reference.departments)
                    .await?)
            }
        }
    }

    /// The company's departments, tariffs and open services, from memory when unchanged.
    pub async fn reference(
        &self,
        state: &AppState,
    ) -> Result<std::sync::Arc<crate::store::reference::Reference>, AppError> {
        let versions = crate::store::reference::Versions {
            company: self.session.reference_version.unwrap_or_default(),
            catalogue: self.session.catalogue_version,
            region_code: self.session.region_code.clone().unwrap_or_default(),
        };
        Ok(state
            .reference
            .get(&state.db, self.principal.company_id, &versions)
            .await?)
    }

    /// Every form carries the session's token; a missing or wrong one changes nothing.
    pub fn verify_csrf(&self, token: &str) -> Result<(), AppError> {
        if !token.is_empty() && constant_time_eq(token, &self.session.csrf_token) {
            Ok(())
        } else {
            Err(AppError::Csrf)
        }
    }
}

pub use crate::services::auth::constant_time_eq;

/// The cabinet of the request; with `gate`, an admin whose company requires a second factor
/// and whose session has none is sent to set one up first.
async fn cabinet(req: HttpRequest, gate: bool) -> Result<Cabinet, AppError> {
    let visitor = load(req.clone()).await?;
    let session = visitor.session.clone().ok_or(AppError::Unauthenticated)?;
    let (Some(company_id), Some(role)) = (session.company_id, session.role.clone()) else {
        return Err(AppError::ChooseCompany);
    };
    let principal = Principal {
        holder: Holder::User(session.user_id),
        company_id,
        role,
        actor: visitor.actor(),
    };
    if gate && owes_second_factor(&session, &principal) {
        return Err(AppError::SecondFactorRequired);
    }
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?;
    state
        .authz
        .refresh(session.policy_version)
        .await
        .map_err(AppError::Internal)?;
    Ok(Cabinet {
        visitor,
        session,
        principal,
    })
}

impl FromRequest for Cabinet {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(cabinet(req.clone(), true))
    }
}

/// The cabinet before the second-factor gate: only the page where one sets it up.
pub struct Enrolling(pub Cabinet);

impl FromRequest for Enrolling {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { cabinet(req, false).await.map(Enrolling) })
    }
}

pub fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish()
}

pub fn removal_cookie(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::build(name, "")
        .path("/")
        .max_age(CookieDuration::ZERO)
        .finish();
    c.make_removal();
    c
}

pub fn device_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(DEVICE_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::days(400))
        .finish()
}

pub fn csrf_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(csrf_cookie_name(secure), token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish()
}

/// Whether the company requires a second factor of this person and the session has none.
pub fn owes_second_factor(session: &SessionRow, principal: &Principal) -> bool {
    principal.owes_second_factor(
        session.admins_need_totp.unwrap_or(0) != 0,
        session.second_factor != 0,
    )
}

/// The token of an `Authorization: Bearer …` header, as sent.
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}
