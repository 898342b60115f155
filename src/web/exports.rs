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

pub async fn lines_export(
    cab: Cabinet,
    state: web::Data<AppState>,
    query: web::Query<LinesQuery>,
    export_query: web::Query<ExportQuery>,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Lines, Action::Read).await?;
    let file = export_query.file()?;
    let r = resolve(cab.reference(&state).await?, &query)?;
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
    let headers = [
        "lines.number",
        "lines.employee",
        "lines.department",
        "lines.status",
        "lines.tariff",
        "lines.tariff_fee",
        "lines.services_fee",
        "lines.monthly",
        "lines.limit",
    ];
    let text = |s: Option<String>| s.map(Cell::Text).unwrap_or(Cell::Empty);
    let table = Table {
        headers: headers.iter().map(|k| lang.t(k).to_owned()).collect(),
        widths: vec![18.0, 38.0, 28.0, 26.0, 24.0, 15.0, 15.0, 15.0, 15.0],
        rows: rows
            .into_iter()
            .map(|l| {
                // A terminated line has no live fees: only its month (zero) is shown.
                let live = |kop: i64| {
                    if l.status == "terminated" {
                        Cell::Empty
                    } else {
                        Cell::Money(kop)
                    }
                };
                let (tariff_fee, services) = (live(l.tariff_fee_kop), live(l.services_kop));
                let status = crate::domain::LineStatus::parse(&l.status)
                    .map(|s| lang.t(&format!("status.{}", s.as_str())).to_owned())
                    .unwrap_or(l.status);
                vec![
                    phone_cell(&l.msisdn),
                    text(l.employee_name),
                    text(l.department_name),
                    Cell::Text(status),
                    Cell::Text(l.tariff_name),
                    tariff_fee,
                    services,
                    Cell::Money(l.monthly_kop),
                    l.spend_limit_kop.map(Cell::Money).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    };
    download(&table, file, "lines", lang.t("lines.title"))
}

/// A stored number (`+79165000010`) as an export shows it.
pub(super) fn phone_cell(stored: &str) -> Cell {
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
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(body))
}
