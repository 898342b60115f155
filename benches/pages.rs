//! Page benchmark: seeds a 100,000-line company, then loads the cabinet with `wrk` on SQLite
//! and on PostgreSQL, each next to a bare actix-web JSON endpoint measured in the same run.
//!
//!     cargo bench --bench pages            # BENCH_SECONDS=10 BENCH_LINES=100000 by default
//!                                          # BENCH_POOL: the app's pool (default: the product's)
//!                                          # BENCH_ONLY: the cases whose name holds this text
//!
//! Prints requests/s, p50 and p99 for each case, its ratio to the bare endpoint, and the CPU
//! time a request cost the app and PostgreSQL together (ms, from `/proc`). Needs
//! Debian's `wrk` and PostgreSQL on 127.0.0.1:5432 (SIMFLEET_TEST_PG to point elsewhere).

use std::net::TcpListener;
use std::process::Command;
use std::time::Instant;

use actix_web::{App, HttpResponse, HttpServer, web};
use simfleet::config::Settings;
use simfleet::services::demo;
use simfleet::startup::Application;
use simfleet::store::Db;
use sqlx::Connection;

struct Case {
    name: &'static str,
    goal: &'static str,
    path: String,
    script: Option<String>,
    /// Another visitor's cookie (the admin's when None).
    cookie: Option<String>,
}

struct Figures {
    rps: f64,
    /// Requests completed in the run.
    requests: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: String,
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `1.23ms`, `850.00us`, `1.02s` → milliseconds.
fn millis(s: &str) -> f64 {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let v: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        "m" => v * 60_000.0,
        _ => f64::NAN,
    }
}

fn wrk(
    url: &str,
    cookie: Option<&str>,
    script: Option<&str>,
    seconds: u64,
    connections: u32,
) -> Figures {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "5s",
    ]);
    if let Some(c) = cookie {
        cmd.args(["-H", &format!("Cookie: {c}")]);
    }
    if let Some(s) = script {
        cmd.args(["-s", s]);
    }
    cmd.arg(url);
    let out = cmd.output().expect("running wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let find = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    };
    let errors = [
        find("Non-2xx or 3xx responses:").map(|n| format!("{n} non-2xx")),
        find("Socket errors:").map(|s| format!("socket: {s}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    Figures {
        rps: find("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0),
        requests: text
            .lines()
            .find_map(|l| l.trim().split_once(" requests in "))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(f64::NAN),
        p50_ms: find("50%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        p99_ms: find("99%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        errors,
    }
}

/// CPU time used so far, in ms, by this process (the app under load) and by every PostgreSQL
/// server process, from `/proc`. Throughput on a shared machine swings with what else runs;
/// the CPU a request costs swings much less, so each case prints both.
fn cpu_ms() -> f64 {
    let ticks_per_s: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    let used = |pid: &str| -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name: state, ppid, …; utime and stime are the 12th and 13th.
        let mut fields = stat.get(stat.rfind(')')? + 2..)?.split(' ');
        let utime: f64 = fields.nth(11)?.parse().ok()?;
        let stime: f64 = fields.next()?.parse().ok()?;
        Some(utime + stime)
    };
    let mut ticks = used("self").unwrap_or(0.0);
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        let is_postgres = std::fs::read_to_string(entry.path().join("comm"))
            .is_ok_and(|c| c.trim() == "postgres");
        if is_postgres {
            ticks += used(&pid).unwrap_or(0.0);
        }
    }
    ticks / ticks_per_s * 1000.0
}

async fn bare_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let url = format!("http://{}/json", listener.local_addr().expect("addr"));
    let server = HttpServer::new(|| {
        App::new().route(
            "/json",
            web::get().to(|| async { HttpResponse::Ok().json(serde_json::json!({ "ok": true })) }),
        )
    })
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    url
}

async fn fresh_postgres() -> String {
    let base = std::env::var("SIMFLEET_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let mut admin = sqlx::PgConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("PostgreSQL on 127.0.0.1:5432");
    sqlx::raw_sql("DROP DATABASE IF EXISTS simfleet_bench WITH (FORCE)")
        .execute(&mut admin)
        .await
        .expect("drop");
    sqlx::raw_sql("CREATE DATABASE simfleet_bench")
        .execute(&mut admin)
        .await
        .expect("create");
    format!("{base}/simfleet_bench")
}

/// Logs in with a number and password; returns the Cookie header value.
async fn login(address: &str, number: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{address}/login"))
        .send()
        .await
        .expect("login page");
    let csrf_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sf_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("csrf cookie")
        .to_owned();
    let token = csrf_cookie.trim_start_matches("sf_csrf=").to_owned();
    let r = client
        .post(format!("{address}/login"))
        .header("cookie", &csrf_cookie)
        .form(&[
            ("csrf", token.as_str()),
            ("number", number),
            ("password", password),
        ])
        .send()
        .await
        .expect("login");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sf_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// A wrk script posting a service change to a different line each request.
fn change_script(dir: &std::path::Path, first_line: i64, lines: i64) -> String {
    let path = dir.join("change.lua");
    std::fs::write(
        &path,
        format!(
            r#"local counter = 0
local threads = 0
offset = 0 -- a global: thread:set writes globals
function setup(thread)
  -- each wrk thread takes its own stretch of lines
  threads = threads + 1
  thread:set("offset", threads * 40009)
end
function request()
  counter = counter + 1
  local id = {first_line} + (offset + counter * 7) % {lines}
  local body = '{{"action":"enable_service","service":"conference"}}'
  local headers = {{}}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/lines/" .. id .. "/changes", headers, body)
end
"#
        ),
    )
    .expect("lua");
    path.display().to_string()
}

async fn run_backend(label: &str, url: String, lines: usize, seconds: u64, dir: &std::path::Path) {
    let started = Instant::now();
    let pool = env_num(
        "BENCH_POOL",
        u64::from(Settings::default().db_max_connections),
    ) as u32;
    let db = Db::connect(&url, pool).await.expect("database");
    db.migrate().await.expect("migrate");
    let made = demo::create_demo(&db, lines).await.expect("demo");
    println!(
        "\n{label}: seeded {} lines in {:.1} s",
        made.lines,
        started.elapsed().as_secs_f64()
    );
    if url.starts_with("postgres") {
        // What autovacuum does on a live database: visibility maps for index-only scans.
        sqlx::query("VACUUM ANALYZE")
            .execute(&db.pool)
            .await
            .expect("vacuum");
    }
    let settings = Settings {
        database_url: url,
        bind: "127.0.0.1:0".into(),
        db_max_connections: pool,
        ..Settings::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("port");
    let app = Application::with_listener(db.clone(), settings, listener)
        .await
        .expect("app");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.serve());
    let cookie = login(&address, demo::DEMO_ADMIN, demo::DEMO_PASSWORD).await;
    let bare = bare_endpoint().await;

    let dept: i64 = sqlx::query_scalar(
        "SELECT id FROM departments WHERE company_id = $1 AND name = 'Склад Москва'",
    )
    .bind(made.company_id)
    .fetch_one(&db.pool)
    .await
    .expect("department");
    let (first, count): (i64, i64) =
        sqlx::query_as("SELECT MIN(id), COUNT(*) FROM lines WHERE company_id = $1")
            .bind(made.company_id)
            .fetch_one(&db.pool)
            .await
            .expect("lines");
    let manager = manager_cookie(&db, &address, made.company_id, dept).await;
    let cases = vec![
        Case {
            name: "lines page, department filter, 50 rows",
            goal: ">= 3000 req/s, p99 <= 25 ms",
            path: format!("/lines?department={dept}"),
            script: None,
            cookie: None,
        },
        Case {
            name: "lines page as a manager granted that department",
            goal: "compare with the line above",
            path: "/lines".into(),
            script: None,
            cookie: Some(manager),
        },
        Case {
            name: "lines page, surname prefix",
            goal: "p99 <= 50 ms",
            path: "/lines?q=%D0%B8%D0%B2%D0%B0%D0%BD".into(),
            script: None,
            cookie: None,
        },
        Case {
            name: "lines page, last 4 digits",
            goal: "p99 <= 50 ms",
            path: "/lines?q=4321".into(),
            script: None,
            cookie: None,
        },
        Case {
            name: "line card",
            goal: ">= 5000 req/s",
            path: format!("/lines/{}", first + count / 2),
            script: None,
            cookie: None,
        },
        Case {
            name: "service change via API",
            goal: "p99 <= 50 ms",
            path: "/".into(),
            script: Some(change_script(dir, first, count)),
            cookie: None,
        },
    ];
    println!(
        "{:<42} {:>10} {:>9} {:>9} {:>8} {:>8}  goal",
        "case (32 connections)", "req/s", "p50 ms", "p99 ms", "÷ bare", "CPU ms"
    );
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for case in cases.into_iter().filter(|c| c.name.contains(&only)) {
        let base = wrk(&bare, None, None, seconds, 32);
        let cpu_before = cpu_ms();
        let f = wrk(
            &format!("{address}{}", case.path),
            Some(case.cookie.as_deref().unwrap_or(&cookie)),
            case.script.as_deref(),
            seconds,
            32,
        );
        let cpu_per_request = (cpu_ms() - cpu_before) / f.requests;
        println!(
            "{:<42} {:>10.0} {:>9.2} {:>9.2} {:>7.1}% {:>8.2}  {}{}",
            case.name,
            f.rps,
            f.p50_ms,
            f.p99_ms,
            f.rps / base.rps * 100.0,
            cpu_per_request,
            case.goal,
            if f.errors.is_empty() {
                String::new()
            } else {
                format!("  [{}]", f.errors)
            }
        );
        println!(
            "{:<42} {:>10.0} {:>9.2} {:>9.2}",
            "  bare actix-web JSON (same run)", base.rps, base.p50_ms, base.p99_ms
        );
    }
    let changed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'line.enable_service'")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    println!(
        "service changes applied (each with its audit entry): {changed}; the rest were refused (line not active, or already on)"
    );
    db.close().await;
}

/// A manager granted `lines.view` over one department (and what is under it), signed in.
async fn manager_cookie(db: &Db, address: &str, company_id: i64, department: i64) -> String {
    let number = "+79035551122";
    let password = "manager-pass-42";
    let hash = simfleet::services::auth::hash_password(password.into())
        .await
        .expect("hash");
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (msisdn, full_name, password_hash, created_at) VALUES ($1, 'Руководитель склада', $2, 0) RETURNING id",
    )
    .bind(number)
    .bind(hash)
    .fetch_one(&db.pool)
    .await
    .expect("manager");
    sqlx::query("INSERT INTO memberships (user_id, company_id, role, created_at) VALUES ($1, $2, 'manager', 0)")
        .bind(user)
        .bind(company_id)
        .execute(&db.pool)
        .await
        .expect("membership");
    let grant: i64 = sqlx::query_scalar(
        "INSERT INTO grants (company_id, user_id, created_at) VALUES ($1, $2, 0) RETURNING id",
    )
    .bind(company_id)
    .bind(user)
    .fetch_one(&db.pool)
    .await
    .expect("grant");
    sqlx::query("INSERT INTO grant_rights (grant_id, right_code) VALUES ($1, 'lines.view')")
        .bind(grant)
        .execute(&db.pool)
        .await
        .expect("right");
    sqlx::query("INSERT INTO grant_departments (grant_id, department_id) VALUES ($1, $2)")
        .bind(grant)
        .bind(department)
        .execute(&db.pool)
        .await
        .expect("department");
    login(address, number, password).await
}

#[tokio::main]
async fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("MISSING: wrk (apt-get install wrk)");
        std::process::exit(1);
    }
    let seconds = env_num("BENCH_SECONDS", 10);
    let lines = env_num("BENCH_LINES", 100_000) as usize;
    let dir = tempfile::tempdir().expect("temp dir");
    let only = std::env::var("BENCH_BACKEND").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        let url = format!("sqlite://{}/bench.db", dir.path().display());
        run_backend("SQLite", url, lines, seconds, dir.path()).await;
    }
    if only.is_empty() || only == "postgres" {
        run_backend(
            "PostgreSQL",
            fresh_postgres().await,
            lines,
            seconds,
            dir.path(),
        )
        .await;
    }
}
