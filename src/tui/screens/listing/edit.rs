//! The listing editor's edits: entering a row, finishing a typed value, removing a person,
//! and the keys of the list of requests (withdraw, drop).

use super::rows::{self, Kind, Row};
use super::{ListingAction, ListingScreen, Mode, L};
use crate::listing::{ChangeRequest, ChangeStatus};
use crate::tui::message::{Effect, ListingJob};
use crate::tui::screen::Outcome;
use crate::tui::text;
use crate::tui::widgets::text_field::TextField;

impl ListingScreen {
    pub(super) fn enter(&mut self) -> Outcome {
        let Some(row) = self.row() else {
            return Outcome::none();
        };
        match &row {
            Row::AddPerson => {
                self.added += 1;
                let (id, person) = rows::new_person(&self.organization_id, self.added);
                self.after.people.insert(id.clone(), person);
                // Onto the new person's name.
                let at = self
                    .rows()
                    .iter()
                    .position(|r| *r == Row::PersonField(id.clone(), "name"));
                self.cursor = at.unwrap_or(self.cursor);
                self.mode = Mode::Text(TextField::new(""));
            }
            Row::Person(_) => self.cursor += 1,
            Row::Organization(field) | Row::PersonField(_, field) => match rows::kind_of(field) {
                Kind::Text => {
                    let value = rows::value_at(&self.after, &row);
                    self.mode = Mode::Text(TextField::new(&rows::to_text(field, value)));
                }
                Kind::Procedures | Kind::Districts => {
                    let ticked: Vec<String> = rows::value_at(&self.after, &row)
                        .as_array()
                        .map(|v| {
                            v.iter()
                                .filter_map(|s| s.as_str().map(String::from))
                                .collect()
                        })
                        .unwrap_or_default();
                    let choices = rows::choices(field, &self.areas)
                        .into_iter()
                        .map(|(code, label)| {
                            let on = ticked.contains(&code);
                            (code, label, on)
                        })
                        .collect();
                    self.mode = Mode::Pick {
                        field,
                        choices,
                        cursor: 0,
                    };
                }
                Kind::Acceptance | Kind::Toggle => self.step(1),
            },
        }
        Outcome::none()
    }

    /// Enter in a text field: the value read back, or the reason it cannot be, staying there.
    pub(super) fn finish_text(&mut self, field: TextField) {
        let Some(row) = self.row() else { return };
        let Some(path) = row.field() else { return };
        match rows::from_text(path, &field.value) {
            Ok(value) => {
                self.set(&row, value);
                self.mode = Mode::Browse;
            }
            Err(why) => {
                self.message = Some(why);
                self.mode = Mode::Text(field);
            }
        }
    }

    pub(super) fn toggle_removal(&mut self) {
        let id = match self.row() {
            Some(Row::Person(id)) | Some(Row::PersonField(id, _)) => id,
            _ => return,
        };
        match self.before.people.get(&id) {
            // Listed: marked by its absence from `after`; the row stays (drawn struck out).
            Some(_) if self.after.people.contains_key(&id) => {
                self.after.people.remove(&id);
            }
            Some(person) => {
                self.after.people.insert(id, person.clone());
            }
            // Added here: simply gone again.
            None => {
                self.after.people.remove(&id);
                self.cursor = self.cursor.min(self.rows().len().saturating_sub(1));
            }
        }
    }

    fn pending_request(&self) -> Option<&ChangeRequest> {
        self.requests
            .get(self.request_cursor.checked_sub(self.queued.len())?)
            .filter(|r| r.status == ChangeStatus::Pending)
    }

    /// Keys in the status list: Delete withdraws a pending request (or drops a refused one),
    /// asking once first.
    pub(super) fn requests_key(&mut self, action: ListingAction) -> Outcome {
        let count = self.queued.len() + self.requests.len();
        match action {
            L::Up => self.request_cursor = self.request_cursor.saturating_sub(1),
            L::Down => self.request_cursor = (self.request_cursor + 1).min(count.saturating_sub(1)),
            L::SwitchPane | L::Back => self.mode = Mode::Browse,
            L::Delete => {
                let job = if let Some(q) = self.queued.get(self.request_cursor) {
                    ListingJob::Drop(q.request.client_ref.clone())
                } else if let Some(r) = self.pending_request() {
                    ListingJob::Withdraw(r.id)
                } else {
                    self.message = Some(text::LISTING_NOTHING_TO_WITHDRAW.to_string());
                    return Outcome::none();
                };
                if !self.confirm_delete {
                    self.confirm_delete = true;
                    self.message = Some(text::LISTING_CONFIRM_WITHDRAW.to_string());
                    return Outcome::none();
                }
                self.confirm_delete = false;
                self.message = None;
                return Outcome::effect(Effect::Listing(job));
            }
            _ => {}
        }
        self.confirm_delete = false;
        Outcome::none()
    }

    /// F4 on a person's windows: the weekly grid, or why they must be edited as text.
    pub(super) fn open_grid(&mut self) {
        let Some(row @ Row::PersonField(_, "contact.windows")) = self.row() else {
            self.message = Some(text::LISTING_GRID_WHERE.to_string());
            return;
        };
        let windows: Vec<crate::directory::ContactWindow> =
            serde_json::from_value(rows::value_at(&self.after, &row).clone()).unwrap_or_default();
        match super::grid::Grid::from_windows(&windows) {
            Ok(grid) => self.mode = Mode::Grid(grid),
            Err(why) => self.message = Some(why.to_string()),
        }
    }
}
