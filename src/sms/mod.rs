//! The side door for text messages (one-time codes). The default keeps each message in the
//! `sms_outbox` table and the log, so the demo shows the code and tests read it; [`HttpSms`]
//! posts messages to the operator's SMS gateway.

mod http;
pub mod texts;

pub use http::HttpSms;

use crate::store::{Db, now_ms};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SmsError(pub String);

#[async_trait::async_trait]
pub trait SmsGateway: Send + Sync {
    /// Sends `text` to a number (`+7…`).
    async fn send(&self, msisdn: &str, text: &str) -> Result<(), SmsError>;
}

/// Writes messages to the outbox table and the log instead of sending them.
pub struct OutboxSms {
    pub db: Db,
}

#[async_trait::async_trait]
impl SmsGateway for OutboxSms {
    async fn send(&self, msisdn: &str, text: &str) -> Result<(), SmsError> {
        sqlx::query("INSERT INTO sms_outbox (msisdn, body, created_at) VALUES ($1, $2, $3)")
            .bind(msisdn)
            .bind(text)
            .bind(now_ms())
            .execute(&self.db.pool)
            .await
            .map_err(|e| SmsError(format!("outbox: {e}")))?;
        tracing::info!(to = msisdn, text, "sms (outbox)");
        Ok(())
    }
}

/// The newest message in the outbox for a number (the demo and tests).
pub async fn last_in_outbox(db: &Db, msisdn: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT body FROM sms_outbox WHERE msisdn = $1 ORDER BY id DESC LIMIT 1")
        .bind(msisdn)
        .fetch_optional(&db.pool)
        .await
}
