//! The listing editor and the centre's review (DESIGN §7, issue 14): keys → the change request
//! the runtime is asked to file, and the screens as the member and the centre see them.

use super::*;
use crate::api::{Account, AccountRole};
use crate::listing::{ChangeRequest, ChangeStatus, FieldChange, ReviewedChange, Take};
use crate::tui::message::{Filed, ListingJob, ListingNews, Message};
use crate::tui::screen::ScreenId;

fn account(organization: &str, role: AccountRole) -> Account {
    Account {
        login_id: "demo-clinic".into(),
        display_name: "デモ 林".into(),
        organization: organization.into(),
        role,
        disabled: false,
        must_change_password: false,
        two_factor: false,
        two_factor_setup_required: false,
    }
}

/// The demo's clinic (林内科医院, o-00003) signed in, on the main screen.
fn clinic_app() -> App {
    let mut app = app();
    app.set_account(account("o-00003", AccountRole::Member));
    app
}

fn filed(effects: &[Effect]) -> Option<&crate::listing::NewChangeRequest> {
    effects.iter().find_map(|e| match e {
        Effect::Listing(ListingJob::File(request)) => Some(request),
        _ => None,
    })
}

/// The TUI opens before the server has said who is signed in (issue 15): the answer, when it
/// comes, names the member in the title bar and lets the listing editor open; an answer that
/// comes after someone signed in on the login screen does not replace them.
#[test]
fn the_account_asked_after_the_first_frame_is_taken_once() {
    let mut app = app();
    assert!(app.ctx().account.is_none());
    app.receive(Message::Account(account("o-00003", AccountRole::Member)));
    assert_eq!(app.ctx().account.as_ref().unwrap().organization, "o-00003");
    assert!(
        app.ctx().status.member.contains("デモ 林"),
        "{}",
        app.ctx().status.member
    );
    app.receive(Message::Account(account("o-00009", AccountRole::Member)));
    assert_eq!(app.ctx().account.as_ref().unwrap().organization, "o-00003");
}

#[test]
fn a_clinic_changes_its_acceptance_and_a_window_with_the_keyboard() {
    let mut app = clinic_app();
    let mut keys = 0;
    let opened = key(&mut app, KeyCode::F(12));
    keys += 1;
    assert_eq!(app.top(), ScreenId::Listing);
    assert!(opened.contains(&Effect::Listing(ListingJob::Mine)));
    // The editor opens on the acceptance: one key makes it 要相談.
    key(&mut app, KeyCode::Right);
    keys += 1;
    // PgDn: the first doctor's contact windows; typed as a care manager reads them.
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'u');
    keys += 3;
    type_text(&mut app, "月水金 12:30-13:30 電話");
    key(&mut app, KeyCode::Enter);
    keys += 1;
    assert_screen("listing_editor", screen(&app, 120, 40));
    ctrl(&mut app, 's');
    keys += 1;
    type_text(&mut app, "外来が増えるため");
    assert_screen("listing_diff", screen(&app, 120, 40));
    let effects = key(&mut app, KeyCode::Enter);
    keys += 1;
    // 8 keys besides the window and the note typed (and none of them a letter: the IME can
    // stay on).
    assert_eq!(keys, 8);
    let request = filed(&effects).expect("the request goes to the runtime");
    assert_eq!(request.organization_id, "o-00003");
    assert_eq!(request.note, "外来が増えるため");
    let fields: Vec<(&str, &str)> = request
        .changes
        .iter()
        .map(|c| (c.record.as_str(), c.field.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("o-00003", "home_care.accepting"),
            ("p-00007", "contact.windows")
        ]
    );
    assert_eq!(request.changes[0].old, "accepting");
    assert_eq!(request.changes[0].new, "consult");
    assert_eq!(request.changes[1].new[0]["start"], "12:30");
    // Refused by the server: the edits stay to correct (nothing the member typed is lost).
    app.receive(Message::Listing(ListingNews::Filed(Ok(Filed::Refused(
        "髙橋 一郎さんの「連絡できる時間帯」: …".into(),
    )))));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("送れませんでした"), "{shown}");
    assert!(shown.contains("月水金 12:30-13:30 電話"), "{shown}");
    // Offline: it waits in the outbox, and the member is told so.
    app.receive(Message::Listing(ListingNews::Filed(Ok(Filed::Waiting))));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("送信待ちにしました"), "{shown}");
}

#[test]
fn a_window_that_cannot_be_read_is_refused_in_place_and_nothing_is_lost() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 'u');
    type_text(&mut app, "月水金 1300-1400");
    key(&mut app, KeyCode::Enter);
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("「月水金 13:00-14:00 電話（昼休み）」の形で"),
        "{shown}"
    );
    // Still typing: the text is kept to correct.
    assert!(shown.contains("月水金 1300-1400"), "{shown}");
    // Esc leaves the field; Esc on the editor with the acceptance changed asks first.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.top(), ScreenId::Listing);
    assert!(screen(&app, 120, 40).contains("もう一度 Esc"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.top(), ScreenId::Search);
}

#[test]
fn no_change_is_confirmed_in_one_step_and_people_are_added_and_removed() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    ctrl(&mut app, 's');
    assert!(screen(&app, 120, 40).contains("変更はありません"));
    let effects = key(&mut app, KeyCode::Enter);
    let request = filed(&effects).unwrap();
    assert!(
        request.changes.is_empty(),
        "a confirmation carries no change"
    );
    // Remove the first doctor, add a new one with a name.
    app.receive(Message::Listing(ListingNews::Filed(Ok(Filed::Waiting))));
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::Delete);
    for _ in 0..60 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "新井 花子");
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let effects = key(&mut app, KeyCode::Enter);
    let request = filed(&effects).unwrap();
    let whole: Vec<(&str, bool)> = request
        .changes
        .iter()
        .map(|c| (c.record.as_str(), c.new.is_null()))
        .collect();
    assert_eq!(whole, [("p-00007", true), ("p-new-1", false)]);
    assert_eq!(request.changes[1].new["name"], "新井 花子");
}

#[test]
fn procedures_and_districts_are_chosen_from_their_lists() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    // The fifth row: the procedures.
    for _ in 0..4 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("[ ] 在宅酸素療法"), "{shown}");
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let request = filed(&key(&mut app, KeyCode::Enter)).unwrap().clone();
    assert_eq!(request.changes[0].field, "home_care.procedures");
    assert_eq!(request.changes[0].new[0], "home_oxygen");
}

#[test]
fn a_window_is_painted_on_the_weekly_grid() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    key(&mut app, KeyCode::PageDown);
    key(&mut app, KeyCode::F(4));
    // On Monday 13:00, the doctor's first window: extend Wednesday to 14:30.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char(' '));
    assert_screen("listing_grid", screen(&app, 120, 40));
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    let request = filed(&key(&mut app, KeyCode::Enter)).unwrap().clone();
    let change = &request.changes[0];
    assert_eq!(change.field, "contact.windows");
    assert_eq!(
        crate::listing::describe("contact.windows", &change.new),
        "月金 13:00-14:00 電話（昼休み）; 水 13:00-14:30"
    );
    // F4 elsewhere says where it works.
    app.receive(Message::Listing(ListingNews::Filed(Ok(Filed::Waiting))));
    key(&mut app, KeyCode::F(4));
    assert!(screen(&app, 120, 40).contains("F4 は担当者の「連絡できる時間帯」で使えます"));
}

#[test]
fn the_acceptance_by_its_number_with_the_ime_on() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    key(&mut app, KeyCode::Char('３'));
    ctrl(&mut app, 's');
    let request = filed(&key(&mut app, KeyCode::Enter)).unwrap().clone();
    assert_eq!(request.changes[0].new, "not_accepting");
}

#[test]
fn without_a_known_account_the_editor_says_why() {
    let mut app = app();
    key(&mut app, KeyCode::F(12));
    assert_eq!(app.top(), ScreenId::Search);
    assert!(screen(&app, 120, 40).contains("サーバーにつながってから開けます"));
}

fn pending_with_conflict() -> ChangeRequest {
    ChangeRequest {
        id: 7,
        client_ref: "r".into(),
        organization_id: "o-00003".into(),
        organization_name: "林内科医院".into(),
        submitter: "demo-clinic".into(),
        submitted_at: crate::directory::japan_offset()
            .with_ymd_and_hms(2026, 11, 25, 10, 0, 0)
            .unwrap(),
        base_revision: 1,
        note: "外来が増えるため".into(),
        status: ChangeStatus::Pending,
        changes: vec![
            ReviewedChange {
                change: FieldChange {
                    record: "o-00003".into(),
                    field: "home_care.accepting".into(),
                    old: "accepting".into(),
                    new: "not_accepting".into(),
                },
                now: Some("consult".into()),
                conflict: true,
                person: None,
            },
            ReviewedChange {
                change: FieldChange {
                    record: "p-00007".into(),
                    field: "title".into(),
                    old: "非常勤医師".into(),
                    new: "院長".into(),
                },
                now: Some("非常勤医師".into()),
                conflict: false,
                person: Some("渡邊 浩".into()),
            },
        ],
        reviewer: None,
        reviewed_at: None,
        reason: None,
        applied_revision: None,
    }
}

#[test]
fn the_centre_decides_each_conflict_before_approving() {
    let mut app = app();
    app.set_account(account(
        "在宅医療・介護連携支援センター",
        AccountRole::Admin,
    ));
    let effects = key(&mut app, KeyCode::F(12));
    assert_eq!(app.top(), ScreenId::Review);
    assert!(effects.contains(&Effect::Listing(ListingJob::Queue)));
    app.receive(Message::Listing(ListingNews::Queue(Ok(vec![
        pending_with_conflict(),
    ]))));
    assert_screen("listing_review_queue", screen(&app, 120, 40));
    // Enter with a conflict undecided: told to decide, on the conflicting change.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(screen(&app, 120, 40).contains("申請のあとで変わった項目があります"));
    key(&mut app, KeyCode::Left);
    assert!(screen(&app, 120, 40).contains("→ 今のままにする"));
    key(&mut app, KeyCode::Right);
    assert!(key(&mut app, KeyCode::Enter).is_empty(), "asked once more");
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Listing(ListingJob::Approve {
            id: 7,
            resolutions: vec![crate::listing::Resolution {
                index: 0,
                take: Take::Proposed
            }],
        })]
    );
}

#[test]
fn the_centre_rejects_with_a_reason() {
    let mut app = app();
    app.set_account(account("支援センター", AccountRole::Admin));
    key(&mut app, KeyCode::F(12));
    app.receive(Message::Listing(ListingNews::Queue(Ok(vec![
        pending_with_conflict(),
    ]))));
    key(&mut app, KeyCode::F(3));
    assert!(
        key(&mut app, KeyCode::Enter).is_empty(),
        "a reason is needed"
    );
    type_text(&mut app, "院長の確認をお願いします");
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Listing(ListingJob::Reject {
            id: 7,
            reason: "院長の確認をお願いします".into()
        })]
    );
}

#[test]
fn the_editor_at_80_by_24() {
    let mut app = clinic_app();
    key(&mut app, KeyCode::F(12));
    key(&mut app, KeyCode::Right);
    assert_screen("listing_editor_80x24", screen(&app, 80, 24));
}
