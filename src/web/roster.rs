//! «Импорт сотрудников»: upload a roster, see exactly what it would change (with every problem
//! at its row and column, and columns to map by hand), then apply it all at once.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::HashMap;

use serde::Deserialize;

use super::bulk::StatusView;
use crate::authz::{Action, Object, Permit};
use crate::error::{AppError, redirect};
use crate::roster::columns::Field;
use crate::roster::rows::RowProblem;
use crate::services::bulk::operation::Status;
use crate::services::roster::network;
use crate::services::roster::plan::{DeptRef, EmpRef, Mode, Plan};
use crate::services::roster::{self as service, Applied, Options, Preview, RosterError};

use super::i18n::problems;
use super::page::{Page, urlencode};
use super::session::Cabinet;
use super::{AppState, html_form, render, render_status};
use crate::domain::Problem;

/// Changes listed on the page; the rest are counted.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "roster/upload.html")]
struct UploadPage {
    page: Page,
    failure: Option<String>,
    past: Vec<crate::store::roster::PastUpload>,
}

/// The upload page, with a refusal if any, and the latest imports.
async fn upload_page(
    state: &AppState,
    cab: &Cabinet,
    failure: Option<String>,
) -> Result<UploadPage, AppError> {
    let permit = permit(state, cab).await?;
    let past = crate::store::roster::past(&state.db, &permit, 20).await?;
    let page = Page::new(state, cab, "/roster".into(), "/roster", "roster.title").await;
    Ok(UploadPage {
        page,
        failure,
        past,
    })
}

async fn permit(state: &AppState, cab: &Cabinet) -> Result<Permit, AppError> {
    cab.permit(state, Object::Roster, Action::Import).await
}

pub async fn upload_form(
    cab: Cabinet,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    render_status(StatusCode::OK, &upload_page(&state, &cab, None).await?)
}

pub async fn upload(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, AppError> {
    let permit = permit(&state, &cab).await?;
    let (csrf, name, bytes) = match super::upload::read(&state, &req, form).await? {
        Ok(read) => read,
        Err(too_large) => {
            let failure = Some(problems::sentence(&too_large, cab.lang()));
            let page = upload_page(&state, &cab, failure).await?;
            return render_status(StatusCode::PAYLOAD_TOO_LARGE, &page);
        }
    };
    cab.verify_csrf(&csrf)?;
    let now = state.clock.now_ms();
    match service::upload(&state.db, &permit, &name, &bytes, now).await {
        Ok(id) => Ok(redirect(&format!("/roster/{id}"))),
        Err(RosterError::Db(e)) => Err(e.into()),
        Err(e) => {
            let failure = Some(problems::sentence(&e.problem(), cab.lang()));
            let page = upload_page(&state, &cab, failure).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The preview's choices, from its query or the commit form.
#[derive(Debug, Default, Deserialize)]
pub struct Choices {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sheet: String,
    #[serde(default)]
    mode: String,
    /// `column:field` (or `column:` to ignore the column).
    #[serde(default)]
    map: Vec<String>,
    #[serde(default)]
    fingerprint: String,
    #[serde(default)]
    confirm_removals: Option<String>,
    /// The button that applies the rows without problems alone.
    #[serde(default)]
    skip_errors: Option<String>,
}

impl Choices {
    fn options(&self) -> Options {
        Options {
            sheet: Some(self.sheet.clone()).filter(|s| !s.is_empty()),
            mode: Mode::from_code(&self.mode),
            mapping: self
                .map
                .iter()
                .filter_map(|m| {
                    let (col, field) = m.split_once(':')?;
                    Some((col.parse().ok()?, Field::from_code(field)))
                })
                .collect(),
            skip_errors: self.skip_errors.is_some(),
        }
    }
}

/// One change as the page lists it.
struct ChangeRow {
    row: usize,
    number: String,
    what: &'static str,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "roster/preview.html")]
struct PreviewPage {
    page: Page,
    id: i64,
    file_name: String,
    sheet: String,
    sheets: Vec<String>,
    headers: Vec<(usize, String, Option<Field>)>,
    fields: Vec<Field>,
    mode: Mode,
    counts: crate::services::roster::plan::Counts,
    problems: Vec<RowProblem>,
    warnings: Vec<RowProblem>,
    changes: Vec<ChangeRow>,
    more_changes: usize,
    new_departments: Vec<String>,
    removals: Vec<String>,
    network: usize,
    /// The file's tariffs and limits once the import is applied: offered, running or done.
    network_rows: Vec<ChangeRow>,
    network_offer: bool,
    /// The bulk operations making them, once started.
    network_ops: NetworkPart,
    fingerprint: String,
    applied: Option<String>,
    nothing: bool,
    failure: Option<String>,
    /// The sheet read, the mode and the columns mapped by hand, as a query.
    choices_query: String,
    /// The job applying this import, if it is a large one.
    job: Option<crate::store::jobs::Job>,
}

impl PreviewPage {
    fn progress(&self) -> String {
        progress(self.page.lang, &self.job)
    }

    fn field_label(&self, f: &Field) -> String {
        self.page
            .t(&format!("roster.field.{}", f.code()))
            .to_owned()
    }

    fn chosen(&self, current: &Option<Field>, f: &Field) -> bool {
        *current == Some(*f)
    }

    fn full_sync(&self) -> bool {
        self.mode == Mode::FullSync
    }

    /// «и ещё 5» / «and 5 more»: what the list leaves out.
    fn more(&self, n: impl std::borrow::Borrow<usize>) -> String {
        let n = *n.borrow();
        match self.page.lang {
            super::i18n::Lang::Ru => format!("{} {n}", self.page.t("roster.more")),
            super::i18n::Lang::En => format!("and {n} more"),
        }
    }

    /// Rows without problems that change something, applied alone if asked.
    fn good_rows(&self) -> usize {
        self.counts.new + self.counts.changed
    }

    fn error_href(&self) -> String {
        format!("/roster/{}/errors?{}", self.id, self.choices_query)
    }
}

/// A job's progress bar (polled), or nothing.
fn progress(lang: super::i18n::Lang, job: &Option<crate::store::jobs::Job>) -> String {
    use askama::Template as _;
    job.clone()
        .map(|job| {
            super::jobs::Progress { lang, job }
                .render()
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// The file's tariffs and limits that differ from the lines' (the first [`SHOWN`]).
fn network_rows(p: &Preview, page: &Page) -> Vec<ChangeRow> {
    let tariff = |code: &str| {
        p.snapshot
            .tariffs
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_owned(), |(_, name)| name.clone())
    };
    let limit = |kop: Option<i64>| kop.map_or_else(|| "—".to_owned(), |k| page.kop(k));
    p.plan
        .network
        .iter()
        .take(SHOWN)
        .map(|c| {
            let (mut before, mut after) = (Vec::new(), Vec::new());
            if let Some((from, to)) = &c.tariff {
                before.push(tariff(from));
                after.push(tariff(to));
            }
            if let Some((from, to)) = c.limit_kop {
                before.push(limit(from));
                after.push(limit(Some(to)));
            }
            ChangeRow {
                row: c.row,
                number: display_number(&c.msisdn),
                what: "roster.change.network",
                before: before.join(" · "),
                after: after.join(" · "),
            }
        })
        .collect()
}

fn display_number(msisdn: &str) -> String {
    crate::domain::Msisdn::parse(msisdn)
        .map(|m| m.display())
        .unwrap_or_else(|_| msisdn.to_owned())
}

fn employee_name(plan: &Plan, names: &HashMap<i64, &str>, e: &Option<EmpRef>) -> String {
    match e {
        None => "—".into(),
        Some(EmpRef::Existing(id)) => names.get(id).copied().unwrap_or_default().to_owned(),
        Some(EmpRef::New(i)) => plan.new_employees[*i].fields.full_name.clone(),
    }
}

/// The first [`SHOWN`] changes by row (the plan lists each kind in row order), and how many
/// there are in all.
fn changes(p: &Preview) -> (Vec<ChangeRow>, usize) {
    let plan = &p.plan;
    let snap = &p.snapshot;
    let total = plan.employee_updates.len() + plan.line_updates.len();
    let names: HashMap<i64, &str> = snap
        .employees
        .iter()
        .map(|e| (e.id, e.full_name.as_str()))
        .collect();
    let dash = |s: String| if s.is_empty() { "—".to_owned() } else { s };
    let mut out = Vec::new();
    for u in plan.employee_updates.iter().take(SHOWN) {
        out.push(ChangeRow {
            row: u.row,
            number: String::new(),
            what: "roster.change.employee",
            before: format!(
                "{} · {} · {}",
                u.before.full_name,
                dash(u.before.position.clone()),
                dash(u.before.email.clone())
            ),
            after: format!(
                "{} · {} · {}",
                u.fields.full_name,
                dash(
                    u.fields
                        .position
                        .clone()
                        .unwrap_or(u.before.position.clone())
                ),
                dash(u.fields.email.clone().unwrap_or(u.before.email.clone()))
            ),
        });
    }
    for u in plan.line_updates.iter().take(SHOWN) {
        let before_emp = employee_name(plan, &names, &u.before.employee_id.map(EmpRef::Existing));
        let before_dept =
            plan.department_name(snap, &u.before.department_id.map(DeptRef::Existing));
        out.push(ChangeRow {
            row: u.row,
            number: display_number(&u.before.msisdn),
            what: "roster.change.line",
            before: format!("{} · {}", before_emp, dash(before_dept)),
            after: format!(
                "{} · {}",
                employee_name(plan, &names, &u.employee),
                dash(plan.department_name(snap, &u.department))
            ),
        });
    }
    out.sort_by_key(|c| c.row);
    out.truncate(SHOWN);
    (out, total)
}

/// The choices a preview was made with, as a query: the sheet, the mode and the columns
/// mapped by hand.
fn choices_query(sheet: &str, options: &Options) -> String {
    let mut query = format!("sheet={}&mode={}", urlencode(sheet), options.mode.code());
    for (c, f) in &options.mapping {
        query.push_str(&format!("&map={c}:{}", f.map(|f| f.code()).unwrap_or("")));
    }
    query
}

async fn show(
    state: &AppState,
    cab: &Cabinet,
    id: i64,
    choices: &Choices,
    failure: Option<String>,
    applied: Option<Applied>,
) -> Result<HttpResponse, AppError> {
    let permit = permit(state, cab).await?;
    let options = choices.options();
    let p = match service::preview(&state.db, &permit, id, &options).await {
        Ok(p) => p,
        Err(RosterError::NotFound) => return Err(AppError::NotFound),
        Err(RosterError::Db(e)) => return Err(e.into()),
        Err(e) => {
            let failure = Some(problems::sentence(&e.problem(), cab.lang()));
            let page = upload_page(state, cab, failure).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let lang = cab.lang();
    let job = match p.upload.job_id {
        Some(job_id) => crate::store::jobs::get_for_company(&state.db, &permit, job_id).await?,
        None => None,
    };
    let mut failure = failure;
    let mut applied = applied;
    if let Some(j) = &job {
        match j.status.as_str() {
            "done" => {
                applied = j
                    .result
                    .as_deref()
                    .and_then(|r| serde_json::from_str::<Applied>(r).ok());
            }
            "failed" => {
                failure = j
                    .error
                    .as_deref()
                    .map(|e| match serde_json::from_str::<Problem>(e) {
                        Ok(p) => problems::sentence(&p, lang),
                        Err(_) => e.to_owned(),
                    })
            }
            _ => {}
        }
    }
    // A failed job leaves the file to be committed again: the form is back, with the reason.
    let job = job.filter(|j| j.status != "failed");
    let network_part = network_part(state, cab, &permit, id).await?;
    let (shown, total) = changes(&p);
    let more_changes = total - shown.len();
    let status = if failure.is_some() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let applied_text = applied
        .map(|a| {
            let mut said = format!(
                "{}: {} · {}: {} · {}: {} · {}: {} · {}: {}",
                lang.t("roster.applied.lines"),
                a.lines,
                lang.t("roster.applied.added"),
                a.employees_added,
                lang.t("roster.applied.changed"),
                a.employees_changed,
                lang.t("roster.applied.removed"),
                a.employees_removed,
                lang.t("roster.applied.departments"),
                a.departments
            );
            if a.rows_skipped > 0 {
                said += &format!(
                    " · {}: {}",
                    lang.t("roster.applied.skipped"),
                    a.rows_skipped
                );
            }
            said
        })
        .or_else(|| {
            p.upload
                .applied_at
                .map(|_| lang.t("roster.already").to_owned())
        });
    let page = Page::new(
        state,
        cab,
        format!("/roster/{id}"),
        "/roster",
        "roster.preview",
    )
    .await;
    let network_rows = network_rows(&p, &page);
    let view = PreviewPage {
        network_offer: p.upload.applied_at.is_some()
            && network_part.operations.is_empty()
            && !p.plan.network.is_empty(),
        network_rows,
        network_ops: network_part,
        page,
        id,
        file_name: p.upload.file_name.clone(),
        sheet: p.sheet.clone(),
        sheets: p.sheets.clone(),
        headers: p
            .layout
            .headers
            .iter()
            .zip(&p.layout.fields)
            .enumerate()
            .map(|(i, (h, f))| (i, h.clone(), *f))
            .collect(),
        fields: Field::ALL.to_vec(),
        mode: p.mode,
        counts: p.plan.counts.clone(),
        problems: p.plan.problems.clone(),
        warnings: p.plan.warnings.clone(),
        changes: shown,
        more_changes,
        new_departments: p
            .plan
            .new_departments
            .iter()
            .map(|d| d.path.clone())
            .collect(),
        removals: p
            .plan
            .removals
            .iter()
            .map(|e| e.full_name.clone())
            .collect(),
        network: p.plan.network.len(),
        fingerprint: p.fingerprint.clone(),
        applied: applied_text,
        // Tariffs and limits alone are worth applying: they are offered once it is.
        nothing: p.plan.is_empty() && p.plan.network.is_empty(),
        failure,
        choices_query: choices_query(&p.sheet, &options),
        job,
    };
    render_status(status, &view)
}

pub async fn preview(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let choices: Choices = html_form(req.query_string().as_bytes())?;
    show(&state, &cab, *id, &choices, None, None).await
}

/// A posted import form: its choices, checked against the session's token, and the right to
/// import.
async fn posted(
    state: &AppState,
    cab: &Cabinet,
    body: &[u8],
) -> Result<(Choices, Permit), AppError> {
    let form: Choices = html_form(body)?;
    cab.verify_csrf(&form.csrf)?;
    Ok((form, permit(state, cab).await?))
}

pub async fn commit(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (form, permit) = posted(&state, &cab, &body).await?;
    let options = form.options();
    if options.mode == Mode::FullSync && !options.skip_errors && form.confirm_removals.is_none() {
        let failure = Some(cab.lang().t("roster.confirm_needed").to_owned());
        return show(&state, &cab, *id, &form, failure, None).await;
    }
    let now = state.clock.now_ms();
    let id = *id;
    // A large import is planned, checked and applied by a job; the page shows its progress.
    let job_rows = state.settings.import_job_rows;
    let queued = service::queue_if_large(
        &state.db,
        &permit,
        id,
        &options,
        &form.fingerprint,
        job_rows,
        now,
    )
    .await;
    match queued {
        Ok(Some(_)) => {
            state.jobs.wake();
            return Ok(back_to_preview(id, &options));
        }
        Ok(None) => {}
        Err(e) => return refused(&state, &cab, id, &form, e).await,
    }
    let prepared = match service::prepare(&state.db, &permit, id, &options, &form.fingerprint).await
    {
        Ok(p) => p,
        Err(e) => return refused(&state, &cab, id, &form, e).await,
    };
    match service::apply(&state.db, &permit, &prepared, &options, now).await {
        Ok(applied) => show(&state, &cab, id, &form, None, Some(applied)).await,
        Err(e) => refused(&state, &cab, id, &form, e).await,
    }
}

/// Starts the file's tariffs and limits as bulk operations, once the import is applied. Each
/// kind needs its own right (changing tariffs, setting limits).
pub async fn network(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let (form, import) = posted(&state, &cab, &body).await?;
    let options = form.options();
    let id = *id;
    let p = match service::preview(&state.db, &import, id, &options).await {
        Ok(p) => p,
        Err(e) => return refused(&state, &cab, id, &form, e).await,
    };
    if p.upload.applied_at.is_none() || p.plan.network.is_empty() {
        let failure = Some(cab.lang().t("roster.network_nothing").to_owned());
        return show(&state, &cab, id, &form, failure, None).await;
    }
    let (tariffs, limits) = network::needs(&p.plan.network);
    let tariffs = right(&state, &cab, tariffs, Action::Tariff).await?;
    let limits = right(&state, &cab, limits, Action::Limits).await?;
    let requester = crate::authz::Requester::of(&cab.principal, &import);
    let start = network::Start {
        requester: &requester,
        import: &import,
        tariffs: tariffs.as_ref(),
        limits: limits.as_ref(),
        upload_id: id,
        file_name: &p.upload.file_name,
    };
    match network::start(&state.db, &start, &p.plan.network).await {
        Ok(_) => {
            state.jobs.wake();
            Ok(back_to_preview(id, &options))
        }
        Err(e) => refused(&state, &cab, id, &form, e).await,
    }
}

/// The right to a kind of line change, if the changes need it.
async fn right(
    state: &AppState,
    cab: &Cabinet,
    needed: bool,
    action: Action,
) -> Result<Option<Permit>, AppError> {
    match needed {
        true => cab.permit(state, Object::Lines, action).await.map(Some),
        false => Ok(None),
    }
}

/// The bulk operations making an import's network changes, as its page shows them (polled
/// while any runs; the page reloads when they have all ended).
#[derive(Template)]
#[template(path = "roster/network.html")]
struct NetworkPart {
    lang: super::i18n::Lang,
    id: i64,
    operations: Vec<(Status, String)>,
    /// Whether the viewer may open the operations' own pages.
    may_open: bool,
}

impl NetworkPart {
    fn running(&self) -> bool {
        self.operations.iter().any(|(s, _)| !s.ended())
    }

    fn changed(&self) -> i64 {
        self.operations.iter().map(|(s, _)| s.counts.changed).sum()
    }

    fn skipped(&self) -> i64 {
        self.operations.iter().map(|(s, _)| s.counts.skipped).sum()
    }

    fn failed(&self) -> i64 {
        self.operations.iter().map(|(s, _)| s.counts.failed).sum()
    }
}

async fn network_part(
    state: &AppState,
    cab: &Cabinet,
    permit: &Permit,
    id: i64,
) -> Result<NetworkPart, AppError> {
    let lang = cab.lang();
    let reference = cab.reference(state).await?;
    let operations = match network::operations(&state.db, permit, id).await {
        Ok(ops) => ops,
        Err(RosterError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::BadRequest(e.problem())),
    };
    Ok(NetworkPart {
        lang,
        id,
        operations: operations
            .into_iter()
            .map(|s| {
                let said = super::bulk::said_of(&s, &reference, lang);
                (s, said)
            })
            .collect(),
        may_open: cab.permit(state, Object::Bulk, Action::Run).await.is_ok(),
    })
}

/// Where the import's network changes stand, as its page polls it.
pub async fn network_progress(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let permit = permit(&state, &cab).await?;
    let part = network_part(&state, &cab, &permit, *id).await?;
    if part.operations.is_empty() {
        return Err(AppError::NotFound);
    }
    let ended = !part.running();
    let mut resp = render(&part)?;
    if ended {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("hx-refresh"),
            actix_web::http::header::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}

/// Back to the preview as it was chosen (sheet, mode, columns mapped by hand), where a job's
/// progress shows.
fn back_to_preview(id: i64, options: &Options) -> HttpResponse {
    let sheet = options.sheet.as_deref().unwrap_or("");
    redirect(&format!("/roster/{id}?{}", choices_query(sheet, options)))
}

/// The preview again with why the commit was refused.
async fn refused(
    state: &AppState,
    cab: &Cabinet,
    id: i64,
    form: &Choices,
    e: RosterError,
) -> Result<HttpResponse, AppError> {
    match e {
        RosterError::NotFound => Err(AppError::NotFound),
        RosterError::Db(e) => Err(e.into()),
        e => {
            let failure = problems::sentence(&e.problem(), cab.lang());
            show(state, cab, id, form, Some(failure), None).await
        }
    }
}

/// The rows with problems, as the file has them plus the reasons, to fix and upload again.
pub async fn errors(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    use crate::export::{Cell, Table};
    let choices: Choices = html_form(req.query_string().as_bytes())?;
    let permit = permit(&state, &cab).await?;
    let p = match service::preview(&state.db, &permit, *id, &choices.options()).await {
        Ok(p) => p,
        Err(RosterError::NotFound) => return Err(AppError::NotFound),
        Err(RosterError::Db(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::BadRequest(e.problem())),
    };
    let lang = cab.lang();
    let mut headers = p.layout.headers.clone();
    headers.push(lang.t("roster.errors_column").to_owned());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut rows_left = p.plan.problems.iter().peekable();
    while let Some(first) = rows_left.next() {
        let mut reasons = vec![problems::in_row(first, lang)];
        while let Some(next) = rows_left.next_if(|x| x.row == first.row) {
            reasons.push(problems::in_row(next, lang));
        }
        let cells = p.error_rows.get(&first.row).cloned().unwrap_or_default();
        let mut row: Vec<Cell> = (0..p.layout.headers.len())
            .map(|i| Cell::Text(cells.get(i).cloned().unwrap_or_default()))
            .collect();
        row.push(Cell::Text(reasons.join("; ")));
        rows.push(row);
    }
    let mut widths = vec![20.0; headers.len()];
    if let Some(last) = widths.last_mut() {
        *last = 60.0;
    }
    let table = Table {
        headers,
        widths,
        rows,
        ..Default::default()
    };
    let file = super::exports::FileKind::Xlsx;
    super::exports::download(&table, file, "roster-errors", lang.t("roster.errors_sheet"))
}

/// The import template with the company's departments and tariffs as drop-down lists.
pub async fn template(cab: Cabinet, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    permit(&state, &cab).await?;
    let reference = cab.reference(&state).await?;
    let departments: Vec<String> = crate::services::departments::tree(&reference.departments)
        .into_iter()
        .map(|(_, d)| crate::services::departments::path(&reference.departments, d.id))
        .collect();
    // Only the tariffs an import accepts: open and for business.
    let tariffs: Vec<String> = reference
        .tariffs
        .iter()
        .filter(|t| t.for_business != 0 && t.archived == 0)
        .map(|t| t.name.clone())
        .collect();
    let bytes = crate::roster::template::template(&departments, &tariffs)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"roster-template.xlsx\"",
        ))
        .body(bytes))
}

/// The company's roster in the import format: edit it and upload it again.
pub async fn current(
    cab: Cabinet,
    state: web::Data<AppState>,
    file: web::Query<super::exports::ExportQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::export::{Cell, Table};
    use crate::roster::template::COLUMNS;
    let permit = permit(&state, &cab).await?;
    let file = file.file()?;
    let reference = cab.reference(&state).await?;
    let rows = crate::store::roster::current(&state.db, &permit).await?;
    let text = |s: Option<String>| Cell::Text(s.unwrap_or_default());
    let table = Table {
        headers: COLUMNS.iter().map(|f| f.header().to_owned()).collect(),
        widths: vec![32.0, 18.0, 36.0, 12.0, 16.0, 20.0, 26.0, 20.0, 12.0],
        rows: rows
            .into_iter()
            .map(|r| {
                vec![
                    text(r.full_name),
                    super::exports::phone_cell(&r.msisdn),
                    Cell::Text(
                        r.department_id
                            .map(|d| crate::services::departments::path(&reference.departments, d))
                            .unwrap_or_default(),
                    ),
                    text(r.cost_centre),
                    text(r.personnel_number),
                    text(r.position),
                    text(r.email),
                    Cell::Text(r.tariff),
                    r.spend_limit_kop.map_or(Cell::Empty, Cell::Money),
                ]
            })
            .collect(),
        ..Default::default()
    };
    let lang = cab.lang();
    super::exports::download(&table, file, "roster", lang.t("roster.title"))
}
