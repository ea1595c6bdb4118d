//! The support centre's review of change requests (DESIGN §7): the queue of pending requests on
//! the left, the selected one's changes on the right — base → proposed, and where the field has
//! moved since, base / now / proposed with the reviewer's choice — then approve (Enter twice)
//! or reject with a reason the member will read.

use crate::listing::{describe, ChangeRequest, Resolution, Take};
use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::{Effect, ListingJob, ListingNews, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::text_field::TextField;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewAction {
    Up,
    Down,
    /// Tab: between the queue and the selected request's changes.
    SwitchPane,
    /// ← keep what is live now, → take the proposal (a conflicting change).
    KeepCurrent,
    TakeProposed,
    /// Enter: approve (asked twice); in the reason, send the rejection.
    Approve,
    /// F3 / Ctrl-R: reject, with a reason.
    Reject,
    /// F5 / Ctrl-S: read the queue again.
    Refresh,
    Type(char),
    Backspace,
    Back,
}

use ReviewAction as R;

const KEYS: &[Binding<ReviewAction>] = &[
    bind(&[Key::Code(KeyCode::Up)], R::Up, Help::Hidden),
    bind(&[Key::Code(KeyCode::Down)], R::Down, Help::Hidden),
    bind(&[Key::Code(KeyCode::Tab)], R::SwitchPane, Help::Hidden),
    bind(&[Key::Code(KeyCode::Left)], R::KeepCurrent, Help::Hidden),
    bind(&[Key::Code(KeyCode::Right)], R::TakeProposed, Help::Hidden),
    bind(&[Key::Code(KeyCode::Enter)], R::Approve, Help::Hidden),
    bind(
        &[Key::Code(KeyCode::F(3)), Key::Ctrl('r')],
        R::Reject,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::F(5)), Key::Ctrl('s')],
        R::Refresh,
        Help::Hidden,
    ),
    bind(&[Key::Code(KeyCode::Esc)], R::Back, Help::Hidden),
];

const REASON_KEYS: &[Binding<ReviewAction>] = &[
    bind(&[Key::Code(KeyCode::Enter)], R::Approve, Help::Hidden),
    bind(&[Key::Code(KeyCode::Backspace)], R::Backspace, Help::Hidden),
    bind(&[Key::Code(KeyCode::Esc)], R::Back, Help::Hidden),
];

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Queue,
    Changes,
    /// Typing the reason for a rejection.
    Reason(TextField),
    /// Enter once: the next Enter approves.
    Confirm,
    Busy,
}

pub struct ReviewScreen {
    queue: Vec<ChangeRequest>,
    selected: usize,
    change: usize,
    /// The reviewer's choice per conflicting change of the selected request.
    choices: BTreeMap<usize, Take>,
    mode: Mode,
    message: Option<String>,
}

impl ReviewScreen {
    pub fn open() -> (ReviewScreen, Effect) {
        let screen = ReviewScreen {
            queue: Vec::new(),
            selected: 0,
            change: 0,
            choices: BTreeMap::new(),
            mode: Mode::Queue,
            message: Some(text::REVIEW_LOADING.to_string()),
        };
        (screen, Effect::Listing(ListingJob::Queue))
    }

    fn current(&self) -> Option<&ChangeRequest> {
        self.queue.get(self.selected)
    }

    fn unresolved(&self) -> usize {
        self.current().map_or(0, |r| {
            r.changes
                .iter()
                .enumerate()
                .filter(|(i, c)| c.conflict && !self.choices.contains_key(i))
                .count()
        })
    }

    fn approve(&mut self) -> Outcome {
        let Some(request) = self.current() else {
            return Outcome::none();
        };
        let id = request.id;
        let first_conflict = request.changes.iter().position(|c| c.conflict).unwrap_or(0);
        let unresolved = self.unresolved();
        if unresolved > 0 {
            self.mode = Mode::Changes;
            self.change = first_conflict;
            self.message = Some(format!("{}（{unresolved} 件）", text::REVIEW_DECIDE));
            return Outcome::none();
        }
        if self.mode != Mode::Confirm {
            self.mode = Mode::Confirm;
            self.message = Some(text::REVIEW_CONFIRM.to_string());
            return Outcome::none();
        }
        let resolutions = self
            .choices
            .iter()
            .map(|(index, take)| Resolution {
                index: *index,
                take: *take,
            })
            .collect();
        self.mode = Mode::Busy;
        self.message = Some(text::LISTING_SENDING.to_string());
        Outcome::effect(Effect::Listing(ListingJob::Approve { id, resolutions }))
    }

    fn choose(&mut self, take: Take) {
        let conflict = self
            .current()
            .and_then(|r| r.changes.get(self.change))
            .is_some_and(|c| c.conflict);
        if self.mode == Mode::Changes && conflict {
            self.choices.insert(self.change, take);
        }
    }
}

impl Screen for ReviewScreen {
    type Action = ReviewAction;
    const ID: ScreenId = ScreenId::Review;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<ReviewAction> {
        match self.mode {
            Mode::Reason(_) => lookup(&[REASON_KEYS], press).or_else(|| press.text().map(R::Type)),
            _ => lookup(&[KEYS], press),
        }
    }

    fn paste(&self, text: &str) -> Vec<ReviewAction> {
        match self.mode {
            Mode::Reason(_) => super::one_line::first_line(text).map(R::Type).collect(),
            _ => Vec::new(),
        }
    }

    fn update(&mut self, action: ReviewAction, _ctx: &mut Context) -> Outcome {
        if let Mode::Reason(reason) = &mut self.mode {
            match action {
                R::Type(c) => reason.insert(c),
                R::Backspace => {
                    reason.backspace();
                }
                R::Back => self.mode = Mode::Queue,
                R::Approve => {
                    let reason = reason.trimmed().to_string();
                    if reason.is_empty() {
                        self.message = Some(text::REVIEW_REASON_NEEDED.to_string());
                        return Outcome::none();
                    }
                    let Some(id) = self.current().map(|r| r.id) else {
                        return Outcome::none();
                    };
                    self.mode = Mode::Busy;
                    return Outcome::effect(Effect::Listing(ListingJob::Reject { id, reason }));
                }
                _ => {}
            }
            return Outcome::none();
        }
        if self.mode == Mode::Busy {
            return Outcome::none();
        }
        let confirming = self.mode == Mode::Confirm;
        if confirming && action != R::Approve {
            self.mode = Mode::Queue;
            self.message = None;
        }
        match action {
            R::Up | R::Down => {
                let step = |n: usize, len: usize| match action {
                    R::Up => n.saturating_sub(1),
                    _ => (n + 1).min(len.saturating_sub(1)),
                };
                if self.mode == Mode::Changes {
                    let len = self.current().map_or(0, |r| r.changes.len());
                    self.change = step(self.change, len);
                } else {
                    let before = self.selected;
                    self.selected = step(self.selected, self.queue.len());
                    if before != self.selected {
                        self.choices.clear();
                        self.change = 0;
                    }
                }
            }
            R::SwitchPane => {
                self.mode = match self.mode {
                    Mode::Changes => Mode::Queue,
                    _ => Mode::Changes,
                }
            }
            R::KeepCurrent => self.choose(Take::Current),
            R::TakeProposed => self.choose(Take::Proposed),
            R::Approve => return self.approve(),
            R::Reject if self.current().is_some() => {
                self.mode = Mode::Reason(TextField::default());
                self.message = Some(text::REVIEW_REASON_PROMPT.to_string());
            }
            R::Refresh => return Outcome::effect(Effect::Listing(ListingJob::Queue)),
            R::Back if !confirming => return Outcome::nav(Nav::Pop),
            _ => {}
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, _ctx: &mut Context) -> Received {
        match message {
            Message::Listing(ListingNews::Queue(result)) => {
                match result {
                    Ok(queue) => {
                        if self.message.as_deref() == Some(text::REVIEW_LOADING) {
                            self.message = None;
                        }
                        self.queue = queue;
                        self.selected = self.selected.min(self.queue.len().saturating_sub(1));
                    }
                    Err(why) => self.message = Some(why),
                }
                if self.mode == Mode::Busy {
                    self.mode = Mode::Queue;
                }
                Received::Taken(Outcome::none())
            }
            Message::Listing(ListingNews::Reviewed(result)) => {
                self.mode = Mode::Queue;
                self.choices.clear();
                self.message = Some(match result {
                    Ok(r) => format!(
                        "No.{}（{}）: {}",
                        r.id,
                        r.organization_name,
                        match r.applied_revision {
                            Some(revision) => format!("{}（版 {revision}）", text::REVIEW_APPROVED),
                            None => text::REVIEW_REJECTED.to_string(),
                        }
                    ),
                    Err(why) => why,
                });
                Received::Taken(Outcome::effect(Effect::Listing(ListingJob::Queue)))
            }
            other => Received::Passed(other),
        }
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        _ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        let [main, footer] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(3)]).areas(area);
        let [left, right] = if area.width >= 100 {
            Layout::horizontal([Constraint::Length(40), Constraint::Min(40)]).areas(main)
        } else {
            Layout::vertical([Constraint::Length(7), Constraint::Min(5)]).areas(main)
        };
        let mut queue: Vec<Line> = Vec::new();
        for (i, r) in self.queue.iter().enumerate() {
            let conflicts = r.conflicts();
            let mut line = Line::from(vec![
                Span::raw(format!("No.{} {} ", r.id, r.submitted_at.format("%m/%d"))),
                Span::raw(r.organization_name.clone()),
                Span::raw(format!(" {}項目", r.changes.len())),
                if conflicts > 0 {
                    Span::raw(format!(" ⚠食い違い{conflicts}")).bold()
                } else {
                    Span::raw("")
                },
            ]);
            if i == self.selected {
                line = line.add_modifier(Modifier::REVERSED);
            }
            queue.push(line);
        }
        if self.queue.is_empty() {
            queue.push(Line::from(text::REVIEW_EMPTY.dim()));
        }
        let title = format!(" {}（{} 件） ", text::REVIEW_TITLE, self.queue.len());
        frame.render_widget(
            Paragraph::new(queue).block(Block::bordered().title(title)),
            left,
        );
        let mut lines: Vec<Line> = Vec::new();
        if let Some(r) = self.current() {
            lines.push(Line::from(
                format!(
                    "{}（{}） 提出: {} {}",
                    r.organization_name,
                    r.organization_id,
                    r.submitter,
                    r.submitted_at.format("%Y-%m-%d %H:%M")
                )
                .bold(),
            ));
            if !r.note.is_empty() {
                lines.push(Line::from(format!("{}: {}", text::LISTING_NOTE, r.note)));
            }
            if r.is_confirmation() {
                lines.push(Line::from(text::LISTING_CONFIRMATION));
            }
            for (i, c) in r.changes.iter().enumerate() {
                let selected = self.mode == Mode::Changes && i == self.change;
                let mut line = Line::from(format!("{:>2}. {}", i + 1, c.describe()));
                if selected {
                    line = line.add_modifier(Modifier::REVERSED);
                }
                lines.push(line);
                if c.conflict {
                    let now = c
                        .now
                        .as_ref()
                        .map(|v| describe(&c.change.field, v))
                        .unwrap_or_default();
                    let choice = match self.choices.get(&i) {
                        Some(Take::Proposed) => text::REVIEW_TAKE_PROPOSED,
                        Some(Take::Current) => text::REVIEW_KEEP_CURRENT,
                        None => text::REVIEW_UNDECIDED,
                    };
                    lines.push(Line::from(
                        format!(
                            "    ⚠ 申請時「{}」／現在「{now}」／申請「{}」",
                            describe(&c.change.field, &c.change.old),
                            describe(&c.change.field, &c.change.new)
                        )
                        .bold(),
                    ));
                    lines.push(Line::from(format!("      → {choice}").bold()));
                }
            }
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::bordered()),
            right,
        );
        let mut foot = Vec::new();
        let mut caret = None;
        match &self.mode {
            Mode::Reason(reason) => {
                let label = format!("{}: ", text::REVIEW_REASON);
                let before: String = reason.value.chars().take(reason.caret).collect();
                let x = footer.x
                    + Span::raw(label.as_str()).width() as u16
                    + Span::raw(before.as_str()).width() as u16;
                caret = (x < footer.right()).then(|| Position::new(x, footer.y));
                foot.push(Line::from(vec![
                    Span::raw(label).bold(),
                    Span::raw(reason.value.clone()),
                ]));
            }
            _ => foot.push(Line::from(self.message.clone().unwrap_or_default()).bold()),
        }
        foot.push(Line::from(text::REVIEW_HINT.dim()));
        frame.render_widget(Paragraph::new(foot).wrap(Wrap { trim: true }), footer);
        caret
    }
}
