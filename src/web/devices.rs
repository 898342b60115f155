//! "Devices and sessions": one's own sessions (browser, address, last activity), each of which
//! can be ended from here.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::authz::{Action, Object};
use crate::error::{AppError, redirect};
use crate::store::audit::{self, Event};
use crate::store::sessions::{self, OwnSession};

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
    let sessions = sessions::list_for_user(&state.db, cab.session.user_id, now).await?;
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

/// Ends sessions of the signed-in user (one, or all but this one), with an audit entry.
async fn end(state: &AppState, cab: &Cabinet, which: Option<&str>) -> Result<u64, AppError> {
    cab.permit(state, Object::Account, Action::Write).await?;
    let user_id = cab.session.user_id;
    let mut tx = state.db.begin().await?;
    let ended = match which {
        Some(id) => u64::from(sessions::delete_own(&mut tx, user_id, id).await?),
        None => sessions::delete_others(&mut tx, user_id, &cab.session.id_hash).await?,
    };
    if ended > 0 {
        audit::append(
            &mut tx,
            &cab.visitor.actor(),
            Event {
                company_id: Some(cab.principal.company_id),
                action: "session.ended",
                object_type: "session",
                object_id: user_id.to_string(),
                before: None,
                after: Some(json!({ "sessions": ended })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ended)
}

pub async fn end_one(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    if end(&state, &cab, Some(&form.id)).await? == 0 {
        return Err(AppError::NotFound);
    }
    if form.id == cab.session.id_hash {
        let mut resp = redirect("/login");
        resp.add_cookie(&removal_cookie(SESSION_COOKIE))
            .map_err(|e| AppError::Internal(e.into()))?;
        return Ok(resp);
    }
    Ok(redirect("/sessions"))
}

pub async fn end_others(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    end(&state, &cab, None).await?;
    Ok(redirect("/sessions"))
}
