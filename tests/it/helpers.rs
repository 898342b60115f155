//! `spawn_app(backend)`: the real app on port 0 with a fresh database of its own, and a client
//! that keeps cookies and does not follow redirects (tests assert them).

use std::net::TcpListener;
use std::time::Duration;

use reqwest::redirect::Policy;
use sha2::{Digest, Sha256};
use simfleet::authz::{OperatorPermit, Permit};
use simfleet::config::Settings;
use simfleet::services::companies::{CompanyInput, create};
use simfleet::services::{catalogue, lines};
use simfleet::startup::Application;
use simfleet::store::Db;
use sqlx::Connection;
use tokio::sync::OnceCell;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub database_url: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub cookies: std::sync::Arc<reqwest::cookie::Jar>,
    /// The app's clock: tests move it forward instead of waiting.
    pub clock: std::sync::Arc<simfleet::clock::Clock>,
    /// What requests handed off (sending sign-in codes).
    background: tokio_util::task::TaskTracker,
    settings: Settings,
    _database: Option<DatabaseGuard>,
}

/// Where the PostgreSQL server for tests is: `SIMFLEET_TEST_PG`, else the project's local one.
pub fn pg_base() -> String {
    std::env::var("SIMFLEET_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

static TEMPLATE: OnceCell<String> = OnceCell::const_new();

/// A migrated template database, named after the migrations it holds, made once per run.
async fn pg_template() -> String {
    TEMPLATE
        .get_or_init(|| async {
            let mut hasher = Sha256::new();
            for dir in ["migrations/postgres"] {
                let mut files: Vec<_> = std::fs::read_dir(dir).expect("migrations folder").flatten().collect();
                files.sort_by_key(|f| f.path());
                for f in files {
                    hasher.update(std::fs::read(f.path()).expect("migration file"));
                }
            }
            let name = format!("simfleet_tpl_{}", &hex::encode(hasher.finalize())[..16]);
            let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", pg_base()))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at {} ({e}). Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set SIMFLEET_TEST_PG.",
                        pg_base()
                    )
                });
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&mut admin)
                .await
                .expect("looking for the template");
            if !exists {
                // Build under a temporary name and rename, so a half-made template is never used.
                let tmp = format!("{name}_{}", simfleet::services::auth::new_token().get(..8).unwrap_or("x"));
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {tmp}")))
                    .execute(&mut admin)
                    .await
                    .expect("creating the template");
                let db = Db::connect(&format!("{}/{tmp}", pg_base()), 2).await.expect("connecting to the template");
                db.migrate().await.expect("migrating the template");
                db.close().await;
                let renamed = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("ALTER DATABASE {tmp} RENAME TO {name}")))
                    .execute(&mut admin)
                    .await;
                if renamed.is_err() {
                    // Another run made it first.
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {tmp}")))
                        .execute(&mut admin)
                        .await;
                }
            }
            admin.close().await.ok();
            name
        })
        .await
        .clone()
}

enum DatabaseGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(String),
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        if let DatabaseGuard::Postgres(name) = self {
            let name = name.clone();
            // Drop runs outside async; a small runtime of its own removes the database.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut admin) =
                        sqlx::PgConnection::connect(&format!("{}/postgres", pg_base())).await
                    {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

async fn fresh_database(backend: Backend) -> (String, DatabaseGuard) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/simfleet.db", dir.path().display());
            (url, DatabaseGuard::Sqlite(dir))
        }
        Backend::Postgres => {
            let template = pg_template().await;
            let name = format!(
                "simfleet_t_{}",
                &simfleet::services::auth::new_token()[..16]
            );
            let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", pg_base()))
                .await
                .expect("PostgreSQL reachable");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name} TEMPLATE {template}"
            )))
            .execute(&mut admin)
            .await
            .expect("cloning the template");
            admin.close().await.ok();
            (
                format!("{}/{name}", pg_base()),
                DatabaseGuard::Postgres(name),
            )
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let (url, guard) = fresh_database(backend).await;
    let mut settings = Settings {
        database_url: url,
        bind: "127.0.0.1:0".into(),
        db_max_connections: 5,
        ..Settings::default()
    };
    tweak(&mut settings);
    start(settings, Some(guard)).await
}

async fn start(settings: Settings, guard: Option<DatabaseGuard>) -> TestApp {
    let database_url = settings.database_url.clone();
    let db = Db::connect(&settings.database_url, settings.db_max_connections)
        .await
        .expect("connecting");
    db.migrate().await.expect("migrating");
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a port");
    let app = Application::with_listener(db.clone(), settings.clone(), listener)
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let clock = app.clock();
    let background = app.background();
    tokio::spawn(app.serve());
    let cookies = std::sync::Arc::new(reqwest::cookie::Jar::default());
    // As a browser on the cabinet's pages does, every request names its origin.
    let mut origin = reqwest::header::HeaderMap::new();
    origin.insert(
        reqwest::header::ORIGIN,
        address.parse().expect("an origin header"),
    );
    let client = reqwest::Client::builder()
        .default_headers(origin)
        .cookie_provider(cookies.clone())
        .redirect(Policy::none())
        .build()
        .expect("client");
    // Ready when the health check says so; never a fixed sleep.
    for _ in 0..200 {
        if let Ok(r) = client.get(format!("{address}/health/ready")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    TestApp {
        address,
        database_url,
        db,
        client,
        cookies,
        clock,
        background,
        settings,
        _database: guard,
    }
}

pub struct Response {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

pub const ADMIN: &str = "+79161234567";
pub const PASSWORD: &str = "correct-horse-42";

impl TestApp {
    /// A second server on the same database (another instance, or this one restarted), with
    /// a client of its own.
    pub async fn another_instance(&self) -> TestApp {
        start(self.settings.clone(), None).await
    }

    /// Posts a form as if from another address (the app trusts `X-Forwarded-For` only when
    /// `trust_forwarded` is set).
    pub async fn post_from(&self, ip: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let r = self
            .client
            .post(self.url(path))
            .header("x-forwarded-for", ip)
            .form(form)
            .send()
            .await
            .expect("POST");
        read(r).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        let r = self.client.get(self.url(path)).send().await.expect("GET");
        read(r).await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let r = self
            .client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST");
        read(r).await
    }

    /// The CSRF token from the page at `path` (the hidden `csrf` field).
    pub async fn csrf(&self, path: &str) -> String {
        let page = self.get(path).await;
        csrf_in(&page.body).unwrap_or_else(|| panic!("no csrf field on {path}: {}", page.status))
    }

    /// Posts a form with the CSRF token taken from `from`.
    pub async fn submit(&self, from: &str, to: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf(from).await;
        let mut form: Vec<(&str, &str)> = vec![("csrf", &token)];
        form.extend_from_slice(fields);
        self.post(to, &form).await
    }

    pub async fn login(&self, number: &str, password: &str) -> Response {
        self.submit(
            "/login",
            "/login",
            &[("number", number), ("password", password)],
        )
        .await
    }

    /// Signs in by SMS code, read from the outbox the default gateway writes.
    /// Waits until what requests handed off is done (an SMS code sent, or nothing to send).
    pub async fn sent(&self) {
        self.background.close();
        self.background.wait().await;
        self.background.reopen();
    }

    pub async fn login_by_code(&self, number: &str) -> Response {
        let asked = self
            .submit("/login/code", "/login/code", &[("number", number)])
            .await;
        assert_eq!(asked.status, 303, "asking for a code: {}", asked.body);
        self.sent().await;
        let msisdn = simfleet::domain::Msisdn::parse(number).expect("number");
        let body = simfleet::sms::last_in_outbox(&self.db, msisdn.as_str())
            .await
            .expect("outbox")
            .expect("an SMS with the code");
        let digits: String = body.chars().filter(char::is_ascii_digit).collect();
        let code = &digits[digits.len() - 6..];
        self.submit("/login/code/enter", "/login/code/enter", &[("code", code)])
            .await
    }

    /// The catalogue and one company ("Ромашка", region 77) whose admin is `ADMIN`.
    pub async fn seed_company(&self) -> i64 {
        self.seed(ADMIN, "7707083893", "ООО «Ромашка»").await
    }

    pub async fn seed(&self, admin: &str, inn: &str, name: &str) -> i64 {
        catalogue::load_shipped(&self.db, &OperatorPermit::cli())
            .await
            .expect("catalogue");
        let created = create(
            &self.db,
            &OperatorPermit::cli(),
            &CompanyInput {
                legal_name: name.into(),
                inn: inn.into(),
                kpp: "773601001".into(),
                region: "77".into(),
                admin_number: admin.into(),
                admin_password: Some(PASSWORD.into()),
                ..Default::default()
            },
        )
        .await
        .expect("company");
        created.company.id
    }

    pub fn permit(&self, company_id: i64) -> Permit {
        OperatorPermit::cli().in_company(company_id)
    }

    pub async fn add_lines(&self, company_id: i64, numbers: &[&str]) {
        let parsed: Vec<_> = numbers
            .iter()
            .map(|n| simfleet::domain::Msisdn::parse(n).expect("number"))
            .collect();
        lines::add(&self.db, &self.permit(company_id), &parsed, None)
            .await
            .expect("lines");
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    hidden(html, "csrf")
}

/// The value of a form's field `name` in a page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

pub async fn read(r: reqwest::Response) -> Response {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = r.text().await.unwrap_or_default();
    Response {
        status,
        location,
        body,
    }
}

/// Emits a SQLite and a PostgreSQL test for each named scenario `async fn name(Backend)`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// A message the local SMTP server received.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
struct Collect {
    current: Received,
    inbox: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

impl mailin_embedded::Handler for Collect {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = Received {
            to: to.to_vec(),
            data: String::new(),
        };
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let done = std::mem::take(&mut self.current);
        self.inbox.lock().expect("inbox").push(done);
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on a free local port, keeping what it receives.
/// The seeded company on an app that mails through `smtp`, its admin's address
/// `admin@romashka.test`; `tweak` sets anything else.
pub async fn spawn_mailing_app(
    b: Backend,
    smtp: &SmtpServer,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let port = smtp.port;
    let app = spawn_app_with(b, |s| {
        s.smtp_host = Some("127.0.0.1".into());
        s.smtp_port = port;
        tweak(s);
    })
    .await;
    app.seed_company().await;
    sqlx::query("UPDATE users SET email = 'admin@romashka.test' WHERE msisdn = $1")
        .bind(ADMIN)
        .execute(&app.db.pool)
        .await
        .expect("email");
    app
}

pub struct SmtpServer {
    pub port: u16,
    inbox: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("smtp port");
        let port = listener.local_addr().expect("addr").port();
        let handler = Collect::default();
        let inbox = handler.inbox.clone();
        let mut server = mailin_embedded::Server::new(handler);
        server
            .with_name("smtp.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer { port, inbox }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// Waits up to 5 s for at least `n` messages.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.received()
    }
}
