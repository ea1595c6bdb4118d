//! Changing one's own password (issue 12, item 7): at the first sign-in with a password the
//! support centre set (nothing else works until it is changed), or any time with F9. The
//! current password once, the new one twice; none of them is kept once sent.

use super::one_line::{form_action, form_paste, FieldAction, FormAction};
use crate::tui::context::Context;
use crate::tui::keymap::Press;
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::form::{draw_form, masked, Form};
use ratatui::layout::{Position, Rect};
use ratatui::Frame;

/// The server's rule, said before the round trip (it checks the rest: not the login ID, not
/// easy to guess).
const MIN_CHARS: usize = crate::api::MIN_PASSWORD_CHARS;

pub struct PasswordScreen {
    /// The current password, the new one, the new one again.
    fields: [String; 3],
    field: usize,
    error: Option<String>,
    busy: bool,
    /// The support centre's password: no way round this screen but changing it (or quitting).
    first_use: bool,
}

impl PasswordScreen {
    /// Right after signing in with a password the support centre set.
    pub fn first_use() -> PasswordScreen {
        PasswordScreen {
            first_use: true,
            error: Some(text::PASSWORD_FIRST_USE.to_string()),
            ..PasswordScreen::any_time()
        }
    }

    /// F9 from the main screen.
    pub fn any_time() -> PasswordScreen {
        PasswordScreen {
            fields: Default::default(),
            field: 0,
            error: None,
            busy: false,
            first_use: false,
        }
    }

    /// Enter: on to the next field, and from the last one the change is asked for.
    fn submit(&mut self) -> Outcome {
        if self.field < 2 && !self.fields[self.field].is_empty() {
            self.field += 1;
            return Outcome::none();
        }
        if let Some(empty) = self.fields.iter().position(String::is_empty) {
            self.field = empty;
            self.error = Some(text::PASSWORD_FILL_IN.to_string());
            return Outcome::none();
        }
        if self.fields[1] != self.fields[2] {
            self.fields[1].clear();
            self.fields[2].clear();
            self.field = 1;
            self.error = Some(text::PASSWORD_MISMATCH.to_string());
            return Outcome::none();
        }
        if self.fields[1].chars().count() < MIN_CHARS {
            self.fields[2].clear();
            self.field = 1;
            self.error = Some(text::PASSWORD_TOO_SHORT.to_string());
            return Outcome::none();
        }
        self.busy = true;
        self.error = None;
        let [current, new, again] = &mut self.fields;
        again.clear();
        Outcome::effect(Effect::ChangePassword {
            current: std::mem::take(current),
            new: std::mem::take(new),
        })
    }
}

impl Screen for PasswordScreen {
    type Action = FormAction;
    const ID: ScreenId = ScreenId::Password;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<FormAction> {
        form_action(press)
    }

    fn paste(&self, text: &str) -> Vec<FormAction> {
        form_paste(text)
    }

    fn update(&mut self, action: FormAction, _ctx: &mut Context) -> Outcome {
        if self.busy {
            return Outcome::none();
        }
        let field = &mut self.fields[self.field];
        match action {
            FormAction::Field(FieldAction::Type(c)) => {
                field.push(c);
                self.error = None;
            }
            FormAction::Field(FieldAction::Backspace) => {
                field.pop();
            }
            FormAction::Field(FieldAction::Clear) => field.clear(),
            FormAction::Field(FieldAction::Submit) => return self.submit(),
            FormAction::NextField => self.field = (self.field + 1) % 3,
            FormAction::PreviousField => self.field = (self.field + 2) % 3,
            FormAction::Close if self.first_use => {
                self.error = Some(text::PASSWORD_FIRST_USE.to_string());
            }
            FormAction::Close => return Outcome::nav(Nav::Pop),
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        match message {
            Message::PasswordChanged(Ok(())) => {
                ctx.flash = Some(text::PASSWORD_CHANGED.to_string());
                let mut outcome = Outcome::nav(Nav::Pop);
                if self.first_use {
                    // Nothing was served before the change: the first sync now.
                    ctx.status.syncing = true;
                    outcome.effects.push(Effect::Sync);
                }
                Received::Taken(outcome)
            }
            // The periodic sync refused for the same reason: this screen is already up.
            Message::Synced(Err(failure)) if failure.password_change_required => {
                ctx.sync_failed(&failure);
                Received::Taken(Outcome::none())
            }
            Message::PasswordChanged(Err(why)) => {
                self.busy = false;
                self.field = 0;
                self.error = Some(why);
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
        let fields = [
            (text::PASSWORD_CURRENT, masked(&self.fields[0])),
            (text::PASSWORD_NEW, masked(&self.fields[1])),
            (text::PASSWORD_AGAIN, masked(&self.fields[2])),
        ];
        let message = if self.busy {
            Some(text::PASSWORD_BUSY)
        } else {
            self.error.as_deref()
        };
        draw_form(
            frame,
            &Form {
                title: format!(" {} — {} ", text::TITLE, text::PASSWORD_TITLE),
                fields: &fields,
                focus: self.field,
                message,
                hint: if self.first_use {
                    text::PASSWORD_HINT_FIRST_USE
                } else {
                    text::PASSWORD_HINT
                },
            },
            area,
        )
    }
}
