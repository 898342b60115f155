//! Employees: the list with search, and creating, editing and deleting people.

use std::borrow::Borrow;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object};
use crate::domain::text;
use crate::error::{AppError, redirect};
use crate::services::departments::{subtree, tree};
use crate::services::employees::{self as service, EmployeeInput};
use crate::store::departments::Department;
use crate::store::employees::{self, Employee};

use super::flash::{self, Done};
use super::page::{Page, urlencode};
use super::session::Cabinet;
use super::{
    AppState, FormErrors, department_filter, form_errors, page_number, render, render_status,
};
use crate::domain::Problem;

const PAGE_SIZE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct EmployeesQuery {
    q: Option<String>,
    department: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "employees/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Employee>,
    total: i64,
    page_no: i64,
    pages: i64,
    q: String,
    department: Option<i64>,
    departments: Vec<(usize, Department)>,
}

impl ListPage {
    fn is_department(&self, id: impl Borrow<i64>) -> bool {
        self.department == Some(*id.borrow())
    }

    fn page_href(&self, n: impl Borrow<i64>) -> String {
        let n = *n.borrow();
        let mut s = format!("/employees?page={n}");
        if !self.q.is_empty() {
            s.push_str(&format!("&q={}", urlencode(&self.q)));
        }
        if let Some(d) = self.department {
            s.push_str(&format!("&department={d}"));
        }
        s
    }
}

pub async fn list(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<EmployeesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Employees, Action::Read).await?;
    let reference = cab.reference(&state).await?;
    let all = &reference.departments;
    let department = department_filter(all, &query.department)?;
    let q = query.q.clone().unwrap_or_default();
    let words = text::words(&q);
    let ids = department.map(|d| subtree(all, d));
    let page_no = page_number(query.page);
    let (rows, total) = employees::list(
        &state.db,
        &permit,
        &words,
        ids.as_deref(),
        PAGE_SIZE,
        (page_no - 1) * PAGE_SIZE,
    )
    .await?;
    render(&ListPage {
        page: Page::new(
            &state,
            &cab,
            req.uri().to_string(),
            "/employees",
            "emp.title",
        )
        .await,
        rows,
        total,
        page_no,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        q,
        department,
        departments: tree(all).into_iter().map(|(d, x)| (d, x.clone())).collect(),
    })
}

#[derive(Template)]
#[template(path = "employees/form.html")]
struct FormPage {
    page: Page,
    id: Option<i64>,
    input: EmployeeInput,
    departments: Vec<(usize, Department)>,
    errors: FormErrors,
}

impl FormPage {
    fn is_department(&self, id: impl Borrow<i64>) -> bool {
        self.input.department_id.trim() == id.borrow().to_string()
    }
}

async fn form_page(
    cab: &Cabinet,
    state: &AppState,
    path: String,
    id: Option<i64>,
    input: EmployeeInput,
    errors: FormErrors,
) -> Result<FormPage, AppError> {
    cab.permit(state, Object::Employees, Action::Read).await?;
    let reference = cab.reference(state).await?;
    let all = &reference.departments;
    let key = if id.is_some() { "emp.edit" } else { "emp.new" };
    Ok(FormPage {
        page: Page::new(state, cab, path, "/employees", key).await,
        id,
        input,
        departments: tree(all).into_iter().map(|(d, x)| (d, x.clone())).collect(),
        errors,
    })
}

pub async fn new_form(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.permit(&state, Object::Employees, Action::Write).await?;
    render(
        &form_page(
            &cab,
            &state,
            req.uri().to_string(),
            None,
            EmployeeInput::default(),
            FormErrors::default(),
        )
        .await?,
    )
}

#[derive(Template)]
#[template(path = "employees/card.html")]
struct CardPage {
    page: Page,
    employee: Employee,
    history: Vec<super::i18n::audit::Said>,
    /// The person may put lines on employees.
    can_assign: bool,
    /// A number typed to assign that is no line here, and what was typed.
    assign_error: Option<(String, String)>,
}

/// An employee's card: who they are, their lines, their history, and a line to give them.
pub async fn card(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(&card_page(&cab, &state, *id, None).await?)
}

async fn card_page(
    cab: &Cabinet,
    state: &AppState,
    id: i64,
    assign_error: Option<(String, String)>,
) -> Result<CardPage, AppError> {
    let permit = cab.permit(state, Object::Employees, Action::Read).await?;
    let employee = employees::get_listed(&mut *cab.connection(state).await?, &permit, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = crate::store::audit::Filter {
        object_type: Some("employee".into()),
        object_id: Some(id.to_string()),
        ..Default::default()
    };
    let history = match cab.permit(state, Object::Audit, Action::Read).await {
        Ok(audit) => {
            let (entries, _) = crate::store::audit::list(&state.db, &audit, &filter, 50, 0).await?;
            super::audit::said(
                &mut *cab.connection(state).await?,
                &audit,
                &entries,
                cab.lang(),
            )
            .await?
        }
        Err(_) => Vec::new(),
    };
    let can_assign = cab
        .permit(state, Object::Lines, Action::Assign)
        .await
        .is_ok();
    let mut page = Page::new(
        state,
        cab,
        format!("/employees/{id}"),
        "/employees",
        "emp.title",
    )
    .await;
    page.title.clone_from(&employee.full_name);
    Ok(CardPage {
        page,
        employee,
        history,
        can_assign,
        assign_error,
    })
}

#[derive(Deserialize)]
pub struct AssignQuery {
    #[serde(default)]
    number: String,
}

/// Gives the employee a line by its number: the line's reassignment, previewed and confirmed
/// as from the line's card (into the employee's department).
pub async fn assign(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<AssignQuery>,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Employees, Action::Read).await?;
    let employee = employees::get(&mut *cab.connection(&state).await?, &permit, *id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = cab.permit(&state, Object::Lines, Action::Assign).await?;
    let typed = query.number.trim().to_owned();
    let (cab, state, id, typed) = (&cab, &state, *id, &typed);
    let refuse = |problem: Problem| async move {
        let said = super::i18n::problems::sentence(&problem, cab.lang());
        let page = card_page(cab, state, id, Some((said, typed.clone()))).await?;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
    };
    let msisdn = match crate::domain::Msisdn::parse(typed) {
        Ok(m) => m,
        Err(e) => return refuse(e.0).await,
    };
    let mut conn = cab.connection(state).await?;
    let Some(line) = crate::store::lines::by_number(&mut conn, &lines, msisdn.as_str()).await?
    else {
        return refuse(Problem::NotTheCompanysLine).await;
    };
    let department = employee
        .department_id
        .map(|d| d.to_string())
        .unwrap_or_default();
    // The line moves to the person and their department; its own cost centre stays.
    let cost_centre = super::page::urlencode(&line.cost_centre.unwrap_or_default());
    Ok(crate::error::redirect(&format!(
        "/lines/{}/change?action=reassign&employee_id={}&department_id={department}&cost_centre={cost_centre}",
        line.id, employee.id
    )))
}

pub async fn edit_form(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Employees, Action::Write).await?;
    let e = employees::get(&mut *cab.connection(&state).await?, &permit, *id)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = EmployeeInput {
        full_name: e.full_name,
        department_id: e.department_id.map(|d| d.to_string()).unwrap_or_default(),
        personnel_number: e.personnel_number,
        position: e.position,
        email: e.email,
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
pub struct EmployeeForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: EmployeeInput,
}

pub async fn create(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<EmployeeForm>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Employees, Action::Write).await?;
    let form = form.into_inner();
    match service::create(&state.db, &permit, &form.input).await {
        Ok(_) => {
            flash::say(
                &state,
                &cab,
                Done::EmployeeCreated,
                Some(&form.input.full_name),
            )
            .await?;
            Ok(redirect("/employees"))
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
    form: web::Form<EmployeeForm>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Employees, Action::Write).await?;
    let form = form.into_inner();
    match service::update(&state.db, &permit, *id, &form.input).await {
        Ok(()) => {
            flash::say(
                &state,
                &cab,
                Done::EmployeeSaved,
                Some(&form.input.full_name),
            )
            .await?;
            Ok(redirect("/employees"))
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
    let permit = cab.permit(&state, Object::Employees, Action::Write).await?;
    service::delete(&state.db, &permit, *id)
        .await
        .map_err(|e| match form_errors(e, cab.lang()) {
            Ok(_) => AppError::BadRequest(Problem::NotDeleted),
            Err(app) => app,
        })?;
    flash::say(&state, &cab, Done::EmployeeDeleted, None).await?;
    Ok(redirect("/employees"))
}

#[derive(Template)]
#[template(path = "employees/options.html")]
struct Options {
    lang: super::i18n::Lang,
    found: Vec<(i64, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct OptionsQuery {
    employee_q: Option<String>,
}

/// `<option>`s of employees whose names start with the typed words (the line card's picker).
pub async fn options(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<OptionsQuery>,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Employees, Action::Read).await?;
    let words = text::words(query.employee_q.as_deref().unwrap_or(""));
    let found = if words.is_empty() {
        Vec::new()
    } else {
        employees::find_by_name(&state.db, &permit, &words, 20).await?
    };
    render(&Options {
        lang: cab.lang(),
        found,
    })
}
