//! Changing a line from its card: preview, confirm, refusals, the provisioner side door.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use simfleet::provisioning::{ProvisionError, ProvisionRequest, Provisioner};
use simfleet::services::line_changes::{self, ChangeError, LineChange};

use crate::bss::stub_bss;
use crate::helpers::{
    ADMIN, Backend, PASSWORD, Response, TestApp, hidden, spawn_app, spawn_app_with,
};
use crate::on_both;

fn query(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::lines::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The preview page of a change.
async fn preview(app: &TestApp, line: i64, fields: &[(&str, &str)]) -> Response {
    app.get(&format!("/lines/{line}/change?{}", query(fields)))
        .await
}

/// Preview, then confirm with the preview's key; returns (preview, confirmation).
pub async fn change(app: &TestApp, line: i64, fields: &[(&str, &str)]) -> (Response, Response) {
    let shown = preview(app, line, fields).await;
    let Some(key) = hidden(&shown.body, "key") else {
        return (
            shown,
            Response {
                status: 0,
                location: None,
                body: String::new(),
            },
        );
    };
    let csrf = hidden(&shown.body, "csrf").expect("csrf");
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("key", &key)];
    form.extend_from_slice(fields);
    let done = app.post(&format!("/lines/{line}/change"), &form).await;
    (shown, done)
}

async fn one_line(app: &TestApp, tariff: &str) -> i64 {
    let company = app.seed_company().await;
    let numbers = [simfleet::domain::Msisdn::parse("+79160000001").expect("number")];
    simfleet::services::lines::add(&app.db, &app.permit(company), &numbers, Some(tariff))
        .await
        .expect("line");
    app.login(ADMIN, PASSWORD).await;
    sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000001'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line id")
}

async fn services_of(app: &TestApp, line: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT s.code FROM line_services ls JOIN services s ON s.id = ls.service_id WHERE ls.line_id = $1 ORDER BY s.code")
        .bind(line)
        .fetch_all(&app.db.pool)
        .await
        .expect("services")
}

async fn audit_actions(app: &TestApp, line: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type = 'line' AND object_id = $1 ORDER BY id",
    )
    .bind(line.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("audit")
}

async fn a_tariff_change_is_previewed_confirmed_and_done_once(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-optimum").await;
    for service in ["call-recording", "anti-spam"] {
        let (_, done) = change(
            &app,
            line,
            &[("action", "enable_service"), ("service", service)],
        )
        .await;
        assert_eq!(done.status, 303, "{service}: {}", done.body);
    }
    assert_eq!(
        services_of(&app, line).await,
        ["anti-spam", "call-recording"]
    );

    // 450 (Старт) − 790 (Оптимум) − 290 (call recording, which Старт cannot carry) = −630 a month.
    let fields = [("action", "change_tariff"), ("tariff", "biz-start")];
    let shown = preview(&app, line, &fields).await;
    assert_eq!(shown.status, 200);
    assert!(
        shown
            .body
            .contains("Тариф: «Бизнес Оптимум» → «Бизнес Старт»"),
        "{}",
        shown.body
    );
    assert!(
        shown
            .body
            .contains("−630,00\u{a0}₽ в месяц, разово 0,00\u{a0}₽"),
        "{}",
        shown.body
    );
    assert!(
        shown.body.contains("<li>Запись разговоров</li>"),
        "the dropped service is named"
    );
    assert_eq!(app.get("/lang/en?back=/overview").await.status, 303);
    let shown_en = preview(&app, line, &fields).await;
    assert!(
        shown_en.body.contains("<li>Call recording</li>")
            && shown_en.body.contains("turned off: «Call recording»"),
        "in English, English names: {}",
        shown_en.body
    );
    assert_eq!(app.get("/lang/ru?back=/overview").await.status, 303);
    assert_eq!(
        services_of(&app, line).await.len(),
        2,
        "a preview changes nothing"
    );

    let key = hidden(&shown.body, "key").expect("key");
    let csrf = hidden(&shown.body, "csrf").expect("csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("action", "change_tariff"),
        ("tariff", "biz-start"),
    ];
    let done = app.post(&format!("/lines/{line}/change"), &form).await;
    assert_eq!(
        done.location,
        Some(format!("/lines/{line}?done=change_tariff"))
    );
    let tariff: String = sqlx::query_scalar(
        "SELECT t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.id = $1",
    )
    .bind(line)
    .fetch_one(&app.db.pool)
    .await
    .expect("tariff");
    assert_eq!(tariff, "biz-start");
    assert_eq!(
        services_of(&app, line).await,
        ["anti-spam"],
        "the service that does not fit is dropped, the other kept"
    );

    // The same form sent again does nothing twice.
    let again = app.post(&format!("/lines/{line}/change"), &form).await;
    assert_eq!(
        again.location,
        Some(format!("/lines/{line}?already=change_tariff"))
    );
    let actions = audit_actions(&app, line).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "line.change_tariff")
            .count(),
        1
    );
    let after: String =
        sqlx::query_scalar("SELECT after_json FROM audit_log WHERE action = 'line.change_tariff'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert!(
        after.contains("\"monthly_delta\":\"-630.00\"")
            && after.contains("\"dropped_services\":[\"call-recording\"]"),
        "the log keeps the dropped service's code: {after}"
    );

    let card = app.get(&format!("/lines/{line}?done=change_tariff")).await;
    assert!(card.body.contains("Изменение применено") && card.body.contains("Смена тарифа"));
    assert!(
        card.body.contains("отключены: «Запись разговоров»"),
        "the history names the dropped service: {}",
        card.body
    );
    assert_eq!(app.get("/lang/en?back=/overview").await.status, 303);
    let english = app.get(&format!("/lines/{line}")).await;
    assert!(
        english.body.contains("turned off: «Call recording»"),
        "the history names it in English: {}",
        english.body
    );

    let history: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM line_service_history WHERE line_id = $1 AND action = 'disabled'",
    )
    .bind(line)
    .fetch_one(&app.db.pool)
    .await
    .expect("history");
    assert_eq!(history, 1);
}

async fn catalogue_rules_refuse_with_reasons(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    sqlx::query("INSERT INTO tariffs (region_code, code, name, monthly_fee_kop, minutes, sms, data_mb, minute_over_kop, sms_over_kop, mb_over_kop) VALUES ('78', 'spb-only', 'Только Петербург', 10000, 1, 1, 1, 1, 1, 1)")
        .execute(&app.db.pool)
        .await
        .expect("a tariff of another region");
    let before = audit_actions(&app, line).await.len();
    for (fields, status, message) in [
        (
            vec![("action", "enable_service"), ("service", "call-recording")],
            422,
            "несовместима с тарифом «Бизнес Старт»",
        ),
        (
            vec![("action", "enable_service"), ("service", "no-such")],
            422,
            "Нет услуги «no-such»",
        ),
        (
            vec![("action", "change_tariff"), ("tariff", "spb-only")],
            422,
            "Тариф «spb-only» не предлагается в регионе компании",
        ),
        (
            vec![("action", "change_tariff"), ("tariff", "my-online")],
            422,
            "Тариф «Мой онлайн» закрыт для подключения",
        ),
        (
            vec![("action", "change_tariff"), ("tariff", "nope")],
            422,
            "Нет тарифа «nope»",
        ),
        (
            vec![("action", "change_tariff"), ("tariff", "biz-start")],
            422,
            "Номер уже на тарифе «Бизнес Старт»",
        ),
        (
            vec![("action", "disable_service"), ("service", "anti-spam")],
            422,
            "Услуга «Защита от спама» не подключена",
        ),
        (vec![("action", "resume")], 409, "Номер не заблокирован"),
        (
            vec![
                ("action", "set_limit"),
                ("amount", "-5"),
                ("on_limit", "bar"),
            ],
            422,
            "Сумма не может быть отрицательной",
        ),
        (
            vec![
                ("action", "set_limit"),
                ("amount", "5000000"),
                ("on_limit", "bar"),
            ],
            422,
            "Лимит не больше 1\u{a0}000\u{a0}000,00\u{a0}₽ в месяц",
        ),
        (
            vec![
                ("action", "set_limit"),
                ("amount", "100"),
                ("on_limit", "explode"),
            ],
            422,
            "Неизвестное действие при лимите «explode»",
        ),
        (
            vec![("action", "replace_sim"), ("iccid", "12345")],
            422,
            "ICCID: 5 цифр, а нужно 19 или 20",
        ),
        (
            vec![("action", "suspend"), ("reason", &"я".repeat(201))],
            422,
            "Причина: не длиннее 200 символов",
        ),
        (
            vec![("action", "reassign"), ("employee_id", "999999")],
            422,
            "Нет такого сотрудника",
        ),
        (
            vec![("action", "teleport")],
            400,
            "Неизвестное действие «teleport»",
        ),
    ] {
        let r = preview(&app, line, &fields).await;
        assert_eq!(r.status, status, "{fields:?}: {}", r.body);
        assert!(r.body.contains(message), "{fields:?}: {}", r.body);
    }
    // Two services that exclude each other.
    let (_, done) = change(
        &app,
        line,
        &[("action", "enable_service"), ("service", "extra-10gb")],
    )
    .await;
    assert_eq!(done.status, 303);
    let r = preview(
        &app,
        line,
        &[("action", "enable_service"), ("service", "extra-30gb")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body
            .contains("несовместима с уже подключёнными: Дополнительные 10 ГБ"),
        "{}",
        r.body
    );
    // One already on, and one the catalogue closed.
    sqlx::query("UPDATE services SET archived = 1 WHERE code = 'static-ip'")
        .execute(&app.db.pool)
        .await
        .expect("a closed service");
    for (service, message) in [
        ("extra-10gb", "Услуга «Дополнительные 10 ГБ» уже подключена"),
        ("static-ip", "закрыта для подключения"),
    ] {
        let r = preview(
            &app,
            line,
            &[("action", "enable_service"), ("service", service)],
        )
        .await;
        assert_eq!(r.status, 422, "{service}: {}", r.body);
        assert!(r.body.contains(message), "{service}: {}", r.body);
    }
    assert_eq!(
        audit_actions(&app, line).await.len(),
        before + 1,
        "refusals write nothing"
    );
}

async fn suspension_loss_and_a_new_sim(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let (_, done) = change(&app, line, &[("action", "suspend"), ("reason", "отпуск")]).await;
    assert_eq!(done.status, 303);
    let (status, reason): (String, String) =
        sqlx::query_as("SELECT status, status_reason FROM lines WHERE id = $1")
            .bind(line)
            .fetch_one(&app.db.pool)
            .await
            .expect("line");
    assert_eq!((status.as_str(), reason.as_str()), ("suspended", "отпуск"));
    let r = preview(
        &app,
        line,
        &[("action", "enable_service"), ("service", "anti-spam")],
    )
    .await;
    assert_eq!(r.status, 409, "no services on a suspended line");
    assert!(r.body.contains("сначала снимите блокировку"));

    let (_, done) = change(&app, line, &[("action", "report_lost")]).await;
    assert_eq!(done.status, 303);
    let card = app.get(&format!("/lines/{line}")).await;
    assert!(
        card.body
            .contains("class=\"badge st-lost\" id=\"line-status\">SIM-карта утеряна"),
        "a lost SIM is no operator's block"
    );
    assert!(card.body.contains("Вставьте новую SIM"), "what to do");
    let r = preview(&app, line, &[("action", "resume")]).await;
    assert_eq!(r.status, 409);
    assert!(r.body.contains("снять блокировку может только оператор"));

    let old_iccid: String = sqlx::query_scalar("SELECT iccid FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("iccid");
    let taken = preview(
        &app,
        line,
        &[("action", "replace_sim"), ("iccid", &old_iccid)],
    )
    .await;
    assert!(taken.body.contains("уже использовалась"), "{}", taken.body);
    let new_iccid = simfleet::domain::Iccid::with_check_digit("8970120916000000199")
        .expect("iccid")
        .to_string();
    let (_, done) = change(
        &app,
        line,
        &[("action", "replace_sim"), ("iccid", &new_iccid)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (status, iccid): (String, String) =
        sqlx::query_as("SELECT status, iccid FROM lines WHERE id = $1")
            .bind(line)
            .fetch_one(&app.db.pool)
            .await
            .expect("line");
    assert_eq!(
        (status.as_str(), iccid.as_str()),
        ("active", new_iccid.as_str()),
        "a new SIM lifts the lost-SIM block"
    );
    let card = app.get(&format!("/lines/{line}")).await;
    assert!(
        card.body.contains("Прежние SIM-карты") && card.body.contains(&old_iccid),
        "the old ICCID is kept on the card"
    );
    assert_eq!(
        audit_actions(&app, line).await[1..],
        ["line.suspend", "line.report_lost", "line.replace_sim"]
    );
}

async fn limits_and_assignment(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let (_, done) = change(
        &app,
        line,
        &[
            ("action", "set_limit"),
            ("amount", "1 500,50"),
            ("on_limit", "employee_pays"),
        ],
    )
    .await;
    assert_eq!(done.status, 303);
    let (limit, action): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT spend_limit_kop, limit_action FROM lines WHERE id = $1")
            .bind(line)
            .fetch_one(&app.db.pool)
            .await
            .expect("limit");
    assert_eq!(
        (limit, action.as_deref()),
        (Some(150_050), Some("employee_pays"))
    );
    assert!(
        app.get(&format!("/lines/{line}"))
            .await
            .body
            .contains("1\u{a0}500,50\u{a0}₽")
    );
    let (_, done) = change(&app, line, &[("action", "remove_limit")]).await;
    assert_eq!(done.status, 303);
    let limit: Option<i64> = sqlx::query_scalar("SELECT spend_limit_kop FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("limit");
    assert_eq!(limit, None);

    app.submit(
        "/departments/new",
        "/departments",
        &[
            ("name", "Склад"),
            ("parent_id", ""),
            ("cost_centre", "ЦФО-310"),
        ],
    )
    .await;
    let dept: i64 = sqlx::query_scalar("SELECT id FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .expect("dept");
    app.submit(
        "/employees/new",
        "/employees",
        &[
            ("full_name", "Орлова Мария"),
            ("department_id", &dept.to_string()),
        ],
    )
    .await;
    let emp: i64 = sqlx::query_scalar("SELECT id FROM employees")
        .fetch_one(&app.db.pool)
        .await
        .expect("emp");
    let (_, done) = change(
        &app,
        line,
        &[
            ("action", "reassign"),
            ("employee_id", &emp.to_string()),
            ("department_id", &dept.to_string()),
            ("cost_centre", "МВЗ-77"),
        ],
    )
    .await;
    assert_eq!(done.status, 303);
    let card = app.get(&format!("/lines/{line}")).await;
    assert!(
        card.body.contains("Орлова Мария")
            && card.body.contains("МВЗ-77")
            && card.body.contains("задан для номера")
    );
}

async fn only_the_operator_blocks_and_unblocks(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let r = preview(&app, line, &[("action", "block"), ("reason", "debt")]).await;
    assert_eq!(r.status, 403, "a company admin cannot block for debt");

    simfleet::services::companies::add_staff(
        &app.db,
        &simfleet::authz::OperatorPermit::cli(),
        "+79030000001",
        "Оператор",
        Some("staff-password-1".into()),
    )
    .await
    .expect("staff");
    app.submit("/overview", "/logout", &[]).await;
    app.login("+79030000001", "staff-password-1").await;
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("company");
    app.submit(
        "/choose",
        "/choose",
        &[("company_id", &company.to_string())],
    )
    .await;
    let (_, done) = change(&app, line, &[("action", "block"), ("reason", "debt")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    // The card says who blocked the line, why, and what to do.
    let card = app.get(&format!("/lines/{line}")).await;
    let panel = card
        .body
        .split("id=\"blocked-panel\"")
        .nth(1)
        .and_then(|s| s.split("</div>\n</div>").next())
        .expect("a blocked line's panel");
    assert!(panel.contains("Заблокирован оператором"), "{panel}");
    assert!(panel.contains("Оператор"), "who blocked it: {panel}");
    assert!(
        panel.contains("из-за задолженности") && panel.contains("Пополните баланс"),
        "why, and what to do: {panel}"
    );
    let (_, done) = change(&app, line, &[("action", "unblock")]).await;
    assert_eq!(done.status, 303);
    let status: String = sqlx::query_scalar("SELECT status FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("status");
    assert_eq!(status, "active");
}

async fn another_companys_line_cannot_be_changed(b: Backend) {
    let app = spawn_app(b).await;
    one_line(&app, "biz-start").await;
    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79260000009"]).await;
    let theirs: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79260000009'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    assert_eq!(
        preview(&app, theirs, &[("action", "suspend"), ("reason", "")])
            .await
            .status,
        404
    );
    let token = app.csrf("/overview").await;
    let r = app
        .post(
            &format!("/lines/{theirs}/change"),
            &[
                ("csrf", &token),
                ("key", "k1"),
                ("action", "suspend"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 404);
    let status: String = sqlx::query_scalar("SELECT status FROM lines WHERE id = $1")
        .bind(theirs)
        .fetch_one(&app.db.pool)
        .await
        .expect("status");
    assert_eq!(status, "active");
}

async fn a_failing_network_leaves_the_line_as_it_was(b: Backend) {
    let bss = stub_bss().await;
    let url = bss.url.clone();
    let app = spawn_app_with(b, |s| {
        s.bss_url = Some(url);
        s.bss_key = Some("bss-secret".into());
        s.bss_attempts = 3;
        s.bss_timeout_ms = 2000;
    })
    .await;
    let line = one_line(&app, "biz-start").await;

    bss.answer(503);
    let (_, failed) = change(
        &app,
        line,
        &[("action", "change_tariff"), ("tariff", "biz-max")],
    )
    .await;
    assert_eq!(failed.status, 502, "{}", failed.body);
    assert!(
        failed
            .body
            .contains("Изменение не применено: система оператора ответила 503")
            && failed.body.contains("Номер остался как был"),
        "{}",
        failed.body
    );
    assert_eq!(bss.calls(), 3, "a 5xx answer is retried");
    let tariff: String = sqlx::query_scalar(
        "SELECT t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.id = $1",
    )
    .bind(line)
    .fetch_one(&app.db.pool)
    .await
    .expect("tariff");
    assert_eq!(tariff, "biz-start");
    assert_eq!(
        audit_actions(&app, line).await[1..],
        ["line.change_tariff.failed"]
    );

    bss.answer(400);
    bss.heard.calls.store(0, Ordering::SeqCst);
    let (_, refused) = change(&app, line, &[("action", "suspend"), ("reason", "")]).await;
    assert_eq!(refused.status, 502);
    assert_eq!(
        bss.calls(),
        1,
        "a 4xx answer is the BSS refusing: not retried"
    );

    bss.answer(200);
    let (_, done) = change(
        &app,
        line,
        &[("action", "change_tariff"), ("tariff", "biz-max")],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (key, request) = bss
        .heard
        .seen
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a request");
    assert_eq!(key, "bss-secret");
    assert_eq!(request["action"], "change_tariff");
    assert_eq!(request["msisdn"], "+79160000001");
    assert_eq!(request["params"]["tariff"], "biz-max");
}

on_both!(
    a_tariff_change_is_previewed_confirmed_and_done_once,
    catalogue_rules_refuse_with_reasons,
    suspension_loss_and_a_new_sim,
    limits_and_assignment,
    only_the_operator_blocks_and_unblocks,
    another_companys_line_cannot_be_changed,
    a_failing_network_leaves_the_line_as_it_was,
    refusals_are_said_in_the_pages_language,
    a_refused_change_comes_back_to_the_card,
    the_network_hears_a_change_with_no_transaction_open,
    a_change_left_with_the_network_is_finished_after_a_crash,
);

/// A change that does not pass comes back as the card: the field marked, the input kept; the
/// limit is shown as people write it and read back however they type it.
async fn a_refused_change_comes_back_to_the_card(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let r = preview(
        &app,
        line,
        &[
            ("action", "set_limit"),
            ("amount", "-1"),
            ("on_limit", "bar"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("id=\"line-number\""),
        "the card, not a dead end"
    );
    assert!(r.body.contains("id=\"change-error\""), "{}", r.body);
    assert!(
        r.body.contains("value=\"-1\" aria-invalid=\"true\""),
        "the amount kept and marked: {}",
        r.body
    );
    let sim = preview(&app, line, &[("action", "replace_sim"), ("iccid", "123")]).await;
    assert!(
        sim.body.contains("value=\"123\" aria-invalid=\"true\""),
        "{}",
        sim.body
    );

    for (typed, kop) in [
        ("5000", 500_000),
        ("5 000,50", 500_050),
        ("5000.50", 500_050),
    ] {
        let (_, done) = change(
            &app,
            line,
            &[
                ("action", "set_limit"),
                ("amount", typed),
                ("on_limit", "bar"),
            ],
        )
        .await;
        assert_eq!(done.status, 303, "{typed}: {}", done.body);
        let stored: Option<i64> =
            sqlx::query_scalar("SELECT spend_limit_kop FROM lines WHERE id = $1")
                .bind(line)
                .fetch_one(&app.db.pool)
                .await
                .expect("limit");
        assert_eq!(stored, Some(kop), "{typed}");
    }
    let card = app.get(&format!("/lines/{line}")).await;
    assert!(
        card.body.contains("name=\"amount\" inputmode=\"decimal\" maxlength=\"20\" placeholder=\"5 000,00\" aria-label=\"Сумма в месяц\" value=\"5\u{a0}000,50\""),
        "the limit as people write it: {}",
        card.body
    );
}

/// A refusal reads in the page's language: the same change previewed in Russian and in English.
async fn refusals_are_said_in_the_pages_language(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let negative = [
        ("action", "set_limit"),
        ("amount", "-1"),
        ("on_limit", "bar"),
    ];
    let ru = preview(&app, line, &negative).await;
    assert_eq!(ru.status, 422, "{}", ru.body);
    assert!(
        ru.body.contains("Сумма не может быть отрицательной"),
        "{}",
        ru.body
    );
    assert_eq!(app.get("/lang/en?back=/overview").await.status, 303);
    let en = preview(&app, line, &negative).await;
    assert_eq!(en.status, 422);
    assert!(
        en.body.contains("The amount cannot be negative"),
        "{}",
        en.body
    );
    assert!(
        !en.body.contains("Сумма не может"),
        "Russian in the English page"
    );
    // A refusal by the line's state, too.
    let resumed = preview(&app, line, &[("action", "resume")]).await;
    assert!(
        resumed.body.contains("The line is not suspended"),
        "{}",
        resumed.body
    );
}

/// A network that answers only when let.
struct Gate(tokio::sync::Semaphore);

#[async_trait::async_trait]
impl Provisioner for Gate {
    async fn apply(&self, _: &ProvisionRequest) -> Result<(), ProvisionError> {
        let _ = self.0.acquire().await.expect("gate");
        Ok(())
    }
}

/// A network that takes every change and remembers it.
#[derive(Default)]
struct Recording(std::sync::Mutex<Vec<ProvisionRequest>>);

#[async_trait::async_trait]
impl Provisioner for Recording {
    async fn apply(&self, request: &ProvisionRequest) -> Result<(), ProvisionError> {
        self.0.lock().expect("lock").push(request.clone());
        Ok(())
    }
}

/// The operator's permit in the line's company.
async fn permit_for(app: &TestApp, line: i64) -> simfleet::authz::Permit {
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("company");
    app.permit(company)
}

/// How many tariff changes of the line the audit log holds.
async fn tariff_changes_logged(app: &TestApp, line: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'line.change_tariff' AND object_id = $1",
    )
    .bind(line.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("audit")
}

async fn tariff_code(app: &TestApp, line: i64) -> String {
    sqlx::query_scalar(
        "SELECT t.code FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.id = $1",
    )
    .bind(line)
    .fetch_one(&app.db.pool)
    .await
    .expect("tariff")
}

/// While the network is slow to answer, the database is free (another company's record is
/// written at once), and the line's other changes are refused as «в обработке».
async fn the_network_hears_a_change_with_no_transaction_open(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let permit = permit_for(&app, line).await;
    let gate = Arc::new(Gate(tokio::sync::Semaphore::new(0)));
    let change = LineChange::ChangeTariff {
        tariff: "biz-max".into(),
    };
    let slow = {
        let (db, gate, permit, change) =
            (app.db.clone(), gate.clone(), permit.clone(), change.clone());
        tokio::spawn(async move {
            line_changes::apply(&db, gate.as_ref(), &permit, line, &change, Some("slow-key")).await
        })
    };
    // The change is held on its line before the network is asked.
    for _ in 0..200 {
        let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes")
            .fetch_one(&app.db.pool)
            .await
            .expect("held");
        if held == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let written = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        simfleet::services::departments::create(
            &app.db,
            &permit,
            &simfleet::services::departments::DepartmentInput {
                name: "Пока сеть думает".into(),
                ..Default::default()
            },
        ),
    )
    .await;
    assert!(
        matches!(written, Ok(Ok(_))),
        "another write goes through while the network is asked: {written:?}"
    );
    let again = line_changes::apply(
        &app.db,
        gate.as_ref(),
        &permit,
        line,
        &LineChange::EnableService {
            service: "extra-10gb".into(),
        },
        None,
    )
    .await;
    match again {
        Err(ChangeError::Refused(r)) => assert_eq!(r.code(), "change_in_hand"),
        other => panic!("a second change while one is in hand: {other:?}"),
    }
    assert_eq!(tariff_code(&app, line).await, "biz-start", "not yet");
    gate.0.add_permits(1);
    let done = slow.await.expect("task").expect("applied");
    assert!(!done.already_applied);
    assert_eq!(tariff_code(&app, line).await, "biz-max");
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pending_changes")
        .fetch_one(&app.db.pool)
        .await
        .expect("held");
    assert_eq!(held, 0, "the line is let go");
    let entries = tariff_changes_logged(&app, line).await;
    assert_eq!(entries, 1);
}

/// The process dies while the network hears of a change: the change stays held, the line
/// unchanged; a sweep after its hold runs out sends it again under the same key and finishes
/// it once.
async fn a_change_left_with_the_network_is_finished_after_a_crash(b: Backend) {
    let app = spawn_app(b).await;
    let line = one_line(&app, "biz-start").await;
    let permit = permit_for(&app, line).await;
    let never = Gate(tokio::sync::Semaphore::new(0));
    let change = LineChange::ChangeTariff {
        tariff: "biz-max".into(),
    };
    let died = tokio::time::timeout(
        std::time::Duration::from_millis(300),
        line_changes::apply(&app.db, &never, &permit, line, &change, Some("crash-key")),
    )
    .await;
    assert!(died.is_err(), "the call never came back");
    assert_eq!(tariff_code(&app, line).await, "biz-start");
    let recording = Recording::default();
    assert_eq!(
        line_changes::finish_stale(&app.db, &recording)
            .await
            .expect("sweep"),
        0,
        "a change still within its hold is left alone"
    );
    sqlx::query("UPDATE pending_changes SET lease_until = 0")
        .execute(&app.db.pool)
        .await
        .expect("the hold runs out");
    assert_eq!(
        line_changes::finish_stale(&app.db, &recording)
            .await
            .expect("sweep"),
        1
    );
    let sent = recording.0.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].request_id, "crash-key",
        "sent again under its own key"
    );
    assert_eq!(sent[0].action, "change_tariff");
    assert_eq!(tariff_code(&app, line).await, "biz-max");
    let entries = tariff_changes_logged(&app, line).await;
    assert_eq!(entries, 1, "finished once");
    assert_eq!(
        line_changes::finish_stale(&app.db, &recording)
            .await
            .expect("sweep"),
        0
    );
    // The same submit again: done already.
    let repeat = line_changes::apply(
        &app.db,
        &recording,
        &permit,
        line,
        &change,
        Some("crash-key"),
    )
    .await
    .expect("repeat");
    assert!(repeat.already_applied);
}
