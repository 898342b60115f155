//! Delegated rights: an admin grants a person rights over departments (with their subtrees)
//! and single lines; the person sees and changes only that, until the grant runs out or is
//! revoked; refusals say why; the company keeps an admin.

use std::time::Duration;

use crate::helpers::{ADMIN, Backend, PASSWORD, Response, TestApp, spawn_app, spawn_app_with};
use crate::on_both;

pub const MANAGER: &str = "+79035551122";

pub struct Company {
    pub id: i64,
    pub logistics: i64,
    pub warehouse: i64,
    pub sales: i64,
}

async fn department(app: &TestApp, company: i64, name: &str, parent: Option<i64>) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO departments (company_id, parent_id, name, cost_centre, created_at) VALUES ($1, $2, $3, '', 0) RETURNING id",
    )
    .bind(company)
    .bind(parent)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .expect("department")
}

async fn place(app: &TestApp, number: &str, department: Option<i64>) {
    sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = $2")
        .bind(department)
        .bind(number)
        .execute(&app.db.pool)
        .await
        .expect("place");
}

pub async fn line_id(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = $1")
        .bind(number)
        .fetch_one(&app.db.pool)
        .await
        .expect("line")
}

/// Логистика ⊃ Склад Москва, and Продажи; two lines in the warehouse, one in logistics, one in
/// sales, one in no department.
pub async fn company(app: &TestApp) -> Company {
    let id = app.seed_company().await;
    app.add_lines(
        id,
        &[
            "+79161110001",
            "+79161110002",
            "+79161110003",
            "+79161110004",
            "+79161110005",
        ],
    )
    .await;
    let logistics = department(app, id, "Логистика", None).await;
    let warehouse = department(app, id, "Склад Москва", Some(logistics)).await;
    let sales = department(app, id, "Продажи", None).await;
    place(app, "+79161110001", Some(warehouse)).await;
    place(app, "+79161110002", Some(warehouse)).await;
    place(app, "+79161110003", Some(logistics)).await;
    place(app, "+79161110004", Some(sales)).await;
    Company {
        id,
        logistics,
        warehouse,
        sales,
    }
}

pub async fn grant(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    app.submit("/access", "/access/grants", fields).await
}

/// The manager, signed in with an SMS code on a second instance of the app.
pub async fn manager_signed_in(app: &TestApp) -> TestApp {
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code(MANAGER).await.status, 303);
    manager
}

/// How many lines the lines page says were found.
async fn lines_total(app: &TestApp) -> String {
    let page = app.get("/lines").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("id=\"found-count\"").expect("total");
    page.body[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect()
}

async fn a_manager_sees_and_changes_only_the_granted_subtree(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let logistics = c.logistics.to_string();
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "lines.view"),
            ("rights", "lines.tariff"),
            ("departments", &logistics),
            ("lines", "+7 916 111-00-04"),
        ],
    )
    .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/access")),
        "{}",
        r.body
    );
    let matrix = app.get("/access/matrix").await;
    assert_eq!(matrix.status, 200);
    assert!(matrix.body.contains("Петров Пётр") && matrix.body.contains("Логистика"));
    assert!(matrix.body.contains("Вся компания"), "the admin's rights");
    let invite = simfleet::sms::last_in_outbox(&app.db, MANAGER)
        .await
        .expect("outbox");
    assert!(
        invite
            .expect("an invitation")
            .contains("открыла вам доступ")
    );

    let manager = manager_signed_in(&app).await;
    // Logistics with the warehouse under it (3 lines) and the single sales line.
    assert_eq!(lines_total(&manager).await, "4");
    let page = manager.get("/lines").await;
    assert!(page.body.contains(">Склад Москва<") || page.body.contains("Склад Москва</option>"));
    assert!(
        !page.body.contains("Продажи</option>"),
        "only covered departments to filter by"
    );
    let overview = manager.get("/overview").await;
    assert_eq!(overview.status, 200);
    let by_department = overview
        .body
        .split("id=\"by-department\"")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the departments on the overview");
    assert!(by_department.contains("Склад Москва"), "{by_department}");
    assert!(
        !by_department.contains("Продажи<"),
        "only covered departments on the overview: {by_department}"
    );
    let export = manager.get("/lines/export?format=csv&encoding=utf8").await;
    assert_eq!(export.status, 200);
    assert!(export.body.contains("79161110001"), "{}", export.body);
    assert!(!export.body.contains("79161110005"));
    let api = manager.get("/api/v1/lines").await;
    assert!(api.body.contains("\"total\":4"), "{}", api.body);
    let sales: i64 = sqlx::query_scalar("SELECT id FROM departments WHERE name = 'Продажи'")
        .fetch_one(&app.db.pool)
        .await
        .expect("sales");
    for path in [
        format!("/lines?department={sales}"),
        format!("/lines/export?format=xlsx&department={sales}"),
    ] {
        let r = manager.get(&path).await;
        assert_eq!(
            r.status, 400,
            "{path}: a department outside the rights is not there"
        );
        assert!(
            !r.body.contains("Продажи"),
            "{path} names no department it does not cover"
        );
    }

    let outside = line_id(&app, "+79161110005").await;
    assert_eq!(manager.get(&format!("/lines/{outside}")).await.status, 404);
    let inside = line_id(&app, "+79161110002").await;
    let card = manager.get(&format!("/lines/{inside}")).await;
    assert_eq!(card.status, 200);
    assert!(card.body.contains("name=\"tariff\"") || card.body.contains("change_tariff"));
    assert!(
        !card.body.contains("value=\"suspend\""),
        "no status right, no status forms"
    );

    // A right not granted is refused even on a covered line.
    let token = manager.csrf(&format!("/lines/{inside}")).await;
    let refused = manager
        .post(
            &format!("/lines/{inside}/change"),
            &[
                ("csrf", &token),
                ("action", "suspend"),
                ("reason", "отпуск"),
                ("key", "k-1"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("Нет доступа"),
        "refused for the right, not the form"
    );
    // Another company's line: not found.
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79265550001"]).await;
    let theirs = line_id(&app, "+79265550001").await;
    assert_eq!(manager.get(&format!("/lines/{theirs}")).await.status, 404);
    // The access page is the admin's.
    assert_eq!(manager.get("/access").await.status, 403);

    // A line put into a granted department later is covered at once.
    app.add_lines(c.id, &["+79161110006"]).await;
    place(&app, "+79161110006", Some(c.warehouse)).await;
    assert_eq!(lines_total(&manager).await, "5");
}

async fn a_grant_stops_at_its_date_and_when_revoked(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let warehouse = c.warehouse.to_string();
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "lines.view"),
            ("departments", &warehouse),
            ("until", &tomorrow),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let manager = manager_signed_in(&app).await;
    assert_eq!(lines_total(&manager).await, "2");
    // Past the date nothing has to run: the next request finds the grant gone.
    manager.clock.advance(Duration::from_secs(3 * 24 * 3600));
    app.clock.advance(Duration::from_secs(3 * 24 * 3600));
    manager.login_by_code(MANAGER).await;
    assert_eq!(manager.get("/lines").await.status, 403);
    app.login(ADMIN, PASSWORD).await;

    // A second grant, revoked: the next request is refused.
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "lines.view"),
            ("departments", &warehouse),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(manager.get("/lines").await.status, 200);
    let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM grants")
        .fetch_one(&app.db.pool)
        .await
        .expect("grant");
    let revoked = app
        .submit("/access", &format!("/access/grants/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(manager.get("/lines").await.status, 403);
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('access.grant', 'access.revoke')",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audit, 3);
}

async fn bad_grants_are_refused_with_reasons_and_audited(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    let foreign = department(&app, other, "Чужой отдел", None).await;
    app.login(ADMIN, PASSWORD).await;
    let warehouse = c.warehouse.to_string();
    // The form's fields, the field the refusal names, and words of the reason.
    type Case<'a> = (Vec<(&'a str, String)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("number", "12345".into()),
                ("rights", "lines.view".into()),
                ("departments", warehouse.clone()),
            ],
            "number",
            "",
        ),
        (
            vec![
                ("number", MANAGER.into()),
                ("full_name", "Петров".into()),
                ("rights", "lines.view".into()),
                ("departments", foreign.to_string()),
            ],
            "departments",
            "Нет подразделения",
        ),
        (
            vec![
                ("number", MANAGER.into()),
                ("full_name", "Петров".into()),
                ("rights", "lines.view".into()),
                ("departments", warehouse.clone()),
                ("until", "2020-01-01".into()),
            ],
            "until",
            "Дата уже прошла",
        ),
        (
            vec![
                ("number", MANAGER.into()),
                ("full_name", "Петров".into()),
                ("rights", "lines.view".into()),
            ],
            "departments",
            "Выберите подразделения",
        ),
        (
            vec![
                ("number", MANAGER.into()),
                ("full_name", "Петров".into()),
                ("rights", "lines.view".into()),
                ("lines", "+79265550001".into()),
            ],
            "lines",
            "не номер этой компании",
        ),
        (
            vec![
                ("number", MANAGER.into()),
                ("rights", "lines.view".into()),
                ("departments", warehouse.clone()),
            ],
            "full_name",
            "Обязательное поле",
        ),
    ];
    for (fields, field, says) in &cases {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = grant(&app, &fields).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        assert!(
            r.body.contains(&format!("data-field=\"{field}\"")),
            "{field}"
        );
        assert!(r.body.contains(says), "{field}: {says}");
    }
    let grants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM grants")
        .fetch_one(&app.db.pool)
        .await
        .expect("grants");
    assert_eq!(grants, 0, "nothing written");
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE msisdn = $1")
        .bind(MANAGER)
        .fetch_one(&app.db.pool)
        .await
        .expect("users");
    assert_eq!(users, 0);
    let refused: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access.grant_refused'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(refused, cases.len() as i64);
}

async fn a_manager_hands_on_only_what_they_hold(b: Backend) {
    let app = spawn_app(b).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let warehouse = c.warehouse.to_string();
    let logistics = c.logistics.to_string();
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "lines.view"),
            ("rights", "users.manage"),
            ("departments", &warehouse),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let manager = manager_signed_in(&app).await;
    assert_eq!(manager.get("/access").await.status, 200);
    let deputy = "+79035553344";
    let more = manager
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", deputy),
                ("full_name", "Зам"),
                ("rights", "lines.tariff"),
                ("departments", &warehouse),
            ],
        )
        .await;
    assert_eq!(more.status, 422);
    assert!(more.body.contains("у вас его нет"));
    let wider = manager
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", deputy),
                ("full_name", "Зам"),
                ("rights", "lines.view"),
                ("departments", &logistics),
            ],
        )
        .await;
    assert_eq!(wider.status, 422);
    assert!(wider.body.contains("вне ваших прав"));
    let fair = manager
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", deputy),
                ("full_name", "Зам"),
                ("rights", "lines.view"),
                ("departments", &warehouse),
            ],
        )
        .await;
    assert_eq!(fair.status, 303, "{}", fair.body);
    // Nor can they make anyone an admin.
    let deputy_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE msisdn = $1")
        .bind(deputy)
        .fetch_one(&app.db.pool)
        .await
        .expect("deputy");
    let promote = manager
        .submit(
            "/access",
            &format!("/access/members/{deputy_id}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(promote.status, 404, "roles are the admins' alone");
}

async fn the_company_keeps_an_admin(b: Backend) {
    let app = spawn_app(b).await;
    company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let me: i64 = sqlx::query_scalar("SELECT id FROM users WHERE msisdn = $1")
        .bind(ADMIN)
        .fetch_one(&app.db.pool)
        .await
        .expect("me");
    let page = app.get("/access").await;
    assert!(
        !page.body.contains(&format!("/access/members/{me}/remove"))
            && !page.body.contains(&format!("/access/members/{me}/block")),
        "the last admin is not offered to be removed or blocked"
    );
    assert!(
        page.body
            .contains("id=\"token-scope\" data-for-rights hidden"),
        "a token of a whole role hides the rights it does not need"
    );
    let demote = app
        .submit(
            "/access",
            &format!("/access/members/{me}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(demote.status, 422);
    assert!(demote.body.contains("хотя бы один администратор"));
    let leave = app
        .submit("/access", &format!("/access/members/{me}/remove"), &[])
        .await;
    assert_eq!(leave.status, 422);

    // With a second admin, the first may step down; the change reaches the session at once.
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "finance.view"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let other: i64 = sqlx::query_scalar("SELECT id FROM users WHERE msisdn = $1")
        .bind(MANAGER)
        .fetch_one(&app.db.pool)
        .await
        .expect("other");
    let promote = app
        .submit(
            "/access",
            &format!("/access/members/{other}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(promote.status, 303);
    let step_down = app
        .submit(
            "/access",
            &format!("/access/members/{me}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(step_down.status, 303);
    assert_eq!(app.get("/access").await.status, 403, "an accountant now");
    assert_eq!(
        app.get("/lines").await.status,
        200,
        "accountants read lines"
    );
}

/// A request reads on the connection its session was read on, and takes a second one only
/// from the other pool. So with one connection in each pool, side by side requests of an admin
/// and of a manager (whose grants are read per request) all finish; none waits for a second
/// connection of a pool it already holds one of (that would end in the pool's timeout, a 500).
async fn requests_finish_side_by_side_on_one_connection_a_pool(b: Backend) {
    let app = spawn_app_with(b, |s| s.db_max_connections = 1).await;
    let c = company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let logistics = c.logistics.to_string();
    let r = grant(
        &app,
        &[
            ("number", MANAGER),
            ("full_name", "Петров Пётр"),
            ("rights", "lines.view"),
            ("departments", &logistics),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let manager = manager_signed_in(&app).await;
    let line = line_id(&app, "+79161110003").await;
    let card = format!("/lines/{line}");
    let api_card = format!("/api/v1/lines/{line}");
    let paths = [
        "/lines",
        card.as_str(),
        "/lines?q=0003",
        "/lines/export?format=csv&encoding=utf8",
        "/overview",
        "/access/matrix",
        "/api/v1/lines",
        api_card.as_str(),
    ];
    let admin = paths.iter().map(|p| app.get(p));
    let managed = paths.iter().take(4).map(|p| manager.get(p));
    let (admin, managed) = tokio::join!(
        futures_util::future::join_all(admin),
        futures_util::future::join_all(managed)
    );
    for (path, r) in paths.iter().zip(&admin).chain(paths.iter().zip(&managed)) {
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    assert!(
        managed[0].body.contains("+7 916 111-00-03"),
        "the manager's line"
    );
    assert!(
        !managed[0].body.contains("+7 916 111-00-04"),
        "not another department's"
    );
}

/// An admin invites an accountant straight into the role: the person is told by SMS, signs in
/// as the accountant; someone in the company already is refused, and so is a delegate.
async fn an_admin_invites_an_accountant(b: Backend) {
    let app = spawn_app(b).await;
    company(&app).await;
    app.login(ADMIN, PASSWORD).await;
    let r = app
        .submit(
            "/access",
            "/access/invite",
            &[
                ("number", "+7 903 555-77-88"),
                ("full_name", "Счётова Анна"),
                ("role", "accountant"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (303, Some("/access")),
        "{}",
        r.body
    );
    let page = app.get("/access").await;
    assert!(page.body.contains("Приглашение отправлено: «Счётова Анна»"));
    let role: String = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.msisdn = '+79035557788'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("a member");
    assert_eq!(role, "accountant");
    app.sent().await;
    let sms = simfleet::sms::last_in_outbox(&app.db, "+79035557788")
        .await
        .expect("outbox")
        .expect("an invitation");
    assert!(sms.contains("открыла вам доступ"), "{sms}");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'access.invite'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(audited, 1);

    let again = app
        .submit(
            "/access",
            "/access/invite",
            &[
                ("number", "+79035557788"),
                ("full_name", "Анна"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("уже в компании"), "{}", again.body);

    // The accountant signs in by code and is the accountant.
    let accountant = app.another_instance().await;
    assert_eq!(accountant.login_by_code("+79035557788").await.status, 303);
    assert_eq!(
        accountant.get("/access").await.status,
        403,
        "an accountant manages no one"
    );
}

on_both!(
    an_admin_invites_an_accountant,
    requests_finish_side_by_side_on_one_connection_a_pool,
    a_manager_sees_and_changes_only_the_granted_subtree,
    a_grant_stops_at_its_date_and_when_revoked,
    bad_grants_are_refused_with_reasons_and_audited,
    a_manager_hands_on_only_what_they_hold,
    the_company_keeps_an_admin,
);
