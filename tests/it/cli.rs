//! The operator's command line, run as the built binary against the test database.

use std::process::{Command, Output};

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

fn simfleet(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simfleet"))
        .args(args)
        .env("SIMFLEET_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("running simfleet")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

async fn onboarding_a_company_from_the_command_line(b: Backend) {
    let app = spawn_app(b).await;
    let url = app.database_url.as_str();
    let o = simfleet(url, &["catalogue", "load"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("catalogue loaded: 5 regions"),
        "{}",
        text(&o)
    );

    let bad = simfleet(
        url,
        &[
            "company",
            "create",
            "--inn",
            "7707083894",
            "--kpp",
            "773601001",
            "--name",
            "ООО «Ошибка»",
            "--region",
            "77",
            "--admin-number",
            "+79161112233",
        ],
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("--inn: ИНН: неверная контрольная цифра"),
        "{}",
        text(&bad)
    );

    let o = simfleet(
        url,
        &[
            "company",
            "create",
            "--inn",
            "7707083893",
            "--kpp",
            "773601001",
            "--name",
            "ООО «Ромашка»",
            "--region",
            "77",
            "--admin-number",
            "8 916 111-22-33",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("administrator +7 916 111-22-33"), "{out}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("administrator password (shown once): "))
        .expect("a generated password")
        .to_owned();
    assert_eq!(password.len(), 14);

    let o = simfleet(
        url,
        &[
            "line",
            "add",
            "--company",
            "7707083893",
            "--range",
            "+79161000000-+79161000099",
            "--tariff",
            "biz-optimum",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("100 lines added"));

    let o = simfleet(
        url,
        &[
            "company",
            "create",
            "--inn",
            "7728419375",
            "--kpp",
            "772801001",
            "--name",
            "АО «Вектор»",
            "--region",
            "78",
            "--admin-number",
            "+79215550000",
            "--password",
            "vector-admin-1",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let stolen = simfleet(
        url,
        &[
            "line",
            "add",
            "--company",
            "7728419375",
            "--number",
            "+79161000005",
        ],
    );
    assert!(!stolen.status.success());
    assert!(
        text(&stolen).contains("номер +7 916 100-00-05 принадлежит другой компании"),
        "{}",
        text(&stolen)
    );
    let foreign_tariff = simfleet(
        url,
        &[
            "line",
            "add",
            "--company",
            "7728419375",
            "--number",
            "+79215550001",
            "--tariff",
            "my-online",
        ],
    );
    assert!(
        text(&foreign_tariff).contains("тариф «my-online» недоступен для бизнеса"),
        "{}",
        text(&foreign_tariff)
    );

    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lines")
        .fetch_one(&app.db.pool)
        .await
        .expect("lines");
    assert_eq!(lines, 100, "refused batches wrote nothing");

    app.get("/login").await;
    let r = app.login("+79161112233", &password).await;
    assert_eq!(r.location.as_deref(), Some("/overview"));
    assert!(
        app.get("/overview")
            .await
            .body
            .contains("id=\"lines-total\">100<")
    );
}

async fn demo_builds_a_realistic_company(b: Backend) {
    let app = spawn_app(b).await;
    let o = simfleet(&app.database_url, &["demo", "--no-serve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("number:   +7 916 000-00-01"));
    let count = |sql: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .expect("count")
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM lines").await, 550);
    assert_eq!(count("SELECT COUNT(*) FROM employees").await, 495);
    assert_eq!(count("SELECT COUNT(*) FROM departments").await, 12);
    assert!(count("SELECT COUNT(DISTINCT status) FROM lines").await >= 3);
    assert!(count("SELECT COUNT(*) FROM line_services").await > 500);
    // Running it again finds the company instead of making a second one.
    let again = simfleet(&app.database_url, &["demo", "--no-serve"]);
    assert!(text(&again).contains("already present"));
    assert_eq!(count("SELECT COUNT(*) FROM companies").await, 1);
}

async fn a_roster_is_imported_from_the_command_line(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002"])
        .await;
    let url = app.database_url.as_str();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("staff.csv");
    std::fs::write(
        &file,
        "ФИО;Телефон;Подразделение\nИванов Иван;8 916 000-00-01;Склад\nПетров;12345;\n",
    )
    .expect("file");
    let path = file.to_str().expect("path");
    let o = simfleet(
        url,
        &[
            "import",
            "roster",
            path,
            "--company",
            "7707083893",
            "--dry-run",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("new 1 · changed 0 · unchanged 0 · with errors 1"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("Строка 3, «Телефон»: номер 12345 — слишком короткий"));
    assert!(text(&o).contains("nothing applied"));
    let refused = simfleet(url, &["import", "roster", path, "--company", "7707083893"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("в файле есть ошибки"),
        "{}",
        text(&refused)
    );

    // The rows without problems alone, on asking.
    let o = simfleet(
        url,
        &[
            "import",
            "roster",
            path,
            "--company",
            "7707083893",
            "--skip-errors",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("[3/3] applying"));
    assert!(
        text(&o).contains("applied: 1 lines, 1 employees added"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("rows with problems left out: 1"));
    let bound: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lines l JOIN employees e ON e.id = l.employee_id JOIN departments d ON d.id = l.department_id
         WHERE e.full_name = 'Иванов Иван' AND d.name = 'Склад'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(bound, 1);
}

/// A bulk change from the command line: the preview (a list's number that is no line of the
/// company told by its row), then the run to its end; bad arguments say which.
async fn a_bulk_change_runs_from_the_command_line(b: Backend) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002", "+79160000003"])
        .await;
    let url = app.database_url.as_str();
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("list.csv");
    std::fs::write(
        &file,
        "Номер\n8 916 000-00-01\n+79160000002\n+79995550000\n",
    )
    .expect("file");
    let path = file.to_str().expect("path");
    let args = [
        "bulk",
        "--company",
        "7707083893",
        "--action",
        "suspend",
        "--reason",
        "отпуск",
        "--file",
        path,
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let o = simfleet(url, &dry);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("lines chosen: 2; to change: 2"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("row 4: +79995550000"), "{}", text(&o));
    assert!(text(&o).contains("nothing changed"));
    let o = simfleet(url, &args);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("done: changed 2, skipped 0, failed 0"),
        "{}",
        text(&o)
    );
    let suspended: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lines WHERE status = 'suspended'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(suspended, 2);
    let o = simfleet(
        url,
        &[
            "bulk",
            "--company",
            "7707083893",
            "--action",
            "nope",
            "--all",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("nope"), "{}", text(&o));
    let o = simfleet(
        url,
        &[
            "bulk",
            "--company",
            "7707083893",
            "--action",
            "enable_service",
            "--service",
            "no-such",
            "--all",
            "--dry-run",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("--service"), "{}", text(&o));

    // Each line's own limit from the file's column B.
    let limits = dir.path().join("limits.csv");
    std::fs::write(
        &limits,
        "Номер;Лимит\n+79160000001;1 500\n+79160000002;700,50\n",
    )
    .expect("file");
    let o = simfleet(
        url,
        &[
            "bulk",
            "--company",
            "7707083893",
            "--action",
            "set_limit",
            "--file",
            limits.to_str().expect("path"),
            "--value-column",
            "B",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 500: 1 lines"), "{}", text(&o));
    let set: Vec<Option<i64>> = sqlx::query_scalar(
        "SELECT spend_limit_kop FROM lines WHERE msisdn IN ('+79160000001', '+79160000002') ORDER BY msisdn",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("limits");
    assert_eq!(set, [Some(150_000), Some(70_050)]);
}

on_both!(
    a_bulk_change_runs_from_the_command_line,
    a_roster_is_imported_from_the_command_line,
    onboarding_a_company_from_the_command_line,
    demo_builds_a_realistic_company
);
