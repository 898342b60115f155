//! All SQL lives here, one module per aggregate, one code path for SQLite and PostgreSQL
//! (sqlx `Any`, `$n` placeholders, integers as i64, money as kopecks, times as unix ms).
//!
//! A function that reads or writes one company's data takes a [`Scoped`](crate::domain::Scoped)
//! (what a permit proves) and applies its company and scope itself; the operator's work across
//! companies (onboarding one, finding one by INN, disabling or erasing a person's account)
//! takes an [`Operator`](crate::domain::Operator). These take a bare company
//! id, each because no permit exists yet where it is called (a test below holds the list):
//! - `grants::covered`, `grants::own_lines`: they read what the permit will cover, to make it;
//! - `users::mark_joined`, `sessions::set_company`: signing in to a company, before any permit;
//! - `audit::append_own`: a person's own sign-in and second factor, audited in the company they
//!   are in (if any), with no permit to take; `audit::insert` is the one writer behind it and
//!   behind `append` (company from the permit) and `append_operator` (no company);
//! - `reference::ReferenceCache::get` and its `load`, `departments::tree_of`: a session's
//!   company's shared reference data (departments, tariffs, services), which every page reads
//!   before it asks for a permit; it holds nothing a member may not see.
//!
//! Three take a permit but read its whole company: `grants::members`, `grants::list` and
//! `api_tokens::list`, the access page's lists. What a delegated «Управление пользователями»
//! reaches there is not a department scope but a rule over holders' roles and every right of
//! their grants (`services::access::reach`), which `services::access::members::listed` applies;
//! a test keeps every caller of the three inside `services::access`.

pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod catalogue;
pub mod companies;
mod counts;
pub mod departments;
mod dialect;
pub mod employees;
pub mod files;
pub mod grants;
pub mod jobs;
pub mod keys;
pub mod limits;
pub mod line_changes;
pub mod line_writes;
pub mod lines;
pub mod reference;
pub mod roster;
pub mod second_factor;
pub mod server_keys;
pub mod sessions;
pub mod sign_in;
mod sql;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use sql::Sql;

/// A write transaction. On SQLite it also holds this process's turn to write: writers queue
/// here in order instead of in SQLite's busy handler, which retries with growing sleeps and
/// makes the slowest writer wait far longer than its turn.
pub struct Tx {
    inner: Transaction<'static, Any>,
    backend: Backend,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Tx {
    /// The database it writes to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL (expected sqlite:… or postgres://…)")
        }
    }
}

/// A pooled connection idle this long is pinged before it is handed out.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// The database: its pools and which backend is behind them.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    /// A signed-in request's own connection (`web::session`): its session is read on it and
    /// the handler may read on it too, so a page gives back one connection, not one per
    /// statement (sqlx checks each connection given back with a round trip). A request takes
    /// one of these before any connection of `pool`, and nothing waits for one of these while
    /// holding one of `pool`'s, so the two pools never wait on each other in a ring.
    pub requests: AnyPool,
    pub backend: Backend,
    write_turn: Arc<Mutex<()>>,
    /// Lines pages' counts, kept while still exact (PostgreSQL).
    counts: Arc<counts::Counts>,
    /// SQLite's checkpointer, stopped when the last copy of the `Db` goes.
    _checkpointer: Option<Arc<Checkpointer>>,
}

#[derive(Debug)]
struct Checkpointer(tokio::task::AbortHandle);

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// SQLite: copies the write-ahead log back into the database file every second, apart from
/// the requests. Left to SQLite, the commit that takes the log past 1,000 pages does it
/// itself: a 100,000-row import's commit spent 0.22 s of its 2 s there. A passive checkpoint
/// waits for no reader and no writer. The last connection to close checkpoints what is left.
fn spawn_checkpointer(pool: AnyPool) -> Checkpointer {
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        while !pool.is_closed() {
            tick.tick().await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&pool)
                .await
            {
                tracing::debug!(error = %e, "checkpoint");
            }
        }
    });
    Checkpointer(task.abort_handle())
}

/// How both pools open and hand out connections.
fn pool_options(backend: Backend, max_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // sqlx pings every connection it hands out: a round trip per statement, which
        // cost a lines page on PostgreSQL as much as its session read. A connection
        // busy a moment ago is known to be alive; one that sat idle is pinged first,
        // so a restarted database costs no request an error.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for >= IDLE_BEFORE_PING {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                sqlx::raw_sql(backend.connection_setup())
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let url = backend.url_to_open(url);
        let options = AnyConnectOptions::from_str(&url).context("reading the database URL")?;
        let pool = pool_options(backend, max_connections)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("connecting to {}", crate::config::redact_url(&url)))?;
        // Opened as requests come: a request's first statement is its session's.
        let requests = pool_options(backend, max_connections).connect_lazy_with(options);
        if let Some(setup) = backend.file_setup() {
            sqlx::raw_sql(setup)
                .execute(&pool)
                .await
                .context("setting the database file up")?;
        }
        let checkpointer = backend
            .checkpoints_itself()
            .then(|| spawn_checkpointer(pool.clone()));
        Ok(Self {
            pool,
            requests,
            backend,
            write_turn: Arc::new(Mutex::new(())),
            counts: Arc::default(),
            _checkpointer: checkpointer.map(Arc::new),
        })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.backend
            .migrations()
            .run(&self.pool)
            .await
            .context("applying migrations")?;
        for d in keys::fill_missing(self)
            .await
            .context("filling unique keys")?
        {
            tracing::warn!(
                company = d.company_id,
                what = d.what,
                value = %d.value,
                "a duplicate stored before uniqueness was enforced: left without its key"
            );
        }
        Ok(())
    }

    /// A transaction that writes. On SQLite it takes this process's turn and the write lock
    /// at once, so two writers wait for each other instead of failing on a lock upgrade.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let turn = match self.backend.has_one_writer() {
            true => Some(self.write_turn.clone().lock_owned().await),
            false => None,
        };
        let inner = match self.backend.begin_to_write() {
            Some(statement) => self.pool.begin_with(statement).await?,
            None => self.pool.begin().await?,
        };
        Ok(Tx {
            inner,
            backend: self.backend,
            _turn: turn,
        })
    }

    /// Closes both pools (a database about to be dropped).
    pub async fn close(&self) {
        self.requests.close().await;
        self.pool.close().await;
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// Now, as stored: UTC unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Whether an error is a unique-constraint violation (on either database).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Commits do not copy the log into the database file (SQLite's own checkpoints are off);
    /// the checkpointer does, within about a second.
    #[tokio::test]
    async fn the_checkpointer_moves_the_log_into_the_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("wal.db");
        let db = Db::connect(&format!("sqlite://{}", path.display()), 2)
            .await
            .expect("connect");
        let file_size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        sqlx::raw_sql("CREATE TABLE t (b BLOB)")
            .execute(&db.pool)
            .await
            .expect("table");
        // A second of quiet first, so the next checkpoint comes after the insert.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let before = file_size();
        sqlx::query("INSERT INTO t (b) VALUES (zeroblob(8000000))")
            .execute(&db.pool)
            .await
            .expect("insert");
        assert!(
            file_size() < before + 1_000_000,
            "the commit itself did not checkpoint"
        );
        let mut waited = 0;
        while file_size() < before + 8_000_000 && waited < 50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            waited += 1;
        }
        assert!(
            file_size() >= before + 8_000_000,
            "checkpointed: {}",
            file_size()
        );
    }
}

#[cfg(test)]
mod whole_company_lists {
    /// Calls of the three whole-company lists anywhere under `src/` outside
    /// `src/services/access/` and the store, as (file, call).
    #[test]
    fn only_the_access_use_cases_read_the_whole_access_lists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root.clone()];
        let mut found = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let shown = path
                    .strip_prefix(&root)
                    .expect("under src")
                    .display()
                    .to_string();
                if shown.starts_with("services/access/") || shown.starts_with("store/") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                for call in ["grants::members(", "grants::list(", "api_tokens::list("] {
                    if text.contains(call) {
                        found.push((shown.clone(), call));
                    }
                }
            }
        }
        assert!(found.is_empty(), "read outside services::access: {found:?}");
    }
}

#[cfg(test)]
mod bare_company_ids {
    /// The functions that may take a bare company id, each with its reason in the module's
    /// documentation: (file, function).
    const BARE_COMPANY_ID: [(&str, &str); 9] = [
        ("audit.rs", "append_own"),
        ("audit.rs", "insert"),
        ("grants.rs", "covered"),
        ("grants.rs", "own_lines"),
        ("users.rs", "mark_joined"),
        ("sessions.rs", "set_company"),
        ("reference.rs", "get"),
        ("reference.rs", "load"),
        ("departments.rs", "tree_of"),
    ];

    /// Whether a parameter list names a company by a bare number: any parameter whose name
    /// speaks of a company (`company_id`, `company`, `companies`, `target_company`, …) and
    /// whose type is an integer or a list or option of them.
    fn names_a_company(params: &str) -> bool {
        params.split(',').any(|param| {
            let Some((name, ty)) = param.split_once(':') else {
                return false;
            };
            let ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
            name.contains("compan")
                && ["i64", "Option<i64>", "&[i64]", "Vec<i64>", "CompanyId"].contains(&ty.as_str())
        })
    }

    #[test]
    fn a_company_by_number_is_recognised_in_any_spelling() {
        assert!(names_a_company("db: &Db, company_id: i64"));
        assert!(names_a_company(
            "tx: &mut Tx,\n    company: i64,\n    now: i64"
        ));
        assert!(names_a_company("target_company: Option<i64>"));
        assert!(names_a_company("companies: &[i64]"));
        assert!(!names_a_company("db: &Db, scoped: &Scoped, id: i64"));
        assert!(!names_a_company("company: &str"));
    }

    /// Every function under `src/store` that takes a company by number, as (file, name).
    fn taking_a_bare_company_id() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).expect("store folder").flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path()).expect("source");
            for (at, _) in text.match_indices("fn ") {
                let rest = &text[at + 3..];
                let (Some(open), Some(close)) = (rest.find('('), rest.find(')')) else {
                    continue;
                };
                if open < close && names_a_company(&rest[open + 1..close]) {
                    found.push((file.clone(), rest[..open].trim().to_owned()));
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn only_the_listed_functions_take_a_bare_company_id() {
        let mut listed: Vec<(String, String)> = BARE_COMPANY_ID
            .iter()
            .map(|(f, n)| ((*f).to_owned(), (*n).to_owned()))
            .collect();
        listed.sort();
        assert_eq!(taking_a_bare_company_id(), listed);
    }
}
