//! Settings from defaults, an optional TOML file and `SIMFLEET_*` environment variables.

use std::fmt;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite://./simfleet.db` (default) or `postgres://…`.
    pub database_url: String,
    /// host:port to listen on.
    pub bind: String,
    /// The address people reach the cabinet at, for links in e-mails and SMS; when not set,
    /// `http://` and `bind` (`localhost` for an address of every interface).
    pub public_url: String,
    /// Send the session cookie only over HTTPS.
    pub cookie_secure: bool,
    /// Where uploads, generated files and outgoing mail are kept.
    pub data_dir: PathBuf,
    /// A session ends after this many minutes without activity.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after login, active or not.
    pub session_max_hours: i64,
    /// Connections in each of the two database pools (see `store::Db`). With PostgreSQL on the
    /// same 2 cores, 12 kept a lines page's p99 at 18–20 ms where 16 gave 21–34 ms, for the
    /// same throughput: more connections only queue in the scheduler, less fairly than in the
    /// pool. SQLite gave within 5 % of 16.
    pub db_max_connections: u32,
    /// Log as JSON lines (for collectors) rather than for a terminal.
    pub log_json: bool,
    /// The operator's BSS: changes to lines are posted here first. None: applied in the
    /// database alone.
    pub bss_url: Option<String>,
    /// The key sent to the BSS (`x-api-key`). Never logged.
    pub bss_key: Option<String>,
    /// How long one call to the BSS may take.
    pub bss_timeout_ms: u64,
    /// How many times a call is tried before the change is given up.
    pub bss_attempts: u32,
    /// How many calls a bulk operation has with the BSS at once.
    pub bss_concurrency: usize,
    /// A bulk run that takes at least this long is told to whoever asked for it by e-mail.
    pub bulk_mail_after_s: u64,
    /// Days a list uploaded for a bulk change, and an ended operation's results file, are kept.
    pub files_keep_days: u64,
    /// Run queued jobs in this instance (off: an instance that serves pages only, the jobs
    /// left to the others).
    pub run_jobs: bool,
    /// How long a job runner's claim holds without a heartbeat (another instance takes the
    /// job over when it runs out).
    pub job_lease_ms: u64,
    /// The SMS gateway for one-time codes. None: messages go to the outbox table and the log.
    pub sms_url: Option<String>,
    /// The key sent to the SMS gateway (`x-api-key`). Never logged.
    pub sms_key: Option<String>,
    /// Take the client's address from `Forwarded` / `X-Forwarded-For` (only behind a proxy
    /// that sets them; otherwise anyone could claim any address).
    pub trust_forwarded: bool,
    /// The SMTP relay for e-mail. None: messages are written to `<data_dir>/mail` as .eml files.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `none` (a local relay), `starttls` or `tls`.
    pub smtp_tls: String,
    pub smtp_user: Option<String>,
    /// Never logged.
    pub smtp_password: Option<String>,
    /// The sender of every message.
    pub mail_from: String,
    /// Imports with more rows than this are applied by a background job (with progress).
    pub import_job_rows: usize,
    /// Uploads larger than this are refused (413) before their body is read.
    pub upload_max_mb: usize,
    /// `/metrics` answers only `Authorization: Bearer <this>`; None: it is not served.
    pub metrics_token: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./simfleet.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            cookie_secure: false,
            data_dir: PathBuf::from("./data"),
            session_idle_minutes: 15,
            session_max_hours: 12,
            db_max_connections: 12,
            log_json: false,
            bss_url: None,
            bss_key: None,
            bss_timeout_ms: 5000,
            bss_attempts: 3,
            bss_concurrency: 8,
            job_lease_ms: 30_000,
            run_jobs: true,
            bulk_mail_after_s: 30,
            files_keep_days: 7,
            import_job_rows: 2_000,
            upload_max_mb: 20,
            sms_url: None,
            sms_key: None,
            trust_forwarded: false,
            smtp_host: None,
            smtp_port: 25,
            smtp_tls: "none".into(),
            smtp_user: None,
            smtp_password: None,
            mail_from: "simfleet <noreply@simfleet.local>".into(),
            metrics_token: None,
        }
    }
}

impl Settings {
    /// Defaults, then the TOML file if given (or `simfleet.toml` if present), then the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, Box<figment::Error>> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None => fig = fig.merge(Toml::file("simfleet.toml")),
        }
        fig.merge(Env::prefixed("SIMFLEET_"))
            .extract()
            .map_err(Box::new)
    }

    /// Where people reach the cabinet: `public_url` without a trailing `/`, or when it is not
    /// set, `http://` and `bind` (`localhost` for an address of every interface).
    pub fn public_url(&self) -> String {
        let set = self.public_url.trim().trim_end_matches('/');
        if !set.is_empty() {
            return set.to_owned();
        }
        let (host, port) = self.bind.rsplit_once(':').unwrap_or((&self.bind, "80"));
        let host = match host {
            "0.0.0.0" | "[::]" | "" => "localhost",
            other => other,
        };
        format!("http://{host}:{port}")
    }
}

/// Hides the password in a database URL: `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((creds, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match creds.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("public_url", &self.public_url())
            .field("cookie_secure", &self.cookie_secure)
            .field("data_dir", &self.data_dir)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_hours", &self.session_max_hours)
            .field("db_max_connections", &self.db_max_connections)
            .field("log_json", &self.log_json)
            .field("bss_url", &self.bss_url)
            .field("bss_key", &self.bss_key.as_ref().map(|_| "***"))
            .field("bss_timeout_ms", &self.bss_timeout_ms)
            .field("bss_attempts", &self.bss_attempts)
            .field("bss_concurrency", &self.bss_concurrency)
            .field("job_lease_ms", &self.job_lease_ms)
            .field("run_jobs", &self.run_jobs)
            .field("bulk_mail_after_s", &self.bulk_mail_after_s)
            .field("files_keep_days", &self.files_keep_days)
            .field("import_job_rows", &self.import_job_rows)
            .field("upload_max_mb", &self.upload_max_mb)
            .field("sms_url", &self.sms_url)
            .field("sms_key", &self.sms_key.as_ref().map(|_| "***"))
            .field("trust_forwarded", &self.trust_forwarded)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

#[cfg(test)]
// figment::Jail closures return figment::Error by its API.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_database_password() {
        let s = Settings {
            database_url: "postgres://app:s3cret@db.internal/simfleet".into(),
            bss_key: Some("bss-k3y".into()),
            sms_key: Some("sms-k3y".into()),
            smtp_password: Some("smtp-pw".into()),
            ..Settings::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("bss-k3y"), "{shown}");
        assert!(!shown.contains("sms-k3y"), "{shown}");
        assert!(!shown.contains("smtp-pw"), "{shown}");
        assert!(shown.contains("postgres://app:***@db.internal/simfleet"));
    }

    #[test]
    fn environment_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SIMFLEET_BIND", "0.0.0.0:9000");
            jail.set_env("SIMFLEET_DATABASE_URL", "postgres://postgres@127.0.0.1/x");
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.database_url, "postgres://postgres@127.0.0.1/x");
            assert_eq!(s.session_idle_minutes, 15);
            Ok(())
        });
    }

    #[test]
    fn the_public_address_follows_bind_unless_set() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("SIMFLEET_BIND", "127.0.0.1:9100");
            assert_eq!(
                Settings::load(None).map_err(|e| *e)?.public_url(),
                "http://127.0.0.1:9100"
            );
            jail.set_env("SIMFLEET_BIND", "0.0.0.0:9200");
            assert_eq!(
                Settings::load(None).map_err(|e| *e)?.public_url(),
                "http://localhost:9200"
            );
            jail.set_env("SIMFLEET_PUBLIC_URL", "https://cabinet.example.ru/");
            assert_eq!(
                Settings::load(None).map_err(|e| *e)?.public_url(),
                "https://cabinet.example.ru"
            );
            Ok(())
        });
    }

    #[test]
    fn toml_file_is_read() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "simfleet.toml",
                "bind = \"127.0.0.1:7000\"\ncookie_secure = true",
            )?;
            let s = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(s.bind, "127.0.0.1:7000");
            assert!(s.cookie_secure);
            Ok(())
        });
    }
}
