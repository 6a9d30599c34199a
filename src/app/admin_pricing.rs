//! The admin's Discounts and Settings tabs, and the tracking number asked
//! for when an order ships.

use super::*;
use crate::domain::discount::{self, DiscountInput};
use crate::domain::settings;

impl App {
    /// The discount codes with their uses, as last loaded (admins).
    pub fn discounts(&self) -> &[(Discount, u32)] {
        &self.admin_discounts
    }

    /// Replaces the clock (tests pin time, as the store's `set_clock`).
    pub fn set_clock(&mut self, clock: fn() -> crate::domain::Timestamp) {
        self.clock = clock;
    }

    /// Whether `discount` can be used now: active, inactive, scheduled or expired.
    pub fn discount_state(&self, discount: &Discount) -> crate::domain::DiscountState {
        discount.state((self.clock)())
    }

    pub(super) fn update_admin_discounts(&mut self, action: Action) {
        let selected = self.admin_discounts.get(self.discount_cursor.selected).map(|(d, uses)| (d.clone(), *uses));
        match (action, selected) {
            (Action::AddNew, _) => self.open_discount_form(None),
            (Action::EditSelected | Action::Open, Some((discount, _))) => self.open_discount_form(Some(&discount)),
            (Action::ToggleActive, Some((discount, _))) => {
                self.request(Request::SetDiscountActive { code: discount.code, active: !discount.active });
            }
            (Action::DeleteSelected, Some((discount, uses))) => {
                let carried = self
                    .all_orders
                    .as_ref()
                    .is_some_and(|book| book.orders().iter().any(|o| o.carries_code(&discount.code)));
                if carried || uses > 0 {
                    self.error(format!("{} is on orders already; deactivate it instead", discount.code));
                } else {
                    self.dialog = Some(Dialog::ConfirmDeleteDiscount { code: discount.code });
                }
            }
            (Action::EditSelected | Action::Open | Action::ToggleActive | Action::DeleteSelected, None) => {
                self.error("No discount code selected")
            }
            _ => {}
        }
    }

    fn open_discount_form(&mut self, editing: Option<&Discount>) {
        let values = editing.map_or_else(|| vec![String::new(); 8], |d| d.input_values().to_vec());
        let title = editing.map_or_else(|| " New discount code ".to_string(), |d| format!(" Edit {} ", d.code));
        let mut form = FieldsForm::new(
            FieldsPurpose::Discount(editing.map(|d| d.code.clone())),
            title,
            &discount::INPUT_FIELDS,
            values,
        );
        form.toggle = Some(("Active", editing.is_none_or(|d| d.active)));
        form.note = Some("Kind: percent, fixed or free_shipping. Empty limits and dates: none.".into());
        self.form = Some(Form::Fields(Box::new(form)));
    }

    pub(super) fn update_admin_settings(&mut self, action: Action) {
        if matches!(action, Action::EditSelected | Action::Open) {
            let values = self.settings.input_values().to_vec();
            let mut form = FieldsForm::new(FieldsPurpose::Settings, " Shop settings ", &settings::INPUT_FIELDS, values);
            form.toggle = Some((settings::INCLUDED_TOGGLE, self.settings.tax.included_in_prices));
            form.note = Some("Free over: empty means shipping is never free.".into());
            self.form = Some(Form::Fields(Box::new(form)));
        }
    }

    /// Submits the Discounts, Settings and tracking forms; `false` if the
    /// open form is another one.
    pub(super) fn submit_admin_fields(&mut self) -> bool {
        let Some(Form::Fields(form)) = &self.form else { return false };
        let toggle = form.toggle.is_some_and(|(_, on)| on);
        match form.purpose.clone() {
            FieldsPurpose::Discount(original) => {
                let input = DiscountInput {
                    code: form.value(0),
                    kind: form.value(1),
                    value: form.value(2),
                    min_subtotal: form.value(3),
                    starts: form.value(4),
                    expires: form.value(5),
                    max_uses: form.value(6),
                    per_user: form.value(7),
                    active: toggle,
                };
                // The store refuses a past expiry too; said here, the focus goes to Expires.
                let previous =
                    original.as_deref().and_then(|code| discount::find(self.discounts().iter().map(|(d, _)| d), code));
                let checked = input.parse(&self.settings.currency()).and_then(|discount| {
                    discount
                        .refuse_past_expiry(previous, (self.clock)())
                        .map(|()| discount)
                        .map_err(|message| (5, message))
                });
                match checked {
                    Ok(discount) => self.request(Request::SaveDiscount { original, discount }),
                    Err((field, message)) => self.fields_form_error(Some(field), message),
                }
            }
            FieldsPurpose::Settings => {
                let values = [form.value(0), form.value(1), form.value(2), form.value(3), form.value(4)];
                match self.settings.with_input(values, toggle) {
                    Ok(settings) => self.request(Request::SaveSettings { settings }),
                    Err((field, message)) => self.fields_form_error(Some(field), message),
                }
            }
            FieldsPurpose::Tracking(order_id) => {
                let tracking = Some(form.value(0).trim().to_string()).filter(|t| !t.is_empty());
                self.form = None;
                self.request(Request::AdvanceOrder { order_id, to: OrderStatus::Shipped, tracking });
            }
            _ => return false,
        }
        true
    }

    /// A discount code or the settings were saved.
    pub(super) fn pricing_saved(&mut self, what: String) {
        self.form = None;
        self.info(what);
        self.request(Request::LoadDiscounts {});
    }
}
