//! Signing in by one-time SMS code, the wrong-password lock and throttle, and password resets
//! by code.
//!
//! A code is 6 digits from the thread CSPRNG, valid 5 minutes, used once, tried at most 5
//! times, and belongs to the sign-in attempt it was issued for: a random token kept in the
//! browser's cookie, of which the database holds only a hash. The code is stored as SHA-256 of
//! token and code, so the table alone gives nothing to try. A number nobody has gets an
//! attempt too (and no SMS), so the answer never says whether a number is known.

use crate::sms::texts;
use std::collections::HashSet;
use std::sync::LazyLock;
use std::time::Duration;

use rand::Rng;
use sha2::{Digest, Sha256};

use super::auth::{constant_time_eq, new_token, token_hash};
use super::limits::{DAY, MINUTE, PER_NUMBER, wait_minutes};
use crate::authz::Permit;
use crate::domain::Actor;
use crate::domain::Msisdn;
use crate::domain::audit::{AuditEvent, CodeSent};
use crate::sms::SmsGateway;
use crate::store::audit;
use crate::store::sign_in::{self, NewCode};
use crate::store::{Db, limits, sessions, users};

pub const CODE_LIFETIME: Duration = Duration::from_secs(5 * 60);
pub const CODE_TRIES: i64 = 5;
/// Codes one address may ask for, whatever the numbers: 10 in 10 minutes, 50 a day.
const PER_ADDRESS: [(i64, i64); 2] = [(10, 10 * MINUTE), (50, DAY)];
/// Wrong passwords for a number within the window, after which only a code lets one in.
pub const LOCK_AFTER: i64 = 5;
const LOCK_WINDOW: i64 = 15 * MINUTE;
/// Wrong passwords from one address within the window, after which it must wait.
pub const THROTTLE_AFTER: i64 = 20;
/// Password changes a user may make in 24 hours.
pub const CHANGES_PER_DAY: i64 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Reset => "reset",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many codes asked for; the next may be asked for in this many minutes.
    #[error("too many codes")]
    TooManyCodes { minutes: i64 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn code_hash(attempt: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{attempt}:{code}").as_bytes()))
}

/// Six digits, leading zeros kept.
fn new_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// A code issued: the attempt token for the browser's cookie, and the text for the number
/// (none when nobody has it), which [`deliver`] sends after the request has answered.
pub struct Issued {
    pub attempt: String,
    pub text: Option<(String, String)>,
}

/// Issues a code for a new attempt. Known and unknown numbers run the same statements here; the
/// text is sent apart from the request ([`deliver`]), so neither its time nor a gateway's
/// failure tells whether anyone has the number.
pub async fn request_code(
    db: &Db,
    now: i64,
    msisdn: &Msisdn,
    purpose: Purpose,
    ip: &str,
) -> Result<Issued, SignInError> {
    let number = msisdn.as_str();
    let user = users::find_by_msisdn(db, number)
        .await?
        .filter(|u| u.disabled == 0);
    let attempt = new_token();
    let code = new_code();
    let mut tx = db.begin().await?;
    // Counted inside the transaction that adds the code, each count's row taken first: two
    // requests at once cannot both pass the last free place.
    for (by_ip, who, limits) in [
        (false, number, &PER_NUMBER[..]),
        (true, ip, &PER_ADDRESS[..]),
    ] {
        let kind = if by_ip { "address" } else { "number" };
        limits::take(&mut tx, &format!("code:{kind}:{who}")).await?;
        let times = sign_in::code_times(&mut tx, by_ip, who, now - DAY).await?;
        if let Some(minutes) = wait_minutes(&times, limits, now) {
            return Err(SignInError::TooManyCodes { minutes });
        }
    }
    sign_in::insert_code(
        &mut tx,
        &NewCode {
            attempt_hash: &token_hash(&attempt),
            purpose: purpose.as_str(),
            msisdn: number,
            user_id: user.as_ref().map(|u| u.id),
            code_hash: &code_hash(&attempt, &code),
            ip,
            created_at: now,
            expires_at: now + CODE_LIFETIME.as_millis() as i64,
        },
    )
    .await?;
    let actor = Actor {
        user_id: user.as_ref().map(|u| u.id),
        label: number.to_owned(),
        ip: ip.to_owned(),
        token_id: None,
    };
    let event = AuditEvent::CodeSent {
        user_id: user.as_ref().map(|u| u.id),
        code: CodeSent {
            purpose: purpose.as_str().to_owned(),
            known: user.is_some(),
        },
    };
    audit::append_own(&mut tx, &actor, None, &event).await?;
    tx.commit().await?;
    let text = user.is_some().then(|| {
        let body = match purpose {
            Purpose::Login => texts::text(&texts::LoginCode { code: &code }),
            Purpose::Reset => texts::text(&texts::ResetCode { code: &code }),
        };
        (number.to_owned(), body)
    });
    Ok(Issued { attempt, text })
}

/// Sends an issued code's text, if it has one; a failure is logged (the person asks again).
pub async fn deliver(sms: &dyn SmsGateway, text: Option<(String, String)>) {
    if let Some((number, body)) = text
        && let Err(e) = sms.send(&number, &body).await
    {
        tracing::error!(error = %e.0, "the sign-in code was not sent");
    }
}

/// A code that matched, not yet marked used.
#[derive(Debug, Clone)]
pub struct Checked {
    pub code_id: i64,
    pub user_id: i64,
    pub msisdn: String,
}

/// Checks a code against its attempt. A wrong code counts a try; an expired, used or
/// exhausted code, an unknown attempt and a number nobody has all give `None` alike.
pub async fn check_code(
    db: &Db,
    now: i64,
    attempt: &str,
    code: &str,
    purpose: Purpose,
) -> Result<Option<Checked>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let Some(row) = sign_in::find_code(&mut tx, &token_hash(attempt), purpose.as_str()).await?
    else {
        return Ok(None);
    };
    if row.used_at.is_some() || row.expires_at <= now || row.tries >= CODE_TRIES {
        return Ok(None);
    }
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if !constant_time_eq(&code_hash(attempt, &code), &row.code_hash) {
        sign_in::count_try(&mut tx, row.id).await?;
        tx.commit().await?;
        return Ok(None);
    }
    Ok(row.user_id.map(|user_id| Checked {
        code_id: row.id,
        user_id,
        msisdn: row.msisdn,
    }))
}

/// Checks a sign-in code and uses it up; the user it lets in, if any. The number's count of
/// wrong passwords starts over.
pub async fn sign_in_with_code(
    db: &Db,
    now: i64,
    attempt: &str,
    code: &str,
) -> Result<Option<users::User>, sqlx::Error> {
    let Some(checked) = check_code(db, now, attempt, code, Purpose::Login).await? else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    if !sign_in::use_code(&mut tx, checked.code_id, now).await? {
        return Ok(None);
    }
    sign_in::clear_failures(&mut tx, &checked.msisdn).await?;
    let user = users::find_by_id_tx(&mut tx, checked.user_id)
        .await?
        .filter(|u| u.disabled == 0);
    tx.commit().await?;
    Ok(user)
}

/// Why a password login is not even tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordGate {
    Open,
    /// Too many wrong passwords for the number: only a code lets one in now.
    NeedsCode,
    /// Too many wrong passwords from this address: wait.
    Throttled,
}

pub async fn password_gate(
    db: &Db,
    now: i64,
    msisdn: &str,
    ip: &str,
) -> Result<PasswordGate, sqlx::Error> {
    let since = now - LOCK_WINDOW;
    if sign_in::failures_since(db, true, ip, since).await? >= THROTTLE_AFTER {
        return Ok(PasswordGate::Throttled);
    }
    if sign_in::failures_since(db, false, msisdn, since).await? >= LOCK_AFTER {
        return Ok(PasswordGate::NeedsCode);
    }
    Ok(PasswordGate::Open)
}

pub async fn record_wrong_password(
    db: &Db,
    now: i64,
    msisdn: &str,
    ip: &str,
) -> Result<(), sqlx::Error> {
    sign_in::record_failure(db, msisdn, ip, now).await
}

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// Whether a password is on the shipped list of common passwords (case aside).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("code")]
    WrongCode,
    #[error("too many changes")]
    TooManyChanges,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Sets a new password (already checked and hashed) for the user a reset code belongs to,
/// at most [`CHANGES_PER_DAY`] times in 24 hours; every session of the user ends.
pub async fn reset_password(
    db: &Db,
    now: i64,
    attempt: &str,
    code: &str,
    new_hash: &str,
    ip: &str,
) -> Result<users::User, ResetError> {
    let checked = check_code(db, now, attempt, code, Purpose::Reset)
        .await?
        .ok_or(ResetError::WrongCode)?;
    let mut tx = db.begin().await?;
    users::lock(&mut tx, checked.user_id).await?;
    let user = users::find_by_id_tx(&mut tx, checked.user_id)
        .await?
        .filter(|u| u.disabled == 0)
        .ok_or(ResetError::WrongCode)?;
    if sign_in::password_changes_since(&mut tx, user.id, now - DAY).await? >= CHANGES_PER_DAY {
        return Err(ResetError::TooManyChanges);
    }
    if !sign_in::use_code(&mut tx, checked.code_id, now).await? {
        return Err(ResetError::WrongCode);
    }
    users::set_password_hash(&mut tx, user.id, new_hash).await?;
    sign_in::record_password_change(&mut tx, user.id, now).await?;
    sign_in::clear_failures(&mut tx, &user.msisdn).await?;
    let ended = sessions::delete_for_user(&mut tx, user.id).await?;
    let actor = Actor {
        user_id: Some(user.id),
        label: user.msisdn.clone(),
        ip: ip.to_owned(),
        token_id: None,
    };
    let event = AuditEvent::PasswordReset {
        user_id: user.id,
        sessions_ended: ended as i64,
    };
    audit::append_own(&mut tx, &actor, None, &event).await?;
    tx.commit().await?;
    Ok(user)
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("the current password is wrong")]
    WrongCurrent,
    /// Too many wrong passwords for the number or from the address, for now.
    #[error("locked for now")]
    Locked,
    #[error("too many changes")]
    TooManyChanges,
    #[error("hashing the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A signed-in person sets a new password (already checked) by their current one, at most
/// [`CHANGES_PER_DAY`] times in 24 hours, the resets included. Each try counts as a wrong
/// sign-in until the current password proves right, so tries sent at once meet the lock too;
/// the new one is hashed only then. Their other sessions end; this one (`keep`) stays.
pub async fn change_password(
    db: &Db,
    permit: &Permit,
    keep: &str,
    current: &str,
    new_password: &str,
    now: i64,
) -> Result<(), PasswordChangeError> {
    let actor = permit.actor();
    let user_id = actor.user_id.ok_or(PasswordChangeError::WrongCurrent)?;
    let user = users::find_by_id(&mut *db.pool.acquire().await?, user_id)
        .await?
        .ok_or(PasswordChangeError::WrongCurrent)?;
    if password_gate(db, now, &user.msisdn, &actor.ip).await? != PasswordGate::Open {
        return Err(PasswordChangeError::Locked);
    }
    record_wrong_password(db, now, &user.msisdn, &actor.ip).await?;
    let hash = user.password_hash.clone().unwrap_or_default();
    if hash.is_empty() || !super::auth::verify_password(hash, current.to_owned()).await {
        return Err(PasswordChangeError::WrongCurrent);
    }
    let new_hash = super::auth::hash_password(new_password.to_owned())
        .await
        .map_err(|e| PasswordChangeError::Hash(e.to_string()))?;
    let mut tx = db.begin().await?;
    users::lock(&mut tx, user.id).await?;
    sign_in::clear_failures(&mut tx, &user.msisdn).await?;
    if sign_in::password_changes_since(&mut tx, user.id, now - DAY).await? >= CHANGES_PER_DAY {
        return Err(PasswordChangeError::TooManyChanges);
    }
    users::set_password_hash(&mut tx, user.id, &new_hash).await?;
    sign_in::record_password_change(&mut tx, user.id, now).await?;
    let ended = sessions::delete_others(&mut tx, user.id, keep).await?;
    let event = AuditEvent::PasswordChanged {
        user_id: user.id,
        sessions_ended: ended as i64,
    };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: HashSet<String> = (0..200).map(|_| new_code()).collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.chars().all(|d| d.is_ascii_digit()))
        );
        assert!(codes.len() > 190, "{} distinct of 200", codes.len());
    }

    #[test]
    fn a_code_hash_depends_on_the_attempt() {
        assert_ne!(code_hash("a", "123456"), code_hash("b", "123456"));
        assert_eq!(code_hash("a", "123456").len(), 64);
    }

    #[test]
    fn common_passwords_are_known_whatever_the_case() {
        assert!(is_common("password"));
        assert!(is_common("Qwertyuiop"));
        assert!(is_common("1qaz2wsx"));
        assert!(!is_common("тихий-омут-2026"));
        assert!(COMMON.len() > 5_000);
    }
}
