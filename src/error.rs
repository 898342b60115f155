//! One error type for the app. Library errors are never silently a 400: anything unexpected is
//! an opaque 500 that logs its cause chain.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::web::i18n::{Lang, problems};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    #[error("no company chosen")]
    ChooseCompany,
    /// The company requires its admins to have a second factor, and this session has none.
    #[error("a second factor is required")]
    SecondFactorRequired,
    #[error("the form is out of date (CSRF token missing or wrong)")]
    Csrf,
    #[error("{0}")]
    BadRequest(crate::domain::Problem),
    /// A request that is well formed but cannot be done as things stand (a cancel of an
    /// operation that has ended): 409.
    #[error("{0}")]
    Refused(crate::domain::Problem),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<crate::authz::Denied> for AppError {
    fn from(_: crate::authz::Denied) -> Self {
        AppError::Forbidden
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title_ru: &'a str,
    title_en: &'a str,
    detail: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated
            | AppError::ChooseCompany
            | AppError::SecondFactorRequired => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Refused(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unauthenticated => return redirect("/login"),
            AppError::ChooseCompany => return redirect("/choose"),
            AppError::SecondFactorRequired => return redirect("/security?required=1"),
            _ => {}
        }
        // The page speaks both languages: it may come before any is chosen.
        let both = |key: &str| (Lang::Ru.t(key), Lang::En.t(key));
        let ((title_ru, title_en), detail) = match self {
            AppError::NotFound => (both("error.not_found"), String::new()),
            AppError::Forbidden => (both("error.forbidden"), String::new()),
            AppError::Csrf => {
                let (ru, en) = both("error.csrf_detail");
                (both("error.csrf"), format!("{ru} / {en}"))
            }
            AppError::Refused(p) => (
                both("error.refused"),
                format!(
                    "{} / {}",
                    problems::sentence(p, Lang::Ru),
                    problems::sentence(p, Lang::En)
                ),
            ),
            AppError::BadRequest(p) => (
                both("error.bad_request"),
                format!(
                    "{} / {}",
                    problems::sentence(p, Lang::Ru),
                    problems::sentence(p, Lang::En)
                ),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "request failed");
                (both("error.internal"), String::new())
            }
            AppError::Unauthenticated
            | AppError::ChooseCompany
            | AppError::SecondFactorRequired => (("", ""), String::new()),
        };
        let status = self.status_code();
        let page = ErrorPage {
            status: status.as_u16(),
            title_ru,
            title_en,
            detail: &detail,
        };
        let body = page.render().unwrap_or_else(|_| title_en.to_owned());
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body)
    }
}

/// 303 See Other: after a form, the browser fetches the target with GET.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_owned()))
        .finish()
}
