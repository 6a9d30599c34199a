//! The plain-text receipt of an order.

use super::order::Order;
use super::text::printable;

/// The receipt as text for people: every value from the data files goes
/// through `printable`, so `cat receipt.txt` cannot steer the terminal.
pub fn render_receipt(shop_name: &str, order: &Order) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}\nReceipt for order {}\n", printable(shop_name), printable(&order.order_id)));
    out.push_str(&format!("Date:     {}\n", order.timestamp));
    out.push_str(&format!("Customer: {}\n", printable(&order.username)));
    out.push_str(&format!("Status:   {}\n\n", order.status));
    for line in &order.items {
        out.push_str(&format!(
            "{} × {} @ {} = {}\n",
            line.qty,
            printable(line.display_name()),
            line.unit_price,
            super::money::show(line.line_total())
        ));
    }
    out.push_str(&format!("\nTotal: {}\n", order.total));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, OrderLine, OrderStatus, Timestamp};

    #[test]
    fn lists_every_line_and_the_total() {
        let order = Order {
            order_id: "O0007".into(),
            username: "alice".into(),
            items: vec![
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
            ],
            total: Money::from_cents(901),
            timestamp: Timestamp::parse("2026-03-01 12:00:00").unwrap(),
            status: OrderStatus::Paid,
            events: vec![],
            extra: Default::default(),
        };
        assert_eq!(
            render_receipt("Shopfront", &order),
            "Shopfront\nReceipt for order O0007\nDate:     2026-03-01 12:00:00\nCustomer: alice\nStatus:   paid\n\n\
             2 × Mug @ $4.50 = $9.00\n1 × P9 @ $0.01 = $0.01\n\nTotal: $9.01\n"
        );
        let mut hostile = order.clone();
        hostile.username = "eve\u{1b}]52;c;cHduZWQ=\u{7}".into();
        hostile.items[0].name = Some("Mug\u{1b}[2J".into());
        let text = render_receipt("Shopfront", &hostile);
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "{text:?}");
        assert!(text.contains("Customer: eve\\u{1b}]52;c;cHduZWQ=\\u{7}\n"), "{text}");
    }
}
