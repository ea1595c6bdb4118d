//! Importing a directory: the snapshot JSON of DESIGN §3.1, or the support centre's spreadsheet
//! as CSV (one row per person, organisation columns repeated; layout in the README).

use super::config::ServerConfig;
use super::db::{now_unix, Actor, Database, ImportSummary, RecordBody};
use crate::directory::window_text::{parse_methods, parse_window, split_windows};
use crate::directory::{
    now_in_japan, read_snapshot, validate_snapshot, Accepting, Contact, DirectoryError, HomeCare,
    Organization, OrganizationKind, Person, Problem, Procedure, Role, Snapshot, Text, Timestamp,
    FORMAT,
};
use std::collections::HashMap;
use std::path::Path;

/// CSV columns: (key, Japanese header). Either spelling is accepted in the header row.
pub const CSV_COLUMNS: &[(&str, &str)] = &[
    ("organization_id", "機関ID"),
    ("kind", "種別"),
    ("organization_name", "機関名"),
    ("organization_kana", "機関名ふりがな"),
    ("postal_code", "郵便番号"),
    ("address", "住所"),
    ("ward", "区"),
    ("district", "地区"),
    ("phone", "電話"),
    ("fax", "FAX"),
    ("email", "メール"),
    ("home_visits", "訪問診療"),
    ("visit_districts", "訪問地区"),
    ("visit_area_note", "訪問エリア備考"),
    ("procedures", "在宅医療行為"),
    ("accepting", "受け入れ状況"),
    ("home_care_note", "在宅備考"),
    ("person_id", "担当者ID"),
    ("role", "職種"),
    ("name", "氏名"),
    ("name_kana", "氏名ふりがな"),
    ("title", "役職"),
    ("specialties", "診療科"),
    ("preferred_methods", "希望連絡方法"),
    ("windows", "連絡可能時間"),
    ("person_phone", "個人電話"),
    ("person_fax", "個人FAX"),
    ("person_email", "個人メール"),
    ("contact_note", "連絡備考"),
    ("updated_at", "更新日時"),
];

/// Reads an import file: `.csv` as the spreadsheet layout, anything else as snapshot JSON.
pub fn read_import_file(path: &Path) -> anyhow::Result<Snapshot> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{} を読めません: {e}", path.display()))?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let snapshot = if is_csv {
        snapshot_from_csv(&bytes, now_in_japan())
    } else {
        read_snapshot(&bytes)
    };
    snapshot.map_err(|e| anyhow::anyhow!("{} を取り込めません: {e}", path.display()))
}

/// Validates an import against the server's areas and turns it into records to store.
/// A delta is refused: an import is always the whole directory.
pub fn prepare_import(
    mut snapshot: Snapshot,
    config: &ServerConfig,
) -> Result<(Vec<RecordBody>, Vec<RecordBody>), DirectoryError> {
    if snapshot.is_delta() {
        return Err(DirectoryError::Field(Problem {
            record: String::new(),
            field: "deleted".into(),
            message: "差分（deleted 付き）は取り込めません。ディレクトリ全体を渡してください"
                .into(),
        }));
    }
    snapshot.areas = config.areas.clone();
    validate_snapshot(&snapshot)?;
    let to_body = |id: &str, value: serde_json::Result<String>| RecordBody {
        id: id.to_string(),
        body: value.expect("directory records always serialize"),
    };
    let organizations = snapshot
        .organizations
        .iter()
        .map(|o| to_body(&o.id, serde_json::to_string(o)))
        .collect();
    let people = snapshot
        .people
        .iter()
        .map(|p| to_body(&p.id, serde_json::to_string(p)))
        .collect();
    Ok((organizations, people))
}

/// Why an import wrote nothing: the file (said in Japanese, record and field named), or the
/// storage.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Invalid(#[from] DirectoryError),
    #[error(transparent)]
    Storage(#[from] super::db::DbError),
}

/// Replaces the live directory with `snapshot` (one new revision, audited).
pub async fn import_snapshot(
    db: &dyn Database,
    config: &ServerConfig,
    snapshot: Snapshot,
    actor: &Actor,
) -> Result<ImportSummary, ImportError> {
    let (organizations, people) = prepare_import(snapshot, config)?;
    let retention = i64::from(config.directory.delta_retention_days) * 86_400;
    Ok(db
        .replace_directory(organizations, people, actor, now_unix(), retention)
        .await?)
}

/// Spreadsheets saved by Japanese Excel are often Shift_JIS; UTF-8 (with or without BOM) is
/// read as is.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned(),
    }
}

/// Parses the CSV layout into a snapshot (not yet validated against the areas).
pub fn snapshot_from_csv(bytes: &[u8], now: Timestamp) -> Result<Snapshot, DirectoryError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_problem(1, "", &e.to_string()))?
        .clone();
    let mut columns: HashMap<&'static str, usize> = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        let header = header.trim_start_matches('\u{feff}');
        match CSV_COLUMNS
            .iter()
            .find(|(key, ja)| *key == header || *ja == header)
        {
            Some((key, _)) => {
                columns.insert(key, index);
            }
            None if header.is_empty() => {}
            None => {
                return Err(csv_problem(
                    1,
                    header,
                    "知らない列名です（README の CSV の列を参照してください）",
                ))
            }
        }
    }
    for required in [
        "organization_id",
        "kind",
        "organization_name",
        "organization_kana",
        "address",
        "ward",
        "district",
    ] {
        if !columns.contains_key(required) {
            return Err(csv_problem(1, required, "必須の列がありません"));
        }
    }

    let mut problems = Vec::new();
    let mut organizations: Vec<Organization> = Vec::new();
    let mut org_index: HashMap<String, usize> = HashMap::new();
    let mut people = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2; // the header is line 1
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(line, "", "", &format!("行を読めません: {e}")));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let row = Row {
            record: &record,
            columns: &columns,
            line,
        };
        let org_id = row.get("organization_id");
        if org_id.is_empty() {
            problems.push(problem(line, "", "organization_id", "機関IDが空です"));
            continue;
        }
        if !org_index.contains_key(org_id.as_str()) {
            match row.organization(&org_id, now) {
                Ok(org) => {
                    org_index.insert(org_id.to_string(), organizations.len());
                    organizations.push(org);
                }
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            }
        }
        if !row.get("person_id").is_empty() {
            match row.person(&org_id, now) {
                Ok(person) => people.push(person),
                Err(p) => problems.push(p),
            }
        }
        if problems.len() >= 50 {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(DirectoryError::Invalid(problems));
    }
    Ok(Snapshot {
        format: FORMAT.to_string(),
        revision: 0,
        generated_at: now,
        areas: Vec::new(),
        organizations,
        people,
        deleted: None,
    })
}

fn problem(line: usize, id: &str, field: &str, message: &str) -> Problem {
    Problem {
        record: if id.is_empty() {
            format!("{line} 行目")
        } else {
            format!("{line} 行目（{id}）")
        },
        field: field.to_string(),
        message: message.to_string(),
    }
}

fn csv_problem(line: usize, field: &str, message: &str) -> DirectoryError {
    DirectoryError::Field(problem(line, "", field, message))
}

struct Row<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<&'static str, usize>,
    line: usize,
}

impl Row<'_> {
    fn get(&self, key: &str) -> Text {
        self.columns
            .get(key)
            .and_then(|i| self.record.get(*i))
            .unwrap_or("")
            .trim()
            .into()
    }

    fn optional(&self, key: &str) -> Option<Text> {
        Some(self.get(key)).filter(|v| !v.is_empty())
    }

    fn fail(&self, id: &str, field: &str, message: String) -> Problem {
        problem(self.line, id, field, &message)
    }

    fn organization(&self, id: &str, now: Timestamp) -> Result<Organization, Problem> {
        let kind_text = self.get("kind");
        let kind = OrganizationKind::parse(&kind_text).ok_or_else(|| {
            self.fail(
                id,
                "kind",
                format!("種別「{kind_text}」は決められた値（診療所、病院 …）のどれでもありません"),
            )
        })?;
        let has_home_care = ["home_visits", "visit_districts", "procedures", "accepting"]
            .iter()
            .any(|k| !self.get(k).is_empty());
        let home_care = if kind.is_medical() && has_home_care {
            Some(self.home_care(id)?)
        } else {
            None
        };
        Ok(Organization {
            id: id.into(),
            kind,
            name: self.get("organization_name"),
            name_kana: self.get("organization_kana"),
            postal_code: self.optional("postal_code"),
            address: self.get("address"),
            ward: self.get("ward"),
            district: self.get("district"),
            phone: self.optional("phone"),
            fax: self.optional("fax"),
            email: self.optional("email"),
            home_care,
            updated_at: self.updated_at(id, now)?,
            confirmed_at: None,
        })
    }

    fn home_care(&self, id: &str) -> Result<HomeCare, Problem> {
        let visits = self.get("home_visits");
        let home_visits = match visits.as_str() {
            "" => !self.get("visit_districts").is_empty(),
            text => parse_bool(text).ok_or_else(|| {
                self.fail(
                    id,
                    "home_visits",
                    format!("「{text}」は はい／いいえ で書いてください"),
                )
            })?,
        };
        let accepting_text = self.get("accepting");
        let accepting = Accepting::parse(&accepting_text).ok_or_else(|| {
            self.fail(id, "accepting", format!("受け入れ状況「{accepting_text}」は 受け入れ可／要相談／受け入れ停止 のどれかにしてください"))
        })?;
        let procedures = split_list(&self.get("procedures"))
            .map(|p| {
                Procedure::parse(p).ok_or_else(|| {
                    self.fail(
                        id,
                        "procedures",
                        format!("医療行為「{p}」は決められた一覧にありません"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(HomeCare {
            home_visits,
            visit_districts: split_list(&self.get("visit_districts"))
                .map(Text::from)
                .collect(),
            visit_area_note: self.optional("visit_area_note"),
            procedures,
            accepting,
            note: self.optional("home_care_note"),
        })
    }

    fn person(&self, org_id: &str, now: Timestamp) -> Result<Person, Problem> {
        let id = self.get("person_id");
        let role_text = self.get("role");
        let role = Role::parse(&role_text)
            .ok_or_else(|| self.fail(&id, "role", format!("職種「{role_text}」は 医師／歯科医師／薬剤師／介護支援専門員／看護師／職員 のどれかにしてください")))?;
        let preferred_methods = parse_methods(&self.get("preferred_methods"))
            .map_err(|m| self.fail(&id, "preferred_methods", m))?;
        let windows = split_windows(&self.get("windows"))
            .map(|w| parse_window(w).map_err(|m| self.fail(&id, "windows", m)))
            .collect::<Result<_, _>>()?;
        Ok(Person {
            id: id.clone(),
            organization_id: org_id.into(),
            role,
            name: self.get("name"),
            name_kana: self.get("name_kana"),
            title: self.optional("title"),
            specialties: split_list(&self.get("specialties"))
                .map(Text::from)
                .collect(),
            contact: Contact {
                preferred_methods,
                windows,
                phone: self.optional("person_phone"),
                fax: self.optional("person_fax"),
                email: self.optional("person_email"),
                note: self.optional("contact_note"),
            },
            updated_at: self.updated_at(&id, now)?,
        })
    }

    fn updated_at(&self, id: &str, now: Timestamp) -> Result<Timestamp, Problem> {
        match self.optional("updated_at") {
            None => Ok(now),
            Some(text) => parse_timestamp(&text).ok_or_else(|| {
                self.fail(id, "updated_at", format!("更新日時「{text}」は 2026-11-01 または 2026-11-01T09:00:00+09:00 の形で書いてください"))
            }),
        }
    }
}

fn parse_timestamp(text: &str) -> Option<Timestamp> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t);
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .ok()?;
    date.and_hms_opt(0, 0, 0)?
        .and_local_timezone(crate::directory::japan_offset())
        .single()
}

/// Cells holding lists separate items with `;` `、` or `,` (full or half width).
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '；', '、', ',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.to_lowercase().as_str() {
        "はい" | "true" | "1" | "○" | "◯" | "yes" | "可" | "あり" | "有" => Some(true),
        "いいえ" | "false" | "0" | "×" | "no" | "不可" | "なし" | "無" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::window_text::parse_days;
    use crate::directory::{ContactMethod, Weekday};

    const HEADER: &str = "機関ID,種別,機関名,機関名ふりがな,郵便番号,住所,区,地区,電話,FAX,メール,訪問診療,訪問地区,在宅医療行為,受け入れ状況,担当者ID,職種,氏名,氏名ふりがな,役職,診療科,希望連絡方法,連絡可能時間";

    fn now() -> Timestamp {
        parse_timestamp("2026-11-24").unwrap()
    }

    #[test]
    fn csv_rows_become_a_valid_snapshot() {
        let csv = format!(
            "{HEADER}\n\
             o-1,診療所,上溝テスト内科,かみみぞてすとないか,252-0243,相模原市中央区上溝1-2-3,中央区,上溝,042-700-0001,042-700-0002,,はい,上溝、田名,在宅酸素療法;胃ろう,受け入れ可,p-1,医師,田中 一郎,たなか いちろう,院長,内科;循環器内科,FAX/電話,\"月水金 13:00-14:00 電話（昼休み）; 土 12:00〜12:30\"\n\
             o-1,,,,,,,,,,,,,,,p-2,医師,髙橋 花子,たかはし はなこ,,,電話,平日 9:00-17:30\n\
             o-2,居宅介護支援事業所,光が丘ケアプラン,ひかりがおかけあぷらん,,相模原市中央区光が丘1-1-1,中央区,光が丘,042-700-1000,,,,,,,,,,,,,,\n"
        );
        let mut snapshot = snapshot_from_csv(csv.as_bytes(), now()).unwrap();
        snapshot.areas = crate::directory::sagamihara_areas();
        validate_snapshot(&snapshot).unwrap();
        assert_eq!(snapshot.organizations.len(), 2);
        assert_eq!(snapshot.people.len(), 2);
        let clinic = &snapshot.organizations[0];
        let care = clinic.home_care.as_ref().unwrap();
        assert_eq!(
            care.procedures,
            vec![Procedure::HomeOxygen, Procedure::Gastrostomy]
        );
        assert_eq!(care.visit_districts, vec!["上溝", "田名"]);
        let doctor = &snapshot.people[0];
        assert_eq!(
            doctor.contact.preferred_methods,
            vec![ContactMethod::Fax, ContactMethod::Phone]
        );
        assert_eq!(doctor.contact.windows.len(), 2);
        assert_eq!(
            doctor.contact.windows[0].days,
            vec![Weekday::Mon, Weekday::Wed, Weekday::Fri]
        );
        assert_eq!(doctor.contact.windows[0].note.as_deref(), Some("昼休み"));
        assert_eq!(snapshot.people[1].contact.windows[0].days.len(), 5);
        assert!(snapshot.organizations[1].home_care.is_none());
    }

    #[test]
    fn shift_jis_with_english_headers_is_read() {
        let csv = "organization_id,kind,organization_name,organization_kana,address,ward,district\n\
                   o-1,病院,相模テスト病院,さがみてすとびょういん,相模原市南区相模台1-1,南区,相模台\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
        let snapshot = snapshot_from_csv(&bytes, now()).unwrap();
        assert_eq!(snapshot.organizations[0].name, "相模テスト病院");
    }

    #[test]
    fn bad_cells_name_line_and_column() {
        let csv = format!(
            "{HEADER}\n\
             o-1,診療所,A,えー,,住所,中央区,上溝,,,,はい,,胃瘻,受け入れ可,,,,,,,,\n\
             o-2,診療所,B,びー,,住所,中央区,上溝,,,,,,,,p-2,医師,X Y,えっくす わい,,,電話,月水金 1300-1400\n"
        );
        let err = snapshot_from_csv(csv.as_bytes(), now())
            .unwrap_err()
            .to_string();
        assert!(err.contains("2 行目（o-1） の procedures"), "{err}");
        assert!(err.contains("胃瘻"), "{err}");
        assert!(err.contains("3 行目（p-2） の windows"), "{err}");
    }

    #[test]
    fn unknown_column_is_refused() {
        let err = snapshot_from_csv("機関ID,好きな色\n".as_bytes(), now())
            .unwrap_err()
            .to_string();
        assert!(err.contains("好きな色"), "{err}");
    }

    #[test]
    fn day_ranges() {
        assert_eq!(
            parse_days("月〜水").unwrap(),
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(
            parse_days("火・木").unwrap(),
            vec![Weekday::Tue, Weekday::Thu]
        );
        assert_eq!(parse_days("金〜月"), None);
        assert_eq!(parse_days("x"), None);
    }
}
