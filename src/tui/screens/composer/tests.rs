//! The wizard's logic without a terminal: what each step asks, what stops it, what the slip
//! becomes — and that the real name never gets into it.

use super::*;
use crate::client::config::SenderDefaults;
use crate::directory::{parse_snapshot, Snapshot};
use crate::slip::model::{Channel, Purpose, Sex};
use chrono::{NaiveDate, NaiveDateTime};
use ComposerAction as A;

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap()
}

fn demo() -> Snapshot {
    parse_snapshot(crate::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap()
}

fn sender() -> SenderDefaults {
    SenderDefaults {
        office: "光が丘ケアプランセンター".into(),
        name: "佐藤 花子".into(),
        phone: "042-700-1000".into(),
        fax: "042-700-1001".into(),
    }
}

/// The ok.toml fixture's doctor: 渡邊 浩, 林内科医院, FAX first.
fn composer(directory: &Snapshot) -> Composer {
    let person = directory.person("p-00007").unwrap();
    let org = directory.organization(&person.organization_id);
    let mut c = Composer::new(person, org, &sender(), now());
    c.refresh(Some(directory), now());
    c
}

/// One action; a typed character means what the key tables say it means where the composer
/// stands (an answer, a command on the review step, text).
fn act(c: &mut Composer, directory: &Snapshot, action: A) -> Option<ComposerRequest> {
    let action = match action {
        A::Type(ch) => char_action(c, ch),
        other => other,
    };
    let request = c.update(action);
    c.refresh(Some(directory), now());
    request
}

fn type_text(c: &mut Composer, directory: &Snapshot, text: &str) {
    for ch in text.chars() {
        act(c, directory, A::Type(ch));
    }
}

/// Through steps 1–3 with a first contact to schedule an accompanied visit.
fn to_body_step(c: &mut Composer, d: &Snapshot) {
    act(c, d, A::NextStep);
    act(c, d, A::Type('n'));
    act(c, d, A::NextField);
    act(c, d, A::Type('y'));
    act(c, d, A::NextStep);
    assert_eq!(c.step, Step::Patient);
    type_text(c, d, "木村 正男");
    act(c, d, A::NextField);
    type_text(c, d, "きむら まさお");
    act(c, d, A::NextField);
    act(c, d, A::NextField);
    act(c, d, A::NextField);
    type_text(c, d, "８５歳");
    act(c, d, A::NextField);
    act(c, d, A::Right);
    act(c, d, A::NextField);
    type_text(c, d, "中央区上溝");
    act(c, d, A::NextStep);
    assert_eq!(c.step, Step::Body, "{:?}", c.problem);
}

#[test]
fn a_new_slip_starts_from_the_directory_and_the_sender_defaults() {
    let d = demo();
    let c = composer(&d);
    assert_eq!(c.to.doctor, "渡邊 浩");
    assert_eq!(c.to.institution, "林内科医院");
    assert_eq!(
        c.channel,
        Channel::Fax,
        "the doctor's first preferred method"
    );
    assert_eq!(c.to.fax.as_deref(), Some("042-702-9263"));
    assert_eq!(c.field(), Some(Field::Channel));
    assert!(!c.dirty, "an untouched slip is not a draft");
    let blank = Composer::new(
        d.person("p-00007").unwrap(),
        None,
        &SenderDefaults::default(),
        now(),
    );
    assert_eq!(
        blank.field(),
        Some(Field::Office),
        "a missing sender is asked first"
    );
}

#[test]
fn the_sender_and_the_urgency_question_must_be_answered() {
    let d = demo();
    let person = d.person("p-00007").unwrap();
    let mut c = Composer::new(person, None, &SenderDefaults::default(), now());
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Recipient);
    assert_eq!(c.problem.as_deref(), Some(text::NEED_SENDER));

    let mut c = composer(&d);
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Purpose);
    assert_eq!(
        c.field(),
        Some(Field::Urgent),
        "the urgency question comes first"
    );
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Purpose);
    assert_eq!(c.problem.as_deref(), Some(text::NEED_ANSWER));
    // Urgent: the wizard stops and shows the emergency guidance (seed §4-6).
    act(&mut c, &d, A::Type('y'));
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Purpose);
    assert_eq!(c.problem.as_deref(), Some(text::URGENT_STOP));
    assert!(c
        .checks
        .violations
        .iter()
        .any(|v| v.code == crate::slip::rules::RuleCode::UrgentUseEmergency));
    act(&mut c, &d, A::Type('n'));
    act(&mut c, &d, A::NextStep);
    assert_eq!(
        c.field(),
        Some(Field::FirstContact),
        "then the first-contact question"
    );
    act(&mut c, &d, A::Type('y'));
    // Digits pick one of the ten uses; a report on a first contact breaks R1.
    act(&mut c, &d, A::NextField);
    act(&mut c, &d, A::Type('4'));
    assert_eq!(c.purpose, Purpose::ServiceReport);
    assert!(c
        .checks
        .violations
        .iter()
        .any(|v| v.code == crate::slip::rules::RuleCode::FirstContactScheduleOnly));
    act(&mut c, &d, A::Type('0'));
    assert_eq!(c.purpose, Purpose::FamilyDoctorAfterDischarge);
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Patient);
}

#[test]
fn the_real_name_proposes_a_mask_and_never_reaches_the_slip() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    assert_eq!(c.masked_name.value, "○村○男");
    assert_eq!(c.real_name.value, "木村 正男");
    let slip = c.slip();
    assert_eq!(slip.patient.masked_name.as_deref(), Some("○村○男"));
    assert_eq!(slip.patient.age, Some(85));
    assert_eq!(slip.patient.sex, Sex::Female);
    let written = crate::slip::model::write_slip(&slip);
    assert!(
        !written.contains("木村") && !written.contains("正男"),
        "{written}"
    );
}

#[test]
fn the_body_is_checked_as_it_is_typed() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(&mut c, &d, "木村さんの件です。");
    assert_eq!(c.checks.findings.len(), 1);
    assert_eq!(c.checks.findings[0].text, "木村");
    assert_eq!(c.checks.findings[0].start, 0);
    for _ in 0.."木村さんの件です。".chars().count() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "同行受診の日程をご相談させてください。");
    act(&mut c, &d, A::Enter);
    type_text(&mut c, &d, "連絡先 042-700-0001");
    assert!(
        c.body.value.contains('\n'),
        "Enter is a new line in the body"
    );
    assert_eq!(c.checks.findings.len(), 1, "{:?}", c.checks.findings);
    // The office's own numbers are not personal information.
    for _ in 0.."042-700-0001".chars().count() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "042-700-1000");
    assert!(c.checks.findings.is_empty(), "{:?}", c.checks.findings);
}

#[test]
fn exports_are_refused_while_a_rule_says_error() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(&mut c, &d, "電話 090-1234-5678 の娘さんも同席します。");
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Review);
    assert_eq!(c.update(char_action(&c, 'p')), None);
    assert!(c.problem.as_deref().unwrap().contains("エラー"));
    act(&mut c, &d, A::PreviousStep);
    act(&mut c, &d, A::NextField);
    act(&mut c, &d, A::PreviousField);
    assert_eq!(c.field(), Some(Field::Body));
    while !c.body.value.is_empty() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "同行受診の日程を調整させてください。");
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.checks.errors(), 0, "{:?}", c.checks.violations);
    assert_eq!(
        act(&mut c, &d, A::Type('p')),
        Some(ComposerRequest::Export(ExportFormat::Pdf))
    );
    assert_eq!(
        act(&mut c, &d, A::Type('o')),
        Some(ComposerRequest::Export(ExportFormat::Phone))
    );
    // A phone slip is not written down: no PDF of it (R6/R7 were not applied).
    c.channel = Channel::Phone;
    c.refresh(Some(&d), now());
    assert_eq!(c.update(char_action(&c, 't')), None);
    assert_eq!(c.problem.as_deref(), Some(text::EXPORT_WRITTEN_OF_PHONE));
}

#[test]
fn a_draft_comes_back_as_it_was_left() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(&mut c, &d, "同行受診の日程を調整させてください。");
    act(&mut c, &d, A::NextField);
    type_text(&mut c, &d, "11/28 13:00-14:00");
    act(&mut c, &d, A::NextField);
    act(&mut c, &d, A::NextField);
    act(&mut c, &d, A::NextField);
    assert_eq!(c.field(), Some(Field::ReplyBy));
    for _ in 0..10 {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "12/1");
    assert!(c.dirty);
    let slip = c.slip();
    assert_eq!(slip.request.reply_by, NaiveDate::from_ymd_opt(2026, 12, 1));
    assert_eq!(
        slip.request.proposed_slots,
        vec!["2026-11-28 13:00-14:00"],
        "kept in the file's form"
    );
    let again = Composer::from_draft(&c.id, &slip, Some(&d));
    assert_eq!(again.slip(), slip);
    assert_eq!(again.preferred, c.preferred);
    assert!(again.real_name.value.is_empty());
    // The urgency question is asked again; the rest is as it was left.
    assert_eq!(again.step, Step::Purpose);
    assert_eq!(again.field(), Some(Field::Urgent));
    assert_eq!((again.urgent, again.first_contact), (None, Some(true)));
    assert_eq!(
        again.slip(),
        slip,
        "nothing changes until the member answers"
    );
    let mut again = again;
    again.update(char_action(&again, 'n'));
    again.update(A::NextStep);
    again.update(A::NextStep);
    // The real name was never saved: it is asked for again before a FAX can go (seed §4-5).
    assert_eq!(again.step, Step::Patient);
    assert_eq!(again.field(), Some(Field::RealName));
    assert_eq!(again.problem.as_deref(), Some(text::NEED_REAL_NAME));
    for ch in "木村 正男".chars() {
        again.update(char_action(&again, ch));
    }
    again.update(A::NextStep);
    assert_eq!(again.field(), Some(Field::RealNameKana), "and its reading");
    for ch in "きむら まさお".chars() {
        again.update(char_action(&again, ch));
    }
    again.update(A::NextStep);
    again.update(A::NextStep);
    assert_eq!(again.step, Step::Review, "{:?}", again.problem);
    assert_eq!(again.slip(), slip);
    let mut no_sender = slip;
    no_sender.from.phone.clear();
    let again = Composer::from_draft(&c.id, &no_sender, Some(&d));
    assert_eq!(again.step, Step::Recipient);
    assert_eq!(again.field(), Some(Field::Channel));
}

#[test]
fn ages_are_read_forgivingly_and_refused_clearly() {
    assert_eq!(parse_age("85"), Ok(Some(85)));
    assert_eq!(parse_age("８５歳"), Ok(Some(85)));
    assert_eq!(parse_age(""), Ok(None));
    assert_eq!(parse_age("八十五"), Err(text::AGE_INVALID));
    assert_eq!(parse_age("300"), Err(text::AGE_INVALID));
}

/// A draft whose body names the patient, opened again as after a crash: nothing in memory.
fn resumed_with_name_in_body(d: &Snapshot) -> Composer {
    let mut c = composer(d);
    to_body_step(&mut c, d);
    type_text(&mut c, d, "同行受診の日程を調整させてください。");
    let mut slip = c.slip();
    slip.request.body = "木村正男様の主治医意見書の件です".into();
    let mut again = Composer::from_draft(&c.id, &slip, Some(d));
    again.refresh(Some(d), now());
    again
}

#[test]
fn a_resumed_draft_cannot_be_exported_before_the_name_is_checked_again() {
    let d = demo();
    let mut c = resumed_with_name_in_body(&d);
    assert_eq!(c.notice.as_deref(), Some(text::RESUMED_ASK_NAME));
    // Even forced to the review, nothing goes out and the screen does not say "no violations".
    c.go_to(Step::Review);
    c.urgent = Some(false);
    c.refresh(Some(&d), now());
    for key in ['p', 't', 'm'] {
        assert_eq!(act(&mut c, &d, A::Type(key)), None, "{key}");
        assert!(
            c.problem
                .as_deref()
                .unwrap()
                .starts_with(text::EXPORT_NEEDS_NAME_CHECK),
            "{:?}",
            c.problem
        );
    }
    // Independent of the typed name, the addressed name is an error already.
    assert!(c.checks.errors() > 0, "{:?}", c.checks.violations);
    assert!(c.checks.findings.iter().any(|f| f.text == "木村正男"));
}

#[test]
fn the_name_in_kana_is_found_once_the_reading_is_given() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(
        &mut c,
        &d,
        "マサオさんの件で、同行受診の日程を調整させてください。",
    );
    assert_eq!(c.checks.findings.len(), 1, "{:?}", c.checks.findings);
    assert_eq!(c.checks.findings[0].text, "マサオ");
    act(&mut c, &d, A::NextStep);
    assert_eq!(act(&mut c, &d, A::Type('p')), None);
}

#[test]
fn the_guides_example_2_no_name_but_age_sex_and_area() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    // Back to the patient step and clear the proposed mask.
    act(&mut c, &d, A::PreviousStep);
    c.focus = Step::Patient
        .fields()
        .iter()
        .position(|f| *f == Field::MaskedName)
        .unwrap();
    while !c.masked_name.value.is_empty() {
        act(&mut c, &d, A::Backspace);
    }
    act(&mut c, &d, A::NextStep);
    type_text(&mut c, &d, "同行受診の日程を調整させてください。");
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Review);
    assert_eq!(c.checks.errors(), 0, "{:?}", c.checks.violations);
    assert_eq!(
        act(&mut c, &d, A::Type('p')),
        Some(ComposerRequest::Export(ExportFormat::Pdf))
    );
}

#[test]
fn past_dates_are_refused_with_the_date_spelled_out() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(&mut c, &d, "同行受診の日程を調整させてください。");
    act(&mut c, &d, A::NextField);
    type_text(&mut c, &d, "11/20 13:00");
    act(&mut c, &d, A::NextField);
    assert_eq!(
        c.problem.as_deref(),
        Some("2026年11月20日（金）は過ぎています")
    );
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Body);
    assert_eq!(c.field(), Some(Field::Slot1));
    while !c.slots[0].value.is_empty() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "あした 14時");
    c.focus = Step::Body
        .fields()
        .iter()
        .position(|f| *f == Field::ReplyBy)
        .unwrap();
    while !c.reply_by.value.is_empty() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "11/20");
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Body, "not silently next year");
    assert_eq!(
        c.problem.as_deref(),
        Some("2026年11月20日（金）は過ぎています")
    );
    while !c.reply_by.value.is_empty() {
        act(&mut c, &d, A::Backspace);
    }
    type_text(&mut c, &d, "来週水曜");
    act(&mut c, &d, A::NextStep);
    assert_eq!(c.step, Step::Review, "{:?}", c.problem);
    let slip = c.slip();
    assert_eq!(slip.request.proposed_slots, vec!["2026-11-26 14:00"]);
    assert_eq!(slip.request.reply_by, NaiveDate::from_ymd_opt(2026, 12, 2));
}

#[test]
fn a_paste_is_one_edit_however_long() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    let long = "同行受診の日程を調整させてください。\r\n".repeat(110);
    act(&mut c, &d, A::Paste(long.clone()));
    assert_eq!(c.body.value, long.replace("\r\n", "\n"));
    assert_eq!(
        c.field(),
        Some(Field::Body),
        "a pasted Enter does not move on"
    );
    act(&mut c, &d, A::NextField);
    act(&mut c, &d, A::Paste("11/28\n13:00".into()));
    assert_eq!(
        c.slots[0].value, "11/28 13:00",
        "one line in a one-line field"
    );
}

#[test]
fn a_send_is_recorded_once_when_the_member_says_so() {
    let d = demo();
    let mut c = composer(&d);
    to_body_step(&mut c, &d);
    type_text(&mut c, &d, "同行受診の日程を調整させてください。");
    act(&mut c, &d, A::NextStep);
    c.last_export = Some((ExportFormat::Pdf, "x.pdf".into()));
    assert_eq!(
        act(&mut c, &d, A::Type('m')),
        Some(ComposerRequest::MarkSent(
            ExportFormat::Pdf,
            Some("x.pdf".into())
        ))
    );
}
