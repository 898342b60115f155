//! Passwords and session tokens.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

use crate::domain::{Msisdn, ParseError};
use crate::store::{Db, users};

pub const MIN_PASSWORD_LEN: usize = 8;
const MAX_PASSWORD_LEN: usize = 256;

pub fn validate_password(pw: &str) -> Result<(), ParseError> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(ParseError::new(format!(
            "пароль — не короче {MIN_PASSWORD_LEN} символов"
        )));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(ParseError::new("пароль слишком длинный"));
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

/// A password for a new account, printed once.
pub fn generate_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(14)
        .map(char::from)
        .collect()
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
        assert_eq!(generate_password().len(), 14);
        assert_ne!(new_token(), new_token());
        assert_eq!(token_hash("a").len(), 64);
    }
}
