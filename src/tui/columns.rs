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
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

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

    /// The texts of each column after alignment, and their common width.
    fn aligned(column: &Column) -> (usize, Vec<String>) {
        let texts: Vec<String> = match column.align {
            Align::Decimal => {
                let split = |t: &str| t.find('.').map_or((t.len(), 0), |i| (i, t.len() - i));
                let int = column.cells.iter().map(|c| width(&c.text[..split(&c.text).0])).max().unwrap_or(0);
                let frac = column.cells.iter().map(|c| split(&c.text).1).max().unwrap_or(0);
                column
                    .cells
                    .iter()
                    .map(|c| {
                        let (i, f) = split(&c.text);
                        let (head, tail) = c.text.split_at(i);
                        format!("{:>int$}{tail}{}", head, " ".repeat(frac - f), int = int)
                    })
                    .collect()
            }
            _ => column.cells.iter().map(|c| c.text.clone()).collect(),
        };
        let cells = texts.iter().map(|t| width(t)).max().unwrap_or(0);
        // A column with nothing in it (no header, empty cells) takes no room at all.
        let w = if cells == 0 && column.header.is_empty() { 0 } else { cells.max(width(column.header)) };
        (w, texts)
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
    pub fn render(&self, frame: &mut Frame, area: Rect, offset: usize, muted: Style) -> bool {
        let aligned: Vec<(usize, Vec<String>)> = self.columns.iter().map(Self::aligned).collect();
        let widths: Vec<usize> = aligned.iter().map(|(w, _)| *w).collect();
        let Some((kept, fill)) =
            Self::fit(&widths, &self.columns, self.fill.as_ref().map(|f| f.min), area.width as usize)
        else {
            let text = Paragraph::new(Span::styled(TOO_NARROW, muted)).wrap(Wrap { trim: true });
            frame.render_widget(text, area);
            return false;
        };
        let shown: Vec<usize> = (0..self.columns.len()).filter(|i| kept[*i] && widths[*i] > 0).collect();
        let mut lines = Vec::with_capacity(area.height as usize);
        let mut header = Vec::new();
        for (n, &i) in shown.iter().enumerate() {
            if n > 0 {
                header.push(Span::raw(" "));
            }
            let c = &self.columns[i];
            let text = match c.align {
                Align::Left => format!("{:<w$}", c.header, w = widths[i]),
                _ => format!("{:>w$}", c.header, w = widths[i]),
            };
            header.push(Span::styled(text, self.header_style));
        }
        if let Some(f) = self.fill.as_ref().filter(|_| fill > 0) {
            if !shown.is_empty() {
                header.push(Span::raw(" "));
            }
            let head: String = f.header.chars().take(fill).collect();
            header.push(Span::styled(head, self.header_style));
        }
        lines.push(Line::from(header));
        let body = (area.height as usize).saturating_sub(1);
        for row in offset..self.rows.min(offset.saturating_add(body)) {
            let over = self.row_styles[row];
            let patch = |s: Style| over.map_or(s, |o| s.patch(o));
            let mut spans = Vec::new();
            for (n, &i) in shown.iter().enumerate() {
                if n > 0 {
                    spans.push(Span::styled(" ", patch(Style::default())));
                }
                let c = &self.columns[i];
                let text = &aligned[i].1[row];
                let text = match c.align {
                    Align::Left => format!("{text:<w$}", w = widths[i]),
                    _ => format!("{text:>w$}", w = widths[i]),
                };
                spans.push(Span::styled(text, patch(c.cells[row].style)));
            }
            if let Some(f) = self.fill.as_ref().filter(|_| fill > 0) {
                if !shown.is_empty() {
                    spans.push(Span::styled(" ", patch(Style::default())));
                }
                let span = (f.draw)(row, fill);
                let style = patch(span.style);
                spans.push(Span::styled(span.content, style));
            }
            let mut line = Line::from(spans);
            if let Some(o) = over {
                // A highlighted row is highlighted across the whole pane.
                let pad = (area.width as usize).saturating_sub(line.width());
                line.spans.push(Span::raw(" ".repeat(pad)));
                line = line.style(o);
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), area);
        true
    }
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
    use super::*;

    fn table(rows: &[(&str, &str, &str)]) -> Table<'static> {
        Table::new(rows.len(), Style::default())
            .column("Sym", MUST, Align::Left, rows.iter().map(|r| Cell::new(r.0, Style::default())))
            .column("Price", MUST, Align::Decimal, rows.iter().map(|r| Cell::new(r.1, Style::default())))
            .column("Time", 2, Align::Right, rows.iter().map(|r| Cell::new(r.2, Style::default())))
    }

    fn widths(t: &Table) -> Vec<usize> {
        t.columns.iter().map(|c| Table::aligned(c).0).collect()
    }

    #[test]
    fn decimal_points_line_up() {
        let t = table(&[("BTC", "64020.8", "x"), ("XRP", "2.5001", "y"), ("ETH", "100", "z")]);
        let (_, texts) = Table::aligned(&t.columns[1]);
        assert_eq!(texts, ["64020.8   ", "    2.5001", "  100     "]);
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
