//! The side door to the network: every change to a line reaches the operator's systems through
//! a [`Provisioner`]. The default applies changes in simfleet's own database (the change is the
//! database write); [`HttpProvisioner`] posts each change to the operator's BSS first.

mod http;

use serde::{Deserialize, Serialize};

pub use http::HttpProvisioner;

/// One change to one line, as the network needs to hear it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProvisionRequest {
    /// Stable for one submitted change, so the BSS can recognise a retried request.
    pub request_id: String,
    pub msisdn: String,
    pub iccid: String,
    /// e.g. `change_tariff`, `enable_service`, `suspend`.
    pub action: String,
    pub params: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProvisionError(pub crate::domain::Problem);

#[async_trait::async_trait]
pub trait Provisioner: Send + Sync {
    async fn apply(&self, request: &ProvisionRequest) -> Result<(), ProvisionError>;

    /// Whether the change is the database write alone (no network to hear it first): then a
    /// bulk run writes each chunk in the transaction that checks it.
    fn is_local(&self) -> bool {
        false
    }
}

/// Applies changes in the database alone: the write that follows is the whole change.
pub struct DbProvisioner;

#[async_trait::async_trait]
impl Provisioner for DbProvisioner {
    async fn apply(&self, _request: &ProvisionRequest) -> Result<(), ProvisionError> {
        Ok(())
    }

    fn is_local(&self) -> bool {
        true
    }
}
