//! `anshin-server migrate --to postgres://…` (issue 13, item 7): an existing SQLite deployment —
//! directory with its tombstones and revision, accounts, sessions, two-factor secrets, login
//! failures, change requests and the whole audit log with its hash chain — copied into an empty
//! PostgreSQL database in one transaction, then checked: the same rows in every table, the same
//! directory byte for byte, the same audit chain to its last hash.

use super::Postgres;
use crate::server::db::{verify_audit_chain, Database, DbError, DbResult, Sqlite};
use sqlx::Row;

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Flag,
}

use Kind::{Flag, Int, Text};

/// Every table, its columns and their kinds, parents before children (the foreign keys).
/// A column written `expr AS name` is read from SQLite as `expr`.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "organizations",
        &[
            ("id", Text),
            ("revision", Int),
            ("deleted_at", Int),
            ("body", Text),
        ],
    ),
    (
        "people",
        &[
            ("id", Text),
            ("revision", Int),
            ("deleted_at", Int),
            ("body", Text),
        ],
    ),
    (
        "users",
        &[
            ("id", Int),
            ("login_id", Text),
            ("display_name", Text),
            ("organization", Text),
            ("role", Text),
            ("password_hash", Text),
            ("disabled", Flag),
            ("created_at", Int),
            ("password_changed_at", Int),
            ("must_change_password", Flag),
            ("totp_secret", Text),
            ("totp_pending", Text),
            ("totp_last_step", Int),
        ],
    ),
    (
        "sessions",
        &[
            ("rowid AS id", Int),
            ("token_hash", Text),
            ("user_id", Int),
            ("address", Text),
            ("created_at", Int),
            ("last_seen_at", Int),
            ("expires_at", Int),
            ("revoked_at", Int),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Int),
            ("at", Int),
            ("actor", Text),
            ("action", Text),
            ("target", Text),
            ("address", Text),
            ("detail", Text),
            ("hash", Text),
        ],
    ),
    (
        "recovery_codes",
        &[
            ("id", Int),
            ("user_id", Int),
            ("code_hash", Text),
            ("used_at", Int),
        ],
    ),
    (
        "login_failures",
        &[
            ("id", Int),
            ("account", Text),
            ("address", Text),
            ("at", Int),
            ("cleared", Flag),
        ],
    ),
    (
        "known_addresses",
        &[("account", Text), ("address", Text), ("last_ok_at", Int)],
    ),
    (
        "change_requests",
        &[
            ("id", Int),
            ("client_ref", Text),
            ("submitted_by", Int),
            ("submitter", Text),
            ("organization_id", Text),
            ("base_revision", Int),
            ("note", Text),
            ("changes", Text),
            ("status", Text),
            ("submitted_at", Int),
            ("submitted_from", Text),
            ("reviewer", Text),
            ("reviewed_at", Int),
            ("reviewed_from", Text),
            ("reason", Text),
            ("applied_revision", Int),
        ],
    ),
];

/// Tables whose ids PostgreSQL hands out: their identity continues after the copied ids.
const IDENTITIES: &[&str] = &[
    "users",
    "sessions",
    "recovery_codes",
    "login_failures",
    "change_requests",
];

/// Rows copied per statement.
const BATCH: i64 = 5_000;

/// What was copied: rows per table, the directory's revision, the audit chain's last hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    pub rows: Vec<(&'static str, u64)>,
    pub revision: u64,
    pub audit_rows: u64,
    pub last_hash: Option<String>,
}

fn output_name(column: &str) -> &str {
    column.rsplit(" AS ").next().unwrap_or(column)
}

enum Values {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Flag(Vec<Option<bool>>),
}

/// Copies `from` into the empty `to` and checks the copy. The SQLite file is only read; stop
/// the server first, so that nothing is written to it while it is copied.
pub async fn sqlite_to_postgres(from: &Sqlite, to: &Postgres) -> DbResult<MigrationReport> {
    let source = from.pool();
    let target = to.pool();
    let occupied: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM audit_log) \
         OR EXISTS (SELECT 1 FROM organizations) OR EXISTS (SELECT 1 FROM people)",
    )
    .fetch_one(target)
    .await?;
    if occupied {
        return Err(DbError::NotEmpty(to.shown.clone()));
    }
    // One read transaction on SQLite: every table from the same moment.
    let mut read = source.begin().await?;
    let mut write = target.begin().await?;
    let mut rows = Vec::new();
    for (table, columns) in TABLES {
        let select: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
        let names: Vec<&str> = columns.iter().map(|(c, _)| output_name(c)).collect();
        // The whole primary key, so that the pages do not overlap.
        let key = if *table == "known_addresses" {
            "account, address"
        } else {
            names[0]
        };
        let casts: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                let ty = match kind {
                    Int => "bigint",
                    Text => "text",
                    Flag => "boolean",
                };
                format!("${}::{ty}[]", i + 1)
            })
            .collect();
        let insert = format!(
            "INSERT INTO {table} ({}) SELECT * FROM unnest({})",
            names.join(", "),
            casts.join(", ")
        );
        let mut copied = 0u64;
        loop {
            let batch = sqlx::query(&format!(
                "SELECT {} FROM {table} ORDER BY {key} LIMIT ? OFFSET ?",
                select.join(", ")
            ))
            .bind(BATCH)
            .bind(copied as i64)
            .fetch_all(&mut *read)
            .await?;
            if batch.is_empty() {
                break;
            }
            let mut values: Vec<Values> = columns
                .iter()
                .map(|(_, kind)| match kind {
                    Int => Values::Int(Vec::with_capacity(batch.len())),
                    Text => Values::Text(Vec::with_capacity(batch.len())),
                    Flag => Values::Flag(Vec::with_capacity(batch.len())),
                })
                .collect();
            for row in &batch {
                for (i, column) in values.iter_mut().enumerate() {
                    match column {
                        Values::Int(v) => v.push(row.try_get(i)?),
                        Values::Text(v) => v.push(row.try_get(i)?),
                        Values::Flag(v) => {
                            v.push(row.try_get::<Option<i64>, _>(i)?.map(|flag| flag != 0))
                        }
                    }
                }
            }
            debug_assert_eq!(batch[0].columns().len(), columns.len());
            let mut query = sqlx::query(&insert);
            for column in values {
                query = match column {
                    Values::Int(v) => query.bind(v),
                    Values::Text(v) => query.bind(v),
                    Values::Flag(v) => query.bind(v),
                };
            }
            query.execute(&mut *write).await?;
            copied += batch.len() as u64;
        }
        rows.push((*table, copied));
    }
    let (revision, floor): (i64, i64) =
        sqlx::query_as("SELECT revision, delta_floor FROM directory_meta WHERE id = 1")
            .fetch_one(&mut *read)
            .await?;
    sqlx::query("UPDATE directory_meta SET revision = $1, delta_floor = $2 WHERE id = 1")
        .bind(revision)
        .bind(floor)
        .execute(&mut *write)
        .await?;
    for table in IDENTITIES {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *write)
        .await?;
    }
    read.commit().await?;
    write.commit().await?;
    check(from, to, rows, revision as u64).await
}

/// The copy, read back through both backends.
async fn check(
    from: &Sqlite,
    to: &Postgres,
    rows: Vec<(&'static str, u64)>,
    revision: u64,
) -> DbResult<MigrationReport> {
    let mismatch = |what: String| DbError::Storage(anyhow::anyhow!("the copy differs: {what}"));
    for (table, copied) in &rows {
        let there: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(to.pool())
            .await?;
        if there as u64 != *copied {
            return Err(mismatch(format!(
                "{table}: {copied} rows read, {there} in PostgreSQL"
            )));
        }
    }
    let (a, b) = (from.directory().await?, to.directory().await?);
    if a.revision != b.revision || a.organizations != b.organizations || a.people != b.people {
        return Err(mismatch("the directory".into()));
    }
    let (a, b) = (
        verify_audit_chain(from).await.map_err(DbError::Storage)?,
        verify_audit_chain(to).await.map_err(DbError::Storage)?,
    );
    if a != b {
        return Err(mismatch(format!(
            "the audit chain ({} rows, {:?} in SQLite; {} rows, {:?} in PostgreSQL)",
            a.rows, a.last_hash, b.rows, b.last_hash
        )));
    }
    if let Some((id, problem)) = b.problem {
        return Err(mismatch(format!(
            "the audit chain breaks at {id}: {problem}"
        )));
    }
    Ok(MigrationReport {
        rows,
        revision,
        audit_rows: b.rows,
        last_hash: b.last_hash,
    })
}
