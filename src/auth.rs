//! PINs: slow hashes (Argon2id), lock-out after repeated failures.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{DateTime, Duration, FixedOffset};

use crate::config::SecurityConfig;
use crate::store::User;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("PIN must be 4 to 12 digits")]
    PinShape,
    #[error("hash parameters rejected: {0}")]
    Params(String),
}

/// What a log-in attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok,
    WrongPin { left: u32 },
    Locked { until: DateTime<FixedOffset> },
    Disabled,
}

/// A PIN is 4 to 12 ASCII digits.
pub fn pin_ok(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn hasher(cfg: &SecurityConfig) -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(
        cfg.pin_hash_memory_kib.max(8),
        cfg.pin_hash_iterations.max(1),
        1,
        None,
    )
    .map_err(|e| AuthError::Params(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a PIN into a PHC string (salt and parameters included).
pub fn hash_pin(pin: &str, cfg: &SecurityConfig) -> Result<String, AuthError> {
    if !pin_ok(pin) {
        return Err(AuthError::PinShape);
    }
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..]);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| AuthError::Params(e.to_string()))?;
    hasher(cfg)?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Params(e.to_string()))
}

/// Checks a PIN against a stored PHC string (its own parameters apply).
pub fn verify_pin(pin: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .is_ok()
}

/// Applies one log-in attempt to the user record (the caller saves it).
pub fn attempt(
    user: &mut User,
    pin: &str,
    now: DateTime<FixedOffset>,
    cfg: &SecurityConfig,
) -> LoginOutcome {
    if user.disabled {
        return LoginOutcome::Disabled;
    }
    if let Some(until) = user.locked_until {
        if now < until {
            return LoginOutcome::Locked { until };
        }
        user.locked_until = None;
        user.failures = 0;
    }
    if verify_pin(pin, &user.pin_hash) {
        user.failures = 0;
        return LoginOutcome::Ok;
    }
    user.failures += 1;
    let max = cfg.max_pin_failures.max(1);
    if user.failures >= max {
        let until = now + Duration::minutes(cfg.lockout_minutes as i64);
        user.locked_until = Some(until);
        user.failures = 0;
        return LoginOutcome::Locked { until };
    }
    LoginOutcome::WrongPin {
        left: max - user.failures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;

    fn cheap() -> SecurityConfig {
        SecurityConfig {
            pin_hash_memory_kib: 64,
            pin_hash_iterations: 1,
            ..SecurityConfig::default()
        }
    }

    fn user(pin: &str) -> User {
        User {
            id: "001".into(),
            name: "王芳".into(),
            role: Role::Clerk,
            pin_hash: hash_pin(pin, &cheap()).expect("hash"),
            disabled: false,
            failures: 0,
            locked_until: None,
        }
    }

    #[test]
    fn pins_verify_and_hashes_are_salted() {
        let a = hash_pin("2468", &cheap()).expect("hash");
        let b = hash_pin("2468", &cheap()).expect("hash");
        assert_ne!(a, b, "same PIN must not give the same hash");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_pin("2468", &a));
        assert!(!verify_pin("2469", &a));
        assert!(!verify_pin("2468", "not a hash"));
    }

    #[test]
    fn pin_shape_is_checked() {
        assert_eq!(hash_pin("12a4", &cheap()), Err(AuthError::PinShape));
        assert_eq!(hash_pin("123", &cheap()), Err(AuthError::PinShape));
        assert!(pin_ok("0000") && pin_ok("123456789012") && !pin_ok("1234567890123"));
    }

    #[test]
    fn five_wrong_pins_lock_the_account_until_the_time_passes() {
        let cfg = cheap();
        let mut u = user("1357");
        let t0 = DateTime::parse_from_rfc3339("2026-11-28T09:00:00+08:00").expect("t");
        for left in (1..5).rev() {
            assert_eq!(
                attempt(&mut u, "0000", t0, &cfg),
                LoginOutcome::WrongPin { left }
            );
        }
        let until = t0 + Duration::minutes(15);
        assert_eq!(
            attempt(&mut u, "0000", t0, &cfg),
            LoginOutcome::Locked { until }
        );
        // Even the right PIN is refused while locked.
        assert_eq!(
            attempt(&mut u, "1357", t0 + Duration::minutes(14), &cfg),
            LoginOutcome::Locked { until }
        );
        assert_eq!(attempt(&mut u, "1357", until, &cfg), LoginOutcome::Ok);
        assert_eq!(u.failures, 0);
    }

    #[test]
    fn disabled_accounts_cannot_log_in() {
        let mut u = user("1357");
        u.disabled = true;
        let t0 = DateTime::parse_from_rfc3339("2026-11-28T09:00:00+08:00").expect("t");
        assert_eq!(
            attempt(&mut u, "1357", t0, &cheap()),
            LoginOutcome::Disabled
        );
    }
}
