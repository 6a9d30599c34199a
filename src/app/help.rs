//! The `?` overlay: every key of the screen under it, from the keymap. It
//! owns only how far it is scrolled; what it lists comes from the screen.

use ratatui::layout::Rect;

use super::component::{Component, Effect};
use super::keymap::Context;
use super::{Action, layout};

/// The help in front of a screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelpOverlay {
    /// First row shown (it scrolls when taller than the screen).
    pub scroll: u16,
}

/// What the help reads of the app: how many rows it lists (the keymap's
/// for the screen under it) and the terminal's size.
pub struct HelpCtx {
    pub rows: usize,
    pub viewport: Rect,
}

impl Component<HelpCtx> for HelpOverlay {
    fn contexts(&self, _ctx: &HelpCtx) -> Vec<Context> {
        vec![Context::Help]
    }

    fn available(&self, action: &Action, ctx: &HelpCtx) -> bool {
        // It scrolls only when it is taller than its box.
        let lines = ctx.rows as u16 + 2;
        let fits = layout::dialog(ctx.viewport, 60, lines + 2).height >= lines + 2;
        !(matches!(action, Action::Up | Action::Down | Action::PageUp | Action::PageDown) && fits)
    }

    fn handle(&mut self, action: Action, ctx: &HelpCtx) -> Vec<Effect> {
        let page = i32::from(ctx.viewport.height.saturating_sub(6)).max(1);
        let step = match action {
            Action::Back | Action::ToggleHelp => return vec![Effect::Close],
            Action::Down => 1,
            Action::Up => -1,
            Action::PageDown => page,
            Action::PageUp => -page,
            _ => 0,
        };
        // The drawing clamps what it can show; here only keep it in range.
        let most = i32::try_from(ctx.rows).unwrap_or(i32::MAX);
        self.scroll = u16::try_from((i32::from(self.scroll) + step).clamp(0, most)).unwrap_or(0);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(rows: usize, height: u16) -> HelpCtx {
        HelpCtx { rows, viewport: Rect::new(0, 0, 80, height) }
    }

    #[test]
    fn scrolls_within_its_rows_and_closes_on_back_or_question_mark() {
        let ctx = ctx(40, 24);
        let mut help = HelpOverlay::default();
        assert_eq!(help.handle(Action::Down, &ctx), vec![]);
        assert_eq!(help.scroll, 1);
        assert_eq!(help.handle(Action::Up, &ctx), vec![]);
        assert_eq!(help.handle(Action::Up, &ctx), vec![]);
        assert_eq!(help.scroll, 0, "never above the first row");
        help.handle(Action::PageDown, &ctx);
        assert_eq!(help.scroll, 18, "a page is the screen less six rows");
        for _ in 0..5 {
            help.handle(Action::PageDown, &ctx);
        }
        assert_eq!(help.scroll, 40, "never past its rows");
        help.handle(Action::PageUp, &ctx);
        assert_eq!(help.scroll, 22);
        assert_eq!(help.handle(Action::Open, &ctx), vec![], "other keys do nothing");
        assert_eq!(help.scroll, 22);
        assert_eq!(help.handle(Action::Back, &ctx), vec![Effect::Close]);
        assert_eq!(help.handle(Action::ToggleHelp, &ctx), vec![Effect::Close]);
    }

    #[test]
    fn offers_scrolling_only_when_taller_than_its_box() {
        let help = HelpOverlay::default();
        assert!(!help.available(&Action::Down, &ctx(5, 24)), "five rows fit");
        assert!(help.available(&Action::Down, &ctx(40, 24)));
        assert!(help.available(&Action::PageUp, &ctx(40, 24)));
        assert!(help.available(&Action::Back, &ctx(5, 24)), "closing always works");
        assert_eq!(help.contexts(&ctx(5, 24)), vec![Context::Help]);
    }
}
