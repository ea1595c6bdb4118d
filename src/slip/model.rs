//! The slip file (DESIGN §6.1, a contract): the TOML the composer saves and `anshin slip` reads.
//! It never holds the patient's real name — only a masked one, or none (told by phone).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slip {
    pub date: NaiveDate,
    pub channel: Channel,
    pub first_contact: bool,
    pub purpose: Purpose,
    #[serde(default)]
    pub urgent: bool,
    #[serde(default)]
    pub consent_obtained: bool,
    pub to: Recipient,
    pub from: Sender,
    pub patient: Patient,
    pub request: Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Fax,
    Email,
    Phone,
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Fax => "FAX",
            Channel::Email => "メール",
            Channel::Phone => "電話",
        }
    }

    pub fn method(self) -> crate::directory::ContactMethod {
        match self {
            Channel::Fax => crate::directory::ContactMethod::Fax,
            Channel::Email => crate::directory::ContactMethod::Email,
            Channel::Phone => crate::directory::ContactMethod::Phone,
        }
    }
}

/// The four kinds of contact of seed §3 / §4-1, the checkboxes of the slip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Scheduling,
    Report,
    Request,
    Confirmation,
}

impl ContactKind {
    pub const ALL: [ContactKind; 4] = [
        ContactKind::Scheduling,
        ContactKind::Report,
        ContactKind::Request,
        ContactKind::Confirmation,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Scheduling => "日程調整",
            ContactKind::Report => "報告・情報提供",
            ContactKind::Request => "依頼",
            ContactKind::Confirmation => "確認",
        }
    }
}

/// The ten uses of seed §5, by their codes (DESIGN §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    AccompaniedVisit,
    ConditionMeeting,
    ConditionConsult,
    ServiceReport,
    CareConference,
    OpinionForm,
    MedicalServiceOpinion,
    ManualTherapyOpinion,
    Referral,
    FamilyDoctorAfterDischarge,
}

impl Purpose {
    pub const ALL: [Purpose; 10] = [
        Purpose::AccompaniedVisit,
        Purpose::ConditionMeeting,
        Purpose::ConditionConsult,
        Purpose::ServiceReport,
        Purpose::CareConference,
        Purpose::OpinionForm,
        Purpose::MedicalServiceOpinion,
        Purpose::ManualTherapyOpinion,
        Purpose::Referral,
        Purpose::FamilyDoctorAfterDischarge,
    ];

    /// The number in the guide's table (seed §5).
    pub fn number(self) -> u8 {
        Purpose::ALL
            .iter()
            .position(|p| *p == self)
            .map_or(0, |i| i as u8 + 1)
    }

    pub fn label(self) -> &'static str {
        match self {
            Purpose::AccompaniedVisit => "同行受診の日程調整",
            Purpose::ConditionMeeting => "病状把握のための日程調整",
            Purpose::ConditionConsult => "病状等の相談",
            Purpose::ServiceReport => "介護サービス利用開始・変更の報告",
            Purpose::CareConference => "サービス担当者会議の出席依頼・意見聴取・結果報告",
            Purpose::OpinionForm => "主治医意見書の記載依頼・確認",
            Purpose::MedicalServiceOpinion => "訪問看護・通所リハ等の意見聴取・指示書依頼",
            Purpose::ManualTherapyOpinion => "はり・きゅう・柔道整復・マッサージの事前意見聴取",
            Purpose::Referral => "他科受診の意見聴取・紹介状依頼",
            Purpose::FamilyDoctorAfterDischarge => "退院後のかかりつけ医依頼の日程調整",
        }
    }

    pub fn kind(self) -> ContactKind {
        use Purpose::*;
        match self {
            AccompaniedVisit | ConditionMeeting | FamilyDoctorAfterDischarge => {
                ContactKind::Scheduling
            }
            ConditionConsult | ManualTherapyOpinion => ContactKind::Confirmation,
            ServiceReport => ContactKind::Report,
            CareConference | OpinionForm | MedicalServiceOpinion | Referral => ContactKind::Request,
        }
    }

    /// Schedule adjustments (1, 2, 10): what a first contact may be, and what needs no prior
    /// consent to exchange personal information (seed §4-1, §6).
    pub fn is_scheduling(self) -> bool {
        self.kind() == ContactKind::Scheduling
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub person_id: Option<String>,
    pub doctor: String,
    pub institution: String,
    pub fax: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sender {
    pub name: String,
    pub office: String,
    pub phone: String,
    pub fax: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
    #[default]
    Unstated,
}

impl Sex {
    pub fn label(self) -> Option<&'static str> {
        match self {
            Sex::Female => Some("女性"),
            Sex::Male => Some("男性"),
            Sex::Other => Some("その他"),
            Sex::Unstated => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patient {
    /// Never the real name: ○村○男 style (seed §4-5 example 3).
    pub masked_name: Option<String>,
    /// The name was told by phone beforehand (seed §4-5 example 1).
    #[serde(default)]
    pub name_told_by_phone: bool,
    pub age: Option<u8>,
    #[serde(default)]
    pub sex: Sex,
    /// Part of the address only: ward and town (seed §4-5 example 2).
    pub area: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub body: String,
    #[serde(default)]
    pub proposed_slots: Vec<String>,
    pub reply_by: Option<NaiveDate>,
}

impl Slip {
    /// Names that may stand in the text and are not the patient's: the doctor, the sender,
    /// and their institution and office.
    pub fn known_names(&self) -> [&str; 4] {
        [
            self.to.doctor.as_str(),
            self.to.institution.as_str(),
            self.from.name.as_str(),
            self.from.office.as_str(),
        ]
    }

    /// The office's and the recipient's own numbers: on a slip they are not personal
    /// information (the detector allows them).
    pub fn own_numbers(&self) -> Vec<&str> {
        [self.from.phone.as_str()]
            .into_iter()
            .chain(self.from.fax.as_deref())
            .chain(self.to.fax.as_deref())
            .chain(self.to.phone.as_deref())
            .filter(|n| !n.trim().is_empty())
            .collect()
    }
}

/// Reads a slip; the message names the line and the field.
pub fn parse_slip(text: &str) -> Result<Slip, String> {
    toml::from_str(text).map_err(|e| {
        let detail = e.to_string();
        let gist = if detail.contains("unknown variant") {
            "決められた値のどれでもありません"
        } else if detail.contains("missing field") {
            "必須の項目がありません"
        } else if detail.contains("unknown field") {
            "知らない項目があります（書き間違いではありませんか）"
        } else if detail.contains("invalid type") {
            "値の形が違います"
        } else {
            "書式が正しくありません"
        };
        format!("連絡票の{gist}:\n{detail}")
    })
}

/// Writes a slip in the contract's form.
pub fn write_slip(slip: &Slip) -> String {
    toml::to_string_pretty(slip).expect("a slip always serializes")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const DESIGN_EXAMPLE: &str = r#"
date = "2026-11-24"
channel = "fax"
first_contact = true
purpose = "accompanied_visit"
urgent = false
consent_obtained = false

[to]
person_id = "p-0001"
doctor = "田中 一郎"
institution = "上溝さくら内科クリニック"
fax = "042-700-0002"

[from]
name = "佐藤 花子"
office = "光が丘ケアプランセンター"
phone = "042-700-1000"
fax = "042-700-1001"

[patient]
masked_name = "○村○男"
name_told_by_phone = false
age = 85
sex = "female"
area = "中央区上溝"

[request]
body = """同行受診の日程を調整させてください。"""
proposed_slots = ["2026-11-28 13:00-14:00"]
reply_by = "2026-12-01"
"#;

    #[test]
    fn design_example_parses_and_round_trips() {
        let slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        assert_eq!(slip.purpose, Purpose::AccompaniedVisit);
        assert_eq!(slip.purpose.number(), 1);
        assert_eq!(slip.patient.sex, Sex::Female);
        assert_eq!(parse_slip(&write_slip(&slip)).unwrap(), slip);
    }

    #[test]
    fn errors_name_the_field() {
        let err =
            parse_slip(&DESIGN_EXAMPLE.replace("\"fax\"\nfirst", "\"fox\"\nfirst")).unwrap_err();
        assert!(
            err.contains("決められた値") && err.contains("channel"),
            "{err}"
        );
        let err = parse_slip(&DESIGN_EXAMPLE.replace("first_contact = true\n", "")).unwrap_err();
        assert!(
            err.contains("必須") && err.contains("first_contact"),
            "{err}"
        );
        let err = parse_slip(&DESIGN_EXAMPLE.replace("masked_name", "real_name")).unwrap_err();
        assert!(
            err.contains("知らない項目") && err.contains("real_name"),
            "{err}"
        );
        assert!(parse_slip("date = ").is_err());
    }

    #[test]
    fn purposes_have_the_guide_numbers_and_kinds() {
        assert_eq!(Purpose::FamilyDoctorAfterDischarge.number(), 10);
        let scheduling: Vec<u8> = Purpose::ALL
            .iter()
            .filter(|p| p.is_scheduling())
            .map(|p| p.number())
            .collect();
        assert_eq!(scheduling, vec![1, 2, 10]);
        assert_eq!(Purpose::ConditionConsult.kind(), ContactKind::Confirmation);
    }
}
