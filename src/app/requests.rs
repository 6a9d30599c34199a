//! What the app asks of the shop, as data: each operation is declared once
//! below — its fields, the type of its answer, how it prints, and what the
//! worker calls — and `requests!` makes from that list the `Request` the
//! app sends, its `Debug` (never a password), `perform` (run on the worker)
//! and the `Answer` that comes back: the request's own fields with a typed
//! `result`, so whoever handles it knows what was asked and gets the type
//! that operation gives, and no answer can be of the wrong kind.

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::AtomicU8;

use crate::domain::checkout::CheckoutRequest;
use crate::domain::{Cart, Currency, Discount, Order, OrderStatus, Product, ProductDetails, ProductDraft, Settings};
use crate::shop::{Account, KeyLogin, Profile, ShopError, ShopService, retry_while_busy};

/// How the worker performs a request: again while the store is busy or out
/// of reach (saying so in `waiting`), never once `cancelled` (Esc).
pub struct Attempts<'a> {
    pub waiting: &'a AtomicU8,
    pub cancelled: &'a dyn Fn() -> bool,
}

impl Attempts<'_> {
    fn run<T>(&self, attempt: impl FnMut() -> Result<T, ShopError>) -> Result<T, ShopError> {
        if (self.cancelled)() {
            return Err(ShopError::Busy);
        }
        retry_while_busy(self.waiting, self.cancelled, attempt)
    }
}

/// Declares the operations. Each entry:
/// `/// doc` `[submit]`? `Name { field: Type, … } -> AnswerType`
/// `shown "format", args…` `=> |shop, who| body;`
/// where `body` is a `Result<AnswerType, ShopError>` reading the fields by
/// reference, `who()` being the session's account (or `NotLoggedIn`).
/// `[submit]` marks a form or login submit: a second one while the first
/// still waits would do it twice, so the app ignores it.
macro_rules! requests {
    ($(
        $(#[doc = $doc:literal])*
        $([$submit:ident])?
        $name:ident { $($field:ident : $ty:ty),* $(,)? } -> $answer:ty,
        shown $format:literal $(, $arg:expr)*
        => |$shop:ident, $who:ident| $body:expr;
    )*) => {
        /// One thing asked of the shop, with everything it needs captured when asked.
        #[derive(PartialEq)]
        pub enum Request {
            $($(#[doc = $doc])* $name { $($field: $ty),* },)*
        }

        /// A performed request: its own fields, and what the shop answered.
        pub enum Answer {
            $($(#[doc = $doc])* $name { $($field: $ty,)* result: Result<$answer, ShopError> },)*
        }

        impl fmt::Debug for Request {
            // Only what `shown` says: never a password.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(#[allow(unused_variables)] Request::$name { $($field),* } => write!(f, $format $(, $arg)*),)*
                }
            }
        }

        impl Request {
            /// Whether a second one while the first waits is ignored.
            pub fn is_submit(&self) -> bool {
                match self {
                    $(Request::$name { .. } => requests!(@submit $($submit)?),)*
                }
            }

            /// Performs the request for `actor` (the worker calls this).
            pub(super) fn perform(self, shop: &ShopService, actor: Option<&Account>, attempts: &Attempts) -> Answer {
                match self {
                    $(Request::$name { $($field),* } => {
                        // Not every body reads every field (nor the account).
                        #[allow(unused_variables)]
                        let attempt = || -> Result<$answer, ShopError> {
                            $(let $field = &$field;)*
                            // Every request but logging in acts as the session's account.
                            let $who = || actor.ok_or(ShopError::NotLoggedIn);
                            let $shop = shop;
                            $body
                        };
                        let result = attempts.run(attempt);
                        Answer::$name { $($field,)* result }
                    })*
                }
            }
        }

        impl Answer {
            /// Whether it answers a submit (`Request::is_submit`).
            pub fn is_submit(&self) -> bool {
                match self {
                    $(Answer::$name { .. } => requests!(@submit $($submit)?),)*
                }
            }

            /// What went wrong, if it did.
            pub fn error(&self) -> Option<&ShopError> {
                match self {
                    $(Answer::$name { result, .. } => result.as_ref().err(),)*
                }
            }

            /// What went wrong, to be said otherwise.
            pub fn error_mut(&mut self) -> Option<&mut ShopError> {
                match self {
                    $(Answer::$name { result, .. } => result.as_mut().err(),)*
                }
            }
        }
    };
    (@submit submit) => { true };
    (@submit) => { false };
}

requests! {
    /// Pick up changes made elsewhere and read the session's view again.
    Refresh {} -> (), shown "Refresh"
        => |shop, who| Ok(());
    /// `origin`: the network address the session comes from (SSH), if any.
    [submit]
    LogIn { username: String, password: String, origin: Option<String> } -> Account, shown "LogIn({username})"
        => |shop, who| match origin {
            Some(origin) => shop.login_from(origin, username, password),
            None => shop.login(username, password),
        };
    [submit]
    CreateAccount { username: String, password: String } -> Account, shown "CreateAccount({username})"
        => |shop, who| shop.register(username, password);
    AddToCart { product_id: String, qty: u32 } -> Cart, shown "AddToCart({product_id} × {qty})"
        => |shop, who| shop.add_to_cart(who()?, product_id, *qty);
    SetCartQty { product_id: String, qty: u32 } -> Cart, shown "SetCartQty({product_id} = {qty})"
        => |shop, who| shop.set_cart_qty(who()?, product_id, *qty);
    RemoveFromCart { product_id: String } -> Cart, shown "RemoveFromCart({product_id})"
        => |shop, who| shop.remove_from_cart(who()?, product_id);
    /// Read the saved addresses and cards, to start the checkout.
    StartCheckout {} -> Profile, shown "StartCheckout"
        => |shop, who| shop.profile(who()?);
    /// Which account the session's SSH key is linked to.
    KeyLogin { fingerprint: String } -> Option<KeyLogin>, shown "KeyLogin"
        => |shop, who| shop.key_login(fingerprint);
    LinkKey { fingerprint: String } -> (), shown "LinkKey"
        => |shop, who| shop.link_key(who()?, fingerprint);
    ForgetKey { fingerprint: String } -> (), shown "ForgetKey"
        => |shop, who| shop.forget_key(who()?, fingerprint);
    [submit]
    ApplyCode { code: String } -> Discount, shown "ApplyCode({code})"
        => |shop, who| shop.apply_code(who()?, code);
    // Printed with no shop's symbol: the total and how many lines.
    [submit]
    PlaceOrder { order: Box<CheckoutRequest> } -> Order,
        shown "PlaceOrder({} lines, {})", order.seen.lines.len(), order.seen.total.shown(&Currency::PLAIN)
        => |shop, who| shop.checkout(who()?, order);
    AcceptAdjustments {} -> Cart, shown "AcceptAdjustments"
        => |shop, who| shop.accept_adjusted_cart(who()?);
    CancelOrder { order_id: String } -> Order, shown "CancelOrder({order_id})"
        => |shop, who| shop.cancel_order(who()?, order_id);
    /// Only from a local session, into its receipts folder.
    WriteReceipt { order_id: String, folder: PathBuf } -> PathBuf, shown "WriteReceipt({order_id})"
        => |shop, who| crate::receipts::write(folder, order_id, &shop.receipt(who()?, order_id)?);
    SetProductActive { product_id: String, active: bool } -> Product,
        shown "SetProductActive({product_id}, {active})"
        => |shop, who| shop.set_product_active(who()?, product_id, *active);
    [submit]
    CreateProduct { draft: ProductDraft } -> Product, shown "CreateProduct({})", draft.details.name
        => |shop, who| shop.create_product(who()?, draft.clone());
    [submit]
    UpdateProduct { product_id: String, seen: ProductDetails, wanted: ProductDetails } -> Product,
        shown "UpdateProduct({product_id})"
        => |shop, who| shop.update_product(who()?, product_id, seen, wanted.clone());
    [submit]
    ChangeStock { product_id: String, change: i64 } -> Product, shown "ChangeStock({product_id} {change:+})"
        => |shop, who| shop.change_stock(who()?, product_id, *change);
    AdvanceOrder { order_id: String, to: OrderStatus, tracking: Option<String> } -> Order,
        shown "AdvanceOrder({order_id} → {to})"
        => |shop, who| shop.set_order_status(who()?, order_id, *to, tracking.as_deref());
    DeleteProduct { product_id: String } -> Product, shown "DeleteProduct({product_id})"
        => |shop, who| shop.delete_product(who()?, product_id);
    /// Before asking "Delete … for good?": whether any order holds the
    /// product, by the latest orders (not this session's last view of them).
    CheckDeletable { product_id: String, name: String } -> bool, shown "CheckDeletable({product_id})"
        => |shop, who| Ok(shop.all_orders(who()?)?.mention(product_id));
    LoadDiscounts {} -> Vec<(Discount, u32)>, shown "LoadDiscounts"
        => |shop, who| shop.discounts(who()?);
    [submit]
    SaveDiscount { original: Option<String>, discount: Discount } -> Discount, shown "SaveDiscount({})", discount.code
        => |shop, who| shop.save_discount(who()?, original.as_deref(), discount.clone());
    SetDiscountActive { code: String, active: bool } -> Discount, shown "SetDiscountActive({code}, {active})"
        => |shop, who| shop.set_discount_active(who()?, code, *active);
    DeleteDiscount { code: String } -> Discount, shown "DeleteDiscount({code})"
        => |shop, who| shop.delete_discount(who()?, code);
    [submit]
    SaveSettings { settings: Settings } -> Settings, shown "SaveSettings"
        => |shop, who| shop.save_settings(who()?, settings.clone());
}

impl Answer {
    /// The account a login or sign-up logged in (the worker reads its view).
    pub fn logged_in(&self) -> Option<&Account> {
        match self {
            Answer::LogIn { result: Ok(account), .. } | Answer::CreateAccount { result: Ok(account), .. } => {
                Some(account)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_a_request_never_shows_a_password() {
        let login = Request::LogIn { username: "ann".into(), password: "hunter22".into(), origin: None };
        assert_eq!(format!("{login:?}"), "LogIn(ann)");
        let sign_up = Request::CreateAccount { username: "bob".into(), password: "s3cret-pw".into() };
        assert_eq!(format!("{sign_up:?}"), "CreateAccount(bob)");
        let stock = Request::ChangeStock { product_id: "P1".into(), change: 5 };
        assert_eq!(format!("{stock:?}"), "ChangeStock(P1 +5)");
    }

    #[test]
    fn submits_are_marked_and_their_answers_say_so() {
        assert!(Request::ApplyCode { code: "X".into() }.is_submit());
        assert!(!Request::CancelOrder { order_id: "1".into() }.is_submit());
        assert!(!Request::Refresh {}.is_submit());
        let answer = Answer::SaveSettings { settings: Settings::default(), result: Err(ShopError::Busy) };
        assert!(answer.is_submit());
        assert!(matches!(answer.error(), Some(ShopError::Busy)));
    }
}
