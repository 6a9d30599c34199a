//! Password hashing with argon2id (RustCrypto's `argon2`, default parameters:
//! 19 MiB, 2 passes). Only the PHC string is ever stored.
//!
//! Beside the domain, not in it: the process shares one set of hashing
//! permits (one per core, each keeping its memory for a while), which is
//! process-wide state the domain's pure rules must not hold. The stores
//! (hashing a console shop's plaintext passwords) and the service use it.

use std::cell::RefCell;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    Decimal, Ident, Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    with_permit(|memory| {
        Hasher::new(memory, Algorithm::default(), Version::default(), Params::default())
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
}

/// argon2 (RustCrypto's, default parameters unless a stored hash says
/// otherwise) on memory that the caller keeps, instead of 19 MiB allocated
/// and freed for every hash: `serve` has its allocator give freed memory
/// back to the system within 50 ms (see `src/main.rs`), and a hash on
/// memory taken again page by page cost a third more (29 ms instead of
/// 21 ms here). The same computation as `Argon2`'s own
/// `PasswordHasher` (argon2 0.5), which is also what verifies: the
/// `PasswordVerifier` of every `PasswordHasher` (constant-time comparison).
struct Hasher<'m> {
    memory: &'m RefCell<Vec<Block>>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
}

/// Blocks of the default parameters (19 MiB): a permit keeps at most this
/// many; a stored hash asking for more gets them for its computation only.
const KEPT_BLOCKS: usize = Params::DEFAULT_M_COST as usize;

impl<'m> Hasher<'m> {
    fn new(memory: &'m RefCell<Vec<Block>>, algorithm: Algorithm, version: Version, params: Params) -> Hasher<'m> {
        Hasher { memory, algorithm, version, params }
    }
}

impl PasswordHasher for Hasher<'_> {
    type Params = Params;

    fn hash_password<'a>(
        &self,
        password: &[u8],
        salt: impl Into<Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        let salt = salt.into();
        let mut salt_arr = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_arr)?;
        let output_len = self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let argon2 = Argon2::new(self.algorithm, self.version, self.params.clone());
        let blocks = self.params.block_count();
        let mut kept = self.memory.borrow_mut();
        let mut own = Vec::new();
        let memory = if blocks <= KEPT_BLOCKS { &mut *kept } else { &mut own };
        if memory.len() < blocks {
            // Every block is written before it is read: what a buffer held does not matter.
            memory.resize(blocks, Block::default());
        }
        let output = Output::init_with(output_len, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..blocks])?)
        })?;
        Ok(PasswordHash {
            algorithm: self.algorithm.ident(),
            version: Some(self.version.into()),
            params: ParamsString::try_from(&self.params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    fn hash_password_customized<'a>(
        &self,
        password: &[u8],
        algorithm: Option<Ident<'a>>,
        version: Option<Decimal>,
        params: Params,
        salt: impl Into<Salt<'a>>,
    ) -> argon2::password_hash::Result<PasswordHash<'a>> {
        let algorithm = algorithm.map(Algorithm::try_from).transpose()?.unwrap_or_default();
        let version = version.map(Version::try_from).transpose()?.unwrap_or_default();
        Hasher::new(self.memory, algorithm, version, params).hash_password(password, salt)
    }
}

/// How many argon2 computations may run at once: one per core. Each holds
/// 19 MiB while it runs, so a burst of sign-ups (hundreds of SSH sessions)
/// waits its turn instead of multiplying memory; with one per core it
/// finishes no later. A permit keeps the memory of its last computation
/// for the next one, and gives it back `KEEP_MEMORY` after it.
struct Permits {
    state: Mutex<PermitsState>,
    freed: Condvar,
}

struct PermitsState {
    /// The permits not in use.
    free: Vec<Permit>,
    /// A thread gives back the memory of permits unused for `KEEP_MEMORY`;
    /// it runs while a free permit holds some.
    releasing: bool,
}

struct Permit {
    memory: RefCell<Vec<Block>>,
    used: Instant,
}

/// How long a permit keeps its memory after a computation.
const KEEP_MEMORY: Duration = Duration::from_secs(2);

impl Permits {
    fn state(&self) -> MutexGuard<'_, PermitsState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes back `permit`, and sees that its memory is given back in time.
    fn give_back(&'static self, mut permit: Permit) {
        permit.used = Instant::now();
        let mut state = self.state();
        let holds_memory = permit.memory.borrow().capacity() > 0;
        state.free.push(permit);
        if holds_memory && !state.releasing {
            let started = std::thread::Builder::new().name("argon2-memory".into()).spawn(move || self.release());
            match started {
                Ok(_) => state.releasing = true,
                // No thread to give it back later: given back now.
                Err(_) => state.free.iter_mut().for_each(|p| *p.memory.get_mut() = Vec::new()),
            }
        }
        drop(state);
        self.freed.notify_one();
    }

    /// Gives back the memory of permits unused for `KEEP_MEMORY`, until no
    /// free permit holds any.
    fn release(&self) {
        loop {
            std::thread::sleep(KEEP_MEMORY / 4);
            let mut state = self.state();
            for permit in &mut state.free {
                if permit.used.elapsed() >= KEEP_MEMORY {
                    *permit.memory.get_mut() = Vec::new();
                }
            }
            if state.free.iter().all(|p| p.memory.borrow().capacity() == 0) {
                state.releasing = false;
                return;
            }
        }
    }
}

fn with_permit<T>(work: impl FnOnce(&RefCell<Vec<Block>>) -> T) -> T {
    static PERMITS: OnceLock<Permits> = OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        let count = std::thread::available_parallelism().map_or(2, |n| n.get());
        let free = (0..count).map(|_| Permit { memory: RefCell::new(Vec::new()), used: Instant::now() }).collect();
        Permits { state: Mutex::new(PermitsState { free, releasing: false }), freed: Condvar::new() }
    });
    let permit = {
        let mut state = permits.state();
        loop {
            if let Some(permit) = state.free.pop() {
                break permit;
            }
            state = permits.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    };
    // Given back even if the work panics.
    struct Release(Option<Permit>, &'static Permits);
    impl Drop for Release {
        fn drop(&mut self) {
            if let Some(permit) = self.0.take() {
                self.1.give_back(permit);
            }
        }
    }
    let release = Release(Some(permit), permits);
    let memory = &release.0.as_ref().expect("held until dropped").memory;
    work(memory)
}

/// Verifies a password against a stored PHC string. A malformed stored hash
/// verifies nothing (and still costs a real verification).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => with_permit(|memory| {
            Hasher::new(memory, Algorithm::default(), Version::default(), Params::default())
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        }),
        Err(_) => {
            burn_one_verification(password);
            false
        }
    }
}

/// Spends the time of one verification and always fails.
pub fn burn_one_verification(password: &str) {
    if let Ok(parsed) = PasswordHash::new(DUMMY_HASH) {
        with_permit(|memory| {
            let hasher = Hasher::new(memory, Algorithm::default(), Version::default(), Params::default());
            let _ = hasher.verify_password(password.as_bytes(), &parsed);
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

    /// On memory kept from one computation to the next (whatever it held),
    /// hashes are argon2's own, for its parameters, variants and versions;
    /// and each verifies what the other made.
    #[test]
    fn kept_memory_gives_argon2s_own_hashes() {
        let salt = SaltString::encode_b64(b"sixteen byte salt").unwrap();
        let cases = [
            (Algorithm::Argon2id, Version::V0x13, Params::default()),
            (Algorithm::Argon2i, Version::V0x13, Params::new(64, 3, 2, None).unwrap()),
            (Algorithm::Argon2d, Version::V0x10, Params::new(32, 1, 1, Some(48)).unwrap()),
            // More than a permit keeps: computed on memory of its own.
            (Algorithm::Argon2id, Version::V0x13, Params::new(KEPT_BLOCKS as u32 + 8, 1, 1, None).unwrap()),
            (Algorithm::Argon2id, Version::V0x13, Params::default()),
        ];
        let memory = RefCell::new(Vec::new());
        for (algorithm, version, params) in cases {
            let theirs = Argon2::new(algorithm, version, params.clone()).hash_password(b"pass", &salt).unwrap();
            let ours = Hasher::new(&memory, algorithm, version, params).hash_password(b"pass", &salt).unwrap();
            assert_eq!(ours.to_string(), theirs.to_string());
            let stored = theirs.to_string();
            assert!(verify_password("pass", &stored), "{stored}");
            assert!(!verify_password("pasS", &stored), "{stored}");
        }
        let ours = hash_password("mine").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"mine", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"mind", &parsed).is_err());
    }

    /// A permit keeps its memory for the next computation, and gives it
    /// back once none came for `KEEP_MEMORY`; then the thread that gave it
    /// back ends.
    #[test]
    fn permits_give_their_memory_back() {
        let state = Mutex::new(PermitsState { free: Vec::new(), releasing: false });
        let permits: &'static Permits = Box::leak(Box::new(Permits { state, freed: Condvar::new() }));
        permits.give_back(Permit { memory: RefCell::new(vec![Block::default(); 8]), used: Instant::now() });
        assert!(permits.state().releasing);
        std::thread::sleep(KEEP_MEMORY / 2);
        assert_eq!(permits.state().free[0].memory.borrow().len(), 8, "kept for the next computation");
        let deadline = Instant::now() + KEEP_MEMORY * 4;
        while permits.state().free[0].memory.borrow().capacity() > 0 || permits.state().releasing {
            assert!(Instant::now() < deadline, "the memory was never given back");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn plaintext_comparison() {
        assert!(plaintext_matches("hunter22", "hunter22"));
        assert!(!plaintext_matches("hunter2", "hunter22"));
    }
}
