//! The line card: what the line is, what it costs, its history, and the forms that change it.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::authz::{Action, Object, Permit};
use crate::domain::BlockReason;
use crate::error::AppError;
use crate::services::departments::tree;
use crate::store::audit::Entry;

use super::i18n::audit::Said;
use crate::store::catalogue::{self, Offer, Tariff};
use crate::store::departments::Department;
use crate::store::line_changes;
use crate::store::lines::{self, EnabledService, LineCard};
use crate::store::reference::Reference;

use super::page::Page;
use super::session::Cabinet;
use super::{AppState, render};

/// Which of the card's forms the person may use on this line.
struct CardRights {
    services: bool,
    tariff: bool,
    status: bool,
    limits: bool,
    assign: bool,
    block: bool,
}

#[derive(Template)]
#[template(path = "lines/card.html")]
struct CardPage {
    page: Page,
    line: LineCard,
    tariff: Tariff,
    services: Vec<EnabledService>,
    history: Vec<Said>,
    sims: Vec<(String, i64, String)>,
    other_tariffs: Vec<Tariff>,
    offers: Vec<Offer>,
    departments: Vec<(usize, Department)>,
    /// The line's current employee, first in the picker.
    current_employee: Option<(i64, String)>,
    can: CardRights,
    notice: Option<String>,
    block_reasons: Vec<&'static str>,
    /// Who blocked a blocked line, and when (from its history).
    blocked_by: Option<(String, String)>,
    /// A change from one of the card's forms that did not pass.
    fix: Option<Fix>,
}

/// A change sent from the card that did not pass, to show on it again.
#[derive(Debug, Clone)]
pub struct Fix {
    pub action: String,
    /// The field at fault, when one is.
    pub field: Option<&'static str>,
    pub message: String,
    /// What was sent, by field.
    pub input: Vec<(&'static str, String)>,
}

impl CardPage {
    /// What a blocked line's panel says to do, by why it is blocked.
    fn blocked_hint(&self) -> &'static str {
        match BlockReason::parse(&self.line.status_reason) {
            Ok(r) => self.page.t(&format!("blocked.{}", r.as_str())),
            Err(_) => self.page.t("blocked.other"),
        }
    }

    fn gb(&self) -> String {
        let mb = self.tariff.data_mb;
        if mb % 1024 == 0 {
            (mb / 1024).to_string()
        } else {
            format!("{:.1}", mb as f64 / 1024.0)
        }
    }

    fn service_name<'a>(&self, s: &'a EnabledService) -> &'a str {
        self.page.name(&s.name_ru, &s.name_en)
    }

    fn offer_name<'a>(&self, s: &'a Offer) -> &'a str {
        self.page.name(&s.name_ru, &s.name_en)
    }

    /// Whether the change of this form is the one that did not pass.
    fn failed(&self, action: &str) -> bool {
        self.fix.as_ref().is_some_and(|f| f.action == action)
    }

    /// Whether this field of this form is the one at fault.
    fn marked(&self, action: &str, field: &str) -> bool {
        self.fix
            .as_ref()
            .is_some_and(|f| f.action == action && f.field == Some(field))
    }

    /// What was typed into this field of this form, when it came back.
    fn kept(&self, action: &str, field: &str) -> Option<&str> {
        let fix = self.fix.as_ref().filter(|f| f.action == action)?;
        fix.input
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, v)| v.as_str())
    }

    /// The limit field's value: what was typed, else the limit as people write it.
    fn limit_value(&self) -> String {
        match self.kept("set_limit", "amount") {
            Some(v) => v.to_owned(),
            None => self
                .line
                .spend_limit_kop
                .map(|k| super::format::amount(self.page.lang, k))
                .unwrap_or_default(),
        }
    }

    fn is(&self, status: &str) -> bool {
        self.line.status == status
    }

    fn lost(&self) -> bool {
        self.line.status == "blocked" && self.line.status_reason == BlockReason::Lost.as_str()
    }

    /// The line's cost centre (its own or its department's), if there is one.
    fn cost_centre(&self) -> Option<&str> {
        self.line.cost_centre.as_deref().filter(|c| !c.is_empty())
    }

    /// Whether the status panel has anything to offer this person for this line (an operator's
    /// block, say, leaves a company's admin nothing to do here but read the panel above).
    fn status_actions(&self) -> bool {
        let open = self.is("active") || self.is("suspended");
        (self.can.status && (open || self.lost()))
            || (self.can.block && (open || self.is("blocked")))
    }

    fn is_department(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.line.department_id == Some(*id.borrow())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CardQuery {
    done: Option<String>,
    already: Option<String>,
}

/// Everything the card shows about a line (the page and the API).
pub struct CardData {
    pub line: LineCard,
    pub tariff: Tariff,
    pub services: Vec<EnabledService>,
    pub sims: Vec<(String, i64, String)>,
    pub history: Vec<Entry>,
    pub reference: Arc<Reference>,
}

/// Reads a line of the company with its tariff, services, earlier SIMs and history; another
/// company's line, or one outside the permit's scope, is not found.
pub async fn read_card(
    state: &AppState,
    cab: &Cabinet,
    permit: &Permit,
    id: i64,
) -> Result<CardData, AppError> {
    let reference = cab.reference(state).await?;
    let mut conn = cab.connection(state).await?;
    let (line, services, history) =
        lines::card_with_lists(&mut conn, state.db.backend, permit, id, 50)
            .await?
            .ok_or(AppError::NotFound)?;
    let tariff = match reference.tariff(line.tariff_id) {
        Some(t) => t.clone(),
        None => catalogue::tariff(&mut conn, line.tariff_id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let sims = if line.replaced_sims > 0 {
        line_changes::previous_sims(&mut conn, permit, line.id).await?
    } else {
        Vec::new()
    };
    Ok(CardData {
        line,
        tariff,
        services,
        sims,
        history,
        reference,
    })
}

pub async fn card(
    cab: Cabinet,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<CardQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let page = card_page(&cab, &state, *id, &query, None, req.uri().to_string()).await?;
    render(&page)
}

/// The card with a change sent from it that did not pass: the field marked, the input kept,
/// the reason on top.
pub async fn with_fix(
    cab: &Cabinet,
    state: &AppState,
    id: i64,
    fix: Fix,
    status: actix_web::http::StatusCode,
) -> Result<HttpResponse, AppError> {
    let uri = format!("/lines/{id}");
    let page = card_page(cab, state, id, &CardQuery::default(), Some(fix), uri).await?;
    super::render_status(status, &page)
}

async fn card_page(
    cab: &Cabinet,
    state: &AppState,
    id: i64,
    query: &CardQuery,
    fix: Option<Fix>,
    uri: String,
) -> Result<CardPage, AppError> {
    let permit = cab.permit(state, Object::Lines, Action::Read).await?;
    let CardData {
        line,
        tariff,
        services,
        sims,
        history,
        reference,
    } = read_card(state, cab, &permit, id).await?;
    let block = history
        .iter()
        .position(|e| matches!(e.action.as_str(), "line.block" | "line.report_lost"));
    // The change just made, to say what it did.
    let made = query.done.as_deref().and_then(|done| {
        history
            .iter()
            .position(|e| e.action == format!("line.{done}"))
    });
    let history = super::audit::said(
        &mut *cab.connection(state).await?,
        &permit,
        &history,
        cab.lang(),
    )
    .await?;
    let blocked_by = block
        .filter(|_| line.status == "blocked")
        .and_then(|i| history.get(i))
        .map(|s| (s.who.clone(), s.when.clone()));
    let other_tariffs = reference
        .tariffs
        .iter()
        .filter(|t| t.id != tariff.id && t.for_business != 0 && t.archived == 0)
        .cloned()
        .collect();
    let enabled: Vec<&str> = services.iter().map(|s| s.code.as_str()).collect();
    let offers = reference.offers(line.tariff_id, &enabled);
    let current_employee = line.employee_id.zip(line.employee_name.clone());
    let may = async |object, action| {
        cab.permit(state, object, action)
            .await
            .is_ok_and(|p| p.covers_line(line.id, line.department_id))
    };
    let can = CardRights {
        services: may(Object::Lines, Action::Services).await,
        tariff: may(Object::Lines, Action::Tariff).await,
        status: may(Object::Lines, Action::Status).await,
        limits: may(Object::Lines, Action::Limits).await,
        assign: may(Object::Lines, Action::Assign).await,
        block: may(Object::LineBlocks, Action::Write).await,
    };
    let mut page = Page::new(state, cab, uri, "/lines", "lines.title").await;
    page.title = super::format::phone(&line.msisdn);
    let notice = match (&query.done, &query.already) {
        (Some(_), _) => Some(match made.and_then(|i| history.get(i)) {
            Some(s) if !s.detail.is_empty() => format!("{}: {}", page.t("change.done"), s.detail),
            Some(s) => format!("{}: {}", page.t("change.done"), s.title),
            None => page.t("change.done").to_owned(),
        }),
        (None, Some(_)) => Some(page.t("change.already").to_owned()),
        _ => None,
    };
    Ok(CardPage {
        page,
        line,
        tariff,
        services,
        history,
        sims,
        other_tariffs,
        offers,
        departments: tree(&reference.departments)
            .into_iter()
            .map(|(d, x)| (d, x.clone()))
            .collect(),
        current_employee,
        can,
        notice,
        // A lost SIM is reported on its own form, not as a block.
        block_reasons: BlockReason::ALL
            .iter()
            .filter(|r| **r != BlockReason::Lost)
            .map(|r| r.as_str())
            .collect(),
        blocked_by,
        fix,
    })
}
