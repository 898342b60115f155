//! Pages keep a company's departments and the catalogue in memory; a change made anywhere
//! (another instance, a migration, a person at a SQL prompt) shows on the next request.

use crate::helpers::{ADMIN, Backend, PASSWORD, spawn_app};
use crate::on_both;

async fn changes_made_outside_the_app_show_on_the_next_page(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79161110001"]).await;
    app.login(ADMIN, PASSWORD).await;
    let line: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79161110001'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");

    let before = app.get("/lines").await;
    assert_eq!(before.status, 200);
    assert!(!before.body.contains("Отдел с улицы"));

    sqlx::query(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, 'Отдел с улицы', '', 0)",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("department");
    sqlx::query("UPDATE tariffs SET name = 'Тариф переименован' WHERE id = (SELECT tariff_id FROM lines WHERE id = $1)")
        .bind(line)
        .execute(&app.db.pool)
        .await
        .expect("tariff");
    sqlx::query("UPDATE services SET name_ru = 'Услуга переименована' WHERE code = 'anti-spam'")
        .execute(&app.db.pool)
        .await
        .expect("service");

    let after = app.get("/lines").await;
    assert!(
        after.body.contains("Отдел с улицы"),
        "new department in the filter"
    );
    assert!(after.body.contains("Тариф переименован"), "renamed tariff");
    let card = app.get(&format!("/lines/{line}")).await;
    assert!(card.body.contains("Тариф переименован"));
    assert!(card.body.contains("Отдел с улицы"), "department picker");
    assert!(card.body.contains("Услуга переименована"), "offers");

    sqlx::query("DELETE FROM departments WHERE name = 'Отдел с улицы'")
        .execute(&app.db.pool)
        .await
        .expect("delete");
    let gone = app.get("/lines").await;
    assert!(!gone.body.contains("Отдел с улицы"));
}

async fn the_card_offers_only_services_that_fit_the_tariff_and_are_not_on(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79161110002"]).await;
    app.login(ADMIN, PASSWORD).await;
    let (line, tariff): (i64, String) = sqlx::query_as(
        "SELECT l.id, t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.msisdn = '+79161110002'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("line");
    // call-recording fits optimum, max and unlim only.
    let fits = ["optimum", "max", "unlim"].contains(&tariff.as_str());
    let card = app.get(&format!("/lines/{line}")).await;
    assert_eq!(
        card.body.contains("value=\"call-recording\""),
        fits,
        "call recording offered on {tariff}"
    );
    assert!(card.body.contains("value=\"anti-spam\""));
}

on_both!(
    changes_made_outside_the_app_show_on_the_next_page,
    the_card_offers_only_services_that_fit_the_tariff_and_are_not_on,
);
