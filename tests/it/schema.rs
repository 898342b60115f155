//! The two migration trees give the same schema: the same tables, columns, nullability and
//! unique indexes, so SQLite and PostgreSQL cannot drift apart unnoticed.

use std::collections::BTreeMap;

use crate::helpers::{Backend, TestApp, spawn_app};

/// A table: its columns (name, nullable) and its unique indexes (their columns, `(expr)` for
/// an expression), both sorted.
#[derive(Debug, PartialEq, Eq, Default)]
struct Table {
    columns: Vec<(String, bool)>,
    unique: Vec<Vec<String>>,
}

type Schema = BTreeMap<String, Table>;

/// Deliberate differences, each with its reason: (table, what differs). None today; a row
/// here needs a comment saying why the two databases must differ.
const DELIBERATE: &[(&str, &str)] = &[];

async fn sqlite_schema(app: &TestApp) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for table in tables {
        let columns: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT name, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&app.db.pool)
                .await
                .expect("columns");
        let mut columns: Vec<(String, bool)> = columns
            .into_iter()
            .map(|(name, notnull, pk)| (name, notnull == 0 && pk == 0))
            .collect();
        columns.sort();
        let indexes: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1")
                .bind(&table)
                .fetch_all(&app.db.pool)
                .await
                .expect("indexes");
        let mut unique = Vec::new();
        for index in indexes {
            let cols: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&app.db.pool)
                    .await
                    .expect("index columns");
            unique.push(
                cols.into_iter()
                    .map(|c| c.unwrap_or_else(|| "(expr)".into()))
                    .collect(),
            );
        }
        // A rowid table's INTEGER PRIMARY KEY is no index of its own in SQLite.
        let pk: Vec<(String, i64)> =
            sqlx::query_as("SELECT name, pk FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk")
                .bind(&table)
                .fetch_all(&app.db.pool)
                .await
                .expect("primary key");
        let pk: Vec<String> = pk.into_iter().map(|(name, _)| name).collect();
        if !pk.is_empty() && !unique.contains(&pk) {
            unique.push(pk);
        }
        unique.sort();
        schema.insert(table, Table { columns, unique });
    }
    schema
}

async fn postgres_schema(app: &TestApp) -> Schema {
    // Parent tables only: partitions are PostgreSQL's own.
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("tables");
    let mut schema = Schema::new();
    for table in tables {
        let mut columns: Vec<(String, bool)> = sqlx::query_as::<_, (String, String)>(
            "SELECT column_name::text, is_nullable::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(&table)
        .fetch_all(&app.db.pool)
        .await
        .expect("columns")
        .into_iter()
        .map(|(name, nullable)| (name, nullable == "YES"))
        .collect();
        columns.sort();
        let indexes: Vec<String> = sqlx::query_scalar(
            "SELECT (SELECT string_agg(CASE WHEN k.attnum = 0 THEN '(expr)' ELSE a.attname::text END, ',' ORDER BY k.n)
                     FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             WHERE c.relname = $1 AND i.indisunique",
        )
        .bind(&table)
        .fetch_all(&app.db.pool)
        .await
        .expect("indexes");
        let mut unique: Vec<Vec<String>> = indexes
            .into_iter()
            .map(|cols| cols.split(',').map(str::to_owned).collect())
            .collect();
        unique.sort();
        schema.insert(table, Table { columns, unique });
    }
    schema
}

#[tokio::test]
async fn both_migration_trees_give_the_same_schema() {
    let sqlite = sqlite_schema(&spawn_app(Backend::Sqlite).await).await;
    let postgres = postgres_schema(&spawn_app(Backend::Postgres).await).await;
    // The readings see what is there: the newest unique index, with its expression.
    for schema in [&sqlite, &postgres] {
        assert!(schema.len() > 20, "{} tables", schema.len());
        assert!(
            schema["departments"].unique.contains(&vec![
                "company_id".to_owned(),
                "(expr)".to_owned(),
                "name_key".to_owned()
            ]),
            "{:?}",
            schema["departments"].unique
        );
        assert!(
            schema["departments"]
                .columns
                .contains(&("name_key".to_owned(), true))
        );
    }
    let names = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&sqlite), names(&postgres), "tables");
    let mut drift = Vec::new();
    for (name, table) in &sqlite {
        let other = &postgres[name];
        if table.columns != other.columns {
            drift.push(format!(
                "{name}: columns\n  sqlite:   {:?}\n  postgres: {:?}",
                table.columns, other.columns
            ));
        }
        if table.unique != other.unique {
            drift.push(format!(
                "{name}: unique indexes\n  sqlite:   {:?}\n  postgres: {:?}",
                table.unique, other.unique
            ));
        }
    }
    drift.retain(|d| {
        !DELIBERATE
            .iter()
            .any(|(t, what)| d.starts_with(&format!("{t}: {what}")))
    });
    assert!(
        drift.is_empty(),
        "the schemas differ:\n{}",
        drift.join("\n")
    );
}
