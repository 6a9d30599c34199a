//! Lists: selection, paging, and mouse hits, from the shared layout.

use super::*;

impl App {
    // ---- lists, pages, mouse ----

    pub(super) fn list_len(&self) -> usize {
        match self.screen {
            Screen::Catalog => self.catalog.hits.len(),
            Screen::Cart => self.current_cart().items.len(),
            Screen::Checkout => self.checkout_list_len(),
            Screen::AdminDiscounts => self.discount_codes.codes.len(),
            Screen::Orders => self.orders.ids.len(),
            Screen::AdminProducts => self.admin_products.hits.len(),
            Screen::AdminOrders => self.admin_orders.ids.len(),
            _ => 0,
        }
    }

    /// Rows of the current screen's list (or detail page) that fit on screen.
    pub fn list_rows(&self) -> usize {
        let body = self.frame_layout().body;
        usize::from(self.rows_area_in(body).map_or(body.height.saturating_sub(2), |r| r.height)).max(1)
    }

    pub(super) fn page_rows(&self) -> usize {
        self.list_rows().saturating_sub(1).max(1)
    }

    pub(super) fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        match self.screen {
            Screen::Catalog => Some(&mut self.catalog.cursor),
            Screen::Cart => Some(&mut self.cart.cursor),
            Screen::Checkout => Some(&mut self.checkout.cursor),
            Screen::AdminDiscounts => Some(&mut self.discount_codes.cursor),
            Screen::Orders => Some(&mut self.orders.cursor),
            Screen::AdminProducts => Some(&mut self.admin_products.cursor),
            Screen::AdminOrders => Some(&mut self.admin_orders.cursor),
            _ => None,
        }
    }

    pub(super) fn move_selection(&mut self, delta: isize) {
        let (len, height) = (self.list_len(), self.list_rows());
        if let Some(cursor) = self.cursor_mut() {
            cursor.move_by(delta, len, height);
            return;
        }
        // A detail page: the same keys scroll it.
        let most = self.detail_lines().saturating_sub(self.list_rows()) as isize;
        let scroll = (self.detail_scroll as isize).saturating_add(delta).clamp(0, most);
        self.detail_scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    }

    /// About how many lines the current detail page has (the ui draws what
    /// fits and clamps exactly; this keeps the scroll from running past it).
    fn detail_lines(&self) -> usize {
        let width = usize::from(self.frame_layout().body.width.saturating_sub(2)).max(1);
        let order_lines = |id: Option<&String>| id.and_then(|id| self.order_page(id)).map_or(0, |page| page.len());
        match self.screen {
            Screen::Product => self
                .product(&self.product.product_id)
                .map_or(0, |p| 10 + p.description_or_blank().chars().count().div_ceil(width)),
            Screen::OrderDetail => order_lines(self.orders.detail.as_ref()),
            Screen::AdminOrderDetail => order_lines(self.admin_orders.detail.as_ref()),
            _ => 0,
        }
    }

    pub(super) fn fit_cursors(&mut self) {
        let screen = self.screen;
        for (list_screen, len) in [
            (Screen::Catalog, self.catalog.hits.len()),
            (Screen::Cart, self.current_cart().items.len()),
            (Screen::Orders, self.orders.ids.len()),
            (Screen::AdminProducts, self.admin_products.hits.len()),
            (Screen::AdminOrders, self.admin_orders.ids.len()),
        ] {
            self.screen = list_screen;
            let height = self.list_rows();
            if let Some(cursor) = self.cursor_mut() {
                cursor.fit(len, height);
            }
        }
        self.screen = screen;
    }

    /// The frame around every screen after login: the header holds the
    /// shop's name as the settings say now, the message line the rows its
    /// message needs.
    pub fn frame_layout(&self) -> layout::Frame {
        let shop_name = self.settings().display_name();
        let width = usize::from(self.viewport.width);
        let message_rows = self.message_line().map_or(1, |(_, text)| crate::domain::width::wrap(&text, width).len());
        layout::frame(
            self.viewport,
            &layout::FrameSpec {
                show_stats: self.stats.visible,
                shop_name: &shop_name,
                tabs: self.tabs(),
                current: self.screen.tab(),
                message_rows: u16::try_from(message_rows).unwrap_or(u16::MAX),
            },
        )
    }

    /// The list rows area of the current screen, for paging.
    fn rows_area_in(&self, body: Rect) -> Option<Rect> {
        match self.screen {
            Screen::Catalog | Screen::AdminProducts => Some(layout::catalog(body).rows),
            Screen::AdminOrders => Some(layout::filtered_list(body, false).rows),
            Screen::Cart => Some(layout::table(body, self.cart_summary_height()).1),
            Screen::Orders | Screen::AdminDiscounts => Some(layout::table(body, 0).1),
            _ => None,
        }
    }

    /// Rows under the cart's lines: the quote's figures (`ui::summary`) and
    /// the hint line.
    pub fn cart_summary_height(&self) -> u16 {
        cart::summary_height(&self.my_cart, self.quote())
    }

    /// A click on a tab shows it; anywhere else it goes to the screen in
    /// front, which knows what it drew there.
    pub(super) fn click(&mut self, column: u16, row: u16) {
        let at = Position::new(column, row);
        if let Some(tab) = self.frame_layout().tabs.iter().find(|t| t.rect.contains(at)).map(|t| t.tab) {
            self.show_tab(tab);
            return;
        }
        let body = self.frame_layout().body;
        let (front, ctx) = in_front!(self, &mut);
        if let Some(front) = front {
            let effects = front.click(at, body, &ctx);
            self.perform(Layer::Screen, effects);
        }
    }

    pub(super) fn scroll(&mut self, column: u16, row: u16, down: bool) {
        if self.frame_layout().body.contains(Position::new(column, row)) {
            self.move_selection(if down { WHEEL_ROWS } else { -WHEEL_ROWS });
        }
    }
}
