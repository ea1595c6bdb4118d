//! The slip composer as a screen (F6 on a doctor): its keys, resolved against the step and the
//! field it is on, and what it asks of the outbox. The wizard itself is `model` and `edit`; the
//! drawing is `draw` and `panel`.

pub mod draw;
mod edit;
mod fields;
mod model;
mod panel;

pub use edit::{ComposerAction, ComposerRequest};
pub use fields::{parse_age, Field, Step};
pub use model::{channel_for, number_for, Checks, Composer};

use super::phone_memo::PhoneMemo;
use crate::directory::{Organization, Person};
use crate::slip::drafts::SavedDraft;
use crate::slip::model::Slip;
use crate::slip::outbox::{Exported, OutboxJob, OutboxResult};
use crate::slip::sent_log::ExportFormat;
use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::text_field::{halfwidth, Edit};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::Frame;

use ComposerAction as A;

/// Keys on every step. Letters are text; steps move with PgDn/PgUp (or Ctrl-N/Ctrl-P).
const KEYS: &[Binding<ComposerAction>] = &[
    bind(&[Key::Code(KeyCode::Esc)], A::Close, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::PageDown), Key::Ctrl('n')],
        A::NextStep,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::PageUp), Key::Ctrl('p')],
        A::PreviousStep,
        Help::Hidden,
    ),
    bind(&[Key::Ctrl('s')], A::SaveDraft, Help::Hidden),
    bind(
        &[Key::Ctrl('a'), Key::Code(KeyCode::Home)],
        A::Edit(Edit::Home),
        Help::Hidden,
    ),
    bind(
        &[Key::Ctrl('e'), Key::Code(KeyCode::End)],
        A::Edit(Edit::End),
        Help::Hidden,
    ),
    bind(&[Key::Ctrl('u')], A::Edit(Edit::ClearToStart), Help::Hidden),
    bind(&[Key::Ctrl('k')], A::Edit(Edit::ClearToEnd), Help::Hidden),
    bind(&[Key::Ctrl('w')], A::Edit(Edit::DeleteWord), Help::Hidden),
    bind(
        &[Key::Code(KeyCode::Delete)],
        A::Edit(Edit::Delete),
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Tab)], A::NextField, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::BackTab)],
        A::PreviousField,
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Up)], A::Up, Help::Hidden),
    bind(&[Key::Code(KeyCode::Down)], A::Down, Help::Hidden),
    bind(&[Key::Code(KeyCode::Left)], A::Left, Help::Hidden),
    bind(&[Key::Code(KeyCode::Right)], A::Right, Help::Hidden),
    bind(&[Key::Code(KeyCode::Enter)], A::Enter, Help::Hidden),
    bind(&[Key::Code(KeyCode::Backspace)], A::Backspace, Help::Hidden),
];

/// On the review step letters are commands (shown in `text::REVIEW_KEYS`).
const REVIEW_KEYS: &[Binding<ComposerAction>] = &[
    bind(
        &[Key::Char('p')],
        A::Export(ExportFormat::Pdf),
        Help::Hidden,
    ),
    bind(
        &[Key::Char('t')],
        A::Export(ExportFormat::Text),
        Help::Hidden,
    ),
    bind(
        &[Key::Char('o')],
        A::Export(ExportFormat::Phone),
        Help::Hidden,
    ),
    bind(&[Key::Char('s')], A::SaveDraft, Help::Hidden),
    bind(&[Key::Char('m')], A::MarkSent, Help::Hidden),
];

/// On a question (a choice field): y / n answer, Space takes the next value; a digit picks
/// the purpose.
const QUESTION_KEYS: &[Binding<ComposerAction>] = &[
    bind(
        &[Key::Char('y'), Key::Char('Y')],
        A::Answer(true),
        Help::Hidden,
    ),
    bind(
        &[Key::Char('n'), Key::Char('N')],
        A::Answer(false),
        Help::Hidden,
    ),
    bind(&[Key::Char(' ')], A::Toggle, Help::Hidden),
];

/// What a typed character means where the composer stands: an answer or a pick on a question,
/// a command on the review step, text in a text field (and nothing, but the hint cleared,
/// elsewhere).
pub fn char_action(c: &Composer, typed: char) -> ComposerAction {
    let press = Press {
        code: KeyCode::Char(typed),
        ctrl: false,
        alt: false,
    };
    let table = match c.field() {
        None => REVIEW_KEYS,
        Some(f) if f.is_choice() => QUESTION_KEYS,
        Some(_) => return A::Type(typed),
    };
    lookup(&[table], &press)
        .or_else(|| {
            let digit = halfwidth(typed).to_digit(10)?;
            (c.field() == Some(Field::Purpose)).then_some(A::Pick(digit))
        })
        .unwrap_or(A::Type(typed))
}

pub struct ComposerScreen {
    composer: Composer,
}

impl ComposerScreen {
    /// A new slip to a doctor in the directory.
    pub fn new(person: &Person, org: Option<&Organization>, ctx: &Context) -> ComposerScreen {
        let mut composer = Composer::new(person, org, &ctx.sender, ctx.now);
        composer.refresh(ctx.lookup(), ctx.now);
        ComposerScreen { composer }
    }

    /// A saved draft, opened again.
    pub fn from_draft(draft: &SavedDraft, slip: &Slip, ctx: &Context) -> ComposerScreen {
        let mut composer = Composer::from_draft(&draft.id, slip, ctx.lookup());
        composer.saved_at = draft.saved_at;
        composer.refresh(ctx.lookup(), ctx.now);
        ComposerScreen { composer }
    }

    pub fn composer(&self) -> &Composer {
        &self.composer
    }

    /// The draft written again if anything changed since the last save.
    fn save_if_changed(&mut self) -> Vec<Effect> {
        let c = &mut self.composer;
        if !c.dirty {
            return Vec::new();
        }
        c.dirty = false;
        vec![Effect::Slip(OutboxJob::Save {
            id: c.id.clone(),
            slip: Box::new(c.slip()),
        })]
    }

    /// An export or a send that failed: said, and the slip kept as a draft (saved again on the
    /// next tick).
    fn job_failed(&mut self, message: String) -> Received {
        self.composer.problem = Some(message);
        self.composer.dirty = true;
        Received::Taken(Outcome::none())
    }
}

impl Screen for ComposerScreen {
    type Action = ComposerAction;
    const ID: ScreenId = ScreenId::Composer;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<ComposerAction> {
        lookup(&[KEYS], press).or_else(|| Some(char_action(&self.composer, press.text()?)))
    }

    fn paste(&self, text: &str) -> Vec<ComposerAction> {
        vec![A::Paste(text.to_string())]
    }

    fn update(&mut self, action: ComposerAction, ctx: &mut Context) -> Outcome {
        let c = &mut self.composer;
        if let Some((width, height)) = ctx.size {
            c.body_width = draw::body_width(width, height);
        }
        let request = c.update(action);
        c.refresh(ctx.lookup(), ctx.now);
        match request {
            None => Outcome::none(),
            Some(ComposerRequest::SaveDraft) => {
                c.dirty = true;
                self.save_if_changed().into()
            }
            Some(ComposerRequest::Export(format)) => {
                // The file is written and the slip saved with it (the outbox does both).
                c.dirty = false;
                Outcome::effect(Effect::Slip(OutboxJob::Export {
                    id: c.id.clone(),
                    slip: Box::new(c.slip()),
                    format,
                }))
            }
            Some(ComposerRequest::MarkSent(format, file)) => {
                // Logged once; the outbox removes the draft and the composer closes on its
                // answer.
                c.dirty = false;
                Outcome::effect(Effect::Slip(OutboxJob::MarkSent {
                    id: c.id.clone(),
                    slip: Box::new(c.slip()),
                    format,
                    file,
                }))
            }
            Some(ComposerRequest::Close) => {
                let kept = c.dirty || c.saved_at.is_some();
                let effects = self.save_if_changed();
                if kept {
                    ctx.flash = Some(text::DRAFT_KEPT.to_string());
                }
                Outcome::effects(effects).and_nav(Nav::Pop)
            }
        }
    }

    /// Autosave: a crash loses at most a second of typing (DESIGN §8), behind the lock too.
    fn tick(&mut self, _ctx: &mut Context) -> Outcome {
        self.save_if_changed().into()
    }

    fn closing(&mut self) -> Vec<Effect> {
        self.save_if_changed()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        let c = &mut self.composer;
        let Message::Outbox(result) = message else {
            return Received::Passed(message);
        };
        match result {
            OutboxResult::DraftSaved { id, result } if id == c.id => {
                match result {
                    Ok(()) => c.saved_at = Some(ctx.now),
                    Err(e) => {
                        // Tried again on the next tick; the member sees why meanwhile.
                        c.dirty = true;
                        c.problem = Some(format!("{}: {e}", text::DRAFT_SAVE_FAILED));
                    }
                }
                Received::Taken(Outcome::none())
            }
            OutboxResult::Exported(Ok(exported)) if exported.id == c.id => {
                let (flash, effects) = exported_notice(&exported, c.to.email.as_deref());
                // Written and kept as a draft until the member says it went out (m).
                c.saved_at = Some(ctx.now);
                c.problem = None;
                c.notice = Some(flash.clone());
                c.last_export = Some((exported.format, exported.path.clone()));
                ctx.flash = Some(flash);
                let mut outcome = Outcome::effects(effects);
                if exported.format == ExportFormat::Phone {
                    outcome = outcome.and_nav(Nav::Push(Box::new(PhoneMemo {
                        memo: exported.text,
                    })));
                }
                Received::Taken(outcome)
            }
            OutboxResult::Exported(Err(e)) => {
                self.job_failed(format!("{}: {e}", text::EXPORT_FAILED))
            }
            OutboxResult::MarkedSent(Ok(id)) if id == c.id => {
                ctx.flash = Some(text::MARKED_SENT.to_string());
                Received::Taken(Outcome::nav(Nav::Pop))
            }
            OutboxResult::MarkedSent(Err(e)) => {
                self.job_failed(format!("{}: {e}", text::MARK_SENT_FAILED))
            }
            other => Received::Passed(Message::Outbox(other)),
        }
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        draw::draw_composer(frame, &self.composer, ctx.index.as_deref(), ctx.now, area)
    }
}

/// What the status bar says of an export, and what else to do: what was done first, where the
/// file went last (a long path may be cut off); an email's text goes to the clipboard.
pub fn exported_notice(exported: &Exported, email: Option<&str>) -> (String, Vec<Effect>) {
    let mut done = format!("{}{}", exported.format.label(), text::EXPORTED);
    let mut effects = Vec::new();
    match exported.format {
        ExportFormat::Text => {
            done.push_str(text::COPIED_TEXT);
            if let Some(address) = email {
                done.push_str(&format!("（{}{address}）", text::SEND_TO));
            }
            done.push_str(text::SEND_THEN_MARK);
            effects.push(Effect::Copy(exported.text.clone()));
        }
        ExportFormat::Phone => {
            done.push_str(text::SAVED_DONE);
            done.push_str(text::CALL_THEN_MARK);
        }
        ExportFormat::Pdf => {
            done.push_str(text::SAVED_DONE);
            done.push_str(text::SEND_THEN_MARK);
        }
    }
    (format!("{done}: {}", exported.path.display()), effects)
}

#[cfg(test)]
mod tests;
