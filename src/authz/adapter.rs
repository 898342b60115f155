//! A read-only casbin adapter: the role lines of `policies/policy.csv`, and role links read
//! from the database (memberships, and the rights of grants that are neither revoked nor past
//! their date). Works on both databases; changes are written to the tables, never through it.

use casbin::{Adapter, Filter, Model};

use crate::store::{Db, grants};

pub struct GrantsAdapter {
    pub db: Db,
    pub policy: &'static str,
    /// Grants expiring at or before this time are left out.
    pub now: i64,
}

fn adapter_error(e: impl std::error::Error + Send + Sync + 'static) -> casbin::Error {
    casbin::Error::AdapterError(casbin::error::AdapterError(Box::new(e)))
}

fn read_only() -> casbin::Error {
    adapter_error(std::io::Error::other(
        "roles and grants are changed in their tables, not through casbin",
    ))
}

/// The `p` lines of a policy file.
pub fn policy_lines(policy: &str) -> Vec<Vec<String>> {
    policy
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("p,"))
        .map(|l| l.split(',').skip(1).map(|t| t.trim().to_owned()).collect())
        .collect()
}

#[async_trait::async_trait]
impl Adapter for GrantsAdapter {
    async fn load_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        for rule in policy_lines(self.policy) {
            m.add_policy("p", "p", rule);
        }
        let links = grants::role_links(&self.db, self.now)
            .await
            .map_err(adapter_error)?;
        for (subject, role, company_id) in links {
            m.add_policy(
                "g",
                "g",
                vec![subject, role, format!("company:{company_id}")],
            );
        }
        Ok(())
    }

    async fn load_filtered_policy<'a>(
        &mut self,
        m: &mut dyn Model,
        _f: Filter<'a>,
    ) -> casbin::Result<()> {
        self.load_policy(m).await
    }

    async fn save_policy(&mut self, _m: &mut dyn Model) -> casbin::Result<()> {
        Err(read_only())
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        Err(read_only())
    }

    fn is_filtered(&self) -> bool {
        false
    }

    async fn add_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn add_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_policy(&mut self, _: &str, _: &str, _: Vec<String>) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_policies(
        &mut self,
        _: &str,
        _: &str,
        _: Vec<Vec<String>>,
    ) -> casbin::Result<bool> {
        Err(read_only())
    }

    async fn remove_filtered_policy(
        &mut self,
        _: &str,
        _: &str,
        _: usize,
        _: Vec<String>,
    ) -> casbin::Result<bool> {
        Err(read_only())
    }
}
