//! The audit log page, with filters.

use std::borrow::Borrow;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::authz::Permit;
use crate::authz::{Action, Object};
use crate::domain::audit::LineChanged;
use crate::error::AppError;
use crate::export::{Cell, Table};
use crate::store::audit::{self, Entry, Filter};

use super::i18n::Lang;
use super::i18n::audit::{self as words, Said};
use crate::domain::Problem;

use super::exports::{ExportQuery, download};

use super::page::{Page, urlencode};
use super::session::Cabinet;
use super::{AppState, page_number, render};

const PAGE_SIZE: i64 = 50;
const OBJECTS: &[&str] = &["line", "department", "employee", "company", "user"];

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    object: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    page: Page,
    rows: Vec<Said>,
    total: i64,
    page_no: i64,
    pages: i64,
    actions: Vec<String>,
    objects: &'static [&'static str],
    action: String,
    object: String,
    from: String,
    to: String,
}

impl AuditPage {
    fn page_href(&self, n: impl Borrow<i64>) -> String {
        let n = *n.borrow();
        format!(
            "/audit?page={n}&action={}&object={}&from={}&to={}",
            urlencode(&self.action),
            urlencode(&self.object),
            urlencode(&self.from),
            urlencode(&self.to)
        )
    }

    /// The current filters as a download link.
    fn export_href(&self, format: &str, encoding: &str) -> String {
        format!(
            "/audit/export?format={format}&encoding={encoding}&action={}&object={}&from={}&to={}",
            urlencode(&self.action),
            urlencode(&self.object),
            urlencode(&self.from),
            urlencode(&self.to)
        )
    }

    fn object_label(&self, o: &str) -> String {
        self.page.lang.name_of("object", o).to_owned()
    }
}

/// What a planned change does, as its entry will say it, in `lang`.
pub async fn change_said(
    conn: &mut sqlx::AnyConnection,
    permit: &Permit,
    change: &LineChanged,
    lang: Lang,
) -> Result<String, AppError> {
    let mut said = changes_said(conn, permit, std::slice::from_ref(change), lang).await?;
    Ok(said.pop().unwrap_or_default())
}

/// What each of these changes does, as [`change_said`] says it, with names looked up once.
pub async fn changes_said(
    conn: &mut sqlx::AnyConnection,
    permit: &Permit,
    changes: &[LineChanged],
    lang: Lang,
) -> Result<Vec<String>, AppError> {
    let names = audit::names(conn, permit, &words::changes_want(changes)).await?;
    Ok(changes
        .iter()
        .map(|c| words::change_said(c, lang, &names))
        .collect())
}

/// Entries as people read them: each as a sentence in `lang`, with what it names looked up
/// through the permit.
pub async fn said(
    conn: &mut sqlx::AnyConnection,
    permit: &Permit,
    entries: &[Entry],
    lang: Lang,
) -> Result<Vec<Said>, AppError> {
    let (events, wanted) = words::read(entries);
    let names = audit::names(conn, permit, &wanted).await?;
    Ok(entries
        .iter()
        .zip(&events)
        .map(|(e, event)| words::say(e, event, lang, &names))
        .collect())
}

/// A `YYYY-MM-DD` bound as unix ms at Moscow midnight; `end` moves to the next day.
fn day_bound(field: &str, value: &str, end: bool) -> Result<Option<i64>, AppError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::BadRequest(Problem::InField {
            field: field.to_owned(),
            problem: Box::new(Problem::NotADate {
                input: value.to_owned(),
            }),
        })
    })?;
    let d = if end { d.succ_opt().unwrap_or(d) } else { d };
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(3);
    Ok(Some(midnight.and_utc().timestamp_millis()))
}

/// The page's filters (action, object kind, days) as a store filter.
fn filter_of(q: &AuditQuery) -> Result<Filter, AppError> {
    let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    Ok(Filter {
        action: text(&q.action),
        object_type: text(&q.object),
        from_ms: day_bound("from", q.from.as_deref().unwrap_or(""), false)?,
        to_ms: day_bound("to", q.to.as_deref().unwrap_or(""), true)?,
        ..Default::default()
    })
}

/// More entries than this are refused: narrow the dates.
const MAX_EXPORT: i64 = 200_000;

/// The log with the page's filters as XLSX or CSV.
pub async fn export(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
    file: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Audit, Action::Read).await?;
    let file = file.file()?;
    let filter = filter_of(&query)?;
    let (rows, total) = audit::list(&state.db, &permit, &filter, MAX_EXPORT, 0).await?;
    if total > MAX_EXPORT {
        return Err(AppError::BadRequest(Problem::TooManyRows {
            max: MAX_EXPORT,
        }));
    }
    let lang = cab.lang();
    let said = said(&mut *cab.connection(&state).await?, &permit, &rows, lang).await?;
    let headers = [
        "audit.when",
        "audit.who",
        "audit.ip",
        "audit.action",
        "audit.object",
        "audit.change",
    ];
    let table = Table {
        headers: headers.iter().map(|k| lang.t(k).to_owned()).collect(),
        widths: vec![18.0, 30.0, 16.0, 30.0, 30.0, 70.0],
        rows: said
            .into_iter()
            .map(|s| {
                vec![
                    Cell::Text(s.when),
                    Cell::Text(s.who),
                    Cell::Text(s.ip),
                    Cell::Text(s.title),
                    Cell::Text(s.object),
                    Cell::Text(s.detail),
                ]
            })
            .collect(),
        ..Default::default()
    };
    download(&table, file, "audit", lang.t("audit.title"))
}

pub async fn list(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Audit, Action::Read).await?;
    let filter = filter_of(&query)?;
    let q = query.into_inner();
    let action = q.action.unwrap_or_default();
    let object = q.object.unwrap_or_default();
    let from = q.from.unwrap_or_default();
    let to = q.to.unwrap_or_default();
    let page_no = page_number(q.page);
    let (rows, total) = audit::list(
        &state.db,
        &permit,
        &filter,
        PAGE_SIZE,
        (page_no - 1) * PAGE_SIZE,
    )
    .await?;
    let actions = audit::actions(&state.db, &permit).await?;
    let rows = said(
        &mut *cab.connection(&state).await?,
        &permit,
        &rows,
        cab.lang(),
    )
    .await?;
    render(&AuditPage {
        page: Page::new(&state, &cab, req.uri().to_string(), "/audit", "audit.title").await,
        rows,
        total,
        page_no,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        actions,
        objects: OBJECTS,
        action,
        object,
        from,
        to,
    })
}
