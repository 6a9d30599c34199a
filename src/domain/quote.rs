//! The one place a total is computed. The header, the cart, the
//! confirmation, checkout and the order all show a `Quote`; checkout places
//! an order only if a fresh quote under the lock equals the one the shopper
//! confirmed.

use super::cart::CartLine;
use super::checkout::Problem;
use super::money::Money;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteLine {
    pub product_id: String,
    pub qty: u32,
    pub unit_price: Money,
    /// unit price × qty.
    pub total: Money,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Quote {
    pub lines: Vec<QuoteLine>,
    /// Units over all lines.
    pub items: u64,
    pub subtotal: Money,
    /// Discount, shipping and tax: zero until the checkout issue adds them.
    pub discount: Money,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
}

impl Quote {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Quotes cart lines at the prices they carry (checkout refuses lines whose
/// price changed since). Sums are checked: a total that does not fit is
/// `Problem::TotalTooLarge`, never a wrapped number.
pub fn quote(lines: &[CartLine]) -> Result<Quote, Problem> {
    let mut quoted = Vec::with_capacity(lines.len());
    let mut subtotal = Money::ZERO;
    let mut items: u64 = 0;
    for line in lines {
        let total = line.unit_price.times(line.qty).ok_or(Problem::TotalTooLarge)?;
        subtotal = subtotal.checked_add(total).ok_or(Problem::TotalTooLarge)?;
        items += u64::from(line.qty);
        quoted.push(QuoteLine {
            product_id: line.product_id.clone(),
            qty: line.qty,
            unit_price: line.unit_price,
            total,
        });
    }
    let (discount, shipping, tax) = (Money::ZERO, Money::ZERO, Money::ZERO);
    let total = subtotal.checked_add(shipping).and_then(|t| t.checked_add(tax)).ok_or(Problem::TotalTooLarge)?;
    Ok(Quote { lines: quoted, items, subtotal, discount, shipping, tax, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, qty: u32, cents: i64) -> CartLine {
        CartLine { product_id: id.into(), qty, unit_price: Money::from_cents(cents), extra: Default::default() }
    }

    #[test]
    fn sums_lines_exactly() {
        let q = quote(&[line("P1", 3, 30), line("P2", 1, 999)]).unwrap();
        assert_eq!(q.lines[0].total, Money::from_cents(90));
        assert_eq!((q.items, q.subtotal, q.total), (4, Money::from_cents(1089), Money::from_cents(1089)));
        assert_eq!(quote(&[]).unwrap(), Quote::default());
    }

    #[test]
    fn a_total_that_does_not_fit_is_a_problem_not_a_wrapped_number() {
        let huge = i64::MAX / 4;
        assert_eq!(quote(&[line("P1", 3, huge), line("P2", 3, huge)]), Err(Problem::TotalTooLarge));
        assert_eq!(quote(&[line("P1", u32::MAX, huge)]), Err(Problem::TotalTooLarge));
    }
}
