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

    /// The backend a connection is of.
    pub(super) fn of_connection(conn: &sqlx::AnyConnection) -> Backend {
        if conn.backend_name() == "PostgreSQL" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
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

    /// Run on every new connection. PostgreSQL: every statement is prepared once per
    /// connection, and left to itself PostgreSQL re-plans a statement with parameters at each
    /// run when it guesses a custom plan is cheaper; planning a lines page costs three times
    /// its execution. Selectivity is decided before the query is written (`store::lines`), so
    /// the generic plan is the plan.
    ///
    /// SQLite: in WAL mode NORMAL syncs at checkpoints, not at every commit (a power cut may
    /// lose the last commits, never the file's consistency). A 4 MiB page cache per connection
    /// (the default is 2): a 100,000-row import writes in the lines' order, and its commit took
    /// as long with 2, 4 or 16 MiB, while each size costs its memory in every connection a
    /// preview or commit reads through (16 MiB: a CSV import's peak RSS was 240-259 MiB, 4 MiB:
    /// 191-195). Statement journals stay in memory. Checkpoints are the checkpointer's, not the
    /// commit's that crosses the threshold.
    pub(super) fn connection_setup(self) -> &'static str {
        match self {
            Backend::Postgres => "SET plan_cache_mode = force_generic_plan",
            Backend::Sqlite => {
                "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -4096;
                 PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0"
            }
        }
    }

    /// Run once when the pool opens: WAL lets SQLite's readers work while one writer writes,
    /// and it is a property of the file.
    pub(super) fn file_setup(self) -> Option<&'static str> {
        (self == Backend::Sqlite).then_some("PRAGMA journal_mode = WAL")
    }

    /// Whether the store checkpoints the write-ahead log itself (see `connection_setup`).
    pub(super) fn checkpoints_itself(self) -> bool {
        self == Backend::Sqlite
    }

    /// One writer at a time (SQLite): this process's writers queue for their turn in order,
    /// rather than in SQLite's busy handler, which retries with growing sleeps.
    pub(super) fn has_one_writer(self) -> bool {
        self == Backend::Sqlite
    }

    /// How a writing transaction begins when not plainly: SQLite takes the write lock at once.
    pub(super) fn begin_to_write(self) -> Option<&'static str> {
        (self == Backend::Sqlite).then_some("BEGIN IMMEDIATE")
    }

    /// How to ask for a statement's plan: a statement to run first in the same transaction,
    /// the prefix, and the column of each row that holds a step. PostgreSQL prices sequential
    /// scans out, so the plan says whether an index *can* serve the query.
    pub(super) fn explain(self) -> (Option<&'static str>, &'static str, usize) {
        match self {
            Backend::Sqlite => (None, "EXPLAIN QUERY PLAN ", 3),
            Backend::Postgres => (Some("SET LOCAL enable_seqscan = off"), "EXPLAIN ", 0),
        }
    }

    /// The line card's two lists, each as one JSON array built by the database: the line's
    /// services, and its newest `$3` audit entries.
    pub(super) fn line_card_lists(self) -> (&'static str, &'static str) {
        match self {
            Backend::Sqlite => (
                "(SELECT json_group_array(json_object('code', x.code, 'name_ru', x.name_ru, 'name_en', x.name_en,
                         'category', x.category, 'monthly_fee_kop', x.monthly_fee_kop, 'enabled_at', x.enabled_at))
                  FROM (SELECT s.code, s.name_ru, s.name_en, s.category, s.monthly_fee_kop, ls.enabled_at
                        FROM line_services ls JOIN services s ON s.id = ls.service_id
                        WHERE ls.line_id = l.id ORDER BY s.category, s.code) x)",
                "(SELECT json_group_array(json_object('id', a.id, 'at', a.at, 'actor_label', a.actor_label,
                         'actor_name', (SELECT CASE WHEN u.is_staff <> 0 THEN u.full_name ELSE m.display_name END
                                        FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = a.company_id
                                        WHERE u.id = a.actor_id),
                         'action', a.action, 'object_type', a.object_type, 'object_id', a.object_id,
                         'before_json', a.before_json, 'after_json', a.after_json, 'ip', a.ip))
                  FROM (SELECT * FROM audit_log x WHERE x.company_id = l.company_id AND x.object_type = 'line'
                        AND x.object_id = CAST(l.id AS TEXT) ORDER BY x.at DESC, x.id DESC LIMIT $3) a)",
            ),
            Backend::Postgres => (
                "(SELECT COALESCE(json_agg(json_build_object('code', s.code, 'name_ru', s.name_ru, 'name_en', s.name_en,
                         'category', s.category, 'monthly_fee_kop', s.monthly_fee_kop, 'enabled_at', ls.enabled_at)
                         ORDER BY s.category, s.code), '[]'::json)::text
                  FROM line_services ls JOIN services s ON s.id = ls.service_id WHERE ls.line_id = l.id)",
                "(SELECT COALESCE(json_agg(json_build_object('id', a.id, 'at', a.at, 'actor_label', a.actor_label,
                         'actor_name', (SELECT CASE WHEN u.is_staff <> 0 THEN u.full_name ELSE m.display_name END
                                        FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.company_id = a.company_id
                                        WHERE u.id = a.actor_id),
                         'action', a.action, 'object_type', a.object_type, 'object_id', a.object_id,
                         'before_json', a.before_json, 'after_json', a.after_json, 'ip', a.ip)
                         ORDER BY a.at DESC, a.id DESC), '[]'::json)::text
                  FROM (SELECT * FROM audit_log x WHERE x.company_id = l.company_id AND x.object_type = 'line'
                        AND x.object_id = CAST(l.id AS TEXT) ORDER BY x.at DESC, x.id DESC LIMIT $3) a)",
            ),
        }
    }
}
