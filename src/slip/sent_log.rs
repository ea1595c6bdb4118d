//! The sent-log: what was exported, to whom, and by when the doctor is asked to reply
//! (issue 5). One JSON line per export in `sent-log.jsonl`, plus the slip itself in `sent/` —
//! the slip file of DESIGN §6.1 (masked) and nothing more; the log lines name the doctor and the
//! clinic (directory data), never the patient.

use super::drafts::{create_private_dir, write_private};
use super::model::{write_slip, Channel, Purpose, Slip};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Pdf,
    Text,
    Phone,
}

impl ExportFormat {
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "PDF（FAX 用）",
            ExportFormat::Text => "メール本文",
            ExportFormat::Phone => "電話メモ",
        }
    }

    /// The end of the exported file's name.
    pub fn suffix(self) -> &'static str {
        match self {
            ExportFormat::Pdf => ".pdf",
            ExportFormat::Text => "_メール.txt",
            ExportFormat::Phone => "_電話.txt",
        }
    }
}

/// The doctor's answer, as the member notes it: when, and in a few words (no patient data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    pub date: NaiveDate,
    pub outcome: String,
}

/// One send, recorded once when the member says the slip went out (not at every export: a
/// PDF printed twice or a phone memo looked at is not a send).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentRecord {
    /// When it was marked sent (the name is kept for the records written before).
    pub exported_at: NaiveDateTime,
    /// The slip's id (its draft's): `sent/{id}.toml`.
    pub id: String,
    pub format: ExportFormat,
    /// The file exported last, if any.
    #[serde(default)]
    pub file: Option<PathBuf>,
    pub channel: Channel,
    pub purpose: Purpose,
    pub doctor: String,
    pub institution: String,
    pub reply_by: Option<NaiveDate>,
    /// The masked name as on the slip (○村○男), to tell slips to one doctor apart.
    #[serde(default)]
    pub masked_name: Option<String>,
    /// The first words of the body, with anything the detector finds hidden.
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub reply: Option<Reply>,
}

/// The first words of a body for a list: one line, at most `chars` characters, with anything
/// that looks like personal information replaced by ＊ (a phone slip's body is never checked).
pub fn summary(body: &str, chars: usize) -> String {
    let line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    let options = super::detect::DetectOptions::default();
    let mut hidden: Vec<char> = line.chars().collect();
    for f in super::detect::detect(&line, &options) {
        for c in hidden.iter_mut().take(f.end).skip(f.start) {
            *c = '＊';
        }
    }
    let mut out: String = hidden.iter().take(chars).collect();
    if hidden.len() > chars {
        out.push('…');
    }
    out
}

impl SentRecord {
    pub fn new(
        exported_at: NaiveDateTime,
        id: &str,
        format: ExportFormat,
        file: Option<PathBuf>,
        slip: &Slip,
    ) -> SentRecord {
        SentRecord {
            exported_at,
            id: id.to_string(),
            format,
            file,
            channel: slip.channel,
            purpose: slip.purpose,
            doctor: slip.to.doctor.clone(),
            institution: slip.to.institution.clone(),
            reply_by: slip.request.reply_by,
            masked_name: slip.patient.masked_name.clone(),
            summary: summary(&slip.request.body, 24),
            reply: None,
        }
    }

    /// The reply is due, the date has passed, and no reply was noted.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.reply.is_none() && self.reply_by.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone)]
pub struct SentLog {
    dir: PathBuf,
}

impl SentLog {
    pub fn new(data_dir: &Path) -> SentLog {
        SentLog {
            dir: data_dir.to_path_buf(),
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("sent-log.jsonl")
    }

    /// Keeps the slip as sent and appends one line to the log.
    pub fn record(&self, record: &SentRecord, slip: &Slip) -> std::io::Result<()> {
        write_private(
            &self.dir.join("sent").join(format!("{}.toml", record.id)),
            write_slip(slip).as_bytes(),
        )?;
        create_private_dir(&self.dir)?;
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        // A crash mid-write leaves a torn last line: end it, so this record stays readable.
        let torn = std::fs::read(self.log_path())
            .is_ok_and(|bytes| bytes.last().is_some_and(|b| *b != b'\n'));
        let mut file = options.open(self.log_path())?;
        let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        let line = if torn {
            format!("\n{line}\n")
        } else {
            format!("{line}\n")
        };
        file.write_all(line.as_bytes())?;
        file.sync_all()
    }

    /// Notes the doctor's reply on the record of `id` (the whole log is rewritten: temp file and
    /// rename, so a crash leaves the old log or the new one).
    pub fn set_reply(&self, id: &str, reply: Reply) -> std::io::Result<()> {
        let text = std::fs::read_to_string(self.log_path())?;
        let mut found = false;
        let mut out = String::with_capacity(text.len() + 64);
        for line in text.lines() {
            match serde_json::from_str::<SentRecord>(line) {
                Ok(mut record) if record.id == id => {
                    record.reply = Some(reply.clone());
                    found = true;
                    out.push_str(&serde_json::to_string(&record).map_err(std::io::Error::other)?);
                }
                _ => out.push_str(line),
            }
            out.push('\n');
        }
        if !found {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "送信記録が見つかりません",
            ));
        }
        write_private(&self.log_path(), out.as_bytes())
    }

    /// The slip sent last, if it can be read (for the sender of the next one).
    pub fn last_slip(&self) -> Option<Slip> {
        let record = self.list().ok()?.into_iter().next()?;
        let path = self.dir.join("sent").join(format!("{}.toml", record.id));
        super::model::parse_slip(&std::fs::read_to_string(path).ok()?).ok()
    }

    /// Every record, newest first; lines that cannot be read (a torn last line) are skipped.
    pub fn list(&self) -> std::io::Result<Vec<SentRecord>> {
        let text = match std::fs::read_to_string(self.log_path()) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut records: Vec<SentRecord> = text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        records.reverse();
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::model::parse_slip;
    use crate::slip::model::tests::DESIGN_EXAMPLE;

    #[test]
    fn records_come_back_newest_first_and_a_torn_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let log = SentLog::new(dir.path());
        assert!(log.list().unwrap().is_empty());
        let slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        let at = slip.date.and_hms_opt(10, 0, 0).unwrap();
        let first = SentRecord::new(at, "a", ExportFormat::Pdf, Some("a.pdf".into()), &slip);
        let second = SentRecord::new(at, "b", ExportFormat::Phone, None, &slip);
        log.record(&first, &slip).unwrap();
        log.record(&second, &slip).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("sent-log.jsonl"))
            .unwrap();
        file.write_all(b"{\"exported_at\": \"2026-").unwrap();
        assert_eq!(log.list().unwrap(), vec![second.clone(), first.clone()]);
        let third = SentRecord::new(at, "c", ExportFormat::Text, Some("c.txt".into()), &slip);
        log.record(&third, &slip).unwrap();
        let list = log.list().unwrap();
        assert_eq!(list, vec![third, second.clone(), first]);
        assert_eq!(log.last_slip(), Some(slip.clone()));
        assert_eq!(list[0].doctor, "田中 一郎");
        let kept = std::fs::read_to_string(dir.path().join("sent/b.toml")).unwrap();
        assert_eq!(parse_slip(&kept).unwrap(), slip);
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(second.overdue(today));
        assert!(!second.overdue(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
    }

    #[test]
    fn a_reply_is_noted_once_and_stops_the_overdue_mark() {
        let dir = tempfile::tempdir().unwrap();
        let log = SentLog::new(dir.path());
        let slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        let at = slip.date.and_hms_opt(10, 0, 0).unwrap();
        log.record(
            &SentRecord::new(at, "a", ExportFormat::Pdf, None, &slip),
            &slip,
        )
        .unwrap();
        log.record(
            &SentRecord::new(at, "b", ExportFormat::Pdf, None, &slip),
            &slip,
        )
        .unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert!(log.list().unwrap().iter().all(|r| r.overdue(today)));
        let reply = Reply {
            date: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            outcome: "了承、11/28に決定".into(),
        };
        log.set_reply("a", reply.clone()).unwrap();
        let list = log.list().unwrap();
        assert_eq!(list.len(), 2, "rewritten, not appended");
        assert_eq!(list[1].reply, Some(reply.clone()));
        assert!(!list[1].overdue(today));
        assert!(list[0].overdue(today));
        assert!(log.set_reply("zzz", reply).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("sent-log.jsonl"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn the_summary_is_short_and_hides_what_the_detector_finds() {
        assert_eq!(
            summary(
                "同行受診の日程を\n調整させてください。よろしくお願いします",
                10
            ),
            "同行受診の日程を 調…"
        );
        let s = summary("電話 090-1234-5678 まで", 30);
        assert!(!s.contains("5678"), "{s}");
        assert_eq!(record_of_old_line().file, Some(PathBuf::from("a.pdf")));
    }

    /// A line written before the summary and reply fields still reads.
    fn record_of_old_line() -> SentRecord {
        serde_json::from_str(r#"{"exported_at":"2026-11-25T10:31:00","id":"a","format":"pdf","file":"a.pdf","channel":"fax","purpose":"accompanied_visit","doctor":"田中 一郎","institution":"x","reply_by":null}"#).unwrap()
    }
}
