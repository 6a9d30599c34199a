//! A question over the screen (cancel this order? delete that code?) or
//! the checkout's list of what changed. It owns nothing but what it asks
//! about; `y` returns what to ask the shop, `n` and Esc close it.

use super::Action;
use super::component::{Component, Effect};
use super::keymap::Context;
use super::requests::Request;
use crate::domain::Problem;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialog {
    /// What stopped the checkout; `y` accepts the adjusted cart.
    CheckoutProblems {
        problems: Vec<Problem>,
    },
    ConfirmCancel {
        order_id: String,
        /// `$12.00 to Visa •••• 4242`: what cancelling gives back (none for
        /// an order no card paid).
        refund: Option<String>,
        /// Said to admins: the items go back in stock.
        restock: bool,
    },
    ConfirmDelete {
        product_id: String,
        name: String,
    },
    ConfirmAdvance {
        order_id: String,
        to: crate::domain::OrderStatus,
    },
    /// Esc on a form with typed changes.
    ConfirmDiscard,
    ConfirmDeleteDiscount {
        code: String,
    },
    /// Logging out of a session its SSH key logged in.
    ConfirmForgetKey,
}

/// What a dialog reads of the app: the SSH key the session logged in
/// with (logging out may forget it).
pub struct DialogCtx<'a> {
    pub ssh_key: Option<&'a str>,
}

impl Component<DialogCtx<'_>> for Dialog {
    fn contexts(&self, _ctx: &DialogCtx) -> Vec<Context> {
        vec![Context::Dialog]
    }

    fn available(&self, _action: &Action, _ctx: &DialogCtx) -> bool {
        true
    }

    fn handle(&mut self, action: Action, ctx: &DialogCtx) -> Vec<Effect> {
        match action {
            // `n`: log out, keeping the key; Esc: stay logged in.
            Action::Decline if *self == Dialog::ConfirmForgetKey => vec![Effect::Close, Effect::LogOut],
            Action::Dismiss | Action::Decline => vec![Effect::Close],
            Action::Confirm => vec![Effect::Close, self.confirmed(ctx)],
            _ => Vec::new(),
        }
    }
}

impl Dialog {
    /// What `y` does.
    fn confirmed(&self, ctx: &DialogCtx) -> Effect {
        let ask = match self.clone() {
            Dialog::CheckoutProblems { .. } => Request::AcceptAdjustments {},
            Dialog::ConfirmCancel { order_id, .. } => Request::CancelOrder { order_id },
            Dialog::ConfirmDelete { product_id, .. } => Request::DeleteProduct { product_id },
            Dialog::ConfirmAdvance { order_id, to } => Request::AdvanceOrder { order_id, to, tracking: None },
            Dialog::ConfirmDeleteDiscount { code } => Request::DeleteDiscount { code },
            Dialog::ConfirmDiscard => return Effect::DiscardForm,
            Dialog::ConfirmForgetKey => match ctx.ssh_key {
                Some(fingerprint) => Request::ForgetKey { fingerprint: fingerprint.to_string() },
                None => return Effect::LogOut,
            },
        };
        Effect::Ask(ask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::OrderStatus;

    const KEY: DialogCtx = DialogCtx { ssh_key: Some("SHA256:abc") };
    const NO_KEY: DialogCtx = DialogCtx { ssh_key: None };

    fn answer(mut dialog: Dialog, action: Action, ctx: &DialogCtx) -> Vec<Effect> {
        dialog.handle(action, ctx)
    }

    #[test]
    fn yes_asks_the_shop_for_what_the_dialog_named() {
        let cancel = Dialog::ConfirmCancel { order_id: "7".into(), refund: None, restock: false };
        assert_eq!(
            answer(cancel, Action::Confirm, &KEY),
            vec![Effect::Close, Effect::Ask(Request::CancelOrder { order_id: "7".into() })]
        );
        let advance = Dialog::ConfirmAdvance { order_id: "7".into(), to: OrderStatus::Shipped };
        assert_eq!(
            answer(advance, Action::Confirm, &KEY),
            vec![
                Effect::Close,
                Effect::Ask(Request::AdvanceOrder { order_id: "7".into(), to: OrderStatus::Shipped, tracking: None })
            ]
        );
        let delete = Dialog::ConfirmDelete { product_id: "P1".into(), name: "Lamp".into() };
        assert_eq!(
            answer(delete, Action::Confirm, &KEY),
            vec![Effect::Close, Effect::Ask(Request::DeleteProduct { product_id: "P1".into() })]
        );
        let code = Dialog::ConfirmDeleteDiscount { code: "TEN".into() };
        assert_eq!(
            answer(code, Action::Confirm, &KEY),
            vec![Effect::Close, Effect::Ask(Request::DeleteDiscount { code: "TEN".into() })]
        );
        let problems = Dialog::CheckoutProblems { problems: vec![] };
        assert_eq!(
            answer(problems, Action::Confirm, &KEY),
            vec![Effect::Close, Effect::Ask(Request::AcceptAdjustments {})]
        );
        assert_eq!(answer(Dialog::ConfirmDiscard, Action::Confirm, &KEY), vec![Effect::Close, Effect::DiscardForm]);
    }

    #[test]
    fn no_and_esc_close_it_asking_nothing() {
        let cancel = Dialog::ConfirmCancel { order_id: "7".into(), refund: None, restock: false };
        assert_eq!(answer(cancel.clone(), Action::Decline, &KEY), vec![Effect::Close]);
        assert_eq!(answer(cancel.clone(), Action::Dismiss, &KEY), vec![Effect::Close]);
        assert_eq!(answer(cancel, Action::Down, &KEY), vec![], "other keys do nothing");
    }

    #[test]
    fn logging_out_of_a_key_session_forgets_the_key_on_yes_keeps_it_on_no_stays_on_esc() {
        let forget = Dialog::ConfirmForgetKey;
        assert_eq!(
            answer(forget.clone(), Action::Confirm, &KEY),
            vec![Effect::Close, Effect::Ask(Request::ForgetKey { fingerprint: "SHA256:abc".into() })]
        );
        assert_eq!(answer(forget.clone(), Action::Confirm, &NO_KEY), vec![Effect::Close, Effect::LogOut]);
        assert_eq!(answer(forget.clone(), Action::Decline, &KEY), vec![Effect::Close, Effect::LogOut]);
        assert_eq!(answer(forget, Action::Dismiss, &KEY), vec![Effect::Close]);
    }
}
