//! Everything the user can ask for, as data. Keys, mouse and paste become
//! actions in the keymap and the event loop; `App::update` carries them out.

use tui_input::InputRequest;

/// The tabs: a shopper's three, and two more for admins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tab {
    Catalog,
    Cart,
    Orders,
    Products,
    AllOrders,
    Discounts,
    Settings,
}

impl Tab {
    pub const SHOPPER: [Tab; 3] = [Tab::Catalog, Tab::Cart, Tab::Orders];
    pub const ADMIN: [Tab; 7] =
        [Tab::Catalog, Tab::Cart, Tab::Orders, Tab::Products, Tab::AllOrders, Tab::Discounts, Tab::Settings];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Catalog => "Catalog",
            Tab::Cart => "Cart",
            Tab::Orders => "Orders",
            Tab::Products => "Products",
            Tab::AllOrders => "All orders",
            Tab::Discounts => "Discounts",
            Tab::Settings => "Settings",
        }
    }

    /// The title when the header is short of room.
    pub fn short_title(self) -> &'static str {
        match self {
            Tab::Catalog => "Cat",
            Tab::Cart => "Cart",
            Tab::Orders => "Ord",
            Tab::Products => "Prod",
            Tab::AllOrders => "All",
            Tab::Discounts => "Disc",
            Tab::Settings => "Set",
        }
    }

    pub fn number(self) -> usize {
        match self {
            Tab::Catalog => 1,
            Tab::Cart => 2,
            Tab::Orders => 3,
            Tab::Products => 4,
            Tab::AllOrders => 5,
            Tab::Discounts => 6,
            Tab::Settings => 7,
        }
    }

    pub fn admin_only(self) -> bool {
        matches!(self, Tab::Products | Tab::AllOrders | Tab::Discounts | Tab::Settings)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    ShowTab(Tab),
    /// Tab / Shift-Tab: the next or previous tab, round (however many there are).
    NextTab,
    PrevTab,
    FocusFilter,
    /// Esc: close what is open, or go back one level.
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Enter on a list: open the selected item.
    Open,
    ToggleHelp,
    ToggleStats,
    LogOut,
    AddToCart,
    Increase,
    Decrease,
    RemoveLine,
    PlaceOrder,
    /// Open the cart's promo code field.
    PromoCode,
    /// `n` on a checkout list or the discounts: a new address, card or code.
    AddNew,
    /// `e` on a list: edit the selected item (a discount code, the settings).
    EditSelected,
    /// `A` on the discounts: activate or deactivate the selected code.
    ToggleActive,
    /// `D` on the discounts: delete the selected code (asks first).
    DeleteSelected,
    /// `y` / Enter in a confirmation.
    Confirm,
    /// Esc in a confirmation: nothing happens, the dialog closes.
    Dismiss,
    /// `n` in a confirmation: the answer no (for most dialogs the same as
    /// Esc; logging out with an SSH key: log out but keep the key).
    Decline,
    CancelOrder,
    /// `r`: show the order's receipt.
    OpenReceipt,
    /// `w` in the receipt (local sessions only): write it to a file.
    WriteReceipt,
    // Admin
    NewProduct,
    EditProduct,
    Restock,
    ToggleArchive,
    DeleteProduct,
    /// Move the selected order one step along placed → paid → shipped → delivered.
    AdvanceOrder,
    /// Ctrl-S in a form: submit from any field.
    SubmitForm,
    // Forms
    NextField,
    PrevField,
    /// Enter in a form: next field, or submit on the last one.
    Submit,
    ToggleLoginForm,
    /// Enter / ↓ in the filter: move to the results, keeping the filter.
    FilterToResults,
    // Text and pointer
    Edit(InputRequest),
    Paste(String),
    /// A left click at a terminal cell.
    Click {
        column: u16,
        row: u16,
    },
    /// The mouse wheel over a cell.
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
    Resize(u16, u16),
    /// Periodic: pick up other copies' changes, retry waiting changes.
    Tick,
    /// Esc while changes wait for another copy: drop them.
    StopWaiting,
}
