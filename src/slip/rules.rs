//! The rules of the contact slip (DESIGN §6.2). The codes are a contract; error-level rules
//! refuse rendering. Each rule cites the guide's section.

use super::detect::{detect, DetectOptions, PersonalInfoFinding};
use super::model::{Channel, Slip};
use crate::availability::availability;
use crate::directory::Lookup;
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
まず緊急時の対応（119番通報・主治医の緊急連絡先・訪問看護の緊急時対応）を取ってください。\
急ぎでも軽い内容（例: 血圧が高いが入浴してよいか）を診療時間中に連絡するときは、先に受付にカルテを出してもらうよう頼み、数分後に医師に連絡してください（あんしんリンクについて ４(6)）";

/// Signs that call for emergency action rather than a slip (seed §4-6), after the symptom
/// categories of the Fire and Disaster Management Agency's 「救急車利用マニュアル」 (when to call
/// 119 without hesitating: 顔・頭, 胸・背中, おなか, 手足, 意識, 吐き気, 飲み込み, けいれん, けが・やけど)
/// and its 救急受診ガイド. Each is a pattern over the NFKC text, so kana and kanji spellings and
/// a few words between meet.
const URGENT_SIGNS: &[(&str, &str)] = &[
    // sudden deterioration, consciousness (意識)
    ("急変", "急変"),
    (
        "意識がない",
        r"意識が(?:ない|無い|もうろう|朦朧|おかしい|はっきりしない|戻らない|もどらない)|意識不明|意識障害|意識レベルが?低下",
    ),
    ("呼びかけに反応しない", r"呼びかけ(?:に|にも)(?:反応|返事)"),
    ("ぐったりしている", r"ぐったり"),
    // breathing, chest (胸・背中)
    (
        "呼吸が苦しい",
        r"(?:呼吸|息)が(?:苦し|できな|止ま|荒)|息苦し|呼吸困難|急な息切れ|呼吸が止",
    ),
    (
        "胸の痛み",
        r"胸痛|胸が(?:痛|締め付け|しめつけ|圧迫)|胸の(?:痛|締め付け|圧迫)|背中に激痛",
    ),
    ("心肺停止", r"心肺停止|脈が(?:ない|無い|触れない)|心停止"),
    // head and face: stroke (顔・頭、手足)
    (
        "ろれつが回らない",
        r"ろれつ(?:が|の)?(?:回|まわ)ら|呂律(?:が)?(?:回|まわ)ら|言葉が(?:出|で)(?:ない|にくい)|話し方がおかしい",
    ),
    (
        "片側の手足に力が入らない",
        r"(?:片側|片方|半身|右半身|左半身|右側|左側|右の|左の)の?(?:手足|腕|足|手)?(?:に|が)?(?:力が入らな|しびれ|痺れ|動かな|麻痺)|片麻痺",
    ),
    (
        "顔がゆがむ",
        r"(?:顔|口)(?:の片方)?が(?:ゆが|歪)|顔半分が(?:動きにく|しびれ)",
    ),
    (
        "突然の激しい頭痛",
        r"(?:突然の?|急な|激しい|今までにない)(?:激しい)?頭痛|頭を強く打",
    ),
    ("急なふらつき", r"(?:急に|突然)(?:ふらつ|立てな|歩けな)"),
    // stomach (おなか), blood
    ("激しい腹痛", r"(?:突然の?|激しい|急な)(?:激しい)?腹痛"),
    ("吐血・下血", r"吐血|下血|血を吐"),
    ("大量出血", r"大量(?:の)?出血|出血が止まらな"),
    ("冷や汗を伴う強い吐き気", r"冷や汗|冷汗"),
    // convulsions (けいれん)
    ("けいれん", r"けいれん|痙攣|ひきつけ|引きつけ"),
    // swallowing, choking (飲み込み)
    (
        "喉に詰まらせた",
        r"(?:喉|のど|ノド)に(?:物|食べ物|餅|もち)?を?(?:詰|つ)ま|窒息|誤嚥して(?:息|呼吸)",
    ),
    // high fever with confusion
    (
        "高熱と意識の乱れ",
        r"(?:高熱|(?:39|40|41)(?:\.\d)?度).{0,12}(?:意識|もうろう|朦朧|ぼんやり|反応が|呼びかけ|うわごと|おかしい)|(?:意識|もうろう|朦朧).{0,12}(?:高熱|(?:39|40|41)(?:\.\d)?度)",
    ),
    // injury (けが・やけど)
    (
        "転倒して動けない",
        r"転倒して(?:動けな|起き上がれな|立てな)|動けなくなった|骨折した",
    ),
    (
        "広い範囲のやけど",
        r"(?:広い|広範囲)の?(?:やけど|火傷)|大やけど",
    ),
];

fn urgent_sign(texts: &[(&'static str, String)]) -> Option<&'static str> {
    static PATTERNS: std::sync::OnceLock<Vec<(&'static str, regex::Regex)>> =
        std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        URGENT_SIGNS
            .iter()
            .map(|(label, p)| {
                (
                    *label,
                    regex::Regex::new(p).expect("urgent signs are valid"),
                )
            })
            .collect()
    });
    use unicode_normalization::UnicodeNormalization;
    let folded: Vec<String> = texts.iter().map(|(_, t)| t.nfkc().collect()).collect();
    patterns
        .iter()
        .find(|(_, re)| folded.iter().any(|t| re.is_match(t)))
        .map(|(label, _)| *label)
}

/// The body of a slip: brief and to the point (seed §4-3, §8).
pub const MAX_BODY_CHARS: usize = 400;

/// What the rules may look at besides the slip.
#[derive(Default)]
pub struct RuleContext<'a> {
    /// The directory, for R9/R10 (from the cache, or a snapshot file).
    pub directory: Option<&'a dyn Lookup>,
    /// The patient's real name, for R7 (memory only).
    pub patient_name: Option<&'a str>,
    /// Its reading in kana, for R7 (memory only).
    pub patient_kana: Option<&'a str>,
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
                "初めての連絡は日程調整（目的 1・2・10）だけにしてください。いまの目的は {}「{}」です（あんしんリンクについて ４(1)）",
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
    if let Some(sign) = urgent_sign(&texts) {
        v.push(Violation::new(
            RuleCode::UrgentSigns,
            format!("「{sign}」のような症状が書かれています。緊急ではありませんか。{EMERGENCY_GUIDANCE}"),
        ));
    }
    // seed §4-1, §4-4, §5 *1.
    if slip.purpose == super::model::Purpose::ConditionConsult {
        v.push(Violation::new(
            RuleCode::ConsultNeedsRelationship,
            "病状の相談は、医師との連携ができている場合や病状に変わりがない場合に限られ、医師の判断によります。直接医療に関わる内容は受診のうえで相談するのが基本です（あんしんリンクについて ４(1)・４(4)）",
        ));
    }
    // seed §4-1, §6: consent before personal information is exchanged.
    if !slip.purpose.is_scheduling() && !slip.consent_obtained {
        v.push(Violation::new(
            RuleCode::ConsentRequired,
            "日程調整以外の連絡では、あんしんリンクで個人情報をやり取りすることを利用者に口頭で説明し、同意を得てください。同意を得たら「利用者の同意」を「はい」にします（あんしんリンクについて ４(1)・６）",
        ));
    }
    // seed §4-5: no name that a mis-sent FAX or email could reveal.
    if written {
        if let Some(message) = name_rule(slip) {
            v.push(Violation::new(RuleCode::PatientNameUnmasked, message));
        }
        let allowed = slip.own_numbers();
        let known = slip.known_names();
        let mask = slip.patient.masked_name.as_deref();
        for (field, text) in &texts {
            // The mask is looked at for what it hides, not for itself.
            let is_mask = *field == FIELD_MASK;
            let options = DetectOptions {
                patient_name: context.patient_name,
                patient_kana: context.patient_kana,
                mask: mask.filter(|_| !is_mask),
                known_names: &known,
                allowed_numbers: &allowed,
                current_year: context.now.map_or(slip.date.year(), |n| n.year()),
            };
            for finding in detect(text, &options) {
                if is_mask
                    && finding.kind == super::detect::FindingKind::PatientName
                    && finding.message != super::detect::FindingKind::PatientName.message()
                {
                    continue;
                }
                let mut violation = Violation::new(
                    RuleCode::PersonalInfo,
                    format!(
                        "{field}に個人情報「{}」があります。{}（あんしんリンクについて ４(5)）",
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
            format!("本文が {length} 文字あります。{MAX_BODY_CHARS} 文字以内で手短に、要点だけにしてください（あんしんリンクについて ４(3)・８）"),
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
            "ディレクトリがないため、宛先があんしんリンクの掲載者か確認できません。同期してから確認してください（あんしんリンクについて ４(2)）",
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
                format!("宛先の「{}」は、あんしんリンクの掲載（{}）と名前が違います。なりすましでないか確認してください（あんしんリンクについて ４(2)）", slip.to.doctor, p.name),
            ));
            return;
        }
        None => {
            v.push(Violation::new(
                RuleCode::RecipientUnverified,
                format!("宛先の「{}」はあんしんリンクに掲載されていません。なりすましでないか確認してください（あんしんリンクについて ４(2)）", slip.to.doctor),
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
                "{}先生の希望する連絡方法は {} です（いまは {}）（あんしんリンクについて １・４(3)）",
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
                    format!("いまは{}先生の連絡しやすい時間ではありません（{}）。診療を中断しないよう気をつけてください（あんしんリンクについて ４(3)）", person.name, a.label()),
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
        texts.push((FIELD_MASK, mask.clone()));
    }
    texts
}

const FIELD_MASK: &str = "伏せ字の氏名";

/// R6 (seed §4-5): how the slip keeps the name from a mis-sent FAX or email — 例3 a mask that
/// hides at least half, 例1 the name told by phone first, or 例2 no name at all but at least two
/// non-identifying facts (age, sex, part of the address). None when one of them holds.
fn name_rule(slip: &Slip) -> Option<String> {
    let p = &slip.patient;
    if let Some(mask) = p
        .masked_name
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        return (!mask_hides_enough(mask)).then(|| {
            format!("利用者名「{mask}」は半分以上の文字を○で伏せてください（例: ○村○男）（あんしんリンクについて ４(5) 例３）")
        });
    }
    if p.name_told_by_phone {
        return None;
    }
    let facts = [
        (p.age.is_some(), "年齢"),
        (p.sex.label().is_some(), "性別"),
        (
            p.area.as_deref().is_some_and(|a| !a.trim().is_empty()),
            "地域（区・町名）",
        ),
    ];
    let given = facts.iter().filter(|(on, _)| *on).count();
    if given >= 2 {
        return None;
    }
    let missing: Vec<&str> = facts
        .iter()
        .filter(|(on, _)| !on)
        .map(|(_, l)| *l)
        .collect();
    Some(format!(
        "利用者が誰かを示すものがありません。氏名を伏せ字にする（例: ○村○男）、先に電話で氏名を伝える、または年齢・性別・地域のうち二つ以上を書いてください（あと {} 件: {}）（あんしんリンクについて ４(5)）",
        2 - given,
        missing.join("・")
    ))
}

/// At least half of the name's characters hidden (seed §4-5 example 3: ○村○男 hides two of four).
pub fn mask_hides_enough(mask: &str) -> bool {
    let chars: Vec<char> = mask.chars().filter(|c| !c.is_whitespace()).collect();
    let hidden = chars
        .iter()
        .filter(|c| super::detect::MASK_CHARS.contains(c))
        .count();
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
