use super::*;
use crate::slip::model::{parse_slip, Purpose};

/// A clean first-contact FAX slip to the demo directory's first doctor.
fn clean() -> (Slip, Snapshot) {
    let directory =
        crate::directory::parse_snapshot(crate::demo::DEMO_DIRECTORY_JSON.as_bytes()).unwrap();
    let doctor = directory
        .people
        .iter()
        .find(|p| {
            p.role == crate::directory::Role::Doctor
                && p.contact
                    .preferred_methods
                    .contains(&crate::directory::ContactMethod::Fax)
        })
        .unwrap()
        .clone();
    let org = directory
        .organization(&doctor.organization_id)
        .unwrap()
        .clone();
    let mut slip = parse_slip(crate::slip::model::tests::DESIGN_EXAMPLE).unwrap();
    slip.to.person_id = Some(doctor.id.to_string());
    slip.to.doctor = doctor.name.to_string();
    slip.to.institution = org.name.to_string();
    (slip, directory)
}

fn codes(slip: &Slip, directory: &Snapshot, name: Option<&str>) -> Vec<&'static str> {
    let context = RuleContext {
        directory: Some(directory),
        patient_name: name,
        now: None,
    };
    check(slip, &context)
        .iter()
        .map(|v| v.code.code())
        .collect()
}

#[test]
fn the_design_example_is_clean() {
    let (slip, directory) = clean();
    assert!(
        codes(&slip, &directory, Some("木村 正男")).is_empty(),
        "{:?}",
        check(
            &slip,
            &RuleContext {
                directory: Some(&directory),
                ..RuleContext::default()
            }
        )
    );
}

#[test]
fn r1_first_contact_is_schedule_only() {
    let (mut slip, d) = clean();
    slip.purpose = Purpose::OpinionForm;
    slip.consent_obtained = true;
    assert_eq!(
        codes(&slip, &d, None),
        vec!["R1_FIRST_CONTACT_SCHEDULE_ONLY"]
    );
    slip.first_contact = false;
    assert!(codes(&slip, &d, None).is_empty());
    slip.first_contact = true;
    slip.purpose = Purpose::FamilyDoctorAfterDischarge;
    assert!(
        codes(&slip, &d, None).is_empty(),
        "10 is a schedule adjustment"
    );
}

#[test]
fn r2_urgent_is_refused_with_the_emergency_guidance() {
    let (mut slip, d) = clean();
    slip.urgent = true;
    let v = check(
        &slip,
        &RuleContext {
            directory: Some(&d),
            ..RuleContext::default()
        },
    );
    assert_eq!(v[0].code, RuleCode::UrgentUseEmergency);
    assert_eq!(v[0].severity, Severity::Error);
    assert!(v[0].message.contains("カルテ") && v[0].message.contains("緊急時の対応"));
}

#[test]
fn r3_emergency_words_warn() {
    let (mut slip, d) = clean();
    slip.request.body = "昨夜から呼吸が苦しいと訴えています。".into();
    assert_eq!(codes(&slip, &d, None), vec!["R3_URGENT_SIGNS"]);
    slip.request.body = "血圧が高めですが入浴してよいでしょうか。".into();
    assert!(codes(&slip, &d, None).is_empty());
}

#[test]
fn r4_and_r5_consultation_and_consent() {
    let (mut slip, d) = clean();
    slip.first_contact = false;
    slip.purpose = Purpose::ConditionConsult;
    assert_eq!(
        codes(&slip, &d, None),
        vec!["R5_CONSENT_REQUIRED", "R4_CONSULT_NEEDS_RELATIONSHIP"]
    );
    slip.consent_obtained = true;
    assert_eq!(
        codes(&slip, &d, None),
        vec!["R4_CONSULT_NEEDS_RELATIONSHIP"]
    );
    slip.purpose = Purpose::ServiceReport;
    slip.consent_obtained = false;
    assert_eq!(codes(&slip, &d, None), vec!["R5_CONSENT_REQUIRED"]);
}

#[test]
fn r6_masked_name_or_told_by_phone() {
    let (mut slip, d) = clean();
    slip.patient.masked_name = Some("木村○男".into());
    assert_eq!(codes(&slip, &d, None), vec!["R6_PATIENT_NAME_UNMASKED"]);
    slip.patient.masked_name = None;
    assert_eq!(codes(&slip, &d, None), vec!["R6_PATIENT_NAME_UNMASKED"]);
    slip.patient.name_told_by_phone = true;
    assert!(codes(&slip, &d, None).is_empty());
    // By phone the name is said, not written: no R6.
    slip.patient.name_told_by_phone = false;
    slip.channel = Channel::Phone;
    assert!(!codes(&slip, &d, None).contains(&"R6_PATIENT_NAME_UNMASKED"));
}

#[test]
fn r7_personal_information_in_free_text() {
    let (mut slip, d) = clean();
    slip.request.body =
        "木村正男様（昭和15年3月2日生）、自宅 042-711-2222 の件。折り返しは 042-700-1000 へ".into();
    let v = check(
        &slip,
        &RuleContext {
            directory: Some(&d),
            patient_name: Some("木村 正男"),
            now: None,
        },
    );
    let kinds: Vec<_> = v
        .iter()
        .filter_map(|x| x.finding.as_ref())
        .map(|f| f.kind)
        .collect();
    use crate::slip::detect::FindingKind::*;
    assert_eq!(
        kinds,
        vec![PatientName, BirthDate, PhoneNumber],
        "the office's own number is allowed"
    );
    assert!(v
        .iter()
        .all(|x| x.code == RuleCode::PersonalInfo && x.severity == Severity::Error));
    slip.channel = Channel::Phone;
    assert!(
        !codes(&slip, &d, Some("木村 正男")).contains(&"R7_PERSONAL_INFO"),
        "said by phone, not sent"
    );
}

#[test]
fn r8_too_long() {
    let (mut slip, d) = clean();
    slip.request.body = "あ".repeat(401);
    assert_eq!(codes(&slip, &d, None), vec!["R8_TOO_LONG"]);
    slip.request.body = "あ".repeat(400);
    assert!(codes(&slip, &d, None).is_empty());
}

#[test]
fn r9_method_and_windows() {
    let (mut slip, d) = clean();
    slip.channel = Channel::Email;
    let preferred = d
        .person(slip.to.person_id.as_deref().unwrap())
        .unwrap()
        .contact
        .preferred_methods
        .clone();
    if !preferred.contains(&crate::directory::ContactMethod::Email) {
        assert_eq!(codes(&slip, &d, None), vec!["R9_METHOD_NOT_PREFERRED"]);
    }
    // A phone call at 03:00 on a Sunday is outside any window.
    slip.channel = Channel::Phone;
    let night = chrono::NaiveDate::from_ymd_opt(2026, 11, 29)
        .unwrap()
        .and_hms_opt(3, 0, 0)
        .unwrap();
    let person = d.person(slip.to.person_id.as_deref().unwrap()).unwrap();
    let v = check(
        &slip,
        &RuleContext {
            directory: Some(&d),
            patient_name: None,
            now: Some(night),
        },
    );
    if !person.contact.windows.is_empty() {
        assert!(v.iter().any(|x| x.code == RuleCode::MethodNotPreferred
            && x.message.contains("連絡しやすい時間ではありません")));
    }
}

#[test]
fn r10_recipient_must_be_listed_under_that_name() {
    let (mut slip, d) = clean();
    slip.to.doctor = "偽物 太郎".into();
    assert_eq!(codes(&slip, &d, None), vec!["R10_RECIPIENT_UNVERIFIED"]);
    slip.to.person_id = Some("p-99999".into());
    assert_eq!(codes(&slip, &d, None), vec!["R10_RECIPIENT_UNVERIFIED"]);
    let (slip, _) = clean();
    let v = check(&slip, &RuleContext::default());
    assert_eq!(
        v.iter().map(|x| x.code).collect::<Vec<_>>(),
        vec![RuleCode::RecipientUnverified],
        "no directory: cannot verify"
    );
}

#[test]
fn masks() {
    assert_eq!(mask_name("木村 正男"), "○村○男");
    assert!(mask_hides_enough("○村○男"));
    assert!(mask_hides_enough(&mask_name("佐々木 一")));
    assert!(!mask_hides_enough("木村○男"));
    assert!(!mask_hides_enough(""));
    for name in ["林 誠", "長谷川 真由美", "A B", "髙橋　一郎"] {
        assert!(
            mask_hides_enough(&mask_name(name)),
            "{name} → {}",
            mask_name(name)
        );
    }
}
