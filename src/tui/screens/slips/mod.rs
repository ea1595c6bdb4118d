//! Drafts and the sent-log (F7, Ctrl-D): pick a draft up where it was left (after a crash too),
//! and see what went to whom and by when the doctor was asked to reply — overdue ones marked;
//! note the doctor's reply on a sent slip.

mod draw;

use super::composer::ComposerScreen;
use crate::slip::drafts::SavedDraft;
use crate::slip::outbox::{OutboxJob, OutboxResult};
use crate::slip::sent_log::SentRecord;
use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::Frame;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipsAction {
    Up,
    Down,
    Open,
    Delete,
    Close,
    /// `r` on a sent record: note the doctor's reply.
    Reply,
    ReplyType(char),
    ReplyPaste(String),
    ReplyBackspace,
    ReplySave,
    ReplyCancel,
}

/// The reply being noted on a sent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyForm {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Default)]
pub struct SlipsView {
    /// None while loading.
    pub drafts: Option<Vec<SavedDraft>>,
    pub sent: Vec<SentRecord>,
    pub selected: usize,
    /// x was pressed once on this draft: a second x deletes it.
    pub confirm_delete: Option<String>,
    pub error: Option<String>,
    pub reply: Option<ReplyForm>,
}

impl SlipsView {
    pub fn selected_draft(&self) -> Option<&SavedDraft> {
        self.drafts.as_ref()?.get(self.selected)
    }

    /// The selection runs over the drafts, then the sent records.
    pub fn selected_sent(&self) -> Option<&SentRecord> {
        let drafts = self.drafts.as_ref().map_or(0, Vec::len);
        self.sent.get(self.selected.checked_sub(drafts)?)
    }

    pub fn move_selection(&mut self, down: bool) {
        let count = self.drafts.as_ref().map_or(0, Vec::len) + self.sent.len();
        self.selected = if down {
            (self.selected + 1).min(count.saturating_sub(1))
        } else {
            self.selected.saturating_sub(1)
        };
        self.confirm_delete = None;
    }
}

/// A list, not a text: its letter keys are shown in its title, in either width.
const LIST_KEYS: &[Binding<SlipsAction>] = &[
    bind(
        &[Key::Code(KeyCode::Up), Key::Char('k')],
        SlipsAction::Up,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Down), Key::Char('j')],
        SlipsAction::Down,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Enter)],
        SlipsAction::Open,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Delete), Key::Char('x')],
        SlipsAction::Delete,
        Help::Hidden,
    ),
    bind(&[Key::Char('r')], SlipsAction::Reply, Help::Hidden),
    bind(
        &[
            Key::Code(KeyCode::Esc),
            Key::Code(KeyCode::F(7)),
            Key::Char('d'),
            Key::Char('q'),
        ],
        SlipsAction::Close,
        Help::Hidden,
    ),
];

/// While a reply is being noted, letters are its text.
const REPLY_KEYS: &[Binding<SlipsAction>] = &[
    bind(
        &[Key::Code(KeyCode::Enter)],
        SlipsAction::ReplySave,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Esc)],
        SlipsAction::ReplyCancel,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Backspace)],
        SlipsAction::ReplyBackspace,
        Help::Hidden,
    ),
];

pub struct SlipsScreen {
    view: SlipsView,
}

impl SlipsScreen {
    /// Opened empty; the lists come from the outbox (`OutboxJob::Load`).
    pub fn open() -> (SlipsScreen, Effect) {
        (
            SlipsScreen {
                view: SlipsView::default(),
            },
            Effect::Slip(OutboxJob::Load),
        )
    }

    pub fn view(&self) -> &SlipsView {
        &self.view
    }
}

impl Screen for SlipsScreen {
    type Action = SlipsAction;
    const ID: ScreenId = ScreenId::Slips;
    const KIND: LayerKind = LayerKind::Overlay;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<SlipsAction> {
        if self.view.reply.is_some() {
            return lookup(&[REPLY_KEYS], press)
                .or_else(|| press.text().map(SlipsAction::ReplyType));
        }
        lookup(&[LIST_KEYS], press)
    }

    fn paste(&self, text: &str) -> Vec<SlipsAction> {
        match self.view.reply {
            Some(_) => vec![SlipsAction::ReplyPaste(text.to_string())],
            None => Vec::new(),
        }
    }

    fn update(&mut self, action: SlipsAction, ctx: &mut Context) -> Outcome {
        let view = &mut self.view;
        match action {
            SlipsAction::Close => return Outcome::nav(Nav::Pop),
            SlipsAction::Up => view.move_selection(false),
            SlipsAction::Down => view.move_selection(true),
            SlipsAction::Open => {
                let Some(draft) = view.selected_draft() else {
                    return Outcome::none();
                };
                match &draft.slip {
                    Ok(slip) => {
                        let composer = ComposerScreen::from_draft(draft, slip, ctx);
                        return Outcome::nav(Nav::Replace(Box::new(composer)));
                    }
                    Err(why) => view.error = Some(format!("{} {why}", text::SLIPS_CANNOT_OPEN)),
                }
            }
            SlipsAction::Reply => match view.selected_sent() {
                Some(record) => {
                    view.reply = Some(ReplyForm {
                        id: record.id.clone(),
                        text: String::new(),
                    });
                    view.error = None;
                }
                None => view.error = Some(text::REPLY_NEEDS_SENT.to_string()),
            },
            SlipsAction::ReplyType(c) => {
                if let Some(form) = view.reply.as_mut() {
                    form.text.push(c);
                    view.error = None;
                }
            }
            SlipsAction::ReplyPaste(pasted) => {
                if let Some(form) = view.reply.as_mut() {
                    form.text.extend(pasted.chars().filter(|c| !c.is_control()));
                }
            }
            SlipsAction::ReplyBackspace => {
                if let Some(form) = view.reply.as_mut() {
                    form.text.pop();
                    view.error = None;
                }
            }
            SlipsAction::ReplyCancel => view.reply = None,
            SlipsAction::ReplySave => {
                let Some(form) = view.reply.take() else {
                    return Outcome::none();
                };
                match reply_of(&form.text, ctx.now.date()) {
                    Ok(reply) => {
                        return Outcome::effect(Effect::Slip(OutboxJob::Reply {
                            id: form.id,
                            reply,
                        }));
                    }
                    Err(why) => {
                        view.error = Some(why.to_string());
                        view.reply = Some(form);
                    }
                }
            }
            SlipsAction::Delete => {
                let Some(id) = view.selected_draft().map(|d| d.id.clone()) else {
                    return Outcome::none();
                };
                if view.confirm_delete.as_deref() != Some(id.as_str()) {
                    view.confirm_delete = Some(id);
                    return Outcome::none();
                }
                view.confirm_delete = None;
                if let Some(drafts) = view.drafts.as_mut() {
                    drafts.retain(|d| d.id != id);
                }
                view.move_selection(false);
                ctx.flash = Some(text::SLIPS_DELETED.to_string());
                return Outcome::effect(Effect::Slip(OutboxJob::Delete(id)));
            }
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, _ctx: &mut Context) -> Received {
        let view = &mut self.view;
        match message {
            Message::Outbox(OutboxResult::Loaded(result)) => {
                match result {
                    Ok((drafts, sent)) => {
                        view.drafts = Some(drafts);
                        view.sent = sent;
                    }
                    Err(e) => {
                        // What is on screen stays: a failed read says so, it does not empty
                        // the lists.
                        view.drafts.get_or_insert_with(Vec::new);
                        view.error = Some(e);
                    }
                }
                Received::Taken(Outcome::none())
            }
            Message::Outbox(OutboxResult::ChangeFailed(e)) => {
                view.error = Some(e);
                Received::Taken(Outcome::effect(Effect::Slip(OutboxJob::Load)))
            }
            other => Received::Passed(other),
        }
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        draw::draw_slips(frame, &self.view, ctx.now.date(), area);
        None
    }
}

/// 「了承、11/28 に決定」 (today's reply) or 「11/27 了承」 (a reply on that day): a few words,
/// checked for personal information like a slip (the sent-log holds no patient data).
fn reply_of(
    typed: &str,
    today: chrono::NaiveDate,
) -> Result<crate::slip::sent_log::Reply, &'static str> {
    let typed = typed.trim();
    let (date, outcome) = match typed.split_once(char::is_whitespace) {
        Some((first, rest)) => match crate::slip::dates::parse_any(first, today) {
            Ok(Some(date)) if date <= today => (date, rest.trim()),
            _ => (today, typed),
        },
        None => (today, typed),
    };
    let options = crate::slip::detect::DetectOptions {
        current_year: chrono::Datelike::year(&today),
        ..Default::default()
    };
    if !crate::slip::detect::detect(outcome, &options).is_empty() {
        return Err(text::REPLY_HAS_PERSONAL_INFO);
    }
    Ok(crate::slip::sent_log::Reply {
        date,
        outcome: outcome.chars().take(60).collect(),
    })
}
