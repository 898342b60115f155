//! Serialising limit checks: a request that counts what it may still send takes the row of
//! what it counts for first, so two at once count one after the other (PostgreSQL holds the
//! row's lock until the transaction ends; SQLite writes one transaction at a time anyway).

use super::{Db, Tx};

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

/// Forgets what no limit counts any more: invitations older than a day, and the limit rows
/// (made again on their next use; a check holding one is waited for).
pub async fn sweep(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    const DAY: i64 = 24 * 3_600_000;
    // Asked first without writing: most sweeps (and the one at start-up) find nothing.
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM limit_keys) + (SELECT COUNT(*) FROM invitations WHERE at < $1)",
    )
    .bind(now - DAY)
    .fetch_one(&db.pool)
    .await?;
    if held == 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM invitations WHERE at < $1")
        .bind(now - DAY)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM limit_keys")
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
