//! Keys become actions, according to where the focus is (atuin's keybindings: a key is an
//! action before it is anything else). Only key presses count: Windows also reports releases.

use super::app::{Action, App, Focus};
use super::composer::ComposerAction;
use super::slips::SlipsAction;
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
    if let Some(composer) = &app.composer {
        if composer.popup.is_some() {
            return Some(Action::Composer(ComposerAction::DismissPopup));
        }
        return composer_key(key, ctrl).map(Action::Composer);
    }
    if let Some(view) = &app.slips {
        if view.reply.is_some() {
            return match key.code {
                KeyCode::Enter => Some(SlipsAction::ReplySave),
                KeyCode::Esc => Some(SlipsAction::ReplyCancel),
                KeyCode::Backspace => Some(SlipsAction::ReplyBackspace),
                KeyCode::Char(c) if !ctrl => Some(SlipsAction::ReplyType(c)),
                _ => None,
            }
            .map(Action::Slips);
        }
        return match key.code {
            KeyCode::Char('r') => Some(SlipsAction::Reply),
            KeyCode::Up | KeyCode::Char('k') => Some(SlipsAction::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(SlipsAction::Down),
            KeyCode::Enter => Some(SlipsAction::Open),
            KeyCode::Char('x') | KeyCode::Delete => Some(SlipsAction::Delete),
            KeyCode::Esc | KeyCode::Char('d') | KeyCode::Char('q') => Some(SlipsAction::Close),
            _ => None,
        }
        .map(Action::Slips);
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
            KeyCode::Char('d') => Some(Action::OpenSlips),
            KeyCode::Char('?') => Some(Action::Help),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
    }
}

/// In the composer letters are text; steps move with PgDn/PgUp (or Ctrl-N/Ctrl-P).
fn composer_key(key: KeyEvent, ctrl: bool) -> Option<ComposerAction> {
    Some(match key.code {
        KeyCode::Esc => ComposerAction::Close,
        KeyCode::PageDown => ComposerAction::NextStep,
        KeyCode::PageUp => ComposerAction::PreviousStep,
        KeyCode::Char('n') if ctrl => ComposerAction::NextStep,
        KeyCode::Char('p') if ctrl => ComposerAction::PreviousStep,
        KeyCode::Char('s') if ctrl => ComposerAction::SaveDraft,
        KeyCode::Tab => ComposerAction::NextField,
        KeyCode::BackTab => ComposerAction::PreviousField,
        KeyCode::Up => ComposerAction::Up,
        KeyCode::Down => ComposerAction::Down,
        KeyCode::Left => ComposerAction::Left,
        KeyCode::Right => ComposerAction::Right,
        KeyCode::Enter => ComposerAction::Enter,
        KeyCode::Backspace => ComposerAction::Backspace,
        KeyCode::Char(c) if !ctrl && !key.modifiers.contains(KeyModifiers::ALT) => {
            ComposerAction::Type(c)
        }
        _ => return None,
    })
}

/// A paste (bracketed paste: one event): one edit in the composer and the reply note, the
/// characters typed into the search box or the login and lock fields (a line break ends a
/// one-line field's paste).
pub fn paste_actions(app: &App, text: &str) -> Vec<Action> {
    if app.login.is_some() || app.locked || app.help {
        let line = text.lines().next().unwrap_or_default();
        return line
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| {
                if app.login.is_some() {
                    Action::LoginType(c)
                } else if app.locked {
                    Action::LockType(c)
                } else {
                    Action::Back
                }
            })
            .take(if app.help { 1 } else { usize::MAX })
            .collect();
    }
    if app.composer.is_some() {
        return vec![Action::Composer(ComposerAction::Paste(text.to_string()))];
    }
    if let Some(view) = &app.slips {
        return if view.reply.is_some() {
            vec![Action::Slips(SlipsAction::ReplyPaste(text.to_string()))]
        } else {
            Vec::new()
        };
    }
    if app.focus != Focus::Query {
        return Vec::new();
    }
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .map(Action::Type)
        .collect()
}
