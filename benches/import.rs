//! Roster import benchmark: a company with 100,000 lines and no employees takes a 100,000-row
//! roster (a person per line, 60 departments in two levels, rows in a person's order rather than
//! the lines'), as XLSX and as CSV, on SQLite and PostgreSQL: upload → preview → commit (its
//! check of the plan, then the writes), one audit row per change.
//!
//!     cargo bench --bench import         # BENCH_ROWS=100000 BENCH_BACKEND=sqlite|postgres
//!                                        # BENCH_IMPORT_UNDER="valgrind --tool=massif …"
//!
//! The company is seeded first; each import then runs in a process of its own (this bench run
//! again with `BENCH_IMPORT` set), as a server would: it opens the database, reads the file and
//! imports it. Prints each phase's time, the total, and that process's peak RSS (the file in
//! memory and SQLite's page caches included). Goal: ≤ 1.5 s end to end on SQLite, ≤ 2.5 s on
//! PostgreSQL, peak RSS ≤ 200 MB.

use std::time::Instant;

use simfleet::authz::OperatorPermit;
use simfleet::domain::Msisdn;
use simfleet::services::companies::{CompanyInput, create};
use simfleet::services::roster::{self, Options};
use simfleet::services::{catalogue, lines};
use simfleet::store::Db;
use sqlx::Connection;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`: its peak), in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| {
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

/// The rows in the order a person would keep them (by name, say): not the lines' order.
fn rows(n: usize) -> Vec<[String; 5]> {
    // 7919 is prime and shares no factor with 10^k: a fixed permutation of the numbers.
    (0..n)
        .map(|k| k * 7919 % n.max(1))
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
    catalogue::load_shipped(&db, &simfleet::authz::OperatorPermit::cli())
        .await
        .expect("catalogue");
    let created = create(
        &db,
        &simfleet::authz::OperatorPermit::cli(),
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
    let permit = OperatorPermit::cli().in_company(created.company.id);
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

/// What the import process is told: where the company is, and the file.
#[derive(serde::Serialize, serde::Deserialize)]
struct Import {
    label: String,
    url: String,
    company_id: i64,
    kind: String,
    file: std::path::PathBuf,
    rows: usize,
}

/// Seeds the company, then imports the file in a process of its own.
async fn run(label: &str, url: String, kind: &str, file: &[u8], n: usize) {
    let (db, company_id) = company(&url, n).await;
    db.close().await;
    drop(db);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(format!("roster.{kind}"));
    std::fs::write(&path, file).expect("file");
    let import = Import {
        label: label.into(),
        url,
        company_id,
        kind: kind.into(),
        file: path,
        rows: n,
    };
    // BENCH_IMPORT_UNDER runs the import under a profiler, e.g. "valgrind --tool=massif".
    let this = std::env::current_exe().expect("this bench");
    let under = std::env::var("BENCH_IMPORT_UNDER").unwrap_or_default();
    let mut words = under.split_whitespace();
    let mut command = match words.next() {
        Some(program) => {
            let mut c = std::process::Command::new(program);
            c.args(words).arg(&this);
            c
        }
        None => std::process::Command::new(&this),
    };
    let status = command
        .env(
            "BENCH_IMPORT",
            serde_json::to_string(&import).expect("json"),
        )
        .status()
        .expect("the import process");
    assert!(status.success(), "the import process failed");
}

/// The import process, as the pages run it: upload → preview → commit (the commit computes the
/// plan again from the stored file, checks it is the one previewed, then applies it), timed.
async fn import(job: Import) {
    let db = Db::connect(&job.url, 8).await.expect("database");
    let permit = OperatorPermit::cli().in_company(job.company_id);
    let options = Options::default();
    let started = Instant::now();
    let file = std::fs::read(&job.file).expect("file");
    let id = roster::upload(&db, &permit, &job.kind, &file, 0)
        .await
        .expect("upload");
    drop(file);
    let uploaded = started.elapsed();
    let preview = roster::preview(&db, &permit, id, &options)
        .await
        .expect("preview");
    let previewed = started.elapsed();
    let peak_previewed = status_mib("VmHWM:");
    assert!(
        preview.plan.problems.is_empty(),
        "{:?}",
        &preview.plan.problems[..3.min(preview.plan.problems.len())]
    );
    let fingerprint = preview.fingerprint.clone();
    drop(preview);
    let prepared = roster::prepare(&db, &permit, id, &options, &fingerprint)
        .await
        .expect("prepare");
    let checked = started.elapsed();
    let peak_checked = status_mib("VmHWM:");
    let applied = roster::apply(&db, &permit, &prepared, &options, 0)
        .await
        .expect("apply");
    let total = started.elapsed();
    assert_eq!(applied.employees_added, job.rows);
    println!(
        "{:<10} {:<5} rows {:>7}  upload {:>6.2} s  preview {:>6.2} s  commit {:>6.2} s (check {:>4.2})  total {:>6.2} s  peak RSS {:>4.0} MiB (preview {:.0}, check {:.0})",
        job.label,
        job.kind,
        job.rows,
        uploaded.as_secs_f64(),
        (previewed - uploaded).as_secs_f64(),
        (total - previewed).as_secs_f64(),
        (checked - previewed).as_secs_f64(),
        total.as_secs_f64(),
        status_mib("VmHWM:"),
        peak_previewed,
        peak_checked,
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    if let Ok(job) = std::env::var("BENCH_IMPORT") {
        return import(serde_json::from_str(&job).expect("the import to run")).await;
    }
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
