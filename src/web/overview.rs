use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::authz::{Action, Object};
use crate::error::AppError;
use crate::services::departments::{subtree, tree};
use crate::store::{catalogue, companies, lines};

use super::page::Page;
use super::session::Cabinet;
use super::{AppState, render};

pub struct Bar {
    pub label: String,
    pub key: String,
    pub count: i64,
    pub percent: i64,
    pub depth: usize,
    pub href: String,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    page: Page,
    company: companies::Company,
    region: String,
    total: i64,
    monthly_fees: i64,
    by_status: Vec<Bar>,
    by_department: Vec<Bar>,
}

fn percent(n: i64, of: i64) -> i64 {
    if of == 0 { 0 } else { n * 100 / of }
}

pub async fn show(
    cab: Cabinet,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let permit = cab.permit(&state, Object::Overview, Action::Read).await?;
    let company = companies::get(&state.db, &permit)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = Page::new(
        &state,
        &cab,
        req.uri().to_string(),
        "/overview",
        "overview.title",
    )
    .await;
    let lang = page.lang;
    let region = catalogue::regions(&state.db)
        .await?
        .into_iter()
        .find(|r| r.code == company.region_code)
        .map(|r| lang.pick(r.name_ru, r.name_en))
        .unwrap_or_default();
    let status_counts = lines::count_by_status(&state.db, &permit).await?;
    let total: i64 = status_counts.iter().map(|(_, n)| n).sum();
    let by_status = super::lines::statuses()
        .into_iter()
        .map(|st| {
            let count = status_counts
                .iter()
                .find(|(s, _)| s == st)
                .map_or(0, |(_, n)| *n);
            Bar {
                label: lang.t(&format!("status.{st}")).to_owned(),
                key: st.to_owned(),
                count,
                percent: percent(count, total),
                depth: 0,
                href: format!("/lines?status={st}"),
            }
        })
        .collect();
    let reference = cab.reference(&state).await?;
    let depts = &reference.departments;
    let own = lines::count_by_department(&state.db, &permit).await?;
    let own_of = |id: i64| {
        own.iter()
            .find(|(d, _)| *d == Some(id))
            .map_or(0, |(_, n)| *n)
    };
    // A delegated manager sees the departments their rights cover, and no others.
    let mut by_department: Vec<Bar> = tree(depts)
        .into_iter()
        .filter(|(_, d)| permit.covers_department(d.id))
        .map(|(depth, d)| {
            let count: i64 = subtree(depts, d.id).into_iter().map(own_of).sum();
            Bar {
                label: d.name.clone(),
                key: d.id.to_string(),
                count,
                percent: percent(count, total),
                depth,
                href: format!("/lines?department={}", d.id),
            }
        })
        .collect();
    let unassigned = own.iter().find(|(d, _)| d.is_none()).map_or(0, |(_, n)| *n);
    if unassigned > 0 {
        by_department.push(Bar {
            label: lang.t("overview.without_department").to_owned(),
            key: "none".into(),
            count: unassigned,
            percent: percent(unassigned, total),
            depth: 0,
            href: "/lines".into(),
        });
    }
    let monthly_fees = lines::monthly_fees(&state.db, &permit).await?;
    render(&OverviewPage {
        page,
        company,
        region,
        total,
        monthly_fees,
        by_status,
        by_department,
    })
}
