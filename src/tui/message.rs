//! What the screens ask of the runtime (`Effect`) and what comes back from background work
//! (`Message`). Below the app and the screens: both only name these types, the runtime acts on
//! them (STYLE: `update` returns effects as values; slow work answers with a message).

use crate::search::{Filters, SearchIndex};
use crate::slip::outbox::{OutboxJob, OutboxResult};
use std::sync::Arc;

/// What an `update` asks the runtime to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    Sync,
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Check a password (and the one-time code, once the server asked for it) for unlocking;
    /// the answer comes back as `Message::Unlocked`.
    CheckUnlock {
        password: String,
        code: Option<String>,
    },
    /// Sign in; the answer comes back as `Message::LoggedIn` (or `Message::LoginNeedsCode`).
    Login {
        server: String,
        login_id: String,
        password: String,
        /// The one-time code of an account with two-factor sign-in.
        code: Option<String>,
    },
    /// Change the member's own password; the answer comes back as `Message::PasswordChanged`.
    ChangePassword {
        current: String,
        new: String,
    },
    /// Listing changes (情報変更届): the answers come back as `Message::Listing`.
    Listing(ListingJob),
    /// Disk work for slips — a draft saved (masked slip only), an export, a send logged, a draft
    /// deleted, the lists read — done in order by the outbox; the answers come back as
    /// `Message::Outbox`.
    Slip(OutboxJob),
}

/// A finished sync (or the cache read at start): the index already built off the event loop,
/// and what to tell the member.
pub struct Synced {
    pub index: Arc<SearchIndex>,
    pub synced_at: crate::directory::Timestamp,
    /// 「同期しました（版 8）」; none for the cache read at start.
    pub summary: Option<String>,
    /// The server answered (false: from the cache, offline).
    pub online: bool,
}

impl std::fmt::Debug for Synced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synced")
            .field("synced_at", &self.synced_at)
            .field("summary", &self.summary)
            .field("online", &self.online)
            .finish_non_exhaustive()
    }
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// 「佐藤 花子（光が丘ケアプランセンター）」 for the title bar.
    pub member: String,
    /// The support centre set the password: it is changed before anything else.
    pub must_change_password: bool,
    /// The server requires two-factor sign-in of this account and it is not set up yet.
    pub two_factor_setup_required: bool,
    /// Failed sign-ins of the account since its previous one.
    pub recent_failures: u32,
    /// The account (its role and organisation, for the listing editor).
    pub account: Option<crate::api::Account>,
}

/// Why a background sync failed, and whether the member must sign in again.
#[derive(Debug)]
pub struct SyncFailure {
    pub message: String,
    pub session_expired: bool,
    /// The support centre's password is still in use: nothing is served until it is changed.
    pub password_change_required: bool,
}

/// Results of background work (and one screen's news for the screens beneath it), offered to
/// the layers front to back until one takes it.
#[derive(Debug)]
pub enum Message {
    Synced(Result<Box<Synced>, SyncFailure>),
    /// A sync found nothing after the revision the index already holds: only the time moves
    /// (no cache load, no new index — at 100 000 people that was ~2 s of CPU and a second
    /// index in memory beside the first, every sync).
    SyncUnchanged {
        revision: u64,
        synced_at: crate::directory::Timestamp,
    },
    /// Who this PC's session belongs to, asked after the first frame (issue 15: the TUI
    /// opens from the cache without waiting for the server).
    Account(crate::api::Account),
    /// A sync was asked for before anyone signed in: nothing was done (the login's success
    /// asks again).
    SyncSkipped,
    Unlocked(crate::client::Unlock),
    /// Signed in, or the Japanese reason it failed.
    LoggedIn(Result<SignedIn, String>),
    /// The password was right; the account signs in with a one-time code too.
    LoginNeedsCode,
    /// The password was changed (this PC keeps a new session), or why not.
    PasswordChanged(Result<(), String>),
    /// The outbox's answer to a slip job.
    Outbox(OutboxResult),
    /// The filter panel changed the filters: the search beneath looks again.
    FiltersChanged(Filters),
    Listing(ListingNews),
}

/// What the listing editor and the centre's review ask of the runtime (DESIGN §7).
#[derive(Debug, Clone, PartialEq)]
pub enum ListingJob {
    /// Into the outbox (on disk first), then sent if the server can be reached.
    File(crate::listing::NewChangeRequest),
    /// The organisation's requests and what waits in the outbox.
    Mine,
    Withdraw(i64),
    /// A refused request the member gives up (its client_ref).
    Drop(String),
    /// The centre's queue of pending requests.
    Queue,
    Approve {
        id: i64,
        resolutions: Vec<crate::listing::Resolution>,
    },
    Reject {
        id: i64,
        reason: String,
    },
}

/// What happened to a filed request.
#[derive(Debug, Clone, PartialEq)]
pub enum Filed {
    Sent(Box<crate::listing::ChangeRequest>),
    /// Offline: in the outbox until the next sync.
    Waiting,
    /// The server refused it (the reason); it stays in the outbox to fix or drop.
    Refused(String),
}

#[derive(Debug)]
pub enum ListingNews {
    Filed(Result<Filed, String>),
    Mine {
        requests: Result<Vec<crate::listing::ChangeRequest>, String>,
        queued: Vec<crate::client::listing::Queued>,
    },
    Queue(Result<Vec<crate::listing::ChangeRequest>, String>),
    /// An approval or rejection: the request as it is now, or why not.
    Reviewed(Result<Box<crate::listing::ChangeRequest>, String>),
    /// A sync delivered requests that waited in the outbox.
    Delivered(crate::client::listing::Delivery),
}
