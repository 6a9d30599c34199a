//! The one keymap: key handling, the footer hints and the `?` help overlay
//! all read this table, so a hint can never promise a key that does nothing.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, Tab};

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
    /// A product or stock form has focus.
    Form,
    /// Changes wait for another copy of Shopfront to release the folder.
    Waiting,
    /// Always, even in text fields.
    Anywhere,
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
    /// How the key is written in hints and help.
    pub label: &'static str,
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
    label: &'static str,
    action: Action,
    hint: &'static str,
    footer: bool,
) -> Binding {
    Binding { context, code, modifiers, label, action, hint, footer }
}

use Context as C;
use KeyCode as K;

pub const BINDINGS: &[Binding] = &[
    bind(C::Anywhere, K::Char('c'), CTRL, "Ctrl-C", Action::Quit, "quit at once", false),
    bind(C::Anywhere, K::F(12), NONE, "F12", Action::ToggleStats, "stats bar", false),
    // While changes wait for another copy (takes Esc from every screen)
    bind(C::Waiting, K::Esc, NONE, "Esc", Action::StopWaiting, "stop waiting", true),
    // Confirmations
    bind(C::Dialog, K::Char('y'), NONE, "y", Action::Confirm, "yes", true),
    bind(C::Dialog, K::Enter, NONE, "Enter", Action::Confirm, "yes", false),
    bind(C::Dialog, K::Char('n'), NONE, "n", Action::Dismiss, "no", true),
    bind(C::Dialog, K::Esc, NONE, "Esc", Action::Dismiss, "no", true),
    // Help overlay
    bind(C::Help, K::Esc, NONE, "Esc", Action::Back, "close help", true),
    bind(C::Help, K::Char('?'), NONE, "?", Action::ToggleHelp, "close help", true),
    bind(C::Help, K::Char('q'), NONE, "q", Action::Quit, "quit", true),
    // Log in / create account
    bind(C::Login, K::Tab, NONE, "Tab", Action::NextField, "next field", true),
    bind(C::Login, K::Down, NONE, "↓", Action::NextField, "next field", false),
    bind(C::Login, K::BackTab, KeyModifiers::SHIFT, "Shift-Tab", Action::PrevField, "previous field", false),
    bind(C::Login, K::Up, NONE, "↑", Action::PrevField, "previous field", false),
    bind(C::Login, K::Enter, NONE, "Enter", Action::Submit, "submit", true),
    bind(C::Login, K::Char('n'), CTRL, "Ctrl-N", Action::ToggleLoginForm, "log in ↔ create account", true),
    bind(C::Login, K::Esc, NONE, "Esc", Action::Quit, "quit", true),
    // The catalog's filter field
    bind(C::Filter, K::Enter, NONE, "Enter", Action::FilterToResults, "to results", true),
    bind(C::Filter, K::Down, NONE, "↓", Action::FilterToResults, "to results", false),
    bind(C::Filter, K::Esc, NONE, "Esc", Action::Back, "leave filter", true),
    // Catalog results
    bind(C::Catalog, K::Enter, NONE, "Enter", Action::Open, "open", true),
    bind(C::Catalog, K::Char('a'), NONE, "a", Action::AddToCart, "add to cart", true),
    bind(C::Catalog, K::Esc, NONE, "Esc", Action::Back, "clear filter", false),
    // Product detail
    bind(C::Product, K::Char('+'), NONE, "+", Action::Increase, "more", true),
    bind(C::Product, K::Char('='), NONE, "=", Action::Increase, "more", false),
    bind(C::Product, K::Char('-'), NONE, "-", Action::Decrease, "fewer", true),
    bind(C::Product, K::Char('a'), NONE, "a", Action::AddToCart, "add to cart", true),
    bind(C::Product, K::Enter, NONE, "Enter", Action::AddToCart, "add to cart", false),
    bind(C::Product, K::Esc, NONE, "Esc", Action::Back, "back", true),
    // Cart
    bind(C::Cart, K::Char('+'), NONE, "+", Action::Increase, "more", true),
    bind(C::Cart, K::Char('='), NONE, "=", Action::Increase, "more", false),
    bind(C::Cart, K::Char('-'), NONE, "-", Action::Decrease, "fewer", true),
    bind(C::Cart, K::Char('d'), NONE, "d", Action::RemoveLine, "remove", true),
    bind(C::Cart, K::Delete, NONE, "Del", Action::RemoveLine, "remove", false),
    bind(C::Cart, K::Char('p'), NONE, "p", Action::PlaceOrder, "place order", true),
    bind(C::Cart, K::Enter, NONE, "Enter", Action::Open, "open product", false),
    // Orders
    bind(C::Orders, K::Enter, NONE, "Enter", Action::Open, "details", true),
    bind(C::Orders, K::Char('x'), NONE, "x", Action::CancelOrder, "cancel order", true),
    bind(C::Orders, K::Char('r'), NONE, "r", Action::WriteReceipt, "receipt", true),
    bind(C::OrderDetail, K::Char('x'), NONE, "x", Action::CancelOrder, "cancel order", true),
    bind(C::OrderDetail, K::Char('r'), NONE, "r", Action::WriteReceipt, "receipt", true),
    bind(C::OrderDetail, K::Esc, NONE, "Esc", Action::Back, "back", true),
    // Admin: forms
    bind(C::Form, K::Tab, NONE, "Tab", Action::NextField, "next field", true),
    bind(C::Form, K::Down, NONE, "↓", Action::NextField, "next field", false),
    bind(C::Form, K::BackTab, KeyModifiers::SHIFT, "Shift-Tab", Action::PrevField, "previous field", false),
    bind(C::Form, K::Up, NONE, "↑", Action::PrevField, "previous field", false),
    bind(C::Form, K::Enter, NONE, "Enter", Action::Submit, "next / save", true),
    bind(C::Form, K::Char('s'), CTRL, "Ctrl-S", Action::SubmitForm, "save", true),
    bind(C::Form, K::Esc, NONE, "Esc", Action::Back, "cancel", true),
    // Admin: products
    bind(C::AdminProducts, K::Char('n'), NONE, "n", Action::NewProduct, "new", true),
    bind(C::AdminProducts, K::Char('e'), NONE, "e", Action::EditProduct, "edit", true),
    bind(C::AdminProducts, K::Enter, NONE, "Enter", Action::EditProduct, "edit", false),
    bind(C::AdminProducts, K::Char('s'), NONE, "s", Action::Restock, "restock", true),
    bind(C::AdminProducts, K::Char('A'), NONE, "A", Action::ToggleArchive, "(un)archive", true),
    bind(C::AdminProducts, K::Char('D'), NONE, "D", Action::DeleteProduct, "delete", true),
    bind(C::AdminProducts, K::Esc, NONE, "Esc", Action::Back, "clear filter", false),
    // Admin: all orders
    bind(C::AdminOrders, K::Enter, NONE, "Enter", Action::Open, "details", true),
    bind(C::AdminOrders, K::Char('m'), NONE, "m", Action::AdvanceOrder, "next status", true),
    bind(C::AdminOrders, K::Char('x'), NONE, "x", Action::CancelOrder, "cancel order", true),
    bind(C::AdminOrders, K::Esc, NONE, "Esc", Action::Back, "clear filter", false),
    bind(C::AdminOrderDetail, K::Char('m'), NONE, "m", Action::AdvanceOrder, "next status", true),
    bind(C::AdminOrderDetail, K::Char('x'), NONE, "x", Action::CancelOrder, "cancel order", true),
    bind(C::AdminOrderDetail, K::Esc, NONE, "Esc", Action::Back, "back", true),
    bind(C::AdminShop, K::Char('4'), NONE, "4", Action::ShowTab(Tab::Products), "products (admin)", false),
    bind(C::AdminShop, K::Char('5'), NONE, "5", Action::ShowTab(Tab::AllOrders), "all orders (admin)", false),
    // Anywhere in the shop when no field has focus
    bind(C::Shop, K::Char('1'), NONE, "1", Action::ShowTab(Tab::Catalog), "catalog", false),
    bind(C::Shop, K::Char('2'), NONE, "2", Action::ShowTab(Tab::Cart), "cart", false),
    bind(C::Shop, K::Char('3'), NONE, "3", Action::ShowTab(Tab::Orders), "orders", false),
    bind(C::Shop, K::Char('/'), NONE, "/", Action::FocusFilter, "filter", true),
    bind(C::Shop, K::Char('c'), NONE, "c", Action::ShowTab(Tab::Cart), "cart", true),
    bind(C::Shop, K::Char('o'), NONE, "o", Action::ShowTab(Tab::Orders), "orders", true),
    bind(C::Shop, K::Up, NONE, "↑", Action::Up, "up", false),
    bind(C::Shop, K::Char('k'), NONE, "k", Action::Up, "up", false),
    bind(C::Shop, K::Down, NONE, "↓", Action::Down, "down", false),
    bind(C::Shop, K::Char('j'), NONE, "j", Action::Down, "down", false),
    bind(C::Shop, K::PageUp, NONE, "PgUp", Action::PageUp, "page up", false),
    bind(C::Shop, K::PageDown, NONE, "PgDn", Action::PageDown, "page down", false),
    bind(C::Shop, K::Home, NONE, "Home", Action::Home, "first", false),
    bind(C::Shop, K::Char('g'), NONE, "g", Action::Home, "first", false),
    bind(C::Shop, K::End, NONE, "End", Action::End, "last", false),
    bind(C::Shop, K::Char('G'), NONE, "G", Action::End, "last", false),
    bind(C::Shop, K::Esc, NONE, "Esc", Action::Back, "back", false),
    bind(C::Shop, K::Char('L'), NONE, "L", Action::LogOut, "log out", false),
    bind(C::Shop, K::Char('?'), NONE, "?", Action::ToggleHelp, "help", true),
    bind(C::Shop, K::Char('q'), NONE, "q", Action::Quit, "quit", true),
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
pub fn footer_hints(contexts: &[Context]) -> Vec<(&'static str, &'static str)> {
    let mut seen: Vec<&str> = Vec::new();
    let mut keys: Vec<(KeyCode, KeyModifiers)> = Vec::new();
    let mut hints = Vec::new();
    for &context in contexts {
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            // A key an earlier context already took does something else here.
            let key = (b.code, b.modifiers);
            if b.footer && !seen.contains(&b.hint) && !keys.contains(&key) {
                seen.push(b.hint);
                hints.push((b.label, b.hint));
            }
            keys.push(key);
        }
    }
    hints
}

/// The help overlay: every key of the contexts, grouped by what it does.
pub fn help_rows(contexts: &[Context]) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for &context in contexts.iter().chain(std::iter::once(&Context::Anywhere)) {
        for b in BINDINGS.iter().filter(|b| b.context == context) {
            match rows.iter_mut().find(|(_, hint)| *hint == b.hint) {
                Some((keys, _)) if !keys.split(' ').any(|k| k == b.label) => {
                    keys.push(' ');
                    keys.push_str(b.label);
                }
                Some(_) => {}
                None => rows.push((b.label.to_string(), b.hint)),
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

    #[test]
    fn every_hint_names_a_bound_key() {
        for contexts in [&[Context::Catalog, Context::Shop][..], &[Context::Login], &[Context::Cart, Context::Shop]] {
            for (label, _) in footer_hints(contexts) {
                assert!(BINDINGS.iter().any(|b| b.label == label && contexts.contains(&b.context)));
            }
        }
        let help = help_rows(&[Context::Catalog, Context::Shop]);
        assert!(help.iter().any(|(keys, hint)| keys == "↑ k" && *hint == "up"), "{help:?}");
        assert!(help.iter().any(|(keys, _)| keys == "Ctrl-C"));
    }
}
