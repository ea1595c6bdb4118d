//! Keys become actions, according to where the focus is (atuin's keybindings: a key is an
//! action before it is anything else). Only key presses count: Windows also reports releases.

use super::app::{Action, App, Focus};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
        return Some(Action::Quit);
    }
    if app.login.is_some() {
        return match key.code {
            KeyCode::Enter => Some(Action::LoginSubmit),
            KeyCode::Backspace => Some(Action::LoginBackspace),
            KeyCode::Tab | KeyCode::Down => Some(Action::LoginNextField),
            KeyCode::BackTab | KeyCode::Up => Some(Action::LoginPreviousField),
            KeyCode::Char(c) if !ctrl => Some(Action::LoginType(c)),
            _ => None,
        };
    }
    if app.locked {
        return match key.code {
            KeyCode::Enter => Some(Action::LockSubmit),
            KeyCode::Backspace => Some(Action::LockBackspace),
            KeyCode::Char(c) if !ctrl => Some(Action::LockType(c)),
            _ => None,
        };
    }
    if app.help {
        return Some(Action::Back);
    }
    match app.focus {
        Focus::Query => match key.code {
            KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
                Some(Action::Type(c))
            }
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Left => Some(Action::CaretLeft),
            KeyCode::Right => Some(Action::CaretRight),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc | KeyCode::Tab => Some(Action::Back),
            _ => None,
        },
        Focus::Filters => match key.code {
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Left | KeyCode::Char('h') => Some(Action::FilterLeft),
            KeyCode::Right | KeyCode::Char('l') | KeyCode::Char(' ') => Some(Action::FilterRight),
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('f') => Some(Action::Back),
            _ => None,
        },
        Focus::Results | Focus::Detail => match key.code {
            KeyCode::Char('/') => Some(Action::FocusQuery),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Esc | KeyCode::Backspace => Some(Action::Back),
            KeyCode::Char('f') => Some(Action::OpenFilters),
            KeyCode::Char('r') => Some(Action::ToggleReachable),
            KeyCode::Char('y') => Some(Action::Copy),
            KeyCode::Char('s') => Some(Action::Sync),
            KeyCode::Char('c') => Some(Action::Compose),
            KeyCode::Char('?') => Some(Action::Help),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
    }
}
