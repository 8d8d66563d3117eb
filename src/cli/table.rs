//! Aligned text tables for the CLI (`order list`, `audit show`, `config
//! show`, `balances`, `positions`): one renderer, so every command lines up
//! the same way.
//!
//! Column widths come from the content and a value is never cut: a wide
//! value widens its column. Numbers are right-aligned and aligned on the
//! decimal point (the fraction is padded with spaces so the points of a
//! column share one character position); other text in a number column is
//! right-aligned. Widths are terminal cells (`unicode-width`), so `→` or a
//! CJK asset name keeps the columns straight.
//!
//! [`Layout`] holds only the widths, so a long listing can be measured in one
//! pass and printed in a second without being held in memory; [`Table`] is
//! the layout plus its rows, for the short listings.

use unicode_width::UnicodeWidthStr;

/// Spaces between two columns.
const GAP: &str = "  ";

/// How a column's cells are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    /// Numbers aligned on the decimal point; other text right-aligned.
    Number,
}

/// A column: its header and alignment.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub align: Align,
}

impl Column {
    /// A left-aligned column.
    pub const fn left(title: &'static str) -> Self {
        Self { title, align: Align::Left }
    }

    /// A right-aligned column.
    pub const fn right(title: &'static str) -> Self {
        Self { title, align: Align::Right }
    }

    /// A number column, aligned on the decimal point.
    pub const fn number(title: &'static str) -> Self {
        Self { title, align: Align::Number }
    }
}

/// The widths one column needs so far.
#[derive(Debug, Clone, Copy, Default)]
struct Width {
    /// The widest cell placed as a whole (text, the header).
    whole: usize,
    /// The widest integer part of a number (sign included).
    int: usize,
    /// The widest fraction of a number, its point included (0: none has one).
    frac: usize,
}

impl Width {
    fn total(self) -> usize {
        self.whole.max(self.int.saturating_add(self.frac))
    }
}

/// `(integer part, fraction with its point)` when `cell` is a plain decimal
/// number such as `-12`, `0.001` or `64000.02`; `None` for anything else.
fn split_number(cell: &str) -> Option<(&str, &str)> {
    let digits = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (int, frac) = digits.split_once('.').map_or((digits, ""), |(i, f)| (i, f));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let frac_ok = frac.is_empty() && !digits.contains('.') || all_digits(frac);
    if !all_digits(int) || !frac_ok {
        return None;
    }
    let point = cell.len() - digits.len() + int.len();
    Some(cell.split_at(point))
}

/// Column widths measured from content; renders header and rows.
#[derive(Debug, Clone)]
pub struct Layout<const N: usize> {
    columns: [Column; N],
    widths: [Width; N],
}

impl<const N: usize> Layout<N> {
    /// A layout as wide as the headers.
    pub fn new(columns: [Column; N]) -> Self {
        let widths = columns.map(|c| Width { whole: c.title.width(), ..Width::default() });
        Self { columns, widths }
    }

    /// Widens the columns to hold `row`.
    pub fn fit(&mut self, row: &[String; N]) {
        for ((width, column), cell) in self.widths.iter_mut().zip(&self.columns).zip(row) {
            match (column.align, split_number(cell)) {
                (Align::Number, Some((int, frac))) => {
                    width.int = width.int.max(int.width());
                    width.frac = width.frac.max(frac.width());
                }
                _ => width.whole = width.whole.max(cell.width()),
            }
        }
    }

    /// The header line (no trailing spaces, no newline).
    pub fn header(&self) -> String {
        let titles: Vec<String> = self.columns.iter().map(|c| c.title.to_owned()).collect();
        let mut line = String::new();
        for (i, (title, column)) in titles.iter().zip(&self.columns).enumerate() {
            let align = if column.align == Align::Left { Align::Left } else { Align::Right };
            self.push_cell(&mut line, i, title, align, None);
        }
        trim_end(line)
    }

    /// One row as a line (no trailing spaces, no newline). A row wider than
    /// what was fitted still prints whole; it only breaks the alignment.
    pub fn line(&self, row: &[String; N]) -> String {
        let mut line = String::new();
        for (i, (cell, column)) in row.iter().zip(&self.columns).enumerate() {
            let number = (column.align == Align::Number).then(|| split_number(cell)).flatten();
            self.push_cell(&mut line, i, cell, column.align, number);
        }
        trim_end(line)
    }

    fn push_cell(&self, line: &mut String, i: usize, cell: &str, align: Align, number: Option<(&str, &str)>) {
        if i > 0 {
            line.push_str(GAP);
        }
        let width = self.widths[i];
        let total = width.total();
        match (align, number) {
            (_, Some((int, frac))) => {
                // The integer part ends where every point of the column is.
                pad(line, total.saturating_sub(width.frac).saturating_sub(int.width()));
                line.push_str(int);
                line.push_str(frac);
                pad(line, width.frac.saturating_sub(frac.width()));
            }
            (Align::Left, None) => {
                line.push_str(cell);
                pad(line, total.saturating_sub(cell.width()));
            }
            (Align::Right | Align::Number, None) => {
                pad(line, total.saturating_sub(cell.width()));
                line.push_str(cell);
            }
        }
    }
}

fn pad(line: &mut String, n: usize) {
    line.extend(std::iter::repeat_n(' ', n));
}

fn trim_end(mut line: String) -> String {
    line.truncate(line.trim_end().len());
    line
}

/// A layout with its rows: for listings short enough to hold.
#[derive(Debug, Clone)]
pub struct Table<const N: usize> {
    layout: Layout<N>,
    rows: Vec<[String; N]>,
}

impl<const N: usize> Table<N> {
    /// An empty table with these columns.
    pub fn new(columns: [Column; N]) -> Self {
        Self { layout: Layout::new(columns), rows: Vec::new() }
    }

    /// Adds a row.
    pub fn push(&mut self, row: [String; N]) {
        self.layout.fit(&row);
        self.rows.push(row);
    }

    /// Header and rows, one line each, every line ending in a newline.
    pub fn render(&self) -> String {
        let mut out = self.layout.header();
        out.push('\n');
        for row in &self.rows {
            out.push_str(&self.layout.line(row));
            out.push('\n');
        }
        out
    }
}

/// Prints `text` (a rendered table) to stdout. A reader that has gone
/// (`vigil order list | head`) is not a failure, and not a panic either.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table<const N: usize>(columns: [Column; N], rows: &[[&str; N]]) -> String {
        let mut t = Table::new(columns);
        for row in rows {
            t.push(row.map(str::to_owned));
        }
        t.render()
    }

    /// Char index of the `.` in `line`'s column starting at char `from`.
    fn point_at(line: &str, from: usize) -> Option<usize> {
        line.chars().skip(from).position(|c| c == '.').map(|p| p + from)
    }

    #[test]
    fn numbers_align_on_the_point_and_text_on_the_left() {
        let out = table(
            [Column::left("SYMBOL"), Column::number("PRICE"), Column::left("NOTE")],
            &[["BTCUSDT", "64020.8", "a"], ["ETHUSDT", "3.21463", "b"], ["X", "100", "c"]],
        );
        assert_eq!(
            out,
            "SYMBOL         PRICE  NOTE\n\
             BTCUSDT  64020.8      a\n\
             ETHUSDT      3.21463  b\n\
             X          100        c\n"
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(point_at(lines[1], 9), point_at(lines[2], 9));
    }

    #[test]
    fn wide_values_widen_their_column_and_are_never_cut() {
        let long = "123456789012345678901234567890.123456789012345678";
        let out = table([Column::number("QTY"), Column::left("WHO")], &[[long, "me"], ["1.5", "you"]]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[1].contains(long), "{out}");
        assert_eq!(lines[1].find('.'), lines[2].find('.'), "{out}");
        assert_eq!(lines[1].find("me"), lines[2].find("you"), "{out}");
        assert_eq!(lines[0].find("WHO"), lines[1].find("me"), "{out}");
    }

    #[test]
    fn text_in_a_number_column_is_right_aligned() {
        let out = table([Column::number("PRICE"), Column::right("ID")], &[["market", "7"], ["1.25", "12"]]);
        assert_eq!(out, " PRICE  ID\nmarket   7\n  1.25  12\n");
    }

    #[test]
    fn signs_and_integers_share_the_point_position() {
        let out = table([Column::number("PNL")], &[["-1.5"], ["+20"], ["0.001"]]);
        assert_eq!(out, "    PNL\n -1.5\n+20\n  0.001\n");
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let out = table([Column::right("ID"), Column::left("STATUS")], &[]);
        assert_eq!(out, "ID  STATUS\n");
    }

    #[test]
    fn widths_are_terminal_cells() {
        // "→" is one cell though three bytes; "币" is two cells.
        let out = table([Column::left("A"), Column::left("B")], &[["→x", "1"], ["币", "2"], ["ab", "3"]]);
        let lines: Vec<&str> = out.lines().collect();
        let cells_before = |line: &str, c: char| line.split(c).next().map_or(0, |s| s.width());
        assert_eq!(cells_before(lines[1], '1'), 4);
        assert_eq!(cells_before(lines[2], '2'), 4);
        assert_eq!(cells_before(lines[3], '3'), 4);
    }

    #[test]
    fn only_plain_decimals_count_as_numbers() {
        assert_eq!(split_number("64000.02"), Some(("64000", ".02")));
        assert_eq!(split_number("-3"), Some(("-3", "")));
        assert_eq!(split_number("#41"), None);
        assert_eq!(split_number("1.2.3"), None);
        assert_eq!(split_number("1."), None);
        assert_eq!(split_number(".5"), None);
        assert_eq!(split_number("1e5"), None);
        assert_eq!(split_number(""), None);
    }
}
