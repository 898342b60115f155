//! Where SQLite and PostgreSQL differ, in one place: each difference is a method of
//! [`Backend`], named for what it decides, and the rest of the store asks it instead of
//! comparing driver names.

use sqlx::migrate::Migrator;

use super::Backend;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

impl Backend {
    /// Its migration tree (the same numbering in both).
    pub(super) fn migrations(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Writing thousands of rows: PostgreSQL takes them as arrays (`UNNEST`), SQLite as one
    /// JSON array (`jsonb_each`).
    pub(super) fn writes_rows_as_arrays(self) -> bool {
        self == Backend::Postgres
    }

    /// Statements with thousands of values bind plain `?` in order on SQLite, which looks
    /// each numbered `$n` up by a linear scan.
    pub(super) fn binds_in_order(self) -> bool {
        self == Backend::Sqlite
    }

    /// Whether a claim may pass over rows another transaction holds (`FOR UPDATE SKIP
    /// LOCKED`); SQLite has one writer at a time and no row locks.
    pub(super) fn skips_locked_rows(self) -> bool {
        self == Backend::Postgres
    }

    /// The column that names a statement's snapshot: PostgreSQL's committed transactions as
    /// text, NULL on SQLite (no count is kept there).
    pub(super) fn snapshot_column(self) -> &'static str {
        match self {
            Backend::Postgres => "pg_current_snapshot()::text",
            Backend::Sqlite => "NULL",
        }
    }

    /// What goes around a row's columns to read every row as one JSON array of arrays.
    pub(super) fn json_rows_around(self) -> (&'static str, &'static str) {
        match self {
            Backend::Sqlite => ("SELECT json_group_array(json_array(", ")) "),
            Backend::Postgres => (
                "SELECT COALESCE(json_agg(json_build_array(",
                ")), '[]')::text ",
            ),
        }
    }

    /// Only a file database is made on first start; PostgreSQL's is made by its operator.
    pub(super) fn url_to_open(self, url: &str) -> String {
        match self {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        }
    }
}
