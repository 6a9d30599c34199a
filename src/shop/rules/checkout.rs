//! Checkout: the discount code checked, the reviewed quote compared with a
//! fresh one, stock taken, the card charged (the mock gateway), the order
//! placed — as one change, or nothing.

use super::carts::products_of;
use super::{Decided, existing_account};
use crate::domain::address::Address;
use crate::domain::checkout::{CheckoutRequest, PaymentChoice, plan_checkout};
use crate::domain::discount::{self, CodeProblem};
use crate::domain::extra::Extra;
use crate::domain::order::OrderEvent;
use crate::domain::payment::{CardError, CardOnFile, Charge, Expiry, charge, check_card, check_cvc};
use crate::domain::text;
use crate::domain::{
    Cart, Currency, Discount, Money, Order, OrderStatus, Pricing, Problem, Product, Timestamp, User, items_only,
};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

/// Most addresses and cards a shopper's book keeps.
const ADDRESS_BOOK_MAX: usize = 10;
const CARDS_MAX: usize = 5;

/// Places and pays, as `order_id`, the order `username` reviewed
/// (`request.seen`): the card checked, the code checked again (so two
/// copies can never both take its last use), a fresh quote equal to the
/// one reviewed, stock enough; then the mock gateway charges the card.
/// Only an approved charge changes anything: stock, the `paid` order with
/// its address and payment, the emptied cart, the address book (and the
/// card on file, if asked). Otherwise the error says why.
pub fn checkout(
    view: &dyn ReadTx,
    now: Timestamp,
    username: &str,
    order_id: String,
    request: &CheckoutRequest,
) -> Decided<Order> {
    // The same checkout again (its answer was lost): the order it placed.
    if !request.key.is_empty()
        && let Some(placed) = view.order_by_checkout_key(username, &request.key)?
    {
        return Ok((placed, vec![]));
    }
    request.address.check().map_err(ShopError::Address)?;
    let user = existing_account(view, username)?;
    let to_charge = card_to_charge(&user, &request.payment, Expiry::of(now))?;
    let cart = view.cart(username)?.unwrap_or_else(|| Cart::new(&user.username));
    let subtotal = items_only(&cart.items).map_err(|problem| ShopError::Checkout(vec![problem]))?.subtotal;
    let settings = view.settings()?;
    let currency = settings.currency();
    let discount = match &request.code {
        Some(code) => Some(
            current_discount(view, username, code, subtotal, now, &currency)?
                .map_err(|problem| ShopError::Checkout(vec![Problem::CodeNoLongerApplies(problem.to_string())]))?,
        ),
        None => None,
    };
    let pricing = Pricing::new(&settings, discount.as_ref());
    let products = products_of(view, cart.items.iter().map(|line| line.product_id.as_str()))?;
    let plan = plan_checkout(&cart, &request.seen, &pricing, &currency, |id| products.get(id), order_id, now)
        .map_err(ShopError::Checkout)?;
    let payment = charge(&to_charge, &plan.order.order_id)?;
    let mut order = plan.order;
    order.address = Some(Box::new(request.address.clone()));
    order.payment = Some(Box::new(payment));
    order.status = OrderStatus::Paid;
    order.checkout_key = Some(request.key.clone()).filter(|key| !key.is_empty());
    order.events.push(OrderEvent {
        at: now,
        by: "payment".into(),
        status: OrderStatus::Paid,
        refunded: None,
        extra: Extra::EMPTY,
    });
    let mut changes = Vec::with_capacity(plan.new_stock.len() + 3);
    for (product_id, stock) in plan.new_stock {
        if let Some(product) = products.get(&product_id) {
            changes.push(Change::PutProduct(Product { stock, ..product.clone() }));
        }
    }
    changes.push(Change::PutOrder(order.clone()));
    changes.push(Change::PutCart(Cart { items: vec![], ..cart }));
    let remembered = match (&request.payment, &to_charge) {
        (PaymentChoice::NewCard { remember: true, .. }, Charge::Card(card)) => Some(card.on_file()),
        _ => None,
    };
    let updated = remember(&user, &request.address, remembered);
    if updated != user {
        changes.push(Change::PutUser(updated));
    }
    Ok((order, changes))
}

/// The discount `typed` names, if it applies to `username`'s cart now.
pub fn apply_code(view: &dyn ReadTx, now: Timestamp, username: &str, typed: &str) -> Result<Discount, ShopError> {
    existing_account(view, username)?;
    let lines = view.cart(username)?.map(|cart| cart.items).unwrap_or_default();
    let subtotal = items_only(&lines).map_err(|problem| ShopError::Checkout(vec![problem]))?.subtotal;
    let settings = view.settings()?;
    Ok(current_discount(view, username, typed, subtotal, now, &settings.currency())??)
}

/// The discount `typed` names, checked for `username` and `subtotal` now:
/// the outer error is the store's, the inner why the code does not apply
/// (amounts in the shop's `currency`).
fn current_discount(
    view: &dyn ReadTx,
    username: &str,
    typed: &str,
    subtotal: Money,
    now: Timestamp,
    currency: &Currency,
) -> Result<Result<Discount, CodeProblem>, ShopError> {
    let Some(discount) = view.discount(typed)? else {
        return Ok(Err(CodeProblem::Unknown(text::excerpt(&discount::normalize_code(typed), 40).into_owned())));
    };
    let uses = view.code_uses(&discount.code, username)?;
    Ok(discount.check(uses, subtotal, now, currency).map(|()| discount))
}

/// The card a checkout charges, checked: a typed card in full, a card on
/// file only if it is still the shopper's, not expired, with a CVC of the
/// right shape.
fn card_to_charge(user: &User, choice: &PaymentChoice, today: Expiry) -> Result<Charge, ShopError> {
    match choice {
        PaymentChoice::NewCard { card, .. } => Ok(Charge::Card(check_card(card, today)?)),
        PaymentChoice::OnFile { card, cvc } => {
            if !user.cards.iter().any(|saved| {
                saved.brand == card.brand && saved.last4 == card.last4 && saved.expiry.same_month(&card.expiry)
            }) {
                return Err(ShopError::Invalid("That card is no longer saved; choose another or add it again".into()));
            }
            if card.expiry.is_before(&today) {
                return Err(CardError::ExpiryPast.into());
            }
            check_cvc(cvc, card.brand)?;
            Ok(Charge::OnFile(card.clone()))
        }
    }
}

/// `user` with `address` first in their address book (and `card` first
/// among their cards): used most recently, offered first next time.
fn remember(user: &User, address: &Address, card: Option<CardOnFile>) -> User {
    let mut user = user.clone();
    let existing = user.addresses.iter().position(|a| a.same_place(address));
    let kept = existing.map(|i| user.addresses.remove(i));
    // A known address keeps its stored form (and any fields we do not know).
    user.addresses.insert(0, kept.unwrap_or_else(|| address.clone()));
    user.addresses.truncate(ADDRESS_BOOK_MAX);
    if let Some(card) = card {
        let same = |c: &CardOnFile| c.brand == card.brand && c.last4 == card.last4 && c.expiry.same_month(&card.expiry);
        // A saved card keeps its stored form (and any fields we do not know).
        let kept = user.cards.iter().position(same).map(|i| user.cards.remove(i));
        user.cards.retain(|c| !same(c));
        user.cards.insert(0, kept.unwrap_or(card));
        user.cards.truncate(CARDS_MAX);
    }
    user
}
