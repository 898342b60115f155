//! Exports read back as a spreadsheet program would: XLSX through calamine, CSV decoded.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

async fn seeded(b: Backend) -> TestApp {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002", "+79160000003"])
        .await;
    app.login(ADMIN, PASSWORD).await;
    let hostile = [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+1-1 Ёлкин",
        "@SUM(A1)",
        "-Петров",
    ];
    for (i, name) in hostile.iter().enumerate().take(2) {
        app.submit("/employees/new", "/employees", &[("full_name", name)])
            .await;
        let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM employees")
            .fetch_one(&app.db.pool)
            .await
            .expect("id");
        sqlx::query("UPDATE lines SET employee_id = $1 WHERE msisdn = $2")
            .bind(id)
            .bind(format!("+7916000000{}", i + 1))
            .execute(&app.db.pool)
            .await
            .expect("assign");
    }
    app.submit(
        "/departments/new",
        "/departments",
        &[("name", hostile[2]), ("parent_id", ""), ("cost_centre", "")],
    )
    .await;
    let dept: i64 = sqlx::query_scalar("SELECT id FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .expect("dept");
    sqlx::query("UPDATE lines SET department_id = $1, spend_limit_kop = 150050 WHERE msisdn = '+79160000003'")
        .bind(dept)
        .execute(&app.db.pool)
        .await
        .expect("dept");
    app
}

async fn download(app: &TestApp, path: &str) -> (String, String, Vec<u8>) {
    let r = app.client.get(app.url(path)).send().await.expect("export");
    assert_eq!(r.status(), 200, "{path}");
    let mime = r.headers()["content-type"]
        .to_str()
        .expect("mime")
        .to_owned();
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .to_owned();
    (mime, disposition, r.bytes().await.expect("body").to_vec())
}

async fn xlsx_export_reads_back_with_formulas_disarmed(b: Backend) {
    let app = seeded(b).await;
    let (mime, disposition, bytes) = download(&app, "/lines/export?format=xlsx").await;
    assert!(mime.starts_with("application/vnd.openxmlformats"));
    assert!(disposition.contains("attachment") && disposition.contains(".xlsx"));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range("Номера").expect("the sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    // A title: whose lines, when, with which filters; then the header, the lines, their totals.
    assert_eq!(rows[0][0], Data::String("ООО «Ромашка» — Номера".into()));
    assert!(
        matches!(&rows[1][0], Data::String(s) if s.starts_with("Выгружено: ")),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[2][0], Data::String("Отбор: нет, все номера".into()));
    let (head, body, totals) = table_of(&rows);
    assert_eq!(body.len(), 3, "three lines");
    let header: Vec<String> = head.iter().map(ToString::to_string).collect();
    assert_eq!(
        header,
        [
            "Номер",
            "Сотрудник",
            "Табельный номер",
            "Подразделение",
            "ЦФО",
            "Статус",
            "Тариф",
            "Подключённые услуги",
            "Тариф в месяц",
            "Услуги в месяц",
            "Итого в месяц",
            "Лимит",
            "ICCID (SIM)",
            "Подключён"
        ]
    );
    assert_eq!(body[0][0], Data::String("+7 916 000-00-01".into()));
    assert_eq!(
        body[0][1],
        Data::String("=HYPERLINK(\"http://evil.example\",\"x\")".into()),
        "stored as text, not as a formula"
    );
    assert_eq!(body[1][1], Data::String("+1-1 Ёлкин".into()));
    assert_eq!(body[2][3], Data::String("@SUM(A1)".into()));
    assert_eq!(body[0][8], Data::Float(450.0), "money is a number");
    assert_eq!(body[0][9], Data::Float(0.0), "no services");
    assert_eq!(
        body[0][10],
        Data::Float(450.0),
        "the month: the tariff alone"
    );
    assert_eq!(body[2][11], Data::Float(1500.5));
    assert!(
        matches!(&body[0][12], Data::String(s) if s.len() >= 19),
        "the ICCID"
    );
    assert_eq!(totals[0], Data::String("Итого номеров: 3".into()));
    assert_eq!(totals[10], Data::Float(1350.0), "the months summed");
    let formulas = book.worksheet_formula("Номера").expect("formulas");
    assert!(
        formulas.cells().all(|(_, _, f)| f.is_empty()),
        "no cell holds a formula"
    );
    let (_, _, again) = download(&app, "/lines/export?format=xlsx").await;
    let xml = zip_entry(&again, "xl/styles.xml");
    assert!(
        xml.contains("quotePrefix=\"1\""),
        "text that looks like a formula carries Excel's quote prefix"
    );

    let filtered = download(&app, "/lines/export?format=xlsx&q=0003").await.2;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(filtered)).expect("xlsx");
    let rows: Vec<Vec<Data>> = book
        .worksheet_range("Номера")
        .expect("sheet")
        .rows()
        .map(|r| r.to_vec())
        .collect();
    assert_eq!(table_of(&rows).1.len(), 1, "the current filters apply");
    assert_eq!(rows[2][0], Data::String("Отбор: Поиск: «0003»".into()));
}

/// An exported sheet's header, its lines and its totals row.
pub fn table_of(rows: &[Vec<Data>]) -> (&[Data], &[Vec<Data>], &[Data]) {
    let head = rows
        .iter()
        .position(|r| r[0] == Data::String("Номер".into()))
        .expect("the header");
    let last = rows.len() - 1;
    (&rows[head], &rows[head + 1..last], &rows[last])
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut s = String::new();
    archive
        .by_name(name)
        .expect("entry")
        .read_to_string(&mut s)
        .expect("read");
    s
}

async fn csv_exports_in_utf8_and_windows_1251(b: Backend) {
    let app = seeded(b).await;
    let (mime, _, bytes) =
        download(&app, "/lines/export?format=csv&encoding=utf8&sort=number").await;
    assert_eq!(mime, "text/csv; charset=utf-8");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("utf-8");
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Номер;Сотрудник;Табельный номер;Подразделение;ЦФО;Статус;Тариф;Подключённые услуги;Тариф в месяц;Услуги в месяц;Итого в месяц;Лимит;ICCID (SIM);Подключён"
    );
    assert!(
        lines[1].starts_with(
            "79160000001;\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\";;;;Активен;Бизнес Старт;;450,00;0,00;450,00;;"
        ),
        "{}",
        lines[1]
    );
    // Read back as a program reads CSV: the numbers are the stored ones' digits.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let numbers: Vec<String> = reader
        .records()
        .map(|r| r.expect("a record")[0].to_owned())
        .collect();
    let stored: Vec<String> = sqlx::query_scalar("SELECT msisdn FROM lines ORDER BY number_key")
        .fetch_all(&app.db.pool)
        .await
        .expect("numbers");
    let stored: Vec<String> = stored.iter().map(|m| m.replace('+', "")).collect();
    assert_eq!(numbers, stored, "the digits bills match on, no guard");
    assert!(
        lines[2]
            .starts_with("79160000002;'+1-1 Ёлкин;;;;Активен;Бизнес Старт;;450,00;0,00;450,00;;"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with(
            "79160000003;;;'@SUM(A1);;Активен;Бизнес Старт;;450,00;0,00;450,00;1500,50;"
        ),
        "{}",
        lines[3]
    );
    assert_eq!(lines.len(), 5, "no title or totals in a CSV: {lines:?}");

    let (mime, _, bytes) = download(&app, "/lines/export?format=csv&encoding=cp1251").await;
    assert_eq!(mime, "text/csv; charset=windows-1251");
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
    let (decoded, _, bad) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert!(!bad);
    assert!(decoded.starts_with("Номер;Сотрудник") && decoded.contains("'+1-1 Ёлкин"));

    assert_eq!(app.get("/lines/export?format=pdf").await.status, 400);
    assert_eq!(
        app.get("/lines/export?format=csv&encoding=koi8")
            .await
            .status,
        400
    );
    assert_eq!(
        app.get("/lines/export?format=csv&status=gone").await.status,
        400
    );
}

async fn the_audit_log_exports_with_its_filters(b: Backend) {
    let app = seeded(b).await;
    let (mime, disposition, bytes) =
        download(&app, "/audit/export?format=xlsx&action=employee.create").await;
    assert!(mime.starts_with("application/vnd.openxmlformats"));
    assert!(disposition.contains("audit-"));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an XLSX file");
    let sheet = book.worksheet_range("Журнал действий").expect("the sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(rows.len(), 3, "header and the two employees created");
    assert_eq!(rows[0][3], Data::String("Действие".into()));
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[3] == Data::String("Сотрудник добавлен".into()))
    );
    // Entries keep no names; the object column says who the employee is now.
    let objects: Vec<String> = rows[1..].iter().map(|r| r[4].to_string()).collect();
    assert!(
        objects.iter().any(|a| a.contains("HYPERLINK")),
        "{objects:?}"
    );
    // The change is a sentence: the employee's department, as it is named now.
    let change: Vec<String> = rows[1..].iter().map(|r| r[5].to_string()).collect();
    assert!(
        change
            .iter()
            .all(|a| a.starts_with("Подразделение: ") && !a.contains("HYPERLINK")),
        "{change:?}"
    );
    let (mime, _, csv) = download(&app, "/audit/export?format=csv&encoding=cp1251").await;
    assert!(mime.contains("windows-1251"));
    let (text, _, bad) = encoding_rs::WINDOWS_1251.decode(&csv);
    assert!(!bad && text.contains("Сотрудник добавлен") && text.contains("Действие"));
    assert_eq!(app.get("/audit/export?format=pdf").await.status, 400);
}

on_both!(
    xlsx_export_reads_back_with_formulas_disarmed,
    csv_exports_in_utf8_and_windows_1251,
    the_audit_log_exports_with_its_filters,
);
