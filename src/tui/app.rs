//! The app: a stack of screens and the routing between them, nothing else (helix's
//! compositor). The precedence of the screens is the order of the stack: a key goes to the top
//! layer; a tick to every layer; a background message front to back until a layer takes it;
//! drawing goes back to front from the last opaque layer, and the caret comes from the top.
//! Two rules belong to no screen: Ctrl-C / Ctrl-Q end the program from anywhere, and the idle
//! lock covers everything after `idle_lock_minutes` without a key.

use super::context::Context;
use super::keymap::Press;
use super::message::{Effect, Message, Synced};
use super::screen::{Layer, Nav, Outcome, Received, ScreenId};
use super::screens::lock::Lock;
use super::screens::login::Login;
use super::screens::search::{Search, MIN_HEIGHT, MIN_WIDTH};
use super::text;
use crate::client::cache::CachedIndex;
use crate::client::config::SenderDefaults;
use chrono::NaiveDateTime;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::sync::Arc;
use std::time::Duration;

/// What reaches the app from the terminal and the clock (the runtime turns crossterm's events
/// into these).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    /// A paste (bracketed paste: one event for the whole text).
    Paste(String),
    /// A second passed, and the time now: the idle lock, autosave, and "reachable now".
    Tick(NaiveDateTime),
    /// The terminal's new size, columns × rows.
    Resize(u16, u16),
    /// The periodic sync is due (and at start).
    SyncDue,
}

pub struct App {
    /// Bottom first; the search is always at the bottom.
    layers: Vec<Box<dyn Layer>>,
    ctx: Context,
    /// Something on screen may have changed since the last draw.
    changed: bool,
}

impl App {
    pub fn new(member: String, idle_limit: Duration, now: NaiveDateTime) -> App {
        App {
            layers: vec![Box::new(Search::new(now))],
            ctx: Context::new(member, idle_limit, now),
            changed: true,
        }
    }

    /// No valid token: the login screen comes first.
    pub fn sign_in_first(&mut self, server: &str) {
        self.layers.push(Box::new(Login::new(server)));
    }

    /// Who is signed in: the title bar names the organisation, F12 opens its listing.
    pub fn set_account(&mut self, account: crate::api::Account) {
        self.ctx.status.member = self.ctx.member_label(&account);
        self.ctx.account = Some(account);
    }

    pub fn set_stale_after_months(&mut self, months: u32) {
        self.ctx.stale_after_months = months;
    }

    /// The title bar's words for who is signed in (the demo says its password there).
    pub fn set_member(&mut self, member: String) {
        self.ctx.status.member = member;
    }

    pub fn set_sender(&mut self, sender: SenderDefaults) {
        self.ctx.sender = sender;
    }

    /// The revision of the directory the screens search, if any.
    pub fn held_revision(&self) -> Option<u64> {
        self.ctx.index.as_ref().map(|i| i.revision())
    }

    pub fn set_directory(&mut self, directory: impl Into<CachedIndex>, online: bool) {
        let directory: CachedIndex = directory.into();
        let synced = Synced {
            synced_at: directory.synced_at,
            index: Arc::new(directory.index),
            summary: None,
            online,
        };
        self.receive(Message::Synced(Ok(Box::new(synced))));
    }

    /// One input; returns what the runtime must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) => self.key(key),
            Action::Paste(text) => {
                self.changed = true;
                match self.layers.last_mut() {
                    Some(top) => match top.paste(&text, &mut self.ctx) {
                        Some(outcome) => self.apply(self.layers.len() - 1, outcome),
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                }
            }
            Action::Tick(now) => self.tick(now),
            Action::Resize(width, height) => {
                self.ctx.size = Some((width, height));
                self.changed = true;
                Vec::new()
            }
            Action::SyncDue => {
                self.ctx.status.syncing = true;
                self.changed = true;
                vec![Effect::Sync]
            }
        }
    }

    /// A background result, front to back until a layer takes it.
    pub fn receive(&mut self, message: Message) -> Vec<Effect> {
        self.changed = true;
        if let Message::Account(account) = message {
            // Late, and someone has signed in on the login screen meanwhile: theirs stands.
            if self.ctx.account.is_none() {
                self.set_account(account);
            }
            return Vec::new();
        }
        self.deliver(self.layers.len(), message)
    }

    /// Whether to draw now; the flag is cleared (the runtime draws only when something changed).
    pub fn take_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let message = Paragraph::new(text::TOO_SMALL).wrap(Wrap { trim: true });
            frame.render_widget(message, area);
            return;
        }
        let base = self
            .layers
            .iter()
            .rposition(|l| l.kind() == super::screen::LayerKind::Opaque)
            .unwrap_or(0);
        let top = self.layers.len().saturating_sub(1);
        let mut caret = None;
        for (i, layer) in self.layers.iter().enumerate().skip(base) {
            caret = layer.draw(frame, area, &self.ctx, i == top);
        }
        if let Some(position) = caret {
            frame.set_cursor_position(position);
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(press) = Press::of(key) else {
            return Vec::new();
        };
        self.changed = true;
        if press.ctrl && matches!(press.code, KeyCode::Char('c') | KeyCode::Char('q')) {
            return self.quit();
        }
        let at = self.layers.len() - 1;
        match self.layers[at].key(&press, &mut self.ctx) {
            Some(outcome) => self.apply(at, outcome),
            None => Vec::new(),
        }
    }

    fn tick(&mut self, now: NaiveDateTime) -> Vec<Effect> {
        use chrono::Timelike;
        let minute = |t: NaiveDateTime| (t.date(), t.hour(), t.minute());
        if minute(now) != minute(self.ctx.now) {
            // Who is reachable, and the grid's hour, change by the minute.
            self.changed = true;
        }
        self.ctx.now = now;
        let mut effects = Vec::new();
        for at in (0..self.layers.len()).rev() {
            let outcome = self.layers[at].tick(&mut self.ctx);
            effects.extend(self.apply(at, outcome));
        }
        let guarded = self
            .layers
            .iter()
            .any(|l| matches!(l.id(), ScreenId::Login | ScreenId::Lock));
        if !guarded && self.ctx.idle_expired() {
            // The help closes under the lock; everything else waits beneath it.
            self.layers.retain(|l| l.id() != ScreenId::Help);
            self.layers.push(Box::new(Lock::default()));
            self.changed = true;
        }
        effects
    }

    /// What the layer at `at` asked for: effects, where to go, news for the layers beneath.
    fn apply(&mut self, at: usize, outcome: Outcome) -> Vec<Effect> {
        let Outcome {
            mut effects,
            nav,
            post,
        } = outcome;
        if !effects.is_empty() || nav.is_some() || !post.is_empty() {
            self.changed = true;
        }
        let mut below = at;
        match nav {
            None => below = at,
            // The bottom (the search) never leaves.
            Some(Nav::Pop) if at > 0 => {
                self.layers.remove(at);
            }
            Some(Nav::Pop) => {}
            // A new screen goes on top of everything (a login asked for beneath a composer
            // still covers it).
            Some(Nav::Push(layer)) => self.layers.push(layer),
            Some(Nav::Replace(layer)) => self.layers[at] = layer,
            Some(Nav::Quit) => effects.extend(self.quit()),
        }
        for message in post {
            effects.extend(self.deliver(below, message));
        }
        effects
    }

    /// Offers `message` to the layers below index `below`, top first.
    fn deliver(&mut self, below: usize, mut message: Message) -> Vec<Effect> {
        for at in (0..below.min(self.layers.len())).rev() {
            match self.layers[at].receive(message, &mut self.ctx) {
                Received::Taken(outcome) => return self.apply(at, outcome),
                Received::Passed(passed) => message = passed,
            }
        }
        Vec::new()
    }

    /// Every layer's last work (the draft saved), then the end.
    fn quit(&mut self) -> Vec<Effect> {
        let mut effects: Vec<Effect> = self
            .layers
            .iter_mut()
            .rev()
            .flat_map(|l| l.closing())
            .collect();
        effects.push(Effect::Quit);
        effects
    }
}

/// For tests inside the crate: which screens are up, and one of them by type.
#[cfg(test)]
impl App {
    pub(crate) fn ctx(&self) -> &Context {
        &self.ctx
    }

    pub(crate) fn ids(&self) -> Vec<ScreenId> {
        self.layers.iter().map(|l| l.id()).collect()
    }

    pub(crate) fn top(&self) -> ScreenId {
        self.layers.last().map_or(ScreenId::Search, |l| l.id())
    }

    pub(crate) fn find<T: 'static>(&self) -> Option<&T> {
        self.layers
            .iter()
            .rev()
            .find_map(|l| l.as_any().downcast_ref::<T>())
    }

    pub(crate) fn find_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.layers
            .iter_mut()
            .rev()
            .find_map(|l| l.as_any_mut().downcast_mut::<T>())
    }

    pub(crate) fn push(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }
}
