//! Where things sit on the screen, as a pure function of the terminal size.
//! The ui draws into these areas; the app uses them to know how many rows a
//! page holds and which row or tab a mouse click hit.

use ratatui::layout::{Constraint, Layout, Rect};

use super::action::Tab;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the catalog shows a preview of the selected product.
pub const PREVIEW_MIN_WIDTH: u16 = 100;

/// A product list this wide (border included) shows the Category column.
pub const LIST_WITH_CATEGORY: u16 = 64;

/// The shared frame of every screen after login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub header: Rect,
    /// Where the shop's name goes, when the header has room for it after
    /// the tabs and the user's name and cart.
    pub title: Option<Rect>,
    pub tabs: Vec<(Tab, Rect)>,
    pub body: Rect,
    pub message: Rect,
    pub stats: Option<Rect>,
    pub footer: Rect,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The text of a tab in the header: ` 1 Catalog `, or just ` 1 ` when the
/// header is too narrow for every title (the current tab keeps its title).
pub fn tab_label(tab: Tab, compact: bool) -> String {
    if compact { format!(" {} ", tab.number()) } else { format!(" {} {} ", tab.number(), tab.title()) }
}

/// Columns the header keeps for the user's name and cart.
const HEADER_RIGHT: u16 = 24;

pub const SHOP_TITLE: &str = " Shopfront ";

pub fn frame(area: Rect, show_stats: bool, tabs: &[Tab], current: Option<Tab>) -> Frame {
    let stats_rows = u16::from(show_stats);
    let [header, body, message, stats, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(stats_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    let title_width = SHOP_TITLE.len() as u16 + 1;
    // Compact labels (` 4 `) carry their own spacing: no gap between them.
    let gap = |compact: bool| u16::from(!compact);
    let tabs_width = |compact: bool| -> u16 {
        tabs.iter().map(|&t| tab_label(t, compact && Some(t) != current).chars().count() as u16 + gap(compact)).sum()
    };
    let fits = |used: u16| header.x + used + HEADER_RIGHT <= header.right();
    let compact = !fits(title_width + tabs_width(false));
    // Who is logged in and their cart matter more than the shop's own name.
    let title = fits(title_width + tabs_width(compact)).then(|| Rect::new(header.x, header.y, title_width - 1, 1));
    let mut x = header.x + if title.is_some() { title_width } else { 0 };
    let tabs = tabs
        .iter()
        .map(|&tab| {
            let width = tab_label(tab, compact && Some(tab) != current).chars().count() as u16;
            let rect = Rect::new(x, header.y, width, 1).intersection(header);
            x += width + gap(compact);
            (tab, rect)
        })
        .collect();
    Frame {
        header,
        title: title.map(|t| t.intersection(header)),
        tabs,
        body,
        message,
        stats: show_stats.then_some(stats),
        footer,
    }
}

/// The catalog: filter field, result list (with a column header row) and,
/// when wide enough, a preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Catalog {
    pub filter: Rect,
    pub list: Rect,
    /// The rows of results inside the list's border, below its header row.
    pub rows: Rect,
    pub preview: Option<Rect>,
}

pub fn catalog(body: Rect) -> Catalog {
    filtered_list(body, true)
}

/// A filter field above a list, with a preview beside it when `preview`
/// is wanted and the body is wide enough.
pub fn filtered_list(body: Rect, preview: bool) -> Catalog {
    let [filter, rest] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(body);
    let (list, preview) = if preview && body.width >= PREVIEW_MIN_WIDTH {
        // The list keeps room for all its columns; the preview takes 40 % of
        // what is left beyond that.
        let preview_width = (body.width * 2 / 5).min(body.width - LIST_WITH_CATEGORY);
        let [list, preview] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(preview_width)]).areas(rest);
        (list, Some(preview))
    } else {
        (rest, None)
    };
    Catalog { filter, list, rows: rows_inside(list, 1), preview }
}

/// A bordered table filling `area` minus `below` rows for totals: the table
/// block and the rows for data (inside the border, under the header row).
pub fn table(area: Rect, below: u16) -> (Rect, Rect, Rect) {
    let [block, totals] = Layout::vertical([Constraint::Min(0), Constraint::Length(below)]).areas(area);
    (block, rows_inside(block, 1), totals)
}

fn rows_inside(block: Rect, header_rows: u16) -> Rect {
    let inner = Rect::new(
        block.x.saturating_add(1),
        block.y.saturating_add(1 + header_rows),
        block.width.saturating_sub(2),
        block.height.saturating_sub(2 + header_rows),
    );
    inner.intersection(block)
}

/// The login box, centered.
pub fn login_box(area: Rect) -> Rect {
    let width = area.width.min(60);
    let height = area.height.min(16);
    Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height)
}

/// A dialog box of at most `width`×`height`, centered in `area`.
pub fn dialog(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2)).max(1).min(area.width);
    let height = height.min(area.height.saturating_sub(2)).max(1).min(area.height);
    Rect::new(area.x + (area.width - width) / 2, area.y + (area.height - height) / 2, width, height)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_splits_rows() {
        let f = frame(Rect::new(0, 0, 80, 24), false, &Tab::SHOPPER, Some(Tab::Catalog));
        assert_eq!(f.header, Rect::new(0, 0, 80, 1));
        assert_eq!(f.body, Rect::new(0, 1, 80, 21));
        assert_eq!(f.footer, Rect::new(0, 23, 80, 1));
        assert_eq!(f.tabs[0].1, Rect::new(12, 0, 11, 1));
        let with_stats = frame(Rect::new(0, 0, 80, 24), true, &Tab::ADMIN, Some(Tab::Cart));
        assert_eq!(with_stats.tabs.len(), 7);
        // Too narrow for every title: only the current tab keeps its title.
        assert_eq!(with_stats.tabs[0].1.width, 3);
        assert_eq!(with_stats.tabs[1].1.width, 8);
        assert_eq!(with_stats.stats, Some(Rect::new(0, 22, 80, 1)));
    }

    #[test]
    fn catalog_preview_only_when_wide() {
        assert!(catalog(Rect::new(0, 1, 80, 21)).preview.is_none());
        let wide = catalog(Rect::new(0, 1, 120, 30));
        assert!(wide.preview.is_some());
        assert_eq!(wide.rows.y, 1 + 3 + 2);
    }

    #[test]
    fn tiny_areas_do_not_underflow() {
        let c = catalog(Rect::new(0, 0, 1, 1));
        assert_eq!(c.rows.height, 0);
        let d = dialog(Rect::new(0, 0, 1, 1), 40, 10);
        assert!(d.width <= 1 && d.height <= 1);
        let _ = login_box(Rect::new(0, 0, 0, 0));
        let _ = frame(Rect::new(0, 0, 1, 1), true, &Tab::ADMIN, None);
    }
}
