//! Bulk changes: which lines an operation acts on — every page of a filter, departments with
//! those under them, the numbers of an uploaded list (the others told by row) — always within
//! the company.

use simfleet::domain::Problem;
use simfleet::services::bulk::change::BulkChange;
use simfleet::services::bulk::selection::{self, Selection, SelectionError};
use simfleet::store::lines::Filter;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both;

/// A company of 130 lines (+7 916 000-01-00 …), 40 of them suspended; another company's line.
pub async fn company(app: &TestApp) -> i64 {
    let company = app.seed_company().await;
    let numbers: Vec<String> = (0..130)
        .map(|i| format!("+7916000{:04}", 100 + i))
        .collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    app.add_lines(company, &refs).await;
    sqlx::query(
        "UPDATE lines SET status = 'suspended' WHERE company_id = $1 AND msisdn < '+79160000140'",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("suspended");
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79260000001"]).await;
    company
}

/// Gives the company's last five lines (all active) the service.
pub async fn give_the_last_five(app: &TestApp, company: i64, service_id: i64) {
    sqlx::query(
        "INSERT INTO line_services (line_id, service_id, enabled_at)
         SELECT id, $1, 0 FROM lines WHERE company_id = $2 AND msisdn >= '+79160000225'",
    )
    .bind(service_id)
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("five have it");
}

/// The skipped lines' reasons (codes) with how many each.
fn reasons(p: &simfleet::services::bulk::preview::Preview) -> Vec<(String, usize)> {
    p.skipped_by_reason()
        .into_iter()
        .map(|(code, n, _)| (code, n))
        .collect()
}

/// What the change would do to the chosen lines, the permit choosing and changing them.
pub async fn preview_of(
    app: &TestApp,
    permit: &simfleet::authz::Permit,
    all: &selection::Resolved,
    change: BulkChange,
) -> Result<
    simfleet::services::bulk::preview::Preview,
    simfleet::services::bulk::preview::PreviewError,
> {
    simfleet::services::bulk::preview::of(&app.db, permit, permit, &all.lines(), &change).await
}

pub fn enable(service: &str) -> BulkChange {
    BulkChange::EnableService {
        service: service.into(),
    }
}

pub fn tariff_change(tariff: &str) -> BulkChange {
    BulkChange::ChangeTariff {
        tariff: tariff.into(),
    }
}

/// Every line of the permit's company, as a bulk change chooses them.
pub async fn every_line(app: &TestApp, permit: &simfleet::authz::Permit) -> selection::Resolved {
    selection::resolve(&app.db, permit, &Selection::Filter(Filter::default()))
        .await
        .expect("all")
}

async fn every_page_of_a_filter_is_chosen(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let suspended = Filter {
        status: Some("suspended".into()),
        ..Filter::default()
    };
    let chosen = selection::resolve(&app.db, &permit, &Selection::Filter(suspended))
        .await
        .expect("chosen");
    assert_eq!(chosen.line_ids.len(), 40, "past the first page of 50");
    assert!(
        chosen.line_ids.windows(2).all(|w| w[0] < w[1]),
        "in id order"
    );
    let all = every_line(&app, &permit).await;
    assert_eq!(
        all.line_ids.len(),
        130,
        "the company's lines, not the other's"
    );

    let lost = Filter {
        status: Some("lost".into()),
        ..Filter::default()
    };
    match selection::resolve(&app.db, &permit, &Selection::Filter(lost)).await {
        Err(SelectionError::Refused(Problem::NothingSelected)) => {}
        other => panic!("an empty selection: {other:?}"),
    }
}

async fn departments_are_chosen_with_those_under_them(b: Backend) {
    use simfleet::services::departments::{DepartmentInput, create};
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let make = |name: &str, parent: Option<i64>| DepartmentInput {
        name: name.into(),
        parent_id: parent.map(|p| p.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let top = create(&app.db, &permit, &make("Логистика", None))
        .await
        .expect("top");
    let under = create(&app.db, &permit, &make("Склад", Some(top)))
        .await
        .expect("under");
    let apart = create(&app.db, &permit, &make("Продажи", None))
        .await
        .expect("apart");
    for (department, below) in [
        (top, "+79160000110"),
        (under, "+79160000120"),
        (apart, "+79160000130"),
    ] {
        sqlx::query("UPDATE lines SET department_id = $1 WHERE company_id = $2 AND department_id IS NULL AND msisdn < $3")
            .bind(department)
            .bind(company)
            .bind(below)
            .execute(&app.db.pool)
            .await
            .expect("placed");
    }
    let chosen = selection::resolve(&app.db, &permit, &Selection::Departments(vec![top]))
        .await
        .expect("chosen");
    assert_eq!(chosen.line_ids.len(), 20, "Логистика's 10 and Склад's 10");
    match selection::resolve(&app.db, &permit, &Selection::Departments(vec![999_999])).await {
        Err(SelectionError::Refused(Problem::NoDepartment { id: 999_999 })) => {}
        other => panic!("an unknown department: {other:?}"),
    }
}

async fn a_list_of_numbers_chooses_the_companys_and_tells_the_rest_by_row(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let csv = "Список от отдела кадров\nФИО;Номер\nИванов;8 (916) 000-01-00\nПетров;+7 916 000 01 01\n\
               Чужой;+7 926 000-00-01\nДубль;79160000100\nОпечатка;12345\nНикто;\n";
    let file = encoding_rs::WINDOWS_1251.encode(csv).0.into_owned();
    let chosen = selection::resolve(
        &app.db,
        &permit,
        &Selection::Numbers {
            file,
            sheet: None,
            column: None,
            value_column: None,
        },
    )
    .await
    .expect("chosen");
    assert_eq!(chosen.line_ids.len(), 2);
    let told: Vec<(usize, String)> = chosen
        .rejected
        .iter()
        .map(|r| (r.row, r.problem.code()))
        .collect();
    assert_eq!(
        told,
        vec![
            (5, "not_a_line".to_owned()),
            (6, "number_listed_twice".to_owned()),
            (7, "number_too_short".to_owned()),
        ]
    );
    match &chosen.rejected[0].problem {
        Problem::NotALine {
            or_outside_rights, ..
        } => assert!(!or_outside_rights, "an admin reads «not the company's»"),
        other => panic!("{other:?}"),
    }

    let no_numbers = "ФИО\nИванов\n".as_bytes().to_vec();
    match selection::resolve(
        &app.db,
        &permit,
        &Selection::Numbers {
            file: no_numbers,
            sheet: None,
            column: None,
            value_column: None,
        },
    )
    .await
    {
        Err(SelectionError::Refused(Problem::NoNumbers)) => {}
        other => panic!("a list without numbers: {other:?}"),
    }
}

/// Enabling a service on every line: the suspended ones and those that have it are skipped,
/// each group with its reason; the bill grows by the service's fee for each line it changes.
async fn a_service_change_is_previewed_line_by_line_from_set_based_reads(b: Backend) {
    use simfleet::services::bulk::preview;
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let (service_id, fee, once): (i64, i64, i64) = sqlx::query_as(
        "SELECT id, monthly_fee_kop, one_time_fee_kop FROM services WHERE code = 'extra-10gb'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("service");
    give_the_last_five(&app, company, service_id).await;
    let all = every_line(&app, &permit).await;
    let p = preview_of(&app, &permit, &all, enable("extra-10gb"))
        .await
        .expect("preview");
    assert_eq!(p.changing.len(), 85);
    let groups = reasons(&p);
    assert_eq!(
        groups,
        vec![
            ("line_suspended".to_owned(), 40),
            ("service_already_on".to_owned(), 5),
        ]
    );
    assert_eq!(p.monthly_delta_kop, 85 * fee);
    assert_eq!(p.one_time_kop, 85 * once);

    let off = preview_of(
        &app,
        &permit,
        &all,
        BulkChange::DisableService {
            service: "extra-10gb".into(),
        },
    )
    .await
    .expect("preview");
    assert_eq!(off.changing.len(), 5);
    assert_eq!(off.monthly_delta_kop, -5 * fee);
    match preview_of(&app, &permit, &all, enable("no-such")).await {
        Err(preview::PreviewError::Invalid(e))
            if matches!(e.problem, Problem::NoSuchService { .. }) => {}
        other => panic!("an unknown service: {other:?}"),
    }
}

/// Moving every line to another tariff: the suspended ones are skipped, the services that do
/// not fit the new tariff are dropped and their fees leave the bill with them.
async fn a_tariff_move_is_previewed_with_the_services_it_drops(b: Backend) {
    use simfleet::services::bulk::preview;
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let scalar = |sql: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        }
    };
    let tariff = |code: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_as::<_, (i64, i64)>(
                "SELECT t.id, t.monthly_fee_kop FROM tariffs t JOIN companies c ON c.region_code = t.region_code
                 WHERE c.id = $1 AND t.code = $2",
            )
            .bind(company)
            .bind(code)
            .fetch_one(&pool)
            .await
            .expect("the region's tariff")
        }
    };
    let (start, start_fee) = tariff("biz-start").await;
    let (_, max_fee) = tariff("biz-max").await;
    let extra = scalar("SELECT id FROM services WHERE code = 'extra-10gb'").await;
    sqlx::query("UPDATE lines SET tariff_id = $1 WHERE company_id = $2")
        .bind(start)
        .bind(company)
        .execute(&app.db.pool)
        .await
        .expect("on Бизнес Старт");
    sqlx::query("INSERT INTO service_tariffs (service_id, tariff_id) VALUES ($1, $2)")
        .bind(extra)
        .bind(start)
        .execute(&app.db.pool)
        .await
        .expect("the service fits Бизнес Старт only");
    give_the_last_five(&app, company, extra).await;
    let all = every_line(&app, &permit).await;
    let p = preview_of(&app, &permit, &all, tariff_change("biz-max"))
        .await
        .expect("preview");
    assert_eq!(p.changing.len(), 90);
    assert_eq!(p.skipped.len(), 40);
    assert_eq!(p.dropping_services, 5);
    let extra_fee = scalar("SELECT monthly_fee_kop FROM services WHERE code = 'extra-10gb'").await;
    assert_eq!(
        p.monthly_delta_kop,
        90 * (max_fee - start_fee) - 5 * extra_fee
    );
    let again = preview_of(&app, &permit, &all, tariff_change("biz-start"))
        .await
        .expect("preview");
    assert_eq!(
        again.skipped_by_reason()[0].0,
        "already_on_tariff",
        "{:?}",
        again.skipped_by_reason()
    );
    match preview_of(&app, &permit, &all, tariff_change("nope")).await {
        Err(preview::PreviewError::Invalid(e))
            if matches!(e.problem, Problem::NoSuchTariff { .. }) => {}
        other => panic!("an unknown tariff: {other:?}"),
    }
}

/// Suspending every line: those suspended already are skipped, and the bill of the others
/// falls to the fee while suspended; resuming is the other way round.
async fn a_status_change_is_previewed_as_each_line_allows(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    let all = every_line(&app, &permit).await;
    let p = preview_of(
        &app,
        &permit,
        &all,
        BulkChange::Suspend {
            reason: "отпуск".into(),
        },
    )
    .await
    .expect("preview");
    assert_eq!(p.changing.len(), 90);
    let groups = reasons(&p);
    assert_eq!(groups, vec![("already_suspended".to_owned(), 40)]);
    let expected: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(t.suspended_fee_kop - l.monthly_kop) AS BIGINT) FROM lines l
         JOIN tariffs t ON t.id = l.tariff_id WHERE l.company_id = $1 AND l.status = 'active'",
    )
    .bind(company)
    .fetch_one(&app.db.pool)
    .await
    .expect("the bill");
    assert_eq!(p.monthly_delta_kop, expected);
    assert!(p.monthly_delta_kop < 0);
    let back = preview_of(&app, &permit, &all, BulkChange::Resume {})
        .await
        .expect("preview");
    assert_eq!(back.changing.len(), 40);
    assert_eq!(back.skipped_by_reason()[0].0, "not_suspended");
}

/// A limit is set on every line that is not terminated; removing it skips those without one.
async fn a_limit_change_is_previewed_on_the_lines_it_fits(b: Backend) {
    let app = spawn_app(b).await;
    let company = company(&app).await;
    let permit = app.permit(company);
    sqlx::query(
        "UPDATE lines SET status = 'terminated' WHERE company_id = $1 AND msisdn >= '+79160000220'",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("ten terminated");
    sqlx::query(
        "UPDATE lines SET spend_limit_kop = 500000, limit_action = 'bar'
         WHERE company_id = $1 AND msisdn < '+79160000103'",
    )
    .bind(company)
    .execute(&app.db.pool)
    .await
    .expect("three with a limit");
    let all = every_line(&app, &permit).await;
    let set = preview_of(
        &app,
        &permit,
        &all,
        BulkChange::SetLimit {
            amount: "1500".into(),
            on_limit: None,
        },
    )
    .await
    .expect("preview");
    assert_eq!(set.changing.len(), 120);
    assert_eq!(set.skipped_by_reason()[0].0, "line_terminated");
    assert_eq!(set.monthly_delta_kop, 0, "a limit moves no fee");
    let removed = preview_of(&app, &permit, &all, BulkChange::RemoveLimit {})
        .await
        .expect("preview");
    assert_eq!(removed.changing.len(), 3);
    let groups = reasons(&removed);
    assert_eq!(
        groups,
        vec![
            ("line_terminated".to_owned(), 10),
            ("no_limit".to_owned(), 117)
        ]
    );
}

on_both!(
    a_limit_change_is_previewed_on_the_lines_it_fits,
    a_status_change_is_previewed_as_each_line_allows,
    a_tariff_move_is_previewed_with_the_services_it_drops,
    a_service_change_is_previewed_line_by_line_from_set_based_reads,
    every_page_of_a_filter_is_chosen,
    departments_are_chosen_with_those_under_them,
    a_list_of_numbers_chooses_the_companys_and_tells_the_rest_by_row,
);
