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

/// More rows than this are refused rather than built in memory.
const MAX_ROWS: i64 = 500_000;

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
    let format = export_query.format.as_deref().unwrap_or("xlsx");
    let encoding = Encoding::parse(export_query.encoding.as_deref().unwrap_or(""))
        .ok_or_else(|| AppError::BadRequest("encoding: utf8 или cp1251".into()))?;
    if format != "xlsx" && format != "csv" {
        return Err(AppError::BadRequest(format!(
            "формат «{format}»: xlsx или csv"
        )));
    }
    let r = resolve(cab.reference(&state).await?, &permit, &query)?;
    let (rows, _) = lines::list(&state.db, permit.company_id(), &r.filter, MAX_ROWS + 1, 0).await?;
    if rows.len() as i64 > MAX_ROWS {
        return Err(AppError::BadRequest(format!(
            "больше {MAX_ROWS} строк: уточните фильтр"
        )));
    }
    let lang = cab.lang();
    let headers = [
        "lines.number",
        "lines.employee",
        "lines.department",
        "lines.status",
        "lines.tariff",
        "lines.fee",
        "lines.limit",
    ];
    let text = |s: Option<String>| s.map(Cell::Text).unwrap_or(Cell::Empty);
    let table = Table {
        headers: headers.iter().map(|k| lang.t(k).to_owned()).collect(),
        widths: vec![18.0, 38.0, 28.0, 26.0, 24.0, 15.0, 15.0],
        rows: rows
            .into_iter()
            .map(|l| {
                let status = crate::domain::LineStatus::parse(&l.status)
                    .map(|s| lang.t(&format!("status.{}", s.as_str())).to_owned())
                    .unwrap_or(l.status);
                vec![
                    Cell::Text(super::format::phone(&l.msisdn)),
                    text(l.employee_name),
                    text(l.department_name),
                    Cell::Text(status),
                    Cell::Text(l.tariff_name),
                    Cell::Money(l.monthly_fee_kop),
                    l.spend_limit_kop.map(Cell::Money).unwrap_or(Cell::Empty),
                ]
            })
            .collect(),
    };
    let today = chrono::Utc::now().date_naive();
    let (body, mime, name) = if format == "xlsx" {
        let bytes = export::to_xlsx(&table, lang.t("lines.title"))
            .map_err(|e| AppError::Internal(e.into()))?;
        (
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            format!("lines-{today}.xlsx"),
        )
    } else {
        let mime = if encoding == Encoding::Cp1251 {
            "text/csv; charset=windows-1251"
        } else {
            "text/csv; charset=utf-8"
        };
        (
            export::to_csv(&table, encoding),
            mime,
            format!("lines-{today}.csv"),
        )
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(name)],
        })
        .body(body))
}
