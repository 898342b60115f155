use actix_web::{HttpRequest, HttpResponse, web};
use prometheus::Encoder;

use super::AppState;

pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "live" }))
}

/// Ready when the database answers.
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": "unreachable" }))
        }
    }
}

/// The Prometheus metrics, to whoever presents the configured token (none configured: not
/// served at all). Answered like any other response, so its encoding is what it says.
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return HttpResponse::NotFound().finish();
    };
    let presented = super::session::bearer(&req).unwrap_or("");
    if !crate::services::auth::constant_time_eq(presented, token) {
        return HttpResponse::Unauthorized()
            .insert_header(("www-authenticate", "Bearer"))
            .finish();
    }
    let encoder = prometheus::TextEncoder::new();
    let mut body = Vec::new();
    if let Err(e) = encoder.encode(&state.metrics.gather(), &mut body) {
        tracing::error!(error = %e, "encoding the metrics failed");
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type(encoder.format_type())
        .body(body)
}
