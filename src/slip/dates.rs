//! Dates as a care manager types them on a slip — 「12/1」「2026-12-01」「12月1日」「あした」
//! 「あさって」「来週水曜」「金曜」 — and as the slip prints them: 「12月2日（水）」. A date that has
//! passed is refused with the date spelled out (「2026年11月20日は過ぎています」), never moved to
//! next year in silence; only a month and day well behind today (1/5 typed in December) mean
//! next year.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use regex::Regex;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

pub const DATE_INVALID: &str =
    "日付は 12/1、2026-12-01、12月1日、あした、来週水曜 のように入れてください";
pub const SLOT_INVALID: &str =
    "候補日時は「11/28 13:00-14:00」「あした 14時」のように、日付と時刻で入れてください";

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// 「水」 for a date.
pub fn weekday_label(date: NaiveDate) -> &'static str {
    WEEKDAYS[date.weekday().num_days_from_monday() as usize]
}

/// 「12月2日（水）」.
pub fn short(date: NaiveDate) -> String {
    format!(
        "{}月{}日（{}）",
        date.month(),
        date.day(),
        weekday_label(date)
    )
}

/// 「2026年12月2日（水）」.
pub fn long(date: NaiveDate) -> String {
    format!("{}年{}", date.year(), short(date))
}

fn weekday_of(c: char) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .position(|w| w.starts_with(c))
        .map(|i| Weekday::try_from(i as u8).unwrap_or(Weekday::Mon))
}

fn words() -> &'static Regex {
    static WORDS: OnceLock<Regex> = OnceLock::new();
    WORDS.get_or_init(|| {
        Regex::new(r"^(?:(今週|来週|再来週)の?)?([月火水木金土日])(?:曜日?|曜)?$")
            .expect("valid pattern")
    })
}

/// A date without the past check: a month and day alone is this year's, or next year's when it
/// lies more than half a year behind today.
pub fn parse_any(input: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    let folded: String = input.nfkc().collect();
    let mut text = folded.trim().to_string();
    // A weekday in brackets after a date: 12/2(水).
    if let Some(at) = text.find(['(', '（']) {
        if text.ends_with([')', '）']) {
            text.truncate(at);
        }
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let relative = match text {
        "今日" | "きょう" | "本日" => Some(0),
        "明日" | "あした" | "あす" => Some(1),
        "明後日" | "あさって" => Some(2),
        "来週" => Some(7),
        _ => text
            .strip_suffix("日後")
            .and_then(|n| n.trim().parse::<u64>().ok())
            .filter(|n| *n <= 366),
    };
    if let Some(days) = relative {
        return Ok(today.checked_add_days(Days::new(days)));
    }
    if let Some(c) = words().captures(text) {
        let day = c[2]
            .chars()
            .next()
            .and_then(weekday_of)
            .ok_or(DATE_INVALID)?;
        let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
        let weeks = match c.get(1).map(|m| m.as_str()) {
            Some("今週") => 0,
            Some("来週") => 1,
            Some("再来週") => 2,
            // 「金曜」 alone: the next one from today (today included).
            _ => {
                let ahead =
                    (7 + day.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
                return Ok(today.checked_add_days(Days::new(u64::from(ahead))));
            }
        };
        return Ok(
            monday.checked_add_days(Days::new(weeks * 7 + u64::from(day.num_days_from_monday())))
        );
    }
    let unified = text
        .replace(['年', '月'], "-")
        .replace('日', "")
        .replace(['/', '.'], "-");
    let parts: Vec<&str> = unified.split('-').map(str::trim).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    let date = match numbers.as_deref() {
        Some([y, m, d]) if *y >= 1900 => NaiveDate::from_ymd_opt(*y as i32, *m, *d),
        Some([m, d]) => NaiveDate::from_ymd_opt(today.year(), *m, *d).map(|date| {
            if today.signed_duration_since(date).num_days() > 183 {
                NaiveDate::from_ymd_opt(today.year() + 1, *m, *d).unwrap_or(date)
            } else {
                date
            }
        }),
        _ => None,
    };
    date.map(Some).ok_or_else(|| DATE_INVALID.to_string())
}

/// A date for the future: today or later, else 「2026年11月20日は過ぎています」.
pub fn parse_future(input: &str, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    match parse_any(input, today)? {
        Some(date) if date < today => Err(format!("{}は過ぎています", long(date))),
        other => Ok(other),
    }
}

fn time_pattern() -> &'static Regex {
    static TIME: OnceLock<Regex> = OnceLock::new();
    TIME.get_or_init(|| {
        Regex::new(r"(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分?|(半))?)(?:\s*[-~〜～]\s*(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分?|(半))?))?")
            .expect("valid pattern")
    })
}

/// A proposed slot as the slip file keeps it: 「2026-11-28 13:00-14:00」. The date must not have
/// passed; the time is optional (「11/28 午後」 keeps 午後).
pub fn parse_slot(input: &str, today: NaiveDate) -> Result<Option<String>, String> {
    let folded: String = input.nfkc().collect();
    let text = folded.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (date_part, rest) = match time_pattern().find(text) {
        // A time found after the date (not the date's own digits: 11/28 has no 時 or :).
        Some(m) if m.start() > 0 => (&text[..m.start()], &text[m.start()..]),
        _ => match text.split_once(char::is_whitespace) {
            Some((d, r)) => (d, r),
            None => (text, ""),
        },
    };
    let date_part = date_part.trim().trim_end_matches('の').trim();
    let date = match parse_future(date_part, today) {
        Ok(Some(date)) => date,
        Ok(None) => return Err(SLOT_INVALID.to_string()),
        Err(e) if e == DATE_INVALID => return Err(SLOT_INVALID.to_string()),
        Err(past) => return Err(past),
    };
    let rest = rest.trim();
    let time = match time_pattern().captures(rest) {
        Some(c) if c.get(0).is_some_and(|m| m.start() == 0) => {
            let minutes =
                |m: Option<regex::Match>, k: Option<regex::Match>, half: Option<regex::Match>| {
                    if half.is_some() {
                        "30".to_string()
                    } else {
                        m.or(k)
                            .map_or("00".to_string(), |m| format!("{:0>2}", m.as_str()))
                    }
                };
            let start = format!("{}:{}", &c[1], minutes(c.get(2), c.get(3), c.get(4)));
            let end = c
                .get(5)
                .map(|h| format!("-{}:{}", h.as_str(), minutes(c.get(6), c.get(7), c.get(8))));
            let after = rest[c.get(0).map_or(0, |m| m.end())..].trim();
            let mut time = format!("{start}{}", end.unwrap_or_default());
            if !after.is_empty() {
                time = format!("{time} {after}");
            }
            time
        }
        _ => rest.to_string(),
    };
    Ok(Some(
        format!("{} {time}", date.format("%Y-%m-%d"))
            .trim_end()
            .to_string(),
    ))
}

/// A slot as the slip prints it: 「11月28日（土） 13:00-14:00」; text that is not in the slip
/// file's form is printed as it is.
pub fn display_slot(slot: &str) -> String {
    let (date, rest) = slot.split_once(' ').unwrap_or((slot, ""));
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(date) => format!("{} {}", short(date), rest.replace('-', "〜"))
            .trim_end()
            .to_string(),
        Err(_) => slot.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // 2026-11-25 is a Wednesday.
    const TODAY: (i32, u32, u32) = (2026, 11, 25);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn a_past_month_and_day_is_refused_not_moved_to_next_year() {
        assert_eq!(
            parse_future("11/20", today()).unwrap_err(),
            "2026年11月20日（金）は過ぎています"
        );
        assert_eq!(
            parse_future("2026-11-24", today()).unwrap_err(),
            "2026年11月24日（火）は過ぎています"
        );
        // Far behind: typed in late November for January, it is next January.
        assert_eq!(parse_future("1/5", today()).unwrap(), Some(day(2027, 1, 5)));
        assert_eq!(
            parse_future("12/1", today()).unwrap(),
            Some(day(2026, 12, 1))
        );
        assert_eq!(
            parse_future("１２月１日", today()).unwrap(),
            Some(day(2026, 12, 1))
        );
        assert_eq!(
            parse_future("12/2(水)", today()).unwrap(),
            Some(day(2026, 12, 2))
        );
        assert_eq!(parse_future("", today()).unwrap(), None);
        assert!(parse_future("そのうち", today()).is_err());
    }

    #[test]
    fn words_people_say() {
        assert_eq!(
            parse_future("あした", today()).unwrap(),
            Some(day(2026, 11, 26))
        );
        assert_eq!(
            parse_future("明日", today()).unwrap(),
            Some(day(2026, 11, 26))
        );
        assert_eq!(
            parse_future("あさって", today()).unwrap(),
            Some(day(2026, 11, 27))
        );
        assert_eq!(
            parse_future("来週水曜", today()).unwrap(),
            Some(day(2026, 12, 2))
        );
        assert_eq!(
            parse_future("来週の月曜日", today()).unwrap(),
            Some(day(2026, 11, 30))
        );
        assert_eq!(
            parse_future("金曜", today()).unwrap(),
            Some(day(2026, 11, 27))
        );
        assert_eq!(
            parse_future("水", today()).unwrap(),
            Some(day(2026, 11, 25))
        );
        assert!(parse_future("今週月曜", today())
            .unwrap_err()
            .contains("過ぎています"));
        assert_eq!(
            parse_future("3日後", today()).unwrap(),
            Some(day(2026, 11, 28))
        );
    }

    #[test]
    fn dates_print_with_the_weekday_and_no_leading_zero() {
        assert_eq!(short(day(2026, 12, 2)), "12月2日（水）");
        assert_eq!(long(day(2026, 12, 2)), "2026年12月2日（水）");
    }

    #[test]
    fn slots_are_kept_in_the_file_form_and_printed_for_people() {
        let slot = |s: &str| parse_slot(s, today());
        assert_eq!(
            slot("2026-11-28 13:00-14:00").unwrap().unwrap(),
            "2026-11-28 13:00-14:00"
        );
        assert_eq!(
            slot("11/28 13:00〜14:00").unwrap().unwrap(),
            "2026-11-28 13:00-14:00"
        );
        assert_eq!(slot("あした 14時").unwrap().unwrap(), "2026-11-26 14:00");
        assert_eq!(
            slot("来週水曜 14時半").unwrap().unwrap(),
            "2026-12-02 14:30"
        );
        assert_eq!(slot("11月28日 午後").unwrap().unwrap(), "2026-11-28 午後");
        assert_eq!(slot("11/28").unwrap().unwrap(), "2026-11-28");
        assert!(slot("11/20 13:00").unwrap_err().contains("過ぎています"));
        assert_eq!(slot("いつでも").unwrap_err(), SLOT_INVALID);
        assert_eq!(slot("").unwrap(), None);
        assert_eq!(
            display_slot("2026-11-28 13:00-14:00"),
            "11月28日（土） 13:00〜14:00"
        );
        assert_eq!(display_slot("午後ならいつでも"), "午後ならいつでも");
    }
}
