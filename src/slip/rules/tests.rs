use super::*;
use crate::directory::Snapshot;
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
        ..RuleContext::default()
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
    slip.patient.age = None;
    slip.patient.sex = crate::slip::model::Sex::Unstated;
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
            ..RuleContext::default()
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
            now: Some(night),
            ..RuleContext::default()
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

#[test]
fn r6_the_guides_example_2_no_name_but_two_facts() {
    let (mut slip, d) = clean();
    slip.patient.masked_name = None;
    slip.patient.name_told_by_phone = false;
    // 85, female, 中央区上溝: three facts, no name (seed §4-5 例2).
    assert!(
        codes(&slip, &d, None).is_empty(),
        "{:?}",
        codes(&slip, &d, None)
    );
    slip.patient.area = None;
    assert!(codes(&slip, &d, None).is_empty(), "two are enough");
    slip.patient.sex = crate::slip::model::Sex::Unstated;
    let v = check(
        &slip,
        &RuleContext {
            directory: Some(&d),
            ..RuleContext::default()
        },
    );
    assert_eq!(v[0].code, RuleCode::PatientNameUnmasked);
    assert!(
        v[0].message.contains("あと 1 件") && v[0].message.contains("性別・地域"),
        "says what is missing: {}",
        v[0].message
    );
    assert!(v[0].message.contains("あんしんリンクについて ４(5)"));
}

#[test]
fn r7_a_named_person_is_flagged_even_when_the_real_name_was_never_typed() {
    let (mut slip, d) = clean();
    // Found as a care manager would send it: after a crash, no real name in memory.
    slip.request.body = "木村正男様の主治医意見書の件です".into();
    assert_eq!(codes(&slip, &d, None), vec!["R7_PERSONAL_INFO"]);
    slip.request.body = "木村の件です".into();
    assert_eq!(
        codes(&slip, &d, None),
        vec!["R7_PERSONAL_INFO"],
        "a word around the mask's visible 村"
    );
    // The doctor's and the sender's own names are not the patient's.
    slip.request.body = format!("{}先生、{}様より", slip.to.doctor, slip.from.name);
    assert!(
        codes(&slip, &d, None).is_empty(),
        "{:?}",
        check(
            &slip,
            &RuleContext {
                directory: Some(&d),
                ..RuleContext::default()
            }
        )
    );
}

#[test]
fn r7_the_name_in_kana_and_romaji_with_its_reading() {
    let (mut slip, d) = clean();
    for body in [
        "キムラ様の件",
        "きむらさんの件",
        "マサオさんの件",
        "Kimura-san no ken",
    ] {
        slip.request.body = body.into();
        let v = check(
            &slip,
            &RuleContext {
                directory: Some(&d),
                patient_name: Some("木村 正男"),
                patient_kana: Some("きむら まさお"),
                ..RuleContext::default()
            },
        );
        assert_eq!(
            v.iter().map(|x| x.code).collect::<Vec<_>>(),
            vec![RuleCode::PersonalInfo],
            "{body}"
        );
    }
}

#[test]
fn r3_signs_from_the_emergency_guide() {
    let (mut slip, d) = clean();
    for body in [
        "今朝からろれつが回らない様子です",
        "右の手足に力が入らないとのこと",
        "笑うと顔がゆがむ",
        "昨夜けいれんがありました",
        "餅を喉に詰まらせて",
        "39度の高熱で意識がもうろうとしています",
        "突然の激しい頭痛を訴えています",
        "ぐったりしています",
    ] {
        slip.request.body = body.into();
        assert_eq!(codes(&slip, &d, None), vec!["R3_URGENT_SIGNS"], "{body}");
    }
    for body in [
        "血圧が高めですが入浴してよいでしょうか",
        "歩行が安定してきました",
    ] {
        slip.request.body = body.into();
        assert!(codes(&slip, &d, None).is_empty(), "{body}");
    }
}

#[test]
fn messages_speak_plain_japanese_and_cite_the_guide_as_the_member_knows_it() {
    let (mut slip, d) = clean();
    slip.first_contact = true;
    slip.purpose = Purpose::OpinionForm;
    slip.patient.masked_name = Some("木村○男".into());
    slip.request.body = "急変しました。090-1234-5678".into();
    slip.request.body.push_str(&"あ".repeat(400));
    for v in check(
        &slip,
        &RuleContext {
            directory: Some(&d),
            ..RuleContext::default()
        },
    ) {
        for word in [
            "seed",
            "consent_obtained",
            "masked_name",
            "name_told_by_phone",
            "R7",
            "§",
        ] {
            assert!(!v.message.contains(word), "{word} in {}", v.message);
        }
        assert!(
            v.message.contains("あんしんリンクについて"),
            "{}",
            v.message
        );
    }
}
