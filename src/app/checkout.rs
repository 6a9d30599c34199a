//! The checkout: cart › address › payment › review › placed, and the cart's
//! promo code. Every figure comes from the one `quote`; the shop checks it
//! all again under its lock when the order is placed.

use super::*;
use crate::domain::address::{self, Address};
use crate::domain::checkout::{CheckoutRequest, PaymentChoice};
use crate::domain::payment::{CardInput, CardOnFile, Expiry, check_card, check_cvc};
use crate::domain::{Discount, Pricing};
use crate::shop::Profile;

const CARD_FIELDS: [&str; 4] = ["Name on card", "Card number", "Expiry MM/YY", "CVC"];

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

    // ---- the steps ----

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
        self.checkout = self.checkout.restarted(profile);
        self.screen = Screen::Checkout;
        if self.checkout.profile.addresses.is_empty() || self.checkout.typed_address {
            self.open_address_form();
        }
    }

    fn open_address_form(&mut self) {
        let labels: Vec<&'static str> = address::FIELDS.iter().map(|(label, _)| *label).collect();
        let values = self.checkout.address_draft.clone().unwrap_or_else(|| vec![String::new(); labels.len()]);
        let mut form = FieldsForm::new(FieldsPurpose::Address, " Shipping address ", &labels, values);
        form.note = Some("Street line 2, Region and Phone are optional.".into());
        self.form = Some(Form::Fields(Box::new(form)));
    }

    /// The card form, focus on the name (filled from the address, to
    /// check) — or, when a declined card left its name and expiry but
    /// dropped the number, on the number.
    fn open_card_form(&mut self) {
        let name = self.checkout.address.as_ref().map(|a| a.full_name.clone()).unwrap_or_default();
        let draft = self.checkout.card_draft.clone();
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
        form.toggle = Some(("Remember this card", self.checkout.remember_card));
        form.note = Some("Mock payment: test card 4242 4242 4242 4242 approves.".into());
        self.form = Some(Form::Fields(Box::new(form)));
    }

    fn open_cvc_form(&mut self, card: CardOnFile) {
        let title = format!(" {} ", card.label());
        let mut form = FieldsForm::new(FieldsPurpose::Cvc(card), title, &["CVC"], vec![String::new()]);
        form.masked[0] = true;
        self.form = Some(Form::Fields(Box::new(form)));
    }

    /// The checkout's lists: saved addresses, then saved cards.
    pub(super) fn checkout_list_len(&self) -> usize {
        match self.checkout.step {
            CheckoutStep::Address => self.checkout.profile.addresses.len(),
            CheckoutStep::Payment => self.checkout.profile.cards.len(),
            _ => 0,
        }
    }

    pub(super) fn update_checkout(&mut self, action: Action) {
        let step = self.checkout.step;
        match (step, action) {
            (_, Action::Back) => self.checkout_back(),
            (CheckoutStep::Address, Action::AddNew) => self.open_address_form(),
            (CheckoutStep::Address, Action::Open) => {
                if let Some(address) = self.checkout.profile.addresses.get(self.checkout.cursor.selected).cloned() {
                    self.checkout.typed_address = false;
                    self.address_chosen(address);
                }
            }
            (CheckoutStep::Payment, Action::AddNew) => self.open_card_form(),
            (CheckoutStep::Payment, Action::Open) => {
                if let Some(card) = self.checkout.profile.cards.get(self.checkout.cursor.selected).cloned() {
                    self.open_cvc_form(card);
                }
            }
            (CheckoutStep::Review, Action::Open | Action::Confirm) => self.place_order(),
            (CheckoutStep::Placed, Action::OpenReceipt) => {
                if let Some(order) = &self.checkout.placed {
                    self.open_receipt(order.order_id.clone());
                }
            }
            (CheckoutStep::Placed, Action::Open) => {
                self.checkout = CheckoutView::default();
                self.show_tab(Tab::Orders);
            }
            _ => {}
        }
    }

    /// Esc: one step back, keeping what was chosen.
    fn checkout_back(&mut self) {
        self.checkout.cursor = ListCursor::default();
        self.checkout.error = None;
        match self.checkout.step {
            CheckoutStep::Address => {
                self.screen = Screen::Cart;
            }
            CheckoutStep::Payment => {
                self.checkout.step = CheckoutStep::Address;
                // A typed address comes back in its form, as it was typed.
                if self.checkout.typed_address {
                    self.open_address_form();
                }
            }
            CheckoutStep::Review => {
                self.checkout.step = CheckoutStep::Payment;
                // A typed card comes back in its form, number and all (it
                // never left this session's memory).
                if matches!(self.checkout.payment, Some(PaymentChoice::NewCard { .. })) {
                    self.open_card_form();
                }
            }
            CheckoutStep::Placed => {
                self.checkout = CheckoutView::default();
                self.screen = Screen::Cart;
            }
        }
    }

    fn address_chosen(&mut self, address: Address) {
        self.checkout.address = Some(address);
        self.checkout.step = CheckoutStep::Payment;
        self.checkout.cursor = ListCursor::default();
        if self.checkout.profile.cards.is_empty() {
            self.open_card_form();
        }
    }

    fn payment_chosen(&mut self, payment: PaymentChoice) {
        self.checkout.payment = Some(payment);
        self.checkout.error = None;
        self.checkout.step = CheckoutStep::Review;
    }

    /// Sends the order with the quote the review showed.
    fn place_order(&mut self) {
        let (Some(address), Some(payment)) = (self.checkout.address.clone(), self.checkout.payment.clone()) else {
            return;
        };
        let seen = match &self.my_quote {
            Ok(quote) if !quote.is_empty() => quote.clone(),
            Ok(_) => return self.error(Refusal::EmptyCart.to_string()),
            Err(problem) => return self.error(problem.to_string()),
        };
        let code = self.promo.as_ref().map(|d| d.code.clone());
        let key = self.checkout.profile.checkout_key.clone();
        self.request(Request::PlaceOrder { order: Box::new(CheckoutRequest { seen, code, address, payment, key }) });
    }

    /// The order went through.
    pub(super) fn order_placed(&mut self, order: Order) {
        self.cart = CartView::default();
        self.promo = None;
        self.checkout.payment = None;
        // The next checkout starts from the address book, not this one's drafts.
        self.checkout.address_draft = None;
        self.checkout.card_draft = None;
        self.checkout.typed_address = false;
        self.checkout.remember_card = false;
        self.checkout.step = CheckoutStep::Placed;
        self.checkout.placed = Some(order);
        self.screen = Screen::Checkout;
        self.requote();
    }

    /// The card was turned down: back on the payment step, saying why. A
    /// typed card's form opens again at once with its name and expiry (never
    /// its number), the focus on the number and the reason in the form.
    pub(super) fn payment_failed(&mut self, why: String) {
        let typed = matches!(self.checkout.payment, Some(PaymentChoice::NewCard { .. }));
        self.checkout.payment = None;
        self.checkout.forget_card_secrets();
        self.checkout.step = CheckoutStep::Payment;
        self.checkout.cursor = ListCursor::default();
        self.checkout.error = Some(why.clone());
        if typed {
            self.open_card_form();
            self.fields_form_error(None, why);
        } else {
            self.error(why);
        }
    }

    /// The code no longer applies (used up meanwhile, expired): dropped.
    pub(super) fn drop_promo(&mut self) {
        self.promo = None;
        self.requote();
    }

    // ---- the forms ----

    pub(super) fn submit_fields_form(&mut self) {
        if self.submit_admin_fields() {
            return;
        }
        let Some(Form::Fields(form)) = &self.form else { return };
        match form.purpose.clone() {
            FieldsPurpose::Promo => {
                let code = form.value(0).trim().to_string();
                if code.is_empty() {
                    self.form = None;
                    if let Some(old) = self.promo.take() {
                        self.info(format!("Code {} removed", old.code));
                    }
                    self.requote();
                } else {
                    self.request(Request::ApplyCode { code });
                }
            }
            FieldsPurpose::Address => {
                let values: Vec<&str> = form.fields.iter().map(Input::value).collect();
                let values: [&str; 8] = std::array::from_fn(|i| values.get(i).copied().unwrap_or(""));
                let typed: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                match Address::from_fields(values) {
                    Ok(address) => {
                        self.form = None;
                        // Kept: Esc from the payment step brings it back.
                        self.checkout.address_draft = Some(typed);
                        self.checkout.typed_address = true;
                        self.address_chosen(address);
                    }
                    Err(error) => self.fields_form_error(Some(error.field), error.message),
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
                match check_card(&card, Expiry::of((self.clock)())) {
                    Ok(_) => {
                        self.form = None;
                        // Kept for Esc from the review; a declined card drops the number and CVC.
                        self.checkout.card_draft =
                            Some(vec![card.name.clone(), card.number.clone(), card.expiry.clone(), card.cvc.clone()]);
                        self.checkout.remember_card = remember;
                        self.payment_chosen(PaymentChoice::NewCard { card, remember });
                    }
                    Err(error) => self.fields_form_error(Some(error.field()), error.to_string()),
                }
            }
            FieldsPurpose::Discount(_) | FieldsPurpose::Settings | FieldsPurpose::Tracking(_) => {}
            FieldsPurpose::Cvc(card) => {
                let cvc = form.value(0).trim().to_string();
                if card.expiry < Expiry::of((self.clock)()) {
                    return self.fields_form_error(None, "That card has expired; add another".into());
                }
                match check_cvc(&cvc, card.brand) {
                    Ok(()) => {
                        self.form = None;
                        self.payment_chosen(PaymentChoice::OnFile { card, cvc });
                    }
                    Err(error) => self.fields_form_error(Some(0), error.to_string()),
                }
            }
        }
    }

    /// Shows a form's error and moves the focus to the field at fault.
    pub(super) fn fields_form_error(&mut self, field: Option<usize>, message: String) {
        match self.form.as_mut() {
            Some(Form::Fields(form)) => form.refuse(field, message),
            _ => self.error(message),
        }
    }
}
