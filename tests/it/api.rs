//! The JSON API: the document, the routes it lists, answers and errors.

use serde_json::{Value, json};

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

struct Answer {
    status: u16,
    body: Value,
}

async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> Answer {
    let mut req = app.client.request(method, app.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer { status, body }
}

async fn get(app: &TestApp, path: &str) -> Answer {
    call(app, reqwest::Method::GET, path, None, None).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> Answer {
    call(app, reqwest::Method::POST, path, Some(body), None).await
}

async fn signed_in_with_lines(b: Backend) -> (TestApp, i64) {
    let app = spawn_app(b).await;
    let company = app.seed_company().await;
    app.add_lines(company, &["+79160000001", "+79160000002", "+79160000042"])
        .await;
    app.login(ADMIN, PASSWORD).await;
    let line = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000001'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    (app, line)
}

/// Every handler in src/web/api: (method, path) from its actix attribute.
fn routes_in_code() -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/api");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("api folder").flatten() {
        let text = std::fs::read_to_string(entry.path()).expect("source");
        for line in text.lines().map(str::trim) {
            for method in ["get", "post", "put", "delete", "patch"] {
                if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                    let path = &rest[..rest.find('"').expect("path end")];
                    out.push((method.to_owned(), format!("/api/v1{path}")));
                }
            }
        }
    }
    out.sort();
    out
}

async fn the_document_is_valid_and_lists_every_route(b: Backend) {
    let app = spawn_app(b).await;
    let doc = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(doc.status, 200);
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), doc.body.to_string()).expect("write");
    let checked = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(file.path())
        .output()
        .expect("python3 with openapi-spec-validator (pip install openapi-spec-validator)");
    assert!(
        checked.status.success(),
        "the OpenAPI document is invalid:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    let routes = routes_in_code();
    assert!(routes.len() >= 15, "{routes:?}");
    for (method, path) in &routes {
        assert!(
            doc.body["paths"][path][method].is_object(),
            "{method} {path} is missing from the document"
        );
    }
    let listed: usize = doc.body["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|v| v.as_object().map_or(0, |o| o.len()))
        .sum();
    assert_eq!(
        listed,
        routes.len(),
        "the document lists routes the code does not have"
    );
    let ui = app
        .client
        .get(app.url("/api/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(ui.status(), 200);
    assert!(
        ui.text().await.expect("html").contains("swagger"),
        "the browsable UI is served"
    );
}

async fn lines_are_listed_read_and_changed(b: Backend) {
    let (app, line) = signed_in_with_lines(b).await;
    let page = get(&app, "/api/v1/lines?q=0042").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["total"], 1);
    assert_eq!(page.body["items"][0]["msisdn"], "+79160000042");
    let by_tariff = get(&app, "/api/v1/lines?tariff=biz-start&sort=number&dir=desc").await;
    assert_eq!(by_tariff.body["total"], 3);
    assert_eq!(by_tariff.body["items"][0]["msisdn"], "+79160000042");

    let card = get(&app, &format!("/api/v1/lines/{line}")).await;
    assert_eq!(card.status, 200);
    assert_eq!(card.body["tariff"]["code"], "biz-start");
    assert_eq!(card.body["history"][0]["action"], "line.add");

    let change = json!({ "action": "change_tariff", "tariff": "biz-optimum" });
    let preview = post(
        &app,
        &format!("/api/v1/lines/{line}/preview"),
        change.clone(),
    )
    .await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.body["monthly_delta_kop"], 34_000);
    assert_eq!(
        preview.body["summary"],
        "Tariff: «Бизнес Старт» → «Бизнес Оптимум»"
    );
    let first = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/lines/{line}/changes"),
        Some(change.clone()),
        Some("order-17"),
    )
    .await;
    assert_eq!(
        (first.status, &first.body["already_applied"]),
        (200, &json!(false))
    );
    let again_change = change.clone();
    let again = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/lines/{line}/changes"),
        Some(change),
        Some("order-17"),
    )
    .await;
    assert_eq!(
        (again.status, &again.body["already_applied"]),
        (200, &json!(true))
    );
    // The same key with another change, or for another line, is a mistake, not a retry.
    let other_line: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79160000002'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    for (path, body) in [
        (
            format!("/api/v1/lines/{line}/changes"),
            json!({ "action": "suspend", "reason": "отпуск" }),
        ),
        (
            format!("/api/v1/lines/{other_line}/changes"),
            again_change.clone(),
        ),
    ] {
        let reused = call(
            &app,
            reqwest::Method::POST,
            &path,
            Some(body),
            Some("order-17"),
        )
        .await;
        assert_eq!(reused.status, 422, "{path}: {:?}", reused.body);
        assert_eq!(
            reused.body["error"]["fields"][0]["field"], "key",
            "{:?}",
            reused.body
        );
    }
    let status: String = sqlx::query_scalar("SELECT status FROM lines WHERE id = $1")
        .bind(line)
        .fetch_one(&app.db.pool)
        .await
        .expect("status");
    assert_eq!(status, "active", "nothing applied");
    let changes: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'line.change_tariff'")
            .fetch_one(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(
        changes, 1,
        "a retried request with the same key does nothing twice"
    );

    let limit = post(
        &app,
        &format!("/api/v1/lines/{line}/changes"),
        json!({ "action": "set_limit", "amount": "2000", "on_limit": "employee_pays" }),
    )
    .await;
    assert_eq!(limit.status, 200);
    let card = get(&app, &format!("/api/v1/lines/{line}")).await.body;
    assert_eq!(card["line"]["spend_limit_kop"], 200_000);
    // Without `on_limit` the line keeps what it does at the limit.
    let raised = post(
        &app,
        &format!("/api/v1/lines/{line}/changes"),
        json!({ "action": "set_limit", "amount": "2500" }),
    )
    .await;
    assert_eq!(raised.status, 200, "{:?}", raised.body);
    let card = get(&app, &format!("/api/v1/lines/{line}")).await.body;
    assert_eq!(
        (
            &card["line"]["spend_limit_kop"],
            &card["line"]["limit_action"]
        ),
        (&json!(250_000), &json!("employee_pays"))
    );
    // Flags are booleans, times RFC 3339, and the history says what happened in words.
    assert_eq!(card["tariff"]["for_business"], json!(true));
    assert_eq!(card["tariff"]["archived"], json!(false));
    assert!(card["line"]["cost_centre_overridden"].is_boolean());
    let at = card["history"][0]["at"].as_str().expect("a time");
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
    assert_eq!(card["history"][0]["title"], "Spend limit");
    assert_eq!(
        card["history"][0]["text"],
        "Limit: ₽2,000.00 → ₽2,500.00, the employee pays the excess"
    );
}

async fn errors_are_json_with_codes_and_fields(b: Backend) {
    let (app, line) = signed_in_with_lines(b).await;
    let path = format!("/api/v1/lines/{line}/changes");
    let missing = post(&app, &path, json!({ "action": "change_tariff" })).await;
    assert_eq!(
        (missing.status, &missing.body["error"]["code"]),
        (400, &json!("invalid_json"))
    );
    assert!(
        missing.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("missing field `tariff`")
    );
    let extra = post(&app, &path, json!({ "action": "resume", "color": "red" })).await;
    assert_eq!(extra.status, 400);
    assert!(
        extra.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("unknown field `color`"),
        "{}",
        extra.body
    );
    let unknown = post(&app, &path, json!({ "action": "teleport" })).await;
    assert_eq!(unknown.status, 400);

    let invalid = post(
        &app,
        &path,
        json!({ "action": "enable_service", "service": "call-recording" }),
    )
    .await;
    assert_eq!(
        (invalid.status, &invalid.body["error"]["code"]),
        (422, &json!("invalid_input"))
    );
    assert_eq!(invalid.body["error"]["fields"][0]["field"], "service");
    let limit = post(
        &app,
        &path,
        json!({ "action": "set_limit", "amount": "-1", "on_limit": "bar" }),
    )
    .await;
    assert_eq!(limit.body["error"]["fields"][0]["field"], "amount");
    // Each field says its code, and the message is English.
    assert_eq!(
        (
            &limit.body["error"]["fields"][0]["code"],
            &limit.body["error"]["fields"][0]["message"]
        ),
        (
            &json!("amount_negative"),
            &json!("the amount cannot be negative")
        )
    );

    assert_eq!(
        post(
            &app,
            &path,
            json!({ "action": "suspend", "reason": "отпуск" })
        )
        .await
        .status,
        200
    );
    let refused = post(
        &app,
        &path,
        json!({ "action": "enable_service", "service": "anti-spam" }),
    )
    .await;
    assert_eq!(
        (refused.status, &refused.body["error"]["code"]),
        (409, &json!("line_suspended"))
    );
    let staff_only = post(&app, &path, json!({ "action": "block", "reason": "debt" })).await;
    assert_eq!(
        (staff_only.status, &staff_only.body["error"]["code"]),
        (403, &json!("forbidden"))
    );

    let gone = get(&app, "/api/v1/lines?status=gone").await;
    assert_eq!(
        (
            gone.status,
            &gone.body["error"]["code"],
            &gone.body["error"]["message"]
        ),
        (
            400,
            &json!("unknown_status"),
            &json!("unknown status «gone»")
        )
    );
    assert_eq!(get(&app, "/api/v1/lines/999999").await.status, 404);
    assert_eq!(get(&app, "/api/v1/lines/abc").await.status, 404);

    let other = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(other, &["+79260000009"]).await;
    let theirs: i64 = sqlx::query_scalar("SELECT id FROM lines WHERE msisdn = '+79260000009'")
        .fetch_one(&app.db.pool)
        .await
        .expect("line");
    assert_eq!(
        get(&app, &format!("/api/v1/lines/{theirs}")).await.status,
        404
    );
    assert_eq!(
        post(
            &app,
            &format!("/api/v1/lines/{theirs}/changes"),
            json!({ "action": "resume" })
        )
        .await
        .status,
        404
    );

    let anonymous = reqwest::Client::new()
        .get(app.url("/api/v1/lines"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");
}

async fn departments_employees_and_the_catalogue(b: Backend) {
    let (app, line) = signed_in_with_lines(b).await;
    let made = post(
        &app,
        "/api/v1/departments",
        json!({ "name": "Логистика", "cost_centre": "ЦФО-300" }),
    )
    .await;
    assert_eq!(made.status, 201);
    let dept = made.body["id"].as_i64().expect("id");
    let sub = post(
        &app,
        "/api/v1/departments",
        json!({ "name": "Склад", "parent_id": dept }),
    )
    .await;
    assert_eq!(sub.body["parent_id"], dept);
    let blank = post(&app, "/api/v1/departments", json!({ "name": " " })).await;
    assert_eq!(
        (blank.status, &blank.body["error"]["fields"][0]["field"]),
        (422, &json!("name"))
    );
    let renamed = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/departments/{dept}"),
        Some(json!({ "name": "Логистика и склад", "parent_id": null, "cost_centre": "ЦФО-300" })),
        None,
    )
    .await;
    assert_eq!(renamed.body["name"], "Логистика и склад");
    let busy = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/v1/departments/{dept}"),
        None,
        None,
    )
    .await;
    assert_eq!(busy.status, 422);
    assert!(
        busy.body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("it holds 1 department")
    );

    let person = post(
        &app,
        "/api/v1/employees",
        json!({ "full_name": "Зайцева Алла", "department_id": dept, "personnel_number": "77" }),
    )
    .await;
    assert_eq!(person.status, 201);
    let emp = person.body["id"].as_i64().expect("id");
    let bad = post(
        &app,
        "/api/v1/employees",
        json!({ "full_name": "Иванов", "email": "nope" }),
    )
    .await;
    assert_eq!(bad.body["error"]["fields"][0]["field"], "email");
    let found = get(&app, &format!("/api/v1/employees?q=зайц&department={dept}")).await;
    assert_eq!(found.body["total"], 1);
    let assign = post(&app, &format!("/api/v1/lines/{line}/changes"), json!({ "action": "reassign", "employee_id": emp, "department_id": dept, "cost_centre": null })).await;
    assert_eq!(assign.status, 200, "{}", assign.body);
    assert_eq!(
        get(&app, &format!("/api/v1/employees/{emp}")).await.body["line_count"],
        1
    );
    assert_eq!(
        call(
            &app,
            reqwest::Method::DELETE,
            &format!("/api/v1/employees/{emp}"),
            None,
            None
        )
        .await
        .status,
        204
    );

    let tariffs = get(&app, "/api/v1/catalogue/tariffs").await;
    let codes: Vec<&str> = tariffs
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"biz-start")
            && !codes.contains(&"my-online")
            && !codes.contains(&"biz-classic"),
        "{codes:?}"
    );
    let services = get(&app, "/api/v1/catalogue/services").await;
    let recording = services
        .body
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["code"] == "call-recording")
        .expect("call-recording");
    assert_eq!(
        recording["fits"],
        json!(["biz-max", "biz-optimum", "biz-unlim"])
    );
}

/// A write with the session cookie must come from the cabinet's own pages: another site's
/// `Origin`, or no `Origin` and no form token, is refused and changes nothing.
async fn cookie_writes_come_only_from_the_cabinet(b: Backend) {
    let (app, _) = signed_in_with_lines(b).await;
    let made = post(&app, "/api/v1/departments", json!({ "name": "Склад" })).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let dept = made.body["id"].as_i64().expect("id");
    let path = app.url(&format!("/api/v1/departments/{dept}"));
    let send = async |req: reqwest::RequestBuilder| req.send().await.expect("request").status();

    let elsewhere = app
        .client
        .delete(&path)
        .header("origin", "https://evil.example");
    assert_eq!(send(elsewhere).await, 403);
    let lookalike = app
        .client
        .post(app.url("/api/v1/departments"))
        .header(
            "origin",
            format!("https://{}.evil.example", &app.address[7..]),
        )
        .json(&json!({ "name": "Чужой" }));
    assert_eq!(send(lookalike).await, 403);
    // This host under another scheme is another origin.
    let other_scheme = app
        .client
        .delete(&path)
        .header("origin", format!("https://{}", &app.address[7..]));
    assert_eq!(send(other_scheme).await, 403);
    // No Origin at all (not a browser) and no form token.
    let bare = reqwest::Client::builder()
        .cookie_provider(app.cookies.clone())
        .build()
        .expect("client");
    assert_eq!(send(bare.delete(&path)).await, 403);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments")
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1, "nothing written or deleted");
    // Reads need neither; a client without Origin that carries the form token may write.
    let read = bare
        .get(app.url("/api/v1/departments"))
        .header("origin", "https://evil.example");
    assert_eq!(send(read).await, 200);
    let token = app.csrf("/sessions").await;
    assert_eq!(
        send(bare.delete(&path).header("x-csrf-token", token)).await,
        204
    );
}

/// Behind a proxy the browser names the public address as its origin, which the app (reached
/// over plain HTTP) accepts as its own.
async fn the_public_address_is_the_cabinets_origin(b: Backend) {
    let app =
        crate::helpers::spawn_app_with(b, |s| s.public_url = "https://lk.example.ru/".into()).await;
    app.seed_company().await;
    app.login(ADMIN, PASSWORD).await;
    let write = |origin: &'static str| {
        app.client
            .post(app.url("/api/v1/departments"))
            .header("origin", origin)
            .json(&json!({ "name": origin }))
            .send()
    };
    assert_eq!(
        write("https://lk.example.ru")
            .await
            .expect("request")
            .status(),
        201
    );
    assert_eq!(
        write("http://lk.example.ru")
            .await
            .expect("request")
            .status(),
        403
    );
    assert_eq!(
        write("https://lk.example.ru.evil.example")
            .await
            .expect("request")
            .status(),
        403
    );
}

/// A bulk change through the API: previewed on a list of numbers (those that are no lines of
/// the company told by their place in the list), confirmed once under a key, followed to its
/// end, its lines' outcomes read; what cannot be done is refused with a code.
async fn a_bulk_change_is_previewed_confirmed_once_and_followed(b: Backend) {
    let (app, _) = signed_in_with_lines(b).await;
    let body = json!({
        "numbers": ["8 916 000-00-01", "+79160000002", "+79995550000", "12"],
        "change": {"action": "suspend", "reason": "отпуск"},
    });
    let p = post(&app, "/api/v1/bulk/preview", body.clone()).await;
    assert_eq!(p.status, 200, "{:?}", p.body);
    assert_eq!(
        (p.body["lines"].as_i64(), p.body["changing"].as_i64()),
        (Some(2), Some(2))
    );
    let rows: Vec<i64> = p.body["rejected"]
        .as_array()
        .expect("rejected")
        .iter()
        .map(|r| r["row"].as_i64().expect("row"))
        .collect();
    assert_eq!(rows, vec![3, 4], "{:?}", p.body["rejected"]);
    assert!(p.body["monthly_delta_kop"].as_i64().expect("delta") < 0);

    // Each line with its own tariff, by name or code: grouped by where they go.
    let own = post(
        &app,
        "/api/v1/bulk/preview",
        json!({
            "lines": [
                {"number": "+79160000001", "value": "Бизнес Максимум"},
                {"number": "+79160000002", "value": "biz-max"},
                {"number": "+79160000042", "value": "no-such"},
            ],
            "change": {"action": "change_tariff", "tariff": ""},
        }),
    )
    .await;
    assert_eq!(own.status, 200, "{:?}", own.body);
    assert_eq!(
        own.body["groups"].as_array().map(Vec::len),
        Some(1),
        "{:?}",
        own.body
    );
    assert_eq!(own.body["groups"][0]["change"]["tariff"], "biz-max");
    assert_eq!(own.body["groups"][0]["changing"], 2);
    assert_eq!(own.body["skipped"][0]["code"], "no_such_tariff");

    let unkeyed = post(&app, "/api/v1/bulk", body.clone()).await;
    assert_eq!(unkeyed.status, 422);
    assert_eq!(unkeyed.body["error"]["code"], "idempotency_key_required");
    let first = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/bulk",
        Some(body.clone()),
        Some("k1"),
    )
    .await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let again = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/bulk",
        Some(body.clone()),
        Some("k1"),
    )
    .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["already_confirmed"], true);
    let id = first.body["id"].as_i64().expect("id");
    let mut state = Value::Null;
    for _ in 0..500 {
        state = get(&app, &format!("/api/v1/bulk/{id}")).await.body;
        if state["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(state["state"], "done", "{state:?}");
    assert_eq!(state["counts"]["changed"], 2);
    let changed = get(&app, &format!("/api/v1/bulk/{id}/lines?outcome=changed")).await;
    assert_eq!(changed.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(changed.body["items"][0]["number"], "+79160000001");

    let cancel = post(&app, &format!("/api/v1/bulk/{id}/cancel"), json!({})).await;
    assert_eq!(
        (cancel.status, cancel.body["error"]["code"].as_str()),
        (409, Some("operation_ended"))
    );
    let retry = call(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/bulk/{id}/retry"),
        None,
        Some("r"),
    )
    .await;
    assert_eq!(
        (retry.status, retry.body["error"]["code"].as_str()),
        (409, Some("nothing_failed"))
    );
    let nothing = call(
        &app,
        reqwest::Method::POST,
        "/api/v1/bulk",
        Some(body),
        Some("k2"),
    )
    .await;
    assert_eq!(
        (nothing.status, nothing.body["error"]["code"].as_str()),
        (409, Some("nothing_to_run"))
    );

    let twice = post(
        &app,
        "/api/v1/bulk/preview",
        json!({"filter": {}, "numbers": ["+79160000001"], "change": {"action": "resume"}}),
    )
    .await;
    assert_eq!(
        (twice.status, twice.body["error"]["code"].as_str()),
        (422, Some("choose_lines_once"))
    );
    let many: Vec<String> = (0..200_002).map(|i| format!("+7916{i:07}")).collect();
    let too_many = post(
        &app,
        "/api/v1/bulk/preview",
        json!({"numbers": many, "change": {"action": "resume"}}),
    )
    .await;
    assert_eq!(
        (too_many.status, too_many.body["error"]["code"].as_str()),
        (422, Some("too_many_lines"))
    );
    assert!(
        too_many.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("200")
    );
}

on_both!(
    a_bulk_change_is_previewed_confirmed_once_and_followed,
    the_public_address_is_the_cabinets_origin,
    cookie_writes_come_only_from_the_cabinet,
    the_document_is_valid_and_lists_every_route,
    lines_are_listed_read_and_changed,
    errors_are_json_with_codes_and_fields,
    departments_employees_and_the_catalogue,
);
