//! Keys become actions, according to where the focus is (atuin's keybindings: a key is an
//! action before it is anything else). Only key presses count: Windows also reports releases.

use super::app::{Action, App, Focus};
use super::composer::field::{halfwidth as plain, Edit};
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
            KeyCode::Char('u') | KeyCode::Char('w') if ctrl => Some(Action::LoginClear),
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
            KeyCode::Char('u') | KeyCode::Char('w') if ctrl => Some(Action::LockClear),
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
            KeyCode::Up => Some(SlipsAction::Up),
            KeyCode::Down => Some(SlipsAction::Down),
            KeyCode::Enter => Some(SlipsAction::Open),
            KeyCode::Delete => Some(SlipsAction::Delete),
            KeyCode::Esc | KeyCode::F(7) => Some(SlipsAction::Close),
            // A list, not a text: its letter keys are shown in its title, in either width.
            KeyCode::Char(c) if !ctrl => match plain(c) {
                'k' => Some(SlipsAction::Up),
                'j' => Some(SlipsAction::Down),
                'x' => Some(SlipsAction::Delete),
                'r' => Some(SlipsAction::Reply),
                'd' | 'q' => Some(SlipsAction::Close),
                _ => None,
            },
            _ => None,
        }
        .map(Action::Slips);
    }
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    if app.focus == Focus::Filters {
        return match key.code {
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Left => Some(Action::FilterLeft),
            KeyCode::Right => Some(Action::FilterRight),
            KeyCode::Delete => Some(Action::ClearFilters),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Esc | KeyCode::Enter | KeyCode::F(2) => Some(Action::Back),
            KeyCode::F(8) => Some(Action::ClearFilters),
            KeyCode::Char('f') if ctrl => Some(Action::Back),
            // Letters narrow the row's choices; Space (either width) chooses.
            KeyCode::Char(c) if !ctrl && !alt => match plain(c) {
                ' ' => Some(Action::FilterToggle),
                _ => Some(Action::FilterType(c)),
            },
            _ => None,
        };
    }
    // The main screen: letters always search (from the list or the detail alike); commands are
    // keys that are not text — function keys, Ctrl- combinations, arrows, Enter, Esc — and `?`
    // and `/`, which no name contains, in either width.
    if ctrl {
        return match key.code {
            KeyCode::Char('f') => Some(Action::OpenFilters),
            KeyCode::Char('r') => Some(Action::ToggleReachable),
            KeyCode::Char('y') => Some(Action::Copy),
            KeyCode::Char('s') => Some(Action::Sync),
            KeyCode::Char('n') => Some(Action::Compose),
            KeyCode::Char('d') => Some(Action::OpenSlips),
            KeyCode::Char('l') => Some(Action::ClearFilters),
            KeyCode::Char('a') => Some(Action::EditQuery(Edit::Home)),
            KeyCode::Char('e') => Some(Action::EditQuery(Edit::End)),
            KeyCode::Char('u') => Some(Action::EditQuery(Edit::ClearToStart)),
            KeyCode::Char('k') => Some(Action::EditQuery(Edit::ClearToEnd)),
            KeyCode::Char('w') | KeyCode::Backspace => Some(Action::EditQuery(Edit::DeleteWord)),
            _ => None,
        };
    }
    match key.code {
        KeyCode::F(1) => Some(Action::Help),
        KeyCode::F(2) => Some(Action::OpenFilters),
        KeyCode::F(3) => Some(Action::ToggleReachable),
        KeyCode::F(4) => Some(Action::Copy),
        KeyCode::F(5) => Some(Action::Sync),
        KeyCode::F(6) => Some(Action::Compose),
        KeyCode::F(7) => Some(Action::OpenSlips),
        KeyCode::F(8) => Some(Action::ClearFilters),
        KeyCode::F(10) => Some(Action::Quit),
        KeyCode::Char(c) if !alt => match plain(c) {
            '?' => Some(Action::Help),
            '/' => Some(Action::FocusQuery),
            _ => Some(Action::Type(c)),
        },
        KeyCode::Backspace => Some(Action::Backspace),
        KeyCode::Delete => Some(Action::EditQuery(Edit::Delete)),
        KeyCode::Home => Some(Action::EditQuery(Edit::Home)),
        KeyCode::End => Some(Action::EditQuery(Edit::End)),
        KeyCode::Left => Some(Action::CaretLeft),
        KeyCode::Right => Some(Action::CaretRight),
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::ScrollDetail(-1)),
        KeyCode::PageDown => Some(Action::ScrollDetail(1)),
        KeyCode::Enter | KeyCode::Tab => Some(Action::Enter),
        KeyCode::BackTab => Some(Action::Back),
        KeyCode::Esc => Some(Action::Back),
        _ => None,
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
        KeyCode::Char('a') if ctrl => ComposerAction::Edit(Edit::Home),
        KeyCode::Char('e') if ctrl => ComposerAction::Edit(Edit::End),
        KeyCode::Char('u') if ctrl => ComposerAction::Edit(Edit::ClearToStart),
        KeyCode::Char('k') if ctrl => ComposerAction::Edit(Edit::ClearToEnd),
        KeyCode::Char('w') if ctrl => ComposerAction::Edit(Edit::DeleteWord),
        KeyCode::Home => ComposerAction::Edit(Edit::Home),
        KeyCode::End => ComposerAction::Edit(Edit::End),
        KeyCode::Delete => ComposerAction::Edit(Edit::Delete),
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
    if app.focus == Focus::Filters {
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
