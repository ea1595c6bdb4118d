//! The TUI (DESIGN §5.2): keyboard-first lookup during phone calls. The runtime merges terminal
//! input, a one-second tick, the periodic sync and background results into one loop, and
//! redraws only when something changed (ratatui's event-driven template).

pub mod app;
pub mod composer;
pub mod draw;
pub mod filter_panel;
pub mod keys;
pub mod slip_jobs;
pub mod slips;
pub mod text;

use crate::client::config::ClientConfig;
use crate::client::{Client, ClientError};
use crate::search::SearchIndex;
use app::{receive, update, Action, App, Effect, LoginForm, Message, SyncFailure, Synced};
use ratatui::crossterm::event::{self, Event};
use ratatui::crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::crossterm::ExecutableCommand;
use std::io::Write;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::mpsc;

/// What unlocks the idle lock: an argon2id hash of the member's password, kept in the
/// credential store (never the password), so unlocking works offline.
pub fn unlock_account(server: &str) -> String {
    format!("unlock:{server}")
}

pub fn make_verifier(password: &str) -> Option<String> {
    use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}

pub fn check_verifier(password: &str, verifier: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(verifier)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

fn restore_terminal() {
    let _ = std::io::stdout().execute(event::DisableBracketedPaste);
    let _ = disable_raw_mode();
    let _ = std::io::stdout().execute(LeaveAlternateScreen);
    let _ = std::io::stdout().execute(ratatui::crossterm::cursor::Show);
}

/// Runs the TUI until the member quits. `member` is shown in the title bar.
pub async fn run(
    client: Arc<Client>,
    member: String,
    initial: Option<crate::client::cache::CachedDirectory>,
) -> anyhow::Result<()> {
    let idle = Duration::from_secs(u64::from(client.config.idle_lock_minutes.max(1)) * 60);
    let mut app = App::new(member, idle, crate::directory::now_in_japan().naive_local());
    if let Some(directory) = initial {
        app.set_directory(directory, false);
    }
    if client.token().is_err() {
        app.login = Some(LoginForm::new(client.server()));
    }
    let places = slip_jobs::SlipPlaces::from_config(&client.config);
    app.sender = match &places {
        Ok(places) => places.sender(&client.config.sender),
        Err(_) => client.config.sender.clone(),
    };

    // A panic must not leave the office PC's terminal in raw mode.
    let panic_guard = PanicGuard::install();
    enable_raw_mode()?;
    std::io::stdout().execute(EnterAlternateScreen)?;
    // A paste arrives as one event (not 400 key presses, some of them Enter).
    let _ = std::io::stdout().execute(event::EnableBracketedPaste);
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    let result = event_loop(
        &mut terminal,
        &mut app,
        Arc::new(Mutex::new(client)),
        places,
    )
    .await;
    restore_terminal();
    drop(panic_guard);
    result
}

type PanicHook = dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync + 'static;

/// While it lives, a panic restores the terminal before the earlier hook runs; dropped, the
/// earlier hook is back as it was (issue 9: the hook was taken and thrown away at the end, so a
/// later panic lost whatever hook the program had set).
struct PanicGuard {
    previous: Arc<PanicHook>,
}

impl PanicGuard {
    fn install() -> PanicGuard {
        let previous: Arc<PanicHook> = Arc::from(std::panic::take_hook());
        let earlier = previous.clone();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            earlier(info);
        }));
        PanicGuard { previous }
    }
}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        let previous = self.previous.clone();
        std::panic::set_hook(Box::new(move |info| previous(info)));
    }
}

enum Input {
    Key(event::KeyEvent),
    Paste(String),
    Resize,
}

/// What one input does.
fn input_effects(app: &mut App, input: Input) -> Vec<Effect> {
    match input {
        Input::Key(key) => match keys::action_for(app, key) {
            Some(action) => update(app, action),
            None => Vec::new(),
        },
        Input::Paste(text) => keys::paste_actions(app, &text)
            .into_iter()
            .flat_map(|action| update(app, action))
            .collect(),
        Input::Resize => update(app, Action::Resize),
    }
}

async fn event_loop(
    terminal: &mut ratatui::Terminal<ratatui::backend::CrosstermBackend<std::io::Stdout>>,
    app: &mut App,
    // Replaced when the member signs in to another server from the login screen.
    shared_client: Arc<Mutex<Arc<Client>>>,
    places: Result<slip_jobs::SlipPlaces, String>,
) -> anyhow::Result<()> {
    let current = || {
        shared_client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    };
    let client = current();
    let (input_tx, mut input_rx) = mpsc::unbounded_channel();
    // crossterm's read blocks: it gets a thread of its own.
    std::thread::spawn(move || loop {
        let input = match event::read() {
            Ok(Event::Key(key)) => Input::Key(key),
            Ok(Event::Paste(text)) => Input::Paste(text),
            Ok(Event::Resize(..)) | Ok(Event::FocusGained) => Input::Resize,
            Ok(_) => continue,
            Err(_) => break,
        };
        if input_tx.send(input).is_err() {
            break;
        }
    });
    let (message_tx, mut message_rx) = mpsc::unbounded_channel::<Message>();
    let (jobs, worker) = match places {
        Ok(places) => {
            let (jobs, worker) = slip_jobs::spawn(places, message_tx.clone());
            (Ok(jobs), Some(worker))
        }
        Err(why) => (Err(why), None),
    };
    // After a crash the status bar tells the member the work is still there.
    if let Ok(jobs) = &jobs {
        let _ = jobs.send(slip_jobs::SlipJob::Count);
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let period = Duration::from_secs(u64::from(client.config.sync_interval_minutes.max(1)) * 60);
    let mut sync_timer = tokio::time::interval(period);

    terminal.draw(|f| draw::draw(f, app))?;
    loop {
        let effects = tokio::select! {
            Some(input) = input_rx.recv() => {
                // Everything already typed is applied before the next frame: keys that arrive
                // in a burst (a paste where the terminal has no bracketed paste) are not drawn
                // one by one while later ones wait.
                let mut effects = input_effects(app, input);
                while let Ok(more) = input_rx.try_recv() {
                    effects.extend(input_effects(app, more));
                }
                effects
            }
            _ = tick.tick() => {
                update(app, Action::Tick(crate::directory::now_in_japan().naive_local()))
            }
            // The first tick fires at once: the sync on start.
            _ = sync_timer.tick() => update(app, Action::Sync),
            Some(message) = message_rx.recv() => receive(app, message),
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
                    // No data folder (or the worker gone): the job fails where it would have
                    // reported, so the member sees why.
                    let sent = match &jobs {
                        Ok(jobs) => jobs
                            .send(job)
                            .map_err(|e| (e.0, text::EXPORT_FAILED.to_string())),
                        Err(why) => Err((job, why.clone())),
                    };
                    if let Err((job, why)) = sent {
                        let _ = message_tx.send(slip_jobs::failed(job, why));
                    }
                }
                Effect::Sync if client.token().is_err() => {
                    // Not signed in yet: the login screen's success asks again.
                    app.status.syncing = false;
                }
                Effect::Sync => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    tokio::spawn(async move {
                        let result = match client.sync().await {
                            // The index is built here, not in `receive`: half a second at 100 000
                            // people must not freeze typing.
                            Ok((directory, outcome)) => {
                                let summary = outcome.message(directory.snapshot.revision);
                                let synced_at = directory.synced_at;
                                tokio::task::spawn_blocking(move || {
                                    Arc::new(SearchIndex::build(directory.snapshot))
                                })
                                .await
                                .map(|index| {
                                    Box::new(Synced {
                                        index,
                                        synced_at,
                                        summary,
                                    })
                                })
                                .map_err(|e| SyncFailure {
                                    session_expired: false,
                                    message: e.to_string(),
                                })
                            }
                            Err(e) => Err(SyncFailure {
                                session_expired: matches!(
                                    e,
                                    ClientError::SessionExpired | ClientError::NotLoggedIn
                                ),
                                message: e.to_string(),
                            }),
                        };
                        let _ = tx.send(Message::Synced(result));
                    });
                }
                Effect::Copy(text) => copy_osc52(&text),
                Effect::Login {
                    server,
                    login_id,
                    password,
                } => {
                    let tx = message_tx.clone();
                    let shared = shared_client.clone();
                    let client = client.clone();
                    tokio::spawn(async move {
                        let result = login(client, &server, &login_id, &password, &shared).await;
                        let _ = tx.send(Message::LoggedIn(result));
                    });
                }
                Effect::CheckUnlock(password) => {
                    let client = client.clone();
                    let tx = message_tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(Message::Unlocked(unlock(&client, password).await));
                    });
                }
            }
        }
        if let (Some(c), Ok(size)) = (app.composer.as_mut(), terminal.size()) {
            c.body_width = composer::draw::body_width(size.width, size.height);
        }
        terminal.draw(|f| draw::draw(f, app))?;
    }
}

/// Unlocking checks the password with the server when it answers (a fresh session replaces
/// the token, and the old one is revoked), and against the local argon2id verifier when it does
/// not (offline).
pub async fn unlock(client: &Client, password: String) -> bool {
    if let Some(login_id) = client.login_id() {
        match client.api.login(&login_id, &password).await {
            Ok(info) => return client.take_session(&info).await.is_ok(),
            Err(ClientError::LoginFailed(_) | ClientError::Throttled { .. }) => return false,
            Err(_) => {} // unreachable or failing server: decide locally
        }
    }
    let verifier = client
        .credentials
        .get(&unlock_account(client.server()))
        .ok()
        .flatten();
    tokio::task::spawn_blocking(move || verifier.is_some_and(|v| check_verifier(&password, &v)))
        .await
        .unwrap_or(false)
}

/// Signs in from the login screen, to another server if the member changed the address.
async fn login(
    client: Arc<Client>,
    server: &str,
    login_id: &str,
    password: &str,
    shared: &Mutex<Arc<Client>>,
) -> Result<String, String> {
    let client = if server.is_empty() || server == client.server() {
        client
    } else {
        let config = ClientConfig {
            server_url: server.to_string(),
            ..client.config.clone()
        };
        Arc::new(Client::new(config).map_err(|e| e.to_string())?)
    };
    let info = client
        .login(login_id, password)
        .await
        .map_err(|e| e.to_string())?;
    *shared.lock().unwrap_or_else(|e| e.into_inner()) = client;
    Ok(format!(
        "{}（{}）",
        info.user.display_name, info.user.organization
    ))
}

/// OSC 52: the terminal puts the text on the clipboard, also over SSH.
fn copy_osc52(text: &str) {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::PanicGuard;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn the_terminal_guard_gives_the_earlier_panic_hook_back() {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let original = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {
            CALLS.fetch_add(1, Ordering::SeqCst);
        }));
        {
            let _guard = PanicGuard::install();
            let _ = std::panic::catch_unwind(|| panic!("inside the TUI"));
        }
        let _ = std::panic::catch_unwind(|| panic!("after the TUI"));
        std::panic::set_hook(original);
        // The program's own hook ran for both: through the guard, and after it.
        assert!(CALLS.load(Ordering::SeqCst) >= 2);
    }
}
