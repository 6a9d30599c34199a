//! The shop's screens as components, driven with no worker and no shop:
//! a `ShopCtx` made from plain values, an action in, the component's state
//! and the effects it returned asserted.

use tui_input::InputRequest;

use super::component::{Component, Effect, ShopCtx};
use super::dialog::Dialog;
use super::requests::Request;
use super::views::{AdminOrdersView, CatalogView, CheckoutStep, CheckoutView, Form, OrdersView, ProductView};
use super::{Action, CartView, CatalogKind, DiscountsView, Screen, Tab};
use crate::domain::checkout::PaymentChoice;
use crate::domain::payment::{Brand, CardOnFile, Expiry};
use crate::domain::{Cart, Money, Order, OrderLine, OrderStatus, Problem, Product, Quote, Role, Settings, Timestamp};
use crate::shop::{Account, Catalog, OrderBook, Profile};

fn product(id: &str, stock: u32) -> Product {
    Product {
        product_id: id.into(),
        name: format!("Lamp {id}"),
        price: Money::from_cents(1250),
        stock,
        description: None,
        category: None,
        active: true,
        changed: None,
        extra: Default::default(),
    }
}

fn order(id: &str, status: OrderStatus) -> Order {
    let items = vec![OrderLine {
        product_id: "P1".into(),
        name: None,
        qty: 2,
        unit_price: Money::from_cents(1250),
        extra: Default::default(),
    }];
    let at = Timestamp::parse("2026-02-10 18:12:44").expect("a time");
    Order { status, ..Order::new(id.into(), "ann".into(), items, Money::from_cents(2500), at) }
}

/// What a screen reads, owned, for `ctx` to lend.
struct Shop {
    session: Option<Account>,
    products: Catalog,
    cart: Cart,
    orders: Vec<Order>,
    book: Option<OrderBook>,
    settings: Settings,
    quote: Result<Quote, Problem>,
}

impl Shop {
    /// Ann, a shopper, with P1 (3 in stock) and P2 (none) for sale and one
    /// P1 in her cart.
    fn shopper() -> Shop {
        let products = Catalog::build(&[product("P1", 3), product("P2", 0)], None);
        let mut cart = Cart::new("ann");
        cart.add(&product("P1", 3), 1).expect("one lamp fits");
        Shop {
            session: Some(Account::for_tests("ann", Role::Customer)),
            products,
            cart,
            orders: vec![order("O0002", OrderStatus::Shipped), order("O0001", OrderStatus::Paid)],
            book: None,
            settings: Settings::default(),
            quote: Ok(Quote::default()),
        }
    }

    fn admin() -> Shop {
        let orders = vec![order("O0002", OrderStatus::Paid), order("O0001", OrderStatus::Delivered)];
        Shop {
            session: Some(Account::for_tests("root", Role::Admin)),
            book: Some(OrderBook::build(&orders, None)),
            orders: Vec::new(),
            cart: Cart::new("root"),
            ..Shop::shopper()
        }
    }

    fn ctx(&self, screen: Screen) -> ShopCtx<'_> {
        ShopCtx {
            screen,
            session: self.session.as_ref(),
            products: &self.products,
            cart: &self.cart,
            my_orders: &self.orders,
            all_orders: self.book.as_ref(),
            settings: &self.settings,
            promo: None,
            quote: self.quote.as_ref(),
            clock: || Timestamp::parse("2026-03-01 09:00:00").expect("a time"),
        }
    }
}

fn catalog_of(shop: &Shop) -> CatalogView {
    let mut view = CatalogView::empty();
    let all: Vec<u32> = (0..shop.products.len() as u32).collect();
    view.hits = super::filter::Hits::All(all.into());
    view
}

#[test]
fn the_product_page_chooses_no_more_than_can_still_go_in_the_cart() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Product);
    let mut page = ProductView { product_id: "P1".into(), qty: 1 };
    assert_eq!(page.handle(Action::Increase, &ctx), vec![]);
    assert_eq!(page.qty, 2, "3 in stock, 1 in the cart: 2 more fit");
    assert!(!page.available(&Action::Increase, &ctx), "no third");
    let refused = page.handle(Action::Increase, &ctx);
    assert!(matches!(refused.as_slice(), [Effect::Error(why)] if why.contains("more")), "{refused:?}");
    assert_eq!(page.qty, 2);
    assert_eq!(
        page.handle(Action::AddToCart, &ctx),
        vec![Effect::Ask(Request::AddToCart { product_id: "P1".into(), qty: 2 })]
    );
    page.handle(Action::Decrease, &ctx);
    let too_few = page.handle(Action::Decrease, &ctx);
    assert!(matches!(too_few.as_slice(), [Effect::Error(_)]), "{too_few:?}");
    assert_eq!(page.qty, 1);
    assert_eq!(page.handle(Action::Back, &ctx), vec![Effect::Show(Screen::Catalog)]);
}

#[test]
fn a_product_sold_out_or_gone_cannot_be_added() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Product);
    let mut sold_out = ProductView { product_id: "P2".into(), qty: 1 };
    assert!(!sold_out.available(&Action::AddToCart, &ctx));
    let effects = sold_out.handle(Action::AddToCart, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(_)]), "{effects:?}");
    let mut gone = ProductView { product_id: "P9".into(), qty: 1 };
    let effects = gone.handle(Action::Increase, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(_), Effect::Show(Screen::Catalog)]), "{effects:?}");
}

#[test]
fn the_cart_changes_its_lines_through_the_shop_and_refuses_the_last_unit() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Cart);
    let mut cart = CartView::default();
    assert_eq!(
        cart.handle(Action::Increase, &ctx),
        vec![Effect::Ask(Request::SetCartQty { product_id: "P1".into(), qty: 2 })]
    );
    let last = cart.handle(Action::Decrease, &ctx);
    assert!(matches!(last.as_slice(), [Effect::Error(_)]), "one unit left: remove it instead: {last:?}");
    assert_eq!(
        cart.handle(Action::RemoveLine, &ctx),
        vec![Effect::Ask(Request::RemoveFromCart { product_id: "P1".into() })]
    );
    assert_eq!(cart.handle(Action::Open, &ctx), vec![Effect::OpenProduct("P1".into())]);
    assert_eq!(cart.handle(Action::PlaceOrder, &ctx), vec![Effect::StartCheckout]);
    assert_eq!(cart.handle(Action::PromoCode, &ctx), vec![Effect::OpenPromo]);
}

#[test]
fn an_empty_cart_offers_nothing_to_change_or_pay() {
    let shop = Shop { cart: Cart::new("ann"), ..Shop::shopper() };
    let ctx = shop.ctx(Screen::Cart);
    let mut cart = CartView::default();
    for action in [Action::PlaceOrder, Action::Increase, Action::RemoveLine, Action::PromoCode] {
        assert!(!cart.available(&action, &ctx), "{action:?}");
    }
    let effects = cart.handle(Action::Increase, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(_)]), "{effects:?}");
}

#[test]
fn the_catalog_opens_and_adds_the_selected_product() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Catalog);
    let mut catalog = catalog_of(&shop);
    assert_eq!(catalog.handle(Action::Open, &ctx), vec![Effect::OpenProduct("P1".into())]);
    assert_eq!(
        catalog.handle(Action::AddToCart, &ctx),
        vec![Effect::Ask(Request::AddToCart { product_id: "P1".into(), qty: 1 })]
    );
    let mut empty = CatalogView::empty();
    assert!(!empty.available(&Action::Open, &ctx), "no results: nothing to open");
    let effects = empty.handle(Action::AddToCart, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(_)]), "{effects:?}");
}

#[test]
fn typing_in_the_catalog_filter_asks_for_it_to_run_again() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Catalog);
    let mut catalog = catalog_of(&shop);
    catalog.filter_focused = true;
    assert_eq!(catalog.contexts(&ctx), vec![super::keymap::Context::Filter]);
    let typed = catalog.handle(Action::Edit(InputRequest::InsertChar('l')), &ctx);
    assert_eq!(typed, vec![Effect::Refilter(CatalogKind::Shop)]);
    assert_eq!(catalog.query.value(), "l");
    assert_eq!(catalog.handle(Action::FilterToResults, &ctx), vec![], "Enter leaves the field, runs nothing");
    assert!(!catalog.filter_focused);
    assert_eq!(catalog.handle(Action::Back, &ctx), vec![Effect::Refilter(CatalogKind::Shop)], "Esc clears it");
    assert_eq!(catalog.query.value(), "");
    let admin = Shop::admin();
    let pasted = catalog.handle(Action::Paste("lamp".into()), &admin.ctx(Screen::AdminProducts));
    assert_eq!(pasted, vec![Effect::Refilter(CatalogKind::Admin)]);
}

#[test]
fn the_products_tab_opens_forms_and_asks_before_deleting() {
    let shop = Shop::admin();
    let ctx = shop.ctx(Screen::AdminProducts);
    let mut products = catalog_of(&shop);
    let effects = products.handle(Action::EditProduct, &ctx);
    let [Effect::OpenForm(Form::Product(form))] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(form.value("Name"), "Lamp P1");
    let effects = products.handle(Action::Restock, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::OpenForm(Form::Stock(f))] if f.product_id == "P1"), "{effects:?}");
    // P1 is on orders this session has seen: refused at once.
    let effects = products.handle(Action::DeleteProduct, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(why)] if why.contains("P1")), "{effects:?}");
    // P2 is on none: the shop is asked against its latest orders.
    products.cursor.selected = 1;
    assert_eq!(
        products.handle(Action::DeleteProduct, &ctx),
        vec![Effect::Ask(Request::CheckDeletable { product_id: "P2".into(), name: "Lamp P2".into() })]
    );
    assert_eq!(
        products.handle(Action::ToggleArchive, &ctx),
        vec![Effect::Ask(Request::SetProductActive { product_id: "P2".into(), active: false })]
    );
}

#[test]
fn the_orders_list_opens_an_order_and_asks_before_cancelling_only_what_can_be() {
    let shop = Shop::shopper();
    let mut orders = OrdersView { ids: vec!["O0002".into(), "O0001".into()], ..OrdersView::default() };
    let list = shop.ctx(Screen::Orders);
    assert!(!orders.available(&Action::CancelOrder, &list), "O0002 has shipped");
    let refused = orders.handle(Action::CancelOrder, &list);
    assert!(matches!(refused.as_slice(), [Effect::Error(why)] if why.contains("shipped")), "{refused:?}");
    orders.cursor.selected = 1;
    assert_eq!(orders.handle(Action::Open, &list), vec![Effect::Show(Screen::OrderDetail)]);
    assert_eq!(orders.detail.as_deref(), Some("O0001"));
    let page = shop.ctx(Screen::OrderDetail);
    let effects = orders.handle(Action::CancelOrder, &page);
    assert!(
        matches!(effects.as_slice(), [Effect::Confirm(Dialog::ConfirmCancel { order_id, restock: false, .. })] if order_id == "O0001"),
        "{effects:?}"
    );
    assert_eq!(orders.handle(Action::OpenReceipt, &page), vec![Effect::OpenReceipt("O0001".into())]);
    assert_eq!(orders.handle(Action::Back, &page), vec![Effect::Show(Screen::Orders)]);
    assert_eq!(orders.detail, None);
}

#[test]
fn all_orders_moves_a_paid_order_on_by_asking_its_tracking_number() {
    let shop = Shop::admin();
    let ctx = shop.ctx(Screen::AdminOrders);
    let mut orders = AdminOrdersView { ids: vec!["O0002".into(), "O0001".into()], ..AdminOrdersView::default() };
    assert!(orders.available(&Action::AdvanceOrder, &ctx));
    assert_eq!(
        orders.handle(Action::AdvanceOrder, &ctx),
        vec![Effect::OpenForm(super::admin_orders::tracking_form("O0002".into()))]
    );
    let effects = orders.handle(Action::CancelOrder, &ctx);
    assert!(
        matches!(effects.as_slice(), [Effect::Confirm(Dialog::ConfirmCancel { restock: true, .. })]),
        "{effects:?}"
    );
    orders.cursor.selected = 1;
    assert!(!orders.available(&Action::AdvanceOrder, &ctx), "delivered is the end");
    assert!(!orders.available(&Action::CancelOrder, &ctx));
}

#[test]
fn a_code_on_orders_is_not_deleted_but_an_unused_one_is_asked_about() {
    let shop = Shop::admin();
    let ctx = shop.ctx(Screen::AdminDiscounts);
    let code = |code: &str| {
        let blank = "";
        let input = crate::domain::discount::DiscountInput {
            code,
            kind: "percent",
            value: "10",
            min_subtotal: blank,
            starts: blank,
            expires: blank,
            max_uses: blank,
            per_user: blank,
            active: true,
        };
        input.parse(&crate::domain::Currency::PLAIN).expect("a code")
    };
    let mut codes = DiscountsView { codes: vec![(code("USED"), 2), (code("NEW"), 0)], ..DiscountsView::default() };
    let effects = codes.handle(Action::DeleteSelected, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::Error(why)] if why.contains("USED")), "{effects:?}");
    codes.cursor.selected = 1;
    assert_eq!(
        codes.handle(Action::DeleteSelected, &ctx),
        vec![Effect::Confirm(Dialog::ConfirmDeleteDiscount { code: "NEW".into() })]
    );
    assert!(!codes.available(&Action::FocusFilter, &ctx), "no filter of its own");
    let effects = codes.handle(Action::AddNew, &ctx);
    assert!(matches!(effects.as_slice(), [Effect::OpenForm(Form::Fields(_))]), "{effects:?}");
}

#[test]
fn the_checkout_steps_forward_by_its_forms_and_back_by_esc() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Checkout);
    let mut checkout = CheckoutView::default();
    // No saved address: the address form opens with the step.
    let effects = checkout.start(Profile { checkout_key: "k1".into(), ..Profile::default() });
    assert!(
        matches!(effects.as_slice(), [Effect::Show(Screen::Checkout), Effect::OpenForm(Form::Fields(_))]),
        "{effects:?}"
    );
    assert_eq!(checkout.step, CheckoutStep::Address);
    assert!(!checkout.available(&Action::Open, &ctx), "no saved address to choose");
    let [_, Effect::OpenForm(Form::Fields(form))] = effects.as_slice() else { unreachable!() };
    let mut form = super::views::FieldsForm::new(
        form.purpose.clone(),
        "",
        &form.labels,
        vec![
            "Ann Lee".into(),
            "1 High St".into(),
            String::new(),
            "London".into(),
            String::new(),
            "NW1 2AB".into(),
            "GB".into(),
            String::new(),
        ],
    );
    let effects = checkout.submitted(&mut form, &ctx);
    assert_eq!(form.error, None, "the address reads well");
    assert!(
        matches!(effects.as_slice(), [Effect::Close, Effect::OpenForm(Form::Fields(_))]),
        "no saved card: the card form: {effects:?}"
    );
    assert_eq!(checkout.step, CheckoutStep::Payment);
    assert_eq!(checkout.address.as_ref().map(|a| a.full_name.as_str()), Some("Ann Lee"));
    let card = CardOnFile {
        brand: Brand::Visa,
        last4: "4242".into(),
        expiry: Expiry::of(Timestamp::parse("2030-01-01 00:00:00").expect("a time")),
        extra: Default::default(),
    };
    checkout.payment = Some(PaymentChoice::OnFile { card, cvc: "123".into() });
    checkout.step = CheckoutStep::Review;
    // The review asks for the order with the quote it showed, and its key.
    let settings = Settings::default();
    let quote = crate::domain::quote(&shop.cart.items, &crate::domain::Pricing::new(&settings, None));
    let quoted = Shop { quote, ..Shop::shopper() };
    let effects = checkout.handle(Action::Confirm, &quoted.ctx(Screen::Checkout));
    let [Effect::Ask(Request::PlaceOrder { order })] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!((order.seen.lines.len(), order.key.as_str()), (1, "k1"));
    assert_eq!(Ok(&order.seen), quoted.quote.as_ref(), "the quote the review showed");
    assert_eq!(checkout.handle(Action::Back, &ctx), vec![], "back to payment: a saved card, no form");
    assert_eq!(checkout.step, CheckoutStep::Payment);
    checkout.handle(Action::Back, &ctx);
    assert_eq!(checkout.step, CheckoutStep::Address);
    assert_eq!(checkout.handle(Action::Back, &ctx), vec![Effect::Show(Screen::Cart)]);
}

#[test]
fn a_placed_order_leads_to_its_receipt_or_the_orders_tab() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Checkout);
    let mut checkout = CheckoutView::default();
    checkout.placed(order("O0003", OrderStatus::Paid));
    assert_eq!(checkout.handle(Action::OpenReceipt, &ctx), vec![Effect::OpenReceipt("O0003".into())]);
    assert_eq!(checkout.handle(Action::Open, &ctx), vec![Effect::ShowTab(Tab::Orders)]);
    assert_eq!(checkout.step, CheckoutStep::Address, "a fresh checkout");
}

#[test]
fn a_click_selects_the_row_under_it_or_focuses_the_filter() {
    let shop = Shop::shopper();
    let ctx = shop.ctx(Screen::Catalog);
    let mut catalog = catalog_of(&shop);
    let body = ratatui::layout::Rect::new(0, 2, 80, 19);
    let areas = super::layout::catalog(body);
    let at = |column, row| ratatui::layout::Position::new(column, row);
    let column = areas.rows.x + 2;
    assert_eq!(catalog.click(at(column, areas.rows.y + 1), body, &ctx), vec![]);
    assert_eq!(catalog.cursor.selected, 1, "the second row");
    catalog.click(at(column, areas.rows.y + 5), body, &ctx);
    assert_eq!(catalog.cursor.selected, 1, "no product there: the selection stays");
    catalog.click(at(areas.filter.x + 2, areas.filter.y + 1), body, &ctx);
    assert!(catalog.filter_focused);
    catalog.click(at(column, areas.rows.y), body, &ctx);
    assert!(!catalog.filter_focused, "a click elsewhere leaves the filter");
    assert_eq!(catalog.cursor.selected, 0);
    // The same click on the orders list selects the order on that row.
    let mut orders = OrdersView { ids: vec!["O0002".into(), "O0001".into()], ..OrdersView::default() };
    let rows = super::layout::table(body, 0).1;
    orders.click(at(rows.x + 1, rows.y + 1), body, &shop.ctx(Screen::Orders));
    assert_eq!(orders.cursor.selected, 1);
}

#[test]
fn each_screen_says_which_list_the_arrows_move() {
    let shop = Shop::shopper();
    let body = ratatui::layout::Rect::new(0, 2, 80, 19);
    let orders = OrdersView { ids: vec!["O0002".into(), "O0001".into()], ..OrdersView::default() };
    let (len, rows) = orders.rows(body, &shop.ctx(Screen::Orders)).expect("the list");
    assert_eq!((len, rows), (2, super::layout::table(body, 0).1));
    assert_eq!(orders.rows(body, &shop.ctx(Screen::OrderDetail)), None, "an order's page scrolls instead");
    let (len, _) = CartView::default().rows(body, &shop.ctx(Screen::Cart)).expect("the lines");
    assert_eq!(len, 1);
    let mut review = CheckoutView { step: CheckoutStep::Review, ..CheckoutView::default() };
    assert_eq!(review.rows(body, &shop.ctx(Screen::Checkout)).map(|(len, _)| len), Some(0), "nothing to choose");
    assert!(review.cursor_mut().is_some());
    let page = ProductView { product_id: "P1".into(), qty: 1 };
    assert_eq!(page.rows(body, &shop.ctx(Screen::Product)), None, "the product's page scrolls");
}
