//! Start to first usable frame from the cache (DESIGN §8: ≤ 200 ms at 10k people) and the time
//! of one frame at 120×40 (goal ≤ 2 ms). Frames are drawn on ratatui's TestBackend, which
//! measures our layout and widget work without a terminal's I/O.
//!
//! `cargo bench --bench tui`

use anshin::client::cache::{self, CachedDirectory, CachedIndex};
use anshin::tui::app::{Action, App};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use std::time::{Duration, Instant};

const SERVER: &str = "https://anshin.example.jp";
const KEY: [u8; 32] = [9u8; 32];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    println!(
        "| people | cache → first frame (read + decrypt + draw) | frame 120×40 p50 | frame p99 |"
    );
    println!("|---:|---:|---:|---:|");
    for people in [10_000, 100_000] {
        let dir = tempfile::tempdir().unwrap();
        let directory = CachedIndex::build(CachedDirectory {
            server_url: SERVER.into(),
            etag: None,
            synced_at: anshin::directory::now_in_japan(),
            snapshot: anshin::demo::generate(people, 1),
        });
        cache::store(dir.path(), &directory, &KEY).unwrap();
        drop(directory);

        let started = Instant::now();
        let loaded = cache::load(dir.path(), Some(&KEY), SERVER).unwrap();
        let mut app = App::new("bench".into(), Duration::from_secs(600), now);
        app.set_directory(loaded, false);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        let first_frame = started.elapsed();

        let key = |code| Action::Key(KeyEvent::new(code, KeyModifiers::NONE));
        for c in "takahasi".chars() {
            app.update(key(KeyCode::Char(c)));
        }
        app.update(key(KeyCode::Enter));
        let mut frames = Vec::new();
        for _ in 0..300 {
            let t = Instant::now();
            terminal.draw(|f| app.draw(f)).unwrap();
            frames.push(t.elapsed());
        }
        frames.sort();
        println!(
            "| {people} | {:.0} ms | {:.3} ms | {:.3} ms |",
            ms(first_frame),
            ms(frames[frames.len() / 2]),
            ms(frames[frames.len() * 99 / 100])
        );
    }
}
