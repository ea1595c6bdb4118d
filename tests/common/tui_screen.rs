//! The TUI test harness shared by `tests/tui.rs` and `tests/tui_composer.rs`: the demo
//! directory at a fixed clock, keys through the real key map, and the screen as text.
#![allow(dead_code)]

use anshin::client::cache::CachedDirectory;
use anshin::directory::parse_snapshot;
use anshin::tui::app::{update, App, Effect};
use anshin::tui::{draw, keys};
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

pub fn app() -> App {
    let mut app = App::new(
        "デモ 利用者（デモ居宅介護支援事業所）".into(),
        Duration::from_secs(600),
        clock(),
    );
    let synced_at = anshin::directory::japan_offset()
        .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
        .unwrap();
    app.set_directory(
        CachedDirectory {
            server_url: "http://127.0.0.1:8080".into(),
            etag: None,
            synced_at,
            snapshot: parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap(),
        },
        true,
    );
    app
}

pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    match keys::action_for(app, event) {
        Some(action) => update(app, action),
        None => Vec::new(),
    }
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw::draw(f, app)).unwrap();
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
