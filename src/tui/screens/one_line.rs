//! A one-line field sent with Enter — the login form's fields, the lock's password, the
//! password change: its keys and what a paste puts in it.

use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use ratatui::crossterm::event::KeyCode;

/// What a key does in a one-line field that is sent with Enter: the login form's fields and
/// the lock's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldAction {
    Type(char),
    Backspace,
    /// Ctrl-U / Ctrl-W: the field emptied.
    Clear,
    Submit,
}

const FIELD_KEYS: &[Binding<FieldAction>] = &[
    bind(
        &[Key::Ctrl('u'), Key::Ctrl('w')],
        FieldAction::Clear,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Enter)],
        FieldAction::Submit,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Backspace)],
        FieldAction::Backspace,
        Help::Hidden,
    ),
];

/// A key in a one-line field: its table, else the character typed.
pub fn field_action(press: &Press) -> Option<FieldAction> {
    lookup(&[FIELD_KEYS], press).or_else(|| press.text().map(FieldAction::Type))
}

/// A paste into a one-line field: the characters of its first line.
pub fn field_paste(text: &str) -> Vec<FieldAction> {
    first_line(text).map(FieldAction::Type).collect()
}

/// A paste into a one-line field: its first line, without control characters.
pub fn first_line(text: &str) -> impl Iterator<Item = char> + '_ {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
}
