//! The TUI without a terminal: keys → actions → state, and screens drawn on ratatui's
//! TestBackend as insta snapshots (fixed clock, the shipped demo directory).

use anshin::client::cache::CachedDirectory;
use anshin::directory::parse_snapshot;
use anshin::search::EntryRef;
use anshin::tui::app::{receive, update, Action, App, Effect, Focus, Message};
use anshin::tui::keys;
use chrono::TimeZone;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::time::Duration;

#[path = "common/tui_screen.rs"]
mod tui_screen;
use tui_screen::{app, clock, key, screen, type_text};

#[test]
fn typing_searches_on_every_key_and_arrows_select() {
    let mut app = app();
    let everyone = app.hits.len();
    type_text(&mut app, "takahasi");
    assert_eq!(app.query, "takahasi");
    assert!(app.hits.len() < everyone);
    let first = app.selected_hit().unwrap().entry;
    let EntryRef::Person(i) = first else {
        panic!("a person first")
    };
    assert!(app
        .index
        .as_ref()
        .unwrap()
        .person(i)
        .name_kana
        .starts_with("たかはし"));
    key(&mut app, KeyCode::Down);
    assert_eq!(app.selected, 1);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    assert_eq!(app.selected, 0, "never above the first row");
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.query, "takahas");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('X'));
    assert_eq!(app.query, "takahaXs", "typing goes in at the caret");
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    let event = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    match keys::action_for(app, event) {
        Some(action) => update(app, action),
        None => Vec::new(),
    }
}

/// Issue 11: letters always search — from the list or the detail — and never run a command;
/// commands are function keys and Ctrl- combinations.
#[test]
fn letters_always_search_and_commands_are_not_text() {
    let mut app = app();
    // What a newcomer types first: / ? q are not text, and nothing runs by accident.
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.query, "", "/ only means: search here");
    type_text(&mut app, "satou");
    assert_eq!(app.query, "satou");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Detail);
    // From the detail, a second name is typed straight in: y s d c are letters of it.
    type_text(&mut app, " ysdcq");
    assert_eq!(app.query, "satou ysdcq");
    assert!(app.composer.is_none() && app.slips.is_none() && !app.quitting);
    assert!(app.flash.is_none(), "the clipboard was not touched");
    // Commands: F-keys and Ctrl-.
    assert_eq!(key(&mut app, KeyCode::F(5)), vec![Effect::Sync]);
    assert_eq!(ctrl(&mut app, 's'), vec![Effect::Sync]);
    key(&mut app, KeyCode::F(1));
    assert!(app.help);
    key(&mut app, KeyCode::Esc);
    assert_eq!(key(&mut app, KeyCode::F(10)), vec![Effect::Quit]);
}

/// Issue 11: the IME's full-width ？／ work as ?/ and full-width letters are text.
#[test]
fn full_width_command_keys_work_the_same() {
    let mut app = app();
    key(&mut app, KeyCode::Char('？'));
    assert!(app.help, "full-width ？ opens the help");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('／'));
    assert_eq!(app.query, "");
    type_text(&mut app, "ｔａｋａｈａｓｉ");
    assert!(!app.hits.is_empty(), "full-width romaji searches");
}

/// Issue 11: Esc goes one level up, never toggles: detail → list → query cleared.
#[test]
fn esc_goes_one_level_up() {
    let mut app = app();
    type_text(&mut app, "takahasi");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.focus, Focus::Detail);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::List);
    assert_eq!(app.query, "takahasi");
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.focus, app.query.as_str()), (Focus::List, ""));
    key(&mut app, KeyCode::Esc);
    assert_eq!((app.focus, app.query.as_str()), (Focus::List, ""), "stays");
    ctrl(&mut app, 'f');
    assert_eq!(app.focus, Focus::Filters);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::List);
}

/// Issue 11: readline basics in the search box (a second caller).
#[test]
fn readline_keys_in_the_search_box() {
    let mut app = app();
    type_text(&mut app, "watanabe hiroshi");
    ctrl(&mut app, 'w');
    assert_eq!(app.query, "watanabe ");
    ctrl(&mut app, 'u');
    assert_eq!((app.query.as_str(), app.caret), ("", 0));
    type_text(&mut app, "林内科");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    assert_eq!(app.query, "内科");
    key(&mut app, KeyCode::End);
    type_text(&mut app, "医院");
    assert_eq!(app.query, "内科医院");
}

/// Issue 11: honorifics and particles, care abbreviations, and a number typed to find whose it
/// is (seed §4(2): check an incoming FAX against the directory).
#[test]
fn japanese_as_typed_and_reverse_number_lookup() {
    let first_name = |app: &App| {
        let index = app.index.as_ref().unwrap();
        match app.selected_hit().unwrap().entry {
            EntryRef::Person(i) => index.person(i).name.to_string(),
            EntryRef::Organization(i) => index.organization(i).name.to_string(),
        }
    };
    for query in [
        "渡辺先生 林内科",
        "渡辺 先生",
        "林内科の渡辺",
        "watanabe-sensei hayashi",
    ] {
        let mut app = tui_screen::app();
        type_text(&mut app, query);
        assert!(!app.hits.is_empty(), "{query}");
        assert!(
            first_name(&app).starts_with("渡"),
            "{query}: {}",
            first_name(&app)
        );
    }
    let mut app = tui_screen::app();
    type_text(&mut app, "HOT");
    assert!(!app.hits.is_empty());
    let index = app.index.clone().unwrap();
    for hit in app.hits.iter().take(20) {
        let org = index.organization_of(hit.entry).unwrap();
        assert!(org
            .home_care
            .as_ref()
            .unwrap()
            .procedures
            .contains(&anshin::directory::Procedure::HomeOxygen));
    }
    // 林内科医院's FAX, typed as it arrives: the clinic first.
    for number in ["042-702-9263", "０４２７０２９２６３", "9263"] {
        let mut app = tui_screen::app();
        type_text(&mut app, number);
        assert_eq!(first_name(&app), "林内科医院", "{number}");
    }
}

/// Issue 11: an empty result says which word found nothing and which filters are on.
#[test]
fn an_empty_result_says_why() {
    let mut app = app();
    ctrl(&mut app, 'r');
    type_text(&mut app, "takahasi zzzqqq");
    assert!(app.hits.is_empty());
    let text = screen(&app, 120, 40);
    assert!(text.contains("「zzzqqq」に当てはまる"), "{text}");
    assert!(!text.contains("「takahasi」"), "{text}");
    assert!(text.contains("絞り込み中（F8 で解除）: 今連絡可"), "{text}");
    key(&mut app, KeyCode::F(8));
    assert!(!app.filters.reachable_now);
}

/// Issue 11: copy picks the number in the doctor's preferred order and says whose it is;
/// pressing again copies the next.
#[test]
fn copy_says_whose_number_and_cycles() {
    let mut app = app();
    type_text(&mut app, "watanabe hiroshi hayashi");
    let first = ctrl(&mut app, 'y');
    let flash = app.flash.clone().unwrap();
    // 渡邊 浩 prefers FAX, then phone; both are the clinic's.
    assert_eq!(first, vec![Effect::Copy("042-702-9263".into())], "{flash}");
    assert!(
        flash.contains("FAX 042-702-9263（林内科医院の代表）"),
        "{flash}"
    );
    let second = key(&mut app, KeyCode::F(4));
    assert_eq!(second, vec![Effect::Copy("042-702-9262".into())]);
    assert!(app.flash.as_deref().unwrap().starts_with("電話"));
}

#[test]
fn releases_are_ignored_and_ctrl_c_always_quits() {
    let mut app = app();
    let release = KeyEvent {
        kind: KeyEventKind::Release,
        ..KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)
    };
    assert_eq!(keys::action_for(&app, release), None);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(keys::action_for(&app, ctrl_c), Some(Action::Quit));
    app.locked = true;
    assert_eq!(keys::action_for(&app, ctrl_c), Some(Action::Quit));
}

/// Issue 9: the list was searched again only on a key, so with "reachable now" on, people whose
/// window had closed stayed listed while the member waited on the phone. The clock's tick
/// searches again when the minute changes.
#[test]
fn the_reachable_list_follows_the_clock_without_a_key() {
    let mut app = app();
    key(&mut app, KeyCode::F(3));
    let at_lunch: Vec<EntryRef> = app.hits.iter().map(|h| h.entry).collect();
    assert!(!at_lunch.is_empty());
    let evening = clock().date().and_hms_opt(21, 5, 0).unwrap();
    update(&mut app, Action::Tick(evening));
    assert_eq!(app.now, evening);
    let index = app.index.clone().unwrap();
    assert!(
        app.hits.len() < at_lunch.len(),
        "windows closed since 13:30"
    );
    assert!(app.hits.iter().all(|h| h.reachable_now
        && matches!(
            index.availability(h.entry, evening),
            Some(anshin::availability::Availability::Now { .. })
        )));
    // Within the same minute nothing is searched again (the selection stays where it is).
    app.selected = app.hits.len().saturating_sub(1);
    let selected = app.selected;
    update(
        &mut app,
        Action::Tick(evening + chrono::Duration::seconds(30)),
    );
    assert_eq!(app.selected, selected);
}

#[test]
fn filters_toggle_and_show_as_chips() {
    let mut app = app();
    key(&mut app, KeyCode::F(3));
    assert!(app.filters.reachable_now);
    assert!(app.hits.iter().all(|h| h.reachable_now));
    key(&mut app, KeyCode::F(3));
    assert!(!app.filters.reachable_now);
    key(&mut app, KeyCode::F(2));
    assert_eq!(app.focus, Focus::Filters);
    key(&mut app, KeyCode::Right); // 種別: 診療所 shown
    assert!(app.filters.kinds.is_empty(), "shown, not yet chosen");
    key(&mut app, KeyCode::Char(' ')); // chosen
    assert_eq!(
        app.filters.kinds,
        vec![anshin::directory::OrganizationKind::Clinic]
    );
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right); // 区: 緑区
    assert_eq!(app.filters.ward.as_deref(), Some("緑区"));
    for hit in &app.hits {
        let org = app
            .index
            .as_ref()
            .unwrap()
            .organization_of(hit.entry)
            .unwrap();
        assert_eq!(
            (org.kind, org.ward.as_str()),
            (anshin::directory::OrganizationKind::Clinic, "緑区")
        );
    }
    key(&mut app, KeyCode::Left); // back to all wards
    assert_eq!(app.filters.ward, None);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.focus, Focus::List);
    assert_eq!(
        anshin::tui::app::chips(&app.filters),
        vec!["種別: 診療所".to_string()]
    );
}

#[test]
fn idle_lock_hides_everything_and_unlocks_with_the_password() {
    let mut app = App::new("x".into(), Duration::ZERO, clock());
    let synced = app_directory();
    app.set_directory(synced, true);
    update(&mut app, Action::Tick(clock()));
    assert!(app.locked);
    let locked = screen(&app, 120, 40);
    assert!(
        !locked.contains("髙橋") && !locked.contains("高橋"),
        "no directory data while locked"
    );
    assert!(locked.contains("ロック中"));
    // A resize keeps it locked.
    update(&mut app, Action::Resize);
    assert!(app.locked);
    type_text(&mut app, "pw");
    assert_eq!(app.lock_input, "pw");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::CheckUnlock("pw".into())]
    );
    let _ = receive(&mut app, Message::Unlocked(false));
    assert!(app.locked);
    assert!(screen(&app, 120, 40).contains("パスワードが違います"));
    let _ = receive(&mut app, Message::Unlocked(true));
    assert!(!app.locked);
}

fn app_directory() -> CachedDirectory {
    CachedDirectory {
        server_url: "http://127.0.0.1:8080".into(),
        etag: None,
        synced_at: anshin::directory::japan_offset()
            .with_ymd_and_hms(2026, 11, 25, 13, 0, 0)
            .unwrap(),
        snapshot: parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap(),
    }
}

#[test]
fn the_unlock_verifier_checks_the_password() {
    let verifier = anshin::tui::make_verifier("anshin-demo-2026").unwrap();
    assert!(verifier.starts_with("$argon2id$"));
    assert!(anshin::tui::check_verifier("anshin-demo-2026", &verifier));
    assert!(!anshin::tui::check_verifier("wrong", &verifier));
    assert!(!anshin::tui::check_verifier("x", "not a hash"));
}

#[test]
fn copy_takes_the_selected_number() {
    let mut app = app();
    type_text(&mut app, "takahasi");
    let effects = key(&mut app, KeyCode::F(4));
    let [Effect::Copy(number)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(number.starts_with("0"), "{number}");
    assert!(app.flash.as_deref().unwrap().contains(number.as_str()));
}

#[test]
fn no_size_panics_and_tiny_terminals_are_told() {
    let mut app = app();
    type_text(&mut app, "髙橋");
    key(&mut app, KeyCode::Enter);
    for (w, h) in [
        (1, 1),
        (20, 5),
        (39, 11),
        (40, 12),
        (41, 13),
        (60, 20),
        (99, 30),
        (100, 30),
        (200, 60),
    ] {
        let text = screen(&app, w, h);
        if w < 40 || h < 12 {
            assert!(text.contains("画面を") || w < 10, "{w}x{h}: {text}");
        }
    }
    app.help = true;
    for (w, h) in [(40, 12), (50, 14), (120, 40)] {
        let _ = screen(&app, w, h);
    }
}

/// Issue 11: filters in a few keys — type to narrow (看取り among 23 procedures), several
/// choices per row, doctors only, one key clears all.
#[test]
fn filters_in_a_few_keys() {
    use anshin::directory::Procedure;
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    for _ in 0..3 {
        key(&mut app, KeyCode::Down); // 医療行為
    }
    type_text(&mut app, "mito");
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.filters.procedures, vec![Procedure::TerminalCare]);
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "HOT");
    let text = screen(&app, 120, 40);
    assert!(text.contains("「HOT」"), "{text}");
    type_text(&mut app, "");
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "さんそ");
    key(&mut app, KeyCode::Char('　')); // the IME's full-width space chooses too
    assert_eq!(
        app.filters.procedures,
        vec![Procedure::TerminalCare, Procedure::HomeOxygen],
        "several at once (all must be manageable)"
    );
    // A single-choice row takes the first match at once: 区 by reading.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    type_text(&mut app, "midori");
    assert_eq!(app.filters.ward.as_deref(), Some("緑区"));
    // Doctors only.
    for _ in 0..6 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    assert!(app.filters.doctors_only);
    key(&mut app, KeyCode::Esc);
    let index = app.index.clone().unwrap();
    for hit in &app.hits {
        let EntryRef::Person(i) = hit.entry else {
            panic!("doctors only: no organisations")
        };
        assert!(matches!(
            index.person(i).role,
            anshin::directory::Role::Doctor | anshin::directory::Role::Dentist
        ));
    }
    key(&mut app, KeyCode::F(8));
    assert!(app.filters.is_empty());
}

#[test]
fn screen_main_with_detail_and_weekly_grid() {
    let mut app = app();
    type_text(&mut app, "takahasi");
    insta::assert_snapshot!(screen(&app, 120, 40));
}

#[test]
fn screen_narrow_detail_replaces_the_list() {
    let mut app = app();
    type_text(&mut app, "ﾀｶﾊｼ");
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(screen(&app, 80, 30));
}

#[test]
fn screen_filters_and_help() {
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Right);
    insta::assert_snapshot!("filters", screen(&app, 120, 40));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!("help", screen(&app, 120, 40));
}

#[test]
fn screen_lock_and_too_small() {
    let mut app = app();
    app.locked = true;
    insta::assert_snapshot!("lock", screen(&app, 120, 40));
    app.locked = false;
    insta::assert_snapshot!("too_small", screen(&app, 30, 8));
}

#[test]
fn login_screen_collects_and_sends_without_keeping_the_password() {
    let mut app = app();
    app.login = Some(anshin::tui::app::LoginForm::new("http://127.0.0.1:8080"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.login.as_ref().unwrap().error.as_deref(),
        Some("ログインIDを入力してください")
    );
    type_text(&mut app, "sato");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "pass word 123");
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("*************") && !shown.contains("pass word"),
        "{shown}"
    );
    assert!(
        !shown.contains("髙橋"),
        "no directory data behind the login screen"
    );
    insta::assert_snapshot!("login", shown);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Login {
            server: "http://127.0.0.1:8080".into(),
            login_id: "sato".into(),
            password: "pass word 123".into()
        }]
    );
    assert!(app.login.as_ref().unwrap().password.is_empty());
    receive(
        &mut app,
        Message::LoggedIn(Err("認証に失敗しました".into())),
    );
    assert_eq!(
        app.login.as_ref().unwrap().error.as_deref(),
        Some("認証に失敗しました")
    );
    assert_eq!(
        receive(&mut app, Message::LoggedIn(Ok("佐藤".into()))),
        vec![Effect::Sync]
    );
    assert!(app.login.is_none());
}

#[test]
fn an_expired_session_during_sync_opens_the_login_screen() {
    let mut app = app();
    receive(
        &mut app,
        Message::Synced(Err(anshin::tui::app::SyncFailure {
            message: "ログインの有効期限が切れました".into(),
            session_expired: true,
        })),
    );
    assert!(app.login.is_some());
    let offline = receive(
        &mut app,
        Message::Synced(Err(anshin::tui::app::SyncFailure {
            message: "接続できません".into(),
            session_expired: false,
        })),
    );
    assert!(offline.is_empty());
    assert!(!app.status.online);
}

#[test]
fn a_background_sync_brings_a_ready_index() {
    let mut app = app();
    let mut snapshot = parse_snapshot(anshin::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    snapshot.revision = 8;
    snapshot.people.retain(|p| !p.name.contains('髙'));
    let index = std::sync::Arc::new(anshin::search::SearchIndex::build(snapshot));
    let synced_at = anshin::directory::japan_offset()
        .with_ymd_and_hms(2026, 11, 25, 13, 15, 0)
        .unwrap();
    receive(
        &mut app,
        Message::Synced(Ok(Box::new(anshin::tui::app::Synced {
            index,
            synced_at,
            summary: "同期しました（版 8）".into(),
        }))),
    );
    assert_eq!(app.status.revision, 8);
    assert!(app.status.online);
    assert!(screen(&app, 120, 40).contains("同期しました（版 8）"));
    type_text(&mut app, "髙");
    assert!(app
        .hits
        .iter()
        .all(|h| !matches!(h.entry, EntryRef::Person(i) if app.index.as_ref().unwrap().person(i).name.contains('髙'))));
    assert!(!app.hits.is_empty(), "高 still finds 高橋");
}
