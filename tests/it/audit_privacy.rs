//! The audit log as people see it: a manager sees the entries of the lines their rights
//! cover; entries name people by id only, so a person's data can be erased (152-ФЗ) while the
//! log stays exactly as written; disabling an account ends its sessions.

use serde_json::json;
use simfleet::services::users;

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

const MANAGER: &str = "+79035551122";

async fn id(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every audit row as written, to compare before and after.
async fn log(app: &TestApp) -> Vec<(i64, String, String, Option<String>, Option<String>)> {
    sqlx::query_as(
        "SELECT id, actor_label, object_id, before_json, after_json FROM audit_log ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("log")
}

async fn change_limit(app: &TestApp, line: i64, amount: &str) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/lines/{line}/changes")))
        .header("idempotency-key", format!("limit-{line}-{amount}"))
        .json(&json!({ "action": "set_limit", "amount": amount, "on_limit": "bar" }))
        .send()
        .await
        .expect("change");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn a_manager_sees_the_log_of_the_granted_lines_only(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    let warehouse: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, 'Склад', '', 0) RETURNING id",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = '+79160000001'")
        .bind(warehouse)
        .execute(&app.db.pool)
        .await
        .expect("place");
    let inside = id(&app, "SELECT id FROM lines WHERE msisdn = '+79160000001'").await;
    let outside = id(&app, "SELECT id FROM lines WHERE msisdn = '+79160000002'").await;
    app.login(ADMIN, PASSWORD).await;
    change_limit(&app, inside, "1500").await;
    change_limit(&app, outside, "2500").await;
    let dept = warehouse.to_string();
    let granted = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", MANAGER),
                ("full_name", "Петров Пётр"),
                ("rights", "lines.view"),
                ("departments", &dept),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);

    let manager = app.another_instance().await;
    manager.login_by_code(MANAGER).await;
    let page = manager.get("/audit").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&format!("/lines/{inside}\"")));
    assert!(!page.body.contains(&format!("/lines/{outside}\"")));
    // Line additions and the change of the warehouse line: nothing about people or grants.
    assert!(!page.body.contains("access.grant"));
    let csv = manager.get("/audit/export?format=csv").await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains("Лимит: 1\u{a0}500,00\u{a0}₽"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("2\u{a0}500,00"));
    // The admin sees both.
    let all = app.get("/audit").await;
    assert!(all.body.contains(&format!("/lines/{outside}\"")));
}

async fn the_log_names_people_by_id_and_outlives_their_data(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let r = app
        .submit(
            "/employees/new",
            "/employees",
            &[
                ("full_name", "Семёнова Алёна Петровна"),
                ("department_id", ""),
                ("personnel_number", "00042"),
                ("position", "Бухгалтер"),
                ("email", "semenova@example.ru"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let employee = id(&app, "SELECT id FROM employees").await;
    let r = app
        .submit(
            &format!("/employees/{employee}/edit"),
            &format!("/employees/{employee}"),
            &[
                ("full_name", "Ким Алёна Петровна"),
                ("department_id", ""),
                ("personnel_number", "00042"),
                ("position", "Бухгалтер"),
                ("email", "kim@example.ru"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let written: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(before_json, '') || COALESCE(after_json, '') FROM audit_log WHERE object_type = 'employee'",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("entries");
    assert_eq!(written.len(), 2);
    for text in &written {
        for personal in ["Семёнова", "Ким", "example.ru", "00042"] {
            assert!(!text.contains(personal), "{personal} in the log: {text}");
        }
    }
    assert!(written[1].contains("personal_data_changed"));
    assert!(written[1].contains("full_name") && written[1].contains("email"));
    // The page shows who it is now.
    let page = app.get("/audit?object=employee").await;
    assert!(page.body.contains("Ким Алёна Петровна"), "{}", page.body);

    // Deleting the employee erases them; the log's rows stay as they were.
    let before = log(&app).await;
    let r = app
        .submit("/employees", &format!("/employees/{employee}/delete"), &[])
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(log(&app).await[..before.len()], before[..]);
    let page = app.get("/audit?object=employee").await;
    assert!(!page.body.contains("Ким Алёна"));
    assert!(page.body.contains("данные удалены"));

    // A manager who left: erased only once out of every company.
    let r = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", MANAGER),
                ("full_name", "Петров Пётр"),
                ("rights", "finance.view"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let manager = app.another_instance().await;
    manager.login_by_code(MANAGER).await;
    let refused = users::erase(&app.db, &simfleet::authz::OperatorPermit::cli(), MANAGER).await;
    assert!(refused.is_err(), "still a member");
    let user = id(&app, "SELECT id FROM users WHERE msisdn = '+79035551122'").await;
    app.submit("/access", &format!("/access/members/{user}/remove"), &[])
        .await;
    let before = log(&app).await;
    assert!(
        before
            .iter()
            .any(|(_, _, object, _, _)| *object == user.to_string())
    );
    users::erase(&app.db, &simfleet::authz::OperatorPermit::cli(), MANAGER)
        .await
        .expect("erased");
    let after = log(&app).await;
    assert_eq!(after[..before.len()], before[..], "no audit row changed");
    assert_eq!(after.len(), before.len() + 1);
    let (name, msisdn, disabled): (String, String, i64) =
        sqlx::query_as("SELECT full_name, msisdn, disabled FROM users WHERE id = $1")
            .bind(user)
            .fetch_one(&app.db.pool)
            .await
            .expect("user");
    assert_eq!((name.as_str(), disabled), ("", 1));
    assert_eq!(msisdn, format!("erased:{user}"));
    let page = app.get("/audit?object=user").await;
    assert!(!page.body.contains("Петров Пётр"));
    assert!(page.body.contains("данные удалены"));
    // The number is free for whoever holds it next.
    let again = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", MANAGER),
                ("full_name", "Новиков Олег"),
                ("rights", "finance.view"),
            ],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
}

async fn a_disabled_account_is_out_everywhere_at_once(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let other = app.another_instance().await;
    other.login(ADMIN, PASSWORD).await;
    assert_eq!(other.get("/overview").await.status, 200);
    users::set_disabled(
        &app.db,
        &simfleet::authz::OperatorPermit::cli(),
        ADMIN,
        true,
    )
    .await
    .expect("disabled");
    assert_eq!(
        app.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(
        other.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 401);
    users::set_disabled(
        &app.db,
        &simfleet::authz::OperatorPermit::cli(),
        ADMIN,
        false,
    )
    .await
    .expect("enabled");
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.location.as_deref(),
        Some("/overview")
    );
}

on_both!(
    a_manager_sees_the_log_of_the_granted_lines_only,
    the_log_names_people_by_id_and_outlives_their_data,
    a_disabled_account_is_out_everywhere_at_once,
);
