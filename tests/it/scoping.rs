//! No page reaches another company's rows by changing an id.

use simfleet::services::departments::{self, DepartmentInput};
use simfleet::services::employees::{self, EmployeeInput};

use crate::helpers::{ADMIN, Backend, PASSWORD, spawn_app};
use crate::on_both;

async fn another_companys_rows_are_not_found(b: Backend) {
    let app = spawn_app(b).await;
    let mine = app.seed_company().await;
    let theirs = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(mine, &["+79160000001"]).await;
    app.add_lines(theirs, &["+79260000009"]).await;
    let permit = app.permit(theirs);
    let dept = departments::create(
        &app.db,
        &permit,
        &DepartmentInput {
            name: "Их отдел".into(),
            ..Default::default()
        },
    )
    .await
    .expect("dept");
    let emp = employees::create(
        &app.db,
        &permit,
        &EmployeeInput {
            full_name: "Чужой Сотрудник".into(),
            ..Default::default()
        },
    )
    .await
    .expect("employee");
    let their_line: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE company_id = $1")
        .bind(theirs)
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    app.login(ADMIN, PASSWORD).await;

    assert_eq!(app.get(&format!("/lines/{their_line}")).await.status, 404);
    assert_eq!(app.get(&format!("/employees/{emp}/edit")).await.status, 404);
    assert_eq!(
        app.get(&format!("/departments/{dept}/edit")).await.status,
        404
    );
    let r = app
        .submit(
            "/departments/new",
            &format!("/departments/{dept}"),
            &[("name", "Захвачен"), ("parent_id", ""), ("cost_centre", "")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        app.submit("/employees", &format!("/employees/{emp}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        app.submit("/departments", &format!("/departments/{dept}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/lines?department={dept}")).await.status,
        400
    );

    let lines = app.get("/lines").await;
    assert!(lines.body.contains("+7 916 000-00-01"));
    assert!(!lines.body.contains("+7 926 000-00-09"));
    assert!(!app.get("/employees").await.body.contains("Чужой Сотрудник"));
    assert!(!app.get("/departments").await.body.contains("Их отдел"));
    let name: String = sqlx::query_scalar("SELECT name FROM departments WHERE id = $1")
        .bind(dept)
        .fetch_one(&app.db.pool)
        .await
        .expect("dept");
    assert_eq!(name, "Их отдел");
    let still: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM employees WHERE id = $1")
        .bind(emp)
        .fetch_one(&app.db.pool)
        .await
        .expect("emp");
    assert_eq!(still, 1);
}

/// The store's bulk service write takes the permit's company: another company's line in the
/// batch refuses all of it, and nothing is written.
async fn a_bulk_service_write_keeps_to_its_company(b: Backend) {
    let app = spawn_app(b).await;
    let mine = app.seed_company().await;
    let theirs = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(mine, &["+79160000001"]).await;
    app.add_lines(theirs, &["+79260000009"]).await;
    let line = async |company: i64| -> i64 {
        sqlx::query_scalar("SELECT id FROM lines WHERE company_id = $1")
            .bind(company)
            .fetch_one(&app.db.pool)
            .await
            .expect("line")
    };
    let (my_line, their_line) = (line(mine).await, line(theirs).await);
    let service: i64 = sqlx::query_scalar("SELECT id FROM services ORDER BY id LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .expect("service");
    let enabled = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM line_services WHERE service_id = $1")
            .bind(service)
            .fetch_one(&app.db.pool)
            .await
            .expect("count")
    };
    let before = enabled().await;
    let permit = app.permit(mine);
    let mut tx = app.db.begin().await.expect("tx");
    let refused = simfleet::store::lines::enable_services_many(
        &mut tx,
        &permit,
        &[(my_line, service, 0), (their_line, service, 0)],
        None,
    )
    .await;
    assert!(refused.is_err(), "another company's line was written");
    drop(tx);
    assert_eq!(enabled().await, before);
}

on_both!(
    another_companys_rows_are_not_found,
    a_bulk_service_write_keeps_to_its_company,
);
