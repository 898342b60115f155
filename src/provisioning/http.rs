use crate::domain::Problem;
use std::fmt;
use std::time::Duration;

use super::{ProvisionError, ProvisionRequest, Provisioner};

/// Posts each change to the operator's BSS as JSON, with a timeout per attempt and retries
/// (with a growing pause) on timeouts, connection errors and 5xx answers. A 4xx answer is the
/// BSS refusing the change: it is not retried.
pub struct HttpProvisioner {
    client: reqwest::Client,
    url: String,
    key: String,
    attempts: u32,
    pause: Duration,
}

impl fmt::Debug for HttpProvisioner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpProvisioner")
            .field("url", &self.url)
            .field("key", &"***")
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl HttpProvisioner {
    pub fn new(
        url: &str,
        key: &str,
        timeout: Duration,
        attempts: u32,
    ) -> Result<Self, ProvisionError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| {
                ProvisionError(Problem::NetworkClient {
                    detail: e.to_string(),
                })
            })?;
        Ok(Self {
            client,
            url: url.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            attempts: attempts.max(1),
            pause: Duration::from_millis(200),
        })
    }

    async fn once(&self, request: &ProvisionRequest) -> Result<(), (bool, Problem)> {
        let sent = self
            .client
            .post(format!("{}/changes", self.url))
            .header("x-api-key", &self.key)
            .header("idempotency-key", &request.request_id)
            .json(request)
            .send()
            .await;
        match sent {
            Err(e) if e.is_timeout() => Err((true, Problem::NetworkTimeout)),
            Err(_) => Err((true, Problem::NetworkUnreachable)),
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                let status = r.status();
                let body: String = r
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                let retry = status.is_server_error() || status.as_u16() == 429;
                Err((
                    retry,
                    Problem::NetworkAnswered {
                        status: status.as_u16(),
                        body: body.trim().to_owned(),
                    },
                ))
            }
        }
    }
}

#[async_trait::async_trait]
impl Provisioner for HttpProvisioner {
    async fn apply(&self, request: &ProvisionRequest) -> Result<(), ProvisionError> {
        let mut last = Problem::NetworkUnreachable;
        for attempt in 1..=self.attempts {
            match self.once(request).await {
                Ok(()) => return Ok(()),
                Err((retry, problem)) => {
                    tracing::warn!(attempt, action = %request.action, msisdn = %request.msisdn, %problem, "provisioning failed");
                    last = problem;
                    if !retry {
                        break;
                    }
                    if attempt < self.attempts {
                        tokio::time::sleep(self.pause * attempt).await;
                    }
                }
            }
        }
        Err(ProvisionError(last))
    }
}
