//! Serialising limit checks: a request that counts what it may still send takes the row of
//! what it counts for first, so two at once count one after the other (PostgreSQL holds the
//! row's lock until the transaction ends; SQLite writes one transaction at a time anyway).

use super::Tx;

/// Takes `key`'s row (made on first use) until the transaction ends.
pub async fn take(tx: &mut Tx, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO limit_keys (key) VALUES ($1) ON CONFLICT (key) DO UPDATE SET key = excluded.key",
    )
    .bind(key)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}
