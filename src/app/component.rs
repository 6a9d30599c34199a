//! The shape every screen and overlay is moving to (docs/components-plan.md):
//! a component owns its state, handles an action against a read-only
//! context, and returns what should happen as data (`Effect`); the app
//! performs the effects. Nothing slow or shared is touched inside `handle`,
//! so a component is tested by feeding it actions and reading its state and
//! the effects it returned: no terminal, no worker.

use super::Action;
use super::dialog::Dialog;
use super::keymap::Context;
use super::requests::Request;
use super::views::FieldsPurpose;

/// What a component asks the app to do after handling an action.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Take the overlay in front (the one that returned it) off the screen.
    Close,
    /// Send this to the shop (on the session's worker); its answer comes
    /// back typed, with the request's own fields.
    Ask(Request),
    /// Close the form under the overlay, dropping what was typed in it.
    DiscardForm,
    /// Log the session out (back to the login form).
    LogOut,
    /// Open the `?` help over the component, listing its keys.
    OpenHelp,
    /// Ask the shopper or admin a question over the component.
    Confirm(Dialog),
    /// A checkout form steps back: what was typed is kept for its step.
    KeepDraft { purpose: FieldsPurpose, values: Vec<String>, toggle: Option<bool> },
    /// A form of fields was submitted: the screen under it acts on it.
    SubmitFields,
}

pub trait Component {
    /// What the component reads and may not change (the app's data, the
    /// terminal's size), borrowed for one call.
    type Ctx<'a>;

    /// Where keys go while this component is in front, most specific first
    /// (the keymap adds `Anywhere`); the footer and help come from these.
    fn contexts(&self, ctx: &Self::Ctx<'_>) -> Vec<Context>;

    /// Whether `action` can do anything now (the footer hides it if not).
    fn available(&self, action: &Action, ctx: &Self::Ctx<'_>) -> bool;

    /// Handles one action: changes the component's own state, returns effects.
    fn handle(&mut self, action: Action, ctx: &Self::Ctx<'_>) -> Vec<Effect>;
}
