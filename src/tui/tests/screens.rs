//! The screens around the search: login, lock, help, sizes, background syncs.

use super::*;
use crate::client::Unlock;
use crate::search::EntryRef;
use crate::tui::message::{Message, SignedIn, SyncFailure, Synced};
use crate::tui::screen::ScreenId;
use crate::tui::screens::lock::Lock;
use crate::tui::screens::login::Login;
use ratatui::crossterm::event::KeyEventKind;

#[test]
fn releases_are_ignored_and_ctrl_c_always_quits() {
    let mut app = app();
    let release = KeyEvent {
        kind: KeyEventKind::Release,
        ..KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE)
    };
    assert_eq!(app.update(Action::Key(release)), vec![]);
    assert_eq!(search(&app).query(), "", "a release types nothing");
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit]);
    app.push(Box::new(Lock::default()));
    assert_eq!(ctrl(&mut app, 'c'), vec![Effect::Quit]);
    assert_eq!(ctrl(&mut app, 'q'), vec![Effect::Quit]);
}

#[test]
fn idle_lock_hides_everything_and_unlocks_with_the_password() {
    let mut app = App::new("x".into(), Duration::ZERO, clock());
    app.set_directory(demo_directory(), true);
    app.update(Action::Tick(clock()));
    assert_eq!(app.top(), ScreenId::Lock);
    let locked = screen(&app, 120, 40);
    assert!(
        !locked.contains("髙橋") && !locked.contains("高橋"),
        "no directory data while locked"
    );
    assert!(locked.contains("ロック中"));
    // A resize keeps it locked.
    app.update(Action::Resize(100, 30));
    assert_eq!(app.top(), ScreenId::Lock);
    type_text(&mut app, "pw");
    assert_eq!(app.find::<Lock>().unwrap().input, "pw");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::CheckUnlock {
            password: "pw".into(),
            code: None
        }]
    );
    let _ = app.receive(Message::Unlocked(Unlock::Refused));
    assert_eq!(app.top(), ScreenId::Lock);
    assert!(screen(&app, 120, 40).contains("パスワードが違います"));
    let _ = app.receive(Message::Unlocked(Unlock::Unlocked));
    assert_eq!(app.ids(), vec![ScreenId::Search]);
}

/// Issue 12, item 7: the session ended while the screen was locked and the account signs in
/// with two factors: the lock asks for the code next, sends it with the password typed before,
/// and shows the code as typed (it is single-use) but never the password.
#[test]
fn the_idle_lock_asks_for_the_code_when_the_server_wants_it() {
    let mut app = App::new("x".into(), Duration::ZERO, clock());
    app.set_directory(demo_directory(), true);
    app.update(Action::Tick(clock()));
    type_text(&mut app, "secret-pass-word");
    key(&mut app, KeyCode::Enter);
    let _ = app.receive(Message::Unlocked(Unlock::CodeNeeded));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("確認コード"), "{shown}");
    assert!(!shown.contains("secret-pass-word"));
    type_text(&mut app, "１２３４５６");
    assert!(screen(&app, 120, 40).contains("１２３４５６"));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::CheckUnlock {
            password: "secret-pass-word".into(),
            code: Some("１２３４５６".into())
        }]
    );
    let _ = app.receive(Message::Unlocked(Unlock::Refused));
    assert!(screen(&app, 120, 40).contains("確認コードが違います"));
    type_text(&mut app, "654321");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::CheckUnlock {
            password: "secret-pass-word".into(),
            code: Some("654321".into())
        }]
    );
    let _ = app.receive(Message::Unlocked(Unlock::Unlocked));
    assert_eq!(app.ids(), vec![ScreenId::Search]);
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
    key(&mut app, KeyCode::F(1));
    for (w, h) in [(40, 12), (50, 14), (120, 40)] {
        let _ = screen(&app, w, h);
    }
}

#[test]
fn screen_filters_and_help() {
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Right);
    assert_screen("tui__filters", screen(&app, 120, 40));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('?'));
    assert_screen("tui__help", screen(&app, 120, 40));
}

#[test]
fn screen_lock_and_too_small() {
    let mut app = app();
    app.push(Box::new(Lock::default()));
    assert_screen("tui__lock", screen(&app, 120, 40));
    let _ = app.receive(Message::Unlocked(Unlock::Unlocked));
    assert_screen("tui__too_small", screen(&app, 30, 8));
}

#[test]
fn login_screen_collects_and_sends_without_keeping_the_password() {
    let mut app = app();
    app.sign_in_first("http://127.0.0.1:8080");
    let form = |app: &App| app.find::<Login>().map(|l| l.form().clone());
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        form(&app).unwrap().error.as_deref(),
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
    assert_screen("tui__login", shown);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::Login {
            server: "http://127.0.0.1:8080".into(),
            login_id: "sato".into(),
            password: "pass word 123".into(),
            code: None
        }]
    );
    assert!(form(&app).unwrap().password.is_empty());
    app.receive(Message::LoggedIn(Err("認証に失敗しました".into())));
    assert_eq!(
        form(&app).unwrap().error.as_deref(),
        Some("認証に失敗しました")
    );
    assert_eq!(
        app.receive(Message::LoggedIn(Ok(SignedIn {
            member: "佐藤".into(),
            must_change_password: false,
            two_factor_setup_required: false,
            recent_failures: 0,
            account: None,
        }))),
        vec![Effect::Sync]
    );
    assert!(form(&app).is_none());
    assert_eq!(app.ctx().status.member, "佐藤");
}

/// Issue 12, item 7: the server says the password is right and wants the one-time code: a
/// fourth field appears, the password goes again with the code, and is forgotten after.
#[test]
fn the_login_screen_asks_for_the_code_of_a_two_factor_account() {
    let mut app = app();
    app.sign_in_first("http://127.0.0.1:8080");
    let form = |app: &App| app.find::<Login>().map(|l| l.form().clone());
    type_text(&mut app, "admin");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "centre password 2026");
    key(&mut app, KeyCode::Enter);
    app.receive(Message::LoginNeedsCode);
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("確認コード"), "{shown}");
    assert!(!shown.contains("centre password"), "{shown}");
    assert_eq!(form(&app).unwrap().field, 3);
    // Enter with no code says so; nothing is sent.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    type_text(&mut app, "123456");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Login {
            server: "http://127.0.0.1:8080".into(),
            login_id: "admin".into(),
            password: "centre password 2026".into(),
            code: Some("123456".into()),
        }]
    );
    app.receive(Message::LoggedIn(Err("確認コードが違います".into())));
    let again = form(&app).unwrap();
    assert_eq!((again.field, again.code.as_str()), (3, ""));
    type_text(&mut app, "654321");
    key(&mut app, KeyCode::Enter);
    app.receive(Message::LoggedIn(Ok(SignedIn {
        member: "管理者".into(),
        must_change_password: false,
        two_factor_setup_required: false,
        recent_failures: 0,
        account: None,
    })));
    assert!(form(&app).is_none());
}

/// An account the server requires two factors of, not set up yet: the TUI says how (the
/// terminal command shows the QR code) instead of opening a directory it cannot sync.
#[test]
fn a_login_that_must_set_up_two_factor_is_told_how() {
    let mut app = app();
    app.sign_in_first("http://127.0.0.1:8080");
    type_text(&mut app, "admin");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "centre password 2026");
    key(&mut app, KeyCode::Enter);
    let effects = app.receive(Message::LoggedIn(Ok(SignedIn {
        member: "管理者".into(),
        must_change_password: false,
        two_factor_setup_required: true,
        recent_failures: 0,
        account: None,
    })));
    assert!(effects.is_empty());
    assert_eq!(app.top(), ScreenId::Login);
    assert!(screen(&app, 120, 40).contains("anshin 2fa"));
}

/// Issue 15: a background sync that found nothing new loaded the whole cache and built a
/// second index beside the first. Now the runtime says "unchanged" and only the status moves:
/// the same index, the new time, online, and the sign-in's notice if one waits.
#[test]
fn a_sync_that_finds_nothing_new_keeps_the_index_and_moves_the_time() {
    use chrono::TimeZone;
    let mut app = app();
    let revision = app.held_revision().unwrap();
    let before = std::sync::Arc::as_ptr(app.ctx().index.as_ref().unwrap());
    let later = crate::directory::japan_offset()
        .with_ymd_and_hms(2026, 11, 25, 13, 40, 0)
        .unwrap();
    app.receive(Message::Synced(Err(SyncFailure {
        message: "接続できません".into(),
        session_expired: false,
        password_change_required: false,
    })));
    assert!(!app.ctx().status.online);
    assert!(app
        .receive(Message::SyncUnchanged {
            revision,
            synced_at: later
        })
        .is_empty());
    let ctx = app.ctx();
    assert!(ctx.status.online);
    assert_eq!(ctx.status.error, None);
    assert_eq!(ctx.status.synced_at, Some(later));
    assert_eq!(std::sync::Arc::as_ptr(ctx.index.as_ref().unwrap()), before);
    assert!(screen(&app, 120, 40).contains("ディレクトリは最新です"));
}

#[test]
fn an_expired_session_during_sync_opens_the_login_screen() {
    let mut app = app();
    app.receive(Message::Synced(Err(SyncFailure {
        message: "ログインの有効期限が切れました".into(),
        session_expired: true,
        password_change_required: false,
    })));
    assert_eq!(app.top(), ScreenId::Login);
    let offline = app.receive(Message::Synced(Err(SyncFailure {
        message: "接続できません".into(),
        session_expired: false,
        password_change_required: false,
    })));
    assert!(offline.is_empty());
    assert!(!app.ctx().status.online);
}

#[test]
fn a_background_sync_brings_a_ready_index() {
    let mut app = app();
    let mut snapshot = parse_snapshot(crate::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    snapshot.revision = 8;
    snapshot.people.retain(|p| !p.name.contains('髙'));
    let index = std::sync::Arc::new(crate::search::SearchIndex::build(snapshot));
    let synced_at = crate::directory::japan_offset()
        .with_ymd_and_hms(2026, 11, 25, 13, 15, 0)
        .unwrap();
    app.receive(Message::Synced(Ok(Box::new(Synced {
        index,
        synced_at,
        summary: Some("同期しました（版 8）".into()),
        online: true,
    }))));
    assert_eq!(app.ctx().status.revision, 8);
    assert!(app.ctx().status.online);
    assert!(screen(&app, 120, 40).contains("同期しました（版 8）"));
    type_text(&mut app, "髙");
    assert!(search(&app)
        .hits()
        .iter()
        .all(|h| !matches!(h.entry, EntryRef::Person(i) if app.ctx().index.as_ref().unwrap().person(i).name.contains('髙'))));
    assert!(!search(&app).hits().is_empty(), "高 still finds 高橋");
}

/// Issue 12, item 7: a password the support centre set is changed at the first sign-in, before
/// anything else (the server serves nothing else until then); the new one is asked twice and
/// none of the three is kept once sent.
#[test]
fn the_first_sign_in_changes_the_support_centres_password() {
    let mut app = app();
    app.sign_in_first("http://127.0.0.1:8080");
    type_text(&mut app, "sato");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "centre-chose-this-1");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::Login { .. }]
    ));
    let effects = app.receive(Message::LoggedIn(Ok(SignedIn {
        member: "佐藤".into(),
        must_change_password: true,
        two_factor_setup_required: false,
        recent_failures: 0,
        account: None,
    })));
    assert!(effects.is_empty(), "no sync before the change: {effects:?}");
    assert_eq!(app.top(), ScreenId::Password);
    let shown = screen(&app, 120, 40);
    assert!(
        !shown.contains("髙橋"),
        "nothing of the directory behind it"
    );
    assert_screen("tui__password_first_use", shown);
    // Esc does not get round it.
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.top(), ScreenId::Password);
    // The current one, then two new ones that differ: asked again.
    type_text(&mut app, "centre-chose-this-1");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "my-own-secret-42");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "my-own-secret-43");
    assert_eq!(key(&mut app, KeyCode::Enter), vec![]);
    assert!(screen(&app, 120, 40).contains("一致しません"));
    type_text(&mut app, "my-own-secret-42");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "my-own-secret-42");
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::ChangePassword {
            current: "centre-chose-this-1".into(),
            new: "my-own-secret-42".into()
        }]
    );
    assert!(
        !screen(&app, 120, 40).contains('*'),
        "nothing kept once sent"
    );
    // Refused by the server (too easy to guess): said, and asked again.
    app.receive(Message::PasswordChanged(Err(
        "推測されやすいパスワードです".into(),
    )));
    assert!(screen(&app, 120, 40).contains("推測されやすい"));
    assert_eq!(app.top(), ScreenId::Password);
    // Changed: the first sync.
    let effects = app.receive(Message::PasswordChanged(Ok(())));
    assert_eq!(effects, vec![Effect::Sync]);
    assert_eq!(app.ids(), vec![ScreenId::Search]);
    assert!(app.ctx().flash.as_deref().unwrap().contains("変えました"));
    // F9 opens it any time; there Esc goes back.
    key(&mut app, KeyCode::F(9));
    assert_eq!(app.top(), ScreenId::Password);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.ids(), vec![ScreenId::Search]);
}

/// Signed in from a script and never changed: the first sync is refused, and the TUI asks for
/// the change instead of only saying so; the next refused sync does not stack a second screen.
#[test]
fn a_sync_refused_for_the_centres_password_asks_for_the_change() {
    let mut app = app();
    let refused = || {
        Message::Synced(Err(SyncFailure {
            message: "支援センターが決めたパスワードのままです".into(),
            session_expired: false,
            password_change_required: true,
        }))
    };
    app.receive(refused());
    assert_eq!(app.ids(), vec![ScreenId::Search, ScreenId::Password]);
    app.receive(refused());
    assert_eq!(app.ids(), vec![ScreenId::Search, ScreenId::Password]);
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        app.top(),
        ScreenId::Password,
        "no way round it but the change"
    );
}
