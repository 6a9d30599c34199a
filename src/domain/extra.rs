//! Fields of a record that Shopfront does not know, kept as their exact JSON
//! so that rewriting a file never loses what another program stored there
//! (a product's `color`, a user's `email`, a cart line's `added_at`).
//!
//! A record type derives serde with `#[serde(remote = "Self")]` and an
//! `#[serde(flatten, skip_deserializing)] extra: Extra` field, then
//! implements the serde traits with `keep_extra!`. Writing goes through the
//! derived code (the flattened map adds the kept fields); reading goes
//! through `deserialize_keeping_extra`, which hands the derived code only the
//! fields it knows and keeps the rest. Records are still read straight from
//! serde_json — never buffered — so amounts keep their exact decimal text.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

#[derive(Clone, Default)]
pub struct Extra(BTreeMap<String, Box<RawValue>>);

impl Extra {
    pub const EMPTY: Extra = Extra(BTreeMap::new());

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The kept field `key`, as its JSON text.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|raw| raw.get())
    }

    /// Keeps `json` as field `key` (replacing one of that name).
    pub fn insert(&mut self, key: &str, json: Box<RawValue>) {
        self.0.insert(key.to_string(), json);
    }

    /// Takes field `key` out, as its JSON.
    pub fn remove(&mut self, key: &str) -> Option<Box<RawValue>> {
        self.0.remove(key)
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Extra) -> bool {
        self.0.len() == other.0.len()
            && self.0.iter().zip(&other.0).all(|((ka, va), (kb, vb))| ka == kb && va.get() == vb.get())
    }
}

impl Eq for Extra {}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys only: values may be anything, also secrets.
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Implements `Serialize` and `Deserialize` for a record type derived with
/// `#[serde(remote = "Self")]` and an `extra: Extra` field.
#[macro_export]
macro_rules! keep_extra {
    ($record:ty) => {
        impl serde::Serialize for $record {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                <$record>::serialize(self, serializer)
            }
        }
        impl<'de> serde::Deserialize<'de> for $record {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let (mut record, extra) = $crate::domain::extra::deserialize_keeping_extra(deserializer, |known| {
                    <$record>::deserialize(known)
                })?;
                record.extra = extra;
                Ok(record)
            }
        }
    };
}

/// Runs the derived `known` deserializer on `deserializer`, keeping every
/// field it does not name.
pub fn deserialize_keeping_extra<'de, D, T>(
    deserializer: D,
    known: impl FnOnce(Collecting<'_, D>) -> Result<T, D::Error>,
) -> Result<(T, Extra), D::Error>
where
    D: Deserializer<'de>,
{
    let mut extra = Extra::default();
    let record = known(Collecting { inner: deserializer, extra: &mut extra })?;
    Ok((record, extra))
}

/// A deserializer that, asked for a struct, reads a map and keeps aside the
/// keys the struct does not list.
pub struct Collecting<'a, D> {
    inner: D,
    extra: &'a mut Extra,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Collecting<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(CollectingVisitor { inner: visitor, fields, extra: self.extra })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct CollectingVisitor<'a, V> {
    inner: V,
    fields: &'static [&'static str],
    extra: &'a mut Extra,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for CollectingVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(CollectingMap { inner: map, fields: self.fields, extra: self.extra })
    }
}

struct CollectingMap<'a, A> {
    inner: A,
    fields: &'static [&'static str],
    extra: &'a mut Extra,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CollectingMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key::<Key<'de>>()? else { return Ok(None) };
            if self.fields.contains(&key.as_str()) {
                return match key {
                    Key::Borrowed(text) => seed.deserialize(BorrowedStrDeserializer::new(text)).map(Some),
                    Key::Owned(text) => seed.deserialize(StringDeserializer::new(text)).map(Some),
                };
            }
            let value: Box<RawValue> = self.inner.next_value()?;
            self.extra.0.insert(key.as_str().to_string(), value);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A key borrowed from the file when it has no escapes (no copy per field).
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(text) => text,
            Key::Owned(text) => text,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{Cart, Order, Product, User};

    #[test]
    fn unknown_fields_survive_a_round_trip_at_every_level() {
        let product = r#"{"product_id":"P1","name":"Mug","price":4.50,"stock":3,"color":"red","dims":{"h":[1,2.50]}}"#;
        let p: Product = serde_json::from_str(product).unwrap();
        assert_eq!(p.extra.get("color"), Some(r#""red""#));
        let written = serde_json::to_string(&p).unwrap();
        assert_eq!(
            written,
            r#"{"product_id":"P1","name":"Mug","price":4.5,"stock":3,"active":true,"color":"red","dims":{"h":[1,2.50]}}"#
        );
        let user: User = serde_json::from_str(r#"{"username":"dana","password":"x","email":"d@example.com"}"#).unwrap();
        assert!(serde_json::to_string(&user).unwrap().contains(r#""email":"d@example.com""#));
        let cart: Cart = serde_json::from_str(
            r#"{"username":"dana","items":[{"product_id":"P1","qty":1,"unit_price":4.5,"added_at":"2026-01-01"}],"note":1}"#,
        )
        .unwrap();
        let written = serde_json::to_string(&cart).unwrap();
        assert!(written.contains(r#""added_at":"2026-01-01""#) && written.contains(r#""note":1"#), "{written}");
        let order: Order = serde_json::from_str(
            r#"{"order_id":"O1","username":"d","items":[{"product_id":"P1","qty":1,"unit_price":1,"sku":"X"}],"total":1,"timestamp":"2026-01-01 00:00:00","coupon":"TEN","events":[{"at":"2026-01-01 00:00:00","by":"d","status":"placed","via":"web"}]}"#,
        )
        .unwrap();
        let written = serde_json::to_string(&order).unwrap();
        for kept in [r#""coupon":"TEN""#, r#""sku":"X""#, r#""via":"web""#] {
            assert!(written.contains(kept), "{kept} lost: {written}");
        }
        // Unknown fields inside nested known objects too: an admin's change
        // stamp, a remembered card's expiry.
        let product = r#"{"product_id":"P1","name":"Mug","price":4.5,"stock":3,"active":true,"changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","why":"restock"}}"#;
        let p: Product = serde_json::from_str(product).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), product);
        let user = r#"{"username":"dana","password":"x","cards":[{"brand":"visa","last4":"4242","expiry":{"year":2039,"month":12,"note":"x"}}]}"#;
        let u: User = serde_json::from_str(user).unwrap();
        assert!(serde_json::to_string(&u).unwrap().contains(r#""expiry":{"year":2039,"month":12,"note":"x"}"#));
        // Known fields still get their checks, and messages their positions.
        let err = serde_json::from_str::<Product>(r#"{"product_id":"P1","name":"M","price":1.999,"stock":1,"x":1}"#);
        assert!(err.unwrap_err().to_string().starts_with("amount has more than two decimals"));
    }
}
