//! The access matrix: every route of the cabinet (pages, forms, downloads, the JSON API), for
//! every kind of visitor (delegated user management and import over one department among them),
//! on objects of the visitor's company, outside a manager's grant, and of another company, and
//! with bad input (another company's ids in the body, over-long fields). Each cell is written here by hand; none is derived from the policy. A
//! route that the app registers and this table lacks fails the test.

use std::collections::HashMap;

use serde_json::Value;

use crate::helpers::{ADMIN, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both;

/// Visitors, in the order of each row's expectations.
const ACTORS: [&str; 9] = [
    "anonymous",
    "admin",
    "accountant",
    "manager",
    "other company",
    "staff",
    "employee",
    "user manager",
    "importer",
];

/// The routes no visitor here sends (public forms and logout), each with the scenario that
/// covers it; a row whose every cell is `-` must be one of these.
const TESTED_ELSEWHERE: [(&str, &str); 7] = [
    (
        "/login",
        "login::login_renews_the_session_and_logout_ends_it",
    ),
    (
        "/login/code",
        "sign_in::the_owner_signs_in_with_a_code_once",
    ),
    (
        "/login/code/enter",
        "sign_in::five_wrong_tries_void_the_code",
    ),
    (
        "/password/forgot",
        "sign_in::a_forgotten_password_is_replaced_by_code_twice_a_day_at_most",
    ),
    (
        "/password/forgot/enter",
        "sign_in::a_forgotten_password_is_replaced_by_code_twice_a_day_at_most",
    ),
    (
        "/logout",
        "login::login_renews_the_session_and_logout_ends_it",
    ),
    (
        "/login/second",
        "second_factor::the_second_step_allows_five_tries_and_five_minutes",
    ),
];

/// The rows whose every cell is `-`, in their order.
fn untested_here() -> Vec<&'static str> {
    PAGES
        .iter()
        .map(|(_, route, _, expected)| (*route, expected))
        .chain(
            API.iter()
                .map(|(_, route, _, _, expected)| (*route, expected)),
        )
        .filter(|(_, expected)| expected.iter().all(|e| *e == "-"))
        .map(|(route, _)| route)
        .collect()
}

/// `ok`: allowed (whatever the answer to the request itself: a page, a redirect, a 422);
/// `login`: sent to sign in (303 to /login, or 401 from the API); `403`; `404`; `422` (the
/// input refused, rights granted); a 5xx is
/// `500`, which no cell expects; `-`: not sent (public forms and logout, covered by their own tests).
type Row = (&'static str, &'static str, &'static str, [&'static str; 9]);

/// (method, route as registered, the request made, expectations per actor)
const PAGES: &[Row] = &[
    (
        "GET",
        "/audit/export",
        "/audit/export?format=csv",
        ["login", "ok", "403", "ok", "ok", "ok", "403", "ok", "ok"],
    ),
    (
        "GET",
        "/access/matrix",
        "/access/matrix",
        ["login", "ok", "403", "403", "ok", "ok", "403", "ok", "403"],
    ),
    (
        "GET",
        "/",
        "/",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "GET",
        "/login",
        "/login",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/login",
        "/login",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/login/code",
        "/login/code",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/login/code",
        "/login/code",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/login/code/enter",
        "/login/code/enter",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/login/code/enter",
        "/login/code/enter",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/password/forgot",
        "/password/forgot",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/password/forgot",
        "/password/forgot",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/password/forgot/enter",
        "/password/forgot/enter",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/password/forgot/enter",
        "/password/forgot/enter",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/choose",
        "/choose",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/choose",
        "/choose?company_id={company}",
        ["login", "ok", "ok", "ok", "404", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/logout",
        "/logout",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/sessions",
        "/sessions",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/sessions/end",
        "/sessions/end?id=nobody",
        [
            "login", "404", "404", "404", "404", "404", "404", "404", "404",
        ],
    ),
    (
        "POST",
        "/sessions/end-others",
        "/sessions/end-others",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "GET",
        "/access",
        "/access",
        ["login", "ok", "403", "403", "ok", "ok", "403", "ok", "403"],
    ),
    (
        "POST",
        "/access/grants",
        "/access/grants",
        [
            "login", "422", "403", "403", "422", "422", "403", "422", "403",
        ],
    ),
    (
        "POST",
        "/access/invite",
        "/access/invite?number=&full_name=&role=accountant",
        [
            "login", "422", "403", "403", "422", "422", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/grants/{id}/revoke",
        "/access/grants/{grant}/revoke",
        [
            "login", "ok", "403", "403", "404", "404", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/tokens",
        "/access/tokens",
        [
            "login", "422", "403", "403", "422", "422", "403", "422", "403",
        ],
    ),
    (
        "POST",
        "/access/tokens/{id}/revoke",
        "/access/tokens/{token}/revoke",
        [
            "login", "ok", "403", "403", "404", "404", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/members/{id}/role",
        "/access/members/{member}/role?role=accountant",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/members/{id}/block",
        "/access/members/{member}/block",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/members/{id}/unblock",
        "/access/members/{member}/unblock",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "404", "403",
        ],
    ),
    (
        "POST",
        "/access/second-factor",
        "/access/second-factor",
        ["login", "ok", "403", "403", "ok", "ok", "403", "404", "403"],
    ),
    (
        "GET",
        "/roster",
        "/roster",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "ok"],
    ),
    (
        "POST",
        "/roster",
        "/roster",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "ok"],
    ),
    (
        "GET",
        "/bulk",
        "/bulk",
        ["login", "ok", "403", "ok", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/bulk/new",
        "/bulk/new?line={line}",
        ["login", "ok", "403", "ok", "422", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/bulk/new",
        // The admin's list: the manager's is their own only, another company's is not there.
        "/bulk/new?list={list}",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/list",
        "/bulk/list",
        ["login", "ok", "403", "ok", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/bulk/new",
        "/bulk/new?line={line_out}",
        [
            "login", "ok", "403", "422", "422", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview?line={line}&action=change_tariff&tariff=biz-max",
        ["login", "ok", "403", "ok", "422", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview?line={line_out}&action=change_tariff&tariff=biz-max",
        [
            "login", "ok", "403", "422", "422", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview?all=1&action=change_tariff&tariff=no-such",
        [
            "login", "422", "403", "422", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/preview/skipped",
        "/bulk/preview/skipped?line={line}&action=change_tariff&tariff=biz-max&skipped=not_a_line&format=csv&encoding=utf8",
        ["login", "ok", "403", "ok", "422", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/bulk",
        "/bulk?line={line}&action=change_tariff&tariff=biz-optimum&key=bm1",
        // The manager and staff send the key the admin confirmed with: someone else's,
        // refused once their rights let them through.
        [
            "login", "ok", "403", "422", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk",
        "/bulk?line={line_out}&action=change_tariff&tariff=biz-optimum&key=bm2",
        [
            "login", "ok", "403", "422", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/bulk/{id}",
        "/bulk/{op}",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/bulk/{id}/progress",
        "/bulk/{op}/progress",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/bulk/{id}/results",
        "/bulk/{op}/results?format=csv&encoding=utf8",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/{id}/cancel",
        "/bulk/{op}/cancel",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/bulk/{id}/retry",
        "/bulk/{op}/retry",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/{id}/retry",
        "/bulk/{op}/retry?key=r1",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/jobs/{id}",
        "/jobs/{job}",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "404",
        ],
    ),
    (
        "GET",
        "/roster/template",
        "/roster/template",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "ok"],
    ),
    (
        "GET",
        "/roster/current",
        "/roster/current?format=csv",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "ok"],
    ),
    (
        "GET",
        "/roster/{id}",
        "/roster/{upload}",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "404",
        ],
    ),
    (
        "GET",
        "/roster/{id}/errors",
        "/roster/{upload}/errors",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "404",
        ],
    ),
    (
        "POST",
        "/roster/{id}/commit",
        "/roster/{upload}/commit?fingerprint=stale",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "404",
        ],
    ),
    (
        "POST",
        "/roster/{id}/network",
        "/roster/{upload}/network",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "404",
        ],
    ),
    (
        "GET",
        "/roster/{id}/network",
        // Nothing started for the upload yet: not there, to whoever may import.
        "/roster/{upload}/network",
        [
            "login", "404", "403", "403", "404", "404", "403", "403", "404",
        ],
    ),
    (
        "GET",
        "/login/second",
        "/login/second",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/login/second",
        "/login/second",
        ["-", "-", "-", "-", "-", "-", "-", "-", "-"],
    ),
    (
        "GET",
        "/security",
        "/security",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/security/totp/start",
        "/security/totp/start",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "POST",
        "/security/totp/confirm",
        "/security/totp/confirm?code=000000",
        [
            "login", "422", "422", "422", "422", "422", "422", "422", "422",
        ],
    ),
    (
        "POST",
        "/security/totp/disable",
        "/security/totp/disable?code=000000",
        [
            "login", "422", "422", "422", "422", "422", "422", "422", "422",
        ],
    ),
    (
        "POST",
        "/security/totp/recovery",
        "/security/totp/recovery?code=000000",
        [
            "login", "422", "422", "422", "422", "422", "422", "422", "422",
        ],
    ),
    (
        "POST",
        "/security/password",
        "/security/password?current=wrong&password=short&confirm=short",
        [
            "login", "422", "422", "422", "422", "422", "422", "422", "422",
        ],
    ),
    (
        "POST",
        "/access/members/{id}/remove",
        "/access/members/{member}/remove",
        [
            "login", "ok", "403", "403", "404", "404", "403", "404", "403",
        ],
    ),
    (
        "GET",
        "/lang/{code}",
        "/lang/en",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "GET",
        "/overview",
        "/overview",
        ["login", "ok", "ok", "ok", "ok", "ok", "403", "ok", "ok"],
    ),
    (
        "GET",
        "/lines",
        "/lines",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403"],
    ),
    (
        "GET",
        "/lines/export",
        "/lines/export?format=csv",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}",
        "/lines/{line}",
        ["login", "ok", "ok", "ok", "404", "ok", "404", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}",
        "/lines/{line_out}",
        ["login", "ok", "ok", "404", "404", "ok", "ok", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}/change",
        "/lines/{line}/change?action=change_tariff&tariff=biz-max",
        ["login", "ok", "403", "ok", "404", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}/change",
        "/lines/{line_out}/change?action=change_tariff&tariff=biz-max",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/lines/{id}/change",
        "/lines/{line}/change?action=change_tariff&tariff=no-such&key=m1",
        [
            "login", "422", "403", "422", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/lines/{id}/change",
        "/lines/{line_out}/change?action=change_tariff&tariff=no-such&key=m2",
        [
            "login", "422", "403", "404", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/lines/{id}/change",
        "/lines/{line}/change?action=suspend&reason=x&key=m3",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/departments",
        "/departments",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/departments",
        "/departments?name=",
        [
            "login", "422", "403", "403", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/departments/new",
        "/departments/new",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/departments/{id}/edit",
        "/departments/{dept}/edit",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/departments/{id}",
        "/departments/{dept}?name=Матрица",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/departments/{id}/delete",
        "/departments/{dept_spare}/delete",
        [
            "login", "ok", "403", "403", "404", "404", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/employees",
        "/employees",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/employees",
        "/employees?full_name=",
        [
            "login", "422", "403", "403", "422", "422", "403", "403", "403",
        ],
    ),
    // Bad input: another company's ids in the body, over-long fields.
    (
        "POST",
        "/employees",
        "/employees?full_name=Новый&department_id={dept_b}",
        [
            "login", "422", "403", "403", "ok", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/access/grants",
        "/access/grants?number=+79035550100&full_name=Новый&rights=lines.view&departments={dept_b}",
        [
            "login", "422", "403", "403", "ok", "422", "403", "422", "403",
        ],
    ),
    (
        "GET",
        "/lines/{id}/change",
        "/lines/{line}/change?action=reassign&employee_id={emp_b}",
        [
            "login", "422", "403", "403", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/lines/{id}/change",
        "/lines/{line_out}/change?action=change_tariff&tariff=biz-max&key=kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
        [
            "login", "422", "403", "404", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/employees/new",
        "/employees/new",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/employees/options",
        "/employees/options?employee_q=а",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/employees/{id}",
        "/employees/{emp}",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/employees/{id}/assign",
        "/employees/{emp}/assign?number=79990000000",
        [
            "login", "422", "403", "403", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/employees/{id}/edit",
        "/employees/{emp}/edit",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/employees/{id}",
        "/employees/{emp}?full_name=Матрица Мария",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/employees/{id}/delete",
        "/employees/{emp_spare}/delete",
        [
            "login", "ok", "403", "403", "404", "404", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/audit",
        "/audit",
        ["login", "ok", "403", "ok", "ok", "ok", "403", "ok", "ok"],
    ),
    (
        "GET",
        "/health/live",
        "/health/live",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "GET",
        "/health/ready",
        "/health/ready",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    (
        "GET",
        "/static/{file}",
        "/static/app.css",
        ["ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"],
    ),
    // A member the user manager reaches (a manager over the warehouse alone), acted on before
    // any admin touches them: blocked, let back, removed by the user manager; the others are
    // refused first and change nothing.
    (
        "POST",
        "/access/members/{id}/block",
        "/access/members/{reachable}/block",
        ["login", "-", "403", "403", "404", "-", "403", "ok", "403"],
    ),
    (
        "POST",
        "/access/members/{id}/unblock",
        "/access/members/{reachable}/unblock",
        ["login", "-", "403", "403", "404", "-", "403", "ok", "403"],
    ),
    (
        "POST",
        "/access/members/{id}/remove",
        "/access/members/{reachable}/remove",
        ["login", "-", "403", "403", "404", "-", "403", "ok", "403"],
    ),
];

/// The API, under /api/v1: (method, route, request, body, expectations).
type ApiRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    [&'static str; 9],
);

const API: &[ApiRow] = &[
    (
        "GET",
        "/lines",
        "/lines",
        "",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}",
        "/lines/{line}",
        "",
        ["login", "ok", "ok", "ok", "404", "ok", "404", "403", "403"],
    ),
    (
        "GET",
        "/lines/{id}",
        "/lines/{line_out}",
        "",
        ["login", "ok", "ok", "404", "404", "ok", "ok", "403", "403"],
    ),
    (
        "POST",
        "/lines/{id}/preview",
        "/lines/{line}/preview",
        r#"{"action":"change_tariff","tariff":"no-such"}"#,
        ["login", "ok", "403", "ok", "404", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/lines/{id}/changes",
        "/lines/{line}/changes",
        r#"{"action":"reassign","employee_id":{emp_b},"department_id":null,"cost_centre":null}"#,
        [
            "login", "422", "403", "403", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/lines/{id}/changes",
        "/lines/{line}/changes",
        r#"{"action":"change_tariff","tariff":"no-such"}"#,
        ["login", "ok", "403", "ok", "404", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/lines/{id}/changes",
        "/lines/{line_out}/changes",
        r#"{"action":"change_tariff","tariff":"no-such"}"#,
        [
            "login", "422", "403", "404", "404", "422", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/departments",
        "/departments",
        "",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/departments",
        "/departments",
        r#"{"name":"","parent_id":null}"#,
        [
            "login", "422", "403", "403", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "PUT",
        "/departments/{id}",
        "/departments/{dept}",
        r#"{"name":"Матрица API","parent_id":null}"#,
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "DELETE",
        "/departments/{id}",
        "/departments/{dept_spare2}",
        "",
        [
            "login", "ok", "403", "403", "404", "404", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/employees",
        "/employees",
        "",
        ["login", "ok", "403", "403", "ok", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/employees/{id}",
        "/employees/{emp}",
        "",
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/employees",
        "/employees",
        r#"{"full_name":"","department_id":null}"#,
        [
            "login", "422", "403", "403", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "PUT",
        "/employees/{id}",
        "/employees/{emp}",
        r#"{"full_name":"Матрица Мария","department_id":null}"#,
        [
            "login", "ok", "403", "403", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "DELETE",
        "/employees/{id}",
        "/employees/{emp_spare2}",
        "",
        [
            "login", "ok", "403", "403", "404", "404", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/catalogue/tariffs",
        "/catalogue/tariffs",
        "",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403"],
    ),
    (
        "GET",
        "/catalogue/services",
        "/catalogue/services",
        "",
        ["login", "ok", "ok", "ok", "ok", "ok", "ok", "403", "403"],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview",
        r#"{"numbers":["+79161110001"],"change":{"action":"change_tariff","tariff":"biz-max"}}"#,
        ["login", "ok", "403", "ok", "422", "ok", "403", "403", "403"],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview",
        r#"{"numbers":["+79161110002"],"change":{"action":"change_tariff","tariff":"biz-max"}}"#,
        [
            "login", "ok", "403", "422", "422", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/preview",
        "/bulk/preview",
        r#"{"filter":{},"change":{"action":"enable_service","service":"no-such"}}"#,
        [
            "login", "422", "403", "403", "422", "422", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk",
        "/bulk",
        r#"{"numbers":["+79161110001"],"change":{"action":"change_tariff","tariff":"biz-unlim"}}"#,
        ["login", "ok", "403", "ok", "422", "ok", "403", "403", "403"],
    ),
    (
        "GET",
        "/bulk/{id}",
        "/bulk/{op}",
        "",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "GET",
        "/bulk/{id}/lines",
        "/bulk/{op}/lines?outcome=changed",
        "",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/{id}/cancel",
        "/bulk/{op}/cancel",
        "",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
    (
        "POST",
        "/bulk/{id}/retry",
        "/bulk/{op}/retry",
        "",
        [
            "login", "ok", "403", "404", "404", "ok", "403", "403", "403",
        ],
    ),
];

#[test]
fn every_route_the_app_registers_is_in_the_matrix() {
    for (method, path) in simfleet::web::ROUTES {
        assert!(
            PAGES.iter().any(|(m, p, _, _)| m == method && p == path),
            "{method} {path} is missing from the access matrix"
        );
    }
    let doc = simfleet::web::api::openapi();
    for (path, item) in &doc.paths.paths {
        let route = path.trim_start_matches("/api/v1");
        let methods = [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("DELETE", item.delete.is_some()),
        ];
        for (method, present) in methods {
            if present {
                assert!(
                    API.iter()
                        .any(|(m, p, _, _, _)| *m == method && *p == route),
                    "API {method} {route} is missing from the access matrix"
                );
            }
        }
    }
}

async fn scalar(app: &TestApp, sql: &str, bind: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn department(app: &TestApp, company: i64, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO departments (company_id, name, cost_centre, created_at) VALUES ($1, $2, '', 0) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .expect("department")
}

async fn employee(app: &TestApp, company: i64, name: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO employees (company_id, full_name, name_key, created_at) VALUES ($1, $2, $2, 0) RETURNING id",
    )
    .bind(company)
    .bind(name)
    .fetch_one(&app.db.pool)
    .await
    .expect("employee")
}

/// The two companies, the people and the objects each cell is tried on.
async fn world(app: &TestApp) -> (HashMap<&'static str, String>, Vec<TestApp>) {
    let a = app.seed_company().await;
    let b = app.seed("+79995550000", "7728419375", "АО «Вектор»").await;
    app.add_lines(a, &["+79161110001", "+79161110002"]).await;
    app.add_lines(b, &["+79265550001"]).await;
    let granted = department(app, a, "Склад").await;
    let other = department(app, a, "Продажи").await;
    sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = '+79161110001'")
        .bind(granted)
        .execute(&app.db.pool)
        .await
        .expect("place");
    sqlx::query("UPDATE lines SET department_id = $1 WHERE msisdn = '+79161110002'")
        .bind(other)
        .execute(&app.db.pool)
        .await
        .expect("place");
    let mut ids: HashMap<&'static str, String> = HashMap::new();
    ids.insert("company", a.to_string());
    ids.insert(
        "line",
        scalar(
            app,
            "SELECT id FROM lines WHERE msisdn = '+79161110001' AND company_id = $1",
            a,
        )
        .await
        .to_string(),
    );
    ids.insert(
        "line_out",
        scalar(
            app,
            "SELECT id FROM lines WHERE msisdn = '+79161110002' AND company_id = $1",
            a,
        )
        .await
        .to_string(),
    );
    ids.insert("dept", granted.to_string());
    ids.insert("op", seed_operation(app, a, &ids["line"]).await.to_string());
    ids.insert(
        "dept_spare",
        department(app, a, "Запасной").await.to_string(),
    );
    ids.insert(
        "dept_spare2",
        department(app, a, "Запасной 2").await.to_string(),
    );
    ids.insert("emp", employee(app, a, "Иванов Иван").await.to_string());
    // The other company's department and employee, for bodies that name them.
    ids.insert(
        "dept_b",
        department(app, b, "Чужой отдел").await.to_string(),
    );
    ids.insert(
        "emp_b",
        employee(app, b, "Чужой Сотрудник").await.to_string(),
    );
    ids.insert(
        "emp_spare",
        employee(app, a, "Запасов Пётр").await.to_string(),
    );
    ids.insert(
        "emp_spare2",
        employee(app, a, "Запасов Павел").await.to_string(),
    );

    // The admin grants: a manager (view and tariffs over the warehouse), an accountant, and
    // a spare person, grant and token for the routes that remove them.
    app.login(ADMIN, PASSWORD).await;
    let dept = granted.to_string();
    for (number, name, rights) in [
        (
            "+79035551122",
            "Менеджер",
            vec!["lines.view", "lines.tariff", "bulk.run"],
        ),
        ("+79035553344", "Бухгалтер", vec!["finance.view"]),
        // Delegated user management and import, each over the warehouse alone.
        ("+79035557788", "Кадровик", vec!["users.manage"]),
        ("+79035559900", "Импортёр", vec!["roster.import"]),
        // Within the user manager's reach.
        ("+79035554455", "Наблюдатель", vec!["lines.view"]),
        ("+79035556677", "Запасной", vec!["finance.view"]),
    ] {
        let mut form = vec![
            ("number", number),
            ("full_name", name),
            ("departments", dept.as_str()),
        ];
        form.extend(rights.iter().map(|r| ("rights", *r)));
        let r = app.submit("/access", "/access/grants", &form).await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let accountant = scalar(
        app,
        "SELECT id FROM users WHERE msisdn = '+79035553344' AND id > $1",
        0,
    )
    .await;
    let r = app
        .submit(
            "/access",
            &format!("/access/members/{accountant}/role"),
            &[("role", "accountant")],
        )
        .await;
    assert_eq!(r.status, 303);
    ids.insert(
        "member",
        scalar(
            app,
            "SELECT id FROM users WHERE msisdn = '+79035556677' AND id > $1",
            0,
        )
        .await
        .to_string(),
    );
    ids.insert(
        "reachable",
        scalar(
            app,
            "SELECT id FROM users WHERE msisdn = '+79035554455' AND id > $1",
            0,
        )
        .await
        .to_string(),
    );
    ids.insert(
        "grant",
        scalar(
            app,
            "SELECT MAX(g.id) FROM grants g WHERE g.company_id = $1",
            a,
        )
        .await
        .to_string(),
    );
    let page = app
        .submit(
            "/access",
            "/access/tokens",
            &[("name", "Запасной"), ("role", "accountant")],
        )
        .await;
    assert_eq!(page.status, 200);
    ids.insert(
        "token",
        scalar(
            app,
            "SELECT MAX(id) FROM api_tokens WHERE company_id = $1",
            a,
        )
        .await
        .to_string(),
    );

    let list = upload(app, "/bulk/list", Some(app.csrf("/bulk/new").await)).await;
    assert_eq!(list.status, 303, "{}", list.body);
    ids.insert(
        "list",
        list.location
            .expect("location")
            .trim_start_matches("/bulk/new?list=")
            .to_owned(),
    );
    let uploaded = upload(app, "/roster", Some(app.csrf("/roster").await)).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    ids.insert(
        "upload",
        uploaded
            .location
            .expect("location")
            .trim_start_matches("/roster/")
            .to_owned(),
    );

    ids.insert(
        "job",
        scalar(
            app,
            "INSERT INTO jobs (company_id, kind, status, created_at) VALUES ($1, 'roster.commit', 'done', 0) RETURNING id",
            a,
        )
        .await
        .to_string(),
    );

    let anonymous = app.another_instance().await;
    let accountant = app.another_instance().await;
    assert_eq!(accountant.login_by_code("+79035553344").await.status, 303);
    let manager = app.another_instance().await;
    assert_eq!(manager.login_by_code("+79035551122").await.status, 303);
    let other = app.another_instance().await;
    assert_eq!(other.login("+79995550000", PASSWORD).await.status, 303);
    // Operator staff, in this company's cabinet.
    simfleet::services::companies::add_staff(
        &app.db,
        &simfleet::authz::OperatorPermit::cli(),
        "+79000000777",
        "Оператор",
        Some(PASSWORD.into()),
    )
    .await
    .expect("staff");
    let staff = app.another_instance().await;
    assert_eq!(staff.login("+79000000777", PASSWORD).await.status, 303);
    let company = a.to_string();
    let chosen = staff
        .submit("/choose", "/choose", &[("company_id", &company)])
        .await;
    assert_eq!(chosen.status, 303);
    // An employee whose own line is the one outside the manager's grant.
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (msisdn, full_name, created_at) VALUES ('+79161110002', 'Сотрудник', 0) RETURNING id",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("employee user");
    sqlx::query("INSERT INTO memberships (user_id, company_id, role, created_at) VALUES ($1, $2, 'employee', 0)")
        .bind(user)
        .bind(a)
        .execute(&app.db.pool)
        .await
        .expect("membership");
    let employee = app.another_instance().await;
    assert_eq!(employee.login_by_code("+79161110002").await.status, 303);
    let user_manager = app.another_instance().await;
    assert_eq!(user_manager.login_by_code("+79035557788").await.status, 303);
    let importer = app.another_instance().await;
    assert_eq!(importer.login_by_code("+79035559900").await.status, 303);
    (
        ids,
        vec![
            anonymous,
            accountant,
            manager,
            other,
            staff,
            employee,
            user_manager,
            importer,
        ],
    )
}

/// A bulk operation the operator's tools started on the granted line (no one's own).
async fn seed_operation(app: &TestApp, company: i64, line: &str) -> i64 {
    use simfleet::services::bulk::change::BulkChange;
    use simfleet::services::bulk::operation::{Chosen, Confirm, confirm};
    let permit = app.permit(company);
    let line: i64 = line.parse().expect("a line id");
    confirm(
        &app.db,
        &Confirm {
            requester: &simfleet::authz::Requester::operator(&permit),
            permit: &permit,
            chosen_under: &permit,
            change: &BulkChange::SetLimit {
                amount: "100".into(),
                on_limit: None,
            },
            lines: &[(line, None)],
            chosen: &Chosen::Lines { count: 1 },
            key: "seed",
            retry_of: None,
        },
    )
    .await
    .expect("an operation")
    .operation_id
}

fn fill(template: &str, ids: &HashMap<&'static str, String>) -> String {
    let mut out = template.to_owned();
    for (k, v) in ids {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

fn outcome(status: u16, location: Option<&str>, body: &str) -> &'static str {
    match status {
        303 if location == Some("/login") => "login",
        401 => "login",
        403 if body.contains("Нет доступа") || body.contains("\"forbidden\"") => "403",
        403 => panic!("a 403 that is not a refusal of rights (a stale form?): {body}"),
        // The request never reached the handler (a form or JSON it could not read).
        400 => panic!("a request the matrix made badly: {body}"),
        404 => "404",
        // Refused input: told apart from an accepted one, so a foreign id taken is seen.
        422 => "422",
        // A failure is never an answer about rights.
        500..=599 => "500",
        _ => "ok",
    }
}

/// Splits `/path?a=1&b=2` into the path and form fields.
fn split(request: &str) -> (&str, Vec<(String, String)>) {
    match request.split_once('?') {
        None => (request, Vec::new()),
        Some((path, query)) => (
            path,
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        ),
    }
}

/// A file upload (the multipart forms: a roster, a list of numbers), with the session's token.
async fn upload(app: &TestApp, path: &str, csrf: Option<String>) -> crate::helpers::Response {
    let file: &[u8] = match path {
        "/roster" => b"\xD0\xA4\xD0\x98\xD0\x9E;Phone\n",
        _ => b"+79161110001\n",
    };
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file.to_vec()).file_name("r.csv"),
    );
    if let Some(csrf) = csrf {
        form = form.text("csrf", csrf);
    }
    let r = app
        .client
        .post(app.url(path))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    crate::helpers::read(r).await
}

async fn page_cell(app: &TestApp, method: &str, request: &str) -> &'static str {
    let r = if method == "GET" {
        app.get(request).await
    } else if request == "/roster" || request == "/bulk/list" {
        let token = crate::helpers::csrf_in(&app.get("/sessions").await.body);
        upload(app, request, token).await
    } else {
        let (path, fields) = split(request);
        // A signed-in visitor sends their session's token, as the page's forms do.
        let token = crate::helpers::csrf_in(&app.get("/sessions").await.body).unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        app.post(path, &form).await
    };
    outcome(r.status, r.location.as_deref(), &r.body)
}

async fn api_cell(app: &TestApp, method: &str, request: &str, body: &str) -> &'static str {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app
        .client
        .request(method, app.url(&format!("/api/v1{request}")))
        .header("idempotency-key", format!("matrix-{request}"));
    if !body.is_empty() {
        let json: Value = serde_json::from_str(body).expect("json");
        req = req.json(&json);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    outcome(status, None, &text)
}

async fn every_route_for_every_visitor(b: Backend) {
    let admin = spawn_app(b).await;
    let (ids, others) = world(&admin).await;
    let visitors: Vec<&TestApp> = vec![
        &others[0], &admin, &others[1], &others[2], &others[3], &others[4], &others[5], &others[6],
        &others[7],
    ];
    assert_eq!(visitors.len(), ACTORS.len(), "a visitor for every column");
    assert_eq!(untested_here(), TESTED_ELSEWHERE.map(|(route, _)| route));
    for (route, test) in TESTED_ELSEWHERE {
        let (module, name) = test.split_once("::").expect("module::test");
        let source = std::fs::read_to_string(format!("tests/it/{module}.rs")).expect("module");
        assert!(
            source.contains(&format!("async fn {name}(")),
            "{route}: no test {test}"
        );
    }
    let mut wrong = Vec::new();
    for (row, (method, route, request, expected)) in PAGES.iter().enumerate() {
        let request = fill(request, &ids);
        for (i, visitor) in visitors.iter().enumerate() {
            if expected[i] == "-" {
                continue;
            }
            let got = page_cell(visitor, method, &request).await;
            if got != expected[i] {
                wrong.push(format!(
                    "page row {row}: {method} {route} ({request}) as {}: expected {}, got {got}",
                    ACTORS[i], expected[i]
                ));
            }
        }
    }
    for (row, (method, route, request, body, expected)) in API.iter().enumerate() {
        let (request, body) = (fill(request, &ids), fill(body, &ids));
        for (i, visitor) in visitors.iter().enumerate() {
            let got = api_cell(visitor, method, &request, &body).await;
            if got != expected[i] {
                wrong.push(format!(
                    "API row {row}: {method} {route} ({request}) as {}: expected {}, got {got}",
                    ACTORS[i], expected[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

on_both!(every_route_for_every_visitor);

/// A snapshot of what a request could change (sessions aside: reading a page may note the
/// session's last activity).
async fn state_of(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM grants WHERE revoked_at IS NULL",
        "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL",
        "SELECT COUNT(*) FROM memberships",
        "SELECT COUNT(*) FROM departments",
        "SELECT COUNT(*) FROM employees",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM lines",
        "SELECT COUNT(*) FROM sms_outbox",
        "SELECT COUNT(*) FROM totp_secrets",
        "SELECT COUNT(*) FROM roster_uploads WHERE applied_at IS NOT NULL",
        "SELECT COUNT(*) FROM memberships WHERE blocked_at IS NOT NULL",
        "SELECT CAST(COALESCE(SUM(admins_need_totp), 0) AS BIGINT) FROM companies",
    ] {
        out.push(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&app.db.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        );
    }
    out
}

async fn forms_refuse_a_missing_token_and_pages_change_nothing(b: Backend) {
    let admin = spawn_app(b).await;
    let (ids, _) = world(&admin).await;
    let before = state_of(&admin).await;
    for (method, route, request, _) in PAGES {
        if *method != "GET" || route.starts_with("/lang") {
            continue;
        }
        let r = admin.get(&fill(request, &ids)).await;
        assert!(r.status < 500, "GET {route}: {}", r.status);
    }
    assert_eq!(state_of(&admin).await, before, "a GET changed something");

    for (method, route, request, _) in PAGES {
        if *method != "POST" {
            continue;
        }
        let request = fill(request, &ids);
        let (path, fields) = split(&request);
        let form: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = admin.post(path, &form).await;
        assert_eq!(r.status, 403, "POST {route} without its token: {}", r.body);
        assert!(
            r.body.contains("Форма устарела"),
            "POST {route}: refused as a stale form"
        );
    }
    assert_eq!(
        state_of(&admin).await,
        before,
        "a form without its token changed something"
    );
    assert_eq!(admin.get("/overview").await.status, 200, "still signed in");
}

on_both!(forms_refuse_a_missing_token_and_pages_change_nothing);
