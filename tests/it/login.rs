use crate::helpers::{ADMIN, Backend, PASSWORD, spawn_app};
use crate::on_both;

async fn sessions(app: &crate::helpers::TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT id_hash FROM sessions ORDER BY id_hash")
        .fetch_all(&app.db.pool)
        .await
        .expect("sessions")
}

async fn login_renews_the_session_and_logout_ends_it(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    let r = app.get("/overview").await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));

    let r = app.login("8 (916) 123-45-67", PASSWORD).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/overview")));
    let first = sessions(&app).await;
    assert_eq!(first.len(), 1);
    let page = app.get("/overview").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("ООО «Ромашка»"), "{}", page.body);
    assert!(page.body.contains("770000000001"));

    // A signed-in visitor is sent on from the login page.
    assert_eq!(app.get("/login").await.location.as_deref(), Some("/"));
    // Logging in again (with a live session cookie) replaces the session id. The form's
    // token is one another instance made: they share the key it is signed with.
    let token = app.another_instance().await.csrf("/login").await;
    let url = app.url("/").parse().expect("url");
    app.cookies
        .add_cookie_str(&format!("sf_csrf={token}; Path=/"), &url);
    let r = app
        .post(
            "/login",
            &[
                ("csrf", token.as_str()),
                ("number", ADMIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let second = sessions(&app).await;
    assert_eq!(second.len(), 1);
    assert_ne!(first, second);

    let r = app.submit("/overview", "/logout", &[]).await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert!(sessions(&app).await.is_empty());
    assert_eq!(app.get("/overview").await.status, 303);
    let trail: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT action, company_id FROM audit_log WHERE object_type = 'session' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("audit");
    let company = Some(1);
    assert_eq!(
        trail,
        [
            ("session.login".into(), company),
            ("session.login".into(), company),
            ("session.logout".into(), company)
        ]
    );
}

async fn wrong_password_and_unknown_number_get_the_same_answer(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    let wrong = app.login(ADMIN, "not-the-password").await;
    let unknown = app.login("+79990000000", PASSWORD).await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, 401);
        assert!(r.body.contains("Неверный номер или пароль"));
    }
    assert!(sessions(&app).await.is_empty());
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'session.login_failed'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(failures, 2);
}

async fn a_malformed_number_is_marked_on_the_form(b: Backend) {
    let app = spawn_app(b).await;
    let r = app.login("12345", PASSWORD).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Номер 12345 — слишком короткий"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(
        r.body.contains("value=\"12345\""),
        "the number stays in the form"
    );
}

async fn forms_without_the_csrf_token_are_refused(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.get("/login").await;
    let r = app
        .post("/login", &[("number", ADMIN), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .post(
            "/login",
            &[
                ("csrf", "forged"),
                ("number", ADMIN),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    // An equal cookie and field the server did not make (a cookie set by another host).
    let url = app.url("/").parse().expect("url");
    for planted in ["planted-pair", "00.00"] {
        app.cookies
            .add_cookie_str(&format!("sf_csrf={planted}; Path=/"), &url);
        let r = app
            .post(
                "/login",
                &[("csrf", planted), ("number", ADMIN), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, 403, "{planted}");
    }
    assert!(sessions(&app).await.is_empty());

    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
    let r = app.post("/logout", &[("csrf", "forged")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        sessions(&app).await.len(),
        1,
        "a forged logout ends nothing"
    );
}

/// Where cookies are secure, the pre-session form cookie is a `__Host-` one: only this host,
/// over HTTPS, for every path, can set it.
async fn the_form_cookie_is_host_bound_where_cookies_are_secure(b: Backend) {
    let app = crate::helpers::spawn_app_with(b, |s| s.cookie_secure = true).await;
    let page = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("login");
    let set: Vec<&str> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let cookie = set
        .iter()
        .find(|c| c.starts_with("__Host-sf_csrf="))
        .unwrap_or_else(|| panic!("no __Host- cookie in {set:?}"));
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
}

async fn a_stale_session_is_sent_to_log_in(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    assert_eq!(app.get("/overview").await.status, 200);
    // Idle for longer than the idle timeout (15 minutes by default).
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 16 * 60000")
        .execute(&app.db.pool)
        .await
        .expect("ageing the session");
    let r = app.get("/overview").await;
    assert_eq!((r.status, r.location.as_deref()), (303, Some("/login")));
    assert!(sessions(&app).await.is_empty());
}

async fn last_activity_is_written_at_most_once_a_minute(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let seen = || async {
        sqlx::query_scalar::<_, i64>("SELECT last_seen_at FROM sessions")
            .fetch_one(&app.db.pool)
            .await
            .expect("last seen")
    };
    let at_login = seen().await;
    app.get("/overview").await;
    app.get("/lines").await;
    assert_eq!(seen().await, at_login, "recent activity is not rewritten");
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 120000")
        .execute(&app.db.pool)
        .await
        .expect("ageing");
    app.get("/overview").await;
    assert!(
        seen().await >= at_login,
        "activity after a minute is written"
    );
}

async fn a_number_serving_two_companies_picks_one(b: Backend) {
    let app = spawn_app(b).await;
    let first = app.seed_company().await;
    let second = app.seed(ADMIN, "7728419375", "АО «Вектор»").await;
    let r = app.login(ADMIN, PASSWORD).await;
    assert_eq!(r.location.as_deref(), Some("/choose"));
    assert_eq!(
        app.get("/overview").await.location.as_deref(),
        Some("/choose")
    );
    let page = app.get("/choose").await;
    assert!(page.body.contains("ООО «Ромашка»") && page.body.contains("АО «Вектор»"));

    let outsider = app.seed("+79995550000", "500100732259", "ИП Сидоров").await;
    let r = app
        .submit(
            "/choose",
            "/choose",
            &[("company_id", &outsider.to_string())],
        )
        .await;
    assert_eq!(r.status, 404, "a company the number does not serve");

    let ids = async || -> Vec<String> {
        sqlx::query_scalar("SELECT id_hash FROM sessions")
            .fetch_all(&app.db.pool)
            .await
            .expect("sessions")
    };
    let before = ids().await;
    let r = app
        .submit("/choose", "/choose", &[("company_id", &second.to_string())])
        .await;
    assert_eq!(r.location.as_deref(), Some("/overview"));
    let after = ids().await;
    assert_eq!((before.len(), after.len()), (1, 1));
    assert_ne!(before, after, "a new session id once a company is chosen");
    assert!(app.get("/overview").await.body.contains("АО «Вектор»"));
    let r = app
        .submit("/choose", "/choose", &[("company_id", &first.to_string())])
        .await;
    assert_eq!(r.status, 303);
    assert!(app.get("/overview").await.body.contains("ООО «Ромашка»"));
}

async fn staff_log_in_the_same_way_and_see_every_company(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    let (number, _) = simfleet::services::companies::add_staff(
        &app.db,
        &simfleet::authz::OperatorPermit::cli(),
        "+79030000001",
        "Оператор Смена 1",
        Some("staff-password-1".into()),
    )
    .await
    .expect("staff");
    let r = app.login(number.as_str(), "staff-password-1").await;
    assert_eq!(r.location.as_deref(), Some("/choose"));
    let page = app.get("/choose").await;
    assert!(page.body.contains("ООО «Ромашка»") && page.body.contains("АО «Вектор»"));
}

async fn the_language_switch_keeps_the_page(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    assert!(app.get("/lines").await.body.contains("Номера"));
    let r = app.get("/lang/en?back=/lines%3Fstatus%3Dactive").await;
    assert_eq!(r.location.as_deref(), Some("/lines?status=active"));
    let page = app.get("/lines").await;
    assert!(
        page.body.contains("Lines") && page.body.contains("Monthly total"),
        "{}",
        page.body
    );
    for off_site in [
        "https://evil.example",
        "/%09/evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "/%01x",
        "/%5Cevil.example",
    ] {
        let r = app.get(&format!("/lang/en?back={off_site}")).await;
        assert_eq!(
            (r.status, r.location.as_deref()),
            (303, Some("/")),
            "no open redirect: {off_site}"
        );
    }
}

on_both!(
    login_renews_the_session_and_logout_ends_it,
    wrong_password_and_unknown_number_get_the_same_answer,
    a_malformed_number_is_marked_on_the_form,
    forms_without_the_csrf_token_are_refused,
    the_form_cookie_is_host_bound_where_cookies_are_secure,
    a_stale_session_is_sent_to_log_in,
    last_activity_is_written_at_most_once_a_minute,
    a_number_serving_two_companies_picks_one,
    staff_log_in_the_same_way_and_see_every_company,
    the_language_switch_keeps_the_page,
);
