//! SQLite storage: one file, WAL mode, migrations embedded in the binary.

use super::*;

mod change_requests;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

pub struct Sqlite {
    pool: SqlitePool,
}

/// A write transaction: SQLite's write lock from the start.
async fn begin_immediate(pool: &SqlitePool) -> DbResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
    super::begin_detached(pool, Some("BEGIN IMMEDIATE")).await
}

/// A deferred transaction (its first write takes the lock).
async fn begin(pool: &SqlitePool) -> DbResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
    super::begin_detached(pool, None).await
}

impl Sqlite {
    #[cfg(feature = "postgres")]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// `PRAGMA integrity_check`: the problems it names (none for a sound file).
    pub async fn integrity_check(&self) -> DbResult<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(line,)| line)
            .filter(|line| line != "ok")
            .collect())
    }

    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub async fn open(path: &Path) -> DbResult<Sqlite> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbError::Folder(parent.to_path_buf(), e))?;
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| DbError::Open(path.display().to_string(), e))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(DbError::Migrate)?;
        restrict_permissions(path);
        Ok(Sqlite { pool })
    }
}

/// The database holds password hashes and member contact data: owner-only.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn user_from_row(row: &sqlx::sqlite::SqliteRow) -> DbResult<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        login_id: row.try_get("login_id")?,
        display_name: row.try_get("display_name")?,
        organization: row.try_get("organization")?,
        role: AccountRole::from_code(&role)
            .ok_or_else(|| DbError::Corrupt(format!("unknown role {role:?} in users")))?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        two_factor: row.try_get::<i64, _>("two_factor")? != 0,
    })
}

async fn insert_audit(
    tx: &mut sqlx::SqliteConnection,
    at: UnixTime,
    actor: &Actor,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> DbResult<()> {
    // Called inside a transaction that writes: SQLite's one writer at a time keeps the chain
    // from forking between the read of the last hash and the insert.
    let previous: Option<String> =
        sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let hash = super::audit_hash(
        previous.as_deref().unwrap_or(""),
        at,
        &actor.name,
        action,
        target,
        Some(&actor.address),
        detail,
    );
    sqlx::query("INSERT INTO audit_log (at, actor, action, target, address, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(at)
        .bind(&actor.name)
        .bind(action)
        .bind(target)
        .bind(&actor.address)
        .bind(detail)
        .bind(hash)
        .execute(tx)
        .await?;
    Ok(())
}

/// Ends every live session of an account (password change, disable: DESIGN §4).
async fn revoke_user_sessions(
    tx: &mut sqlx::SqliteConnection,
    login_id: &str,
    now: UnixTime,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = ? WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE login_id = ?)",
    )
    .bind(now)
    .bind(login_id)
    .execute(tx)
    .await?;
    Ok(())
}

/// The account's failed logins stop counting against it (they still count against their
/// addresses); how many there were.
async fn clear_account_failures(tx: &mut sqlx::SqliteConnection, account: &str) -> DbResult<u64> {
    Ok(
        sqlx::query("UPDATE login_failures SET cleared = 1 WHERE account = ? AND cleared = 0")
            .bind(account)
            .execute(tx)
            .await?
            .rows_affected(),
    )
}

/// The account's recovery codes become exactly `hashes` (none: two-factor sign-in is off).
async fn replace_recovery_codes(
    tx: &mut sqlx::SqliteConnection,
    user_id: i64,
    hashes: &[String],
) -> DbResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    for hash in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The two record tables share one shape; this keeps their SQL in one place.
#[derive(Clone, Copy)]
enum Table {
    Organizations,
    People,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Organizations => "organizations",
            Table::People => "people",
        }
    }
}

/// Applies one table's part of a directory replacement inside the transaction.
async fn replace_table(
    tx: &mut sqlx::SqliteConnection,
    table: Table,
    records: Vec<RecordBody>,
    revision: i64,
    now: UnixTime,
) -> DbResult<super::rows::Changes> {
    let name = table.name();
    let existing: HashMap<String, (Option<i64>, String)> =
        sqlx::query(&format!("SELECT id, deleted_at, body FROM {name}"))
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    (row.try_get("deleted_at")?, row.try_get("body")?),
                ))
            })
            .collect::<DbResult<_>>()?;
    let mut changes = super::rows::Changes::default();
    let mut seen = std::collections::HashSet::with_capacity(records.len());
    let upsert = format!(
        "INSERT INTO {name} (id, revision, deleted_at, body) VALUES (?, ?, NULL, ?) \
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, deleted_at = NULL, body = excluded.body"
    );
    for record in records {
        let changed = match existing.get(&record.id) {
            Some((None, body)) if *body == record.body => {
                changes.unchanged += 1;
                false
            }
            Some((None, _)) => {
                changes.updated += 1;
                true
            }
            _ => {
                changes.added += 1;
                true
            }
        };
        if changed {
            sqlx::query(&upsert)
                .bind(&record.id)
                .bind(revision)
                .bind(&record.body)
                .execute(&mut *tx)
                .await?;
        }
        seen.insert(record.id);
    }
    let tombstone = format!("UPDATE {name} SET revision = ?, deleted_at = ? WHERE id = ?");
    for (id, (deleted_at, _)) in &existing {
        if deleted_at.is_none() && !seen.contains(id) {
            sqlx::query(&tombstone)
                .bind(revision)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            changes.deleted += 1;
        }
    }
    Ok(changes)
}

#[async_trait]
impl Database for Sqlite {
    async fn listing(&self, organization_id: &str) -> DbResult<Option<StoredListing>> {
        change_requests::listing(&self.pool, organization_id).await
    }

    async fn organization(&self, organization_id: &str) -> DbResult<Option<String>> {
        change_requests::organization(&self.pool, organization_id).await
    }

    async fn add_change_request(
        &self,
        request: NewChangeRequestRow<'_>,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<(StoredChangeRequest, bool)> {
        change_requests::add(&self.pool, request, actor, now).await
    }

    async fn change_request(&self, id: i64) -> DbResult<Option<StoredChangeRequest>> {
        change_requests::get(&self.pool, id).await
    }

    async fn change_request_by_ref(
        &self,
        user_id: i64,
        client_ref: &str,
    ) -> DbResult<Option<StoredChangeRequest>> {
        change_requests::by_ref(&self.pool, user_id, client_ref).await
    }

    async fn change_requests(
        &self,
        organization_id: Option<&str>,
        status: Option<ChangeStatus>,
    ) -> DbResult<Vec<StoredChangeRequest>> {
        change_requests::list(&self.pool, organization_id, status).await
    }

    async fn close_change_request(
        &self,
        id: i64,
        status: ChangeStatus,
        reason: Option<&str>,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        change_requests::close(&self.pool, id, status, reason, actor, now).await
    }

    async fn approve_change_request(
        &self,
        id: i64,
        writes: Vec<RecordWrite>,
        action: &str,
        detail: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<Result<u64, ApprovalRefused>> {
        change_requests::approve(&self.pool, id, writes, action, detail, actor, now).await
    }

    async fn directory(&self) -> DbResult<StoredDirectory> {
        // One read transaction, so the revision and the records agree.
        let mut tx = begin(&self.pool).await?;
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM directory_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let organizations = sqlx::query_scalar(
            "SELECT body FROM organizations WHERE deleted_at IS NULL ORDER BY id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let people =
            sqlx::query_scalar("SELECT body FROM people WHERE deleted_at IS NULL ORDER BY id")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(StoredDirectory {
            revision: revision as u64,
            organizations,
            people,
        })
    }

    async fn revision(&self) -> DbResult<u64> {
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM directory_meta WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(revision as u64)
    }

    async fn delta(&self, since: u64) -> DbResult<Result<StoredDelta, DeltaUnavailable>> {
        let mut tx = begin(&self.pool).await?;
        let row = sqlx::query("SELECT revision, delta_floor FROM directory_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let revision: i64 = row.try_get("revision")?;
        let floor: i64 = row.try_get("delta_floor")?;
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        if since > revision {
            return Ok(Err(DeltaUnavailable::Unknown));
        }
        if since < floor {
            return Ok(Err(DeltaUnavailable::TooOld));
        }
        let mut delta = StoredDelta {
            revision: revision as u64,
            ..StoredDelta::default()
        };
        for table in [Table::Organizations, Table::People] {
            let name = table.name();
            let changed: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT body FROM {name} WHERE revision > ? AND deleted_at IS NULL ORDER BY id"
            ))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            let deleted: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM {name} WHERE revision > ? AND deleted_at IS NOT NULL ORDER BY id"
            ))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            match table {
                Table::Organizations => {
                    delta.organizations = changed;
                    delta.deleted_organizations = deleted;
                }
                Table::People => {
                    delta.people = changed;
                    delta.deleted_people = deleted;
                }
            }
        }
        tx.commit().await?;
        Ok(Ok(delta))
    }

    async fn replace_directory(
        &self,
        organizations: Vec<RecordBody>,
        people: Vec<RecordBody>,
        actor: &Actor,
        now: UnixTime,
        retention_seconds: i64,
    ) -> DbResult<ImportSummary> {
        // IMMEDIATE: the write lock before the revision is read. A deferred transaction that
        // reads first fails with "database is locked" when another import commits in between
        // (found by the conformance suite's concurrent imports).
        let mut tx = begin_immediate(&self.pool).await?;
        let current: i64 = sqlx::query_scalar("SELECT revision FROM directory_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let next = current + 1;
        let orgs = replace_table(&mut tx, Table::Organizations, organizations, next, now).await?;
        let ppl = replace_table(&mut tx, Table::People, people, next, now).await?;
        let changed = orgs.any() || ppl.any();
        let revision = if changed { next } else { current };
        if changed {
            sqlx::query("UPDATE directory_meta SET revision = ? WHERE id = 1")
                .bind(next)
                .execute(&mut *tx)
                .await?;
        }
        // Forget old tombstones; deltas from before the newest forgotten one become impossible.
        let cutoff = now - retention_seconds;
        for table in [Table::Organizations, Table::People] {
            let name = table.name();
            let pruned: Option<i64> = sqlx::query_scalar(&format!(
                "SELECT MAX(revision) FROM {name} WHERE deleted_at IS NOT NULL AND deleted_at < ?"
            ))
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(pruned) = pruned {
                sqlx::query(&format!(
                    "DELETE FROM {name} WHERE deleted_at IS NOT NULL AND deleted_at < ?"
                ))
                .bind(cutoff)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE directory_meta SET delta_floor = MAX(delta_floor, ?) WHERE id = 1",
                )
                .bind(pruned)
                .execute(&mut *tx)
                .await?;
            }
        }
        let (summary, detail) = super::rows::import_summary(revision, &orgs, &ppl);
        insert_audit(&mut tx, now, actor, "directory.import", None, Some(&detail)).await?;
        tx.commit().await?;
        Ok(summary)
    }

    async fn add_user(&self, user: NewUser<'_>, actor: &Actor, now: UnixTime) -> DbResult<User> {
        let mut tx = begin(&self.pool).await?;
        let result = sqlx::query(
            "INSERT INTO users (login_id, display_name, organization, role, password_hash, created_at, password_changed_at, must_change_password) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(user.login_id)
        .bind(user.display_name)
        .bind(user.organization)
        .bind(user.role.code())
        .bind(user.password_hash)
        .bind(now)
        .bind(now)
        .bind(i64::from(user.must_change_password))
        .execute(&mut *tx)
        .await;
        let id = match result {
            Ok(done) => done.last_insert_rowid(),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(DbError::LoginTaken(user.login_id.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        insert_audit(
            &mut tx,
            now,
            actor,
            "user.add",
            Some(user.login_id),
            Some(user.role.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(User {
            id,
            login_id: user.login_id.to_string(),
            display_name: user.display_name.to_string(),
            organization: user.organization.to_string(),
            role: user.role,
            disabled: false,
            must_change_password: user.must_change_password,
            two_factor: false,
        })
    }

    async fn list_users(&self) -> DbResult<Vec<User>> {
        sqlx::query("SELECT id, login_id, display_name, organization, role, disabled, must_change_password, totp_secret IS NOT NULL AS two_factor FROM users ORDER BY login_id")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(user_from_row)
            .collect()
    }

    async fn user_for_login(&self, login_id: &str) -> DbResult<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT id, login_id, display_name, organization, role, disabled, must_change_password, totp_secret IS NOT NULL AS two_factor, password_hash FROM users WHERE login_id = ?",
        )
        .bind(login_id.trim())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn set_password(
        &self,
        login_id: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin(&self.pool).await?;
        let updated = sqlx::query(
            "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ? WHERE login_id = ?",
        )
        .bind(password_hash)
        .bind(now)
        .bind(i64::from(must_change))
        .bind(login_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        // A changed password ends every session (DESIGN §4).
        revoke_user_sessions(&mut tx, login_id, now).await?;
        insert_audit(&mut tx, now, actor, "user.passwd", Some(login_id), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_disabled(
        &self,
        login_id: &str,
        disabled: bool,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin(&self.pool).await?;
        let updated = sqlx::query("UPDATE users SET disabled = ? WHERE login_id = ?")
            .bind(disabled as i64)
            .bind(login_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
        if disabled {
            revoke_user_sessions(&mut tx, login_id, now).await?;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        insert_audit(&mut tx, now, actor, action, Some(login_id), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn two_factor_secret(&self, user_id: i64) -> DbResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = ?")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> DbResult<bool> {
        // One statement: two logins racing with the same code cannot both pass.
        let updated = sqlx::query(
            "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < ?)",
        )
        .bind(step)
        .bind(user_id)
        .bind(step)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        now: UnixTime,
    ) -> DbResult<Option<u32>> {
        let mut tx = begin(&self.pool).await?;
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(user_id)
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if used != 1 {
            return Ok(None);
        }
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(left as u32))
    }

    async fn begin_two_factor(&self, user_id: i64, secret: &str) -> DbResult<bool> {
        let updated =
            sqlx::query("UPDATE users SET totp_pending = ? WHERE id = ? AND totp_secret IS NULL")
                .bind(secret)
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(updated == 1)
    }

    async fn pending_two_factor(&self, user_id: i64) -> DbResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT totp_pending FROM users WHERE id = ? AND totp_secret IS NULL",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .flatten())
    }

    async fn enable_two_factor(
        &self,
        user_id: i64,
        step: i64,
        recovery_code_hashes: &[String],
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin(&self.pool).await?;
        let login_id: Option<String> = sqlx::query_scalar(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ? \
             WHERE id = ? AND totp_pending IS NOT NULL AND totp_secret IS NULL RETURNING login_id",
        )
        .bind(step)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(login_id) = login_id else {
            return Ok(false);
        };
        replace_recovery_codes(&mut tx, user_id, recovery_code_hashes).await?;
        // Sessions signed in with the password alone end: whoever else knew it is out.
        revoke_user_sessions(&mut tx, &login_id, now).await?;
        let detail = format!("recovery_codes={}", recovery_code_hashes.len());
        insert_audit(
            &mut tx,
            now,
            actor,
            "two_factor.enable",
            Some(&login_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn reset_two_factor(
        &self,
        login_id: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin(&self.pool).await?;
        let user_id: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL \
             WHERE login_id = ? RETURNING id",
        )
        .bind(login_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user_id else {
            return Ok(false);
        };
        replace_recovery_codes(&mut tx, user_id, &[]).await?;
        revoke_user_sessions(&mut tx, login_id, now).await?;
        insert_audit(&mut tx, now, actor, "user.reset_2fa", Some(login_id), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn reserve_login(
        &self,
        account: &str,
        address: &str,
        limits: ThrottleLimits,
        now: UnixTime,
    ) -> DbResult<Result<i64, Throttled>> {
        // IMMEDIATE: the write lock before the counts, so two servers (or two requests) cannot
        // both count below the limit and both go ahead.
        let mut tx = begin_immediate(&self.pool).await?;
        sqlx::query("DELETE FROM login_failures WHERE at <= ?")
            .bind(now - super::failure_retention(limits))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM known_addresses WHERE last_ok_at <= ?")
            .bind(now - super::KNOWN_ADDRESS_SECONDS)
            .execute(&mut *tx)
            .await?;
        let window_start = now - limits.window_seconds;
        let by_address: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE address = ? AND at > ? ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?",
        )
        .bind(address)
        .bind(window_start)
        .bind(i64::from(limits.per_address.max(1)) - 1)
        .fetch_optional(&mut *tx)
        .await?;
        let known: bool = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM known_addresses WHERE account = ? AND address = ?",
        )
        .bind(account)
        .bind(address)
        .fetch_one(&mut *tx)
        .await?
            > 0;
        let by_account: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account = ? AND cleared = 0 AND at > ? \
             AND (? = 0 OR address = ?) ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?",
        )
        .bind(account)
        .bind(window_start)
        .bind(known as i64)
        .bind(address)
        .bind(i64::from(limits.per_account.max(1)) - 1)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(throttled) = super::rows::throttle_verdict(by_account, by_address, limits, now)
        {
            tx.rollback().await?;
            return Ok(Err(throttled));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (account, address, at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(account)
        .bind(address)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    async fn login_succeeded(
        &self,
        reservation: i64,
        account: &str,
        address: &str,
        now: UnixTime,
    ) -> DbResult<u32> {
        let mut tx = begin_immediate(&self.pool).await?;
        sqlx::query("DELETE FROM login_failures WHERE id = ?")
            .bind(reservation)
            .execute(&mut *tx)
            .await?;
        let failures = clear_account_failures(&mut tx, account).await?;
        sqlx::query(
            "INSERT INTO known_addresses (account, address, last_ok_at) VALUES (?, ?, ?) \
             ON CONFLICT (account, address) DO UPDATE SET last_ok_at = excluded.last_ok_at",
        )
        .bind(account)
        .bind(address)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(failures as u32)
    }

    async fn release_login(&self, reservation: i64) -> DbResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE id = ?")
            .bind(reservation)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn account_failures(&self, since: UnixTime) -> DbResult<Vec<(String, Vec<UnixTime>)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT account, at FROM login_failures WHERE cleared = 0 AND at > ? ORDER BY account, at, id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(super::rows::group_failures(rows))
    }

    async fn clear_login_failures(
        &self,
        login_id: &str,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin_immediate(&self.pool).await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login_id = ?")
            .bind(login_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Ok(false);
        }
        let cleared = clear_account_failures(&mut tx, &super::failure_account(login_id)).await?;
        let detail = format!("failures={cleared}");
        insert_audit(
            &mut tx,
            now,
            actor,
            "user.unlock",
            Some(login_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: &User,
        address: &str,
        now: UnixTime,
        expires_at: UnixTime,
        max_sessions: u32,
    ) -> DbResult<()> {
        let mut tx = begin(&self.pool).await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, address, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user.id)
        .bind(address)
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        // A user's live sessions are bounded: the oldest beyond the limit end now.
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND token_hash NOT IN \
             (SELECT token_hash FROM sessions WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT ?)",
        )
        .bind(now)
        .bind(user.id)
        .bind(user.id)
        .bind(i64::from(max_sessions.max(1)))
        .execute(&mut *tx)
        .await?;
        // Expired sessions are of no use to anyone; clear them as new ones arrive.
        sqlx::query("DELETE FROM sessions WHERE expires_at < ?")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(
        &self,
        token_hash: &str,
        now: UnixTime,
        idle_seconds: i64,
    ) -> DbResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.login_id, u.display_name, u.organization, u.role, u.disabled, u.must_change_password, u.totp_secret IS NOT NULL AS two_factor, \
                    s.created_at, s.last_seen_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ? AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .bind(live_after(now, idle_seconds))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            user: user_from_row(&row)?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
        };
        if now - session.last_seen_at >= touch_interval(idle_seconds) {
            sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
                .bind(now)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(session))
    }

    async fn revoke_session(&self, token_hash: &str, now: UnixTime) -> DbResult<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn live_sessions(
        &self,
        user_id: i64,
        now: UnixTime,
        idle_seconds: i64,
    ) -> DbResult<Vec<SessionSummary>> {
        let rows = sqlx::query(
            "SELECT rowid AS id, token_hash, address, created_at, last_seen_at, expires_at FROM sessions \
             WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? AND last_seen_at > ? \
             ORDER BY last_seen_at DESC, rowid DESC",
        )
        .bind(user_id)
        .bind(now)
        .bind(live_after(now, idle_seconds))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::rows::session_summary).collect()
    }

    async fn revoke_own_session(
        &self,
        user_id: i64,
        session_id: i64,
        actor: &Actor,
        now: UnixTime,
    ) -> DbResult<bool> {
        let mut tx = begin_immediate(&self.pool).await?;
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = ? \
             WHERE rowid = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(session_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if ended == 0 {
            return Ok(false);
        }
        let target = session_id.to_string();
        insert_audit(&mut tx, now, actor, "session.revoke", Some(&target), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn audit(
        &self,
        at: UnixTime,
        actor: &Actor,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> DbResult<()> {
        // IMMEDIATE: the write lock before the last hash is read (see insert_audit).
        let mut tx = begin_immediate(&self.pool).await?;
        insert_audit(&mut tx, at, actor, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_entries(&self, after_id: i64, limit: i64) -> DbResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, address, detail, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::rows::audit_entry).collect()
    }

    async fn backup(&self, to: &Path) -> DbResult<()> {
        if to.exists() {
            return Err(DbError::BackupExists(to.to_path_buf()));
        }
        // VACUUM INTO writes a consistent snapshot while readers and writers carry on.
        let target = to
            .to_str()
            .ok_or_else(|| DbError::BackupPath(to.to_path_buf()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await?;
        restrict_permissions(to);
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
