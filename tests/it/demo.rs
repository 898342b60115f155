//! The demo company looks like a real one: services came on with the line or after it, and
//! people's job titles fit their departments.

use simfleet::services::demo;

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

async fn the_demo_looks_real(b: Backend) {
    let app = spawn_app(b).await;
    demo::create_demo(&app.db, 200).await.expect("demo");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.activated_on, ls.enabled_at FROM line_services ls JOIN lines l ON l.id = ls.line_id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("services");
    assert!(rows.len() > 100, "services on most lines");
    let now = chrono::Utc::now().timestamp_millis();
    let mut later = 0;
    for (activated, at) in &rows {
        let day = chrono::NaiveDate::parse_from_str(activated, "%Y-%m-%d")
            .expect("a date")
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_millis();
        assert!(
            *at >= day && *at <= now,
            "enabled at {at}, the line from {activated}"
        );
        if *at > day + 86_400_000 {
            later += 1;
        }
    }
    assert!(later > 0, "some services came on after the line did");

    let people: Vec<(String, String)> = sqlx::query_as(
        "SELECT d.name, e.position FROM employees e JOIN departments d ON d.id = e.department_id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("people");
    for (department, position) in &people {
        let fits = match department.as_str() {
            "Склад Москва" | "Склад Подольск" => [
                "Кладовщик",
                "Оператор склада",
                "Водитель погрузчика",
                "Начальник склада",
            ]
            .contains(&position.as_str()),
            "Бухгалтерия" => position.contains("ухгалтер"),
            _ => true,
        };
        assert!(fits, "«{position}» in «{department}»");
    }
    assert!(
        !people
            .iter()
            .any(|(d, p)| d.starts_with("Склад") && p == "Бухгалтер"),
        "no accountant in the warehouse"
    );
}

on_both!(the_demo_looks_real);
