//! A one-line numeric text field with readline-style editing: a cursor, Backspace and
//! Delete, Ctrl-U / Ctrl-W, Home / End and the arrows. Only digits and one decimal point
//! are accepted, so what the person types is always on its way to an exact decimal.

/// Longest text a field takes: more digits than any price or quantity has.
const MAX_LEN: usize = 24;

/// An editable decimal number. The cursor is a character index in `0..=text.len()`
/// (the text is ASCII, so bytes and characters agree).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NumberField {
    text: String,
    cursor: usize,
}

impl NumberField {
    /// A field holding `text` (non-numeric characters dropped), cursor at the end.
    pub fn new(text: &str) -> Self {
        let mut field = Self::default();
        field.set(text);
        field
    }

    /// Replaces the contents, cursor at the end (a price set from the book, a preset).
    pub fn set(&mut self, text: &str) {
        self.text.clear();
        self.cursor = 0;
        for c in text.chars() {
            self.insert(c);
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Inserts `c` at the cursor if it keeps the text a number in the making.
    /// Returns true if the text changed.
    pub fn insert(&mut self, c: char) -> bool {
        let fits = c.is_ascii_digit() || (c == '.' && !self.text.contains('.'));
        if !fits || self.text.len() >= MAX_LEN {
            return false;
        }
        self.text.insert(self.cursor, c);
        self.cursor += 1;
        true
    }

    /// Backspace: deletes the character before the cursor.
    pub fn delete_back(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        self.text.remove(self.cursor);
        true
    }

    /// Delete: deletes the character under the cursor.
    pub fn delete_forward(&mut self) -> bool {
        if self.cursor >= self.text.len() {
            return false;
        }
        self.text.remove(self.cursor);
        true
    }

    /// Ctrl-U: deletes everything before the cursor.
    pub fn kill_to_start(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.text.drain(..self.cursor);
        self.cursor = 0;
        true
    }

    /// Ctrl-W: deletes the word before the cursor. In a number the decimal point
    /// separates words, so `64000.5|` becomes `64000.|` and then `|`.
    pub fn kill_word(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        let before = &self.text[..self.cursor];
        let trimmed = before.strip_suffix('.').unwrap_or(before);
        let start = trimmed.rfind('.').map_or(0, |dot| dot + 1);
        self.text.drain(start..self.cursor);
        self.cursor = start;
        true
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_keeps_a_number_in_the_making() {
        let mut f = NumberField::default();
        for c in "0.0.1x5".chars() {
            f.insert(c);
        }
        assert_eq!(f.text(), "0.015");
        assert_eq!(f.cursor(), 5);
    }

    #[test]
    fn editing_in_the_middle() {
        let mut f = NumberField::new("64000.5");
        f.home();
        f.right();
        f.delete_forward(); // 6|4000.5 → 6|000.5
        assert_eq!(f.text(), "6000.5");
        f.insert('5');
        assert_eq!(f.text(), "65000.5");
        f.end();
        f.delete_back();
        assert_eq!(f.text(), "65000.");
        f.left();
        f.left();
        assert!(f.kill_to_start());
        assert_eq!((f.text(), f.cursor()), ("0.", 0));
        assert!(!f.delete_back());
    }

    #[test]
    fn ctrl_w_deletes_back_to_the_decimal_point_then_the_rest() {
        let mut f = NumberField::new("64000.55");
        assert!(f.kill_word());
        assert_eq!(f.text(), "64000.");
        assert!(f.kill_word());
        assert_eq!(f.text(), "");
        assert!(!f.kill_word());
    }

    #[test]
    fn length_is_bounded() {
        let mut f = NumberField::default();
        for _ in 0..100 {
            f.insert('9');
        }
        assert_eq!(f.text().len(), MAX_LEN);
    }
}
