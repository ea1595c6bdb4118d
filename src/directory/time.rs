//! Clock times in contact windows: local (Asia/Tokyo) `HH:MM`, written as text on the wire.

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Minutes since local midnight. `24:00` is allowed as the end of a window that runs to midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClockTime(u16);

impl ClockTime {
    pub const MIDNIGHT: ClockTime = ClockTime(0);
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    pub fn new(hour: u8, minute: u8) -> Option<ClockTime> {
        let total = u16::from(hour) * 60 + u16::from(minute);
        (minute < 60 && total <= 24 * 60).then_some(ClockTime(total))
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    pub fn hour(self) -> u8 {
        (self.0 / 60) as u8
    }

    pub fn minute(self) -> u8 {
        (self.0 % 60) as u8
    }

    /// Parses strict `HH:MM` (also `H:MM`, which spreadsheets produce).
    pub fn parse(text: &str) -> Option<ClockTime> {
        let (h, m) = text.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        ClockTime::new(h.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ClockTime::parse(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "時刻「{text}」は HH:MM（00:00〜24:00）の形で書いてください"
            ))
        })
    }
}

#[cfg(feature = "server")]
impl utoipa::PartialSchema for ClockTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01]?[0-9]|2[0-4]):[0-5][0-9]$"))
            .examples([serde_json::json!("13:00")])
            .into()
    }
}

#[cfg(feature = "server")]
impl utoipa::ToSchema for ClockTime {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(ClockTime::parse("13:05").unwrap().to_string(), "13:05");
        assert_eq!(ClockTime::parse("9:00").unwrap().to_string(), "09:00");
        assert_eq!(ClockTime::parse("24:00"), Some(ClockTime::END_OF_DAY));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "24:01",
            "13:60",
            "1300",
            "13:5",
            "-1:00",
            "ab:cd",
            "",
            "１３:００",
            "013:00",
        ] {
            assert_eq!(ClockTime::parse(bad), None, "{bad}");
        }
    }
}
