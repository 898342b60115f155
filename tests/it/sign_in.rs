//! Signing in by SMS code, the wrong-password lock and throttle, and new passwords by code.

use std::time::Duration;

use crate::helpers::{ADMIN, Backend, PASSWORD, Response, TestApp, spawn_app_with};
use crate::on_both;

const STRANGER: &str = "+79035550000";

async fn app(b: Backend) -> TestApp {
    let app = spawn_app_with(b, |s| s.trust_forwarded = true).await;
    app.seed_company().await;
    app
}

/// The six digits of the newest SMS to a number.
async fn code_sent_to(app: &TestApp, number: &str) -> Option<String> {
    app.sent().await;
    let body = simfleet::sms::last_in_outbox(&app.db, number)
        .await
        .expect("outbox")?;
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    Some(digits[digits.len() - 6..].to_owned())
}

async fn ask_code(app: &TestApp, number: &str) -> Response {
    app.submit("/login/code", "/login/code", &[("number", number)])
        .await
}

async fn enter_code(app: &TestApp, code: &str) -> Response {
    app.submit("/login/code/enter", "/login/code/enter", &[("code", code)])
        .await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn the_owner_signs_in_with_a_code_once(b: Backend) {
    let app = app(b).await;
    let asked = ask_code(&app, "8 (916) 123-45-67").await;
    assert_eq!(
        (asked.status, asked.location.as_deref()),
        (303, Some("/login/code/enter"))
    );
    let code = code_sent_to(&app, ADMIN)
        .await
        .expect("an SMS to the admin");
    let entered = enter_code(&app, &code).await;
    assert_eq!(
        (entered.status, entered.location.as_deref()),
        (303, Some("/overview"))
    );
    assert_eq!(app.get("/overview").await.status, 200);

    // Stored hashed: neither the code nor its plain hash is in the table.
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM sign_in_codes")
        .fetch_one(&app.db.pool)
        .await
        .expect("row");
    assert!(!stored.contains(&code));
    assert_ne!(
        stored,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(code.as_bytes()))
    );

    // Single use: the same code again (signed out) lets no one in.
    app.submit("/overview", "/logout", &[]).await;
    let again = enter_code(&app, &code).await;
    assert_eq!(again.status, 401);
    assert!(again.body.contains("Неверный или устаревший код"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'session.code_sent'"
        )
        .await,
        1
    );
}

async fn a_code_expires_after_five_minutes(b: Backend) {
    let app = app(b).await;
    ask_code(&app, ADMIN).await;
    let code = code_sent_to(&app, ADMIN).await.expect("sms");
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    assert_eq!(enter_code(&app, &code).await.status, 401);
}

async fn five_wrong_tries_void_the_code(b: Backend) {
    let app = app(b).await;
    ask_code(&app, ADMIN).await;
    let code = code_sent_to(&app, ADMIN).await.expect("sms");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(enter_code(&app, wrong).await.status, 401);
    }
    assert_eq!(
        enter_code(&app, &code).await.status,
        401,
        "void after 5 tries"
    );
}

async fn a_code_works_only_for_the_attempt_it_was_sent_for(b: Backend) {
    let app = app(b).await;
    ask_code(&app, ADMIN).await;
    let first = code_sent_to(&app, ADMIN).await.expect("sms");
    // A new attempt (the browser's attempt cookie is replaced): the first code is not its code.
    ask_code(&app, ADMIN).await;
    let second = code_sent_to(&app, ADMIN).await.expect("sms");
    if first != second {
        assert_eq!(enter_code(&app, &first).await.status, 401);
    }
    assert_eq!(enter_code(&app, &second).await.status, 303);
}

async fn an_unknown_number_gets_the_same_answer(b: Backend) {
    let app = app(b).await;
    let known = ask_code(&app, ADMIN).await;
    let unknown = ask_code(&app, STRANGER).await;
    assert_eq!(
        (unknown.status, unknown.location.as_deref()),
        (known.status, known.location.as_deref())
    );
    assert_eq!(
        code_sent_to(&app, STRANGER).await,
        None,
        "no SMS to a stranger"
    );
    let page = app.get("/login/code/enter").await;
    assert!(page.body.contains("Если номер зарегистрирован"));
    let entered = enter_code(&app, "123456").await;
    assert_eq!(entered.status, 401);
    assert!(entered.body.contains("Неверный или устаревший код"));
}

async fn codes_are_limited_per_number_and_per_address(b: Backend) {
    let app = app(b).await;
    for _ in 0..3 {
        assert_eq!(ask_code(&app, ADMIN).await.status, 303);
    }
    let fourth = ask_code(&app, ADMIN).await;
    assert_eq!(fourth.status, 429);
    assert!(
        fourth.body.contains("Слишком много запросов кода"),
        "{}",
        fourth.body
    );
    app.clock.advance(Duration::from_secs(10 * 60 + 1));
    assert_eq!(ask_code(&app, ADMIN).await.status, 303);

    // One address asking for many numbers.
    let token = app.csrf("/login/code").await;
    let mut last = 0;
    for i in 0..11 {
        let number = format!("+7903555{i:04}");
        let r = app
            .post_from(
                "203.0.113.7",
                "/login/code",
                &[("csrf", &token), ("number", &number)],
            )
            .await;
        last = r.status;
        if i < 10 {
            assert_eq!(r.status, 303, "request {i}");
        }
    }
    assert_eq!(last, 429);
    // Another address is not held up by it.
    let other = app
        .post_from(
            "203.0.113.8",
            "/login/code",
            &[("csrf", &token), ("number", STRANGER)],
        )
        .await;
    assert_eq!(other.status, 303);
}

async fn wrong_password_form(app: &TestApp, ip: &str, number: &str, password: &str) -> Response {
    let token = app.csrf("/login").await;
    app.post_from(
        ip,
        "/login",
        &[("csrf", &token), ("number", number), ("password", password)],
    )
    .await
}

async fn five_wrong_passwords_require_a_code_even_after_a_restart(b: Backend) {
    let app = app(b).await;
    for _ in 0..5 {
        let r = wrong_password_form(&app, "198.51.100.1", ADMIN, "not-the-password").await;
        assert_eq!(r.status, 401);
    }
    let locked = app.login(ADMIN, PASSWORD).await;
    assert_eq!(locked.status, 403);
    assert!(locked.body.contains("Войдите по SMS-коду"));

    // Another instance (or this one restarted) counts the same.
    let other = app.another_instance().await;
    assert_eq!(other.login(ADMIN, PASSWORD).await.status, 403);

    // The code lets the owner in and clears the count.
    ask_code(&other, ADMIN).await;
    let code = code_sent_to(&other, ADMIN).await.expect("sms");
    assert_eq!(enter_code(&other, &code).await.status, 303);
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
}

async fn a_flood_from_one_address_is_throttled_without_locking_the_owner(b: Backend) {
    let app = app(b).await;
    for i in 0..20 {
        let number = format!("+7903444{i:04}");
        wrong_password_form(&app, "192.0.2.66", &number, "guess-guess").await;
    }
    let throttled = wrong_password_form(&app, "192.0.2.66", ADMIN, PASSWORD).await;
    assert_eq!(throttled.status, 429);
    // The owner, elsewhere, signs in with the password as usual.
    let owner = wrong_password_form(&app, "192.0.2.10", ADMIN, PASSWORD).await;
    assert_eq!(
        (owner.status, owner.location.as_deref()),
        (303, Some("/overview"))
    );
}

async fn reset(app: &TestApp, password: &str, confirm: &str) -> Response {
    let code = code_sent_to(app, ADMIN).await.expect("sms");
    app.submit(
        "/password/forgot/enter",
        "/password/forgot/enter",
        &[
            ("code", &code),
            ("password", password),
            ("confirm", confirm),
        ],
    )
    .await
}

async fn ask_reset(app: &TestApp) -> Response {
    app.submit("/password/forgot", "/password/forgot", &[("number", ADMIN)])
        .await
}

/// How many rows each table the code step touches holds.
async fn written(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "sign_in_codes",
        "audit_log",
        "sms_outbox",
        "users",
        "sessions",
        "login_failures",
        "password_changes",
        "limit_keys",
    ] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        out.push((table, n));
    }
    out
}

/// «Не помню пароль» does the same for a number someone has and one nobody has: the same
/// answer, the same rows written by the request, and the SMS sent apart from it, so even a
/// gateway that fails tells nothing.
async fn a_forgotten_password_request_writes_the_same_for_anyone(b: Backend) {
    let app = spawn_app_with(b, |s| s.sms_url = Some("http://127.0.0.1:9/sms".into())).await;
    app.seed_company().await;
    let ask = async |number: &str| {
        let before = written(&app).await;
        let r = app
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("number", number)],
            )
            .await;
        app.sent().await;
        let after = written(&app).await;
        let delta: Vec<(&str, i64)> = before
            .iter()
            .zip(&after)
            .map(|((table, b), (_, a))| (*table, a - b))
            .collect();
        let audit: (String, String) =
            sqlx::query_as("SELECT action, after_json FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_one(&app.db.pool)
                .await
                .expect("audit");
        (r.status, r.location, delta, audit)
    };
    // A first request from this address makes its limit's row once, for whichever number.
    ask("+79035550009").await;
    let known = ask(ADMIN).await;
    let unknown = ask(STRANGER).await;
    assert_eq!(
        (known.0, &known.1),
        (303, &Some("/password/forgot/enter".to_owned()))
    );
    assert_eq!((unknown.0, &unknown.1), (known.0, &known.1));
    assert_eq!(unknown.2, known.2, "the request wrote different rows");
    assert_eq!(
        known.2.iter().find(|(t, _)| *t == "sign_in_codes"),
        Some(&("sign_in_codes", 1))
    );
    assert_eq!(unknown.3.0, known.3.0);
    let keys = |json: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(json).expect("json");
        v.as_object().expect("object").keys().cloned().collect()
    };
    assert_eq!(keys(&unknown.3.1), keys(&known.3.1));
}

async fn a_forgotten_password_is_replaced_by_code_twice_a_day_at_most(b: Backend) {
    let app = app(b).await;
    // A session elsewhere ends when the password changes.
    let elsewhere = app.another_instance().await;
    assert_eq!(elsewhere.login(ADMIN, PASSWORD).await.status, 303);
    assert_eq!(elsewhere.get("/overview").await.status, 200);

    assert_eq!(ask_reset(&app).await.status, 303);
    let common = reset(&app, "qwerty123", "qwerty123").await;
    assert_eq!(common.status, 422);
    assert!(common.body.contains("распространённых"));
    let mismatch = reset(&app, "a-new-long-secret", "a-new-long-secret!").await;
    assert_eq!(mismatch.status, 422);
    // The refusals above did not use the code up.
    let done = reset(&app, "a-new-long-secret", "a-new-long-secret").await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/login?reset=1"))
    );
    assert_eq!(
        elsewhere.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 401);
    assert_eq!(app.login(ADMIN, "a-new-long-secret").await.status, 303);
    app.submit("/overview", "/logout", &[]).await;

    ask_reset(&app).await;
    assert_eq!(
        reset(&app, "second-new-secret", "second-new-secret")
            .await
            .status,
        303
    );
    ask_reset(&app).await;
    let third = reset(&app, "third-new-secret", "third-new-secret").await;
    assert_eq!(third.status, 429);
    assert!(third.body.contains("не чаще 2 раз в сутки"));
    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    ask_reset(&app).await;
    assert_eq!(
        reset(&app, "third-new-secret", "third-new-secret")
            .await
            .status,
        303
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset'"
        )
        .await,
        3
    );
}

on_both!(
    the_owner_signs_in_with_a_code_once,
    a_code_expires_after_five_minutes,
    five_wrong_tries_void_the_code,
    a_code_works_only_for_the_attempt_it_was_sent_for,
    an_unknown_number_gets_the_same_answer,
    codes_are_limited_per_number_and_per_address,
    five_wrong_passwords_require_a_code_even_after_a_restart,
    a_flood_from_one_address_is_throttled_without_locking_the_owner,
    a_forgotten_password_is_replaced_by_code_twice_a_day_at_most,
    a_forgotten_password_request_writes_the_same_for_anyone,
);
