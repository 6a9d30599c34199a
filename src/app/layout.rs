//! Where things sit on the screen, as a pure function of the terminal size.
//! The ui draws into these areas; the app uses them to know how many rows a
//! page holds and which row or tab a mouse click hit.

use ratatui::layout::{Constraint, Layout, Rect};

use super::action::Tab;
use crate::domain::width::{fit_width, width};

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the catalog shows a preview of the selected product.
pub const PREVIEW_MIN_WIDTH: u16 = 100;

/// A product list this wide (border included) shows the Category column.
pub const LIST_WITH_CATEGORY: u16 = 64;

/// The shared frame of every screen after login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// One row, or two when one cannot hold the shop's name, the tabs'
    /// names and the user's name and cart.
    pub header: Rect,
    /// Where the shop's name goes, and its text (cut to fit), when there is room.
    pub title: Option<(Rect, String)>,
    pub tabs: Vec<TabPlace>,
    /// `‹` / `›` where tabs are left out before / after the ones shown.
    pub tab_marks: Vec<(Rect, &'static str)>,
    /// Where the user's name and cart go.
    pub user: Rect,
    pub body: Rect,
    /// The message line: as many rows as the message needs (within reason).
    pub message: Rect,
    pub stats: Option<Rect>,
    pub footer: Rect,
}

/// A tab in the header: where it is and its label as it fits there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TabPlace {
    pub tab: Tab,
    pub rect: Rect,
    pub label: String,
}

/// What the frame holds besides the terminal's size.
#[derive(Clone, Copy, Debug)]
pub struct FrameSpec<'a> {
    pub show_stats: bool,
    pub shop_name: &'a str,
    pub tabs: &'a [Tab],
    pub current: Option<Tab>,
    /// Rows the message needs (`message_rows`); the line stays even when empty.
    pub message_rows: u16,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// How much of a tab's name its label holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelForm {
    Full,
    Short,
    Number,
}

/// The text of a tab in the header: ` 1 Catalog `, ` 1 Cat ` or ` 1 `.
pub fn tab_label(tab: Tab, form: LabelForm) -> String {
    match form {
        LabelForm::Full => format!(" {} {} ", tab.number(), tab.title()),
        LabelForm::Short => format!(" {} {} ", tab.number(), tab.short_title()),
        LabelForm::Number => format!(" {} ", tab.number()),
    }
}

/// Columns the header keeps for the user's name and cart.
const HEADER_RIGHT: u16 = 24;
/// The shop's name is cut to this many columns in a header of one row.
const TITLE_MOST: usize = 30;
/// From this height the header may take a second row for the tabs' names.
const TWO_ROW_HEADER_FROM: u16 = 20;

/// The most rows the message line grows to: a third of the screen.
pub fn message_rows_most(area: Rect) -> u16 {
    (area.height / 3).max(1)
}

pub fn frame(area: Rect, spec: &FrameSpec) -> Frame {
    let header_rows = if header_fits_one_row(area, spec) || area.height < TWO_ROW_HEADER_FROM { 1 } else { 2 };
    let message_rows = spec.message_rows.clamp(1, message_rows_most(area));
    let [header, body, message, stats, footer] = Layout::vertical([
        Constraint::Length(header_rows),
        Constraint::Min(0),
        Constraint::Length(message_rows),
        Constraint::Length(u16::from(spec.show_stats)),
        Constraint::Length(1),
    ])
    .areas(area);
    let first_row = Rect::new(header.x, header.y, header.width, 1.min(header.height));
    let (title, tabs_row) = if header_rows == 2 {
        let row = Rect::new(header.x, header.y + 1, header.width, 1);
        let room = usize::from(header.width.saturating_sub(HEADER_RIGHT + 1));
        (title_at(first_row, spec.shop_name, room), row)
    } else {
        one_row_title(first_row, spec)
    };
    let bar = tab_bar(tabs_row, spec.tabs, spec.current);
    let user_x = if header_rows == 2 { title.as_ref().map_or(header.x, |(r, _)| r.right()) } else { bar.end } + 1;
    let user =
        Rect::new(user_x, header.y, header.right().saturating_sub(user_x), 1.min(header.height)).intersection(header);
    Frame {
        header,
        title,
        tabs: bar.tabs,
        tab_marks: bar.marks,
        user,
        body,
        message,
        stats: spec.show_stats.then_some(stats),
        footer,
    }
}

/// The shop's name as the header shows it (`" Shopfront "`), cut to `room` columns.
fn title_text(shop_name: &str, room: usize) -> Option<String> {
    let name = fit_width(shop_name, room.saturating_sub(2));
    (room >= 6 && !name.is_empty()).then(|| format!(" {name} "))
}

fn title_at(row: Rect, shop_name: &str, room: usize) -> Option<(Rect, String)> {
    let text = title_text(shop_name, room)?;
    let rect = Rect::new(row.x, row.y, width(&text) as u16, 1).intersection(row);
    Some((rect, text))
}

/// Whether one row holds the shop's name, every tab's name (short ones at
/// least) and the user's name and cart.
fn header_fits_one_row(area: Rect, spec: &FrameSpec) -> bool {
    let title = title_text(spec.shop_name, TITLE_MOST).map_or(0, |t| width(&t) + 1);
    let room = usize::from(area.width.saturating_sub(HEADER_RIGHT)).saturating_sub(title);
    tabs_fitting(spec.tabs, spec.current, room).is_some_and(|(form, _)| form != LabelForm::Number)
}

/// One row: the shop's name, then the tabs as wide as they fit. The name
/// gives way only when the tabs would not fit even as numbers beside it.
fn one_row_title(row: Rect, spec: &FrameSpec) -> (Option<(Rect, String)>, Rect) {
    let title = title_at(row, spec.shop_name, TITLE_MOST);
    let after = title.as_ref().map_or(0, |(r, _)| r.width + 1);
    let room = usize::from(row.width.saturating_sub(HEADER_RIGHT + after));
    match title {
        Some(title) if tabs_fitting(spec.tabs, spec.current, room).is_some() => {
            (Some(title), Rect::new(row.x + after, row.y, row.width.saturating_sub(HEADER_RIGHT + after), 1))
        }
        _ => (None, Rect::new(row.x, row.y, row.width.saturating_sub(HEADER_RIGHT), 1)),
    }
}

/// The widest way every tab fits in `room` columns: names with a gap
/// between them, names, short names, numbers (the current tab keeps its
/// name); `None` when even numbers do not fit.
fn tabs_fitting(tabs: &[Tab], current: Option<Tab>, room: usize) -> Option<(LabelForm, usize)> {
    let total = |form: LabelForm, gap: usize| -> usize {
        tabs.iter()
            .map(|&t| width(&tab_label(t, if Some(t) == current { LabelForm::Full } else { form })) + gap)
            .sum::<usize>()
            .saturating_sub(gap)
    };
    [(LabelForm::Full, 1), (LabelForm::Full, 0), (LabelForm::Short, 0), (LabelForm::Number, 0)]
        .into_iter()
        .find(|&(form, gap)| total(form, gap) <= room)
}

/// The tabs laid out in `row`.
struct TabBar {
    tabs: Vec<TabPlace>,
    marks: Vec<(Rect, &'static str)>,
    /// The column after the last thing drawn.
    end: u16,
}

/// Every tab in `row` as wide as they all fit; when even numbers do not
/// (more tabs are coming), the run of them around the current one, with
/// `‹` / `›` saying more are left out.
fn tab_bar(row: Rect, tabs: &[Tab], current: Option<Tab>) -> TabBar {
    let room = usize::from(row.width);
    let form_of = |tab: Tab, form: LabelForm| if Some(tab) == current { LabelForm::Full } else { form };
    let (form, gap, shown) = match tabs_fitting(tabs, current, room) {
        Some((form, gap)) => (form, gap, 0..tabs.len()),
        None => (LabelForm::Number, 0, visible_run(tabs, current, room)),
    };
    let mut x = row.x;
    let mut marks = Vec::new();
    if shown.start > 0 {
        marks.push((Rect::new(x, row.y, 1, 1).intersection(row), "‹"));
        x += 1;
    }
    let mut placed = Vec::new();
    for &tab in &tabs[shown.clone()] {
        let label = tab_label(tab, form_of(tab, form));
        let w = width(&label) as u16;
        placed.push(TabPlace { tab, rect: Rect::new(x, row.y, w, 1).intersection(row), label });
        x += w + gap as u16;
    }
    x -= if placed.is_empty() { 0 } else { gap as u16 };
    if shown.end < tabs.len() {
        marks.push((Rect::new(x, row.y, 1, 1).intersection(row), "›"));
        x += 1;
    }
    TabBar { tabs: placed, marks, end: x }
}

/// The most tabs, as numbers, around the current one that fit in `room`
/// with room for the `‹` `›` marks.
fn visible_run(tabs: &[Tab], current: Option<Tab>, room: usize) -> std::ops::Range<usize> {
    let at = current.and_then(|c| tabs.iter().position(|&t| t == c)).unwrap_or(0);
    let cost = |i: usize| width(&tab_label(tabs[i], if i == at { LabelForm::Full } else { LabelForm::Number }));
    let room = room.saturating_sub(2);
    let (mut start, mut end) = (at, at + 1);
    let mut used = cost(at);
    loop {
        let grew_right = end < tabs.len() && used + cost(end) <= room;
        if grew_right {
            used += cost(end);
            end += 1;
        }
        let grew_left = start > 0 && used + cost(start - 1) <= room;
        if grew_left {
            start -= 1;
            used += cost(start);
        }
        if !grew_right && !grew_left {
            return start..end;
        }
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

/// Where a form goes: the checkout's body under its breadcrumb (the row
/// `Cart › Address › Payment › Review` stays in view), any other screen's
/// whole body. The form clears all of it: nothing of the page shows beside it.
pub fn form_area(body: Rect, under_breadcrumb: bool) -> Rect {
    let skip = u16::from(under_breadcrumb).min(body.height);
    Rect::new(body.x, body.y + skip, body.width, body.height - skip)
}

/// A form's box of at most `width`×`height` in `area` (a form area):
/// centered, a column left free at each side, as tall as `area` if need be.
pub fn form_box(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2)).max(1).min(area.width);
    let height = height.min(area.height);
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

    fn spec<'a>(tabs: &'a [Tab], current: Option<Tab>) -> FrameSpec<'a> {
        FrameSpec { show_stats: false, shop_name: "Shopfront", tabs, current, message_rows: 1 }
    }

    fn labels(frame: &Frame) -> Vec<&str> {
        frame.tabs.iter().map(|t| t.label.trim()).collect()
    }

    #[test]
    fn frame_splits_rows() {
        let f = frame(Rect::new(0, 0, 80, 24), &spec(&Tab::SHOPPER, Some(Tab::Catalog)));
        assert_eq!(f.header, Rect::new(0, 0, 80, 1));
        assert_eq!(f.body, Rect::new(0, 1, 80, 21));
        assert_eq!(f.footer, Rect::new(0, 23, 80, 1));
        assert_eq!(f.tabs[0].rect, Rect::new(12, 0, 11, 1));
        assert_eq!(f.title, Some((Rect::new(0, 0, 11, 1), " Shopfront ".to_string())));
        let with_stats =
            frame(Rect::new(0, 0, 80, 24), &FrameSpec { show_stats: true, ..spec(&Tab::ADMIN, Some(Tab::Cart)) });
        assert_eq!(with_stats.stats, Some(Rect::new(0, 22, 80, 1)));
    }

    #[test]
    fn admin_tabs_keep_their_names_on_a_second_row_until_the_minimum_size() {
        let f = frame(Rect::new(0, 0, 80, 24), &spec(&Tab::ADMIN, Some(Tab::Cart)));
        assert_eq!(f.header.height, 2, "the names take a row of their own");
        assert_eq!(labels(&f), Tab::ADMIN.map(|t| tab_label(t, LabelForm::Full)).map(|l| l.trim().to_string()));
        assert!(f.title.is_some() && f.user.y == 0 && f.tabs[0].rect.y == 1);
        let wide = frame(Rect::new(0, 0, 120, 40), &spec(&Tab::ADMIN, Some(Tab::Cart)));
        assert_eq!(wide.header.height, 1, "one row holds it all");
        assert!(wide.title.is_some());
        assert_eq!(labels(&wide)[6], "7 Settings");
        let small = frame(Rect::new(0, 0, 60, 16), &spec(&Tab::ADMIN, Some(Tab::Cart)));
        assert_eq!(small.header.height, 1);
        assert_eq!(labels(&small), ["1", "2 Cart", "3", "4", "5", "6", "7"]);
    }

    #[test]
    fn many_tabs_show_the_current_one_with_marks_for_the_rest() {
        // More tabs than the row holds even as numbers.
        let many: Vec<Tab> = Tab::ADMIN.iter().chain(&Tab::ADMIN).chain(&Tab::ADMIN).copied().collect();
        for current in Tab::ADMIN {
            let bar = tab_bar(Rect::new(0, 0, 30, 1), &many, Some(current));
            assert!(
                bar.tabs
                    .iter()
                    .any(|t| t.tab == current && t.label.trim() == tab_label(current, LabelForm::Full).trim())
            );
            assert!(bar.end <= 30, "{:?}", bar.tabs);
            assert!(!bar.marks.is_empty());
        }
    }

    #[test]
    fn the_message_line_grows_to_a_third_of_the_screen() {
        let f = frame(Rect::new(0, 0, 80, 24), &FrameSpec { message_rows: 3, ..spec(&Tab::SHOPPER, None) });
        assert_eq!(f.message, Rect::new(0, 20, 80, 3));
        let f = frame(Rect::new(0, 0, 60, 16), &FrameSpec { message_rows: 9, ..spec(&Tab::SHOPPER, None) });
        assert_eq!(f.message.height, 5);
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
        let _ = frame(Rect::new(0, 0, 1, 1), &FrameSpec { show_stats: true, ..spec(&Tab::ADMIN, None) });
    }
}
