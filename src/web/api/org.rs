use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Action, Object};
use crate::domain::text;
use crate::error::AppError;
use crate::services::departments::{self as department_service, DepartmentInput, subtree};
use crate::services::employees::{self as employee_service, EmployeeInput};
use crate::store::departments::{self, Department};
use crate::store::employees::{self, Employee};
use crate::web::{AppState, department_filter, page_number};

use super::{ApiError, ApiUser, ErrorBody, Page};

const PER_PAGE: i64 = 50;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_departments)
        .service(create_department)
        .service(update_department)
        .service(delete_department)
        .service(list_employees)
        .service(get_employee)
        .service(create_employee)
        .service(update_employee)
        .service(delete_employee);
}

/// A department as sent to the API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DepartmentBody {
    pub name: String,
    /// None: top level.
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub cost_centre: String,
}

impl From<&DepartmentBody> for DepartmentInput {
    fn from(b: &DepartmentBody) -> Self {
        DepartmentInput {
            name: b.name.clone(),
            parent_id: b.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            cost_centre: b.cost_centre.clone(),
        }
    }
}

/// Every department of the company with its own line and employee counts.
#[utoipa::path(tag = "organisation", responses((status = 200, description = "OK", body = Vec<Department>)))]
#[get("/departments")]
async fn list_departments(
    user: ApiUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<Department>>, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Departments, Action::Read)
        .await?;
    Ok(web::Json(departments::list(&state.db, &permit).await?))
}

#[utoipa::path(
    tag = "organisation",
    request_body = DepartmentBody,
    responses((status = 201, description = "Created", body = Department), (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody))
)]
#[post("/departments")]
async fn create_department(
    user: ApiUser,
    state: web::Data<AppState>,
    body: web::Json<DepartmentBody>,
) -> Result<HttpResponse, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    let id = department_service::create(&state.db, &permit, &(&*body).into()).await?;
    let made = departments::get(&mut *user.0.connection(&state).await?, &permit, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created().json(made))
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path)),
    request_body = DepartmentBody,
    responses((status = 200, description = "OK", body = Department), (status = 404, description = "Not found in the company", body = ErrorBody), (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody))
)]
#[put("/departments/{id}")]
async fn update_department(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<DepartmentBody>,
) -> Result<web::Json<Department>, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    department_service::update(&state.db, &permit, *id, &(&*body).into()).await?;
    Ok(web::Json(
        departments::get(&mut *user.0.connection(&state).await?, &permit, *id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Deletes an empty department (no sub-departments, lines or employees).
#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path)),
    responses((status = 204, description = "Done, nothing to return"), (status = 404, description = "Not found in the company", body = ErrorBody), (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody))
)]
#[delete("/departments/{id}")]
async fn delete_department(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    department_service::delete(&state.db, &permit, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmployeesQuery {
    /// Starts of words of the name.
    pub q: Option<String>,
    /// A department id: the department and everything under it.
    pub department: Option<String>,
    pub page: Option<i64>,
}

#[utoipa::path(tag = "organisation", params(EmployeesQuery), responses((status = 200, description = "OK", body = Page<Employee>), (status = 400, description = "Bad query", body = ErrorBody)))]
#[get("/employees")]
async fn list_employees(
    user: ApiUser,
    state: web::Data<AppState>,
    query: web::Query<EmployeesQuery>,
) -> Result<web::Json<Page<Employee>>, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Employees, Action::Read)
        .await?;
    let reference = user.0.reference(&state).await?;
    let all = &reference.departments;
    let department = department_filter(all, &query.department)?;
    let ids = department.map(|d| subtree(all, d));
    let words = text::words(query.q.as_deref().unwrap_or(""));
    let page = page_number(query.page);
    let (items, total) = employees::list(
        &state.db,
        &permit,
        &words,
        ids.as_deref(),
        PER_PAGE,
        (page - 1) * PER_PAGE,
    )
    .await?;
    Ok(web::Json(Page {
        items,
        total,
        more: false,
        page,
        per_page: PER_PAGE,
    }))
}

#[utoipa::path(tag = "organisation", params(("id" = i64, Path)), responses((status = 200, description = "OK", body = Employee), (status = 404, description = "Not found in the company", body = ErrorBody)))]
#[get("/employees/{id}")]
async fn get_employee(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<web::Json<Employee>, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Employees, Action::Read)
        .await?;
    Ok(web::Json(
        employees::get_listed(&mut *user.0.connection(&state).await?, &permit, *id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// An employee as sent to the API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeBody {
    pub full_name: String,
    pub department_id: Option<i64>,
    #[serde(default)]
    pub personnel_number: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub email: String,
}

impl From<&EmployeeBody> for EmployeeInput {
    fn from(b: &EmployeeBody) -> Self {
        EmployeeInput {
            full_name: b.full_name.clone(),
            department_id: b.department_id.map(|d| d.to_string()).unwrap_or_default(),
            personnel_number: b.personnel_number.clone(),
            position: b.position.clone(),
            email: b.email.clone(),
        }
    }
}

#[utoipa::path(tag = "organisation", request_body = EmployeeBody, responses((status = 201, description = "Created", body = Employee), (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody)))]
#[post("/employees")]
async fn create_employee(
    user: ApiUser,
    state: web::Data<AppState>,
    body: web::Json<EmployeeBody>,
) -> Result<HttpResponse, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Employees, Action::Write)
        .await?;
    let id = employee_service::create(&state.db, &permit, &(&*body).into()).await?;
    let made = employees::get_listed(&mut *user.0.connection(&state).await?, &permit, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created().json(made))
}

#[utoipa::path(
    tag = "organisation",
    params(("id" = i64, Path)),
    request_body = EmployeeBody,
    responses((status = 200, description = "OK", body = Employee), (status = 404, description = "Not found in the company", body = ErrorBody), (status = 422, description = "Invalid input; `fields` names the field", body = ErrorBody))
)]
#[put("/employees/{id}")]
async fn update_employee(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Json<EmployeeBody>,
) -> Result<web::Json<Employee>, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Employees, Action::Write)
        .await?;
    employee_service::update(&state.db, &permit, *id, &(&*body).into()).await?;
    Ok(web::Json(
        employees::get_listed(&mut *user.0.connection(&state).await?, &permit, *id)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

/// Deletes the employee; their lines stay with the company, unassigned.
#[utoipa::path(tag = "organisation", params(("id" = i64, Path)), responses((status = 204, description = "Done, nothing to return"), (status = 404, description = "Not found in the company", body = ErrorBody)))]
#[delete("/employees/{id}")]
async fn delete_employee(
    user: ApiUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = user
        .0
        .permit(&state, Object::Employees, Action::Write)
        .await?;
    employee_service::delete(&state.db, &permit, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
