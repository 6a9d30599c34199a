//! How well a product matches a filter query. Each word of the query is
//! matched against the name, the id and the category on their own (never
//! across them), and a word found in the name outranks one found in the id,
//! which outranks one found in the category. `^` and `$` anchor a word to
//! the name. One function ranks for the live filter and `shopfront search`,
//! so both always agree.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Matcher, Utf32Str};

use crate::shop::catalog::{SearchFields, letter_bit};

/// A parsed query (`!not`, `^prefix`, `suffix$`, `'exact` as in fzf).
pub struct Query {
    pattern: Pattern,
    /// The letters each word needs, in the pattern's order.
    needed: Vec<u32>,
}

pub fn parse(query: &str) -> Query {
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let needed = pattern.atoms.iter().map(needed_letters).collect();
    Query { pattern, needed }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Id,
    Category,
}

impl Field {
    /// How much a word found in this field counts, above any match quality.
    fn tier(self) -> u32 {
        match self {
            Field::Name => 2,
            Field::Id => 1,
            Field::Category => 0,
        }
    }

    fn index(self) -> usize {
        match self {
            Field::Name => 0,
            Field::Id => 1,
            Field::Category => 2,
        }
    }

    fn of<'a>(self, fields: &SearchFields<'a>) -> &'a str {
        match self {
            Field::Name => fields.name,
            Field::Id => fields.id,
            Field::Category => fields.category,
        }
    }

    /// The field as the matcher reads it; ASCII text is used in place.
    fn haystack<'a>(self, fields: &SearchFields<'a>, buf: &'a mut Vec<char>) -> Utf32Str<'a> {
        let text = self.of(fields);
        if fields.ascii { Utf32Str::Ascii(text.as_bytes()) } else { Utf32Str::new(text, buf) }
    }
}

/// The fields a word is looked for in, best first.
fn fields_for(atom: &Atom) -> &'static [Field] {
    match atom.kind {
        // Anchors (`^usb`, `cable$`, `^exact$`) are about the name.
        AtomKind::Prefix | AtomKind::Postfix | AtomKind::Exact => &[Field::Name],
        // Fuzzy and substring words, and any kind a later matcher adds.
        _ => &[Field::Name, Field::Id, Field::Category],
    }
}

/// The letters a word needs (see `shop::catalog::letters`).
fn needed_letters(atom: &Atom) -> u32 {
    atom.needle_text().chars().fold(0, |mask, c| mask | letter_bit(c))
}

/// Runs the matcher for `atom` on `field`, unless the field lacks one of
/// the word's letters (then it cannot match, and `None` is the answer the
/// matcher would give, or `Some(0)` for a `!word`).
fn try_field(
    atom: &Atom,
    needed: u32,
    field: Field,
    fields: &SearchFields,
    matcher: &mut Matcher,
    buf: &mut Vec<char>,
) -> Option<u16> {
    if fields.letters[field.index()] & needed != needed {
        return atom.negative.then_some(0);
    }
    atom.score(field.haystack(fields, buf), matcher)
}

/// Whether a product whose fields hold `letters` (see
/// `shop::catalog::letters`) can match at all: each word must find all its
/// letters in one of its fields. Checked before the product's text is read,
/// it rules out most products at the cost of three loads.
pub fn may_match(query: &Query, letters: [u32; 3]) -> bool {
    query.pattern.atoms.iter().zip(&query.needed).all(|(atom, &needed)| {
        atom.negative || fields_for(atom).iter().any(|field| letters[field.index()] & needed == needed)
    })
}

/// Match quality is capped below one tier, so a better field always wins.
const QUALITY_CAP: u32 = 4096;

/// The rank of a product for `pattern`, higher is better; `None` when it
/// does not match. Ranks are small numbers (tiers × 4096 + quality).
pub fn score(query: &Query, fields: &SearchFields, matcher: &mut Matcher, buf: &mut Vec<char>) -> Option<u32> {
    let (mut tiers, mut quality) = (0u32, 0u32);
    for (atom, &needed) in query.pattern.atoms.iter().zip(&query.needed) {
        if atom.negative {
            // `!word` rules out a product that has the word in any field
            // it applies to (a negative atom scores `None` when found).
            for &field in fields_for(atom) {
                try_field(atom, needed, field, fields, matcher, buf)?;
            }
            continue;
        }
        let (field, points) = fields_for(atom)
            .iter()
            .find_map(|&field| try_field(atom, needed, field, fields, matcher, buf).map(|s| (field, s)))?;
        tiers += field.tier();
        quality += u32::from(points);
    }
    Some(tiers.saturating_mul(QUALITY_CAP).saturating_add(quality.min(QUALITY_CAP - 1)))
}

/// Which characters (char indices) of each field the query matched, for
/// highlighting where each word was found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matched {
    pub name: Vec<u32>,
    pub id: Vec<u32>,
    pub category: Vec<u32>,
}

pub fn matched(query: &Query, fields: &SearchFields, matcher: &mut Matcher) -> Matched {
    let mut out = Matched::default();
    let mut buf = Vec::new();
    for atom in query.pattern.atoms.iter().filter(|a| !a.negative) {
        for &field in fields_for(atom) {
            let indices = match field {
                Field::Name => &mut out.name,
                Field::Id => &mut out.id,
                Field::Category => &mut out.category,
            };
            let before = indices.len();
            if atom.indices(field.haystack(fields, &mut buf), matcher, indices).is_some() {
                break;
            }
            indices.truncate(before);
        }
    }
    for indices in [&mut out.name, &mut out.id, &mut out.category] {
        indices.sort_unstable();
        indices.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nucleo_matcher::Config;

    /// The letter prefilter only skips the matcher where it would fail:
    /// every query ranks exactly as with no prefilter at all.
    #[test]
    fn the_letter_prefilter_never_changes_a_rank() {
        let products = [
            ("USB-C Cable 2m", "P1001", "Cables"),
            ("Café Crème Mug", "P1002", "Kitchen"),
            ("日本語ケーブル", "P1003", "Cables"),
            ("Phone Case (Clear)", "X-77", "Accessories"),
            ("Über Lamp 60W", "p2060", "Lighting"),
        ];
        let queries = [
            "u",
            "usb cab",
            "cafe",
            "creme",
            "ケーブル",
            "p10",
            "60",
            "7",
            "!cab",
            "^usb",
            "cable$",
            "'case",
            "^über",
            "uber",
            "x-7",
            "!p1 lamp",
            "2m",
            "z",
            "9",
            "lighting 60",
        ];
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        let mut found = 0;
        for query in queries {
            let query = parse(query);
            for (name, id, category) in products {
                let fields = SearchFields::new(name, id, category);
                let unfiltered = SearchFields { letters: [u32::MAX; 3], ascii: false, ..fields };
                let rank = score(&query, &fields, &mut matcher, &mut buf);
                found += usize::from(rank.is_some());
                assert_eq!(rank, score(&query, &unfiltered, &mut matcher, &mut buf), "{:?} on {name}", query.needed);
            }
        }
        assert!(found >= 20, "only {found} matches: the queries test too little");
    }
}
