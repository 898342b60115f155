//! A delegated «Управление пользователями» over one department acts only on grants, tokens and
//! members that lie wholly inside it; it never sets a role, never touches an admin, an
//! accountant, a role token or itself. Anything else answers 404, as for nothing there.

use crate::access::{MANAGER, company, grant, manager_signed_in};
use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

const INSIDE: &str = "+79035550001";
const OUTSIDE: &str = "+79035550002";
const ACCOUNTANT: &str = "+79035550003";

pub async fn user_id(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE msisdn = $1")
        .bind(number)
        .fetch_one(&app.db.pool)
        .await
        .expect("user")
}

async fn grant_of(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT g.id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.msisdn = $1",
    )
    .bind(number)
    .fetch_one(&app.db.pool)
    .await
    .expect("grant")
}

async fn token_named(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db.pool)
        .await
        .expect("token")
}

async fn live(app: &TestApp, sql: &'static str, id: i64) -> bool {
    sqlx::query_scalar::<_, Option<i64>>(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("state")
        .is_none()
}

async fn delegated_user_management_stays_inside_its_departments(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let (warehouse, sales) = (c.warehouse.to_string(), c.sales.to_string());
    for (number, name, rights, department) in [
        (
            MANAGER,
            "Петров Пётр",
            &["lines.view", "users.manage", "finance.view"][..],
            &warehouse,
        ),
        (INSIDE, "Склад Один", &["lines.view"][..], &warehouse),
        (OUTSIDE, "Продажи Два", &["lines.view"][..], &sales),
        (ACCOUNTANT, "Бухгалтер Три", &["lines.view"][..], &warehouse),
    ] {
        let mut fields = vec![
            ("number", number),
            ("full_name", name),
            ("departments", department),
        ];
        fields.extend(rights.iter().map(|r| ("rights", *r)));
        let r = grant(&app, &fields).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let accountant = user_id(&app, ACCOUNTANT).await;
    let made = app
        .submit(
            "/access",
            &format!("/access/members/{accountant}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(made.status, 303);
    let tokens = [
        ("Учёт", "admin", None),
        ("Склад API", "rights", Some(warehouse.as_str())),
    ];
    for (name, role, department) in tokens {
        let mut fields = vec![("name", name), ("role", role)];
        fields.extend(
            department
                .into_iter()
                .flat_map(|d| [("rights", "lines.view"), ("departments", d)]),
        );
        let r = app.submit("/access", "/access/tokens", &fields).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("sft_"), "{}", r.body);
    }
    let (admin_token, rights_token) = (
        token_named(&app, "Учёт").await,
        token_named(&app, "Склад API").await,
    );
    let (inside, outside, me, admin) = (
        user_id(&app, INSIDE).await,
        user_id(&app, OUTSIDE).await,
        user_id(&app, MANAGER).await,
        user_id(&app, ADMIN).await,
    );
    let (inside_grant, outside_grant) =
        (grant_of(&app, INSIDE).await, grant_of(&app, OUTSIDE).await);

    let manager = manager_signed_in(&app).await;
    let page = manager.get("/access").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Склад Один"), "inside: listed");
    for hidden in ["Продажи Два", "Бухгалтер Три", "Учёт"] {
        assert!(
            !page.body.contains(hidden),
            "outside the grant, not listed: {hidden}"
        );
    }
    assert!(
        !page.body.contains("/role\""),
        "no role forms for a delegated manager"
    );

    let post = async |path: String, fields: &[(&str, &str)]| {
        manager.submit("/access", &path, fields).await.status
    };
    // Outside, or not theirs to touch: as if it did not exist.
    for (path, fields) in [
        (format!("/access/grants/{outside_grant}/revoke"), &[][..]),
        (format!("/access/tokens/{admin_token}/revoke"), &[]),
        (format!("/access/members/{outside}/block"), &[]),
        (format!("/access/members/{outside}/remove"), &[]),
        (format!("/access/members/{accountant}/block"), &[]),
        (format!("/access/members/{accountant}/remove"), &[]),
        (
            format!("/access/members/{accountant}/role"),
            &[("role", "manager")],
        ),
        (
            format!("/access/members/{inside}/role"),
            &[("role", "accountant")],
        ),
        (
            format!("/access/members/{admin}/role"),
            &[("role", "accountant")],
        ),
        (format!("/access/members/{admin}/block"), &[]),
        (format!("/access/members/{me}/remove"), &[]),
        (format!("/access/members/{me}/block"), &[]),
        (format!("/access/members/{me}/role"), &[("role", "admin")]),
        ("/access/second-factor".to_owned(), &[("on", "1")]),
    ] {
        assert_eq!(post(path.clone(), fields).await, 404, "{path}");
    }
    // Nor can it grant to itself, to members it does not reach, or hand on company-wide rights.
    let warehouse_rights = [
        ("rights", "lines.view"),
        ("departments", warehouse.as_str()),
    ];
    for number in [MANAGER, OUTSIDE, ACCOUNTANT, ADMIN] {
        let mut fields = vec![("number", number), ("full_name", "Кто-то")];
        fields.extend(warehouse_rights);
        let r = manager.submit("/access", "/access/grants", &fields).await;
        assert_eq!(r.status, 404, "a grant to {number}");
    }
    let finance = manager
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", "+79035550077"),
                ("full_name", "Новый"),
                ("rights", "finance.view"),
            ],
        )
        .await;
    assert_eq!(finance.status, 422);
    assert!(
        finance.body.contains("передаёт только администратор"),
        "{}",
        finance.body
    );
    assert!(
        live(
            &app,
            "SELECT revoked_at FROM grants WHERE id = $1",
            outside_grant
        )
        .await
    );
    assert!(
        live(
            &app,
            "SELECT revoked_at FROM api_tokens WHERE id = $1",
            admin_token
        )
        .await
    );
    let roles: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT role, blocked_at FROM memberships WHERE company_id = $1 ORDER BY user_id",
    )
    .bind(c.id)
    .fetch_all(&app.db.pool)
    .await
    .expect("roles");
    assert_eq!(
        roles,
        vec![
            ("admin".to_owned(), None),
            ("manager".to_owned(), None),
            ("manager".to_owned(), None),
            ("manager".to_owned(), None),
            ("accountant".to_owned(), None),
        ]
    );

    // Inside their department: theirs to manage.
    assert_eq!(
        post(format!("/access/members/{inside}/block"), &[]).await,
        303
    );
    assert_eq!(
        post(format!("/access/members/{inside}/unblock"), &[]).await,
        303
    );
    assert_eq!(
        post(format!("/access/tokens/{rights_token}/revoke"), &[]).await,
        303
    );
    assert_eq!(
        post(format!("/access/grants/{inside_grant}/revoke"), &[]).await,
        303
    );
    assert!(
        !live(
            &app,
            "SELECT revoked_at FROM grants WHERE id = $1",
            inside_grant
        )
        .await
    );
    // With no live grant left, the person is the admins' alone.
    assert_eq!(
        post(format!("/access/members/{inside}/remove"), &[]).await,
        404
    );
}

/// A delegated manager hands a right on for no longer than they hold it themselves.
async fn a_right_is_handed_on_no_longer_than_it_is_held(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let day = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let warehouse = c.warehouse.to_string();
    let held_until = day(30);
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "users.manage"),
            ("rights", "lines.view"),
            ("departments", &warehouse),
            ("until", &held_until),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let manager = manager_signed_in(&app).await;
    let hand_on = async |until: &str| {
        manager
            .submit(
                "/access",
                "/access/grants",
                &[
                    ("number", INSIDE),
                    ("full_name", "Новый Сотрудник"),
                    ("rights", "lines.view"),
                    ("departments", &warehouse),
                    ("until", until),
                ],
            )
            .await
    };
    for longer in ["", day(31).as_str()] {
        let refused = hand_on(longer).await;
        assert_eq!(refused.status, 422, "until «{longer}»");
        assert!(
            refused.body.contains("передать его дольше нельзя"),
            "{}",
            refused.body
        );
    }
    assert_eq!(hand_on(&held_until).await.status, 303);
}

/// An importer's roster sees only the employees their rights cover: a personnel number of
/// someone in another department finds no one, and the preview names no one outside.
async fn an_importer_plans_only_against_employees_they_cover(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    grant_warehouse(&app, c.warehouse, &["roster.import", "lines.view"]).await;
    let stranger = employee(&app, c.id, "Чужой Продавец", c.sales).await;
    sqlx::query(
        "UPDATE employees SET personnel_number = '900', position = 'Продавец' WHERE id = $1",
    )
    .bind(stranger)
    .execute(&app.db.pool)
    .await
    .expect("number");
    let manager = manager_signed_in(&app).await;
    let file = "ФИО;Телефон;Табельный номер;Должность\r\nНовое Имя;+79161110001;900;Кладовщик\r\n";
    let up = crate::roster::upload(&manager, "staff.csv", file.as_bytes().to_vec()).await;
    assert_eq!(up.status, 303, "{}", up.body);
    let preview = manager.get(&up.location.expect("preview")).await;
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert!(
        !preview.body.contains("Чужой Продавец"),
        "an employee outside the grant named"
    );
    assert!(!preview.body.contains("Продавец"), "their position shown");
}

on_both!(
    an_importer_plans_only_against_employees_they_cover,
    a_right_is_handed_on_no_longer_than_it_is_held,
    delegated_user_management_stays_inside_its_departments,
    a_grant_tells_nothing_of_another_companys_users,
    an_importer_reads_only_their_own_uploads,
    error_pages_and_previews_stay_inside_the_scope,
    an_admins_block_is_lifted_only_by_an_admin,
);

/// An admin of one company who grants rights to a number learns nothing of who holds it
/// elsewhere: the grant shows the name typed, a known and an unknown number are answered and
/// invited alike, and each company knows the person by the name it gave them.
async fn a_grant_tells_nothing_of_another_companys_users(b: Backend) {
    let app = spawn_app(b).await;
    company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let r = grant(
        &app,
        &[
            ("number", INSIDE),
            ("full_name", "Настоящее Имя"),
            ("rights", "finance.view"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let holder = app.another_instance().await;
    assert_eq!(holder.login_by_code(INSIDE).await.status, 303);

    let other_admin = "+79995550000";
    app.seed(other_admin, "7728419375", "АО «Вектор»").await;
    let other = app.another_instance().await;
    assert_eq!(other.login(other_admin, PASSWORD).await.status, 303);
    for (number, typed) in [(INSIDE, "Сотрудник Склада"), (OUTSIDE, "Новый Человек")]
    {
        let r = other
            .submit(
                "/access",
                "/access/grants",
                &[
                    ("number", number),
                    ("full_name", typed),
                    ("rights", "finance.view"),
                ],
            )
            .await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/access")),
            "{number}"
        );
        let invite = simfleet::sms::last_in_outbox(&app.db, number)
            .await
            .expect("outbox")
            .expect("an invitation");
        assert!(
            invite.contains("АО «Вектор»") && invite.contains("открыла вам доступ"),
            "{invite}"
        );
    }
    // Named in the audit log too, by what it says of the person.
    let known = user_id(&app, INSIDE).await;
    for step in ["block", "unblock"] {
        let r = other
            .submit("/access", &format!("/access/members/{known}/{step}"), &[])
            .await;
        assert_eq!(r.status, 303, "{step}");
    }
    for path in ["/access", "/access/matrix", "/audit"] {
        let page = other.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("Настоящее Имя"),
            "{path} names a person of another company"
        );
    }
    let page = other.get("/access").await;
    assert!(page.body.contains("Сотрудник Склада") && page.body.contains("Новый Человек"));
    // A name typed never renames the person where they are known.
    assert!(app.get("/access").await.body.contains("Настоящее Имя"));

    // Once the holder signs in to the second company, it still knows them by the name it gave
    // them: what the first company typed for the number never shows there, not even as the
    // actor of their own sign-in in the audit log.
    let holder = app.another_instance().await;
    assert_eq!(holder.login_by_code(INSIDE).await.status, 303);
    let vector: i64 = sqlx::query_scalar("SELECT id FROM companies WHERE inn = '7728419375'")
        .fetch_one(&app.db.pool)
        .await
        .expect("company");
    let chose = holder
        .submit("/choose", "/choose", &[("company_id", &vector.to_string())])
        .await;
    assert_eq!(chose.status, 303);
    for path in ["/access", "/audit"] {
        let page = other.get(path).await;
        assert!(page.body.contains("Сотрудник Склада"), "{path}");
        assert!(
            !page.body.contains("Настоящее Имя"),
            "{path} names a person by what another company typed"
        );
    }
}

/// A delegated manager lifts a block they set, never one an admin set; an admin lifts any.
async fn an_admins_block_is_lifted_only_by_an_admin(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    grant_warehouse(&app, c.warehouse, &["users.manage", "lines.view"]).await;
    let warehouse = c.warehouse.to_string();
    let r = grant(
        &app,
        &[
            ("number", INSIDE),
            ("full_name", "Склад Один"),
            ("rights", "lines.view"),
            ("departments", &warehouse),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let inside = user_id(&app, INSIDE).await;
    let block = format!("/access/members/{inside}/block");
    let unblock = format!("/access/members/{inside}/unblock");
    let blocked = async || {
        sqlx::query_scalar::<_, Option<i64>>(
            "SELECT blocked_at FROM memberships WHERE company_id = $1 AND user_id = $2",
        )
        .bind(c.id)
        .bind(inside)
        .fetch_one(&app.db.pool)
        .await
        .expect("membership")
        .is_some()
    };
    let manager = manager_signed_in(&app).await;

    assert_eq!(app.submit("/access", &block, &[]).await.status, 303);
    // The manager blocking again leaves it the admin's block.
    assert_eq!(manager.submit("/access", &block, &[]).await.status, 303);
    let refused = manager.submit("/access", &unblock, &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("снять её может только администратор"),
        "{}",
        refused.body
    );
    assert!(blocked().await, "an admin's block stays");
    assert_eq!(app.submit("/access", &unblock, &[]).await.status, 303);
    assert!(!blocked().await);

    assert_eq!(manager.submit("/access", &block, &[]).await.status, 303);
    assert_eq!(manager.submit("/access", &unblock, &[]).await.status, 303);
    assert!(!blocked().await, "their own block, lifted by them");
    assert_eq!(manager.submit("/access", &block, &[]).await.status, 303);
    assert_eq!(app.submit("/access", &unblock, &[]).await.status, 303);
    assert!(!blocked().await, "an admin lifts any block");
}

/// The manager granted `rights` over the warehouse by the signed-in admin.
async fn grant_warehouse(app: &TestApp, warehouse: i64, rights: &[&str]) {
    let warehouse = warehouse.to_string();
    let mut fields = vec![("number", MANAGER), ("full_name", "Петров Пётр")];
    fields.extend(rights.iter().map(|r| ("rights", *r)));
    fields.push(("departments", &warehouse));
    let r = grant(app, &fields).await;
    assert_eq!(r.status, 303, "{}", r.body);
}

/// A manager with «Импорт» over one department sees only their own uploads; the admin's, or
/// another company's, answer 404 exactly as a missing one.
async fn an_importer_reads_only_their_own_uploads(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    grant_warehouse(&app, c.warehouse, &["roster.import", "lines.view"]).await;
    let file = |who: &str| format!("ФИО;Телефон\r\n{who};+79161110001\r\n").into_bytes();
    let admins = crate::roster::upload(&app, "admin.csv", file("Секретов Админ")).await;
    assert_eq!(admins.status, 303, "{}", admins.body);
    let admins = admins.location.expect("preview");

    let manager = manager_signed_in(&app).await;
    let own = crate::roster::upload(&manager, "mine.csv", file("Свой Сотрудник")).await;
    assert_eq!(own.status, 303, "{}", own.body);
    let own = own.location.expect("preview");
    assert_eq!(manager.get(&own).await.status, 200);
    assert_eq!(manager.get(&format!("{own}/errors")).await.status, 200);
    let missing = manager.get("/roster/999999").await;
    for path in [admins.clone(), format!("{admins}/errors")] {
        let page = manager.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Секретов"), "{path}");
        assert_eq!(page.body, missing.body, "as a missing one: {path}");
    }
    let commit = manager.submit(&own, &format!("{admins}/commit"), &[]).await;
    assert_eq!(commit.status, 404);
    // The admin sees every upload of the company.
    assert_eq!(app.get(&own).await.status, 200);
}

async fn employee(app: &TestApp, company: i64, name: &str, department: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO employees (company_id, full_name, name_key, department_id, created_at)
         VALUES ($1, $2, $2, $3, 0) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .bind(department)
    .fetch_one(&app.db.pool)
    .await
    .expect("employee")
}

/// Every read a page or an error page makes goes through the manager's scope: a refused change
/// of a line outside it shows nothing of that line, and a reassignment names only employees the
/// manager covers (on the page and through the API alike).
async fn error_pages_and_previews_stay_inside_the_scope(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    grant_warehouse(&app, c.warehouse, &["lines.assign"]).await;
    let covered = employee(&app, c.id, "Складской Работник", c.warehouse).await;
    let stranger = employee(&app, c.id, "Чужой Продавец", c.sales).await;
    let (inside, outside) = (
        crate::access::line_id(&app, "+79161110001").await,
        crate::access::line_id(&app, "+79161110004").await,
    );
    let manager = manager_signed_in(&app).await;

    let long_key = "k".repeat(300);
    let token = manager.csrf(&format!("/lines/{inside}")).await;
    let refused = manager
        .post(
            &format!("/lines/{outside}/change"),
            &[
                ("csrf", &token),
                ("action", "reassign"),
                ("cost_centre", "X"),
                ("key", &long_key),
            ],
        )
        .await;
    assert_eq!(refused.status, 404, "{}", refused.body);
    assert!(
        !refused.body.contains("111-00-04"),
        "the line's number leaked"
    );

    let preview =
        |employee: i64| format!("/lines/{inside}/change?action=reassign&employee_id={employee}");
    let theirs = manager.get(&preview(covered)).await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    assert!(theirs.body.contains("Складской Работник"));
    let other = manager.get(&preview(stranger)).await;
    assert_eq!(other.status, 422);
    assert!(
        !other.body.contains("Чужой Продавец"),
        "an employee outside the grant named"
    );
    let missing = manager.get(&preview(999_999)).await;
    assert_eq!(missing.status, 422);
    assert!(
        other.body.contains("Нет такого сотрудника")
            && missing.body.contains("Нет такого сотрудника")
    );

    let api = manager
        .client
        .post(manager.url(&format!("/api/v1/lines/{inside}/changes")))
        .header("x-csrf-token", token.as_str())
        .json(&serde_json::json!({ "action": "reassign", "employee_id": stranger, "department_id": null, "cost_centre": null }))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status().as_u16(), 422);
    let assigned: Option<i64> = sqlx::query_scalar("SELECT employee_id FROM lines WHERE id = $1")
        .bind(inside)
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    assert_eq!(assigned, None, "nothing applied");
}
