//! The TUI's state, the actions that change it, and the effects it asks for (STYLE: state,
//! action, update, draw). No I/O here: `update` is a plain function, tested without a terminal.

use super::composer::field::{Edit, TextField};
use super::composer::{Composer, ComposerAction, ComposerRequest};
use super::filter_panel;
use super::slip_jobs::SlipJob;
use super::slips::{SlipsAction, SlipsView};
use super::text;
use crate::availability::Availability;
use crate::client::cache::CachedDirectory;
use crate::client::config::SenderDefaults;
use crate::directory::{Accepting, ContactMethod, OrganizationKind, Procedure, Role};
use crate::search::{EntryRef, Filters, Hit, SearchIndex, Searcher};
use crate::slip::drafts::SavedDraft;
use crate::slip::sent_log::{ExportFormat, SentRecord};
use chrono::NaiveDateTime;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The result list (the caret is always in the search box: letters always search).
    List,
    /// The detail pane (below 100 columns it replaces the list).
    Detail,
    Filters,
}

/// The rows of the filter panel, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterRow {
    Kind,
    Ward,
    District,
    Procedure,
    Accepting,
    Method,
    Reachable,
    Doctors,
}

pub const FILTER_ROWS: [FilterRow; 8] = [
    FilterRow::Kind,
    FilterRow::Ward,
    FilterRow::District,
    FilterRow::Procedure,
    FilterRow::Accepting,
    FilterRow::Method,
    FilterRow::Reachable,
    FilterRow::Doctors,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Type(char),
    Backspace,
    /// Readline edits in the search box (Ctrl-U, Ctrl-W, Home, Delete …).
    EditQuery(Edit),
    /// PgUp/PgDn: the detail pane, by half a screen.
    ScrollDetail(i32),
    /// One key clears every filter.
    ClearFilters,
    /// Letters in the filter panel narrow the row's choices.
    FilterType(char),
    FilterBackspace,
    /// Space: add or remove the choice shown (kind, procedure), else the next value.
    FilterToggle,
    CaretLeft,
    CaretRight,
    FocusQuery,
    Up,
    Down,
    Enter,
    Back,
    OpenFilters,
    FilterLeft,
    FilterRight,
    ToggleReachable,
    Copy,
    Sync,
    Compose,
    Help,
    Quit,
    /// A second passed, and the time now (`tui::run`): the idle lock, autosave, and "reachable
    /// now". The only place the app learns the time.
    Tick(chrono::NaiveDateTime),
    /// Any key while locked goes into the password.
    LockType(char),
    LockBackspace,
    LockSubmit,
    /// Ctrl-U in the lock's password.
    LockClear,
    Resize,
    /// Keys on the login screen.
    LoginType(char),
    LoginBackspace,
    LoginNextField,
    LoginPreviousField,
    LoginSubmit,
    /// Ctrl-U in the login form's field.
    LoginClear,
    /// Keys in the slip composer.
    Composer(ComposerAction),
    /// `d`: drafts and the sent-log.
    OpenSlips,
    Slips(SlipsAction),
}

/// The login screen (no valid token, or the session expired).
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

/// What `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    Sync,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Check a password for unlocking; the result comes back as `Message::Unlocked`.
    CheckUnlock(String),
    /// Sign in; the result comes back as `Message::LoggedIn`.
    Login {
        server: String,
        login_id: String,
        password: String,
    },
    /// Disk work of the composer — save a draft (masked slip only), export and log as sent,
    /// delete a draft, list drafts and the sent-log — done in order off the event loop; results
    /// come back as `Message::DraftSaved`, `Exported`, `SlipsLoaded`, `DraftsWaiting`.
    Slip(SlipJob),
}

/// A slip written out.
#[derive(Debug)]
pub struct Exported {
    pub id: String,
    pub format: ExportFormat,
    pub path: std::path::PathBuf,
    /// The email text or the phone memo (for the clipboard, for reading out).
    pub text: String,
}

/// A finished sync: the index already built off the event loop, and what to tell the member.
pub struct Synced {
    pub index: Arc<SearchIndex>,
    pub synced_at: crate::directory::Timestamp,
    pub summary: String,
}

impl std::fmt::Debug for Synced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synced")
            .field("synced_at", &self.synced_at)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

/// Why a background sync failed, and whether the member must sign in again.
#[derive(Debug)]
pub struct SyncFailure {
    pub message: String,
    pub session_expired: bool,
}

/// Results of background work, posted back into `update`.
#[derive(Debug)]
pub enum Message {
    Synced(Result<Box<Synced>, SyncFailure>),
    Unlocked(bool),
    /// The member's display name, or the Japanese reason it failed.
    LoggedIn(Result<String, String>),
    DraftSaved {
        id: String,
        result: Result<(), String>,
    },
    Exported(Result<Exported, String>),
    /// The send was recorded (the slip's id), or why not.
    MarkedSent(Result<String, String>),
    SlipsLoaded(Result<(Vec<SavedDraft>, Vec<SentRecord>), String>),
    /// A delete or a reply note that could not be written: said, and the lists read again
    /// (the screen had already taken the draft off).
    SlipChangeFailed(String),
    /// Drafts waiting to be finished (after a crash too).
    DraftsWaiting(usize),
}

pub struct App {
    pub index: Option<Arc<SearchIndex>>,
    searcher: Searcher,
    pub query: String,
    /// Caret position in characters.
    pub caret: usize,
    pub hits: Vec<Hit>,
    pub selected: usize,
    pub focus: Focus,
    /// Lines the detail pane is scrolled (PgDn), back to 0 when the selection moves.
    pub detail_scroll: u16,
    pub filters: Filters,
    pub filter_row: usize,
    /// Letters typed in the filter panel's row, and the choice shown in a multi-choice row.
    pub filter_typed: String,
    pub filter_cursor: Option<usize>,
    pub help: bool,
    pub locked: bool,
    pub lock_input: String,
    pub lock_error: Option<&'static str>,
    pub status: Status,
    /// A passing message in the status bar.
    pub flash: Option<String>,
    pub now: NaiveDateTime,
    /// Shown instead of everything else while set.
    pub login: Option<LoginForm>,
    last_input: Instant,
    idle_limit: Duration,
    pub quitting: bool,
    /// The slip being written, if any (drawn instead of the main screen).
    pub composer: Option<Composer>,
    /// Drafts and the sent-log, over the main screen.
    pub slips: Option<SlipsView>,
    /// 差出人 for new slips (config `[client.sender]`).
    pub sender: SenderDefaults,
    /// With no result: the words of the query that find nothing on their own.
    nothing_tokens: Vec<String>,
    /// The last copy: which row, and which of its numbers (the next press copies the next).
    copied: Option<(EntryRef, usize)>,
}

/// What the status bar shows.
#[derive(Debug, Clone, Default)]
pub struct Status {
    pub member: String,
    pub online: bool,
    pub synced_at: Option<crate::directory::Timestamp>,
    pub revision: u64,
    pub syncing: bool,
    pub error: Option<String>,
    /// Drafts waiting to be finished.
    pub drafts: usize,
}

impl App {
    pub fn new(member: String, idle_limit: Duration, now: NaiveDateTime) -> App {
        App {
            index: None,
            searcher: Searcher::new(),
            query: String::new(),
            caret: 0,
            hits: Vec::new(),
            selected: 0,
            focus: Focus::List,
            detail_scroll: 0,
            filters: Filters::default(),
            filter_row: 0,
            filter_typed: String::new(),
            filter_cursor: None,
            help: false,
            locked: false,
            lock_input: String::new(),
            lock_error: None,
            status: Status {
                member,
                ..Status::default()
            },
            flash: None,
            now,
            login: None,
            last_input: Instant::now(),
            idle_limit,
            quitting: false,
            composer: None,
            slips: None,
            sender: SenderDefaults::default(),
            nothing_tokens: Vec::new(),
            copied: None,
        }
    }

    /// A new directory (from the cache or a sync): rebuild the index and search again.
    pub fn set_directory(&mut self, directory: CachedDirectory, online: bool) {
        let synced_at = directory.synced_at;
        let index = Arc::new(SearchIndex::build(directory.snapshot));
        self.set_index(index, synced_at, online);
    }

    /// A directory whose index is built already (after a background sync).
    pub fn set_index(
        &mut self,
        index: Arc<SearchIndex>,
        synced_at: crate::directory::Timestamp,
        online: bool,
    ) {
        self.status.online = online;
        self.status.synced_at = Some(synced_at);
        self.status.revision = index.snapshot().revision;
        self.index = Some(index);
        self.searcher.reset();
        self.refresh();
    }

    /// The directory's wards and districts (for the filter panel).
    pub fn areas(&self) -> Vec<crate::directory::Area> {
        self.index
            .as_ref()
            .map(|i| i.snapshot().areas.clone())
            .unwrap_or_default()
    }

    pub fn selected_hit(&self) -> Option<&Hit> {
        self.hits.get(self.selected)
    }

    pub fn availability(&self, entry: EntryRef) -> Option<Availability> {
        self.index.as_ref()?.availability(entry, self.now)
    }

    fn refresh(&mut self) {
        let Some(index) = self.index.clone() else {
            return;
        };
        self.hits = self
            .searcher
            .search(&index, &self.query, &self.filters, self.now);
        self.selected = self.selected.min(self.hits.len().saturating_sub(1));
        // Nothing found: which word is the reason (each alone, without filters).
        self.nothing_tokens = if self.hits.is_empty() {
            self.query
                .split(|c: char| c.is_whitespace() || c == '\u{3000}')
                .filter(|t| !t.is_empty())
                .filter(|t| index.search(t, &Filters::default(), self.now).is_empty())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
    }

    /// Why the list is empty, in the member's words: the words that match nothing and the
    /// filters that are on.
    pub fn why_nothing(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for token in &self.nothing_tokens {
            lines.push(format!("「{token}」{}", text::TOKEN_MATCHES_NOTHING));
        }
        let chips = chips(&self.filters);
        if !chips.is_empty() {
            lines.push(format!("{}{}", text::FILTERS_ON, chips.join("・")));
        }
        lines
    }

    fn caret_byte(&self) -> usize {
        self.query
            .char_indices()
            .nth(self.caret)
            .map_or(self.query.len(), |(i, _)| i)
    }

    /// The selected row's numbers in the order to copy them — a person's in the order of their
    /// preferred methods, then the rest (phone, FAX, email) — each with what it is and whose:
    /// 「FAX 042-702-9263（林内科医院の代表）」.
    fn numbers_to_copy(&self) -> Vec<(String, String)> {
        let (Some(index), Some(hit)) = (self.index.as_ref(), self.selected_hit()) else {
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
}

/// A new minute changes who can be reached and what the next window is: the list is searched
/// again, the selection kept on the same entry (issue 9: with 「今連絡できる」 on, people whose
/// window had closed stayed listed until the next key).
fn advance_clock(app: &mut App, now: chrono::NaiveDateTime) {
    use chrono::Timelike;
    let minute = |t: chrono::NaiveDateTime| (t.date(), t.hour(), t.minute());
    let changed = minute(now) != minute(app.now);
    app.now = now;
    if changed {
        let selected = app.selected_hit().map(|h| h.entry);
        app.refresh();
        if let Some(i) = selected.and_then(|e| app.hits.iter().position(|h| h.entry == e)) {
            app.selected = i;
        }
    }
}

/// Changes the state for one action; returns what the runtime must do.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    if let Action::Tick(now) = action {
        advance_clock(app, now);
    }
    if !matches!(action, Action::Tick(_) | Action::Resize) {
        app.last_input = Instant::now();
        if !app.locked {
            app.flash = None;
        }
    }
    if action == Action::Quit {
        return quit(app);
    }
    if matches!(action, Action::Tick(_)) && (app.login.is_some() || app.locked) {
        // Behind the login screen or the lock, a draft still gets saved.
        return save_draft_if_changed(app);
    }
    if app.login.is_some() {
        return update_login(app, action);
    }
    if app.locked {
        return update_locked(app, action);
    }
    if app.help && !matches!(action, Action::Tick(_) | Action::Resize) {
        app.help = false;
        return Vec::new();
    }
    match action {
        Action::Tick(_) => {
            if app.last_input.elapsed() >= app.idle_limit {
                app.locked = true;
                app.lock_input.clear();
                app.lock_error = None;
                app.help = false;
            }
            // Autosave: a crash loses at most a second of typing (DESIGN §8).
            return save_draft_if_changed(app);
        }
        Action::Composer(action) => return update_composer(app, action),
        Action::OpenSlips => {
            app.slips = Some(SlipsView::default());
            return vec![Effect::Slip(SlipJob::Load)];
        }
        Action::Slips(action) => return update_slips(app, action),
        Action::Resize => {}
        Action::Type(c) => {
            let at = app.caret_byte();
            app.query.insert(at, c);
            app.caret += 1;
            app.selected = 0;
            app.detail_scroll = 0;
            app.refresh();
        }
        Action::Backspace if app.caret > 0 => {
            app.caret -= 1;
            let at = app.caret_byte();
            app.query.remove(at);
            app.refresh();
        }
        Action::Backspace => {}
        Action::EditQuery(edit) => {
            let mut field = TextField {
                value: std::mem::take(&mut app.query),
                caret: app.caret,
            };
            field.edit(edit);
            (app.query, app.caret) = (field.value, field.caret);
            app.refresh();
        }
        Action::ScrollDetail(direction) => {
            app.detail_scroll = if direction > 0 {
                app.detail_scroll.saturating_add(8)
            } else {
                app.detail_scroll.saturating_sub(8)
            };
        }
        Action::ClearFilters => {
            app.filters = Filters::default();
            app.filter_typed.clear();
            app.filter_cursor = None;
            app.refresh();
        }
        Action::FilterType(_) | Action::FilterBackspace | Action::FilterToggle => {
            filter_edit(app, &action);
            app.refresh();
        }
        Action::CaretLeft => app.caret = app.caret.saturating_sub(1),
        Action::CaretRight => app.caret = (app.caret + 1).min(app.query.chars().count()),
        Action::FocusQuery => {}
        Action::Up | Action::Down if app.focus == Focus::Filters => {
            app.filter_row = if action == Action::Up {
                app.filter_row.saturating_sub(1)
            } else {
                (app.filter_row + 1).min(FILTER_ROWS.len() - 1)
            };
            app.filter_typed.clear();
            app.filter_cursor = None;
        }
        Action::Up => {
            app.selected = app.selected.saturating_sub(1);
            app.detail_scroll = 0;
        }
        Action::Down => {
            app.selected = (app.selected + 1).min(app.hits.len().saturating_sub(1));
            app.detail_scroll = 0;
        }
        Action::Enter => {
            if !app.hits.is_empty() {
                app.focus = Focus::Detail;
            }
        }
        // One level up, never a toggle: the detail or the filters back to the list; on the
        // list, the query cleared (a second caller).
        Action::Back => match app.focus {
            Focus::Detail | Focus::Filters => app.focus = Focus::List,
            Focus::List => {
                if !app.query.is_empty() {
                    app.query.clear();
                    app.caret = 0;
                    app.selected = 0;
                    app.detail_scroll = 0;
                    app.refresh();
                }
            }
        },
        Action::OpenFilters => {
            app.focus = Focus::Filters;
            app.filter_typed.clear();
            app.filter_cursor = None;
        }
        Action::FilterLeft | Action::FilterRight => {
            let forward = action == Action::FilterRight;
            let row = FILTER_ROWS[app.filter_row];
            let areas = app.areas();
            if filter_panel::is_multi(row) || !app.filter_typed.is_empty() {
                // Among the choices the typed letters leave; a single row takes the one shown.
                let list = filter_panel::narrowed(row, &app.filter_typed, &app.filters, &areas);
                let at = app
                    .filter_cursor
                    .and_then(|c| list.iter().position(|i| *i == c));
                let next = match (at, forward) {
                    (None, true) => list.first().copied(),
                    (None, false) => list.last().copied(),
                    (Some(i), true) => list.get((i + 1) % list.len()).copied(),
                    (Some(i), false) => list.get((i + list.len() - 1) % list.len()).copied(),
                };
                app.filter_cursor = next;
                if !filter_panel::is_multi(row) {
                    filter_panel::set(row, &mut app.filters, &areas, next);
                }
            } else {
                cycle_filter(&mut app.filters, row, forward, &areas);
            }
            app.refresh();
        }
        Action::ToggleReachable => {
            app.filters.reachable_now = !app.filters.reachable_now;
            app.refresh();
        }
        Action::Copy => {
            let numbers = app.numbers_to_copy();
            let Some(entry) = app.selected_hit().map(|h| h.entry) else {
                app.flash = Some(text::NOTHING_TO_COPY.to_string());
                return Vec::new();
            };
            // Pressed again on the same row: the next number (phone → FAX → email, in the
            // doctor's order).
            let next = match app.copied {
                Some((last, i)) if last == entry && !numbers.is_empty() => (i + 1) % numbers.len(),
                _ => 0,
            };
            match numbers.get(next) {
                Some((number, said)) => {
                    app.copied = Some((entry, next));
                    let more = if numbers.len() > 1 {
                        text::COPY_AGAIN
                    } else {
                        ""
                    };
                    app.flash = Some(format!("{said}{}{more}", text::COPIED));
                    return vec![Effect::Copy(number.clone())];
                }
                None => app.flash = Some(text::NOTHING_TO_COPY.to_string()),
            }
        }
        Action::Sync => {
            app.status.syncing = true;
            return vec![Effect::Sync];
        }
        Action::Compose => open_composer(app),
        Action::Help => app.help = true,
        Action::Quit => return quit(app),
        Action::LockType(_) | Action::LockBackspace | Action::LockSubmit | Action::LockClear => {}
        Action::LoginType(_)
        | Action::LoginBackspace
        | Action::LoginNextField
        | Action::LoginPreviousField
        | Action::LoginSubmit
        | Action::LoginClear => {}
    }
    Vec::new()
}

fn update_login(app: &mut App, action: Action) -> Vec<Effect> {
    let Some(form) = app.login.as_mut() else {
        return Vec::new();
    };
    match action {
        _ if form.busy => {}
        Action::LoginType(c) => {
            form.current().push(c);
            form.error = None;
        }
        Action::LoginBackspace => {
            form.current().pop();
            form.error = None;
        }
        Action::LoginClear => {
            form.current().clear();
            form.error = None;
        }
        Action::LoginNextField => form.field = (form.field + 1) % 3,
        Action::LoginPreviousField => form.field = (form.field + 2) % 3,
        Action::LoginSubmit => {
            if form.login_id.trim().is_empty() {
                form.field = 1;
                form.error = Some(text::LOGIN_NEED_ID.to_string());
            } else if form.password.is_empty() {
                form.field = 2;
                form.error = Some(text::LOGIN_NEED_PASSWORD.to_string());
            } else {
                form.busy = true;
                form.error = None;
                return vec![Effect::Login {
                    server: form.server.trim().to_string(),
                    login_id: form.login_id.trim().to_string(),
                    // The form keeps no copy of the password once it is sent.
                    password: std::mem::take(&mut form.password),
                }];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn update_locked(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::LockType(c) => app.lock_input.push(c),
        Action::LockBackspace => {
            app.lock_input.pop();
        }
        Action::LockClear => app.lock_input.clear(),
        Action::LockSubmit => {
            let password = std::mem::take(&mut app.lock_input);
            return vec![Effect::CheckUnlock(password)];
        }
        _ => {}
    }
    Vec::new()
}

/// Results of background work; may ask for more.
pub fn receive(app: &mut App, message: Message) -> Vec<Effect> {
    match message {
        Message::Synced(Ok(synced)) => {
            let Synced {
                index,
                synced_at,
                summary,
            } = *synced;
            app.status.syncing = false;
            app.status.error = None;
            app.flash = Some(summary);
            app.set_index(index, synced_at, true);
        }
        Message::Synced(Err(failure)) => {
            app.status.syncing = false;
            app.status.online = false;
            if failure.session_expired {
                let mut form = LoginForm::new("");
                form.error = Some(failure.message.clone());
                app.login = Some(form);
            }
            app.status.error = Some(failure.message);
        }
        Message::LoggedIn(Ok(member)) => {
            app.login = None;
            app.status.member = member;
            app.status.error = None;
            app.status.syncing = true;
            return vec![Effect::Sync];
        }
        Message::LoggedIn(Err(reason)) => {
            if let Some(form) = app.login.as_mut() {
                form.busy = false;
                form.error = Some(reason);
                form.field = 2;
            }
        }
        Message::Unlocked(true) => {
            app.locked = false;
            app.lock_error = None;
            app.last_input = Instant::now();
        }
        Message::Unlocked(false) => app.lock_error = Some(text::LOCK_WRONG),
        Message::DraftSaved { id, result } => {
            if let Some(composer) = app.composer.as_mut().filter(|c| c.id == id) {
                match result {
                    Ok(()) => composer.saved_at = Some(app.now),
                    Err(e) => {
                        // Tried again on the next tick; the member sees why meanwhile.
                        composer.dirty = true;
                        composer.problem = Some(format!("{}: {e}", text::DRAFT_SAVE_FAILED));
                    }
                }
            } else if let Err(e) = result {
                app.flash = Some(format!("{}: {e}", text::DRAFT_SAVE_FAILED));
            }
        }
        Message::Exported(Ok(exported)) => {
            // What was done first, where the file went last (a long path may be cut off).
            let mut done = format!("{}{}", exported.format.label(), text::EXPORTED);
            let mut effects = Vec::new();
            match exported.format {
                ExportFormat::Text => {
                    done.push_str(text::COPIED_TEXT);
                    let address = app.composer.as_ref().and_then(|c| c.to.email.clone());
                    if let Some(address) = address {
                        done.push_str(&format!("（{}{address}）", text::SEND_TO));
                    }
                    done.push_str(text::SEND_THEN_MARK);
                    effects.push(Effect::Copy(exported.text.clone()));
                }
                ExportFormat::Phone => {
                    done.push_str(text::SAVED_DONE);
                    done.push_str(text::CALL_THEN_MARK);
                    if let Some(c) = app.composer.as_mut().filter(|c| c.id == exported.id) {
                        c.popup = Some(exported.text);
                    }
                }
                ExportFormat::Pdf => {
                    done.push_str(text::SAVED_DONE);
                    done.push_str(text::SEND_THEN_MARK);
                }
            }
            let flash = format!("{done}: {}", exported.path.display());
            if let Some(c) = app.composer.as_mut().filter(|c| c.id == exported.id) {
                // Written and kept as a draft until the member says it went out (m).
                c.saved_at = Some(app.now);
                c.problem = None;
                c.notice = Some(flash.clone());
                c.last_export = Some((exported.format, exported.path.clone()));
            }
            app.flash = Some(flash);
            return effects;
        }
        Message::Exported(Err(e)) => {
            composer_job_failed(app, format!("{}: {e}", text::EXPORT_FAILED))
        }
        Message::MarkedSent(Ok(id)) => {
            if app.composer.as_ref().is_some_and(|c| c.id == id) {
                app.composer = None;
            }
            app.flash = Some(text::MARKED_SENT.to_string());
        }
        Message::MarkedSent(Err(e)) => {
            composer_job_failed(app, format!("{}: {e}", text::MARK_SENT_FAILED))
        }
        Message::DraftsWaiting(count) => app.status.drafts = count,
        Message::SlipsLoaded(result) => {
            if let Some(view) = app.slips.as_mut() {
                match result {
                    Ok((drafts, sent)) => {
                        view.drafts = Some(drafts);
                        view.sent = sent;
                    }
                    Err(e) => {
                        // What is on screen stays: a failed read says so, it does not empty
                        // the lists.
                        view.drafts.get_or_insert_with(Vec::new);
                        view.error = Some(e);
                    }
                }
            }
        }
        Message::SlipChangeFailed(e) => match app.slips.as_mut() {
            Some(view) => {
                view.error = Some(e);
                return vec![Effect::Slip(SlipJob::Load)];
            }
            None => app.flash = Some(e),
        },
    }
    Vec::new()
}

/// An export or a send that failed: the composer says why and keeps the slip as a draft
/// (saved again on the next tick); with the composer closed, the status bar says it.
fn composer_job_failed(app: &mut App, message: String) {
    match app.composer.as_mut() {
        Some(c) => {
            c.problem = Some(message);
            c.dirty = true;
        }
        None => app.flash = Some(message),
    }
}

/// F6 on a person: a new slip to them.
fn open_composer(app: &mut App) {
    let (Some(index), Some(hit)) = (app.index.clone(), app.selected_hit()) else {
        return;
    };
    let person = match hit.entry {
        EntryRef::Person(i) => Some(index.person(i)),
        EntryRef::Organization(_) => None,
    };
    // Anshin Link slips go to doctors (seed §3).
    let Some(person) = person.filter(|p| matches!(p.role, Role::Doctor | Role::Dentist)) else {
        app.flash = Some(text::COMPOSE_NEEDS_DOCTOR.to_string());
        return;
    };
    let org = index.organization_of(hit.entry);
    let mut composer = Composer::new(person, org, &app.sender, app.now);
    composer.refresh(Some(index.snapshot()), app.now);
    app.composer = Some(composer);
}

/// Quitting saves what was typed last first.
fn quit(app: &mut App) -> Vec<Effect> {
    app.quitting = true;
    let mut effects = save_draft_if_changed(app);
    effects.push(Effect::Quit);
    effects
}

fn save_draft_if_changed(app: &mut App) -> Vec<Effect> {
    match app.composer.as_mut() {
        Some(c) if c.dirty => {
            c.dirty = false;
            vec![Effect::Slip(SlipJob::Save {
                id: c.id.clone(),
                slip: Box::new(c.slip()),
            })]
        }
        _ => Vec::new(),
    }
}

fn update_composer(app: &mut App, action: ComposerAction) -> Vec<Effect> {
    let Some(composer) = app.composer.as_mut() else {
        return Vec::new();
    };
    let request = composer.update(action);
    composer.refresh(app.index.as_ref().map(|i| i.snapshot()), app.now);
    match request {
        None => Vec::new(),
        Some(ComposerRequest::SaveDraft) => {
            composer.dirty = true;
            save_draft_if_changed(app)
        }
        Some(ComposerRequest::Export(format)) => {
            // The file is written and the slip saved with it (the worker does both).
            composer.dirty = false;
            vec![Effect::Slip(SlipJob::Export {
                id: composer.id.clone(),
                slip: Box::new(composer.slip()),
                format,
            })]
        }
        Some(ComposerRequest::MarkSent(format, file)) => {
            // Logged once; the worker removes the draft and the composer closes on its answer.
            composer.dirty = false;
            vec![Effect::Slip(SlipJob::MarkSent {
                id: composer.id.clone(),
                slip: Box::new(composer.slip()),
                format,
                file,
            })]
        }
        Some(ComposerRequest::Close) => {
            let kept = composer.dirty || composer.saved_at.is_some();
            let effects = save_draft_if_changed(app);
            app.composer = None;
            if kept {
                app.flash = Some(text::DRAFT_KEPT.to_string());
            }
            effects
        }
    }
}

fn update_slips(app: &mut App, action: SlipsAction) -> Vec<Effect> {
    let Some(view) = app.slips.as_mut() else {
        return Vec::new();
    };
    match action {
        SlipsAction::Close => app.slips = None,
        SlipsAction::Up => view.move_selection(false),
        SlipsAction::Down => view.move_selection(true),
        SlipsAction::Open => {
            let Some(draft) = view.selected_draft() else {
                return Vec::new();
            };
            match &draft.slip {
                Ok(slip) => {
                    let snapshot = app.index.as_ref().map(|i| i.snapshot());
                    let mut composer = Composer::from_draft(&draft.id, slip, snapshot);
                    composer.saved_at = draft.saved_at;
                    composer.refresh(snapshot, app.now);
                    app.composer = Some(composer);
                    app.slips = None;
                }
                Err(why) => view.error = Some(format!("{} {why}", text::SLIPS_CANNOT_OPEN)),
            }
        }
        SlipsAction::Reply => match view.selected_sent() {
            Some(record) => {
                view.reply = Some(super::slips::ReplyForm {
                    id: record.id.clone(),
                    text: String::new(),
                });
                view.error = None;
            }
            None => view.error = Some(text::REPLY_NEEDS_SENT.to_string()),
        },
        SlipsAction::ReplyType(c) => {
            if let Some(form) = view.reply.as_mut() {
                form.text.push(c);
                view.error = None;
            }
        }
        SlipsAction::ReplyPaste(pasted) => {
            if let Some(form) = view.reply.as_mut() {
                form.text.extend(pasted.chars().filter(|c| !c.is_control()));
            }
        }
        SlipsAction::ReplyBackspace => {
            if let Some(form) = view.reply.as_mut() {
                form.text.pop();
                view.error = None;
            }
        }
        SlipsAction::ReplyCancel => view.reply = None,
        SlipsAction::ReplySave => {
            let Some(form) = view.reply.take() else {
                return Vec::new();
            };
            match reply_of(&form.text, app.now.date()) {
                Ok(reply) => {
                    return vec![Effect::Slip(SlipJob::Reply { id: form.id, reply })];
                }
                Err(why) => {
                    view.error = Some(why.to_string());
                    view.reply = Some(form);
                }
            }
        }
        SlipsAction::Delete => {
            let Some(id) = view.selected_draft().map(|d| d.id.clone()) else {
                return Vec::new();
            };
            if view.confirm_delete.as_deref() != Some(id.as_str()) {
                view.confirm_delete = Some(id);
                return Vec::new();
            }
            view.confirm_delete = None;
            if let Some(drafts) = view.drafts.as_mut() {
                drafts.retain(|d| d.id != id);
            }
            view.move_selection(false);
            app.flash = Some(text::SLIPS_DELETED.to_string());
            return vec![Effect::Slip(SlipJob::Delete(id))];
        }
    }
    Vec::new()
}

/// 「了承、11/28 に決定」 (today's reply) or 「11/27 了承」 (a reply on that day): a few words,
/// checked for personal information like a slip (the sent-log holds no patient data).
fn reply_of(
    typed: &str,
    today: chrono::NaiveDate,
) -> Result<crate::slip::sent_log::Reply, &'static str> {
    let typed = typed.trim();
    let (date, outcome) = match typed.split_once(char::is_whitespace) {
        Some((first, rest)) => match crate::slip::dates::parse_any(first, today) {
            Ok(Some(date)) if date <= today => (date, rest.trim()),
            _ => (today, typed),
        },
        None => (today, typed),
    };
    let options = crate::slip::detect::DetectOptions {
        current_year: chrono::Datelike::year(&today),
        ..Default::default()
    };
    if !crate::slip::detect::detect(outcome, &options).is_empty() {
        return Err(text::REPLY_HAS_PERSONAL_INFO);
    }
    Ok(crate::slip::sent_log::Reply {
        date,
        outcome: outcome.chars().take(60).collect(),
    })
}

/// Letters, Backspace and Space in the filter panel (see `filter_panel`).
fn filter_edit(app: &mut App, action: &Action) {
    let row = FILTER_ROWS[app.filter_row];
    let areas = app.areas();
    match action {
        Action::FilterType(c) => app.filter_typed.push(*c),
        Action::FilterBackspace => {
            app.filter_typed.pop();
        }
        _ => {}
    }
    if matches!(row, FilterRow::Reachable | FilterRow::Doctors) {
        if *action == Action::FilterToggle {
            cycle_filter(&mut app.filters, row, true, &areas);
        }
        app.filter_typed.clear();
        return;
    }
    if *action == Action::FilterToggle {
        if filter_panel::is_multi(row) {
            let cursor = app.filter_cursor.or_else(|| {
                filter_panel::narrowed(row, &app.filter_typed, &app.filters, &areas)
                    .first()
                    .copied()
            });
            if let Some(c) = cursor {
                filter_panel::toggle(row, &mut app.filters, c);
                app.filter_cursor = Some(c);
            }
        } else {
            cycle_filter(&mut app.filters, row, true, &areas);
        }
        return;
    }
    // Typed: the first choice that matches is shown (and taken, in a single row).
    if app.filter_typed.is_empty() {
        return;
    }
    let first = filter_panel::narrowed(row, &app.filter_typed, &app.filters, &areas)
        .first()
        .copied();
    if first.is_some() {
        app.filter_cursor = first;
        if !filter_panel::is_multi(row) {
            filter_panel::set(row, &mut app.filters, &areas, first);
        }
    }
}

/// The next (or previous) value after `current`; None ("all") sits before the first value.
fn cycle<T: Clone + PartialEq>(current: Option<&T>, values: &[T], forward: bool) -> Option<T> {
    let position = current.and_then(|c| values.iter().position(|v| v == c));
    let next = match (position, forward) {
        (None, true) => Some(0),
        (None, false) => values.len().checked_sub(1),
        (Some(i), true) => (i + 1 < values.len()).then_some(i + 1),
        (Some(i), false) => i.checked_sub(1),
    };
    next.map(|i| values[i].clone())
}

fn cycle_filter(
    filters: &mut Filters,
    row: FilterRow,
    forward: bool,
    areas: &[crate::directory::Area],
) {
    match row {
        FilterRow::Kind => {
            let next = cycle(filters.kinds.first(), OrganizationKind::ALL, forward);
            filters.kinds = next.into_iter().collect();
        }
        FilterRow::Ward => {
            let wards: Vec<String> = areas.iter().map(|a| a.ward.clone()).collect();
            filters.ward = cycle(filters.ward.as_ref(), &wards, forward);
            filters.district = None;
        }
        FilterRow::District => {
            let districts: Vec<String> = areas
                .iter()
                .filter(|a| filters.ward.as_ref().is_none_or(|w| *w == a.ward))
                .flat_map(|a| a.districts.clone())
                .collect();
            filters.district = cycle(filters.district.as_ref(), &districts, forward);
        }
        FilterRow::Procedure => {
            let next = cycle(filters.procedures.first(), Procedure::ALL, forward);
            filters.procedures = next.into_iter().collect();
        }
        FilterRow::Accepting => {
            filters.accepting = cycle(filters.accepting.as_ref(), Accepting::ALL, forward)
        }
        FilterRow::Method => {
            filters.method = cycle(filters.method.as_ref(), ContactMethod::ALL, forward)
        }
        FilterRow::Reachable => filters.reachable_now = !filters.reachable_now,
        FilterRow::Doctors => filters.doctors_only = !filters.doctors_only,
    }
}

/// The value a filter row shows.
pub fn filter_value(filters: &Filters, row: FilterRow) -> String {
    let any = || text::ANY.to_string();
    match row {
        FilterRow::Kind if filters.kinds.is_empty() => any(),
        FilterRow::Kind => filters
            .kinds
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("・"),
        FilterRow::Ward => filters.ward.clone().unwrap_or_else(any),
        FilterRow::District => filters.district.clone().unwrap_or_else(any),
        FilterRow::Procedure if filters.procedures.is_empty() => any(),
        FilterRow::Procedure => filters
            .procedures
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join("・"),
        FilterRow::Accepting => filters
            .accepting
            .map_or_else(any, |a| a.label().to_string()),
        FilterRow::Method => filters.method.map_or_else(any, |m| m.label().to_string()),
        FilterRow::Reachable => if filters.reachable_now {
            text::ON
        } else {
            text::OFF
        }
        .to_string(),
        FilterRow::Doctors => if filters.doctors_only {
            text::ON
        } else {
            text::OFF
        }
        .to_string(),
    }
}

pub fn filter_label(row: FilterRow) -> &'static str {
    match row {
        FilterRow::Kind => text::FILTER_KIND,
        FilterRow::Ward => text::FILTER_WARD,
        FilterRow::District => text::FILTER_DISTRICT,
        FilterRow::Procedure => text::FILTER_PROCEDURE,
        FilterRow::Accepting => text::FILTER_ACCEPTING,
        FilterRow::Method => text::FILTER_METHOD,
        FilterRow::Reachable => text::FILTER_REACHABLE,
        FilterRow::Doctors => text::FILTER_DOCTORS,
    }
}

/// Active filters as chips under the query box.
pub fn chips(filters: &Filters) -> Vec<String> {
    FILTER_ROWS
        .iter()
        .filter(|row| match row {
            FilterRow::Kind => !filters.kinds.is_empty(),
            FilterRow::Ward => filters.ward.is_some(),
            FilterRow::District => filters.district.is_some(),
            FilterRow::Procedure => !filters.procedures.is_empty(),
            FilterRow::Accepting => filters.accepting.is_some(),
            FilterRow::Method => filters.method.is_some(),
            FilterRow::Reachable => filters.reachable_now,
            FilterRow::Doctors => filters.doctors_only,
        })
        .map(|row| match row {
            FilterRow::Reachable => text::REACHABLE_CHIP.to_string(),
            FilterRow::Doctors => text::DOCTORS_CHIP.to_string(),
            _ => format!("{}: {}", filter_label(*row), filter_value(filters, *row)),
        })
        .collect()
}
