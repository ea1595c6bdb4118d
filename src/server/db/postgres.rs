//! PostgreSQL storage (issue 13): several servers on one database, for a city or prefecture that
//! outgrows one box. The same tables as SQLite (`migrations/postgres/`), and the trait's
//! transaction contract kept with PostgreSQL's own means:
//! - `directory()`, `delta()` and `listing()` read in one REPEATABLE READ READ ONLY transaction
//!   (READ COMMITTED, the default, gives each statement its own snapshot: the revision and the
//!   records could disagree).
//! - Directory writers (`replace_directory`, `approve_change_request`) lock the revision row
//!   (`SELECT … FOR UPDATE`) before reading it: two imports on two servers cannot both commit
//!   revision N+1.
//! - Audit rows are appended under one transaction-scoped advisory lock, held until commit, and
//!   get the next id under it: ids follow commit order with no gaps (a sequence's ids are handed
//!   out at insert and survive a rollback), so paging by id cannot skip a row committed late and
//!   the hash chain cannot fork.
//! - Login throttling's check and count run under another advisory lock: concurrent guesses on
//!   any number of servers cannot all pass one check.

use super::*;

mod change_requests;
pub mod migrate;
#[doc(hidden)]
pub mod testing;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

pub struct Postgres {
    pool: PgPool,
    /// The URL with its password redacted, for messages.
    shown: String,
}

/// Advisory lock keys (one database holds one anshin service).
const AUDIT_LOCK: i64 = 0x616e_7368_0001;
const LOGIN_LOCK: i64 = 0x616e_7368_0002;

/// The snapshot reads of the contract.
async fn begin_snapshot(pool: &PgPool) -> DbResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    super::begin_detached(
        pool,
        Some("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"),
    )
    .await
}

/// A READ COMMITTED transaction (writers take their locks inside).
async fn begin(pool: &PgPool) -> DbResult<sqlx::Transaction<'static, sqlx::Postgres>> {
    super::begin_detached(pool, None).await
}

impl Postgres {
    /// Connects and brings the schema up to date. The URL's password never reaches an error
    /// message or a log line (it is shown redacted).
    pub async fn open(url: &str) -> DbResult<Postgres> {
        let shown = DatabaseSettings::Postgres(url.to_string()).to_string();
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Open(shown.clone(), e))?
            .application_name("anshin-server");
        // One connection first: an unreachable server or a wrong password is said at once,
        // not after the pool has retried for its whole acquire timeout.
        {
            use sqlx::Connection as _;
            let probe = PgConnection::connect_with(&options)
                .await
                .map_err(|e| DbError::Open(shown.clone(), e))?;
            let _ = probe.close().await;
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| DbError::Open(shown.clone(), e))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(DbError::Migrate)?;
        Ok(Postgres { pool, shown })
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn user_from_row(row: &sqlx::postgres::PgRow) -> DbResult<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        login_id: row.try_get("login_id")?,
        display_name: row.try_get("display_name")?,
        organization: row.try_get("organization")?,
        role: AccountRole::from_code(&role)
            .ok_or_else(|| DbError::Corrupt(format!("unknown role {role:?} in users")))?,
        disabled: row.try_get("disabled")?,
        must_change_password: row.try_get("must_change_password")?,
        two_factor: row.try_get("two_factor")?,
    })
}

const USER_COLUMNS: &str = "id, login_id, display_name, organization, role, disabled, \
     must_change_password, totp_secret IS NOT NULL AS two_factor";

async fn insert_audit(
    tx: &mut PgConnection,
    at: UnixTime,
    actor: &Actor,
    action: &str,
    target: Option<&str>,
    detail: Option<&str>,
) -> DbResult<()> {
    // Held until the transaction ends: the next writer reads this row's id and hash only once
    // it is committed.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(AUDIT_LOCK)
        .execute(&mut *tx)
        .await?;
    let last: Option<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (id, previous) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, None),
    };
    let hash = super::audit_hash(
        previous.as_deref().unwrap_or(""),
        at,
        &actor.name,
        action,
        target,
        Some(&actor.address),
        detail,
    );
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, target, address, detail, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
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

async fn revoke_user_sessions(
    tx: &mut PgConnection,
    login_id: &str,
    now: UnixTime,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE revoked_at IS NULL \
         AND user_id = (SELECT id FROM users WHERE lower(login_id) = lower($2))",
    )
    .bind(now)
    .bind(login_id)
    .execute(tx)
    .await?;
    Ok(())
}

async fn clear_account_failures(tx: &mut PgConnection, account: &str) -> DbResult<u64> {
    Ok(
        sqlx::query("UPDATE login_failures SET cleared = TRUE WHERE account = $1 AND NOT cleared")
            .bind(account)
            .execute(tx)
            .await?
            .rows_affected(),
    )
}

async fn replace_recovery_codes(
    tx: &mut PgConnection,
    user_id: i64,
    hashes: &[String],
) -> DbResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    if !hashes.is_empty() {
        sqlx::query(
            "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])",
        )
        .bind(user_id)
        .bind(hashes)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Locks the revision row for a directory writer and reads it.
async fn lock_revision(tx: &mut PgConnection) -> DbResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT revision FROM directory_meta WHERE id = 1 FOR UPDATE")
            .fetch_one(tx)
            .await?,
    )
}

fn table_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Organization => "organizations",
        RecordKind::Person => "people",
    }
}

/// One table's part of a directory replacement: the changed records go in with one statement
/// (arrays, not a round trip a record: 50 000 people over a network would take minutes).
async fn replace_table(
    tx: &mut PgConnection,
    kind: RecordKind,
    records: Vec<RecordBody>,
    revision: i64,
    now: UnixTime,
) -> DbResult<super::rows::Changes> {
    let name = table_name(kind);
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
    let (mut ids, mut bodies) = (Vec::new(), Vec::new());
    for record in records {
        match existing.get(&record.id) {
            Some((None, body)) if *body == record.body => changes.unchanged += 1,
            Some((None, _)) => changes.updated += 1,
            _ => changes.added += 1,
        }
        if !matches!(existing.get(&record.id), Some((None, body)) if *body == record.body) {
            ids.push(record.id.clone());
            bodies.push(record.body);
        }
        seen.insert(record.id);
    }
    if !ids.is_empty() {
        sqlx::query(&format!(
            "INSERT INTO {name} (id, revision, deleted_at, body) \
             SELECT id, $1, NULL, body FROM unnest($2::text[], $3::text[]) AS r (id, body) \
             ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, deleted_at = NULL, \
             body = excluded.body"
        ))
        .bind(revision)
        .bind(&ids)
        .bind(&bodies)
        .execute(&mut *tx)
        .await?;
    }
    let gone: Vec<String> = existing
        .iter()
        .filter(|(id, (deleted_at, _))| deleted_at.is_none() && !seen.contains(*id))
        .map(|(id, _)| id.clone())
        .collect();
    if !gone.is_empty() {
        changes.deleted = gone.len();
        sqlx::query(&format!(
            "UPDATE {name} SET revision = $1, deleted_at = $2 WHERE id = ANY($3)"
        ))
        .bind(revision)
        .bind(now)
        .bind(&gone)
        .execute(&mut *tx)
        .await?;
    }
    Ok(changes)
}

#[async_trait]
impl Database for Postgres {
    async fn directory(&self) -> DbResult<StoredDirectory> {
        let mut tx = begin_snapshot(&self.pool).await?;
        let revision: i64 = sqlx::query_scalar("SELECT revision FROM directory_meta WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let organizations = sqlx::query_scalar(
            "SELECT body FROM organizations WHERE deleted_at IS NULL ORDER BY id COLLATE \"C\"",
        )
        .fetch_all(&mut *tx)
        .await?;
        let people = sqlx::query_scalar(
            "SELECT body FROM people WHERE deleted_at IS NULL ORDER BY id COLLATE \"C\"",
        )
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
        let mut tx = begin_snapshot(&self.pool).await?;
        let (revision, floor): (i64, i64) =
            sqlx::query_as("SELECT revision, delta_floor FROM directory_meta WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
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
        for kind in [RecordKind::Organization, RecordKind::Person] {
            let name = table_name(kind);
            let changed: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT body FROM {name} WHERE revision > $1 AND deleted_at IS NULL \
                 ORDER BY id COLLATE \"C\""
            ))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            let deleted: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT id FROM {name} WHERE revision > $1 AND deleted_at IS NOT NULL \
                 ORDER BY id COLLATE \"C\""
            ))
            .bind(since)
            .fetch_all(&mut *tx)
            .await?;
            match kind {
                RecordKind::Organization => {
                    delta.organizations = changed;
                    delta.deleted_organizations = deleted;
                }
                RecordKind::Person => {
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
        let mut tx = begin(&self.pool).await?;
        let current = lock_revision(&mut tx).await?;
        let next = current + 1;
        let orgs =
            replace_table(&mut tx, RecordKind::Organization, organizations, next, now).await?;
        let ppl = replace_table(&mut tx, RecordKind::Person, people, next, now).await?;
        let changed = orgs.any() || ppl.any();
        let revision = if changed { next } else { current };
        if changed {
            sqlx::query("UPDATE directory_meta SET revision = $1 WHERE id = 1")
                .bind(next)
                .execute(&mut *tx)
                .await?;
        }
        let cutoff = now - retention_seconds;
        for kind in [RecordKind::Organization, RecordKind::Person] {
            let name = table_name(kind);
            let pruned: Option<i64> = sqlx::query_scalar(&format!(
                "DELETE FROM {name} WHERE deleted_at IS NOT NULL AND deleted_at < $1 \
                 RETURNING revision"
            ))
            .bind(cutoff)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .max();
            if let Some(pruned) = pruned {
                sqlx::query(
                    "UPDATE directory_meta SET delta_floor = GREATEST(delta_floor, $1) WHERE id = 1",
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
        let result: Result<i64, sqlx::Error> = sqlx::query_scalar(
            "INSERT INTO users (login_id, display_name, organization, role, password_hash, \
             created_at, password_changed_at, must_change_password) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING id",
        )
        .bind(user.login_id)
        .bind(user.display_name)
        .bind(user.organization)
        .bind(user.role.code())
        .bind(user.password_hash)
        .bind(now)
        .bind(user.must_change_password)
        .fetch_one(&mut *tx)
        .await;
        let id = match result {
            Ok(id) => id,
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
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY lower(login_id) COLLATE \"C\""
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_from_row)
        .collect()
    }

    async fn user_for_login(&self, login_id: &str) -> DbResult<Option<(User, String)>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE lower(login_id) = lower($1)"
        ))
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
            "UPDATE users SET password_hash = $1, password_changed_at = $2, \
             must_change_password = $3 WHERE lower(login_id) = lower($4)",
        )
        .bind(password_hash)
        .bind(now)
        .bind(must_change)
        .bind(login_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Ok(false);
        }
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
        let updated =
            sqlx::query("UPDATE users SET disabled = $1 WHERE lower(login_id) = lower($2)")
                .bind(disabled)
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
            sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .flatten(),
        )
    }

    async fn use_totp_step(&self, user_id: i64, step: i64) -> DbResult<bool> {
        // One statement: a second login with the same code waits for the row and then finds
        // the step used (READ COMMITTED re-checks the condition on the updated row).
        let updated = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_secret IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
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
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
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
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(left as u32))
    }

    async fn begin_two_factor(&self, user_id: i64, secret: &str) -> DbResult<bool> {
        let updated =
            sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_secret IS NULL")
                .bind(secret)
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(updated == 1)
    }

    async fn pending_two_factor(&self, user_id: i64) -> DbResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT totp_pending FROM users WHERE id = $1 AND totp_secret IS NULL",
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
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1 \
             WHERE id = $2 AND totp_pending IS NOT NULL AND totp_secret IS NULL RETURNING login_id",
        )
        .bind(step)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(login_id) = login_id else {
            return Ok(false);
        };
        replace_recovery_codes(&mut tx, user_id, recovery_code_hashes).await?;
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
             WHERE lower(login_id) = lower($1) RETURNING id",
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
        let mut tx = begin(&self.pool).await?;
        // One check-and-count at a time across every server on the database.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOGIN_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE at <= $1")
            .bind(now - super::failure_retention(limits))
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM known_addresses WHERE last_ok_at <= $1")
            .bind(now - super::KNOWN_ADDRESS_SECONDS)
            .execute(&mut *tx)
            .await?;
        let window_start = now - limits.window_seconds;
        let by_address: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE address = $1 AND at > $2 \
             ORDER BY at DESC, id DESC LIMIT 1 OFFSET $3",
        )
        .bind(address)
        .bind(window_start)
        .bind(i64::from(limits.per_address.max(1)) - 1)
        .fetch_optional(&mut *tx)
        .await?;
        let known: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM known_addresses WHERE account = $1 AND address = $2)",
        )
        .bind(account)
        .bind(address)
        .fetch_one(&mut *tx)
        .await?;
        let by_account: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM login_failures WHERE account = $1 AND NOT cleared AND at > $2 \
             AND (NOT $3 OR address = $4) ORDER BY at DESC, id DESC LIMIT 1 OFFSET $5",
        )
        .bind(account)
        .bind(window_start)
        .bind(known)
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
            "INSERT INTO login_failures (account, address, at) VALUES ($1, $2, $3) RETURNING id",
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
        let mut tx = begin(&self.pool).await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOGIN_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(reservation)
            .execute(&mut *tx)
            .await?;
        let failures = clear_account_failures(&mut tx, account).await?;
        sqlx::query(
            "INSERT INTO known_addresses (account, address, last_ok_at) VALUES ($1, $2, $3) \
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
        sqlx::query("DELETE FROM login_failures WHERE id = $1")
            .bind(reservation)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn account_failures(&self, since: UnixTime) -> DbResult<Vec<(String, Vec<UnixTime>)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT account, at FROM login_failures WHERE NOT cleared AND at > $1 \
             ORDER BY account COLLATE \"C\", at, id",
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
        let mut tx = begin(&self.pool).await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM users WHERE lower(login_id) = lower($1)")
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
            "INSERT INTO sessions (token_hash, user_id, address, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(user.id)
        .bind(address)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
             AND id NOT IN (SELECT id FROM sessions WHERE user_id = $2 AND revoked_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT $3)",
        )
        .bind(now)
        .bind(user.id)
        .bind(i64::from(max_sessions.max(1)))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
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
            "SELECT u.id, u.login_id, u.display_name, u.organization, u.role, u.disabled, \
                    u.must_change_password, u.totp_secret IS NOT NULL AS two_factor, \
                    s.created_at, s.last_seen_at, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
               AND s.last_seen_at > $3 AND NOT u.disabled",
        )
        .bind(token_hash)
        .bind(now)
        .bind(super::live_after(now, idle_seconds))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let session = Session {
            user: user_from_row(&row)?,
            created_at: row.try_get("created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
        };
        // Marked used at most once a minute: the 304 path of every replica does not write.
        if now - session.last_seen_at >= super::touch_interval(idle_seconds) {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2 AND last_seen_at < $1",
            )
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        }
        Ok(Some(session))
    }

    async fn revoke_session(&self, token_hash: &str, now: UnixTime) -> DbResult<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL",
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
            "SELECT id, token_hash, address, created_at, last_seen_at, expires_at FROM sessions \
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3 \
             ORDER BY last_seen_at DESC, id DESC",
        )
        .bind(user_id)
        .bind(now)
        .bind(super::live_after(now, idle_seconds))
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
        let mut tx = begin(&self.pool).await?;
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 \
             WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(session_id)
        .bind(user_id)
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
        let mut tx = begin(&self.pool).await?;
        insert_audit(&mut tx, at, actor, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_entries(&self, after_id: i64, limit: i64) -> DbResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, target, address, detail, hash FROM audit_log \
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(super::rows::audit_entry).collect()
    }

    async fn backup(&self, _to: &Path) -> DbResult<()> {
        Err(DbError::Unsupported {
            backend: "PostgreSQL",
            what: "backup（pg_dump -Fc で取ってください。README「Scaling out」）",
        })
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
