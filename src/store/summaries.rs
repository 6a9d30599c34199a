//! A fast, read-only view of products.json for `shopfront search`: only the
//! fields a search prints, borrowed from the file's bytes, parsed on two
//! threads. Descriptions are skipped, not copied.

use std::borrow::Cow;

use serde::Deserialize;

use crate::domain::Money;

#[derive(Debug, Deserialize)]
pub struct ProductSummary<'a> {
    #[serde(borrow)]
    pub product_id: Cow<'a, str>,
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub price: Money,
    pub stock: u32,
    #[serde(default, borrow)]
    pub category: Option<Cow<'a, str>>,
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

/// Maps a file into memory read-only: no copy and no zeroed buffer. Only for
/// files that are never changed in place — the catalog index, which only
/// `search_index::write` creates, by rename (the mapping keeps the old file).
pub fn map_file(path: &std::path::Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the mapping is only read, and the index is replaced by rename,
    // never written into, so the mapped bytes do not change under us.
    unsafe { memmap2::Mmap::map(&file) }
}

/// Parses summaries from the whole file, or `None` if anything is off (the
/// caller then loads the file properly to report where).
pub fn parse_summaries(bytes: &[u8]) -> Option<Vec<ProductSummary<'_>>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = text.trim().strip_prefix('[')?.strip_suffix(']')?;
    if body.trim().is_empty() {
        return Some(Vec::new());
    }
    // Cut once near the middle, at a `,\n{` record boundary of our layout
    // (a raw newline cannot occur inside a JSON string).
    let cut = body.get(body.len() / 2..).and_then(|rest| rest.find(",\n{")).map(|p| body.len() / 2 + p);
    let Some(cut) = cut.filter(|_| body.len() > 64 * 1024) else { return parse_comma_separated(body) };
    let (first, second) = std::thread::scope(|scope| {
        let head = scope.spawn(|| parse_comma_separated(&body[..cut]));
        let tail = parse_comma_separated(&body[cut + 1..]);
        (head.join().ok().flatten(), tail)
    });
    let mut all = first?;
    all.extend(second?);
    Some(all)
}

/// `rec, rec, rec` with no brackets around.
fn parse_comma_separated(body: &str) -> Option<Vec<ProductSummary<'_>>> {
    let mut rows = Vec::with_capacity(body.len() / 200);
    let mut at = 0;
    loop {
        let mut stream = serde_json::Deserializer::from_str(&body[at..]).into_iter::<ProductSummary>();
        rows.push(stream.next()?.ok()?);
        let rest = body[at + stream.byte_offset()..].trim_start();
        if rest.is_empty() {
            return Some(rows);
        }
        at = body.len() - rest.strip_prefix(',')?.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_small_and_large_lists_and_refuses_damage() {
        let one = r#"[{"product_id":"P1","name":"A \"quoted\" name","price":1.5,"stock":2,"description":"x"}]"#;
        let rows = parse_summaries(one.as_bytes()).unwrap();
        assert_eq!(rows[0].name, "A \"quoted\" name");
        assert!(rows[0].active);
        assert_eq!(parse_summaries(b"[\n]\n").unwrap().len(), 0);
        let many: Vec<String> = (0..2000)
            .map(|i| format!(r#"{{"product_id":"P{i}","name":"Item {i}","price":1,"stock":{i},"category":"C","description":"{}"}}"#, "d".repeat(60)))
            .collect();
        let text = format!("[\n{}\n]\n", many.join(",\n"));
        let rows = parse_summaries(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2000);
        assert_eq!(rows[1999].product_id, "P1999");
        assert!(parse_summaries(text.replace("\"stock\":1500", "\"stock\":-1").as_bytes()).is_none());
        assert!(parse_summaries(b"[{\"product_id\":1}]").is_none());
        assert!(parse_summaries(b"{}").is_none());
    }
}
