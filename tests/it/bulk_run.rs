//! Bulk operations run: confirmed once per key, each chosen line checked again and changed
//! through the Provisioner as a durable job, an outcome for every line; the network told with
//! no transaction open, some of its refusals retried; a cancel stops after the chunk in hand.

use std::sync::atomic::Ordering;
use std::time::Duration;

use simfleet::authz::{Permit, Requester};
use simfleet::domain::Problem;
use simfleet::services::bulk::change::BulkChange;
use simfleet::services::bulk::operation::{
    self, BulkError, Chosen, Confirm, Confirmed, State, Status,
};
use simfleet::store::bulk::{self as store, Counts, Shown};

use crate::bss::stub_bss;
use crate::bulk::{company, enable, every_line, give_the_last_five};
use crate::helpers::{Backend, TestApp, spawn_app, spawn_app_with};
use crate::on_both;

/// Confirms the change on the lines under this key, for the operator's permit.
async fn confirm(
    app: &TestApp,
    permit: &Permit,
    change: &BulkChange,
    lines: &[i64],
    key: &str,
) -> Result<Confirmed, BulkError> {
    let lines: Vec<(i64, Option<String>)> = lines.iter().map(|id| (*id, None)).collect();
    operation::confirm(
        &app.db,
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
}

/// The operation once its job has ended (polled; a minute at most).
async fn ended(app: &TestApp, permit: &Permit, id: i64) -> Status {
    for _ in 0..3_000 {
        let status = operation::status(&app.db, permit, id)
            .await
            .expect("status");
        if status.ended() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("operation {id} did not end");
}

/// The skipped or failed lines' reasons (codes), with how many each.
async fn reasons(
    app: &TestApp,
    permit: &Permit,
    id: i64,
    outcome: &'static str,
) -> Vec<(String, usize)> {
    let mut conn = app.db.pool.acquire().await.expect("conn");
    let rows = store::results(&mut conn, permit, id, Shown::Outcome(outcome), 1_000_000, 0)
        .await
        .expect("results");
    let mut groups = std::collections::BTreeMap::<String, usize>::new();
    for r in rows {
        let p: Problem =
            serde_json::from_str(r.problem.as_deref().unwrap_or("null")).expect("a problem");
        *groups.entry(p.code()).or_default() += 1;
    }
    groups.into_iter().collect()
}

async fn count(app: &TestApp, sql: &'static str, company: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(company)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Enabling a service on every line: the suspended and those that have it are skipped with
/// their reasons, the others get it with their audit entries and their new monthly cost; a
/// second confirm of the same key is the same operation, not a second job.
async fn a_service_is_enabled_on_every_chosen_line_with_an_outcome_for_each(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let (service_id, fee): (i64, i64) =
        sqlx::query_as("SELECT id, monthly_fee_kop FROM services WHERE code = 'extra-10gb'")
            .fetch_one(&app.db.pool)
            .await
            .expect("service");
    give_the_last_five(&app, company, service_id).await;
    let month_before = count(
        &app,
        "SELECT CAST(SUM(monthly_kop) AS BIGINT) FROM lines WHERE company_id = $1",
        company,
    )
    .await;
    let all = every_line(&app, &permit).await;
    let change = enable("extra-10gb");
    let first = confirm(&app, &permit, &change, &all.line_ids, "key-1")
        .await
        .expect("confirmed");
    let again = confirm(&app, &permit, &change, &all.line_ids, "key-1")
        .await
        .expect("again");
    assert!(!first.repeat && again.repeat);
    assert_eq!(first.operation_id, again.operation_id);
    let status = ended(&app, &permit, first.operation_id).await;
    assert_eq!(status.state, State::Done);
    assert_eq!(
        status.counts,
        Counts {
            changed: 85,
            skipped: 45,
            failed: 0
        }
    );
    assert_eq!(
        reasons(&app, &permit, first.operation_id, "skipped").await,
        vec![
            ("line_suspended".to_owned(), 40),
            ("service_already_on".to_owned(), 5)
        ]
    );
    let with_it = count(
        &app,
        "SELECT COUNT(*) FROM line_services ls JOIN lines l ON l.id = ls.line_id
         WHERE l.company_id = $1",
        company,
    )
    .await;
    assert_eq!(with_it, 90);
    let entries = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE company_id = $1 AND action = 'line.enable_service'",
        company,
    )
    .await;
    assert_eq!(entries, 85, "an audit entry for each line changed");
    let month_after = count(
        &app,
        "SELECT CAST(SUM(monthly_kop) AS BIGINT) FROM lines WHERE company_id = $1",
        company,
    )
    .await;
    assert_eq!(
        month_after - month_before,
        85 * fee,
        "the kept monthly cost follows"
    );
    let jobs = count(
        &app,
        "SELECT COUNT(*) FROM jobs WHERE company_id = $1 AND kind = 'bulk.run'",
        company,
    )
    .await;
    assert_eq!(jobs, 1, "a double submit starts one job");
    let confirmed = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE company_id = $1 AND action = 'bulk.confirm'",
        company,
    )
    .await;
    assert_eq!(confirmed, 1, "the confirm in the audit log, once");
    match operation::cancel(&app.db, &permit, first.operation_id).await {
        Err(BulkError::Refused(Problem::OperationEnded)) => {}
        other => panic!("a cancel of an ended operation: {other:?}"),
    }

    // Every line's outcome, as a spreadsheet and as CSV.
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let path = format!("/bulk/{}/results?format=xlsx", first.operation_id);
    let xlsx = app.client.get(app.url(&path)).send().await.expect("xlsx");
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.expect("bytes").to_vec();
    let bytes_first = bytes.clone();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("a workbook");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("read");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = rows.iter().position(|r| r[0] == "Номер").expect("a header");
    let lines = &rows[header + 1..];
    assert_eq!(lines.len(), 130);
    assert_eq!(
        lines[0],
        vec![
            "+7 916 000-01-00",
            "Пропущено",
            "Номер заблокирован по заявлению: сначала снимите блокировку"
        ]
    );
    assert_eq!(lines.iter().filter(|r| r[1] == "Изменено").count(), 85);
    let changed = lines
        .iter()
        .find(|r| r[1] == "Изменено")
        .expect("a changed line");
    assert!(
        changed[2].contains("«Дополнительные 10 ГБ»"),
        "a changed line says what changed: {changed:?}"
    );
    let page = app
        .get(&format!("/bulk/{}?show=changed", first.operation_id))
        .await;
    assert!(
        page.body.contains("«Дополнительные 10 ГБ»"),
        "the results page says it too"
    );
    let csv = app
        .get(&format!(
            "/bulk/{}/results?format=csv&encoding=utf8",
            first.operation_id
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains("79160000224;Изменено;"),
        "{}",
        &csv.body[..300.min(csv.body.len())]
    );
    // An ended operation's files are made once, then served as kept.
    let kept = "SELECT COUNT(*) FROM files WHERE company_id = $1 AND purpose = 'bulk_results'";
    assert_eq!(count(&app, kept, company).await, 2, "the XLSX and the CSV");
    let again = app.client.get(app.url(&path)).send().await.expect("xlsx");
    assert_eq!(again.bytes().await.expect("bytes").to_vec(), bytes_first);
    assert_eq!(count(&app, kept, company).await, 2, "served as kept");
}

/// A change that would skip every chosen line is refused before anything is recorded.
async fn a_change_that_skips_every_line_is_refused_as_nothing_to_run(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let all = every_line(&app, &permit).await;
    let suspended: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM lines WHERE company_id = $1 AND status = 'suspended' ORDER BY id",
    )
    .bind(company)
    .fetch_all(&app.db.pool)
    .await
    .expect("suspended");
    assert_eq!(suspended.len(), 40);
    match confirm(&app, &permit, &enable("extra-10gb"), &suspended, "k").await {
        Err(BulkError::Refused(Problem::NothingToRun)) => {}
        other => panic!("nothing to run: {other:?}"),
    }
    match confirm(&app, &permit, &enable("no-such"), &all.line_ids, "k").await {
        Err(BulkError::Invalid(e)) if matches!(e.problem, Problem::NoSuchService { .. }) => {}
        other => panic!("an unknown service: {other:?}"),
    }
    let recorded = count(
        &app,
        "SELECT COUNT(*) FROM bulk_operations WHERE company_id = $1",
        company,
    )
    .await;
    assert_eq!(recorded, 0, "nothing half-written");
}

/// Through the BSS: the lines it refuses fail with its answer and stay as they were, the
/// others change (each under its own key, once); a retry of the failed lines changes them.
async fn the_lines_the_network_refuses_fail_and_a_retry_changes_them(b: Backend) {
    let bss = stub_bss().await;
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| {
        s.bss_url = Some(url);
        s.bss_attempts = 1;
    })
    .await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let refused = ["+79160000150", "+79160000151", "+79160000199"];
    bss.heard
        .refuse
        .lock()
        .expect("lock")
        .extend(refused.iter().map(|n| n.to_string()));
    let all = every_line(&app, &permit).await;
    let suspend = BulkChange::Suspend {
        reason: "отпуск".into(),
    };
    let op = confirm(&app, &permit, &suspend, &all.line_ids, "s")
        .await
        .expect("confirmed");
    let status = ended(&app, &permit, op.operation_id).await;
    assert_eq!(
        status.counts,
        Counts {
            changed: 87,
            skipped: 40,
            failed: 3
        }
    );
    assert_eq!(
        reasons(&app, &permit, op.operation_id, "failed").await,
        vec![("network_answered".to_owned(), 3)]
    );
    let active: Vec<String> = sqlx::query_scalar(
        "SELECT msisdn FROM lines WHERE company_id = $1 AND status = 'active' ORDER BY msisdn",
    )
    .bind(company)
    .fetch_all(&app.db.pool)
    .await
    .expect("active");
    assert_eq!(active, refused, "a refused line stays as it was");
    let keys = bss.applied_keys();
    assert_eq!(keys.len(), 87);
    assert!(keys.values().all(|n| *n == 1));
    let held = count(
        &app,
        "SELECT COUNT(*) FROM pending_changes WHERE company_id = $1",
        company,
    )
    .await;
    assert_eq!(held, 0, "every line let go");

    bss.heard.refuse.lock().expect("lock").clear();
    let (change, lines, preview) =
        operation::retry_preview(&app.db, &permit, &permit, op.operation_id)
            .await
            .expect("a retry's preview");
    assert_eq!((lines.len(), preview.changing.len()), (3, 3));
    let retry = operation::confirm(
        &app.db,
        &Confirm {
            requester: &Requester::operator(&permit),
            permit: &permit,
            chosen_under: &permit,
            change: &change,
            lines: &lines,
            chosen: &Chosen::Retry {
                of: op.operation_id,
            },
            key: "retry",
            retry_of: Some(op.operation_id),
        },
    )
    .await
    .expect("retry confirmed");
    let status = ended(&app, &permit, retry.operation_id).await;
    assert_eq!(status.counts.changed, 3);
    let still_active = count(
        &app,
        "SELECT COUNT(*) FROM lines WHERE company_id = $1 AND status = 'active'",
        company,
    )
    .await;
    assert_eq!(still_active, 0);
    match operation::retry_preview(&app.db, &permit, &permit, retry.operation_id).await {
        Err(BulkError::Refused(Problem::NothingFailed)) => {}
        other => panic!("nothing failed: {other:?}"),
    }
}

/// The calls to the BSS go out `bss_concurrency` at once, never more.
async fn the_network_hears_as_many_calls_at_once_as_set(b: Backend) {
    let bss = stub_bss().await;
    bss.heard.delay_ms.store(40, Ordering::SeqCst);
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| {
        s.bss_url = Some(url);
        s.bss_concurrency = 4;
    })
    .await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let all = every_line(&app, &permit).await;
    let op = confirm(&app, &permit, &BulkChange::RemoveLimit {}, &[], "x").await;
    assert!(op.is_err(), "no line: nothing to run");
    let set = BulkChange::SetLimit {
        amount: "1500".into(),
        on_limit: None,
    };
    let op = confirm(&app, &permit, &set, &all.line_ids[..40], "l")
        .await
        .expect("confirmed");
    let status = ended(&app, &permit, op.operation_id).await;
    assert_eq!(status.counts.changed, 40);
    assert_eq!(bss.most_at_once(), 4);
}

/// A cancel stops the run after the chunk in hand: that chunk's lines are changed, the rest
/// are not reached.
async fn a_cancel_stops_after_the_chunk_in_hand(b: Backend) {
    let bss = stub_bss().await;
    bss.heard.delay_ms.store(10, Ordering::SeqCst);
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| {
        s.bss_url = Some(url);
        s.bss_concurrency = 1;
    })
    .await;
    let company = app.seed_company().await;
    let numbers: Vec<String> = (0..300).map(|i| format!("+7926100{:04}", i)).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    app.add_lines(company, &refs).await;
    let permit = app.permit(company);
    let all = every_line(&app, &permit).await;
    let op = confirm(&app, &permit, &enable("extra-10gb"), &all.line_ids, "c")
        .await
        .expect("confirmed");
    for _ in 0..1_000 {
        if bss.calls() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    operation::cancel(&app.db, &permit, op.operation_id)
        .await
        .expect("cancelled");
    let status = ended(&app, &permit, op.operation_id).await;
    assert_eq!(status.state, State::Cancelled);
    let cancelled = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE company_id = $1 AND action = 'bulk.cancel'",
        company,
    )
    .await;
    assert_eq!(cancelled, 1);
    assert_eq!(status.counts.changed, 200, "the chunk in hand finished");
    assert_eq!(status.not_reached(), 100);
    assert_eq!(bss.calls(), 200);
}

async fn department(app: &TestApp, company: i64, name: &str, numbers: &[String]) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, $2, '', 0) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    app.add_lines(company, &refs).await;
    for n in numbers {
        sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = $2")
            .bind(id)
            .bind(n)
            .execute(&app.db.pool)
            .await
            .expect("placed");
    }
    id
}

/// The admin grants a manager these rights over these departments.
async fn grant(app: &TestApp, rights: &[&str], departments: &[i64]) {
    let ids: Vec<String> = departments.iter().map(i64::to_string).collect();
    let mut form = vec![("number", MANAGER), ("full_name", "Менеджер")];
    form.extend(ids.iter().map(|d| ("departments", d.as_str())));
    form.extend(rights.iter().map(|r| ("rights", *r)));
    let r = app.submit("/access", "/access/grants", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
}

const MANAGER: &str = "+79035551122";

async fn api(
    app: &TestApp,
    path: &str,
    body: serde_json::Value,
    key: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

/// The operation's state as the API tells it, once its run has ended.
async fn api_ended(app: &TestApp, id: i64) -> serde_json::Value {
    for _ in 0..3_000 {
        let r = app
            .client
            .get(app.url(&format!("/api/v1/bulk/{id}")))
            .send()
            .await
            .expect("GET");
        let v: serde_json::Value = r.json().await.expect("json");
        if ["done", "cancelled", "failed"].contains(&v["state"].as_str().unwrap_or("")) {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("operation {id} did not end");
}

/// A manager who may run bulk changes over two departments and change services in one of
/// them: "every line" is both departments' lines, and only the one's change; a list's number
/// of another company is, to them, no line of theirs.
async fn a_manager_changes_only_the_lines_their_rights_cover(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    let store: Vec<String> = (0..10).map(|i| format!("+7916200{i:04}")).collect();
    let sales: Vec<String> = (0..10).map(|i| format!("+7916300{i:04}")).collect();
    let warehouse = department(&app, company, "Склад", &store).await;
    let shop = department(&app, company, "Продажи", &sales).await;
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79265550001"]).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    grant(&app, &["lines.view", "bulk.run"], &[warehouse, shop]).await;
    grant(&app, &["lines.services"], &[warehouse]).await;
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code(MANAGER).await.status, 303);

    let change = serde_json::json!({"action": "enable_service", "service": "extra-10gb"});
    let (status, p) = api(
        &manager,
        "/api/v1/bulk/preview",
        serde_json::json!({"filter": {}, "change": change}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{p:?}");
    assert_eq!(
        (p["lines"].as_i64(), p["changing"].as_i64()),
        (Some(20), Some(10)),
        "{p:?}"
    );
    assert_eq!(p["skipped"][0]["code"], "not_a_line");
    assert_eq!(p["skipped"][0]["count"], 10);
    let (status, listed) = api(
        &manager,
        "/api/v1/bulk/preview",
        serde_json::json!({"numbers": ["+79162000001", "+79163000001", "+79265550001"], "change": change}),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(listed["lines"], 2);
    assert_eq!(listed["rejected"][0]["row"], 3);
    assert!(
        listed["rejected"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("your"),
        "to a manager, another company's number is not among their lines: {listed:?}"
    );

    let (status, op) = api(
        &manager,
        "/api/v1/bulk",
        serde_json::json!({"filter": {}, "change": change}),
        Some("m"),
    )
    .await;
    assert_eq!(status, 202, "{op:?}");
    let done = api_ended(&manager, op["id"].as_i64().expect("id")).await;
    assert_eq!(done["counts"]["changed"], 10);
    assert_eq!(done["counts"]["skipped"], 10);
    let on: Vec<String> = sqlx::query_scalar(
        "SELECT l.msisdn FROM line_services ls JOIN lines l ON l.id = ls.line_id ORDER BY l.msisdn",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("services");
    assert_eq!(on, store, "only the warehouse's lines");
}

/// A grant revoked while its operation runs: the chunk in hand finishes, every line after it
/// is skipped as outside the manager's rights.
async fn a_grant_revoked_mid_run_leaves_the_rest_outside_rights(b: Backend) {
    let bss = stub_bss().await;
    bss.heard.delay_ms.store(10, Ordering::SeqCst);
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| {
        s.bss_url = Some(url);
        s.bss_concurrency = 1;
    })
    .await;
    let company = app.seed_company().await;
    let numbers: Vec<String> = (0..300).map(|i| format!("+7916200{i:04}")).collect();
    let warehouse = department(&app, company, "Склад", &numbers).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    grant(
        &app,
        &["lines.view", "lines.services", "bulk.run"],
        &[warehouse],
    )
    .await;
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code(MANAGER).await.status, 303);
    let change = serde_json::json!({"action": "enable_service", "service": "extra-10gb"});
    let (status, op) = api(
        &manager,
        "/api/v1/bulk",
        serde_json::json!({"filter": {}, "change": change}),
        Some("m"),
    )
    .await;
    assert_eq!(status, 202, "{op:?}");
    for _ in 0..1_000 {
        if bss.calls() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let grant_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM grants")
        .fetch_one(&app.db.pool)
        .await
        .expect("grant");
    let revoked = app
        .submit("/access", &format!("/access/grants/{grant_id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let id = op["id"].as_i64().expect("id");
    // The manager no longer sees it; the admin does.
    let permit = app.permit(company);
    let status = ended(&app, &permit, id).await;
    assert_eq!(status.counts.changed, 200, "the chunk in hand finished");
    assert_eq!(status.counts.skipped, 100);
    assert_eq!(
        reasons(&app, &permit, id, "skipped").await,
        vec![("outside_rights_now".to_owned(), 100)]
    );
}

fn serve_binary(app: &TestApp, bss: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_simfleet"))
        .arg("serve")
        .env("SIMFLEET_DATABASE_URL", &app.database_url)
        .env("SIMFLEET_BIND", "127.0.0.1:0")
        .env("SIMFLEET_BSS_URL", bss)
        .env("SIMFLEET_BSS_CONCURRENCY", "4")
        .env("SIMFLEET_JOB_LEASE_MS", "2000")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server binary")
}

async fn count_of(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The server process killed (SIGKILL) while a run is mid-way, then started again: the new
/// process takes the job over once its lease runs out, sends what it held again under the
/// same keys, and goes on; every line ends changed exactly once, none half-changed.
async fn a_run_killed_mid_way_changes_every_line_once_after_a_restart(b: Backend) {
    let bss = stub_bss().await;
    bss.heard.delay_ms.store(20, Ordering::SeqCst);
    // This test's own app serves no jobs: the processes below run them.
    let app = spawn_app_with(b, |s| s.run_jobs = false).await;
    let company = app.seed_company().await;
    let numbers: Vec<String> = (0..600).map(|i| format!("+7926100{i:04}")).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    app.add_lines(company, &refs).await;
    let permit = app.permit(company);
    let all = every_line(&app, &permit).await;
    let op = confirm(&app, &permit, &enable("extra-10gb"), &all.line_ids, "k9")
        .await
        .expect("confirmed");
    let mut first = serve_binary(&app, &bss.url);
    for _ in 0..3_000 {
        if bss.calls() >= 250 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().expect("kill -9");
    first.wait().expect("gone");
    let reached = operation::status(&app.db, &permit, op.operation_id)
        .await
        .expect("status");
    assert!(
        bss.calls() >= 250 && !reached.ended(),
        "killed mid-way: {:?}",
        reached.counts
    );
    let held = count_of(&app, "SELECT COUNT(*) FROM pending_changes").await;
    let mut second = serve_binary(&app, &bss.url);
    let status = ended(&app, &permit, op.operation_id).await;
    second.kill().expect("stopped");
    second.wait().expect("gone");
    assert_eq!(status.state, State::Done);
    assert_eq!(status.counts.changed, 600, "held at the kill: {held}");
    for (sql, what) in [
        (
            "SELECT COUNT(*) FROM line_services",
            "the service on each line, once",
        ),
        (
            "SELECT COUNT(DISTINCT line_id) FROM line_services",
            "on every line",
        ),
        (
            "SELECT COUNT(*) FROM line_service_history WHERE action = 'enabled'",
            "one history row a line",
        ),
        (
            "SELECT COUNT(*) FROM audit_log WHERE action = 'line.enable_service'",
            "one audit entry a line",
        ),
        ("SELECT COUNT(*) FROM bulk_results", "one outcome a line"),
    ] {
        assert_eq!(count_of(&app, sql).await, 600, "{what}");
    }
    assert_eq!(
        count_of(&app, "SELECT COUNT(*) FROM pending_changes").await,
        0
    );
    assert_eq!(bss.applied_keys().len(), 600, "each line under its own key");
}

/// Two instances' runners on one database: operations of two companies run at once, a
/// company's second one waits for its first; no line is changed twice.
async fn two_runners_change_each_line_once(b: Backend) {
    let bss = stub_bss().await;
    bss.heard.delay_ms.store(2, Ordering::SeqCst);
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| s.bss_url = Some(url)).await;
    let other = app.another_instance().await;
    let first = app.seed_company().await;
    let second = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    for (company, prefix) in [(first, "+7926100"), (second, "+7926200")] {
        let numbers: Vec<String> = (0..300).map(|i| format!("{prefix}{i:04}")).collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        app.add_lines(company, &refs).await;
    }
    let mut ops = Vec::new();
    for (company, change, key) in [
        (first, enable("extra-10gb"), "a1"),
        (second, enable("extra-10gb"), "b1"),
        (
            first,
            BulkChange::SetLimit {
                amount: "900".into(),
                on_limit: None,
            },
            "a2",
        ),
    ] {
        let permit = app.permit(company);
        let all = every_line(&app, &permit).await;
        let op = confirm(&app, &permit, &change, &all.line_ids, key)
            .await
            .expect("confirmed");
        ops.push((permit, op.operation_id));
    }
    for (permit, id) in &ops {
        let status = ended(&app, permit, *id).await;
        assert_eq!(status.counts.changed, 300, "operation {id}");
    }
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'line.enable_service'"
        )
        .await,
        600
    );
    assert_eq!(
        count_of(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'line.set_limit'"
        )
        .await,
        300
    );
    assert_eq!(bss.calls(), 900, "no change sent twice");
    drop(other);
}

/// Whoever asked is told by e-mail when a long run ends, with its counts and a link to its
/// outcomes (here every run is long).
async fn the_requester_is_told_by_e_mail_when_a_long_run_ends(b: Backend) {
    let smtp = crate::helpers::SmtpServer::start();
    let app = crate::helpers::spawn_mailing_app(b, &smtp, |s| s.bulk_mail_after_s = 0).await;
    let company: i64 = sqlx::query_scalar("SELECT MAX(id) FROM companies")
        .fetch_one(&app.db.pool)
        .await
        .expect("company");
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let before = smtp.received().len();
    let (status, op) = api(
        &app,
        "/api/v1/bulk",
        serde_json::json!({"filter": {}, "change": {"action": "suspend", "reason": "отпуск"}}),
        Some("mail"),
    )
    .await;
    assert_eq!(status, 202, "{op:?}");
    let id = op["id"].as_i64().expect("id");
    let done = api_ended(&app, id).await;
    assert_eq!(done["counts"]["changed"], 2);
    let inbox = smtp.wait_for(before + 1).await;
    let mail = inbox.last().expect("a message");
    assert_eq!(mail.to, vec!["admin@romashka.test".to_owned()]);
    let text = quoted_printable::decode(mail.data.as_bytes(), quoted_printable::ParseMode::Robust)
        .expect("quoted-printable");
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains(&format!("Операция №{id} завершена")),
        "{text}"
    );
    assert!(text.contains("Изменено: 2"), "{text}");
    assert!(text.contains(&format!("/bulk/{id}")), "{text}");
}

/// A manager's operation over two departments, then the grant over one revoked: its results
/// show the manager only the numbers their rights still cover; the admin sees every line.
async fn a_managers_results_show_only_the_lines_their_rights_cover_now(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    let store: Vec<String> = (0..5).map(|i| format!("+7916200{i:04}")).collect();
    let sales: Vec<String> = (0..5).map(|i| format!("+7916300{i:04}")).collect();
    let warehouse = department(&app, company, "Склад", &store).await;
    let shop = department(&app, company, "Продажи", &sales).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let rights = ["lines.view", "lines.services", "bulk.run"];
    grant(&app, &rights, &[warehouse]).await;
    grant(&app, &rights, &[shop]).await;
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code(MANAGER).await.status, 303);
    let change = serde_json::json!({"action": "enable_service", "service": "extra-10gb"});
    let (status, op) = api(
        &manager,
        "/api/v1/bulk",
        serde_json::json!({"filter": {}, "change": change}),
        Some("m"),
    )
    .await;
    assert_eq!(status, 202, "{op:?}");
    let id = op["id"].as_i64().expect("id");
    assert_eq!(api_ended(&manager, id).await["counts"]["changed"], 10);

    let shop_grant: i64 = sqlx::query_scalar("SELECT MAX(id) FROM grants")
        .fetch_one(&app.db.pool)
        .await
        .expect("grant");
    let revoked = app
        .submit(
            "/access",
            &format!("/access/grants/{shop_grant}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    let numbers = |page: serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["number"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let lines = format!("/api/v1/bulk/{id}/lines");
    let theirs = manager
        .client
        .get(manager.url(&lines))
        .send()
        .await
        .expect("GET");
    assert_eq!(theirs.status(), 200);
    assert_eq!(numbers(theirs.json().await.expect("json")), store);
    let all = app.client.get(app.url(&lines)).send().await.expect("GET");
    let mut every = store.clone();
    every.extend(sales);
    assert_eq!(numbers(all.json().await.expect("json")), every);
    let file = manager
        .client
        .get(manager.url(&format!("/bulk/{id}/results?format=csv")))
        .send()
        .await
        .expect("GET");
    assert_eq!(file.status(), 200);
    let csv = file.text().await.expect("csv");
    assert!(
        csv.contains("+7 916 200") || csv.contains("79162000000"),
        "{csv}"
    );
    assert!(
        !csv.contains("7916300") && !csv.contains("916 300"),
        "the shop's numbers left the manager's rights: {csv}"
    );
}

/// A key one person confirmed with is not another's repeat: the second is refused, and the
/// first keeps its one operation.
async fn a_key_another_person_confirmed_with_is_refused(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79162000001"]).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let change = serde_json::json!({"action": "enable_service", "service": "extra-10gb"});
    let (status, op) = api(
        &app,
        "/api/v1/bulk",
        serde_json::json!({"filter": {}, "change": change}),
        Some("shared"),
    )
    .await;
    assert_eq!(status, 202, "{op:?}");
    let permit = app.permit(company);
    let lines = every_line(&app, &permit).await.line_ids;
    let again = confirm(&app, &permit, &enable("extra-10gb"), &lines, "shared").await;
    assert!(
        matches!(&again, Err(BulkError::Invalid(e)) if e.problem == Problem::KeyReused),
        "{again:?}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM bulk_operations WHERE company_id = $1",
            company
        )
        .await,
        1
    );
}

/// A manager who may assign lines in two departments but run bulk changes in one moves lines
/// only where both reach.
async fn a_bulk_reassign_goes_only_where_the_bulk_right_reaches(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    let store: Vec<String> = (0..3).map(|i| format!("+7916200{i:04}")).collect();
    let sales: Vec<String> = (0..3).map(|i| format!("+7916300{i:04}")).collect();
    let warehouse = department(&app, company, "Склад", &store).await;
    let shop = department(&app, company, "Продажи", &sales).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    grant(&app, &["lines.view", "bulk.run"], &[warehouse]).await;
    grant(&app, &["lines.view", "lines.assign"], &[warehouse, shop]).await;
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code(MANAGER).await.status, 303);
    let (status, p) = api(
        &manager,
        "/api/v1/bulk/preview",
        serde_json::json!({"filter": {}, "change": {"action": "reassign", "department_id": shop}}),
        None,
    )
    .await;
    assert_eq!(status, 422, "{p:?}");
    let field = &p["error"]["fields"][0];
    assert_eq!(field["field"], "department_id", "{p:?}");
    assert_eq!(field["code"], "department_outside_rights", "{p:?}");
    // By name, a department outside their rights is none they know of.
    let (status, p) = api(
        &manager,
        "/api/v1/bulk/preview",
        serde_json::json!({
            "lines": [{"number": store[0], "value": "Продажи"}],
            "change": {"action": "reassign", "department_id": null},
        }),
        None,
    )
    .await;
    assert_eq!(status, 200, "{p:?}");
    assert_eq!(p["skipped"][0]["code"], "no_department_named", "{p:?}");
}

/// A list with a value per line: each line goes to its own tariff (by code or by name),
/// department (by name or path) or limit; the preview groups the lines by target, a value that
/// names nothing skips its line with the reason, and the run changes each line as its row says.
async fn a_list_gives_each_line_its_own_tariff_department_or_limit(b: Backend) {
    use simfleet::services::bulk::preview;
    use simfleet::services::bulk::selection::{self, Selection};
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    sqlx::query(
        "UPDATE lines SET tariff_id = (SELECT t.id FROM tariffs t JOIN companies c
            ON c.region_code = t.region_code WHERE c.id = $1 AND t.code = 'biz-start')
         WHERE company_id = $1",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("on Бизнес Старт");
    let choose = |csv: &str| {
        let selection = Selection::Numbers {
            file: csv.as_bytes().to_vec(),
            sheet: None,
            column: None,
            value_column: Some(1),
        };
        let db = app.db.clone();
        let permit = permit.clone();
        async move {
            selection::resolve(&db, &permit, &selection)
                .await
                .expect("chosen")
        }
    };
    let tariffs = choose(
        "Номер;Тариф\n+79160000225;biz-max\n+79160000226;бизнес оптимум\n\
         +79160000227;Бизнес Оптимум\n+79160000228;Безлимит Плюс\n+79160000229;\n",
    )
    .await;
    let change = BulkChange::ChangeTariff {
        tariff: String::new(),
    };
    let p = preview::of(&app.db, &permit, &permit, &tariffs.lines(), &change)
        .await
        .expect("preview");
    let mut groups: Vec<(String, usize)> = p
        .groups
        .iter()
        .map(|g| (g.change.target(), g.changing))
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        vec![("biz-max".to_owned(), 1), ("biz-optimum".to_owned(), 2)],
        "a tariff by its code or its name, in any case, is one target"
    );
    assert_eq!(
        p.skipped.len(),
        2,
        "an unknown tariff and a row without one"
    );
    let mut why: Vec<String> = p.skipped.iter().map(|s| s.problem.code()).collect();
    why.sort();
    assert_eq!(why, ["no_such_tariff", "no_value_for_line"]);
    assert!(p.monthly_delta_kop > 0, "dearer tariffs");

    let lines = tariffs.lines();
    let op = operation::confirm(
        &app.db,
        &Confirm {
            requester: &Requester::operator(&permit),
            permit: &permit,
            chosen_under: &permit,
            change: &change,
            lines: &lines,
            chosen: &Chosen::List {
                file_name: "hr.csv".into(),
                rejected: 0,
            },
            key: "values",
            retry_of: None,
        },
    )
    .await
    .expect("confirmed");
    let done = ended(&app, &permit, op.operation_id).await;
    assert_eq!((done.counts.changed, done.counts.skipped), (3, 2));
    let now: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.msisdn, t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id
         WHERE l.msisdn BETWEEN '+79160000225' AND '+79160000229' ORDER BY l.msisdn",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("tariffs");
    let codes: Vec<&str> = now.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "biz-max",
            "biz-optimum",
            "biz-optimum",
            "biz-start",
            "biz-start"
        ]
    );

    // Departments by name or path; a name two departments share is told apart by its path.
    let place = |name: &'static str, parent: Option<i64>| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO departments (company_id, parent_id, name, cost_centre, created_at)
                 VALUES ($1, $2, $3, '', 0) RETURNING id",
            )
            .bind(company)
            .bind(parent)
            .bind(name)
            .fetch_one(&pool)
            .await
            .expect("department")
        }
    };
    let top = place("Логистика", None).await;
    let kazan = place("Склад", Some(top)).await;
    place("Склад", None).await;
    let hr = place("Кадры", None).await;
    let moves = choose(
        "Номер;Отдел\n+79160000225;логистика/склад\n+79160000226;Кадры\n\
         +79160000227;Склад\n+79160000228;Бухгалтерия\n",
    )
    .await;
    let reassign = BulkChange::Reassign {
        department_id: None,
        cost_centre: None,
    };
    let p = preview::of(&app.db, &permit, &permit, &moves.lines(), &reassign)
        .await
        .expect("preview");
    let mut groups: Vec<(String, usize)> = p
        .groups
        .iter()
        .map(|g| (g.change.target(), g.changing))
        .collect();
    groups.sort();
    let mut wanted = vec![(kazan.to_string(), 1), (hr.to_string(), 1)];
    wanted.sort();
    assert_eq!(groups, wanted);
    let mut why: Vec<String> = p.skipped.iter().map(|s| s.problem.code()).collect();
    why.sort();
    assert_eq!(why, ["department_name_twice", "no_department_named"]);

    // A limit per line, as an amount in any spelling.
    let limits = choose("Номер;Лимит\n+79160000225;1 500,50\n+79160000226;0\n").await;
    let set = BulkChange::SetLimit {
        amount: String::new(),
        on_limit: Some("bar".into()),
    };
    let p = preview::of(&app.db, &permit, &permit, &limits.lines(), &set)
        .await
        .expect("preview");
    assert_eq!(p.changing.len(), 1);
    assert_eq!(p.groups.len(), 1);
    assert_eq!(p.skipped[0].problem.code(), "limit_zero");
}

/// A list of numbers uploaded on the page, with a column of tariffs: the page finds the
/// numbers and offers the other columns for values, the preview groups the lines by tariff,
/// the run moves each line to its own; the list is its uploader's alone.
async fn a_list_uploaded_on_the_page_runs_with_each_lines_own_tariff(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    sqlx::query(
        "UPDATE lines SET tariff_id = (SELECT t.id FROM tariffs t JOIN companies c
            ON c.region_code = t.region_code WHERE c.id = $1 AND t.code = 'biz-unlim')
         WHERE company_id = $1",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("on the unlimited tariff");
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let csv = "ФИО;Номер;Тариф\nИванов;8 916 000-02-25;Бизнес Максимум\nПетров;+79160000226;biz-optimum\n\
               Сидоров;+79160000227;\nЧужой;+79260000001;biz-max\nОрлов;+79160000228;Безлимит Плюс\n";
    let form = reqwest::multipart::Form::new()
        .text("csrf", app.csrf("/bulk/new").await)
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("от кадров.csv"),
        );
    let r = app
        .client
        .post(app.url("/bulk/list"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let r = crate::helpers::read(r).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.location.expect("to the form");
    let list = at.trim_start_matches("/bulk/new?list=").to_owned();
    let page = app.get(&at).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("«от кадров.csv»"), "the list is named");
    assert!(
        page.body.contains("B «Номер»"),
        "its numbers found in column B"
    );
    assert!(
        page.body.contains("value=\"C\">C — Тариф"),
        "column C offered for values"
    );

    let fields = [
        ("list", list.as_str()),
        ("value_column", "C"),
        ("action", "change_tariff"),
        ("tariff", "biz-start"),
    ];
    let preview = app.submit(&at, "/bulk/preview", &fields).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        preview.body.contains("id=\"bulk-groups\""),
        "{}",
        preview.body
    );
    for tariff in ["Бизнес Максимум", "Бизнес Оптимум", "Бизнес Старт"]
    {
        assert!(preview.body.contains(tariff), "{tariff} is a target");
    }
    assert!(
        preview.body.contains("id=\"bulk-rejected\""),
        "another company's number told"
    );
    // The lines skipped for a reason, as a file.
    let mut asked: Vec<(&str, &str)> = fields.to_vec();
    asked.extend([
        ("skipped", "no_such_tariff"),
        ("format", "csv"),
        ("encoding", "utf8"),
    ]);
    let file = app.submit(&at, "/bulk/preview/skipped", &asked).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file.body.contains("79160000228"), "{}", file.body);
    assert!(file.body.contains("Безлимит Плюс"), "{}", file.body);
    assert!(
        !file.body.contains("79160000225"),
        "only the group asked for"
    );
    let key = crate::helpers::hidden(&preview.body, "key").expect("key");
    let mut confirm: Vec<(&str, &str)> = fields.to_vec();
    confirm.push(("key", &key));
    let done = app.submit(&at, "/bulk", &confirm).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let id: i64 = done
        .location
        .expect("to the operation")
        .trim_start_matches("/bulk/")
        .parse()
        .expect("id");
    let permit = app.permit(company);
    let status = ended(&app, &permit, id).await;
    assert_eq!(status.counts.changed, 3, "{:?}", status.counts);
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id
         WHERE l.msisdn BETWEEN '+79160000225' AND '+79160000227' ORDER BY l.msisdn",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("tariffs");
    assert_eq!(codes, ["biz-max", "biz-optimum", "biz-start"]);
    assert!(matches!(
        status.chosen,
        Some(Chosen::List { ref file_name, rejected: 1 }) if file_name == "от кадров.csv"
    ));

    // A file with no phone numbers is told on the page, and nothing is kept.
    let form = reqwest::multipart::Form::new()
        .text("csrf", app.csrf("/bulk/new").await)
        .part(
            "file",
            reqwest::multipart::Part::bytes("ФИО\nИванов\n".as_bytes().to_vec())
                .file_name("names.csv"),
        );
    let none = app
        .client
        .post(app.url("/bulk/list"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let none = crate::helpers::read(none).await;
    assert_eq!(none.status, 422);
    assert!(
        none.body.contains("id=\"bulk-list-upload\""),
        "the upload form again"
    );
    assert_eq!(count_of(&app, "SELECT COUNT(*) FROM files").await, 1);

    // Another company's cabinet does not have it.
    let other = app.another_instance().await;
    other.login("+79995550000", crate::helpers::PASSWORD).await;
    assert_eq!(other.get(&at).await.status, 404);
}

/// A list past its days is no longer there, and the sweep deletes it with its chunks.
async fn a_list_past_its_days_is_gone_and_swept(b: Backend) {
    use simfleet::services::bulk::lists;
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let now = simfleet::store::now_ms();
    let big: String = (0..60_000)
        .map(|i| format!("+7916{:07};строка {i}\n", i))
        .collect();
    assert!(big.len() > 1 << 20, "more than one chunk");
    let kept = lists::upload(&app.db, &permit, "big.csv", big.as_bytes(), now, 7)
        .await
        .expect("kept");
    let read = lists::open(&app.db, &permit, kept, now)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(read.bytes, big.as_bytes(), "every chunk back in order");
    let gone = lists::upload(&app.db, &permit, "old.csv", b"+79160000100\n", now, 0)
        .await
        .expect("kept");
    assert!(
        lists::open(&app.db, &permit, gone, now)
            .await
            .expect("read")
            .is_none()
    );
    assert_eq!(
        simfleet::store::files::sweep(&app.db, now)
            .await
            .expect("swept"),
        1
    );
    assert_eq!(count_of(&app, "SELECT COUNT(*) FROM files").await, 1);
    assert_eq!(
        count_of(&app, "SELECT COUNT(*) FROM file_chunks").await,
        2,
        "the big list's two chunks stay"
    );

    // No more lists kept at once than the cap; an expired one no longer counts.
    for i in 1..lists::MAX_OWN {
        let name = format!("{i}.csv");
        lists::upload(&app.db, &permit, &name, b"+79160000100\n", now, 7)
            .await
            .expect("kept");
    }
    match lists::upload(&app.db, &permit, "one-more.csv", b"+79160000100\n", now, 7).await {
        Err(simfleet::services::bulk::selection::SelectionError::Refused(
            Problem::TooManyLists { max },
        )) => assert_eq!(max, lists::MAX_OWN),
        other => panic!("one list over the cap: {other:?}"),
    }
    assert_eq!(
        count_of(&app, "SELECT COUNT(*) FROM files").await,
        lists::MAX_OWN as i64,
        "nothing kept for the refused one"
    );
}

on_both!(
    a_list_past_its_days_is_gone_and_swept,
    a_list_uploaded_on_the_page_runs_with_each_lines_own_tariff,
    a_list_gives_each_line_its_own_tariff_department_or_limit,
    a_managers_results_show_only_the_lines_their_rights_cover_now,
    a_key_another_person_confirmed_with_is_refused,
    a_bulk_reassign_goes_only_where_the_bulk_right_reaches,
    the_requester_is_told_by_e_mail_when_a_long_run_ends,
    a_run_killed_mid_way_changes_every_line_once_after_a_restart,
    two_runners_change_each_line_once,
    a_manager_changes_only_the_lines_their_rights_cover,
    a_grant_revoked_mid_run_leaves_the_rest_outside_rights,
    a_service_is_enabled_on_every_chosen_line_with_an_outcome_for_each,
    a_change_that_skips_every_line_is_refused_as_nothing_to_run,
    the_lines_the_network_refuses_fail_and_a_retry_changes_them,
    the_network_hears_as_many_calls_at_once_as_set,
    a_cancel_stops_after_the_chunk_in_hand,
);
