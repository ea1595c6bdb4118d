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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentRecord {
    pub exported_at: NaiveDateTime,
    /// The slip's id (its draft's): `sent/{id}.toml`.
    pub id: String,
    pub format: ExportFormat,
    pub file: PathBuf,
    pub channel: Channel,
    pub purpose: Purpose,
    pub doctor: String,
    pub institution: String,
    pub reply_by: Option<NaiveDate>,
}

impl SentRecord {
    pub fn new(
        exported_at: NaiveDateTime,
        id: &str,
        format: ExportFormat,
        file: PathBuf,
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
        }
    }

    /// The reply is due and the date has passed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.reply_by.is_some_and(|d| d < today)
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
        let first = SentRecord::new(at, "a", ExportFormat::Pdf, "a.pdf".into(), &slip);
        let second = SentRecord::new(at, "b", ExportFormat::Phone, "b.txt".into(), &slip);
        log.record(&first, &slip).unwrap();
        log.record(&second, &slip).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("sent-log.jsonl"))
            .unwrap();
        file.write_all(b"{\"exported_at\": \"2026-").unwrap();
        assert_eq!(log.list().unwrap(), vec![second.clone(), first.clone()]);
        let third = SentRecord::new(at, "c", ExportFormat::Text, "c.txt".into(), &slip);
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
}
