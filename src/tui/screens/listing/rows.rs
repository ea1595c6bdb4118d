//! The listing editor's rows: which fields a member edits, how each shows as text, and how the
//! text a member types becomes the directory JSON again (with a Japanese reason when it
//! cannot). Pure functions of the listing; the screen keeps the state.

use crate::directory::window_text::{parse_methods, parse_windows};
use crate::directory::{Accepting, Area, Procedure, Role};
use crate::listing::{field_label, get_path, Listing, ORGANIZATION_FIELDS, PERSON_FIELDS};
use serde_json::Value;

/// One line of the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    /// A field of the organisation (a path of `ORGANIZATION_FIELDS`).
    Organization(&'static str),
    /// A person's name line: Delete marks them for removal.
    Person(String),
    /// A field of a person.
    PersonField(String, &'static str),
    /// 「＋ 担当者を追加」.
    AddPerson,
}

impl Row {
    /// The field a row edits (none for a person's name line and the add line).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Row::Organization(path) | Row::PersonField(_, path) => Some(path),
            Row::Person(_) | Row::AddPerson => None,
        }
    }
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ← → (or 1 2 3) choose among 受け入れ可／要相談／受け入れ停止.
    Acceptance,
    /// Space or ← → flip it.
    Toggle,
    /// Enter opens a checklist of the fixed choices.
    Procedures,
    Districts,
    /// Enter edits it as text.
    Text,
}

pub fn kind_of(field: &str) -> Kind {
    match field {
        "home_care.accepting" => Kind::Acceptance,
        "home_care.home_visits" => Kind::Toggle,
        "home_care.procedures" => Kind::Procedures,
        "home_care.visit_districts" => Kind::Districts,
        _ => Kind::Text,
    }
}

/// The rows for a listing: the organisation's fields (home care only for a medical
/// institution), then each person with their fields, then the add line.
pub fn rows(listing: &Listing) -> Vec<Row> {
    let has_home_care = listing.organization["home_care"].is_object();
    let mut rows: Vec<Row> = ORGANIZATION_FIELDS
        .iter()
        .filter(|(path, _)| has_home_care || !path.starts_with("home_care."))
        .map(|(path, _)| Row::Organization(path))
        .collect();
    for id in listing.people.keys() {
        rows.push(Row::Person(id.clone()));
        rows.extend(
            PERSON_FIELDS
                .iter()
                .map(|(path, _)| Row::PersonField(id.clone(), path)),
        );
    }
    rows.push(Row::AddPerson);
    rows
}

/// The value as the member edits it (the same text the diff shows).
pub use crate::listing::value_text as to_text;

/// Items of a typed list: separated by 、 , ; or spaces.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(['、', ',', '，', ';', '；', '/', '／', '・', ' ', '　'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Numbers, addresses, times and methods as half-width: the IME's full-width 「０４２－７００」 and
/// 「１３：００〜１４：００」 read as typed. Names and notes are kept exactly (NFKC would turn a
/// name's 﨑 into 崎).
fn halfwidth(field: &str, text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let numeric = matches!(
        field,
        "phone"
            | "fax"
            | "email"
            | "contact.phone"
            | "contact.fax"
            | "contact.email"
            | "contact.windows"
            | "contact.preferred_methods"
    );
    if !numeric {
        return text.to_string();
    }
    let text: String = text.nfkc().collect();
    if field.ends_with("phone") || field.ends_with("fax") {
        // The dashes an IME offers for a phone number.
        text.replace(['ー', '−', '‐', '―', '–', '—'], "-")
    } else {
        text
    }
}

/// The JSON for what the member typed into a text field, or why it cannot be read.
pub fn from_text(field: &str, text: &str) -> Result<Value, String> {
    let text = halfwidth(field, text);
    let text = text.trim();
    let label = field_label(field);
    match field {
        "contact.windows" => {
            let windows = parse_windows(text)?;
            Ok(serde_json::to_value(windows).expect("windows serialize"))
        }
        "contact.preferred_methods" => {
            let methods = parse_methods(text).map_err(|m| format!("{label}: {m}"))?;
            Ok(Value::Array(
                methods
                    .iter()
                    .map(|m| Value::String(m.code().into()))
                    .collect(),
            ))
        }
        "role" => Role::parse(text)
            .map(|r| Value::String(r.code().into()))
            .ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
                format!("職種は {} のどれかにしてください", all.join("／"))
            }),
        "specialties" => Ok(Value::Array(
            items(text).map(|s| Value::String(s.into())).collect(),
        )),
        "name" | "name_kana" => {
            if text.is_empty() {
                Err(format!("{label}を入れてください"))
            } else {
                Ok(Value::String(text.into()))
            }
        }
        _ if text.is_empty() => Ok(Value::Null),
        _ => Ok(Value::String(text.into())),
    }
}

/// The next acceptance to the right (`step` 1) or left (-1), or by its number 1–3.
pub fn acceptance_step(current: &Value, step: i32) -> Value {
    let all = Accepting::ALL;
    let at = current
        .as_str()
        .and_then(|c| all.iter().position(|a| a.code() == c))
        .unwrap_or(0) as i32;
    let next = (at + step).clamp(0, all.len() as i32 - 1) as usize;
    Value::String(all[next].code().into())
}

pub fn acceptance_number(n: u32) -> Option<Value> {
    Accepting::ALL
        .get((n as usize).checked_sub(1)?)
        .map(|a| Value::String(a.code().into()))
}

/// The choices of a checklist field: (code, label).
pub fn choices(field: &str, areas: &[Area]) -> Vec<(String, String)> {
    match field {
        "home_care.procedures" => Procedure::ALL
            .iter()
            .map(|p| (p.code().to_string(), p.label().to_string()))
            .collect(),
        _ => areas
            .iter()
            .flat_map(|a| {
                a.districts
                    .iter()
                    .map(move |d| (d.to_string(), format!("{}（{}）", d, a.ward)))
            })
            .collect(),
    }
}

/// The value at a row (null for the header and add lines).
pub fn value_at<'a>(listing: &'a Listing, row: &Row) -> &'a Value {
    match row {
        Row::Organization(path) => get_path(&listing.organization, path),
        Row::PersonField(id, path) => listing
            .people
            .get(id)
            .map_or(&Value::Null, |p| get_path(p, path)),
        _ => &Value::Null,
    }
}

/// A new person for the add line: the organisation's id, a placeholder id (the server gives
/// the real one) and empty fields to fill in.
pub fn new_person(organization_id: &str, n: u32) -> (String, Value) {
    let id = format!("p-new-{n}");
    let person = serde_json::json!({
        "id": id,
        "organization_id": organization_id,
        "role": "doctor",
        "name": "",
        "name_kana": "",
        "title": null,
        "specialties": [],
        "contact": {"preferred_methods": [], "windows": [], "phone": null, "fax": null,
                    "email": null, "note": null},
        "updated_at": crate::directory::now_in_japan().to_rfc3339(),
    });
    (id, person)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_for_every_text_field() {
        let cases = [
            (
                "contact.windows",
                "月水金 13:00-14:00 電話（昼休み）; 木 09:00-12:00 FAX",
            ),
            ("contact.preferred_methods", "FAX、電話"),
            ("role", "医師"),
            ("specialties", "内科、循環器内科"),
            ("contact.phone", "042-700-0001"),
        ];
        for (field, text) in cases {
            let value = from_text(field, text).unwrap();
            assert_eq!(to_text(field, &value), text, "{field}");
        }
        assert_eq!(from_text("contact.phone", "  ").unwrap(), Value::Null);
        assert!(from_text("contact.windows", "月 1300").is_err());
        assert!(from_text("role", "魔法使い").unwrap_err().contains("医師"));
        assert!(from_text("name", "").is_err());
    }

    #[test]
    fn the_imes_full_width_numbers_and_times_read_as_typed() {
        assert_eq!(
            from_text("contact.phone", "０４２ー７００－０００１").unwrap(),
            "042-700-0001"
        );
        let windows = from_text("contact.windows", "月水金　１３：００〜１４：００　電話").unwrap();
        assert_eq!(windows[0]["start"], "13:00");
        assert_eq!(windows[0]["end"], "14:00");
        // A name keeps its own characters.
        assert_eq!(from_text("name", "山﨑 一郎").unwrap(), "山﨑 一郎");
    }

    #[test]
    fn acceptance_moves_in_one_key() {
        let accepting = Value::String("accepting".into());
        assert_eq!(acceptance_step(&accepting, 1), "consult");
        assert_eq!(
            acceptance_step(&acceptance_step(&accepting, 1), 1),
            "not_accepting"
        );
        assert_eq!(acceptance_step(&accepting, -1), "accepting");
        assert_eq!(acceptance_number(3).unwrap(), "not_accepting");
        assert_eq!(acceptance_number(4), None);
    }
}
