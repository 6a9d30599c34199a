//! A form over the screen: an admin's product or stock form, or a form of
//! fields (a checkout address or card, a promo code, a discount code, the
//! shop's settings). It owns what is typed and where the focus is; Tab,
//! typing and pasting change only it. Saving a product or a stock change
//! asks the shop straight away; a form of fields says it was submitted and
//! the screen under it decides what that means (its purpose).

use super::component::{Component, Effect};
use super::dialog::Dialog;
use super::keymap::Context;
use super::requests::Request;
use super::views::Form;
use super::{Action, edit_input, paste_into};
use crate::domain::product::parse_stock_change;
use crate::domain::{ProductDetails, ProductDraft, ProductError, Settings};
use crate::shop::ShopError;

/// What a form reads of the app: the shop's settings (prices are typed in
/// its currency).
pub struct FormCtx<'a> {
    pub settings: &'a Settings,
}

impl Component<FormCtx<'_>> for Form {
    fn contexts(&self, _ctx: &FormCtx) -> Vec<Context> {
        vec![Context::Form]
    }

    /// A form of one field has no next field.
    fn available(&self, action: &Action, _ctx: &FormCtx) -> bool {
        match action {
            Action::NextField | Action::PrevField => self.stops() > 1,
            _ => true,
        }
    }

    fn handle(&mut self, action: Action, ctx: &FormCtx) -> Vec<Effect> {
        match (self, action) {
            // Checkout forms step back keeping what was typed.
            (Form::Fields(fields), Action::Back) if fields.keeps_draft() => {
                let toggle = fields.toggle.map(|(_, on)| on);
                return vec![Effect::KeepDraft { purpose: fields.purpose.clone(), values: fields.values(), toggle }];
            }
            (form, Action::Back) if form.changed() => return vec![Effect::Confirm(Dialog::ConfirmDiscard)],
            (_, Action::Back) => return vec![Effect::Close],
            (Form::Product(form), Action::NextField) => form.focus = (form.focus + 1) % form.fields.len(),
            (Form::Product(form), Action::PrevField) => {
                form.focus = (form.focus + form.fields.len() - 1) % form.fields.len();
            }
            (Form::Product(form), Action::Submit) if form.focus + 1 < form.fields.len() => form.focus += 1,
            (Form::Product(form), Action::Edit(request)) => {
                edit_input(&mut form.fields[form.focus], request);
            }
            (Form::Product(form), Action::Paste(text)) => paste_into(&mut form.fields[form.focus], &text),
            (Form::Stock(form), Action::Edit(request)) => {
                edit_input(&mut form.change, request);
            }
            (Form::Stock(form), Action::Paste(text)) => paste_into(&mut form.change, &text),
            (Form::Fields(form), Action::NextField) => form.focus = (form.focus + 1) % form.stops(),
            (Form::Fields(form), Action::PrevField) => form.focus = (form.focus + form.stops() - 1) % form.stops(),
            (Form::Fields(form), Action::Submit) if form.focus + 1 < form.stops() => form.focus += 1,
            (Form::Fields(form), Action::Edit(request)) if form.on_toggle() => {
                // Space (or any typed key) flips the toggle.
                if let (Some((_, on)), tui_input::InputRequest::InsertChar(_)) = (form.toggle.as_mut(), request) {
                    *on = !*on;
                }
            }
            (Form::Fields(form), Action::Edit(request)) => {
                let focus = form.focus;
                if let Some(field) = form.fields.get_mut(focus) {
                    edit_input(field, request);
                }
            }
            (Form::Fields(form), Action::Paste(text)) => {
                let focus = form.focus;
                if let Some(field) = form.fields.get_mut(focus) {
                    paste_into(field, &text);
                }
            }
            (form, Action::Submit | Action::SubmitForm) => return form.submitted(ctx),
            _ => {}
        }
        Vec::new()
    }
}

impl Form {
    /// Checks what was typed and asks the shop to save it; the form stays
    /// open until the shop has answered. A form of fields is the screen's
    /// to act on.
    fn submitted(&mut self, ctx: &FormCtx) -> Vec<Effect> {
        let request = match self {
            Form::Product(form) => {
                let (name, price, category) = (form.value("Name"), form.value("Price"), form.value("Category"));
                let description = form.value("Description");
                let currency = ctx.settings.currency();
                match &form.editing {
                    None => {
                        ProductDraft::from_input(name, price, form.value("Stock"), category, description, &currency)
                            .map(|draft| Request::CreateProduct { draft })
                    }
                    Some((id, seen)) => ProductDetails::from_input(name, price, category, description, &currency)
                        .map(|wanted| Request::UpdateProduct { product_id: id.clone(), seen: seen.clone(), wanted }),
                }
            }
            Form::Stock(form) => parse_stock_change(form.change.value())
                .map(|change| Request::ChangeStock { product_id: form.product_id.clone(), change }),
            Form::Fields(_) => return vec![Effect::SubmitFields],
        };
        match request {
            Ok(request) => vec![Effect::Ask(request)],
            Err(err) => {
                self.refused(&err.into());
                Vec::new()
            }
        }
    }

    /// Shows in the form why it was not saved, the focus on the field at fault.
    pub fn refused(&mut self, err: &ShopError) {
        let said = super::refusal::described(err);
        match self {
            Form::Product(form) => {
                match err {
                    ShopError::Product(ProductError::NameLength) => form.focus_on("Name"),
                    ShopError::Product(
                        ProductError::PriceFormat
                        | ProductError::PriceNotPositive { .. }
                        | ProductError::PriceTooHigh { .. },
                    ) => form.focus_on("Price"),
                    ShopError::Product(ProductError::StockFormat | ProductError::StockTooHigh) => {
                        form.focus_on("Stock")
                    }
                    _ => {}
                }
                form.error = Some(said);
            }
            Form::Stock(form) => form.error = Some(said),
            Form::Fields(form) => form.error = Some(said),
        }
    }
}

#[cfg(test)]
mod tests {
    use tui_input::{Input, InputRequest};

    use super::*;
    use crate::app::views::{FieldsForm, FieldsPurpose, ProductForm, StockForm};

    fn type_text(form: &mut Form, ctx: &FormCtx, text: &str) {
        for c in text.chars() {
            assert_eq!(form.handle(Action::Edit(InputRequest::InsertChar(c)), ctx), vec![]);
        }
    }

    fn product_form() -> Form {
        Form::Product(Box::new(ProductForm::new_product()))
    }

    #[test]
    fn a_new_product_is_asked_for_once_every_field_reads_well() {
        let settings = Settings::default();
        let ctx = FormCtx { settings: &settings };
        let mut form = product_form();
        type_text(&mut form, &ctx, "Desk lamp");
        assert_eq!(form.handle(Action::NextField, &ctx), vec![]);
        type_text(&mut form, &ctx, "24.50");
        assert_eq!(form.handle(Action::NextField, &ctx), vec![]);
        type_text(&mut form, &ctx, "3");
        let effects = form.handle(Action::SubmitForm, &ctx);
        let [Effect::Ask(Request::CreateProduct { draft })] = effects.as_slice() else { panic!("{effects:?}") };
        assert_eq!(draft.details.name, "Desk lamp");
        assert_eq!(draft.details.price.cents(), 2450);
        assert_eq!(draft.stock, 3);
    }

    #[test]
    fn a_price_that_does_not_read_asks_nothing_and_points_at_the_price() {
        let settings = Settings::default();
        let ctx = FormCtx { settings: &settings };
        let mut form = product_form();
        type_text(&mut form, &ctx, "Desk lamp");
        form.handle(Action::NextField, &ctx);
        type_text(&mut form, &ctx, "twelve");
        form.handle(Action::PrevField, &ctx);
        assert_eq!(form.handle(Action::SubmitForm, &ctx), vec![], "nothing is sent");
        let Form::Product(product) = &form else { unreachable!() };
        assert_eq!(product.labels[product.focus], "Price");
        assert!(product.error.as_deref().is_some_and(|e| !e.is_empty()), "{:?}", product.error);
    }

    #[test]
    fn esc_closes_an_untouched_form_and_asks_before_dropping_typing() {
        let settings = Settings::default();
        let ctx = FormCtx { settings: &settings };
        assert_eq!(product_form().handle(Action::Back, &ctx), vec![Effect::Close]);
        let mut typed = product_form();
        type_text(&mut typed, &ctx, "x");
        assert_eq!(typed.handle(Action::Back, &ctx), vec![Effect::Confirm(Dialog::ConfirmDiscard)]);
    }

    #[test]
    fn a_stock_change_is_asked_for_with_its_sign() {
        let settings = Settings::default();
        let ctx = FormCtx { settings: &settings };
        let mut form = Form::Stock(StockForm { product_id: "P7".into(), change: Input::default(), error: None });
        assert!(!form.available(&Action::NextField, &ctx), "one field: no next field");
        type_text(&mut form, &ctx, "-2");
        assert_eq!(
            form.handle(Action::Submit, &ctx),
            vec![Effect::Ask(Request::ChangeStock { product_id: "P7".into(), change: -2 })]
        );
    }

    #[test]
    fn a_checkout_form_steps_back_keeping_what_was_typed_and_submits_to_its_screen() {
        let settings = Settings::default();
        let ctx = FormCtx { settings: &settings };
        let fields = FieldsForm::new(FieldsPurpose::Promo, " Promo code ", &["Code"], vec![String::new()]);
        let mut promo = Form::Fields(Box::new(fields));
        type_text(&mut promo, &ctx, "TEN");
        assert_eq!(promo.handle(Action::Submit, &ctx), vec![Effect::SubmitFields]);
        let labels = ["Name", "Street"];
        let address = FieldsForm::new(FieldsPurpose::Address, " Address ", &labels, vec![String::new(); 2]);
        let mut address = Form::Fields(Box::new(address));
        type_text(&mut address, &ctx, "Ann");
        assert_eq!(address.handle(Action::Submit, &ctx), vec![], "Enter on a field that is not the last moves on");
        assert_eq!(
            address.handle(Action::Back, &ctx),
            vec![Effect::KeepDraft {
                purpose: FieldsPurpose::Address,
                values: vec!["Ann".into(), String::new()],
                toggle: None
            }]
        );
    }
}
