use std::fmt;
use std::time::Duration;

use super::{SmsError, SmsGateway};

/// Posts `{"to": "+7…", "text": "…"}` to `{url}/messages` with the key in `x-api-key`; one
/// more try after a timeout, a connection error or a 5xx answer.
pub struct HttpSms {
    client: reqwest::Client,
    url: String,
    key: String,
}

impl fmt::Debug for HttpSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSms")
            .field("url", &self.url)
            .field("key", &"***")
            .finish()
    }
}

impl HttpSms {
    pub fn new(url: &str, key: &str, timeout: Duration) -> Result<Self, SmsError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| SmsError(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            url: url.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
        })
    }
}

#[async_trait::async_trait]
impl SmsGateway for HttpSms {
    async fn send(&self, msisdn: &str, text: &str) -> Result<(), SmsError> {
        let body = serde_json::json!({ "to": msisdn, "text": text });
        let mut last = String::new();
        for _ in 0..2 {
            let sent = self
                .client
                .post(format!("{}/messages", self.url))
                .header("x-api-key", &self.key)
                .json(&body)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) if r.status().is_client_error() => {
                    return Err(SmsError(format!("SMS gateway refused: {}", r.status())));
                }
                Ok(r) => last = format!("SMS gateway answered {}", r.status()),
                Err(e) => last = format!("SMS gateway unreachable: {e}"),
            }
        }
        Err(SmsError(last))
    }
}
