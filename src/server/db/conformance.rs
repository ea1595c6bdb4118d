//! One storage conformance story (issue 13, item 5): every test here runs against every backend
//! — SQLite in a temporary file and PostgreSQL in a throwaway cluster
//! (`postgres::testing`) — through the `Database` trait alone, so a backend that keeps the
//! trait's transaction contract passes them all.

use super::*;
use std::sync::Arc;

struct Backend {
    name: &'static str,
    db: Arc<dyn Database>,
    settings: DatabaseSettings,
    _dir: tempfile::TempDir,
}

/// Every backend of this build, each on a fresh, empty database.
async fn backends() -> Vec<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let settings = DatabaseSettings::Sqlite(dir.path().join("conformance.db"));
    let mut all = vec![Backend {
        name: "SQLite",
        db: open(&settings).await.unwrap(),
        settings,
        _dir: dir,
    }];
    #[cfg(feature = "postgres")]
    if let Some(url) = postgres::testing::database().await {
        let settings = DatabaseSettings::Postgres(url);
        all.push(Backend {
            name: "PostgreSQL",
            db: open(&settings).await.unwrap(),
            settings,
            _dir: tempfile::tempdir().unwrap(),
        });
    }
    all
}

fn actor() -> Actor {
    Actor {
        name: "test".into(),
        address: "local".into(),
    }
}

fn record(id: &str, body: &str) -> RecordBody {
    RecordBody {
        id: id.into(),
        body: body.into(),
    }
}

fn people(marker: &str, n: usize) -> Vec<RecordBody> {
    (0..n)
        .map(|i| {
            record(
                &format!("p-{i:05}"),
                &format!(r#"{{"m":"{marker}","i":{i}}}"#),
            )
        })
        .collect()
}

const T0: UnixTime = 1_900_000_000;
const DAY: i64 = 86_400;

async fn add(db: &dyn Database, login: &str) -> User {
    db.add_user(
        NewUser {
            login_id: login,
            display_name: login,
            organization: "o-00001",
            role: AccountRole::Member,
            password_hash: "hash",
            must_change_password: false,
        },
        &actor(),
        T0,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn imports_revisions_deltas_and_tombstone_retention() {
    for b in backends().await {
        let db = b.db.as_ref();
        let n = b.name;
        assert_eq!(db.revision().await.unwrap(), 0, "{n}");
        let orgs = || vec![record("o-1", r#"{"a":1}"#), record("o-2", r#"{"b":1}"#)];
        let first = db
            .replace_directory(orgs(), people("a", 3), &actor(), T0, 30 * DAY)
            .await
            .unwrap();
        assert_eq!((first.revision, first.added), (1, 5), "{n}");
        // The same data again: nothing changes, the revision stays.
        let same = db
            .replace_directory(orgs(), people("a", 3), &actor(), T0, 30 * DAY)
            .await
            .unwrap();
        assert_eq!((same.revision, same.unchanged), (1, 5), "{n}");
        // o-2 goes, p-00001 changes, p-00003 arrives.
        let mut next = people("a", 4);
        next[1] = record("p-00001", r#"{"m":"b"}"#);
        let second = db
            .replace_directory(
                vec![record("o-1", r#"{"a":1}"#)],
                next,
                &actor(),
                T0 + DAY,
                30 * DAY,
            )
            .await
            .unwrap();
        assert_eq!(
            (
                second.revision,
                second.added,
                second.updated,
                second.deleted
            ),
            (2, 1, 1, 1),
            "{n}"
        );
        let delta = db.delta(1).await.unwrap().unwrap();
        assert_eq!(delta.revision, 2, "{n}");
        assert_eq!(delta.organizations, Vec::<String>::new(), "{n}");
        assert_eq!(delta.deleted_organizations, vec!["o-2"], "{n}");
        assert_eq!(
            delta.people,
            vec![r#"{"m":"b"}"#.to_string(), r#"{"m":"a","i":3}"#.into()],
            "{n}: ordered by id"
        );
        assert_eq!(db.delta(2).await.unwrap().unwrap().people.len(), 0, "{n}");
        assert_eq!(
            db.delta(3).await.unwrap().unwrap_err(),
            DeltaUnavailable::Unknown
        );
        let full = db.directory().await.unwrap();
        assert_eq!(
            (full.revision, full.organizations.len(), full.people.len()),
            (2, 1, 4)
        );
        // 31 days on, the next import forgets o-2's tombstone: a delta from before it is gone.
        db.replace_directory(
            vec![record("o-1", r#"{"a":2}"#)],
            people("a", 4),
            &actor(),
            T0 + 32 * DAY,
            30 * DAY,
        )
        .await
        .unwrap();
        assert_eq!(
            db.delta(1).await.unwrap().unwrap_err(),
            DeltaUnavailable::TooOld,
            "{n}"
        );
        assert!(db.delta(2).await.unwrap().is_ok(), "{n}");
    }
}

#[tokio::test]
async fn a_login_id_is_taken_whatever_its_case() {
    for b in backends().await {
        let db = b.db.as_ref();
        add(db, "Sato").await;
        let again = db
            .add_user(
                NewUser {
                    login_id: "sATO",
                    display_name: "x",
                    organization: "o-00001",
                    role: AccountRole::Member,
                    password_hash: "h",
                    must_change_password: false,
                },
                &actor(),
                T0,
            )
            .await;
        assert!(matches!(again, Err(DbError::LoginTaken(_))), "{}", b.name);
        let (found, hash) = db.user_for_login(" sato ").await.unwrap().unwrap();
        assert_eq!((found.login_id.as_str(), hash.as_str()), ("Sato", "hash"));
        assert!(db
            .set_password("SATO", "h2", false, &actor(), T0)
            .await
            .unwrap());
        assert!(!db
            .set_password("nobody", "h2", false, &actor(), T0)
            .await
            .unwrap());
        assert_eq!(db.list_users().await.unwrap().len(), 1, "{}", b.name);
    }
}

#[tokio::test]
async fn sessions_end_when_idle_expired_revoked_disabled_or_too_many() {
    for b in backends().await {
        let db = b.db.as_ref();
        let n = b.name;
        let user = add(db, "sato").await;
        let idle = 30 * 60;
        db.create_session("live", &user, "192.0.2.1", T0, T0 + DAY, 5)
            .await
            .unwrap();
        let s = db.session("live", T0 + 100, idle).await.unwrap().unwrap();
        assert_eq!(s.user.login_id, "sato", "{n}");
        // Used at T0+100 (recorded: more than a minute after T0), so live until T0+100+idle.
        assert!(db
            .session("live", T0 + 100 + idle, idle)
            .await
            .unwrap()
            .is_some());
        assert!(
            db.session("live", T0 + 100 + 3 * idle, idle)
                .await
                .unwrap()
                .is_none(),
            "{n}: idle"
        );
        db.create_session("short", &user, "a", T0, T0 + 10, 5)
            .await
            .unwrap();
        assert!(
            db.session("short", T0 + 11, idle).await.unwrap().is_none(),
            "{n}: expired"
        );
        db.create_session("gone", &user, "a", T0, T0 + DAY, 5)
            .await
            .unwrap();
        db.revoke_session("gone", T0 + 1).await.unwrap();
        assert!(
            db.session("gone", T0 + 2, idle).await.unwrap().is_none(),
            "{n}: revoked"
        );
        db.create_session("mine", &user, "a", T0, T0 + DAY, 5)
            .await
            .unwrap();
        let listed = db.live_sessions(user.id, T0 + 1, idle).await.unwrap();
        let mine = listed.iter().find(|s| s.token_hash == "mine").unwrap().id;
        assert!(db
            .revoke_own_session(user.id, mine, &actor(), T0 + 2)
            .await
            .unwrap());
        assert!(!db
            .revoke_own_session(user.id, mine, &actor(), T0 + 3)
            .await
            .unwrap());
        db.create_session("d", &user, "a", T0, T0 + DAY, 5)
            .await
            .unwrap();
        assert!(db
            .set_disabled("sato", true, &actor(), T0 + 1)
            .await
            .unwrap());
        assert!(
            db.session("d", T0 + 2, idle).await.unwrap().is_none(),
            "{n}: disabled"
        );
        assert!(db
            .set_disabled("sato", false, &actor(), T0 + 3)
            .await
            .unwrap());
        assert!(
            db.session("d", T0 + 4, idle).await.unwrap().is_none(),
            "{n}: disabling ended it for good"
        );
        // At most two: the oldest ends as the third begins.
        for (i, token) in ["t1", "t2", "t3"].iter().enumerate() {
            db.create_session(token, &user, "a", T0 + 10 + i as i64, T0 + DAY, 2)
                .await
                .unwrap();
        }
        assert!(
            db.session("t1", T0 + 20, idle).await.unwrap().is_none(),
            "{n}"
        );
        assert!(
            db.session("t3", T0 + 20, idle).await.unwrap().is_some(),
            "{n}"
        );
    }
}

#[tokio::test]
async fn throttling_counts_and_clears_in_the_database() {
    let limits = ThrottleLimits {
        per_account: 3,
        per_address: 5,
        window_seconds: 60,
    };
    for b in backends().await {
        let db = b.db.as_ref();
        let n = b.name;
        add(db, "sato").await;
        for i in 0..3 {
            let from = format!("203.0.113.{i}");
            db.reserve_login("sato", &from, limits, T0)
                .await
                .unwrap()
                .unwrap();
        }
        let wait = db
            .reserve_login("sato", "203.0.113.9", limits, T0 + 10)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!((wait.retry_after, wait.by_address), (50, false), "{n}");
        assert_eq!(
            db.account_failures(T0 - 1).await.unwrap()[0].1.len(),
            3,
            "{n}"
        );
        // The address limit counts across accounts; a released reservation does not count.
        let mut held = Vec::new();
        for i in 0..5 {
            let id = db
                .reserve_login(&format!("u{i}"), "198.51.100.1", limits, T0)
                .await
                .unwrap()
                .unwrap();
            held.push(id);
        }
        let refused = db
            .reserve_login("fresh", "198.51.100.1", limits, T0)
            .await
            .unwrap()
            .unwrap_err();
        assert!(refused.by_address, "{n}");
        db.release_login(held[0]).await.unwrap();
        assert!(db
            .reserve_login("fresh", "198.51.100.1", limits, T0)
            .await
            .unwrap()
            .is_ok());
        // `user unlock` clears the account, and a success then says nothing more happened.
        assert!(db
            .clear_login_failures("SATO", &actor(), T0 + 11)
            .await
            .unwrap());
        let id = db
            .reserve_login("sato", "192.0.2.7", limits, T0 + 12)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            db.login_succeeded(id, "sato", "192.0.2.7", T0 + 12)
                .await
                .unwrap(),
            0,
            "{n}"
        );
        assert!(db
            .account_failures(T0 - 1)
            .await
            .unwrap()
            .iter()
            .all(|(a, _)| a != "sato"));
    }
}

/// Concurrent logins with one code: exactly one passes, on any backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_totp_step_and_a_recovery_code_work_once_under_concurrency() {
    for b in backends().await {
        let user = add(b.db.as_ref(), "sato").await;
        assert!(b.db.begin_two_factor(user.id, "SECRET").await.unwrap());
        let hashes = vec!["r1".to_string(), "r2".to_string()];
        assert!(b
            .db
            .enable_two_factor(user.id, 10, &hashes, &actor(), T0)
            .await
            .unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let db = b.db.clone();
            tasks.spawn(async move { db.use_totp_step(user.id, 11).await.unwrap() });
        }
        let mut passed = 0;
        while let Some(ok) = tasks.join_next().await {
            passed += ok.unwrap() as u32;
        }
        assert_eq!(passed, 1, "{}", b.name);
        assert!(
            !b.db.use_totp_step(user.id, 10).await.unwrap(),
            "an older step"
        );
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let db = b.db.clone();
            tasks.spawn(async move { db.use_recovery_code(user.id, "r1", T0).await.unwrap() });
        }
        let mut spent = Vec::new();
        while let Some(left) = tasks.join_next().await {
            spent.extend(left.unwrap());
        }
        assert_eq!(spent, vec![1], "{}", b.name);
    }
}

/// The audit log is append-only in the database itself, not only in our code.
#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    for b in backends().await {
        b.db.audit(T0, &actor(), "test", None, None).await.unwrap();
        for statement in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"] {
            assert!(
                raw(&b.settings, statement).await.is_err(),
                "{}: {statement}",
                b.name
            );
        }
        assert_eq!(b.db.audit_entries(0, 10).await.unwrap().len(), 1);
    }
}

/// A statement on the backend's own connection, past the trait (what an intruder with the
/// database's credentials could do).
async fn raw(settings: &DatabaseSettings, statement: &str) -> Result<u64, sqlx::Error> {
    use sqlx::Connection as _;
    match settings {
        DatabaseSettings::Sqlite(path) => {
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
            let mut c = sqlx::SqliteConnection::connect_with(&options).await?;
            Ok(sqlx::query(statement)
                .execute(&mut c)
                .await?
                .rows_affected())
        }
        #[cfg(feature = "postgres")]
        DatabaseSettings::Postgres(url) => {
            let mut c = sqlx::PgConnection::connect(url).await?;
            Ok(sqlx::query(statement)
                .execute(&mut c)
                .await?
                .rows_affected())
        }
        #[cfg(not(feature = "postgres"))]
        DatabaseSettings::Postgres(_) => unreachable!(),
    }
}

/// Many writers append while a reader pages by id as the monthly export does: the reader ends
/// with every row exactly once (none committed late behind its cursor) and the chain holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_paging_misses_no_row_committed_late_and_the_chain_holds() {
    for b in backends().await {
        let writers = 6;
        let each = 25;
        let mut tasks = tokio::task::JoinSet::new();
        for w in 0..writers {
            let db = b.db.clone();
            tasks.spawn(async move {
                for i in 0..each {
                    let detail = format!("w{w} i{i}");
                    db.audit(T0, &actor(), "test", None, Some(&detail))
                        .await
                        .unwrap();
                }
            });
        }
        let mut seen = Vec::new();
        let mut after = 0;
        loop {
            let done = tasks.is_empty();
            let page = b.db.audit_entries(after, 7).await.unwrap();
            if let Some(last) = page.last() {
                after = last.id;
                seen.extend(page.iter().map(|e| e.id));
            } else if done {
                break;
            } else if let Some(joined) = tasks.try_join_next() {
                joined.unwrap();
            } else {
                tokio::task::yield_now().await;
            }
        }
        let total = (writers * each) as i64;
        assert_eq!(seen, (1..=total).collect::<Vec<_>>(), "{}", b.name);
        let report = verify_audit_chain(b.db.as_ref()).await.unwrap();
        assert_eq!(
            (report.rows, report.problem),
            (total as u64, None),
            "{}",
            b.name
        );
    }
}

/// Concurrent imports commit distinct revisions, and a reader never sees half of one: every
/// snapshot is one import's records with that import's revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_get_their_own_revisions_and_snapshots_are_whole() {
    for b in backends().await {
        let imports = 6;
        let mut writers = tokio::task::JoinSet::new();
        for k in 0..imports {
            let db = b.db.clone();
            writers.spawn(async move {
                let marker = format!("import{k}");
                let summary = db
                    .replace_directory(vec![], people(&marker, 300), &actor(), T0, DAY)
                    .await
                    .unwrap();
                (summary.revision, marker)
            });
        }
        let reader = {
            let db = b.db.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..40 {
                    let snapshot = db.directory().await.unwrap();
                    let markers: std::collections::BTreeSet<String> = snapshot
                        .people
                        .iter()
                        .map(|p| p.split('"').nth(3).unwrap_or_default().to_string())
                        .collect();
                    assert!(markers.len() <= 1, "a torn snapshot: {markers:?}");
                    seen.push((snapshot.revision, markers.into_iter().next()));
                }
                seen
            })
        };
        let mut revisions = std::collections::HashMap::new();
        while let Some(done) = writers.join_next().await {
            let (revision, marker) = done.unwrap();
            revisions.insert(revision, marker);
        }
        let mut got: Vec<u64> = revisions.keys().copied().collect();
        got.sort();
        assert_eq!(got, (1..=imports).collect::<Vec<_>>(), "{}", b.name);
        for (revision, marker) in reader.await.unwrap() {
            if revision > 0 {
                assert_eq!(marker.as_ref(), revisions.get(&revision), "{}", b.name);
            }
        }
        // Deltas step through every revision: each one carries exactly its import.
        for (revision, marker) in &revisions {
            let delta = b.db.delta(revision - 1).await.unwrap().unwrap();
            if delta.revision == *revision {
                assert!(delta.people.iter().all(|p| p.contains(marker.as_str())));
            }
        }
    }
}

/// An approval writes only over the bodies it read; an import in between moves them.
#[tokio::test]
async fn an_approval_is_refused_when_its_records_moved() {
    for b in backends().await {
        let db = b.db.as_ref();
        let user = add(db, "sato").await;
        db.replace_directory(vec![record("o-1", "{}")], people("a", 1), &actor(), T0, DAY)
            .await
            .unwrap();
        let file = |client_ref: &'static str| NewChangeRequestRow {
            client_ref,
            user: &user,
            organization_id: "o-1",
            base_revision: 1,
            note: "",
            changes: "[]",
        };
        let (request, filed) = db
            .add_change_request(file("r1"), &actor(), T0)
            .await
            .unwrap();
        assert!(filed);
        let (again, filed) = db
            .add_change_request(file("r1"), &actor(), T0)
            .await
            .unwrap();
        assert!(!filed && again.id == request.id, "{}: filed once", b.name);
        let write = |expected: &str| RecordWrite {
            kind: RecordKind::Organization,
            id: "o-1".into(),
            expected: Some(expected.into()),
            body: Some(r#"{"x":1}"#.into()),
        };
        let moved = db
            .approve_change_request(
                request.id,
                vec![write("{\"old\":1}")],
                "a",
                "",
                &actor(),
                T0,
            )
            .await
            .unwrap();
        assert_eq!(moved, Err(ApprovalRefused::RecordsMoved), "{}", b.name);
        let revision = db
            .approve_change_request(request.id, vec![write("{}")], "a", "", &actor(), T0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(revision, 2, "{}", b.name);
        assert_eq!(
            db.delta(1).await.unwrap().unwrap().organizations,
            vec![r#"{"x":1}"#]
        );
        let closed = db
            .approve_change_request(request.id, vec![write("{\"x\":1}")], "a", "", &actor(), T0)
            .await
            .unwrap();
        assert_eq!(closed, Err(ApprovalRefused::NotPending), "{}", b.name);
        let listing = db.listing("o-1").await.unwrap().unwrap();
        assert_eq!(listing.organization, r#"{"x":1}"#);
    }
}

/// A request whose client hangs up is dropped mid-call, its transaction with it. sqlx 0.8.6
/// could leave the pooled connection inside a transaction when that happened while a
/// transaction was beginning; every later transaction on it then failed (27 075 errors in six
/// seconds under `bench/server_load.sh`, SQLite) or silently joined the stale one (PostgreSQL).
/// After many calls cut off at random points, every call still works and the chain is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_cut_off_mid_transaction_leave_every_connection_usable() {
    let limits = ThrottleLimits {
        per_account: 1_000_000,
        per_address: 1_000_000,
        window_seconds: 60,
    };
    for b in backends().await {
        // Another writer keeps taking the lock, so that transactions wait as they begin.
        let blocker = {
            let settings = b.settings.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    let _ = raw(&settings, "UPDATE directory_meta SET revision = revision").await;
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            })
        };
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..3000u64 {
            let db = b.db.clone();
            tasks.spawn(async move {
                let cut = std::time::Duration::from_micros((i * 7919) % 3000);
                let _ = tokio::time::timeout(cut, async {
                    db.audit(T0, &actor(), "test", None, None).await.unwrap();
                    db.reserve_login("a", "b", limits, T0)
                        .await
                        .unwrap()
                        .unwrap();
                })
                .await;
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        blocker.await.unwrap();
        for _ in 0..40 {
            b.db.audit(T0, &actor(), "after", None, None)
                .await
                .unwrap_or_else(|e| panic!("{}: {e:#}", b.name));
            b.db.reserve_login("a", "b", limits, T0)
                .await
                .unwrap_or_else(|e| panic!("{}: {e:#}", b.name))
                .unwrap();
        }
        let report = verify_audit_chain(b.db.as_ref()).await.unwrap();
        assert_eq!(report.problem, None, "{}", b.name);
    }
}
