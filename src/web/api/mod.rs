//! The JSON API under `/api/v1`: the same authorization path and use cases as the pages, JSON
//! errors with a machine-readable code, and an OpenAPI document generated from the handlers.

mod bulk;
mod catalogue;
mod lines;
mod org;

use crate::domain::Problem;
use std::future::Future;
use std::pin::Pin;

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, web};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppError;
use crate::services::UseCaseError;
use crate::services::line_changes::ChangeError;

use super::connection::RequestConn;
use super::i18n::{Lang, problems};
use super::session::{Cabinet, Visitor};
use crate::authz::{Holder, Principal};
use crate::domain::Actor;
use crate::store::api_tokens;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "simfleet API",
        description = "Corporate mobile lines: search and read lines, change them (tariffs, services, suspensions, SIMs, limits, assignment), departments, employees and the catalogue. Authenticated with an API token issued on the cabinet's access page (`Authorization: Bearer sft_…`), or with the cabinet's session cookie; requests that change data send `Content-Type: application/json`. Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`. Money is in kopecks (integers) in answers, and in roubles as decimal text (\"1500.50\") in requests."
    ),
    tags(
        (name = "lines", description = "Lines: list, card, preview and apply changes"),
        (name = "bulk", description = "Bulk changes: one change over many lines, previewed, confirmed and run as a job"),
        (name = "organisation", description = "Departments and employees"),
        (name = "catalogue", description = "Tariffs and services of the company's region"),
    ),
    modifiers(&BearerToken),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

/// The two ways in: a bearer token, or the session cookie.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sf_session"))),
        );
    }
}

/// The OpenAPI document, collected from the handlers that `routes` registers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(routes))
        .split_for_parts()
        .1
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(|e, _| {
                ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()).into()
            }),
    )
    .app_data(web::QueryConfig::default().error_handler(|e, _| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.to_string()).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|e, _| {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", e.to_string()).into()
    }))
    // A bulk change's list of numbers: up to 200,000 of them.
    .app_data(web::PayloadConfig::new(8 * 1024 * 1024))
    .configure(lines::routes)
    .configure(bulk::routes)
    .configure(org::routes)
    .configure(catalogue::routes);
}

/// A field that was refused, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// Stable, for programs: `required`, `too_long`, `number_too_short`, …
    pub code: String,
    /// In English.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `not_found`, `invalid_input`, `line_suspended`, …
    pub code: String,
    /// In English, for people.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message: message.into(),
                    fields: Vec::new(),
                },
            },
        }
    }

    pub(super) fn invalid(fields: Vec<FieldProblem>) -> Self {
        let message = fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message);
        e.body.error.fields = fields;
        e
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.body.error.code, self.body.error.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(&self.body)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => Self::new(StatusCode::NOT_FOUND, "not_found", "not found"),
            AppError::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your rights do not allow this",
            ),
            AppError::Unauthenticated => {
                Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
            }
            AppError::ChooseCompany => Self::new(
                StatusCode::CONFLICT,
                "company_not_chosen",
                "choose a company first",
            ),
            AppError::SecondFactorRequired => Self::new(
                StatusCode::FORBIDDEN,
                "second_factor_required",
                "the company requires a second factor of its administrators: set one up in the cabinet",
            ),
            AppError::Csrf => Self::new(
                StatusCode::FORBIDDEN,
                "csrf",
                "the request has no valid token",
            ),
            AppError::BadRequest(p) => Self::new(
                StatusCode::BAD_REQUEST,
                &p.code(),
                problems::say(&p, Lang::En),
            ),
            AppError::Refused(p) => {
                Self::new(StatusCode::CONFLICT, &p.code(), problems::say(&p, Lang::En))
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "API request failed");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error",
                )
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        AppError::from(e).into()
    }
}

impl From<UseCaseError> for ApiError {
    fn from(e: UseCaseError) -> Self {
        match e {
            UseCaseError::Invalid(errors) => Self::invalid(
                errors
                    .into_iter()
                    .map(|e| FieldProblem {
                        field: e.field.to_owned(),
                        code: e.problem.code(),
                        message: problems::say(&e.problem, Lang::En),
                    })
                    .collect(),
            ),
            UseCaseError::NotFound => AppError::NotFound.into(),
            UseCaseError::Db(e) => e.into(),
            UseCaseError::Internal(e) => AppError::Internal(e).into(),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::NotFound => AppError::NotFound.into(),
            ChangeError::Invalid(errors) => UseCaseError::Invalid(errors).into(),
            ChangeError::Refused(r) => Self::new(
                StatusCode::CONFLICT,
                &r.code(),
                problems::say(&r.0, Lang::En),
            ),
            ChangeError::Conflict => Self::new(
                StatusCode::CONFLICT,
                "concurrent_change",
                "the line has just been changed: repeat the request",
            ),
            ChangeError::Provisioning(why) => Self::new(
                StatusCode::BAD_GATEWAY,
                "provisioning_failed",
                problems::say(&Problem::NotApplied { why: Box::new(why) }, Lang::En),
            ),
            ChangeError::Db(e) => e.into(),
        }
    }
}

/// Who calls the API for a company: an API token (`Authorization: Bearer sft_…`) or the
/// browser's session. Both end in the same principal and the same authorization; errors are
/// JSON instead of redirects.
pub struct ApiUser(pub Cabinet);

impl FromRequest for ApiUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bearer = super::session::bearer(req).map(|v| v.trim().to_owned());
        match bearer {
            Some(secret) => Box::pin(token_user(req.clone(), secret)),
            None => {
                let cabinet = Cabinet::from_request(req, payload);
                let req = req.clone();
                Box::pin(async move {
                    let cab = cabinet.await?;
                    if !cookie_write_allowed(&req, &cab) {
                        return Err(ApiError::new(
                            StatusCode::FORBIDDEN,
                            "forbidden",
                            "a request with the session cookie came from outside the cabinet's pages",
                        ));
                    }
                    Ok(ApiUser(cab))
                })
            }
        }
    }
}

/// A write made with the session cookie comes from the cabinet's own pages, whatever SameSite
/// does: its `Origin` is the cabinet's (the public address's, or this request's own scheme and
/// host), or (a client that sends no `Origin`) it carries the session's form token in
/// `X-CSRF-Token`. Reads need neither.
fn cookie_write_allowed(req: &HttpRequest, cab: &Cabinet) -> bool {
    use actix_web::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    match header("origin") {
        Some(origin) => {
            let info = req.connection_info();
            let own = format!("{}://{}", info.scheme(), info.host());
            let public = req
                .app_data::<web::Data<super::AppState>>()
                .map(|state| origin_of(&state.settings.public_url()).to_owned());
            origin.eq_ignore_ascii_case(&own)
                || public.is_some_and(|p| origin.eq_ignore_ascii_case(&p))
        }
        None => header("x-csrf-token")
            .is_some_and(|t| super::session::constant_time_eq(t, &cab.session.csrf_token)),
    }
}

/// An address's origin as browsers send it: scheme and host with any port, no path.
fn origin_of(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    let start = url.find("://").map_or(0, |at| at + 3);
    match url[start..].find('/') {
        Some(path) => &url[..start + path],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn an_origin_is_scheme_host_and_port() {
        assert_eq!(origin_of("https://lk.example.ru"), "https://lk.example.ru");
        assert_eq!(origin_of("https://lk.example.ru/"), "https://lk.example.ru");
        assert_eq!(
            origin_of("http://127.0.0.1:8080/cabinet/"),
            "http://127.0.0.1:8080"
        );
    }
}

/// Uses of a token are recorded at most this often.
const TOKEN_TOUCH_MS: i64 = 60_000;

async fn token_user(req: HttpRequest, secret: String) -> Result<ApiUser, ApiError> {
    let state = req
        .app_data::<web::Data<super::AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("app state missing")))?;
    let now = state.clock.now_ms();
    let hash = crate::services::auth::token_hash(&secret);
    let mut held = state.db.requests.acquire().await?;
    let Some(token) = api_tokens::find_live(&mut held, &hash, now).await? else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "токен неверен, отозван или его срок истёк",
        ));
    };
    if now - token.session.last_seen_at > TOKEN_TOUCH_MS {
        api_tokens::touch(&state.db, token.token_id, now).await?;
    }
    state
        .authz
        .refresh(token.session.policy_version)
        .await
        .map_err(AppError::Internal)?;
    let ip = super::session::client_addr(&req, &state.settings);
    let actor = Actor {
        user_id: None,
        label: format!("API: {}", token.session.full_name),
        ip: ip.clone(),
        token_id: Some(token.token_id),
    };
    let company_id = token.session.company_id.unwrap_or_default();
    let principal = Principal {
        holder: Holder::Token(token.token_id),
        company_id,
        role: token.session.role.clone().unwrap_or_default(),
        actor,
    };
    let visitor = Visitor {
        lang: super::session::lang_of(&req),
        ip,
        user_agent: String::new(),
        session: None,
        csrf_cookie: None,
        device_cookie: None,
        conn: RequestConn::holding(held),
    };
    Ok(ApiUser(Cabinet {
        visitor,
        session: token.session,
        principal,
    }))
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// How many match in all (lines: counted up to 1000, see `more`).
    pub total: i64,
    /// True when more than `total` match.
    pub more: bool,
    pub page: i64,
    pub per_page: i64,
}
