//! The cabinet in a real headless Chromium (via chromedriver): log in, search, open a card,
//! switch language. Screenshots go to target/screenshots/.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use simfleet::services::demo;

use crate::helpers::{Backend, spawn_app};

pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// The screen a page is shown on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// 1440 × 960.
    Desktop,
    /// A phone, 390 × 844 CSS pixels, as Chromium's device emulation shows it.
    Phone,
}

impl Screen {
    pub fn width(self) -> i64 {
        match self {
            Screen::Desktop => 1440,
            Screen::Phone => 390,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Screen::Desktop => "desktop",
            Screen::Phone => "phone",
        }
    }
}

/// The chromedriver process, stopped however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

async fn browser() -> Browser {
    browser_for(Screen::Desktop).await
}

pub async fn browser_for(screen: Screen) -> Browser {
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("addr")
        .port();
    let driver = Driver(
        Command::new(chromedriver())
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromedriver is needed for browser tests ({e}); install Debian's chromium and chromium-driver")),
    );
    let mut options = json!({
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1440,960", "--lang=ru-RU", "--hide-scrollbars"]
    });
    if screen == Screen::Phone {
        options["mobileEmulation"] =
            json!({ "deviceMetrics": { "width": 390, "height": 844, "pixelRatio": 2 } });
    }
    let caps = json!({ "goog:chromeOptions": options });
    let caps = caps.as_object().expect("object").clone();
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        let built = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        if let Ok(client) = built {
            return Browser {
                client,
                _driver: driver,
            };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not accept a session at {url}");
}

pub async fn screenshot(client: &Client, name: &str) {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/screenshots")
        .join(format!("{name}.png"));
    std::fs::create_dir_all(file.parent().expect("a folder")).expect("screenshot folder");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(file, png).expect("saving the screenshot");
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .expect("text")
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

pub async fn wait_for(client: &Client, css: &str) {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

/// Waits for what a page following a job (polled by htmx) shows when the job ends.
async fn wait_for_job_end(client: &Client, css: &str) {
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("the job's end ({css}) never showed: {e}"));
}

/// Polls until the element's text is `want` (htmx swaps happen after the keystrokes).
async fn wait_for_text(client: &Client, css: &str, want: &str) {
    for _ in 0..100 {
        if let Ok(el) = client.find(Locator::Css(css)).await
            && el.text().await.is_ok_and(|t| t == want)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "{css} never showed {want:?}; it shows {:?}",
        text_of(client, css).await
    );
}

#[tokio::test]
async fn an_administrator_logs_in_searches_opens_a_card_and_switches_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let made = demo::create_demo(&app.db, 550).await.expect("demo");
    let b = browser().await;
    let c = &b.client;

    c.goto(&app.url("/login")).await.expect("login page");
    type_into(c, "input[name=number]", "8 916 000 00 01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    screenshot(c, "01-login").await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    assert_eq!(text_of(c, "#lines-total").await, "550");
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .ends_with("/overview")
    );
    screenshot(c, "02-overview").await;

    // Search by the surname of the first employee, as typed, through htmx.
    let surname: String = sqlx::query_scalar(
        "SELECT e.full_name FROM employees e JOIN lines l ON l.employee_id = e.id WHERE e.company_id = $1 ORDER BY e.id LIMIT 1",
    )
    .bind(made.company_id)
    .fetch_one(&app.db.pool)
    .await
    .expect("a name");
    let surname = surname.split(' ').next().expect("surname").to_owned();
    // What the API counts for the same search, as the test client signed in.
    app.login(demo::DEMO_ADMIN, demo::DEMO_PASSWORD).await;
    let found = app
        .get(&format!(
            "/api/v1/lines?q={}",
            crate::lines::urlencode(&surname)
        ))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let found: serde_json::Value = serde_json::from_str(&found.body).expect("json");
    let expected = found["total"].as_i64().expect("total");
    assert!(expected > 0);

    click(c, "nav.side a[href='/lines']").await;
    wait_for(c, "#found-count").await;
    wait_for_text(c, "#found-count", "550").await;
    type_into(c, "#q", &surname.to_lowercase()).await;
    wait_for_text(c, "#found-count", &expected.to_string()).await;
    let url = c.current_url().await.expect("url");
    assert!(
        url.query().unwrap_or("").contains("q="),
        "the search is in the address"
    );
    let first_row = text_of(c, "table.grid tbody tr").await;
    assert!(
        first_row.contains(&surname) || first_row.contains(&format!("{surname}а")),
        "{first_row}"
    );
    screenshot(c, "03-lines-search").await;

    let number = text_of(c, "a.line-link").await;
    click(c, "a.line-link").await;
    wait_for(c, "#line-number").await;
    assert!(text_of(c, "#line-number").await.starts_with(&number));
    assert!(
        c.source()
            .await
            .expect("html")
            .contains("Подключённые услуги")
    );
    screenshot(c, "04-line-card").await;

    // Change the tariff from the card: read the preview, then confirm.
    let tariff_before = text_of(c, "#line-tariff").await;
    let placeholder = text_of(c, "#tariff-form select option:checked").await;
    assert_eq!(
        placeholder, "Выберите тариф…",
        "no tariff is chosen for the person"
    );
    let choice = c
        .find(Locator::Css("#tariff-form select option:nth-child(2)"))
        .await
        .expect("a tariff to choose");
    let new_tariff = choice.text().await.expect("option");
    let new_tariff = new_tariff.split(" — ").next().expect("name").to_owned();
    choice.click().await.expect("choosing the tariff");
    click(c, "#tariff-form button").await;
    wait_for(c, "#preview-bill").await;
    let bill = text_of(c, "#preview-bill").await;
    assert!(
        bill.contains("в месяц") && bill.contains("разово"),
        "{bill}"
    );
    assert_eq!(
        text_of(c, "#preview-summary").await,
        format!("Тариф: «{tariff_before}» → «{new_tariff}»")
    );
    screenshot(c, "04a-tariff-preview").await;
    click(c, "#confirm").await;
    wait_for(c, "#notice").await;
    assert_eq!(text_of(c, "#line-tariff").await, new_tariff);
    let notice = text_of(c, "#notice").await;
    assert!(
        notice.starts_with(&format!(
            "Изменение применено: Тариф: «{tariff_before}» → «{new_tariff}»"
        )) && notice.contains("в месяц"),
        "the notice says what changed and what it costs: {notice}"
    );
    screenshot(c, "04b-tariff-changed").await;

    click(c, ".langs a[href^='/lang/en']").await;
    wait_for(c, "#line-number").await;
    let html = c.source().await.expect("html");
    assert!(
        html.contains("Enabled services") && html.contains("All lines"),
        "the card in English"
    );
    assert!(
        text_of(c, "#line-number").await.starts_with(&number),
        "the same card"
    );
    screenshot(c, "05-line-card-en").await;

    click(c, "nav.side a[href='/overview']").await;
    wait_for(c, "#lines-total").await;
    assert!(c.source().await.expect("html").contains("Lines by status"));
    screenshot(c, "06-overview-en").await;

    // Back to Russian; the remaining pages as a person sees them.
    click(c, ".langs a[href^='/lang/ru']").await;
    for (href, heading, shot) in [
        ("/departments", "Подразделения", "07-departments"),
        ("/employees", "Сотрудники", "08-employees"),
        ("/audit", "Журнал действий", "09-audit"),
        ("/employees/new", "Новый сотрудник", "10-employee-form"),
    ] {
        c.goto(&app.url(href)).await.expect("page");
        assert_eq!(text_of(c, "main.content h1").await, heading);
        screenshot(c, shot).await;
    }
    // A form sent with a mistake comes back with the field marked.
    type_into(c, "input[name=email]", "not-an-email").await;
    type_into(c, "input[name=full_name]", "Новикова Ольга").await;
    click(c, "form.form button[type=submit]").await;
    wait_for(c, ".field-error[data-field=email]").await;
    screenshot(c, "11-employee-form-error").await;
    // The user's name at the top leads to their devices and sessions.
    click(c, "header .user a[href='/sessions']").await;
    wait_for(c, "#sessions").await;
    assert_eq!(text_of(c, "main.content h1").await, "Устройства и сеансы");
    screenshot(c, "12-sessions").await;
    b.client.clone().close().await.expect("closing the browser");
}

#[tokio::test]
async fn an_administrator_delegates_a_department_and_the_manager_sees_only_it() {
    let app = spawn_app(Backend::Sqlite).await;
    demo::create_demo(&app.db, 400).await.expect("demo");
    let (department, expected): (i64, i64) = sqlx::query_as(
        "SELECT d.id, (SELECT COUNT(*) FROM lines l WHERE l.department_id IN
                (SELECT id FROM departments WHERE id = d.id OR parent_id = d.id))
         FROM departments d WHERE d.name = 'Склад Москва'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    assert!(expected > 0);
    let b = browser().await;
    let c = &b.client;

    c.goto(&app.url("/login")).await.expect("login page");
    type_into(c, "input[name=number]", "+7 916 000-00-01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    click(c, "nav a[href='/access']").await;
    wait_for(c, "#grant-form").await;
    type_into(c, "#grant-form input[name=number]", "+7 903 555-11-22").await;
    type_into(c, "#grant-form input[name=full_name]", "Петров Пётр Ильич").await;
    click(c, "#grant-form input[name=rights][value='lines.view']").await;
    click(c, "#grant-form input[name=rights][value='lines.tariff']").await;
    click(
        c,
        &format!("#grant-form input[name=departments][value='{department}']"),
    )
    .await;
    screenshot(c, "13-access-grant-form").await;
    click(c, "#grant-form button[type=submit]").await;
    wait_for(c, "#grants tr[data-grant]").await;
    assert!(text_of(c, "#grants").await.contains("Склад Москва"));
    screenshot(c, "14-access-granted").await;
    click(c, "a[href='/access/matrix']").await;
    wait_for(c, "#rights-matrix").await;
    assert!(text_of(c, "#rights-matrix").await.contains("Склад Москва"));
    screenshot(c, "14b-rights-matrix").await;
    click(c, "header form[action='/logout'] button").await;

    // The manager signs in by the SMS code the outbox holds.
    wait_for(c, "a[href='/login/code']").await;
    click(c, "a[href='/login/code']").await;
    type_into(c, "input[name=number]", "89035551122").await;
    click(c, "button[type=submit]").await;
    wait_for(c, "input[name=code]").await;
    app.sent().await;
    let sms = simfleet::sms::last_in_outbox(&app.db, "+79035551122")
        .await
        .expect("outbox")
        .expect("a code");
    let code: String = sms.chars().filter(char::is_ascii_digit).collect();
    type_into(c, "input[name=code]", &code).await;
    screenshot(c, "15-code-login").await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    assert_eq!(text_of(c, "#lines-total").await, expected.to_string());
    click(c, "nav a[href='/lines']").await;
    wait_for(c, "#found-count").await;
    assert_eq!(text_of(c, "#found-count").await, expected.to_string());
    screenshot(c, "16-manager-lines").await;
    b.client.clone().close().await.expect("closing the browser");
}

#[tokio::test]
async fn an_administrator_sets_up_an_authenticator_and_signs_in_with_it() {
    let app = spawn_app(Backend::Sqlite).await;
    demo::create_demo(&app.db, 50).await.expect("demo");
    let b = browser().await;
    let c = &b.client;

    c.goto(&app.url("/login")).await.expect("login page");
    type_into(c, "input[name=number]", "+7 916 000-00-01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    c.goto(&app.url("/security")).await.expect("security page");
    click(c, "form[action='/security/totp/start'] button").await;
    wait_for(c, "#totp-secret").await;
    let secret = text_of(c, "#totp-secret").await.replace(' ', "");
    screenshot(c, "17-totp-setup").await;
    let now = app.clock.now_ms();
    let code = simfleet::services::second_factor::code_at(&secret, now).expect("code");
    type_into(c, "input[name=code]", &code).await;
    click(c, "form[action='/security/totp/confirm'] button").await;
    wait_for(c, "#recovery-codes").await;
    assert_eq!(
        c.find_all(Locator::Css("#recovery-codes li"))
            .await
            .expect("codes")
            .len(),
        10
    );
    screenshot(c, "18-recovery-codes").await;
    click(c, "header form[action='/logout'] button").await;

    // Next time: the password, then the app's code.
    wait_for(c, "input[name=password]").await;
    type_into(c, "input[name=number]", "+7 916 000-00-01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "form[action='/login/second']").await;
    app.clock.advance(Duration::from_secs(30));
    let next =
        simfleet::services::second_factor::code_at(&secret, app.clock.now_ms()).expect("code");
    type_into(c, "input[name=code]", &next).await;
    screenshot(c, "19-second-step").await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    assert_eq!(text_of(c, "#lines-total").await, "50");
    b.client.clone().close().await.expect("closing the browser");
}

#[tokio::test]
async fn an_administrator_imports_a_roster_after_reading_the_preview() {
    let app = spawn_app(Backend::Sqlite).await;
    demo::create_demo(&app.db, 60).await.expect("demo");
    let numbers: Vec<String> = sqlx::query_scalar(
        "SELECT msisdn FROM lines WHERE employee_id IS NULL ORDER BY id LIMIT 2",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("free lines");
    assert_eq!(numbers.len(), 2, "the demo keeps spare lines");
    let csv = format!(
        "Список сотрудников\nФИО;Телефон;Подразделение;Должность\nОрлова Ольга;{};Логистика / Новый склад;Кладовщик\nОрлов Олег;12345;;\n",
        numbers[0]
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("roster.csv");
    std::fs::write(&path, csv).expect("file");

    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.expect("login page");
    type_into(c, "input[name=number]", "+7 916 000-00-01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    click(c, "nav a[href='/roster']").await;
    wait_for(c, "#roster-upload").await;
    type_into(c, "input[type=file]", path.to_str().expect("path")).await;
    click(c, "#roster-upload button[type=submit]").await;
    wait_for(c, "#roster-counts").await;
    assert_eq!(text_of(c, "#count-errors").await, "1");
    assert!(
        text_of(c, "#roster-problems")
            .await
            .contains("слишком короткий")
    );
    screenshot(c, "20-roster-preview-errors").await;

    // Fixed: the bad row goes; the preview shows what will change, then it is applied. The file
    // also asks for another tariff and a limit on Ольга's line: network changes, started after.
    let tariff: String = sqlx::query_scalar(
        "SELECT t.name FROM lines l JOIN tariffs now ON now.id = l.tariff_id
         JOIN tariffs t ON t.region_code = now.region_code AND t.id <> now.id
         WHERE l.msisdn = $1 AND t.for_business = 1 AND t.archived = 0 ORDER BY t.id LIMIT 1",
    )
    .bind(&numbers[0])
    .fetch_one(&app.db.pool)
    .await
    .expect("another tariff of the region");
    let fixed = format!(
        "ФИО;Телефон;Подразделение;Должность;Тариф;Лимит\nОрлова Ольга;{};Логистика / Новый склад;Кладовщик;{tariff};2 000\nОрлов Олег;{};;;;\n",
        numbers[0], numbers[1]
    );
    std::fs::write(&path, fixed).expect("file");
    click(c, "a[href='/roster']").await;
    wait_for(c, "#roster-upload").await;
    type_into(c, "input[type=file]", path.to_str().expect("path")).await;
    click(c, "#roster-upload button[type=submit]").await;
    wait_for(c, "#roster-counts").await;
    assert_eq!(text_of(c, "#count-new").await, "2");
    assert!(
        text_of(c, "#roster-departments")
            .await
            .contains("Логистика / Новый склад")
    );
    screenshot(c, "21-roster-preview").await;
    click(c, "#roster-commit button[type=submit]").await;
    wait_for(c, "#roster-applied").await;
    wait_for(c, "#roster-network-start").await;
    assert!(
        text_of(c, "#roster-network-changes")
            .await
            .contains(&tariff)
    );
    screenshot(c, "22-roster-applied").await;
    let bound: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lines l JOIN employees e ON e.id = l.employee_id
         WHERE e.full_name IN ('Орлова Ольга', 'Орлов Олег')",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(bound, 2);

    // The tariff and the limit go to the network as a job; the page follows it to the end.
    click(c, "#roster-network-start button[type=submit]").await;
    wait_for_job_end(c, "#roster-network-done").await;
    assert!(
        text_of(c, "#roster-network-done").await.ends_with(": 2"),
        "{}",
        text_of(c, "#roster-network-done").await
    );
    screenshot(c, "26-roster-network-done").await;
    let (now, limit): (String, Option<i64>) = sqlx::query_as(
        "SELECT t.name, l.spend_limit_kop FROM lines l JOIN tariffs t ON t.id = l.tariff_id
         WHERE l.msisdn = $1",
    )
    .bind(&numbers[0])
    .fetch_one(&app.db.pool)
    .await
    .expect("the line");
    assert_eq!((now, limit), (tariff, Some(200_000)));
    b.client.clone().close().await.expect("closing the browser");
}

#[tokio::test]
async fn an_administrator_maps_a_column_by_hand_and_watches_the_import_job_finish() {
    // Every import goes through a job here, so the progress bar shows.
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |s| s.import_job_rows = 0).await;
    demo::create_demo(&app.db, 60).await.expect("demo");
    let spare: String = sqlx::query_scalar(
        "SELECT msisdn FROM lines WHERE employee_id IS NULL ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("a spare line");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("odd.csv");
    std::fs::write(&path, format!("Сотр.;Моб. (корп.)\nЗайцева Зоя;{spare}\n")).expect("file");

    let b = browser().await;
    let c = &b.client;
    c.goto(&app.url("/login")).await.expect("login page");
    type_into(c, "input[name=number]", "+7 916 000-00-01").await;
    type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_for(c, "#lines-total").await;
    c.goto(&app.url("/roster")).await.expect("roster page");
    type_into(c, "input[type=file]", path.to_str().expect("path")).await;
    click(c, "#roster-upload button[type=submit]").await;
    wait_for(c, "#roster-problems").await;
    assert!(
        text_of(c, "#roster-problems")
            .await
            .contains("Нет столбца с номером")
    );
    // Nothing was read, so nothing is said to be «as in the file».
    wait_for(c, "#roster-no-changes-yet").await;

    // Say what the two columns are, and count again.
    click(c, "select[aria-label='Сотр.'] option[value='0:full_name']").await;
    click(
        c,
        "select[aria-label='Моб. (корп.)'] option[value='1:phone']",
    )
    .await;
    screenshot(c, "23-roster-mapping").await;
    click(c, "#roster-options button[type=submit]").await;
    // The page before the mapping has these elements too: wait for the new page's count.
    wait_for_text(c, "#count-new", "1").await;
    click(c, "#roster-commit button[type=submit]").await;
    wait_for(c, "#roster-job, #roster-applied").await;
    // The page after the commit keeps the columns as mapped: no problems listed.
    assert!(
        c.find(Locator::Css("#roster-problems")).await.is_err(),
        "the mapped file has no problems"
    );
    screenshot(c, "24-roster-job").await;
    // The fragment polls until the job is done, then the page shows the result.
    wait_for_job_end(c, "#roster-applied").await;
    screenshot(c, "25-roster-job-done").await;
    let bound: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lines l JOIN employees e ON e.id = l.employee_id WHERE e.full_name = 'Зайцева Зоя'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(bound, 1);
    let done: String = sqlx::query_scalar("SELECT status FROM jobs ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .expect("job");
    assert_eq!(done, "done");
    b.client.clone().close().await.expect("closing the browser");
}

/// A bulk change in the browser at desktop and phone width: every line a filter matches chosen
/// from the lines table (past its first page), a change previewed and run, the progress bar to
/// its end, the outcomes downloaded.
#[tokio::test]
async fn a_bulk_change_over_every_line_a_filter_matches_runs_to_its_end() {
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    demo::create_demo(&app.db, 160).await.expect("demo");
    let count = |status: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM lines WHERE status = $1")
                .bind(status)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    // The test's own client downloads the outcomes.
    assert_eq!(
        app.login(demo::DEMO_ADMIN, demo::DEMO_PASSWORD)
            .await
            .status,
        303
    );
    for (screen, from, action, to) in [
        (Screen::Desktop, "active", "suspend", "suspended"),
        (Screen::Phone, "suspended", "resume", "active"),
    ] {
        let chosen = count(from).await;
        assert!(chosen > 50, "more than a page of {from} lines: {chosen}");
        let b = browser_for(screen).await;
        let c = &b.client;
        let name = screen.name();
        c.goto(&app.url("/login")).await.expect("login page");
        type_into(c, "input[name=number]", "+7 916 000-00-01").await;
        type_into(c, "input[name=password]", demo::DEMO_PASSWORD).await;
        click(c, "button[type=submit]").await;
        wait_for(c, "#lines-total").await;
        c.goto(&app.url(&format!("/lines?status={from}")))
            .await
            .expect("lines");
        wait_for(c, "#found-count").await;
        // On a phone the table's head is hidden: its own «all on the page» is above the cards.
        let page_box = if screen == Screen::Phone {
            "#pick-page-phone"
        } else {
            "#pick-page"
        };
        click(c, page_box).await;
        wait_for_text(c, "#picked-count", "50").await;
        click(c, "#pick-all").await;
        wait_for_text(c, "#picked-count", &chosen.to_string()).await;
        screenshot(c, &format!("30-bulk-chosen-{name}")).await;
        click(c, "#bulk-go").await;
        wait_for(c, "#bulk-change").await;
        assert!(
            text_of(c, "#bulk-count")
                .await
                .contains(&chosen.to_string())
        );
        click(c, &format!("#bulk-action option[value='{action}']")).await;
        if action == "suspend" {
            type_into(c, "input[name=reason]", "отпуск").await;
        }
        screenshot(c, &format!("31-bulk-change-{name}")).await;
        click(c, "#bulk-preview").await;
        wait_for(c, "#preview").await;
        let changing = text_of(c, "#bulk-changing").await;
        screenshot(c, &format!("32-bulk-preview-{name}")).await;
        click(c, "#confirm").await;
        wait_for(c, "#bulk-operation").await;
        // The fragment polls until the run ends, then the page reloads with the outcomes.
        wait_for_job_end(c, "#results-xlsx").await;
        // The fragment is swapped every second: read it when it is there.
        let mut done = false;
        for _ in 0..200 {
            if let Ok(el) = c.find(Locator::Css("#bulk-state")).await
                && el.text().await.is_ok_and(|t| t.contains("100%"))
            {
                done = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(done, "the progress bar reached its end");
        screenshot(c, &format!("33-bulk-done-{name}")).await;
        let changed = text_of(c, "#count-changed").await;
        assert!(changing.contains(&changed), "{changing} vs {changed}");
        assert_eq!(
            count(from).await,
            chosen - changed.parse::<i64>().expect("a count")
        );
        assert!(count(to).await >= changed.parse::<i64>().expect("a count"));
        let href = c
            .find(Locator::Css("#results-xlsx"))
            .await
            .expect("the download link")
            .attr("href")
            .await
            .expect("href")
            .expect("an address");
        b.client.clone().close().await.expect("closing the browser");
        let file = app
            .client
            .get(app.url(&href))
            .send()
            .await
            .expect("download");
        assert_eq!(file.status(), 200);
        let bytes = file.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"PK"), "an XLSX file");
    }
}
