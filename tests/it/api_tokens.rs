//! API tokens: issued on the access page and shown once, stored hashed, used as
//! `Authorization: Bearer`, authorized like a person (role or rights over a scope), revocable,
//! expiring, last use recorded.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

/// Calls the API with a token and no cookie.
async fn with_token(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut req = client
        .request(method, app.url(path))
        .header("authorization", format!("Bearer {token}"));
    if let Some(b) = body {
        req = req.json(&b).header("idempotency-key", "t-1");
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn issue(app: &TestApp, fields: &[(&str, &str)]) -> Option<String> {
    let page = app.submit("/access", "/access/tokens", fields).await;
    let at = page.body.find("sft_")?;
    Some(page.body[at..at + 68].to_owned())
}

async fn setup(b: Backend) -> (TestApp, i64) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79161110001", "+79161110002", "+79161110003"])
        .await;
    app.login(ADMIN, PASSWORD).await;
    (app, company)
}

async fn an_accountant_token_reads_and_changes_nothing(b: Backend) {
    let (app, _) = setup(b).await;
    let token = issue(&app, &[("name", "1С:Бухгалтерия"), ("role", "accountant")])
        .await
        .expect("the secret, shown once");
    assert!(token.starts_with("sft_") && token.len() == 68);
    // Shown once: the page afterwards has only its start.
    let later = app.get("/access").await;
    assert!(!later.body.contains(&token) && later.body.contains(&token[..12]));
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .expect("row");
    assert_ne!(stored, token);
    assert_eq!(stored, simfleet::services::auth::token_hash(&token));

    let (status, body) =
        with_token(&app, &token, reqwest::Method::GET, "/api/v1/lines", None).await;
    assert_eq!((status, &body["total"]), (200, &json!(3)), "{body}");
    let used: Option<i64> = sqlx::query_scalar("SELECT last_used_at FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .expect("used");
    assert!(used.is_some(), "last use recorded");
    let line: i64 = body["items"][0]["id"].as_i64().expect("id");
    let (status, body) = with_token(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/lines/{line}/changes"),
        Some(json!({ "action": "suspend", "reason": "отпуск" })),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    // Pages are for people: a token opens none of them.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(app.url("/lines"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 303);

    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .expect("id");
    let revoked = app
        .submit("/access", &format!("/access/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    let (status, body) =
        with_token(&app, &token, reqwest::Method::GET, "/api/v1/lines", None).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (401, &json!("invalid_token"))
    );
    let (status, _) = with_token(
        &app,
        "sft_nonsense",
        reqwest::Method::GET,
        "/api/v1/lines",
        None,
    )
    .await;
    assert_eq!(status, 401);
}

async fn a_token_with_rights_acts_only_within_them_until_its_date(b: Backend) {
    let (app, company) = setup(b).await;
    let dept: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, 'Склад', '', 0) RETURNING id",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    sqlx::query(
        "UPDATE lines SET department_id = $1 WHERE msisdn IN ('+79161110001', '+79161110002')",
    )
    .bind(dept)
    .execute(&app.db.pool)
    .await
    .expect("place");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let d = dept.to_string();
    let token = issue(
        &app,
        &[
            ("name", "Склад-бот"),
            ("role", "rights"),
            ("rights", "lines.services"),
            ("departments", &d),
            ("until", &tomorrow),
        ],
    )
    .await
    .expect("secret");
    let (status, body) =
        with_token(&app, &token, reqwest::Method::GET, "/api/v1/lines", None).await;
    assert_eq!((status, &body["total"]), (200, &json!(2)), "{body}");
    let outside: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79161110003'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    let (status, _) = with_token(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/lines/{outside}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let inside = body["items"][0]["id"].as_i64().expect("id");
    let (status, body) = with_token(
        &app,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/lines/{inside}/changes"),
        Some(json!({ "action": "enable_service", "service": "anti-spam" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let actor: String = sqlx::query_scalar(
        "SELECT actor_label FROM audit_log WHERE action = 'line.enable_service'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("audited");
    assert_eq!(actor, "API: Склад-бот");

    app.clock.advance(Duration::from_secs(3 * 24 * 3600));
    let (status, _) = with_token(&app, &token, reqwest::Method::GET, "/api/v1/lines", None).await;
    assert_eq!(status, 401, "past its date");
}

async fn tokens_hand_on_no_more_than_their_issuer_holds(b: Backend) {
    let (app, company) = setup(b).await;
    let d: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, 'Склад', '', 0) RETURNING id",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    let d = d.to_string();
    let r = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", "+79035551122"),
                ("full_name", "Петров Пётр"),
                ("rights", "lines.view"),
                ("rights", "users.manage"),
                ("departments", &d),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let manager = app.another_instance().await;
    manager.login_by_code("+79035551122").await;
    let admin_token = manager
        .submit(
            "/access",
            "/access/tokens",
            &[("name", "x"), ("role", "admin")],
        )
        .await;
    assert_eq!(admin_token.status, 422);
    assert!(admin_token.body.contains("data-field=\"token.role\""));
    let wider = manager
        .submit(
            "/access",
            "/access/tokens",
            &[
                ("name", "x"),
                ("role", "rights"),
                ("rights", "lines.tariff"),
                ("departments", &d),
            ],
        )
        .await;
    assert_eq!(wider.status, 422);
    assert!(wider.body.contains("у вас его нет"));
    let fair = issue(
        &manager,
        &[
            ("name", "Отчёт склада"),
            ("role", "rights"),
            ("rights", "lines.view"),
            ("departments", &d),
        ],
    )
    .await;
    assert!(fair.is_some());
    let tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .expect("tokens");
    assert_eq!(tokens, 1);
}

/// A token with rights over a department runs a bulk change there as a person would: it
/// follows its own operation to the end; another token with the same rights does not see it.
async fn a_token_with_rights_runs_and_follows_its_own_bulk_change(b: Backend) {
    let (app, company) = setup(b).await;
    let dept: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, 'Склад', '', 0) RETURNING id",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    sqlx::query(
        "UPDATE lines SET department_id = $1 WHERE msisdn IN ('+79161110001', '+79161110002')",
    )
    .bind(dept)
    .execute(&app.db.pool)
    .await
    .expect("place");
    let d = dept.to_string();
    let fields = |name: &'static str| {
        vec![
            ("name", name),
            ("role", "rights"),
            ("rights", "lines.view"),
            ("rights", "lines.services"),
            ("rights", "bulk.run"),
            ("departments", d.as_str()),
        ]
    };
    let token = issue(&app, &fields("Склад-бот")).await.expect("secret");
    let other = issue(&app, &fields("Склад-бот 2")).await.expect("secret");
    let (status, op) = with_token(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/bulk",
        Some(json!({"filter": {}, "change": {"action": "enable_service", "service": "anti-spam"}})),
    )
    .await;
    assert_eq!(status, 202, "{op}");
    let path = format!("/api/v1/bulk/{}", op["id"].as_i64().expect("id"));
    let mut state = Value::Null;
    for _ in 0..3_000 {
        let (status, body) = with_token(&app, &token, reqwest::Method::GET, &path, None).await;
        assert_eq!(status, 200, "the token sees its own operation: {body}");
        state = body;
        if state["state"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state["state"], "done", "{state}");
    assert_eq!(state["counts"]["changed"], 2, "{state}");
    let (status, _) = with_token(&app, &other, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 404, "another token's operation is not this one's");
}

on_both!(
    a_token_with_rights_runs_and_follows_its_own_bulk_change,
    an_accountant_token_reads_and_changes_nothing,
    a_token_with_rights_acts_only_within_them_until_its_date,
    tokens_hand_on_no_more_than_their_issuer_holds,
);
