//! The listing editor's actions and keys: one table decides a press and writes the hints.

use crate::tui::keymap::{bind, Binding, Help, Key};
use crate::tui::widgets::text_field::Edit;
use ratatui::crossterm::event::KeyCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingAction {
    Up,
    Down,
    /// PgDn / PgUp: the next (previous) person's contact windows, the field most often changed.
    NextPerson,
    PreviousPerson,
    /// ← →: the acceptance or a toggle, one step.
    Left,
    Right,
    /// 1 2 3: the acceptance by its number.
    Number(u32),
    /// Enter: edit the row (text, checklist), add a person, or — in a field — done.
    Enter,
    /// Space: flip a toggle, tick a checklist item.
    Space,
    /// Delete: mark the person for removal (again: keep them); in the status list, withdraw.
    Delete,
    /// Ctrl-S / F5: the diff and the note, then send.
    Review,
    /// F4: the selected person's windows on the weekly grid.
    Grid,
    /// Tab: between the editor and the list of requests.
    SwitchPane,
    Type(char),
    Backspace,
    EditText(Edit),
    Back,
}

use ListingAction as L;

pub const KEYS: &[Binding<ListingAction>] = &[
    bind(&[Key::Code(KeyCode::Up)], L::Up, Help::Row("項目を選ぶ")),
    bind(&[Key::Code(KeyCode::Down)], L::Down, Help::SameRow),
    bind(
        &[Key::Code(KeyCode::PageDown)],
        L::NextPerson,
        Help::Row("次の担当者の連絡できる時間帯へ"),
    ),
    bind(
        &[Key::Code(KeyCode::PageUp)],
        L::PreviousPerson,
        Help::SameRow,
    ),
    bind(
        &[Key::Code(KeyCode::Left)],
        L::Left,
        Help::Row("受け入れ・訪問診療を変える"),
    ),
    bind(&[Key::Code(KeyCode::Right)], L::Right, Help::SameRow),
    bind(
        &[Key::Code(KeyCode::Enter)],
        L::Enter,
        Help::Row("書き換える・選ぶ"),
    ),
    bind(&[Key::Char(' ')], L::Space, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::Delete)],
        L::Delete,
        Help::Row("担当者を削除／取り下げ"),
    ),
    bind(
        &[Key::Ctrl('s'), Key::Code(KeyCode::F(5))],
        L::Review,
        Help::Row("変更を確かめて送る（変更なしなら確認だけ）"),
    ),
    bind(
        &[Key::Code(KeyCode::F(4))],
        L::Grid,
        Help::Row("時間帯を週の表で書き換える"),
    ),
    bind(
        &[Key::Code(KeyCode::Tab)],
        L::SwitchPane,
        Help::Row("届の状況へ"),
    ),
    bind(&[Key::Code(KeyCode::Esc)], L::Back, Help::Row("戻る")),
];

pub const TEXT_KEYS: &[Binding<ListingAction>] = &[
    bind(&[Key::Code(KeyCode::Enter)], L::Enter, Help::Hidden),
    bind(&[Key::Code(KeyCode::Esc)], L::Back, Help::Hidden),
    bind(&[Key::Code(KeyCode::Backspace)], L::Backspace, Help::Hidden),
    bind(
        &[Key::Ctrl('u')],
        L::EditText(Edit::ClearToStart),
        Help::Hidden,
    ),
    bind(
        &[Key::Ctrl('k')],
        L::EditText(Edit::ClearToEnd),
        Help::Hidden,
    ),
    bind(
        &[Key::Ctrl('w')],
        L::EditText(Edit::DeleteWord),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Home)],
        L::EditText(Edit::Home),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::End)],
        L::EditText(Edit::End),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Delete)],
        L::EditText(Edit::Delete),
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Left)], L::Left, Help::Hidden),
    bind(&[Key::Code(KeyCode::Right)], L::Right, Help::Hidden),
    bind(
        &[Key::Ctrl('s'), Key::Code(KeyCode::F(5))],
        L::Review,
        Help::Hidden,
    ),
];

/// On the weekly grid.
pub const GRID_KEYS: &[Binding<ListingAction>] = &[
    bind(&[Key::Code(KeyCode::Up)], L::Up, Help::Hidden),
    bind(&[Key::Code(KeyCode::Down)], L::Down, Help::Hidden),
    bind(&[Key::Code(KeyCode::Left)], L::Left, Help::Hidden),
    bind(&[Key::Code(KeyCode::Right)], L::Right, Help::Hidden),
    bind(&[Key::Char(' ')], L::Space, Help::Hidden),
    bind(&[Key::Code(KeyCode::Enter)], L::Enter, Help::Hidden),
    bind(&[Key::Code(KeyCode::Esc)], L::Back, Help::Hidden),
];
