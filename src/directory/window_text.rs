//! Contact windows as a care manager writes them: 「月水金 13:00-14:00 電話（昼休み）」, several
//! separated by `;`. The support centre's spreadsheet column and the listing editor (DESIGN §7)
//! read the same text, and the editor writes it back the same way.

use super::{ClockTime, ContactMethod, ContactWindow, Text, Weekday};

/// Every window of `text`, or the first one that cannot be read and why.
pub fn parse_windows(text: &str) -> Result<Vec<ContactWindow>, String> {
    split_windows(text).map(parse_window).collect()
}

/// The windows as [`parse_windows`] reads them back.
pub fn format_windows(windows: &[ContactWindow]) -> String {
    windows
        .iter()
        .map(format_window)
        .collect::<Vec<_>>()
        .join("; ")
}

/// 「月水金 13:00-14:00 電話（昼休み）」.
pub fn format_window(window: &ContactWindow) -> String {
    let mut text = format!(
        "{} {}-{}",
        format_days(&window.days),
        window.start,
        window.end
    );
    if !window.methods.is_empty() {
        let methods: Vec<&str> = window.methods.iter().map(|m| m.label()).collect();
        text.push(' ');
        text.push_str(&methods.join("/"));
    }
    if let Some(note) = window.note.as_deref().filter(|n| !n.is_empty()) {
        text.push_str(&format!("（{note}）"));
    }
    text
}

/// 「月水金」, 「平日」, 「毎日」.
pub fn format_days(days: &[Weekday]) -> String {
    let mut sorted = days.to_vec();
    sorted.sort();
    sorted.dedup();
    if sorted == Weekday::ALL {
        return "毎日".into();
    }
    if sorted == Weekday::ALL[..5] {
        return "平日".into();
    }
    sorted.iter().map(|d| d.label()).collect()
}

/// Windows are separated by `;` only: a window's methods may be written with `、`.
pub fn split_windows(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub fn parse_methods(text: &str) -> Result<Vec<ContactMethod>, String> {
    text.split([';', '；', '、', ',', '，', '/', '／', '・'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|m| {
            let normalized = match m.to_lowercase().as_str() {
                "ｆａｘ" | "fax" => "fax".to_string(),
                "mail" | "e-mail" | "eメール" | "電子メール" => "email".to_string(),
                other => other.to_string(),
            };
            ContactMethod::parse(&normalized).ok_or_else(|| {
                format!("連絡方法「{m}」は 電話／FAX／メール のどれかにしてください")
            })
        })
        .collect()
}

/// `月水金 13:00-14:00 電話 （昼休み）`, `平日 9:00〜17:30`, `月〜金 12:30-13:30 電話/FAX`.
pub fn parse_window(text: &str) -> Result<ContactWindow, String> {
    let usage = || {
        format!("連絡可能時間「{text}」は「月水金 13:00-14:00 電話（昼休み）」の形で書いてください")
    };
    let (main, note) = match text.find(['（', '(']) {
        Some(at) => {
            let note = text[at..]
                .trim_start_matches(['（', '('])
                .trim_end_matches(['）', ')'])
                .trim();
            (
                &text[..at],
                Some(note.to_string()).filter(|n| !n.is_empty()),
            )
        }
        None => (text, None),
    };
    let mut parts = main.split_whitespace();
    let days = parse_days(parts.next().ok_or_else(usage)?).ok_or_else(usage)?;
    let range = parts.next().ok_or_else(usage)?;
    let (start, end) = range.split_once(['-', '〜', '～', '~']).ok_or_else(usage)?;
    let start = ClockTime::parse(start).ok_or_else(usage)?;
    let end = ClockTime::parse(end).ok_or_else(usage)?;
    let methods = parse_methods(&parts.collect::<Vec<_>>().join("/"))?;
    Ok(ContactWindow {
        days,
        start,
        end,
        methods,
        note: note.map(Text::from),
    })
}

pub fn parse_days(text: &str) -> Option<Vec<Weekday>> {
    match text {
        "平日" => return Some(Weekday::ALL[..5].to_vec()),
        "毎日" => return Some(Weekday::ALL.to_vec()),
        _ => {}
    }
    let index = |c: char| "月火水木金土日".chars().position(|d| d == c);
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !matches!(c, '・' | '、' | ','))
        .collect();
    let mut days = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let from = index(chars[i])?;
        if i + 2 < chars.len() && matches!(chars[i + 1], '〜' | '～' | '~' | '-') {
            let to = index(chars[i + 2])?;
            if to < from {
                return None;
            }
            days.extend(&Weekday::ALL[from..=to]);
            i += 3;
        } else {
            days.push(Weekday::ALL[from]);
            i += 1;
        }
    }
    days.dedup();
    (!days.is_empty()).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_back_what_they_write() {
        let text = "月水金 13:00-14:00 電話（昼休み）; 平日 9:00〜17:30; 土 12:00-12:30 電話/FAX";
        let windows = parse_windows(text).unwrap();
        assert_eq!(windows.len(), 3);
        let written = format_windows(&windows);
        assert_eq!(
            written,
            "月水金 13:00-14:00 電話（昼休み）; 平日 09:00-17:30; 土 12:00-12:30 電話/FAX"
        );
        assert_eq!(parse_windows(&written).unwrap(), windows);
        assert!(parse_windows("月水金 1300-1400").is_err());
        assert_eq!(parse_windows("").unwrap(), vec![]);
    }

    #[test]
    fn day_ranges() {
        assert_eq!(
            parse_days("月〜水").unwrap(),
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(parse_days("金〜月"), None);
        assert_eq!(format_days(&Weekday::ALL[..5]), "平日");
    }
}
