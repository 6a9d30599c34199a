//! Lists: selection, paging, and mouse hits, from the shared layout.

use super::*;

impl App {
    // ---- lists, pages, mouse ----

    /// Rows of the current screen's list (or detail page) that fit on screen.
    pub fn list_rows(&self) -> usize {
        let body = self.frame_layout().body;
        let (front, ctx) = in_front!(self, &);
        let rows = front.and_then(|front| front.rows(body, &ctx));
        usize::from(rows.map_or(body.height.saturating_sub(2), |(_, rows)| rows.height)).max(1)
    }

    pub(super) fn page_rows(&self) -> usize {
        self.list_rows().saturating_sub(1).max(1)
    }

    /// The arrow keys, paging and the wheel: the list of the screen in
    /// front moves its cursor; a page without one scrolls.
    pub(super) fn move_selection(&mut self, delta: isize) {
        let body = self.frame_layout().body;
        let (front, ctx) = in_front!(self, &mut);
        if let Some(front) = front
            && let Some((len, rows)) = front.rows(body, &ctx)
            && let Some(cursor) = front.cursor_mut()
        {
            cursor.move_by(delta, len, usize::from(rows.height).max(1));
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

    /// Keeps each list's selection inside it and on screen (its length or
    /// the rows it has may have changed).
    pub(super) fn fit_cursors(&mut self) {
        let screen = self.screen;
        for list_screen in [Screen::Catalog, Screen::Cart, Screen::Orders, Screen::AdminProducts, Screen::AdminOrders] {
            self.screen = list_screen;
            let body = self.frame_layout().body;
            let (front, ctx) = in_front!(self, &mut);
            if let Some(front) = front
                && let Some((len, rows)) = front.rows(body, &ctx)
                && let Some(cursor) = front.cursor_mut()
            {
                cursor.fit(len, usize::from(rows.height).max(1));
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
