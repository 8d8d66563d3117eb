//! Writing text into the frame's buffer, cell by cell, at the cost a frame can afford.
//!
//! Nearly everything on screen is ASCII (numbers, symbols, times, check sentences), and an
//! ASCII byte is one grapheme one cell wide. `Buffer::set_stringn` segments every string
//! into graphemes and measures each one; a `Paragraph` does that again to truncate lines.
//! Together they were over half of a 200x60 frame. [`put`] writes ASCII a byte per cell and
//! hands anything else to `set_stringn`, so wide and combining characters stay correct.

// Cell offsets are bounded by the buffer's area (u16 rows and columns): every operation is
// checked or saturating all the same.
#![deny(clippy::arithmetic_side_effects)]

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

/// Writes `text` from (`x`, `y`) in at most `max_width` cells (and never past the buffer's
/// right edge), laying `style` over each cell written, as `Buffer::set_stringn` does;
/// control characters are skipped, and a position outside the buffer writes nothing.
/// Returns the column after the last cell written.
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, max_width: usize, style: Style) -> u16 {
    let area = buf.area;
    if !area.contains(ratatui::layout::Position { x, y }) {
        // Nothing to write there (ratatui's own writer would panic left of or below the area).
        return x;
    }
    if !text.is_ascii() {
        return buf.set_stringn(x, y, text, max_width, style).0;
    }
    let row = usize::from(y.saturating_sub(area.y)).saturating_mul(usize::from(area.width));
    let start = row.saturating_add(usize::from(x.saturating_sub(area.x)));
    let room = usize::from(area.right().saturating_sub(x)).min(max_width);
    let Some(cells) = buf.content.get_mut(start..start.saturating_add(room)) else {
        return buf.set_stringn(x, y, text, max_width, style).0;
    };
    let mut written: u16 = 0;
    for (cell, byte) in cells.iter_mut().zip(text.bytes().filter(|b| !b.is_ascii_control())) {
        cell.set_char(char::from(byte)).set_style(style);
        written = written.saturating_add(1);
    }
    x.saturating_add(written)
}

/// Writes `line` from (`x`, `y`) in at most `max_width` cells, each span in the line's style
/// patched with its own (as `Buffer::set_line`). Returns the column after it.
pub(crate) fn put_line(buf: &mut Buffer, x: u16, y: u16, line: &Line<'_>, max_width: u16) -> u16 {
    let (mut x, mut left) = (x, max_width);
    for span in line {
        if left == 0 {
            break;
        }
        let end = put(buf, x, y, &span.content, usize::from(left), line.style.patch(span.style));
        left = left.saturating_sub(end.saturating_sub(x));
        x = end;
    }
    x
}

/// Writes `lines` into `area` top down, one row each. For text already wrapped to the width
/// (a longer line is clipped at the edge, as a `Paragraph` would clip it; the wrapping
/// that made the lines guarantees there is none).
pub(crate) fn draw_lines(buf: &mut Buffer, area: Rect, lines: &[Line<'_>]) {
    let area = area.intersection(buf.area);
    for (y, line) in (area.top()..area.bottom()).zip(lines) {
        put_line(buf, area.x, y, line, area.width);
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};
    use ratatui::text::Span;

    use super::*;

    /// The fast path and ratatui's own writer leave identical buffers.
    fn same_as_ratatui(x: u16, y: u16, line: &Line<'_>, max: u16) {
        let area = Rect::new(2, 1, 12, 3);
        let base = Style::default().fg(Color::Blue);
        let mut ours = Buffer::filled(area, ratatui::buffer::Cell::new("x"));
        ours.set_style(area, base);
        let mut theirs = ours.clone();
        let end = put_line(&mut ours, x, y, line, max);
        let (their_end, _) = theirs.set_line(x, y, line, max);
        assert_eq!(ours, theirs, "{line:?} at ({x}, {y}) max {max}");
        assert_eq!(end, their_end);
    }

    #[test]
    fn writes_what_set_line_writes() {
        let bold = Style::default().add_modifier(Modifier::BOLD).bg(Color::Red);
        let lines = [
            Line::from("64020.80 BTCUSDT"),
            Line::from(vec![Span::styled("PASS ", bold), Span::raw("min_notional  5 <= 64")]),
            Line::from(vec![Span::raw("wide 数字 and é"), Span::styled(" tail", bold)]),
            Line::from("tab\there\u{7}bell").style(bold),
            Line::from(""),
        ];
        for line in &lines {
            // Inside the area, clipped by the width, by the right edge, and at the edge.
            for (x, y, max) in [(2, 1, 12), (5, 2, 4), (13, 3, 10), (2, 3, 0), (14, 1, 3)] {
                same_as_ratatui(x, y, line, max);
            }
        }
    }

    #[test]
    fn outside_the_buffer_nothing_is_written() {
        let area = Rect::new(2, 1, 12, 3);
        let mut buf = Buffer::empty(area);
        for (x, y) in [(0, 1), (3, 0), (3, 4), (14, 2)] {
            assert_eq!(put(&mut buf, x, y, "7123.45", 8, Style::default()), x);
        }
        assert_eq!(buf, Buffer::empty(area));
    }
}
