//! A one-line field sent with Enter — the login form's fields, the lock's password, the
//! password change — and a small form of them: their keys and what a paste puts in them.

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

/// What a key does in a small form of one-line fields (the login, the password change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormAction {
    Field(FieldAction),
    NextField,
    PreviousField,
    /// Esc: what the form makes of it (the login has nowhere to go back to).
    Close,
}

const FORM_KEYS: &[Binding<FormAction>] = &[
    bind(
        &[Key::Code(KeyCode::Tab), Key::Code(KeyCode::Down)],
        FormAction::NextField,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::BackTab), Key::Code(KeyCode::Up)],
        FormAction::PreviousField,
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Esc)], FormAction::Close, Help::Hidden),
];

/// A key in a form: moving between its fields, else what it does in the field.
pub fn form_action(press: &Press) -> Option<FormAction> {
    lookup(&[FORM_KEYS], press).or_else(|| field_action(press).map(FormAction::Field))
}

/// A paste into a form's field.
pub fn form_paste(text: &str) -> Vec<FormAction> {
    field_paste(text)
        .into_iter()
        .map(FormAction::Field)
        .collect()
}
