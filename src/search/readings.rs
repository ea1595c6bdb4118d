//! Readings (kana) for the words of the fixed vocabularies and Sagamihara's place names, so that
//! romaji and kana queries find `在宅酸素療法`, `循環器内科` or `上溝` as well as kanji ones do.

use crate::directory::{OrganizationKind, Procedure, Role};

pub fn procedure_reading(procedure: Procedure) -> &'static str {
    use Procedure::*;
    match procedure {
        HomeOxygen => "ざいたくさんそりょうほう",
        Ventilator => "じんこうこきゅうき",
        Tracheostomy => "きかんかにゅーれかんり",
        Suction => "かくたんきゅういん",
        Inhalation => "きゅうにゅう",
        CentralVenous => "ちゅうしんじょうみゃくえいよう",
        TubeFeeding => "けいびけいかんえいよう",
        Gastrostomy => "いろう",
        IvDrip => "てんてきちゅうしゃ",
        UrinaryCatheter => "にょうどうかてーてる",
        Stoma => "すとーま",
        SelfCatheterization => "じこどうにょう",
        PeritonealDialysis => "ふくまくとうせき",
        PressureUlcer => "じょくそうしょち",
        WoundCare => "そうしょうしょち",
        Drain => "どれーんかんり",
        PainOpioid => "とうつうかんりいりょうようまやく",
        Chemotherapy => "こうがんざいちりょう",
        TerminalCare => "みとり",
        Dementia => "にんちしょうたいおう",
        Rehabilitation => "ほうもんりはびり",
        BloodTest => "さいけつけんさ",
        EmergencyVisit => "きんきゅうおうしん",
    }
}

pub fn kind_reading(kind: OrganizationKind) -> &'static str {
    use OrganizationKind::*;
    match kind {
        Clinic => "しんりょうじょ",
        DentalClinic => "しかしんりょうじょ",
        Hospital => "びょういん",
        Pharmacy => "やっきょく",
        HomeCareSupport => "きょたくかいごしえんじぎょうしょ",
        SmallMultifunction => "しょうきぼたきのう",
        NursingSmallMultifunction => "かんごしょうきぼたきのう",
        CommunitySupportCenter => "ちいきほうかつしえんせんたー",
        VisitingNurse => "ほうもんかんご",
    }
}

pub fn role_reading(role: Role) -> &'static str {
    match role {
        Role::Doctor => "いし",
        Role::Dentist => "しかいし",
        Role::Pharmacist => "やくざいし",
        Role::CareManager => "けあまね",
        Role::Nurse => "かんごし",
        Role::Staff => "しょくいん",
    }
}

/// Specialties as clinics write them. Unknown ones are still found by their kanji.
pub fn specialty_reading(specialty: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("内科", "ないか"),
        ("外科", "げか"),
        ("循環器内科", "じゅんかんきないか"),
        ("消化器内科", "しょうかきないか"),
        ("呼吸器内科", "こきゅうきないか"),
        ("整形外科", "せいけいげか"),
        ("皮膚科", "ひふか"),
        ("眼科", "がんか"),
        ("耳鼻咽喉科", "じびいんこうか"),
        ("精神科", "せいしんか"),
        ("心療内科", "しんりょうないか"),
        ("脳神経内科", "のうしんけいないか"),
        ("脳神経外科", "のうしんけいげか"),
        ("泌尿器科", "ひにょうきか"),
        ("リハビリテーション科", "りはびりてーしょんか"),
        ("緩和ケア内科", "かんわけあないか"),
        ("腎臓内科", "じんぞうないか"),
        ("小児科", "しょうにか"),
        ("歯科", "しか"),
        ("婦人科", "ふじんか"),
    ];
    TABLE.iter().find(|(k, _)| *k == specialty).map(|(_, r)| *r)
}

/// Sagamihara's wards and districts. Another city's names are still found by their kanji.
pub const PLACE_READINGS: &[(&str, &str)] = &[
    ("緑区", "みどりく"),
    ("中央区", "ちゅうおうく"),
    ("南区", "みなみく"),
    ("橋本", "はしもと"),
    ("大沢", "おおさわ"),
    ("城山", "しろやま"),
    ("津久井", "つくい"),
    ("相模湖", "さがみこ"),
    ("藤野", "ふじの"),
    ("小山", "おやま"),
    ("清新", "せいしん"),
    ("横山", "よこやま"),
    ("中央", "ちゅうおう"),
    ("星が丘", "ほしがおか"),
    ("光が丘", "ひかりがおか"),
    ("大野北", "おおのきた"),
    ("田名", "たな"),
    ("上溝", "かみみぞ"),
    ("大野中", "おおのなか"),
    ("大野南", "おおのみなみ"),
    ("麻溝", "あさみぞ"),
    ("新磯", "あらいそ"),
    ("相模台", "さがみだい"),
    ("相武台", "そうぶだい"),
    ("東林", "とうりん"),
];

pub fn place_reading(place: &str) -> Option<&'static str> {
    PLACE_READINGS
        .iter()
        .find(|(k, _)| *k == place)
        .map(|(_, r)| *r)
}
