//! Column fitting for every table on screen, so a number is never cut.
//!
//! Each column has a header, a priority and its cells; its width is the widest of them. Long
//! lists (orders, fills) pass only the rows on screen, so a long history costs nothing.
//! When the pane is too narrow, whole columns are dropped, least important first (the
//! highest priority number; on a tie, the rightmost). Priority [`MUST`] columns are never
//! dropped: if they alone do not fit, the pane says "widen the terminal" instead. An optional
//! fill column (a sparkline, a depth bar) takes whatever width is left, and only if at least
//! its minimum is left. Cells are never clipped: a column is shown whole or not at all.
//!
//! Numbers are aligned on the decimal point ([`Align::Decimal`]), so `64020.80` sits above
//! `64021.63` and `0.5` above `12.25` even when rows have different precisions.
//!
//! The priority order of each pane is written in that pane's view (`views/*.rs`) and in
//! ARCHITECTURE.md.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Wrap};

use super::cells::put;

/// Never dropped: without it the row means nothing (symbol, side, price, quantity).
pub const MUST: u8 = 0;

/// Space between two columns.
const GAP: usize = 1;

/// What a pane says when even its must-have columns do not fit.
pub const TOO_NARROW: &str = "widen the terminal";

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    /// Right-aligned integer parts, left-aligned fractions: decimal points in one column.
    Decimal,
}

/// One cell: its text and style.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Self {
        Self { text: text.into(), style }
    }
}

struct Column {
    header: &'static str,
    priority: u8,
    align: Align,
    cells: Vec<Cell>,
}

/// A column that takes the width left over: `draw(row, width)` makes its cell.
pub struct Fill<'a> {
    header: &'static str,
    min: usize,
    draw: Box<dyn Fn(usize, usize) -> Span<'static> + 'a>,
}

/// A table whose columns are fitted to a width. Build with [`Table::column`] (one call per
/// column, so adding one is one line), then [`Table::render`].
pub struct Table<'a> {
    columns: Vec<Column>,
    fill: Option<Fill<'a>>,
    rows: usize,
    /// Per-row style laid over every cell (the selected row).
    row_styles: Vec<Option<Style>>,
    header_style: Style,
}

fn width(text: &str) -> usize {
    Span::raw(text).width()
}

impl<'a> Table<'a> {
    /// An empty table of `rows` rows with headers drawn in `header_style`.
    pub fn new(rows: usize, header_style: Style) -> Self {
        Self { columns: Vec::new(), fill: None, rows, row_styles: vec![None; rows], header_style }
    }

    /// Adds a column; `cells` must yield one cell per row (missing ones are blank).
    pub fn column(
        mut self,
        header: &'static str,
        priority: u8,
        align: Align,
        cells: impl IntoIterator<Item = Cell>,
    ) -> Self {
        let mut cells: Vec<Cell> = cells.into_iter().take(self.rows).collect();
        cells.resize_with(self.rows, Cell::default);
        self.columns.push(Column { header, priority, align, cells });
        self
    }

    /// Sets the column that takes the width left (at least `min`), drawn by `draw(row, width)`.
    pub fn fill(
        mut self,
        header: &'static str,
        min: usize,
        draw: impl Fn(usize, usize) -> Span<'static> + 'a,
    ) -> Self {
        self.fill = Some(Fill { header, min, draw: Box::new(draw) });
        self
    }

    /// Lays `style` over every cell of `row`.
    pub fn row_style(mut self, row: usize, style: Style) -> Self {
        if let Some(slot) = self.row_styles.get_mut(row) {
            *slot = Some(style);
        }
        self
    }

    /// The column's width and, for decimal alignment, the widest integer part and fraction,
    /// measured without formatting a cell (each cell is written once, at draw).
    fn shape(column: &Column) -> Shape {
        let (mut int, mut frac, mut cells) = (0, 0, 0);
        for cell in &column.cells {
            match column.align {
                Align::Decimal => {
                    let (head, tail) = split_decimal(&cell.text);
                    int = int.max(width(head));
                    // The fraction is ASCII (a point and digits, maybe a unit): bytes are cells.
                    frac = frac.max(width(tail));
                }
                _ => cells = cells.max(width(&cell.text)),
            }
        }
        let cells = cells.max(int.saturating_add(frac));
        // A column with nothing in it (no header, empty cells) takes no room at all.
        let width = if cells == 0 && column.header.is_empty() { 0 } else { cells.max(width(column.header)) };
        Shape { width, int, frac }
    }

    /// Which columns are shown in `available` cells, and the fill's width (0: not shown).
    /// `None` when even the must-have columns do not fit.
    fn fit(
        widths: &[usize],
        columns: &[Column],
        fill_min: Option<usize>,
        available: usize,
    ) -> Option<(Vec<bool>, usize)> {
        let total = |kept: &[bool]| -> usize {
            let shown: Vec<usize> =
                widths.iter().zip(kept).filter(|(w, k)| **k && **w > 0).map(|(w, _)| *w).collect();
            shown.iter().sum::<usize>() + GAP * shown.len().saturating_sub(1)
        };
        let mut kept = vec![true; columns.len()];
        // Least important first; on a tie, the rightmost goes first.
        let mut order: Vec<usize> = (0..columns.len()).filter(|i| columns[*i].priority != MUST).collect();
        order.sort_by_key(|i| (std::cmp::Reverse(columns[*i].priority), std::cmp::Reverse(*i)));
        let mut drop = order.into_iter();
        loop {
            let used = total(&kept);
            if used <= available {
                let left = available - used;
                let fill = match fill_min {
                    Some(min) if used == 0 && left >= min => left,
                    Some(min) if left >= min + GAP => left - GAP,
                    _ => 0,
                };
                return Some((kept, fill));
            }
            kept[drop.next()?] = false;
        }
    }

    /// Draws the header and rows `offset..` into `area` (no border). Returns false, having
    /// drawn "widen the terminal", when the must-have columns do not fit.
    ///
    /// Cells go straight into the buffer at their column's offset: no line is built, padded
    /// or wrapped (the fit already guarantees every shown cell is whole).
    pub fn render(&self, frame: &mut Frame, area: Rect, offset: usize, muted: Style) -> bool {
        let shapes: Vec<Shape> = self.columns.iter().map(Self::shape).collect();
        let widths: Vec<usize> = shapes.iter().map(|s| s.width).collect();
        let Some((kept, fill)) =
            Self::fit(&widths, &self.columns, self.fill.as_ref().map(|f| f.min), area.width as usize)
        else {
            let text = Paragraph::new(Span::styled(TOO_NARROW, muted)).wrap(Wrap { trim: true });
            frame.render_widget(text, area);
            return false;
        };
        // Each shown column's first cell; the fill starts one gap after the last.
        let mut x = 0usize;
        let mut placed: Vec<(usize, usize)> = Vec::new();
        for i in (0..self.columns.len()).filter(|i| kept[*i] && widths[*i] > 0) {
            if !placed.is_empty() {
                x = x.saturating_add(GAP);
            }
            placed.push((i, x));
            x = x.saturating_add(widths[i]);
        }
        let fill_x = if placed.is_empty() { 0 } else { x.saturating_add(GAP) };
        let buf = frame.buffer_mut();
        let area = area.intersection(buf.area);
        let at = |col: usize| area.x.saturating_add(u16::try_from(col).unwrap_or(u16::MAX));
        let room = |col: usize| (area.width as usize).saturating_sub(col);
        if area.height == 0 {
            return true;
        }
        for &(i, col) in &placed {
            let c = &self.columns[i];
            let pad = match c.align {
                Align::Left => 0,
                _ => widths[i].saturating_sub(width(c.header)),
            };
            paint(buf, area, col, widths[i], area.y, self.header_style);
            let col = col.saturating_add(pad);
            put(buf, at(col), area.y, c.header, room(col), self.header_style);
        }
        if let Some(f) = self.fill.as_ref().filter(|_| fill > 0) {
            put(buf, at(fill_x), area.y, f.header, fill.min(room(fill_x)), self.header_style);
        }
        let body = (area.height as usize).saturating_sub(1);
        for (line, row) in (offset..self.rows.min(offset.saturating_add(body))).enumerate() {
            // line < body < area.height, a u16.
            let y = area.y.saturating_add(u16::try_from(line).unwrap_or(u16::MAX)).saturating_add(1);
            let over = self.row_styles[row];
            if let Some(o) = over {
                // A highlighted row is highlighted across the whole pane.
                buf.set_style(Rect::new(area.x, y, area.width, 1), o);
            }
            let patch = |s: Style| over.map_or(s, |o| s.patch(o));
            for &(i, col) in &placed {
                let c = &self.columns[i];
                let cell = &c.cells[row];
                let style = patch(cell.style);
                let shape = &shapes[i];
                // The whole column width wears the cell's style (a reversed or coloured
                // background covers the padding too, as one block).
                paint(buf, area, col, widths[i], y, style);
                match c.align {
                    Align::Left => {
                        put(buf, at(col), y, &cell.text, room(col), style);
                    }
                    Align::Right => {
                        let col = col.saturating_add(widths[i].saturating_sub(width(&cell.text)));
                        put(buf, at(col), y, &cell.text, room(col), style);
                    }
                    Align::Decimal => {
                        // The block of aligned numbers sits right in the column; within it,
                        // integer parts end at the same cell, so the points line up.
                        let (head, tail) = split_decimal(&cell.text);
                        let block = shape.int.saturating_add(shape.frac);
                        let start = col
                            .saturating_add(widths[i].saturating_sub(block))
                            .saturating_add(shape.int.saturating_sub(width(head)));
                        let end = put(buf, at(start), y, head, room(start), style);
                        let next = usize::from(end.saturating_sub(area.x));
                        put(buf, end, y, tail, room(next), style);
                    }
                }
            }
            if let Some(f) = self.fill.as_ref().filter(|_| fill > 0) {
                let span = (f.draw)(row, fill);
                put(buf, at(fill_x), y, &span.content, fill.min(room(fill_x)), patch(span.style));
            }
        }
        true
    }
}

/// Lays `style` over `width` cells of row `y` from column offset `col` (clipped to `area`).
fn paint(buf: &mut ratatui::buffer::Buffer, area: Rect, col: usize, width: usize, y: u16, style: Style) {
    let x = area.x.saturating_add(u16::try_from(col).unwrap_or(u16::MAX));
    let w = u16::try_from(width).unwrap_or(u16::MAX).min(area.right().saturating_sub(x));
    buf.set_style(Rect::new(x, y, w, 1), style);
}

/// A column's measure: its width, and for decimal alignment the widest integer part and the
/// widest fraction (from the point on).
struct Shape {
    width: usize,
    int: usize,
    frac: usize,
}

/// A number's integer part and the rest from its decimal point (empty when it has none).
fn split_decimal(text: &str) -> (&str, &str) {
    text.split_at(text.find('.').unwrap_or(text.len()))
}

/// The first row to show so that row `selected` is among the `visible` rows shown (the list
/// scrolls once the selection passes its last visible row).
pub fn scroll_to(selected: usize, visible: usize, rows: usize) -> usize {
    let visible = visible.max(1);
    let last_start = rows.saturating_sub(visible);
    selected.saturating_add(1).saturating_sub(visible).min(last_start)
}

/// As many of `parts` as fit in `width`, whole, joined by two spaces (a status line whose
/// numbers must not be cut).
pub fn whole_parts(parts: &[String], room: usize) -> String {
    let mut out = String::new();
    for part in parts {
        let extra = if out.is_empty() { width(part) } else { width(part) + 2 };
        if width(&out) + extra > room {
            break;
        }
        if !out.is_empty() {
            out.push_str("  ");
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn table(rows: &[(&str, &str, &str)]) -> Table<'static> {
        Table::new(rows.len(), Style::default())
            .column("Sym", MUST, Align::Left, rows.iter().map(|r| Cell::new(r.0, Style::default())))
            .column("Price", MUST, Align::Decimal, rows.iter().map(|r| Cell::new(r.1, Style::default())))
            .column("Time", 2, Align::Right, rows.iter().map(|r| Cell::new(r.2, Style::default())))
    }

    fn widths(t: &Table) -> Vec<usize> {
        t.columns.iter().map(|c| Table::shape(c).width).collect()
    }

    /// `t` drawn into a `w`x`h` buffer, as text rows (trailing spaces kept).
    fn drawn(t: &Table, w: u16, h: u16, offset: usize) -> Vec<String> {
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| {
                t.render(f, f.area(), offset, Style::default());
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect()).collect()
    }

    #[test]
    fn decimal_points_line_up() {
        let t = table(&[("BTC", "64020.8", "x"), ("XRP", "2.5001", "y"), ("ETH", "100", "z")]);
        assert_eq!(
            drawn(&t, 22, 4, 0),
            [
                "Sym      Price Time   ",
                "BTC 64020.8       x   ",
                "XRP     2.5001    y   ",
                "ETH   100         z   ",
            ]
        );
    }

    #[test]
    fn a_wide_header_pushes_the_aligned_block_right() {
        let t = Table::new(2, Style::default()).column(
            "Quantity",
            MUST,
            Align::Decimal,
            ["1.5", "20"].map(|c| Cell::new(c, Style::default())),
        );
        assert_eq!(drawn(&t, 10, 3, 0), ["Quantity  ", "     1.5  ", "    20    "]);
    }

    #[test]
    fn rows_start_at_the_offset_and_stop_at_the_bottom() {
        let t = table(&[("A", "1", "x"), ("B", "2", "y"), ("C", "3", "z")]);
        assert_eq!(drawn(&t, 16, 3, 1), ["Sym Price Time  ", "B       2    y  ", "C       3    z  "]);
    }

    #[test]
    fn a_selected_row_is_styled_across_the_pane() {
        let bold = Style::default().add_modifier(ratatui::style::Modifier::BOLD);
        let t = table(&[("A", "1", "x"), ("B", "2", "y")]).row_style(1, bold);
        let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(20, 3)).unwrap();
        terminal.draw(|f| assert!(t.render(f, f.area(), 0, Style::default()))).unwrap();
        let buf = terminal.backend().buffer();
        assert!((0..20).all(|x| buf[(x, 2)].modifier.contains(ratatui::style::Modifier::BOLD)));
        assert!((0..20).all(|x| !buf[(x, 1)].modifier.contains(ratatui::style::Modifier::BOLD)));
    }

    #[test]
    fn too_narrow_says_so() {
        let t = table(&[("BTCUSDT", "64020.80", "22:13:20")]);
        let rows = drawn(&t, 15, 2, 0);
        assert_eq!(rows[0].trim_end(), "widen the");
        assert_eq!(rows[1].trim_end(), "terminal");
    }

    #[test]
    fn drops_the_least_important_column_whole() {
        let t = table(&[("BTCUSDT", "64020.80", "22:13:20")]);
        let w = widths(&t);
        // 7 + 1 + 8 + 1 + 8 = 25: all fit.
        assert_eq!(Table::fit(&w, &t.columns, None, 25), Some((vec![true, true, true], 0)));
        // One cell less: the time goes, never a digit.
        assert_eq!(Table::fit(&w, &t.columns, None, 24), Some((vec![true, true, false], 0)));
        // The must-haves need 16.
        assert_eq!(Table::fit(&w, &t.columns, None, 16), Some((vec![true, true, false], 0)));
        assert_eq!(Table::fit(&w, &t.columns, None, 15), None);
    }

    #[test]
    fn fill_takes_what_is_left_only_above_its_minimum() {
        let t = table(&[("BTCUSDT", "64020.80", "22:13:20")]);
        let w = widths(&t);
        assert_eq!(Table::fit(&w, &t.columns, Some(4), 30), Some((vec![true, true, true], 4)));
        assert_eq!(Table::fit(&w, &t.columns, Some(4), 29), Some((vec![true, true, true], 0)));
    }

    #[test]
    fn whole_parts_never_cut_one() {
        let parts = ["spread 0.10".to_owned(), "mid 64000.05".to_owned()];
        assert_eq!(whole_parts(&parts, 30), "spread 0.10  mid 64000.05");
        assert_eq!(whole_parts(&parts, 24), "spread 0.10");
        assert_eq!(whole_parts(&parts, 5), "");
    }

    #[test]
    fn scroll_keeps_the_selection_visible() {
        assert_eq!(scroll_to(0, 5, 20), 0);
        assert_eq!(scroll_to(4, 5, 20), 0);
        assert_eq!(scroll_to(5, 5, 20), 1);
        assert_eq!(scroll_to(19, 5, 20), 15);
        assert_eq!(scroll_to(3, 0, 20), 3);
    }
}
