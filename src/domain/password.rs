//! Password hashing with argon2id (RustCrypto's `argon2`, default parameters:
//! 19 MiB, 2 passes). Only the PHC string is ever stored.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use subtle::ConstantTimeEq;

/// A real argon2id hash (of a random string nobody knows) with the same
/// parameters as ours: verifying against it for an unknown username costs the
/// same time as a real verification, so timing does not reveal which names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2hvcGZyb250LWR1bW15$UnVxvflZiP/mIfbE9BEgQcTU2JTIVpQ2oJ4ocPsUB2Y";

#[derive(Debug, thiserror::Error)]
#[error("could not hash the password: {0}")]
pub struct HashError(String);

/// Hashes a password with argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    with_permit(|| {
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
}

/// How many argon2 computations may run at once: one per core. Each holds
/// 19 MiB while it runs, so a burst of sign-ups (hundreds of SSH sessions)
/// waits its turn instead of multiplying memory; with one per core it
/// finishes no later.
struct Permits {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

fn with_permit<T>(work: impl FnOnce() -> T) -> T {
    static PERMITS: std::sync::OnceLock<Permits> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| Permits {
        free: std::sync::Mutex::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
        freed: std::sync::Condvar::new(),
    });
    {
        let mut free = permits.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = permits.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
    }
    // Given back even if the work panics.
    struct Release<'a>(&'a Permits);
    impl Drop for Release<'_> {
        fn drop(&mut self) {
            *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
            self.0.freed.notify_one();
        }
    }
    let _release = Release(permits);
    work()
}

/// Verifies a password against a stored PHC string. A malformed stored hash
/// verifies nothing (and still costs a real verification).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => with_permit(|| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()),
        Err(_) => {
            burn_one_verification(password);
            false
        }
    }
}

/// Spends the time of one verification and always fails.
pub fn burn_one_verification(password: &str) {
    if let Ok(parsed) = PasswordHash::new(DUMMY_HASH) {
        with_permit(|| {
            let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
        });
    }
}

/// How a typed password compares with an account's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordCheck {
    Matches,
    /// It matches an old console-shop plaintext password (to be hashed now).
    MatchesPlaintext,
    /// Wrong, or no such account: the same answer after the same work.
    Wrong,
}

/// Checks `password` against `account` (`None`: no such account). Costs one
/// argon2 verification whatever the case, so the time says nothing about
/// which names exist. Run it outside every lock: it is slow on purpose.
pub fn check_password(account: Option<&crate::domain::User>, password: &str) -> PasswordCheck {
    let Some(user) = account else {
        burn_one_verification(password);
        return PasswordCheck::Wrong;
    };
    match (&user.password_hash, &user.password) {
        (Some(hash), _) if verify_password(password, hash) => PasswordCheck::Matches,
        (None, Some(plain)) if plaintext_matches(password, plain) => PasswordCheck::MatchesPlaintext,
        (Some(_), _) => PasswordCheck::Wrong,
        (None, _) => {
            burn_one_verification(password);
            PasswordCheck::Wrong
        }
    }
}

/// Compares a typed password with a legacy plaintext one in constant time.
pub fn plaintext_matches(typed: &str, stored: &str) -> bool {
    typed.as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
    }

    #[test]
    fn salts_differ() {
        assert_ne!(hash_password("same").unwrap(), hash_password("same").unwrap());
    }

    #[test]
    fn dummy_hash_is_well_formed_and_never_matches() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("dummy hash parses");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert!(!verify_password("", DUMMY_HASH));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn plaintext_comparison() {
        assert!(plaintext_matches("hunter22", "hunter22"));
        assert!(!plaintext_matches("hunter2", "hunter22"));
    }
}
