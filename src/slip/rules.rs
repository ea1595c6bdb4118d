//! The rules of the contact slip (DESIGN §6.2). The codes are a contract; error-level rules
//! refuse rendering. Each rule cites the guide's section.

use super::detect::{detect, DetectOptions, PersonalInfoFinding};
use super::model::{Channel, Slip};
use crate::availability::availability;
use crate::directory::Snapshot;
use chrono::{Datelike, NaiveDateTime};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleCode {
    #[serde(rename = "R1_FIRST_CONTACT_SCHEDULE_ONLY")]
    FirstContactScheduleOnly,
    #[serde(rename = "R2_URGENT_USE_EMERGENCY")]
    UrgentUseEmergency,
    #[serde(rename = "R3_URGENT_SIGNS")]
    UrgentSigns,
    #[serde(rename = "R4_CONSULT_NEEDS_RELATIONSHIP")]
    ConsultNeedsRelationship,
    #[serde(rename = "R5_CONSENT_REQUIRED")]
    ConsentRequired,
    #[serde(rename = "R6_PATIENT_NAME_UNMASKED")]
    PatientNameUnmasked,
    #[serde(rename = "R7_PERSONAL_INFO")]
    PersonalInfo,
    #[serde(rename = "R8_TOO_LONG")]
    TooLong,
    #[serde(rename = "R9_METHOD_NOT_PREFERRED")]
    MethodNotPreferred,
    #[serde(rename = "R10_RECIPIENT_UNVERIFIED")]
    RecipientUnverified,
}

impl RuleCode {
    pub fn code(self) -> &'static str {
        match self {
            RuleCode::FirstContactScheduleOnly => "R1_FIRST_CONTACT_SCHEDULE_ONLY",
            RuleCode::UrgentUseEmergency => "R2_URGENT_USE_EMERGENCY",
            RuleCode::UrgentSigns => "R3_URGENT_SIGNS",
            RuleCode::ConsultNeedsRelationship => "R4_CONSULT_NEEDS_RELATIONSHIP",
            RuleCode::ConsentRequired => "R5_CONSENT_REQUIRED",
            RuleCode::PatientNameUnmasked => "R6_PATIENT_NAME_UNMASKED",
            RuleCode::PersonalInfo => "R7_PERSONAL_INFO",
            RuleCode::TooLong => "R8_TOO_LONG",
            RuleCode::MethodNotPreferred => "R9_METHOD_NOT_PREFERRED",
            RuleCode::RecipientUnverified => "R10_RECIPIENT_UNVERIFIED",
        }
    }

    pub fn severity(self) -> Severity {
        use RuleCode::*;
        match self {
            FirstContactScheduleOnly
            | UrgentUseEmergency
            | ConsentRequired
            | PatientNameUnmasked
            | PersonalInfo => Severity::Error,
            UrgentSigns
            | ConsultNeedsRelationship
            | TooLong
            | MethodNotPreferred
            | RecipientUnverified => Severity::Warning,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub code: RuleCode,
    pub severity: Severity,
    pub message: String,
    /// R7: what was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<PersonalInfoFinding>,
}

impl Violation {
    fn new(code: RuleCode, message: impl Into<String>) -> Violation {
        Violation {
            code,
            severity: code.severity(),
            message: message.into(),
            finding: None,
        }
    }
}

/// The guide's emergency guidance (seed §4-6), shown with R2 and R3.
pub const EMERGENCY_GUIDANCE: &str = "病状の急変など早急な対応が必要で深刻な内容は、あんしんリンクで医師の助言を求めず、\
まず緊急時の対応（救急要請・主治医の緊急連絡先・訪問看護の緊急時対応）を取ってください。\
急ぎでも軽い内容（例: 血圧が高いが入浴してよいか）を診療時間中に連絡するときは、先に受付にカルテを出してもらうよう頼み、数分後に医師に連絡してください（seed §4-6）";

/// Words that read like an emergency (seed §4-6).
const URGENT_SIGNS: &[&str] = &[
    "急変",
    "意識がない",
    "意識が無い",
    "意識不明",
    "意識がもうろう",
    "呼吸が苦しい",
    "息が苦しい",
    "息苦しい",
    "呼吸困難",
    "呼吸が止",
    "胸痛",
    "胸が痛い",
    "大量出血",
    "出血が止まらない",
    "吐血",
    "下血",
    "転倒して動けない",
    "動けなくなった",
    "けいれん",
    "痙攣",
    "心肺停止",
    "脈がない",
    "呼びかけに反応",
];

/// The body of a slip: brief and to the point (seed §4-3, §8).
pub const MAX_BODY_CHARS: usize = 400;

/// What the rules may look at besides the slip.
#[derive(Default)]
pub struct RuleContext<'a> {
    /// The directory, for R9/R10 (from the cache, or a snapshot file).
    pub directory: Option<&'a Snapshot>,
    /// The patient's real name, for R7 (memory only).
    pub patient_name: Option<&'a str>,
    /// The clock, for a phone call now (R9) and telling birth dates from appointments (R7).
    pub now: Option<NaiveDateTime>,
}

/// Every violation of every rule, errors first.
pub fn check(slip: &Slip, context: &RuleContext) -> Vec<Violation> {
    let mut v = Vec::new();
    let written = matches!(slip.channel, Channel::Fax | Channel::Email);

    // seed §4-1: a first contact is, in principle, schedule adjustment only.
    if slip.first_contact && !slip.purpose.is_scheduling() {
        v.push(Violation::new(
            RuleCode::FirstContactScheduleOnly,
            format!(
                "初めての連絡は日程調整（目的 1・2・10）だけにしてください。いまの目的は {}「{}」です（seed §4-1）",
                slip.purpose.number(),
                slip.purpose.label()
            ),
        ));
    }
    // seed §4-6: urgent and serious matters do not go through Anshin Link.
    if slip.urgent {
        v.push(Violation::new(
            RuleCode::UrgentUseEmergency,
            format!("急ぎの連絡にはあんしんリンクを使いません。{EMERGENCY_GUIDANCE}"),
        ));
    }
    let texts = free_texts(slip);
    if let Some(sign) = URGENT_SIGNS
        .iter()
        .find(|s| texts.iter().any(|(_, t)| t.contains(*s)))
    {
        v.push(Violation::new(
            RuleCode::UrgentSigns,
            format!("本文に「{sign}」とあります。緊急ではありませんか。{EMERGENCY_GUIDANCE}"),
        ));
    }
    // seed §4-1, §4-4, §5 *1.
    if slip.purpose == super::model::Purpose::ConditionConsult {
        v.push(Violation::new(
            RuleCode::ConsultNeedsRelationship,
            "病状の相談は、医師との連携ができている場合や病状に変わりがない場合に限られ、医師の判断によります。直接医療に関わる内容は受診のうえで相談するのが基本です（seed §4-1, §4-4）",
        ));
    }
    // seed §4-1, §6: consent before personal information is exchanged.
    if !slip.purpose.is_scheduling() && !slip.consent_obtained {
        v.push(Violation::new(
            RuleCode::ConsentRequired,
            "日程調整以外の連絡では、あんしんリンクで個人情報をやり取りすることについて、利用者に口頭で説明して同意を得てください（consent_obtained = true）（seed §4-1, §6）",
        ));
    }
    // seed §4-5: no name that a mis-sent FAX or email could reveal.
    if written {
        match slip.patient.masked_name.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(mask) if !mask_hides_enough(mask) => v.push(Violation::new(
                RuleCode::PatientNameUnmasked,
                format!("利用者名「{mask}」は半分以上の文字を○で伏せてください（例: ○村○男）（seed §4-5）"),
            )),
            Some(_) => {}
            None if !slip.patient.name_told_by_phone => v.push(Violation::new(
                RuleCode::PatientNameUnmasked,
                "利用者名を伏せ字（masked_name）で書くか、先に電話でお伝えしたうえで name_told_by_phone = true にしてください（seed §4-5）",
            )),
            None => {}
        }
        let allowed = slip.own_numbers();
        let options = DetectOptions {
            patient_name: context.patient_name,
            allowed_numbers: &allowed,
            current_year: context.now.map_or(slip.date.year(), |n| n.year()),
        };
        for (field, text) in &texts {
            for finding in detect(text, &options) {
                let mut violation = Violation::new(
                    RuleCode::PersonalInfo,
                    format!(
                        "{field}に個人情報「{}」があります。{}（seed §4-5）",
                        finding.text, finding.message
                    ),
                );
                violation.finding = Some(finding);
                v.push(violation);
            }
        }
    }
    // seed §4-3, §8: brief.
    let length = slip.request.body.chars().count();
    if length > MAX_BODY_CHARS {
        v.push(Violation::new(
            RuleCode::TooLong,
            format!("本文が {length} 文字あります。{MAX_BODY_CHARS} 文字以内で手短に、要点だけにしてください（seed §4-3, §8）"),
        ));
    }
    recipient_rules(slip, context, &mut v);
    v.sort_by_key(|x| x.severity != Severity::Error);
    v
}

/// seed §4-2 (impostors: check against the names listed), §1 and §4-3 (the doctor's method and
/// times).
fn recipient_rules(slip: &Slip, context: &RuleContext, v: &mut Vec<Violation>) {
    let Some(directory) = context.directory else {
        v.push(Violation::new(
            RuleCode::RecipientUnverified,
            "ディレクトリがないため、宛先があんしんリンクの掲載者か確認できません。同期してから確認してください（seed §4-2）",
        ));
        return;
    };
    let person = slip
        .to
        .person_id
        .as_deref()
        .and_then(|id| directory.person(id));
    let fold = |s: &str| crate::search::fold(s);
    let person = match person {
        Some(p) if fold(&p.name) == fold(&slip.to.doctor) => p,
        Some(p) => {
            v.push(Violation::new(
                RuleCode::RecipientUnverified,
                format!("宛先の「{}」は、ディレクトリの {}（{}）と名前が違います。なりすましでないか確認してください（seed §4-2）", slip.to.doctor, p.id, p.name),
            ));
            return;
        }
        None => {
            v.push(Violation::new(
                RuleCode::RecipientUnverified,
                format!("宛先の「{}」はあんしんリンクに掲載されていません。なりすましでないか確認してください（seed §4-2）", slip.to.doctor),
            ));
            return;
        }
    };
    let method = slip.channel.method();
    if !person.contact.preferred_methods.is_empty()
        && !person.contact.preferred_methods.contains(&method)
    {
        let preferred: Vec<&str> = person
            .contact
            .preferred_methods
            .iter()
            .map(|m| m.label())
            .collect();
        v.push(Violation::new(
            RuleCode::MethodNotPreferred,
            format!(
                "{}先生の希望する連絡方法は {} です（いまは {}）（seed §1, §4-3）",
                person.name,
                preferred.join("・"),
                slip.channel.label()
            ),
        ));
    }
    if slip.channel == Channel::Phone {
        if let Some(now) = context.now {
            let a = availability(&person.contact, now);
            if !a.is_now() && a != crate::availability::Availability::NoWindows {
                v.push(Violation::new(
                    RuleCode::MethodNotPreferred,
                    format!("いまは{}先生の連絡しやすい時間ではありません（{}）。診療を中断しないよう気をつけてください（seed §4-3）", person.name, a.label()),
                ));
            }
        }
    }
}

/// The slip's free-text fields, named for messages.
fn free_texts(slip: &Slip) -> Vec<(&'static str, String)> {
    let mut texts = vec![("本文", slip.request.body.clone())];
    if let Some(area) = &slip.patient.area {
        texts.push(("利用者の地域", area.clone()));
    }
    if !slip.request.proposed_slots.is_empty() {
        texts.push(("候補日時", slip.request.proposed_slots.join("\n")));
    }
    if let Some(mask) = &slip.patient.masked_name {
        texts.push(("利用者名", mask.clone()));
    }
    texts
}

const MASK_CHARS: &[char] = &['○', '◯', '●', '〇', '×', '✕', '＊', '*', '□', '■'];

/// At least half of the name's characters hidden (seed §4-5 example 3: ○村○男 hides two of four).
pub fn mask_hides_enough(mask: &str) -> bool {
    let chars: Vec<char> = mask.chars().filter(|c| !c.is_whitespace()).collect();
    let hidden = chars.iter().filter(|c| MASK_CHARS.contains(c)).count();
    !chars.is_empty() && hidden * 2 >= chars.len()
}

/// The guide's mask for a real name: every other character hidden, starting with the first of
/// each part (木村 正男 → ○村○男), so at least half is always hidden.
pub fn mask_name(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == '　')
        .filter(|p| !p.is_empty())
        .map(|part| {
            part.chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 0 { '○' } else { c })
                .collect::<String>()
        })
        .collect()
}

#[cfg(test)]
mod tests;
