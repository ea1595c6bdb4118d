//! The idle lock: after `idle_lock_minutes` without a key the directory is hidden until the
//! member types the password (checked with the server, or offline against this PC's verifier).

use super::login::first_line;
use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::popup::popup;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockAction {
    Type(char),
    Backspace,
    Clear,
    Submit,
}

const KEYS: &[Binding<LockAction>] = &[
    bind(
        &[Key::Ctrl('u'), Key::Ctrl('w')],
        LockAction::Clear,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Enter)],
        LockAction::Submit,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Backspace)],
        LockAction::Backspace,
        Help::Hidden,
    ),
];

#[derive(Debug, Default)]
pub struct Lock {
    pub input: String,
    pub error: Option<&'static str>,
}

impl Screen for Lock {
    type Action = LockAction;
    const ID: ScreenId = ScreenId::Lock;
    const KIND: LayerKind = LayerKind::Opaque;
    // What the status bar said before the lock is still there after it.
    const KEEPS_FLASH: bool = true;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<LockAction> {
        lookup(&[KEYS], press).or_else(|| press.text().map(LockAction::Type))
    }

    fn paste(&self, text: &str) -> Vec<LockAction> {
        first_line(text).map(LockAction::Type).collect()
    }

    fn update(&mut self, action: LockAction, _ctx: &mut Context) -> Outcome {
        match action {
            LockAction::Type(c) => self.input.push(c),
            LockAction::Backspace => {
                self.input.pop();
            }
            LockAction::Clear => self.input.clear(),
            LockAction::Submit => {
                let password = std::mem::take(&mut self.input);
                return Outcome::effect(Effect::CheckUnlock(password));
            }
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        match message {
            Message::Unlocked(true) => {
                ctx.restart_idle();
                Received::Taken(Outcome::nav(Nav::Pop))
            }
            Message::Unlocked(false) => {
                self.error = Some(text::LOCK_WRONG);
                Received::Taken(Outcome::none())
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
        draw_lock(frame, self, area);
        None
    }
}

fn draw_lock(frame: &mut Frame, lock: &Lock, area: Rect) {
    let rect = popup(area, 70, 7);
    let mut lines = vec![
        Line::from(text::LOCKED_BODY),
        Line::from(""),
        Line::from(format!(
            "{}: {}",
            text::LOGIN_PASSWORD,
            "*".repeat(lock.input.chars().count())
        )),
    ];
    if let Some(error) = lock.error {
        lines.push(Line::from(Span::raw(error).add_modifier(Modifier::BOLD)));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(format!(" {} ", text::LOCKED_TITLE))),
        rect,
    );
}
