//! The main screen: typing searches, the keys are commands, the filters, copy, the clock.

use super::*;
use crate::search::EntryRef;
use crate::tui::screen::ScreenId;
use crate::tui::screens::filters::chips;
use crate::tui::screens::search::Focus;

#[test]
fn typing_searches_on_every_key_and_arrows_select() {
    let mut app = app();
    let everyone = search(&app).hits().len();
    type_text(&mut app, "takahasi");
    assert_eq!(search(&app).query(), "takahasi");
    assert!(search(&app).hits().len() < everyone);
    let first = search(&app).selected_hit().unwrap().entry;
    let EntryRef::Person(i) = first else {
        panic!("a person first")
    };
    assert!(app
        .ctx()
        .index
        .as_ref()
        .unwrap()
        .person(i)
        .name_kana
        .starts_with("たかはし"));
    key(&mut app, KeyCode::Down);
    assert_eq!(search(&app).selected(), 1);
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    assert_eq!(search(&app).selected(), 0, "never above the first row");
    key(&mut app, KeyCode::Backspace);
    assert_eq!(search(&app).query(), "takahas");
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('X'));
    assert_eq!(
        search(&app).query(),
        "takahaXs",
        "typing goes in at the caret"
    );
}

/// Issue 11: letters always search — from the list or the detail — and never run a command;
/// commands are function keys and Ctrl- combinations.
#[test]
fn letters_always_search_and_commands_are_not_text() {
    let mut app = app();
    // What a newcomer types first: / ? q are not text, and nothing runs by accident.
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(search(&app).query(), "", "/ only means: search here");
    type_text(&mut app, "satou");
    assert_eq!(search(&app).query(), "satou");
    key(&mut app, KeyCode::Enter);
    assert_eq!(search(&app).focus(), Focus::Detail);
    // From the detail, a second name is typed straight in: y s d c are letters of it.
    type_text(&mut app, " ysdcq");
    assert_eq!(search(&app).query(), "satou ysdcq");
    assert_eq!(
        app.ids(),
        vec![ScreenId::Search],
        "nothing opened, nothing quit"
    );
    assert!(app.ctx().flash.is_none(), "the clipboard was not touched");
    // Commands: F-keys and Ctrl-.
    assert_eq!(key(&mut app, KeyCode::F(5)), vec![Effect::Sync]);
    assert_eq!(ctrl(&mut app, 's'), vec![Effect::Sync]);
    key(&mut app, KeyCode::F(1));
    assert_eq!(app.top(), ScreenId::Help);
    key(&mut app, KeyCode::Esc);
    assert_eq!(key(&mut app, KeyCode::F(10)), vec![Effect::Quit]);
}

/// Issue 11: the IME's full-width ？／ work as ?/ and full-width letters are text.
#[test]
fn full_width_command_keys_work_the_same() {
    let mut app = app();
    key(&mut app, KeyCode::Char('？'));
    assert_eq!(app.top(), ScreenId::Help, "full-width ？ opens the help");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('／'));
    assert_eq!(search(&app).query(), "");
    type_text(&mut app, "ｔａｋａｈａｓｉ");
    assert!(
        !search(&app).hits().is_empty(),
        "full-width romaji searches"
    );
}

/// Issue 11: Esc goes one level up, never toggles: detail → list → query cleared.
#[test]
fn esc_goes_one_level_up() {
    let mut app = app();
    type_text(&mut app, "takahasi");
    key(&mut app, KeyCode::Enter);
    assert_eq!(search(&app).focus(), Focus::Detail);
    key(&mut app, KeyCode::Esc);
    assert_eq!(search(&app).focus(), Focus::List);
    assert_eq!(search(&app).query(), "takahasi");
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        (search(&app).focus(), search(&app).query()),
        (Focus::List, "")
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(
        (search(&app).focus(), search(&app).query()),
        (Focus::List, ""),
        "stays"
    );
    ctrl(&mut app, 'f');
    assert_eq!(app.top(), ScreenId::Filters);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.top(), ScreenId::Search);
    assert_eq!(search(&app).focus(), Focus::List);
}

/// Issue 11: readline basics in the search box (a second caller).
#[test]
fn readline_keys_in_the_search_box() {
    let mut app = app();
    type_text(&mut app, "watanabe hiroshi");
    ctrl(&mut app, 'w');
    assert_eq!(search(&app).query(), "watanabe ");
    ctrl(&mut app, 'u');
    assert_eq!((search(&app).query(), search(&app).caret()), ("", 0));
    type_text(&mut app, "林内科");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    assert_eq!(search(&app).query(), "内科");
    key(&mut app, KeyCode::End);
    type_text(&mut app, "医院");
    assert_eq!(search(&app).query(), "内科医院");
}

/// Issue 11: honorifics and particles, care abbreviations, and a number typed to find whose it
/// is (seed §4(2): check an incoming FAX against the directory).
#[test]
fn japanese_as_typed_and_reverse_number_lookup() {
    let first_name = |app: &App| {
        let index = app.ctx().index.as_ref().unwrap();
        match search(app).selected_hit().unwrap().entry {
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
        let mut app = super::app();
        type_text(&mut app, query);
        assert!(!search(&app).hits().is_empty(), "{query}");
        assert!(
            first_name(&app).starts_with("渡"),
            "{query}: {}",
            first_name(&app)
        );
    }
    let mut app = app();
    type_text(&mut app, "HOT");
    assert!(!search(&app).hits().is_empty());
    let index = app.ctx().index.clone().unwrap();
    for hit in search(&app).hits().iter().take(20) {
        let org = index.organization_of(hit.entry).unwrap();
        assert!(org
            .home_care
            .as_ref()
            .unwrap()
            .procedures
            .contains(&crate::directory::Procedure::HomeOxygen));
    }
    // 林内科医院's FAX, typed as it arrives: the clinic first.
    for number in ["042-702-9263", "０４２７０２９２６３", "9263"] {
        let mut app = super::app();
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
    assert!(search(&app).hits().is_empty());
    let text = screen(&app, 120, 40);
    assert!(text.contains("「zzzqqq」に当てはまる"), "{text}");
    assert!(!text.contains("「takahasi」"), "{text}");
    assert!(text.contains("絞り込み中（F8 で解除）: 今連絡可"), "{text}");
    key(&mut app, KeyCode::F(8));
    assert!(!search(&app).filters().reachable_now);
}

/// Issue 11: copy picks the number in the doctor's preferred order and says whose it is;
/// pressing again copies the next.
#[test]
fn copy_says_whose_number_and_cycles() {
    let mut app = app();
    type_text(&mut app, "watanabe hiroshi hayashi");
    let first = ctrl(&mut app, 'y');
    let flash = app.ctx().flash.clone().unwrap();
    // 渡邊 浩 prefers FAX, then phone; both are the clinic's.
    assert_eq!(first, vec![Effect::Copy("042-702-9263".into())], "{flash}");
    assert!(
        flash.contains("FAX 042-702-9263（林内科医院の代表）"),
        "{flash}"
    );
    let second = key(&mut app, KeyCode::F(4));
    assert_eq!(second, vec![Effect::Copy("042-702-9262".into())]);
    assert!(app.ctx().flash.as_deref().unwrap().starts_with("電話"));
}

/// Issue 9: the list was searched again only on a key, so with "reachable now" on, people whose
/// window had closed stayed listed while the member waited on the phone. The clock's tick
/// searches again when the minute changes.
#[test]
fn the_reachable_list_follows_the_clock_without_a_key() {
    let mut app = app();
    key(&mut app, KeyCode::F(3));
    let at_lunch: Vec<EntryRef> = search(&app).hits().iter().map(|h| h.entry).collect();
    assert!(!at_lunch.is_empty());
    let evening = clock().date().and_hms_opt(21, 5, 0).unwrap();
    app.update(Action::Tick(evening));
    assert_eq!(app.ctx().now, evening);
    let index = app.ctx().index.clone().unwrap();
    assert!(
        search(&app).hits().len() < at_lunch.len(),
        "windows closed since 13:30"
    );
    assert!(search(&app).hits().iter().all(|h| h.reachable_now
        && matches!(
            index.availability(h.entry, evening),
            Some(crate::availability::Availability::Now { .. })
        )));
    // Within the same minute nothing is searched again (the selection stays where it is).
    let last = search(&app).hits().len().saturating_sub(1);
    app.find_mut::<Search>().unwrap().select(last);
    let selected = search(&app).selected();
    app.update(Action::Tick(evening + chrono::Duration::seconds(30)));
    assert_eq!(search(&app).selected(), selected);
}

#[test]
fn filters_toggle_and_show_as_chips() {
    let mut app = app();
    key(&mut app, KeyCode::F(3));
    assert!(search(&app).filters().reachable_now);
    assert!(search(&app).hits().iter().all(|h| h.reachable_now));
    key(&mut app, KeyCode::F(3));
    assert!(!search(&app).filters().reachable_now);
    key(&mut app, KeyCode::F(2));
    assert_eq!(app.top(), ScreenId::Filters);
    key(&mut app, KeyCode::Right); // 種別: 診療所 shown
    assert!(
        search(&app).filters().kinds.is_empty(),
        "shown, not yet chosen"
    );
    key(&mut app, KeyCode::Char(' ')); // chosen
    assert_eq!(
        search(&app).filters().kinds,
        vec![crate::directory::OrganizationKind::Clinic]
    );
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right); // 区: 緑区
    assert_eq!(search(&app).filters().ward.as_deref(), Some("緑区"));
    for hit in search(&app).hits() {
        let org = app
            .ctx()
            .index
            .as_ref()
            .unwrap()
            .organization_of(hit.entry)
            .unwrap();
        assert_eq!(
            (org.kind, org.ward.as_str()),
            (crate::directory::OrganizationKind::Clinic, "緑区")
        );
    }
    key(&mut app, KeyCode::Left); // back to all wards
    assert_eq!(search(&app).filters().ward, None);
    key(&mut app, KeyCode::Esc);
    assert_eq!(search(&app).focus(), Focus::List);
    assert_eq!(
        chips(search(&app).filters()),
        vec!["種別: 診療所".to_string()]
    );
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
    assert!(app
        .ctx()
        .flash
        .as_deref()
        .unwrap()
        .contains(number.as_str()));
}

/// Issue 11: filters in a few keys — type to narrow (看取り among 23 procedures), several
/// choices per row, doctors only, one key clears all.
#[test]
fn filters_in_a_few_keys() {
    use crate::directory::Procedure;
    let mut app = app();
    key(&mut app, KeyCode::F(2));
    for _ in 0..3 {
        key(&mut app, KeyCode::Down); // 医療行為
    }
    type_text(&mut app, "mito");
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(
        search(&app).filters().procedures,
        vec![Procedure::TerminalCare]
    );
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
        search(&app).filters().procedures,
        vec![Procedure::TerminalCare, Procedure::HomeOxygen],
        "several at once (all must be manageable)"
    );
    // A single-choice row takes the first match at once: 区 by reading.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Up);
    type_text(&mut app, "midori");
    assert_eq!(search(&app).filters().ward.as_deref(), Some("緑区"));
    // Doctors only.
    for _ in 0..6 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    assert!(search(&app).filters().doctors_only);
    key(&mut app, KeyCode::Esc);
    let index = app.ctx().index.clone().unwrap();
    for hit in search(&app).hits() {
        let EntryRef::Person(i) = hit.entry else {
            panic!("doctors only: no organisations")
        };
        assert!(matches!(
            index.person(i).role,
            crate::directory::Role::Doctor | crate::directory::Role::Dentist
        ));
    }
    key(&mut app, KeyCode::F(8));
    assert!(search(&app).filters().is_empty());
}

#[test]
fn screen_main_with_detail_and_weekly_grid() {
    let mut app = app();
    type_text(&mut app, "takahasi");
    assert_screen(
        "tui__screen_main_with_detail_and_weekly_grid",
        screen(&app, 120, 40),
    );
}

#[test]
fn screen_narrow_detail_replaces_the_list() {
    let mut app = app();
    type_text(&mut app, "ﾀｶﾊｼ");
    key(&mut app, KeyCode::Enter);
    assert_screen(
        "tui__screen_narrow_detail_replaces_the_list",
        screen(&app, 80, 30),
    );
}
