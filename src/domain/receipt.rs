//! The plain-text receipt of an order.

use super::money::{Currency, show};
use super::order::Order;
use super::text::printable;

/// The receipt as text for people: every value from the data files goes
/// through `printable`, so `cat receipt.txt` cannot steer the terminal.
/// `name_of` gives a product's current name, for lines that carry none.
/// Amounts are in the shop's `currency`.
pub fn render_receipt(
    shop_name: &str,
    currency: &Currency,
    order: &Order,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}\nReceipt for order {}\n", printable(shop_name), printable(&order.order_id)));
    out.push_str(&format!("Date:     {}\n", order.timestamp));
    out.push_str(&format!("Customer: {}\n", printable(&order.username)));
    out.push_str(&format!("Status:   {}\n\n", order.status));
    for line in &order.items {
        let current = name_of(&line.product_id);
        out.push_str(&format!(
            "{} × {} @ {} = {}\n",
            line.qty,
            printable(line.shown_name(current.as_deref())),
            line.unit_price.shown(currency),
            show(line.line_total(), currency)
        ));
    }
    out.push('\n');
    let figure = |label: &str, amount: String| format!("{label:<22}{amount:>16}\n");
    if order.subtotal.is_some() {
        out.push_str(&figure("Subtotal:", show(order.items_total(), currency)));
        if let Some(code) = &order.discount_code {
            let discount = format!("-{}", order.discount.shown(currency));
            out.push_str(&figure(&format!("Discount ({}):", printable(code)), discount));
        }
        let shipping =
            if order.shipping.is_zero() { "Free".to_string() } else { order.shipping.shown(currency).to_string() };
        out.push_str(&figure("Shipping:", shipping));
        if !order.tax.is_zero() {
            let label = if order.tax_included { "Tax (included):" } else { "Tax:" };
            out.push_str(&figure(label, order.tax.shown(currency).to_string()));
        }
    }
    out.push_str(&figure("Total:", order.total.shown(currency).to_string()));
    if let Some(payment) = &order.payment {
        out.push_str(&format!("\nPaid with {} (ref. {})\n", payment.label(), printable(&payment.reference)));
        if let Some(refund) = &payment.refund {
            out.push_str(&format!(
                "Refunded {} to {} on {} (ref. {})\n",
                refund.amount.shown(currency),
                payment.label(),
                refund.at,
                printable(&refund.reference)
            ));
        }
    }
    if let Some(address) = &order.address {
        out.push_str("\nShip to:\n");
        for line in address.lines() {
            out.push_str(&format!("  {}\n", printable(&line)));
        }
    }
    if let Some(tracking) = &order.tracking {
        out.push_str(&format!("\nTracking: {}\n", printable(tracking)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, OrderLine, OrderStatus, Timestamp};

    const DOLLARS: Currency = Currency::new("$");

    #[test]
    fn lists_every_line_and_the_total() {
        let items = vec![
            OrderLine {
                product_id: "P1".into(),
                name: Some("Mug".into()),
                qty: 2,
                unit_price: Money::from_cents(450),
                extra: Default::default(),
            },
            OrderLine {
                product_id: "P9".into(),
                name: None,
                qty: 1,
                unit_price: Money::from_cents(1),
                extra: Default::default(),
            },
        ];
        let at = Timestamp::parse("2026-03-01 12:00:00").unwrap();
        let order = Order {
            status: OrderStatus::Paid,
            ..Order::new("O0007".into(), "alice".into(), items, Money::from_cents(901), at)
        };
        assert_eq!(
            render_receipt("Shopfront", &DOLLARS, &order, &|_| None),
            "Shopfront\nReceipt for order O0007\nDate:     2026-03-01 12:00:00\nCustomer: alice\nStatus:   paid\n\n\
             2 × Mug @ $4.50 = $9.00\n1 × P9 @ $0.01 = $0.01\n\nTotal:                           $9.01\n"
        );
        let mut hostile = order.clone();
        hostile.username = "eve\u{1b}]52;c;cHduZWQ=\u{7}".into();
        hostile.items[0].name = Some("Mug\u{1b}[2J".into());
        let text = render_receipt("Shopfront", &DOLLARS, &hostile, &|_| None);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
        assert!(text.contains("Customer: eve\\u{1b}]52;c;cHduZWQ=\\u{7}\n"), "{text}");
    }

    #[test]
    fn a_paid_order_shows_every_figure_the_address_and_the_card() {
        let item = OrderLine {
            product_id: "P1".into(),
            name: Some("Sticker".into()),
            qty: 3,
            unit_price: Money::from_cents(30),
            extra: Default::default(),
        };
        let at = Timestamp::parse("2026-11-22 12:00:00").unwrap();
        let mut order = Order::new("O0007".into(), "alice".into(), vec![item], Money::from_cents(588), at);
        order.subtotal = Some(Money::from_cents(90));
        order.discount_code = Some("TEN10".into());
        order.discount = Money::from_cents(9);
        order.shipping = Money::from_cents(500);
        order.tax = Money::from_cents(7);
        order.address = Some(Box::new(
            crate::domain::Address::from_fields(["Ada Lovelace", "12 Main St", "", "London", "", "NW1", "UK", ""])
                .unwrap(),
        ));
        order.payment = Some(Box::new(crate::domain::payment::Payment {
            refund: None,
            brand: crate::domain::payment::Brand::Visa,
            last4: "4242".into(),
            reference: "mock_O0007_4242".into(),
            extra: Default::default(),
        }));
        let text = render_receipt("Shopfront", &DOLLARS, &order, &|_| None);
        for line in [
            "Subtotal:                        $0.90",
            "Discount (TEN10):               -$0.09",
            "Shipping:                        $5.00",
            "Tax:                             $0.07",
            "Total:                           $5.88",
            "Paid with Visa •••• 4242 (ref. mock_O0007_4242)",
            "  NW1 London",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
        }
    }
}
