//! The second factor: a TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of drift either way) and ten single-use recovery codes.
//!
//! A user with a confirmed authenticator signs in in two steps: the password or SMS code, then
//! the authenticator's code (or a recovery code) on the same attempt — a cookie token of which
//! only a hash is stored, valid 5 minutes, 5 tries. A code is accepted once: its time step is
//! recorded. A company may require the second factor of its admins; an admin's session without
//! it is sent to set one up before anything else.

use rand::Rng;
use totp_rs::{Algorithm, TOTP};

use super::auth::{constant_time_eq, new_token, token_hash};
use crate::domain::Actor;
use crate::domain::audit::AuditEvent;
use crate::store::audit;
use crate::store::second_factor as store;
use crate::store::{Db, Tx, users};

pub const ATTEMPT_LIFETIME_MS: i64 = 5 * 60_000;
pub const ATTEMPT_TRIES: i64 = 5;
pub const RECOVERY_CODES: usize = 10;
const STEP_SECONDS: i64 = 30;
const ISSUER: &str = "simfleet";
/// Recovery codes: letters and digits that are not mistaken for one another.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

#[derive(Debug, thiserror::Error)]
pub enum FactorError {
    #[error("the code is wrong or was used")]
    WrongCode,
    #[error("the second factor is already on")]
    AlreadyOn,
    #[error("the second factor is not on")]
    NotOn,
    /// Turning it off is refused: this company requires it of its admins.
    #[error("required by {0}")]
    RequiredBy(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the person needs to add the account to an authenticator app.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The secret in base32, for typing in by hand.
    pub secret: String,
    pub otpauth_url: String,
    /// The URL as a QR code (SVG).
    pub qr_svg: String,
}

#[derive(Debug, Clone, Default)]
pub struct Status {
    pub on: bool,
    pub pending: Option<Setup>,
    pub recovery_codes_left: i64,
}

fn totp(secret_b32: &str, account: &str) -> anyhow::Result<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("a stored TOTP secret does not decode: {e:?}"))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS as u64,
        bytes,
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .map_err(|e| anyhow::anyhow!("TOTP: {e}"))
}

fn setup_of(secret: &str, account: &str) -> anyhow::Result<Setup> {
    let url = totp(secret, account)?.get_url();
    let qr = qrcode::QrCode::new(url.as_bytes())?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(Setup {
        secret: secret.to_owned(),
        otpauth_url: url,
        qr_svg,
    })
}

/// The code an authenticator shows at `now_ms` (for tests and the demo).
pub fn code_at(secret_b32: &str, now_ms: i64) -> anyhow::Result<String> {
    Ok(totp(secret_b32, "x")?.generate((now_ms / 1000) as u64))
}

fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw: String = (0..10)
                .map(|_| {
                    char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())])
                })
                .collect();
            format!("{}-{}", &raw[..5], &raw[5..])
        })
        .collect();
    let hashes = codes
        .iter()
        .map(|c| token_hash(&normalize_recovery(c)))
        .collect();
    (codes, hashes)
}

/// Checks a code from the authenticator (taking its time step) or, failing that, uses up a
/// recovery code. Within the caller's transaction.
async fn accept_code(
    tx: &mut Tx,
    user_id: i64,
    secret: &store::Secret,
    code: &str,
    now_ms: i64,
) -> Result<bool, FactorError> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        let totp = totp(&secret.secret, "x")?;
        let now_step = now_ms / 1000 / STEP_SECONDS;
        for step in [now_step - 1, now_step, now_step + 1] {
            let expected = totp.generate((step * STEP_SECONDS) as u64);
            if constant_time_eq(&expected, code) {
                return Ok(store::take_step(tx, user_id, step).await?);
            }
        }
        return Ok(false);
    }
    let normalized = normalize_recovery(code);
    if normalized.len() != 10 || secret.confirmed_at.is_none() {
        return Ok(false);
    }
    Ok(store::use_recovery_code(tx, user_id, &token_hash(&normalized), now_ms).await?)
}

pub async fn status(db: &Db, user: &users::User) -> Result<Status, FactorError> {
    let Some(secret) = store::secret(db, user.id).await? else {
        return Ok(Status::default());
    };
    if secret.confirmed_at.is_none() {
        return Ok(Status {
            pending: Some(setup_of(&secret.secret, &user.msisdn)?),
            ..Status::default()
        });
    }
    Ok(Status {
        on: true,
        pending: None,
        recovery_codes_left: store::recovery_codes_left(db, user.id).await?,
    })
}

/// Starts setting up an authenticator: a new secret (20 random bytes), unconfirmed until the
/// first code from it is entered.
pub async fn begin(db: &Db, user: &users::User, now_ms: i64) -> Result<Setup, FactorError> {
    let mut tx = db.begin().await?;
    if let Some(s) = store::secret_tx(&mut tx, user.id).await?
        && s.confirmed_at.is_some()
    {
        return Err(FactorError::AlreadyOn);
    }
    let bytes: [u8; 20] = rand::rng().random();
    let secret = totp_rs::Secret::Raw(bytes.to_vec())
        .to_encoded()
        .to_string();
    store::put_pending(&mut tx, user.id, &secret, now_ms).await?;
    tx.commit().await?;
    Ok(setup_of(&secret, &user.msisdn)?)
}

/// Turns the authenticator on with its first code; the session it was done in counts as
/// confirmed with the second factor. The recovery codes, shown once.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    company_id: Option<i64>,
    session_hash: &str,
    code: &str,
    now_ms: i64,
) -> Result<Vec<String>, FactorError> {
    let user_id = actor.user_id.ok_or(FactorError::NotOn)?;
    let mut tx = db.begin().await?;
    let secret = store::secret_tx(&mut tx, user_id)
        .await?
        .ok_or(FactorError::NotOn)?;
    if secret.confirmed_at.is_some() {
        return Err(FactorError::AlreadyOn);
    }
    if !accept_code(&mut tx, user_id, &secret, code, now_ms).await? {
        return Err(FactorError::WrongCode);
    }
    store::confirm(&mut tx, user_id, now_ms).await?;
    let (codes, hashes) = new_recovery_codes();
    store::replace_recovery_codes(&mut tx, user_id, &hashes).await?;
    store::mark_session(&mut tx, session_hash).await?;
    let event = AuditEvent::TotpOn { user_id };
    audit::append_own(&mut tx, actor, company_id, &event).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Checks a current code of a user whose authenticator is on, in the caller's transaction.
async fn require_code(
    tx: &mut Tx,
    user_id: i64,
    code: &str,
    now_ms: i64,
) -> Result<(), FactorError> {
    let secret = store::secret_tx(tx, user_id)
        .await?
        .filter(|s| s.confirmed_at.is_some())
        .ok_or(FactorError::NotOn)?;
    if accept_code(tx, user_id, &secret, code, now_ms).await? {
        Ok(())
    } else {
        Err(FactorError::WrongCode)
    }
}

/// Turns the authenticator off (a current code or a recovery code is needed), unless a
/// company the user is an admin of requires it.
pub async fn disable(
    db: &Db,
    actor: &Actor,
    company_id: Option<i64>,
    code: &str,
    now_ms: i64,
) -> Result<(), FactorError> {
    let user_id = actor.user_id.ok_or(FactorError::NotOn)?;
    if let Some(company) = store::company_requiring(db, user_id).await? {
        return Err(FactorError::RequiredBy(company));
    }
    let mut tx = db.begin().await?;
    require_code(&mut tx, user_id, code, now_ms).await?;
    store::delete(&mut tx, user_id).await?;
    let event = AuditEvent::TotpOff { user_id };
    audit::append_own(&mut tx, actor, company_id, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// New recovery codes in place of the old ones (a current code is needed); shown once.
pub async fn renew_recovery_codes(
    db: &Db,
    actor: &Actor,
    company_id: Option<i64>,
    code: &str,
    now_ms: i64,
) -> Result<Vec<String>, FactorError> {
    let user_id = actor.user_id.ok_or(FactorError::NotOn)?;
    let mut tx = db.begin().await?;
    require_code(&mut tx, user_id, code, now_ms).await?;
    let (codes, hashes) = new_recovery_codes();
    store::replace_recovery_codes(&mut tx, user_id, &hashes).await?;
    let event = AuditEvent::RecoveryCodesRenewed { user_id };
    audit::append_own(&mut tx, actor, company_id, &event).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Whether signing in needs the second step.
pub async fn is_on(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(store::secret(db, user_id)
        .await?
        .is_some_and(|s| s.confirmed_at.is_some()))
}

/// After the first factor: an attempt waiting for the second; the token for its cookie.
pub async fn start_attempt(db: &Db, user_id: i64, now_ms: i64) -> Result<String, sqlx::Error> {
    let token = new_token();
    let expires = now_ms + ATTEMPT_LIFETIME_MS;
    store::insert_attempt(db, &token_hash(&token), user_id, now_ms, expires).await?;
    Ok(token)
}

/// Wrong codes (recovery codes included) for one user within [`FAILURE_WINDOW_MS`] after
/// which the second step refuses every code for them, the right one too.
pub const USER_FAILURES: i64 = 10;
/// Wrong codes from one address within the window after which that address waits.
pub const ADDRESS_FAILURES: i64 = 20;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60_000;

/// How the second step ended.
#[derive(Debug)]
pub enum SecondStep {
    Passed(users::User),
    /// No live attempt, or a wrong code.
    Refused,
    /// Too many wrong codes for this user lately: every code is refused for now. `first` is
    /// set when this very code reached the limit (the user is then told by e-mail).
    UserLocked {
        first: Option<users::User>,
    },
    /// Too many wrong codes from this address lately.
    AddressWaits,
}

/// The second step: the user, if the attempt is live and the code right (the attempt is then
/// used up). A wrong code counts a try (the fifth voids the attempt) and a failure for the user
/// and the address, which outlive attempts: see [`USER_FAILURES`], [`ADDRESS_FAILURES`].
pub async fn finish_attempt(
    db: &Db,
    attempt: &str,
    code: &str,
    ip: &str,
    now_ms: i64,
) -> Result<SecondStep, FactorError> {
    if attempt.is_empty() {
        return Ok(SecondStep::Refused);
    }
    let hash = token_hash(attempt);
    let mut tx = db.begin().await?;
    let Some(a) = store::try_attempt(&mut tx, &hash).await? else {
        return Ok(SecondStep::Refused);
    };
    let (mine, from_here) =
        store::failures_since(&mut tx, a.user_id, ip, now_ms - FAILURE_WINDOW_MS).await?;
    if mine >= USER_FAILURES || from_here >= ADDRESS_FAILURES {
        tx.commit().await?;
        return Ok(if mine >= USER_FAILURES {
            SecondStep::UserLocked { first: None }
        } else {
            SecondStep::AddressWaits
        });
    }
    let live = a.used_at.is_none() && a.expires_at > now_ms && a.tries <= ATTEMPT_TRIES;
    let accepted = live && {
        match store::secret_tx(&mut tx, a.user_id).await? {
            Some(s) if s.confirmed_at.is_some() => {
                accept_code(&mut tx, a.user_id, &s, code, now_ms).await?
            }
            _ => false,
        }
    };
    if !accepted {
        // The try and the failure are counted even though the answer is no.
        store::record_failure(&mut tx, a.user_id, ip, now_ms).await?;
        let first = if mine + 1 == USER_FAILURES {
            users::find_by_id_tx(&mut tx, a.user_id).await?
        } else {
            None
        };
        tx.commit().await?;
        return Ok(match first {
            Some(user) => SecondStep::UserLocked { first: Some(user) },
            None => SecondStep::Refused,
        });
    }
    store::finish_attempt(&mut tx, &hash, now_ms).await?;
    let user = users::find_by_id_tx(&mut tx, a.user_id)
        .await?
        .filter(|u| u.disabled == 0);
    tx.commit().await?;
    Ok(user.map_or(SecondStep::Refused, SecondStep::Passed))
}

/// Sets whether the company's admins must have a second factor, audited.
/// Whether the company's admins must sign in with a second factor: a rule over admins is the
/// admins' own (or the operator's) to set, so a delegated permit finds nothing to change.
pub async fn set_company_rule(
    db: &Db,
    permit: &crate::authz::Permit,
    on: bool,
) -> Result<(), super::UseCaseError> {
    if !permit.is_whole_company() {
        return Err(super::UseCaseError::NotFound);
    }
    let company_id = permit.company_id();
    let mut tx = db.begin().await?;
    store::set_company_rule(&mut tx, permit, on).await?;
    let event = AuditEvent::AdminsNeedTotp { company_id, on };
    audit::append(&mut tx, permit, &event).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at T = 59 s gives 94287082
    // (8 digits); its last 6 digits are what a 6-digit authenticator shows.
    #[test]
    fn matches_the_rfc_test_vector() {
        let secret = totp_rs::Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59_000).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109_000).unwrap(), "081804");
    }

    #[test]
    fn recovery_codes_are_distinct_and_forgiving() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-')
        );
        let distinct: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(distinct.len(), RECOVERY_CODES);
        let typed = codes[0].to_uppercase().replace('-', " ");
        assert_eq!(token_hash(&normalize_recovery(&typed)), hashes[0]);
    }

    #[test]
    fn the_qr_code_carries_the_otpauth_url() {
        let setup = setup_of("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "79001234567").unwrap();
        assert!(
            setup
                .otpauth_url
                .starts_with("otpauth://totp/simfleet:79001234567?")
        );
        assert!(setup.otpauth_url.contains("issuer=simfleet"));
        assert!(setup.qr_svg.starts_with("<?xml") || setup.qr_svg.contains("<svg"));
    }
}
