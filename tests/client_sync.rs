//! The client core against a real anshin-server on 127.0.0.1 (keyring: keyring-core's mock
//! store, the one fake the project allows): login, sync, offline search, bad paths.

mod common;

use anshin::client::cache::{cache_file, CacheProblem};
use anshin::client::config::{ClientConfig, CredentialStoreChoice};
use anshin::client::sync::SyncOutcome;
use anshin::client::{Client, ClientError, Unlock};
use anshin::search::{EntryRef, Filters, SearchIndex};
use common::{start, TestServer, ADMIN, MEMBER};
use serde_json::{json, Value};
use std::sync::Once;

fn use_mock_keyring() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
}

fn client_for(t: &TestServer, cache: &std::path::Path) -> Client {
    use_mock_keyring();
    let config = ClientConfig {
        server_url: t.url.clone(),
        cache_dir: Some(cache.to_path_buf()),
        request_timeout_seconds: 10,
        ..ClientConfig::default()
    };
    let client = Client::new(config).unwrap();
    assert!(
        client.credentials.is_persistent(),
        "mock store must be used"
    );
    client
}

/// Names found by the index the client holds (read from the cache: the persisted index).
fn search_names(index: &SearchIndex, query: &str) -> Vec<String> {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 25)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap();
    index
        .search(query, &Filters::default(), now)
        .iter()
        .filter_map(|h| match h.entry {
            EntryRef::Person(i) => Some(index.person(i).name.to_string()),
            EntryRef::Organization(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn login_sync_search_then_offline() {
    let mut t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());

    assert!(matches!(client.token(), Err(ClientError::NotLoggedIn)));
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let token = client.token().unwrap();
    assert_eq!(token.len(), 43, "the token, not the password, is stored");
    assert_ne!(token, MEMBER.1);

    let (directory, outcome) = client.sync().await.unwrap();
    assert!(
        matches!(outcome, SyncOutcome::Full { people: 600, .. }),
        "{outcome:?}"
    );
    assert!(!search_names(&directory.index, "takahasi").is_empty());

    // The cache on disk is sealed: no member name in it, owner-only.
    let bytes = std::fs::read(cache_file(cache.path())).unwrap();
    let name = &directory.snapshot().people[0].name;
    assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(cache_file(cache.path()))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }

    // Second sync: nothing new.
    let (_, outcome) = client.sync().await.unwrap();
    assert_eq!(outcome, SyncOutcome::Unchanged);

    // Server down: sync says offline, search still works from the cache.
    t.server.take().unwrap().shutdown().await.unwrap();
    let err = client.sync().await.unwrap_err();
    assert!(err.is_offline(), "{err:?}");
    assert!(err.to_string().contains("接続できません"), "{err}");
    let cached = client.load_cache().unwrap();
    // Same records and revision (generated_at moves with every sync).
    assert_eq!(cached.snapshot().revision, directory.snapshot().revision);
    assert_eq!(cached.snapshot().people, directory.snapshot().people);
    assert_eq!(
        cached.snapshot().organizations,
        directory.snapshot().organizations
    );
    assert!(anshin::tui::text::sync_state(
        Some(cached.synced_at),
        Some(false),
        cached.snapshot().revision
    )
    .starts_with("オフライン — 最終同期"));
    assert!(!search_names(&cached.index, "ﾀｶﾊｼ").is_empty());
}

#[tokio::test]
async fn delta_sync_applies_updates_and_deletions() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let (before, _) = client.sync().await.unwrap();

    let admin = t.login(ADMIN).await;
    let mut snapshot: Value = t
        .get("/api/v1/directory", &admin)
        .await
        .json()
        .await
        .unwrap();
    let people = snapshot["people"].as_array_mut().unwrap();
    people[0]["title"] = json!("理事長");
    let changed = people[0]["id"].as_str().unwrap().to_string();
    let removed = people.remove(1)["id"].as_str().unwrap().to_string();
    assert_eq!(t.put_directory(&admin, &snapshot).await.status(), 200);

    let (after, outcome) = client.sync().await.unwrap();
    assert_eq!(
        outcome,
        SyncOutcome::Delta {
            changed: 1,
            deleted: 1
        }
    );
    assert_eq!(after.snapshot().revision, before.snapshot().revision + 1);
    assert_eq!(
        after.snapshot().person(&changed).unwrap().title.as_deref(),
        Some("理事長")
    );
    assert!(after.snapshot().person(&removed).is_none());
    assert_eq!(
        after.snapshot().people.len(),
        before.snapshot().people.len() - 1
    );
    // What the client pieced together equals what a fresh full sync gives.
    let fresh: Value = t
        .get("/api/v1/directory", &admin)
        .await
        .json()
        .await
        .unwrap();
    let fresh = anshin::directory::parse_snapshot(fresh.to_string().as_bytes()).unwrap();
    let sorted = |mut people: Vec<anshin::directory::Person>| {
        people.sort_by(|a, b| a.id.cmp(&b.id));
        people
    };
    assert_eq!(
        sorted(after.snapshot().people.clone()),
        sorted(fresh.people)
    );
    assert_eq!(
        client.load_cache().unwrap().snapshot().revision,
        after.snapshot().revision
    );
}

/// Issue 15, item 1: `anshin sync` with nothing new rewrote the whole cache (at 100 000 people
/// a full read, parse, re-serialise, compress and seal) to record the time. Now it touches only
/// the small state file beside it; a delta with changes still lands in the cache.
#[tokio::test]
async fn a_quiet_sync_writes_only_the_state_and_a_delta_still_reaches_the_cache() {
    use anshin::client::cache::state_file;
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let (first, _) = client.sync().await.unwrap();
    let sealed = std::fs::read(cache_file(cache.path())).unwrap();
    let state = std::fs::read(state_file(cache.path())).unwrap();

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (revision, outcome) = client.sync_quick().await.unwrap();
    assert_eq!(
        (revision, outcome),
        (first.snapshot().revision, SyncOutcome::Unchanged)
    );
    assert_eq!(
        std::fs::read(cache_file(cache.path())).unwrap(),
        sealed,
        "the cache is not rewritten"
    );
    assert_ne!(
        std::fs::read(state_file(cache.path())).unwrap(),
        state,
        "the state is"
    );
    let loaded = client.load_cache().unwrap();
    assert!(
        loaded.synced_at > first.synced_at,
        "the new sync time is what search shows"
    );

    let admin = t.login(ADMIN).await;
    let mut snapshot: Value = t
        .get("/api/v1/directory", &admin)
        .await
        .json()
        .await
        .unwrap();
    snapshot["people"][0]["title"] = json!("理事長");
    let changed = snapshot["people"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(t.put_directory(&admin, &snapshot).await.status(), 200);
    let (revision, outcome) = client.sync_quick().await.unwrap();
    assert_eq!(
        (revision, outcome),
        (
            first.snapshot().revision + 1,
            SyncOutcome::Delta {
                changed: 1,
                deleted: 0
            }
        )
    );
    let loaded = client.load_cache().unwrap();
    assert_eq!(loaded.snapshot().revision, revision);
    assert_eq!(
        loaded.snapshot().person(&changed).unwrap().title.as_deref(),
        Some("理事長")
    );
    // And quiet again at the new revision; what the TUI asks (it holds an index at a
    // revision) is answered from the state alone, and only for the revision the cache is at.
    assert_eq!(
        client.sync_quick().await.unwrap(),
        (revision, SyncOutcome::Unchanged)
    );
    assert!(client.sync_unchanged(revision).await.unwrap().is_some());
    assert!(client.sync_unchanged(revision - 1).await.unwrap().is_none());
    snapshot["people"][0]["title"] = json!("院長");
    assert_eq!(t.put_directory(&admin, &snapshot).await.status(), 200);
    assert!(
        client.sync_unchanged(revision).await.unwrap().is_none(),
        "something new: the caller does the full sync"
    );
}

#[tokio::test]
async fn corrupt_and_truncated_caches_are_refetched() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    client.sync().await.unwrap();
    let path = cache_file(cache.path());

    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 3]).unwrap();
    assert_eq!(client.load_cache().unwrap_err(), CacheProblem::Unreadable);
    assert!(!path.exists(), "an unusable cache is discarded");
    let (_, outcome) = client.sync().await.unwrap();
    assert!(matches!(outcome, SyncOutcome::Full { .. }));

    // Another layout's cache (as after an update), with the state that was written beside it:
    // `anshin sync` fetches it again rather than say 「最新」 of a cache `anshin search` cannot
    // read. The version byte follows the 12-byte magic.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[12] = bytes[12].wrapping_sub(1);
    std::fs::write(&path, &bytes).unwrap();
    let (_, outcome) = client.sync_quick().await.unwrap();
    assert!(matches!(outcome, SyncOutcome::Full { .. }), "{outcome:?}");
    assert!(
        client.load_cache().is_ok(),
        "the cache search reads is there"
    );

    std::fs::write(&path, b"not a cache at all").unwrap();
    assert_eq!(client.load_cache().unwrap_err(), CacheProblem::Corrupt);
    let (directory, outcome) = client.sync().await.unwrap();
    assert!(matches!(outcome, SyncOutcome::Full { .. }));
    assert_eq!(
        client.load_cache().unwrap().snapshot(),
        directory.snapshot()
    );
}

#[tokio::test]
async fn wrong_password_expired_token_and_server_errors_have_clear_messages() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());

    let err = client
        .login(MEMBER.0, "wrong-password-123", None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::LoginFailed(_)));
    assert!(err.to_string().contains("認証に失敗しました"), "{err}");
    assert!(client.token().is_err(), "no token after a failed login");

    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    t.sql("UPDATE sessions SET expires_at = unixepoch() - 1")
        .await;
    let err = client.sync().await.unwrap_err();
    assert!(matches!(err, ClientError::SessionExpired), "{err:?}");
    assert!(err.to_string().contains("anshin login"), "{err}");

    // The server's database goes away: 500, said plainly, nothing internal leaks.
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    t.db.close().await;
    let err = client.sync().await.unwrap_err();
    assert!(
        matches!(err, ClientError::ServerTrouble { status: 500 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert!(!err.to_string().to_lowercase().contains("sqlx"));
}

#[tokio::test]
async fn logout_revokes_and_forgets_everything() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    client.sync().await.unwrap();
    let token = client.token().unwrap();
    client.logout().await.unwrap();
    assert!(matches!(client.token(), Err(ClientError::NotLoggedIn)));
    assert!(client
        .credentials
        .cache_key(client.server(), false)
        .unwrap()
        .is_none());
    assert!(!cache_file(cache.path()).exists());
    assert_eq!(
        t.get("/api/v1/me", &token).await.status(),
        401,
        "revoked at the server too"
    );
}

#[tokio::test]
async fn memory_store_never_writes_a_cache() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    use_mock_keyring();
    let config = ClientConfig {
        server_url: t.url.clone(),
        cache_dir: Some(cache.path().to_path_buf()),
        credential_store: CredentialStoreChoice::Memory,
        ..ClientConfig::default()
    };
    let client = Client::new(config).unwrap();
    assert!(!client.credentials.is_persistent());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let (directory, _) = client.sync().await.unwrap();
    assert_eq!(directory.snapshot().people.len(), 600);
    assert_eq!(
        std::fs::read_dir(cache.path()).unwrap().count(),
        0,
        "nothing on disk"
    );
}

#[test]
fn insecure_http_to_another_machine_is_refused() {
    let config = ClientConfig {
        server_url: "http://192.0.2.10:8080".into(),
        ..ClientConfig::default()
    };
    let err = Client::new(config).err().unwrap();
    assert!(matches!(err, ClientError::InsecureUrl { .. }));
    assert!(err.to_string().contains("https://"));
}

#[tokio::test]
async fn unlock_keeps_a_live_session_signs_in_again_after_it_ended_and_works_offline() {
    let mut t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let first_token = client.token().unwrap();
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked
    );
    assert_eq!(
        client.token().unwrap(),
        first_token,
        "online with the session live: kept, not replaced"
    );
    assert_eq!(
        client.unlock("wrong-password-123".to_string(), None).await,
        Unlock::Refused
    );
    // The session ended meanwhile (idle at the server): the server signs the member in again.
    t.sql("UPDATE sessions SET revoked_at = 1").await;
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked
    );
    let second = client.token().unwrap();
    assert_ne!(second, first_token);
    assert_eq!(t.get("/api/v1/me", &second).await.status(), 200);
    t.server.take().unwrap().shutdown().await.unwrap();
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked,
        "offline: the local verifier"
    );
    assert_eq!(
        client.unlock("wrong-password-123".to_string(), None).await,
        Unlock::Refused
    );
}

/// Issue 12, item 7: a member turns on two-factor sign-in (`anshin 2fa`): the enrolment is not
/// in force until a code from the app confirms it; then the password alone asks for the code,
/// a code works once (the IME's full-width digits too), a recovery code works once, and the
/// idle lock asks for a code only when the session has ended meanwhile.
#[tokio::test]
async fn a_member_sets_up_two_factor_sign_in_and_signs_in_with_codes() {
    use anshin::server::auth::two_factor::code_at;
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let other_pc = t.login(MEMBER).await;

    let enrolment = client.begin_two_factor().await.unwrap();
    assert!(enrolment.otpauth_uri.starts_with("otpauth://totp/"));
    assert!(enrolment.otpauth_uri.contains(&enrolment.secret));
    let secret = enrolment.secret;
    let now = anshin::server::db::now_unix() as u64;
    let far = code_at(&secret, now + 3_000).unwrap();
    match client.confirm_two_factor(&far).await {
        Err(ClientError::Server {
            status: 400,
            message,
        }) => {
            assert!(message.contains("確認コードが違います"), "{message}")
        }
        other => panic!("a wrong code turned it on: {other:?}"),
    }
    // Not in force yet: the password alone still signs in elsewhere.
    assert_eq!(t.login_response(MEMBER.0, MEMBER.1).await.status(), 200);

    let first = code_at(&secret, now).unwrap();
    let recovery = client.confirm_two_factor(&first).await.unwrap();
    assert_eq!(recovery.len(), 10);
    assert!(
        client.me().await.unwrap().two_factor,
        "this PC keeps a session"
    );
    assert_eq!(
        t.get("/api/v1/me", &other_pc).await.status(),
        401,
        "sessions signed in with the password alone ended"
    );

    assert!(matches!(
        client.login(MEMBER.0, MEMBER.1, None).await,
        Err(ClientError::TwoFactorRequired)
    ));
    assert!(
        matches!(
            client.login(MEMBER.0, MEMBER.1, Some(&first)).await,
            Err(ClientError::TwoFactorFailed(_))
        ),
        "the code of the enrolment does not work again"
    );
    let next: String = code_at(&secret, now + 30)
        .unwrap()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    client.login(MEMBER.0, MEMBER.1, Some(&next)).await.unwrap();
    client
        .login(MEMBER.0, MEMBER.1, Some(&recovery[0].to_lowercase()))
        .await
        .unwrap();
    assert!(matches!(
        client.login(MEMBER.0, MEMBER.1, Some(&recovery[0])).await,
        Err(ClientError::TwoFactorFailed(_))
    ));

    let token = client.token().unwrap();
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked
    );
    assert_eq!(
        client.token().unwrap(),
        token,
        "a live session needs no code"
    );
    t.sql("UPDATE sessions SET revoked_at = 1").await;
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::CodeNeeded
    );
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), Some(far)).await,
        Unlock::Refused
    );
    assert_eq!(
        client
            .unlock(MEMBER.1.to_string(), Some(recovery[1].clone()))
            .await,
        Unlock::Unlocked
    );
    assert_eq!(
        t.get("/api/v1/me", &client.token().unwrap()).await.status(),
        200
    );

    let actions = t.audit_actions().await;
    let has = |action: &str, detail: Option<&str>| {
        actions
            .iter()
            .any(|(_, a, d)| a == action && (detail.is_none() || d.as_deref() == detail))
    };
    assert!(has("two_factor.enable", Some("recovery_codes=10")));
    assert!(has("login.ok", Some("totp")));
    assert!(has("login.ok", Some("recovery_code left=9")));
    assert!(has("login.failed", Some("wrong_code")));
}

/// Issue 12, item 7: a member could not change their own password (the centre chose every
/// one). `anshin passwd` → `PUT /api/v1/me/password`: the current password checked, the new
/// one against the policy, every other session ended, this PC kept signed in.
#[tokio::test]
async fn a_member_changes_their_own_password() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let other_pc = t.login(MEMBER).await;

    let wrong = client
        .change_password("not-the-password-1", "kumo hashiru 7 kitsune")
        .await
        .unwrap_err()
        .to_string();
    assert!(wrong.contains("いまのパスワードが違います"), "{wrong}");
    let weak = client
        .change_password(MEMBER.1, "password12345")
        .await
        .unwrap_err()
        .to_string();
    assert!(weak.contains("推測されやすい"), "{weak}");
    let with_id = client
        .change_password(MEMBER.1, "sato-no-niwa-2026-haru")
        .await
        .unwrap_err()
        .to_string();
    assert!(with_id.contains("ログインID"), "{with_id}");

    let before = client.token().unwrap();
    client
        .change_password(MEMBER.1, "kumo hashiru 7 kitsune")
        .await
        .unwrap();
    let after = client.token().unwrap();
    assert_ne!(before, after);
    assert_eq!(t.get("/api/v1/me", &after).await.status(), 200);
    assert_eq!(t.get("/api/v1/me", &before).await.status(), 401);
    assert_eq!(t.get("/api/v1/me", &other_pc).await.status(), 401);
    assert_eq!(t.login_response(MEMBER.0, MEMBER.1).await.status(), 401);
    t.login((MEMBER.0, "kumo hashiru 7 kitsune")).await;
    let actions = t.audit_actions().await;
    assert!(actions
        .iter()
        .any(|(who, a, _)| a == "user.passwd" && who == MEMBER.0));
    assert!(actions
        .iter()
        .any(|(_, a, d)| a == "password.change_failed" && d.as_deref() == Some("wrong_password")));
}

/// Issue 12, item 8: signing in again (`anshin login`, the TUI's unlock) left the old session
/// alive at the server. Now the token it replaces is revoked, and the unlock reuses a session
/// that is still live instead of making a second one.
#[tokio::test]
async fn signing_in_again_or_unlocking_revokes_the_replaced_token() {
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let client = client_for(&t, cache.path());
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let first = client.token().unwrap();
    client.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let second = client.token().unwrap();
    assert_eq!(t.get("/api/v1/me", &first).await.status(), 401);
    assert_eq!(t.get("/api/v1/me", &second).await.status(), 200);
    // The unlock keeps the live session (no second one); once it has ended, its fresh one
    // replaces it.
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked
    );
    assert_eq!(client.token().unwrap(), second);
    t.sql("UPDATE sessions SET last_seen_at = 0").await;
    assert_eq!(
        client.unlock(MEMBER.1.to_string(), None).await,
        Unlock::Unlocked
    );
    let third = client.token().unwrap();
    assert_ne!(third, second);
    assert_eq!(t.get("/api/v1/me", &third).await.status(), 200);
}

/// Issue 12, item 8: the member sees where the account is signed in and ends a session left on
/// another PC; a running client syncs often enough that the server's idle timeout (30 minutes by
/// default) never ends its session.
#[tokio::test]
async fn a_member_lists_and_ends_their_own_sessions_and_a_running_client_keeps_its_own() {
    use_mock_keyring();
    let t = start(|_| {}).await;
    let here_cache = tempfile::tempdir().unwrap();
    let here = client_for(&t, here_cache.path());
    assert_eq!(
        here.keep_alive_period(),
        None,
        "not known before signing in"
    );
    here.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    assert_eq!(
        here.keep_alive_period(),
        Some(std::time::Duration::from_secs(10 * 60)),
        "a third of the 30-minute idle timeout"
    );
    // The same account on a second PC: a second session.
    let there_token = t.login(MEMBER).await;
    let token = here.token().unwrap();
    let list = here.api.sessions(&token).await.unwrap().sessions;
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    let other = list.iter().find(|s| !s.current).unwrap().id;
    assert!(here.api.end_session(&token, other).await.unwrap());
    assert_eq!(t.get("/api/v1/me", &there_token).await.status(), 401);
    assert!(
        !here.api.end_session(&token, other).await.unwrap(),
        "already ended"
    );
    // Another account's session is not this member's to end.
    let admin_token = t.login(ADMIN).await;
    let admin = t
        .http
        .get(t.api("/api/v1/me/sessions"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let admin_session = admin["sessions"][0]["id"].as_i64().unwrap();
    assert!(!here.api.end_session(&token, admin_session).await.unwrap());
    assert_eq!(t.get("/api/v1/me", &admin_token).await.status(), 200);
    // A path that is not a session id gets the API's error body.
    let odd = t
        .http
        .delete(t.api("/api/v1/me/sessions/abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 404);
    let body: serde_json::Value = odd.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let revoked: Vec<Option<String>> =
        t.db.audit_entries(0, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "session.revoke")
            .map(|e| e.target)
            .collect();
    assert_eq!(revoked, vec![Some(other.to_string())]);
}

/// Issue 14: a clinic files a change while the network is down; it waits in the outbox (0600)
/// and goes at the next sync; the centre approves it; the clinic's next sync shows the new
/// acceptance, and a rejected request shows its reason.
#[tokio::test]
async fn a_change_filed_offline_goes_at_the_next_sync_and_comes_back_approved() {
    use anshin::client::listing::new_client_ref;
    use anshin::listing::{diff, ChangeStatus, Listing, NewChangeRequest};
    let t = start(|_| {}).await;
    let cache = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    use_mock_keyring();
    let config = |url: &str| ClientConfig {
        server_url: url.to_string(),
        cache_dir: Some(cache.path().to_path_buf()),
        data_dir: Some(data.path().to_path_buf()),
        request_timeout_seconds: 5,
        ..ClientConfig::default()
    };
    let online = Client::new(config(&t.url)).unwrap();
    online.login(MEMBER.0, MEMBER.1, None).await.unwrap();
    let (directory, _) = online.sync().await.unwrap();
    let snapshot = &directory.snapshot();
    let organization = snapshot.organization("o-00001").unwrap();
    let people: Vec<_> = snapshot
        .people
        .iter()
        .filter(|p| p.organization_id == "o-00001")
        .collect();
    let before = Listing::new(organization, &people);
    let mut after = before.clone();
    after.organization["home_care"]["accepting"] = json!("not_accepting");
    let request = NewChangeRequest {
        client_ref: new_client_ref(),
        organization_id: "o-00001".into(),
        base_revision: snapshot.revision,
        note: "医師の退職のため".into(),
        changes: diff(&before, &after),
    };
    // The same PC with the network down: the server cannot be reached.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let offline = Client::new(config(&dead_url)).unwrap();
    offline
        .credentials
        .set_token(&dead_url, &online.token().unwrap())
        .unwrap();
    offline.queue_change_request(request.clone()).unwrap();
    let delivery = offline.send_queued_change_requests().await.unwrap();
    assert!(delivery.sent.is_empty());
    assert_eq!(delivery.waiting, 1);
    let outbox = data.path().join("listing-outbox.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&outbox).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the outbox holds listing data");
    }
    assert_eq!(online.queued_change_requests().unwrap().len(), 1);
    // The network is back: the next sync's delivery files it, once.
    let delivery = online.send_queued_change_requests().await.unwrap();
    assert_eq!(delivery.sent.len(), 1);
    assert!(online.queued_change_requests().unwrap().is_empty());
    assert_eq!(
        online.send_queued_change_requests().await.unwrap(),
        Default::default()
    );
    let filed = &delivery.sent[0];
    assert_eq!(filed.status, ChangeStatus::Pending);
    // Resent by a crashed client that never saw the answer: still one request.
    let again = online.file_change_request(&request).await.unwrap();
    assert_eq!(again.id, filed.id);
    assert_eq!(online.change_requests(None).await.unwrap().len(), 1);
    // The centre approves through the same client library.
    let centre_cache = tempfile::tempdir().unwrap();
    // Its own credential store: the mock keyring is shared by every client of this process,
    // and the centre's token must not replace the clinic's.
    let centre = Client::new(ClientConfig {
        cache_dir: Some(centre_cache.path().to_path_buf()),
        data_dir: Some(centre_cache.path().join("data")),
        credential_store: CredentialStoreChoice::Memory,
        ..config(&t.url)
    })
    .unwrap();
    centre
        .login(ADMIN.0, ADMIN.1, Some(&t.next_admin_code()))
        .await
        .unwrap();
    let queue = centre
        .change_requests(Some(ChangeStatus::Pending))
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    let approved = centre
        .approve_change_request(filed.id, vec![])
        .await
        .unwrap();
    assert_eq!(approved.status, ChangeStatus::Approved);
    // A resend after the approval (its answer lost) is still the same request, not a refusal.
    let resent = online.file_change_request(&request).await.unwrap();
    assert_eq!(
        (resent.id, resent.status),
        (filed.id, ChangeStatus::Approved)
    );
    // The clinic's next sync carries it.
    let (directory, _) = online.sync().await.unwrap();
    let live = directory.snapshot().organization("o-00001").unwrap();
    assert_eq!(
        live.home_care.as_ref().unwrap().accepting,
        anshin::directory::Accepting::NotAccepting
    );
    assert!(live.confirmed_at.is_some());
    // A refused filing stays in the outbox with the server's reason.
    let mut wrong = request.clone();
    wrong.client_ref = new_client_ref();
    wrong.organization_id = "o-00003".into();
    online.queue_change_request(wrong).unwrap();
    let delivery = online.send_queued_change_requests().await.unwrap();
    assert_eq!(delivery.refused.len(), 1);
    assert!(
        delivery.refused[0]
            .1
            .contains("ほかの機関の掲載は変更できません"),
        "{:?}",
        delivery.refused
    );
    let kept = online.queued_change_requests().unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].refused.is_some());
    // Rejected: the member reads the reason.
    let mut other = request.clone();
    other.client_ref = new_client_ref();
    other.changes[0].old = json!("not_accepting");
    other.changes[0].new = json!("consult");
    let second = online.file_change_request(&other).await.unwrap();
    centre
        .reject_change_request(second.id, "医師会の確認を待ってください")
        .await
        .unwrap();
    let mine = online.change_request(second.id).await.unwrap();
    assert_eq!(mine.submitter, MEMBER.0);
    assert_eq!(mine.status, ChangeStatus::Rejected);
    assert_eq!(mine.reason.as_deref(), Some("医師会の確認を待ってください"));
    // Filing while a sync's delivery is under way loses nothing: the delivery writes the outbox
    // back with only what it sent taken out.
    online
        .drop_queued_change_request(&kept[0].request.client_ref)
        .unwrap();
    let confirmation = || NewChangeRequest {
        client_ref: new_client_ref(),
        changes: Vec::new(),
        ..request.clone()
    };
    let first = confirmation();
    let meanwhile = confirmation();
    online.queue_change_request(first.clone()).unwrap();
    let (delivery, queued) = tokio::join!(online.send_queued_change_requests(), async {
        online.queue_change_request(meanwhile.clone())
    });
    queued.unwrap();
    let delivery = delivery.unwrap();
    assert_eq!(delivery.sent.len(), 1);
    assert_eq!(delivery.sent[0].client_ref, first.client_ref);
    let left: Vec<String> = online
        .queued_change_requests()
        .unwrap()
        .into_iter()
        .map(|q| q.request.client_ref)
        .collect();
    assert_eq!(left, [meanwhile.client_ref]);
}
