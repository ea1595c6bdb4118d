//! The fixed vocabularies of the directory (DESIGN §3, seed §2): organisation kinds, home-care
//! procedures, acceptance, roles, contact methods and weekdays. Codes are the wire format; labels
//! are what a care manager reads.

use serde::{Deserialize, Serialize};

/// Declares a wire-code enum with its Japanese label in one table, so that code, label and the
/// list of all values can never drift apart.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in the order the guide lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire code, as in the snapshot JSON.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The Japanese label shown to care managers.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            /// Parses a wire code or a Japanese label (spreadsheets use either).
            pub fn parse(text: &str) -> Option<$name> {
                let text = text.trim();
                Self::ALL.iter().copied().find(|v| v.code() == text || v.label() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary! {
    /// Member organisation kinds (seed §2).
    OrganizationKind {
        Clinic => "clinic", "診療所";
        DentalClinic => "dental_clinic", "歯科診療所";
        Hospital => "hospital", "病院";
        Pharmacy => "pharmacy", "薬局";
        HomeCareSupport => "home_care_support", "居宅介護支援事業所";
        SmallMultifunction => "small_multifunction", "小規模多機能型居宅介護";
        NursingSmallMultifunction => "nursing_small_multifunction", "看護小規模多機能型居宅介護";
        CommunitySupportCenter => "community_support_center", "地域包括支援センター";
        VisitingNurse => "visiting_nurse", "訪問看護事業所";
    }
}

impl OrganizationKind {
    /// Kinds that provide medical care and so may carry `home_care` (seed §1: procedures, visit
    /// area and acceptance are listed for medical institutions).
    pub fn is_medical(self) -> bool {
        matches!(
            self,
            Self::Clinic
                | Self::DentalClinic
                | Self::Hospital
                | Self::Pharmacy
                | Self::VisitingNurse
                | Self::NursingSmallMultifunction
        )
    }
}

vocabulary! {
    /// Home-care procedures a medical institution can manage (在宅管理可能な医療行為, seed §1).
    Procedure {
        HomeOxygen => "home_oxygen", "在宅酸素療法";
        Ventilator => "ventilator", "人工呼吸器";
        Tracheostomy => "tracheostomy", "気管カニューレ管理";
        Suction => "suction", "喀痰吸引";
        Inhalation => "inhalation", "吸入";
        CentralVenous => "central_venous", "中心静脈栄養";
        TubeFeeding => "tube_feeding", "経鼻経管栄養";
        Gastrostomy => "gastrostomy", "胃ろう";
        IvDrip => "iv_drip", "点滴・注射";
        UrinaryCatheter => "urinary_catheter", "尿道カテーテル";
        Stoma => "stoma", "ストーマ";
        SelfCatheterization => "self_catheterization", "自己導尿";
        PeritonealDialysis => "peritoneal_dialysis", "腹膜透析";
        PressureUlcer => "pressure_ulcer", "褥瘡処置";
        WoundCare => "wound_care", "創傷処置";
        Drain => "drain", "ドレーン管理";
        PainOpioid => "pain_opioid", "疼痛管理（医療用麻薬）";
        Chemotherapy => "chemotherapy", "抗がん剤治療";
        TerminalCare => "terminal_care", "看取り";
        Dementia => "dementia", "認知症対応";
        Rehabilitation => "rehabilitation", "訪問リハビリ";
        BloodTest => "blood_test", "採血・検査";
        EmergencyVisit => "emergency_visit", "緊急往診";
    }
}

vocabulary! {
    /// Whether an institution takes new home-care patients (受け入れ状況, seed §1).
    Accepting {
        Accepting => "accepting", "受け入れ可";
        Consult => "consult", "要相談";
        NotAccepting => "not_accepting", "受け入れ停止";
    }
}

vocabulary! {
    /// A listed person's role.
    Role {
        Doctor => "doctor", "医師";
        Dentist => "dentist", "歯科医師";
        Pharmacist => "pharmacist", "薬剤師";
        CareManager => "care_manager", "介護支援専門員";
        Nurse => "nurse", "看護師";
        Staff => "staff", "職員";
    }
}

vocabulary! {
    /// How a person wants to be contacted (seed §1: phone, FAX, email).
    ContactMethod {
        Phone => "phone", "電話";
        Fax => "fax", "FAX";
        Email => "email", "メール";
    }
}

vocabulary! {
    /// Days of the week, Monday first as Japanese clinic timetables are written.
    Weekday {
        Mon => "mon", "月";
        Tue => "tue", "火";
        Wed => "wed", "水";
        Thu => "thu", "木";
        Fri => "fri", "金";
        Sat => "sat", "土";
        Sun => "sun", "日";
    }
}

impl Weekday {
    /// Converts from chrono's weekday (used by the availability logic and the demo generator).
    pub fn from_chrono(day: chrono::Weekday) -> Weekday {
        Weekday::ALL[day.num_days_from_monday() as usize]
    }

    /// 0 for Monday … 6 for Sunday.
    pub fn index(self) -> usize {
        Weekday::ALL.iter().position(|d| *d == self).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde() {
        for p in Procedure::ALL {
            let json = serde_json::to_string(p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.code()));
            assert_eq!(serde_json::from_str::<Procedure>(&json).unwrap(), *p);
        }
        assert_eq!(Procedure::ALL.len(), 23);
        assert_eq!(OrganizationKind::ALL.len(), 9);
    }

    #[test]
    fn parse_accepts_code_or_label() {
        assert_eq!(Procedure::parse("胃ろう"), Some(Procedure::Gastrostomy));
        assert_eq!(
            Procedure::parse(" gastrostomy "),
            Some(Procedure::Gastrostomy)
        );
        assert_eq!(
            OrganizationKind::parse("診療所"),
            Some(OrganizationKind::Clinic)
        );
        assert_eq!(Accepting::parse("要相談"), Some(Accepting::Consult));
        assert_eq!(Procedure::parse("胃瘻"), None);
    }

    #[test]
    fn weekday_from_chrono_is_monday_first() {
        assert_eq!(Weekday::from_chrono(chrono::Weekday::Mon), Weekday::Mon);
        assert_eq!(Weekday::from_chrono(chrono::Weekday::Sun), Weekday::Sun);
        assert_eq!(Weekday::Sun.index(), 6);
    }
}
