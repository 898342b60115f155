//! The second factor: setting up an authenticator, the second sign-in step, recovery codes,
//! the company's rule for admins, and blocking a member.

use std::time::Duration;

use simfleet::services::second_factor::code_at;

use crate::helpers::{ADMIN, Backend, PASSWORD, Response, TestApp, spawn_app};
use crate::on_both;

const MANAGER: &str = "+79035551122";

async fn app(b: Backend) -> TestApp {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// The text of the element with this id (up to its first tag).
fn text_of(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find('<')?;
    Some(html[start..end].trim().to_owned())
}

/// The recovery codes a page shows.
fn recovery_codes(html: &str) -> Vec<String> {
    let Some(at) = html.find("id=\"recovery-codes\"") else {
        return Vec::new();
    };
    html[at..]
        .split("<li>")
        .skip(1)
        .filter_map(|s| s.split("</li>").next())
        .map(str::to_owned)
        .collect()
}

/// The authenticator's current code for the secret.
fn code(app: &TestApp, secret: &str) -> String {
    code_at(secret, app.clock.now_ms()).expect("code")
}

/// Sets up an authenticator for the signed-in user: the secret and the recovery codes.
pub async fn set_up(app: &TestApp) -> (String, Vec<String>) {
    let started = app.submit("/security", "/security/totp/start", &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let page = app.get("/security").await;
    let secret = text_of(&page.body, "totp-secret")
        .expect("the secret on the page")
        .replace(' ', "");
    assert!(page.body.contains("<svg"), "a QR code");
    let done = app
        .submit(
            "/security",
            "/security/totp/confirm",
            &[("code", &code(app, &secret))],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes = recovery_codes(&done.body);
    assert_eq!(codes.len(), 10, "{}", done.body);
    (secret, codes)
}

async fn second_step(app: &TestApp, code: &str) -> Response {
    app.submit("/login/second", "/login/second", &[("code", code)])
        .await
}

async fn an_authenticator_is_set_up_and_then_asked_for(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    let page = app.get("/security").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("/security/totp/start"));
    app.submit("/security", "/security/totp/start", &[]).await;
    let page = app.get("/security").await;
    let secret = text_of(&page.body, "totp-secret")
        .expect("secret")
        .replace(' ', "");
    assert_eq!(secret.len(), 32, "160 bits in base32");

    // A wrong first code leaves it unconfirmed.
    let wrong = app
        .submit("/security", "/security/totp/confirm", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Код не подошёл"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM totp_secrets WHERE confirmed_at IS NULL"
        )
        .await,
        1
    );
    let first = code(&app, &secret);
    let done = app
        .submit("/security", "/security/totp/confirm", &[("code", &first)])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(recovery_codes(&done.body).len(), 10);
    // Stored hashed, never as shown.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&app.db.pool)
        .await
        .expect("codes");
    assert_eq!(stored.len(), 10);
    assert!(
        recovery_codes(&done.body)
            .iter()
            .all(|c| !stored.contains(c))
    );

    // Signing in now takes two steps; the first alone opens nothing.
    app.submit("/overview", "/logout", &[]).await;
    let login = app.login(ADMIN, PASSWORD).await;
    assert_eq!(login.location.as_deref(), Some("/login/second"));
    assert_eq!(
        app.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    // The code already used to confirm does not work again.
    let reused = second_step(&app, &first).await;
    assert_eq!(reused.status, 401);
    assert!(reused.body.contains("уже использован"));
    app.clock.advance(Duration::from_secs(30));
    let ok = second_step(&app, &code(&app, &secret)).await;
    assert_eq!(ok.location.as_deref(), Some("/overview"), "{}", ok.body);
    assert_eq!(app.get("/overview").await.status, 200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.totp_on'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM sessions WHERE second_factor = 1"
        )
        .await,
        1
    );

    // Signing in by SMS code asks for the second factor too (a SIM swap is not enough).
    app.submit("/overview", "/logout", &[]).await;
    let by_sms = app.login_by_code(ADMIN).await;
    assert_eq!(by_sms.location.as_deref(), Some("/login/second"));
}

async fn a_recovery_code_works_once(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    let (_, codes) = set_up(&app).await;
    app.submit("/overview", "/logout", &[]).await;
    app.login(ADMIN, PASSWORD).await;
    // Typed in capitals with a space instead of the dash: still the code.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let ok = second_step(&app, &typed).await;
    assert_eq!(ok.location.as_deref(), Some("/overview"), "{}", ok.body);
    let page = app.get("/security").await;
    assert_eq!(text_of(&page.body, "codes-left").as_deref(), Some("9"));

    app.submit("/overview", "/logout", &[]).await;
    app.login(ADMIN, PASSWORD).await;
    assert_eq!(second_step(&app, &codes[3]).await.status, 401);
    assert_eq!(
        second_step(&app, &codes[4]).await.location.as_deref(),
        Some("/overview")
    );
}

async fn the_second_step_allows_five_tries_and_five_minutes(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    let (secret, _) = set_up(&app).await;
    app.submit("/overview", "/logout", &[]).await;

    app.login(ADMIN, PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(second_step(&app, "123456").await.status, 401);
    }
    app.clock.advance(Duration::from_secs(30));
    let sixth = second_step(&app, &code(&app, &secret)).await;
    assert_eq!(
        sixth.status, 401,
        "the attempt is void after five wrong codes"
    );

    app.login(ADMIN, PASSWORD).await;
    app.clock.advance(Duration::from_secs(5 * 60 + 1));
    let late = second_step(&app, &code(&app, &secret)).await;
    assert_eq!(late.status, 401, "the attempt lasts five minutes");

    // Without the first step's cookie there is nothing to finish.
    app.clock.advance(Duration::from_secs(30));
    let fresh = app.another_instance().await;
    assert_eq!(second_step(&fresh, &code(&app, &secret)).await.status, 401);
    app.login(ADMIN, PASSWORD).await;
    assert_eq!(
        second_step(&app, &code(&app, &secret))
            .await
            .location
            .as_deref(),
        Some("/overview")
    );
}

async fn turning_it_off_or_renewing_codes_needs_a_current_code(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    let (secret, old) = set_up(&app).await;
    let wrong = app
        .submit("/security", "/security/totp/disable", &[("code", "999999")])
        .await;
    assert_eq!(wrong.status, 422);
    app.clock.advance(Duration::from_secs(30));
    let renewed = app
        .submit(
            "/security",
            "/security/totp/recovery",
            &[("code", &code(&app, &secret))],
        )
        .await;
    let new = recovery_codes(&renewed.body);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));

    // An old recovery code no longer works; a new one turns the factor off.
    let with_old = app
        .submit("/security", "/security/totp/disable", &[("code", &old[0])])
        .await;
    assert_eq!(with_old.status, 422);
    let off = app
        .submit("/security", "/security/totp/disable", &[("code", &new[0])])
        .await;
    assert_eq!(off.status, 303, "{}", off.body);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM totp_secrets").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM recovery_codes").await, 0);
    app.submit("/overview", "/logout", &[]).await;
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.location.as_deref(),
        Some("/overview")
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('user.totp_on', 'user.recovery_codes', 'user.totp_off')"
        )
        .await,
        3
    );
}

async fn the_company_can_require_it_of_admins(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    // A manager with a right, to see the rule leaves non-admins alone.
    let granted = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", MANAGER),
                ("full_name", "Петров Пётр"),
                ("rights", "finance.view"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    let on = app
        .submit("/access", "/access/second-factor", &[("on", "1")])
        .await;
    assert_eq!(on.location.as_deref(), Some("/access"));

    // The admin's own session has no second factor: everything leads to setting one up.
    let overview = app.get("/overview").await;
    assert_eq!(overview.location.as_deref(), Some("/security?required=1"));
    let api = app.get("/api/v1/lines").await;
    assert_eq!(api.status, 403);
    assert!(api.body.contains("second_factor_required"));
    let page = app.get("/security?required=1").await;
    assert!(page.body.contains("Компания требует второй фактор"));
    let (secret, _) = set_up(&app).await;
    assert_eq!(app.get("/overview").await.status, 200);
    // And it cannot be turned off while the company requires it.
    app.clock.advance(Duration::from_secs(30));
    let off = app
        .submit(
            "/security",
            "/security/totp/disable",
            &[("code", &code(&app, &secret))],
        )
        .await;
    assert_eq!(off.status, 422);
    assert!(off.body.contains("обязателен в компании"));

    let manager = app.another_instance().await;
    assert_eq!(
        manager.login_by_code(MANAGER).await.location.as_deref(),
        Some("/overview")
    );
    assert_eq!(manager.get("/overview").await.status, 200);
    // Only an admin sets the rule.
    let refused = manager
        .submit("/overview", "/access/second-factor", &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'company.admins_need_totp'"
        )
        .await,
        1
    );
}

async fn a_blocked_member_is_out_at_once_and_back_when_unblocked(b: Backend) {
    let app = app(b).await;
    app.login(ADMIN, PASSWORD).await;
    let granted = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", MANAGER),
                ("full_name", "Петров Пётр"),
                ("rights", "finance.view"),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    let id_of = |n: &'static str| {
        let db = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE msisdn = $1")
                .bind(n)
                .fetch_one(&db)
                .await
                .expect("user")
        }
    };
    let (manager_id, admin_id) = (id_of(MANAGER).await, id_of(ADMIN).await);
    let manager = app.another_instance().await;
    manager.login_by_code(MANAGER).await;
    assert_eq!(manager.get("/overview").await.status, 200);

    let blocked = app
        .submit(
            "/access",
            &format!("/access/members/{manager_id}/block"),
            &[],
        )
        .await;
    assert_eq!(
        blocked.location.as_deref(),
        Some("/access"),
        "{}",
        blocked.body
    );
    // The session on the other instance ended with the block.
    assert_eq!(
        manager.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    // Signing in again reaches no company.
    manager.login_by_code(MANAGER).await;
    assert_eq!(
        manager.get("/overview").await.location.as_deref(),
        Some("/choose")
    );
    assert!(app.get("/access").await.body.contains("Заблокирован"));

    // Oneself, or the last admin, cannot be blocked.
    let me = app
        .submit("/access", &format!("/access/members/{admin_id}/block"), &[])
        .await;
    assert_eq!(me.status, 422);

    let back = app
        .submit(
            "/access",
            &format!("/access/members/{manager_id}/unblock"),
            &[],
        )
        .await;
    assert_eq!(back.location.as_deref(), Some("/access"));
    let again = app.another_instance().await;
    assert_eq!(
        again.login_by_code(MANAGER).await.location.as_deref(),
        Some("/overview")
    );
    assert_eq!(again.get("/overview").await.status, 200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('access.block', 'access.unblock')"
        )
        .await,
        2
    );
}

on_both!(
    an_authenticator_is_set_up_and_then_asked_for,
    a_recovery_code_works_once,
    the_second_step_allows_five_tries_and_five_minutes,
    turning_it_off_or_renewing_codes_needs_a_current_code,
    the_company_can_require_it_of_admins,
    a_blocked_member_is_out_at_once_and_back_when_unblocked,
);
