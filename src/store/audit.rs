//! The append-only audit log. Every change writes its entry in the change's own transaction.

use serde_json::Value;

use super::{Sql, Tx, now_ms};

/// Who did it: a signed-in user (with the address they came from) or the operator's CLI.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: String,
}

impl Actor {
    pub fn cli() -> Self {
        Self {
            user_id: None,
            label: "cli".into(),
            ip: String::new(),
        }
    }
}

#[derive(Debug)]
pub struct Event<'a> {
    pub company_id: Option<i64>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn append(tx: &mut Tx, actor: &Actor, e: Event<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(now_ms())
    .bind(e.company_id)
    .bind(actor.user_id)
    .bind(&actor.label)
    .bind(e.action)
    .bind(e.object_type)
    .bind(e.object_id)
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .bind(&actor.ip)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub actor_label: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub ip: String,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub actor: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

const COLUMNS: &str = "SELECT id, at, actor_label, action, object_type, object_id, before_json, after_json, ip FROM audit_log WHERE company_id = ";

fn filtered(company_id: i64, f: &Filter, select: &'static str) -> Sql {
    let mut sql = Sql::new(select);
    sql.bind(company_id);
    if let Some(a) = &f.action {
        sql.push(" AND action = ").bind(a.as_str());
    }
    if let Some(t) = &f.object_type {
        sql.push(" AND object_type = ").bind(t.as_str());
    }
    if let Some(o) = &f.object_id {
        sql.push(" AND object_id = ").bind(o.as_str());
    }
    if let Some(a) = &f.actor {
        sql.push(" AND actor_label = ").bind(a.as_str());
    }
    if let Some(from) = f.from_ms {
        sql.push(" AND at >= ").bind(from);
    }
    if let Some(to) = f.to_ms {
        sql.push(" AND at < ").bind(to);
    }
    sql
}

/// A page of the company's log, newest first, and how many entries match in all.
pub async fn list(
    db: &super::Db,
    company_id: i64,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64), sqlx::Error> {
    let mut sql = filtered(company_id, f, COLUMNS);
    sql.push(" ORDER BY at DESC, id DESC").limit(limit, offset);
    let rows = sql.query_as::<Entry>().fetch_all(&db.pool).await?;
    let total = filtered(
        company_id,
        f,
        "SELECT COUNT(*) FROM audit_log WHERE company_id = ",
    )
    .count(&db.pool)
    .await?;
    Ok((rows, total))
}

/// The distinct actions in the company's log, for the filter's choices.
pub async fn actions(db: &super::Db, company_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT action FROM audit_log WHERE company_id = $1 ORDER BY action",
    )
    .bind(company_id)
    .fetch_all(&db.pool)
    .await
}

/// Appends many entries in multi-row statements (for batch work such as adding lines).
pub async fn append_many(
    tx: &mut Tx,
    actor: &Actor,
    events: &[Event<'_>],
) -> Result<(), sqlx::Error> {
    let at = now_ms();
    for chunk in events.chunks(400) {
        let mut sql = Sql::bulk(
            tx,
            "INSERT INTO audit_log (at, company_id, actor_id, actor_label, action, object_type, object_id, before_json, after_json, ip) VALUES ",
        );
        for (i, e) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.bind(at).push(", ");
            match e.company_id {
                Some(c) => sql.bind(c),
                None => sql.push("NULL"),
            };
            sql.push(", ");
            match actor.user_id {
                Some(u) => sql.bind(u),
                None => sql.push("NULL"),
            };
            sql.push(", ").bind(actor.label.as_str());
            sql.push(", ").bind(e.action);
            sql.push(", ").bind(e.object_type);
            sql.push(", ").bind(e.object_id.as_str());
            sql.push(", ");
            match &e.before {
                Some(v) => sql.bind(v.to_string()),
                None => sql.push("NULL"),
            };
            sql.push(", ");
            match &e.after {
                Some(v) => sql.bind(v.to_string()),
                None => sql.push("NULL"),
            };
            sql.push(", ").bind(actor.ip.as_str()).push(")");
        }
        sql.query().execute(&mut **tx).await?;
    }
    Ok(())
}
