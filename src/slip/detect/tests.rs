use super::*;

fn find(text: &str) -> Vec<(FindingKind, String)> {
    find_with(text, None)
}

fn find_with(text: &str, name: Option<&str>) -> Vec<(FindingKind, String)> {
    let options = DetectOptions {
        patient_name: name,
        allowed_numbers: &["042-700-1000"],
        current_year: 2026,
    };
    detect(text, &options)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect()
}

fn kinds(text: &str) -> Vec<FindingKind> {
    find(text).into_iter().map(|(k, _)| k).collect()
}

use FindingKind::*;

#[test]
fn my_number_check_digit_known_vectors() {
    assert!(my_number_is_valid("123456789018"));
    assert!(!my_number_is_valid("123456789012"));
    assert!(my_number_is_valid("000000000000"));
    assert!(!my_number_is_valid("12345678901"));
    assert!(!my_number_is_valid("1234567890188"));
}

#[test]
fn my_number_by_check_digit_or_label() {
    assert_eq!(
        find("番号は123456789018です"),
        vec![(MyNumber, "123456789018".into())]
    );
    assert_eq!(
        find("1234 5678 9018"),
        vec![(MyNumber, "1234 5678 9018".into())]
    );
    assert_eq!(
        kinds("１２３４５６７８９０１８"),
        vec![MyNumber],
        "full-width digits"
    );
    assert!(
        kinds("受付番号 123456789012").is_empty(),
        "12 digits with a wrong check digit"
    );
    assert_eq!(
        kinds("マイナンバー: 123456789012"),
        vec![MyNumber],
        "labelled, whatever the digit"
    );
}

#[test]
fn insurance_numbers_in_context() {
    assert_eq!(
        find("被保険者番号 0012345678 の方"),
        vec![(InsuranceNumber, "0012345678".into())]
    );
    assert_eq!(kinds("保険者番号：１３８０１２"), vec![InsuranceNumber]);
    assert_eq!(kinds("記号・番号 ab-1234"), vec![InsuranceNumber]);
    assert!(kinds("要介護2、認定の更新").is_empty());
}

#[test]
fn birth_dates_in_every_form_but_not_appointments() {
    for text in [
        "昭和15年3月2日生まれ",
        "昭和十五年三月二日",
        "S15.3.2生",
        "s15/3/2",
        "1940年3月2日",
        "1940/03/02",
        "生年月日 令和元年5月1日",
        "大正14年",
    ] {
        let found = kinds(text);
        if text == "大正14年" {
            assert!(found.is_empty(), "a year alone is too vague: {text}");
        } else {
            assert_eq!(found, vec![BirthDate], "{text}");
        }
    }
    for text in [
        "2026年11月28日 13:00 に受診予定",
        "11月28日(金)",
        "令和8年12月1日までにご返信",
        "R8.12.1まで",
        "2026/11/28",
        "85歳 女性",
    ] {
        assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
    }
}

#[test]
fn phone_numbers_in_all_shapes_except_allowed_ones() {
    for text in [
        "042-700-0001",
        "０４２－７００－０００１",
        "042ー700ー0001",
        "(042)700-0001",
        "090-1234-5678",
        "09012345678",
        "050-1234-5678",
        "0427000001",
    ] {
        assert_eq!(kinds(text), vec![PhoneNumber], "{text}");
    }
    assert!(
        kinds("折り返しは 042-700-1000 へ").is_empty(),
        "the office's own number"
    );
    assert!(kinds("血圧 150/90、脈拍 72").is_empty(), "vital signs");
    assert!(kinds("13:00-14:00").is_empty());
}

#[test]
fn postal_codes_and_street_addresses_but_not_town_names() {
    assert_eq!(kinds("〒252-0243"), vec![PostalCode]);
    assert_eq!(kinds("252-0243 相模原市"), vec![PostalCode]);
    assert_eq!(
        find("中央区上溝1-2-3"),
        vec![(StreetAddress, "1-2-3".into())]
    );
    assert_eq!(kinds("上溝一丁目2番3号"), vec![StreetAddress]);
    assert_eq!(kinds("上溝3番地の5"), vec![StreetAddress]);
    assert!(
        kinds("中央区上溝にお住まいの85歳女性").is_empty(),
        "ward/town, age and sex are allowed"
    );
    assert!(
        kinds("2026-11-28 13:00-14:00").is_empty(),
        "a proposed slot"
    );
}

#[test]
fn email_addresses() {
    assert_eq!(
        find("連絡は taro.yamada@example.jp まで"),
        vec![(Email, "taro.yamada@example.jp".into())]
    );
}

#[test]
fn patient_name_with_variants_and_spacing() {
    let text = "髙橋 一郎様の件で、一郎さんのご家族から";
    assert_eq!(
        find_with(text, Some("高橋一郎"))[0],
        (PatientName, "髙橋 一郎".into())
    );
    // With the family and given names apart, each part is looked for too.
    let found = find_with(text, Some("高橋 一郎"));
    assert_eq!(found[0], (PatientName, "髙橋 一郎".into()));
    assert!(found.iter().any(|(k, t)| *k == PatientName && t == "一郎"));
    assert!(
        find_with("○橋○郎様の件", Some("高橋 一郎")).is_empty(),
        "a masked name is not a finding"
    );
    assert!(find_with("タカハシ イチロウ様", Some("たかはし いちろう"))
        .iter()
        .all(|(k, _)| *k == PatientName));
    assert!(!find_with("タカハシ イチロウ様", Some("たかはし いちろう")).is_empty());
    // Typed without a space: the usual two-character family name and the rest.
    let found = find_with("木村さんの娘さんと、正男さんの件", Some("木村正男"));
    assert_eq!(
        found,
        vec![(PatientName, "木村".into()), (PatientName, "正男".into())]
    );
}

#[test]
fn offsets_are_chars_of_the_original() {
    let text = "利用者 昭和十五年三月二日生、電話０９０－１２３４－５６７８";
    let findings = detect(
        text,
        &DetectOptions {
            current_year: 2026,
            ..DetectOptions::default()
        },
    );
    let chars: Vec<char> = text.chars().collect();
    for f in &findings {
        assert_eq!(chars[f.start..f.end].iter().collect::<String>(), f.text);
    }
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].text, "昭和十五年三月二日");
    assert_eq!(findings[1].text, "０９０－１２３４－５６７８");
}

#[test]
fn clean_texts_stay_clean() {
    for text in [
        "同行受診の日程調整をお願いします。11月28日(金)13:00-14:00 はいかがでしょうか。",
        "要介護3、85歳男性、中央区在住。訪問看護の利用を開始しました。",
        "○村○男様（80代・女性）のサービス担当者会議について",
        "体温 37.2度、SpO2 96%、血圧 138/82",
    ] {
        assert!(kinds(text).is_empty(), "{text}: {:?}", find(text));
    }
}

#[test]
fn never_panics_on_odd_input() {
    for text in [
        "",
        "十",
        "十十十",
        "〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇〇",
        "昭和",
        "S",
        "@",
        "〒",
        "-",
        "ｰｰｰ",
        "🏥0-0-0",
        "\u{0}\u{feff}",
    ] {
        let _ = detect(
            text,
            &DetectOptions {
                patient_name: Some(" "),
                current_year: 2026,
                ..DetectOptions::default()
            },
        );
        let _ = detect(
            text,
            &DetectOptions {
                patient_name: Some(text),
                current_year: 2026,
                ..DetectOptions::default()
            },
        );
    }
}
