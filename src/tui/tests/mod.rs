//! The TUI without a terminal: keys → the top screen's actions → state, and whole screens drawn
//! on ratatui's TestBackend as insta snapshots (fixed clock, the shipped demo directory). Inside
//! the crate, so that the screens keep their state private; the tmux run of the real program
//! is `tests/tui_tmux.rs`.

mod composer;
mod listing;
mod screens;
mod search;
mod structure;

use super::app::{Action, App};
use super::message::Effect;
use super::screens::composer::{Composer, ComposerScreen};
use super::screens::search::Search;
use crate::client::cache::CachedDirectory;
use crate::directory::parse_snapshot;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::time::Duration;

/// Wednesday 2026-11-25 13:30: lunch windows are open.
pub fn clock() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap()
}

pub fn demo_directory() -> CachedDirectory {
    CachedDirectory {
        server_url: "http://127.0.0.1:8080".into(),
        etag: None,
        synced_at: crate::directory::japan_offset()
            .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
            .unwrap(),
        snapshot: parse_snapshot(crate::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap(),
    }
}

pub fn app() -> App {
    let mut app = App::new(
        "デモ 利用者（デモ居宅介護支援事業所）".into(),
        Duration::from_secs(600),
        clock(),
    );
    app.set_directory(demo_directory(), true);
    app
}

pub fn press(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, modifiers)))
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    press(app, code, KeyModifiers::NONE)
}

pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn search(app: &App) -> &Search {
    app.find::<Search>()
        .expect("the search is always at the bottom")
}

pub fn composer(app: &App) -> Option<&Composer> {
    app.find::<ComposerScreen>().map(ComposerScreen::composer)
}

pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..height)
        .map(|y| {
            let mut line = String::new();
            let mut x = 0;
            while x < width {
                let cell = &buffer[(x, y)];
                line.push_str(cell.symbol());
                // A wide character covers the next cell too.
                x += ratatui::text::Span::raw(cell.symbol().to_string())
                    .width()
                    .max(1) as u16;
            }
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen compared with `snapshots/{name}.snap` (the names the snapshots had as
/// integration tests, kept so that their history shows they did not change).
pub fn assert_screen(name: &str, text: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/tui/tests/snapshots"
    ));
    settings.bind(|| insta::assert_snapshot!(name, text));
}
