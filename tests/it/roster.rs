//! Roster import end to end: upload, preview (nothing written), commit (all at once, audited),
//! re-import changes nothing, errors at their row and column block the commit, a stale preview
//! is refused, full sync asks for confirmation, hand-mapped columns are remembered.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use rust_xlsxwriter::Workbook;

use crate::helpers::{ADMIN, Backend, PASSWORD, Response, TestApp, spawn_app};
use crate::on_both;

async fn company(b: Backend) -> TestApp {
    let app = spawn_app(b).await;
    let c = app.seed_company().await;
    app.add_lines(
        c,
        &[
            "+79160000001",
            "+79160000002",
            "+79160000003",
            "+79160000004",
            "+79160000005",
        ],
    )
    .await;
    // Another company's line: never touched by this company's import.
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79260000001"]).await;
    app.login(ADMIN, PASSWORD).await;
    app
}

/// An XLSX file: a title row, then the rows (phones in numeric cells where they are numbers).
fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write(0, 0, "ООО «Ромашка» — сотрудники на 01.03.2026")
        .expect("title");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 2, c as u16);
            match cell.parse::<f64>() {
                Ok(n) if cell.len() == 11 => sheet.write(r, c, n).map(|_| ()),
                _ => sheet.write(r, c, *cell).map(|_| ()),
            }
            .expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

const HEADER: &[&str] = &[
    "ФИО",
    "Телефон",
    "Подразделение",
    "Табельный номер",
    "Должность",
    "E-mail",
];

pub async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> Response {
    let csrf = app.csrf("/roster").await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let r = app
        .client
        .post(app.url("/roster"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    crate::helpers::read(r).await
}

/// Uploads and follows to the preview: the upload's id and the preview page.
async fn preview(app: &TestApp, name: &str, bytes: Vec<u8>) -> (String, Response) {
    let r = upload(app, name, bytes).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.location.expect("location");
    let page = app.get(&at).await;
    (at, page)
}

fn hidden(html: &str, name: &str) -> String {
    crate::helpers::hidden(html, name).unwrap_or_else(|| panic!("no {name}"))
}

fn count(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}\">");
    let at = html.find(&key).unwrap_or_else(|| panic!("no {id}")) + key.len();
    html[at..at + html[at..].find('<').expect("end")].to_owned()
}

async fn commit(app: &TestApp, at: &str, page: &str, extra: &[(&str, &str)]) -> Response {
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), hidden(page, "csrf")),
        ("fingerprint".into(), hidden(page, "fingerprint")),
        ("sheet".into(), hidden(page, "sheet")),
    ];
    let commit_form = &page[page.find("id=\"roster-commit\"").expect("commit form")..];
    form.push(("mode".into(), hidden(commit_form, "mode")));
    for part in commit_form.split("name=\"map\" value=\"").skip(1) {
        form.push((
            "map".into(),
            part[..part.find('"').expect("end")].to_owned(),
        ));
    }
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(&format!("{at}/commit"), &pairs).await
}

async fn scalar(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn roster() -> Vec<u8> {
    xlsx(&[
        HEADER,
        &[
            "Иванов Иван Иванович",
            "79160000001",
            "Логистика / Склад Москва",
            "00042",
            "Кладовщик",
            "ivanov@example.ru",
        ],
        &[
            "Петрова Анна",
            "8 (916) 000-00-02",
            "Продажи",
            "7",
            "Менеджер",
            "",
        ],
        &[
            "Петрова Анна",
            "+7 916 000 00 03",
            "Продажи",
            "007",
            "Менеджер",
            "",
        ],
        &["", "9160000004", "Логистика", "", "", ""],
        &["Итого: 4", "", "", "", "", ""],
    ])
}

async fn a_roster_is_previewed_then_applied_at_once(b: Backend) {
    let app = company(b).await;
    let (at, page) = preview(&app, "staff.xlsx", roster()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(count(&page.body, "count-new"), "2");
    assert_eq!(count(&page.body, "count-changed"), "2");
    assert_eq!(count(&page.body, "count-errors"), "0");
    assert!(page.body.contains("Логистика / Склад Москва"));
    // Nothing is written at preview time but the upload.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM departments").await, 0);
    let audit_before = scalar(&app, "SELECT COUNT(*) FROM audit_log").await;

    let done = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("id=\"roster-applied\""));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 2);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM departments").await, 3);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM departments c JOIN departments p ON p.id = c.parent_id
             WHERE c.name = 'Склад Москва' AND p.name = 'Логистика'"
        )
        .await,
        1
    );
    // Anna's two lines, one person; the modem stays without an employee, in Логистика.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines l JOIN employees e ON e.id = l.employee_id WHERE e.full_name = 'Петрова Анна'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines l JOIN departments d ON d.id = l.department_id
             WHERE l.msisdn = '+79160000004' AND l.employee_id IS NULL AND d.name = 'Логистика'"
        )
        .await,
        1
    );
    // One audit entry per change: 3 departments, 2 employees, 4 lines, and the import itself.
    let written = scalar(&app, "SELECT COUNT(*) FROM audit_log").await - audit_before;
    assert_eq!(written, 3 + 2 + 4 + 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%Иванов%'"
        )
        .await,
        0,
        "names stay out of the log"
    );

    // The same submit again does nothing twice.
    let again = commit(&app, &at, &page.body, &[]).await;
    assert!(again.body.contains("уже применён"), "{}", again.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 2);

    // The same file next month: 0 changes.
    let (_, page) = preview(&app, "staff.xlsx", roster()).await;
    assert_eq!(count(&page.body, "count-unchanged"), "4");
    assert!(page.body.contains("id=\"roster-nothing\""));

    // The import page lists the uploads: the file, who, and whether it was applied.
    let listed = app.get("/roster").await;
    let past = listed
        .body
        .split("id=\"roster-past\"")
        .nth(1)
        .expect("the earlier uploads");
    assert!(past.contains(&format!("href=\"{at}\"")), "{past}");
    assert!(
        past.contains("staff.xlsx") && past.contains("Применён"),
        "{past}"
    );
    assert!(
        past.contains("Не применён"),
        "the second preview is not applied: {past}"
    );
}

/// A roster sorted by name lists the lines out of their order: each person still gets their own
/// line, and new people are numbered in their lines' order (the commit writes in that order).
async fn people_listed_out_of_line_order_get_their_own_lines(b: Backend) {
    let app = company(b).await;
    let file = xlsx(&[
        HEADER,
        &["Яковлев Ян", "79160000005", "", "", "", ""],
        &["Борисова Вера", "79160000002", "", "", "", ""],
        &["Жуков Глеб", "79160000004", "", "", "", ""],
        &["Абрамов Денис", "79160000003", "", "", "", ""],
        &["Яковлев Ян", "79160000001", "", "", "", ""],
    ]);
    let (at, page) = preview(&app, "staff.xlsx", file).await;
    assert_eq!(count(&page.body, "count-errors"), "0", "{}", page.body);
    let done = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let bound: Vec<(String, String)> = sqlx::query_as(
        "SELECT l.msisdn, e.full_name FROM lines l JOIN employees e ON e.id = l.employee_id
         ORDER BY e.id, l.msisdn",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("lines");
    let bound: Vec<(&str, &str)> = bound
        .iter()
        .map(|(l, e)| (l.as_str(), e.as_str()))
        .collect();
    assert_eq!(
        bound,
        [
            ("+79160000001", "Яковлев Ян"),
            ("+79160000005", "Яковлев Ян"),
            ("+79160000002", "Борисова Вера"),
            ("+79160000003", "Абрамов Денис"),
            ("+79160000004", "Жуков Глеб"),
        ]
    );
}

async fn problems_are_named_by_row_and_column_and_block_the_commit(b: Backend) {
    let app = company(b).await;
    let csv = "Список сотрудников\r\nФИО;Телефон;E-mail\r\nИванов;12345;ivanov@\r\nПетров;+7 926 000-00-01;\r\nСидоров;9160000002;sidorov@\r\nКозлов;9160000003;\r\nКозлова;8 916 000 00 03;\r\n";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(csv);
    let (at, page) = preview(&app, "staff.csv", cp1251.into_owned()).await;
    assert_eq!(count(&page.body, "count-errors"), "4", "{}", page.body);
    for text in [
        "Номер 12345 — слишком короткий",
        "Номер +7 926 000-00-01 не принадлежит компании",
        "«sidorov@» — не адрес электронной почты",
        "Номер +7 916 000-00-03 уже есть в строке 6",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    assert!(page.body.contains(
        "<td class=\"num tag\" data-label=\"Строка\">3</td><td class=\"lead\">Телефон</td>"
    ));
    let refused = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("В файле есть ошибки"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE employee_id IS NOT NULL"
        )
        .await,
        0
    );

    // The rows with problems download as XLSX, each with its reasons.
    assert!(page.body.contains("id=\"roster-errors-xlsx\""));
    let href = format!("{at}/errors?sheet=CSV&mode=add_update");
    assert!(
        page.body
            .contains(&format!("href=\"{}\"", href.replace('&', "&#38;"))),
        "the page links the error rows with its choices"
    );
    let r = app.client.get(app.url(&href)).send().await.expect("errors");
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.expect("bytes");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range("Строки с ошибками").expect("sheet");
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows[0], vec!["ФИО", "Телефон", "E-mail", "Ошибки"]);
    assert_eq!(rows.len(), 5);
    // A row with two problems: its cells once, both reasons.
    assert_eq!(rows[1][..3], ["Иванов", "12345", "ivanov@"]);
    assert!(rows[1][3].contains("Строка 3, «Телефон»"));
    assert!(
        rows[1][3].contains("«ivanov@» — не адрес"),
        "{}",
        rows[1][3]
    );
}

/// A preview of a file naming Смирнова Ольга for +7 916 000-00-05; meanwhile someone adds an
/// employee of that name, so the plan would now bind the line to her. The preview's address and
/// page.
async fn previewed_then_stale(app: &TestApp) -> (String, Response) {
    let file = xlsx(&[HEADER, &["Смирнова Ольга", "9160000005", "", "", "", ""]]);
    let (at, page) = preview(app, "staff.xlsx", file).await;
    let r = app
        .submit(
            "/employees/new",
            "/employees",
            &[("full_name", "Смирнова Ольга"), ("department_id", "")],
        )
        .await;
    assert_eq!(r.status, 303);
    (at, page)
}

async fn a_stale_preview_is_refused(b: Backend) {
    let app = company(b).await;
    let (at, page) = previewed_then_stale(&app).await;
    let refused = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("изменились после предпросмотра"));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE employee_id IS NOT NULL"
        )
        .await,
        0
    );
}

/// The plan passed its check; then, before it was written, someone made a department of a name
/// the file brings. The unique index stops the write, and the commit is refused as a stale
/// preview (not failed), with nothing of the file written.
async fn a_name_taken_between_check_and_write_is_a_stale_preview(b: Backend) {
    use simfleet::services::roster as service;
    let app = company(b).await;
    let (at, _) = preview(&app, "staff.xlsx", roster()).await;
    let id: i64 = at
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM roster_uploads WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("upload");
    let permit = simfleet::authz::OperatorPermit::cli().in_company(company);
    let options = service::Options::default();
    let checked = service::preview(&app.db, &permit, id, &options)
        .await
        .expect("preview");
    let fingerprint = checked.fingerprint.clone();
    let prepared = service::check(checked, &fingerprint, false).expect("checked");
    let made = app
        .submit(
            "/departments/new",
            "/departments",
            &[("name", "продажи"), ("parent_id", "")],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let refused = service::apply(&app.db, &permit, &prepared, &options, 0).await;
    assert!(
        matches!(refused, Err(service::RosterError::Stale)),
        "{refused:?}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM departments").await, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 0);
}

async fn full_sync_removes_the_missing_after_confirmation(b: Backend) {
    let app = company(b).await;
    let (at, page) = preview(&app, "staff.xlsx", roster()).await;
    commit(&app, &at, &page.body, &[]).await;
    let file = xlsx(&[
        HEADER,
        &[
            "Иванов Иван Иванович",
            "79160000001",
            "Логистика / Склад Москва",
            "42",
            "Кладовщик",
            "ivanov@example.ru",
        ],
    ]);
    let (at, page) = preview(&app, "less.xlsx", file.clone()).await;
    assert!(
        !page.body.contains("id=\"roster-removals\""),
        "add and update removes no one"
    );
    let page = app.get(&format!("{at}?mode=full_sync")).await;
    assert!(page.body.contains("id=\"roster-removals\""));
    assert!(page.body.contains("Петрова Анна"));
    let unconfirmed = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(unconfirmed.status, 409);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 2);
    let done = commit(&app, &at, &page.body, &[("confirm_removals", "1")]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE msisdn IN ('+79160000002', '+79160000003') AND employee_id IS NULL"
        )
        .await,
        2
    );
}

async fn the_rows_without_problems_are_applied_alone(b: Backend) {
    let app = company(b).await;
    let (at, page) = preview(&app, "staff.xlsx", roster()).await;
    commit(&app, &at, &page.body, &[]).await;
    let file = xlsx(&[
        HEADER,
        &[
            "Иванов Иван Иванович",
            "79160000001",
            "Продажи",
            "42",
            "Кладовщик",
            "ivanov@",
        ],
        &["Орлов Олег", "9160000005", "Продажи", "9", "Менеджер", ""],
        &["Козлов Кирилл", "+7 926 000-00-01", "", "", "", "kozlov@"],
    ]);
    let (at, _) = preview(&app, "some-bad.xlsx", file).await;
    let page = app.get(&format!("{at}?mode=full_sync")).await;
    assert_eq!(count(&page.body, "count-errors"), "2", "{}", page.body);
    // Every problem of a row, the later checks' too.
    for text in [
        "«ivanov@» — не адрес электронной почты",
        "«kozlov@» — не адрес электронной почты",
        "Номер +7 926 000-00-01 не принадлежит компании",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let removals = &page.body[page.body.find("id=\"roster-removals\"").expect("removals")..];
    let removals = &removals[..removals.find("</section>").expect("end")];
    assert!(removals.contains("Петрова Анна"));
    assert!(
        !removals.contains("Иванов"),
        "a row with problems still names its person: {removals}"
    );
    assert!(page.body.contains("id=\"roster-apply-good\""));
    let done = commit(&app, &at, &page.body, &[("skip_errors", "1")]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("пропущено строк с ошибками: 2"),
        "{}",
        done.body
    );
    assert!(done.body.contains("Не применены: строки с ошибками"));
    assert!(
        !done.body.contains("id=\"roster-counts\"") && !done.body.contains("id=\"roster-changes\""),
        "what was applied is not offered again"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM employees").await,
        3,
        "Орлов added, nobody removed"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM employees WHERE full_name = 'Иванов Иван Иванович' AND email = 'ivanov@example.ru'"
        )
        .await,
        1,
        "the row with problems is left as it was"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines l JOIN employees e ON e.id = l.employee_id WHERE l.msisdn = '+79160000005' AND e.full_name = 'Орлов Олег'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM departments WHERE name = 'Продажи'"
        )
        .await,
        1
    );
    let log = app.get("/audit").await;
    assert!(
        log.body.contains("2 строки с ошибками пропущены"),
        "{}",
        log.body
    );
}

async fn columns_mapped_by_hand_are_remembered(b: Backend) {
    let app = company(b).await;
    let csv = "Сотр.,Моб. (корп.)\nОрлов Олег,9160000005\n";
    let (at, page) = preview(&app, "odd.csv", csv.as_bytes().to_vec()).await;
    assert!(page.body.contains("Нет столбца с номером телефона"));
    let page = app
        .get(&format!("{at}?mode=add_update&map=0:full_name&map=1:phone"))
        .await;
    assert_eq!(count(&page.body, "count-new"), "1", "{}", page.body);
    let done = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    // The next file with those headers needs no mapping.
    let (_, page) = preview(&app, "odd.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(count(&page.body, "count-unchanged"), "1", "{}", page.body);

    // A file that is no spreadsheet is refused at upload, and nothing is kept.
    let bad = upload(&app, "x.xlsx", b"PK\x03\x04broken".to_vec()).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Файл повреждён"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM roster_uploads").await, 2);
    let png = upload(
        &app,
        "photo.xlsx",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    )
    .await;
    assert!(png.body.contains("Это не таблица"), "{}", png.body);

    // 500,000 columns in under 5 MB: refused at upload with the row, before any page renders it.
    let wide = format!(
        "ФИО;Телефон\r\nИванов;+79161234567{}\r\n",
        ";x".repeat(500_000)
    );
    let wide = upload(&app, "wide.csv", wide.into_bytes()).await;
    assert_eq!(wide.status, 422);
    assert!(
        wide.body.contains("В строке 2 больше 300 столбцов"),
        "{}",
        wide.body.len()
    );
    assert!(
        wide.body.len() < 100_000,
        "a short page: {}",
        wide.body.len()
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM roster_uploads").await, 2);
}

async fn a_failure_mid_commit_leaves_nothing(b: Backend) {
    let app = company(b).await;
    // The second new employee's insert fails, after a department and an employee went in.
    let trigger = match b {
        Backend::Sqlite => vec![
            "CREATE TRIGGER fail_on_employee BEFORE INSERT ON employees
             WHEN NEW.full_name = 'Сбой Системы'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
        Backend::Postgres => vec![
            "CREATE FUNCTION fail_employee() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.full_name = 'Сбой Системы' THEN RAISE EXCEPTION 'injected failure'; END IF;
             RETURN NEW; END $$",
            "CREATE TRIGGER fail_on_employee BEFORE INSERT ON employees
             FOR EACH ROW EXECUTE FUNCTION fail_employee()",
        ],
    };
    for sql in trigger {
        sqlx::raw_sql(sql)
            .execute(&app.db.pool)
            .await
            .expect("trigger");
    }
    let file = xlsx(&[
        HEADER,
        &[
            "Иванов Иван",
            "79160000001",
            "Логистика / Склад",
            "1",
            "",
            "",
        ],
        &["Сбой Системы", "79160000002", "Логистика", "2", "", ""],
    ]);
    let (at, page) = preview(&app, "staff.xlsx", file).await;
    let audit_before = scalar(&app, "SELECT COUNT(*) FROM audit_log").await;
    let failed = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(failed.status, 500);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 0);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM departments").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE employee_id IS NOT NULL OR department_id IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM roster_uploads WHERE applied_at IS NOT NULL"
        )
        .await,
        0
    );
}

async fn a_manager_imports_into_their_departments_only(b: Backend) {
    let app = company(b).await;
    let logistics: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at)
         SELECT company_id, 'Логистика', '', 0 FROM lines WHERE msisdn = '+79160000001' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    sqlx::query(
        "UPDATE lines SET department_id = $1 WHERE msisdn IN ('+79160000001', '+79160000002')",
    )
    .bind(logistics)
    .execute(&app.db.pool)
    .await
    .expect("place");
    let dept = logistics.to_string();
    let granted = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", "+79035551122"),
                ("full_name", "Петров Пётр"),
                ("rights", "roster.import"),
                ("departments", &dept),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    let manager = app.another_instance().await;
    manager.login_by_code("+79035551122").await;
    let file = xlsx(&[
        HEADER,
        &[
            "Иванов Иван",
            "79160000001",
            "Логистика / Склад",
            "1",
            "",
            "",
        ],
        &["Сидоров Семён", "79160000003", "Логистика", "3", "", ""],
        &["Орлова Ольга", "79160000002", "Продажи", "4", "", ""],
    ]);
    let (at, page) = preview(&manager, "staff.xlsx", file).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(count(&page.body, "count-errors"), "2", "{}", page.body);
    assert!(
        page.body
            .contains("Номер +7 916 000-00-03 не принадлежит компании или вне ваших прав")
    );
    assert!(
        page.body
            .contains("«Продажи» — вне подразделений, на которые у вас есть права")
    );
    // The manager lists their own uploads, and the admin's are not among them.
    preview(&app, "admins.xlsx", roster()).await;
    let mine = manager.get("/roster").await;
    assert!(mine.body.contains("staff.xlsx") && !mine.body.contains("admins.xlsx"));
    assert!(
        app.get("/roster").await.body.contains("staff.xlsx"),
        "the admin sees every upload"
    );
    // Full sync is the whole company's, not a manager's.
    let sync = manager.get(&format!("{at}?mode=full_sync")).await;
    assert_eq!(sync.status, 422);
    assert!(
        sync.body
            .contains("Полная синхронизация доступна только администратору")
    );
}

async fn an_upload_over_the_cap_is_refused_before_it_is_read(b: Backend) {
    let app = crate::helpers::spawn_app_with(b, |s| s.upload_max_mb = 1).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let big = upload(&app, "big.csv", vec![b'a'; 2 * 1024 * 1024]).await;
    assert_eq!(big.status, 413);
    assert!(big.body.contains("Файл больше 1 МБ"));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM roster_uploads").await, 0);
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(path))
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.expect("bytes").to_vec()
}

async fn the_roster_downloads_and_uploads_back_unchanged(b: Backend) {
    let app = company(b).await;
    let (at, page) = preview(&app, "staff.xlsx", roster()).await;
    commit(&app, &at, &page.body, &[]).await;
    // In every format the download offers: CSV cells starting like a formula (`+7 …`) carry
    // the export's guard apostrophe, which the reader takes off again.
    for (format, name) in [
        ("xlsx", "roster.xlsx"),
        ("csv", "roster.csv"),
        ("csv&encoding=cp1251", "roster.csv"),
    ] {
        let current = download(&app, &format!("/roster/current?format={format}")).await;
        let (_, page) = preview(&app, name, current).await;
        assert_eq!(
            count(&page.body, "count-errors"),
            "0",
            "{format}: {}",
            page.body
        );
        assert_eq!(count(&page.body, "count-unchanged"), "5", "{format}");
        assert!(page.body.contains("id=\"roster-nothing\""), "{format}");
        assert!(
            !page.body.contains("id=\"roster-network\""),
            "{format}: tariffs as they are"
        );
    }

    let template = download(&app, "/roster/template").await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(template)).expect("xlsx");
    let header: Vec<String> = book
        .worksheet_range("Сотрудники")
        .expect("sheet")
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header[..3], ["ФИО", "Телефон", "Подразделение"]);
    assert_eq!(
        book.worksheet_range("Сотрудники")
            .expect("sheet")
            .rows()
            .count(),
        1,
        "the sheet to fill has the header only"
    );
    let lists = book.worksheet_range("Списки").expect("lists");
    let departments: Vec<String> = lists.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(
        departments.contains(&"Логистика / Склад Москва".to_owned()),
        "{departments:?}"
    );
    let tariffs: Vec<String> = lists
        .rows()
        .skip(1)
        .map(|r| r[1].to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM tariffs WHERE region_code = '77' AND for_business = 1 AND archived = 0 ORDER BY monthly_fee_kop, code",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("tariffs");
    assert_eq!(tariffs, open, "only the tariffs an import accepts");
    assert!(
        book.worksheet_range("Пример").is_ok(),
        "the examples on a sheet of their own"
    );
}

async fn a_large_import_is_applied_by_a_job_with_progress(b: Backend) {
    let app = crate::helpers::spawn_app_with(b, |s| s.import_job_rows = 0).await;
    let c = app.seed_company().await;
    app.add_lines(
        c,
        &[
            "+79160000001",
            "+79160000002",
            "+79160000003",
            "+79160000004",
        ],
    )
    .await;
    app.login(ADMIN, PASSWORD).await;
    let (at, page) = preview(&app, "staff.xlsx", roster()).await;
    let queued = commit(&app, &at, &page.body, &[]).await;
    // Back to the preview as chosen (sheet, mode and columns in the address).
    let back = queued.location.clone().expect("location");
    assert!(back.starts_with(&format!("{at}?sheet=")), "{back}");
    let job: i64 = scalar(&app, "SELECT MAX(id) FROM jobs").await;
    // The page shows the job; its fragment is polled until the job ends.
    assert!(wait_for_job(&app, job).await.contains("100%"));
    let done = app.get(&at).await;
    assert!(done.body.contains("id=\"roster-applied\""), "{}", done.body);
    assert!(!done.body.contains("id=\"roster-commit\""));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 2);
    let (status, attempts): (String, i64) =
        sqlx::query_as("SELECT status, attempts FROM jobs WHERE id = $1")
            .bind(job)
            .fetch_one(&app.db.pool)
            .await
            .expect("job");
    assert_eq!((status.as_str(), attempts), ("done", 1));
    // The import's audit entry names the person who queued it.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'roster.import' AND actor_label = '+79161234567'"
        )
        .await,
        1
    );
    // Another submit of the same form queues nothing more.
    let again = commit(&app, &at, &page.body, &[]).await;
    assert_ne!(again.status, 303);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs").await, 1);
}

/// A large import's job that fails (the data moved after the preview) says why on the page, and
/// the same file can be committed again from a fresh preview.
async fn a_failed_import_job_leaves_the_file_to_commit_again(b: Backend) {
    let app = crate::helpers::spawn_app_with(b, |s| s.import_job_rows = 0).await;
    let c = app.seed_company().await;
    app.add_lines(c, &["+79160000005"]).await;
    app.login(ADMIN, PASSWORD).await;
    let (at, page) = previewed_then_stale(&app).await;
    // Queued at once; the job finds the plan stale and fails, changing nothing.
    let queued = commit(&app, &at, &page.body, &[]).await;
    assert_eq!(queued.status, 303);
    let first: i64 = scalar(&app, "SELECT MAX(id) FROM jobs").await;
    wait_for_job(&app, first).await;
    let failed = app.get(&at).await;
    assert_eq!(failed.status, 409);
    assert!(failed.body.contains("изменились после предпросмотра"));
    assert!(
        failed.body.contains("id=\"roster-commit\""),
        "{}",
        failed.body
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE employee_id IS NOT NULL"
        )
        .await,
        0
    );
    // Committed again from the page as it is now: a second job applies it.
    let again = commit(&app, &at, &failed.body, &[]).await;
    assert_eq!(again.status, 303, "{}", again.body);
    let second: i64 = scalar(&app, "SELECT MAX(id) FROM jobs").await;
    assert_ne!(second, first);
    assert!(wait_for_job(&app, second).await.contains("100%"));
    assert!(app.get(&at).await.body.contains("id=\"roster-applied\""));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM lines WHERE employee_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM employees").await, 1);
    // Applied: no third job.
    let third = commit(&app, &at, &failed.body, &[]).await;
    assert_ne!(third.status, 303);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs").await, 2);
}

/// A manager's full sync is refused when the commit is queued, not left to its job.
async fn a_managers_full_sync_is_refused_before_it_is_queued(b: Backend) {
    use simfleet::authz::OperatorPermit;
    use simfleet::services::roster::{self as service, Options, RosterError, plan::Mode};
    let app = company(b).await;
    let company_id: i64 = scalar(
        &app,
        "SELECT company_id FROM lines WHERE msisdn = '+79160000001'",
    )
    .await;
    // A delegated importer is a person: their uploads are theirs alone.
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (msisdn, full_name, created_at) VALUES ('+79035550009', 'Импортёр', 0) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("user");
    let carried: simfleet::authz::CarriedPermit = serde_json::from_value(serde_json::json!({
        "company_id": company_id, "user_id": user, "label": "+79035550009", "ip": "",
        "scope": [[1], []],
    }))
    .expect("permit");
    let manager = carried.permit();
    let id = service::upload(&app.db, &manager, "staff.xlsx", &roster(), 0)
        .await
        .expect("upload");
    let options = Options {
        mode: Mode::FullSync,
        ..Options::default()
    };
    let queued = service::queue_if_large(&app.db, &manager, id, &options, "any", 0, 0).await;
    assert!(
        matches!(
            &queued,
            Err(RosterError::Refused(
                simfleet::domain::Problem::FullSyncOnlyAdmins
            ))
        ),
        "{:?}",
        queued.map_err(|e| e.to_string())
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs").await, 0);
    // The whole company's admin may.
    let admin = OperatorPermit::cli().in_company(company_id);
    let queued = service::queue_if_large(&app.db, &admin, id, &options, "any", 0, 0).await;
    assert!(
        matches!(queued, Ok(Some(_))),
        "{:?}",
        queued.map_err(|e| e.to_string())
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs").await, 1);
}

/// Books written by LibreOffice Calc (`tests/fixtures`): the same roster as `roster()`, with
/// personnel numbers stored as numbers.
async fn books_from_libreoffice_import_like_excel_files(b: Backend) {
    for (name, bytes) in [
        ("staff.ods", &include_bytes!("../fixtures/roster.ods")[..]),
        ("staff.xls", &include_bytes!("../fixtures/roster.xls")[..]),
    ] {
        let app = company(b).await;
        let (at, page) = preview(&app, name, bytes.to_vec()).await;
        assert_eq!(page.status, 200, "{name}: {}", page.body);
        assert_eq!(count(&page.body, "count-new"), "2", "{name}");
        assert_eq!(count(&page.body, "count-changed"), "2", "{name}");
        assert_eq!(count(&page.body, "count-errors"), "0", "{name}");
        let done = commit(&app, &at, &page.body, &[]).await;
        assert!(done.body.contains("id=\"roster-applied\""), "{name}");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM employees WHERE personnel_number = '42'"
            )
            .await,
            1,
            "{name}"
        );
        // The Excel file of the same roster finds nothing to change.
        let (_, page) = preview(&app, "staff.xlsx", roster()).await;
        assert_eq!(count(&page.body, "count-unchanged"), "4", "{name}");
    }
}

/// Polls a job's progress fragment until the job ends; the last fragment.
async fn wait_for_job(app: &TestApp, job: i64) -> String {
    for _ in 0..200 {
        let r = app
            .client
            .get(app.url(&format!("/jobs/{job}")))
            .header("x-background", "1")
            .send()
            .await
            .expect("progress");
        assert_eq!(r.status(), 200);
        if r.headers().contains_key("hx-refresh") {
            return r.text().await.expect("text");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {job} did not end");
}

async fn tariff_of(app: &TestApp, number: &str) -> (String, Option<i64>) {
    sqlx::query_as(
        "SELECT t.code, l.spend_limit_kop FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.msisdn = $1",
    )
    .bind(number)
    .fetch_one(&app.db.pool)
    .await
    .expect("line")
}

/// A manager who may import and change tariffs in their department, without the right to run
/// bulk changes: the file's tariffs are started as operations of theirs, run under their
/// import right, and their page tells the outcome without links to pages they cannot open.
async fn a_managers_file_tariffs_run_under_their_import_right(b: Backend) {
    let app = company(b).await;
    let logistics: i64 = sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at)
         SELECT company_id, 'Логистика', '', 0 FROM lines WHERE msisdn = '+79160000001' RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("department");
    sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = '+79160000001'")
        .bind(logistics)
        .execute(&app.db.pool)
        .await
        .expect("place");
    let dept = logistics.to_string();
    let granted = app
        .submit(
            "/access",
            "/access/grants",
            &[
                ("number", "+79035551122"),
                ("full_name", "Петров Пётр"),
                ("rights", "roster.import"),
                ("rights", "lines.tariff"),
                ("departments", &dept),
            ],
        )
        .await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    let manager = app.another_instance().await;
    manager.login_by_code("+79035551122").await;
    let file = xlsx(&[
        &["ФИО", "Телефон", "Подразделение", "Тариф"],
        &["Иванов Иван", "79160000001", "Логистика", "biz-max"],
    ]);
    let (at, page) = preview(&manager, "mine.xlsx", file).await;
    let done = commit(&manager, &at, &page.body, &[]).await;
    let offer = &done.body[done
        .body
        .find("id=\"roster-network-start\"")
        .expect("offer")..];
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), hidden(offer, "csrf")),
        ("sheet".into(), hidden(offer, "sheet")),
        ("mode".into(), hidden(offer, "mode")),
    ];
    for part in offer.split("name=\"map\" value=\"").skip(1) {
        form.push((
            "map".into(),
            part[..part.find('"').expect("end")].to_owned(),
        ));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let started = manager.post(&format!("{at}/network"), &pairs).await;
    assert_eq!(started.status, 303, "{}", started.body);
    wait_for_network(&manager, &at).await;
    assert_eq!(tariff_of(&app, "+79160000001").await.0, "biz-max");
    let page = manager.get(&at).await;
    assert!(
        page.body.contains("id=\"roster-network-done\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("href=\"/bulk/"),
        "no link to a page they cannot open"
    );
}

/// Polls the import's network changes until every operation has ended; the last fragment.
async fn wait_for_network(app: &TestApp, at: &str) -> String {
    for _ in 0..400 {
        let r = app
            .client
            .get(app.url(&format!("{at}/network")))
            .header("x-background", "1")
            .send()
            .await
            .expect("progress");
        assert_eq!(r.status(), 200);
        if r.headers().contains_key("hx-refresh") {
            return r.text().await.expect("text");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the network changes of {at} did not end");
}

/// Tariffs and limits in the file change nothing at import; afterwards they are offered and
/// started as bulk operations (one for the tariffs, one for the limits, each line with the
/// file's value) through the Provisioner, each line audited, the lines the rules refuse told
/// on the operations' pages.
async fn tariffs_and_limits_from_the_file_are_started_after_the_import(b: Backend) {
    let app = company(b).await;
    sqlx::query(
        "UPDATE lines SET status = 'blocked', status_reason = 'debt' WHERE msisdn = '+79160000003'",
    )
    .execute(&app.db.pool)
    .await
    .expect("block");
    let file = xlsx(&[
        &["ФИО", "Телефон", "Тариф", "Лимит"],
        &["Иванов Иван", "79160000001", "Бизнес Оптимум", "1 500"],
        &["Петров Пётр", "79160000002", "biz-start", ""],
        &["Сидоров Сидор", "79160000003", "biz-max", ""],
    ]);
    let (at, page) = preview(&app, "tariffs.xlsx", file).await;
    assert_eq!(count(&page.body, "count-errors"), "0", "{}", page.body);
    assert!(page.body.contains("id=\"roster-network\""));
    assert!(
        !page.body.contains("id=\"roster-network-start\""),
        "offered only after the import"
    );
    let done = commit(&app, &at, &page.body, &[]).await;
    assert!(done.body.contains("id=\"roster-applied\""), "{}", done.body);
    // The import changed simfleet's records only.
    assert_eq!(
        tariff_of(&app, "+79160000001").await,
        ("biz-start".into(), None)
    );
    let offer = &done.body[done
        .body
        .find("id=\"roster-network-start\"")
        .expect("offer")..];
    assert!(done.body.contains("Бизнес Оптимум"));

    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), hidden(offer, "csrf")),
        ("sheet".into(), hidden(offer, "sheet")),
        ("mode".into(), hidden(offer, "mode")),
    ];
    for part in offer.split("name=\"map\" value=\"").skip(1) {
        form.push((
            "map".into(),
            part[..part.find('"').expect("end")].to_owned(),
        ));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A key a user sends cannot take the roster's own.
    let upload: String = at.chars().filter(char::is_ascii_digit).collect();
    let squat = app
        .client
        .post(app.url("/api/v1/bulk"))
        .header("idempotency-key", format!("roster-{upload}-tariffs"))
        .json(&serde_json::json!({
            "numbers": ["+79160000002"],
            "change": {"action": "suspend", "reason": "отпуск"},
        }))
        .send()
        .await
        .expect("bulk");
    assert_eq!(squat.status(), 202);
    let started = app.post(&format!("{at}/network"), &pairs).await;
    assert_eq!(started.status, 303, "{}", started.body);
    wait_for_network(&app, &at).await;

    assert_eq!(
        tariff_of(&app, "+79160000001").await,
        ("biz-optimum".into(), Some(150_000))
    );
    assert_eq!(tariff_of(&app, "+79160000002").await.0, "biz-start");
    assert_eq!(
        tariff_of(&app, "+79160000003").await.0,
        "biz-start",
        "a blocked line keeps its tariff"
    );
    let page = app.get(&at).await;
    let result = &page.body[page
        .body
        .find("id=\"roster-network-done\"")
        .expect("result")..];
    assert!(
        result.contains(": 2"),
        "tariff and limit of one line: {result}"
    );
    assert!(
        result.contains("Пропущено: 1"),
        "the blocked line: {result}"
    );
    let tariffs: i64 = scalar(
        &app,
        "SELECT id FROM bulk_operations WHERE confirm_key LIKE 'roster-%-tariffs'",
    )
    .await;
    assert!(page.body.contains(&format!("href=\"/bulk/{tariffs}\"")));
    let skipped = app.get(&format!("/bulk/{tariffs}?show=skipped")).await;
    assert!(
        skipped.body.contains("+7 916 000-00-03"),
        "{}",
        skipped.body
    );
    assert!(skipped.body.contains("заблокирован"), "{}", skipped.body);
    // Each change has its own audit entry, as from the line's card.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action IN ('line.change_tariff', 'line.set_limit')").await,
        2
    );
    // Started once: a second start answers the same operations.
    let again = app.post(&format!("{at}/network"), &pairs).await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM bulk_operations").await,
        3,
        "the two of the roster, and the user's own"
    );

    // A file of tariffs alone changes no records, and is still worth applying: its tariffs
    // are offered once it is.
    let tariffs_only = xlsx(&[&["Телефон", "Тариф"], &["79160000002", "biz-max"]]);
    let (at, page) = preview(&app, "tariffs-only.xlsx", tariffs_only).await;
    assert!(page.body.contains("id=\"roster-nothing\""));
    let form = &page.body[page.body.find("id=\"roster-commit\"").expect("commit form")..];
    assert!(!form[..form.find("</form>").expect("end")].contains("disabled"));
    let done = commit(&app, &at, &page.body, &[]).await;
    assert!(
        done.body.contains("id=\"roster-network-start\""),
        "{}",
        done.body
    );
}

on_both!(
    a_managers_file_tariffs_run_under_their_import_right,
    tariffs_and_limits_from_the_file_are_started_after_the_import,
    books_from_libreoffice_import_like_excel_files,
    a_manager_imports_into_their_departments_only,
    a_failure_mid_commit_leaves_nothing,
    an_upload_over_the_cap_is_refused_before_it_is_read,
    a_large_import_is_applied_by_a_job_with_progress,
    the_roster_downloads_and_uploads_back_unchanged,
    a_roster_is_previewed_then_applied_at_once,
    people_listed_out_of_line_order_get_their_own_lines,
    problems_are_named_by_row_and_column_and_block_the_commit,
    a_stale_preview_is_refused,
    a_name_taken_between_check_and_write_is_a_stale_preview,
    a_failed_import_job_leaves_the_file_to_commit_again,
    a_managers_full_sync_is_refused_before_it_is_queued,
    full_sync_removes_the_missing_after_confirmation,
    columns_mapped_by_hand_are_remembered,
    the_rows_without_problems_are_applied_alone,
);
