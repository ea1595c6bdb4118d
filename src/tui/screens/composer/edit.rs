//! How the composer changes for one of its actions: typing, moving between fields and steps,
//! answering, exporting. No I/O: an export or a save is asked of the runtime as a request.

use super::fields::{Field, Step};
use super::model::Composer;
use crate::slip::dates;
use crate::slip::model::{Channel, Purpose};
use crate::slip::rules::mask_name;
use crate::slip::sent_log::ExportFormat;
use crate::tui::text;
use crate::tui::widgets::text_field::{self as field, TextField};

/// What a key means in the composer. The key tables (`keys.rs`) decide it against the step
/// and the field: a letter is text in a text field, an answer on a question, a command on the
/// review step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComposerAction {
    /// A character into the focused text field.
    Type(char),
    /// y / n on a yes-no question.
    Answer(bool),
    /// A digit on the purpose: one of the ten uses (0 is the tenth).
    Pick(u32),
    /// Space on a choice: the next value.
    Toggle,
    Backspace,
    /// Pasted text (bracketed paste): one edit, however long.
    Paste(String),
    /// Readline edits in the focused text field.
    Edit(field::Edit),
    Left,
    Right,
    Up,
    Down,
    Enter,
    NextField,
    PreviousField,
    NextStep,
    PreviousStep,
    Close,
    Export(ExportFormat),
    SaveDraft,
    /// The member says it went out (m).
    MarkSent,
}

/// What the composer asks of the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum ComposerRequest {
    SaveDraft,
    Export(ExportFormat),
    /// Record the send once (the format and file exported last, if any).
    MarkSent(ExportFormat, Option<std::path::PathBuf>),
    Close,
}

impl Composer {
    pub(super) fn go_to(&mut self, step: Step) {
        self.step = step;
        self.focus = 0;
        self.review_scroll = 0;
    }

    /// Leaving a field: propose the guide's mask from the real name (seed §4-5 example 3).
    fn leave_field(&mut self) {
        let today = self.date.max(self.today);
        match self.field() {
            Some(f @ (Field::Slot1 | Field::Slot2 | Field::Slot3)) => {
                let i = [Field::Slot1, Field::Slot2, Field::Slot3]
                    .iter()
                    .position(|s| *s == f)
                    .unwrap_or(0);
                match dates::parse_slot(self.slots[i].trimmed(), today) {
                    Ok(Some(slot)) => self.slots[i] = TextField::new(&slot),
                    Ok(None) => {}
                    Err(e) => self.problem = Some(e),
                }
            }
            Some(Field::ReplyBy) => match dates::parse_future(self.reply_by.trimmed(), today) {
                Ok(Some(date)) => {
                    self.reply_by = TextField::new(&date.format("%Y-%m-%d").to_string())
                }
                Ok(None) => {}
                Err(e) => self.problem = Some(e),
            },
            _ => {}
        }
        if self.field() == Some(Field::RealName)
            && !self.real_name.trimmed().is_empty()
            && self.masked_name.trimmed().is_empty()
        {
            self.masked_name = TextField::new(&mask_name(self.real_name.trimmed()));
            self.dirty = true;
        }
    }

    fn move_focus(&mut self, forward: bool) {
        self.leave_field();
        let count = self.step.fields().len();
        if count == 0 {
            return;
        }
        self.focus = if forward {
            (self.focus + 1).min(count - 1)
        } else {
            self.focus.saturating_sub(1)
        };
    }

    fn next_step(&mut self) {
        self.leave_field();
        if let Some((field, problem)) = self.blocker(self.step) {
            self.focus = self
                .step
                .fields()
                .iter()
                .position(|f| *f == field)
                .unwrap_or(0);
            self.problem = Some(problem);
            return;
        }
        self.go_to(self.step.next());
    }

    /// Changes the composer for one action; returns what the runtime must do.
    pub fn update(&mut self, action: ComposerAction) -> Option<ComposerRequest> {
        self.problem = None;
        self.notice = None;
        let field = self.field();
        let before = self.slip();
        let mut request = None;
        match action {
            ComposerAction::Close => request = Some(ComposerRequest::Close),
            ComposerAction::NextStep => self.next_step(),
            ComposerAction::PreviousStep => {
                self.leave_field();
                self.go_to(self.step.previous());
            }
            ComposerAction::NextField => self.move_focus(true),
            ComposerAction::PreviousField => self.move_focus(false),
            ComposerAction::SaveDraft => request = Some(ComposerRequest::SaveDraft),
            ComposerAction::Export(format) => request = self.export(format),
            ComposerAction::MarkSent => request = self.mark_sent(),
            ComposerAction::Answer(yes) => {
                if let Some(f) = field {
                    self.answer(f, yes);
                }
            }
            ComposerAction::Pick(digit) => {
                if field == Some(Field::Purpose) {
                    let index = if digit == 0 { 9 } else { digit as usize - 1 };
                    self.purpose = Purpose::ALL[index.min(Purpose::ALL.len() - 1)];
                }
            }
            ComposerAction::Toggle => {
                if let Some(f) = field.filter(|f| f.is_choice()) {
                    self.choose(f, true);
                }
            }
            ComposerAction::Up | ComposerAction::Down => {
                let direction = if action == ComposerAction::Up { -1 } else { 1 };
                match field {
                    Some(Field::Body) => {
                        let width = self.body_width;
                        // Below the last line: on to the proposed slots.
                        if !self.body.vertical(width, direction) && direction > 0 {
                            self.move_focus(true);
                        }
                    }
                    Some(_) => self.move_focus(direction > 0),
                    None if direction > 0 => {
                        self.review_scroll = self.review_scroll.saturating_add(1)
                    }
                    None => self.review_scroll = self.review_scroll.saturating_sub(1),
                }
            }
            ComposerAction::Left | ComposerAction::Right => {
                let forward = action == ComposerAction::Right;
                match field {
                    Some(f) if f.is_choice() => self.choose(f, forward),
                    Some(f) => {
                        if let Some(t) = self.text_mut(f) {
                            if forward {
                                t.right()
                            } else {
                                t.left()
                            }
                        }
                    }
                    None if forward => self.next_step(),
                    None => self.go_to(self.step.previous()),
                }
            }
            ComposerAction::Enter => match field {
                Some(Field::Body) => self.body.insert('\n'),
                Some(_) if self.focus + 1 == self.step.fields().len() => self.next_step(),
                Some(_) => self.move_focus(true),
                None => {}
            },
            ComposerAction::Backspace => {
                if let Some(t) = field.and_then(|f| self.text_mut(f)) {
                    t.backspace();
                }
            }
            ComposerAction::Edit(edit) => {
                if let Some(t) = field.and_then(|f| self.text_mut(f)) {
                    t.edit(edit);
                }
            }
            ComposerAction::Paste(pasted) => {
                let multiline = field == Some(Field::Body);
                if let Some(t) = field.and_then(|f| self.text_mut(f)) {
                    let pasted = pasted.replace("\r\n", "\n").replace('\r', "\n");
                    for c in pasted.chars() {
                        match c {
                            '\n' if multiline => t.insert('\n'),
                            '\n' | '\t' => t.insert(' '),
                            c if c.is_control() => {}
                            c => t.insert(c),
                        }
                    }
                }
            }
            ComposerAction::Type(c) => {
                if let Some(t) = field.and_then(|f| self.text_mut(f)) {
                    t.insert(c);
                }
            }
        }
        if self.slip() != before {
            self.dirty = true;
        }
        request
    }

    /// y / n on a yes-no question.
    fn answer(&mut self, field: Field, yes: bool) {
        match field {
            Field::Urgent => self.urgent = Some(yes),
            Field::FirstContact => self.first_contact = Some(yes),
            Field::Consent => self.consent = yes,
            Field::ToldByPhone => self.told_by_phone = yes,
            _ => {}
        }
    }

    /// Exports only a slip with no error (DESIGN §6.2); a written export only of a written slip,
    /// so the FAX and email rules (R6, R7) have been applied to it.
    fn export(&mut self, format: ExportFormat) -> Option<ComposerRequest> {
        if let Some(why) = self.name_check_missing() {
            self.problem = Some(format!("{}{why}", text::EXPORT_NEEDS_NAME_CHECK));
            return None;
        }
        let errors = self.checks.errors();
        if errors > 0 {
            self.problem = Some(format!("{errors}{}", text::EXPORT_REFUSED));
            return None;
        }
        if format != ExportFormat::Phone && self.channel == Channel::Phone {
            self.problem = Some(text::EXPORT_WRITTEN_OF_PHONE.to_string());
            return None;
        }
        Some(ComposerRequest::Export(format))
    }

    /// The member says it went out: only a slip that could be exported, recorded once.
    fn mark_sent(&mut self) -> Option<ComposerRequest> {
        let format = match &self.last_export {
            Some((format, _)) => *format,
            None => match self.channel {
                Channel::Fax => ExportFormat::Pdf,
                Channel::Email => ExportFormat::Text,
                Channel::Phone => ExportFormat::Phone,
            },
        };
        self.export(format)?;
        Some(ComposerRequest::MarkSent(
            format,
            self.last_export.as_ref().map(|(_, path)| path.clone()),
        ))
    }
}
