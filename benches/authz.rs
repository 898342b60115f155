//! Authorization benchmark: 10,000 companies, 60,000 people and 50,000 grants (two rights
//! each) in the database, loaded into the casbin enforcer through the grants adapter.
//!
//!     cargo bench --bench authz          # BENCH_COMPANIES=10000 BENCH_GRANTS=50000
//!
//! Prints: load time and memory of the policy, per-check latency (p50/p99) for allowed and
//! denied requests, cold (right after a load) and warm, the time for a grant written by one
//! instance to take effect on another (its next request reloads), and login throughput with
//! argon2id at the parameters the product uses.

use std::sync::Arc;
use std::time::Instant;

use simfleet::authz::{Action, Authz, Holder, Object, Principal};
use simfleet::clock::Clock;
use simfleet::domain::Actor;
use simfleet::services::auth::{hash_password, verify_password};
use simfleet::services::catalogue;
use simfleet::store::Db;

fn env_num(name: &str, default: i64) -> i64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Companies, an admin each, managers spread over them, one department each, and grants of
/// two rights over that department.
async fn seed(db: &Db, companies: i64, grants: i64) {
    catalogue::load_shipped(db, &simfleet::authz::OperatorPermit::cli())
        .await
        .expect("catalogue");
    let n = |max: i64| {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {max})")
    };
    exec(db, &format!(
        "{} INSERT INTO companies (legal_name, inn, kpp, ogrn, legal_address, region_code, contract_number, account_number, contact_email, created_at)
         SELECT 'Компания ' || i, printf('%010d', i), '773601001', '', '', '77', 'Д-' || i, printf('7%011d', i), '', 0 FROM n",
        n(companies)
    )).await;
    exec(db, &format!(
        "{} INSERT INTO departments (company_id, name, cost_centre, created_at) SELECT i, 'Склад', '', 0 FROM n",
        n(companies)
    )).await;
    let people = companies + grants;
    exec(db, &format!(
        "{} INSERT INTO users (msisdn, full_name, created_at) SELECT printf('+79%09d', i), 'Человек ' || i, 0 FROM n",
        n(people)
    )).await;
    // Users 1..companies are the admins; the rest are managers, one grant each.
    exec(db, &format!(
        "{} INSERT INTO memberships (user_id, company_id, role, created_at) SELECT i, i, 'admin', 0 FROM n",
        n(companies)
    )).await;
    exec(
        db,
        &format!(
            "{} INSERT INTO memberships (user_id, company_id, role, created_at)
         SELECT {companies} + i, ((i - 1) % {companies}) + 1, 'manager', 0 FROM n",
            n(grants)
        ),
    )
    .await;
    exec(db, &format!(
        "{} INSERT INTO grants (company_id, user_id, created_at) SELECT ((i - 1) % {companies}) + 1, {companies} + i, 0 FROM n",
        n(grants)
    )).await;
    exec(
        db,
        "INSERT INTO grant_rights (grant_id, right_code) SELECT id, 'lines.view' FROM grants",
    )
    .await;
    exec(
        db,
        "INSERT INTO grant_rights (grant_id, right_code) SELECT id, 'lines.tariff' FROM grants",
    )
    .await;
    exec(
        db,
        "INSERT INTO grant_departments (grant_id, department_id) SELECT id, company_id FROM grants",
    )
    .await;
}

fn manager(companies: i64, grant: i64, company: i64) -> Principal {
    Principal {
        holder: Holder::User(companies + grant),
        company_id: company,
        role: "manager".into(),
        actor: Actor::cli(),
    }
}

/// Latencies in µs of `count` checks of a pattern, sorted.
async fn checks(
    authz: &Authz,
    count: i64,
    principal: impl Fn(i64) -> Principal,
    object: Object,
    action: Action,
    expect: bool,
) -> Vec<f64> {
    let mut took = Vec::with_capacity(count as usize);
    for k in 0..count {
        let p = principal(k);
        let started = Instant::now();
        let allowed = authz.permit(&p, object, action).await.is_ok();
        took.push(started.elapsed().as_secs_f64() * 1e6);
        assert_eq!(allowed, expect, "check {k}");
    }
    took.sort_by(f64::total_cmp);
    took
}

fn report(label: &str, t: &[f64]) {
    println!(
        "{label:<52} p50 {:>8.1} µs   p99 {:>8.1} µs   ({} checks)",
        percentile(t, 0.5),
        percentile(t, 0.99),
        t.len()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let companies = env_num("BENCH_COMPANIES", 10_000);
    let grants = env_num("BENCH_GRANTS", 50_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/authz.db", dir.path().display());
    let db = Db::connect(&url, 4).await.expect("database");
    db.migrate().await.expect("migrate");
    let started = Instant::now();
    seed(&db, companies, grants).await;
    println!(
        "seeded {companies} companies, {} people, {grants} grants ({} role links) in {:.1} s",
        companies + grants,
        companies + grants + 2 * grants,
        started.elapsed().as_secs_f64()
    );

    let clock = Arc::new(Clock::default());
    let before = rss_kib();
    let started = Instant::now();
    let authz = Authz::load(db.clone(), clock.clone()).await.expect("load");
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let memory_mib = (rss_kib() - before) as f64 / 1024.0;
    println!(
        "policy load: {load_ms:.0} ms; memory of the loaded policy ≈ {memory_mib:.1} MiB (RSS growth)"
    );

    let count = env_num("BENCH_CHECKS", 20_000).min(grants);
    let step = (grants / count).max(1);
    let own = |k: i64| {
        let g = 1 + k * step;
        manager(companies, g, ((g - 1) % companies) + 1)
    };
    let foreign = |k: i64| {
        let g = 1 + k * step;
        manager(companies, g, (g % companies) + 1)
    };
    // Cold: each question asked for the first time since the load (casbin's matcher runs);
    // warm: the same questions again (answered from the decisions the loaded policy gave).
    let cold = checks(&authz, count, own, Object::Lines, Action::Tariff, true).await;
    report("allowed, cold (manager: tariff in own company)", &cold);
    let warm = checks(&authz, count, own, Object::Lines, Action::Tariff, true).await;
    report("allowed, warm", &warm);
    let denied_right = checks(&authz, count, own, Object::Lines, Action::Status, false).await;
    report("denied, cold: a right not granted", &denied_right);
    let denied_company = checks(&authz, count, foreign, Object::Lines, Action::Read, false).await;
    report("denied, cold: another company", &denied_company);
    let denied_again = checks(&authz, count, foreign, Object::Lines, Action::Read, false).await;
    report("denied, warm", &denied_again);
    let admin = |k: i64| Principal {
        holder: Holder::User(1 + k % companies),
        company_id: 1 + k % companies,
        role: "admin".into(),
        actor: Actor::cli(),
    };
    let admins = checks(&authz, count, admin, Object::Lines, Action::Tariff, true).await;
    report("allowed: admin", &admins);

    // A grant written through one instance reaches another on its next request.
    let other = Authz::load(db.clone(), clock.clone())
        .await
        .expect("second instance");
    let newcomer = manager(companies, 1, 2);
    assert!(
        other
            .permit(&newcomer, Object::Lines, Action::Read)
            .await
            .is_err()
    );
    exec(
        &db,
        &format!(
            "INSERT INTO grants (company_id, user_id, created_at) VALUES (2, {}, 0)",
            companies + 1
        ),
    )
    .await;
    exec(
        &db,
        "INSERT INTO grant_rights (grant_id, right_code) SELECT MAX(id), 'lines.view' FROM grants",
    )
    .await;
    let version: i64 = sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
        .fetch_one(&db.pool)
        .await
        .expect("version");
    let started = Instant::now();
    other.refresh(version).await.expect("refresh");
    let reach_ms = started.elapsed().as_secs_f64() * 1e3;
    assert!(
        other
            .permit(&newcomer, Object::Lines, Action::Read)
            .await
            .is_ok()
    );
    println!(
        "a grant change reaches another instance on its next request: {reach_ms:.0} ms (one reload)"
    );

    // argon2id logins: one verification, then verifications per second on all cores.
    let hash = hash_password("correct-horse-42".into())
        .await
        .expect("hash");
    let started = Instant::now();
    assert!(verify_password(hash.clone(), "correct-horse-42".into()).await);
    let one_ms = started.elapsed().as_secs_f64() * 1e3;
    let n = 32;
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..n {
        let h = hash.clone();
        handles.push(tokio::spawn(verify_password(h, "correct-horse-42".into())));
    }
    for h in handles {
        assert!(h.await.expect("join"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "argon2id (m=19456 KiB, t=2, p=1): one password check {one_ms:.0} ms; {:.0} checks per second with {n} at once",
        n as f64 / secs
    );
}
