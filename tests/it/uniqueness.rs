//! Sibling departments' names and a company's personnel numbers are unique as the forms
//! compare them (any case, ё as е), backed by indexes: requests at once cannot both pass, and
//! rows stored before the indexes are keyed with their duplicates reported.

use serde_json::json;

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

async fn signed_in(b: Backend) -> (TestApp, i64) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    (app, company)
}

async fn api(app: &TestApp, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let r = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or_default())
}

async fn names_and_numbers_are_unique_as_folded(b: Backend) {
    let (app, _) = signed_in(b).await;
    let (status, _) = api(&app, "/api/v1/departments", json!({ "name": "Склад Ёлки" })).await;
    assert_eq!(status, 201);
    let (status, body) = api(&app, "/api/v1/departments", json!({ "name": "СКЛАД ЕЛКИ" })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "name");
    // Under another parent the same name is another department.
    let (_, parent) = api(&app, "/api/v1/departments", json!({ "name": "Филиал" })).await;
    let (status, _) = api(
        &app,
        "/api/v1/departments",
        json!({ "name": "склад ёлки", "parent_id": parent["id"] }),
    )
    .await;
    assert_eq!(status, 201);

    let (status, _) = api(
        &app,
        "/api/v1/employees",
        json!({ "full_name": "Первый", "personnel_number": "а-12" }),
    )
    .await;
    assert_eq!(status, 201);
    let (status, body) = api(
        &app,
        "/api/v1/employees",
        json!({ "full_name": "Второй", "personnel_number": " А-12 " }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["fields"][0]["field"], "personnel_number");
}

/// Ten employees with one personnel number at once: one is made, nine are told the number is
/// taken (never a failure), and one row holds the number.
async fn one_number_asked_for_at_once_is_given_once(b: Backend) {
    let (app, company) = signed_in(b).await;
    let asks = (0..10).map(|i| {
        api(
            &app,
            "/api/v1/employees",
            json!({ "full_name": format!("Сотрудник {i}"), "personnel_number": "77" }),
        )
    });
    let answers = futures_util::future::join_all(asks).await;
    let made = answers.iter().filter(|(s, _)| *s == 201).count();
    let taken = answers
        .iter()
        .filter(|(s, b)| *s == 422 && b["error"]["fields"][0]["field"] == "personnel_number")
        .count();
    assert_eq!((made, taken), (1, 9), "{answers:?}");
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM employees WHERE company_id = $1 AND personnel_number = '77'",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(n, 1);
}

/// Rows stored before the keys existed (no key) get theirs; a second row with a key another
/// holds is left without one and reported by company and name.
async fn rows_stored_before_are_keyed_and_duplicates_reported(b: Backend) {
    let (app, company) = signed_in(b).await;
    for name in ["Бухгалтерия", "БУХГАЛТЕРИЯ", "Склад"] {
        sqlx::query(
            "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, $2, '', 0)",
        )
        .bind(company)
        .bind(name)
        .execute(&app.db.pool)
        .await
        .expect("an old department");
    }
    for (name, number) in [("Старый Один", "Т-1"), ("Старый Два", "т-1")] {
        sqlx::query(
            "INSERT INTO employees (company_id, full_name, name_key, personnel_number, position, email, created_at)
             VALUES ($1, $2, '', $3, '', '', 0)",
        )
        .bind(company)
        .bind(name)
        .bind(number)
        .execute(&app.db.pool)
        .await
        .expect("an old employee");
    }
    let duplicates = simfleet::store::keys::fill_missing(&app.db)
        .await
        .expect("fill");
    let reported: Vec<(i64, &str, &str)> = duplicates
        .iter()
        .map(|d| (d.company_id, d.what, d.value.as_str()))
        .collect();
    assert_eq!(
        reported,
        [
            (company, "department", "БУХГАЛТЕРИЯ"),
            (company, "personnel number", "т-1")
        ]
    );
    let keyed: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, name_key FROM departments ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("keys");
    assert_eq!(
        keyed,
        [
            ("Бухгалтерия".into(), Some("бухгалтерия".into())),
            ("БУХГАЛТЕРИЯ".into(), None),
            ("Склад".into(), Some("склад".into())),
        ]
    );
    // The index now stands behind the check: a third copy cannot be written.
    let again = sqlx::query(
        "INSERT INTO departments (company_id, name, cost_centre, created_at, name_key)
         VALUES ($1, 'склад', '', 0, 'склад')",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await;
    assert!(again.is_err_and(|e| simfleet::store::is_unique_violation(&e)));
    // And a second run finds only the duplicates left.
    let left = simfleet::store::keys::fill_missing(&app.db)
        .await
        .expect("fill");
    assert_eq!(left.len(), 2);
}

on_both!(
    names_and_numbers_are_unique_as_folded,
    one_number_asked_for_at_once_is_given_once,
    rows_stored_before_are_keyed_and_duplicates_reported,
);
