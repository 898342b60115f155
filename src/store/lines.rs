use std::sync::LazyLock;

use sqlx::AnyConnection;

use crate::domain::pricing::Charge;
use crate::domain::text::prefix_upper_bound;
use crate::domain::{BlockReason, LineState, LineStatus, Operator, Scope, Scoped};

use super::catalogue::{self, Tariff};
use super::employees::push_id_list;
use super::reference::Reference;
use super::{Db, Sql, Tx, now_ms};

/// What the lines table is searched by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Digits typed: the start of the number (with or without 7/8) or its end.
    Number(String),
    /// Folded words: each must start a word of the employee's name.
    Name(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Number,
    Employee,
    Department,
    Status,
    Tariff,
    Monthly,
    Limit,
}

impl Sort {
    pub const ALL: [Sort; 7] = [
        Sort::Number,
        Sort::Employee,
        Sort::Department,
        Sort::Status,
        Sort::Tariff,
        Sort::Monthly,
        Sort::Limit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Number => "number",
            Sort::Employee => "employee",
            Sort::Department => "department",
            Sort::Status => "status",
            Sort::Tariff => "tariff",
            Sort::Monthly => "monthly",
            Sort::Limit => "limit",
        }
    }

    /// What a page is ordered by before the direction. A line with no employee or department
    /// comes last either way, on both databases (they disagree where NULL sorts).
    fn column(self) -> &'static str {
        match self {
            Sort::Number => "l.number_key",
            Sort::Employee => "e.name_key IS NULL, e.name_key",
            Sort::Department => "d.name IS NULL, d.name",
            Sort::Status => "l.status",
            Sort::Tariff => "t.name",
            Sort::Monthly => "l.monthly_kop",
            Sort::Limit => "l.spend_limit_kop IS NULL, l.spend_limit_kop",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub search: Option<Search>,
    /// The chosen department and everything under it.
    pub department_ids: Option<Vec<i64>>,
    pub status: Option<String>,
    pub tariff_id: Option<i64>,
    /// The line's own cost centre, or its department's when it has none.
    pub cost_centre: Option<String>,
    /// A service code: lines that have it.
    pub service: Option<String>,
    pub sort: Sort,
    pub descending: bool,
}

/// A line as the lines table shows it. The page statement reads the line and its employee;
/// the department's and tariff's names come from the company's reference data (`name_rows`).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LineRow {
    pub id: i64,
    pub msisdn: String,
    pub iccid: String,
    pub status: String,
    /// Why a blocked or suspended line stands so (`lost`, `debt`, …), else empty.
    pub status_reason: String,
    /// `YYYY-MM-DD`.
    pub activated_on: String,
    pub employee_id: Option<i64>,
    pub employee_name: Option<String>,
    pub personnel_number: Option<String>,
    pub department_id: Option<i64>,
    #[sqlx(skip)]
    pub department_name: Option<String>,
    /// The line's own cost centre (ЦФО), else its department's; `None` for neither.
    pub cost_centre: Option<String>,
    pub tariff_id: i64,
    #[sqlx(skip)]
    pub tariff_name: String,
    /// The tariff's monthly fee.
    #[sqlx(skip)]
    pub tariff_fee_kop: i64,
    /// The monthly fees of the line's services, summed.
    pub services_kop: i64,
    /// What a month of the line costs at list price, by its status (`domain::pricing`).
    pub monthly_kop: i64,
    pub spend_limit_kop: Option<i64>,
}

fn push_range(sql: &mut Sql, column: &'static str, prefix: &str) {
    sql.push(column)
        .push(" >= ")
        .bind(prefix)
        .push(" AND ")
        .push(column)
        .push(" < ")
        .bind(prefix_upper_bound(prefix));
}

// A search is written as `l.id IN (…)` over the search key's own index, so both databases fetch
// the few matching lines by key instead of weighing it against a walk over all of them.
// The company condition is then written `+l.company_id`: the unary plus (a no-op on both) keeps
// SQLite from preferring a walk over the company's lines by its company index.
// A search matching many lines (`by_key` false) is better served the other way round: walk the
// lines in number order and stop at the first page of matches.
fn where_clause(sql: &mut Sql, scoped: &Scoped, f: &Filter, by_key: bool) {
    let company_id = scoped.company_id();
    sql.push(if f.search.is_some() && by_key {
        "+l.company_id = "
    } else {
        "l.company_id = "
    });
    sql.bind(company_id);
    match &f.search {
        Some(Search::Number(digits)) => {
            let mut ranges: Vec<(&'static str, String)> = vec![("number_key", digits.clone())];
            if digits.len() > 1 && (digits.starts_with('7') || digits.starts_with('8')) {
                ranges.push(("number_key", digits[1..].to_owned()));
            }
            ranges.push(("number_rev", digits.chars().rev().collect()));
            if by_key {
                sql.push(" AND l.id IN (");
                for (i, (column, prefix)) in ranges.iter().enumerate() {
                    if i > 0 {
                        sql.push(" UNION ALL ");
                    }
                    sql.push("SELECT id FROM lines WHERE company_id = ")
                        .bind(company_id)
                        .push(" AND ");
                    push_range(sql, column, prefix);
                }
                sql.push(")");
            } else {
                // `|| ''` keeps the ranges off the indexes, so the walk in number order stays.
                sql.push(" AND (");
                for (i, (column, prefix)) in ranges.iter().enumerate() {
                    sql.push(if i > 0 { " OR (" } else { "(" });
                    let walked = if *column == "number_key" {
                        "(l.number_key || '')"
                    } else {
                        "(l.number_rev || '')"
                    };
                    push_range(sql, walked, prefix);
                    sql.push(")");
                }
                sql.push(")");
            }
        }
        Some(Search::Name(words)) => {
            for w in words {
                if by_key {
                    sql.push(
                        " AND l.id IN (SELECT x.id FROM employee_name_words w JOIN lines x ON x.employee_id = w.employee_id WHERE w.company_id = ",
                    )
                    .bind(company_id)
                    .push(" AND ");
                } else {
                    sql.push(" AND EXISTS (SELECT 1 FROM employee_name_words w WHERE w.employee_id = l.employee_id AND w.company_id = ")
                        .bind(company_id)
                        .push(" AND ");
                }
                push_range(sql, "w.word", w);
                sql.push(")");
            }
        }
        None => {}
    }
    if let Some(ids) = &f.department_ids {
        sql.push(" AND l.department_id IN (");
        push_id_list(sql, ids);
        sql.push(")");
    }
    // A lost SIM is a blocked line of its own: `lost`; `blocked` is the operator's block.
    match f.status.as_deref().map(LineState::parse) {
        None => {}
        Some(Ok(LineState::Lost)) => {
            sql.push(" AND ").push(LOST.as_str());
        }
        Some(Ok(LineState::Blocked)) => {
            sql.push(" AND l.status = 'blocked' AND NOT ")
                .push(LOST.as_str());
        }
        Some(Ok(state)) => {
            sql.push(" AND l.status = ").bind(state.status().as_str());
        }
        // Checked where the query is read: nothing matches what is no state.
        Some(Err(_)) => {
            sql.push(" AND 1 = 0");
        }
    }
    if let Some(t) = f.tariff_id {
        sql.push(" AND l.tariff_id = ").bind(t);
    }
    if let Some(c) = &f.cost_centre {
        sql.push(" AND (l.cost_centre = ")
            .bind(c.as_str())
            .push(" OR (l.cost_centre IS NULL AND l.department_id IN (SELECT id FROM departments WHERE company_id = ")
            .bind(company_id)
            .push(" AND cost_centre = ")
            .bind(c.as_str())
            .push(")))");
    }
    if let Some(code) = &f.service {
        sql.push(" AND EXISTS (SELECT 1 FROM line_services ls JOIN services s ON s.id = ls.service_id WHERE ls.line_id = l.id AND s.code = ")
            .bind(code.as_str())
            .push(")");
    }
    push_scope(sql, scoped.scope());
}

/// A page of lines; with `count_cap`, every row also carries the capped count of all
/// matches (computed once by both databases), which saves a second round trip.
fn page_sql(
    scoped: &Scoped,
    f: &Filter,
    by_key: bool,
    limit: i64,
    offset: i64,
    count_cap: Option<i64>,
    backend: super::Backend,
) -> Sql {
    let mut sql = Sql::new(
        "SELECT l.id, l.msisdn, l.iccid, l.status, l.status_reason, l.activated_on, l.employee_id,
                e.full_name AS employee_name, e.personnel_number, l.department_id, l.cost_centre,
                l.tariff_id, l.services_kop, l.monthly_kop, l.spend_limit_kop, ",
    );
    sql.push(backend.snapshot_column()).push(" AS seen, ");
    match count_cap {
        Some(cap) => {
            sql.push("(SELECT COUNT(*) FROM ");
            push_capped_matches(&mut sql, scoped, f, by_key, cap);
            sql.push(")");
        }
        None => {
            sql.push("0");
        }
    }
    sql.push(
        " AS capped_total
         FROM lines l
         LEFT JOIN employees e ON e.id = l.employee_id",
    );
    // The names are the reference data's; joined only to sort by them.
    match f.sort {
        Sort::Tariff => sql.push(" JOIN tariffs t ON t.id = l.tariff_id"),
        Sort::Department => sql.push(" LEFT JOIN departments d ON d.id = l.department_id"),
        _ => &mut sql,
    };
    sql.push(" WHERE ");
    where_clause(&mut sql, scoped, f, by_key);
    sql.push(" ORDER BY ").push(f.sort.column());
    if f.search.is_some() && by_key && f.sort == Sort::Number {
        // A search finds few lines: fetch them by the search key and sort them, rather than
        // walk every line in number order (SQLite's choice when the ORDER BY column is indexed).
        sql.push(" || ''");
    }
    sql.push(if f.descending { " DESC" } else { " ASC" });
    if f.sort != Sort::Number {
        sql.push(", l.number_key");
    }
    sql.limit(limit, offset);
    sql
}

#[derive(sqlx::FromRow)]
struct PagedLine {
    #[sqlx(flatten)]
    row: LineRow,
    capped_total: i64,
    seen: Option<String>,
}

/// How many lines match, counted up to [`COUNT_CAP`]: past it only "more" is known, which keeps
/// a page of a 100,000-line company from counting its way through every match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Total {
    pub count: i64,
    /// True when more than `count` match.
    pub more: bool,
}

pub const COUNT_CAP: i64 = 1000;

/// At most this many matches and a search is served by its key; more, and by walking in order.
const SELECTIVE: i64 = 500;

/// Whether a line is in the lost-SIM state (see [`LineState`]).
static LOST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "(l.status = '{}' AND l.status_reason = '{}')",
        LineStatus::Blocked.as_str(),
        BlockReason::Lost.as_str()
    )
});

/// A line's state, as [`LineState::as_str`] names it.
static STATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "CASE WHEN {} THEN '{}' ELSE l.status END",
        LOST.as_str(),
        LineState::Lost.as_str()
    )
});

/// `(the first cap + 1 matches) capped`: what a page counts with its rows and what
/// [`count_sql`] counts alone, so a count kept from either answers both.
fn push_capped_matches(sql: &mut Sql, scoped: &Scoped, f: &Filter, by_key: bool, cap: i64) {
    sql.push("(SELECT 1 FROM lines l WHERE ");
    where_clause(sql, scoped, f, by_key);
    sql.limit(cap + 1, 0).push(") capped");
}

/// `SELECT COUNT(*), <snapshot> FROM (the first cap + 1 matches)`.
fn count_sql(scoped: &Scoped, f: &Filter, by_key: bool, cap: i64, backend: super::Backend) -> Sql {
    let mut sql = Sql::new("SELECT COUNT(*), ");
    sql.push(backend.snapshot_column()).push(" FROM ");
    push_capped_matches(&mut sql, scoped, f, by_key, cap);
    sql
}

/// Counts the matches up to the cap, in a statement of its own, and keeps the count.
async fn capped_count(
    db: &Db,
    conn: &mut AnyConnection,
    sql: &Sql,
    key: Option<String>,
) -> Result<i64, sqlx::Error> {
    let (n, seen): (i64, Option<String>) = sql.query_as().fetch_one(conn).await?;
    if let (Some(key), Some(seen)) = (key, seen) {
        db.counts.put(key, seen, n);
    }
    Ok(n)
}

/// Whether the search (if any) matches few enough lines to fetch them by its key. Each key
/// range is counted on its own index and only up to the threshold, so asking costs at most a
/// few hundred index steps however broad the search.
async fn by_key(
    db: &Db,
    conn: &mut AnyConnection,
    scoped: &Scoped,
    f: &Filter,
    snapshot: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let company_id = scoped.company_id();
    let counting = |table: &'static str, column: &'static str, prefix: &str| {
        let mut sql = Sql::new("SELECT COUNT(*), ");
        sql.push(db.backend.snapshot_column())
            .push(" FROM (SELECT 1 FROM ")
            .push(table)
            .push(" WHERE company_id = ")
            .bind(company_id)
            .push(" AND ");
        push_range(&mut sql, column, prefix);
        sql.limit(SELECTIVE + 1, 0).push(") capped");
        sql
    };
    match &f.search {
        None => Ok(false),
        Some(Search::Number(digits)) => {
            let sql = counting("lines", "number_key", digits);
            let mut n = kept_or_counted(db, conn, sql, snapshot).await?;
            if digits.len() > 1 && (digits.starts_with('7') || digits.starts_with('8')) {
                let sql = counting("lines", "number_key", &digits[1..]);
                n += kept_or_counted(db, conn, sql, snapshot).await?;
            }
            let reversed: String = digits.chars().rev().collect();
            let sql = counting("lines", "number_rev", &reversed);
            n += kept_or_counted(db, conn, sql, snapshot).await?;
            Ok(n <= SELECTIVE)
        }
        Some(Search::Name(words)) => {
            // Every word must match, so the rarest word bounds the result.
            for w in words {
                let sql = counting("employee_name_words", "word", w);
                if kept_or_counted(db, conn, sql, snapshot).await? <= SELECTIVE {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}

/// The key a counting statement is kept under, when there is a snapshot to check it against
/// (PostgreSQL's), and its count if one was kept in that snapshot.
fn kept(db: &Db, sql: &Sql, snapshot: Option<&str>) -> (Option<String>, Option<i64>) {
    let Some(seen) = snapshot else {
        return (None, None);
    };
    let key = sql.key();
    let n = db.counts.get(&key, seen);
    (Some(key), n)
}

/// A count kept in the request's snapshot, else counted now (and kept).
async fn kept_or_counted(
    db: &Db,
    conn: &mut AnyConnection,
    sql: Sql,
    snapshot: Option<&str>,
) -> Result<i64, sqlx::Error> {
    match kept(db, &sql, snapshot) {
        (_, Some(n)) => Ok(n),
        (key, None) => capped_count(db, conn, &sql, key).await,
    }
}

/// Which rows of a list: `limit` of them after the first `offset`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// A page of the company's lines and how many match. A broad search (walked in number order)
/// is not counted past the page: it says there is more, and the person narrows it down.
///
/// `snapshot` is the request's first look at the database (its session's). When a count of
/// the same question was kept in that same snapshot, the page is read without counting, and
/// the kept count is used if the page's own snapshot is still the same (`store::counts`).
pub async fn list(
    db: &Db,
    conn: &mut AnyConnection,
    reference: &Reference,
    scoped: &Scoped,
    f: &Filter,
    Window { limit, offset }: Window,
    snapshot: Option<&str>,
) -> Result<(Vec<LineRow>, Total), sqlx::Error> {
    let by_key = by_key(db, conn, scoped, f, snapshot).await?;
    let counted = f.search.is_none() || by_key;
    let counting = counted.then(|| count_sql(scoped, f, by_key, COUNT_CAP, db.backend));
    let (key, kept) = counting
        .as_ref()
        .map_or((None, None), |sql| kept(db, sql, snapshot));
    let embed = counted && kept.is_none();
    let page = page_sql(
        scoped,
        f,
        by_key,
        limit + 1,
        offset,
        embed.then_some(COUNT_CAP),
        db.backend,
    )
    .query_as::<PagedLine>()
    .fetch_all(&mut *conn)
    .await?;
    let past_page = page.len() as i64 > limit;
    let first = page.first().map(|p| (p.capped_total, p.seen.clone()));
    let mut rows: Vec<LineRow> = page
        .into_iter()
        .take(limit.max(0) as usize)
        .map(|p| p.row)
        .collect();
    name_rows(conn, reference, &mut rows).await?;
    let capped = |n: i64| Total {
        count: n.min(COUNT_CAP),
        more: n > COUNT_CAP,
    };
    let Some(counting) = counting else {
        let total = Total {
            count: offset + rows.len() as i64,
            more: past_page,
        };
        return Ok((rows, total));
    };
    let page_seen = first.as_ref().and_then(|(_, seen)| seen.as_deref());
    let n = if let (true, Some((n, _))) = (embed, &first) {
        if let (Some(key), Some(seen)) = (key, page_seen) {
            db.counts.put(key, seen.to_owned(), *n);
        }
        *n
    } else if let Some(n) = kept.filter(|_| page_seen.is_some() && page_seen == snapshot) {
        // Kept in the snapshot the page was read in: still exact.
        n
    } else if !past_page && (offset == 0 || !rows.is_empty()) {
        // The last match is on this page.
        offset + rows.len() as i64
    } else {
        // Written to since, or paged past the end: no row carried the count.
        capped_count(db, conn, &counting, key).await?
    };
    Ok((rows, capped(n)))
}

/// Fills in each row's department and tariff from the reference data. The rare one it lacks
/// (a tariff of another region, a department added after it was read) is read by id.
async fn name_rows(
    conn: &mut AnyConnection,
    reference: &Reference,
    rows: &mut [LineRow],
) -> Result<(), sqlx::Error> {
    let mut missing: Vec<i64> = Vec::new();
    for row in rows.iter_mut() {
        if let Some(id) = row.department_id {
            match reference.department(id) {
                Some(d) => {
                    row.department_name = Some(d.name.clone());
                    if row.cost_centre.is_none() && !d.cost_centre.is_empty() {
                        row.cost_centre = Some(d.cost_centre.clone());
                    }
                }
                None => missing.push(id),
            }
        }
    }
    if !missing.is_empty() {
        missing.sort_unstable();
        missing.dedup();
        let mut sql = Sql::new("SELECT id, name, cost_centre FROM departments WHERE id IN (");
        push_id_list(&mut sql, &missing);
        sql.push(")");
        let names: Vec<(i64, String, String)> = sql.query_as().fetch_all(&mut *conn).await?;
        for row in rows.iter_mut().filter(|r| r.department_name.is_none()) {
            let Some((_, name, centre)) =
                names.iter().find(|(id, ..)| Some(*id) == row.department_id)
            else {
                continue;
            };
            row.department_name = Some(name.clone());
            if row.cost_centre.is_none() && !centre.is_empty() {
                row.cost_centre = Some(centre.clone());
            }
        }
    }
    let mut read: Vec<Tariff> = Vec::new();
    for row in rows.iter_mut() {
        let tariff = match reference.tariff(row.tariff_id) {
            Some(t) => t,
            None => {
                if !read.iter().any(|t| t.id == row.tariff_id) {
                    let t = catalogue::tariff(conn, row.tariff_id)
                        .await?
                        .ok_or(sqlx::Error::RowNotFound)?;
                    read.push(t);
                }
                read.iter()
                    .find(|t| t.id == row.tariff_id)
                    .expect("read above")
            }
        };
        row.tariff_name.clone_from(&tariff.name);
        row.tariff_fee_kop = tariff.monthly_fee_kop;
    }
    Ok(())
}

/// The database's plan for a page of lines, one step a line: it shows whether a search is
/// served by an index. On PostgreSQL sequential scans are priced out for the question, so the
/// answer says whether an index *can* serve it, whatever the table's size.
pub async fn explain(db: &Db, scoped: &Scoped, f: &Filter) -> Result<String, sqlx::Error> {
    use sqlx::Row;
    let mut tx = db.pool.begin().await?;
    let by_key = by_key(db, &mut tx, scoped, f, None).await?;
    let mut sql = page_sql(scoped, f, by_key, 50, 0, None, db.backend);
    let (setup, prefix, column) = db.backend.explain();
    if let Some(setup) = setup {
        sqlx::query(setup).execute(&mut *tx).await?;
    }
    sql.prepend(prefix);
    let steps: Vec<String> = sql
        .query()
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>(column))
        .collect::<Result<_, _>>()?;
    tx.rollback().await?;
    Ok(steps.join("\n"))
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct LineCard {
    pub id: i64,
    pub msisdn: String,
    pub iccid: String,
    pub status: String,
    pub activated_on: String,
    pub spend_limit_kop: Option<i64>,
    /// The monthly fees of its services, summed.
    pub services_kop: i64,
    /// What a month of the line costs at list price, by its status (`domain::pricing`).
    pub monthly_kop: i64,
    pub employee_id: Option<i64>,
    pub employee_name: Option<String>,
    pub employee_position: Option<String>,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub cost_centre: Option<String>,
    #[serde(serialize_with = "crate::domain::wire::flag")]
    #[schema(value_type = bool)]
    pub cost_centre_overridden: i64,
    pub tariff_id: i64,
    pub status_reason: String,
    pub limit_action: Option<String>,
    pub own_cost_centre: Option<String>,
    /// How many SIMs the number had before this one.
    #[serde(skip)]
    pub replaced_sims: i64,
}

impl LineCard {
    fn covered_by(&self, scoped: &Scoped) -> bool {
        scoped.covers_line(self.id, self.department_id)
    }
}

/// The card with its services and newest history, in one round trip: both lists come back as
/// JSON arrays built by the database.
pub async fn card_with_lists(
    conn: &mut AnyConnection,
    backend: super::Backend,
    scoped: &Scoped,
    id: i64,
    history: i64,
) -> Result<Option<(LineCard, Vec<EnabledService>, Vec<super::audit::Entry>)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        card: LineCard,
        services_json: String,
        history_json: String,
    }
    let (services, entries) = backend.line_card_lists();
    let sql = format!(
        "SELECT l.id, l.msisdn, l.iccid, l.status, l.activated_on, l.spend_limit_kop, l.services_kop, l.monthly_kop,
                l.employee_id, e.full_name AS employee_name, e.position AS employee_position,
                l.department_id, d.name AS department_name,
                COALESCE(l.cost_centre, d.cost_centre) AS cost_centre,
                CASE WHEN l.cost_centre IS NULL THEN 0 ELSE 1 END AS cost_centre_overridden,
                l.tariff_id, l.status_reason, l.limit_action, l.cost_centre AS own_cost_centre,
                (SELECT COUNT(*) FROM line_sims s WHERE s.line_id = l.id) AS replaced_sims,
                {services} AS services_json, {entries} AS history_json
         FROM lines l
         LEFT JOIN employees e ON e.id = l.employee_id
         LEFT JOIN departments d ON d.id = l.department_id
         WHERE l.company_id = $1 AND l.id = $2"
    );
    let Some(row) = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql))
        .bind(scoped.company_id())
        .bind(id)
        .bind(history)
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    if !row.card.covered_by(scoped) {
        return Ok(None);
    }
    let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let services = serde_json::from_str(&row.services_json).map_err(decode)?;
    let history = serde_json::from_str(&row.history_json).map_err(decode)?;
    Ok(Some((row.card, services, history)))
}

/// The line if the scope covers it.
pub async fn card(db: &Db, scoped: &Scoped, id: i64) -> Result<Option<LineCard>, sqlx::Error> {
    let card = sqlx::query_as::<_, LineCard>(
        "SELECT l.id, l.msisdn, l.iccid, l.status, l.activated_on, l.spend_limit_kop, l.services_kop, l.monthly_kop,
                l.employee_id, e.full_name AS employee_name, e.position AS employee_position,
                l.department_id, d.name AS department_name,
                COALESCE(l.cost_centre, d.cost_centre) AS cost_centre,
                CASE WHEN l.cost_centre IS NULL THEN 0 ELSE 1 END AS cost_centre_overridden,
                l.tariff_id, l.status_reason, l.limit_action, l.cost_centre AS own_cost_centre,
                (SELECT COUNT(*) FROM line_sims s WHERE s.line_id = l.id) AS replaced_sims
         FROM lines l
         LEFT JOIN employees e ON e.id = l.employee_id
         LEFT JOIN departments d ON d.id = l.department_id
         WHERE l.company_id = $1 AND l.id = $2",
    )
    .bind(scoped.company_id())
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(card.filter(|c| c.covered_by(scoped)))
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct EnabledService {
    pub code: String,
    pub name_ru: String,
    pub name_en: String,
    pub category: String,
    pub monthly_fee_kop: i64,
    #[serde(serialize_with = "crate::domain::wire::instant")]
    #[schema(value_type = String, format = DateTime)]
    pub enabled_at: i64,
}

/// The services of these lines (those the permit covers), by line id, each as (Russian,
/// English) name.
pub async fn service_names(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<(String, String)>>, sqlx::Error> {
    /// Ids a query binds (under every backend's limit on bound values).
    const CHUNK: usize = 10_000;
    let mut by_line: std::collections::HashMap<i64, Vec<(String, String)>> = Default::default();
    for ids in line_ids.chunks(CHUNK) {
        let mut sql = Sql::new(
            "SELECT ls.line_id, s.name_ru, s.name_en FROM line_services ls
             JOIN services s ON s.id = ls.service_id JOIN lines l ON l.id = ls.line_id
             WHERE l.company_id = ",
        );
        sql.bind(scoped.company_id());
        push_scope(&mut sql, scoped.scope());
        sql.push(" AND ls.line_id IN (");
        push_id_list(&mut sql, ids);
        sql.push(") ORDER BY ls.line_id, s.name_ru");
        let rows: Vec<(i64, String, String)> = sql.query_as().fetch_all(&mut *conn).await?;
        for (line, ru, en) in rows {
            by_line.entry(line).or_default().push((ru, en));
        }
    }
    Ok(by_line)
}

/// Lines per state, for the overview: per status, with a lost SIM (`lost`) apart from the
/// operator's block.
pub async fn count_by_status(db: &Db, scoped: &Scoped) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT ");
    sql.push(STATE.as_str())
        .push(" AS state, COUNT(*) FROM lines l WHERE l.company_id = ");
    sql.bind(scoped.company_id());
    push_scope(&mut sql, scoped.scope());
    sql.push(" GROUP BY 1 ORDER BY 1");
    sql.query_as::<(String, i64)>().fetch_all(&db.pool).await
}

/// Lines per department (own lines, not the subtree), and the unassigned under `None`.
pub async fn count_by_department(
    db: &Db,
    scoped: &Scoped,
) -> Result<Vec<(Option<i64>, i64)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT l.department_id, COUNT(*) FROM lines l WHERE l.company_id = ");
    sql.bind(scoped.company_id());
    push_scope(&mut sql, scoped.scope());
    sql.push(" GROUP BY l.department_id");
    sql.query_as::<(Option<i64>, i64)>()
        .fetch_all(&db.pool)
        .await
}

/// What a month of the permit's lines costs at list price, in kopecks (see
/// [`crate::domain::pricing`]).
pub async fn monthly_fees(db: &Db, scoped: &Scoped) -> Result<i64, sqlx::Error> {
    use sqlx::Row;
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(l.monthly_kop), 0) AS BIGINT) FROM lines l WHERE l.company_id = ",
    );
    sql.bind(scoped.company_id());
    push_scope(&mut sql, scoped.scope());
    sql.query().fetch_one(&db.pool).await?.try_get::<i64, _>(0)
}

/// The id and department of the line with this number, if the scope covers it.
pub async fn by_number(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    msisdn: &str,
) -> Result<Option<Numbered>, sqlx::Error> {
    let mut sql =
        Sql::new("SELECT l.id, l.department_id, l.cost_centre FROM lines l WHERE l.company_id = ");
    sql.bind(scoped.company_id())
        .push(" AND l.msisdn = ")
        .bind(msisdn);
    push_scope(&mut sql, scoped.scope());
    sql.query_as().fetch_optional(conn).await
}

/// The numbers of those of these lines the permit covers.
pub async fn numbers_of(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, sqlx::Error> {
    let mut out = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        let mut sql = Sql::bulk_on(
            conn,
            "SELECT l.id, l.msisdn FROM lines l WHERE l.company_id = ",
        );
        sql.bind(scoped.company_id())
            .push(" AND l.id IN (")
            .bind_list(chunk.iter().copied())
            .push(")");
        push_scope(&mut sql, scoped.scope());
        let rows: Vec<(i64, String)> = sql.query_as().fetch_all(&mut *conn).await?;
        out.extend(rows);
    }
    Ok(out)
}

/// A line found by its number: where it belongs.
#[derive(Debug, sqlx::FromRow)]
pub struct Numbered {
    pub id: i64,
    pub department_id: Option<i64>,
    /// Its own cost centre (none: the department's).
    pub cost_centre: Option<String>,
}

/// Limits a query on `lines l` to the departments and lines a delegated right covers.
pub(super) fn push_scope(sql: &mut Sql, scope: &Scope) {
    if let Scope::Only { departments, lines } = scope {
        sql.push(" AND (l.department_id IN (");
        push_id_list(sql, departments);
        sql.push(") OR l.id IN (");
        push_id_list(sql, lines);
        sql.push("))");
    }
}

#[derive(Debug, Clone)]
pub struct NewLine {
    pub msisdn: String,
    pub number_key: String,
    pub number_rev: String,
    pub iccid: String,
    pub status: String,
    pub tariff_id: i64,
    pub department_id: Option<i64>,
    pub employee_id: Option<i64>,
    pub spend_limit_kop: Option<i64>,
    pub activated_on: String,
}

/// Which of these numbers exist already, each with whether the permit's company holds it (a
/// number is the operator's, unique across companies; which other company holds it is not
/// said).
pub async fn taken(
    tx: &mut Tx,
    scoped: &Scoped,
    msisdns: &[String],
) -> Result<Vec<(String, bool)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in msisdns.chunks(500) {
        let mut sql = Sql::bulk(tx, "SELECT msisdn, CASE WHEN company_id = ");
        sql.bind(scoped.company_id())
            .push(" THEN 1 ELSE 0 END FROM lines WHERE msisdn IN (");
        for (i, m) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(m.as_str());
        }
        sql.push(")");
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&mut **tx).await?;
        out.extend(rows.into_iter().map(|(m, ours)| (m, ours == 1)));
    }
    Ok(out)
}

/// Inserts lines in multi-row statements (one statement per 500 lines); returns their ids in order.
pub async fn insert_many(
    tx: &mut Tx,
    scoped: &Scoped,
    lines: &[NewLine],
) -> Result<Vec<i64>, sqlx::Error> {
    let now = now_ms();
    let mut ids = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(500) {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO lines (company_id, msisdn, number_key, number_rev, iccid, status, tariff_id, department_id, employee_id, spend_limit_kop, activated_on, created_at) VALUES ",
        );
        for (i, l) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(scoped.company_id()).push(", ");
            sql.bind(l.msisdn.as_str()).push(", ");
            sql.bind(l.number_key.as_str()).push(", ");
            sql.bind(l.number_rev.as_str()).push(", ");
            sql.bind(l.iccid.as_str()).push(", ");
            sql.bind(l.status.as_str()).push(", ");
            sql.bind(l.tariff_id).push(", ");
            bind_opt(&mut sql, l.department_id).push(", ");
            bind_opt(&mut sql, l.employee_id).push(", ");
            bind_opt(&mut sql, l.spend_limit_kop).push(", ");
            sql.bind(l.activated_on.as_str()).push(", ");
            sql.bind(now).push(")");
        }
        sql.push(" RETURNING id");
        let mut chunk_ids: Vec<(i64,)> = sql.query_as().fetch_all(&mut **tx).await?;
        // RETURNING order is not promised by SQL; ids grow with insertion order on both backends.
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids.into_iter().map(|(id,)| id));
    }
    reprice(tx, scoped, &ids).await?;
    Ok(ids)
}

/// The monthly fees of a line's services, summed, as SQL on `lines`.
const SERVICES_KOP: &str = "CAST(COALESCE((SELECT SUM(s.monthly_fee_kop) FROM line_services ls
     JOIN services s ON s.id = ls.service_id WHERE ls.line_id = lines.id), 0) AS BIGINT)";

/// A line's month by its status, as [`Charge::of`] says, as SQL on `lines`.
static MONTHLY_KOP: LazyLock<String> = LazyLock::new(|| {
    let fee =
        |column: &str| format!("(SELECT t.{column} FROM tariffs t WHERE t.id = lines.tariff_id)");
    let mut case = String::from("CASE status");
    for status in LineStatus::ALL {
        let charged = match Charge::of(status) {
            Charge::TariffAndServices => format!("{} + {SERVICES_KOP}", fee("monthly_fee_kop")),
            Charge::Suspension => fee("suspended_fee_kop"),
            Charge::Nothing => "0".to_owned(),
        };
        case.push_str(&format!(" WHEN '{}' THEN {charged}", status.as_str()));
    }
    case + " END"
});

/// Sets the kept monthly cost of the lines the condition that follows picks.
static REPRICE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE lines SET services_kop = {SERVICES_KOP}, monthly_kop = {} WHERE ",
        *MONTHLY_KOP
    )
});

/// [`REPRICE`] that also moves the lines to their next version (a change of their services
/// alone, which writes no other column of theirs): one write of each row, not two.
static REPRICE_BUMPING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE lines SET version = version + 1, services_kop = {SERVICES_KOP}, monthly_kop = {} WHERE ",
        *MONTHLY_KOP
    )
});

/// Sets it on every line whose kept cost is not what the catalogue says now.
static REPRICE_CHANGED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}services_kop <> {SERVICES_KOP} OR monthly_kop <> {}",
        *REPRICE, *MONTHLY_KOP
    )
});

/// Works out the kept monthly cost of these lines again, after their tariff, services or
/// status changed. Only the store's writers call it, in the writing transaction, for lines
/// they have just written.
pub(super) async fn reprice(
    tx: &mut Tx,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<(), sqlx::Error> {
    reprice_with(tx, scoped, line_ids, REPRICE.as_str()).await
}

/// [`reprice`], the lines moved to their next version in the same write.
pub(super) async fn reprice_and_bump(
    tx: &mut Tx,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<(), sqlx::Error> {
    reprice_with(tx, scoped, line_ids, REPRICE_BUMPING.as_str()).await
}

async fn reprice_with(
    tx: &mut Tx,
    scoped: &Scoped,
    line_ids: &[i64],
    statement: &'static str,
) -> Result<(), sqlx::Error> {
    for chunk in line_ids.chunks(500) {
        let mut sql = Sql::bulk(tx, statement);
        sql.push("id IN (");
        within(&mut sql, scoped, chunk);
        sql.push(")");
        sql.query().execute(&mut **tx).await?;
    }
    Ok(())
}

/// `SELECT l.id FROM lines l …`: those of these lines the permit reaches (a writer's WHERE).
pub(super) fn within(sql: &mut Sql, scoped: &Scoped, lines: &[i64]) {
    sql.push("SELECT l.id FROM lines l WHERE l.company_id = ")
        .bind(scoped.company_id())
        .push(" AND l.id IN (")
        .bind_list(lines.iter().copied())
        .push(")");
    push_scope(sql, scoped.scope());
}

/// Works out the kept monthly cost of every line whose catalogue prices changed, after the
/// catalogue was loaded; returns how many lines it changed.
pub async fn reprice_changed(tx: &mut Tx, _operator: &Operator) -> Result<u64, sqlx::Error> {
    let sql = Sql::bulk(tx, REPRICE_CHANGED.as_str());
    Ok(sql.query().execute(&mut **tx).await?.rows_affected())
}

fn bind_opt(sql: &mut Sql, v: Option<i64>) -> &mut Sql {
    match v {
        Some(x) => sql.bind(x),
        None => sql.push("NULL"),
    }
}

/// Enables services on lines of the permit's company in bulk (line id, service id, when), with
/// their history rows; a line of another company, or none, refuses the whole call.
pub async fn enable_services_many(
    tx: &mut Tx,
    scoped: &Scoped,
    pairs: &[(i64, i64, i64)],
    actor_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    for chunk in pairs.chunks(1000) {
        let mut ids: Vec<i64> = chunk.iter().map(|(line, ..)| *line).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut count = Sql::bulk(tx, "SELECT COUNT(*) FROM lines WHERE company_id = ");
        count
            .bind(scoped.company_id())
            .push(" AND id IN (")
            .bind_list(ids.iter().copied())
            .push(")");
        let (ours,): (i64,) = count.query_as().fetch_one(&mut **tx).await?;
        if ours != ids.len() as i64 {
            return Err(sqlx::Error::RowNotFound);
        }
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO line_services (line_id, service_id, enabled_at) VALUES ",
        );
        let mut hist = Sql::bulk(
            tx,
            "INSERT INTO line_service_history (line_id, service_id, action, at, actor_id) VALUES ",
        );
        for (i, (line, service, at)) in chunk.iter().enumerate() {
            let open = if i == 0 { "(" } else { ", (" };
            sql.push(open)
                .bind(*line)
                .push(", ")
                .bind(*service)
                .push(", ")
                .bind(*at)
                .push(")");
            hist.push(open)
                .bind(*line)
                .push(", ")
                .bind(*service)
                .push(", 'enabled', ")
                .bind(*at)
                .push(", ");
            match actor_id {
                Some(a) => hist.bind(a),
                None => hist.push("NULL"),
            };
            hist.push(")");
        }
        sql.query().execute(&mut **tx).await?;
        hist.query().execute(&mut **tx).await?;
        reprice(tx, scoped, &ids).await?;
    }
    Ok(())
}

/// The ids of the lines a filter matches within the scope (every page of it, in id order), at
/// most `cap + 1` of them so that the caller can tell a selection past its cap.
pub async fn ids_matching(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    f: &Filter,
    cap: usize,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = Sql::new("SELECT l.id FROM lines l WHERE ");
    where_clause(&mut sql, scoped, f, false);
    sql.push(" ORDER BY l.id").limit(cap as i64 + 1, 0);
    let ids: Vec<(i64,)> = sql.query_as().fetch_all(conn).await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Those of these lines the scope covers, in id order.
pub async fn ids_within(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids = Vec::with_capacity(line_ids.len());
    for chunk in line_ids.chunks(10_000) {
        let mut sql = Sql::bulk_on(conn, "SELECT l.id FROM lines l WHERE l.company_id = ");
        sql.bind(scoped.company_id()).push(" AND l.id IN (");
        push_id_list(&mut sql, chunk);
        sql.push(")");
        push_scope(&mut sql, scoped.scope());
        let found: Vec<(i64,)> = sql.query_as().fetch_all(&mut *conn).await?;
        ids.extend(found.into_iter().map(|(id,)| id));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The lines of these numbers (as stored, `+7…`) within the scope, by number; a number that is
/// not one of them is not in the answer.
pub async fn ids_by_number(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    numbers: &[String],
) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    /// Numbers a query binds (under every backend's limit on bound values).
    const CHUNK: usize = 10_000;
    let mut found = std::collections::HashMap::with_capacity(numbers.len());
    for chunk in numbers.chunks(CHUNK) {
        let mut sql = Sql::bulk_on(
            conn,
            "SELECT l.msisdn, l.id FROM lines l WHERE l.company_id = ",
        );
        sql.bind(scoped.company_id()).push(" AND l.msisdn IN (");
        sql.bind_list(chunk.iter().map(String::as_str));
        sql.push(")");
        push_scope(&mut sql, scoped.scope());
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&mut *conn).await?;
        found.extend(rows);
    }
    Ok(found)
}

/// A line as the rules of a change see it (its state, tariff, limit, place and services),
/// read for many lines at once.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facts {
    pub id: i64,
    pub msisdn: String,
    pub iccid: String,
    pub status: String,
    pub status_reason: String,
    pub tariff_id: i64,
    pub tariff_code: String,
    pub tariff_name: String,
    pub tariff_fee_kop: i64,
    /// Its tariff's fee while the line stands suspended or blocked.
    pub tariff_suspended_kop: i64,
    pub spend_limit_kop: Option<i64>,
    pub limit_action: Option<String>,
    pub employee_id: Option<i64>,
    pub department_id: Option<i64>,
    pub cost_centre: Option<String>,
    /// Its services, by id, with their names.
    #[sqlx(skip)]
    pub services: Vec<(i64, crate::domain::Name)>,
    /// Their codes and monthly fees, in the order of `services`.
    #[sqlx(skip)]
    pub service_codes: Vec<String>,
    #[sqlx(skip)]
    pub service_fees_kop: Vec<i64>,
}

/// These lines (those the scope covers, in id order) as the rules of a change see them, in two
/// statements a chunk.
pub async fn facts_of(
    conn: &mut AnyConnection,
    scoped: &Scoped,
    line_ids: &[i64],
) -> Result<Vec<Facts>, sqlx::Error> {
    /// Ids a query binds (under every backend's limit on bound values).
    const CHUNK: usize = 10_000;
    let mut out = Vec::with_capacity(line_ids.len());
    for ids in line_ids.chunks(CHUNK) {
        let mut sql = Sql::bulk_on(
            conn,
            "SELECT l.id, l.msisdn, l.iccid, l.status, l.status_reason, l.tariff_id,
                    t.code AS tariff_code, t.name AS tariff_name,
                    t.monthly_fee_kop AS tariff_fee_kop, t.suspended_fee_kop AS tariff_suspended_kop,
                    l.spend_limit_kop, l.limit_action, l.employee_id, l.department_id, l.cost_centre
             FROM lines l JOIN tariffs t ON t.id = l.tariff_id WHERE l.company_id = ",
        );
        sql.bind(scoped.company_id()).push(" AND l.id IN (");
        push_id_list(&mut sql, ids);
        sql.push(")");
        push_scope(&mut sql, scoped.scope());
        sql.push(" ORDER BY l.id");
        let mut lines: Vec<Facts> = sql.query_as().fetch_all(&mut *conn).await?;
        let mut sql = Sql::bulk_on(
            conn,
            "SELECT ls.line_id, s.id, s.code, s.name_ru, s.name_en, s.monthly_fee_kop
             FROM line_services ls
             JOIN services s ON s.id = ls.service_id JOIN lines l ON l.id = ls.line_id
             WHERE l.company_id = ",
        );
        sql.bind(scoped.company_id()).push(" AND ls.line_id IN (");
        push_id_list(&mut sql, ids);
        sql.push(")");
        push_scope(&mut sql, scoped.scope());
        sql.push(" ORDER BY ls.line_id, s.id");
        let on: Vec<(i64, i64, String, String, String, i64)> =
            sql.query_as().fetch_all(&mut *conn).await?;
        /// A service on a line: its id, code, names and fee.
        type On = (i64, String, String, String, i64);
        let mut by_line: std::collections::HashMap<i64, Vec<On>> = Default::default();
        for (line, id, code, ru, en, fee) in on {
            by_line
                .entry(line)
                .or_default()
                .push((id, code, ru, en, fee));
        }
        for line in &mut lines {
            for (id, code, ru, en, fee) in by_line.remove(&line.id).unwrap_or_default() {
                line.services.push((id, crate::domain::Name { ru, en }));
                line.service_codes.push(code);
                line.service_fees_kop.push(fee);
            }
        }
        out.extend(lines);
    }
    Ok(out)
}
