use actix_web::{get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Action, Object};
use crate::error::AppError;
use crate::store::catalogue::{self, CatalogueService, Tariff};
use crate::store::companies;
use crate::web::AppState;

use super::{ApiError, ApiUser};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(tariffs).service(services);
}

async fn region(user: &ApiUser, state: &AppState) -> Result<String, ApiError> {
    let permit = user.0.permit(state, Object::Lines, Action::Read).await?;
    let company = companies::get(&state.db, &permit)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(company.region_code)
}

/// The tariffs of the company's region that are open to business.
#[utoipa::path(tag = "catalogue", responses((status = 200, description = "OK", body = Vec<Tariff>)))]
#[get("/catalogue/tariffs")]
async fn tariffs(
    user: ApiUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<Tariff>>, ApiError> {
    let region = region(&user, &state).await?;
    let open = catalogue::tariffs_of_region(&state.db, &region)
        .await?
        .into_iter()
        .filter(|t| t.for_business != 0 && t.archived == 0)
        .collect();
    Ok(web::Json(open))
}

/// The services that can be enabled, with the tariffs they fit and what they exclude.
#[utoipa::path(tag = "catalogue", responses((status = 200, description = "OK", body = Vec<CatalogueService>)))]
#[get("/catalogue/services")]
async fn services(
    user: ApiUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<CatalogueService>>, ApiError> {
    let region = region(&user, &state).await?;
    Ok(web::Json(
        catalogue::open_services(&state.db, &region).await?,
    ))
}
