//! Drafts of contact slips, saved while the care manager types so that a crash or a closed
//! window loses nothing (DESIGN §8). A draft is the slip file of DESIGN §6.1 and nothing else:
//! masked data only. The patient's real name, typed for the leak check, is not part of a slip
//! and so can never reach the disk (DESIGN §6.3).
//!
//! Files are written to a temporary file and renamed (never half a draft), readable by the
//! member alone (0600, folders 0700).

use super::model::{parse_slip, write_slip, Slip};
use chrono::NaiveDateTime;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The drafts folder (`drafts/` in the data folder).
#[derive(Debug, Clone)]
pub struct Drafts {
    dir: PathBuf,
}

/// A draft found on disk: its id, when it was last saved, and the slip — or why it could not be
/// read (a damaged file is listed, not dropped, so nothing disappears silently).
#[derive(Debug, Clone)]
pub struct SavedDraft {
    pub id: String,
    pub saved_at: Option<NaiveDateTime>,
    pub slip: Result<Slip, String>,
}

/// A new draft's id: when it was started and to whom, safe as a file name everywhere.
pub fn new_draft_id(now: NaiveDateTime, person_id: Option<&str>) -> String {
    let mut id = now.format("%Y%m%d-%H%M%S").to_string();
    if let Some(person) = person_id {
        id.push('-');
        id.extend(
            person
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(40),
        );
    }
    id
}

impl Drafts {
    pub fn new(data_dir: &Path) -> Drafts {
        Drafts {
            dir: data_dir.join("drafts"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.toml"))
    }

    pub fn save(&self, id: &str, slip: &Slip) -> std::io::Result<()> {
        write_private(&self.path(id), write_slip(slip).as_bytes())
    }

    pub fn remove(&self, id: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// How many drafts there are, without reading them.
    pub fn count(&self) -> std::io::Result<usize> {
        match std::fs::read_dir(&self.dir) {
            Ok(entries) => Ok(entries
                .flatten()
                .filter(|e| e.path().extension().and_then(|x| x.to_str()) == Some("toml"))
                .count()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Every draft, newest first. A missing folder is simply no drafts.
    pub fn list(&self) -> std::io::Result<Vec<SavedDraft>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut drafts = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let saved_at = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                // Japanese time, like every other time the member sees.
                .map(|t| {
                    chrono::DateTime::<chrono::Utc>::from(t)
                        .with_timezone(&crate::directory::japan_offset())
                        .naive_local()
                });
            let slip = std::fs::read_to_string(&path)
                .map_err(|e| format!("読めません: {e}"))
                .and_then(|text| parse_slip(&text));
            drafts.push(SavedDraft {
                id: id.to_string(),
                saved_at,
                slip,
            });
        }
        drafts.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(drafts)
    }
}

/// Creates the folder (0700) and writes the file whole (temporary file + rename, 0600).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::model::tests::DESIGN_EXAMPLE;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    #[test]
    fn ids_are_file_names() {
        assert_eq!(
            new_draft_id(at(10, 31), Some("p-00007")),
            "20261125-103100-p-00007"
        );
        assert_eq!(
            new_draft_id(at(10, 31), Some("../../etc/passwd")),
            "20261125-103100-etcpasswd"
        );
        assert_eq!(new_draft_id(at(9, 5), None), "20261125-090500");
    }

    #[test]
    fn saved_drafts_come_back_and_damaged_ones_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::new(dir.path());
        assert!(drafts.list().unwrap().is_empty());
        let slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        drafts.save("20261125-103100-p-0001", &slip).unwrap();
        drafts.save("20261125-110000-p-0001", &slip).unwrap();
        std::fs::write(drafts.dir().join("20261125-120000.toml"), "date = ").unwrap();
        let list = drafts.list().unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].id, "20261125-120000");
        assert!(list[0].slip.is_err());
        assert_eq!(list[1].slip.as_ref().unwrap(), &slip);
        drafts.remove("20261125-110000-p-0001").unwrap();
        drafts.remove("20261125-110000-p-0001").unwrap();
        assert_eq!(drafts.list().unwrap().len(), 2);
        assert_eq!(drafts.count().unwrap(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = drafts.dir().join("20261125-103100-p-0001.toml");
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(drafts.dir())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
