//! Accounts: sign-up, the console shop's plaintext passwords, admins, and
//! the SSH keys that log an account in. Password hashes are made by the
//! caller beforehand, outside every lock and transaction.

use super::{Decided, existing_account};
use crate::domain::user::validate_username;
use crate::domain::{Role, Timestamp, User, UserError};
use crate::password::plaintext_matches;
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

/// Result of `shopfront admin add`, with the account's name as stored
/// (`admin add BOB` promotes `bob`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminOutcome {
    Created(String),
    Promoted(String),
    AlreadyAdmin(String),
}

/// Most SSH keys one account keeps.
const SSH_KEYS_MAX: usize = 10;

fn new_account(username: &str, hash: String, role: Role, now: Timestamp) -> User {
    User {
        username: username.to_string(),
        password_hash: Some(hash),
        password: None,
        role,
        created_at: Some(now),
        addresses: Vec::new(),
        cards: Vec::new(),
        ssh_keys: Vec::new(),
        extra: Default::default(),
    }
}

/// A customer account for `username` with the argon2id `hash`.
pub fn create_account(view: &dyn ReadTx, now: Timestamp, username: &str, hash: String) -> Decided<User> {
    validate_username(username)?;
    if view.account(username)?.is_some() {
        return Err(UserError::UsernameTaken.into());
    }
    let user = new_account(username, hash, Role::Customer, now);
    Ok((user.clone(), vec![Change::PutUser(user)]))
}

/// A console-shop account's plaintext password (which `password` matched)
/// replaced with `hash`.
pub fn upgrade_plaintext(view: &dyn ReadTx, username: &str, password: &str, hash: String) -> Decided<User> {
    let current = view.account(username)?.ok_or(ShopError::BadCredentials)?;
    match &current.password {
        Some(plain) if current.password_hash.is_none() && plaintext_matches(password, plain) => {
            let upgraded = User { password_hash: Some(hash), password: None, ..current };
            Ok((upgraded.clone(), vec![Change::PutUser(upgraded)]))
        }
        // Another copy upgraded it (or the password changed) meanwhile: the
        // caller checks the password against it, outside the transaction.
        _ if current.password_hash.is_some() => Ok((current, vec![])),
        _ => Err(ShopError::BadCredentials),
    }
}

/// Every account of `plain` (name, the plaintext password that was hashed)
/// that still has that password, given its `hashes`.
pub fn secure_plaintext(view: &dyn ReadTx, plain: &[(String, String)], hashes: Vec<String>) -> Decided<usize> {
    let mut changes = Vec::new();
    for ((username, password), hash) in plain.iter().zip(hashes) {
        if let Some(user) = view.account(username)?
            && user.has_plaintext_password()
            && user.password.as_deref() == Some(password.as_str())
        {
            changes.push(Change::PutUser(User { password_hash: Some(hash), password: None, ..user }));
        }
    }
    Ok((changes.len(), changes))
}

/// Makes `username` an admin: a new account with `hash`, or an existing
/// one promoted (keeping its password; `hash` is then not needed).
pub fn add_admin(view: &dyn ReadTx, now: Timestamp, username: &str, hash: Option<String>) -> Decided<AdminOutcome> {
    validate_username(username)?;
    match view.account(username)? {
        Some(user) if user.is_admin() => Ok((AdminOutcome::AlreadyAdmin(user.username), vec![])),
        Some(user) => {
            let name = user.username.clone();
            Ok((AdminOutcome::Promoted(name), vec![Change::PutUser(User { role: Role::Admin, ..user })]))
        }
        None => {
            let Some(hash) = hash else {
                return Err(ShopError::Invalid("the account was removed meanwhile; try again".into()));
            };
            let user = new_account(username, hash, Role::Admin, now);
            Ok((AdminOutcome::Created(user.username.clone()), vec![Change::PutUser(user)]))
        }
    }
}

/// `SHA256:` and 43 base64 characters, as OpenSSH prints them.
pub fn valid_fingerprint(text: &str) -> bool {
    text.strip_prefix("SHA256:").is_some_and(|b64| {
        (40..=48).contains(&b64.len()) && b64.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    })
}

/// Links the SSH key `fingerprint` to `username`, and to no one else.
pub fn link_key(view: &dyn ReadTx, username: &str, fingerprint: &str) -> Decided<()> {
    if !valid_fingerprint(fingerprint) {
        return Err(ShopError::Invalid("not an SSH key fingerprint".into()));
    }
    let user = existing_account(view, username)?;
    let mut changes = Vec::new();
    for other in view.accounts_with_key(fingerprint)?.into_iter().filter(|u| u.username != user.username) {
        let ssh_keys = other.ssh_keys.iter().filter(|k| *k != fingerprint).cloned().collect();
        changes.push(Change::PutUser(User { ssh_keys, ..other }));
    }
    if !user.ssh_keys.iter().any(|k| k == fingerprint) {
        let mut linked = user;
        linked.ssh_keys.insert(0, fingerprint.to_string());
        linked.ssh_keys.truncate(SSH_KEYS_MAX);
        changes.push(Change::PutUser(linked));
    }
    Ok(((), changes))
}

/// Unlinks the SSH key `fingerprint` from `username`.
pub fn forget_key(view: &dyn ReadTx, username: &str, fingerprint: &str) -> Decided<()> {
    let user = existing_account(view, username)?;
    if !user.ssh_keys.iter().any(|k| k == fingerprint) {
        return Ok(((), vec![]));
    }
    let ssh_keys = user.ssh_keys.iter().filter(|k| *k != fingerprint).cloned().collect();
    Ok(((), vec![Change::PutUser(User { ssh_keys, ..user })]))
}
