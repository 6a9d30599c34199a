//! The one keymap: key handling, the footer hints and the `?` help overlay
//! all read this table, so a hint can never promise a key that does nothing.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Tab};

/// Declares an enum and its `ALL`, every variant in declaration order, in
/// one go: a new variant cannot be left out of the list.
macro_rules! enum_with_all {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$variant_meta:meta])* $variant:ident,)* }) => {
        $(#[$meta])*
        $vis enum $name {
            $($(#[$variant_meta])* $variant,)*
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
        }
    };
}

enum_with_all! {
    /// Where a binding applies. The app lists the active contexts, most
    /// specific first; the first binding that matches wins.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Context {
        Login,
        /// The catalog's filter field has focus.
        Filter,
        Catalog,
        Product,
        Cart,
        Orders,
        OrderDetail,
        /// A yes/no confirmation or a problem list is open.
        Dialog,
        Help,
        /// After login, when no text field has focus.
        Shop,
        /// Like `Shop`, for admins only (the admin tabs).
        AdminShop,
        AdminProducts,
        AdminOrders,
        AdminOrderDetail,
        AdminDiscounts,
        AdminSettings,
        /// A product or stock form has focus.
        Form,
        /// Checkout: the saved addresses or cards.
        CheckoutList,
        /// Checkout: the review before paying.
        Review,
        /// Checkout: the order went through.
        Placed,
        /// An order's receipt is open.
        Receipt,
        /// The receipt, in a session that may write files (a local one, never
        /// over SSH: the file would be on the server).
        ReceiptFile,
        /// Changes wait for another copy of Shopfront to release the folder.
        Waiting,
        /// Always, even in text fields.
        Anywhere,
    }
}

impl Context {
    /// Contexts whose printable keys type into a text field.
    pub fn takes_text(self) -> bool {
        matches!(self, Context::Login | Context::Filter | Context::Form)
    }
}

pub struct Binding {
    pub context: Context,
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    pub hint: &'static str,
    /// Shown in the footer (the help overlay shows everything).
    pub footer: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

const fn bind(
    context: Context,
    code: KeyCode,
    modifiers: KeyModifiers,
    action: Action,
    hint: &'static str,
    footer: bool,
) -> Binding {
    Binding { context, code, modifiers, action, hint, footer }
}

impl Binding {
    /// How the key is written in hints, help and the README.
    pub fn label(&self) -> String {
        key_label(self.code, self.modifiers)
    }
}

/// A key as people write it: `a`, `G`, `Enter`, `Ctrl-S`, `Shift-Tab`, `↑`, `F12`.
pub fn key_label(code: KeyCode, modifiers: KeyModifiers) -> String {
    let name = match code {
        KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => c.to_ascii_uppercase().to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let shift =
        code == KeyCode::BackTab || (modifiers.contains(KeyModifiers::SHIFT) && !matches!(code, KeyCode::Char(_)));
    let ctrl = if modifiers.contains(KeyModifiers::CONTROL) { "Ctrl-" } else { "" };
    format!("{ctrl}{}{name}", if shift { "Shift-" } else { "" })
}

/// The keys bound to any of `actions` in `context`, as a hint writes them:
/// `a or Enter`. `None` if none is: a hint must not name a key that does nothing.
pub fn keys_for(context: Context, actions: &[Action]) -> Option<String> {
    let labels: Vec<String> =
        BINDINGS.iter().filter(|b| b.context == context && actions.contains(&b.action)).map(Binding::label).collect();
    (!labels.is_empty()).then(|| labels.join(" or "))
}

/// The first key bound to `action` in `context` (for hints short of room).
pub fn first_key(context: Context, action: &Action) -> Option<String> {
    BINDINGS.iter().find(|b| b.context == context && b.action == *action).map(Binding::label)
}

/// An in-screen hint: `p places the order`, or nothing if no key does it.
pub fn hint(context: Context, actions: &[Action], what: &str) -> String {
    keys_for(context, actions).map_or_else(String::new, |keys| format!("{keys} {what}"))
}

use Context as C;
use KeyCode as K;

pub const BINDINGS: &[Binding] = &[
    bind(C::Anywhere, K::Char('c'), CTRL, Action::Quit, "quit at once", false),
    bind(C::Anywhere, K::F(12), NONE, Action::ToggleStats, "stats bar", false),
    // While changes wait for another copy (takes Esc from every screen)
    bind(C::Waiting, K::Esc, NONE, Action::StopWaiting, "stop waiting", true),
    // Confirmations
    bind(C::Dialog, K::Char('y'), NONE, Action::Confirm, "yes", true),
    bind(C::Dialog, K::Enter, NONE, Action::Confirm, "yes", false),
    bind(C::Dialog, K::Char('n'), NONE, Action::Decline, "no", true),
    bind(C::Dialog, K::Esc, NONE, Action::Dismiss, "no", true),
    // Help overlay
    bind(C::Help, K::Esc, NONE, Action::Back, "close help", true),
    bind(C::Help, K::Char('?'), NONE, Action::ToggleHelp, "close help", true),
    bind(C::Help, K::Char('q'), NONE, Action::Quit, "quit", true),
    bind(C::Help, K::Down, NONE, Action::Down, "scroll down", true),
    bind(C::Help, K::Char('j'), NONE, Action::Down, "scroll down", false),
    bind(C::Help, K::Up, NONE, Action::Up, "scroll up", false),
    bind(C::Help, K::Char('k'), NONE, Action::Up, "scroll up", false),
    bind(C::Help, K::PageDown, NONE, Action::PageDown, "scroll a page down", false),
    bind(C::Help, K::PageUp, NONE, Action::PageUp, "scroll a page up", false),
    // Log in / create account
    bind(C::Login, K::Tab, NONE, Action::NextField, "next field", true),
    bind(C::Login, K::Down, NONE, Action::NextField, "next field", false),
    bind(C::Login, K::BackTab, KeyModifiers::SHIFT, Action::PrevField, "previous field", false),
    bind(C::Login, K::Up, NONE, Action::PrevField, "previous field", false),
    bind(C::Login, K::Enter, NONE, Action::Submit, "submit", true),
    bind(C::Login, K::Char('n'), CTRL, Action::ToggleLoginForm, "log in ↔ create account", true),
    bind(C::Login, K::Esc, NONE, Action::Quit, "quit", true),
    // The catalog's filter field
    bind(C::Filter, K::Enter, NONE, Action::FilterToResults, "to results", true),
    bind(C::Filter, K::Down, NONE, Action::FilterToResults, "to results", false),
    bind(C::Filter, K::Esc, NONE, Action::Back, "leave filter", true),
    // Catalog results
    bind(C::Catalog, K::Enter, NONE, Action::Open, "open", true),
    bind(C::Catalog, K::Char('a'), NONE, Action::AddToCart, "add to cart", true),
    bind(C::Catalog, K::Esc, NONE, Action::Back, "clear filter", false),
    // Product detail
    bind(C::Product, K::Char('+'), NONE, Action::Increase, "more", true),
    bind(C::Product, K::Char('='), NONE, Action::Increase, "more", false),
    bind(C::Product, K::Char('-'), NONE, Action::Decrease, "fewer", true),
    bind(C::Product, K::Char('a'), NONE, Action::AddToCart, "add to cart", true),
    bind(C::Product, K::Enter, NONE, Action::AddToCart, "add to cart", false),
    bind(C::Product, K::Esc, NONE, Action::Back, "back", true),
    // Cart
    bind(C::Cart, K::Char('+'), NONE, Action::Increase, "more", true),
    bind(C::Cart, K::Char('='), NONE, Action::Increase, "more", false),
    bind(C::Cart, K::Char('-'), NONE, Action::Decrease, "fewer", true),
    bind(C::Cart, K::Char('d'), NONE, Action::RemoveLine, "remove", true),
    bind(C::Cart, K::Delete, NONE, Action::RemoveLine, "remove", false),
    bind(C::Cart, K::Char('p'), NONE, Action::PlaceOrder, "checkout", true),
    bind(C::Cart, K::Char('%'), NONE, Action::PromoCode, "promo code", true),
    bind(C::Cart, K::Enter, NONE, Action::Open, "open product", false),
    // Checkout
    bind(C::CheckoutList, K::Enter, NONE, Action::Open, "use this", true),
    bind(C::CheckoutList, K::Char('n'), NONE, Action::AddNew, "add new", true),
    bind(C::CheckoutList, K::Esc, NONE, Action::Back, "back", true),
    bind(C::Review, K::Char('y'), NONE, Action::Confirm, "place and pay", true),
    bind(C::Review, K::Enter, NONE, Action::Open, "place and pay", false),
    bind(C::Review, K::Esc, NONE, Action::Back, "back", true),
    bind(C::Placed, K::Char('r'), NONE, Action::OpenReceipt, "receipt", true),
    bind(C::Placed, K::Enter, NONE, Action::Open, "to my orders", true),
    bind(C::Placed, K::Esc, NONE, Action::Back, "back to cart", true),
    // Orders
    bind(C::Orders, K::Enter, NONE, Action::Open, "details", true),
    bind(C::Orders, K::Char('x'), NONE, Action::CancelOrder, "cancel order", true),
    bind(C::Orders, K::Char('r'), NONE, Action::OpenReceipt, "receipt", true),
    bind(C::OrderDetail, K::Char('x'), NONE, Action::CancelOrder, "cancel order", true),
    bind(C::OrderDetail, K::Char('r'), NONE, Action::OpenReceipt, "receipt", true),
    bind(C::OrderDetail, K::Esc, NONE, Action::Back, "back", true),
    // The receipt
    bind(C::ReceiptFile, K::Char('w'), NONE, Action::WriteReceipt, "write it to a file", true),
    bind(C::Receipt, K::Esc, NONE, Action::Back, "close", true),
    bind(C::Receipt, K::Down, NONE, Action::Down, "scroll down", true),
    bind(C::Receipt, K::Char('j'), NONE, Action::Down, "scroll down", false),
    bind(C::Receipt, K::Up, NONE, Action::Up, "scroll up", false),
    bind(C::Receipt, K::Char('k'), NONE, Action::Up, "scroll up", false),
    bind(C::Receipt, K::PageDown, NONE, Action::PageDown, "page down", false),
    bind(C::Receipt, K::PageUp, NONE, Action::PageUp, "page up", false),
    bind(C::Receipt, K::Home, NONE, Action::Home, "top", false),
    bind(C::Receipt, K::Char('g'), NONE, Action::Home, "top", false),
    bind(C::Receipt, K::End, NONE, Action::End, "end", false),
    bind(C::Receipt, K::Char('G'), NONE, Action::End, "end", false),
    bind(C::Receipt, K::Char('?'), NONE, Action::ToggleHelp, "help", true),
    bind(C::Receipt, K::Char('q'), NONE, Action::Quit, "quit", true),
    // Admin: forms
    bind(C::Form, K::Tab, NONE, Action::NextField, "next field", true),
    bind(C::Form, K::Down, NONE, Action::NextField, "next field", false),
    bind(C::Form, K::BackTab, KeyModifiers::SHIFT, Action::PrevField, "previous field", false),
    bind(C::Form, K::Up, NONE, Action::PrevField, "previous field", false),
    bind(C::Form, K::Enter, NONE, Action::Submit, "next / save", true),
    bind(C::Form, K::Char('s'), CTRL, Action::SubmitForm, "save", true),
    bind(C::Form, K::Esc, NONE, Action::Back, "cancel", true),
    // Admin: products
    bind(C::AdminProducts, K::Char('n'), NONE, Action::NewProduct, "new", true),
    bind(C::AdminProducts, K::Char('e'), NONE, Action::EditProduct, "edit", true),
    bind(C::AdminProducts, K::Enter, NONE, Action::EditProduct, "edit", false),
    bind(C::AdminProducts, K::Char('s'), NONE, Action::Restock, "restock", true),
    bind(C::AdminProducts, K::Char('A'), NONE, Action::ToggleArchive, "(un)archive", true),
    bind(C::AdminProducts, K::Char('D'), NONE, Action::DeleteProduct, "delete", true),
    bind(C::AdminProducts, K::Esc, NONE, Action::Back, "clear filter", false),
    // Admin: all orders
    bind(C::AdminOrders, K::Enter, NONE, Action::Open, "details", true),
    bind(C::AdminOrders, K::Char('m'), NONE, Action::AdvanceOrder, "next status", true),
    bind(C::AdminOrders, K::Char('x'), NONE, Action::CancelOrder, "cancel order", true),
    bind(C::AdminOrders, K::Esc, NONE, Action::Back, "clear filter", false),
    bind(C::AdminOrderDetail, K::Char('m'), NONE, Action::AdvanceOrder, "next status", true),
    bind(C::AdminOrderDetail, K::Char('x'), NONE, Action::CancelOrder, "cancel order", true),
    bind(C::AdminOrderDetail, K::Esc, NONE, Action::Back, "back", true),
    // Admin: discount codes and settings
    bind(C::AdminDiscounts, K::Char('n'), NONE, Action::AddNew, "new code", true),
    bind(C::AdminDiscounts, K::Char('e'), NONE, Action::EditSelected, "edit", true),
    bind(C::AdminDiscounts, K::Enter, NONE, Action::EditSelected, "edit", false),
    bind(C::AdminDiscounts, K::Char('A'), NONE, Action::ToggleActive, "(de)activate", true),
    bind(C::AdminDiscounts, K::Char('D'), NONE, Action::DeleteSelected, "delete", true),
    bind(C::AdminSettings, K::Char('e'), NONE, Action::EditSelected, "edit settings", true),
    bind(C::AdminSettings, K::Enter, NONE, Action::EditSelected, "edit settings", false),
    bind(C::AdminShop, K::Char('4'), NONE, Action::ShowTab(Tab::Products), "products (admin)", false),
    bind(C::AdminShop, K::Char('5'), NONE, Action::ShowTab(Tab::AllOrders), "all orders (admin)", false),
    bind(C::AdminShop, K::Char('6'), NONE, Action::ShowTab(Tab::Discounts), "discount codes (admin)", false),
    bind(C::AdminShop, K::Char('7'), NONE, Action::ShowTab(Tab::Settings), "shop settings (admin)", false),
    // Anywhere in the shop when no field has focus
    bind(C::Shop, K::Char('1'), NONE, Action::ShowTab(Tab::Catalog), "catalog", false),
    bind(C::Shop, K::Char('2'), NONE, Action::ShowTab(Tab::Cart), "cart", false),
    bind(C::Shop, K::Char('3'), NONE, Action::ShowTab(Tab::Orders), "orders", false),
    bind(C::Shop, K::Tab, NONE, Action::NextTab, "next tab", false),
    bind(C::Shop, K::BackTab, KeyModifiers::SHIFT, Action::PrevTab, "previous tab", false),
    bind(C::Shop, K::Char('/'), NONE, Action::FocusFilter, "filter", true),
    bind(C::Shop, K::Char('c'), NONE, Action::ShowTab(Tab::Cart), "cart", true),
    bind(C::Shop, K::Char('o'), NONE, Action::ShowTab(Tab::Orders), "orders", true),
    bind(C::Shop, K::Up, NONE, Action::Up, "up", false),
    bind(C::Shop, K::Char('k'), NONE, Action::Up, "up", false),
    bind(C::Shop, K::Down, NONE, Action::Down, "down", false),
    bind(C::Shop, K::Char('j'), NONE, Action::Down, "down", false),
    bind(C::Shop, K::PageUp, NONE, Action::PageUp, "page up", false),
    bind(C::Shop, K::PageDown, NONE, Action::PageDown, "page down", false),
    bind(C::Shop, K::Home, NONE, Action::Home, "first", false),
    bind(C::Shop, K::Char('g'), NONE, Action::Home, "first", false),
    bind(C::Shop, K::End, NONE, Action::End, "last", false),
    bind(C::Shop, K::Char('G'), NONE, Action::End, "last", false),
    bind(C::Shop, K::Esc, NONE, Action::Back, "back", false),
    bind(C::Shop, K::Char('L'), NONE, Action::LogOut, "log out", false),
    bind(C::Shop, K::Char('?'), NONE, Action::ToggleHelp, "help", true),
    bind(C::Shop, K::Char('q'), NONE, Action::Quit, "quit", true),
];

fn matches(binding: &Binding, key: &KeyEvent) -> bool {
    if binding.code != key.code {
        return false;
    }
    // Shift is part of the character itself ('?', 'G', '+'), so it is ignored for characters.
    let modifiers = match key.code {
        KeyCode::Char(_) => key.modifiers - KeyModifiers::SHIFT,
        _ => key.modifiers,
    };
    modifiers == binding.modifiers
}

/// The action for a key in the given contexts (most specific first). In a
/// text field, a key without a binding is typed into the field.
pub fn resolve(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let bound = contexts
        .iter()
        .chain(std::iter::once(&Context::Anywhere))
        .find_map(|&context| BINDINGS.iter().find(|b| b.context == context && matches(b, key)))
        .map(|b| b.action.clone());
    if bound.is_some() {
        return bound;
    }
    // `Waiting` may come first; the screen's own context says whether it types.
    if contexts.iter().find(|c| **c != Context::Waiting).is_some_and(|c| c.takes_text()) {
        let event = crossterm::event::Event::Key(*key);
        return tui_input::backend::crossterm::to_input_request(&event).map(Action::Edit);
    }
    None
}

/// The footer: `(key, hint)` for the bindings marked for it, one per hint.
pub fn footer_hints(contexts: &[Context]) -> Vec<(String, &'static str)> {
    footer_bindings(contexts).into_iter().map(|b| (b.label(), b.hint)).collect()
}

/// The bindings the footer shows for `contexts`, one per hint.
pub fn footer_bindings(contexts: &[Context]) -> Vec<&'static Binding> {
    let mut seen: Vec<&str> = Vec::new();
    let mut keys: Vec<(KeyCode, KeyModifiers)> = Vec::new();
    let mut shown = Vec::new();
    for &context in contexts {
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            // A key an earlier context already took does something else here.
            let key = (b.code, b.modifiers);
            if b.footer && !seen.contains(&b.hint) && !keys.contains(&key) {
                seen.push(b.hint);
                shown.push(b);
            }
            keys.push(key);
        }
    }
    shown
}

/// The help overlay: every key of the contexts, grouped by what it does.
pub fn help_rows(contexts: &[Context]) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    let mut taken: Vec<(KeyCode, KeyModifiers)> = Vec::new();
    for &context in contexts.iter().chain(std::iter::once(&Context::Anywhere)) {
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            // A key an earlier context took does that here, not this.
            if taken.contains(&(b.code, b.modifiers)) {
                continue;
            }
            taken.push((b.code, b.modifiers));
            match rows.iter_mut().find(|(_, hint)| *hint == b.hint) {
                Some((keys, _)) if !keys.split(' ').any(|k| k == b.label()) => {
                    keys.push(' ');
                    keys.push_str(&b.label());
                }
                Some(_) => {}
                None => rows.push((b.label(), b.hint)),
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn text_fields_take_printable_keys() {
        for c in ['q', 'c', 'o', '?', 'j', 'k', '/', '1'] {
            assert_eq!(
                resolve(&[Context::Filter], &key(KeyCode::Char(c))),
                Some(Action::Edit(tui_input::InputRequest::InsertChar(c))),
                "{c}"
            );
        }
        assert_eq!(resolve(&[Context::Filter], &key(KeyCode::Enter)), Some(Action::FilterToResults));
        assert_eq!(
            resolve(&[Context::Filter], &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
    }

    #[test]
    fn shop_keys_work_without_a_field() {
        let contexts = [Context::Catalog, Context::Shop];
        assert_eq!(resolve(&contexts, &key(KeyCode::Char('q'))), Some(Action::Quit));
        assert_eq!(resolve(&contexts, &key(KeyCode::Char('a'))), Some(Action::AddToCart));
        assert_eq!(
            resolve(&contexts, &KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::ToggleHelp)
        );
        assert_eq!(resolve(&contexts, &KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::End));
        assert_eq!(resolve(&contexts, &key(KeyCode::Char('z'))), None);
        assert_eq!(resolve(&contexts, &key(KeyCode::F(12))), Some(Action::ToggleStats));
    }

    /// Where `App::contexts` puts a context in the list it makes.
    enum Listed {
        /// On its own: nothing else takes keys (a text field, an overlay).
        Alone,
        /// A screen's own keys, before the shop's: a shopper's and an admin's.
        Screen,
        /// The same, on a screen only admins see.
        AdminScreen,
        /// Just before another context.
        Before(Context),
        /// After every screen's own keys.
        AfterScreens,
        /// In front of any list, while changes wait.
        First,
        /// Never: the keymap adds it to every list.
        Implied,
    }

    /// No wildcard arm: a new context does not compile until it says where
    /// the app lists it, and so which lists the tests below go through.
    fn listed(context: Context) -> Listed {
        use Context as C;
        match context {
            C::Login | C::Filter | C::Dialog | C::Help | C::Form | C::Receipt => Listed::Alone,
            C::Catalog | C::Product | C::Cart | C::Orders | C::OrderDetail => Listed::Screen,
            C::CheckoutList | C::Review | C::Placed => Listed::Screen,
            C::AdminProducts | C::AdminOrders | C::AdminOrderDetail | C::AdminDiscounts | C::AdminSettings => {
                Listed::AdminScreen
            }
            // Only in a local session's receipt: over SSH the receipt is alone.
            C::ReceiptFile => Listed::Before(C::Receipt),
            C::Shop | C::AdminShop => Listed::AfterScreens,
            C::Waiting => Listed::First,
            C::Anywhere => Listed::Implied,
        }
    }

    /// Every place keys go, as the app lists them, made from `Context::ALL`.
    fn every_screen() -> Vec<Vec<Context>> {
        use Context as C;
        let mut all: Vec<Vec<Context>> = Vec::new();
        for &context in Context::ALL {
            match listed(context) {
                Listed::Alone => all.push(vec![context]),
                Listed::Screen => {
                    all.push(vec![context, C::Shop]);
                    all.push(vec![context, C::AdminShop, C::Shop]);
                }
                Listed::AdminScreen => all.push(vec![context, C::AdminShop, C::Shop]),
                Listed::Before(next) => all.push(vec![context, next]),
                Listed::AfterScreens | Listed::First | Listed::Implied => {}
            }
        }
        let waiting: Vec<Vec<Context>> =
            all.iter().map(|c| std::iter::once(C::Waiting).chain(c.iter().copied()).collect()).collect();
        all.extend(waiting);
        all
    }

    /// The key a label names, as a terminal would send it.
    fn key_of(binding: &Binding) -> KeyEvent {
        KeyEvent::new(binding.code, binding.modifiers)
    }

    #[test]
    fn every_footer_hint_does_what_it_says_where_it_is_shown() {
        for contexts in every_screen() {
            for (label, hint) in footer_hints(&contexts) {
                let binding = BINDINGS
                    .iter()
                    .find(|b| contexts.contains(&b.context) && b.label() == label && b.hint == hint)
                    .unwrap_or_else(|| panic!("{contexts:?}: hint {label} {hint} has no binding"));
                // The key must reach this binding, not one of an earlier context.
                assert_eq!(
                    resolve(&contexts, &key_of(binding)),
                    Some(binding.action.clone()),
                    "{contexts:?}: {label} is shown for {hint} but does something else"
                );
            }
        }
    }

    /// The keymap functions a screen writes a hint with.
    const HINT_FUNCTIONS: [&str; 3] = ["hint", "keys_for", "first_key"];

    /// One hint a screen writes: where, and the keys of which actions in which context.
    struct HintCall {
        at: String,
        context: Context,
        actions: Vec<Action>,
    }

    /// Every file of src/ but this one, with its path.
    fn sources() -> Vec<(String, String)> {
        let mut files = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("src/ is readable") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("app/keymap.rs") {
                    let text = std::fs::read_to_string(&path).expect("a source file");
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files
    }

    /// The text from an opening bracket at `open` to its match, both excluded
    /// (string literals may hold brackets).
    fn bracketed(text: &str, open: usize) -> &str {
        let mut depth = 0;
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in text[open..].char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return &text[open + 1..open + i];
                    }
                }
                _ => {}
            }
        }
        panic!("unbalanced brackets from byte {open}");
    }

    /// Splits a call's arguments at its top-level commas.
    fn arguments(args: &str) -> Vec<&str> {
        let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
        for (i, c) in args.char_indices() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(args[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(args[start..].trim());
        parts
    }

    /// The actions `text` names (`Action::ShowTab(crate::app::Tab::Cart)`),
    /// as their `Debug` text without paths (`ShowTab(Cart)`).
    fn actions_named(text: &str) -> Vec<String> {
        let mut names = Vec::new();
        for (at, _) in text.match_indices("Action::") {
            let rest = &text[at + "Action::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let inner = rest[name.len()..].starts_with('(').then(|| bracketed(rest, name.len()));
            let without_path = |path: &str| path.rsplit("::").next().unwrap_or(path).trim().to_string();
            names.push(match inner {
                Some(inner) => format!("{name}({})", without_path(inner)),
                None => name,
            });
        }
        names
    }

    /// The actions a hint's second argument names: written out, in an array
    /// bound just before (`&browse`), or passed to a closure around the call
    /// (`let keys = |action| keymap::keys_for(…, &[action])`: one hint per call).
    fn hinted_actions(file: &str, call_at: usize, argument: &str) -> Vec<Vec<String>> {
        let named = actions_named(argument);
        if !named.is_empty() {
            return vec![named];
        }
        let ident = argument.trim_matches(|c: char| !(c.is_alphanumeric() || c == '_'));
        if let Some(at) = file[..call_at].rfind(&format!(" = |{ident}|")) {
            let closure = file[..at].rsplit("let ").next().unwrap_or_default().trim();
            let call = format!("{closure}(Action::");
            return file.match_indices(&call).map(|(i, _)| actions_named(bracketed(file, i + closure.len()))).collect();
        }
        if let Some(at) = file[..call_at].rfind(&format!("let {ident} = ")) {
            let statement = &file[at..at + file[at..].find(';').unwrap_or_default()];
            return vec![actions_named(statement)];
        }
        Vec::new()
    }

    /// Every hint the screens write into their text, read from the source
    /// (`keymap::hint`, `keys_for`, `first_key` anywhere in src/).
    fn hints_in_source() -> Vec<HintCall> {
        let bound: Vec<&Action> = BINDINGS.iter().map(|b| &b.action).collect();
        let action = |name: &str, at: &str| -> Action {
            let found = bound.iter().find(|a| format!("{a:?}") == name);
            (*found.unwrap_or_else(|| panic!("{at}: a hint names {name}, which no key does"))).clone()
        };
        let mut calls = Vec::new();
        for (path, text) in sources() {
            let line = |at: usize| format!("{path}:{}", text[..at].lines().count());
            let in_comment = |at: usize| text[..at].rsplit('\n').next().is_some_and(|l| l.contains("//"));
            for function in HINT_FUNCTIONS {
                let call = format!("keymap::{function}(");
                for (at, _) in text.match_indices(&call).filter(|(at, _)| !in_comment(*at)) {
                    let args = arguments(bracketed(&text, at + call.len() - 1));
                    let context_name = args[0].rsplit("::").next().unwrap_or_default();
                    let context = Context::ALL.iter().find(|c| format!("{c:?}") == context_name);
                    let context = *context.unwrap_or_else(|| panic!("{}: no context in {args:?}", line(at)));
                    let hinted = hinted_actions(&text, at, args[1]);
                    assert!(!hinted.is_empty(), "{}: which actions does {args:?} name? Write them out", line(at));
                    for names in hinted {
                        let actions = names.iter().map(|name| action(name, &line(at))).collect();
                        calls.push(HintCall { at: line(at), context, actions });
                    }
                }
                // A call without `keymap::` would escape this test.
                let bare: Vec<String> = text
                    .match_indices(&format!("{function}("))
                    .filter(|(at, _)| {
                        let before = text[..*at].chars().next_back().unwrap_or(' ');
                        !(before.is_alphanumeric()
                            || before == '_'
                            || in_comment(*at)
                            || text[..*at].ends_with("keymap::"))
                    })
                    .map(|(at, _)| line(at))
                    .collect();
                assert!(bare.is_empty(), "{bare:?}: call {function} as keymap::{function}, so this test reads it");
            }
        }
        calls
    }

    #[test]
    fn in_screen_hints_name_keys_that_are_bound_there() {
        use Context as C;
        let used = hints_in_source();
        let found = |context, actions: &[Action]| used.iter().any(|h| h.context == context && h.actions == actions);
        // The reading works: hints written out, in an array, through a closure.
        assert!(found(C::Cart, &[Action::PlaceOrder]), "hints not found in src/");
        assert!(found(C::Shop, &[Action::ShowTab(Tab::Catalog), Action::FocusFilter]));
        assert!(found(C::Dialog, &[Action::Decline]));
        for HintCall { at, context, actions } in &used {
            let keys =
                keys_for(*context, actions).unwrap_or_else(|| panic!("{at}: no key for {actions:?} in {context:?}"));
            for label in keys.split(" or ") {
                let binding = BINDINGS.iter().find(|b| b.context == *context && b.label() == label).unwrap();
                assert!(actions.contains(&binding.action));
            }
        }
        assert_eq!(keys_for(C::Product, &[Action::AddToCart]).as_deref(), Some("a or Enter"));
        assert_eq!(hint(C::Cart, &[Action::PlaceOrder], "places the order"), "p places the order");
        assert_eq!(hint(C::Login, &[Action::PlaceOrder], "places the order"), "", "no key, no hint");
    }

    #[test]
    fn help_shows_each_key_once_with_what_it_does_there() {
        for contexts in every_screen() {
            let rows = help_rows(&contexts);
            let mut seen = Vec::new();
            for (keys, hint) in &rows {
                for key in keys.split(' ') {
                    assert!(!seen.contains(&key.to_string()), "{contexts:?}: {key} listed twice ({hint}): {rows:?}");
                    seen.push(key.to_string());
                }
            }
        }
    }

    #[test]
    fn labels_are_made_from_the_keys() {
        assert_eq!(key_label(KeyCode::Char('c'), KeyModifiers::CONTROL), "Ctrl-C");
        assert_eq!(key_label(KeyCode::BackTab, KeyModifiers::SHIFT), "Shift-Tab");
        assert_eq!(key_label(KeyCode::Char('G'), KeyModifiers::NONE), "G");
        assert_eq!(key_label(KeyCode::F(12), KeyModifiers::NONE), "F12");
        assert_eq!(key_label(KeyCode::PageDown, KeyModifiers::NONE), "PgDn");
        let help = help_rows(&[Context::Catalog, Context::Shop]);
        assert!(help.iter().any(|(keys, hint)| keys == "↑ k" && *hint == "up"), "{help:?}");
        assert!(help.iter().any(|(keys, _)| keys == "Ctrl-C"));
    }
}
