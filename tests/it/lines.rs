use simfleet::services::departments::{self, DepartmentInput};
use simfleet::services::employees::{self, EmployeeInput};
use simfleet::store::lines::{self, Filter, LineRow, Search, Total, Window};
use simfleet::store::reference::{Reference, ReferenceCache, Versions};

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

fn rows(html: &str) -> usize {
    html.matches("class=\"line-link\"").count()
}

fn found(html: &str) -> i64 {
    let at = html.find("id=\"found-count\">").expect("found count") + "id=\"found-count\">".len();
    html[at..at + html[at..].find('<').expect("end")]
        .parse()
        .expect("a number")
}

struct Seeded {
    logistics: i64,
    warehouse: i64,
    sales: i64,
}

/// 120 lines +7 916 000-00-00 … +7 916 000-01-19; four named people on the first four lines.
async fn seed(app: &TestApp) -> Seeded {
    let company = app.seed_company().await;
    let numbers: Vec<String> = (0..120).map(|i| format!("+7916000{i:04}")).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    app.add_lines(company, &refs).await;
    let permit = app.permit(company);
    let dept = |name: &str, parent: Option<i64>| DepartmentInput {
        name: name.into(),
        parent_id: parent.map(|p| p.to_string()).unwrap_or_default(),
        cost_centre: format!("ЦФО-{name}"),
    };
    let logistics = departments::create(&app.db, &permit, &dept("Логистика", None))
        .await
        .expect("dept");
    let warehouse = departments::create(&app.db, &permit, &dept("Склад Москва", Some(logistics)))
        .await
        .expect("dept");
    let sales = departments::create(&app.db, &permit, &dept("Продажи", None))
        .await
        .expect("dept");
    let people = [
        ("Ёлкин Пётр Ильич", warehouse),
        ("Елкина Анна Сергеевна", logistics),
        ("Иванов Иван Иванович", sales),
        ("Петров-Водкин Кузьма Сергеевич", warehouse),
    ];
    for (i, (name, dept)) in people.iter().enumerate() {
        let id = employees::create(
            &app.db,
            &permit,
            &EmployeeInput {
                full_name: (*name).into(),
                department_id: dept.to_string(),
                ..Default::default()
            },
        )
        .await
        .expect("employee");
        // Assigning lines is the next capability; the test sets the rows it reads.
        sqlx::query("UPDATE lines SET employee_id = $1, department_id = $2 WHERE msisdn = $3")
            .bind(id)
            .bind(*dept)
            .bind(&numbers[i])
            .execute(&app.db.pool)
            .await
            .expect("assign");
    }
    sqlx::query("UPDATE lines SET status = 'suspended' WHERE msisdn IN ('+79160000100', '+79160000101', '+79160000102')")
        .execute(&app.db.pool)
        .await
        .expect("suspend");
    app.login(ADMIN, PASSWORD).await;
    Seeded {
        logistics,
        warehouse,
        sales,
    }
}

async fn search_finds_names_in_any_case_with_yo_folded(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    for (q, want) in [
        ("елкин", 2),
        ("ЁЛК", 2),
        ("Пётр", 2),
        ("петр", 2),
        ("ильич", 1),
        ("водкин", 1),
        ("кузьма петров", 1),
        ("сергеев", 2),
        ("иван", 1),
        ("Смирнов", 0),
    ] {
        let page = app.get(&format!("/lines?q={}", urlencode(q))).await;
        assert_eq!(page.status, 200);
        assert_eq!(found(&page.body), want, "search {q}");
        assert_eq!(rows(&page.body), want as usize, "search {q}");
    }
}

async fn search_finds_numbers_by_their_start_or_end(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    for (q, want) in [
        ("0042", 1),
        ("0119", 1),
        ("916", 120),
        ("8916", 120),
        ("+7 916 000-00-4", 10),
        ("9160000100", 1),
        ("89160000100", 1),
        ("777", 0),
    ] {
        let page = app.get(&format!("/lines?q={}", urlencode(q))).await;
        assert_eq!(found(&page.body), want, "search {q}");
    }
}

async fn filters_sorting_and_pages(b: Backend) {
    let app = spawn_app(b).await;
    let s = seed(&app).await;
    let all = app.get("/lines").await;
    assert_eq!((found(&all.body), rows(&all.body)), (120, 50));
    assert!(all.body.contains("+7 916 000-00-00"));
    let last = app.get("/lines?page=3").await;
    assert_eq!(rows(&last.body), 20);
    assert!(last.body.contains("+7 916 000-01-19"));
    assert_eq!(rows(&app.get("/lines?page=9").await.body), 0);

    let desc = app.get("/lines?dir=desc").await;
    let first_link = desc.body.find("class=\"line-link\">").expect("a row");
    assert!(desc.body[first_link..].starts_with("class=\"line-link\">+7 916 000-01-19"));

    let suspended = app.get("/lines?status=suspended").await;
    assert_eq!(found(&suspended.body), 3);
    // A department filter covers its sub-departments.
    assert_eq!(
        found(
            &app.get(&format!("/lines?department={}", s.logistics))
                .await
                .body
        ),
        3
    );
    assert_eq!(
        found(
            &app.get(&format!("/lines?department={}", s.warehouse))
                .await
                .body
        ),
        2
    );
    assert_eq!(
        found(
            &app.get(&format!("/lines?department={}&q=водкин", s.warehouse))
                .await
                .body
        ),
        1
    );
    assert_eq!(
        found(
            &app.get(&format!("/lines?department={}&status=suspended", s.sales))
                .await
                .body
        ),
        0
    );

    let by_employee = app.get("/lines?sort=employee").await;
    assert_eq!(by_employee.status, 200);
    let by_dept = app.get("/lines?sort=department&dir=desc&page=2").await;
    assert_eq!(rows(&by_dept.body), 50);
}

/// Cost centres, services, a lost SIM told apart from a block, the page size, and sorting by
/// the month and the limit.
async fn more_filters_and_sorts(b: Backend) {
    let app = spawn_app(b).await;
    let s = seed(&app).await;
    // A line of its own cost centre, in a department of another.
    sqlx::query("UPDATE lines SET cost_centre = 'ЦФО-Продажи', department_id = $1 WHERE msisdn = '+79160000050'")
        .bind(s.warehouse)
        .execute(&app.db.pool)
        .await
        .expect("own cost centre");
    let sales = app.get("/lines?cost_centre=ЦФО-Продажи").await;
    assert_eq!(
        found(&sales.body),
        2,
        "the sales line, and the line billed to sales"
    );
    assert!(sales.body.contains("+7 916 000-00-50") && sales.body.contains("+7 916 000-00-02"));
    assert_eq!(
        found(&app.get("/lines?cost_centre=ЦФО-Склад Москва").await.body),
        2,
        "the warehouse's two, not the line billed to sales"
    );
    assert!(
        app.get("/lines")
            .await
            .body
            .contains("<option value=\"ЦФО-Логистика\""),
        "the departments' cost centres to choose from"
    );

    sqlx::query(
        "INSERT INTO line_services (line_id, service_id, enabled_at)
                 SELECT l.id, s.id, 0 FROM lines l, services s
                 WHERE l.msisdn IN ('+79160000007', '+79160000008') AND s.code = 'anti-spam'",
    )
    .execute(&app.db.pool)
    .await
    .expect("services");
    assert_eq!(found(&app.get("/lines?service=anti-spam").await.body), 2);
    let unknown = app.get("/lines?service=teleport").await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.body.contains("teleport"), "{}", unknown.body);

    sqlx::query(
        "UPDATE lines SET status = 'blocked', status_reason = 'lost' WHERE msisdn = '+79160000010'",
    )
    .execute(&app.db.pool)
    .await
    .expect("lost");
    sqlx::query("UPDATE lines SET status = 'blocked', status_reason = 'debt' WHERE msisdn IN ('+79160000011', '+79160000012')")
        .execute(&app.db.pool)
        .await
        .expect("blocked");
    let lost = app.get("/lines?status=lost").await;
    assert_eq!(found(&lost.body), 1);
    assert!(
        lost.body.contains("SIM-карта утеряна"),
        "the lost SIM's own state"
    );
    assert_eq!(
        found(&app.get("/lines?status=blocked").await.body),
        2,
        "the operator's blocks"
    );
    let overview = app.get("/overview").await;
    assert!(
        overview.body.contains("/lines?status=lost"),
        "the overview tells them apart"
    );

    let big = app.get("/lines?per=100").await;
    assert_eq!(rows(&big.body), 100);
    let next = big
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .expect("a next page");
    assert!(
        next.contains("per=100") && next.contains("page=2"),
        "paging keeps the size: {next}"
    );
    assert_eq!(rows(&app.get("/lines?per=200").await.body), 120);
    let odd = app.get("/lines?per=7").await;
    assert_eq!(odd.status, 400);
    assert!(odd.body.contains("50, 100 или 200"), "{}", odd.body);

    sqlx::query("UPDATE lines SET spend_limit_kop = 99900 WHERE msisdn = '+79160000077'")
        .execute(&app.db.pool)
        .await
        .expect("limit");
    let by_limit = app.get("/lines?sort=limit&dir=desc").await;
    let first = by_limit.body.find("class=\"line-link\">").expect("a row");
    assert!(by_limit.body[first..].starts_with("class=\"line-link\">+7 916 000-00-77"));
    sqlx::query("UPDATE lines SET monthly_kop = 1 WHERE msisdn = '+79160000033'")
        .execute(&app.db.pool)
        .await
        .expect("a cheap month");
    let by_month = app.get("/lines?sort=monthly").await;
    let first = by_month.body.find("class=\"line-link\">").expect("a row");
    assert!(
        by_month.body[first..].starts_with("class=\"line-link\">+7 916 000-00-33"),
        "the cheapest month first"
    );
}

async fn the_table_alone_answers_htmx(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    let r = app
        .client
        .get(app.url("/lines?q=0042"))
        .header("HX-Request", "true")
        .send()
        .await
        .expect("htmx");
    let body = r.text().await.expect("body");
    assert!(!body.contains("<html"), "a partial, not a page");
    assert_eq!(rows(&body), 1);
}

async fn bad_filters_say_what_is_wrong(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    for (q, msg) in [
        ("status=gone", "Неизвестный статус «gone»"),
        ("department=999999", "Нет подразделения 999999"),
        ("department=abc", "«abc» — не идентификатор"),
        (
            "sort=password_hash",
            "Нельзя сортировать по «password_hash»",
        ),
        ("tariff=999999", "Нет тарифа «999999»"),
    ] {
        let r = app.get(&format!("/lines?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.body.contains(msg), "{q}: {}", r.body);
    }
}

async fn the_card_shows_the_line_its_tariff_and_history(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000000'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    let card = app.get(&format!("/lines/{id}")).await;
    assert_eq!(card.status, 200);
    for text in [
        "+7 916 000-00-00",
        "Ёлкин Пётр Ильич",
        "Склад Москва",
        "ЦФО-Склад Москва",
        "Бизнес Старт",
        "450,00",
        "300 мин",
        "Номер добавлен",
    ] {
        assert!(card.body.contains(text), "card lacks {text}");
    }
    assert_eq!(app.get("/lines/999999").await.status, 404);
}

/// A full page's count may be kept between requests (PostgreSQL); a write from anywhere else,
/// here a statement of the test's own outside the app, must show in the next page's count.
async fn a_full_pages_count_follows_writes_made_elsewhere(b: Backend) {
    let app = spawn_app(b).await;
    seed(&app).await;
    let active = |page: i64| {
        let app = &app;
        async move {
            let body = app
                .get(&format!("/lines?status=active&page={page}"))
                .await
                .body;
            (found(&body), rows(&body))
        }
    };
    // 117 active lines: the count is taken, then asked again with nothing written since.
    assert_eq!(active(1).await, (117, 50));
    assert_eq!(active(1).await, (117, 50));
    assert_eq!(active(2).await, (117, 50));
    sqlx::query(
        "UPDATE lines SET status = 'suspended' WHERE msisdn IN
         ('+79160000060', '+79160000061', '+79160000062', '+79160000063', '+79160000064')",
    )
    .execute(&app.db.pool)
    .await
    .expect("suspend behind the app's back");
    assert_eq!(active(1).await, (112, 50));
    assert_eq!(active(2).await, (112, 50));
    assert_eq!(active(3).await, (112, 12));
    assert_eq!(active(1).await, (112, 50));
    sqlx::query("UPDATE lines SET status = 'active' WHERE msisdn = '+79160000060'")
        .execute(&app.db.pool)
        .await
        .expect("resume");
    assert_eq!(active(2).await, (113, 50), "the second page, asked first");
    assert_eq!(active(1).await, (113, 50));

    // A search's own counts (how selective it is, how many it finds) follow writes too.
    let found_by = |q: &'static str| {
        let app = &app;
        async move { found(&app.get(&format!("/lines?q={q}")).await.body) }
    };
    assert_eq!(found_by("водкин").await, 1);
    assert_eq!(found_by("водкин").await, 1);
    sqlx::query(
        "INSERT INTO employee_name_words (company_id, word, employee_id)
         SELECT company_id, 'водкина', id FROM employees WHERE full_name = 'Ёлкин Пётр Ильич'",
    )
    .execute(&app.db.pool)
    .await
    .expect("a word behind the app's back");
    assert_eq!(found_by("водкин").await, 2);
}

/// The table names departments and tariffs from the company's reference data; what a copy of
/// it lacks is read from the database: a tariff of another region, a department added since.
/// Sorting by those names still sorts by them.
/// The first 50 of the company's lines that match, named through `reference`.
async fn first_page(
    app: &TestApp,
    reference: &Reference,
    company: i64,
    filter: &Filter,
) -> (Vec<LineRow>, Total) {
    lines::list(
        &app.db,
        &mut app.db.pool.acquire().await.expect("connection"),
        reference,
        &simfleet::authz::OperatorPermit::cli().in_company(company),
        filter,
        Window {
            limit: 50,
            offset: 0,
        },
        None,
    )
    .await
    .expect("page")
}

async fn names_the_reference_data_lacks_are_read(b: Backend) {
    let app = spawn_app(b).await;
    let s = seed(&app).await;
    let (company, region, version): (i64, String, i64) = sqlx::query_as(
        "SELECT c.id, c.region_code, c.reference_version FROM companies c
         JOIN departments d ON d.company_id = c.id WHERE d.id = $1",
    )
    .bind(s.sales)
    .fetch_one(&app.db.pool)
    .await
    .expect("company");
    let catalogue: i64 = sqlx::query_scalar("SELECT version FROM catalogue_version WHERE id = 1")
        .fetch_one(&app.db.pool)
        .await
        .expect("catalogue version");
    let versions = Versions {
        company: version,
        catalogue,
        region_code: region.clone(),
    };
    let before = ReferenceCache::default()
        .get(&app.db, company, &versions)
        .await
        .expect("reference");

    let added = departments::create(
        &app.db,
        &app.permit(company),
        &DepartmentInput {
            name: "Ядро сети".into(),
            parent_id: String::new(),
            cost_centre: "ЦФО-9".into(),
        },
    )
    .await
    .expect("department");
    let other_region = if region == "78" { "77" } else { "78" };
    sqlx::query(
        "INSERT INTO tariffs (region_code, code, name, monthly_fee_kop, minutes, sms, data_mb, minute_over_kop, sms_over_kop, mb_over_kop)
         VALUES ($1, 'far-away', 'Ямал Особый', 12345, 1, 1, 1, 1, 1, 1)",
    )
    .bind(other_region)
    .execute(&app.db.pool)
    .await
    .expect("a tariff of another region");
    sqlx::query(
        "UPDATE lines SET department_id = $1, tariff_id = (SELECT id FROM tariffs WHERE code = 'far-away')
         WHERE msisdn = '+79160000010'",
    )
    .bind(added)
    .execute(&app.db.pool)
    .await
    .expect("the line moved");

    let filter = Filter {
        search: Some(Search::Number("79160000010".into())),
        ..Default::default()
    };
    let (rows, total) = first_page(&app, &before, company, &filter).await;
    assert_eq!(total.count, 1);
    let row = &rows[0];
    assert_eq!(row.department_name.as_deref(), Some("Ядро сети"));
    assert_eq!(
        (row.tariff_name.as_str(), row.tariff_fee_kop),
        ("Ямал Особый", 12345)
    );
    // The others on the page are named from the copy.
    let (rows, _) = first_page(&app, &before, company, &Filter::default()).await;
    assert_eq!(rows[0].department_name.as_deref(), Some("Склад Москва"));
    assert_eq!(rows[0].tariff_name, "Бизнес Старт");
    assert_eq!(rows[1].tariff_name, "Бизнес Старт");

    let page = app.get("/lines?q=79160000010").await;
    for text in ["Ядро сети", "Ямал Особый", "123,45"] {
        assert!(page.body.contains(text), "page lacks {text}");
    }
    // «Ямал…» and «Ядро…» are last by name: first when sorted down.
    let first_row = |html: &str| {
        let at = html.find("class=\"line-link\">").expect("a row");
        html[at..at + 60].to_owned()
    };
    for sort in ["tariff", "department"] {
        let page = app.get(&format!("/lines?sort={sort}&dir=desc")).await;
        assert!(
            first_row(&page.body).contains("+7 916 000-00-10"),
            "sorted by {sort}: {}",
            first_row(&page.body)
        );
    }
    // Lines with no department come last either way, on both databases.
    let up = app.get("/lines?sort=department").await;
    assert!(
        first_row(&up.body).contains("+7 916 000-00-01"),
        "{}",
        first_row(&up.body)
    );
}

on_both!(
    names_the_reference_data_lacks_are_read,
    a_full_pages_count_follows_writes_made_elsewhere,
    search_finds_names_in_any_case_with_yo_folded,
    search_finds_numbers_by_their_start_or_end,
    filters_sorting_and_pages,
    more_filters_and_sorts,
    the_table_alone_answers_htmx,
    bad_filters_say_what_is_wrong,
    the_card_shows_the_line_its_tariff_and_history,
);

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn broad_searches_and_large_results_stay_exact_where_shown(b: Backend) {
    let app = spawn_app(b).await;
    let made = simfleet::services::demo::create_demo(&app.db, 1200)
        .await
        .expect("demo");
    app.login(
        simfleet::services::demo::DEMO_ADMIN,
        simfleet::services::demo::DEMO_PASSWORD,
    )
    .await;
    // 1,200 lines: past the count cap of 1,000 the page says "more than".
    let all = app.get("/lines").await;
    assert_eq!((found(&all.body), rows(&all.body)), (1000, 50));
    assert!(
        all.body.contains("более <strong id=\"found-count\">1000"),
        "{}",
        &all.body[..2000.min(all.body.len())]
    );
    // Every number starts with 916: a broad search walks in number order and shows the first page.
    let broad = app.get("/lines?q=916").await;
    assert_eq!(rows(&broad.body), 50);
    assert!(broad.body.contains("более <strong id=\"found-count\">50"));
    let first: Vec<String> = sqlx::query_scalar(
        "SELECT msisdn FROM lines WHERE company_id = $1 ORDER BY number_key LIMIT 50",
    )
    .bind(made.company_id)
    .fetch_all(&app.db.pool)
    .await
    .expect("numbers");
    let shown: Vec<&str> = broad
        .body
        .match_indices("class=\"line-link\">")
        .map(|(i, m)| &broad.body[i + m.len()..i + m.len() + 16])
        .collect();
    let expected: Vec<String> = first
        .iter()
        .map(|m| simfleet::web::format::phone(m))
        .collect();
    assert_eq!(
        shown, expected,
        "the walk gives the same first page as sorting would"
    );
    let second = app.get("/lines?q=916&page=2").await;
    assert_eq!(rows(&second.body), 50);
    // A narrow search is counted exactly.
    let last4 = &first[7][8..];
    let narrow = app.get(&format!("/lines?q={last4}")).await;
    assert!(found(&narrow.body) >= 1 && !narrow.body.contains("более"));
    let api: serde_json::Value = app
        .client
        .get(app.url("/api/v1/lines"))
        .send()
        .await
        .expect("api")
        .json()
        .await
        .expect("json");
    assert_eq!(
        (api["total"].as_i64(), api["more"].as_bool()),
        (Some(1000), Some(true))
    );
}

on_both!(broad_searches_and_large_results_stay_exact_where_shown);
