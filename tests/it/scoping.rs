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

on_both!(another_companys_rows_are_not_found);
