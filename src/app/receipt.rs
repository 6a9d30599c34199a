//! An order's receipt on screen: `r` on the placed page, the orders list
//! or an order's page opens it; it scrolls like a page. In a local session
//! `w` writes it to `receipts/` beside the shop's data; over SSH that file
//! would be on the server, so the session writes none and offers no such key.

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
        let view = self.receipt.as_ref()?;
        let order = self.receipt_order(&view.order_id)?;
        let name_of = |id: &str| self.product(id).map(|p| p.name.clone());
        let settings = self.settings();
        let text = render_receipt(&settings.display_name(), &settings.currency(), order, &name_of);
        let width = usize::from(self.receipt_area().width.saturating_sub(2)).max(1);
        Some(text.lines().flat_map(|line| crate::domain::width::wrap(line, width)).collect())
    }

    pub(super) fn update_receipt(&mut self, action: Action) {
        let page = self.receipt_rows().saturating_sub(1).max(1) as isize;
        match action {
            Action::Back => self.receipt = None,
            Action::ToggleHelp => self.open_help(),
            Action::Up => self.scroll_receipt(-1),
            Action::Down => self.scroll_receipt(1),
            Action::PageUp => self.scroll_receipt(-page),
            Action::PageDown => self.scroll_receipt(page),
            Action::Home => self.scroll_receipt(isize::MIN / 2),
            Action::End => self.scroll_receipt(isize::MAX / 2),
            Action::Scroll { down, .. } => self.scroll_receipt(if down { WHEEL_ROWS } else { -WHEEL_ROWS }),
            // Never over SSH (the keymap has no such key there either).
            Action::WriteReceipt => {
                if let (Some(view), Some(folder)) = (&self.receipt, &self.receipts) {
                    let (order_id, folder) = (view.order_id.clone(), folder.clone());
                    self.request(Request::WriteReceipt { order_id, folder });
                }
            }
            _ => {}
        }
    }

    /// Whether a scrolling key would move the open receipt: the footer
    /// offers only the directions that still move (`None`: not a scrolling
    /// key, or no receipt open).
    pub(super) fn receipt_moves(&self, action: &Action) -> Option<bool> {
        let view = self.receipt.as_ref()?;
        let most = self.receipt_lines().map_or(0, |lines| lines.len()).saturating_sub(self.receipt_rows());
        match action {
            Action::Up | Action::PageUp | Action::Home => Some(view.scroll > 0),
            Action::Down | Action::PageDown | Action::End => Some(usize::from(view.scroll) < most),
            _ => None,
        }
    }

    fn scroll_receipt(&mut self, delta: isize) {
        let lines = self.receipt_lines().map_or(0, |lines| lines.len());
        let most = lines.saturating_sub(self.receipt_rows()) as isize;
        if let Some(view) = self.receipt.as_mut() {
            let scroll = (view.scroll as isize).saturating_add(delta).clamp(0, most);
            view.scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
        }
    }
}
