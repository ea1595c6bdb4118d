//! The idle lock: after `idle_lock_minutes` without a key the directory is hidden until the
//! member types the password (checked against this PC's verifier, and with the server when the
//! session has ended meanwhile — which, for an account with two-factor sign-in, then asks for
//! the one-time code as a second step).

use super::one_line::{field_action, field_paste, FieldAction};
use crate::client::Unlock;
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
    /// The password, kept while the server's one-time code is asked for (it goes with it).
    code_for: Option<String>,
    /// The password just sent, until the answer says whether a code is wanted.
    sent: Option<String>,
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
                let typed = std::mem::take(&mut self.input);
                let effect = match &self.code_for {
                    Some(password) => Effect::CheckUnlock {
                        password: password.clone(),
                        code: Some(typed),
                    },
                    None => {
                        self.sent = Some(typed.clone());
                        Effect::CheckUnlock {
                            password: typed,
                            code: None,
                        }
                    }
                };
                return Outcome::effect(effect);
            }
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        match message {
            Message::Unlocked(Unlock::Unlocked) => {
                self.code_for = None;
                self.sent = None;
                ctx.restart_idle();
                Received::Taken(Outcome::nav(Nav::Pop))
            }
            Message::Unlocked(Unlock::Refused) => {
                self.sent = None;
                self.error = Some(if self.code_for.is_some() {
                    text::LOCK_WRONG_CODE
                } else {
                    text::LOCK_WRONG
                });
                Received::Taken(Outcome::none())
            }
            Message::Unlocked(Unlock::CodeNeeded) => {
                // The password was right; the server wants the code with it.
                self.code_for = self.sent.take().or(self.code_for.take());
                self.error = None;
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
    let prompt = if lock.code_for.is_some() {
        Line::from(format!("{}: {}", text::LOGIN_CODE, lock.input))
    } else {
        Line::from(format!(
            "{}: {}",
            text::LOGIN_PASSWORD,
            "*".repeat(lock.input.chars().count())
        ))
    };
    let body = if lock.code_for.is_some() {
        text::LOCK_CODE_BODY
    } else {
        text::LOCKED_BODY
    };
    let mut lines = vec![Line::from(body), Line::from(""), prompt];
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
