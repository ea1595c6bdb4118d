//! A text being typed: the value and a caret counted in characters (never bytes, so kana and
//! kanji edit like letters), and the lines it wraps into at a given width — shared by drawing
//! (highlights, the IME cursor) and by moving the caret up and down in the body.

use ratatui::text::Span;

/// Readline edits (see [`TextField::edit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Home,
    End,
    Delete,
    /// Ctrl-U: from the line's start to the caret.
    ClearToStart,
    /// Ctrl-K: from the caret to the line's end.
    ClearToEnd,
    /// Ctrl-W: the word before the caret.
    DeleteWord,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextField {
    pub value: String,
    /// In characters.
    pub caret: usize,
}

impl TextField {
    pub fn new(value: &str) -> TextField {
        TextField {
            value: value.to_string(),
            caret: value.chars().count(),
        }
    }

    pub fn trimmed(&self) -> &str {
        self.value.trim()
    }

    fn byte(&self, char_index: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_index)
            .map_or(self.value.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte(self.caret);
        self.value.insert(at, c);
        self.caret += 1;
    }

    pub fn backspace(&mut self) -> bool {
        if self.caret == 0 {
            return false;
        }
        self.caret -= 1;
        let at = self.byte(self.caret);
        self.value.remove(at);
        true
    }

    /// The readline edits a second caller needs (Ctrl-U, Ctrl-W, Ctrl-K, Delete, Home/End and
    /// Ctrl-A/E), within the caret's line of a multi-line text.
    pub fn edit(&mut self, edit: Edit) {
        let chars: Vec<char> = self.value.chars().collect();
        let line_start = chars[..self.caret]
            .iter()
            .rposition(|c| *c == '\n')
            .map_or(0, |i| i + 1);
        let line_end = chars[self.caret..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |i| self.caret + i);
        let (from, to, caret) = match edit {
            Edit::Home => (0, 0, line_start),
            Edit::End => (0, 0, line_end),
            Edit::Delete if self.caret < line_end || self.caret < chars.len() => {
                (self.caret, self.caret + 1, self.caret)
            }
            Edit::Delete => (0, 0, self.caret),
            Edit::ClearToStart => (line_start, self.caret, line_start),
            Edit::ClearToEnd => (self.caret, line_end, self.caret),
            Edit::DeleteWord => {
                // Spaces before the caret, then the word (a run of one kind of character).
                let mut at = self.caret;
                while at > line_start && chars[at - 1].is_whitespace() {
                    at -= 1;
                }
                let kind = |c: char| {
                    if c.is_ascii_alphanumeric() {
                        0
                    } else if c.is_whitespace() || c.is_ascii_punctuation() {
                        1
                    } else {
                        2
                    }
                };
                if at > line_start {
                    let k = kind(chars[at - 1]);
                    while at > line_start
                        && !chars[at - 1].is_whitespace()
                        && kind(chars[at - 1]) == k
                    {
                        at -= 1;
                    }
                }
                (at, self.caret, at)
            }
        };
        if from < to {
            self.value = chars[..from].iter().chain(&chars[to..]).collect();
        }
        self.caret = caret;
    }

    pub fn left(&mut self) {
        self.caret = self.caret.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.caret = (self.caret + 1).min(self.value.chars().count());
    }

    /// The caret to the same column of the line above (`-1`) or below (`1`) at this width;
    /// false when there is no such line.
    pub fn vertical(&mut self, width: u16, direction: i32) -> bool {
        let lines = wrap(&self.value, width);
        let (row, column) = caret_cell(&lines, &self.value, self.caret);
        let target = row as i64 + i64::from(direction);
        if target < 0 || target as usize >= lines.len() {
            return false;
        }
        let line = lines[target as usize];
        let mut x = 0;
        let mut caret = line.0;
        for (i, c) in self.value.chars().enumerate().take(line.1).skip(line.0) {
            let w = char_width(c);
            if x + w > column {
                break;
            }
            x += w;
            caret = i + 1;
        }
        self.caret = caret.min(line.1);
        true
    }
}

/// A key as typed with the IME on: full-width ASCII (？／ｙ) as its half-width form, so command
/// keys and y/n answers work in either width.
pub fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

pub fn char_width(c: char) -> usize {
    Span::raw(c.to_string()).width()
}

/// Lines as char ranges `(start, end)`, broken at newlines and at `width` display columns.
/// Always at least one line.
pub fn wrap(text: &str, width: u16) -> Vec<(usize, usize)> {
    let width = usize::from(width.max(2));
    let mut lines = Vec::new();
    let (mut start, mut x) = (0, 0);
    for (i, c) in text.chars().enumerate() {
        if c == '\n' {
            lines.push((start, i));
            start = i + 1;
            x = 0;
            continue;
        }
        let w = char_width(c);
        if x + w > width {
            lines.push((start, i));
            start = i;
            x = 0;
        }
        x += w;
    }
    lines.push((start, text.chars().count()));
    lines
}

/// Row and display column of the caret among wrapped lines.
pub fn caret_cell(lines: &[(usize, usize)], text: &str, caret: usize) -> (usize, usize) {
    // The last line that starts at or before the caret (a caret at a wrap point sits at the
    // start of the next line).
    let row = lines
        .iter()
        .rposition(|(start, _)| *start <= caret)
        .unwrap_or(0);
    let (start, _) = lines[row];
    let column = text
        .chars()
        .skip(start)
        .take(caret.saturating_sub(start))
        .map(char_width)
        .sum();
    (row, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_characters() {
        let mut f = TextField::new("高橋");
        f.left();
        f.insert('髙');
        assert_eq!(f.value, "高髙橋");
        assert!(f.backspace());
        f.right();
        f.right();
        f.insert('様');
        assert_eq!(f.value, "高橋様");
        f.caret = 0;
        assert!(!f.backspace());
    }

    #[test]
    fn readline_edits() {
        let mut f = TextField::new("watanabe hiroshi");
        f.edit(Edit::DeleteWord);
        assert_eq!((f.value.as_str(), f.caret), ("watanabe ", 9));
        f.edit(Edit::DeleteWord);
        assert_eq!(f.value, "");
        let mut f = TextField::new("林内科 渡辺");
        f.edit(Edit::Home);
        assert_eq!(f.caret, 0);
        f.edit(Edit::Delete);
        assert_eq!(f.value, "内科 渡辺");
        f.edit(Edit::End);
        f.edit(Edit::ClearToStart);
        assert_eq!((f.value.as_str(), f.caret), ("", 0));
        let mut f = TextField::new("一行目\n二行目");
        f.caret = 5;
        f.edit(Edit::Home);
        assert_eq!(f.caret, 4, "the caret's line");
        f.edit(Edit::ClearToEnd);
        assert_eq!(f.value, "一行目\n");
        f.edit(Edit::Delete);
        assert_eq!(f.value, "一行目\n", "nothing after the caret");
    }

    #[test]
    fn wraps_wide_characters_and_moves_between_lines() {
        // Width 6: three kanji a line.
        let text = "一二三四五\nab";
        let lines = wrap(text, 6);
        assert_eq!(lines, vec![(0, 3), (3, 5), (6, 8)]);
        assert_eq!(caret_cell(&lines, text, 4), (1, 2));
        assert_eq!(caret_cell(&lines, text, 3), (1, 0));
        assert_eq!(caret_cell(&lines, text, 8), (2, 2));
        let mut f = TextField::new(text);
        f.caret = 1;
        f.vertical(6, 1);
        assert_eq!(f.caret, 4);
        assert!(f.vertical(6, 1));
        assert_eq!(f.caret, 8);
        assert!(!f.vertical(6, 1), "no line below the last");
        assert_eq!(f.caret, 8);
        f.vertical(6, -1);
        f.vertical(6, -1);
        assert_eq!(f.caret, 1);
        assert_eq!(wrap("", 10), vec![(0, 0)]);
    }
}
