//! Roster import benchmark: a company with 100,000 lines and no employees takes a 100,000-row
//! roster (a person per line, 60 departments in two levels), as XLSX and as CSV, on SQLite and
//! PostgreSQL: upload → preview → commit, one audit row per change.
//!
//!     cargo bench --bench import         # BENCH_ROWS=100000 BENCH_BACKEND=sqlite|postgres
//!
//! Prints each phase's time, the total, and the peak RSS during the import (the bench's own
//! files in memory included, the seeding not). Goal: ≤ 1.5 s end to end on SQLite, ≤ 2.5 s on
//! PostgreSQL, peak RSS ≤ 200 MB.

use std::time::Instant;

use simfleet::authz::operator_permit;
use simfleet::domain::Msisdn;
use simfleet::services::companies::{CompanyInput, create};
use simfleet::services::roster::{self, Options};
use simfleet::services::{catalogue, lines};
use simfleet::store::Db;
use simfleet::store::audit::Actor;
use sqlx::Connection;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Starts the peak-memory count afresh (Linux: `5` to `clear_refs` resets VmHWM), so the
/// figure is the import's, not the seeding's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory since the last reset, in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn number(i: usize) -> String {
    format!("+7916{:07}", i)
}

fn rows(n: usize) -> Vec<[String; 5]> {
    (0..n)
        .map(|i| {
            [
                format!("Сотрудников Сотрудник {i}"),
                number(i),
                format!("Дирекция {} / Отдел {}", i % 6, i % 60),
                format!("{:06}", i + 1),
                "Инженер".to_owned(),
            ]
        })
        .collect()
}

const HEADER: [&str; 5] = [
    "ФИО",
    "Телефон",
    "Подразделение",
    "Табельный номер",
    "Должность",
];

fn xlsx(rows: &[[String; 5]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory().expect("sheet");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

fn csv(rows: &[[String; 5]]) -> Vec<u8> {
    let mut out = HEADER.join(";");
    out.push('\n');
    for row in rows {
        out.push_str(&row.join(";"));
        out.push('\n');
    }
    out.into_bytes()
}

async fn company(url: &str, n: usize) -> (Db, i64) {
    let db = Db::connect(url, 8).await.expect("database");
    db.migrate().await.expect("migrate");
    catalogue::load_shipped(&db).await.expect("catalogue");
    let created = create(
        &db,
        &Actor::cli(),
        &CompanyInput {
            legal_name: "ООО «Импорт»".into(),
            inn: "7707083893".into(),
            kpp: "773601001".into(),
            region: "77".into(),
            admin_number: "+79990000001".into(),
            admin_password: Some("correct-horse-42".into()),
            ..Default::default()
        },
    )
    .await
    .expect("company");
    let numbers: Vec<Msisdn> = (0..n)
        .map(|i| Msisdn::parse(&number(i)).expect("number"))
        .collect();
    let permit = operator_permit(created.company.id);
    lines::add(&db, &permit, &numbers, None)
        .await
        .expect("lines");
    (db, created.company.id)
}

async fn fresh_postgres() -> String {
    let base = std::env::var("SIMFLEET_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("PostgreSQL on 127.0.0.1:5432");
    for sql in [
        "DROP DATABASE IF EXISTS simfleet_import_bench WITH (FORCE)",
        "CREATE DATABASE simfleet_import_bench",
    ] {
        sqlx::raw_sql(sql)
            .execute(&mut admin)
            .await
            .expect("database");
    }
    format!("{base}/simfleet_import_bench")
}

async fn run(label: &str, url: String, kind: &str, file: &[u8], n: usize) {
    let (db, company_id) = company(&url, n).await;
    let permit = operator_permit(company_id);
    let options = Options::default();
    reset_peak_rss();
    let started = Instant::now();
    let id = roster::upload(&db, &permit, kind, file, 0)
        .await
        .expect("upload");
    let uploaded = started.elapsed();
    let preview = roster::preview(&db, &permit, id, &options)
        .await
        .expect("preview");
    let previewed = started.elapsed();
    assert!(
        preview.plan.problems.is_empty(),
        "{:?}",
        &preview.plan.problems[..3.min(preview.plan.problems.len())]
    );
    let applied = roster::apply(&db, &permit, &preview, &options, 0)
        .await
        .expect("apply");
    let total = started.elapsed();
    assert_eq!(applied.employees_added, n);
    println!(
        "{label:<10} {kind:<5} rows {n:>7}  upload {:>6.2} s  preview {:>6.2} s  commit {:>6.2} s  total {:>6.2} s  peak RSS {:>6.0} MiB",
        uploaded.as_secs_f64(),
        (previewed - uploaded).as_secs_f64(),
        (total - previewed).as_secs_f64(),
        total.as_secs_f64(),
        peak_rss_mib()
    );
    db.pool.close().await;
}

#[tokio::main]
async fn main() {
    let n = env_num("BENCH_ROWS", 100_000);
    let only = std::env::var("BENCH_BACKEND").unwrap_or_default();
    let rows = rows(n);
    let files = [("xlsx", xlsx(&rows)), ("csv", csv(&rows))];
    drop(rows);
    for (kind, file) in &files {
        println!("{kind}: {:.1} MB", file.len() as f64 / 1e6);
    }
    for (kind, file) in &files {
        if only.is_empty() || only == "sqlite" {
            let dir = tempfile::tempdir().expect("dir");
            let url = format!("sqlite://{}/import.db", dir.path().display());
            run("SQLite", url, kind, file, n).await;
        }
        if only.is_empty() || only == "postgres" {
            run("PostgreSQL", fresh_postgres().await, kind, file, n).await;
        }
    }
}
