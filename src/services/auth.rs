//! Passwords and session tokens.

use crate::domain::Problem;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::domain::Actor;
use crate::domain::audit::{AuditEvent, SignIn};
use crate::domain::{Msisdn, ParseError};
use crate::store::audit;
use crate::store::sessions::{self, NewSession};
use crate::store::{Db, users};

pub const MIN_PASSWORD_LEN: usize = 8;
const MAX_PASSWORD_LEN: usize = 256;

pub fn validate_password(pw: &str) -> Result<(), ParseError> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(ParseError::new(Problem::PasswordTooShort {
            min: MIN_PASSWORD_LEN,
        }));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(ParseError::new(Problem::PasswordTooLong));
    }
    if super::sign_in::is_common(pw) {
        return Err(ParseError::new(Problem::PasswordCommon));
    }
    Ok(())
}

/// argon2id, off the async threads.
pub async fn hash_password(pw: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

pub async fn verify_password(hash: String, pw: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(pw.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

// A hash of a random password, checked when the number is unknown so that an unknown number
// takes as long as a known one.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2ltZmxlZXRkZWNveXNhbHQ$2DXYM1+Vqs8yw1MmfEHMwpzxJQ2HNQZVu4fKj7ELnAs";

/// The user behind a number and password, if both are right and the user may log in.
pub async fn authenticate(
    db: &Db,
    number: &str,
    password: &str,
) -> anyhow::Result<Option<users::User>> {
    let Ok(msisdn) = Msisdn::parse(number) else {
        return Ok(None);
    };
    let user = users::find_by_msisdn(db, msisdn.as_str()).await?;
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DECOY_HASH.to_owned());
    let ok = verify_password(hash, password.to_owned()).await;
    Ok(user.filter(|u| ok && u.disabled == 0 && u.password_hash.is_some()))
}

/// Where a login comes from.
pub struct Client<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The time of the request, by the app's clock.
    pub now: i64,
    /// The browser's device token (its long-lived cookie).
    pub device: &'a str,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct Started {
    /// For the session cookie.
    pub token: String,
    /// The user signed in from a browser never seen before (and had others).
    pub new_device: bool,
}

/// Opens a session for the user (ending `previous`, so the id is new at every login), with its
/// audit entry, in one transaction; remembers the browser.
pub async fn start_session(
    db: &Db,
    user: &users::User,
    company_id: Option<i64>,
    lifetime_ms: i64,
    client: &Client<'_>,
    previous: Option<&str>,
    second_factor: bool,
) -> Result<Started, sqlx::Error> {
    let token = new_token();
    let mut tx = db.begin().await?;
    if let Some(old) = previous {
        sessions::delete(&mut tx, old).await?;
    }
    sessions::insert(
        &mut tx,
        &NewSession {
            id_hash: &token_hash(&token),
            second_factor,
            user_id: user.id,
            company_id,
            csrf_token: &new_token(),
            created_at: client.now,
            expires_at: client.now + lifetime_ms,
            ip: client.ip,
            user_agent: client.user_agent,
        },
    )
    .await?;
    if let Some(company_id) = company_id {
        users::mark_joined(&mut tx, user.id, company_id, client.now).await?;
    }
    let actor = Actor {
        user_id: Some(user.id),
        label: user.msisdn.clone(),
        ip: client.ip.to_owned(),
        token_id: None,
    };
    let unseen = sessions::remember_device(
        &mut tx,
        user.id,
        &token_hash(client.device),
        client.user_agent,
        client.ip,
        client.now,
    )
    .await?;
    let new_device = unseen && sessions::device_count(&mut tx, user.id).await? > 1;
    let event = AuditEvent::SignedIn {
        user_id: user.id,
        device: SignIn {
            user_agent: client.user_agent.to_owned(),
            new_device: Some(new_device),
            second_factor: Some(second_factor),
        },
    };
    audit::append_own(&mut tx, &actor, company_id, &event).await?;
    tx.commit().await?;
    Ok(Started { token, new_device })
}

/// Records a refused login (operator-level: the number may belong to no one).
pub async fn record_failed_login(
    db: &Db,
    number: &str,
    client: &Client<'_>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let actor = Actor {
        user_id: None,
        label: number.chars().take(40).collect(),
        ip: client.ip.to_owned(),
        token_id: None,
    };
    audit::append_own(&mut tx, &actor, None, &AuditEvent::SignInFailed).await?;
    tx.commit().await
}

/// Points the session at one of the user's companies under a new session id (the token for
/// its cookie), audited in that company.
pub async fn choose_company(
    db: &Db,
    actor: &Actor,
    id_hash: &str,
    user_id: i64,
    company_id: i64,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    let mut tx = db.begin().await?;
    sessions::set_company(&mut tx, id_hash, &token_hash(&token), company_id).await?;
    users::mark_joined(&mut tx, user_id, company_id, crate::store::now_ms()).await?;
    let event = AuditEvent::CompanyChosen { user_id };
    audit::append_own(&mut tx, actor, Some(company_id), &event).await?;
    tx.commit().await?;
    Ok(token)
}

/// Ends the session, audited in its company.
pub async fn end_session(
    db: &Db,
    actor: &Actor,
    id_hash: &str,
    user_id: i64,
    company_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sessions::delete(&mut tx, id_hash).await?;
    audit::append_own(
        &mut tx,
        actor,
        company_id,
        &AuditEvent::SignedOut { user_id },
    )
    .await?;
    tx.commit().await
}

/// A password for a new account, printed once.
pub fn generate_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(14)
        .map(char::from)
        .collect()
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A token for a form shown before any session (the double-submit cookie and field): a random
/// part and its HMAC under the instances' shared key, so only a pair this server made passes.
pub fn signed_token(key: &[u8]) -> String {
    let nonce = new_token();
    let mac = form_mac(key, &nonce);
    format!("{nonce}.{mac}")
}

/// Whether a pre-session form token is one [`signed_token`] made under this key.
pub fn is_signed(key: &[u8], token: &str) -> bool {
    token.split_once('.').is_some_and(|(nonce, mac)| {
        let expected = form_mac(key, nonce);
        !expected.is_empty() && constant_time_eq(&expected, mac)
    })
}

fn form_mac(key: &[u8], nonce: &str) -> String {
    use hmac::{Hmac, Mac};
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"pre-session form:");
    mac.update(nonce.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A fresh random token: 32 bytes, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// What is stored for a token: its SHA-256, so a read of the table gives no usable cookie.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tokens_signed_under_the_key_pass() {
        let token = signed_token(b"key one");
        assert!(is_signed(b"key one", &token));
        assert!(!is_signed(b"key two", &token));
        let (nonce, _) = token.split_once('.').expect("two parts");
        assert!(!is_signed(b"key one", &format!("{nonce}.00")));
        assert!(!is_signed(b"key one", nonce));
        assert!(!is_signed(b"key one", ""));
        assert_ne!(signed_token(b"key one"), token, "each is new");
    }

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let h1 = hash_password("correct horse".into()).await.unwrap();
        let h2 = hash_password("correct horse".into()).await.unwrap();
        assert!(h1.starts_with("$argon2id$"));
        assert_ne!(h1, h2);
        assert!(verify_password(h1.clone(), "correct horse".into()).await);
        assert!(!verify_password(h1, "wrong horse".into()).await);
    }

    #[tokio::test]
    async fn decoy_hash_is_a_valid_hash() {
        assert!(PasswordHash::new(DECOY_HASH).is_ok());
        assert!(!verify_password(DECOY_HASH.into(), "anything".into()).await);
    }

    #[test]
    fn password_rules() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough").is_ok());
        assert!(validate_password("qwerty123").is_err());
        assert_eq!(generate_password().len(), 14);
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("a").len(), 64);
    }
}
