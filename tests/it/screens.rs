//! Every page of `web::ROUTES` in headless Chromium, on a phone (390 px) and a desktop, in
//! Russian and in English: none is wider than its screen. A screenshot of each goes to
//! `target/screenshots/pages/`. A route joins by itself: its ids are filled from the demo
//! company (a route with an id this table cannot fill fails the test, which says so), and
//! what is not a page (a download, a redirect, a fragment, a health answer) is told apart by
//! its answer.

use fantoccini::Client;
use simfleet::services::demo;
use simfleet::store::jobs::{self, NewJob};

use crate::browser::{Screen, browser_for, click, screenshot, type_into, wait_for};
use crate::helpers::{Backend, TestApp, spawn_app};

/// An id for each kind of thing a route names by its first segment.
const IDS: &[(&str, &str)] = &[
    (
        "lines",
        "SELECT MIN(l.id) FROM lines l WHERE l.status = 'active'
           AND EXISTS (SELECT 1 FROM line_services s WHERE s.line_id = l.id)",
    ),
    ("departments", "SELECT MIN(id) FROM departments"),
    ("employees", "SELECT MIN(id) FROM employees"),
    ("roster", "SELECT MAX(id) FROM roster_uploads"),
    ("jobs", "SELECT MAX(id) FROM jobs"),
    ("bulk", "SELECT MAX(id) FROM bulk_operations"),
];

/// A page that shows something only with a question in its address.
const QUERIES: &[(&str, &str)] = &[
    ("/lines/{id}/change", "?action=change_tariff&tariff=biz-max"),
    ("/bulk/new", "?all=1&f_status=active"),
];

/// Pages a person sees before signing in (or between the steps).
fn before_sign_in(path: &str) -> bool {
    path.starts_with("/login") || path.starts_with("/password")
}

async fn filled(app: &TestApp, route: &str) -> String {
    let mut path = route.to_owned();
    if path.contains("{id}") {
        let kind = route
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        let sql = IDS
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, sql)| *sql)
            .unwrap_or_else(|| panic!("{route}: add to IDS how to find an id of «{kind}»"));
        let id: Option<i64> = sqlx::query_scalar(sql)
            .fetch_one(&app.db.pool)
            .await
            .expect("an id");
        let id = id.unwrap_or_else(|| panic!("{route}: the demo has no {kind}"));
        path = path.replace("{id}", &id.to_string());
    }
    for (name, value) in [("{code}", "en"), ("{file}", "app.css")] {
        path = path.replace(name, value);
    }
    assert!(!path.contains('{'), "{route}: fill its placeholder");
    if let Some((_, query)) = QUERIES.iter().find(|(r, _)| *r == route) {
        path.push_str(query);
    }
    path
}

/// The pages to walk: each GET route that answers with a page of its own.
async fn pages(app: &TestApp, signed_in: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (method, route) in simfleet::web::ROUTES {
        if *method != "GET" || before_sign_in(route) == signed_in {
            continue;
        }
        let path = filled(app, route).await;
        let r = app.client.get(app.url(&path)).send().await.expect("GET");
        let html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if r.status().is_redirection() || !html {
            continue;
        }
        // A fragment htmx swaps into a page is no page of its own.
        let body = r.text().await.expect("body");
        if body
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("<!doctype html")
        {
            out.push(path);
        }
    }
    out
}

async fn width_of(c: &Client) -> i64 {
    c.execute(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)",
        vec![],
    )
    .await
    .expect("width")
    .as_i64()
    .expect("a number")
}

fn slug(path: &str) -> String {
    path.trim_matches('/')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

async fn walk(c: &Client, app: &TestApp, screen: Screen, lang: &str, paths: &[String]) {
    let mut too_wide = Vec::new();
    for path in paths {
        c.goto(&app.url(path)).await.expect("page");
        let width = width_of(c).await;
        if width > screen.width() {
            too_wide.push(format!("{path}: {width} px"));
        }
        let name = format!("pages/{}-{lang}-{}", screen.name(), slug(path));
        screenshot(c, &name).await;
    }
    assert!(
        too_wide.is_empty(),
        "wider than the {} ({} px) in {lang}: {too_wide:?}",
        screen.name(),
        screen.width()
    );
}

/// A bulk operation to follow: a limit on the company's first 40 lines.
async fn bulk_operation(app: &TestApp, company: i64) {
    use simfleet::services::bulk::change::BulkChange;
    use simfleet::services::bulk::operation::{Chosen, Confirm, confirm};
    let permit = app.permit(company);
    let lines: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM lines WHERE company_id = $1 ORDER BY id LIMIT 40")
            .bind(company)
            .fetch_all(&app.db.pool)
            .await
            .expect("lines");
    let lines: Vec<(i64, Option<String>)> = lines.into_iter().map(|l| (l, None)).collect();
    confirm(
        &app.db,
        &Confirm {
            requester: &simfleet::authz::Requester::operator(&permit),
            permit: &permit,
            chosen_under: &permit,
            change: &BulkChange::SetLimit {
                amount: "1500".into(),
                on_limit: None,
            },
            lines: &lines,
            chosen: &Chosen::Lines { count: 40 },
            key: "screens",
            retry_of: None,
        },
    )
    .await
    .expect("a bulk operation");
}

#[tokio::test]
async fn every_page_fits_a_phone_and_a_desktop() {
    let app = spawn_app(Backend::Sqlite).await;
    let made = demo::create_demo(&app.db, 120).await.expect("demo");
    // An import to preview, and a job to follow.
    let signed_out = pages(&app, false).await;
    assert_eq!(
        app.login(demo::DEMO_ADMIN, demo::DEMO_PASSWORD)
            .await
            .status,
        303
    );
    let roster =
        "ФИО;Телефон;Подразделение\nОрлова Ольга;+79165000010;Склад Москва\nОрлов Олег;123;;\n";
    let upload = crate::roster::upload(&app, "roster.csv", roster.as_bytes().to_vec()).await;
    assert_eq!(upload.status, 303, "{}", upload.body);
    let mut tx = app.db.begin().await.expect("tx");
    jobs::enqueue(
        &mut tx,
        &app.permit(made.company_id),
        &NewJob {
            queue: None,
            kind: "roster.import",
            payload: "{}",
            total: 10,
            created_by: None,
            now: simfleet::store::now_ms(),
        },
    )
    .await
    .expect("a job");
    tx.commit().await.expect("commit");
    bulk_operation(&app, made.company_id).await;
    let signed_in = pages(&app, true).await;
    assert!(signed_in.len() >= 15, "the cabinet's pages: {signed_in:?}");

    for screen in [Screen::Phone, Screen::Desktop] {
        let b = browser_for(screen).await;
        let c = &b.client;
        walk(c, &app, screen, "ru", &signed_out).await;
        c.goto(&app.url("/login")).await.expect("login page");
        type_into(c, "input[name=number]", demo::DEMO_ADMIN).await;
        type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
        click(c, "button[type=submit]").await;
        wait_for(c, "#lines-total").await;
        if screen == Screen::Phone {
            // The navigation is behind the menu button, and opens over the page.
            click(c, ".menu-toggle").await;
            wait_for(c, "body.nav-open nav.side a[href='/lines']").await;
            screenshot(c, "pages/phone-ru-menu").await;
            click(c, "nav.side a[href='/lines']").await;
            wait_for(c, "#found-count").await;
        }
        walk(c, &app, screen, "ru", &signed_in).await;
        c.goto(&app.url("/lang/en?back=/overview"))
            .await
            .expect("English");
        walk(c, &app, screen, "en", &signed_in).await;
        b.client.clone().close().await.expect("closing the browser");
    }
}
