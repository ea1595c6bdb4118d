//! The outbox: a slip's disk work — drafts, exports, the sent-log — done off the event loop,
//! one job at a time and in order, so a draft saved before an export can never be written after
//! it (and bring back a draft that was just sent). The TUI hands it jobs and reads its answers;
//! nothing here knows about screens.

use crate::slip::drafts::{write_private, Drafts, SavedDraft};
use crate::slip::model::{Sender, Slip};
use crate::slip::sent_log::{ExportFormat, Reply, SentLog, SentRecord};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq)]
pub enum OutboxJob {
    Save {
        id: String,
        slip: Box<Slip>,
    },
    Export {
        id: String,
        slip: Box<Slip>,
        format: ExportFormat,
    },
    /// The member says the slip went out: logged once, the draft removed.
    MarkSent {
        id: String,
        slip: Box<Slip>,
        format: ExportFormat,
        file: Option<PathBuf>,
    },
    /// The doctor's reply, noted on a sent record; the lists come back.
    Reply {
        id: String,
        reply: Reply,
    },
    Delete(String),
    Load,
    /// How many drafts wait (for the status bar).
    Count,
}

/// A slip written out.
#[derive(Debug)]
pub struct Exported {
    pub id: String,
    pub format: ExportFormat,
    pub path: PathBuf,
    /// The email text or the phone memo (for the clipboard, for reading out).
    pub text: String,
}

/// The outbox's answers, one kind per job so that a failure is never mistaken for another
/// (issue 9: one overloaded answer emptied the drafts list when a delete failed).
#[derive(Debug)]
pub enum OutboxResult {
    DraftSaved {
        id: String,
        result: Result<(), String>,
    },
    Exported(Result<Exported, String>),
    /// The send was recorded (the slip's id), or why not.
    MarkedSent(Result<String, String>),
    Loaded(Result<(Vec<SavedDraft>, Vec<SentRecord>), String>),
    /// A delete or a reply note that could not be written: said, and the lists read again
    /// (the screen had already taken the draft off).
    ChangeFailed(String),
    /// Drafts waiting to be finished (after a crash too).
    DraftsWaiting(usize),
}

/// Where drafts, the sent-log and exports go, and how PDFs are made.
#[derive(Clone)]
pub struct Outbox {
    drafts: Drafts,
    sent: SentLog,
    exports: PathBuf,
    font: Option<PathBuf>,
    template: Option<PathBuf>,
}

impl Outbox {
    /// Drafts and the sent-log under `data`; exports in `exports` (default `data/exports`).
    pub fn new(
        data: &Path,
        exports: Option<PathBuf>,
        font: Option<PathBuf>,
        template: Option<PathBuf>,
    ) -> Outbox {
        Outbox {
            drafts: Drafts::new(data),
            sent: SentLog::new(data),
            exports: exports.unwrap_or_else(|| data.join("exports")),
            font,
            template,
        }
    }

    /// The sender of the slip sent last (so what was typed once need not be typed again).
    pub fn last_sender(&self) -> Option<Sender> {
        self.sent.last_slip().map(|slip| slip.from)
    }

    fn run(&self, job: OutboxJob) -> Vec<OutboxResult> {
        let mut messages = match job {
            OutboxJob::Save { id, slip } => vec![OutboxResult::DraftSaved {
                result: self.drafts.save(&id, &slip).map_err(|e| e.to_string()),
                id,
            }],
            OutboxJob::Export { id, slip, format } => {
                vec![OutboxResult::Exported(self.export(id, &slip, format))]
            }
            OutboxJob::MarkSent {
                id,
                slip,
                format,
                file,
            } => vec![OutboxResult::MarkedSent(
                self.mark_sent(&id, &slip, format, file),
            )],
            OutboxJob::Reply { id, reply } => match self.sent.set_reply(&id, reply) {
                Ok(()) => vec![self.load()],
                Err(e) => vec![OutboxResult::ChangeFailed(e.to_string())],
            },
            OutboxJob::Delete(id) => match self.drafts.remove(&id) {
                Ok(()) => Vec::new(),
                Err(e) => vec![OutboxResult::ChangeFailed(e.to_string())],
            },
            OutboxJob::Load => vec![self.load()],
            OutboxJob::Count => Vec::new(),
        };
        if let Ok(count) = self.drafts.count() {
            messages.push(OutboxResult::DraftsWaiting(count));
        }
        messages
    }

    fn load(&self) -> OutboxResult {
        OutboxResult::Loaded(
            self.drafts
                .list()
                .and_then(|drafts| Ok((drafts, self.sent.list()?)))
                .map_err(|e| e.to_string()),
        )
    }

    /// Logs the send once and removes the draft; answers with the doctor's name.
    fn mark_sent(
        &self,
        id: &str,
        slip: &Slip,
        format: ExportFormat,
        file: Option<PathBuf>,
    ) -> Result<String, String> {
        let now = crate::directory::now_in_japan().naive_local();
        self.sent
            .record(&SentRecord::new(now, id, format, file, slip), slip)
            .map_err(|e| e.to_string())?;
        self.drafts.remove(id).map_err(|e| e.to_string())?;
        Ok(id.to_string())
    }

    /// Writes the file and keeps the slip as a draft: exporting is not sending (a PDF may be
    /// printed twice, a phone memo looked at before the call).
    fn export(&self, id: String, slip: &Slip, format: ExportFormat) -> Result<Exported, String> {
        use crate::slip::export::{to_phone_script, to_text};
        let (bytes, text) = match format {
            ExportFormat::Pdf => {
                let font =
                    crate::slip::pdf::find_font(self.font.as_deref()).map_err(|e| e.to_string())?;
                let pdf = crate::slip::pdf::render_pdf(slip, &font, self.template.as_deref())
                    .map_err(|e| e.to_string())?;
                (pdf, String::new())
            }
            ExportFormat::Text => {
                let text = to_text(slip);
                (text.clone().into_bytes(), text)
            }
            ExportFormat::Phone => {
                let text = to_phone_script(slip);
                (text.clone().into_bytes(), text)
            }
        };
        let path = self.exports.join(export_file_name(&id, slip, format));
        write_private(&path, &bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        self.drafts.save(&id, slip).map_err(|e| e.to_string())?;
        Ok(Exported {
            id,
            format,
            path,
            text,
        })
    }
}

/// 「20261125-103100-p-00007_林内科医院.pdf」: sortable, and the clinic is readable in a file list.
fn export_file_name(id: &str, slip: &Slip, format: ExportFormat) -> String {
    let institution: String = slip
        .to
        .institution
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !"/\\:*?\"<>|.".contains(*c))
        .take(40)
        .collect();
    format!("{id}_{institution}{}", format.suffix())
}

/// The answer to a job that could not be run.
pub fn failed(job: OutboxJob, why: String) -> OutboxResult {
    match job {
        OutboxJob::Save { id, .. } => OutboxResult::DraftSaved {
            id,
            result: Err(why),
        },
        OutboxJob::Export { .. } => OutboxResult::Exported(Err(why)),
        OutboxJob::MarkSent { .. } => OutboxResult::MarkedSent(Err(why)),
        OutboxJob::Reply { .. } | OutboxJob::Delete(_) => OutboxResult::ChangeFailed(why),
        OutboxJob::Load | OutboxJob::Count => OutboxResult::Loaded(Err(why)),
    }
}

/// Starts the worker; each answer goes to `answer`. Dropping the returned sender and awaiting
/// the handle finishes the jobs already queued (quitting saves the last draft first).
pub fn spawn(
    outbox: Outbox,
    answer: impl Fn(OutboxResult) + Send + 'static,
) -> (UnboundedSender<OutboxJob>, JoinHandle<()>) {
    let (tx, mut rx) = unbounded_channel::<OutboxJob>();
    let handle = tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let outbox = outbox.clone();
            let result = tokio::task::spawn_blocking(move || outbox.run(job)).await;
            for message in result.unwrap_or_default() {
                answer(message);
            }
        }
    });
    (tx, handle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::model::{parse_slip, tests::DESIGN_EXAMPLE};

    #[test]
    fn file_names_keep_the_clinic_and_drop_path_characters() {
        let mut slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        assert_eq!(
            export_file_name("20261125-103100-p-0001", &slip, ExportFormat::Pdf),
            "20261125-103100-p-0001_上溝さくら内科クリニック.pdf"
        );
        slip.to.institution = "../a b/c".into();
        assert_eq!(
            export_file_name("x", &slip, ExportFormat::Phone),
            "x_abc_電話.txt"
        );
    }

    #[test]
    fn an_export_keeps_the_draft_and_only_marking_it_sent_logs_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let places = Outbox::new(dir.path(), None, None, None);
        let slip = parse_slip(DESIGN_EXAMPLE).unwrap();
        places.drafts.save("d1", &slip).unwrap();
        let exported = places
            .export("d1".into(), &slip, ExportFormat::Text)
            .unwrap();
        assert!(exported.path.starts_with(dir.path().join("exports")));
        assert_eq!(
            std::fs::read_to_string(&exported.path).unwrap(),
            exported.text
        );
        // Looking at the phone memo and exporting again are not sends.
        places
            .export("d1".into(), &slip, ExportFormat::Phone)
            .unwrap();
        places
            .export("d1".into(), &slip, ExportFormat::Text)
            .unwrap();
        assert!(places.sent.list().unwrap().is_empty());
        assert_eq!(places.drafts.list().unwrap().len(), 1);
        places
            .mark_sent("d1", &slip, ExportFormat::Text, Some(exported.path.clone()))
            .unwrap();
        assert!(places.drafts.list().unwrap().is_empty());
        let sent = places.sent.list().unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].format, ExportFormat::Text);
        assert_eq!(sent[0].masked_name.as_deref(), Some("○村○男"));
        // The next slip's sender comes from the one sent.
        let sender = places.last_sender().unwrap();
        assert_eq!(sender.office, "光が丘ケアプランセンター");
        assert_eq!(sender.fax.as_deref(), Some("042-700-1001"));
    }
}
