//! Builds the pool, the enforcer and the HTTP server from the settings.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders};
use actix_web::{App, HttpServer, web};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::authz::Authz;
use crate::clock::Clock;
use crate::config::Settings;
use crate::jobs::Runner;
use crate::provisioning::{DbProvisioner, HttpProvisioner, Provisioner};
use crate::sms::{HttpSms, OutboxSms, SmsGateway};
use crate::store::{Db, sessions};
use crate::web::api;
use crate::web::{AppState, routes};

pub struct Application {
    port: u16,
    server: Server,
    clock: Arc<Clock>,
    runner: Runner,
    run_jobs: bool,
    background: tokio_util::task::TaskTracker,
}

impl Application {
    /// Connects, migrates and binds; `serve` then runs it. Port 0 picks a free port (tests).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Db::connect(&settings.database_url, settings.db_max_connections).await?;
        db.migrate().await?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        Self::with_listener(db, settings, listener).await
    }

    pub async fn with_listener(
        db: Db,
        settings: Settings,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let clock = Arc::new(Clock::default());
        let authz = Arc::new(Authz::load(db.clone(), clock.clone()).await?);
        let provisioner = provisioner(&settings)?;
        let sms = sms_gateway(&settings, &db)?;
        let mailer = crate::mail::Mailer::from_settings(&settings)?;
        let run_jobs = settings.run_jobs;
        let runner = runner(
            &db,
            &settings,
            clock.clone(),
            authz.clone(),
            provisioner.clone(),
            mailer.clone(),
        );
        let metrics = PrometheusMetricsBuilder::new("simfleet")
            // Unmatched paths share one label: the label set stays bounded.
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        let form_key = crate::store::server_keys::get_or_insert(
            &db,
            "pre_session_form",
            &crate::services::auth::new_token(),
        )
        .await?
        .into_bytes();
        let background = tokio_util::task::TaskTracker::new();
        let finishing = provisioner.clone();
        let state = web::Data::new(AppState {
            jobs: runner.clone(),
            db: db.clone(),
            authz,
            settings,
            provisioner,
            reference: Default::default(),
            sms,
            clock: clock.clone(),
            mailer,
            metrics: metrics.registry.clone(),
            form_key,
            background: background.clone(),
            runtime: tokio::runtime::Handle::current(),
        });
        let doc = api::openapi();
        let server = HttpServer::new(move || {
            App::new()
                // Before the /api/v1 scope, so its document path is found first.
                .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", doc.clone()))
                .service(
                    actix_web::web::scope("/api/v1").configure(|c| api::routes(&mut ServiceConfig::new(c))),
                )
                .wrap(Compress::default())
                .wrap(
                    DefaultHeaders::new()
                        .add(("x-content-type-options", "nosniff"))
                        .add(("x-frame-options", "DENY"))
                        .add(("referrer-policy", "same-origin"))
                        // Pages, API answers and downloads hold a company's data: never kept by a
                        // browser or a proxy. Static assets say otherwise themselves.
                        .add(("cache-control", "no-store"))
                        .add((
                            "content-security-policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
                        )),
                )
                .wrap(metrics.clone())
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .app_data(actix_web::web::FormConfig::default().limit(64 * 1024))
                .configure(routes)
                .route("/metrics", actix_web::web::get().to(crate::web::ops::metrics))
                .default_service(actix_web::web::to(|| async {
                    Err::<actix_web::HttpResponse, _>(crate::error::AppError::NotFound)
                }))
        })
        .listen(listener)?
        .run();
        tokio::spawn(finish_held_changes(db.clone(), finishing));
        tokio::spawn(sweep_sessions(db));
        Ok(Self {
            port,
            server,
            clock,
            runner,
            run_jobs,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The work requests handed off (tests wait for it to settle).
    pub fn background(&self) -> tokio_util::task::TaskTracker {
        self.background.clone()
    }

    /// The app's clock (tests move it forward).
    pub fn clock(&self) -> Arc<Clock> {
        self.clock.clone()
    }

    /// Serves, and runs queued jobs, until the server stops.
    pub async fn serve(self) -> std::io::Result<()> {
        let jobs = self.run_jobs.then(|| self.runner.spawn());
        let background = self.background.clone();
        let served = self.server.await;
        if let Some(jobs) = jobs {
            jobs.abort();
        }
        // Codes already handed off still go out.
        background.close();
        background.wait().await;
        served
    }
}

/// The job runner with every kind of job, as the settings say (its lease, the BSS's calls at
/// once).
fn runner(
    db: &Db,
    settings: &Settings,
    clock: Arc<Clock>,
    authz: Arc<Authz>,
    provisioner: Arc<dyn Provisioner>,
    mailer: crate::mail::Mailer,
) -> Runner {
    Runner::new(
        db.clone(),
        clock,
        vec![
            Arc::new(crate::services::roster::job::CommitJob),
            Arc::new(crate::services::bulk::run::BulkJob {
                provisioner,
                authz,
                concurrency: settings.bss_concurrency,
                mailer,
                mail_after: Duration::from_secs(settings.bulk_mail_after_s),
                public_url: settings.public_url(),
            }),
        ],
    )
    .with_lease(Duration::from_millis(settings.job_lease_ms))
}

/// A job runner of its own, outside the server (the operator's command line runs the work it
/// queues, alongside any instance's runner).
pub async fn standalone_runner(db: &Db, settings: &Settings) -> anyhow::Result<Runner> {
    let clock = Arc::new(Clock::default());
    let authz = Arc::new(Authz::load(db.clone(), clock.clone()).await?);
    let mailer = crate::mail::Mailer::from_settings(settings)?;
    Ok(runner(
        db,
        settings,
        clock,
        authz,
        provisioner(settings)?,
        mailer,
    ))
}

/// The BSS adapter when one is configured, else changes apply in the database alone.
fn provisioner(settings: &Settings) -> anyhow::Result<Arc<dyn Provisioner>> {
    // TLS for outgoing calls (BSS, gateways) uses rustls with the ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(match (&settings.bss_url, &settings.bss_key) {
        (Some(url), key) => Arc::new(
            HttpProvisioner::new(
                url,
                key.as_deref().unwrap_or(""),
                Duration::from_millis(settings.bss_timeout_ms),
                settings.bss_attempts,
            )
            .map_err(|e| anyhow::anyhow!("BSS adapter: {e}"))?,
        ),
        (None, _) => Arc::new(DbProvisioner),
    })
}

/// The SMS gateway when one is configured, else the outbox.
fn sms_gateway(settings: &Settings, db: &Db) -> anyhow::Result<Arc<dyn SmsGateway>> {
    Ok(match &settings.sms_url {
        Some(url) => Arc::new(
            HttpSms::new(
                url,
                settings.sms_key.as_deref().unwrap_or(""),
                Duration::from_secs(10),
            )
            .map_err(|e| anyhow::anyhow!("SMS gateway: {e}"))?,
        ),
        None => Arc::new(OutboxSms { db: db.clone() }),
    })
}

/// Removes dead sessions now and then; expiry is checked on every request regardless.
/// Finishes the line changes a process left with the network when it died (at the start, then
/// every few seconds; with several instances, each change once).
async fn finish_held_changes(db: Db, provisioner: Arc<dyn crate::provisioning::Provisioner>) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        match crate::services::line_changes::finish_stale(&db, provisioner.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(changes = n, "finished line changes left in hand"),
            Err(e) => tracing::warn!(error = %e, "finishing line changes left in hand"),
        }
    }
}

async fn sweep_sessions(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = sessions::delete_expired(&db).await {
            tracing::warn!(error = %e, "sweeping sessions");
        }
        if let Err(e) = crate::store::limits::sweep(&db, crate::store::now_ms()).await {
            tracing::warn!(error = %e, "sweeping send limits");
        }
        if let Err(e) = crate::store::files::sweep(&db, crate::store::now_ms()).await {
            tracing::warn!(error = %e, "sweeping expired files");
        }
    }
}
