//! The lines table (search, filters, sorting, pages) and the line card.

use std::borrow::Borrow;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object, Permit};
use crate::domain::{LineState, text};
use crate::error::AppError;
use crate::services::departments::{subtree, tree};
use crate::store::catalogue::Tariff;
use crate::store::departments::Department;
use crate::store::lines::{self, LineRow, Search, Sort};
use crate::store::reference::Reference;

use super::page::{Page, urlencode};
use super::session::Cabinet;
use super::{AppState, department_filter, page_number, render};
use crate::domain::Problem;

pub const PAGE_SIZE: i64 = 50;

/// The lines table's search, filters, sorting and page, as a query string.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinesQuery {
    /// The start or end of a number (digits), or the start of a word of the employee's name.
    pub q: Option<String>,
    /// A department id: the department and everything under it.
    pub department: Option<String>,
    /// `active`, `suspended`, `blocked` (by the operator), `lost` (the SIM reported lost) or
    /// `terminated`.
    pub status: Option<String>,
    /// A tariff code (or id) of the company's region.
    pub tariff: Option<String>,
    /// A cost centre (ЦФО): the line's own, or its department's when it has none.
    pub cost_centre: Option<String>,
    /// A service code: lines that have the service.
    pub service: Option<String>,
    /// Lines a page: 50 (default), 100 or 200.
    pub per: Option<String>,
    /// `number` (default), `employee`, `department`, `status`, `tariff`, `monthly` (the month's
    /// cost) or `limit`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
}

/// What was typed into the search box: digits search numbers, words search names.
pub fn parse_search(q: &str) -> Option<Search> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let numeric = q
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if numeric && q.chars().any(|c| c.is_ascii_digit()) {
        return Some(Search::Number(
            q.chars().filter(char::is_ascii_digit).collect(),
        ));
    }
    let words = text::words(q);
    (!words.is_empty()).then_some(Search::Name(words))
}

#[derive(Template)]
#[template(path = "lines/list.html", blocks = ["table"])]
struct LinesPage {
    page: Page,
    rows: Vec<LineRow>,
    total: i64,
    more: bool,
    page_no: i64,
    pages: i64,
    q: String,
    department: Option<i64>,
    status: String,
    tariff: Option<i64>,
    cost_centre: String,
    service: String,
    per: i64,
    sort: Sort,
    desc: bool,
    departments: Vec<(usize, Department)>,
    tariffs: Vec<Tariff>,
    statuses: Vec<&'static str>,
    /// The departments' cost centres, each once.
    cost_centres: Vec<String>,
    /// Open services: code and name in the page's language.
    services: Vec<(String, String)>,
    page_sizes: [i64; 3],
    /// Lines can be ticked for a bulk change.
    can_bulk: bool,
}

impl LinesPage {
    /// The filter as a bulk change carries it (`f_…`): "every line it matches".
    fn bulk_filter(&self) -> Vec<(&'static str, String)> {
        let mut fields = Vec::new();
        let mut put = |k: &'static str, v: String| {
            if !v.is_empty() {
                fields.push((k, v));
            }
        };
        put("f_q", self.q.clone());
        put(
            "f_department",
            self.department.map(|d| d.to_string()).unwrap_or_default(),
        );
        put("f_status", self.status.clone());
        put(
            "f_tariff",
            self.tariff.map(|t| t.to_string()).unwrap_or_default(),
        );
        put("f_cost_centre", self.cost_centre.clone());
        put("f_service", self.service.clone());
        fields
    }

    fn is_tariff(&self, id: impl Borrow<i64>) -> bool {
        self.tariff == Some(*id.borrow())
    }

    fn is_department(&self, id: impl Borrow<i64>) -> bool {
        self.department == Some(*id.borrow())
    }

    fn query(&self, sort: Sort, desc: bool, page: i64) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", urlencode(&self.q)));
        }
        if let Some(d) = self.department {
            parts.push(format!("department={d}"));
        }
        if !self.status.is_empty() {
            parts.push(format!("status={}", self.status));
        }
        if let Some(t) = self.tariff {
            parts.push(format!("tariff={t}"));
        }
        if !self.cost_centre.is_empty() {
            parts.push(format!("cost_centre={}", urlencode(&self.cost_centre)));
        }
        if !self.service.is_empty() {
            parts.push(format!("service={}", urlencode(&self.service)));
        }
        if self.per != PAGE_SIZE {
            parts.push(format!("per={}", self.per));
        }
        if sort != Sort::Number {
            parts.push(format!("sort={}", sort.as_str()));
        }
        if desc {
            parts.push("dir=desc".into());
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            "/lines".into()
        } else {
            format!("/lines?{}", parts.join("&"))
        }
    }

    /// The current filters as an export link.
    fn export_href(&self, format: &str, encoding: &str) -> String {
        let here = self.query(self.sort, self.desc, 1);
        let sep = if here.contains('?') { '&' } else { '?' };
        let here = here.replacen("/lines", "/lines/export", 1);
        format!("{here}{sep}format={format}&encoding={encoding}")
    }

    fn sort_href(&self, col: &str) -> String {
        let sort = Sort::ALL
            .into_iter()
            .find(|s| s.as_str() == col)
            .unwrap_or_default();
        let desc = sort == self.sort && !self.desc;
        self.query(sort, desc, 1)
    }

    fn sort_mark(&self, col: &str) -> &'static str {
        match (self.sort.as_str() == col, self.desc) {
            (true, false) => " ▲",
            (true, true) => " ▼",
            _ => "",
        }
    }

    fn page_href(&self, n: impl Borrow<i64>) -> String {
        let n = *n.borrow();
        self.query(self.sort, self.desc, n)
    }
}

/// A lines query checked against the company: its departments and its region's tariffs.
pub struct Resolved {
    pub filter: lines::Filter,
    pub reference: Arc<Reference>,
    pub department: Option<i64>,
    pub status: String,
    pub q: String,
    pub page_no: i64,
    /// Lines a page.
    pub per: i64,
}

/// The states to filter by: each status, and a lost SIM apart from the operator's block.
pub(super) fn statuses() -> Vec<&'static str> {
    LineState::ALL.iter().map(|s| s.as_str()).collect()
}

/// How many lines a page may hold.
pub const PAGE_SIZES: [i64; 3] = [PAGE_SIZE, 100, 200];

/// Reads the search, filters, sorting and page of a lines query (pages, API and exports);
/// an unknown department, status, tariff or sort is a clear 400.
pub fn resolve(
    reference: Arc<Reference>,
    query: &LinesQuery,
    permit: &Permit,
) -> Result<Resolved, AppError> {
    let departments = &reference.departments;
    let department = department_filter(departments, &query.department)?;
    // A department the permit does not cover is, to it, not there.
    if let Some(d) = department.filter(|d| !permit.covers_department(*d)) {
        return Err(AppError::BadRequest(Problem::NoDepartment { id: d }));
    }
    let status = query.status.clone().unwrap_or_default();
    if !status.is_empty() && LineState::parse(&status).is_err() {
        return Err(AppError::BadRequest(Problem::UnknownStatus {
            input: status,
        }));
    }
    let tariff = match query.tariff.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            reference
                .tariffs
                .iter()
                .find(|x| x.code == t || x.id.to_string() == t)
                .map(|x| x.id)
                .ok_or_else(|| {
                    AppError::BadRequest(Problem::NoSuchTariff {
                        tariff_code: t.to_string(),
                    })
                })?,
        ),
    };
    let sort = match query.sort.as_deref() {
        None | Some("") => Sort::Number,
        Some(s) => Sort::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                AppError::BadRequest(Problem::UnknownSort {
                    input: s.to_owned(),
                })
            })?,
    };
    let service = match query.service.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => Some(
            reference
                .services()
                .find(|s| s.code == code)
                .map(|s| s.code.clone())
                .ok_or_else(|| {
                    AppError::BadRequest(Problem::NoSuchService {
                        service_code: code.to_owned(),
                    })
                })?,
        ),
    };
    let cost_centre = query
        .cost_centre
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let per = match query.per.as_deref().map(str::trim) {
        None | Some("") => PAGE_SIZE,
        Some(p) => p
            .parse()
            .ok()
            .filter(|n| PAGE_SIZES.contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(Problem::UnknownPageSize {
                    input: p.to_owned(),
                })
            })?,
    };
    let q = query.q.clone().unwrap_or_default();
    let filter = lines::Filter {
        search: parse_search(&q),
        department_ids: department.map(|d| subtree(departments, d)),
        status: (!status.is_empty()).then(|| status.clone()),
        tariff_id: tariff,
        cost_centre,
        service,
        sort,
        descending: query.dir.as_deref() == Some("desc"),
    };
    Ok(Resolved {
        filter,
        reference,
        department,
        status,
        q,
        page_no: page_number(query.page),
        per,
    })
}

/// The page of lines a query asks for, and how many match in all.
pub async fn page_of_lines(
    state: &AppState,
    cab: &Cabinet,
    permit: &Permit,
    query: &LinesQuery,
) -> Result<(Resolved, Vec<LineRow>, lines::Total), AppError> {
    let r = resolve(cab.reference(state).await?, query, permit)?;
    let offset = (r.page_no - 1) * r.per;
    let (rows, total) = lines::list(
        &state.db,
        &mut *cab.connection(state).await?,
        &r.reference,
        permit,
        &r.filter,
        lines::Window {
            limit: r.per,
            offset,
        },
        cab.session.snapshot.as_deref(),
    )
    .await?;
    Ok((r, rows, total))
}

pub async fn list(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<LinesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Lines, Action::Read).await?;
    let (r, rows, total) = page_of_lines(&state, &cab, &permit, &query).await?;
    let view = LinesPage {
        page: Page::new(&state, &cab, req.uri().to_string(), "/lines", "lines.title").await,
        rows,
        total: total.count,
        more: total.more,
        page_no: r.page_no,
        pages: ((total.count + r.per - 1) / r.per).max(1),
        q: r.q,
        department: r.department,
        status: r.status,
        tariff: r.filter.tariff_id,
        cost_centre: r.filter.cost_centre.clone().unwrap_or_default(),
        service: r.filter.service.clone().unwrap_or_default(),
        per: r.per,
        sort: r.filter.sort,
        desc: r.filter.descending,
        // A manager picks among the departments their rights cover.
        departments: tree(&r.reference.departments)
            .into_iter()
            .filter(|(_, d)| permit.covers_department(d.id))
            .map(|(depth, d)| (depth, d.clone()))
            .collect(),
        tariffs: r.reference.tariffs.clone(),
        statuses: statuses(),
        cost_centres: r
            .reference
            .departments
            .iter()
            .filter(|d| !d.cost_centre.is_empty() && permit.covers_department(d.id))
            .map(|d| d.cost_centre.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect(),
        services: r
            .reference
            .services()
            .map(|s| {
                (
                    s.code.clone(),
                    cab.lang().pick(&s.name_ru, &s.name_en).to_owned(),
                )
            })
            .collect(),
        page_sizes: PAGE_SIZES,
        can_bulk: state
            .authz
            .allows(&cab.principal, Object::Bulk, Action::Run)
            .await,
    };
    if req.headers().contains_key("hx-request") {
        return render(&view.as_table());
    }
    render(&view)
}
