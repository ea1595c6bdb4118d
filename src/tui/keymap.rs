//! Keys as data (atuin's keybindings): each screen has tables of `Binding`s that say which keys
//! mean which of its actions and what the help says of them. The same tables decide a key press
//! and write the help screen, so the two cannot drift apart. Full-width letters (the IME on)
//! act as their half-width forms; only presses count (Windows also reports releases).

use super::widgets::text_field::halfwidth;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key as a table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A key that is not text (arrows, Enter, F-keys …), with or without Shift or Alt.
    Code(KeyCode),
    /// A character in either width (`?` and `？`), without Ctrl or Alt.
    Char(char),
    /// Ctrl and a letter.
    Ctrl(char),
    /// Ctrl and a key that is not text (Ctrl-Backspace).
    CtrlCode(KeyCode),
}

/// What the help says of a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Help {
    /// A row of its own: the binding's keys, then this.
    Row(&'static str),
    /// Its keys join the row above (↑ and ↓ for 「結果を選ぶ」).
    SameRow,
    /// Not in the help (a second key for the same thing, readline's extras).
    Hidden,
}

#[derive(Debug, Clone)]
pub struct Binding<A: 'static> {
    pub keys: &'static [Key],
    pub action: A,
    pub help: Help,
}

/// `bind(&[Key::Code(KeyCode::F(1))], Action::Help, Help::Row("このヘルプ"))`.
pub const fn bind<A>(keys: &'static [Key], action: A, help: Help) -> Binding<A> {
    Binding { keys, action, help }
}

/// A key press with its modifiers sorted out, or none for a release or a repeat report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Press {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Press {
    pub fn of(key: KeyEvent) -> Option<Press> {
        (key.kind == KeyEventKind::Press).then(|| Press {
            code: key.code,
            ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
            alt: key.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// The character typed, if this is text (no Ctrl, no Alt).
    pub fn text(&self) -> Option<char> {
        match self.code {
            KeyCode::Char(c) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }

    /// Whether `key` names this press. With Ctrl held only Ctrl bindings match.
    pub fn is(&self, key: Key) -> bool {
        match key {
            Key::Ctrl(c) => self.ctrl && self.code == KeyCode::Char(c),
            Key::CtrlCode(code) => self.ctrl && self.code == code,
            _ if self.ctrl => false,
            Key::Code(code) => self.code == code,
            Key::Char(c) => self.text().is_some_and(|typed| halfwidth(typed) == c),
        }
    }
}

/// The first binding in `tables` (in order) that names the press; a key that is not text with
/// Ctrl held and no Ctrl binding of its own does what it does without Ctrl (Ctrl+← moves the
/// caret like ←, as Windows users press it).
pub fn lookup<A: Clone>(tables: &[&[Binding<A>]], press: &Press) -> Option<A> {
    let find = |press: &Press| {
        tables
            .iter()
            .flat_map(|table| table.iter())
            .find(|b| b.keys.iter().any(|k| press.is(*k)))
            .map(|b| b.action.clone())
    };
    find(press).or_else(|| {
        let plain = Press {
            ctrl: false,
            ..*press
        };
        (press.ctrl && !matches!(press.code, KeyCode::Char(_))).then(|| find(&plain))?
    })
}

/// How a key is written in the help: 「F2」「Ctrl-F」「↑」「?」.
pub fn key_label(key: Key) -> String {
    let code = |code: KeyCode| match code {
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::BackTab => "Shift-Tab".to_string(),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Backspace => "Backspace".to_string(),
        KeyCode::Delete => "Delete".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    match key {
        Key::Code(c) => code(c),
        Key::Char(c) => code(KeyCode::Char(c)),
        Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
        Key::CtrlCode(c) => format!("Ctrl-{}", code(c)),
    }
}

/// The help's rows for some tables: keys (joined by two spaces), then what they do.
pub fn help_rows<A>(tables: &[&[Binding<A>]]) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for binding in tables.iter().flat_map(|t| t.iter()) {
        let keys = binding
            .keys
            .iter()
            .map(|k| key_label(*k))
            .collect::<Vec<_>>()
            .join("  ");
        match (binding.help, rows.last_mut()) {
            (Help::Row(what), _) => rows.push((keys, what)),
            (Help::SameRow, Some(row)) => {
                row.0.push_str("  ");
                row.0.push_str(&keys);
            }
            (Help::SameRow, None) | (Help::Hidden, _) => {}
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    enum A {
        Up,
        Down,
        Help,
        Clear,
    }

    const TABLE: &[Binding<A>] = &[
        bind(&[Key::Code(KeyCode::Up)], A::Up, Help::Row("選ぶ")),
        bind(&[Key::Code(KeyCode::Down)], A::Down, Help::SameRow),
        bind(
            &[Key::Code(KeyCode::F(1)), Key::Char('?')],
            A::Help,
            Help::Row("ヘルプ"),
        ),
        bind(&[Key::Ctrl('u')], A::Clear, Help::Hidden),
    ];

    fn press(code: KeyCode, modifiers: KeyModifiers) -> Press {
        Press::of(KeyEvent::new(code, modifiers)).unwrap()
    }

    #[test]
    fn a_table_decides_keys_in_either_width_and_only_presses() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            lookup(&[TABLE], &press(KeyCode::Char('？'), none)),
            Some(A::Help)
        );
        assert_eq!(
            lookup(&[TABLE], &press(KeyCode::Char('?'), none)),
            Some(A::Help)
        );
        assert_eq!(
            lookup(&[TABLE], &press(KeyCode::Char('u'), KeyModifiers::CONTROL)),
            Some(A::Clear)
        );
        assert_eq!(lookup(&[TABLE], &press(KeyCode::Char('u'), none)), None);
        assert_eq!(
            lookup(&[TABLE], &press(KeyCode::Up, KeyModifiers::CONTROL)),
            Some(A::Up),
            "Ctrl+↑ with no binding of its own is ↑"
        );
        assert_eq!(
            lookup(&[TABLE], &press(KeyCode::Char('?'), KeyModifiers::CONTROL)),
            None,
            "Ctrl and a letter is never the letter"
        );
        let release = KeyEvent {
            kind: KeyEventKind::Release,
            ..KeyEvent::new(KeyCode::Up, none)
        };
        assert_eq!(Press::of(release), None);
    }

    #[test]
    fn the_help_is_written_from_the_table() {
        assert_eq!(
            help_rows(&[TABLE]),
            vec![
                ("↑  ↓".to_string(), "選ぶ"),
                ("F1  ?".to_string(), "ヘルプ")
            ]
        );
    }
}
