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

/// The rights jobs are queued under, and the kinds each covers: a job's progress needs the
/// right of the work it does.
const JOB_RIGHTS: [(Object, Action, &[&str]); 1] = [(
    Object::Roster,
    Action::Import,
    &[crate::services::roster::job::KIND],
)];

/// The job is read through a permit for its kind's right (so a delegated permit finds only
/// the jobs its holder queued); with none of those rights, 403; any other job is not found.
pub async fn progress(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (mut found, mut denied, mut refusals) = (None, None, 0);
    for (object, action, kinds) in JOB_RIGHTS {
        match cab.permit(&state, object, action).await {
            Ok(permit) => {
                let job = jobs::get_for_company(&state.db, &permit, *id).await?;
                found = found.or(job.filter(|j| kinds.contains(&j.kind.as_str())));
            }
            Err(e) => {
                refusals += 1;
                denied = Some(e);
            }
        }
    }
    let job = match (found, denied) {
        (Some(job), _) => job,
        // None of the rights: as for any page the person may not open.
        (None, Some(e)) if refusals == JOB_RIGHTS.len() => return Err(e),
        _ => return Err(AppError::NotFound),
    };
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
