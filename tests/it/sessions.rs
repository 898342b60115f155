//! Sessions: idle and absolute timeouts by the app's clock, background polling, the "Devices and
//! sessions" page, and the e-mail about a sign-in from a new device (through a real local SMTP
//! server).

use std::time::Duration;

use crate::helpers::{ADMIN, Backend, PASSWORD, SmtpServer, TestApp, spawn_app, spawn_app_with};
use crate::on_both;

const MINUTE: Duration = Duration::from_secs(60);

async fn signed_in(app: &TestApp) {
    app.seed_company().await;
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
}

async fn an_idle_session_ends_after_15_minutes(b: Backend) {
    let app = spawn_app(b).await;
    signed_in(&app).await;
    for _ in 0..3 {
        app.clock.advance(14 * MINUTE);
        assert_eq!(app.get("/overview").await.status, 200, "activity keeps it");
    }
    app.clock.advance(16 * MINUTE);
    let idle = app.get("/overview").await;
    assert_eq!(idle.location.as_deref(), Some("/login"));
    // Gone from the database, not only refused.
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

async fn background_polling_is_not_activity(b: Backend) {
    let app = spawn_app(b).await;
    signed_in(&app).await;
    app.clock.advance(10 * MINUTE);
    let poll = app
        .client
        .get(app.url("/overview"))
        .header("x-background", "1")
        .send()
        .await
        .expect("poll");
    assert_eq!(poll.status(), 200, "still signed in while polling");
    app.clock.advance(6 * MINUTE);
    assert_eq!(
        app.get("/overview").await.location.as_deref(),
        Some("/login"),
        "16 minutes without a person's request"
    );
}

async fn a_session_ends_at_its_lifetime_however_active(b: Backend) {
    let app = spawn_app_with(b, |s| s.session_max_hours = 1).await;
    signed_in(&app).await;
    for _ in 0..5 {
        app.clock.advance(10 * MINUTE);
        assert_eq!(app.get("/overview").await.status, 200);
    }
    app.clock.advance(11 * MINUTE);
    assert_eq!(
        app.get("/overview").await.location.as_deref(),
        Some("/login")
    );
}

async fn sessions_are_listed_and_ended_by_their_owner(b: Backend) {
    let app = spawn_app(b).await;
    signed_in(&app).await;
    let phone = app.another_instance().await;
    assert_eq!(phone.login(ADMIN, PASSWORD).await.status, 303);

    let page = app.get("/sessions").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body.matches("name=\"id\"").count(), 2, "two sessions");
    assert!(
        page.body.contains("Текущий"),
        "the session in use is marked"
    );

    // Another user's session cannot be ended from here.
    app.seed("+79169990000", "7728419375", "АО «Вектор»").await;
    let other = app.another_instance().await;
    assert_eq!(other.login("+79169990000", PASSWORD).await.status, 303);
    let theirs: String =
        sqlx::query_scalar("SELECT s.id_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.msisdn = '+79169990000'")
            .fetch_one(&app.db.pool)
            .await
            .expect("their session");
    let refused = app
        .submit("/sessions", "/sessions/end", &[("id", &theirs)])
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(other.get("/overview").await.status, 200);

    let ended = app.submit("/sessions", "/sessions/end-others", &[]).await;
    assert_eq!(ended.location.as_deref(), Some("/sessions"));
    assert_eq!(
        phone.get("/overview").await.location.as_deref(),
        Some("/login")
    );
    assert_eq!(app.get("/overview").await.status, 200, "this one stays");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'session.ended'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(audited, 1);
}

async fn a_sign_in_from_a_new_device_is_mailed_to_the_user(b: Backend) {
    let smtp = SmtpServer::start();
    let app = crate::helpers::spawn_mailing_app(b, &smtp, |_| {}).await;

    // The first browser ever: nothing to warn about. The same browser again: nothing either.
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
    app.submit("/overview", "/logout", &[]).await;
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);

    // Another browser.
    let laptop = app.another_instance().await;
    let ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let token = laptop.csrf("/login").await;
    let r = laptop
        .client
        .post(laptop.url("/login"))
        .header("user-agent", ua)
        .form(&[
            ("csrf", token.as_str()),
            ("number", ADMIN),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 303);

    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.len(), 1, "one notice: {mail:?}");
    assert_eq!(mail[0].to, vec!["admin@romashka.test".to_owned()]);
    let body =
        quoted_printable::decode(mail[0].data.as_bytes(), quoted_printable::ParseMode::Robust)
            .expect("quoted-printable");
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("с устройства, с которого раньше не входили"),
        "{body}"
    );
    assert!(body.contains("Браузер: Chrome 131 · Linux"), "{body}");
    assert!(body.contains("127.0.0.1"), "{body}");
    assert!(body.contains("/sessions"), "{body}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(smtp.received().len(), 1, "no notice for known browsers");

    // A browser set to English is told in English.
    let english = app.another_instance().await;
    assert_eq!(english.get("/lang/en?back=/login").await.status, 303);
    assert_eq!(english.login(ADMIN, PASSWORD).await.status, 303);
    let mail = smtp.wait_for(2).await;
    let body =
        quoted_printable::decode(mail[1].data.as_bytes(), quoted_printable::ParseMode::Robust)
            .expect("quoted-printable");
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("a sign-in from a new device"), "{body}");
    assert!(body.contains("from a device not used before"), "{body}");
    assert!(
        !body.chars().any(|c| matches!(c, 'а'..='я' | 'А'..='Я')),
        "Russian in the English notice: {body}"
    );
}

/// A signed-in person changes their own password by the current one, twice a day at most; their
/// other sessions end, this one stays.
async fn a_person_changes_their_own_password(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    let laptop = app.another_instance().await;
    assert_eq!(laptop.login(ADMIN, PASSWORD).await.status, 303);
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        let app = &app;
        async move {
            app.submit(
                "/security",
                "/security/password",
                &[
                    ("current", current),
                    ("password", new),
                    ("confirm", confirm),
                ],
            )
            .await
        }
    };
    let wrong = change("not-my-password", "тихий-омут-2026", "тихий-омут-2026").await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("Текущий пароль введён неверно"),
        "{}",
        wrong.body
    );
    let mismatch = change(PASSWORD, "тихий-омут-2026", "тихий-омут-2027").await;
    assert_eq!(mismatch.status, 422);
    let done = change(PASSWORD, "тихий-омут-2026", "тихий-омут-2026").await;
    assert_eq!(
        (done.status, done.location.as_deref()),
        (303, Some("/security")),
        "{}",
        done.body
    );
    let page = app.get("/security").await;
    assert!(
        page.body
            .contains("Пароль изменён; другие сеансы завершены"),
        "{}",
        page.body
    );
    assert_eq!(app.get("/overview").await.status, 200, "this session stays");
    assert_ne!(
        laptop.get("/overview").await.status,
        200,
        "the other one ended"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_changed' AND company_id IS NOT NULL",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 1);
    app.submit("/overview", "/logout", &[]).await;
    assert_eq!(
        app.login(ADMIN, PASSWORD).await.status,
        401,
        "the old password is gone"
    );
    assert_eq!(app.login(ADMIN, "тихий-омут-2026").await.status, 303);

    // Twice a day at most.
    assert_eq!(
        change("тихий-омут-2026", "вторая-смена-2026", "вторая-смена-2026")
            .await
            .status,
        303
    );
    let third = change(
        "вторая-смена-2026",
        "третья-смена-2026",
        "третья-смена-2026",
    )
    .await;
    assert_eq!(third.status, 422);
    assert!(
        third.body.contains("не чаще 2 раз в сутки"),
        "{}",
        third.body
    );
}

on_both!(
    a_person_changes_their_own_password,
    an_idle_session_ends_after_15_minutes,
    background_polling_is_not_activity,
    a_session_ends_at_its_lifetime_however_active,
    sessions_are_listed_and_ended_by_their_owner,
    a_sign_in_from_a_new_device_is_mailed_to_the_user,
);
