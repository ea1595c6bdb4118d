//! The directory: organisations and the people in them, exactly as the snapshot JSON of
//! DESIGN §3.1 (the wire, import and export format). Shared by the server and the client.

mod areas;
mod time;
mod validate;
mod vocabulary;
pub mod window_text;

pub use areas::{sagamihara_areas, ward_of, Area};
pub use time::ClockTime;
pub use validate::{
    is_unsafe_char, parse_snapshot, printable, read_snapshot, validate_snapshot, DirectoryError,
    Problem,
};
pub use vocabulary::{Accepting, ContactMethod, OrganizationKind, Procedure, Role, Weekday};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Text in directory records. Names, readings, ids, districts and numbers are short: up to 24
/// bytes live inline without a heap allocation, which keeps 100k people within the client's
/// memory budget (DESIGN §8).
pub type Text = compact_str::CompactString;

/// The `format` tag every snapshot and delta carries.
pub const FORMAT: &str = "anshin-directory/1";

/// Timestamps on the wire are RFC 3339 with an offset; the service writes Japan time (+09:00).
pub type Timestamp = DateTime<FixedOffset>;

/// Japan has no daylight saving time, so a fixed +09:00 offset is Asia/Tokyo.
pub fn japan_offset() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Now, in Japan time, to the second (the wire format carries no sub-seconds).
pub fn now_in_japan() -> Timestamp {
    use chrono::{SubsecRound, Utc};
    Utc::now().with_timezone(&japan_offset()).trunc_subsecs(0)
}

/// A full snapshot, or — with `deleted` set — a delta since an earlier revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Snapshot {
    /// Always `anshin-directory/1`.
    pub format: String,
    /// The directory revision this snapshot (or delta) brings the reader to.
    pub revision: u64,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub generated_at: Timestamp,
    /// Wards and their districts (地区). An addition to DESIGN §3.1: the areas are server
    /// configuration carried in the directory, so the client never hard-codes a city.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
    pub organizations: Vec<Organization>,
    pub people: Vec<Person>,
    /// Present only in a delta: what was removed after the requested revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Deleted>,
}

impl Snapshot {
    /// An empty directory at revision 0.
    pub fn empty(areas: Vec<Area>) -> Snapshot {
        Snapshot {
            format: FORMAT.to_string(),
            revision: 0,
            generated_at: now_in_japan(),
            areas,
            organizations: Vec::new(),
            people: Vec::new(),
            deleted: None,
        }
    }

    pub fn is_delta(&self) -> bool {
        self.deleted.is_some()
    }

    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    pub fn person(&self, id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.id == id)
    }
}

/// Finds a record by id: in a snapshot, or in the search index read from the cache, which
/// decodes only the record found (issue 15). What the slip's rules and the composer need.
pub trait Lookup {
    fn person(&self, id: &str) -> Option<&Person>;
    fn organization(&self, id: &str) -> Option<&Organization>;
}

impl Lookup for Snapshot {
    fn person(&self, id: &str) -> Option<&Person> {
        Snapshot::person(self, id)
    }

    fn organization(&self, id: &str) -> Option<&Organization> {
        Snapshot::organization(self, id)
    }
}

/// Ids removed after the revision a delta was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Deleted {
    #[serde(default)]
    pub organizations: Vec<String>,
    #[serde(default)]
    pub people: Vec<String>,
}

/// A member organisation (seed §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Organization {
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub id: Text,
    pub kind: OrganizationKind,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub name: Text,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub name_kana: Text,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub postal_code: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub address: Text,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub ward: Text,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub district: Text,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub phone: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub fax: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub email: Option<Text>,
    /// Null for organisations that do not provide medical care.
    pub home_care: Option<HomeCare>,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// When the member last confirmed its listing — a change request approved, or 「変更なし」
    /// confirmed (DESIGN §7). Absent while only the support centre's import has written it.
    /// An addition to DESIGN §3.1 (issue 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "server", schema(value_type = Option<String>, format = DateTime))]
    pub confirmed_at: Option<Timestamp>,
}

/// What home care a medical institution can manage, where it visits, and whether it takes new
/// patients (seed §1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HomeCare {
    pub home_visits: bool,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub visit_districts: Vec<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub visit_area_note: Option<Text>,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    pub accepting: Accepting,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub note: Option<Text>,
}

/// A listed person: doctor, dentist, pharmacist, care manager, nurse or staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Person {
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub id: Text,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub organization_id: Text,
    pub role: Role,
    /// Family and given name separated by a space: 「田中 一郎」.
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub name: Text,
    #[cfg_attr(feature = "server", schema(value_type = String))]
    pub name_kana: Text,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub title: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(value_type = Vec<String>))]
    pub specialties: Vec<Text>,
    pub contact: Contact,
    #[cfg_attr(feature = "server", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
}

/// When and how a person wants to be contacted (seed §1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Contact {
    /// Most preferred first.
    #[serde(default)]
    pub preferred_methods: Vec<ContactMethod>,
    #[serde(default)]
    pub windows: Vec<ContactWindow>,
    /// Null: use the organisation's number.
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub phone: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub fax: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub email: Option<Text>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub note: Option<Text>,
}

/// Where to reach someone: each number a person's own, else their organisation's (a null in a
/// person's contact means "use the organisation's", DESIGN §3.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Numbers<'a> {
    pub phone: Option<&'a str>,
    pub fax: Option<&'a str>,
    pub email: Option<&'a str>,
}

impl Person {
    /// The person's own number or address for a method (None: they use the organisation's).
    pub fn own(&self, method: ContactMethod) -> Option<&str> {
        match method {
            ContactMethod::Phone => self.contact.phone.as_deref(),
            ContactMethod::Fax => self.contact.fax.as_deref(),
            ContactMethod::Email => self.contact.email.as_deref(),
        }
    }

    pub fn numbers<'a>(&'a self, org: Option<&'a Organization>) -> Numbers<'a> {
        let org = org.map(Organization::numbers).unwrap_or_default();
        Numbers {
            phone: self.contact.phone.as_deref().or(org.phone),
            fax: self.contact.fax.as_deref().or(org.fax),
            email: self.contact.email.as_deref().or(org.email),
        }
    }
}

impl Organization {
    pub fn numbers(&self) -> Numbers<'_> {
        Numbers {
            phone: self.phone.as_deref(),
            fax: self.fax.as_deref(),
            email: self.email.as_deref(),
        }
    }
}

/// A weekly time window in which a person can be contacted, local time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ContactWindow {
    pub days: Vec<Weekday>,
    /// `HH:MM`. A window whose end is earlier than its start runs past midnight.
    pub start: ClockTime,
    pub end: ClockTime,
    /// Empty: any of the person's preferred methods.
    #[serde(default)]
    pub methods: Vec<ContactMethod>,
    #[cfg_attr(feature = "server", schema(value_type = Option<String>))]
    pub note: Option<Text>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The example of DESIGN §3.1, verbatim: the contract must parse and write back unchanged.
    pub(crate) const DESIGN_EXAMPLE: &str = r#"{
  "format": "anshin-directory/1",
  "revision": 1234,
  "generated_at": "2026-11-24T12:00:00+09:00",
  "organizations": [{
    "id": "o-0001", "kind": "clinic",
    "name": "上溝さくら内科クリニック", "name_kana": "かみみぞさくらないかくりにっく",
    "postal_code": "252-0243", "address": "相模原市中央区上溝1-2-3",
    "ward": "中央区", "district": "上溝",
    "phone": "042-700-0001", "fax": "042-700-0002", "email": "info@example.jp",
    "home_care": {
      "home_visits": true,
      "visit_districts": ["上溝", "田名", "光が丘"],
      "visit_area_note": "診療所から16km以内",
      "procedures": ["home_oxygen", "gastrostomy", "terminal_care"],
      "accepting": "accepting",
      "note": "新規は要相談"
    },
    "updated_at": "2026-11-01T09:00:00+09:00"
  }],
  "people": [{
    "id": "p-0001", "organization_id": "o-0001", "role": "doctor",
    "name": "田中 一郎", "name_kana": "たなか いちろう", "title": "院長",
    "specialties": ["内科", "循環器内科"],
    "contact": {
      "preferred_methods": ["fax", "phone"],
      "windows": [{"days": ["mon", "wed", "fri"], "start": "13:00", "end": "14:00",
                   "methods": ["phone"], "note": "昼休み"}],
      "phone": null, "fax": null, "email": null,
      "note": "受付に「あんしんリンクの件」とお伝えください"
    },
    "updated_at": "2026-11-01T09:00:00+09:00"
  }]
}"#;

    #[test]
    fn design_example_round_trips() {
        let snapshot = parse_snapshot(DESIGN_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(snapshot.revision, 1234);
        let person = snapshot.person("p-0001").unwrap();
        assert_eq!(person.contact.windows[0].start.to_string(), "13:00");
        assert_eq!(person.contact.preferred_methods[0], ContactMethod::Fax);
        let written = serde_json::to_value(&snapshot).unwrap();
        let original: serde_json::Value = serde_json::from_str(DESIGN_EXAMPLE).unwrap();
        assert_eq!(written, original);
    }

    #[test]
    fn delta_carries_deletions() {
        let json = DESIGN_EXAMPLE.replacen(
            "\"people\": [",
            "\"deleted\": {\"organizations\": [\"o-9\"], \"people\": []}, \"people\": [",
            1,
        );
        let delta: Snapshot = serde_json::from_str(&json).unwrap();
        assert!(delta.is_delta());
        assert_eq!(delta.deleted.unwrap().organizations, vec!["o-9"]);
    }
}
