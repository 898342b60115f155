//! The overview's figures and the audit log's filters, read as an administrator sees them.

use simfleet::services::departments::{self, DepartmentInput};

use crate::helpers::{ADMIN, Backend, PASSWORD, spawn_app};
use crate::on_both;

fn row_count(html: &str, table_id: &str, key: &str) -> String {
    let table = &html[html.find(&format!("id=\"{table_id}\"")).expect("table")..];
    let row = &table[table
        .find(&format!("data-key=\"{key}\""))
        .unwrap_or_else(|| panic!("row {key}"))..];
    let cell = &row[row.find("class=\"num\">").expect("count") + "class=\"num\">".len()..];
    cell[..cell.find('<').expect("end")].to_owned()
}

async fn the_overview_counts_lines_by_status_and_department(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(
        company,
        &[
            "+79160000001",
            "+79160000002",
            "+79160000003",
            "+79160000004",
            "+79160000005",
        ],
    )
    .await;
    let permit = app.permit(company);
    let top = departments::create(
        &app.db,
        &permit,
        &DepartmentInput {
            name: "Логистика".into(),
            ..Default::default()
        },
    )
    .await
    .expect("dept");
    let sub = departments::create(
        &app.db,
        &permit,
        &DepartmentInput {
            name: "Склад".into(),
            parent_id: top.to_string(),
            ..Default::default()
        },
    )
    .await
    .expect("dept");
    for (msisdn, dept, status) in [
        ("+79160000001", top, "active"),
        ("+79160000002", sub, "suspended"),
        ("+79160000003", sub, "blocked"),
    ] {
        sqlx::query("UPDATE lines SET department_id = $1, status = $2 WHERE msisdn = $3")
            .bind(dept)
            .bind(status)
            .bind(msisdn)
            .execute(&app.db.pool)
            .await
            .expect("update");
    }
    app.login(ADMIN, PASSWORD).await;
    let page = app.get("/overview").await;
    assert!(page.body.contains("id=\"lines-total\">5<"));
    assert_eq!(row_count(&page.body, "by-status", "active"), "3");
    assert_eq!(row_count(&page.body, "by-status", "suspended"), "1");
    assert_eq!(row_count(&page.body, "by-status", "blocked"), "1");
    assert_eq!(row_count(&page.body, "by-status", "terminated"), "0");
    assert_eq!(
        row_count(&page.body, "by-department", &top.to_string()),
        "3",
        "a department counts its subtree"
    );
    assert_eq!(
        row_count(&page.body, "by-department", &sub.to_string()),
        "2"
    );
    assert_eq!(row_count(&page.body, "by-department", "none"), "2");
    // Five lines on "Бизнес Старт" at 450 ₽.
    assert!(page.body.contains("2\u{a0}250,00\u{a0}₽"), "monthly fees");
}

async fn the_audit_log_filters_by_action_object_and_date(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    app.login(ADMIN, PASSWORD).await;
    app.submit(
        "/departments/new",
        "/departments",
        &[("name", "Продажи"), ("parent_id", ""), ("cost_centre", "")],
    )
    .await;
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79260000001"]).await;

    let found = |html: &str| -> i64 {
        let at = html.find("id=\"found-count\">").expect("count") + "id=\"found-count\">".len();
        html[at..at + html[at..].find('<').expect("end")]
            .parse()
            .expect("number")
    };
    let all = app.get("/audit").await;
    assert_eq!(all.status, 200);
    // company.create, two line.add, session.login, department.create: this company's own only.
    assert_eq!(found(&all.body), 5, "{}", all.body);
    assert!(
        all.body.contains("+7 916 123-45-67"),
        "the actor is shown by their number"
    );
    assert_eq!(found(&app.get("/audit?action=line.add").await.body), 2);
    assert_eq!(found(&app.get("/audit?object=department").await.body), 1);
    // The log's days are Moscow's (UTC+3).
    let today = (chrono::Utc::now() + chrono::Duration::hours(3)).date_naive();
    let tomorrow = today.succ_opt().expect("date");
    assert_eq!(
        found(
            &app.get(&format!("/audit?from={today}&to={today}"))
                .await
                .body
        ),
        5
    );
    assert_eq!(found(&app.get("/audit?object=session").await.body), 1);
    assert_eq!(
        found(&app.get(&format!("/audit?from={tomorrow}")).await.body),
        0
    );
    let bad = app.get("/audit?from=25.11.2026").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body
            .contains("From: «25.11.2026» — не дата (ГГГГ-ММ-ДД)")
    );
}

/// Logs in with the admin's number and returns the session cookie the answer sets.
async fn session_cookie_set_at_login(app: &crate::helpers::TestApp) -> String {
    app.seed_company().await;
    let token = app.csrf("/login").await;
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("number", ADMIN),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("sf_session="))
        .map(str::to_owned)
        .expect("a session cookie")
}

async fn session_cookies_are_http_only_and_same_site(b: Backend) {
    let session = session_cookie_set_at_login(&spawn_app(b).await).await;
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Path=/"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP in tests; cookie_secure turns it on"
    );
    let secure = crate::helpers::spawn_app_with(b, |s| s.cookie_secure = true).await;
    assert!(
        session_cookie_set_at_login(&secure)
            .await
            .contains("Secure")
    );
}

on_both!(
    the_overview_counts_lines_by_status_and_department,
    the_audit_log_filters_by_action_object_and_date,
    session_cookies_are_http_only_and_same_site,
);
