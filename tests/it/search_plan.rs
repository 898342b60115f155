//! Searches are served by indexes on both databases, not by scanning the lines table.

use simfleet::store::lines::{self, Filter, Search, Sort};

use crate::helpers::{Backend, spawn_app};
use crate::on_both;

async fn searches_use_indexes(b: Backend) {
    let app = spawn_app(b).await;
    let company = simfleet::services::demo::create_demo(&app.db, 2000)
        .await
        .expect("demo")
        .company_id;
    let analyze = match b {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => "ANALYZE lines",
    };
    sqlx::query(analyze)
        .execute(&app.db.pool)
        .await
        .expect("analyze");
    let number = |digits: &str| Filter {
        search: Some(Search::Number(digits.into())),
        ..Default::default()
    };
    // Demo numbers run from +7 916 500-00-10 up; each search below matches a handful of lines
    // and must reach them through its own key, not by walking the company's lines.
    let (number_key, number_rev, name_words, by_employee) = match b {
        Backend::Sqlite => (
            "number_key>?",
            "number_rev>?",
            "word>?",
            "x USING COVERING INDEX lines_employee",
        ),
        Backend::Postgres => (
            "(number_key >= ",
            "(number_rev >= ",
            "(word >= ",
            "using lines_employee on lines x",
        ),
    };
    let cases = [
        ("number start", number("91650123"), vec![number_key]),
        ("number end", number("4321"), vec![number_rev]),
        ("number with 8", number("891650131"), vec![number_key]),
        (
            "name word",
            Filter {
                search: Some(Search::Name(vec!["елкин".into()])),
                ..Default::default()
            },
            vec![name_words, by_employee],
        ),
        (
            // Too many matches to reach by key: the lines are walked in number order and each
            // one's employee is looked up among the words by employee, not by word.
            "broad name word",
            Filter {
                search: Some(Search::Name(vec!["а".into()])),
                ..Default::default()
            },
            vec!["employee_name_words_employee"],
        ),
        (
            "department",
            Filter {
                department_ids: Some(vec![3, 4]),
                ..Default::default()
            },
            vec![],
        ),
        (
            "status",
            Filter {
                status: Some("blocked".into()),
                sort: Sort::Number,
                ..Default::default()
            },
            vec![],
        ),
    ];
    for (what, filter, must) in cases {
        let plan = lines::explain(
            &app.db,
            &simfleet::authz::OperatorPermit::cli().in_company(company),
            &filter,
        )
        .await
        .expect("plan");
        let scans = match b {
            Backend::Sqlite => plan.lines().any(|l| l.contains("SCAN ")),
            Backend::Postgres => plan.contains("Seq Scan"),
        };
        assert!(!scans, "{what} scans a table:\n{plan}");
        for step in must {
            assert!(
                plan.contains(step),
                "{what}: the plan lacks {step}:\n{plan}"
            );
        }
    }
}

on_both!(searches_use_indexes);
