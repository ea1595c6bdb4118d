//! The shape issue 9 asked for, held by tests: the screen is drawn only when something changed,
//! the key tables are unambiguous, and the help says what the keys do.

use super::*;
use crate::tui::keymap::{help_rows, lookup, Help, Key, Press};
use crate::tui::screen::ScreenId;
use crate::tui::screens::search::KEYS;

/// Issue 9: the loop drew after every event, the one-second tick included.
#[test]
fn the_screen_is_drawn_only_when_something_changed() {
    let mut app = app();
    assert!(app.take_changed(), "the first frame");
    assert!(!app.take_changed());
    // A tick in the same minute with nothing to save changes nothing on screen.
    app.update(Action::Tick(clock() + chrono::Duration::seconds(1)));
    assert!(!app.take_changed(), "a quiet tick draws nothing");
    // A new minute may change who is reachable: drawn.
    app.update(Action::Tick(clock() + chrono::Duration::seconds(61)));
    assert!(app.take_changed());
    // A key, a resize, a background answer: drawn.
    key(&mut app, KeyCode::Char('a'));
    assert!(app.take_changed());
    app.update(Action::Resize(80, 24));
    assert!(app.take_changed());
    app.receive(crate::tui::message::Message::SyncSkipped);
    assert!(app.take_changed());
    // A key that means nothing (a release) draws nothing.
    let release = KeyEvent {
        kind: ratatui::crossterm::event::KeyEventKind::Release,
        ..KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE)
    };
    app.update(Action::Key(release));
    assert!(!app.take_changed());
}

/// No key of the main screen is bound to two actions (the second would never run), and each
/// row of the help names keys that do what the row says.
#[test]
fn the_main_screens_keys_are_unambiguous_and_the_help_is_their_table() {
    let mut seen: Vec<Key> = Vec::new();
    for binding in KEYS {
        for key in binding.keys {
            assert!(!seen.contains(key), "{key:?} is bound twice");
            seen.push(*key);
        }
    }
    let rows = help_rows(&[KEYS]);
    let shown = KEYS
        .iter()
        .filter(|b| matches!(b.help, Help::Row(_)))
        .count();
    assert_eq!(rows.len(), shown);
    for binding in KEYS.iter().filter(|b| b.help != Help::Hidden) {
        for key in binding.keys {
            let press = match *key {
                Key::Code(code) => Press {
                    code,
                    ctrl: false,
                    alt: false,
                },
                Key::Char(c) => Press {
                    code: KeyCode::Char(c),
                    ctrl: false,
                    alt: false,
                },
                Key::Ctrl(c) => Press {
                    code: KeyCode::Char(c),
                    ctrl: true,
                    alt: false,
                },
                Key::CtrlCode(code) => Press {
                    code,
                    ctrl: true,
                    alt: false,
                },
            };
            assert_eq!(lookup(&[KEYS], &press), Some(binding.action.clone()));
        }
    }
    // What the help screen shows is that table, after the row for typing.
    let mut app = app();
    key(&mut app, KeyCode::F(1));
    let help = app
        .find::<crate::tui::screens::help::HelpScreen>()
        .unwrap()
        .rows()
        .to_vec();
    assert_eq!(help[1..], rows[..]);
    assert_eq!(app.top(), ScreenId::Help);
}

/// The stack is the precedence: a login asked for beneath the composer still comes on top,
/// and the idle lock covers everything but closes the help.
#[test]
fn the_order_of_the_stack_is_the_order_of_the_screens() {
    let mut app = App::new("x".into(), Duration::from_secs(600), clock());
    app.set_directory(demo_directory(), true);
    type_text(&mut app, "watanabe hiroshi hayashi");
    key(&mut app, KeyCode::F(6));
    assert_eq!(app.top(), ScreenId::Composer);
    app.receive(crate::tui::message::Message::Synced(Err(
        crate::tui::message::SyncFailure {
            message: "ログインの有効期限が切れました".into(),
            session_expired: true,
            password_change_required: false,
        },
    )));
    assert_eq!(
        app.ids(),
        vec![ScreenId::Search, ScreenId::Composer, ScreenId::Login]
    );
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("ログイン") && !shown.contains("連絡票"),
        "{shown}"
    );

    let mut app = App::new("x".into(), Duration::ZERO, clock());
    app.set_directory(demo_directory(), true);
    key(&mut app, KeyCode::F(1));
    app.update(Action::Tick(clock()));
    assert_eq!(app.ids(), vec![ScreenId::Search, ScreenId::Lock]);
}
