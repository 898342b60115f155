//! SMS that anyone can make the cabinet send are limited, and the limits hold for requests
//! that arrive at once: sign-in codes per number, invitations per number and per company.

use std::time::Duration;

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

async fn count(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

/// Ten code requests for one number at once: three codes, the rest told to wait.
async fn codes_asked_at_once_stay_within_the_limit(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    let token = app.csrf("/login/code").await;
    let form = [("csrf", token.as_str()), ("number", ADMIN)];
    let asks = (0..10).map(|_| app.post("/login/code", &form));
    let answers = futures_util::future::join_all(asks).await;
    let sent = answers.iter().filter(|r| r.status == 303).count();
    let waits = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((sent, waits), (3, 7));
    let codes = count(
        &app,
        "SELECT COUNT(*) FROM sign_in_codes WHERE msisdn = $1",
        ADMIN,
    )
    .await;
    assert_eq!(codes, 3);

    // The sweep forgets the limit rows; the limit itself still holds, counted from the codes.
    simfleet::store::limits::sweep(&app.db, simfleet::store::now_ms())
        .await
        .expect("sweep");
    let rows = count(&app, "SELECT COUNT(*) FROM limit_keys WHERE $1 <> ''", "x").await;
    assert_eq!(rows, 0);
    assert_eq!(app.post("/login/code", &form).await.status, 429);
}

async fn invite(app: &TestApp, number: &str) -> crate::helpers::Response {
    crate::access::grant(
        app,
        &[
            ("number", number),
            ("full_name", "Приглашённый"),
            ("rights", "finance.view"),
        ],
    )
    .await
}

/// One number invited again and again (removed in between) gets three SMS in ten minutes, and
/// is granted on without more; a company sends twenty in ten minutes, and a grant past that is
/// refused with nothing of it written.
async fn invitations_are_limited_per_number_and_per_company(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let number = "+79035550001";
    for round in 0..3 {
        assert_eq!(invite(&app, number).await.status, 303, "round {round}");
        let id = crate::delegated_users::user_id(&app, number).await;
        let removed = app
            .submit("/access", &format!("/access/members/{id}/remove"), &[])
            .await;
        assert_eq!(removed.status, 303);
    }
    // The fourth is granted without its SMS: the number's limit counts every company's
    // invitations, and one company may not learn of another's.
    let fourth = invite(&app, number).await;
    assert_eq!(fourth.status, 303, "{}", fourth.body);
    let texts = count(
        &app,
        "SELECT COUNT(*) FROM sms_outbox WHERE msisdn = $1",
        number,
    )
    .await;
    assert_eq!(texts, 3);
    let members = count(
        &app,
        "SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.msisdn = $1",
        number,
    )
    .await;
    assert_eq!(members, 1);

    // Three sent so far; seventeen more new people, then the company waits.
    for i in 0..17 {
        let other = format!("+7903556{i:04}");
        assert_eq!(invite(&app, &other).await.status, 303, "person {i}");
    }
    let grants_before = count(&app, "SELECT COUNT(*) FROM grants WHERE $1 <> ''", "x").await;
    let over = invite(&app, "+79035569999").await;
    assert_eq!(over.status, 422);
    assert!(
        over.body.contains("Слишком много приглашений"),
        "{}",
        over.body
    );
    let grants_after = count(&app, "SELECT COUNT(*) FROM grants WHERE $1 <> ''", "x").await;
    assert_eq!(grants_after, grants_before, "the refused grant was written");
    let left = count(
        &app,
        "SELECT COUNT(*) FROM users WHERE msisdn = $1",
        "+79035569999",
    )
    .await;
    assert_eq!(left, 0, "the refused grant left its person");
    app.clock.advance(Duration::from_secs(10 * 60 + 1));
    assert_eq!(invite(&app, "+79035569999").await.status, 303);
}

on_both!(
    codes_asked_at_once_stay_within_the_limit,
    invitations_are_limited_per_number_and_per_company,
);
