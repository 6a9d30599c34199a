//! An order's receipt on screen: `r` on the placed page, the orders list
//! or an order's page opens it; it scrolls like a page. In a local session
//! `w` writes it to `receipts/` beside the shop's data; over SSH that file
//! would be on the server, so the session writes none and offers no such key.

use std::path::Path;

use super::component::{Component, Effect};
use super::*;
use crate::domain::receipt::render_receipt;

impl App {
    /// A local session: `w` writes receipts into `folder`.
    pub fn write_receipts_to(&mut self, folder: std::path::PathBuf) {
        self.receipts = Some(folder);
    }

    /// A session served over SSH (`serve/session.rs`): nothing is written
    /// to the server's disk for its shopper.
    pub fn set_over_ssh(&mut self) {
        self.receipts = None;
    }

    pub(super) fn open_receipt(&mut self, order_id: String) {
        if self.receipt_order(&order_id).is_none() {
            self.error(format!("Order {order_id} does not exist"));
            return;
        }
        self.receipt = Some(ReceiptView { order_id, scroll: 0 });
    }

    /// The order a receipt shows: the shopper's (or, for an admin, any)
    /// order, or the one just placed while the orders are read again.
    fn receipt_order(&self, order_id: &str) -> Option<&Order> {
        self.order(order_id).or_else(|| self.checkout.placed.as_ref().filter(|o| o.order_id == order_id))
    }

    /// Where the receipt is drawn: the whole body, bordered.
    pub fn receipt_area(&self) -> Rect {
        self.frame_layout().body
    }

    /// Lines of the receipt shown at once.
    fn receipt_rows(&self) -> usize {
        usize::from(self.receipt_area().height.saturating_sub(2)).max(1)
    }

    /// The open receipt's text in lines no wider than its box (a long
    /// address or product name wraps), as the screen draws and scrolls
    /// them. Every value from the data went through `printable`.
    pub fn receipt_lines(&self) -> Option<Vec<String>> {
        self.receipt_lines_of(&self.receipt.as_ref()?.order_id)
    }

    /// `receipt_lines` of the receipt of `order_id`.
    fn receipt_lines_of(&self, order_id: &str) -> Option<Vec<String>> {
        let order = self.receipt_order(order_id)?;
        let name_of = |id: &str| self.product(id).map(|p| p.name.clone());
        let settings = self.settings();
        let text = render_receipt(&settings.display_name(), &settings.currency(), order, &name_of);
        let width = usize::from(self.receipt_area().width.saturating_sub(2)).max(1);
        Some(text.lines().flat_map(|line| crate::domain::width::wrap(line, width)).collect())
    }

    /// What the receipt of `view` reads of the app.
    pub(super) fn receipt_ctx(&self, view: &ReceiptView) -> ReceiptCtx<'_> {
        ReceiptCtx {
            lines: self.receipt_lines_of(&view.order_id).map_or(0, |lines| lines.len()),
            rows: self.receipt_rows(),
            folder: self.receipts.as_deref(),
        }
    }
}

/// What the receipt reads of the app: how many lines it has and shows at
/// once (laid out for the screen's width), and where `w` writes it (a
/// local session's `receipts/`; none over SSH).
pub struct ReceiptCtx<'a> {
    pub lines: usize,
    pub rows: usize,
    pub folder: Option<&'a Path>,
}

impl ReceiptCtx<'_> {
    fn most_scroll(&self) -> usize {
        self.lines.saturating_sub(self.rows)
    }
}

impl Component<ReceiptCtx<'_>> for ReceiptView {
    fn contexts(&self, ctx: &ReceiptCtx) -> Vec<Context> {
        // Over SSH a file would be written on the server: no such key.
        match ctx.folder {
            Some(_) => vec![Context::ReceiptFile, Context::Receipt],
            None => vec![Context::Receipt],
        }
    }

    /// Scrolling keys only while they still move it; `w` only where a
    /// file can be written for the reader.
    fn available(&self, action: &Action, ctx: &ReceiptCtx) -> bool {
        match action {
            Action::Up | Action::PageUp | Action::Home => self.scroll > 0,
            Action::Down | Action::PageDown | Action::End => usize::from(self.scroll) < ctx.most_scroll(),
            Action::WriteReceipt => ctx.folder.is_some(),
            _ => true,
        }
    }

    fn handle(&mut self, action: Action, ctx: &ReceiptCtx) -> Vec<Effect> {
        let page = ctx.rows.saturating_sub(1).max(1) as isize;
        let delta = match action {
            Action::Back => return vec![Effect::Close],
            Action::ToggleHelp => return vec![Effect::OpenHelp],
            // Never over SSH (the keymap has no such key there either).
            Action::WriteReceipt => {
                return ctx
                    .folder
                    .map(|folder| {
                        let (order_id, folder) = (self.order_id.clone(), folder.to_path_buf());
                        Effect::Ask(Request::WriteReceipt { order_id, folder })
                    })
                    .into_iter()
                    .collect();
            }
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Home => isize::MIN / 2,
            Action::End => isize::MAX / 2,
            Action::Scroll { down, .. } => {
                if down {
                    WHEEL_ROWS
                } else {
                    -WHEEL_ROWS
                }
            }
            _ => return Vec::new(),
        };
        let most = ctx.most_scroll() as isize;
        let scroll = (self.scroll as isize).saturating_add(delta).clamp(0, most);
        self.scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt() -> ReceiptView {
        ReceiptView { order_id: "12".into(), scroll: 0 }
    }

    #[test]
    fn scrolls_within_its_lines_by_line_page_and_wheel() {
        let ctx = ReceiptCtx { lines: 50, rows: 20, folder: None };
        let mut view = receipt();
        assert!(!view.available(&Action::Up, &ctx), "at the top: nothing above");
        assert_eq!(view.handle(Action::Down, &ctx), vec![]);
        assert_eq!(view.scroll, 1);
        view.handle(Action::PageDown, &ctx);
        assert_eq!(view.scroll, 20, "a page is its rows less one");
        view.handle(Action::End, &ctx);
        assert_eq!(view.scroll, 30, "the last line at the bottom");
        assert!(!view.available(&Action::Down, &ctx));
        view.handle(Action::Scroll { column: 0, row: 0, down: false }, &ctx);
        assert_eq!(view.scroll, 27);
        view.handle(Action::Home, &ctx);
        assert_eq!(view.scroll, 0);
        let short = ReceiptCtx { lines: 5, rows: 20, folder: None };
        view.handle(Action::End, &short);
        assert_eq!(view.scroll, 0, "a receipt that fits does not scroll");
    }

    #[test]
    fn w_writes_it_only_where_the_session_has_a_folder() {
        let mut view = receipt();
        let ssh = ReceiptCtx { lines: 5, rows: 20, folder: None };
        assert!(!view.available(&Action::WriteReceipt, &ssh));
        assert_eq!(view.handle(Action::WriteReceipt, &ssh), vec![], "over SSH nothing is written");
        let folder = Path::new("/shop/receipts");
        let local = ReceiptCtx { lines: 5, rows: 20, folder: Some(folder) };
        assert_eq!(
            view.handle(Action::WriteReceipt, &local),
            vec![Effect::Ask(Request::WriteReceipt { order_id: "12".into(), folder: folder.to_path_buf() })]
        );
        assert_eq!(view.handle(Action::Back, &local), vec![Effect::Close]);
        assert_eq!(view.handle(Action::ToggleHelp, &local), vec![Effect::OpenHelp]);
        assert_eq!(view.contexts(&local), vec![Context::ReceiptFile, Context::Receipt]);
        assert_eq!(view.contexts(&ssh), vec![Context::Receipt]);
    }
}
