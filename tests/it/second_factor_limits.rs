//! The second step's limits beyond one attempt: 10 wrong codes (recovery codes included) for a
//! user in 15 minutes close it for that user (the right code too), across sign-ins, addresses and
//! instances, and the user is told by
//! e-mail; 20 from one address make that address wait, and nobody else.

use std::time::Duration;

use simfleet::services::second_factor::code_at;

use crate::helpers::{ADMIN, Backend, PASSWORD, Response, SmtpServer, TestApp, spawn_app_with};
use crate::on_both;

/// Signs in with the password and sets up an authenticator; the secret. Signed out after.
async fn with_authenticator(app: &TestApp, number: &str) -> String {
    assert_eq!(app.login(number, PASSWORD).await.status, 303);
    let (secret, _) = crate::second_factor::set_up(app).await;
    app.submit("/overview", "/logout", &[]).await;
    app.clock.advance(Duration::from_secs(30));
    secret
}

/// The second step from an address.
async fn step_from(app: &TestApp, ip: &str, code: &str) -> Response {
    let csrf = app.csrf("/login/second").await;
    app.post_from(ip, "/login/second", &[("csrf", &csrf), ("code", code)])
        .await
}

async fn wrong_codes_add_up_across_sign_ins(b: Backend) {
    let smtp = SmtpServer::start();
    let app = crate::helpers::spawn_mailing_app(b, &smtp, |s| s.trust_forwarded = true).await;
    let secret = with_authenticator(&app, ADMIN).await;
    let right = |app: &TestApp| code_at(&secret, app.clock.now_ms()).expect("code");

    // Ten wrong codes, every other one a recovery code, over four sign-ins, ten addresses and
    // two instances.
    let other = app.another_instance().await;
    let mut answers = Vec::new();
    for n in 0..10 {
        let instance = if n < 7 { &app } else { &other };
        if n % 4 == 0 || n == 7 {
            assert_eq!(instance.login(ADMIN, PASSWORD).await.status, 303);
        }
        let wrong = if n % 2 == 1 { "zzzzz-zzzzz" } else { "000000" };
        answers.push(
            step_from(instance, &format!("10.0.0.{n}"), wrong)
                .await
                .status,
        );
    }
    assert_eq!(answers[..9], [401; 9]);
    assert_eq!(answers[9], 429, "the tenth closes the second step");
    // A new sign-in, the right code, a fresh address: still closed, and it says so.
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
    let closed = step_from(&app, "10.0.1.1", &right(&app)).await;
    assert_eq!(closed.status, 429);
    assert!(
        closed.body.contains("закрыт на 15 минут"),
        "{}",
        closed.body
    );
    let mail = smtp.wait_for(1).await;
    assert!(
        mail.iter()
            .any(|m| m.to == ["admin@romashka.test"] && m.data.contains("simfleet")),
        "{mail:?}"
    );
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM second_factor_failures")
        .fetch_one(&app.db.pool)
        .await
        .expect("failures");
    assert_eq!(failures, 10, "a code refused while closed is not counted");

    // Fifteen minutes on, the right code opens the cabinet.
    app.clock.advance(Duration::from_secs(15 * 60 + 30));
    assert_eq!(app.login(ADMIN, PASSWORD).await.status, 303);
    let open = step_from(&app, "10.0.1.1", &right(&app)).await;
    assert_eq!(
        (open.status, open.location.as_deref()),
        (303, Some("/overview")),
        "{}",
        open.body
    );
}

async fn an_address_with_twenty_wrong_codes_waits(b: Backend) {
    let app = spawn_app_with(b, |s| s.trust_forwarded = true).await;
    let admins = ["+79161230001", "+79161230002", "+79161230003"];
    let inns = ["7707083893", "7728419375", "7736207543"];
    let mut secrets = Vec::new();
    for (i, (admin, inn)) in admins.iter().zip(inns).enumerate() {
        app.seed(admin, inn, &format!("ООО «Компания {i}»")).await;
        secrets.push(with_authenticator(&app, admin).await);
    }
    let attacker = "10.9.9.9";
    // 9 + 9 + 2 wrong codes: no user reaches their limit, the address reaches its own.
    for (admin, wrong) in admins.iter().zip([9, 9, 2]) {
        assert_eq!(app.login(admin, PASSWORD).await.status, 303);
        for _ in 0..wrong {
            if step_from(&app, attacker, "000000").await.status == 401 {
                continue;
            }
            panic!("refused otherwise than as wrong");
        }
        // A fresh attempt for the next (five tries each).
        app.submit("/login/second", "/logout", &[]).await;
    }
    assert_eq!(app.login(admins[2], PASSWORD).await.status, 303);
    let code = code_at(&secrets[2], app.clock.now_ms()).expect("code");
    let waits = step_from(&app, attacker, &code).await;
    assert_eq!(waits.status, 429);
    assert!(waits.body.contains("С вашего IP-адреса"), "{}", waits.body);
    // From elsewhere the same person signs in.
    let open = step_from(&app, "10.1.1.1", &code).await;
    assert_eq!(open.status, 303, "{}", open.body);
}

on_both!(
    wrong_codes_add_up_across_sign_ins,
    an_address_with_twenty_wrong_codes_waits
);
