//! Departments: the tree, and creating, editing and deleting its nodes.

use std::borrow::Borrow;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object};
use crate::error::{AppError, redirect};
use crate::services::departments::{self as service, DepartmentInput, subtree, tree};
use crate::store::departments::{self, Department};

use super::flash::{self, Done};
use super::page::Page;
use super::session::Cabinet;
use super::{AppState, FormErrors, form_errors, render, render_status};

#[derive(Template)]
#[template(path = "departments/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<(usize, Department)>,
    error: Option<String>,
}

impl ListPage {
    fn indent(&self, depth: impl Borrow<usize>) -> String {
        format!("padding-left: {}rem", *depth.borrow() as f32 * 1.5 + 0.5)
    }
}

async fn list_page(
    cab: &Cabinet,
    state: &AppState,
    path: String,
    error: Option<String>,
) -> Result<ListPage, AppError> {
    let permit = cab.permit(state, Object::Departments, Action::Read).await?;
    let all = departments::list(&state.db, &permit).await?;
    // Each department counted with those under it, as its link to the lines list and the
    // overview count it.
    let rows = tree(&all)
        .into_iter()
        .map(|(depth, d)| {
            let under = subtree(&all, d.id);
            let sum = |count: fn(&Department) -> i64| -> i64 {
                all.iter()
                    .filter(|x| under.contains(&x.id))
                    .map(count)
                    .sum()
            };
            let counted = Department {
                line_count: sum(|x| x.line_count),
                employee_count: sum(|x| x.employee_count),
                ..d.clone()
            };
            (depth, counted)
        })
        .collect();
    let page = Page::new(state, cab, path, "/departments", "dept.title").await;
    Ok(ListPage { page, rows, error })
}

pub async fn list(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    render(&list_page(&cab, &state, req.uri().to_string(), None).await?)
}

#[derive(Template)]
#[template(path = "departments/form.html")]
struct FormPage {
    page: Page,
    id: Option<i64>,
    input: DepartmentInput,
    parents: Vec<(usize, Department)>,
    errors: FormErrors,
}

impl FormPage {
    fn is_parent(&self, id: impl Borrow<i64>) -> bool {
        self.input.parent_id.trim() == id.borrow().to_string()
    }
}

async fn form_page(
    cab: &Cabinet,
    state: &AppState,
    path: String,
    id: Option<i64>,
    input: DepartmentInput,
    errors: FormErrors,
) -> Result<FormPage, AppError> {
    cab.permit(state, Object::Departments, Action::Read).await?;
    let reference = cab.reference(state).await?;
    let all = &reference.departments;
    // A department cannot move under itself or its own subtree.
    let excluded = id.map(|me| service::subtree(all, me)).unwrap_or_default();
    let parents = tree(all)
        .into_iter()
        .filter(|(_, d)| !excluded.contains(&d.id))
        .map(|(depth, d)| (depth, d.clone()))
        .collect();
    let key = if id.is_some() {
        "dept.edit"
    } else {
        "dept.new"
    };
    let page = Page::new(state, cab, path, "/departments", key).await;
    Ok(FormPage {
        page,
        id,
        input,
        parents,
        errors,
    })
}

pub async fn new_form(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.permit(&state, Object::Departments, Action::Write)
        .await?;
    render(
        &form_page(
            &cab,
            &state,
            req.uri().to_string(),
            None,
            DepartmentInput::default(),
            FormErrors::default(),
        )
        .await?,
    )
}

pub async fn edit_form(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    let d = departments::get(&mut *cab.connection(&state).await?, &permit, *id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = DepartmentInput {
        name: d.name,
        parent_id: d.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        cost_centre: d.cost_centre,
    };
    render(
        &form_page(
            &cab,
            &state,
            req.uri().to_string(),
            Some(*id),
            input,
            FormErrors::default(),
        )
        .await?,
    )
}

#[derive(Deserialize)]
pub struct DepartmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: DepartmentInput,
}

pub async fn create(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<DepartmentForm>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    let form = form.into_inner();
    match service::create(&state.db, &permit, &form.input).await {
        Ok(_) => {
            flash::say(
                &state,
                &cab,
                Done::DepartmentCreated,
                Some(&form.input.name),
            )
            .await?;
            Ok(redirect("/departments"))
        }
        Err(e) => {
            let errors = form_errors(e, cab.lang())?;
            let page = form_page(
                &cab,
                &state,
                req.uri().to_string(),
                None,
                form.input,
                errors,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn update(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<DepartmentForm>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    let form = form.into_inner();
    match service::update(&state.db, &permit, *id, &form.input).await {
        Ok(()) => {
            flash::say(&state, &cab, Done::DepartmentSaved, Some(&form.input.name)).await?;
            Ok(redirect("/departments"))
        }
        Err(e) => {
            let errors = form_errors(e, cab.lang())?;
            let page = form_page(
                &cab,
                &state,
                req.uri().to_string(),
                Some(*id),
                form.input,
                errors,
            )
            .await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab
        .permit(&state, Object::Departments, Action::Write)
        .await?;
    match service::delete(&state.db, &permit, *id).await {
        Ok(()) => {
            flash::say(&state, &cab, Done::DepartmentDeleted, None).await?;
            Ok(redirect("/departments"))
        }
        Err(e) => {
            let errors = form_errors(e, cab.lang())?;
            let message = errors.0.first().map(|(_, m)| m.clone());
            let page = list_page(&cab, &state, "/departments".into(), message).await?;
            render_status(StatusCode::CONFLICT, &page)
        }
    }
}
