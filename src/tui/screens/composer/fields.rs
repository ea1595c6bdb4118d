//! The composer's five steps and the fields each asks for, with their labels and hints.

use crate::tui::text;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Recipient,
    Purpose,
    Patient,
    Body,
    Review,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Recipient,
        Step::Purpose,
        Step::Patient,
        Step::Body,
        Step::Review,
    ];

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Recipient => text::STEP_RECIPIENT,
            Step::Purpose => text::STEP_PURPOSE,
            Step::Patient => text::STEP_PATIENT,
            Step::Body => text::STEP_BODY,
            Step::Review => text::STEP_REVIEW,
        }
    }

    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Step::Recipient => &[Channel, Office, SenderName, SenderPhone, SenderFax],
            // The urgency question comes first (seed §4-6).
            Step::Purpose => &[Urgent, FirstContact, Purpose, Consent],
            Step::Patient => &[
                RealName,
                RealNameKana,
                ToldByPhone,
                MaskedName,
                Age,
                Sex,
                Area,
            ],
            Step::Body => &[Body, Slot1, Slot2, Slot3, ReplyBy],
            Step::Review => &[],
        }
    }

    pub(super) fn next(self) -> Step {
        Step::ALL[self.number().min(Step::ALL.len() - 1)]
    }

    pub(super) fn previous(self) -> Step {
        Step::ALL[self.number().saturating_sub(2)]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Channel,
    Office,
    SenderName,
    SenderPhone,
    SenderFax,
    Urgent,
    FirstContact,
    Purpose,
    Consent,
    RealName,
    RealNameKana,
    ToldByPhone,
    MaskedName,
    Age,
    Sex,
    Area,
    Body,
    Slot1,
    Slot2,
    Slot3,
    ReplyBy,
}

impl Field {
    pub fn label(self) -> &'static str {
        use Field::*;
        match self {
            Channel => text::FIELD_CHANNEL,
            Office => text::FIELD_OFFICE,
            SenderName => text::FIELD_SENDER_NAME,
            SenderPhone => text::FIELD_SENDER_PHONE,
            SenderFax => text::FIELD_SENDER_FAX,
            Urgent => text::FIELD_URGENT,
            FirstContact => text::FIELD_FIRST_CONTACT,
            Purpose => text::FIELD_PURPOSE,
            Consent => text::FIELD_CONSENT,
            RealName => text::FIELD_REAL_NAME,
            RealNameKana => text::FIELD_REAL_NAME_KANA,
            ToldByPhone => text::FIELD_TOLD_BY_PHONE,
            MaskedName => text::FIELD_MASKED_NAME,
            Age => text::FIELD_AGE,
            Sex => text::FIELD_SEX,
            Area => text::FIELD_AREA,
            Body => text::FIELD_BODY,
            Slot1 | Slot2 | Slot3 => text::FIELD_SLOT,
            ReplyBy => text::FIELD_REPLY_BY,
        }
    }

    pub fn hint(self) -> &'static str {
        use Field::*;
        match self {
            Channel => text::HINT_CHANNEL,
            Office | SenderName | SenderPhone | SenderFax => text::HINT_SENDER,
            Urgent => text::HINT_URGENT,
            FirstContact => text::HINT_FIRST_CONTACT,
            Purpose => text::HINT_PURPOSE,
            Consent => text::HINT_CONSENT,
            RealName => text::HINT_REAL_NAME,
            RealNameKana => text::HINT_REAL_NAME_KANA,
            ToldByPhone => text::HINT_TOLD_BY_PHONE,
            MaskedName => text::HINT_MASKED_NAME,
            Age => text::HINT_AGE,
            Sex => text::HINT_SEX,
            Area => text::HINT_AREA,
            Body => text::HINT_BODY,
            Slot1 | Slot2 | Slot3 => text::HINT_SLOT,
            ReplyBy => text::HINT_REPLY_BY,
        }
    }

    /// Chosen with ←→ rather than typed.
    pub fn is_choice(self) -> bool {
        use Field::*;
        matches!(
            self,
            Channel | Urgent | FirstContact | Purpose | Consent | ToldByPhone | Sex
        )
    }
}

pub(super) fn step_through<T: Copy + PartialEq>(all: &[T], current: T, forward: bool) -> T {
    let i = all.iter().position(|v| *v == current).unwrap_or(0);
    let n = all.len();
    all[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

/// 「85」「８５歳」 → 85; empty → none.
pub fn parse_age(input: &str) -> Result<Option<u8>, &'static str> {
    let folded: String = input.nfkc().collect();
    let digits = folded.trim().trim_end_matches('歳').trim();
    if digits.is_empty() {
        return Ok(None);
    }
    match digits.parse::<u8>() {
        Ok(age) if age <= 125 => Ok(Some(age)),
        _ => Err(text::AGE_INVALID),
    }
}
