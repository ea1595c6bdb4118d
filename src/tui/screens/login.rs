//! The login screen (no valid token, or the session expired): server, login ID, password.
//! The password is sent once and not kept.

use crate::tui::context::Context;
use crate::tui::keymap::{bind, lookup, Binding, Help, Key, Press};
use crate::tui::message::{Effect, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::popup::{clear_popup, popup};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub server: String,
    pub login_id: String,
    pub password: String,
    /// 0 server, 1 login ID, 2 password.
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
            _ => &mut self.password,
        }
    }
}

/// What a key does in a one-line field that is sent with Enter: the login form's fields and
/// the lock's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldAction {
    Type(char),
    Backspace,
    /// Ctrl-U / Ctrl-W: the field emptied.
    Clear,
    Submit,
}

const FIELD_KEYS: &[Binding<FieldAction>] = &[
    bind(
        &[Key::Ctrl('u'), Key::Ctrl('w')],
        FieldAction::Clear,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Enter)],
        FieldAction::Submit,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::Backspace)],
        FieldAction::Backspace,
        Help::Hidden,
    ),
];

/// A key in a one-line field: its table, else the character typed.
pub fn field_action(press: &Press) -> Option<FieldAction> {
    lookup(&[FIELD_KEYS], press).or_else(|| press.text().map(FieldAction::Type))
}

/// A paste into a one-line field: the characters of its first line.
pub fn field_paste(text: &str) -> Vec<FieldAction> {
    first_line(text).map(FieldAction::Type).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAction {
    Field(FieldAction),
    NextField,
    PreviousField,
}

const KEYS: &[Binding<LoginAction>] = &[
    bind(
        &[Key::Code(KeyCode::Tab), Key::Code(KeyCode::Down)],
        LoginAction::NextField,
        Help::Hidden,
    ),
    bind(
        &[Key::Code(KeyCode::BackTab), Key::Code(KeyCode::Up)],
        LoginAction::PreviousField,
        Help::Hidden,
    ),
];

pub struct Login {
    form: LoginForm,
}

impl Login {
    pub fn new(server: &str) -> Login {
        Login {
            form: LoginForm::new(server),
        }
    }

    /// The session ended during a sync: sign in again, told why.
    pub fn expired(why: &str) -> Login {
        let mut form = LoginForm::new("");
        form.error = Some(why.to_string());
        Login { form }
    }

    pub fn form(&self) -> &LoginForm {
        &self.form
    }
}

impl Screen for Login {
    type Action = LoginAction;
    const ID: ScreenId = ScreenId::Login;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<LoginAction> {
        lookup(&[KEYS], press).or_else(|| field_action(press).map(LoginAction::Field))
    }

    fn paste(&self, text: &str) -> Vec<LoginAction> {
        field_paste(text)
            .into_iter()
            .map(LoginAction::Field)
            .collect()
    }

    fn update(&mut self, action: LoginAction, _ctx: &mut Context) -> Outcome {
        let form = &mut self.form;
        if form.busy {
            return Outcome::none();
        }
        match action {
            LoginAction::Field(FieldAction::Type(c)) => {
                form.current().push(c);
                form.error = None;
            }
            LoginAction::Field(FieldAction::Backspace) => {
                form.current().pop();
                form.error = None;
            }
            LoginAction::Field(FieldAction::Clear) => {
                form.current().clear();
                form.error = None;
            }
            LoginAction::NextField => form.field = (form.field + 1) % 3,
            LoginAction::PreviousField => form.field = (form.field + 2) % 3,
            LoginAction::Field(FieldAction::Submit) => {
                if form.login_id.trim().is_empty() {
                    form.field = 1;
                    form.error = Some(text::LOGIN_NEED_ID.to_string());
                } else if form.password.is_empty() {
                    form.field = 2;
                    form.error = Some(text::LOGIN_NEED_PASSWORD.to_string());
                } else {
                    form.busy = true;
                    form.error = None;
                    return Outcome::effect(Effect::Login {
                        server: form.server.trim().to_string(),
                        login_id: form.login_id.trim().to_string(),
                        // The form keeps no copy of the password once it is sent.
                        password: std::mem::take(&mut form.password),
                    });
                }
            }
        }
        Outcome::none()
    }

    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        match message {
            Message::LoggedIn(Ok(member)) => {
                ctx.status.member = member;
                ctx.status.error = None;
                ctx.status.syncing = true;
                Received::Taken(Outcome::effect(Effect::Sync).and_nav(Nav::Pop))
            }
            Message::LoggedIn(Err(reason)) => {
                self.form.busy = false;
                self.form.error = Some(reason);
                self.form.field = 2;
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

/// A paste into a one-line field: its first line, without control characters.
pub fn first_line(text: &str) -> impl Iterator<Item = char> + '_ {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
}

fn draw_login(frame: &mut Frame, form: &LoginForm, area: Rect) -> Option<Position> {
    let rect = popup(area, 72, 10);
    let block = Block::bordered().title(format!(" {} — {} ", text::TITLE, text::LOGIN_TITLE));
    let inner = block.inner(rect);
    let masked = "*".repeat(form.password.chars().count());
    let fields = [
        (text::LOGIN_SERVER, form.server.as_str()),
        (text::LOGIN_ID, form.login_id.as_str()),
        (text::LOGIN_PASSWORD, masked.as_str()),
    ];
    let mut lines: Vec<Line> = Vec::new();
    for (i, (label, value)) in fields.iter().enumerate() {
        let pad = 12usize.saturating_sub(Span::raw(*label).width());
        let label = Span::raw(format!("{label}{}", " ".repeat(pad)));
        let label = if i == form.field {
            label.add_modifier(Modifier::BOLD | Modifier::REVERSED)
        } else {
            label
        };
        lines.push(Line::from(vec![
            label,
            Span::raw(" "),
            Span::raw(value.to_string()),
        ]));
    }
    lines.push(Line::from(""));
    if form.busy {
        lines.push(Line::from(text::LOGIN_BUSY));
    } else if let Some(error) = &form.error {
        lines.push(Line::from(
            Span::raw(error.clone()).add_modifier(Modifier::BOLD),
        ));
    }
    lines.push(Line::from(
        Span::raw(text::LOGIN_HINT).add_modifier(Modifier::DIM),
    ));
    clear_popup(frame, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
    // The caret at the end of the field being typed in (IME composes there).
    let value = fields[form.field.min(2)].1;
    let x = inner
        .x
        .saturating_add(13)
        .saturating_add(Span::raw(value).width() as u16);
    let y = inner.y.saturating_add(form.field as u16);
    (x < inner.right() && y < inner.bottom()).then(|| Position::new(x, y))
}
