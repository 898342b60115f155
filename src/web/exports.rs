//! The lines table as XLSX or CSV, with the filters the page shows.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::authz::{Action, Object};
use crate::error::AppError;
use crate::export::{self, Cell, Encoding, Table};
use crate::store::lines;

use super::AppState;
use super::lines::{LinesQuery, resolve};
use super::session::Cabinet;
use crate::domain::Problem;

/// More rows than this are refused rather than built in memory.
const MAX_ROWS: i64 = 500_000;

/// `?format=` and `?encoding=` of a download.
#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    encoding: Option<String>,
}

impl ExportQuery {
    /// The encoding of a CSV asked for.
    pub fn encoding(&self) -> Option<Encoding> {
        Encoding::parse(self.encoding.as_deref().unwrap_or(""))
    }
}

pub async fn lines_export(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<LinesQuery>,
    export_query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Lines, Action::Read).await?;
    let file = export_query.file()?;
    let r = resolve(cab.reference(&state).await?, &query, &permit)?;
    let (rows, _) = lines::list(
        &state.db,
        &mut *cab.connection(&state).await?,
        &r.reference,
        &permit,
        &r.filter,
        lines::Window {
            limit: MAX_ROWS + 1,
            offset: 0,
        },
        None,
    )
    .await?;
    if rows.len() as i64 > MAX_ROWS {
        return Err(AppError::BadRequest(Problem::TooManyRows { max: MAX_ROWS }));
    }
    let lang = cab.lang();
    let mut conn = cab.connection(&state).await?;
    let ids: Vec<i64> = rows.iter().map(|l| l.id).collect();
    let services = lines::service_names(&mut conn, &permit, &ids).await?;
    let company = crate::store::companies::legal_name(&mut conn, &permit).await?;
    drop(conn);
    let headers = [
        ("lines.number", 18.0),
        ("lines.employee", 34.0),
        ("emp.personnel_number", 14.0),
        ("lines.department", 26.0),
        ("card.cost_centre", 12.0),
        ("lines.status", 26.0),
        ("lines.tariff", 22.0),
        ("card.services", 40.0),
        ("lines.tariff_fee", 14.0),
        ("lines.services_fee", 14.0),
        ("lines.monthly", 14.0),
        ("lines.limit", 14.0),
        ("card.iccid", 24.0),
        ("card.activated", 13.0),
    ];
    let text = |s: Option<String>| s.filter(|s| !s.is_empty()).map_or(Cell::Empty, Cell::Text);
    let mut sums = (0, 0, 0);
    let rows: Vec<Vec<Cell>> = rows
        .into_iter()
        .map(|l| {
            // A terminated line has no live fees: only its month (zero) is shown.
            let live = l.status != "terminated";
            let fee = |kop: i64| if live { Cell::Money(kop) } else { Cell::Empty };
            if live {
                sums.0 += l.tariff_fee_kop;
                sums.1 += l.services_kop;
            }
            sums.2 += l.monthly_kop;
            let names: Vec<&str> = services
                .get(&l.id)
                .map(|v| {
                    v.iter()
                        .map(|(ru, en)| lang.pick(ru.as_str(), en.as_str()))
                        .collect()
                })
                .unwrap_or_default();
            vec![
                phone_cell(&l.msisdn),
                text(l.employee_name),
                text(l.personnel_number),
                text(l.department_name),
                text(l.cost_centre),
                Cell::Text(super::format::status_text(
                    lang,
                    &l.status,
                    &l.status_reason,
                )),
                Cell::Text(l.tariff_name),
                text(Some(names.join(", "))),
                fee(l.tariff_fee_kop),
                fee(l.services_kop),
                Cell::Money(l.monthly_kop),
                l.spend_limit_kop.map_or(Cell::Empty, Cell::Money),
                Cell::Text(l.iccid),
                Cell::Text(super::format::date_text(lang, &l.activated_on)),
            ]
        })
        .collect();
    let mut totals = vec![Cell::Empty; headers.len()];
    let at = |key: &str| {
        headers
            .iter()
            .position(|(k, _)| *k == key)
            .expect("a column")
    };
    totals[0] = Cell::Text(format!("{}: {}", lang.t("export.total"), rows.len()));
    totals[at("lines.tariff_fee")] = Cell::Money(sums.0);
    totals[at("lines.services_fee")] = Cell::Money(sums.1);
    totals[at("lines.monthly")] = Cell::Money(sums.2);
    let table = Table {
        title: vec![
            format!("{} — {}", company, lang.t("lines.title")),
            format!(
                "{}: {}",
                lang.t("export.made"),
                super::format::datetime(lang, state.clock.now_ms())
            ),
            format!("{}: {}", lang.t("export.filters"), filters_said(lang, &r)),
        ],
        headers: headers.iter().map(|(k, _)| lang.t(k).to_owned()).collect(),
        widths: headers.iter().map(|(_, w)| *w).collect(),
        rows,
        totals: Some(totals),
    };
    download(&table, file, "lines", lang.t("lines.title"))
}

/// The filters of a lines query in words: «Статус: Активен; Тариф: Бизнес Старт», or «нет».
fn filters_said(lang: crate::web::i18n::Lang, r: &super::lines::Resolved) -> String {
    let f = &r.filter;
    let mut parts = Vec::new();
    if !r.q.is_empty() {
        parts.push(format!("{}: «{}»", lang.t("export.search"), r.q));
    }
    if let Some(d) = r.department.and_then(|d| r.reference.department(d)) {
        parts.push(format!("{}: {}", lang.t("lines.department"), d.name));
    }
    if let Some(s) = &f.status {
        parts.push(format!(
            "{}: {}",
            lang.t("lines.status"),
            lang.name_of("status", s)
        ));
    }
    if let Some(t) = f.tariff_id.and_then(|t| r.reference.tariff(t)) {
        parts.push(format!("{}: {}", lang.t("lines.tariff"), t.name));
    }
    if let Some(c) = &f.cost_centre {
        parts.push(format!("{}: {c}", lang.t("card.cost_centre")));
    }
    if let Some(code) = &f.service {
        let name = r
            .reference
            .services()
            .find(|s| &s.code == code)
            .map_or(code.as_str(), |s| {
                lang.pick(s.name_ru.as_str(), s.name_en.as_str())
            });
        parts.push(format!("{}: {name}", lang.t("lines.service")));
    }
    if parts.is_empty() {
        lang.t("export.no_filters").to_owned()
    } else {
        parts.join("; ")
    }
}

/// A stored number (`+79165000010`) as an export shows it.
pub fn phone_cell(stored: &str) -> Cell {
    Cell::Phone {
        shown: super::format::phone(stored),
        digits: stored.trim_start_matches('+').to_owned(),
    }
}

/// Which file a download asks for: XLSX, or CSV in an encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Csv(Encoding),
}

impl ExportQuery {
    /// `?format=xlsx|csv&encoding=utf8|cp1251`, or a clear 400.
    pub fn file(&self) -> Result<FileKind, AppError> {
        let encoding = Encoding::parse(self.encoding.as_deref().unwrap_or(""))
            .ok_or(AppError::BadRequest(Problem::UnknownEncoding))?;
        match self.format.as_deref().unwrap_or("xlsx") {
            "xlsx" => Ok(FileKind::Xlsx),
            "csv" => Ok(FileKind::Csv(encoding)),
            other => Err(AppError::BadRequest(Problem::UnknownFormat {
                input: other.to_owned(),
            })),
        }
    }
}

/// A file to save written a row at a time (rows read from the database page by page), XLSX in
/// constant memory or CSV.
pub enum FileStream {
    Xlsx(Box<export::stream::XlsxStream>),
    Csv(Box<export::stream::CsvStream<Vec<u8>>>),
}

fn failed(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

impl FileStream {
    pub fn start(file: FileKind, sheet: &export::stream::Sheet) -> Result<Self, AppError> {
        Ok(match file {
            FileKind::Xlsx => FileStream::Xlsx(Box::new(
                export::stream::XlsxStream::new(sheet).map_err(failed)?,
            )),
            FileKind::Csv(encoding) => FileStream::Csv(Box::new(
                export::stream::CsvStream::new(Vec::new(), encoding, &sheet.headers)
                    .map_err(failed)?,
            )),
        })
    }

    pub fn row(&mut self, cells: &[Cell]) -> Result<(), AppError> {
        match self {
            FileStream::Xlsx(x) => x.row(cells).map_err(failed),
            FileStream::Csv(c) => c.row(cells).map_err(failed),
        }
    }

    /// The file's bytes.
    pub fn bytes(self) -> Result<Vec<u8>, AppError> {
        match self {
            FileStream::Xlsx(x) => x.finish(None).map_err(failed),
            FileStream::Csv(c) => c.finish().map_err(failed),
        }
    }

    /// The file to save: `<name>-<date>.xlsx|csv`.
    pub fn finish(self, name: &str, encoding: Option<Encoding>) -> Result<HttpResponse, AppError> {
        let kind = match &self {
            FileStream::Xlsx(_) => FileKind::Xlsx,
            FileStream::Csv(_) => FileKind::Csv(encoding.unwrap_or(Encoding::Utf8Bom)),
        };
        let today = chrono::Utc::now().date_naive();
        Ok(kind.attachment(self.bytes()?, name, today))
    }
}

impl FileKind {
    /// Its bytes as a file to save: `<name>-<day>.xlsx|csv`.
    pub fn attachment(self, body: Vec<u8>, name: &str, day: chrono::NaiveDate) -> HttpResponse {
        let (mime, extension) = match self {
            FileKind::Xlsx => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            FileKind::Csv(Encoding::Cp1251) => ("text/csv; charset=windows-1251", "csv"),
            FileKind::Csv(_) => ("text/csv; charset=utf-8", "csv"),
        };
        attachment(body, mime, format!("{name}-{day}.{extension}"))
    }

    /// A short name of the kind: `xlsx`, `csv-utf8`, `csv-cp1251`.
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Xlsx => "xlsx",
            FileKind::Csv(Encoding::Cp1251) => "csv-cp1251",
            FileKind::Csv(_) => "csv-utf8",
        }
    }
}

fn attachment(body: Vec<u8>, mime: &str, name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(mime.to_owned())
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(body)
}

/// A table as a file to save: `<name>-<date>.xlsx|csv`.
pub fn download(
    table: &Table,
    file: FileKind,
    name: &str,
    sheet: &str,
) -> Result<HttpResponse, AppError> {
    let today = chrono::Utc::now().date_naive();
    let (body, mime, name) = match file {
        FileKind::Xlsx => (
            export::to_xlsx(table, sheet).map_err(|e| AppError::Internal(e.into()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("{name}-{today}.xlsx"),
        ),
        FileKind::Csv(encoding) => (
            export::to_csv(table, encoding),
            if encoding == Encoding::Cp1251 {
                "text/csv; charset=windows-1251"
            } else {
                "text/csv; charset=utf-8"
            },
            format!("{name}-{today}.csv"),
        ),
    };
    Ok(attachment(body, mime, name))
}
