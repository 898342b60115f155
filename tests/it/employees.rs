use crate::helpers::{ADMIN, Backend, PASSWORD, spawn_app};
use crate::on_both;

async fn employees_are_created_found_edited_and_deleted(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001"]).await;
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
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/employees")));
    // The next page says what was done, once.
    let next = app.get("/employees").await;
    assert!(
        next.body
            .contains("id=\"flash\">Сотрудник добавлен: «Семёнова Алёна Петровна»"),
        "{}",
        next.body
    );
    assert!(
        !app.get("/employees").await.body.contains("id=\"flash\""),
        "shown once"
    );
    let id: i64 = sqlx::query_scalar("SELECT id FROM employees")
        .fetch_one(&app.db.pool)
        .await
        .expect("employee");
    for q in ["семенова", "АЛЁНА", "петр"] {
        let page = app
            .get(&format!("/employees?q={}", crate::lines::urlencode(q)))
            .await;
        assert!(page.body.contains("Семёнова Алёна Петровна"), "search {q}");
    }
    assert!(
        !app.get("/employees?q=иванов")
            .await
            .body
            .contains("Семёнова")
    );

    let r = app
        .submit(
            &format!("/employees/{id}/edit"),
            &format!("/employees/{id}"),
            &[
                ("full_name", "Семёнова-Ким Алина Петровна"),
                ("department_id", ""),
                ("personnel_number", "00042"),
                ("position", "Главный бухгалтер"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(
        app.get("/employees?q=ким")
            .await
            .body
            .contains("Главный бухгалтер")
    );
    // The old name's words went with it: «Алёна» finds nobody.
    let words: Vec<String> =
        sqlx::query_scalar("SELECT word FROM employee_name_words ORDER BY word")
            .fetch_all(&app.db.pool)
            .await
            .expect("words");
    assert_eq!(words, ["алина", "ким", "петровна", "семенова"]);
    assert!(
        !app.get("/employees?q=алёна")
            .await
            .body
            .contains("Главный бухгалтер")
    );

    sqlx::query("UPDATE lines SET employee_id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("assign");
    let r = app
        .submit("/employees", &format!("/employees/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, 303);
    let unassigned: Option<i64> = sqlx::query_scalar("SELECT employee_id FROM lines")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    assert_eq!(
        unassigned, None,
        "the line stays with the company, unassigned"
    );
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'employee.%' OR action = 'line.unassign' ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
    assert_eq!(
        actions,
        [
            "employee.create",
            "employee.update",
            "employee.delete",
            "line.unassign"
        ]
    );
    let words: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM employee_name_words")
        .fetch_one(&app.db.pool)
        .await
        .expect("words");
    assert_eq!(words, 0);
}

async fn bad_employee_input_is_marked(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    app.submit(
        "/employees/new",
        "/employees",
        &[("full_name", "Первый Сотрудник"), ("personnel_number", "7")],
    )
    .await;
    for (fields, field, msg) in [
        (vec![("full_name", "")], "full_name", "обязательное поле"),
        (
            vec![("full_name", "Иванов"), ("email", "not-an-email")],
            "email",
            "«not-an-email» — не адрес электронной почты",
        ),
        (
            vec![("full_name", "Иванов"), ("department_id", "424242")],
            "department_id",
            "нет такого подразделения",
        ),
        (
            vec![("full_name", "Иванов"), ("personnel_number", "7")],
            "personnel_number",
            "этот табельный номер уже занят",
        ),
    ] {
        let r = app.submit("/employees/new", "/employees", &fields).await;
        assert_eq!(r.status, 422, "{fields:?}");
        assert!(
            r.body.contains(&format!("data-field=\"{field}\">{msg}")),
            "{fields:?}: {}",
            r.body
        );
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM employees")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1);
}

on_both!(
    employees_are_created_found_edited_and_deleted,
    bad_employee_input_is_marked
);
