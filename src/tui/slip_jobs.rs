//! The composer's disk work — drafts, exports, the sent-log — done off the event loop, one job
//! at a time and in order, so a draft saved before an export can never be written after it
//! (and bring back a draft that was just sent).

use super::app::{Exported, Message};
use crate::client::config::{ClientConfig, SenderDefaults};
use crate::slip::drafts::{write_private, Drafts};
use crate::slip::model::Slip;
use crate::slip::sent_log::{ExportFormat, Reply, SentLog, SentRecord};
use std::path::PathBuf;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq)]
pub enum SlipJob {
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

/// Where drafts, the sent-log and exports go, and how PDFs are made.
#[derive(Clone)]
pub struct SlipPlaces {
    drafts: Drafts,
    sent: SentLog,
    exports: PathBuf,
    font: Option<PathBuf>,
    template: Option<PathBuf>,
}

impl SlipPlaces {
    pub fn from_config(config: &ClientConfig) -> Result<SlipPlaces, String> {
        let data = config.data_dir().map_err(|e| e.to_string())?;
        Ok(SlipPlaces {
            drafts: Drafts::new(&data),
            sent: SentLog::new(&data),
            exports: config
                .export_dir
                .clone()
                .unwrap_or_else(|| data.join("exports")),
            font: config.pdf_font.clone(),
            template: config.slip_template.clone(),
        })
    }

    /// 差出人 for new slips: the configured one, else the one on the slip sent last (so what
    /// was typed once need not be typed again).
    pub fn sender(&self, configured: &SenderDefaults) -> SenderDefaults {
        if !configured.office.trim().is_empty() || !configured.name.trim().is_empty() {
            return configured.clone();
        }
        match self.sent.last_slip() {
            Some(slip) => SenderDefaults {
                office: slip.from.office,
                name: slip.from.name,
                phone: slip.from.phone,
                fax: slip.from.fax.unwrap_or_default(),
            },
            None => configured.clone(),
        }
    }

    fn run(&self, job: SlipJob) -> Vec<Message> {
        let mut messages = match job {
            SlipJob::Save { id, slip } => vec![Message::DraftSaved {
                result: self.drafts.save(&id, &slip).map_err(|e| e.to_string()),
                id,
            }],
            SlipJob::Export { id, slip, format } => {
                vec![Message::Exported(self.export(id, &slip, format))]
            }
            SlipJob::MarkSent {
                id,
                slip,
                format,
                file,
            } => vec![Message::MarkedSent(
                self.mark_sent(&id, &slip, format, file),
            )],
            SlipJob::Reply { id, reply } => match self.sent.set_reply(&id, reply) {
                Ok(()) => vec![self.load()],
                Err(e) => vec![Message::SlipChangeFailed(e.to_string())],
            },
            SlipJob::Delete(id) => match self.drafts.remove(&id) {
                Ok(()) => Vec::new(),
                Err(e) => vec![Message::SlipChangeFailed(e.to_string())],
            },
            SlipJob::Load => vec![self.load()],
            SlipJob::Count => Vec::new(),
        };
        if let Ok(count) = self.drafts.count() {
            messages.push(Message::DraftsWaiting(count));
        }
        messages
    }

    fn load(&self) -> Message {
        Message::SlipsLoaded(
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
pub fn failed(job: SlipJob, why: String) -> Message {
    match job {
        SlipJob::Save { id, .. } => Message::DraftSaved {
            id,
            result: Err(why),
        },
        SlipJob::Export { .. } => Message::Exported(Err(why)),
        SlipJob::MarkSent { .. } => Message::MarkedSent(Err(why)),
        SlipJob::Reply { .. } | SlipJob::Delete(_) => Message::SlipChangeFailed(why),
        SlipJob::Load | SlipJob::Count => Message::SlipsLoaded(Err(why)),
    }
}

/// Starts the worker; results come back on `messages`. Dropping the returned sender and awaiting
/// the handle finishes the jobs already queued (quitting saves the last draft first).
pub fn spawn(
    places: SlipPlaces,
    messages: UnboundedSender<Message>,
) -> (UnboundedSender<SlipJob>, JoinHandle<()>) {
    let (tx, mut rx) = unbounded_channel::<SlipJob>();
    let handle = tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let places = places.clone();
            let result = tokio::task::spawn_blocking(move || places.run(job)).await;
            for message in result.unwrap_or_default() {
                let _ = messages.send(message);
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
        let config = ClientConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..ClientConfig::default()
        };
        let places = SlipPlaces::from_config(&config).unwrap();
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
        // The next slip's sender comes from the one sent, unless one is configured.
        let sender = places.sender(&SenderDefaults::default());
        assert_eq!(sender.office, "光が丘ケアプランセンター");
        assert_eq!(sender.fax, "042-700-1001");
        let configured = SenderDefaults {
            office: "別の事業所".into(),
            ..SenderDefaults::default()
        };
        assert_eq!(places.sender(&configured), configured);
    }
}
