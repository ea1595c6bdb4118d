//! Reading a snapshot from untrusted bytes (an import file, a spreadsheet export, the wire) with
//! messages a support-centre clerk can act on: which record, which field, what is wrong.

use super::areas::ward_of;
use super::{Snapshot, FORMAT};
use std::collections::HashSet;
use std::fmt;

/// At most this many problems are listed; past that the file is clearly the wrong one.
const MAX_PROBLEMS: usize = 50;

/// One thing wrong with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `organizations[3]（o-0004）`, or empty for the top level.
    pub record: String,
    /// Dotted path inside the record: `home_care.accepting`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.record.is_empty(), self.field.is_empty()) {
            (true, true) => write!(f, "{}", self.message),
            (true, false) => write!(f, "{}: {}", self.field, self.message),
            (false, true) => write!(f, "{}: {}", self.record, self.message),
            (false, false) => write!(f, "{} の {}: {}", self.record, self.field, self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("JSON として読めません（{line} 行 {column} 列）: {detail}")]
    Syntax {
        line: usize,
        column: usize,
        detail: String,
    },
    #[error("{0}")]
    Field(Problem),
    #[error("ディレクトリに {} 件の問題があります:\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

impl DirectoryError {
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            DirectoryError::Syntax { .. } => Vec::new(),
            DirectoryError::Field(p) => vec![p.clone()],
            DirectoryError::Invalid(ps) => ps.clone(),
        }
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses and validates a snapshot or delta. Structural errors name the record and field;
/// then every record is checked against the rules of DESIGN §3.
pub fn parse_snapshot(bytes: &[u8]) -> Result<Snapshot, DirectoryError> {
    let snapshot = read_snapshot(bytes)?;
    validate_snapshot(&snapshot)?;
    Ok(snapshot)
}

/// Parses the structure only; the caller validates (after, say, putting in its own areas).
pub fn read_snapshot(bytes: &[u8]) -> Result<Snapshot, DirectoryError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let snapshot: Snapshot = match serde_path_to_error::deserialize(&mut de) {
        Ok(s) => s,
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(DirectoryError::Syntax {
                    line: inner.line(),
                    column: inner.column(),
                    detail: english_to_japanese(&inner.to_string()),
                });
            }
            return Err(DirectoryError::Field(locate(bytes, &path, &inner)));
        }
    };
    if let Err(err) = de.end() {
        return Err(DirectoryError::Syntax {
            line: err.line(),
            column: err.column(),
            detail: "JSON の後ろに余分な文字があります".into(),
        });
    }
    Ok(snapshot)
}

/// Turns a serde path like `people[12].contact.windows[0].start` into a problem that names the
/// record by its id, which a clerk can search for in the spreadsheet.
fn locate(bytes: &[u8], path: &str, err: &serde_json::Error) -> Problem {
    let (record, field) = split_record(path);
    let record = match record {
        Some((collection, index)) => {
            let id = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v[collection][index]["id"].as_str().map(str::to_owned));
            match id {
                Some(id) => format!("{collection}[{index}]（{id}）"),
                None => format!("{collection}[{index}]"),
            }
        }
        None => String::new(),
    };
    Problem {
        record,
        field,
        message: english_to_japanese(&err.to_string()),
    }
}

fn split_record(path: &str) -> (Option<(&'static str, usize)>, String) {
    for collection in ["organizations", "people"] {
        if let Some(rest) = path
            .strip_prefix(collection)
            .and_then(|r| r.strip_prefix('['))
        {
            if let Some((index, tail)) = rest.split_once(']') {
                if let Ok(index) = index.parse() {
                    let field = tail.strip_prefix('.').unwrap_or(tail).to_string();
                    return (Some((collection, index)), field);
                }
            }
        }
    }
    (
        None,
        if path == "." {
            String::new()
        } else {
            path.to_string()
        },
    )
}

/// serde_json's messages are English; keep the detail but say the gist in Japanese.
fn english_to_japanese(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let gist = if message.starts_with("missing field") {
        "必須の項目がありません"
    } else if message.starts_with("unknown variant") {
        "決められた値のどれでもありません"
    } else if message.starts_with("invalid type") {
        "値の型が違います"
    } else if message.starts_with("EOF") {
        "途中で終わっています（ファイルが切れていませんか）"
    } else if [
        "expected",
        "key must",
        "input contains invalid characters",
        "premature end",
        "trailing",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
    {
        "書式が崩れています"
    } else if message.starts_with("invalid value") || message.starts_with("invalid length") {
        "値が正しくありません"
    } else {
        return message.to_string();
    };
    format!("{gist}（{message}）")
}

/// Characters that must never reach a terminal or a screen from directory text (issue 12,
/// item 10): C0 and C1 controls (ESC starts a terminal escape sequence, BEL rings, NUL cuts),
/// DEL, and the bidirectional overrides that make text display in another order than it reads.
/// Line breaks and tabs are kept (notes may have several lines).
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unsafe character shown as U+FFFD: for printing directory text that did not
/// pass this server's import (an old cache, another server).
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_unsafe_char) {
        text.chars()
            .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Every string of the snapshot, with its path, checked for unsafe characters.
fn check_characters(snapshot: &Snapshot, report: &mut Report) {
    fn walk(value: &serde_json::Value, path: &mut String, report: &mut Report) {
        match value {
            serde_json::Value::String(text) => {
                // A Windows line break (CR LF) in notes is text, not a control to refuse.
                let text = text.replace("\r\n", "\n");
                if let Some(bad) = text.chars().find(|c| is_unsafe_char(*c)) {
                    let (record, field) = match path.split_once('.') {
                        Some((record, field)) => (record.to_string(), field.to_string()),
                        None => (String::new(), path.clone()),
                    };
                    report(
                        record,
                        &field,
                        format!(
                            "見えない制御文字（U+{:04X}）が入っています。画面や端末を乱すため、取り除いてください",
                            bad as u32
                        ),
                    );
                }
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(item, path, report);
                    path.truncate(len);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    walk(item, path, report);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    if let Ok(value) = serde_json::to_value(snapshot) {
        walk(&value, &mut String::new(), report);
    }
}

/// Checks the rules serde cannot: unique ids, references, areas, kana, formats, characters.
pub fn validate_snapshot(snapshot: &Snapshot) -> Result<(), DirectoryError> {
    let mut problems = Vec::new();
    let mut report = |record: String, field: &str, message: String| {
        if problems.len() < MAX_PROBLEMS {
            problems.push(Problem {
                record,
                field: field.to_string(),
                message,
            });
        }
    };

    if snapshot.format != FORMAT {
        report(
            String::new(),
            "format",
            format!(
                "「{}」は対応していない形式です（{FORMAT} が必要です）",
                snapshot.format
            ),
        );
    }

    let areas = &snapshot.areas;
    let mut org_ids = HashSet::new();
    for (i, org) in snapshot.organizations.iter().enumerate() {
        let record = format!("organizations[{i}]（{}）", org.id);
        check_id(&org.id, "o-", &record, &mut report);
        if !org_ids.insert(org.id.as_str()) {
            report(
                record.clone(),
                "id",
                format!("id「{}」が重複しています", org.id),
            );
        }
        check_text(&org.name, "name", &record, &mut report);
        check_kana(&org.name_kana, &record, &mut report);
        if org.address.trim().is_empty() {
            report(record.clone(), "address", "住所が空です".into());
        }
        if let Some(postal) = &org.postal_code {
            if !is_postal_code(postal) {
                report(
                    record.clone(),
                    "postal_code",
                    format!("郵便番号「{postal}」は 252-0243 の形で書いてください"),
                );
            }
        }
        check_area(areas, &org.ward, &org.district, &record, &mut report);
        check_numbers(&org.phone, &org.fax, &org.email, "", &record, &mut report);
        if let Some(home_care) = &org.home_care {
            if !org.kind.is_medical() {
                report(
                    record.clone(),
                    "home_care",
                    format!(
                        "{}には在宅医療の情報（home_care）を付けられません。null にしてください",
                        org.kind.label()
                    ),
                );
            }
            for district in &home_care.visit_districts {
                if !areas.is_empty() && ward_of(areas, district).is_none() {
                    report(
                        record.clone(),
                        "home_care.visit_districts",
                        format!("訪問地区「{district}」は地区の一覧にありません"),
                    );
                }
            }
        }
    }

    let mut person_ids = HashSet::new();
    for (i, person) in snapshot.people.iter().enumerate() {
        let record = format!("people[{i}]（{}）", person.id);
        check_id(&person.id, "p-", &record, &mut report);
        if !person_ids.insert(person.id.as_str()) {
            report(
                record.clone(),
                "id",
                format!("id「{}」が重複しています", person.id),
            );
        }
        // A delta may refer to an organisation the reader already has.
        if !snapshot.is_delta() && !org_ids.contains(person.organization_id.as_str()) {
            report(
                record.clone(),
                "organization_id",
                format!(
                    "所属「{}」がこのディレクトリにありません",
                    person.organization_id
                ),
            );
        }
        check_text(&person.name, "name", &record, &mut report);
        check_kana(&person.name_kana, &record, &mut report);
        let contact = &person.contact;
        check_numbers(
            &contact.phone,
            &contact.fax,
            &contact.email,
            "contact.",
            &record,
            &mut report,
        );
        for (w, window) in contact.windows.iter().enumerate() {
            let field = format!("contact.windows[{w}]");
            if window.days.is_empty() {
                report(record.clone(), &field, "曜日（days）が空です".into());
            }
            if window.start == window.end {
                report(
                    record.clone(),
                    &field,
                    format!("開始と終了が同じ時刻（{}）です", window.start),
                );
            }
        }
    }
    check_characters(snapshot, &mut report);

    if problems.is_empty() {
        Ok(())
    } else {
        Err(DirectoryError::Invalid(problems))
    }
}

type Report<'a> = dyn FnMut(String, &str, String) + 'a;

fn check_id(id: &str, prefix: &str, record: &str, report: &mut Report) {
    let ok = id.len() <= 64
        && id.starts_with(prefix)
        && id.len() > prefix.len()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !ok {
        report(
            record.to_string(),
            "id",
            format!("id は「{prefix}」で始まる英数字とハイフン（64 文字まで）にしてください"),
        );
    }
}

fn check_text(text: &str, field: &str, record: &str, report: &mut Report) {
    if text.trim().is_empty() {
        report(record.to_string(), field, "空です".into());
    }
}

/// Readings are what search and sorting stand on: hiragana or katakana only (DESIGN §3.2).
fn check_kana(kana: &str, record: &str, report: &mut Report) {
    if kana.trim().is_empty() {
        report(record.to_string(), "name_kana", "ふりがなが空です".into());
    } else if let Some(bad) = kana.chars().find(|c| !is_kana_reading_char(*c)) {
        report(
            record.to_string(),
            "name_kana",
            format!("ふりがなに仮名以外の文字「{bad}」があります"),
        );
    }
}

fn is_kana_reading_char(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}'   // hiragana
        | '\u{309D}'..='\u{309E}' // ゝゞ
        | '\u{30A1}'..='\u{30FA}' // katakana
        | '\u{30FC}'..='\u{30FE}' // ー ヽ ヾ
        | '\u{30FB}'              // ・
        | '\u{FF65}'..='\u{FF9F}' // half-width katakana
        | ' ' | '\u{3000}')
}

fn check_area(
    areas: &[super::Area],
    ward: &str,
    district: &str,
    record: &str,
    report: &mut Report,
) {
    if areas.is_empty() {
        return;
    }
    if !areas.iter().any(|a| a.ward == ward) {
        report(
            record.to_string(),
            "ward",
            format!("区「{ward}」は区の一覧にありません"),
        );
        return;
    }
    match ward_of(areas, district) {
        Some(w) if w == ward => {}
        Some(w) => report(
            record.to_string(),
            "district",
            format!("地区「{district}」は{w}の地区です（区は「{ward}」になっています）"),
        ),
        None => report(
            record.to_string(),
            "district",
            format!("地区「{district}」は地区の一覧にありません"),
        ),
    }
}

fn check_numbers(
    phone: &Option<super::Text>,
    fax: &Option<super::Text>,
    email: &Option<super::Text>,
    prefix: &str,
    record: &str,
    report: &mut Report,
) {
    for (field, value) in [("phone", phone), ("fax", fax)] {
        if let Some(number) = value {
            if !is_phone_number(number) {
                report(
                    record.to_string(),
                    &format!("{prefix}{field}"),
                    format!(
                        "番号「{number}」は 042-700-0001 のように数字とハイフンで書いてください"
                    ),
                );
            }
        }
    }
    if let Some(address) = email {
        let ok = address.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !address.contains(char::is_whitespace)
        });
        if !ok {
            report(
                record.to_string(),
                &format!("{prefix}email"),
                format!("メールアドレス「{address}」の形が正しくありません"),
            );
        }
    }
}

fn is_postal_code(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 8
        && b[3] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 3 || c.is_ascii_digit())
}

fn is_phone_number(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    (10..=11).contains(&digits)
        && text.starts_with('0')
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'-')
        && !text.contains("--")
        && !text.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> String {
        crate::directory::tests::DESIGN_EXAMPLE.to_string()
    }

    fn error_of(json: &str) -> String {
        parse_snapshot(json.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn unknown_procedure_names_record_and_field() {
        let json = example().replace("\"gastrostomy\"", "\"stomach\"");
        let message = error_of(&json);
        assert!(message.contains("organizations[0]（o-0001）"), "{message}");
        assert!(message.contains("home_care.procedures[1]"), "{message}");
        assert!(message.contains("決められた値"), "{message}");
    }

    /// Issue 12, item 10: ESC, BEL and NUL were accepted in directory text and printed raw.
    #[test]
    fn control_characters_are_refused_with_record_and_field() {
        let snapshot = parse_snapshot(example().as_bytes()).unwrap();
        let name = snapshot.people[0].name.to_string();
        let json = example().replace(&name, &format!("{name}\\u001b[2J"));
        let message = error_of(&json);
        assert!(message.contains("people[0]"), "{message}");
        assert!(message.contains("name"), "{message}");
        assert!(message.contains("U+001B"), "{message}");
        let bidi = example().replace(&name, &format!("{name}\u{202E}"));
        assert!(error_of(&bidi).contains("U+202E"));
        // Line breaks in notes are text, not controls — a Windows one (CR LF) too.
        assert!(!is_unsafe_char('\n'));
        let crlf = example().replace(&name, &format!("{name}\\r\\n二行目"));
        assert!(parse_snapshot(crlf.as_bytes()).is_ok());
        let lone_cr = example().replace(&name, &format!("{name}\\r上書き"));
        assert!(error_of(&lone_cr).contains("U+000D"));
        assert_eq!(printable("a\u{1b}[2Jb\u{7}"), "a\u{FFFD}[2Jb\u{FFFD}");
        assert!(matches!(printable("田中"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn bad_time_names_the_window() {
        let json = example().replace("\"14:00\"", "\"25:00\"");
        let message = error_of(&json);
        assert!(message.contains("people[0]（p-0001）"), "{message}");
        assert!(message.contains("contact.windows[0].end"), "{message}");
        assert!(message.contains("HH:MM"), "{message}");
    }

    #[test]
    fn missing_field_is_named() {
        let json = example().replace("\"role\": \"doctor\",", "");
        let message = error_of(&json);
        assert!(message.contains("people[0]（p-0001）"), "{message}");
        assert!(message.contains("必須の項目"), "{message}");
    }

    #[test]
    fn truncated_file_is_a_syntax_error() {
        let json = example();
        let message = error_of(&json[..json.len() / 2]);
        assert!(message.contains("JSON として読めません"), "{message}");
    }

    #[test]
    fn dangling_reference_and_duplicate_are_listed_together() {
        let json = example()
            .replace(
                "\"organization_id\": \"o-0001\"",
                "\"organization_id\": \"o-9999\"",
            )
            .replace(
                "\"postal_code\": \"252-0243\"",
                "\"postal_code\": \"2520243\"",
            );
        let err = parse_snapshot(json.as_bytes()).unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 2, "{err}");
        assert!(err.to_string().contains("o-9999"));
        assert!(err.to_string().contains("252-0243 の形"));
    }

    #[test]
    fn district_must_belong_to_ward_when_areas_are_known() {
        let json = example().replacen(
            "\"organizations\"",
            "\"areas\": [{\"ward\": \"南区\", \"districts\": [\"上溝\"]}, {\"ward\": \"中央区\", \"districts\": [\"田名\"]}], \"organizations\"",
            1,
        );
        let message = error_of(&json);
        assert!(
            message.contains("地区「上溝」は南区の地区です"),
            "{message}"
        );
        assert!(message.contains("訪問地区「光が丘」"), "{message}");
    }

    #[test]
    fn kana_must_be_kana() {
        let json = example().replace("たなか いちろう", "田中 いちろう");
        assert!(error_of(&json).contains("仮名以外の文字「田」"));
    }

    #[test]
    fn home_care_only_for_medical_kinds() {
        let json = example().replace("\"kind\": \"clinic\"", "\"kind\": \"home_care_support\"");
        assert!(error_of(&json).contains("home_care"));
    }

    #[test]
    fn phone_numbers_are_checked() {
        assert!(is_phone_number("042-700-0001"));
        assert!(is_phone_number("09012345678"));
        assert!(!is_phone_number("042-700-000"));
        assert!(!is_phone_number("tel:0427000001"));
    }
}
