//! Rendering helpers for screen tests: buffer → text, and a style-annotated dump of rows.
#![allow(dead_code)] // shared by several test crates; each uses a part

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// Renders with `draw` on a `w`x`h` test terminal and returns the buffer.
pub fn render(w: u16, h: u16, draw: impl FnOnce(&mut ratatui::Frame)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| match e {});
    terminal.draw(draw).unwrap_or_else(|e| match e {});
    terminal.backend().buffer().clone()
}

/// The buffer as plain text, one line per row, trailing spaces trimmed.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let row: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

fn describe(style: Style) -> String {
    let color = |c: Option<Color>| c.map(|c| format!("{c:?}")).unwrap_or_else(|| "-".into());
    let mut s = format!("fg={} bg={}", color(style.fg), color(style.bg));
    for (flag, name) in [
        (Modifier::BOLD, "bold"),
        (Modifier::DIM, "dim"),
        (Modifier::ITALIC, "italic"),
        (Modifier::UNDERLINED, "underlined"),
        (Modifier::REVERSED, "reversed"),
    ] {
        if style.add_modifier.contains(flag) {
            s.push_str(&format!(" +{name}"));
        }
    }
    s
}

/// For each row in `rows`: runs of cells sharing a style, as `x..x "text" style`
/// (whitespace-only runs with no colour are left out).
pub fn style_dump(buffer: &Buffer, rows: &[u16]) -> String {
    let mut out = String::new();
    for &y in rows {
        out.push_str(&format!("row {y}:\n"));
        let mut x = 0;
        while x < buffer.area.width {
            let style = buffer[(x, y)].style();
            let start = x;
            let mut run = String::new();
            while x < buffer.area.width && buffer[(x, y)].style() == style {
                run.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            let plain = style.bg.is_none_or(|c| c == Color::Reset) && style.add_modifier.is_empty();
            if run.trim().is_empty() && plain {
                continue;
            }
            out.push_str(&format!("  {start:>3}..{:<3} {:?} {}\n", x - 1, run, describe(style)));
        }
    }
    out
}
