//! A single-line text input with a cursor measured in characters and drawn
//! in display columns (a CJK character takes two).

use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub text: String,
    /// Cursor position, in characters.
    pub cursor: usize,
    /// Hide the text (PINs).
    pub secret: bool,
    /// Most characters accepted.
    pub max: usize,
}

impl LineInput {
    pub fn new(max: usize) -> LineInput {
        LineInput {
            max,
            ..LineInput::default()
        }
    }

    pub fn secret(max: usize) -> LineInput {
        LineInput {
            secret: true,
            ..LineInput::new(max)
        }
    }

    pub fn with_text(text: &str, max: usize) -> LineInput {
        let mut i = LineInput::new(max);
        i.set(text);
        i
    }

    pub fn set(&mut self, text: &str) {
        self.text = text
            .chars()
            .filter(|c| !c.is_control())
            .take(self.max.max(1))
            .collect();
        self.cursor = self.text.chars().count();
    }

    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    /// Inserts text at the cursor (control characters dropped). Returns
    /// false when some of it did not fit.
    pub fn insert(&mut self, s: &str) -> bool {
        let mut all = true;
        for c in s.chars().filter(|c| !c.is_control()) {
            if self.len() >= self.max.max(1) {
                all = false;
                break;
            }
            let at = self.byte_at(self.cursor);
            self.text.insert(at, c);
            self.cursor += 1;
        }
        all
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let at = self.byte_at(self.cursor - 1);
            self.text.remove(at);
            self.cursor -= 1;
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.len();
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// What to draw in `width` columns and the cursor's column within it:
    /// the text scrolls so the cursor is always visible.
    pub fn visible(&self, width: usize) -> (String, usize) {
        let chars: Vec<char> = if self.secret {
            std::iter::repeat_n('*', self.len()).collect()
        } else {
            self.text.chars().collect()
        };
        let w = |c: &char| c.width().unwrap_or(0);
        let width = width.max(1);
        // Start so that everything up to the cursor fits.
        let mut start = 0;
        let mut cols: usize = chars[..self.cursor.min(chars.len())].iter().map(w).sum();
        while cols >= width && start < self.cursor {
            cols -= w(&chars[start]);
            start += 1;
        }
        let mut out = String::new();
        let mut used = 0;
        for c in &chars[start..] {
            let cw = w(c);
            if used + cw > width {
                break;
            }
            out.push(*c);
            used += cw;
        }
        (out, cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_moves_by_characters_not_bytes() {
        let mut i = LineInput::new(50);
        i.insert("张三");
        i.left();
        i.insert("小");
        assert_eq!(i.text, "张小三");
        assert_eq!(i.cursor, 2);
        i.backspace();
        assert_eq!(i.text, "张三");
        i.home();
        i.delete();
        assert_eq!(i.text, "三");
    }

    #[test]
    fn the_cursor_column_counts_wide_characters_twice() {
        let i = LineInput::with_text("张三abc", 50);
        let (shown, col) = i.visible(20);
        assert_eq!(shown, "张三abc");
        assert_eq!(col, 7);
    }

    #[test]
    fn long_text_scrolls_to_keep_the_cursor_visible() {
        let i = LineInput::with_text(&"一".repeat(30), 100);
        let (shown, col) = i.visible(10);
        assert!(col < 10, "cursor column {col} must be inside the box");
        assert!(unicode_width::UnicodeWidthStr::width(shown.as_str()) <= 10);
    }

    #[test]
    fn pastes_are_capped_and_controls_dropped() {
        let mut i = LineInput::new(5);
        assert!(!i.insert("ab\u{1b}cdefgh"));
        assert_eq!(i.text, "abcde");
        let mut s = LineInput::secret(6);
        s.insert("1234");
        assert_eq!(s.visible(10).0, "****");
    }
}
