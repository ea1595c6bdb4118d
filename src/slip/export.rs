//! The slip as text for an email body, and as a phone script (DESIGN §6.3, seed §8: the same
//! content in the same order as the form). Both are plain functions of the slip.

use super::dates::{display_slot, long, short};
use super::model::{ContactKind, Purpose, Slip};

/// 「○村○男 様・85歳・女性・中央区上溝在住」: the patient as every export shows them.
pub(crate) fn patient_line(slip: &Slip) -> String {
    let p = &slip.patient;
    let mut parts: Vec<String> = Vec::new();
    match (&p.masked_name, p.name_told_by_phone) {
        (Some(mask), _) => parts.push(format!("{mask} 様")),
        (None, true) => parts.push("（お名前はお電話でお伝えした方）".to_string()),
        (None, false) => {}
    }
    if let Some(age) = p.age {
        parts.push(format!("{age}歳"));
    }
    if let Some(sex) = p.sex.label() {
        parts.push(sex.to_string());
    }
    if let Some(area) = &p.area {
        parts.push(format!("{area}在住"));
    }
    parts.join("・")
}

/// The subject line of an email: what it is about and from whom, nothing of the patient.
pub fn subject(slip: &Slip) -> String {
    format!(
        "【あんしんリンク連絡票】{}のご連絡（{}）",
        slip.purpose.label(),
        slip.from.office
    )
}

/// The choices offered to the doctor in the reply, fitted to what is asked (seed §3, §5): a
/// box per proposed slot for a schedule adjustment, an answer to a request, an
/// acknowledgement of a report. The PDF shows each with a box; the email lists them.
pub fn reply_choices(slip: &Slip) -> Vec<String> {
    let slots = &slip.request.proposed_slots;
    match slip.purpose.kind() {
        ContactKind::Scheduling => {
            let mut choices: Vec<String> = slots
                .iter()
                .enumerate()
                .map(|(i, s)| format!("候補{}（{}）でお願いします", i + 1, display_slot(s)))
                .collect();
            choices.push(if slots.is_empty() {
                "ご都合のよい日時:".to_string()
            } else {
                "どの候補も都合がつきません（ご都合のよい日時:　　　　　　　）".to_string()
            });
            choices
        }
        ContactKind::Report => vec![
            "拝見しました".to_string(),
            "確かめたいことがあります（下のコメント欄へ）".to_string(),
        ],
        ContactKind::Request if slip.purpose == Purpose::OpinionForm => vec![
            "記載します（　　月　　日ごろまでに）".to_string(),
            "受診のうえで記載します".to_string(),
            "内容を確認しました".to_string(),
        ],
        ContactKind::Request => vec![
            "お引き受けします".to_string(),
            "受診のうえでご相談ください".to_string(),
            "お受けできません（理由はコメント欄へ）".to_string(),
        ],
        ContactKind::Confirmation => vec![
            "お答えします（下のコメント欄へ）".to_string(),
            "受診のうえでご相談ください".to_string(),
            "電話でお話しします（ご都合のよい時間:　　　　）".to_string(),
        ],
    }
}

/// For an email body, or to paste into a form: the 件名 first, then the slip's content in its
/// order. No checkboxes (an email cannot tick them) and no FAX number under 宛先.
pub fn to_text(slip: &Slip) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!("件名: {}", subject(slip)));
    line(String::new());
    line("あんしんリンク連絡票".into());
    line(format!("日付: {}", long(slip.date)));
    line(String::new());
    line(format!(
        "宛先: {} {} 先生",
        slip.to.institution, slip.to.doctor
    ));
    line(format!("差出人: {} {}", slip.from.office, slip.from.name));
    line(format!(
        "　電話: {}{}",
        slip.from.phone,
        slip.from
            .fax
            .as_ref()
            .map(|f| format!("　FAX: {f}"))
            .unwrap_or_default()
    ));
    line(String::new());
    line(format!("連絡の種類: {}", slip.purpose.kind().label()));
    line(format!(
        "目的: {}. {}",
        slip.purpose.number(),
        slip.purpose.label()
    ));
    if slip.first_contact {
        line("（初めてのご連絡です）".into());
    }
    line(format!("利用者: {}", patient_line(slip)));
    line(String::new());
    line("ご連絡内容:".into());
    for body_line in slip.request.body.trim().lines() {
        line(format!("　{body_line}"));
    }
    if !slip.request.proposed_slots.is_empty() {
        line(String::new());
        line("候補日時:".into());
        for (i, s) in slip.request.proposed_slots.iter().enumerate() {
            line(format!("　{}. {}", i + 1, display_slot(s)));
        }
    }
    if let Some(by) = slip.request.reply_by {
        line(format!("ご返信のお願い: {}までに", long(by)));
    }
    line(String::new());
    line("ご返信（あてはまるものをお知らせください）:".into());
    for (i, choice) in reply_choices(slip).iter().enumerate() {
        line(format!("　{}. {choice}", i + 1));
    }
    out
}

/// What to say on the phone, in the slip's order, short (seed §8; §4-3: do not interrupt).
/// On the phone the patient's real name is said aloud (seed §4-5 例1): it is not in the file,
/// so the memo says where to say it, never the mask. Steps are numbered as they come.
pub fn to_phone_script(slip: &Slip) -> String {
    let mut facts: Vec<String> = Vec::new();
    if let Some(age) = slip.patient.age {
        facts.push(format!("{age}歳"));
    }
    if let Some(sex) = slip.patient.sex.label() {
        facts.push(sex.to_string());
    }
    if let Some(area) = &slip.patient.area {
        facts.push(format!("{area}にお住まい"));
    }
    let facts = if facts.is_empty() {
        String::new()
    } else {
        format!("（{}の方）", facts.join("・"))
    };
    let first = if slip.first_contact {
        "初めてご連絡いたします。"
    } else {
        ""
    };
    let mut steps = vec![
        format!(
            "「{}の{}と申します。あんしんリンクを拝見してお電話しました。{}先生はいらっしゃいますか。」",
            slip.from.office, slip.from.name, slip.to.doctor
        ),
        "「いまお時間よろしいでしょうか。」（診療中なら、ご都合のよい時間を伺っていったん切る）"
            .to_string(),
        format!("「{first}{}の件でお電話しました。」", slip.purpose.label()),
        format!("→ 利用者さまのお名前をお伝えください{facts}"),
        format!("「{}」", slip.request.body.trim().replace('\n', " ")),
    ];
    if !slip.request.proposed_slots.is_empty() {
        let slots: Vec<String> = slip
            .request
            .proposed_slots
            .iter()
            .map(|s| display_slot(s))
            .collect();
        steps.push(format!(
            "「候補は {} ですが、ご都合はいかがでしょうか。」",
            slots.join("、")
        ));
    }
    if let Some(by) = slip.request.reply_by {
        steps.push(format!(
            "「{}までにお返事をいただけますと助かります。」",
            short(by)
        ));
    }
    steps.push(format!(
        "「折り返しは {}、{}の{}までお願いいたします。」",
        slip.from.phone, slip.from.office, slip.from.name
    ));
    let mut out = String::from("あんしんリンク 電話連絡メモ（手短に、要点だけ）\n");
    for (i, step) in steps.iter().enumerate() {
        out.push_str(&format!("{}. {step}\n", i + 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::model::{parse_slip, tests::DESIGN_EXAMPLE, Channel};

    #[test]
    fn text_has_everything_in_order() {
        let text = to_text(&parse_slip(DESIGN_EXAMPLE).unwrap());
        let order = [
            "件名: 【あんしんリンク連絡票】同行受診の日程調整のご連絡（光が丘ケアプランセンター）",
            "あんしんリンク連絡票",
            "2026年11月24日（火）",
            "上溝さくら内科クリニック 田中 一郎 先生",
            "光が丘ケアプランセンター 佐藤 花子",
            "連絡の種類: 日程調整",
            "1. 同行受診の日程調整",
            "○村○男 様・85歳・女性・中央区上溝在住",
            "同行受診の日程",
            "11月28日（土） 13:00〜14:00",
            "2026年12月1日（火）までに",
            "ご返信",
            "候補1（11月28日（土） 13:00〜14:00）でお願いします",
            "どの候補も都合がつきません",
        ];
        let mut at = 0;
        for part in order {
            let found = text[at..]
                .find(part)
                .unwrap_or_else(|| panic!("{part} missing or out of order in\n{text}"));
            at += found;
        }
    }

    #[test]
    fn an_email_has_no_boxes_and_no_fax_number_under_the_recipient() {
        let text = to_text(&parse_slip(DESIGN_EXAMPLE).unwrap());
        assert!(!text.contains('□') && !text.contains('■'), "{text}");
        assert!(!text.contains("042-700-0002"), "the doctor's FAX: {text}");
        assert!(text.starts_with("件名: "), "{text}");
    }

    #[test]
    fn the_reply_fits_the_purpose() {
        let mut slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        slip.request.proposed_slots = vec![
            "2026-11-28 13:00-14:00".into(),
            "2026-11-30 10:00".into(),
            "2026-12-01 15:00-16:00".into(),
        ];
        let choices = reply_choices(&slip);
        assert_eq!(choices.len(), 4, "a box per slot and none-fit: {choices:?}");
        slip.purpose = Purpose::OpinionForm;
        let choices = reply_choices(&slip).join("／");
        assert!(choices.contains("記載します"), "{choices}");
        assert!(!choices.contains("日時"), "{choices}");
        slip.purpose = Purpose::ServiceReport;
        assert!(reply_choices(&slip)[0].contains("拝見"));
    }

    #[test]
    fn phone_script_is_short_ordered_and_asks_for_the_name_aloud() {
        let script = to_phone_script(&parse_slip(DESIGN_EXAMPLE).unwrap());
        assert!(script.lines().count() <= 10);
        assert!(script.find("佐藤 花子").unwrap() < script.find("お名前をお伝えください").unwrap());
        assert!(
            !script.contains("○村○男"),
            "the mask is not read aloud: {script}"
        );
        assert!(script.contains("042-700-1000"));
        assert!(
            script.contains("\n6. 「候補は 11月28日（土） 13:00〜14:00 ですが"),
            "{script}"
        );
        assert!(script.contains("12月1日（火）までに"), "{script}");
    }

    #[test]
    fn phone_steps_are_numbered_without_gaps() {
        let mut slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        slip.channel = Channel::Phone;
        slip.request.proposed_slots.clear();
        slip.patient.masked_name = None;
        slip.patient.name_told_by_phone = true;
        let script = to_phone_script(&slip);
        let numbers: Vec<&str> = script
            .lines()
            .skip(1)
            .map(|l| l.split('.').next().unwrap())
            .collect();
        assert_eq!(numbers, ["1", "2", "3", "4", "5", "6", "7"], "{script}");
        assert!(
            script.contains("お名前をお伝えください（85歳・女性・中央区上溝にお住まいの方）"),
            "{script}"
        );
        assert!(!script.contains("お伝えした方"), "{script}");
    }
}
