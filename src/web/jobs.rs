//! A job's progress as a fragment the page polls (htmx, marked as background so polling is
//! not activity); when the job ends the page reloads to show its result.

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::authz::{Action, Object};
use crate::error::AppError;
use crate::store::jobs::{self, Job};

use super::i18n::Lang;
use super::session::Cabinet;
use super::{AppState, render};

#[derive(Template)]
#[template(path = "jobs/progress.html")]
pub struct Progress {
    pub lang: Lang,
    pub job: Job,
}

pub trait JobView {
    fn running(&self) -> bool;
    fn percent(&self) -> i64;
    fn state_key(&self) -> &'static str;
}

impl JobView for Job {
    fn running(&self) -> bool {
        self.status == "queued" || self.status == "running"
    }

    fn percent(&self) -> i64 {
        if self.status == "done" {
            100
        } else if self.progress_total > 0 {
            (self.progress_done * 100 / self.progress_total).clamp(0, 100)
        } else {
            0
        }
    }

    fn state_key(&self) -> &'static str {
        match self.status.as_str() {
            "queued" => "job.queued",
            "running" => "job.running",
            "done" => "job.done",
            _ => "job.failed",
        }
    }
}

/// What right a job's progress needs: that of the work it does.
fn right_of(kind: &str) -> Option<(Object, Action)> {
    match kind {
        crate::services::roster::job::KIND | crate::services::roster::network::KIND => {
            Some((Object::Roster, Action::Import))
        }
        _ => None,
    }
}

pub async fn progress(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::get_for_company(&state.db, cab.principal.company_id, *id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (object, action) = right_of(&job.kind).ok_or(AppError::NotFound)?;
    cab.permit(&state, object, action).await?;
    let finished = !job.running();
    let mut resp = render(&Progress {
        lang: cab.lang(),
        job,
    })?;
    if finished {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("hx-refresh"),
            actix_web::http::header::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}
