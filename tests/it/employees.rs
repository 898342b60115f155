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
        (vec![("full_name", "")], "full_name", "Обязательное поле"),
        (
            vec![("full_name", "Иванов"), ("email", "not-an-email")],
            "email",
            "«not-an-email» — не адрес электронной почты",
        ),
        (
            vec![("full_name", "Иванов"), ("department_id", "424242")],
            "department_id",
            "Нет такого подразделения",
        ),
        (
            vec![("full_name", "Иванов"), ("personnel_number", "7")],
            "personnel_number",
            "Этот табельный номер уже занят",
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

/// The list shows each person's numbers; their card shows their lines and history, and gives
/// them a line by its number through the line's own previewed reassignment.
async fn an_employee_card_shows_their_lines_and_gives_them_one(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    app.login(ADMIN, PASSWORD).await;
    app.submit(
        "/employees/new",
        "/employees",
        &[("full_name", "Орлова Ольга"), ("department_id", "")],
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM employees")
        .fetch_one(&app.db.pool)
        .await
        .expect("employee");
    sqlx::query("UPDATE lines SET employee_id = $1 WHERE msisdn = '+79160000001'")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .expect("a line");
    let list = app.get("/employees").await;
    assert!(list.body.contains(&format!("href=\"/employees/{id}\"")));
    assert!(
        list.body.contains("+7 916 000-00-01"),
        "the person's number in the list"
    );

    let card = app.get(&format!("/employees/{id}")).await;
    assert_eq!(card.status, 200);
    assert!(card.body.contains("id=\"employee-name\">Орлова Ольга"));
    assert!(card.body.contains("+7 916 000-00-01") && !card.body.contains("+7 916 000-00-02"));
    assert!(
        card.body.contains("id=\"history\""),
        "what was done to them"
    );

    sqlx::query("UPDATE lines SET cost_centre = 'ЦФО-7' WHERE msisdn = '+79160000002'")
        .execute(&app.db.pool)
        .await
        .expect("the line's own cost centre");
    let wrong = app
        .get(&format!("/employees/{id}/assign?number=12345"))
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"assign-error\""), "{}", wrong.body);
    let go = app
        .get(&format!(
            "/employees/{id}/assign?number=%2B7%20916%20000-00-02"
        ))
        .await;
    assert_eq!(go.status, 303, "{}", go.body);
    let to = go.location.expect("to the line's change");
    assert!(
        to.contains("action=reassign") && to.contains(&format!("employee_id={id}")),
        "{to}"
    );
    let preview = app.get(&to).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    let key = crate::helpers::hidden(&preview.body, "key").expect("key");
    let csrf = crate::helpers::hidden(&preview.body, "csrf").expect("csrf");
    let cost_centre = crate::helpers::hidden(&preview.body, "cost_centre").expect("cost centre");
    assert_eq!(
        cost_centre, "ЦФО-7",
        "assigning keeps the line's own cost centre"
    );
    let line: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000002'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    let id_text = id.to_string();
    let done = app
        .post(
            &format!("/lines/{line}/change"),
            &[
                ("csrf", csrf.as_str()),
                ("key", key.as_str()),
                ("action", "reassign"),
                ("employee_id", id_text.as_str()),
                ("department_id", ""),
                ("cost_centre", cost_centre.as_str()),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let kept: Option<String> =
        sqlx::query_scalar("SELECT cost_centre FROM lines WHERE msisdn = '+79160000002'")
            .fetch_one(&app.db.pool)
            .await
            .expect("cost centre");
    assert_eq!(kept.as_deref(), Some("ЦФО-7"));
    let card = app.get(&format!("/employees/{id}")).await;
    assert!(
        card.body.contains("+7 916 000-00-02"),
        "the line is theirs now"
    );
}

on_both!(
    employees_are_created_found_edited_and_deleted,
    bad_employee_input_is_marked,
    an_employee_card_shows_their_lines_and_gives_them_one
);
