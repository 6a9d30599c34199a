//! Accounts: username rules, roles and the stored credential.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::time::Timestamp;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
pub const PASSWORD_MIN: usize = 6;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Customer,
    Admin,
}

/// One account as stored in users.json. `password` is only ever *read*: it is
/// the console shop's plaintext field, replaced by `password_hash` at the
/// account's next login.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
}

impl fmt::Debug for User {
    // Never print a credential, not even in a test failure.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("on_plaintext_password", &self.password.is_some())
            .finish_non_exhaustive()
    }
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn has_plaintext_password(&self) -> bool {
        self.password.is_some() && self.password_hash.is_none()
    }

    /// Checks what a loaded record must satisfy (the looser rules for old data).
    pub fn validate_record(&self) -> Result<(), String> {
        if self.username.trim().is_empty() {
            return Err("username is empty".into());
        }
        if self.password_hash.is_none() && self.password.is_none() {
            return Err(format!("user {:?} has neither password_hash nor password", self.username));
        }
        Ok(())
    }
}

/// The key that makes usernames unique regardless of case.
pub fn username_key(username: &str) -> Cow<'_, str> {
    if username.chars().any(char::is_uppercase) { Cow::Owned(username.to_lowercase()) } else { Cow::Borrowed(username) }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("Username must be {USERNAME_MIN}–{USERNAME_MAX} characters")]
    UsernameLength,
    #[error("Username may only use letters, digits, '_', '.' and '-'")]
    UsernameCharacters,
    #[error("Password must be at least {PASSWORD_MIN} characters")]
    PasswordTooShort,
    #[error("Passwords do not match")]
    PasswordMismatch,
    #[error("That username is taken")]
    UsernameTaken,
}

pub fn validate_username(username: &str) -> Result<(), UserError> {
    let len = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(UserError::UsernameLength);
    }
    if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return Err(UserError::UsernameCharacters);
    }
    Ok(())
}

pub fn validate_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < PASSWORD_MIN {
        return Err(UserError::PasswordTooShort);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert_eq!(validate_username("al"), Err(UserError::UsernameLength));
        assert_eq!(validate_username(&"a".repeat(33)), Err(UserError::UsernameLength));
        assert_eq!(validate_username("al ice"), Err(UserError::UsernameCharacters));
        assert_eq!(validate_username("älice"), Err(UserError::UsernameCharacters));
        assert_eq!(validate_username("a.l-i_ce9"), Ok(()));
        assert_eq!(validate_username(&"a".repeat(32)), Ok(()));
        assert_eq!(UserError::UsernameLength.to_string(), "Username must be 3–32 characters");
    }

    #[test]
    fn usernames_clash_regardless_of_case() {
        assert_eq!(username_key("Alice"), username_key("alice"));
    }

    #[test]
    fn password_rules() {
        assert_eq!(validate_password("12345"), Err(UserError::PasswordTooShort));
        assert_eq!(validate_password("123456"), Ok(()));
        assert_eq!(UserError::PasswordTooShort.to_string(), "Password must be at least 6 characters");
    }

    #[test]
    fn debug_never_shows_credentials() {
        let user = User {
            username: "dana".into(),
            password_hash: None,
            password: Some("hunter22".into()),
            role: Role::Customer,
            created_at: None,
        };
        let shown = format!("{user:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(user.has_plaintext_password());
    }

    #[test]
    fn legacy_record_defaults_to_customer() {
        let user: User = serde_json::from_str(r#"{"username":"dana","password":"hunter22"}"#).unwrap();
        assert_eq!(user.role, Role::Customer);
        assert_eq!(user.validate_record(), Ok(()));
        let bad: User = serde_json::from_str(r#"{"username":"x"}"#).unwrap();
        assert!(bad.validate_record().is_err());
    }
}
