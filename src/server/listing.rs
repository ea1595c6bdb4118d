//! Listing changes on the server (情報変更届, seed §9, DESIGN §7): who may file what, the same
//! validation as the import, conflicts judged field by field against the request's base, and
//! the approval that applies the patch as one new directory revision. Used by the HTTP API and
//! by `anshin-server change-requests`.

use super::config::ServerConfig;
use super::db::{
    now_unix, AccountRole, Actor, ApprovalRefused, ChangeStatus, Database, NewChangeRequestRow,
    RecordKind, RecordWrite, StoredChangeRequest, StoredListing, User,
};
use crate::directory::{
    japan_offset, validate_snapshot, Organization, Person, Snapshot, Timestamp, FORMAT,
};
use crate::listing::{
    describe, field_label, ChangeRequest, FieldChange, Listing, NewChangeRequest, ReviewedChange,
    Take,
};
use serde_json::Value;
use std::collections::BTreeMap;

/// At most this many changes in one request, and this long a note or reason.
pub const MAX_CHANGES: usize = 200;
pub const MAX_NOTE_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error("ほかの機関の掲載は変更できません。変更届は自分の機関（{0}）の分だけ出せます")]
    NotYourOrganization(String),
    #[error("取り下げられるのは、その届を出したアカウントだけです")]
    NotSubmitter,
    #[error("変更届 {0} はありません")]
    NotFound(i64),
    /// A request number that is not one (`/change-requests/abc`).
    #[error("変更届「{0}」はありません（番号で指定してください）")]
    NoSuchNumber(String),
    #[error("変更届 {id} はすでに{}です", .status.label())]
    NotPending { id: i64, status: ChangeStatus },
    /// The request does not fit the directory's rules: the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// Fields changed since the request was made; the reviewer must choose for each.
    #[error("申請のあとで変わった項目があります。項目ごとに、申請どおりにするか今のままにするかを選んでください:\n{0}")]
    Conflict(String),
    #[error("ほかの変更と重なりました。もう一度お試しください")]
    Busy,
    #[error(transparent)]
    Storage(#[from] anyhow::Error),
}

impl From<super::db::DbError> for ListingError {
    fn from(error: super::db::DbError) -> Self {
        ListingError::Storage(error.into())
    }
}

/// The request as the API shows it: the stored changes, with the live value and the conflict
/// flag while it is pending.
pub async fn view(
    db: &dyn Database,
    stored: StoredChangeRequest,
) -> Result<ChangeRequest, ListingError> {
    let changes: Vec<FieldChange> = serde_json::from_str(&stored.changes)
        .map_err(|e| anyhow::anyhow!("change request {} is unreadable: {e}", stored.id))?;
    let pending = stored.status == ChangeStatus::Pending;
    // A closed request is shown as filed: only the organisation's name is read then.
    let live = match pending {
        true => db.listing(&stored.organization_id).await?,
        false => db
            .organization(&stored.organization_id)
            .await?
            .map(|organization| StoredListing {
                organization,
                people: Vec::new(),
            }),
    };
    let live = live.map(|l| parse_listing(&l)).transpose()?;
    let organization_name = live
        .as_ref()
        .and_then(|l| l.organization["name"].as_str())
        .unwrap_or_default()
        .to_string();
    let changes = changes
        .into_iter()
        .map(|change| {
            let now = (pending)
                .then(|| live.as_ref().map(|l| l.current(&change)))
                .flatten();
            let conflict = now
                .as_ref()
                .is_some_and(|now| *now != change.old && *now != change.new);
            let person = live
                .as_ref()
                .and_then(|l| l.people.get(&change.record))
                .or(Some(&change.new))
                .and_then(|p| p["name"].as_str())
                .or(change.old["name"].as_str())
                .filter(|_| !change.field.is_empty())
                .map(str::to_string);
            ReviewedChange {
                change,
                now,
                conflict,
                person,
            }
        })
        .collect();
    Ok(ChangeRequest {
        id: stored.id,
        client_ref: stored.client_ref,
        organization_id: stored.organization_id,
        organization_name,
        submitter: stored.submitter,
        submitted_at: timestamp(stored.submitted_at),
        base_revision: stored.base_revision,
        note: stored.note,
        status: stored.status,
        changes,
        reviewer: stored.reviewer,
        reviewed_at: stored.reviewed_at.map(timestamp),
        reason: stored.reason,
        applied_revision: stored.applied_revision,
    })
}

fn timestamp(at: i64) -> Timestamp {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&japan_offset())
}

fn parse_listing(stored: &StoredListing) -> anyhow::Result<Listing> {
    Ok(Listing {
        organization: serde_json::from_str(&stored.organization)?,
        people: stored
            .people
            .iter()
            .map(|(id, body)| Ok((id.clone(), serde_json::from_str(body)?)))
            .collect::<anyhow::Result<BTreeMap<String, Value>>>()?,
    })
}

/// Members file for their own organisation; administrators for any.
fn may_file_for(user: &User, organization_id: &str) -> bool {
    user.role == AccountRole::Admin || user.organization == organization_id
}

/// Files a request (or, with no changes, records that the listing was confirmed). Checked
/// against the live listing and the directory's rules before anything is stored.
pub async fn submit(
    db: &dyn Database,
    config: &ServerConfig,
    user: &User,
    actor: &Actor,
    mut request: NewChangeRequest,
) -> Result<(ChangeRequest, bool), ListingError> {
    if !may_file_for(user, &request.organization_id) {
        db.audit(
            now_unix(),
            actor,
            "access.denied",
            Some("change_request.submit"),
            Some(&format!("organization={}", request.organization_id)),
        )
        .await?;
        return Err(ListingError::NotYourOrganization(user.organization.clone()));
    }
    check_request_shape(&request)?;
    // A resend (the answer was lost, the client crashed) gets the request on file, even when
    // the listing has moved on since — say, because that very request was approved.
    if let Some(filed) = db
        .change_request_by_ref(user.id, &request.client_ref)
        .await?
    {
        return Ok((view(db, filed).await?, false));
    }
    let Some(stored) = db.listing(&request.organization_id).await? else {
        return Err(ListingError::Invalid(format!(
            "機関「{}」はディレクトリにありません",
            request.organization_id
        )));
    };
    let live = parse_listing(&stored)?;
    assign_new_person_ids(&mut request);
    // The proposal must make a valid listing on its own terms: applied to what is live now.
    let mut proposed = live.clone();
    for change in &request.changes {
        check_record(&live, change)?;
        proposed
            .apply(change)
            .map_err(|message| invalid(&live, change, &message))?;
    }
    validate(&proposed, &request.changes, config)?;
    let changes = serde_json::to_string(&request.changes).map_err(anyhow::Error::from)?;
    let now = now_unix();
    let (stored, filed) = db
        .add_change_request(
            NewChangeRequestRow {
                client_ref: &request.client_ref,
                user,
                organization_id: &request.organization_id,
                base_revision: request.base_revision,
                note: request.note.trim(),
                changes: &changes,
            },
            actor,
            now,
        )
        .await?;
    // 「変更なし」 needs no review: the confirmation date goes on the listing at once.
    let stored = if filed && request.changes.is_empty() {
        let id = stored.id;
        apply(db, config, id, &[], actor, "listing.confirm").await?;
        db.change_request(id)
            .await?
            .ok_or(ListingError::NotFound(id))?
    } else {
        stored
    };
    Ok((view(db, stored).await?, filed))
}

fn check_request_shape(request: &NewChangeRequest) -> Result<(), ListingError> {
    let client_ref = &request.client_ref;
    if client_ref.is_empty()
        || client_ref.len() > 64
        || !client_ref
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ListingError::Invalid(
            "client_ref は英数字とハイフンで 64 文字までにしてください".into(),
        ));
    }
    if request.note.chars().count() > MAX_NOTE_CHARS {
        return Err(ListingError::Invalid(format!(
            "連絡事項は {MAX_NOTE_CHARS} 文字までにしてください"
        )));
    }
    if request.changes.len() > MAX_CHANGES {
        return Err(ListingError::Invalid(format!(
            "一度に出せる変更は {MAX_CHANGES} 項目までです"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for change in &request.changes {
        if !seen.insert((change.record.as_str(), change.field.as_str())) {
            return Err(ListingError::Invalid(format!(
                "「{}」の変更が二つあります。一つにまとめてください",
                field_label(&change.field)
            )));
        }
    }
    Ok(())
}

/// A person added by the request gets an id the server chooses, so that no request can reach
/// a record of another organisation by naming its id.
fn assign_new_person_ids(request: &mut NewChangeRequest) {
    let org = request.organization_id.trim_start_matches("o-").to_string();
    for change in &mut request.changes {
        if change.field.is_empty() && change.old.is_null() && change.new.is_object() {
            let id = format!("p-{org}-{:08x}", rand::random::<u32>());
            change.record = id.clone();
            change.new["id"] = Value::String(id);
            change.new["organization_id"] = Value::String(request.organization_id.clone());
        }
    }
}

/// The record a change names is the organisation or one of its people (or a person it adds).
fn check_record(live: &Listing, change: &FieldChange) -> Result<(), ListingError> {
    let org_id = live.organization["id"].as_str().unwrap_or_default();
    let adds = change.field.is_empty() && change.old.is_null();
    if change.record == org_id || live.people.contains_key(&change.record) || adds {
        if change.record == org_id && change.field.is_empty() {
            return Err(ListingError::Invalid(
                "機関そのものの追加や削除は変更届ではできません。支援センターにご相談ください"
                    .into(),
            ));
        }
        return Ok(());
    }
    Err(ListingError::Invalid(format!(
        "担当者 {} はこの機関の掲載にありません（削除されたか、ほかの機関の方です）",
        change.record
    )))
}

fn invalid(live: &Listing, change: &FieldChange, message: &str) -> ListingError {
    ListingError::Invalid(format!("{}: {message}", whose(live, change)))
}

/// 「機関の新規の受け入れ」, 「田中 一郎さんの連絡できる時間帯」.
fn whose(live: &Listing, change: &FieldChange) -> String {
    let field = field_label(&change.field);
    if change.record == live.organization["id"].as_str().unwrap_or_default() {
        return format!("機関の「{field}」");
    }
    let person = live.people.get(&change.record).unwrap_or(&change.new);
    match person["name"].as_str() {
        Some(name) if !change.field.is_empty() => format!("{name}さんの「{field}」"),
        Some(name) => format!("担当者「{name}」"),
        None => format!("担当者 {}", change.record),
    }
}

/// The proposed listing by the import's rules (areas, vocabularies, `HH:MM`, numbers): the
/// first problem, named by the person and the field in the member's words.
fn validate(
    proposed: &Listing,
    changes: &[FieldChange],
    config: &ServerConfig,
) -> Result<(), ListingError> {
    let organization: Organization =
        typed(&proposed.organization).map_err(|(field, message)| {
            ListingError::Invalid(format!("機関の「{}」: {message}", field_label(&field)))
        })?;
    let touched: std::collections::HashSet<&str> =
        changes.iter().map(|c| c.record.as_str()).collect();
    let mut people = Vec::new();
    for (id, body) in &proposed.people {
        if !touched.contains(id.as_str()) {
            continue;
        }
        let person: Person = typed(body).map_err(|(field, message)| {
            let name = body["name"].as_str().unwrap_or(id);
            ListingError::Invalid(format!(
                "{name}さんの「{}」: {message}",
                field_label(&field)
            ))
        })?;
        people.push(person);
    }
    let snapshot = Snapshot {
        format: FORMAT.into(),
        revision: 0,
        generated_at: crate::directory::now_in_japan(),
        areas: config.areas.clone(),
        organizations: vec![organization],
        people,
        deleted: None,
    };
    validate_snapshot(&snapshot).map_err(|err| {
        let problem = err.problems().into_iter().next();
        match problem {
            Some(problem) => {
                let who = match problem.record.split_once('（') {
                    Some((collection, _)) if collection.starts_with("people") => {
                        let index: usize = collection
                            .trim_start_matches("people[")
                            .trim_end_matches(']')
                            .parse()
                            .unwrap_or(0);
                        let name = snapshot
                            .people
                            .get(index)
                            .map(|p| p.name.to_string())
                            .unwrap_or_default();
                        format!("{name}さんの")
                    }
                    _ => "機関の".to_string(),
                };
                ListingError::Invalid(format!(
                    "{who}「{}」: {}",
                    label_of_path(&problem.field),
                    problem.message
                ))
            }
            None => ListingError::Invalid(err.to_string()),
        }
    })
}

/// `contact.windows[0]` → 「連絡できる時間帯（1 つ目）」.
fn label_of_path(path: &str) -> String {
    let (base, index) = match path.split_once('[') {
        Some((base, rest)) => (
            base,
            rest.split(']').next().and_then(|i| i.parse::<usize>().ok()),
        ),
        None => (path, None),
    };
    let label = field_label(base).to_string();
    match index {
        Some(i) => format!("{label}（{} つ目）", i + 1),
        None => label,
    }
}

/// A record's JSON as the typed model, or the field and the reason it does not fit.
fn typed<T: serde::de::DeserializeOwned>(body: &Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(body).map_err(|err| {
        let path = err.path().to_string();
        let base = path.split('[').next().unwrap_or_default().to_string();
        let message = err.into_inner().to_string();
        let message = if message.contains("HH:MM") || base.ends_with("windows") {
            "時刻は 13:00 の形（00:00〜23:59）で書いてください".to_string()
        } else if message.contains("unknown variant") {
            "決められた選択肢の中から選んでください".to_string()
        } else if message.contains("invalid type") {
            "値の形が違います".to_string()
        } else {
            "読めない値です".to_string()
        };
        (base, message)
    })
}

/// Approves a pending request: each change whose field is still at the request's base (or
/// already at the proposal) is applied; a conflict is applied only as `resolutions` say.
pub async fn approve(
    db: &dyn Database,
    config: &ServerConfig,
    id: i64,
    resolutions: &[(usize, Take)],
    actor: &Actor,
) -> Result<ChangeRequest, ListingError> {
    apply(db, config, id, resolutions, actor, "change_request.approve").await?;
    let stored = db
        .change_request(id)
        .await?
        .ok_or(ListingError::NotFound(id))?;
    view(db, stored).await
}

/// The approval's work; retried when an import or another approval moved a record between the
/// read and the write (the write is compare-and-swap, so nothing is overwritten unseen).
async fn apply(
    db: &dyn Database,
    config: &ServerConfig,
    id: i64,
    resolutions: &[(usize, Take)],
    actor: &Actor,
    action: &str,
) -> Result<u64, ListingError> {
    for _ in 0..5 {
        let stored = db
            .change_request(id)
            .await?
            .ok_or(ListingError::NotFound(id))?;
        if stored.status != ChangeStatus::Pending {
            return Err(ListingError::NotPending {
                id,
                status: stored.status,
            });
        }
        let changes: Vec<FieldChange> =
            serde_json::from_str(&stored.changes).map_err(anyhow::Error::from)?;
        let Some(live_stored) = db.listing(&stored.organization_id).await? else {
            return Err(ListingError::Invalid(format!(
                "機関「{}」はもうディレクトリにありません。却下してください",
                stored.organization_id
            )));
        };
        let live = parse_listing(&live_stored)?;
        let mut patched = live.clone();
        let mut unresolved = Vec::new();
        let (mut applied, mut kept) = (0, 0);
        for (index, change) in changes.iter().enumerate() {
            let now = live.current(change);
            if now == change.new {
                continue;
            }
            if now != change.old {
                match resolutions.iter().find(|(i, _)| *i == index) {
                    Some((_, Take::Current)) => {
                        kept += 1;
                        continue;
                    }
                    Some((_, Take::Proposed)) => {}
                    None => {
                        unresolved.push(format!(
                            "  {}. {}: 申請時「{}」／現在「{}」／申請「{}」",
                            index + 1,
                            whose(&live, change),
                            describe(&change.field, &change.old),
                            describe(&change.field, &now),
                            describe(&change.field, &change.new)
                        ));
                        continue;
                    }
                }
            }
            patched
                .apply(change)
                .map_err(|message| invalid(&live, change, &message))?;
            applied += 1;
        }
        if !unresolved.is_empty() {
            return Err(ListingError::Conflict(unresolved.join("\n")));
        }
        // What is live now plus the proposal must still be a valid listing.
        validate(&patched, &changes, config)?;
        let now = now_unix();
        let stamp = Value::String(timestamp(now).to_rfc3339());
        let writes = record_writes(&live, &live_stored, &mut patched, &stamp)?;
        let detail = format!("applied={applied} kept_current={kept}");
        match db
            .approve_change_request(id, writes, action, &detail, actor, now)
            .await?
        {
            Ok(revision) => return Ok(revision),
            Err(ApprovalRefused::NotPending) => {
                let status = db
                    .change_request(id)
                    .await?
                    .map(|r| r.status)
                    .unwrap_or(ChangeStatus::Withdrawn);
                return Err(ListingError::NotPending { id, status });
            }
            Err(ApprovalRefused::RecordsMoved) => continue,
        }
    }
    Err(ListingError::Busy)
}

/// What the approval writes: the organisation always (its confirmation date), and each person
/// added, removed or changed, each against the body it was read with.
fn record_writes(
    live: &Listing,
    live_stored: &StoredListing,
    patched: &mut Listing,
    stamp: &Value,
) -> Result<Vec<RecordWrite>, ListingError> {
    let body = |value: &Value| serde_json::to_string(value).map_err(anyhow::Error::from);
    if patched.organization != live.organization {
        patched.organization["updated_at"] = stamp.clone();
    }
    patched.organization["confirmed_at"] = stamp.clone();
    let mut writes = vec![RecordWrite {
        kind: RecordKind::Organization,
        id: live.organization["id"].as_str().unwrap_or_default().into(),
        expected: Some(live_stored.organization.clone()),
        body: Some(body(&patched.organization)?),
    }];
    let expected = |id: &str| {
        live_stored
            .people
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, b)| b.clone())
    };
    for (id, person) in &mut patched.people {
        if live.people.get(id) != Some(person) {
            person["updated_at"] = stamp.clone();
            writes.push(RecordWrite {
                kind: RecordKind::Person,
                id: id.clone(),
                expected: expected(id),
                body: Some(body(person)?),
            });
        }
    }
    for id in live.people.keys() {
        if !patched.people.contains_key(id) {
            writes.push(RecordWrite {
                kind: RecordKind::Person,
                id: id.clone(),
                expected: expected(id),
                body: None,
            });
        }
    }
    Ok(writes)
}

pub async fn reject(
    db: &dyn Database,
    id: i64,
    reason: &str,
    actor: &Actor,
) -> Result<ChangeRequest, ListingError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ListingError::Invalid(
            "却下の理由を書いてください（申請した機関に伝わります）".into(),
        ));
    }
    if reason.chars().count() > MAX_NOTE_CHARS {
        return Err(ListingError::Invalid(format!(
            "理由は {MAX_NOTE_CHARS} 文字までにしてください"
        )));
    }
    close(db, id, ChangeStatus::Rejected, Some(reason), actor).await
}

/// The submitter takes back a pending request.
pub async fn withdraw(
    db: &dyn Database,
    id: i64,
    user: &User,
    actor: &Actor,
) -> Result<ChangeRequest, ListingError> {
    let stored = db
        .change_request(id)
        .await?
        .ok_or(ListingError::NotFound(id))?;
    if stored.submitted_by != user.id {
        return Err(ListingError::NotSubmitter);
    }
    close(db, id, ChangeStatus::Withdrawn, None, actor).await
}

async fn close(
    db: &dyn Database,
    id: i64,
    status: ChangeStatus,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<ChangeRequest, ListingError> {
    let closed = db
        .close_change_request(id, status, reason, actor, now_unix())
        .await?;
    let stored = db
        .change_request(id)
        .await?
        .ok_or(ListingError::NotFound(id))?;
    if !closed {
        return Err(ListingError::NotPending {
            id,
            status: stored.status,
        });
    }
    view(db, stored).await
}

/// A request the user may see: their organisation's, or any for an administrator.
pub async fn read(db: &dyn Database, id: i64, user: &User) -> Result<ChangeRequest, ListingError> {
    let stored = db
        .change_request(id)
        .await?
        .ok_or(ListingError::NotFound(id))?;
    if !may_file_for(user, &stored.organization_id) {
        // Not "forbidden": whether a number exists is none of another organisation's business.
        return Err(ListingError::NotFound(id));
    }
    view(db, stored).await
}

/// Requests the user may see, newest first.
pub async fn list(
    db: &dyn Database,
    user: &User,
    status: Option<ChangeStatus>,
) -> Result<Vec<ChangeRequest>, ListingError> {
    let organization = (user.role != AccountRole::Admin).then_some(user.organization.as_str());
    list_of(db, organization, status).await
}

/// Requests of one organisation (or all), of one status (or any), newest first, as shown.
pub async fn list_of(
    db: &dyn Database,
    organization: Option<&str>,
    status: Option<ChangeStatus>,
) -> Result<Vec<ChangeRequest>, ListingError> {
    let mut out = Vec::new();
    for stored in db.change_requests(organization, status).await? {
        out.push(view(db, stored).await?);
    }
    Ok(out)
}

/// A listing not confirmed within the period: (id, name, last confirmed or, failing that,
/// last updated).
#[derive(Debug, Clone, PartialEq)]
pub struct StaleListing {
    pub id: String,
    pub name: String,
    pub last_confirmed: Timestamp,
    pub confirmed: bool,
}

/// `anshin-server report stale`: listings whose last confirmation (or, never confirmed, last
/// update) is older than `months`, oldest first.
pub async fn stale(db: &dyn Database, months: u32) -> anyhow::Result<Vec<StaleListing>> {
    let stored = db.directory().await?;
    let cutoff = crate::directory::now_in_japan()
        .checked_sub_months(chrono::Months::new(months))
        .unwrap_or_default();
    let mut out = Vec::new();
    for body in &stored.organizations {
        let org: Organization = serde_json::from_str(body)?;
        let last = org.confirmed_at.unwrap_or(org.updated_at);
        if last < cutoff {
            out.push(StaleListing {
                id: org.id.to_string(),
                name: org.name.to_string(),
                last_confirmed: last,
                confirmed: org.confirmed_at.is_some(),
            });
        }
    }
    out.sort_by_key(|s| s.last_confirmed);
    Ok(out)
}
