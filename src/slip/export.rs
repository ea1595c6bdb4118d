//! The slip as text for an email body, and as a phone script (DESIGN §6.3, seed §8: the same
//! content in the same order as the form). Both are plain functions of the slip.

use super::model::{Channel, ContactKind, Patient, Slip};

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

fn kind_boxes(slip: &Slip) -> String {
    ContactKind::ALL
        .iter()
        .map(|k| {
            format!(
                "{}{}",
                if *k == slip.purpose.kind() {
                    "■"
                } else {
                    "□"
                },
                k.label()
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// For an email body, or to paste into a form.
pub fn to_text(slip: &Slip) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line("あんしんリンク連絡票".into());
    line(format!("日付: {}", slip.date.format("%Y年%m月%d日")));
    line(String::new());
    line(format!(
        "宛先: {} {} 先生",
        slip.to.institution, slip.to.doctor
    ));
    if let Some(fax) = &slip.to.fax {
        line(format!("　FAX: {fax}"));
    }
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
    line(format!("連絡の種類: {}", kind_boxes(slip)));
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
            line(format!("　{}. {s}", i + 1));
        }
    }
    if let Some(by) = slip.request.reply_by {
        line(format!(
            "ご返信のお願い: {}までに",
            by.format("%Y年%m月%d日")
        ));
    }
    line(String::new());
    line("―― ご返信欄（先生ご記入） ――".into());
    line("　□了承　□日時変更希望（日時: 　　月　　日　　時）".into());
    line("　ご都合のよい連絡方法: □電話 □FAX □メール".into());
    line("　コメント:".into());
    out
}

/// What to say on the phone, in the slip's order, short (seed §8; §4-3: do not interrupt).
/// Steps are numbered as they come: a slip without slots or reply-by skips none.
pub fn to_phone_script(slip: &Slip) -> String {
    let patient = if slip.channel == Channel::Phone && slip.patient.masked_name.is_none() {
        // On the phone itself the name is said aloud, not written (seed §4-5 例1).
        let rest = patient_line(&Slip {
            patient: Patient {
                name_told_by_phone: false,
                ..slip.patient.clone()
            },
            ..slip.clone()
        });
        let spoken = "（お名前を口頭で）".to_string();
        if rest.is_empty() {
            spoken
        } else {
            format!("{spoken}・{rest}")
        }
    } else {
        patient_line(slip)
    };
    let mut steps = vec![
        format!(
            "「{}の{}と申します。あんしんリンクの件で、{}先生にご連絡いたしました。」",
            slip.from.office, slip.from.name, slip.to.doctor
        ),
        "「いまお時間よろしいでしょうか。」（診療中なら、ご都合のよい時間を伺って切る）"
            .to_string(),
        format!("用件: 「{}の件です。」", slip.purpose.label()),
        format!("利用者: {patient}"),
        format!("内容: {}", slip.request.body.trim().replace('\n', " ")),
    ];
    if !slip.request.proposed_slots.is_empty() {
        steps.push(format!("候補: {}", slip.request.proposed_slots.join("、")));
    }
    if let Some(by) = slip.request.reply_by {
        steps.push(format!(
            "「{}までにお返事をいただけますと助かります。」",
            by.format("%m月%d日")
        ));
    }
    steps.push(format!(
        "折り返し先: {} {}",
        slip.from.phone, slip.from.office
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
    use crate::slip::model::{parse_slip, tests::DESIGN_EXAMPLE};

    #[test]
    fn text_has_everything_in_order() {
        let text = to_text(&parse_slip(DESIGN_EXAMPLE).unwrap());
        let order = [
            "あんしんリンク連絡票",
            "2026年11月24日",
            "上溝さくら内科クリニック 田中 一郎 先生",
            "光が丘ケアプランセンター 佐藤 花子",
            "■日程調整",
            "1. 同行受診の日程調整",
            "○村○男 様・85歳・女性・中央区上溝在住",
            "同行受診の日程",
            "2026-11-28 13:00-14:00",
            "2026年12月01日までに",
            "ご返信欄",
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
    fn phone_script_is_short_and_ordered() {
        let script = to_phone_script(&parse_slip(DESIGN_EXAMPLE).unwrap());
        assert!(script.lines().count() <= 10);
        assert!(script.find("佐藤 花子").unwrap() < script.find("○村○男").unwrap());
        assert!(script.contains("042-700-1000"));
        assert!(script.contains("\n6. 候補: 2026-11-28"));
    }

    #[test]
    fn phone_steps_are_numbered_without_gaps_and_the_name_is_spoken() {
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
            script.contains("利用者: （お名前を口頭で）・85歳・女性・中央区上溝在住"),
            "{script}"
        );
        assert!(!script.contains("お伝えした方"), "{script}");
    }
}
