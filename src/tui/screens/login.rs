//! The login screen (no valid token, or the session expired): server, login ID, password, and
//! — when the server says the account signs in with two factors — the one-time code. The
//! password is kept only while the code is asked for (it goes again with the code), never after.

use super::one_line::{form_action, form_paste, FieldAction, FormAction};
use super::password::PasswordScreen;
use crate::tui::context::Context;
use crate::tui::keymap::Press;
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::form::{draw_form, masked, Form};
use ratatui::layout::{Position, Rect};
use ratatui::Frame;

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub server: String,
    pub login_id: String,
    pub password: String,
    /// The one-time code, once the server asked for it.
    pub code: String,
    /// The server said the password is right and wants the code: a fourth field.
    pub needs_code: bool,
    /// 0 server, 1 login ID, 2 password, 3 code.
    pub field: usize,
    pub error: Option<String>,
    pub busy: bool,
}

impl LoginForm {
    pub fn new(server: &str) -> LoginForm {
        LoginForm {
            server: server.to_string(),
            field: 1,
            ..LoginForm::default()
        }
    }

    fn current(&mut self) -> &mut String {
        match self.field {
            0 => &mut self.server,
            1 => &mut self.login_id,
            2 => &mut self.password,
            _ => &mut self.code,
        }
    }

    fn fields(&self) -> usize {
        if self.needs_code {
            4
        } else {
            3
        }
    }
}

pub struct Login {
    form: LoginForm,
    /// The password just sent, until the answer: back into the form only if the server asks
    /// for the code (it goes again with it), else dropped.
    sent: Option<String>,
}

impl Login {
    pub fn new(server: &str) -> Login {
        Login {
            form: LoginForm::new(server),
            sent: None,
        }
    }

    /// The session ended during a sync: sign in again, told why.
    pub fn expired(why: &str) -> Login {
        let mut form = LoginForm::new("");
        form.error = Some(why.to_string());
        Login { form, sent: None }
    }

    pub fn form(&self) -> &LoginForm {
        &self.form
    }
}

impl Screen for Login {
    type Action = FormAction;
    const ID: ScreenId = ScreenId::Login;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<FormAction> {
        form_action(press)
    }

    fn paste(&self, text: &str) -> Vec<FormAction> {
        form_paste(text)
    }

    fn update(&mut self, action: FormAction, _ctx: &mut Context) -> Outcome {
        let form = &mut self.form;
        if form.busy {
            return Outcome::none();
        }
        match action {
            FormAction::Field(FieldAction::Type(c)) => {
                form.current().push(c);
                form.error = None;
            }
            FormAction::Field(FieldAction::Backspace) => {
                form.current().pop();
                form.error = None;
            }
            FormAction::Field(FieldAction::Clear) => {
                form.current().clear();
                form.error = None;
            }
            FormAction::NextField => form.field = (form.field + 1) % form.fields(),
            FormAction::PreviousField => {
                form.field = (form.field + form.fields() - 1) % form.fields()
            }
            // Nowhere to go back to: signing in, or Ctrl-C.
            FormAction::Close => {}
            FormAction::Field(FieldAction::Submit) => {
                if form.login_id.trim().is_empty() {
                    form.field = 1;
                    form.error = Some(text::LOGIN_NEED_ID.to_string());
                } else if form.password.is_empty() {
                    form.field = 2;
                    form.error = Some(text::LOGIN_NEED_PASSWORD.to_string());
                } else if form.needs_code && form.code.trim().is_empty() {
                    form.field = 3;
                    form.error = Some(text::LOGIN_NEED_CODE.to_string());
                } else {
                    form.busy = true;
                    form.error = None;
                    // The form keeps no copy once the password is sent, unless the code is
                    // being asked for (a wrong code is typed again with the same password).
                    let password = if form.needs_code {
                        form.password.clone()
                    } else {
                        let password = std::mem::take(&mut form.password);
                        self.sent = Some(password.clone());
                        password
                    };
                    return Outcome::effect(Effect::Login {
                        server: form.server.trim().to_string(),
                        login_id: form.login_id.trim().to_string(),
                        password,
                        code: form.needs_code.then(|| std::mem::take(&mut form.code)),
                    });
                }
            }
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        match message {
            Message::LoggedIn(Ok(signed)) => {
                self.form.password.clear();
                self.sent = None;
                if signed.recent_failures > 0 {
                    ctx.login_notice = Some(text::recent_failures(signed.recent_failures));
                }
                ctx.status.member = signed.member;
                if let Some(account) = signed.account {
                    ctx.status.member = ctx.member_label(&account);
                    ctx.account = Some(account);
                }
                ctx.status.error = None;
                if signed.must_change_password {
                    // Nothing is served until the support centre's password is changed.
                    let change = PasswordScreen::first_use();
                    return Received::Taken(Outcome::nav(Nav::Replace(Box::new(change))));
                }
                if signed.two_factor_setup_required {
                    // Enrolment shows a QR code and recovery codes: the terminal command's job.
                    self.form = LoginForm::new("");
                    self.form.error = Some(text::LOGIN_SET_UP_TWO_FACTOR.to_string());
                    return Received::Taken(Outcome::none());
                }
                ctx.status.syncing = true;
                Received::Taken(Outcome::effect(Effect::Sync).and_nav(Nav::Pop))
            }
            Message::LoggedIn(Err(reason)) => {
                self.sent = None;
                self.form.busy = false;
                self.form.error = Some(reason);
                // With the code asked for, a refusal is most often the code: type it again.
                self.form.field = if self.form.needs_code { 3 } else { 2 };
                Received::Taken(Outcome::none())
            }
            Message::LoginNeedsCode => {
                if let Some(password) = self.sent.take() {
                    self.form.password = password;
                }
                self.form.busy = false;
                self.form.needs_code = true;
                self.form.field = 3;
                self.form.error = Some(text::LOGIN_NEED_CODE.to_string());
                Received::Taken(Outcome::none())
            }
            // Expired again while this screen is up: the form starts over, saying why.
            Message::Synced(Err(failure)) if failure.session_expired => {
                ctx.sync_failed(&failure);
                *self = Login::expired(&failure.message);
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
        draw_login(frame, &self.form, area)
    }
}

fn draw_login(frame: &mut Frame, form: &LoginForm, area: Rect) -> Option<Position> {
    let all = [
        (text::LOGIN_SERVER, form.server.clone()),
        (text::LOGIN_ID, form.login_id.clone()),
        (text::LOGIN_PASSWORD, masked(&form.password)),
        (text::LOGIN_CODE, form.code.clone()),
    ];
    let fields = &all[..form.fields()];
    let message = if form.busy {
        Some(text::LOGIN_BUSY)
    } else {
        form.error.as_deref()
    };
    draw_form(
        frame,
        &Form {
            title: format!(" {} — {} ", text::TITLE, text::LOGIN_TITLE),
            fields,
            focus: form.field,
            message,
            hint: text::LOGIN_HINT,
        },
        area,
    )
}
