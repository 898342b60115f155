//! Bulk changes in the cabinet: lines chosen on the lines table (ticked rows, or every line its
//! filter matches) or by department, a change chosen, previewed (how many change, how many are
//! skipped and why, what it does to the monthly bill) and confirmed with a one-time key; then
//! the operation's page follows its run (polled in the background) and shows each line's
//! outcome.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object, Permit, Requester};
use crate::domain::Problem;
use crate::domain::audit::LineChanged;
use crate::error::{AppError, redirect};
use crate::services::auth::new_token;
use crate::services::bulk::change::BulkChange;
use crate::services::bulk::lists::{self, ListFile};
use crate::services::bulk::operation::{self, BulkError, Chosen, Confirm, State, Status};
use crate::services::bulk::preview::{self, Preview, PreviewError};
use crate::services::bulk::selection::{self, Selection, SelectionError};
use crate::services::line_changes::recorded_change;
use crate::store::bulk::{LineResult, Shown};
use crate::store::files;
use crate::store::reference::Reference;

use super::i18n::{Lang, problems};
use super::line_changes::ChangeForm;
use super::lines::LinesQuery;
use super::page::Page;
use super::session::Cabinet;
use super::{AppState, FormErrors, html_form, render, render_status};

/// The lines chosen and the change, as the choosing form, the preview and the confirmation
/// carry them: ticked lines (`line`), or every line the lines table's filter matches (`all`
/// with the filter as `f_…`), or departments (`within`), or an uploaded list (`list`, with
/// each line's own value from `value_column`).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct BulkForm {
    #[serde(default)]
    line: Vec<i64>,
    #[serde(default)]
    all: String,
    #[serde(default)]
    within: Vec<i64>,
    list: Option<i64>,
    value_column: Option<String>,
    f_q: Option<String>,
    f_department: Option<String>,
    f_status: Option<String>,
    f_tariff: Option<String>,
    f_cost_centre: Option<String>,
    f_service: Option<String>,
    #[serde(default)]
    action: String,
    tariff: Option<String>,
    service: Option<String>,
    reason: Option<String>,
    amount: Option<String>,
    on_limit: Option<String>,
    department_id: Option<String>,
    cost_centre: Option<String>,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

/// The actions a bulk change offers, in the order the form lists them.
pub const ACTIONS: [&str; 8] = [
    "enable_service",
    "disable_service",
    "change_tariff",
    "suspend",
    "resume",
    "set_limit",
    "remove_limit",
    "reassign",
];

impl BulkForm {
    fn query(&self) -> LinesQuery {
        LinesQuery {
            q: self.f_q.clone(),
            department: self.f_department.clone(),
            status: self.f_status.clone(),
            tariff: self.f_tariff.clone(),
            cost_centre: self.f_cost_centre.clone(),
            service: self.f_service.clone(),
            ..LinesQuery::default()
        }
    }

    /// The filter's fields that are set, as the page keeps them.
    fn filter_fields(&self) -> Vec<(&'static str, String)> {
        [
            ("f_q", &self.f_q),
            ("f_department", &self.f_department),
            ("f_status", &self.f_status),
            ("f_tariff", &self.f_tariff),
            ("f_cost_centre", &self.f_cost_centre),
            ("f_service", &self.f_service),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
        .collect()
    }

    /// Whether the form chooses lines at all (none: the page offers a list to upload).
    fn chooses(&self) -> bool {
        !self.line.is_empty() || self.all == "1" || !self.within.is_empty() || self.list.is_some()
    }

    /// How the lines are chosen, as the next form carries it on.
    fn chosen_fields(&self) -> Vec<(&'static str, String)> {
        if let Some(list) = self.list {
            return [
                ("list", Some(list.to_string())),
                ("value_column", self.value_column.clone()),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
            .collect();
        }
        if self.all == "1" {
            let mut fields = vec![("all", "1".to_owned())];
            fields.extend(self.filter_fields());
            return fields;
        }
        if !self.within.is_empty() {
            return self
                .within
                .iter()
                .map(|d| ("within", d.to_string()))
                .collect();
        }
        self.line.iter().map(|l| ("line", l.to_string())).collect()
    }

    /// The change's fields, as the next form carries them on.
    fn change_fields(&self) -> Vec<(&'static str, String)> {
        [
            ("action", Some(self.action.clone())),
            ("tariff", self.tariff.clone()),
            ("service", self.service.clone()),
            ("reason", self.reason.clone()),
            ("amount", self.amount.clone()),
            ("on_limit", self.on_limit.clone()),
            ("department_id", self.department_id.clone()),
            ("cost_centre", self.cost_centre.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    fn selection(
        &self,
        reference: &std::sync::Arc<Reference>,
        permit: &Permit,
    ) -> Result<(Selection, Chosen), AppError> {
        if self.all == "1" {
            let query = self.query();
            let resolved = super::lines::resolve(reference.clone(), &query, permit)?;
            let said = self
                .filter_fields()
                .into_iter()
                .map(|(k, v)| format!("{}={}", &k[2..], super::page::urlencode(&v)))
                .collect::<Vec<_>>()
                .join("&");
            return Ok((
                Selection::Filter(resolved.filter),
                Chosen::Filter { query: said },
            ));
        }
        if !self.within.is_empty() {
            return Ok((
                Selection::Departments(self.within.clone()),
                Chosen::Departments {
                    ids: self.within.clone(),
                },
            ));
        }
        if self.line.is_empty() {
            return Err(AppError::BadRequest(Problem::NothingSelected));
        }
        Ok((
            Selection::Lines(self.line.clone()),
            Chosen::Lines {
                count: self.line.len(),
            },
        ))
    }

    fn change(&self) -> Result<BulkChange, AppError> {
        let single = ChangeForm {
            action: self.action.clone(),
            tariff: self.tariff.clone(),
            service: self.service.clone(),
            reason: self.reason.clone(),
            amount: self.amount.clone(),
            on_limit: self.on_limit.clone(),
            department_id: self.department_id.clone(),
            cost_centre: self.cost_centre.clone(),
            ..ChangeForm::default()
        };
        single.bulk_change()
    }
}

/// The permits a bulk change needs: to run bulk changes (the lines are chosen under it) and
/// the change's own right (each line must be within both).
pub(crate) async fn permits(
    cab: &Cabinet,
    state: &AppState,
    change: Option<&BulkChange>,
) -> Result<(Permit, Permit), AppError> {
    let chosen_under = cab.permit(state, Object::Bulk, Action::Run).await?;
    let permit = match change {
        Some(c) => {
            let (object, action) = c.check();
            cab.permit(state, object, action).await?
        }
        None => chosen_under.clone(),
    };
    Ok((chosen_under, permit))
}

/// Why no line is chosen: a problem of the choice (said on the form), or the app's.
enum NotChosen {
    Refused(Problem),
    App(AppError),
}

impl From<SelectionError> for NotChosen {
    fn from(e: SelectionError) -> Self {
        match e {
            SelectionError::Refused(p) => NotChosen::Refused(p),
            SelectionError::Db(e) => NotChosen::App(e.into()),
        }
    }
}

/// The list the form names, if it is still kept for the permit.
async fn list_of(
    state: &AppState,
    chosen_under: &Permit,
    form: &BulkForm,
) -> Result<Option<ListFile>, NotChosen> {
    match form.list {
        None => Ok(None),
        Some(id) => match lists::open(&state.db, chosen_under, id, state.clock.now_ms()).await? {
            Some(list) => Ok(Some(list)),
            None => Err(NotChosen::Refused(Problem::ListGone)),
        },
    }
}

/// The lines the form chooses, within `chosen_under`, and how they were chosen.
async fn chosen(
    state: &AppState,
    reference: &std::sync::Arc<Reference>,
    chosen_under: &Permit,
    form: &BulkForm,
) -> Result<(selection::Resolved, Chosen), NotChosen> {
    let (selection, chosen) = match list_of(state, chosen_under, form).await? {
        Some(list) => {
            // A value column counts only for a change that takes values (a form without
            // scripts sends the field whatever the change).
            let takes_value = form.change().is_ok_and(|c| c.takes_value());
            let value_column = match form.value_column.as_deref().map(str::trim) {
                _ if !takes_value => None,
                None | Some("") => None,
                Some(c) => Some(selection::column_of(c).ok_or_else(|| {
                    NotChosen::Refused(Problem::BadForm {
                        detail: format!("value_column {c}"),
                    })
                })?),
            };
            (
                Selection::Numbers {
                    file: list.bytes,
                    sheet: None,
                    column: Some(list.numbers),
                    value_column,
                },
                Chosen::List {
                    file_name: list.name,
                    rejected: 0,
                },
            )
        }
        None => match form.selection(reference, chosen_under) {
            Ok(s) => s,
            Err(AppError::BadRequest(p)) => return Err(NotChosen::Refused(p)),
            Err(e) => return Err(NotChosen::App(e)),
        },
    };
    let resolved = selection::resolve(&state.db, chosen_under, &selection).await?;
    let chosen = chosen.rejecting(resolved.rejected.len());
    Ok((resolved, chosen))
}

#[derive(Template)]
#[template(path = "bulk/new.html")]
struct NewPage {
    page: Page,
    count: usize,
    chosen: Vec<(&'static str, String)>,
    form: BulkForm,
    errors: FormErrors,
    actions: [&'static str; 8],
    services: Vec<(String, String)>,
    tariffs: Vec<(String, String)>,
    departments: Vec<(usize, i64, String)>,
    /// The uploaded list the lines come from.
    list: Option<ListFile>,
}

impl NewPage {
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }

    /// The list's column of numbers: its letter and header.
    fn numbers_column(&self, list: &ListFile) -> String {
        match list.columns.get(list.numbers) {
            Some((letter, header)) if !header.is_empty() => format!("{letter} «{header}»"),
            Some((letter, _)) => letter.clone(),
            None => String::new(),
        }
    }
}

async fn new_page(
    cab: &Cabinet,
    state: &AppState,
    form: BulkForm,
    errors: FormErrors,
) -> Result<NewPage, AppError> {
    let (chosen_under, _) = permits(cab, state, None).await?;
    let reference = cab.reference(state).await?;
    let mut errors = errors;
    let refused = |p: Problem, errors: &mut FormErrors| {
        if errors.get("lines").is_none() {
            errors.0.push(("lines", problems::sentence(&p, cab.lang())));
        }
    };
    let count = match form.chooses() {
        false => 0,
        true => match chosen(state, &reference, &chosen_under, &form).await {
            Ok((resolved, _)) => resolved.line_ids.len(),
            Err(NotChosen::Refused(p)) => {
                refused(p, &mut errors);
                0
            }
            Err(NotChosen::App(e)) => return Err(e),
        },
    };
    let list = match list_of(state, &chosen_under, &form).await {
        Ok(list) => list,
        Err(NotChosen::Refused(_)) => None,
        Err(NotChosen::App(e)) => return Err(e),
    };
    let lang = cab.lang();
    let page = Page::new(state, cab, "/bulk/new".into(), "/bulk", "bulk.new_title").await;
    Ok(NewPage {
        page,
        count,
        // The list's value column is chosen on this page, not carried.
        chosen: form
            .chosen_fields()
            .into_iter()
            .filter(|(k, _)| *k != "value_column")
            .collect(),
        errors,
        actions: ACTIONS,
        services: reference
            .services()
            .map(|s| (s.code.clone(), lang.pick(&s.name_ru, &s.name_en).to_owned()))
            .collect(),
        tariffs: reference
            .tariffs
            .iter()
            .map(|t| (t.code.clone(), t.name.clone()))
            .collect(),
        departments: crate::services::departments::tree(&reference.departments)
            .into_iter()
            .filter(|(_, d)| chosen_under.covers_department(d.id))
            .map(|(depth, d)| (depth, d.id, d.name.clone()))
            .collect(),
        list,
        form,
    })
}

/// A list of numbers uploaded from the choosing page: kept, then the page again to choose the
/// change for its lines.
pub async fn upload_list(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::StatusCode;
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let refused = |problem: Problem, status: StatusCode| {
        let cab = &cab;
        let state = &state;
        async move {
            let errors = FormErrors(vec![("file", problems::sentence(&problem, cab.lang()))]);
            let page = new_page(cab, state, BulkForm::default(), errors).await?;
            render_status(status, &page)
        }
    };
    let (csrf, name, bytes) = match super::upload::read(&state, &req, form).await? {
        Ok(read) => read,
        Err(p) => return refused(p, StatusCode::PAYLOAD_TOO_LARGE).await,
    };
    cab.verify_csrf(&csrf)?;
    let now = state.clock.now_ms();
    let keep = state.settings.files_keep_days;
    match lists::upload(&state.db, &chosen_under, &name, &bytes, now, keep).await {
        Ok(id) => Ok(redirect(&format!("/bulk/new?list={id}"))),
        Err(SelectionError::Refused(p)) => refused(p, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(SelectionError::Db(e)) => Err(e.into()),
    }
}

/// The change to choose for the lines chosen on the lines table.
pub async fn new_form(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    let form: BulkForm = html_form(req.query_string().as_bytes())?;
    let page = new_page(&cab, &state, form, FormErrors::default()).await?;
    // A list not kept (any more, or not one's own) is not there.
    if page.form.list.is_some() && page.list.is_none() {
        return Err(AppError::NotFound);
    }
    let status = if page.errors.any() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    render_status(status, &page)
}

#[derive(Template)]
#[template(path = "bulk/preview.html")]
struct PreviewPage {
    page: Page,
    said: String,
    preview: Preview,
    /// The reasons lines are skipped for: each code, said, with how many.
    skipped: Vec<(String, String, usize)>,
    /// Where the lines go by a list's values: the target said, how many, the bill's change.
    groups: Vec<(String, usize, i64)>,
    rejected: Vec<(usize, String, String)>,
    fields: Vec<(&'static str, String)>,
    key: String,
    /// A retry of this operation's failed lines.
    retry_of: Option<i64>,
}

impl PreviewPage {
    fn signed(&self, kop: impl std::borrow::Borrow<i64>) -> String {
        signed(&self.page, *kop.borrow())
    }
}

fn signed(page: &Page, kop: i64) -> String {
    let shown = page.kop(kop.abs());
    match kop.signum() {
        1 => format!("+{shown}"),
        -1 => format!("−{shown}"),
        _ => shown,
    }
}

/// A change's problem on the choosing form: its field marked (422), or the whole form's.
async fn back_to_form(
    cab: &Cabinet,
    state: &AppState,
    form: BulkForm,
    field: &'static str,
    problem: Problem,
) -> Result<HttpResponse, AppError> {
    let errors = FormErrors(vec![(field, problems::sentence(&problem, cab.lang()))]);
    let page = new_page(cab, state, form, errors).await?;
    render_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// A form's change previewed on its lines, with what it took to work it out.
struct Previewed {
    change: BulkChange,
    chosen_under: Permit,
    reference: std::sync::Arc<Reference>,
    resolved: selection::Resolved,
    preview: Preview,
}

/// The form's change previewed; or the choosing form again with what is wrong (422).
async fn previewed(
    cab: &Cabinet,
    state: &AppState,
    form: BulkForm,
) -> Result<Result<(BulkForm, Previewed), HttpResponse>, AppError> {
    let change = match form.change() {
        Ok(c) => c,
        Err(AppError::BadRequest(p)) => {
            return back_to_form(cab, state, form, "action", p).await.map(Err);
        }
        Err(e) => return Err(e),
    };
    let (chosen_under, permit) = permits(cab, state, Some(&change)).await?;
    let reference = cab.reference(state).await?;
    let resolved = match chosen(state, &reference, &chosen_under, &form).await {
        Ok((resolved, _)) => resolved,
        Err(NotChosen::Refused(p)) => {
            return back_to_form(cab, state, form, "lines", p).await.map(Err);
        }
        Err(NotChosen::App(e)) => return Err(e),
    };
    let lines = resolved.lines();
    let preview = match preview::of(&state.db, &permit, &chosen_under, &lines, &change).await {
        Ok(p) => p,
        Err(PreviewError::Invalid(e)) => {
            return back_to_form(cab, state, form, e.field, e.problem)
                .await
                .map(Err);
        }
        Err(PreviewError::Db(e)) => return Err(e.into()),
    };
    Ok(Ok((
        form,
        Previewed {
            change,
            chosen_under,
            reference,
            resolved,
            preview,
        },
    )))
}

/// What the change would do to the lines chosen, to confirm.
pub async fn preview(
    cab: Cabinet,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: BulkForm = html_form(&body)?;
    cab.verify_csrf(&form.csrf)?;
    let (form, p) = match previewed(&cab, &state, form).await? {
        Ok(done) => done,
        Err(back) => return Ok(back),
    };
    let Previewed {
        change,
        reference,
        resolved,
        preview,
        ..
    } = p;
    let lang = cab.lang();
    let skipped = skipped_said(&preview, lang);
    let rejected = resolved
        .rejected
        .iter()
        .map(|r| {
            (
                r.row,
                r.number.clone(),
                problems::sentence(&r.problem, lang),
            )
        })
        .collect();
    let mut fields = form.chosen_fields();
    fields.extend(form.change_fields());
    let page = Page::new(
        &state,
        &cab,
        "/bulk/new".into(),
        "/bulk",
        "bulk.preview_title",
    )
    .await;
    render(&PreviewPage {
        said: match preview.groups.is_empty() {
            true => describe(&change, &reference, lang),
            false => by_list(&change, lang),
        },
        groups: groups_said(&preview, &reference, lang),
        page,
        preview,
        skipped,
        rejected,
        fields,
        key: new_token(),
        retry_of: None,
    })
}

/// The targets of a list's values, each said, with how many lines go there and the bill's
/// change.
fn groups_said(preview: &Preview, reference: &Reference, lang: Lang) -> Vec<(String, usize, i64)> {
    preview
        .groups
        .iter()
        .filter(|g| g.changing > 0)
        .map(|g| {
            let said = target_of(&g.change, reference, lang);
            (said, g.changing, g.monthly_delta_kop)
        })
        .collect()
}

/// The skipped lines' reasons, each said, with how many.
fn skipped_said(preview: &Preview, lang: Lang) -> Vec<(String, String, usize)> {
    preview
        .skipped_by_reason()
        .into_iter()
        .map(|(code, n, p)| (code, problems::sentence(p, lang), n))
        .collect()
}

/// Which group of skipped lines a download asks for (the reason's code).
#[derive(Debug, Deserialize)]
struct SkippedGroup {
    skipped: String,
}

/// The lines a preview skips for one reason, as XLSX or CSV: the preview worked out again
/// from the same form, each line's number with why.
pub async fn skipped_export(
    cab: Cabinet,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: BulkForm = html_form(&body)?;
    cab.verify_csrf(&form.csrf)?;
    let group: SkippedGroup = html_form(&body)?;
    let export: super::exports::ExportQuery = html_form(&body)?;
    let (file, encoding) = (export.file()?, export.encoding());
    let Previewed {
        change,
        chosen_under,
        reference,
        preview,
        ..
    } = match previewed(&cab, &state, form).await? {
        Ok((_, p)) => p,
        Err(back) => return Ok(back),
    };
    let skipped: Vec<&preview::Skipped> = preview
        .skipped
        .iter()
        .filter(|s| s.problem.code() == group.skipped)
        .collect();
    let lang = cab.lang();
    let ids: Vec<i64> = skipped.iter().map(|s| s.line_id).collect();
    let numbers = {
        let mut conn = cab.connection(&state).await?;
        crate::store::lines::numbers_of(&mut conn, &chosen_under, &ids).await?
    };
    let reason = skipped
        .first()
        .map(|s| problems::sentence(&s.problem, lang))
        .unwrap_or_default();
    let sheet = crate::export::stream::Sheet {
        name: lang.t("bulk.skipped").to_owned(),
        title: vec![
            describe(&change, &reference, lang),
            format!("{}: {reason} — {}", lang.t("bulk.skipped"), skipped.len()),
        ],
        headers: vec![
            lang.t("lines.number").to_owned(),
            lang.t("bulk.why").to_owned(),
        ],
        widths: vec![18.0, 70.0],
    };
    let mut out = super::exports::FileStream::start(file, &sheet)?;
    for s in skipped {
        let number = match numbers.get(&s.line_id) {
            Some(n) => super::exports::phone_cell(n),
            None => crate::export::Cell::Empty,
        };
        let why = crate::export::Cell::Text(problems::sentence(&s.problem, lang));
        out.row(&[number, why])?;
    }
    out.finish(&format!("skipped-{}", group.skipped), encoding)
}

/// An operation's change as a sentence (nothing for one whose change no longer reads).
pub(crate) fn said_of(status: &Status, reference: &Reference, lang: Lang) -> String {
    let listed = matches!(
        status.chosen,
        Some(Chosen::List { .. } | Chosen::Roster { .. })
    );
    match &status.change {
        Some(c) if listed && c.takes_value() && c.target().is_empty() => by_list(c, lang),
        Some(c) => describe(c, reference, lang),
        None => String::new(),
    }
}

/// A change whose lines each take their own value from a list.
fn by_list(change: &BulkChange, lang: Lang) -> String {
    let kind = lang.t(&format!("change.kind.{}", change.name()));
    format!("{kind}: {}", lang.t("bulk.by_list"))
}

/// The change as a sentence: its kind and its target, by name.
pub fn describe(change: &BulkChange, reference: &Reference, lang: Lang) -> String {
    let kind = lang.t(&format!("change.kind.{}", change.name()));
    let target = target_of(change, reference, lang);
    if target.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {target}")
    }
}

/// What the change moves its lines to, by name (empty for a change without a target).
fn target_of(change: &BulkChange, reference: &Reference, lang: Lang) -> String {
    match change {
        BulkChange::EnableService { service } | BulkChange::DisableService { service } => reference
            .services()
            .find(|s| s.code == *service)
            .map(|s| format!("«{}»", lang.pick(&s.name_ru, &s.name_en)))
            .unwrap_or_else(|| service.clone()),
        BulkChange::ChangeTariff { tariff } => reference
            .tariffs
            .iter()
            .find(|t| t.code == *tariff)
            .map(|t| format!("«{}»", t.name))
            .unwrap_or_else(|| tariff.clone()),
        BulkChange::Suspend { reason } if !reason.trim().is_empty() => reason.trim().to_owned(),
        BulkChange::SetLimit { amount, .. } => crate::domain::Money::parse(amount)
            .map(|m| super::format::kopecks(lang, m.kopecks()))
            .unwrap_or_else(|_| amount.clone()),
        BulkChange::Reassign { department_id, .. } => department_id
            .and_then(|d| reference.department(d))
            .map(|d| d.name.clone())
            .unwrap_or_else(|| lang.t("bulk.no_department").to_owned()),
        _ => String::new(),
    }
}

/// Confirms the previewed change: the lines are chosen again now, recorded with the operation,
/// and its run queued; a second submit of the same preview lands on the same operation.
pub async fn confirm(
    cab: Cabinet,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: BulkForm = html_form(&body)?;
    cab.verify_csrf(&form.csrf)?;
    let change = form.change()?;
    let (chosen_under, permit) = permits(&cab, &state, Some(&change)).await?;
    let reference = cab.reference(&state).await?;
    let (resolved, chosen) = match chosen(&state, &reference, &chosen_under, &form).await {
        Ok(c) => c,
        Err(NotChosen::Refused(p)) => return back_to_form(&cab, &state, form, "lines", p).await,
        Err(NotChosen::App(e)) => return Err(e),
    };
    let lines = resolved.lines();
    let requester = Requester::of(&cab.principal, &permit);
    let confirmed = operation::confirm(
        &state.db,
        &Confirm {
            requester: &requester,
            permit: &permit,
            chosen_under: &chosen_under,
            change: &change,
            lines: &lines,
            chosen: &chosen,
            key: &form.key,
            retry_of: None,
        },
    )
    .await;
    let confirmed = match confirmed {
        Ok(c) => c,
        Err(BulkError::Refused(p)) => return back_to_form(&cab, &state, form, "lines", p).await,
        Err(BulkError::Invalid(e)) => {
            return back_to_form(&cab, &state, form, e.field, e.problem).await;
        }
        Err(e) => return Err(refused(e)),
    };
    state.jobs.wake();
    Ok(redirect(&format!("/bulk/{}", confirmed.operation_id)))
}

fn refused(e: BulkError) -> AppError {
    match e {
        BulkError::Invalid(e) => AppError::BadRequest(e.problem),
        BulkError::Refused(p) => AppError::Refused(p),
        BulkError::NotFound => AppError::NotFound,
        BulkError::Db(e) => e.into(),
    }
}

#[derive(Template)]
#[template(path = "bulk/list.html")]
struct ListPage {
    page: Page,
    operations: Vec<(Status, String)>,
}

/// The company's bulk operations, running and ended (a delegated user's own).
pub async fn list(cab: Cabinet, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let reference = cab.reference(&state).await?;
    let lang = cab.lang();
    let operations = operation::list(&state.db, &chosen_under, 50)
        .await
        .map_err(refused)?
        .into_iter()
        .map(|s| {
            let said = said_of(&s, &reference, lang);
            (s, said)
        })
        .collect();
    let page = Page::new(&state, &cab, "/bulk".into(), "/bulk", "bulk.title").await;
    render(&ListPage { page, operations })
}

/// How an operation's page shows where it stands.
pub trait StatusView {
    fn percent(&self) -> i64;
    fn state_key(&self) -> &'static str;
    fn running(&self) -> bool;
}

impl StatusView for Status {
    fn percent(&self) -> i64 {
        if self.operation.total == 0 {
            return 100;
        }
        (self.counts.reached() * 100 / self.operation.total).clamp(0, 100)
    }

    fn state_key(&self) -> &'static str {
        match self.state {
            State::Queued => "bulk.state.queued",
            State::Running => "bulk.state.running",
            State::Cancelling => "bulk.state.cancelling",
            State::Done => "bulk.state.done",
            State::Cancelled => "bulk.state.cancelled",
            State::Failed => "bulk.state.failed",
        }
    }

    fn running(&self) -> bool {
        !self.ended()
    }
}

#[derive(Template)]
#[template(path = "bulk/progress.html")]
struct ProgressPart {
    lang: Lang,
    status: Status,
}

#[derive(Template)]
#[template(path = "bulk/show.html")]
struct ShowPage {
    page: Page,
    status: Status,
    said: String,
    lang: Lang,
    shown: &'static str,
    rows: Vec<ResultRow>,
    page_no: i64,
    more: bool,
}

/// A line of the results as the page shows it.
struct ResultRow {
    line_id: i64,
    msisdn: String,
    outcome: &'static str,
    said: String,
}

/// Which results a `?show=` asks for.
fn shown(q: Option<&str>) -> (Shown, &'static str) {
    match q {
        Some("changed") => (Shown::Outcome("changed"), "changed"),
        Some("skipped") => (Shown::Outcome("skipped"), "skipped"),
        Some("failed") => (Shown::Outcome("failed"), "failed"),
        Some("not_reached") => (Shown::NotReached, "not_reached"),
        _ => (Shown::All, "all"),
    }
}

/// Results as the page and the file say them: a changed line with what changed on it, the
/// others with why not (names looked up once for them all).
async fn result_rows(
    conn: &mut sqlx::AnyConnection,
    permit: &Permit,
    rows: Vec<LineResult>,
    lang: Lang,
) -> Result<Vec<ResultRow>, AppError> {
    let changes: Vec<Option<LineChanged>> = rows
        .iter()
        .map(|r| match r.outcome.as_deref() {
            Some("changed") => r.change.as_deref().and_then(recorded_change),
            _ => None,
        })
        .collect();
    let known: Vec<LineChanged> = changes.iter().flatten().cloned().collect();
    let mut changes_said = super::audit::changes_said(conn, permit, &known, lang)
        .await?
        .into_iter();
    Ok(rows
        .into_iter()
        .zip(changes)
        .map(|(r, change)| {
            let outcome = match r.outcome.as_deref() {
                Some("changed") => "changed",
                Some("skipped") => "skipped",
                Some("failed") => "failed",
                _ => "not_reached",
            };
            let said = match change {
                Some(_) => changes_said.next().unwrap_or_default(),
                None => r
                    .problem
                    .as_deref()
                    .and_then(|p| serde_json::from_str::<Problem>(p).ok())
                    .map(|p| problems::sentence(&p, lang))
                    .unwrap_or_default(),
            };
            ResultRow {
                line_id: r.line_id,
                msisdn: r.msisdn,
                outcome,
                said,
            }
        })
        .collect())
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    show: Option<String>,
    page: Option<i64>,
}

const RESULTS_PAGE: i64 = 50;

/// An operation: what it does, where its run stands, and each line's outcome (paged).
pub async fn show(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let reference = cab.reference(&state).await?;
    let lang = cab.lang();
    let (which, shown) = shown(query.show.as_deref());
    let page_no = super::page_number(query.page);
    let mut conn = cab.connection(&state).await?;
    let mut rows = crate::store::bulk::results(
        &mut conn,
        &chosen_under,
        *id,
        which,
        RESULTS_PAGE + 1,
        (page_no - 1) * RESULTS_PAGE,
    )
    .await?;
    let more = rows.len() as i64 > RESULTS_PAGE;
    rows.truncate(RESULTS_PAGE as usize);
    let rows = result_rows(&mut conn, &chosen_under, rows, lang).await?;
    drop(conn);
    let mut page = Page::new(
        &state,
        &cab,
        format!("/bulk/{}", *id),
        "/bulk",
        "bulk.title",
    )
    .await;
    page.title = format!("{} №{}", page.t("bulk.operation"), *id);
    render(&ShowPage {
        said: said_of(&status, &reference, lang),
        page,
        status,
        lang,
        shown,
        rows,
        page_no,
        more,
    })
}

/// Where the run stands, as the operation's page polls it; once the run has ended the page
/// reloads to show the outcomes.
pub async fn progress(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let ended = status.ended();
    let mut resp = render(&ProgressPart {
        lang: cab.lang(),
        status,
    })?;
    if ended {
        resp.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("hx-refresh"),
            actix_web::http::header::HeaderValue::from_static("true"),
        );
    }
    Ok(resp)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Asks the run to stop after its chunk in hand.
pub async fn cancel(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    operation::cancel(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    Ok(redirect(&format!("/bulk/{}", *id)))
}

#[derive(Debug, Deserialize)]
pub struct RetryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    key: String,
}

/// The same change again on the lines that failed: previewed, then confirmed as a new
/// operation.
pub async fn retry_preview(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let change = status.change.clone().ok_or(AppError::NotFound)?;
    let (_, permit) = permits(&cab, &state, Some(&change)).await?;
    let (_, _, preview) = operation::retry_preview(&state.db, &permit, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let reference = cab.reference(&state).await?;
    let lang = cab.lang();
    let skipped = skipped_said(&preview, lang);
    let mut page = Page::new(
        &state,
        &cab,
        format!("/bulk/{}/retry", *id),
        "/bulk",
        "bulk.retry_title",
    )
    .await;
    page.title = format!("{} №{}", page.t("bulk.retry_title"), *id);
    render(&PreviewPage {
        said: match preview.groups.is_empty() {
            true => describe(&change, &reference, lang),
            false => by_list(&change, lang),
        },
        groups: groups_said(&preview, &reference, lang),
        page,
        preview,
        skipped,
        rejected: Vec::new(),
        fields: Vec::new(),
        key: new_token(),
        retry_of: Some(*id),
    })
}

pub async fn retry(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let status = operation::status(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let change = status.change.clone().ok_or(AppError::NotFound)?;
    let (_, permit) = permits(&cab, &state, Some(&change)).await?;
    let requester = Requester::of(&cab.principal, &permit);
    let confirmed = operation::retry(
        &state.db,
        &requester,
        &permit,
        &chosen_under,
        *id,
        &form.key,
    )
    .await
    .map_err(refused)?;
    state.jobs.wake();
    Ok(redirect(&format!("/bulk/{}", confirmed.operation_id)))
}

/// Each line of the operation with its outcome and why, as XLSX or CSV: written page by page
/// from the database, whatever the number of lines.
pub async fn results_export(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<super::exports::ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let (chosen_under, _) = permits(&cab, &state, None).await?;
    let file = query.file()?;
    let status = operation::status(&state.db, &chosen_under, *id)
        .await
        .map_err(refused)?;
    let lang = cab.lang();
    let name = format!("bulk-{}", *id);
    // An ended operation's file is made once and kept, for any instance to serve, to whoever
    // covers the whole company; a delegated viewer's is made each time, from their rights now.
    let kept_as = format!("{name}-{}-{}", file.code(), lang.code());
    let keep = status.ended() && chosen_under.is_whole_company();
    let now = state.clock.now_ms();
    if keep {
        let mut conn = cab.connection(&state).await?;
        if let Some(kept) = files::find(&mut conn, &chosen_under, RESULTS, &kept_as, now).await? {
            return Ok(file.attachment(kept.bytes, &name, day_of(kept.created_at)));
        }
    }
    let reference = cab.reference(&state).await?;
    let said = said_of(&status, &reference, lang);
    let sheet = crate::export::stream::Sheet {
        name: lang.t("bulk.results").to_owned(),
        title: vec![
            format!("{} №{} — {said}", lang.t("bulk.operation"), *id),
            format!(
                "{}: {}",
                lang.t("bulk.asked"),
                super::format::datetime(lang, status.operation.created_at)
            ),
            format!(
                "{}: {} · {}: {} · {}: {} · {}: {}",
                lang.t("bulk.outcome.changed"),
                status.counts.changed,
                lang.t("bulk.outcome.skipped"),
                status.counts.skipped,
                lang.t("bulk.outcome.failed"),
                status.counts.failed,
                lang.t("bulk.outcome.not_reached"),
                status.not_reached()
            ),
        ],
        headers: vec![
            lang.t("lines.number").to_owned(),
            lang.t("bulk.outcome").to_owned(),
            lang.t("bulk.why").to_owned(),
        ],
        widths: vec![18.0, 16.0, 70.0],
    };
    let mut out = super::exports::FileStream::start(file, &sheet)?;
    const PAGE: i64 = 10_000;
    let mut conn = cab.connection(&state).await?;
    let mut offset = 0;
    loop {
        let rows =
            crate::store::bulk::results(&mut conn, &chosen_under, *id, Shown::All, PAGE, offset)
                .await?;
        let read = rows.len() as i64;
        for row in result_rows(&mut conn, &chosen_under, rows, lang).await? {
            out.row(&[
                super::exports::phone_cell(&row.msisdn),
                crate::export::Cell::Text(
                    lang.t(&format!("bulk.outcome.{}", row.outcome)).to_owned(),
                ),
                if row.said.is_empty() {
                    crate::export::Cell::Empty
                } else {
                    crate::export::Cell::Text(row.said)
                },
            ])?;
        }
        if read < PAGE {
            break;
        }
        offset += PAGE;
    }
    drop(conn);
    let bytes = out.bytes()?;
    if keep {
        let until = now + state.settings.files_keep_days as i64 * 24 * 3600 * 1000;
        files::keep(
            &state.db,
            &chosen_under,
            RESULTS,
            &kept_as,
            &bytes,
            now,
            until,
        )
        .await?;
    }
    Ok(file.attachment(bytes, &name, day_of(now)))
}

/// What an ended operation's results file is kept for.
const RESULTS: &str = "bulk_results";

/// The day a moment falls on, for a file's name.
fn day_of(ms: i64) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive()
}
