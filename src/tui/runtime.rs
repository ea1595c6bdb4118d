//! The TUI's runtime, the one place with I/O (ratatui's event-driven template): terminal
//! events, a one-second tick, the periodic sync and background results merged into one
//! `select!`; each becomes an `Action` or a `Message` for the app, and the app's effects are
//! carried out here. The screen is drawn only when something changed.

use super::app::{Action, App};
use super::message::{Effect, Message, SignedIn, SyncFailure, Synced};
use super::text;
use crate::client::cache::CachedIndex;
use crate::client::config::ClientConfig;
use crate::client::{Client, ClientError};
use crate::slip::outbox::{self, Outbox, OutboxJob};
use futures_util::StreamExt;
use ratatui::crossterm::event::{self, Event, EventStream};
use ratatui::crossterm::ExecutableCommand;
use ratatui::DefaultTerminal;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Runs the TUI until the member quits. `member` is shown in the title bar.
pub async fn run(
    client: Arc<Client>,
    member: String,
    account: Option<crate::api::Account>,
    initial: Option<CachedIndex>,
) -> anyhow::Result<()> {
    let idle = Duration::from_secs(u64::from(client.config.idle_lock_minutes.max(1)) * 60);
    let mut app = App::new(
        member.clone(),
        idle,
        crate::directory::now_in_japan().naive_local(),
    );
    if let Some(directory) = initial {
        // Searched as read (issue 15): the rows shown, the filters, a number and the slip's
        // checks all come from the index's columns or the one record asked for; the whole
        // snapshot is decoded only by a sync that merges a delta.
        app.set_directory(directory, false);
    }
    let account_known = account.is_some();
    if let Some(account) = account {
        app.set_account(account);
    }
    if !member.is_empty() {
        app.set_member(member);
    }
    app.set_stale_after_months(client.config.stale_after_months);
    // One look in the keyring (a D-Bus round trip on a Linux desktop) for both questions.
    let signed_in = client.token().is_ok();
    if !signed_in {
        app.sign_in_first(client.server());
    }
    // Who is signed in is asked after the first frame, never before it: a server that does not
    // answer (a network down without refusing) held the TUI closed for the request's timeout,
    // three times over, while the cache could have answered (issue 15).
    let ask_account = signed_in && !account_known;
    let outbox = client.config.outbox().map_err(|e| e.to_string());
    let last_sent = outbox.as_ref().ok().and_then(Outbox::last_sender);
    app.set_sender(client.config.sender.or_last_sent(last_sent));

    // Raw mode, the alternate screen, and a panic hook that restores the terminal before the
    // earlier hook runs: an office PC's terminal is never left in raw mode.
    let mut terminal = ratatui::try_init()?;
    // A paste arrives as one event (not 400 key presses, some of them Enter).
    let _ = std::io::stdout().execute(event::EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, client, outbox, ask_account).await;
    let _ = std::io::stdout().execute(event::DisableBracketedPaste);
    ratatui::restore();
    result
}

/// What one terminal event means for the app.
fn action_of(event: Event) -> Option<Action> {
    match event {
        Event::Key(key) => Some(Action::Key(key)),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(width, height) => Some(Action::Resize(width, height)),
        // Back from another window: drawn again at the size it has now.
        Event::FocusGained => ratatui::crossterm::terminal::size()
            .ok()
            .map(|(width, height)| Action::Resize(width, height)),
        _ => None,
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    client: Arc<Client>,
    outbox: Result<Outbox, String>,
    ask_account: bool,
) -> anyhow::Result<()> {
    // Replaced when the member signs in to another server from the login screen.
    let shared_client = Arc::new(Mutex::new(client));
    let current = || {
        shared_client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    };
    let (message_tx, mut message_rx) = mpsc::unbounded_channel::<Message>();
    let (jobs, worker) = match outbox {
        Ok(outbox) => {
            let tx = message_tx.clone();
            let (jobs, worker) = outbox::spawn(outbox, move |answer| {
                let _ = tx.send(Message::Outbox(answer));
            });
            (Ok(jobs), Some(worker))
        }
        Err(why) => (Err(why), None),
    };
    if ask_account {
        let client = current();
        let tx = message_tx.clone();
        tokio::spawn(async move {
            // Not answered (offline, expired): the first sync says so.
            if let Ok(account) = client.me().await {
                let _ = tx.send(Message::Account(account));
            }
        });
    }
    // After a crash the status bar tells the member the work is still there.
    if let Ok(jobs) = &jobs {
        let _ = jobs.send(OutboxJob::Count);
    }
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(tick_seconds()));
    let period = Duration::from_secs(u64::from(current().config.sync_interval_minutes.max(1)) * 60);
    let mut sync_timer = tokio::time::interval(period);
    // bench/whole_process.sh times the whole process to its first frame (issue 15).
    let exit_after_first_frame = std::env::var_os("ANSHIN_BENCH_EXIT_AFTER_FIRST_FRAME").is_some();

    loop {
        if app.take_changed() {
            terminal.draw(|f| app.draw(f))?;
            if exit_after_first_frame {
                return Ok(());
            }
        }
        let effects = tokio::select! {
            event = events.next() => {
                let Some(event) = event else {
                    return Ok(()); // the terminal is gone
                };
                let mut effects = action_of(event?).map(|a| app.update(a)).unwrap_or_default();
                // Everything already typed is applied before the next frame: keys that arrive
                // in a burst (a paste where the terminal has no bracketed paste) are not drawn
                // one by one while later ones wait. Read without a waker: polling the stream
                // here (`now_or_never`) would leave it a no-op waker, and crossterm registers one
                // per wait, so the next key would wait for the next tick.
                while event::poll(Duration::ZERO).unwrap_or(false) {
                    let Ok(more) = event::read() else { break };
                    if let Some(action) = action_of(more) {
                        effects.extend(app.update(action));
                    }
                }
                effects
            }
            _ = tick.tick() => {
                app.update(Action::Tick(crate::directory::now_in_japan().naive_local()))
            }
            // The first tick fires at once: the sync on start.
            _ = sync_timer.tick() => app.update(Action::SyncDue),
            Some(message) = message_rx.recv() => app.receive(message),
        };
        let client = current();
        for effect in effects {
            match effect {
                Effect::Quit => {
                    // The last draft is written before the process ends.
                    drop(jobs);
                    if let Some(worker) = worker {
                        let _ = tokio::time::timeout(Duration::from_secs(5), worker).await;
                    }
                    return Ok(());
                }
                Effect::Slip(job) => {
                    // No data folder (or the outbox gone): the job fails where it would have
                    // answered, so the member sees why.
                    let sent = match &jobs {
                        Ok(jobs) => jobs
                            .send(job)
                            .map_err(|e| (e.0, text::EXPORT_FAILED.to_string())),
                        Err(why) => Err((job, why.clone())),
                    };
                    if let Err((job, why)) = sent {
                        let _ = message_tx.send(Message::Outbox(outbox::failed(job, why)));
                    }
                }
                // Not signed in yet: the login screen's success asks again.
                Effect::Sync if client.token().is_err() => {
                    let _ = message_tx.send(Message::SyncSkipped);
                }
                Effect::Sync => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    let held = app.held_revision();
                    tokio::spawn(async move {
                        // Change requests filed offline go before the directory is fetched.
                        if let Some(delivered) = super::jobs::deliver(&client).await {
                            let _ = tx.send(delivered);
                        }
                        let quiet = match held {
                            Some(revision) => client
                                .sync_unchanged(revision)
                                .await
                                .map(|at| at.map(|synced_at| (revision, synced_at))),
                            None => Ok(None),
                        };
                        let message = match quiet {
                            Ok(Some((revision, synced_at))) => Message::SyncUnchanged {
                                revision,
                                synced_at,
                            },
                            Ok(None) => Message::Synced(sync(&client).await),
                            Err(e) => Message::Synced(Err(failure(e))),
                        };
                        let _ = tx.send(message);
                    });
                }
                Effect::Copy(text) => copy_osc52(&text),
                Effect::Listing(job) => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(super::jobs::listing(&client, job).await);
                    });
                }
                Effect::Login {
                    server,
                    login_id,
                    password,
                    code,
                } => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    let shared = shared_client.clone();
                    tokio::spawn(async move {
                        let result = login(
                            client,
                            &server,
                            &login_id,
                            &password,
                            code.as_deref(),
                            &shared,
                        )
                        .await;
                        let message = match result {
                            Err(ClientError::TwoFactorRequired) => Message::LoginNeedsCode,
                            other => Message::LoggedIn(other.map_err(|e| e.to_string())),
                        };
                        let _ = tx.send(message);
                    });
                }
                Effect::ChangePassword { current, new } => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    tokio::spawn(async move {
                        let result = client
                            .change_password(&current, &new)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string());
                        let _ = tx.send(Message::PasswordChanged(result));
                    });
                }
                Effect::CheckUnlock { password, code } => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(Message::Unlocked(client.unlock(password, code).await));
                    });
                }
            }
        }
    }
}

/// A second; a test stretches it (`ANSHIN_TEST_TICK_SECONDS`) to show that keys never wait
/// for the tick.
fn tick_seconds() -> u64 {
    std::env::var("ANSHIN_TEST_TICK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s| *s > 0)
        .unwrap_or(1)
}

/// Why a sync failed, as the screens need it.
fn failure(e: ClientError) -> SyncFailure {
    SyncFailure {
        session_expired: matches!(e, ClientError::SessionExpired | ClientError::NotLoggedIn),
        password_change_required: matches!(e, ClientError::PasswordChangeRequired),
        message: e.to_string(),
    }
}

/// A sync, and the index built here rather than in `receive`: half a second at 100 000 people
/// must not freeze typing.
async fn sync(client: &Client) -> Result<Box<Synced>, SyncFailure> {
    // The sync indexes the directory off the async workers, and that index is the one searched.
    let (directory, outcome) = client.sync().await.map_err(failure)?;
    let summary = outcome.message(directory.index.revision());
    let synced_at = directory.synced_at;
    Ok(Box::new(Synced {
        index: Arc::new(directory.index),
        synced_at,
        summary: Some(summary),
        online: true,
    }))
}

/// Signs in from the login screen, to another server if the member changed the address.
async fn login(
    client: Arc<Client>,
    server: &str,
    login_id: &str,
    password: &str,
    code: Option<&str>,
    shared: &Mutex<Arc<Client>>,
) -> Result<SignedIn, ClientError> {
    let client = if server.is_empty() || server == client.server() {
        client
    } else {
        let config = ClientConfig {
            server_url: server.to_string(),
            ..client.config.clone()
        };
        Arc::new(Client::new(config)?)
    };
    let info = client.login(login_id, password, code).await?;
    *shared.lock().unwrap_or_else(|e| e.into_inner()) = client;
    Ok(SignedIn {
        member: format!("{}（{}）", info.user.display_name, info.user.organization),
        must_change_password: info.user.must_change_password,
        two_factor_setup_required: info.user.two_factor_setup_required,
        recent_failures: info.recent_failures,
        account: Some(info.user),
    })
}

/// OSC 52: the terminal puts the text on the clipboard, also over SSH.
fn copy_osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
