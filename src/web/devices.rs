//! "Devices and sessions": one's own sessions (browser, address, last activity), each of which
//! can be ended from here.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object};
use crate::error::{AppError, redirect};
use crate::services::sessions::{self, Ending};
use crate::store::sessions::{self as stored, OwnSession};

use super::flash::{self, Done};
use super::page::Page;
use super::session::{Cabinet, SESSION_COOKIE, removal_cookie};
use super::{AppState, render};

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    page: Page,
    sessions: Vec<OwnSession>,
    current: String,
}

pub async fn list(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now_ms();
    let mut sessions = stored::list_for_user(&state.db, cab.session.user_id, now).await?;
    // The current session first, then the others as last seen.
    sessions.sort_by_key(|s| s.id_hash != cab.session.id_hash);
    let page = Page::new(&state, &cab, req.uri().to_string(), "", "sessions.title").await;
    render(&SessionsPage {
        page,
        sessions,
        current: cab.session.id_hash.clone(),
    })
}

#[derive(Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
}

/// Ends sessions of the signed-in user (one, or all but this one).
async fn end(state: &AppState, cab: &Cabinet, which: Ending<'_>) -> Result<u64, AppError> {
    let permit = cab.permit(state, Object::Account, Action::Write).await?;
    Ok(sessions::end_own(&state.db, &permit, which).await?)
}

pub async fn end_one(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    if end(&state, &cab, Ending::One(&form.id)).await? == 0 {
        return Err(AppError::NotFound);
    }
    if form.id == cab.session.id_hash {
        let mut resp = redirect("/login");
        resp.add_cookie(&removal_cookie(SESSION_COOKIE))
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok(resp);
    }
    flash::say(&state, &cab, Done::SessionEnded, None).await?;
    Ok(redirect("/sessions"))
}

pub async fn end_others(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    end(&state, &cab, Ending::AllBut(&cab.session.id_hash)).await?;
    flash::say(&state, &cab, Done::OtherSessionsEnded, None).await?;
    Ok(redirect("/sessions"))
}
