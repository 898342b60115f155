use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both;

async fn health_metrics_and_assets(b: Backend) {
    let app = spawn_app(b).await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status, 200);
    let ready = app.get("/health/ready").await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (200, r#"{"status":"ready"}"#)
    );
    app.get("/login").await;
    app.get("/no/such/page").await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, 404, "no token configured: not served");
    let app = spawn_app_with(b, |s| s.metrics_token = Some("m-secret".into())).await;
    app.get("/login").await;
    app.get("/no/such/page").await;
    let scrape = async |token: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("metrics")
    };
    assert_eq!(scrape(None).await.status(), 401);
    assert_eq!(scrape(Some("m-secre")).await.status(), 401);
    let metrics = crate::helpers::read(scrape(Some("m-secret")).await).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("simfleet_http_requests_total"),
        "{}",
        metrics.body
    );
    assert!(metrics.body.contains("endpoint=\"/login\""));
    assert!(
        !metrics.body.contains("/no/such/page"),
        "unmatched paths are not labels"
    );
    // What the answer says of its encoding is what its body is.
    let packed = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("m-secret")
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("metrics");
    assert_eq!(packed.headers()["content-encoding"], "gzip");
    let bytes = packed.bytes().await.expect("body");
    assert_eq!(bytes[..2], [0x1f, 0x8b], "claims gzip, is not");
    let css = app
        .client
        .get(app.url("/static/app.css"))
        .send()
        .await
        .expect("css");
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    let missing = app.get("/static/nope.js").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("Страница не найдена") && missing.body.contains("/static/app.css"),
        "error pages share the look"
    );
}

/// Pages, API answers and downloads are never kept by a browser or proxy; assets are.
async fn company_data_is_never_cached(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001"]).await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let cache = async |path: &str| {
        let r = app.client.get(app.url(path)).send().await.expect("GET");
        assert_eq!(r.status(), 200, "{path}");
        r.headers()["cache-control"]
            .to_str()
            .expect("header")
            .to_owned()
    };
    for path in [
        "/lines",
        "/api/v1/lines",
        "/lines/export?format=csv&encoding=utf8",
        "/lines/export?format=xlsx",
        "/audit/export?format=csv",
    ] {
        assert_eq!(cache(path).await, "no-store", "{path}");
    }
    assert_eq!(cache("/static/app.css").await, "public, max-age=3600");
}

async fn the_audit_log_cannot_be_rewritten(b: Backend) {
    let app = spawn_app(b).await;
    app.seed_company().await;
    let update = sqlx::query("UPDATE audit_log SET action = 'forged'")
        .execute(&app.db.pool)
        .await;
    let delete = sqlx::query("DELETE FROM audit_log")
        .execute(&app.db.pool)
        .await;
    assert!(update.is_err() && delete.is_err());
    assert!(
        update
            .expect_err("refused")
            .to_string()
            .contains("append-only")
    );
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'company.create'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(n, 1);
}

on_both!(
    company_data_is_never_cached,
    health_metrics_and_assets,
    the_audit_log_cannot_be_rewritten
);

/// Connections are not pinged while in use; one that sat idle is, so connections the database
/// closed meanwhile (a restart, an administrator's terminate) are replaced, not failed on.
#[tokio::test]
async fn connections_the_database_closed_are_replaced_before_use() {
    let app = spawn_app(Backend::Postgres).await;
    app.seed_company().await;
    app.login(crate::helpers::ADMIN, crate::helpers::PASSWORD)
        .await;
    let four_at_once = async || {
        let (a, b, c, d) = tokio::join!(
            app.get("/lines"),
            app.get("/lines"),
            app.get("/lines"),
            app.get("/lines")
        );
        vec![a.status, b.status, c.status, d.status]
    };
    // Several pooled connections open.
    assert_eq!(four_at_once().await, vec![200; 4]);
    let closed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("terminate");
    assert!(!closed.is_empty(), "the app's connections were closed");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(four_at_once().await, vec![200; 4]);
}
