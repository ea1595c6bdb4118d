//! Sync (DESIGN §5): the full snapshot with its ETag first, then `?since=` deltas applied in
//! place; 410 means a full resync. Offline, the last copy keeps working.

use super::api::{ApiClient, DeltaFetch, FullFetch};
use super::cache::CachedDirectory;
use super::ClientError;
use crate::directory::{now_in_japan, Snapshot, Text};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Nothing changed since the last sync.
    Unchanged,
    /// The whole directory was fetched.
    Full { organizations: usize, people: usize },
    /// A delta was applied.
    Delta { changed: usize, deleted: usize },
}

impl SyncOutcome {
    pub fn message(&self, revision: u64) -> String {
        match self {
            SyncOutcome::Unchanged => format!("ディレクトリは最新です（版 {revision}）"),
            SyncOutcome::Full {
                organizations,
                people,
            } => {
                format!("ディレクトリを取得しました（版 {revision}、機関 {organizations} 件、人 {people} 件）")
            }
            SyncOutcome::Delta { changed, deleted } => {
                format!("ディレクトリを更新しました（版 {revision}、変更 {changed} 件、削除 {deleted} 件）")
            }
        }
    }
}

/// Brings `current` (if any) up to date with the server.
pub async fn sync(
    api: &ApiClient,
    token: &str,
    current: Option<CachedDirectory>,
) -> Result<(CachedDirectory, SyncOutcome), ClientError> {
    if let Some(mut current) = current {
        match api.delta(token, current.snapshot.revision).await? {
            DeltaFetch::Delta(delta) => {
                let (changed, deleted) = apply_delta(&mut current.snapshot, delta);
                current.synced_at = now_in_japan();
                let outcome = if changed + deleted == 0 {
                    SyncOutcome::Unchanged
                } else {
                    // The ETag names a revision; after a delta the next full fetch must not 304.
                    current.etag = None;
                    SyncOutcome::Delta { changed, deleted }
                };
                return Ok((current, outcome));
            }
            DeltaFetch::Gone => {}
        }
    }
    match api.directory(token, None).await? {
        FullFetch::Snapshot { snapshot, etag } => {
            let outcome = SyncOutcome::Full {
                organizations: snapshot.organizations.len(),
                people: snapshot.people.len(),
            };
            let directory = CachedDirectory {
                server_url: api.base_url().to_string(),
                etag,
                synced_at: now_in_japan(),
                snapshot,
            };
            Ok((directory, outcome))
        }
        // Only possible with an ETag, which we did not send.
        FullFetch::NotModified => Err(ClientError::ServerTrouble { status: 304 }),
    }
}

/// Applies a delta in place: changed records replace or join, deleted ones go. Returns
/// (changed, deleted) counts.
pub fn apply_delta(snapshot: &mut Snapshot, delta: Snapshot) -> (usize, usize) {
    let deleted = delta.deleted.unwrap_or_default();
    let changed = delta.organizations.len() + delta.people.len();
    let removed = deleted.organizations.len() + deleted.people.len();
    upsert(&mut snapshot.organizations, delta.organizations, |o| {
        o.id.clone()
    });
    upsert(&mut snapshot.people, delta.people, |p| p.id.clone());
    let gone_orgs: HashSet<&str> = deleted.organizations.iter().map(String::as_str).collect();
    let gone_people: HashSet<&str> = deleted.people.iter().map(String::as_str).collect();
    snapshot
        .organizations
        .retain(|o| !gone_orgs.contains(o.id.as_str()));
    snapshot
        .people
        .retain(|p| !gone_people.contains(p.id.as_str()));
    snapshot.revision = delta.revision;
    snapshot.generated_at = delta.generated_at;
    if !delta.areas.is_empty() {
        snapshot.areas = delta.areas;
    }
    (changed, removed)
}

fn upsert<T>(records: &mut Vec<T>, changes: Vec<T>, id: impl Fn(&T) -> Text) {
    if changes.is_empty() {
        return;
    }
    let position: HashMap<Text, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (id(r), i))
        .collect();
    for record in changes {
        match position.get(&id(&record)) {
            Some(&i) => records[i] = record,
            None => records.push(record),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Deleted;

    #[test]
    fn delta_updates_adds_and_deletes() {
        let mut base = crate::demo::generate(30, 3);
        let mut delta = base.clone();
        delta.revision = 9;
        delta.organizations.clear();
        let mut changed = base.people[2].clone();
        changed.title = Some("新しい役職".into());
        let mut added = base.people[0].clone();
        added.id = "p-new".into();
        delta.people = vec![changed, added];
        delta.deleted = Some(Deleted {
            organizations: vec![],
            people: vec![base.people[5].id.to_string()],
        });
        let gone = base.people[5].id.clone();
        assert_eq!(apply_delta(&mut base, delta), (2, 1));
        assert_eq!(base.revision, 9);
        assert_eq!(base.people.len(), 30);
        assert_eq!(
            base.person(&base.people[2].id.clone())
                .unwrap()
                .title
                .as_deref(),
            Some("新しい役職")
        );
        assert!(base.person("p-new").is_some());
        assert!(base.person(&gone).is_none());
    }
}
