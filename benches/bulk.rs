//! Bulk change benchmark: a company of 100,000 lines; a service enabled on every line, then
//! every line moved to another tariff, end to end (preview, confirm, the run with an outcome
//! and an audit entry per line, the outcomes counted), on SQLite and PostgreSQL; each beside
//! the same run's floor (the same rows written by one bare statement). Then through the HTTP
//! provisioner against a loopback stand-in for the BSS answering in 5 ms, beside a bare client
//! with as many calls in flight on the same stand-in, at 8 and 16 calls at once.
//!
//!     cargo bench --bench bulk       # BENCH_LINES=100000 BENCH_HTTP_LINES=4000
//!                                    # BENCH_BACKEND=sqlite|postgres
//!
//! Prints each phase's time, lines a second, and the process's peak RSS. Goals: each change of
//! 100,000 lines ≤ 3 s on SQLite and ≤ 5 s on PostgreSQL; through HTTP ≥ 90 % of the bare
//! client's calls a second (and about twice that at 16 at once); peak RSS ≤ 150 MB.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::StreamExt;
use simfleet::authz::{Authz, OperatorPermit, Permit, Requester};
use simfleet::clock::Clock;
use simfleet::config::Settings;
use simfleet::domain::Msisdn;
use simfleet::jobs::Runner;
use simfleet::provisioning::{DbProvisioner, HttpProvisioner, Provisioner};
use simfleet::services::bulk::change::BulkChange;
use simfleet::services::bulk::operation::{self, Chosen, Confirm};
use simfleet::services::bulk::preview;
use simfleet::services::bulk::run::BulkJob;
use simfleet::services::companies::{CompanyInput, create};
use simfleet::services::{catalogue, lines};
use simfleet::store::Db;
use sqlx::Connection;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// This process's peak resident memory (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
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

async fn company(db: &Db, inn: &str, n: usize, first: usize) -> Permit {
    let created = create(
        db,
        &OperatorPermit::cli(),
        &CompanyInput {
            legal_name: format!("ООО «Массовое {inn}»"),
            inn: inn.into(),
            kpp: "773601001".into(),
            region: "77".into(),
            admin_number: format!("+7999{:07}", first / 1000),
            admin_password: Some("correct-horse-42".into()),
            ..Default::default()
        },
    )
    .await
    .expect("company");
    let numbers: Vec<Msisdn> = (first..first + n)
        .map(|i| Msisdn::parse(&format!("+7916{i:07}")).expect("number"))
        .collect();
    let permit = OperatorPermit::cli().in_company(created.company.id);
    lines::add(db, &permit, &numbers, Some("biz-start"))
        .await
        .expect("lines");
    permit
}

async fn fresh_postgres() -> String {
    let base = std::env::var("SIMFLEET_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("PostgreSQL on 127.0.0.1:5432");
    for sql in [
        "DROP DATABASE IF EXISTS simfleet_bulk_bench WITH (FORCE)",
        "CREATE DATABASE simfleet_bulk_bench",
    ] {
        sqlx::raw_sql(sql)
            .execute(&mut admin)
            .await
            .expect("database");
    }
    format!("{base}/simfleet_bulk_bench")
}

fn runner(db: &Db, authz: Arc<Authz>, provisioner: Arc<dyn Provisioner>, at_once: usize) -> Runner {
    let job = BulkJob {
        provisioner,
        authz,
        concurrency: at_once,
        mailer: simfleet::mail::Mailer::from_settings(&Settings::default()).expect("mailer"),
        mail_after: Duration::from_secs(3600),
        public_url: String::new(),
    };
    Runner::new(db.clone(), Arc::new(Clock::default()), vec![Arc::new(job)])
}

/// One bulk change end to end, timed by phase; the lines a second it made.
async fn change(
    label: &str,
    db: &Db,
    runner: &Runner,
    permit: &Permit,
    change: &BulkChange,
    key: &str,
) -> f64 {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM lines WHERE company_id = $1 ORDER BY id")
            .bind(permit.company_id())
            .fetch_all(&db.pool)
            .await
            .expect("ids");
    let lines: Vec<(i64, Option<String>)> = ids.iter().map(|id| (*id, None)).collect();
    let started = Instant::now();
    let p = preview::of(db, permit, permit, &lines, change)
        .await
        .expect("preview");
    let previewed = started.elapsed();
    assert_eq!(p.changing.len(), ids.len(), "every line changes");
    drop(p);
    let op = operation::confirm(
        db,
        &Confirm {
            requester: &Requester::operator(permit),
            permit,
            chosen_under: permit,
            change,
            lines: &lines,
            chosen: &Chosen::Filter {
                query: String::new(),
            },
            key,
            retry_of: None,
        },
    )
    .await
    .expect("confirm");
    let confirmed = started.elapsed();
    assert!(runner.run_once().await.expect("run"), "the job ran");
    let ran = started.elapsed();
    let status = operation::status(db, permit, op.operation_id)
        .await
        .expect("status");
    assert_eq!(
        status.counts.changed as usize,
        ids.len(),
        "{:?}",
        status.counts
    );
    let total = started.elapsed();
    let rate = ids.len() as f64 / total.as_secs_f64();
    println!(
        "{label:<38} lines {:>7}  preview {:>5.2} s  confirm {:>5.2} s  run {:>5.2} s  outcomes {:>5.3} s  total {:>5.2} s  {:>8.0} lines/s  peak RSS {:>4.0} MiB",
        ids.len(),
        previewed.as_secs_f64(),
        (confirmed - previewed).as_secs_f64(),
        (ran - confirmed).as_secs_f64(),
        (total - ran).as_secs_f64(),
        total.as_secs_f64(),
        rate,
        peak_mib(),
    );
    rate
}

/// The same rows written by one bare statement each (no checks, no outcomes, no audit): what
/// the database alone takes, in this run.
async fn floor(label: &str, db: &Db, permit: &Permit, statements: &[&'static str]) {
    let started = Instant::now();
    let mut tx = db.begin().await.expect("tx");
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(*sql))
            .bind(permit.company_id())
            .execute(&mut *tx)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    tx.rollback().await.expect("rolled back");
    println!(
        "{label:<38} floor {:>5.2} s",
        started.elapsed().as_secs_f64()
    );
}

async fn on(label: &str, url: &str, n: usize) {
    let db = Db::connect(url, 8).await.expect("database");
    db.migrate().await.expect("migrate");
    catalogue::load_shipped(&db, &OperatorPermit::cli())
        .await
        .expect("catalogue");
    let permit = company(&db, "7707083893", n, 0).await;
    // The statistics a database has for a company that exists (autovacuum gathers them after a
    // load this size); without them PostgreSQL plans a 100,000-line table as a few pages.
    sqlx::raw_sql("ANALYZE")
        .execute(&db.pool)
        .await
        .expect("analyze");
    let authz = Arc::new(
        Authz::load(db.clone(), Arc::new(Clock::default()))
            .await
            .expect("authz"),
    );
    let run = runner(&db, authz, Arc::new(DbProvisioner), 8);
    floor(
        &format!("{label}: a service on every line"),
        &db,
        &permit,
        &[
            "INSERT INTO line_services (line_id, service_id, enabled_at)
             SELECT id, (SELECT id FROM services WHERE code = 'extra-10gb'), 0 FROM lines WHERE company_id = $1",
            "INSERT INTO line_service_history (line_id, service_id, action, at, actor_id)
             SELECT id, (SELECT id FROM services WHERE code = 'extra-10gb'), 'enabled', 0, NULL FROM lines WHERE company_id = $1",
        ],
    )
    .await;
    let service = BulkChange::EnableService {
        service: "extra-10gb".into(),
    };
    change(
        &format!("{label}: a service on every line"),
        &db,
        &run,
        &permit,
        &service,
        "s",
    )
    .await;
    floor(
        &format!("{label}: every line to another tariff"),
        &db,
        &permit,
        &["UPDATE lines SET tariff_id = (SELECT id FROM tariffs WHERE code = 'biz-max' AND region_code = '77'),
                version = version + 1 WHERE company_id = $1"],
    )
    .await;
    let tariff = BulkChange::ChangeTariff {
        tariff: "biz-max".into(),
    };
    change(
        &format!("{label}: every line to another tariff"),
        &db,
        &run,
        &permit,
        &tariff,
        "t",
    )
    .await;
    db.close().await;
}

/// A stand-in for the BSS answering every change in `delay`.
async fn stub(delay: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let server = HttpServer::new(move || {
        App::new().route(
            "/changes",
            web::post().to(move || async move {
                tokio::time::sleep(delay).await;
                HttpResponse::Ok().body("ok")
            }),
        )
    })
    .workers(2)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    url
}

/// Calls a second a bare client gets from the stand-in with `at_once` calls in flight.
async fn bare(url: &str, calls: usize, at_once: usize) -> f64 {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let sent: Vec<_> = (0..calls)
        .map(|i| {
            let client = client.clone();
            let url = format!("{url}/changes");
            async move {
                client
                    .post(url)
                    .header("idempotency-key", format!("bare-{i}"))
                    .json(&serde_json::json!({ "msisdn": "+79160000000", "action": "suspend" }))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            }
        })
        .collect();
    let ok = futures_util::stream::iter(sent)
        .buffer_unordered(at_once)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await;
    assert_eq!(ok, calls);
    calls as f64 / started.elapsed().as_secs_f64()
}

async fn through_http(n: usize) {
    let url = stub(Duration::from_millis(5)).await;
    let dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}/http.db", dir.path().display());
    let db = Db::connect(&db_url, 8).await.expect("database");
    db.migrate().await.expect("migrate");
    catalogue::load_shipped(&db, &OperatorPermit::cli())
        .await
        .expect("catalogue");
    let authz = Arc::new(
        Authz::load(db.clone(), Arc::new(Clock::default()))
            .await
            .expect("authz"),
    );
    let http: Arc<dyn Provisioner> = Arc::new(
        HttpProvisioner::new(&url, "bench", Duration::from_secs(5), 1)
            .expect("the HTTP provisioner"),
    );
    for (i, at_once) in [8usize, 16].into_iter().enumerate() {
        let inn = ["7728419375", "7736050003"][i];
        let permit = company(&db, inn, n, (i + 1) * 1_000_000).await;
        let bare_rate = bare(&url, n, at_once).await;
        let run = runner(&db, authz.clone(), http.clone(), at_once);
        let suspend = BulkChange::Suspend {
            reason: "bench".into(),
        };
        let rate = change(
            &format!("HTTP 5 ms, {at_once} at once"),
            &db,
            &run,
            &permit,
            &suspend,
            &format!("h{at_once}"),
        )
        .await;
        println!(
            "{:<38} bare client {:>6.0} calls/s  bulk {:>6.0} lines/s  = {:>3.0} % of bare",
            format!("HTTP 5 ms, {at_once} at once"),
            bare_rate,
            rate,
            rate / bare_rate * 100.0
        );
    }
    db.close().await;
}

#[tokio::main]
async fn main() {
    // TLS for the HTTP client, as the server installs it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n = env_num("BENCH_LINES", 100_000);
    let only = std::env::var("BENCH_BACKEND").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/bulk.db", dir.path().display());
        on("SQLite", &url, n).await;
    }
    if only.is_empty() || only == "postgres" {
        on("PostgreSQL", &fresh_postgres().await, n).await;
    }
    if only.is_empty() || only == "http" {
        through_http(env_num("BENCH_HTTP_LINES", 4_000)).await;
    }
    println!("peak RSS of the whole run {:.0} MiB", peak_mib());
}
