//! The idle lock: after `idle_lock_minutes` without a key the directory is hidden until the
//! member types the password (checked with the server, or offline against this PC's verifier).

use super::one_line::{field_action, field_paste, FieldAction};
use crate::tui::context::Context;
use crate::tui::keymap::Press;
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::popup::popup;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

#[derive(Debug, Default)]
pub struct Lock {
    pub input: String,
    pub error: Option<&'static str>,
}

impl Screen for Lock {
    type Action = FieldAction;
    const ID: ScreenId = ScreenId::Lock;
    const KIND: LayerKind = LayerKind::Opaque;
    // What the status bar said before the lock is still there after it.
    const KEEPS_FLASH: bool = true;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<FieldAction> {
        field_action(press)
    }

    fn paste(&self, text: &str) -> Vec<FieldAction> {
        field_paste(text)
    }

    fn update(&mut self, action: FieldAction, _ctx: &mut Context) -> Outcome {
        match action {
            FieldAction::Type(c) => self.input.push(c),
            FieldAction::Backspace => {
                self.input.pop();
            }
            FieldAction::Clear => self.input.clear(),
            FieldAction::Submit => {
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
