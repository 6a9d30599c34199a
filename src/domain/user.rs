//! Accounts: username rules, roles and the stored credential.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::extra::Extra;
use thiserror::Error;

use super::address::Address;
use super::payment::CardOnFile;
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
#[serde(remote = "Self")]
pub struct User {
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "secret")]
    pub password_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "secret")]
    pub password: Option<String>,
    #[serde(default)]
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// The address book, most recently used first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Cards remembered for checkout: brand, last four digits and expiry only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardOnFile>,
    /// SSH keys that log this account in (`SHA256:…` fingerprints; never a key itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_keys: Vec<String>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(User);

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

/// Reads a credential field; an error never repeats its value (a console-shop
/// file may hold a numeric password, and messages end up in logs).
fn secret<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Secret;
    fn refuse<E: serde::de::Error>() -> Result<Option<String>, E> {
        Err(E::custom("a password must be text in quotes (its value is not shown)"))
    }
    impl<'de> serde::de::Visitor<'de> for Secret {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a password as text")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_i128<E: serde::de::Error>(self, _: i128) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_u128<E: serde::de::Error>(self, _: u128) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            refuse()
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            refuse()
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            refuse()
        }
    }
    deserializer.deserialize_any(Secret)
}

/// The key that makes usernames unique regardless of case.
pub fn username_key(username: &str) -> Cow<'_, str> {
    if username.chars().any(char::is_uppercase) { Cow::Owned(username.to_lowercase()) } else { Cow::Borrowed(username) }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("Username must be {USERNAME_MIN}–{USERNAME_MAX} characters")]
    UsernameLength,
    #[error("Username may only use letters a–z, digits, '_', '.' and '-'")]
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
        // ASCII only (look-alike letters invite impersonation), and said exactly.
        assert_eq!(validate_username("ålice"), Err(UserError::UsernameCharacters));
        assert_eq!(validate_username("аlice"), Err(UserError::UsernameCharacters), "Cyrillic а");
        assert_eq!(
            UserError::UsernameCharacters.to_string(),
            "Username may only use letters a–z, digits, '_', '.' and '-'"
        );
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
            addresses: vec![],
            cards: vec![],
            ssh_keys: vec![],
            extra: Default::default(),
        };
        let shown = format!("{user:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(user.has_plaintext_password());
    }

    #[test]
    fn legacy_record_defaults_to_customer() {
        let user: User = serde_json::from_str(r#"{"username":"dana","password":"hunter22"}"#).unwrap();
        for secret in ["24681357", "-24681357", "2468.1357", "true", "[\"2468\"]", "{\"p\":\"2468\"}"] {
            let text = format!(r#"{{"username":"dana","password":{secret}}}"#);
            let err = serde_json::from_str::<User>(&text).unwrap_err().to_string();
            assert!(!err.contains("2468") && !err.contains("true"), "{err}");
            assert!(err.starts_with("a password must be text in quotes"), "{err}");
            let text = format!(r#"{{"username":"dana","password_hash":{secret}}}"#);
            assert!(!serde_json::from_str::<User>(&text).unwrap_err().to_string().contains("2468"));
        }
        assert_eq!(user.role, Role::Customer);
        assert_eq!(user.validate_record(), Ok(()));
        let bad: User = serde_json::from_str(r#"{"username":"x"}"#).unwrap();
        assert!(bad.validate_record().is_err());
    }
}
