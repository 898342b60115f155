//! A month of a line at list price: its tariff and services while active, its tariff's
//! suspension fee while suspended or blocked, nothing once terminated. The overview, the lines
//! page, the export and the API say the same figure, and every writer keeps it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use simfleet::authz::OperatorPermit;
use simfleet::services::{catalogue, demo};
use simfleet::web::format::kopecks;
use simfleet::web::i18n::Lang;

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

/// Each line's month as this test states the rule, apart from the code that keeps it.
const ORACLE: &str = "
    SELECT l.id,
           CAST(COALESCE((SELECT SUM(s.monthly_fee_kop) FROM line_services ls
                          JOIN services s ON s.id = ls.service_id WHERE ls.line_id = l.id), 0) AS BIGINT),
           CASE WHEN l.status = 'active' THEN t.monthly_fee_kop
                    + CAST(COALESCE((SELECT SUM(s.monthly_fee_kop) FROM line_services ls
                          JOIN services s ON s.id = ls.service_id WHERE ls.line_id = l.id), 0) AS BIGINT)
                WHEN l.status = 'terminated' THEN 0
                ELSE t.suspended_fee_kop END
    FROM lines l JOIN tariffs t ON t.id = l.tariff_id ORDER BY l.id";

/// Every line's kept figures are the rule's.
async fn assert_priced(app: &TestApp, after: &str) {
    let wanted: Vec<(i64, i64, i64)> = sqlx::query_as(ORACLE)
        .fetch_all(&app.db.pool)
        .await
        .expect("the rule");
    let kept: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT id, services_kop, monthly_kop FROM lines ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .expect("kept");
    assert!(!kept.is_empty(), "{after}: no lines");
    assert_eq!(kept, wanted, "after {after}: (line, services, month)");
}

async fn company_month(app: &TestApp) -> i64 {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(ORACLE)
        .fetch_all(&app.db.pool)
        .await
        .expect("the rule");
    rows.iter().map(|(_, _, month)| month).sum()
}

async fn every_page_says_the_same_month(b: Backend) {
    let app = spawn_app(b).await;
    demo::create_demo(&app.db, 300).await.expect("demo");
    assert_priced(&app, "the demo").await;
    assert_eq!(
        app.login(demo::DEMO_ADMIN, demo::DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let month = company_month(&app).await;
    let statuses: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM lines")
        .fetch_all(&app.db.pool)
        .await
        .expect("statuses");
    assert!(statuses.len() >= 3, "a demo of mixed lines: {statuses:?}");

    let overview = app.get("/overview").await;
    assert!(
        overview.body.contains(&kopecks(Lang::Ru, month)),
        "the overview's month is {}: {}",
        kopecks(Lang::Ru, month),
        overview.body
    );

    // The export: every line, its month in the «Итого в месяц» column, summing to the overview's.
    let r = app
        .client
        .get(app.url("/lines/export?format=xlsx"))
        .send()
        .await
        .expect("export");
    let bytes = r.bytes().await.expect("xlsx").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range("Номера").expect("the sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let (head, body, totals) = crate::exports::table_of(&rows);
    let column = |name: &str| {
        head.iter()
            .position(|h| *h == Data::String(name.into()))
            .unwrap_or_else(|| panic!("a «{name}» column in {head:?}"))
    };
    let (total, tariff, services) = (
        column("Итого в месяц"),
        column("Тариф в месяц"),
        column("Услуги в месяц"),
    );
    let status = column("Статус");
    let kop = |d: &Data| match d {
        Data::Float(f) => (f * 100.0).round() as i64,
        Data::Int(i) => i * 100,
        Data::Empty => 0,
        other => panic!("money as a number, not {other:?}"),
    };
    assert_eq!(body.len(), 300);
    let exported: i64 = body.iter().map(|r| kop(&r[total])).sum();
    assert_eq!(exported, month, "the export sums to the overview's month");
    assert_eq!(kop(&totals[total]), month, "and says so in its totals row");
    for r in body {
        if r[status] == Data::String("Активен".into()) {
            assert_eq!(kop(&r[total]), kop(&r[tariff]) + kop(&r[services]), "{r:?}");
        } else {
            assert_eq!(kop(&r[total]), 0, "a line not active costs nothing: {r:?}");
        }
    }

    // The API pages through the same figures.
    let mut api_sum = 0;
    let mut page = 1;
    loop {
        let body: serde_json::Value = app
            .client
            .get(app.url(&format!("/api/v1/lines?page={page}")))
            .send()
            .await
            .expect("api")
            .json()
            .await
            .expect("json");
        let items = body["items"].as_array().expect("items");
        api_sum += items
            .iter()
            .map(|i| i["monthly_kop"].as_i64().expect("monthly_kop"))
            .sum::<i64>();
        if items.is_empty() || !body["more"].as_bool().unwrap_or(false) && page * 50 >= 300 {
            break;
        }
        page += 1;
    }
    assert_eq!(
        api_sum, month,
        "the API's lines sum to the overview's month"
    );

    // Sorted by the month, dearest first: the page starts with the dearest line.
    let dearest: i64 = sqlx::query_scalar("SELECT MAX(monthly_kop) FROM lines")
        .fetch_one(&app.db.pool)
        .await
        .expect("max");
    let sorted = app.get("/lines?sort=monthly&dir=desc").await;
    let first = sorted
        .body
        .split("class=\"num monthly\"")
        .nth(1)
        .and_then(|s| s.split_once('>'))
        .and_then(|(_, s)| s.split('<').next())
        .expect("a month cell");
    assert_eq!(first, kopecks(Lang::Ru, dearest));
}

async fn every_writer_keeps_the_month(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    assert_priced(&app, "adding lines").await;
    app.login(ADMIN, PASSWORD).await;
    let line: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000001'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    let change = |fields: &'static [(&'static str, &'static str)]| {
        let app = &app;
        async move {
            let (shown, done) = crate::line_changes::change(app, line, fields).await;
            assert_eq!(done.status, 303, "{fields:?}: {} {}", shown.body, done.body);
        }
    };
    change(&[("action", "change_tariff"), ("tariff", "biz-optimum")]).await;
    assert_priced(&app, "a tariff change").await;
    change(&[("action", "enable_service"), ("service", "call-recording")]).await;
    assert_priced(&app, "a service on").await;
    let month: i64 = sqlx::query_scalar("SELECT monthly_kop FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("month");
    assert_eq!(month, 79_000 + 29_000, "Бизнес Оптимум with call recording");
    change(&[("action", "change_tariff"), ("tariff", "biz-start")]).await;
    assert_priced(&app, "a tariff change that drops a service").await;
    change(&[("action", "enable_service"), ("service", "anti-spam")]).await;
    change(&[("action", "disable_service"), ("service", "anti-spam")]).await;
    assert_priced(&app, "a service off").await;
    sqlx::query("UPDATE tariffs SET suspended_fee_kop = 10000 WHERE code = 'biz-start'")
        .execute(&app.db.pool)
        .await
        .expect("a suspension fee");
    change(&[("action", "suspend"), ("reason", "")]).await;
    assert_priced(&app, "a suspension").await;
    let month: i64 = sqlx::query_scalar("SELECT monthly_kop FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("month");
    assert_eq!(
        month, 10_000,
        "a suspended line pays its tariff's suspension fee"
    );
    change(&[("action", "resume")]).await;
    assert_priced(&app, "a resumption").await;
    change(&[("action", "report_lost")]).await;
    assert_priced(&app, "a lost SIM").await;

    // A suspension fee and new prices in the catalogue: loading it reprices the lines.
    sqlx::query("UPDATE tariffs SET suspended_fee_kop = 10000, monthly_fee_kop = 1")
        .execute(&app.db.pool)
        .await
        .expect("prices");
    sqlx::query("UPDATE services SET monthly_fee_kop = 2")
        .execute(&app.db.pool)
        .await
        .expect("prices");
    let loaded = catalogue::load_shipped(&app.db, &OperatorPermit::cli())
        .await
        .expect("catalogue");
    assert!(loaded.repriced > 0, "{loaded:?}");
    assert_priced(&app, "a catalogue load").await;
    let again = catalogue::load_shipped(&app.db, &OperatorPermit::cli())
        .await
        .expect("catalogue");
    assert_eq!(again.repriced, 0, "nothing changed, nothing repriced");
}

on_both!(every_page_says_the_same_month, every_writer_keeps_the_month);
