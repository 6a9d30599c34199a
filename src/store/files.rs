//! The data files: their names, how a record is keyed and checked, and
//! reading/writing them. Reading reports the file, line and column of the
//! first thing wrong; writing puts one record per line.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::LoadError;
use super::table::Table;
use crate::domain::money::Currency;
use crate::domain::user::username_key;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Users,
    Products,
    Carts,
    Orders,
    Discounts,
    Settings,
}

impl FileKind {
    pub const ALL: [FileKind; 6] = [
        FileKind::Users,
        FileKind::Products,
        FileKind::Carts,
        FileKind::Orders,
        FileKind::Discounts,
        FileKind::Settings,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Users => "users.json",
            FileKind::Products => "products.json",
            FileKind::Carts => "carts.json",
            FileKind::Orders => "orders.json",
            FileKind::Discounts => "discounts.json",
            FileKind::Settings => "settings.json",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// users.json holds password hashes: only the owner may read it.
    pub fn is_private(self) -> bool {
        self == FileKind::Users
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// A record of one of the data files.
pub trait Record: Serialize + for<'de> Deserialize<'de> + Clone {
    /// What the list is called in messages ("a list of products").
    const PLURAL: &'static str;
    /// The field that must be unique.
    const KEY_FIELD: &'static str;
    /// The unique key, normalised (usernames compare without case).
    fn key(&self) -> Cow<'_, str>;
    /// Normalises a key typed by a caller the same way.
    fn normalize_key(key: &str) -> Cow<'_, str> {
        Cow::Borrowed(key)
    }
    fn validate(&self) -> Result<(), String>;
}

impl Record for User {
    const PLURAL: &'static str = "users";
    const KEY_FIELD: &'static str = "username";
    fn key(&self) -> Cow<'_, str> {
        username_key(&self.username)
    }
    fn normalize_key(key: &str) -> Cow<'_, str> {
        username_key(key)
    }
    fn validate(&self) -> Result<(), String> {
        self.validate_record()
    }
}

impl Record for Product {
    const PLURAL: &'static str = "products";
    const KEY_FIELD: &'static str = "product_id";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.product_id)
    }
    fn validate(&self) -> Result<(), String> {
        self.validate_record()
    }
}

impl Record for Cart {
    const PLURAL: &'static str = "carts";
    const KEY_FIELD: &'static str = "username";
    fn key(&self) -> Cow<'_, str> {
        username_key(&self.username)
    }
    fn normalize_key(key: &str) -> Cow<'_, str> {
        username_key(key)
    }
    fn validate(&self) -> Result<(), String> {
        if self.username.trim().is_empty() {
            return Err("cart has an empty username".into());
        }
        if let Some(line) = self.items.iter().find(|line| line.qty == 0) {
            return Err(format!("cart of {} has quantity 0 of {}", self.username, line.product_id));
        }
        match first_repeated(self.items.iter().map(|line| line.product_id.as_str())) {
            Some(id) => Err(format!("cart of {} has two lines for product {id}", self.username)),
            None => Ok(()),
        }
    }
}

impl Record for Order {
    const PLURAL: &'static str = "orders";
    const KEY_FIELD: &'static str = "order_id";
    fn key(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.order_id)
    }
    fn validate(&self) -> Result<(), String> {
        self.validate_record()?;
        if let Some(line) = self.items.iter().find(|line| line.qty == 0) {
            return Err(format!("order {} has quantity 0 of {}", self.order_id, line.product_id));
        }
        match first_repeated(self.items.iter().map(|line| line.product_id.as_str())) {
            Some(id) => Err(format!("order {} has two lines for product {id}", self.order_id)),
            None => Ok(()),
        }
    }
}

impl Record for Discount {
    const PLURAL: &'static str = "discount codes";
    const KEY_FIELD: &'static str = "code";
    /// Codes are unique regardless of case.
    fn key(&self) -> Cow<'_, str> {
        Cow::Owned(self.code.to_uppercase())
    }
    fn normalize_key(key: &str) -> Cow<'_, str> {
        Cow::Owned(crate::domain::discount::normalize_code(key))
    }
    fn validate(&self) -> Result<(), String> {
        // A data file is checked alone, without the shop's settings: amounts without a symbol.
        Discount::validate(self, &Currency::PLAIN)
    }
}

/// Parses settings.json (one object; a missing field is its default),
/// reporting the line and column of the first thing wrong.
pub fn parse_settings(file: &str, bytes: &[u8]) -> Result<Settings, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|_| LoadError::whole_file(file, "the file is not valid UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let settings: Settings = serde_json::from_str(text).map_err(|e| LoadError::from_json(file, &e))?;
    settings.validate().map_err(|message| LoadError::whole_file(file, message))?;
    Ok(settings)
}

/// The settings as written: one field per line, readable and diffable.
pub fn encode_settings(settings: &Settings) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(settings)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The first id that occurs twice (lists are short: a cart's or an order's lines).
fn first_repeated<'a>(ids: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter().find(|id| !seen.insert(*id))
}

/// Parses a whole file; the first bad record stops it with its position.
pub fn parse_records<T: Record>(file: &str, bytes: &[u8]) -> Result<Table<T>, LoadError> {
    // One UTF-8 check of the whole file is much cheaper than one per string.
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.len() - before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1) + 1;
        LoadError { file: file.to_string(), line, column, message: "the file is not valid UTF-8".into() }
    })?;
    // Some editors start a file with a byte order mark: not JSON, but harmless.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut de = serde_json::Deserializer::from_str(text);
    // A guess at the record count (records are rarely under 100 bytes).
    let mut table = RecordsSeed::<T>(PhantomData, bytes.len() / 200)
        .deserialize(&mut de)
        .and_then(|table| de.end().map(|()| table))
        .map_err(|e| LoadError::from_json(file, &e))?;
    table.set_read_len(bytes.len());
    Ok(table)
}

/// Like `parse_records`, on `chunks` threads: the list is cut at record
/// boundaries of the one-record-per-line layout we write, and each piece is
/// parsed on its own thread. A cut turns the `,\n` between two records into
/// `][` in place, so every piece is a complete list without copying. Any
/// doubt (no clean cut, a piece that fails, a key in two pieces) restores the
/// bytes and falls back to the sequential parse, so the result and every
/// error message are exactly `parse_records`'s.
pub fn parse_records_parallel<T: Record + Send>(
    file: &str,
    bytes: &mut [u8],
    chunks: usize,
) -> Result<Table<T>, LoadError> {
    let cuts = record_cuts(bytes, chunks);
    if cuts.is_empty() {
        return parse_records(file, bytes);
    }
    for &cut in &cuts {
        bytes[cut - 1] = b']';
        bytes[cut] = b'[';
    }
    let joined = {
        let bytes: &[u8] = bytes;
        let mut starts = vec![0];
        starts.extend(&cuts);
        let mut ends = cuts.clone();
        ends.push(bytes.len());
        let pieces: Vec<Option<Table<T>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = starts
                .iter()
                .zip(&ends)
                .map(|(&from, &to)| scope.spawn(move || parse_records::<T>(file, &bytes[from..to]).ok()))
                .collect();
            handles.into_iter().map(|h| h.join().ok().flatten()).collect()
        });
        join_pieces(pieces)
    };
    for &cut in &cuts {
        bytes[cut - 1] = b',';
        bytes[cut] = b'\n';
    }
    match joined {
        Some(mut table) => {
            table.set_read_len(bytes.len());
            Ok(table)
        }
        None => parse_records(file, bytes),
    }
}

fn join_pieces<T: Record>(pieces: Vec<Option<Table<T>>>) -> Option<Table<T>> {
    let more: usize = pieces.iter().skip(1).map(|p| p.as_ref().map_or(0, Table::len)).sum();
    let mut pieces = pieces.into_iter();
    let mut table = pieces.next()??;
    table.reserve(more);
    for piece in pieces {
        for row in piece?.into_rows() {
            table.push_unique(row).ok()?;
        }
    }
    Some(table)
}

/// Offsets of the `\n` in `,\n{` record separators, about evenly spaced,
/// to cut a list into `chunks` pieces. Empty if the file does not look like
/// our layout.
fn record_cuts(bytes: &[u8], chunks: usize) -> Vec<usize> {
    if chunks < 2 || bytes.len() < 64 * 1024 || !bytes.starts_with(b"[\n{") {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    for k in 1..chunks {
        let from = bytes.len() * k / chunks;
        let found = bytes[from..].windows(3).position(|w| w == b",\n{").map(|p| from + p + 1);
        match found {
            Some(cut) if cuts.last().is_none_or(|&last| cut > last) => cuts.push(cut),
            _ => return Vec::new(),
        }
    }
    cuts
}

/// Deserializes a list while checking each record and key uniqueness, so that
/// serde_json attaches the position of the offending record to our message.
/// The second field: how many records to make room for.
struct RecordsSeed<T>(PhantomData<T>, usize);

impl<'de, T: Record> DeserializeSeed<'de> for RecordsSeed<T> {
    type Value = Table<T>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Table<T>, D::Error> {
        deserializer.deserialize_seq(RecordsVisitor::<T>(PhantomData, self.1))
    }
}

struct RecordsVisitor<T>(PhantomData<T>, usize);

impl<'de, T: Record> Visitor<'de> for RecordsVisitor<T> {
    type Value = Table<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of {}", T::PLURAL)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Table<T>, A::Error> {
        let mut table = Table::default();
        table.reserve(self.1);
        while seq.next_element_seed(CheckedRecord { table: &mut table })?.is_some() {}
        Ok(table)
    }
}

/// One record, checked while serde_json still knows where it ends: errors
/// raised inside `visit_map` get the position of the record's closing brace
/// (raised later, they would point at the end of the whole list).
struct CheckedRecord<'t, T> {
    table: &'t mut Table<T>,
}

impl<'de, T: Record> DeserializeSeed<'de> for CheckedRecord<'_, T> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: Record> Visitor<'de> for CheckedRecord<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of the {} as an object", T::PLURAL)
    }

    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<(), M::Error> {
        let row = T::deserialize(MapAccessDeserializer::new(map))?;
        row.validate().map_err(M::Error::custom)?;
        self.table
            .push_unique(row)
            .map_err(|row| M::Error::custom(format!("duplicate {} {:?}", T::KEY_FIELD, row.key())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of<T: Record + fmt::Debug>(text: &str) -> String {
        parse_records::<T>("products.json", text.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn reports_file_line_and_column() {
        assert_eq!(err_of::<Product>("[\n  {\"product_id\": }\n]"), "products.json:2:18: expected value");
        assert_eq!(err_of::<Product>("{}"), "products.json:1:1: invalid type: map, expected a list of products");
        assert_eq!(err_of::<Product>(""), "products.json:1:1: EOF while parsing a value");
        let negative = "[\n{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1,\"stock\":-3}\n]";
        assert_eq!(err_of::<Product>(negative), "products.json:2:50: invalid value: integer `-3`, expected u32");
        let not_utf8 = parse_records::<Product>("products.json", b"[\n {\"name\": \"\xff\"}]").unwrap_err();
        assert_eq!(not_utf8.to_string(), "products.json:2:12: the file is not valid UTF-8");
        let trailing = "[]\n]";
        assert_eq!(err_of::<Product>(trailing), "products.json:2:1: trailing characters");
    }

    #[test]
    fn refuses_repeated_lines_and_empty_quantities_in_carts_and_orders() {
        let line = |qty: u64| format!(r#"{{"product_id":"P1","qty":{qty},"unit_price":1.0}}"#);
        let cart = format!("[\n{{\"username\":\"eve\",\"items\":[{},{}]}}\n]", line(4294967295), line(2));
        let err = parse_records::<Cart>("carts.json", cart.as_bytes()).unwrap_err().to_string();
        assert_eq!(err, "carts.json:2:127: cart of eve has two lines for product P1");
        let order = |lines: &str| {
            format!(
                r#"[{{"order_id":"O1","username":"eve","items":[{lines}],"total":1,"timestamp":"2026-01-01 00:00:00"}}]"#
            )
        };
        let err = parse_records::<Order>("orders.json", order(&line(0)).as_bytes()).unwrap_err().to_string();
        assert!(err.ends_with("order O1 has quantity 0 of P1"), "{err}");
        let twice = format!("{},{}", line(1), line(1));
        let err = parse_records::<Order>("orders.json", order(&twice).as_bytes()).unwrap_err().to_string();
        assert!(err.ends_with("order O1 has two lines for product P1"), "{err}");
    }

    #[test]
    fn refuses_duplicates_and_bad_records() {
        let dup = "[\n{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1,\"stock\":1},\n{\"product_id\":\"P1\",\"name\":\"B\",\"price\":1,\"stock\":1}\n]";
        assert_eq!(err_of::<Product>(dup), "products.json:3:50: duplicate product_id \"P1\"");
        let users = "[{\"username\":\"Alice\",\"password\":\"x\"},{\"username\":\"alice\",\"password\":\"y\"}]";
        assert!(err_of::<User>(users).ends_with("duplicate username \"alice\""));
        let price = "[{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1.999,\"stock\":1}]";
        assert_eq!(err_of::<Product>(price), "products.json:1:44: amount has more than two decimals: 1.999");
    }

    fn big_list(n: usize, duplicate_at: Option<usize>) -> String {
        let rows: Vec<String> = (0..n)
            .map(|i| {
                let id = if Some(i) == duplicate_at { 0 } else { i };
                format!("{{\"product_id\":\"P{id}\",\"name\":\"Item, {{with}} tricky\\n text {i}\",\"price\":1.5,\"stock\":{i}}}")
            })
            .collect();
        format!("[\n{}\n]\n", rows.join(",\n"))
    }

    #[test]
    fn parallel_parse_matches_sequential() {
        let text = big_list(3000, None);
        let sequential = parse_records::<Product>("p", text.as_bytes()).unwrap();
        for chunks in [1, 2, 3, 7] {
            let mut bytes = text.clone().into_bytes();
            let parallel = parse_records_parallel::<Product>("p", &mut bytes, chunks).unwrap();
            assert_eq!(bytes, text.as_bytes(), "bytes restored");
            assert_eq!(parallel.rows(), sequential.rows(), "{chunks} chunks");
            assert!(parallel.get("P2999").is_some());
        }
        let dup = big_list(3000, Some(2500));
        let err = parse_records_parallel::<Product>("p", &mut dup.clone().into_bytes(), 2).unwrap_err();
        assert_eq!(err, parse_records::<Product>("p", dup.as_bytes()).unwrap_err());
        assert!(err.to_string().contains("duplicate product_id"), "{err}");
        let broken = text.replacen("\"stock\":2900", "\"stock\":-1", 1);
        assert_eq!(
            parse_records_parallel::<Product>("p", &mut broken.clone().into_bytes(), 2).unwrap_err(),
            parse_records::<Product>("p", broken.as_bytes()).unwrap_err()
        );
    }

    #[test]
    fn writes_one_record_per_line_and_reads_it_back() {
        let text = "[{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1.5,\"stock\":1},{\"product_id\":\"P2\",\"name\":\"B\",\"price\":2,\"stock\":0,\"active\":false}]";
        let mut table = parse_records::<Product>("products.json", text.as_bytes()).unwrap();
        let rows = table.rows().to_vec();
        let written = String::from_utf8(table.encode().unwrap().to_vec()).unwrap();
        assert_eq!(
            written,
            "[\n{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1.5,\"stock\":1,\"active\":true},\n{\"product_id\":\"P2\",\"name\":\"B\",\"price\":2.0,\"stock\":0,\"active\":false}\n]\n"
        );
        let again = parse_records::<Product>("products.json", written.as_bytes()).unwrap().into_rows();
        assert_eq!(again, rows);
    }
}
