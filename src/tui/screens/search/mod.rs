//! The main screen: the search box, the result list and the detail pane (DESIGN §5.1). Letters
//! always search, from the list or the detail; commands are keys that are not text — function
//! keys, Ctrl- combinations, arrows, Enter, Esc — and ？／, which no name contains, in either
//! width. Its key table also writes the help.

mod draw;
mod keys;

pub use keys::{help, SearchAction, KEYS};

use super::composer::{exported_notice, ComposerScreen};
use super::filters::FilterPanel;
use super::login::Login;
use super::one_line::first_line;
use super::password::PasswordScreen;
use super::slips::SlipsScreen;
use crate::availability::Availability;
use crate::directory::{ContactMethod, Role};
use crate::search::{EntryRef, Filters, Hit, Searcher};
use crate::slip::outbox::OutboxResult;
use crate::tui::context::Context;
use crate::tui::keymap::{lookup, Press};
use crate::tui::message::{Effect, Message, Synced};
use crate::tui::screen::{LayerKind, Nav, Outcome, Received, Screen, ScreenId};
use crate::tui::text;
use crate::tui::widgets::text_field::TextField;
use chrono::NaiveDateTime;
use ratatui::layout::{Position, Rect};
use ratatui::Frame;

pub use draw::{MIN_HEIGHT, MIN_WIDTH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The result list (the caret is always in the search box: letters always search).
    List,
    /// The detail pane (below 100 columns it replaces the list).
    Detail,
}

pub struct Search {
    searcher: Searcher,
    query: TextField,
    hits: Vec<Hit>,
    selected: usize,
    focus: Focus,
    /// Lines the detail pane is scrolled (PgDn), back to 0 when the selection moves.
    detail_scroll: u16,
    filters: Filters,
    /// With no result: the words of the query that find nothing on their own.
    nothing_tokens: Vec<String>,
    /// The last copy: which row, and which of its numbers (the next press copies the next).
    copied: Option<(EntryRef, usize)>,
    /// The clock of the last search: a new minute searches again.
    searched_at: NaiveDateTime,
}

impl Search {
    pub fn new(now: NaiveDateTime) -> Search {
        Search {
            searcher: Searcher::new(),
            query: TextField::default(),
            hits: Vec::new(),
            selected: 0,
            focus: Focus::List,
            detail_scroll: 0,
            filters: Filters::default(),
            nothing_tokens: Vec::new(),
            copied: None,
            searched_at: now,
        }
    }

    pub fn query(&self) -> &str {
        &self.query.value
    }

    pub fn hits(&self) -> &[Hit] {
        &self.hits
    }

    /// Where the caret is in the search box, in characters.
    pub fn caret(&self) -> usize {
        self.query.caret
    }

    pub fn selected(&self) -> usize {
        self.selected
    }

    pub fn focus(&self) -> Focus {
        self.focus
    }

    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    #[cfg(test)]
    pub(crate) fn select(&mut self, row: usize) {
        self.selected = row;
    }

    pub fn selected_hit(&self) -> Option<&Hit> {
        self.hits.get(self.selected)
    }

    fn availability(&self, entry: EntryRef, ctx: &Context) -> Option<Availability> {
        ctx.index.as_ref()?.availability(entry, ctx.now)
    }

    /// Searched again: after a key, a new directory, new filters, a new minute.
    fn refresh(&mut self, ctx: &Context) {
        self.searched_at = ctx.now;
        let Some(index) = ctx.index.clone() else {
            return;
        };
        // Into the last keystroke's vector: its memory is reused (issue 15).
        self.searcher.search_into(
            &index,
            &self.query.value,
            &self.filters,
            ctx.now,
            &mut self.hits,
        );
        self.selected = self.selected.min(self.hits.len().saturating_sub(1));
        // Nothing found: which word is the reason (each alone, without filters).
        self.nothing_tokens = if self.hits.is_empty() {
            self.query
                .value
                .split(|c: char| c.is_whitespace() || c == '\u{3000}')
                .filter(|t| !t.is_empty())
                .filter(|t| index.search(t, &Filters::default(), ctx.now).is_empty())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
    }

    /// A search from the top of a new result.
    fn search_from_top(&mut self, ctx: &Context) {
        self.selected = 0;
        self.detail_scroll = 0;
        self.refresh(ctx);
    }

    /// Why the list is empty, in the member's words: the words that match nothing and the
    /// filters that are on.
    pub fn why_nothing(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for token in &self.nothing_tokens {
            lines.push(format!("「{token}」{}", text::TOKEN_MATCHES_NOTHING));
        }
        let chips = super::filters::chips(&self.filters);
        if !chips.is_empty() {
            lines.push(format!("{}{}", text::FILTERS_ON, chips.join("・")));
        }
        lines
    }

    /// The selected row's numbers in the order to copy them — a person's in the order of their
    /// preferred methods, then the rest (phone, FAX, email) — each with what it is and whose:
    /// 「FAX 042-702-9263（林内科医院の代表）」.
    fn numbers_to_copy(&self, ctx: &Context) -> Vec<(String, String)> {
        let (Some(index), Some(hit)) = (ctx.index.as_ref(), self.selected_hit()) else {
            return Vec::new();
        };
        let org = index.organization_of(hit.entry);
        let org_name = org.map(|o| o.name.to_string()).unwrap_or_default();
        let (numbers, person) = match hit.entry {
            EntryRef::Person(i) => {
                let p = index.person(i);
                (p.numbers(org), Some(p))
            }
            EntryRef::Organization(_) => (org.map(|o| o.numbers()).unwrap_or_default(), None),
        };
        let mut order: Vec<ContactMethod> = person
            .map(|p| p.contact.preferred_methods.clone())
            .unwrap_or_default();
        for m in ContactMethod::ALL {
            if !order.contains(m) {
                order.push(*m);
            }
        }
        order
            .into_iter()
            .filter_map(|m| {
                let (label, value) = match m {
                    ContactMethod::Phone => (text::PHONE, numbers.phone),
                    ContactMethod::Fax => (text::FAX, numbers.fax),
                    ContactMethod::Email => (text::EMAIL, numbers.email),
                };
                let own = person.and_then(|p| p.own(m));
                let value = value?;
                let whose = match person {
                    Some(p) if own == Some(value) => format!("{}{}", p.name, text::WHOSE_OWN),
                    _ => format!("{org_name}{}", text::WHOSE_MAIN),
                };
                Some((value.to_string(), format!("{label} {value}（{whose}）")))
            })
            .collect()
    }

    /// F4: the next number of the selected row, saying whose it is.
    fn copy(&mut self, ctx: &mut Context) -> Outcome {
        let numbers = self.numbers_to_copy(ctx);
        let Some(entry) = self.selected_hit().map(|h| h.entry) else {
            ctx.flash = Some(text::NOTHING_TO_COPY.to_string());
            return Outcome::none();
        };
        // Pressed again on the same row: the next number (phone → FAX → email, in the
        // doctor's order).
        let next = match self.copied {
            Some((last, i)) if last == entry && !numbers.is_empty() => (i + 1) % numbers.len(),
            _ => 0,
        };
        match numbers.get(next) {
            Some((number, said)) => {
                self.copied = Some((entry, next));
                let more = if numbers.len() > 1 {
                    text::COPY_AGAIN
                } else {
                    ""
                };
                ctx.flash = Some(format!("{said}{}{more}", text::COPIED));
                Outcome::effect(Effect::Copy(number.clone()))
            }
            None => {
                ctx.flash = Some(text::NOTHING_TO_COPY.to_string());
                Outcome::none()
            }
        }
    }

    /// F6 on a doctor: a new slip to them.
    fn compose(&self, ctx: &mut Context) -> Outcome {
        let (Some(index), Some(hit)) = (ctx.index.clone(), self.selected_hit()) else {
            return Outcome::none();
        };
        let person = match hit.entry {
            EntryRef::Person(i) => Some(index.person(i)),
            EntryRef::Organization(_) => None,
        };
        // Anshin Link slips go to doctors (seed §3).
        let Some(person) = person.filter(|p| matches!(p.role, Role::Doctor | Role::Dentist)) else {
            ctx.flash = Some(text::COMPOSE_NEEDS_DOCTOR.to_string());
            return Outcome::none();
        };
        let org = index.organization_of(hit.entry);
        Outcome::nav(Nav::Push(Box::new(ComposerScreen::new(person, org, ctx))))
    }

    /// A finished sync or the cache at start: the new directory searched at once.
    fn synced(&mut self, synced: Synced, ctx: &mut Context) {
        let Synced {
            index,
            synced_at,
            summary,
            online,
        } = synced;
        if summary.is_some() {
            ctx.status.syncing = false;
            ctx.status.error = None;
            say_synced(ctx, summary);
        }
        ctx.set_index(index, synced_at, online);
        self.searcher.reset();
        self.refresh(ctx);
    }

    /// An answer of the outbox that no screen above took (the composer was closed): said in
    /// the status bar.
    fn outbox(&mut self, result: OutboxResult, ctx: &mut Context) -> Outcome {
        let flash = match result {
            OutboxResult::DraftsWaiting(count) => {
                ctx.status.drafts = count;
                return Outcome::none();
            }
            OutboxResult::Exported(Ok(exported)) => {
                let (flash, effects) = exported_notice(&exported, None);
                ctx.flash = Some(flash);
                return Outcome::effects(effects);
            }
            OutboxResult::DraftSaved { result: Ok(()), .. } | OutboxResult::Loaded(_) => {
                return Outcome::none()
            }
            OutboxResult::DraftSaved { result: Err(e), .. } => {
                format!("{}: {e}", text::DRAFT_SAVE_FAILED)
            }
            OutboxResult::Exported(Err(e)) => format!("{}: {e}", text::EXPORT_FAILED),
            OutboxResult::MarkedSent(Ok(_)) => text::MARKED_SENT.to_string(),
            OutboxResult::MarkedSent(Err(e)) => format!("{}: {e}", text::MARK_SENT_FAILED),
            OutboxResult::ChangeFailed(e) => e,
        };
        ctx.flash = Some(flash);
        Outcome::none()
    }
}

use SearchAction as S;

impl Screen for Search {
    type Action = SearchAction;
    const ID: ScreenId = ScreenId::Search;
    const KIND: LayerKind = LayerKind::Opaque;

    fn action_for(&self, press: &Press, _ctx: &Context) -> Option<SearchAction> {
        lookup(&[KEYS], press).or_else(|| press.text().map(S::Type))
    }

    fn paste(&self, text: &str) -> Vec<SearchAction> {
        first_line(text).map(S::Type).collect()
    }

    fn update(&mut self, action: SearchAction, ctx: &mut Context) -> Outcome {
        match action {
            S::Type(c) => {
                self.query.insert(c);
                self.search_from_top(ctx);
            }
            S::Backspace => {
                if self.query.backspace() {
                    self.refresh(ctx);
                }
            }
            S::EditQuery(edit) => {
                self.query.edit(edit);
                self.refresh(ctx);
            }
            S::ScrollDetail(direction) => {
                self.detail_scroll = if direction > 0 {
                    self.detail_scroll.saturating_add(8)
                } else {
                    self.detail_scroll.saturating_sub(8)
                };
            }
            S::ClearFilters => {
                self.filters = Filters::default();
                self.refresh(ctx);
            }
            S::CaretLeft => self.query.left(),
            S::CaretRight => self.query.right(),
            S::FocusQuery => {}
            S::Up => {
                self.selected = self.selected.saturating_sub(1);
                self.detail_scroll = 0;
            }
            S::Down => {
                self.selected = (self.selected + 1).min(self.hits.len().saturating_sub(1));
                self.detail_scroll = 0;
            }
            S::Enter => {
                if !self.hits.is_empty() {
                    self.focus = Focus::Detail;
                }
            }
            // One level up, never a toggle: the detail back to the list; on the list, the
            // query cleared (a second caller).
            S::Back => match self.focus {
                Focus::Detail => self.focus = Focus::List,
                Focus::List => {
                    if !self.query.value.is_empty() {
                        self.query = TextField::default();
                        self.search_from_top(ctx);
                    }
                }
            },
            S::OpenFilters => {
                self.focus = Focus::List;
                return Outcome::nav(Nav::Push(Box::new(FilterPanel::new(self.filters.clone()))));
            }
            S::ToggleReachable => {
                self.filters.reachable_now = !self.filters.reachable_now;
                self.refresh(ctx);
            }
            S::Copy => return self.copy(ctx),
            S::Sync => {
                ctx.status.syncing = true;
                return Outcome::effect(Effect::Sync);
            }
            S::Compose => return self.compose(ctx),
            S::OpenSlips => {
                let (slips, load) = SlipsScreen::open();
                return Outcome::effect(load).and_nav(Nav::Push(Box::new(slips)));
            }
            S::Help => return Outcome::nav(Nav::Push(Box::new(help()))),
            S::ChangePassword => {
                return Outcome::nav(Nav::Push(Box::new(PasswordScreen::any_time())))
            }
            S::OpenListing => return super::listing::open_for(ctx),
            S::Quit => return Outcome::nav(Nav::Quit),
        }
        Outcome::none()
    }

    /// A new minute changes who can be reached and what the next window is: the list is
    /// searched again, the selection kept on the same entry (issue 9: with 「今連絡できる」 on,
    /// people whose window had closed stayed listed until the next key).
    fn tick(&mut self, ctx: &mut Context) -> Outcome {
        use chrono::Timelike;
        let minute = |t: NaiveDateTime| (t.date(), t.hour(), t.minute());
        if minute(ctx.now) != minute(self.searched_at) {
            let selected = self.selected_hit().map(|h| h.entry);
            self.refresh(ctx);
            if let Some(i) = selected.and_then(|e| self.hits.iter().position(|h| h.entry == e)) {
                self.selected = i;
            }
        }
        Outcome::none()
    }

    /// The bottom of the stack: what no screen above took ends here.
    fn receive(&mut self, message: Message, ctx: &mut Context) -> Received {
        let outcome = match message {
            Message::Synced(Ok(synced)) => {
                self.synced(*synced, ctx);
                Outcome::none()
            }
            Message::Synced(Err(failure)) => {
                ctx.sync_failed(&failure);
                if failure.session_expired {
                    Outcome::nav(Nav::Push(Box::new(Login::expired(&failure.message))))
                } else if failure.password_change_required {
                    // Signed in elsewhere (`anshin login` from a script) and never changed.
                    Outcome::nav(Nav::Push(Box::new(PasswordScreen::first_use())))
                } else {
                    Outcome::none()
                }
            }
            Message::SyncUnchanged {
                revision,
                synced_at,
            } => {
                ctx.status.syncing = false;
                ctx.status.error = None;
                ctx.status.online = true;
                ctx.status.synced_at = Some(synced_at);
                let summary = crate::client::sync::SyncOutcome::Unchanged.message(revision);
                say_synced(ctx, Some(summary));
                Outcome::none()
            }
            Message::SyncSkipped => {
                ctx.status.syncing = false;
                Outcome::none()
            }
            Message::FiltersChanged(filters) => {
                self.filters = filters;
                self.refresh(ctx);
                Outcome::none()
            }
            Message::Outbox(result) => self.outbox(result, ctx),
            Message::Listing(crate::tui::message::ListingNews::Delivered(delivery)) => {
                let sent = delivery.sent.len();
                ctx.flash = Some(format!("{}（{sent} 件）", text::LISTING_DELIVERED));
                Outcome::none()
            }
            Message::Listing(_) => Outcome::none(),
            // Answers for a screen that has closed meanwhile (the app takes the account).
            Message::Account(_)
            | Message::Unlocked(_)
            | Message::LoggedIn(_)
            | Message::LoginNeedsCode
            | Message::PasswordChanged(_) => Outcome::none(),
        };
        Received::Taken(outcome)
    }

    fn draw(
        &self,
        frame: &mut Frame,
        area: Rect,
        ctx: &Context,
        focused: bool,
    ) -> Option<Position> {
        draw::draw(frame, self, area, ctx, focused)
    }
}

/// The status bar after a sync: what it found, after the sign-in's notice if one is waiting.
fn say_synced(ctx: &mut Context, summary: Option<String>) {
    ctx.flash = match (ctx.login_notice.take(), summary) {
        (Some(notice), Some(summary)) => Some(format!("{notice}　{summary}")),
        (notice, summary) => notice.or(summary),
    };
}
