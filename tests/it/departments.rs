use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn signed_in(b: Backend) -> (TestApp, i64) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    (app, company)
}

async fn create_edit_and_delete_a_department(b: Backend) {
    let (app, _) = signed_in(b).await;
    let r = app
        .submit(
            "/departments/new",
            "/departments",
            &[
                ("name", "Логистика"),
                ("parent_id", ""),
                ("cost_centre", "ЦФО-300"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/departments"))
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = 'Логистика'")
        .fetch_one(&app.db.pool)
        .await
        .expect("created");
    let child = app
        .submit(
            "/departments/new",
            "/departments",
            &[
                ("name", "Склад"),
                ("parent_id", &id.to_string()),
                ("cost_centre", ""),
            ],
        )
        .await;
    assert_eq!(child.status, 303);
    let list = app.get("/departments").await;
    assert!(
        list.body.contains("Логистика")
            && list.body.contains("Склад")
            && list.body.contains("ЦФО-300")
    );

    let r = app
        .submit(
            &format!("/departments/{id}/edit"),
            &format!("/departments/{id}"),
            &[
                ("name", "Логистика и склад"),
                ("parent_id", ""),
                ("cost_centre", "ЦФО-310"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        app.get("/departments")
            .await
            .body
            .contains("Логистика и склад")
    );

    // Not while it has a sub-department.
    let r = app
        .submit("/departments", &format!("/departments/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body
            .contains("Нельзя удалить «Логистика и склад»: в нём 1 подразделение"),
        "{}",
        r.body
    );
    let child_id: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = 'Склад'")
        .fetch_one(&app.db.pool)
        .await
        .expect("child");
    assert_eq!(
        app.submit(
            "/departments",
            &format!("/departments/{child_id}/delete"),
            &[]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        app.submit("/departments", &format!("/departments/{id}/delete"), &[])
            .await
            .status,
        303
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM departments").await, 0);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'department' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(
        actions,
        [
            "department.create",
            "department.create",
            "department.update",
            "department.delete",
            "department.delete"
        ]
    );
}

async fn a_department_with_lines_cannot_be_deleted(b: Backend) {
    let (app, company) = signed_in(b).await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    app.submit(
        "/departments/new",
        "/departments",
        &[("name", "Продажи"), ("parent_id", ""), ("cost_centre", "")],
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .expect("dept");
    sqlx::query("UPDATE lines SET department_id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("assign");
    let r = app
        .submit("/departments", &format!("/departments/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("в нём 2 номера"), "{}", r.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM departments").await, 1);
}

async fn bad_department_input_is_marked_and_nothing_is_written(b: Backend) {
    let (app, company) = signed_in(b).await;
    let long = "Я".repeat(201);
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    let foreign = simfleet::services::departments::create(
        &app.db,
        &app.permit(other),
        &simfleet::services::departments::DepartmentInput {
            name: "Чужой отдел".into(),
            ..Default::default()
        },
    )
    .await
    .expect("foreign");
    let _ = company;
    let before = count(&app, "SELECT COUNT(*) FROM audit_log").await;
    for (fields, field, msg) in [
        (
            vec![("name", "  "), ("parent_id", ""), ("cost_centre", "")],
            "name",
            "Обязательное поле",
        ),
        (
            vec![
                ("name", long.as_str()),
                ("parent_id", ""),
                ("cost_centre", ""),
            ],
            "name",
            "Не длиннее 200 символов",
        ),
        (
            vec![("name", "Отдел"), ("parent_id", "abc"), ("cost_centre", "")],
            "parent_id",
            "Нет такого подразделения",
        ),
        (
            vec![
                ("name", "Отдел"),
                ("parent_id", &foreign.to_string()),
                ("cost_centre", ""),
            ],
            "parent_id",
            "Нет такого подразделения",
        ),
        (
            vec![
                ("name", "Отдел"),
                ("parent_id", ""),
                ("cost_centre", "x\u{7}"),
            ],
            "cost_centre",
            "Недопустимые управляющие символы",
        ),
    ] {
        let r = app
            .submit("/departments/new", "/departments", &fields)
            .await;
        assert_eq!(r.status, 422, "{fields:?}");
        assert!(
            r.body.contains(&format!("data-field=\"{field}\">{msg}")),
            "{fields:?}: {}",
            r.body
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM departments").await,
        1,
        "only the other company's"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log").await, before);

    app.submit(
        "/departments/new",
        "/departments",
        &[("name", "Отдел"), ("parent_id", ""), ("cost_centre", "")],
    )
    .await;
    let twin = app
        .submit(
            "/departments/new",
            "/departments",
            &[("name", "Отдел"), ("parent_id", ""), ("cost_centre", "")],
        )
        .await;
    assert_eq!(twin.status, 422);
    assert!(
        twin.body
            .contains("Подразделение с таким названием здесь уже есть")
    );
}

async fn a_department_cannot_move_under_itself(b: Backend) {
    let (app, _) = signed_in(b).await;
    app.submit(
        "/departments/new",
        "/departments",
        &[("name", "Верх"), ("parent_id", ""), ("cost_centre", "")],
    )
    .await;
    let top: i64 = sqlx::query_scalar("SELECT id FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .expect("top");
    app.submit(
        "/departments/new",
        "/departments",
        &[
            ("name", "Низ"),
            ("parent_id", &top.to_string()),
            ("cost_centre", ""),
        ],
    )
    .await;
    let low: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = 'Низ'")
        .fetch_one(&app.db.pool)
        .await
        .expect("low");
    let r = app
        .submit(
            &format!("/departments/{top}/edit"),
            &format!("/departments/{top}"),
            &[
                ("name", "Верх"),
                ("parent_id", &low.to_string()),
                ("cost_centre", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("Подразделение не может входить само в себя")
    );
    let parent: Option<i64> = sqlx::query_scalar("SELECT parent_id FROM departments WHERE id = $1")
        .bind(top)
        .fetch_one(&app.db.pool)
        .await
        .expect("parent");
    assert_eq!(parent, None);
}

async fn a_form_without_its_token_changes_nothing(b: Backend) {
    let (app, _) = signed_in(b).await;
    let r = app
        .post(
            "/departments",
            &[
                ("name", "Без токена"),
                ("parent_id", ""),
                ("cost_centre", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Форма устарела"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM departments").await, 0);
}

on_both!(
    create_edit_and_delete_a_department,
    a_department_with_lines_cannot_be_deleted,
    bad_department_input_is_marked_and_nothing_is_written,
    a_department_cannot_move_under_itself,
    a_form_without_its_token_changes_nothing,
    a_department_counts_what_is_under_it,
);

/// The list counts a department's lines and people with those of the departments under it,
/// as its link to the lines list does.
async fn a_department_counts_what_is_under_it(b: Backend) {
    use simfleet::services::departments::{DepartmentInput, create};
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    let permit = app.permit(company);
    let top = create(
        &app.db,
        &permit,
        &DepartmentInput {
            name: "Логистика".into(),
            ..Default::default()
        },
    )
    .await
    .expect("top");
    let under = create(
        &app.db,
        &permit,
        &DepartmentInput {
            name: "Склад".into(),
            parent_id: top.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("under");
    app.add_lines(company, &["+79160000001", "+79160000002", "+79160000003"])
        .await;
    for (number, department) in [
        ("+79160000001", top),
        ("+79160000002", under),
        ("+79160000003", under),
    ] {
        sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = $2")
            .bind(department)
            .bind(number)
            .execute(&app.db.pool)
            .await
            .expect("placed");
    }
    app.login(ADMIN, PASSWORD).await;
    let page = app.get("/departments").await;
    let lines_of = |name: &str| {
        let row = &page.body[page.body.find(&format!(">{name}</a>")).expect(name)..];
        let cell = "data-label=\"Номеров\">";
        let at = row.find(cell).expect("lines cell") + cell.len();
        row[at..at + row[at..].find('<').expect("end")].to_owned()
    };
    assert_eq!(
        lines_of("Логистика"),
        "3",
        "its own line and the two under it"
    );
    assert_eq!(lines_of("Склад"), "2");
}
