//! The main screen's actions and keys, in the help's order: one table decides a key press and
//! writes the help, so the help cannot say what the keys do not do.

use crate::tui::keymap::{bind, help_rows, Binding, Help, Key};
use crate::tui::screens::help::HelpScreen;
use crate::tui::text;
use crate::tui::widgets::text_field::Edit;
use ratatui::crossterm::event::KeyCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchAction {
    Type(char),
    Backspace,
    /// Readline edits in the search box (Ctrl-U, Ctrl-W, Home, Delete …).
    EditQuery(Edit),
    /// PgUp/PgDn: the detail pane, by half a screen.
    ScrollDetail(i32),
    CaretLeft,
    CaretRight,
    /// `/`: the search box is where typing goes anyway.
    FocusQuery,
    Up,
    Down,
    Enter,
    Back,
    OpenFilters,
    ToggleReachable,
    Copy,
    Sync,
    Compose,
    OpenSlips,
    /// One key clears every filter.
    ClearFilters,
    /// F9: one's own password.
    ChangePassword,
    /// F12 / Ctrl-G: the own organisation's listing (the centre: the review of change requests).
    OpenListing,
    Help,
    Quit,
}

use SearchAction as S;

/// The main screen's keys, in the help's order.
pub const KEYS: &[Binding<SearchAction>] = &[
    bind(&[Key::Code(KeyCode::Up)], S::Up, Help::Row("結果を選ぶ")),
    bind(&[Key::Code(KeyCode::Down)], S::Down, Help::SameRow),
    bind(
        &[Key::Code(KeyCode::Enter), Key::Code(KeyCode::Tab)],
        S::Enter,
        Help::Row("詳細を開く（PgUp PgDn で詳細を送る）"),
    ),
    bind(
        &[Key::Code(KeyCode::Esc)],
        S::Back,
        Help::Row("ひとつ戻る（詳細 → 一覧 → 検索語を消す）"),
    ),
    bind(&[Key::Code(KeyCode::BackTab)], S::Back, Help::Hidden),
    bind(
        &[Key::Ctrl('u')],
        S::EditQuery(Edit::ClearToStart),
        Help::Row("検索語を消す／一語消す（Home End Delete も使えます）"),
    ),
    bind(
        &[Key::Ctrl('w')],
        S::EditQuery(Edit::DeleteWord),
        Help::SameRow,
    ),
    bind(
        &[Key::CtrlCode(KeyCode::Backspace)],
        S::EditQuery(Edit::DeleteWord),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::F(1)), Key::Char('?')],
        S::Help,
        Help::Row("このヘルプ"),
    ),
    bind(
        &[Key::Code(KeyCode::F(2)), Key::Ctrl('f')],
        S::OpenFilters,
        Help::Row("絞り込み（種別・区・地区・医療行為・受け入れ・連絡方法・医師だけ）"),
    ),
    bind(
        &[Key::Code(KeyCode::F(3)), Key::Ctrl('r')],
        S::ToggleReachable,
        Help::Row("「今連絡可」だけにする／戻す"),
    ),
    bind(
        &[Key::Code(KeyCode::F(4)), Key::Ctrl('y')],
        S::Copy,
        Help::Row("番号をコピー（先生の希望順。押すたびに次の番号）"),
    ),
    bind(
        &[Key::Code(KeyCode::F(5)), Key::Ctrl('s')],
        S::Sync,
        Help::Row("今すぐ同期"),
    ),
    bind(
        &[Key::Code(KeyCode::F(6)), Key::Ctrl('n')],
        S::Compose,
        Help::Row("この先生への連絡票を作る"),
    ),
    bind(
        &[Key::Code(KeyCode::F(7)), Key::Ctrl('d')],
        S::OpenSlips,
        Help::Row("下書きと送信記録（続きを書く・返信期限）"),
    ),
    bind(
        &[Key::Code(KeyCode::F(8)), Key::Ctrl('l')],
        S::ClearFilters,
        Help::Row("絞り込みをすべて解除"),
    ),
    bind(
        &[Key::Code(KeyCode::F(9))],
        S::ChangePassword,
        Help::Row("自分のパスワードを変える"),
    ),
    bind(
        &[Key::Code(KeyCode::F(12)), Key::Ctrl('g')],
        S::OpenListing,
        Help::Row("自分の機関の掲載情報を変える（支援センター: 変更届の審査）"),
    ),
    bind(
        &[Key::Code(KeyCode::F(10)), Key::Ctrl('q')],
        S::Quit,
        Help::Row("終了（Ctrl-C も）"),
    ),
    // Readline's extras and the keys that need no saying.
    bind(&[Key::Char('/')], S::FocusQuery, Help::Hidden),
    bind(
        &[Key::Ctrl('a'), Key::Code(KeyCode::Home)],
        S::EditQuery(Edit::Home),
        Help::Hidden,
    ),
    bind(
        &[Key::Ctrl('e'), Key::Code(KeyCode::End)],
        S::EditQuery(Edit::End),
        Help::Hidden,
    ),
    bind(
        &[Key::Ctrl('k')],
        S::EditQuery(Edit::ClearToEnd),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Delete)],
        S::EditQuery(Edit::Delete),
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Backspace)], S::Backspace, Help::Hidden),
    bind(&[Key::Code(KeyCode::Left)], S::CaretLeft, Help::Hidden),
    bind(&[Key::Code(KeyCode::Right)], S::CaretRight, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::PageUp)],
        S::ScrollDetail(-1),
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::PageDown)],
        S::ScrollDetail(1),
        Help::Hidden,
    ),
];

/// The help: what typing does, then the key table.
pub fn help() -> HelpScreen {
    let mut rows = vec![(text::HELP_TYPING_KEYS.to_string(), text::HELP_TYPING)];
    rows.extend(help_rows(&[KEYS]));
    HelpScreen::new(rows)
}
