//! The shop's rules. Pure: no files, no terminal, no clock (time is passed in).

pub mod address;
pub mod cart;
pub mod checkout;
pub mod discount;
pub mod extra;
pub mod money;
pub mod order;
pub mod payment;
pub mod product;
pub mod quote;
pub mod receipt;
pub mod settings;
pub mod stamp;
pub mod text;
pub mod time;
pub mod user;
pub mod width;

pub use address::Address;
pub use cart::{Cart, CartError, CartLine};
pub use checkout::{CheckoutPlan, Problem};
pub use discount::{CodeProblem, Discount, DiscountKind, DiscountState, Uses};
pub use money::{Currency, Money};
pub use order::{Order, OrderError, OrderEvent, OrderLine, OrderStatus};
pub use product::{Product, ProductDetails, ProductDraft, ProductError};
pub use quote::{Pricing, Quote, QuoteLine, items_only, quote};
pub use settings::{Settings, TaxRate};
pub use stamp::AdminChange;
pub use time::Timestamp;
pub use user::{Role, User, UserError};
