//! «Доступ»: the company's members and roles, and delegated rights (grants) — who may do
//! what, over which departments and lines, until when.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object, Right};
use crate::error::{AppError, redirect};
use crate::services::access::{self, GrantInput, Held, InviteInput, ROLES, Revocable, TokenInput};
use crate::services::departments::tree;
use crate::services::second_factor;
use crate::store::api_tokens::TokenRow;
use crate::store::departments::Department;
use crate::store::grants::{self, GrantRow, Member};
use crate::store::second_factor as factor_store;

use super::flash::{self, Done};
use super::page::Page;
use super::session::Cabinet;
use super::{AppState, FormErrors, form_errors, render_status};

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    page: Page,
    members: Vec<Member>,
    grants: Vec<GrantRow>,
    departments: Vec<(usize, Department)>,
    rights: Vec<&'static str>,
    roles: Vec<&'static str>,
    input: GrantInput,
    errors: FormErrors,
    tokens: Vec<TokenRow>,
    token_input: TokenInput,
    token_errors: FormErrors,
    /// A token just issued: its name and secret, shown this once.
    issued: Option<(String, String)>,
    now: i64,
    me: i64,
    /// The company requires a second factor of its admins; admins still without one.
    admins_need_totp: bool,
    admins_without: Vec<String>,
    /// An admin's page (roles, the second-factor rule), not a delegated manager's.
    whole_company: bool,
    invite_input: InviteInput,
    invite_errors: FormErrors,
    invite_roles: [&'static str; 2],
}

/// What the page shows besides the lists: a form sent back with errors, or a new token.
#[derive(Default)]
struct Outcome {
    input: GrantInput,
    errors: FormErrors,
    invite_input: InviteInput,
    invite_errors: FormErrors,
    token_input: TokenInput,
    token_errors: FormErrors,
    issued: Option<(String, String)>,
}

impl AccessPage {
    /// The company's one admin not blocked: it cannot be blocked or removed (the service
    /// refuses it too), so the page does not offer it.
    fn last_admin(&self, m: &Member) -> bool {
        let admins = self
            .members
            .iter()
            .filter(|x| x.role == "admin" && x.blocked_at.is_none())
            .count();
        m.role == "admin" && m.blocked_at.is_none() && admins <= 1
    }

    /// The token form's rights, departments and lines matter only for a token by rights.
    fn token_by_rights(&self) -> bool {
        !self.whole_company || self.token_input.role == "rights"
    }

    fn checked_right(&self, code: &str) -> bool {
        self.input.rights.iter().any(|r| r == code)
    }

    fn token_right(&self, code: &str) -> bool {
        self.token_input.rights.iter().any(|r| r == code)
    }

    fn token_department(&self, id: &i64) -> bool {
        self.token_input.departments.contains(id)
    }

    fn when(&self, at: &Option<i64>) -> String {
        at.map_or_else(|| "—".to_owned(), |e| self.page.datetime(e))
    }

    fn checked_department(&self, id: &i64) -> bool {
        self.input.departments.contains(id)
    }

    /// Errors that belong to no field of the grant form (member changes).
    fn general_errors(&self) -> Vec<&str> {
        self.errors.general(&[
            "number",
            "full_name",
            "rights",
            "departments",
            "lines",
            "until",
        ])
    }

    /// A grant's or token's state by its revocation and its date.
    fn state(&self, revoked_at: &Option<i64>, expires_at: &Option<i64>) -> &'static str {
        match (revoked_at, expires_at) {
            (Some(_), _) => "revoked",
            (None, Some(e)) if *e <= self.now => "expired",
            _ => "active",
        }
    }
}

async fn show(
    state: &AppState,
    cab: &Cabinet,
    path: String,
    outcome: Outcome,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(state, Object::Users, Action::Write).await?;
    let now = state.clock.now_ms();
    let listed = access::listed(&state.db, &permit, now).await.map_err(|e| {
        form_errors(e, cab.lang())
            .err()
            .unwrap_or(AppError::NotFound)
    })?;
    let reference = cab.reference(state).await?;
    let Outcome {
        input,
        errors,
        invite_input,
        invite_errors,
        token_input,
        token_errors,
        issued,
    } = outcome;
    let status = if errors.any() || token_errors.any() || invite_errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let view = AccessPage {
        page: Page::new(state, cab, path, "/access", "access.title").await,
        members: listed.members,
        grants: listed.grants,
        departments: tree(&reference.departments)
            .into_iter()
            .map(|(d, x)| (d, x.clone()))
            .collect(),
        rights: Right::ALL.iter().map(|r| r.code()).collect(),
        roles: ROLES.to_vec(),
        input,
        errors,
        tokens: listed.tokens,
        token_input,
        token_errors,
        issued,
        now,
        me: cab.session.user_id,
        whole_company: permit.is_whole_company(),
        admins_need_totp: factor_store::company_rule(&state.db, &permit).await?,
        admins_without: factor_store::admins_without(&state.db, &permit).await?,
        invite_input,
        invite_errors,
        invite_roles: access::INVITED_ROLES,
    };
    render_status(status, &view)
}

pub async fn page(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    show(&state, &cab, req.uri().to_string(), Outcome::default()).await
}

/// The grant form: checkboxes repeat their name, which `serde_html_form` reads into lists.
#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    rights: Vec<String>,
    #[serde(default)]
    departments: Vec<i64>,
    #[serde(default)]
    lines: String,
    #[serde(default)]
    until: String,
}

impl GrantForm {
    fn input(self) -> GrantInput {
        GrantInput {
            number: self.number,
            full_name: self.full_name,
            rights: self.rights,
            departments: self.departments,
            lines: self.lines,
            until: self.until,
        }
    }
}

/// The rights the signed-in person holds, each with what it covers.
async fn held(state: &AppState, cab: &Cabinet) -> Result<Held, AppError> {
    let mut held = Vec::new();
    for right in Right::ALL {
        let (object, action) = right.check();
        if let Ok(permit) = cab.permit(state, object, action).await {
            held.push((right, permit));
        }
    }
    Ok(held)
}

pub async fn create_grant(
    cab: Cabinet,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: GrantForm = super::html_form(&body)?;
    cab.verify_csrf(&form.csrf)?;
    let input = form.input();
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let held = held(&state, &cab).await?;
    let result = access::grant(
        &state.db,
        &*state.sms,
        &state.settings.public_url(),
        &permit,
        &held,
        &input,
        state.clock.now_ms(),
    )
    .await;
    match result {
        Ok(_) => {
            let who = if input.full_name.trim().is_empty() {
                &input.number
            } else {
                &input.full_name
            };
            flash::say(&state, &cab, Done::GrantGiven, Some(who)).await?;
            Ok(redirect("/access"))
        }
        Err(e) => {
            let errors = form_errors(e, cab.lang())?;
            let outcome = Outcome {
                input,
                errors,
                ..Outcome::default()
            };
            show(&state, &cab, "/access".into(), outcome).await
        }
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    input: InviteInput,
}

/// An admin invites an accountant or another admin straight into the role.
pub async fn invite(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let form = form.into_inner();
    let result = access::invite(
        &state.db,
        &*state.sms,
        &state.settings.public_url(),
        &permit,
        &form.input,
        state.clock.now_ms(),
    )
    .await;
    match result {
        Ok(_) => {
            flash::say(
                &state,
                &cab,
                Done::MemberInvited,
                Some(&form.input.full_name),
            )
            .await?;
            Ok(redirect("/access"))
        }
        Err(e) => {
            let invite_errors = form_errors(e, cab.lang())?;
            let outcome = Outcome {
                invite_input: form.input,
                invite_errors,
                ..Outcome::default()
            };
            show(&state, &cab, "/access".into(), outcome).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Revokes a grant or a token of the company.
async fn revoke_one(
    cab: Cabinet,
    state: web::Data<AppState>,
    what: Revocable,
    id: i64,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let now = state.clock.now_ms();
    access::revoke(&state.db, &permit, what, id, now)
        .await
        .map_err(|e| {
            form_errors(e, cab.lang())
                .err()
                .unwrap_or(AppError::NotFound)
        })?;
    let done = match what {
        Revocable::Grant => Done::GrantRevoked,
        Revocable::Token => Done::TokenRevoked,
    };
    flash::say(&state, &cab, done, None).await?;
    Ok(redirect("/access"))
}

pub async fn revoke(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    revoke_one(cab, state, Revocable::Grant, *id, form).await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

/// A refused member change comes back as the page with the reason at the top.
async fn member_change(
    state: &AppState,
    cab: &Cabinet,
    result: Result<(), crate::services::UseCaseError>,
    done: Done,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => {
            flash::say(state, cab, done, None).await?;
            Ok(redirect("/access"))
        }
        Err(e) => {
            let errors = form_errors(e, cab.lang())?;
            let outcome = Outcome {
                errors,
                ..Outcome::default()
            };
            show(state, cab, "/access".into(), outcome).await
        }
    }
}

pub async fn set_role(
    cab: Cabinet,
    state: web::Data<AppState>,
    user_id: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let result = access::set_role(&state.db, &permit, *user_id, &form.role).await;
    member_change(&state, &cab, result, Done::RoleSet).await
}

pub async fn remove(
    cab: Cabinet,
    state: web::Data<AppState>,
    user_id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let result = access::remove_member(&state.db, &permit, *user_id, state.clock.now_ms()).await;
    member_change(&state, &cab, result, Done::MemberRemoved).await
}

pub async fn block(
    cab: Cabinet,
    state: web::Data<AppState>,
    user_id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    set_blocked(cab, state, *user_id, &form.csrf, true).await
}

pub async fn unblock(
    cab: Cabinet,
    state: web::Data<AppState>,
    user_id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    set_blocked(cab, state, *user_id, &form.csrf, false).await
}

async fn set_blocked(
    cab: Cabinet,
    state: web::Data<AppState>,
    user_id: i64,
    csrf: &str,
    block: bool,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let now = state.clock.now_ms();
    let result = access::set_blocked(&state.db, &permit, user_id, block, now).await;
    let done = if block {
        Done::MemberBlocked
    } else {
        Done::MemberUnblocked
    };
    member_change(&state, &cab, result, done).await
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: Option<String>,
}

/// Whether the company's admins must sign in with a second factor.
pub async fn second_factor_rule(
    cab: Cabinet,
    state: web::Data<AppState>,
    form: web::Form<RuleForm>,
) -> Result<HttpResponse, AppError> {
    cab.verify_csrf(&form.csrf)?;
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    second_factor::set_company_rule(&state.db, &permit, form.on.is_some())
        .await
        .map_err(|e| {
            form_errors(e, cab.lang())
                .err()
                .unwrap_or(AppError::NotFound)
        })?;
    Ok(redirect("/access"))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    rights: Vec<String>,
    #[serde(default)]
    departments: Vec<i64>,
    #[serde(default)]
    lines: String,
    #[serde(default)]
    until: String,
}

/// Issues a token; the page shows its secret this once (never in a URL, never stored).
pub async fn create_token(
    cab: Cabinet,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: TokenForm = super::html_form(&body)?;
    cab.verify_csrf(&form.csrf)?;
    let input = TokenInput {
        name: form.name,
        role: form.role,
        rights: form.rights,
        departments: form.departments,
        lines: form.lines,
        until: form.until,
    };
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let held = held(&state, &cab).await?;
    let result =
        access::create_token(&state.db, &permit, &held, &input, state.clock.now_ms()).await;
    let outcome = match result {
        Ok(issued) => Outcome {
            issued: Some((input.name.trim().to_owned(), issued.secret)),
            ..Outcome::default()
        },
        Err(e) => Outcome {
            token_errors: form_errors(e, cab.lang())?,
            token_input: input,
            ..Outcome::default()
        },
    };
    show(&state, &cab, "/access".into(), outcome).await
}

pub async fn revoke_token(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    revoke_one(cab, state, Revocable::Token, *id, form).await
}

/// One person's row of the rights matrix: per right, where they may use it.
struct MatrixRow {
    name: String,
    msisdn: String,
    role: String,
    /// Per right (in `Right::ALL` order): None — no; Some(empty) — the whole company;
    /// Some(list) — only these departments and lines.
    cells: Vec<Option<Vec<String>>>,
}

#[derive(Template)]
#[template(path = "access_matrix.html")]
struct MatrixPage {
    page: Page,
    rights: Vec<&'static str>,
    rows: Vec<MatrixRow>,
}

/// «Кто что может»: every member of the company against every right, as casbin decides it
/// and as far as their grants reach.
pub async fn matrix(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Users, Action::Write).await?;
    let company_id = permit.company_id();
    let reference = cab.reference(&state).await?;
    let department_name = |id: i64| {
        reference
            .departments
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| id.to_string(), |d| d.name.clone())
    };
    let now = state.clock.now_ms();
    let mut rows = Vec::new();
    let mut conn = cab.connection(&state).await?;
    for m in access::listed(&state.db, &permit, now)
        .await
        .map_err(|e| {
            form_errors(e, cab.lang())
                .err()
                .unwrap_or(AppError::NotFound)
        })?
        .members
    {
        let principal = crate::authz::Principal {
            holder: crate::authz::Holder::User(m.user_id),
            company_id,
            role: m.role.clone(),
            actor: permit.actor().clone(),
        };
        let mut cells = Vec::new();
        for right in Right::ALL {
            let (object, action) = right.check();
            if !state.authz.allows(&principal, object, action).await {
                cells.push(None);
            } else if principal.is_limited() && right.is_on_lines() {
                let (departments, lines) =
                    grants::covered_in(&mut conn, &permit, now, principal.holder, right.code())
                        .await?;
                let mut places: Vec<String> =
                    departments.into_iter().map(department_name).collect();
                if !lines.is_empty() {
                    places.push(format!("{} №", lines.len()));
                }
                cells.push(Some(places));
            } else {
                cells.push(Some(Vec::new()));
            }
        }
        rows.push(MatrixRow {
            name: m.full_name,
            msisdn: m.msisdn,
            role: m.role,
            cells,
        });
    }
    render_status(
        StatusCode::OK,
        &MatrixPage {
            page: Page::new(
                &state,
                &cab,
                req.uri().to_string(),
                "/access",
                "matrix.title",
            )
            .await,
            rights: Right::ALL.iter().map(|r| r.code()).collect(),
            rows,
        },
    )
}
