//! The one place a total is computed. The header, the cart, the
//! confirmation, checkout and the order all show a `Quote`; checkout places
//! an order only if a fresh quote under the lock equals the one the shopper
//! confirmed.

use super::cart::CartLine;
use super::checkout::Problem;
use super::discount::Discount;
use super::extra::Extra;
use super::money::Money;
use super::settings::{Settings, Shipping, Tax, TaxRate};

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
    /// The discount code applied (as stored), if any.
    pub code: Option<String>,
    /// Taken off the subtotal (a positive amount).
    pub discount: Money,
    pub shipping: Money,
    /// How much more would make shipping free, when it is not free yet.
    pub free_shipping_gap: Option<Money>,
    /// Exclusive tax (added), or the tax part already inside the prices.
    pub tax: Money,
    pub tax_rate: TaxRate,
    pub tax_included: bool,
    pub total: Money,
}

impl Quote {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// What a quote needs besides the lines: the shop's shipping and tax
/// settings and the discount code applied, if any.
#[derive(Clone, Copy, Debug)]
pub struct Pricing<'a> {
    pub shipping: &'a Shipping,
    pub tax: &'a Tax,
    pub discount: Option<&'a Discount>,
}

impl<'a> Pricing<'a> {
    pub fn new(settings: &'a Settings, discount: Option<&'a Discount>) -> Pricing<'a> {
        Pricing { shipping: &settings.shipping, tax: &settings.tax, discount }
    }
}

/// `amount` × `thousandths` / 100,000 rounded half-up (a rate in
/// thousandths of a percent); `None` if it does not fit.
fn percent_of(amount: Money, thousandths: u32, divisor: i128) -> Option<Money> {
    let scaled = i128::from(amount.cents()) * i128::from(thousandths);
    let cents = (scaled + divisor / 2) / divisor;
    i64::try_from(cents).ok().map(Money::from_cents)
}

/// Quotes cart lines at the prices they carry (checkout refuses lines whose
/// price changed since), in this order: subtotal; discount (a percentage
/// rounded half-up, or a fixed amount, never above the subtotal); shipping
/// (flat, free from the threshold after the discount or with a free-shipping
/// code); tax on the discounted subtotal (not on shipping), added or already
/// included; total = subtotal − discount + shipping + added tax. Sums are
/// checked: a total that does not fit is `Problem::TotalTooLarge`, never a
/// wrapped number.
pub fn quote(lines: &[CartLine], pricing: &Pricing) -> Result<Quote, Problem> {
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
    let mut quote = Quote {
        lines: quoted,
        items,
        subtotal,
        tax_rate: pricing.tax.rate_percent,
        tax_included: pricing.tax.included_in_prices,
        total: subtotal,
        ..Quote::default()
    };
    if lines.is_empty() {
        return Ok(quote);
    }
    let discount = pricing.discount.map_or(Money::ZERO, |d| d.amount_off(subtotal));
    let discounted = Money::from_cents(subtotal.cents() - discount.cents());
    let free_by_code = pricing.discount.is_some_and(Discount::frees_shipping);
    let free_by_amount = pricing.shipping.free_over.is_some_and(|over| discounted >= over);
    let (shipping, free_shipping_gap) = if free_by_code || free_by_amount {
        (Money::ZERO, None)
    } else {
        let gap = pricing.shipping.free_over.map(|over| Money::from_cents(over.cents() - discounted.cents()));
        (pricing.shipping.flat, gap)
    };
    let rate = pricing.tax.rate_percent.thousandths();
    let tax = if pricing.tax.included_in_prices {
        // The part of a price p that is tax: p × r / (1 + r).
        percent_of(discounted, rate, 100_000 + i128::from(rate))
    } else {
        percent_of(discounted, rate, 100_000)
    }
    .ok_or(Problem::TotalTooLarge)?;
    let added_tax = if pricing.tax.included_in_prices { Money::ZERO } else { tax };
    let total =
        discounted.checked_add(shipping).and_then(|t| t.checked_add(added_tax)).ok_or(Problem::TotalTooLarge)?;
    quote.code = pricing.discount.map(|d| d.code.clone());
    quote.discount = discount;
    quote.shipping = shipping;
    quote.free_shipping_gap = free_shipping_gap;
    quote.tax = tax;
    quote.total = total;
    Ok(quote)
}

static NO_SHIPPING: Shipping = Shipping { flat: Money::ZERO, free_over: None, extra: Extra::EMPTY };
static NO_TAX: Tax = Tax { rate_percent: TaxRate::ZERO, included_in_prices: false, extra: Extra::EMPTY };

impl Pricing<'static> {
    /// The items alone: no shipping, tax or discount.
    pub fn items_only() -> Pricing<'static> {
        Pricing { shipping: &NO_SHIPPING, tax: &NO_TAX, discount: None }
    }
}

/// A quote of the items alone (no shipping, tax or discount): the cart's
/// value, as the header shows it.
pub fn items_only(lines: &[CartLine]) -> Result<Quote, Problem> {
    quote(lines, &Pricing::items_only())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::discount::DiscountKind;

    fn line(id: &str, qty: u32, cents: i64) -> CartLine {
        CartLine { product_id: id.into(), qty, unit_price: Money::from_cents(cents), extra: Default::default() }
    }

    fn settings(flat: i64, free_over: Option<i64>, rate: u32, included: bool) -> Settings {
        let mut settings = Settings::default();
        settings.shipping.flat = Money::from_cents(flat);
        settings.shipping.free_over = free_over.map(Money::from_cents);
        settings.tax.rate_percent = TaxRate::from_thousandths(rate);
        settings.tax.included_in_prices = included;
        settings
    }

    fn code(kind: DiscountKind, value: Option<i64>) -> Discount {
        Discount {
            code: "TEN10".into(),
            kind,
            value: value.map(Money::from_cents),
            min_subtotal: Money::ZERO,
            starts: None,
            expires: None,
            max_uses: None,
            max_uses_per_user: Some(1),
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    fn cents(q: &Quote) -> [i64; 5] {
        [q.subtotal, q.discount, q.shipping, q.tax, q.total].map(Money::cents)
    }

    #[test]
    fn sums_lines_exactly() {
        let q = items_only(&[line("P1", 3, 30), line("P2", 1, 999)]).unwrap();
        assert_eq!(q.lines[0].total, Money::from_cents(90));
        assert_eq!((q.items, q.subtotal, q.total), (4, Money::from_cents(1089), Money::from_cents(1089)));
        assert_eq!(items_only(&[]).unwrap().total, Money::ZERO);
    }

    /// The worked example of the checkout issue.
    #[test]
    fn three_units_at_30_cents_with_ten10_shipping_and_8_25_percent_tax() {
        let settings = settings(500, Some(5000), 8250, false);
        let ten = code(DiscountKind::Percent, Some(1000));
        let q = quote(&[line("P1", 3, 30)], &Pricing::new(&settings, Some(&ten))).unwrap();
        assert_eq!(cents(&q), [90, 9, 500, 7, 588]);
        assert_eq!(q.code.as_deref(), Some("TEN10"));
        assert_eq!(q.free_shipping_gap, Some(Money::from_cents(5000 - 81)));
        assert_eq!(q.total.shown(&settings.currency()).to_string(), "$5.88");
    }

    #[test]
    fn shipping_is_free_from_the_threshold_after_the_discount() {
        let settings = settings(500, Some(5000), 0, false);
        let at = quote(&[line("P1", 1, 5000)], &Pricing::new(&settings, None)).unwrap();
        assert_eq!(cents(&at), [5000, 0, 0, 0, 5000]);
        assert_eq!(at.free_shipping_gap, None);
        let below = quote(&[line("P1", 1, 4999)], &Pricing::new(&settings, None)).unwrap();
        assert_eq!(cents(&below), [4999, 0, 500, 0, 5499]);
        assert_eq!(below.free_shipping_gap, Some(Money::from_cents(1)));
        // $50.00 less 10 % is below the threshold again.
        let ten = code(DiscountKind::Percent, Some(1000));
        let discounted = quote(&[line("P1", 1, 5000)], &Pricing::new(&settings, Some(&ten))).unwrap();
        assert_eq!(cents(&discounted), [5000, 500, 500, 0, 5000]);
        let never = settings_never_free();
        assert_eq!(quote(&[line("P1", 1, 900_000)], &Pricing::new(&never, None)).unwrap().shipping.cents(), 500);
        let free = code(DiscountKind::FreeShipping, None);
        assert_eq!(
            cents(&quote(&[line("P1", 1, 100)], &Pricing::new(&settings, Some(&free))).unwrap()),
            [100, 0, 0, 0, 100]
        );
    }

    fn settings_never_free() -> Settings {
        settings(500, None, 0, false)
    }

    #[test]
    fn tax_rounds_half_up_and_included_tax_is_shown_not_added() {
        // 10 % of $0.05 is half a cent: $0.01.
        let ten = settings(0, None, 10_000, false);
        assert_eq!(cents(&quote(&[line("P1", 1, 5)], &Pricing::new(&ten, None)).unwrap()), [5, 0, 0, 1, 6]);
        assert_eq!(cents(&quote(&[line("P1", 1, 4)], &Pricing::new(&ten, None)).unwrap()), [4, 0, 0, 0, 4]);
        // 20 % included in $12.00 is $2.00; the total stays $12.00.
        let vat = settings(0, None, 20_000, true);
        let q = quote(&[line("P1", 1, 1200)], &Pricing::new(&vat, None)).unwrap();
        assert_eq!(cents(&q), [1200, 0, 0, 200, 1200]);
        assert!(q.tax_included);
        // Shipping is not taxed.
        let shipped = settings(500, None, 10_000, false);
        assert_eq!(
            cents(&quote(&[line("P1", 1, 1000)], &Pricing::new(&shipped, None)).unwrap()),
            [1000, 0, 500, 100, 1600]
        );
    }

    #[test]
    fn a_fixed_discount_never_exceeds_the_subtotal() {
        let settings = settings(500, Some(5000), 8250, false);
        let big = code(DiscountKind::Fixed, Some(2000));
        let q = quote(&[line("P1", 1, 300)], &Pricing::new(&settings, Some(&big))).unwrap();
        assert_eq!(cents(&q), [300, 300, 500, 0, 500]);
    }

    #[test]
    fn an_empty_cart_costs_nothing() {
        let settings = settings(500, Some(5000), 8250, false);
        assert_eq!(cents(&quote(&[], &Pricing::new(&settings, None)).unwrap()), [0; 5]);
    }

    #[test]
    fn a_total_that_does_not_fit_is_a_problem_not_a_wrapped_number() {
        let huge = i64::MAX / 4;
        assert_eq!(items_only(&[line("P1", 3, huge), line("P2", 3, huge)]), Err(Problem::TotalTooLarge));
        assert_eq!(items_only(&[line("P1", u32::MAX, huge)]), Err(Problem::TotalTooLarge));
    }
}
