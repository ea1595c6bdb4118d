//! What every screen may read (and an update may change): the directory, the clock, the
//! status bar, the sender for new slips, the terminal's size. Kept by the app, handed to each
//! layer; changed only inside `update`, `tick` and `receive`.

use crate::client::config::SenderDefaults;
use crate::search::SearchIndex;
use chrono::NaiveDateTime;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Context {
    /// The directory as searched (none until the cache is read or the first sync ends).
    pub index: Option<Arc<SearchIndex>>,
    /// The time now, from the last tick (`Action::Tick`): the only place the app learns it.
    pub now: NaiveDateTime,
    pub status: Status,
    /// A passing message in the status bar, cleared by the next key.
    pub flash: Option<String>,
    /// Said with the next sync's message (which would otherwise replace it): how many failed
    /// sign-ins the account had since its previous one.
    pub login_notice: Option<String>,
    /// 差出人 for new slips (config `[client.sender]`, else the slip sent last).
    pub sender: SenderDefaults,
    /// The terminal's size from the last `Action::Resize` (the composer moves the caret up and
    /// down by screen lines).
    pub size: Option<(u16, u16)>,
    /// Who is signed in (role and organisation), once the server has said: the listing editor
    /// is the member's own organisation's, the review the centre's.
    pub account: Option<crate::api::Account>,
    /// Listings unconfirmed this long are marked (config `stale_after_months`).
    pub stale_after_months: u32,
    last_input: Instant,
    idle_limit: Duration,
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

impl Context {
    pub fn new(member: String, idle_limit: Duration, now: NaiveDateTime) -> Context {
        Context {
            index: None,
            now,
            status: Status {
                member,
                ..Status::default()
            },
            flash: None,
            login_notice: None,
            sender: SenderDefaults::default(),
            size: None,
            account: None,
            stale_after_months: 12,
            last_input: Instant::now(),
            idle_limit,
        }
    }

    /// A key or a paste was acted on: the idle lock starts counting again, and the passing
    /// message gives way (except where `keeps_flash`: typing the lock's password).
    pub fn input_seen(&mut self, keeps_flash: bool) {
        self.last_input = Instant::now();
        if !keeps_flash {
            self.flash = None;
        }
    }

    /// Unlocked: the idle time starts again.
    pub fn restart_idle(&mut self) {
        self.last_input = Instant::now();
    }

    /// No key for as long as the idle lock allows (config `idle_lock_minutes`).
    pub fn idle_expired(&self) -> bool {
        self.last_input.elapsed() >= self.idle_limit
    }

    /// A new directory (its index already built).
    pub fn set_index(
        &mut self,
        index: Arc<SearchIndex>,
        synced_at: crate::directory::Timestamp,
        online: bool,
    ) {
        self.status.online = online;
        self.status.synced_at = Some(synced_at);
        self.status.revision = index.revision();
        self.index = Some(index);
    }

    /// A sync that failed: said in the status bar, shown as offline.
    pub fn sync_failed(&mut self, failure: &super::message::SyncFailure) {
        self.status.syncing = false;
        self.status.online = false;
        self.status.error = Some(failure.message.clone());
    }

    /// 「佐藤 花子（橋本あさひ歯科）」: the organisation by its name when the directory has it.
    pub fn member_label(&self, account: &crate::api::Account) -> String {
        let organization = self
            .index
            .as_ref()
            .and_then(|i| i.organization_by_id(&account.organization))
            .map_or(account.organization.clone(), |o| o.name.to_string());
        format!("{}（{organization}）", account.display_name)
    }

    /// Records by id, for the slip's rules: from the index, decoding only what is found.
    pub fn lookup(&self) -> Option<&dyn crate::directory::Lookup> {
        self.index
            .as_deref()
            .map(|i| i as &dyn crate::directory::Lookup)
    }

    /// The directory's wards and districts (for the filter panel).
    pub fn areas(&self) -> Vec<crate::directory::Area> {
        self.index
            .as_ref()
            .map(|i| i.areas().to_vec())
            .unwrap_or_default()
    }
}
