//! Listing changes (あんしんリンク情報変更届, seed §9, DESIGN §7): a member proposes a field-by-field
//! patch of its own organisation and its people; the support centre reviews and applies it.
//!
//! Shared by the client (which builds the patch from an edited copy of its listing and shows the
//! diff) and the server (which validates, detects conflicts and applies it). A change names one
//! record, one field of the fixed list below and the old and new values as the directory JSON
//! writes them (DESIGN §3.1); a whole person is added (old null) or removed (new null) with the
//! field left empty.

use crate::directory::window_text::format_windows;
use crate::directory::{
    Accepting, ContactMethod, ContactWindow, Organization, Person, Procedure, Role, Timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The fields of an organisation a member may change, with the words the editor and the diff
/// use for them. The rest (name, kind, address, area) changes through the support centre.
/// The acceptance comes first: it is the change members make most (the editor opens on it).
pub const ORGANIZATION_FIELDS: &[(&str, &str)] = &[
    ("home_care.accepting", "新規の受け入れ"),
    ("home_care.home_visits", "訪問診療"),
    ("home_care.visit_districts", "訪問する地区"),
    ("home_care.visit_area_note", "訪問エリアの補足"),
    ("home_care.procedures", "在宅で対応できる医療行為"),
    ("home_care.note", "在宅医療の備考"),
    ("phone", "電話"),
    ("fax", "FAX"),
    ("email", "メール"),
];

/// The fields of a person a member may change.
pub const PERSON_FIELDS: &[(&str, &str)] = &[
    ("name", "氏名"),
    ("name_kana", "ふりがな"),
    ("title", "役職"),
    ("role", "職種"),
    ("specialties", "診療科"),
    ("contact.preferred_methods", "希望する連絡方法"),
    ("contact.windows", "連絡できる時間帯"),
    ("contact.phone", "本人の電話"),
    ("contact.fax", "本人のFAX"),
    ("contact.email", "本人のメール"),
    ("contact.note", "連絡の備考"),
];

/// One change of one field of one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// The organisation's id (`o-…`) or a person's (`p-…`).
    pub record: String,
    /// One of the editable fields (`home_care.accepting`, `contact.windows`, …), or empty for a
    /// whole person being added or removed.
    #[serde(default)]
    pub field: String,
    /// The value in the listing the request was made on; null when there was none (or, for a
    /// whole person, when the person is new).
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub old: Value,
    /// The proposed value; null to clear (or, for a whole person, to remove them).
    #[cfg_attr(feature = "server", schema(value_type = Object))]
    pub new: Value,
}

/// `POST /api/v1/change-requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewChangeRequest {
    /// Chosen by the client (random): sending the same request twice — after a crash, or a lost
    /// answer — files it once.
    pub client_ref: String,
    pub organization_id: String,
    /// The directory revision the member's listing was at.
    pub base_revision: u64,
    /// To the support centre: why, from when.
    #[serde(default)]
    pub note: String,
    /// Empty: the member confirms the listing is current (「変更なし」).
    #[serde(default)]
    pub changes: Vec<FieldChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl ChangeStatus {
    pub fn code(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "pending",
            ChangeStatus::Approved => "approved",
            ChangeStatus::Rejected => "rejected",
            ChangeStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<ChangeStatus> {
        [
            ChangeStatus::Pending,
            ChangeStatus::Approved,
            ChangeStatus::Rejected,
            ChangeStatus::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeStatus::Pending => "審査中",
            ChangeStatus::Approved => "承認",
            ChangeStatus::Rejected => "却下",
            ChangeStatus::Withdrawn => "取り下げ",
        }
    }
}

/// A change as the reviewer sees it: with the live value beside the base and the proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewedChange {
    #[serde(flatten)]
    pub change: FieldChange,
    /// The live value now (while the request is pending).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<Object>))]
    pub now: Option<Value>,
    /// The field changed since the request was made, to something other than the proposal:
    /// approving needs the reviewer's choice (base / now / proposed).
    #[serde(default)]
    pub conflict: bool,
    /// The name of the person a change of a person's field concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

impl ReviewedChange {
    /// 「渡邊 浩の連絡できる時間帯: … → …」.
    pub fn describe(&self) -> String {
        describe_change(&self.change, self.person.as_deref())
    }
}

/// A filed request, as `GET /api/v1/change-requests[/{id}]` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChangeRequest {
    pub id: i64,
    pub client_ref: String,
    pub organization_id: String,
    /// The organisation's name when the request was read (empty if it is gone).
    #[serde(default)]
    pub organization_name: String,
    /// The login ID that filed it.
    pub submitter: String,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub submitted_at: Timestamp,
    pub base_revision: u64,
    pub note: String,
    pub status: ChangeStatus,
    pub changes: Vec<ReviewedChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>, format = DateTime))]
    pub reviewed_at: Option<Timestamp>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The directory revision that carries the approved change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_revision: Option<u64>,
}

impl ChangeRequest {
    pub fn conflicts(&self) -> usize {
        self.changes.iter().filter(|c| c.conflict).count()
    }

    /// A confirmation that nothing changed (「変更なし」).
    pub fn is_confirmation(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Which value a conflicting change takes on approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Take {
    /// The member's proposal overwrites what changed since.
    Proposed,
    /// What is live now stays; this change is dropped.
    Current,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Resolution {
    /// The change's position in the request's `changes` (0-based).
    pub index: usize,
    pub take: Take,
}

/// `POST /api/v1/change-requests/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApproveRequest {
    /// One for each conflict; approving with a conflict left undecided answers 409.
    #[serde(default)]
    pub resolutions: Vec<Resolution>,
}

/// `POST /api/v1/change-requests/{id}/reject`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RejectRequest {
    /// Shown to the member: what to correct.
    pub reason: String,
}

/// The Japanese name of a field ("" for a whole person), or the path itself if unknown.
pub fn field_label(field: &str) -> &str {
    if field.is_empty() {
        return "担当者";
    }
    ORGANIZATION_FIELDS
        .iter()
        .chain(PERSON_FIELDS)
        .find(|(path, _)| *path == field)
        .map(|(_, label)| *label)
        .unwrap_or(field)
}

/// Whether `field` is one a member may change on an organisation (`on_person` false) or a person.
pub fn is_editable(field: &str, on_person: bool) -> bool {
    let fields = if on_person {
        PERSON_FIELDS
    } else {
        ORGANIZATION_FIELDS
    };
    fields.iter().any(|(path, _)| *path == field)
}

/// The value at a dotted path (null where the path leads nowhere).
pub fn get_path<'a>(record: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(record, |value, key| value.get(key))
        .unwrap_or(&Value::Null)
}

/// Sets the value at a dotted path; fails (with the Japanese reason) when a parent is missing,
/// e.g. home care on an organisation that gives no medical care.
pub fn set_path(record: &mut Value, path: &str, new: Value) -> Result<(), String> {
    let mut keys: Vec<&str> = path.split('.').collect();
    let last = keys.pop().unwrap_or_default();
    let mut value = record;
    for key in keys {
        value = match value.get_mut(key) {
            Some(child) if child.is_object() => child,
            _ if key == "home_care" => {
                return Err("この機関には在宅医療の情報がありません（医療機関のみ）".into())
            }
            _ => return Err(format!("「{}」の項目がありません", field_label(path))),
        };
    }
    match value.as_object_mut() {
        Some(object) => {
            object.insert(last.to_string(), new);
            Ok(())
        }
        None => Err(format!("「{}」の項目がありません", field_label(path))),
    }
}

/// One organisation's listing as JSON records: what a patch applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub organization: Value,
    /// By person id.
    pub people: BTreeMap<String, Value>,
}

impl Listing {
    pub fn new(organization: &Organization, people: &[&Person]) -> Listing {
        Listing {
            organization: to_value(organization),
            people: people
                .iter()
                .map(|p| (p.id.to_string(), to_value(*p)))
                .collect(),
        }
    }

    fn organization_id(&self) -> &str {
        self.organization["id"].as_str().unwrap_or_default()
    }

    /// The live value where `change` points: a field, or a whole person (null if absent).
    pub fn current(&self, change: &FieldChange) -> Value {
        if change.record == self.organization_id() {
            return get_path(&self.organization, &change.field).clone();
        }
        match self.people.get(&change.record) {
            None => Value::Null,
            Some(person) if change.field.is_empty() => person.clone(),
            Some(person) => get_path(person, &change.field).clone(),
        }
    }

    /// Applies one change; fails, in Japanese, when it does not fit this listing.
    pub fn apply(&mut self, change: &FieldChange) -> Result<(), String> {
        if change.record == self.organization_id() {
            if !is_editable(&change.field, false) {
                return Err(format!(
                    "機関の「{}」は変更届では変えられません。支援センターにご相談ください",
                    field_label(&change.field)
                ));
            }
            return set_path(&mut self.organization, &change.field, change.new.clone());
        }
        if change.field.is_empty() {
            if change.new.is_null() {
                self.people.remove(&change.record);
            } else {
                self.people
                    .insert(change.record.clone(), change.new.clone());
            }
            return Ok(());
        }
        if !is_editable(&change.field, true) {
            return Err(format!(
                "担当者の「{}」は変更届では変えられません",
                field_label(&change.field)
            ));
        }
        match self.people.get_mut(&change.record) {
            Some(person) => set_path(person, &change.field, change.new.clone()),
            None => Err(format!(
                "担当者 {} はこの機関の掲載にありません",
                change.record
            )),
        }
    }
}

fn to_value<T: Serialize>(record: &T) -> Value {
    serde_json::to_value(record).expect("directory records always serialize")
}

/// The patch that turns `before` into `after`: the organisation's editable fields, each person's
/// editable fields, and people added or removed (by id).
pub fn diff(before: &Listing, after: &Listing) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let org_id = before.organization_id().to_string();
    for (path, _) in ORGANIZATION_FIELDS {
        let (old, new) = (
            get_path(&before.organization, path),
            get_path(&after.organization, path),
        );
        if old != new {
            changes.push(FieldChange {
                record: org_id.clone(),
                field: path.to_string(),
                old: old.clone(),
                new: new.clone(),
            });
        }
    }
    for (id, old_person) in &before.people {
        match after.people.get(id) {
            None => changes.push(FieldChange {
                record: id.clone(),
                field: String::new(),
                old: old_person.clone(),
                new: Value::Null,
            }),
            Some(new_person) => {
                for (path, _) in PERSON_FIELDS {
                    let (old, new) = (get_path(old_person, path), get_path(new_person, path));
                    if old != new {
                        changes.push(FieldChange {
                            record: id.clone(),
                            field: path.to_string(),
                            old: old.clone(),
                            new: new.clone(),
                        });
                    }
                }
            }
        }
    }
    for (id, new_person) in &after.people {
        if !before.people.contains_key(id) {
            changes.push(FieldChange {
                record: id.clone(),
                field: String::new(),
                old: Value::Null,
                new: new_person.clone(),
            });
        }
    }
    changes
}

/// A value as the member reads and types it: labels, not codes; 「、」 between items; windows as
/// 「月水金 13:00-14:00 電話」. Empty when there is none. The editor shows and edits this text,
/// the diff shows it (with 「（なし）」 for empty).
pub fn value_text(field: &str, value: &Value) -> String {
    let label = |code: &str| -> String {
        let label = match field {
            "contact.preferred_methods" => ContactMethod::parse(code).map(|m| m.label()),
            "home_care.procedures" => Procedure::parse(code).map(|p| p.label()),
            "home_care.accepting" => Accepting::parse(code).map(|a| a.label()),
            "role" => Role::parse(code).map(|r| r.label()),
            _ => None,
        };
        label.map_or_else(|| code.to_string(), str::to_string)
    };
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "あり".into(),
        Value::Bool(false) => "なし".into(),
        Value::String(s) => label(s),
        Value::Array(_) if field == "contact.windows" => {
            serde_json::from_value::<Vec<ContactWindow>>(value.clone())
                .map(|windows| format_windows(&windows))
                .unwrap_or_else(|_| value.to_string())
        }
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(label)
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

/// A value as the diff shows it: [`value_text`], 「（なし）」 for nothing, and a whole person
/// as 「鈴木 花子（医師）」.
pub fn describe(field: &str, value: &Value) -> String {
    if field.is_empty() && value.is_object() {
        let name = value["name"].as_str().unwrap_or_default();
        return format!("{name}（{}）", value_text("role", &value["role"]));
    }
    match value_text(field, value) {
        text if text.is_empty() => "（なし）".into(),
        text => text,
    }
}

/// 「新規の受け入れ: 受け入れ可 → 要相談」, 「田中 一郎: 連絡できる時間帯: … → …」.
pub fn describe_change(change: &FieldChange, person_name: Option<&str>) -> String {
    let field = field_label(&change.field);
    if change.field.is_empty() {
        return if change.old.is_null() {
            format!("担当者を追加: {}", describe("", &change.new))
        } else {
            format!("担当者を削除: {}", describe("", &change.old))
        };
    }
    let what = match person_name {
        Some(name) => format!("{name}の{field}"),
        None => field.to_string(),
    };
    format!(
        "{what}: {} → {}",
        describe(&change.field, &change.old),
        describe(&change.field, &change.new)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::parse_snapshot;

    fn listing() -> Listing {
        let snapshot = parse_snapshot(crate::directory::tests::DESIGN_EXAMPLE.as_bytes()).unwrap();
        let people: Vec<&Person> = snapshot.people.iter().collect();
        Listing::new(&snapshot.organizations[0], &people)
    }

    #[test]
    fn diff_then_apply_gives_the_edited_listing() {
        let before = listing();
        let mut after = before.clone();
        after.organization["home_care"]["accepting"] = "consult".into();
        after.people.get_mut("p-0001").unwrap()["contact"]["windows"][0]["start"] = "12:30".into();
        let mut added = after.people["p-0001"].clone();
        added["id"] = "p-new".into();
        added["name"] = "鈴木 花子".into();
        after.people.insert("p-new".into(), added);
        let changes = diff(&before, &after);
        let fields: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c.record.as_str(), c.field.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("o-0001", "home_care.accepting"),
                ("p-0001", "contact.windows"),
                ("p-new", "")
            ]
        );
        let mut patched = before.clone();
        for change in &changes {
            patched.apply(change).unwrap();
        }
        assert_eq!(patched, after);
        assert_eq!(
            describe_change(&changes[0], None),
            "新規の受け入れ: 受け入れ可 → 要相談"
        );
        assert_eq!(
            describe_change(&changes[1], Some("田中 一郎")),
            "田中 一郎の連絡できる時間帯: 月水金 13:00-14:00 電話（昼休み） → 月水金 12:30-14:00 電話（昼休み）"
        );
        assert_eq!(
            describe_change(&changes[2], None),
            "担当者を追加: 鈴木 花子（医師）"
        );
    }

    #[test]
    fn only_the_listed_fields_can_change() {
        let mut listing = listing();
        let change = |record: &str, field: &str| FieldChange {
            record: record.into(),
            field: field.into(),
            old: Value::Null,
            new: "x".into(),
        };
        assert!(listing.apply(&change("o-0001", "name")).is_err());
        assert!(listing.apply(&change("o-0001", "ward")).is_err());
        assert!(listing.apply(&change("p-0001", "organization_id")).is_err());
        assert!(listing.apply(&change("p-0001", "id")).is_err());
        assert!(listing.apply(&change("p-9999", "title")).is_err());
        assert!(listing.apply(&change("p-0001", "title")).is_ok());
        listing.organization["home_care"] = Value::Null;
        let err = listing
            .apply(&change("o-0001", "home_care.accepting"))
            .unwrap_err();
        assert!(err.contains("在宅医療"), "{err}");
    }
}
