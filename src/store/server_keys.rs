//! Secrets shared by every instance on one database (the pre-session form key).

use super::{Db, now_ms};

/// The secret named `name`: `candidate` if none was stored yet, else the stored one (two
/// instances starting at once agree on whichever was written first).
pub async fn get_or_insert(db: &Db, name: &str, candidate: &str) -> Result<String, sqlx::Error> {
    // Read first: after the first start there is nothing to write.
    if let Some(secret) = stored(db, name).await? {
        return Ok(secret);
    }
    sqlx::query(
        "INSERT INTO server_keys (name, secret, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(candidate)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    stored(db, name).await?.ok_or(sqlx::Error::RowNotFound)
}

async fn stored(db: &Db, name: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT secret FROM server_keys WHERE name = $1")
        .bind(name)
        .fetch_optional(&db.pool)
        .await
}
