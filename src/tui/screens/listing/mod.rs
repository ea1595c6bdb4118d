//! 「掲載情報の変更」 (DESIGN §7, seed §9): a member edits its own organisation's listing and
//! its people, sees the diff, adds a note and files the change request — offline too (the
//! outbox sends it at the next sync). Below the editor, the organisation's requests and their
//! state. The most frequent change, the acceptance, is the row it opens on: → is 要相談.

mod draw;
mod edit;
mod grid;
mod keys;
pub mod rows;

use crate::client::listing::{new_client_ref, Queued};
use crate::listing::{diff, ChangeRequest, Listing, NewChangeRequest};
use crate::tui::context::Context;
use crate::tui::keymap::{lookup, Press};
use crate::tui::message::{Effect, Filed, ListingJob, ListingNews, Message};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::text_field::{halfwidth, TextField};
use ratatui::layout::{Position, Rect};
use ratatui::Frame;
use rows::{Kind, Row};
use serde_json::Value;

pub use keys::ListingAction;
use keys::ListingAction as L;

/// Where the keys go.
#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Browse,
    /// Typing into the selected field.
    Text(TextField),
    /// A checklist of the fixed choices: (code, label, ticked), the cursor.
    Pick {
        field: &'static str,
        choices: Vec<(String, String, bool)>,
        cursor: usize,
    },
    /// The selected person's windows on the weekly grid.
    Grid(grid::Grid),
    /// The diff and the note, before sending.
    Review(TextField),
    /// Sent; waiting for the answer.
    Sending,
    /// The list of requests has the keys.
    Requests,
}

pub struct ListingScreen {
    organization_id: String,
    organization_name: String,
    base_revision: u64,
    /// The listing as the directory has it, and as the member has edited it.
    before: Listing,
    after: Listing,
    cursor: usize,
    mode: Mode,
    message: Option<String>,
    /// Placeholder ids of people added here.
    added: u32,
    requests: Vec<ChangeRequest>,
    queued: Vec<Queued>,
    /// The selected request in the status list; a Delete asks first.
    request_cursor: usize,
    confirm_delete: bool,
    /// Esc with edits not sent asks once more.
    confirm_leave: bool,
    areas: Vec<crate::directory::Area>,
}

impl ListingScreen {
    /// The editor for the member's organisation as the directory has it now, and the job
    /// that fetches the organisation's requests. None when the organisation is not listed.
    pub fn open(ctx: &Context, organization_id: &str) -> Option<(ListingScreen, Effect)> {
        let index = ctx.index.as_ref()?;
        // From the index: only this organisation's records are decoded.
        let organization = index.organization_by_id(organization_id)?;
        let position = index.organization_position(organization_id)?;
        let people: Vec<_> = index
            .people_of(position)
            .into_iter()
            .map(|i| index.person(i))
            .collect();
        let listing = Listing::new(organization, &people);
        let screen = ListingScreen {
            organization_id: organization_id.to_string(),
            organization_name: organization.name.to_string(),
            base_revision: index.revision(),
            after: listing.clone(),
            before: listing,
            cursor: 0,
            mode: Mode::Browse,
            message: None,
            added: 0,
            requests: Vec::new(),
            queued: Vec::new(),
            request_cursor: 0,
            confirm_delete: false,
            confirm_leave: false,
            areas: index.areas().to_vec(),
        };
        Some((screen, Effect::Listing(ListingJob::Mine)))
    }

    /// The editor's rows; a person marked for removal keeps a struck-out name line (Delete
    /// there keeps them after all).
    fn rows(&self) -> Vec<Row> {
        let mut rows = rows::rows(&self.after);
        let add = rows.pop();
        rows.extend(self.removed().into_iter().map(|id| Row::Person(id.clone())));
        rows.extend(add);
        rows
    }

    fn row(&self) -> Option<Row> {
        self.rows().get(self.cursor).cloned()
    }

    fn changes(&self) -> Vec<crate::listing::FieldChange> {
        diff(&self.before, &self.after)
    }

    fn set(&mut self, row: &Row, value: Value) {
        let record = match row {
            Row::PersonField(id, _) => id.clone(),
            _ => self.organization_id.clone(),
        };
        let Some(field) = row.field() else { return };
        let change = crate::listing::FieldChange {
            record,
            field: field.to_string(),
            old: Value::Null,
            new: value,
        };
        if let Err(why) = self.after.apply(&change) {
            self.message = Some(why);
        }
    }

    /// ← → 1 2 3 and Space on the selected row.
    fn step(&mut self, step: i32) {
        let Some(row) = self.row() else { return };
        let Some(field) = row.field() else { return };
        let current = rows::value_at(&self.after, &row).clone();
        match rows::kind_of(field) {
            Kind::Acceptance => self.set(&row, rows::acceptance_step(&current, step)),
            Kind::Toggle => self.set(&row, Value::Bool(!current.as_bool().unwrap_or(false))),
            _ => {}
        }
    }

    /// People marked for removal, for drawing them struck out.
    fn removed(&self) -> Vec<&String> {
        self.before
            .people
            .keys()
            .filter(|id| !self.after.people.contains_key(*id))
            .collect()
    }

    fn send(&mut self, note: &TextField) -> Outcome {
        let request = NewChangeRequest {
            client_ref: new_client_ref(),
            organization_id: self.organization_id.clone(),
            base_revision: self.base_revision,
            note: note.trimmed().to_string(),
            changes: self.changes(),
        };
        self.mode = Mode::Sending;
        self.message = Some(text::LISTING_SENDING.to_string());
        Outcome::effect(Effect::Listing(ListingJob::File(request)))
    }

    /// The directory moved (an approval synced): with nothing edited, the editor follows it.
    fn follow(&mut self, ctx: &Context) {
        if self.before != self.after || !matches!(self.mode, Mode::Browse | Mode::Requests) {
            return;
        }
        if ctx.status.revision == self.base_revision {
            return;
        }
        if let Some((fresh, _)) = ListingScreen::open(ctx, &self.organization_id) {
            self.before = fresh.before;
            self.after = fresh.after;
            self.base_revision = fresh.base_revision;
        }
    }
}

/// F12 from the main screen: the centre's review for an administrator, else the editor of the
/// member's own organisation.
pub fn open_for(ctx: &mut Context) -> Outcome {
    let Some(account) = ctx.account.clone() else {
        ctx.flash = Some(text::LISTING_ACCOUNT_UNKNOWN.to_string());
        return Outcome::none();
    };
    if account.role == crate::api::AccountRole::Admin {
        let (review, load) = super::review::ReviewScreen::open();
        return Outcome::effect(load).and_nav(Nav::Push(Box::new(review)));
    }
    match ListingScreen::open(ctx, &account.organization) {
        Some((screen, load)) => Outcome::effect(load).and_nav(Nav::Push(Box::new(screen))),
        None => {
            ctx.flash = Some(text::LISTING_NOT_LISTED.to_string());
            Outcome::none()
        }
    }
}

impl Screen for ListingScreen {
    type Action = ListingAction;
    const ID: ScreenId = ScreenId::Listing;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<ListingAction> {
        match &self.mode {
            Mode::Text(_) | Mode::Review(_) => {
                lookup(&[keys::TEXT_KEYS], press).or_else(|| press.text().map(L::Type))
            }
            Mode::Grid(_) => lookup(&[keys::GRID_KEYS], press),
            // The IME's full-width １２３ too.
            _ => lookup(&[keys::KEYS], press).or_else(|| match press.text().map(halfwidth)? {
                c @ '1'..='3' => c.to_digit(10).map(L::Number),
                _ => None,
            }),
        }
    }

    fn paste(&self, text: &str) -> Vec<ListingAction> {
        match self.mode {
            Mode::Text(_) | Mode::Review(_) => {
                super::one_line::first_line(text).map(L::Type).collect()
            }
            _ => Vec::new(),
        }
    }

    fn update(&mut self, action: ListingAction, _ctx: &mut Context) -> Outcome {
        if action != L::Back {
            self.confirm_leave = false;
        }
        let mode = std::mem::replace(&mut self.mode, Mode::Browse);
        match mode {
            Mode::Sending => {
                self.mode = Mode::Sending;
                Outcome::none()
            }
            Mode::Requests => {
                self.mode = Mode::Requests;
                self.requests_key(action)
            }
            Mode::Text(mut field) => {
                match action {
                    L::Enter => {
                        self.finish_text(field);
                        return Outcome::none();
                    }
                    L::Back => {
                        self.message = None;
                        return Outcome::none();
                    }
                    L::Type(c) => field.insert(c),
                    L::Backspace => {
                        field.backspace();
                    }
                    L::EditText(edit) => field.edit(edit),
                    L::Left => field.left(),
                    L::Right => field.right(),
                    _ => {}
                }
                self.mode = Mode::Text(field);
                Outcome::none()
            }
            Mode::Review(mut note) => {
                match action {
                    L::Enter | L::Review => return self.send(&note),
                    L::Back => return Outcome::none(),
                    L::Type(c) => note.insert(c),
                    L::Backspace => {
                        note.backspace();
                    }
                    L::EditText(edit) => note.edit(edit),
                    L::Left => note.left(),
                    L::Right => note.right(),
                    _ => {}
                }
                self.mode = Mode::Review(note);
                Outcome::none()
            }
            Mode::Grid(mut grid) => {
                match action {
                    L::Up => grid.move_by(-1, 0),
                    L::Down => grid.move_by(1, 0),
                    L::Left => grid.move_by(0, -1),
                    L::Right => grid.move_by(0, 1),
                    L::Space => grid.toggle(),
                    L::Enter => {
                        if let Some(row) = self.row() {
                            let windows =
                                serde_json::to_value(grid.windows()).expect("windows serialize");
                            self.set(&row, windows);
                        }
                        return Outcome::none();
                    }
                    L::Back => return Outcome::none(),
                    _ => {}
                }
                self.mode = Mode::Grid(grid);
                Outcome::none()
            }
            Mode::Pick {
                field,
                mut choices,
                mut cursor,
            } => {
                match action {
                    L::Up => cursor = cursor.saturating_sub(1),
                    L::Down => cursor = (cursor + 1).min(choices.len().saturating_sub(1)),
                    L::Space => {
                        if let Some(choice) = choices.get_mut(cursor) {
                            choice.2 = !choice.2;
                        }
                    }
                    L::Enter | L::Back => {
                        let ticked: Vec<Value> = choices
                            .iter()
                            .filter(|c| c.2)
                            .map(|c| Value::String(c.0.clone()))
                            .collect();
                        self.set(&Row::Organization(field), Value::Array(ticked));
                        return Outcome::none();
                    }
                    _ => {}
                }
                self.mode = Mode::Pick {
                    field,
                    choices,
                    cursor,
                };
                Outcome::none()
            }
            Mode::Browse => {
                self.message = None;
                let last = self.rows().len().saturating_sub(1);
                match action {
                    L::Up => self.cursor = self.cursor.saturating_sub(1),
                    L::Down => self.cursor = (self.cursor + 1).min(last),
                    L::NextPerson | L::PreviousPerson => {
                        let windows: Vec<usize> = self
                            .rows()
                            .iter()
                            .enumerate()
                            .filter(|(_, r)| matches!(r, Row::PersonField(_, "contact.windows")))
                            .map(|(i, _)| i)
                            .collect();
                        let next = if action == L::NextPerson {
                            windows.iter().find(|i| **i > self.cursor)
                        } else {
                            windows.iter().rev().find(|i| **i < self.cursor)
                        };
                        if let Some(i) = next {
                            self.cursor = *i;
                        }
                    }
                    L::Left => self.step(-1),
                    L::Right | L::Space => self.step(1),
                    L::Number(n) => {
                        let row = Row::Organization("home_care.accepting");
                        match rows::acceptance_number(n) {
                            Some(value) if self.rows().contains(&row) => self.set(&row, value),
                            _ => self.message = Some(text::LISTING_NO_HOME_CARE.to_string()),
                        }
                    }
                    L::Enter => return self.enter(),
                    L::Grid => self.open_grid(),
                    L::Delete => self.toggle_removal(),
                    L::Review => self.mode = Mode::Review(TextField::default()),
                    L::SwitchPane => {
                        self.mode = Mode::Requests;
                        self.request_cursor = 0;
                    }
                    L::Back if self.before != self.after && !self.confirm_leave => {
                        self.confirm_leave = true;
                        self.message = Some(text::LISTING_CONFIRM_LEAVE.to_string());
                    }
                    L::Back => return Outcome::nav(Nav::Pop),
                    _ => {}
                }
                Outcome::none()
            }
        }
    }

    fn tick(&mut self, ctx: &mut Context) -> Outcome {
        self.follow(ctx);
        Outcome::none()
    }

    fn receive(&mut self, message: Message, _ctx: &mut Context) -> Received {
        let news = match message {
            Message::Listing(news) => news,
            other => return Received::Passed(other),
        };
        let refresh = Outcome::effect(Effect::Listing(ListingJob::Mine));
        match news {
            ListingNews::Filed(result) => {
                self.mode = Mode::Browse;
                let (message, filed) = match result {
                    Ok(Filed::Sent(request)) if request.is_confirmation() => {
                        (text::LISTING_CONFIRMED.to_string(), true)
                    }
                    Ok(Filed::Sent(_)) => (text::LISTING_SENT.to_string(), true),
                    Ok(Filed::Waiting) => (text::LISTING_WAITING.to_string(), true),
                    // Refused, or not even queued: the edits stay here to correct and send.
                    Ok(Filed::Refused(why)) => (format!("{}{why}", text::LISTING_REFUSED), false),
                    Err(why) => (why, false),
                };
                self.message = Some(message);
                if filed {
                    // What was filed is in the request now; the editor starts again from the
                    // listing.
                    self.after = self.before.clone();
                    self.cursor = 0;
                }
                Received::Taken(refresh)
            }
            ListingNews::Mine { requests, queued } => {
                self.queued = queued;
                match requests {
                    Ok(requests) => self.requests = requests,
                    Err(why) if self.message.is_none() => self.message = Some(why),
                    Err(_) => {}
                }
                Received::Taken(Outcome::none())
            }
            ListingNews::Reviewed(result) => {
                // A withdrawal's answer.
                if let Err(why) = result {
                    self.message = Some(why);
                }
                Received::Taken(refresh)
            }
            ListingNews::Delivered(_) => Received::Taken(refresh),
            other => Received::Passed(Message::Listing(other)),
        }
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        _focused: bool,
    ) -> Option<Position> {
        draw::draw(self, frame, area, ctx)
    }
}
