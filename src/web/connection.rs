//! A signed-in request's own connection: its session is read on it, and the handler reads on
//! it too, so the request gives one connection back to the pool, not one per statement.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection};

use crate::store::Db;

/// A request's own connection from `Db::requests`, kept until the handler ends. Each request
/// reads its visitor once, so it holds at most one.
#[derive(Clone, Default)]
pub struct RequestConn(Arc<Mutex<Option<PoolConnection<Any>>>>);

impl RequestConn {
    pub fn holding(conn: PoolConnection<Any>) -> Self {
        Self(Arc::new(Mutex::new(Some(conn))))
    }

    /// The request's own connection if it is not lent out already, else one of the main
    /// pool's (never a second of `Db::requests`: see there).
    pub async fn lend(&self, db: &Db) -> Result<Lent, sqlx::Error> {
        let own = self.slot().take();
        Ok(match own {
            Some(conn) => Lent {
                conn: Some(conn),
                back_to: Some(self.clone()),
            },
            None => Lent {
                conn: Some(db.pool.acquire().await?),
                back_to: None,
            },
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<PoolConnection<Any>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connection lent for a while: the request's own, which goes back to the request when this
/// drops, or (while that one is lent out) one of the main pool's.
pub struct Lent {
    conn: Option<PoolConnection<Any>>,
    back_to: Option<RequestConn>,
}

impl Deref for Lent {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        self.conn.as_deref().expect("lent until dropped")
    }
}

impl DerefMut for Lent {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        self.conn.as_deref_mut().expect("lent until dropped")
    }
}

impl Drop for Lent {
    fn drop(&mut self) {
        if let (Some(conn), Some(owner)) = (self.conn.take(), &self.back_to) {
            *owner.slot() = Some(conn);
        }
    }
}

impl std::fmt::Debug for RequestConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestConn")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_lends_its_own_connection_then_the_main_pools() {
        let dir = tempfile::tempdir().expect("dir");
        let db = Db::connect(&format!("sqlite://{}/c.db", dir.path().display()), 1)
            .await
            .expect("connect");
        let own = RequestConn::holding(db.requests.acquire().await.expect("own"));
        let first = own.lend(&db).await.expect("first");
        assert!(first.back_to.is_some(), "the request's own");
        let second = own.lend(&db).await.expect("second");
        assert!(
            second.back_to.is_none(),
            "the main pool's, while the own is out"
        );
        drop(second);
        drop(first);
        assert!(
            own.slot().is_some(),
            "back with the request, not in its pool"
        );
        assert_eq!(db.requests.num_idle(), 0);
        let again = own.lend(&db).await.expect("again");
        assert!(again.back_to.is_some());
        drop(again);
        drop(own);
        // The pool takes it back once it has checked it (a task of its own).
        let mut waited = 0;
        while db.requests.num_idle() == 0 && waited < 100 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            waited += 1;
        }
        assert_eq!(
            db.requests.num_idle(),
            1,
            "given back when the request ends"
        );
    }
}
