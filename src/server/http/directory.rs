//! `GET /api/v1/directory` (snapshot with ETag, or `?since=` delta) and the administrators'
//! `PUT /api/v1/directory` (replace the whole directory).

use super::{Admin, ApiError, ApiResult, AppState, Member};
use crate::directory::{now_in_japan, read_snapshot, Area, Deleted, Timestamp, FORMAT};
use crate::server::db::{now_unix, DeltaUnavailable, ImportSummary};
use crate::server::import::{import_snapshot, ImportError};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct DirectoryQuery {
    /// Return only what changed after this revision (a delta with `deleted`).
    #[param(minimum = 0, maximum = 9007199254740991_i64)]
    pub since: Option<u64>,
}

/// The wire form built from stored record JSON without re-parsing it into types.
#[derive(Serialize)]
struct WireDirectory<'a> {
    format: &'static str,
    revision: u64,
    generated_at: Timestamp,
    areas: &'a [Area],
    organizations: Vec<&'a RawValue>,
    people: Vec<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted: Option<Deleted>,
}

fn raw(bodies: &[String]) -> anyhow::Result<Vec<&RawValue>> {
    bodies
        .iter()
        .map(|b| {
            serde_json::from_str::<&RawValue>(b)
                .map_err(|e| anyhow::anyhow!("stored record is not JSON: {e}"))
        })
        .collect()
}

fn etag_for(revision: u64) -> String {
    format!("W/\"anshin-r{revision}\"")
}

/// `If-None-Match` matches when any listed tag equals ours (weak comparison) or is `*`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == "*" || strip(tag) == strip(etag))
}

fn json_response(bytes: Bytes, etag: Option<&str>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Members-only data: a shared proxy must not keep it; the client revalidates with the ETag.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    response
}

/// The full directory snapshot, or a delta with `?since=REV`.
#[utoipa::path(get, path = "/api/v1/directory", params(DirectoryQuery), security(("bearer" = [])),
    responses(
        (status = 200, description = "スナップショット（ETag 付き）または差分", body = crate::directory::Snapshot),
        (status = 304, description = "If-None-Match の版から変わっていません"),
        (status = 400, description = "since が数ではない", body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, description = "支援センターが決めたパスワードのまま（password_change_required）", body = super::error::ErrorBody),
        (status = 410, description = "その版からの差分はもうありません。全体を取り直してください", body = super::error::ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    member: Member,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(query) = query?;
    match query.since {
        Some(since) => delta(&state, &member, since).await,
        None => full(&state, &member, &headers).await,
    }
}

async fn full(state: &AppState, member: &Member, headers: &HeaderMap) -> ApiResult<Response> {
    let revision = state.db.revision().await?;
    let etag = etag_for(revision);
    if not_modified(headers, &etag) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response.headers_mut().insert(
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(anyhow::Error::from)?,
        );
        return Ok(response);
    }
    let ready = {
        let mut cache = state.snapshot_cache.lock().await;
        match cache.as_ref() {
            Some(ready) if ready.revision == revision => ready.clone(),
            _ => {
                let stored = state.db.directory().await?;
                let areas = state.config.areas.clone();
                // Serializing and compressing take a second of CPU at 100 000 people: off the
                // async workers. The lock is held meanwhile: whoever else asks wants the same.
                let ready =
                    tokio::task::spawn_blocking(move || ReadySnapshot::build(&stored, &areas))
                        .await
                        .map_err(anyhow::Error::from)??;
                *cache = Some(ready.clone());
                ready
            }
        }
    };
    let revision = ready.revision;
    state
        .db
        .audit(
            now_unix(),
            &member.actor(),
            "directory.download",
            None,
            Some(&format!("revision={revision}")),
        )
        .await?;
    let gzip = accepts_gzip(headers);
    let body = if gzip { ready.gzip } else { ready.json };
    let mut response = json_response(body, Some(&etag_for(revision)));
    let response_headers = response.headers_mut();
    response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gzip {
        // Already compressed: the compression layer leaves a response with an encoding alone.
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    Ok(response)
}

/// The full snapshot of one revision, as JSON and as gzip, built once.
#[derive(Clone)]
pub struct ReadySnapshot {
    pub revision: u64,
    json: Bytes,
    gzip: Bytes,
}

impl ReadySnapshot {
    fn build(stored: &crate::server::db::StoredDirectory, areas: &[Area]) -> anyhow::Result<Self> {
        use std::io::Write;
        let wire = WireDirectory {
            format: FORMAT,
            revision: stored.revision,
            generated_at: now_in_japan(),
            areas,
            organizations: raw(&stored.organizations)?,
            people: raw(&stored.people)?,
            deleted: None,
        };
        let json = serde_json::to_vec(&wire)?;
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 4),
            flate2::Compression::default(),
        );
        encoder.write_all(&json)?;
        let gzip = encoder.finish()?;
        Ok(ReadySnapshot {
            revision: stored.revision,
            json: Bytes::from(json),
            gzip: Bytes::from(gzip),
        })
    }
}

/// Whether the client takes gzip (`Accept-Encoding: gzip` or `*`, not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name == "gzip" || name == "*") && !refused
        })
}

async fn delta(state: &AppState, member: &Member, since: u64) -> ApiResult<Response> {
    let stored = match state.db.delta(since).await? {
        Ok(delta) => delta,
        Err(DeltaUnavailable::TooOld | DeltaUnavailable::Unknown) => {
            return Err(ApiError::RevisionGone)
        }
    };
    let changes = stored.organizations.len()
        + stored.people.len()
        + stored.deleted_organizations.len()
        + stored.deleted_people.len();
    let wire = WireDirectory {
        format: FORMAT,
        revision: stored.revision,
        generated_at: now_in_japan(),
        areas: &state.config.areas,
        organizations: raw(&stored.organizations)?,
        people: raw(&stored.people)?,
        deleted: Some(Deleted {
            organizations: stored.deleted_organizations.clone(),
            people: stored.deleted_people.clone(),
        }),
    };
    let bytes = Bytes::from(serde_json::to_vec(&wire).map_err(anyhow::Error::from)?);
    // Background syncs that find nothing new are not worth an audit row each.
    if changes > 0 {
        let detail = format!(
            "since={since} revision={} changes={changes}",
            stored.revision
        );
        state
            .db
            .audit(
                now_unix(),
                &member.actor(),
                "directory.delta",
                None,
                Some(&detail),
            )
            .await?;
    }
    Ok(json_response(bytes, None))
}

/// Replaces the whole directory with the uploaded snapshot (administrators only). Records that
/// changed get a new revision; records left out are deleted.
#[utoipa::path(put, path = "/api/v1/directory", request_body = crate::directory::Snapshot, security(("bearer" = [])),
    responses(
        (status = 200, body = ImportSummary),
        (status = 400, description = "ディレクトリの誤り（どの記録のどの項目か）", body = super::error::ErrorBody),
        (status = 401, body = super::error::ErrorBody),
        (status = 403, body = super::error::ErrorBody),
        (status = 413, body = super::error::ErrorBody),
        (status = 415, body = super::error::ErrorBody),
    ))]
pub async fn replace(
    State(state): State<AppState>,
    Admin(admin): Admin,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<ImportSummary>> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest("本文を読めません".into()),
    })?;
    // Parsing a large directory is CPU work: keep it off the async workers.
    let snapshot = tokio::task::spawn_blocking(move || read_snapshot(&body))
        .await
        .map_err(|e| anyhow::anyhow!("parse task failed: {e}"))?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let config = state.config.clone();
    let summary = import_snapshot(state.db.as_ref(), &config, snapshot, &admin.actor())
        .await
        .map_err(|e| match e {
            ImportError::Invalid(invalid) => ApiError::BadRequest(invalid.to_string()),
            ImportError::Storage(storage) => storage.into(),
        })?;
    Ok(Json(summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_is_weak_and_listy() {
        let etag = etag_for(7);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", \"anshin-r7\""),
        );
        assert!(not_modified(&headers, &etag));
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("W/\"anshin-r6\""),
        );
        assert!(!not_modified(&headers, &etag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&headers, &etag));
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip"));
        assert!(with("br, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!with("x-gzip-not"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
