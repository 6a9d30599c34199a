//! The admin's Discounts and Settings tabs: each a component that opens
//! its form and checks what the form submits before asking the shop.

use super::component::{Component, Effect, ShopCtx};
use super::*;
use crate::domain::discount::{self, DiscountInput};
use crate::domain::{Timestamp, settings};

/// The Discounts tab: every code with its uses so far, as last loaded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscountsView {
    pub codes: Vec<(Discount, u32)>,
    pub cursor: ListCursor,
}

impl Component<ShopCtx<'_>> for DiscountsView {
    fn contexts(&self, _ctx: &ShopCtx) -> Vec<Context> {
        vec![Context::AdminDiscounts]
    }

    /// No filter of its own.
    fn available(&self, action: &Action, _ctx: &ShopCtx) -> bool {
        !matches!(action, Action::FocusFilter)
    }

    fn rows(&self, area: Rect, _ctx: &ShopCtx) -> Option<(usize, Rect)> {
        Some((self.codes.len(), layout::table(area, 0).1))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let selected = self.codes.get(self.cursor.selected);
        let effect = match (action, selected) {
            (Action::AddNew, _) => Effect::OpenForm(discount_form(None)),
            (Action::EditSelected | Action::Open, Some((discount, _))) => {
                Effect::OpenForm(discount_form(Some(discount)))
            }
            (Action::ToggleActive, Some((discount, _))) => {
                Effect::Ask(Request::SetDiscountActive { code: discount.code.clone(), active: !discount.active })
            }
            (Action::DeleteSelected, Some((discount, uses))) => {
                let carried =
                    ctx.all_orders.is_some_and(|book| book.orders().iter().any(|o| o.carries_code(&discount.code)));
                if carried || *uses > 0 {
                    Effect::Error(format!("{} is on orders already; deactivate it instead", discount.code))
                } else {
                    Effect::Confirm(Dialog::ConfirmDeleteDiscount { code: discount.code.clone() })
                }
            }
            (Action::EditSelected | Action::Open | Action::ToggleActive | Action::DeleteSelected, None) => {
                Effect::Error("No discount code selected".to_string())
            }
            _ => return Vec::new(),
        };
        vec![effect]
    }
}

impl DiscountsView {
    /// The code form submitted: saved if it reads well and expires in the
    /// future (the shop refuses a past expiry too; said here, the focus
    /// goes to Expires), else the form says why.
    pub fn submitted(
        &self,
        form: &mut FieldsForm,
        original: Option<String>,
        ctx: &ShopCtx,
        now: Timestamp,
    ) -> Vec<Effect> {
        let input = DiscountInput {
            code: form.value(0),
            kind: form.value(1),
            value: form.value(2),
            min_subtotal: form.value(3),
            starts: form.value(4),
            expires: form.value(5),
            max_uses: form.value(6),
            per_user: form.value(7),
            active: form.toggle.is_some_and(|(_, on)| on),
        };
        let previous = original.as_deref().and_then(|code| discount::find(self.codes.iter().map(|(d, _)| d), code));
        let checked = input.parse(&ctx.settings.currency()).and_then(|discount| {
            discount.refuse_past_expiry(previous, now).map(|()| discount).map_err(|message| (5, message))
        });
        match checked {
            Ok(discount) => vec![Effect::Ask(Request::SaveDiscount { original, discount })],
            Err((field, message)) => {
                form.refuse(Some(field), message);
                Vec::new()
            }
        }
    }
}

/// The form for a new code (`None`) or for editing `editing`.
fn discount_form(editing: Option<&Discount>) -> Form {
    let values = editing.map_or_else(|| vec![String::new(); 8], |d| d.input_values().to_vec());
    let title = editing.map_or_else(|| " New discount code ".to_string(), |d| format!(" Edit {} ", d.code));
    let purpose = FieldsPurpose::Discount(editing.map(|d| d.code.clone()));
    let mut form = FieldsForm::new(purpose, title, &discount::INPUT_FIELDS, values);
    form.toggle = Some(("Active", editing.is_none_or(|d| d.active)));
    form.note = Some("Kind: percent, fixed or free_shipping. Empty limits and dates: none.".into());
    Form::Fields(Box::new(form))
}

/// The Settings tab: the shop's name, shipping and tax (read from the
/// settings; it owns nothing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SettingsView;

impl Component<ShopCtx<'_>> for SettingsView {
    fn contexts(&self, _ctx: &ShopCtx) -> Vec<Context> {
        vec![Context::AdminSettings]
    }

    /// No filter of its own.
    fn available(&self, action: &Action, _ctx: &ShopCtx) -> bool {
        !matches!(action, Action::FocusFilter)
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        if !matches!(action, Action::EditSelected | Action::Open) {
            return Vec::new();
        }
        let values = ctx.settings.input_values().to_vec();
        let mut form = FieldsForm::new(FieldsPurpose::Settings, " Shop settings ", &settings::INPUT_FIELDS, values);
        form.toggle = Some((settings::INCLUDED_TOGGLE, ctx.settings.tax.included_in_prices));
        form.note = Some("Free over: empty means shipping is never free.".into());
        vec![Effect::OpenForm(Form::Fields(Box::new(form)))]
    }
}

impl SettingsView {
    /// The settings form submitted: saved if every field reads well.
    pub fn submitted(form: &mut FieldsForm, ctx: &ShopCtx) -> Vec<Effect> {
        let values = [form.value(0), form.value(1), form.value(2), form.value(3), form.value(4)];
        match ctx.settings.with_input(values, form.toggle.is_some_and(|(_, on)| on)) {
            Ok(settings) => vec![Effect::Ask(Request::SaveSettings { settings })],
            Err((field, message)) => {
                form.refuse(Some(field), message);
                Vec::new()
            }
        }
    }
}

impl App {
    /// The discount codes with their uses, as last loaded (admins).
    pub fn discounts(&self) -> &[(Discount, u32)] {
        &self.discount_codes.codes
    }

    /// Replaces the clock (tests pin time, as the store's `set_clock`).
    pub fn set_clock(&mut self, clock: fn() -> crate::domain::Timestamp) {
        self.clock = clock;
    }

    /// Whether `discount` can be used now: active, inactive, scheduled or expired.
    pub fn discount_state(&self, discount: &Discount) -> crate::domain::DiscountState {
        discount.state((self.clock)())
    }

    /// Hands the Discounts, Settings and tracking forms to the screen they
    /// belong to; `false` if the open form is another one.
    pub(super) fn submit_admin_fields(&mut self) -> bool {
        let ctx = shop_ctx!(self);
        let Some(Form::Fields(form)) = self.form.as_mut() else { return false };
        let effects = match form.purpose.clone() {
            FieldsPurpose::Discount(original) => self.discount_codes.submitted(form, original, &ctx, (self.clock)()),
            FieldsPurpose::Settings => SettingsView::submitted(form, &ctx),
            FieldsPurpose::Tracking(order_id) => admin_orders::tracking_submitted(form, order_id),
            _ => return false,
        };
        self.perform(Layer::Form, effects);
        true
    }

    /// A discount code or the settings were saved.
    pub(super) fn pricing_saved(&mut self, what: String) {
        self.form = None;
        self.info(what);
        self.request(Request::LoadDiscounts {});
    }
}
