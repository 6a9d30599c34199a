//! The shape every screen and overlay is moving to (docs/components-plan.md):
//! a component owns its state, handles an action against a read-only
//! context, and returns what should happen as data (`Effect`); the app
//! performs the effects. Nothing slow or shared is touched inside `handle`,
//! so a component is tested by feeding it actions and reading its state and
//! the effects it returned: no terminal, no worker.

use super::Action;
use super::keymap::Context;

/// What a component asks the app to do after handling an action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Take the overlay in front (the one that returned it) off the screen.
    Close,
}

pub trait Component {
    /// What the component reads and may not change (the app's data, the
    /// terminal's size), borrowed for one call.
    type Ctx<'a>;

    /// Where keys go while this component is in front, most specific first
    /// (the keymap adds `Anywhere`); the footer and help come from these.
    fn contexts(&self) -> Vec<Context>;

    /// Whether `action` can do anything now (the footer hides it if not).
    fn available(&self, action: &Action, ctx: &Self::Ctx<'_>) -> bool;

    /// Handles one action: changes the component's own state, returns effects.
    fn handle(&mut self, action: Action, ctx: &Self::Ctx<'_>) -> Vec<Effect>;
}
