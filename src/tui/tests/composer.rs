//! The slip composer on ratatui's TestBackend: each of the five steps as an insta snapshot, the
//! body's findings highlighted, exports asked of the runtime only for a clean slip, drafts
//! saved on the tick, and the drafts / sent-log view. The outbox's side (files, PDF) is tested
//! in `slip::outbox`, end to end in `tests/tui_tmux.rs`.

use super::*;
use crate::client::config::SenderDefaults;
use crate::slip::drafts::SavedDraft;
use crate::slip::model::parse_slip;
use crate::slip::outbox::{Exported, OutboxJob, OutboxResult};
use crate::slip::sent_log::{ExportFormat, SentRecord};
use crate::tui::message::Message;
use crate::tui::screen::ScreenId;
use crate::tui::screens::composer::Step;
use crate::tui::screens::slips::SlipsScreen;
use ratatui::style::Modifier;

/// The main screen with 渡邊 浩 (林内科医院, FAX first) selected, and a sender configured.
fn app_on_doctor() -> App {
    let mut app = app();
    app.set_sender(SenderDefaults {
        office: "光が丘ケアプランセンター".into(),
        name: "佐藤 花子".into(),
        phone: "042-700-1000".into(),
        fax: "042-700-1001".into(),
    });
    type_text(&mut app, "watanabe hiroshi hayashi");
    app
}

fn compose(app: &mut App) {
    key(app, KeyCode::F(6));
    let composer = super::composer(app).expect("F6 opens the composer");
    assert_eq!(composer.to.doctor, "渡邊 浩");
}

/// Steps 1–3 of a first-contact slip for 木村 正男 (real name typed for the check only).
fn through_patient(app: &mut App) {
    key(app, KeyCode::PageDown);
    type_text(app, "n");
    key(app, KeyCode::Tab);
    type_text(app, "y");
    key(app, KeyCode::PageDown);
    type_text(app, "木村 正男");
    key(app, KeyCode::Tab);
    type_text(app, "きむら まさお");
    key(app, KeyCode::Tab);
    key(app, KeyCode::Tab);
    key(app, KeyCode::Tab);
    type_text(app, "85");
    key(app, KeyCode::Tab);
    key(app, KeyCode::Right);
    key(app, KeyCode::Tab);
    type_text(app, "中央区上溝");
}

fn step(app: &App) -> Step {
    super::composer(app).unwrap().step
}

#[test]
fn step_1_recipient_shows_the_doctors_methods_and_windows() {
    let mut app = app_on_doctor();
    compose(&mut app);
    assert_screen(
        "tui_composer__step_1_recipient_shows_the_doctors_methods_and_windows",
        screen(&app, 120, 40),
    );
}

#[test]
fn step_2_purpose_asks_about_urgency_first() {
    let mut app = app_on_doctor();
    compose(&mut app);
    key(&mut app, KeyCode::PageDown);
    assert_screen("tui_composer__step_2_unanswered", screen(&app, 120, 40));
    type_text(&mut app, "y");
    key(&mut app, KeyCode::PageDown);
    assert_eq!(step(&app), Step::Purpose, "an urgent matter stops here");
    assert_screen("tui_composer__step_2_urgent", screen(&app, 120, 40));
    type_text(&mut app, "n");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "y");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "6");
    assert_screen(
        "tui_composer__step_2_first_contact_report",
        screen(&app, 120, 40),
    );
}

#[test]
fn step_3_patient_proposes_the_mask() {
    let mut app = app_on_doctor();
    compose(&mut app);
    through_patient(&mut app);
    assert_eq!(step(&app), Step::Patient);
    assert_screen(
        "tui_composer__step_3_patient_proposes_the_mask",
        screen(&app, 120, 40),
    );
}

#[test]
fn step_4_body_highlights_findings_as_they_are_typed() {
    let mut app = app_on_doctor();
    compose(&mut app);
    through_patient(&mut app);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(step(&app), Step::Body);
    type_text(&mut app, "木村さんの同行受診の日程を調整させてください。");
    key(&mut app, KeyCode::Enter);
    type_text(&mut app, "娘さん 090-1234-5678 も同席します。");
    let text = screen(&app, 120, 40);
    assert_screen(
        "tui_composer__step_4_body_highlights_findings_as_they_are_typed",
        text,
    );

    // The findings are drawn reversed in the body: the name at the start of the first line.
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let buffer = terminal.backend().buffer();
    let name_cell = &buffer[(1, 2)];
    assert_eq!(name_cell.symbol(), "木");
    assert!(name_cell.modifier.contains(Modifier::REVERSED));
    let plain_cell = &buffer[(9, 2)];
    assert_eq!(plain_cell.symbol(), "の");
    assert!(!plain_cell.modifier.contains(Modifier::REVERSED));
    // A text that reads like an emergency is flagged while it is typed (R3, seed §4-6).
    type_text(&mut app, "昨夜から呼吸が苦しいそうです。");
    let text = screen(&app, 120, 40);
    assert!(text.contains("のような症状が書かれています"), "{text}");
    assert!(
        !text.contains("R3_URGENT_SIGNS"),
        "codes are for --json: {text}"
    );
}

#[test]
fn step_5_review_refuses_errors_and_exports_a_clean_slip() {
    let mut app = app_on_doctor();
    compose(&mut app);
    through_patient(&mut app);
    key(&mut app, KeyCode::PageDown);
    type_text(&mut app, "木村さんの同行受診の日程を調整させてください。");
    key(&mut app, KeyCode::PageDown);
    assert_eq!(step(&app), Step::Review);
    assert_eq!(key(&mut app, KeyCode::Char('p')), vec![]);
    assert_screen("tui_composer__step_5_errors", screen(&app, 120, 40));

    key(&mut app, KeyCode::PageUp);
    // Remove 「木村さんの」 from the front: the caret back to just after it, then Backspace.
    let prefix = "木村さんの".chars().count();
    let length = composer(&app).unwrap().body.value.chars().count();
    for _ in 0..length - prefix {
        key(&mut app, KeyCode::Left);
    }
    for _ in 0..prefix {
        key(&mut app, KeyCode::Backspace);
    }
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "2026-11-28 13:00-14:00");
    key(&mut app, KeyCode::PageDown);
    assert_screen("tui_composer__step_5_clean", screen(&app, 120, 40));
    let effects = key(&mut app, KeyCode::Char('p'));
    let [Effect::Slip(OutboxJob::Export { slip, format, .. })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(*format, ExportFormat::Pdf);
    assert_eq!(slip.patient.masked_name.as_deref(), Some("○村○男"));
    assert_eq!(slip.request.body, "同行受診の日程を調整させてください。");
    assert!(!crate::slip::model::write_slip(slip).contains("木村"));

    // A failed export (no Japanese font, a full disk) says why and keeps the slip as a draft.
    assert!(!composer(&app).unwrap().dirty);
    app.receive(Message::Outbox(OutboxResult::Exported(Err(
        "日本語のフォントが見つかりません".into(),
    ))));
    assert!(screen(&app, 120, 40).contains("出力できません: 日本語のフォントが見つかりません"));
    assert!(matches!(
        app.update(Action::Tick(clock())).as_slice(),
        [Effect::Slip(OutboxJob::Save { .. })]
    ));

    // The phone memo comes back to be read out during the call.
    let id = composer(&app).unwrap().id.clone();
    app.receive(Message::Outbox(OutboxResult::Exported(Ok(Exported {
        id,
        format: ExportFormat::Phone,
        path: "/tmp/x_電話.txt".into(),
        text: crate::slip::export::to_phone_script(slip),
    }))));
    assert_screen("tui_composer__phone_memo", screen(&app, 120, 40));
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.top(), ScreenId::Composer, "any key closes the memo");
    // The email text goes to the clipboard, and the member is told where to send it.
    let id = composer(&app).unwrap().id.clone();
    let address = composer(&app).unwrap().to.email.clone().unwrap();
    let effects = app.receive(Message::Outbox(OutboxResult::Exported(Ok(Exported {
        id,
        format: ExportFormat::Text,
        path: "/tmp/x_メール.txt".into(),
        text: "本文".into(),
    }))));
    assert_eq!(effects, vec![Effect::Copy("本文".into())]);
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("コピーしました") && text.contains(&address),
        "{text}"
    );
}

#[test]
fn drafts_are_saved_on_the_tick_and_on_close_never_with_the_real_name() {
    let mut app = app_on_doctor();
    compose(&mut app);
    assert_eq!(
        app.update(Action::Tick(clock())),
        vec![],
        "untouched: no draft"
    );
    through_patient(&mut app);
    let effects = app.update(Action::Tick(clock()));
    let [Effect::Slip(OutboxJob::Save { id, slip })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(!crate::slip::model::write_slip(slip).contains("木村"));
    assert_eq!(
        app.update(Action::Tick(clock())),
        vec![],
        "saved once per change"
    );
    let id = id.clone();
    app.receive(Message::Outbox(OutboxResult::DraftSaved {
        id: id.clone(),
        result: Ok(()),
    }));
    assert!(screen(&app, 120, 40).contains("下書き保存 13:30:00"));
    // A failed save says why and tries again on the next tick.
    type_text(&mut app, "区");
    app.update(Action::Tick(clock()));
    app.receive(Message::Outbox(OutboxResult::DraftSaved {
        id,
        result: Err("ディスクがいっぱいです".into()),
    }));
    assert!(screen(&app, 120, 40).contains("下書きを保存できません: ディスクがいっぱいです"));
    assert_eq!(app.update(Action::Tick(clock())).len(), 1);
    // Quitting saves first.
    type_text(&mut app, "上");
    let effects = ctrl(&mut app, 'q');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Slip(OutboxJob::Save { .. }), Effect::Quit]
    ));
}

#[test]
fn esc_keeps_the_draft_and_d_lists_drafts_and_the_sent_log() {
    let mut app = app_on_doctor();
    compose(&mut app);
    through_patient(&mut app);
    let effects = key(&mut app, KeyCode::Esc);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Slip(OutboxJob::Save { .. })]
    ));
    assert!(composer(&app).is_none());
    assert!(screen(&app, 120, 40).contains("下書きを残しました"));

    assert_eq!(
        key(&mut app, KeyCode::F(7)),
        vec![Effect::Slip(OutboxJob::Load)]
    );
    let slip = parse_slip(include_str!("../../../tests/fixtures/slips/ok.toml")).unwrap();
    let sent_at = slip.date.and_hms_opt(9, 15, 0).unwrap();
    let mut overdue = SentRecord::new(sent_at, "a", ExportFormat::Pdf, Some("a.pdf".into()), &slip);
    overdue.reply_by = chrono::NaiveDate::from_ymd_opt(2026, 11, 20);
    app.receive(Message::Outbox(OutboxResult::Loaded(Ok((
        vec![
            SavedDraft {
                id: "20261125-133000-p-00007".into(),
                saved_at: Some(sent_at),
                slip: Ok(slip.clone()),
            },
            SavedDraft {
                id: "20261124-100000".into(),
                saved_at: None,
                slip: Err("書式が正しくありません".into()),
            },
        ],
        vec![overdue],
    )))));
    assert_screen("tui_composer__drafts_and_sent_log", screen(&app, 120, 40));

    // x twice deletes; Enter opens the draft again.
    key(&mut app, KeyCode::Down);
    assert_eq!(key(&mut app, KeyCode::Char('x')), vec![]);
    assert_eq!(
        key(&mut app, KeyCode::Char('x')),
        vec![Effect::Slip(OutboxJob::Delete("20261124-100000".into()))]
    );
    // Issue 9: a delete that fails emptied the whole list on screen. Now it is said and the
    // lists are read again; a failed read keeps what is shown.
    assert_eq!(
        app.receive(Message::Outbox(OutboxResult::ChangeFailed(
            "削除できませんでした: 権限がありません".into()
        ))),
        vec![Effect::Slip(OutboxJob::Load)]
    );
    app.receive(Message::Outbox(OutboxResult::Loaded(Err(
        "読めません".into()
    ))));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("読めません"), "{shown}");
    assert_eq!(
        app.find::<SlipsScreen>()
            .unwrap()
            .view()
            .drafts
            .as_ref()
            .unwrap()
            .len(),
        1
    );
    // r on a sent record notes the doctor's reply (a few words, no patient data).
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('r'));
    type_text(&mut app, "090-1234-5678 に電話");
    assert_eq!(key(&mut app, KeyCode::Enter), vec![]);
    assert!(screen(&app, 120, 40).contains("個人情報のようなものがあります"));
    for _ in 0.."090-1234-5678 に電話".chars().count() {
        key(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "11/24 了承、11/28 に決定");
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Slip(OutboxJob::Reply { id, reply })] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(id, "a");
    assert_eq!(
        reply.date,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
    );
    assert_eq!(reply.outcome, "了承、11/28 に決定");
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    let composer = composer(&app).expect("Enter resumes the draft");
    assert_eq!(composer.id, "20261125-133000-p-00007");
    let mut expected = slip;
    expected.request.body = expected.request.body.trim_end().to_string();
    assert_eq!(composer.slip(), expected);
}

#[test]
fn organisations_and_non_doctors_get_no_slip_and_no_size_panics() {
    let mut app = app();
    type_text(&mut app, "林内科医院");
    key(&mut app, KeyCode::F(6));
    if composer(&app).is_none() {
        assert!(screen(&app, 120, 40).contains("医師・歯科医師あて"));
    }
    let mut app = app_on_doctor();
    compose(&mut app);
    through_patient(&mut app);
    for (w, h) in [
        (1, 1),
        (39, 11),
        (40, 12),
        (60, 16),
        (80, 24),
        (99, 30),
        (200, 60),
    ] {
        for _ in 0..5 {
            let _ = screen(&app, w, h);
            key(&mut app, KeyCode::PageDown);
        }
        for _ in 0..5 {
            key(&mut app, KeyCode::PageUp);
        }
    }
    assert_screen("tui_composer__narrow_80x24", screen(&app, 80, 24));
}
