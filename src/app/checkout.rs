//! The checkout: cart › address › payment › review › placed, and the cart's
//! promo code. Every figure comes from the one `quote`; the shop checks it
//! all again under its lock when the order is placed. `CheckoutView` is
//! the component: it owns what the shopper chose so far and the forms'
//! drafts, opens the address, card and CVC forms and acts on what they
//! submit; `App` keeps the cart's quote and promo code, which the cart
//! shares.

use ratatui::layout::Position;

use super::component::{Component, Effect, ShopCtx};
use super::*;
use crate::domain::address::{self, Address};
use crate::domain::checkout::{CheckoutRequest, PaymentChoice};
use crate::domain::payment::{CardInput, CardOnFile, Expiry, check_card, check_cvc};
use crate::domain::{Discount, Pricing};
use crate::shop::Profile;

const CARD_FIELDS: [&str; 4] = ["Name on card", "Card number", "Expiry MM/YY", "CVC"];

impl Component<ShopCtx<'_>> for CheckoutView {
    fn contexts(&self, _ctx: &ShopCtx) -> Vec<Context> {
        vec![match self.step {
            CheckoutStep::Address | CheckoutStep::Payment => Context::CheckoutList,
            CheckoutStep::Review => Context::Review,
            CheckoutStep::Placed => Context::Placed,
        }]
    }

    /// The saved addresses or cards (none on the review and placed pages),
    /// in the body less its border.
    fn rows(&self, area: Rect, _ctx: &ShopCtx) -> Option<(usize, Rect)> {
        Some((self.list_len(), Rect { height: area.height.saturating_sub(2), ..area }))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    /// Its lists are drawn under the breadcrumb and a heading, not from
    /// the top of `rows`: a click selects nothing there.
    fn click(&mut self, _at: Position, _area: Rect, _ctx: &ShopCtx) -> Vec<Effect> {
        Vec::new()
    }

    /// Enter on an empty list of saved addresses or cards chooses nothing.
    fn available(&self, action: &Action, _ctx: &ShopCtx) -> bool {
        match (self.step, action) {
            (CheckoutStep::Address | CheckoutStep::Payment, Action::Open) => self.list_len() > 0,
            _ => true,
        }
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        match (self.step, action) {
            (_, Action::Back) => self.back(),
            (CheckoutStep::Address, Action::AddNew) => vec![self.address_form()],
            (CheckoutStep::Address, Action::Open) => match self.profile.addresses.get(self.cursor.selected).cloned() {
                Some(address) => {
                    self.typed_address = false;
                    self.address_chosen(address)
                }
                None => Vec::new(),
            },
            (CheckoutStep::Payment, Action::AddNew) => vec![self.card_form(None)],
            (CheckoutStep::Payment, Action::Open) => match self.profile.cards.get(self.cursor.selected).cloned() {
                Some(card) => vec![cvc_form(card)],
                None => Vec::new(),
            },
            (CheckoutStep::Review, Action::Open | Action::Confirm) => self.place_order(ctx),
            (CheckoutStep::Placed, Action::OpenReceipt) => match &self.placed {
                Some(order) => vec![Effect::OpenReceipt(order.order_id.clone())],
                None => Vec::new(),
            },
            (CheckoutStep::Placed, Action::Open) => {
                *self = CheckoutView::default();
                vec![Effect::ShowTab(Tab::Orders)]
            }
            _ => Vec::new(),
        }
    }
}

impl CheckoutView {
    /// The checkout's lists: saved addresses, then saved cards.
    pub fn list_len(&self) -> usize {
        match self.step {
            CheckoutStep::Address => self.profile.addresses.len(),
            CheckoutStep::Payment => self.profile.cards.len(),
            _ => 0,
        }
    }

    /// The saved addresses and cards arrived: the address step, its form
    /// open if nothing is saved or the address was typed.
    pub fn start(&mut self, profile: Profile) -> Vec<Effect> {
        *self = self.restarted(profile);
        let mut effects = vec![Effect::Show(Screen::Checkout)];
        if self.profile.addresses.is_empty() || self.typed_address {
            effects.push(self.address_form());
        }
        effects
    }

    fn address_form(&self) -> Effect {
        let labels: Vec<&'static str> = address::FIELDS.iter().map(|(label, _)| *label).collect();
        let values = self.address_draft.clone().unwrap_or_else(|| vec![String::new(); labels.len()]);
        let mut form = FieldsForm::new(FieldsPurpose::Address, " Shipping address ", &labels, values);
        form.note = Some("Street line 2, Region and Phone are optional.".into());
        Effect::OpenForm(Form::Fields(Box::new(form)))
    }

    /// The card form, focus on the name (filled from the address, to
    /// check) — or, when a declined card left its name and expiry but
    /// dropped the number, on the number; `refused` says why in it.
    fn card_form(&self, refused: Option<String>) -> Effect {
        let name = self.address.as_ref().map(|a| a.full_name.clone()).unwrap_or_default();
        let draft = self.card_draft.clone();
        let declined = |v: &Vec<String>| v.len() == CARD_FIELDS.len() && v[1].is_empty() && !v[2].is_empty();
        let focus = if draft.as_ref().is_some_and(declined) { 1 } else { 0 };
        let values = draft.unwrap_or_else(|| {
            let mut values = vec![String::new(); CARD_FIELDS.len()];
            values[0] = name;
            values
        });
        let mut form = FieldsForm::new(FieldsPurpose::Card, " Pay by card ", &CARD_FIELDS, values);
        form.focus = focus;
        form.masked[3] = true;
        form.toggle = Some(("Remember this card", self.remember_card));
        form.note = Some("Mock payment: test card 4242 4242 4242 4242 approves.".into());
        if let Some(why) = refused {
            form.refuse(None, why);
        }
        Effect::OpenForm(Form::Fields(Box::new(form)))
    }

    /// Esc: one step back, keeping what was chosen.
    fn back(&mut self) -> Vec<Effect> {
        self.cursor = ListCursor::default();
        self.error = None;
        match self.step {
            CheckoutStep::Address => vec![Effect::Show(Screen::Cart)],
            CheckoutStep::Payment => {
                self.step = CheckoutStep::Address;
                // A typed address comes back in its form, as it was typed.
                if self.typed_address { vec![self.address_form()] } else { Vec::new() }
            }
            CheckoutStep::Review => {
                self.step = CheckoutStep::Payment;
                // A typed card comes back in its form, number and all (it
                // never left this session's memory).
                if matches!(self.payment, Some(PaymentChoice::NewCard { .. })) {
                    vec![self.card_form(None)]
                } else {
                    Vec::new()
                }
            }
            CheckoutStep::Placed => {
                *self = CheckoutView::default();
                vec![Effect::Show(Screen::Cart)]
            }
        }
    }

    fn address_chosen(&mut self, address: Address) -> Vec<Effect> {
        self.address = Some(address);
        self.step = CheckoutStep::Payment;
        self.cursor = ListCursor::default();
        if self.profile.cards.is_empty() { vec![self.card_form(None)] } else { Vec::new() }
    }

    fn payment_chosen(&mut self, payment: PaymentChoice) {
        self.payment = Some(payment);
        self.error = None;
        self.step = CheckoutStep::Review;
    }

    /// Asks for the order with the quote the review showed.
    fn place_order(&self, ctx: &ShopCtx) -> Vec<Effect> {
        let (Some(address), Some(payment)) = (self.address.clone(), self.payment.clone()) else {
            return Vec::new();
        };
        let seen = match ctx.quote {
            Ok(quote) if !quote.is_empty() => quote.clone(),
            Ok(_) => return vec![Effect::Error(Refusal::EmptyCart.to_string())],
            Err(problem) => return vec![Effect::Error(problem.to_string())],
        };
        let code = ctx.promo.map(|d| d.code.clone());
        let key = self.profile.checkout_key.clone();
        vec![Effect::Ask(Request::PlaceOrder {
            order: Box::new(CheckoutRequest { seen, code, address, payment, key }),
        })]
    }

    /// The order went through: what was placed, drafts gone.
    pub fn placed(&mut self, order: Order) {
        self.payment = None;
        // The next checkout starts from the address book, not this one's drafts.
        self.address_draft = None;
        self.card_draft = None;
        self.typed_address = false;
        self.remember_card = false;
        self.step = CheckoutStep::Placed;
        self.placed = Some(order);
    }

    /// The card was turned down: back on the payment step, saying why. A
    /// typed card's form opens again at once with its name and expiry (never
    /// its number), the focus on the number and the reason in the form.
    pub fn declined(&mut self, why: String) -> Vec<Effect> {
        let typed = matches!(self.payment, Some(PaymentChoice::NewCard { .. }));
        self.payment = None;
        self.forget_card_secrets();
        self.step = CheckoutStep::Payment;
        self.cursor = ListCursor::default();
        self.error = Some(why.clone());
        if typed { vec![self.card_form(Some(why))] } else { vec![Effect::Error(why)] }
    }

    /// The address, card or CVC form submitted: the next step if it reads
    /// well (the form closes), else the form says why.
    pub fn submitted(&mut self, form: &mut FieldsForm, ctx: &ShopCtx) -> Vec<Effect> {
        let now = Expiry::of((ctx.clock)());
        match form.purpose.clone() {
            FieldsPurpose::Address => {
                let values: Vec<&str> = form.fields.iter().map(Input::value).collect();
                let values: [&str; 8] = std::array::from_fn(|i| values.get(i).copied().unwrap_or(""));
                let typed: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                match Address::from_fields(values) {
                    Ok(address) => {
                        // Kept: Esc from the payment step brings it back.
                        self.address_draft = Some(typed);
                        self.typed_address = true;
                        let mut effects = vec![Effect::Close];
                        effects.extend(self.address_chosen(address));
                        effects
                    }
                    Err(error) => {
                        form.refuse(Some(error.field), error.message);
                        Vec::new()
                    }
                }
            }
            FieldsPurpose::Card => {
                let card = CardInput {
                    name: form.value(0).to_string(),
                    number: form.value(1).to_string(),
                    expiry: form.value(2).to_string(),
                    cvc: form.value(3).to_string(),
                };
                let remember = form.toggle.is_some_and(|(_, on)| on);
                match check_card(&card, now) {
                    Ok(_) => {
                        // Kept for Esc from the review; a declined card drops the number and CVC.
                        self.card_draft =
                            Some(vec![card.name.clone(), card.number.clone(), card.expiry.clone(), card.cvc.clone()]);
                        self.remember_card = remember;
                        self.payment_chosen(PaymentChoice::NewCard { card, remember });
                        vec![Effect::Close]
                    }
                    Err(error) => {
                        form.refuse(Some(error.field()), error.to_string());
                        Vec::new()
                    }
                }
            }
            FieldsPurpose::Cvc(card) => {
                let cvc = form.value(0).trim().to_string();
                if card.expiry.is_before(&now) {
                    form.refuse(None, "That card has expired; add another".into());
                    return Vec::new();
                }
                match check_cvc(&cvc, card.brand) {
                    Ok(()) => {
                        self.payment_chosen(PaymentChoice::OnFile { card, cvc });
                        vec![Effect::Close]
                    }
                    Err(error) => {
                        form.refuse(Some(0), error.to_string());
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }
}

fn cvc_form(card: CardOnFile) -> Effect {
    let title = format!(" {} ", card.label());
    let mut form = FieldsForm::new(FieldsPurpose::Cvc(card), title, &["CVC"], vec![String::new()]);
    form.masked[0] = true;
    Effect::OpenForm(Form::Fields(Box::new(form)))
}

impl App {
    /// The cart quoted with the shop's settings and the promo code applied.
    /// Lines of products no longer sold (or gone) do not count: the cart
    /// shows them apart and checkout asks to remove them first.
    pub(super) fn requote(&mut self) {
        let pricing = Pricing::new(&self.settings, self.promo.as_ref());
        let counted: Vec<_> = self
            .my_cart
            .items
            .iter()
            .filter(|line| crate::domain::checkout::line_counts(self.product(&line.product_id)))
            .cloned()
            .collect();
        self.my_quote = crate::domain::quote(&counted, &pricing);
    }

    /// The promo code applied to the cart, if any.
    pub fn promo(&self) -> Option<&Discount> {
        self.promo.as_ref()
    }

    pub(super) fn open_promo_form(&mut self) {
        let current = self.promo.as_ref().map(|d| d.code.clone()).unwrap_or_default();
        let mut form = FieldsForm::new(FieldsPurpose::Promo, " Promo code ", &["Code"], vec![current]);
        form.note = Some("Enter applies it; an empty code removes the one applied.".into());
        self.form = Some(Form::Fields(Box::new(form)));
    }

    /// The shop accepted the code: it applies to the cart from now on.
    pub(super) fn code_applied(&mut self, discount: Discount) {
        if matches!(&self.form, Some(Form::Fields(f)) if f.purpose == FieldsPurpose::Promo) {
            self.form = None;
        }
        self.info(format!("Code {} applied: {}", discount.code, discount.benefit(&self.settings.currency())));
        self.promo = Some(discount);
        self.requote();
    }

    pub(super) fn start_checkout(&mut self) {
        if self.my_cart.is_empty() {
            self.error(Refusal::EmptyCart.to_string());
            return;
        }
        if let Err(problem) = &self.my_quote {
            self.error(problem.to_string());
            return;
        }
        // Said at once, before any address or card is typed.
        let currency = self.settings.currency();
        let problems = crate::domain::checkout::cart_problems(&self.my_cart, |id| self.product(id), &currency);
        if !problems.is_empty() {
            self.dialog = Some(Dialog::CheckoutProblems { problems });
            return;
        }
        self.request(Request::StartCheckout {});
    }

    /// The saved addresses and cards arrived: the address step.
    pub(super) fn checkout_started(&mut self, profile: Profile) {
        let effects = self.checkout.start(profile);
        self.perform(Layer::Screen, effects);
    }

    /// The checkout's lists: saved addresses, then saved cards.
    pub(super) fn checkout_list_len(&self) -> usize {
        self.checkout.list_len()
    }

    /// The order went through.
    pub(super) fn order_placed(&mut self, order: Order) {
        self.cart = CartView::default();
        self.promo = None;
        self.checkout.placed(order);
        self.screen = Screen::Checkout;
        self.requote();
    }

    pub(super) fn payment_failed(&mut self, why: String) {
        let effects = self.checkout.declined(why);
        self.perform(Layer::Screen, effects);
    }

    /// The code no longer applies (used up meanwhile, expired): dropped.
    pub(super) fn drop_promo(&mut self) {
        self.promo = None;
        self.requote();
    }

    // ---- the forms ----

    /// A form of fields submitted: the screen it belongs to acts on it.
    pub(super) fn submit_fields_form(&mut self) {
        if self.submit_admin_fields() {
            return;
        }
        let promo = match &self.form {
            Some(Form::Fields(form)) if form.purpose == FieldsPurpose::Promo => Some(form.value(0).trim().to_string()),
            Some(Form::Fields(_)) => None,
            _ => return,
        };
        if let Some(code) = promo {
            if code.is_empty() {
                self.form = None;
                if let Some(old) = self.promo.take() {
                    self.info(format!("Code {} removed", old.code));
                }
                self.requote();
            } else {
                self.request(Request::ApplyCode { code });
            }
            return;
        }
        let ctx = shop_ctx!(self);
        let Some(Form::Fields(form)) = self.form.as_mut() else { return };
        let effects = self.checkout.submitted(form, &ctx);
        self.perform(Layer::Form, effects);
    }

    /// Shows a form's error and moves the focus to the field at fault.
    pub(super) fn fields_form_error(&mut self, field: Option<usize>, message: String) {
        match self.form.as_mut() {
            Some(Form::Fields(form)) => form.refuse(field, message),
            _ => self.error(message),
        }
    }
}
