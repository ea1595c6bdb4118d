use super::*;

fn find(text: &str) -> Vec<(FindingKind, String)> {
    find_with(text, None)
}

fn find_with(text: &str, name: Option<&str>) -> Vec<(FindingKind, String)> {
    let options = DetectOptions {
        patient_name: name,
        allowed_numbers: &["042-700-1000"],
        current_year: 2026,
        ..DetectOptions::default()
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

#[test]
fn insurance_numbers_introduced_in_other_words_or_split() {
    for text in [
        "被保険者証の番号は 0012345678 です",
        "被保険者証の番号：１２３４５６７８",
        "保険証の記号番号 12-3456",
        "介護保険の番号は 0001234567",
    ] {
        assert_eq!(kinds(text), vec![InsuranceNumber], "{text}");
    }
    assert_eq!(
        find("記号 1234 番号 56 の方"),
        vec![(InsuranceNumber, "1234 番号 56".into())]
    );
    assert_eq!(kinds("記号１２３４、番号５６"), vec![InsuranceNumber]);
    assert!(kinds("記号は ○ を使います").is_empty());
}

#[test]
fn every_number_in_a_sentence_is_reported_with_its_offsets() {
    let text = "090-1234-5678と03-1234-5678に";
    let findings = detect(
        text,
        &DetectOptions {
            current_year: 2026,
            ..DetectOptions::default()
        },
    );
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    for f in &findings {
        assert_eq!(f.kind, PhoneNumber);
        assert_eq!(chars[f.start..f.end].iter().collect::<String>(), f.text);
    }
    assert_eq!((findings[1].start, findings[1].end), (14, 26));
    assert_eq!(
        kinds("〒252-0243と〒252-0244"),
        vec![PostalCode, PostalCode]
    );
    assert_eq!(
        kinds("123456789018 と 123456789018"),
        vec![MyNumber, MyNumber]
    );
}

#[test]
fn international_phone_numbers_and_my_number_with_irregular_spacing() {
    for text in [
        "+81-90-1234-5678",
        "+81 90 1234 5678",
        "＋８１－４２－７００－０００１",
        "+81(0)90-1234-5678",
    ] {
        assert_eq!(kinds(text), vec![PhoneNumber], "{text}");
    }
    assert!(
        find_with("+81-42-700-1000", None).is_empty(),
        "the office's own number in international form"
    );
    for text in [
        "1234  5678  9018",
        "1234　5678　9018",
        "12345678 9018",
        "1234-5678-9018",
        "マイナンバー 1234 5678 9012",
    ] {
        assert_eq!(kinds(text), vec![MyNumber], "{text}");
    }
}

#[test]
fn dates_with_the_year_last_are_not_street_addresses() {
    for text in [
        "受診日07-07-2026",
        "予定は03-15-2026です",
        "候補は2026-11-28 13:00",
    ] {
        assert!(kinds(text).is_empty(), "{text}: {:?}", find(text));
    }
    assert_eq!(kinds("生年月日 03-15-1940"), vec![BirthDate]);
    assert_eq!(
        kinds("上溝1-2-3"),
        vec![StreetAddress],
        "still a block number"
    );
}

fn names_with(text: &str, options: DetectOptions) -> Vec<String> {
    detect(text, &options)
        .into_iter()
        .filter(|f| f.kind == PatientName)
        .map(|f| f.text)
        .collect()
}

#[test]
fn a_person_addressed_by_name_is_found_without_the_real_name() {
    let options = || DetectOptions {
        current_year: 2026,
        known_names: &[
            "渡邊 浩",
            "林内科医院",
            "佐藤 花子",
            "光が丘ケアプランセンター",
        ],
        ..DetectOptions::default()
    };
    for (text, name) in [
        ("木村正男様の主治医意見書の件です", "木村正男"),
        ("木村様の件で", "木村"),
        ("キムラさんが", "キムラ"),
        ("きむらさんの", "きむら"),
        ("木村氏より", "木村"),
        ("本日、高橋殿へ", "高橋"),
    ] {
        assert_eq!(
            names_with(text, options()),
            vec![name.to_string()],
            "{text}"
        );
    }
    for text in [
        "利用者様の件でご連絡いたします",
        "ご家族様、ご本人様ともに",
        "娘さんと息子さんが同行します",
        "おばあさんのご様子について",
        "お疲れ様です。お世話様です",
        "渡邊先生、佐藤様（差出人）",
        "林内科医院様",
        "ヘルパーさんとケアマネさん",
        "○村○男様（80代・女性）",
        "氏名は電話でお伝えします",
        "ご様子を伺いたく",
        "さんぽの時間に",
    ] {
        assert!(
            names_with(text, options()).is_empty(),
            "{text}: {:?}",
            names_with(text, options())
        );
    }
}

#[test]
fn words_around_the_visible_characters_of_the_mask() {
    let options = |mask| DetectOptions {
        current_year: 2026,
        mask: Some(mask),
        ..DetectOptions::default()
    };
    assert_eq!(names_with("木村の件です", options("○村○男")), vec!["木村"]);
    assert_eq!(names_with("村田の件です", options("○村○男")), vec!["村田"]);
    for text in [
        "○村○男の件です",
        "85歳男性、様子を見ています",
        "長男と同行します",
    ] {
        assert!(names_with(text, options("○村○男")).is_empty(), "{text}");
    }
    assert!(names_with("ご様子を伺います", options("○○子")).is_empty());
}

#[test]
fn the_reading_is_found_in_kana_katakana_half_width_and_romaji() {
    let options = || DetectOptions {
        patient_name: Some("木村 正男"),
        patient_kana: Some("きむら まさお"),
        current_year: 2026,
        ..DetectOptions::default()
    };
    for (text, found) in [
        ("キムラ様の件", "キムラ"),
        ("きむらさんの件", "きむら"),
        ("マサオさんの件", "マサオ"),
        ("ｷﾑﾗ様", "ｷﾑﾗ"),
        ("Kimura-san no ken", "Kimura"),
        ("MASAO san", "MASAO"),
        ("キムラマサオ", "キムラマサオ"),
    ] {
        assert_eq!(
            names_with(text, options()),
            vec![found.to_string()],
            "{text}"
        );
    }
    assert!(names_with("ありがとうございます。よろしくお願いします", options()).is_empty());
    // A short reading must be the whole word.
    let short = DetectOptions {
        patient_kana: Some("あい"),
        current_year: 2026,
        ..DetectOptions::default()
    };
    assert!(names_with("ございます。あいさつに伺います", short.clone()).is_empty());
    assert_eq!(names_with("アイさんの件", short), vec!["アイ"]);
}
