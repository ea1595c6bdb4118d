//! Listing changes from the member's side (情報変更届, DESIGN §7): filing, following and — for
//! the support centre — reviewing change requests, and the outbox that keeps a request filed
//! offline until the next sync delivers it. Nothing filed is lost: the outbox is written (0600,
//! atomically) before the member is told it is queued, and a request leaves it only when the
//! server has it, or has refused it — then it stays, with the server's reason, to be fixed.

use super::{Client, ClientError};
use crate::listing::{
    ApproveRequest, ChangeRequest, ChangeStatus, NewChangeRequest, RejectRequest, Resolution,
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A request waiting to go, or refused by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub request: NewChangeRequest,
    /// The server's reason when it refused the request (it stays until fixed or dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// What [`Client::send_queued_change_requests`] did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Delivery {
    pub sent: Vec<ChangeRequest>,
    /// Refused now: the request and the server's reason.
    pub refused: Vec<(NewChangeRequest, String)>,
    /// Still waiting (offline).
    pub waiting: usize,
}

/// A fresh `client_ref`: 128 random bits.
pub fn new_client_ref() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl Client {
    fn outbox_path(&self) -> Result<PathBuf, ClientError> {
        Ok(self.config.data_dir()?.join("listing-outbox.json"))
    }

    /// Requests waiting to be sent, and refused ones, oldest first.
    pub fn queued_change_requests(&self) -> Result<Vec<Queued>, ClientError> {
        let path = self.outbox_path()?;
        let unreadable = |e: &dyn std::fmt::Display| {
            ClientError::Config(format!(
                "変更届の送信待ちファイル {} を読めません: {e}",
                path.display()
            ))
        };
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| unreadable(&e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(unreadable(&e)),
        }
    }

    fn store_queue(&self, queue: &[Queued]) -> Result<(), ClientError> {
        let path = self.outbox_path()?;
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        let bytes = serde_json::to_vec_pretty(queue).expect("the queue always serializes");
        super::cache::write_atomically(&dir, &path, &bytes)
    }

    /// Reads the outbox, changes it and writes it back, with no other change in between: not
    /// from this process (a mutex) nor from another — the TUI and `anshin sync` on one PC — (an
    /// exclusive lock on `listing-outbox.lock` beside it, released when the file closes).
    fn edit_queue(&self, change: impl FnOnce(&mut Vec<Queued>)) -> Result<(), ClientError> {
        let _held = self.outbox.lock().unwrap_or_else(|e| e.into_inner());
        let path = self.outbox_path()?;
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        let fail = |e: std::io::Error| ClientError::CacheWrite {
            path: dir.display().to_string(),
            detail: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("listing-outbox.lock"))
            .map_err(fail)?;
        lock.lock().map_err(fail)?;
        let mut queue = self.queued_change_requests()?;
        change(&mut queue);
        self.store_queue(&queue)
    }

    /// Puts a request in the outbox (on disk before this returns).
    pub fn queue_change_request(&self, request: NewChangeRequest) -> Result<(), ClientError> {
        self.edit_queue(|queue| {
            queue.retain(|q| q.request.client_ref != request.client_ref);
            queue.push(Queued {
                request,
                refused: None,
            });
        })
    }

    /// Drops a request from the outbox (the member gave up on a refused one).
    pub fn drop_queued_change_request(&self, client_ref: &str) -> Result<(), ClientError> {
        self.edit_queue(|queue| queue.retain(|q| q.request.client_ref != client_ref))
    }

    /// Sends what waits in the outbox, oldest first; stops at the first network failure (the
    /// rest waits for the next sync). A request already received (same `client_ref`) is not
    /// filed twice. The outbox is written back with only what was sent taken out and what was
    /// refused marked: a request queued meanwhile stays.
    pub async fn send_queued_change_requests(&self) -> Result<Delivery, ClientError> {
        let queue = self.queued_change_requests()?;
        let mut delivery = Delivery::default();
        let waiting: Vec<NewChangeRequest> = queue
            .into_iter()
            .filter(|q| q.refused.is_none())
            .map(|q| q.request)
            .collect();
        if waiting.is_empty() {
            return Ok(delivery);
        }
        let token = self.token()?;
        let mut signed_out = None;
        for request in waiting {
            match self.file_with(&token, &request).await {
                Ok(filed) => delivery.sent.push(filed),
                Err(e) if e.is_offline() || matches!(e, ClientError::ServerTrouble { .. }) => {
                    break;
                }
                // The account cannot file now (signed out, or the centre's password or the
                // two-factor setup to see to first): not a refusal of the request; the rest
                // waits for the next sign-in.
                Err(
                    e @ (ClientError::SessionExpired
                    | ClientError::NotLoggedIn
                    | ClientError::PasswordChangeRequired
                    | ClientError::TwoFactorSetupRequired),
                ) => {
                    signed_out = Some(e);
                    break;
                }
                Err(e) => delivery.refused.push((request, e.to_string())),
            }
        }
        let mut waiting = 0;
        self.edit_queue(|queue| {
            queue.retain(|q| {
                !delivery
                    .sent
                    .iter()
                    .any(|s| s.client_ref == q.request.client_ref)
            });
            for q in queue.iter_mut() {
                if let Some((_, why)) = delivery
                    .refused
                    .iter()
                    .find(|(r, _)| r.client_ref == q.request.client_ref)
                {
                    q.refused = Some(why.clone());
                }
            }
            waiting = queue.iter().filter(|q| q.refused.is_none()).count();
        })?;
        delivery.waiting = waiting;
        match signed_out {
            Some(e) => Err(e),
            None => Ok(delivery),
        }
    }

    async fn file_with(
        &self,
        token: &str,
        request: &NewChangeRequest,
    ) -> Result<ChangeRequest, ClientError> {
        self.api
            .post_json(token, "/api/v1/change-requests", request, true)
            .await
    }

    /// Files a request now (no outbox): the server's answer, or why not.
    pub async fn file_change_request(
        &self,
        request: &NewChangeRequest,
    ) -> Result<ChangeRequest, ClientError> {
        self.file_with(&self.token()?, request).await
    }

    /// The organisation's requests (an administrator: everyone's), newest first.
    pub async fn change_requests(
        &self,
        status: Option<ChangeStatus>,
    ) -> Result<Vec<ChangeRequest>, ClientError> {
        let path = match status {
            Some(status) => format!("/api/v1/change-requests?status={}", status.code()),
            None => "/api/v1/change-requests".to_string(),
        };
        self.api.get_json(&self.token()?, &path).await
    }

    pub async fn change_request(&self, id: i64) -> Result<ChangeRequest, ClientError> {
        self.api
            .get_json(&self.token()?, &format!("/api/v1/change-requests/{id}"))
            .await
    }

    /// The support centre approves; each conflict needs a resolution.
    pub async fn approve_change_request(
        &self,
        id: i64,
        resolutions: Vec<Resolution>,
    ) -> Result<ChangeRequest, ClientError> {
        let body = ApproveRequest { resolutions };
        self.api
            .post_json(
                &self.token()?,
                &format!("/api/v1/change-requests/{id}/approve"),
                &body,
                false,
            )
            .await
    }

    pub async fn reject_change_request(
        &self,
        id: i64,
        reason: &str,
    ) -> Result<ChangeRequest, ClientError> {
        let body = RejectRequest {
            reason: reason.to_string(),
        };
        self.api
            .post_json(
                &self.token()?,
                &format!("/api/v1/change-requests/{id}/reject"),
                &body,
                false,
            )
            .await
    }

    pub async fn withdraw_change_request(&self, id: i64) -> Result<ChangeRequest, ClientError> {
        self.api
            .post_json(
                &self.token()?,
                &format!("/api/v1/change-requests/{id}/withdraw"),
                &serde_json::json!({}),
                false,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::config::{ClientConfig, CredentialStoreChoice};

    /// Two clients on one PC (the TUI and `anshin sync`: two processes, here two clients with
    /// their own in-process locks) filing at once: every request is kept.
    #[test]
    fn filings_from_two_clients_at_once_are_all_kept() {
        let data = tempfile::tempdir().unwrap();
        let client = || {
            Client::new(ClientConfig {
                credential_store: CredentialStoreChoice::Memory,
                data_dir: Some(data.path().to_path_buf()),
                cache_dir: Some(data.path().join("cache")),
                ..ClientConfig::default()
            })
            .unwrap()
        };
        let (a, b) = (client(), client());
        let request = |n: usize| NewChangeRequest {
            client_ref: format!("ref-{n}"),
            organization_id: "o-00001".into(),
            base_revision: 1,
            note: String::new(),
            changes: Vec::new(),
        };
        std::thread::scope(|scope| {
            for (offset, client) in [(0, &a), (1000, &b)] {
                scope.spawn(move || {
                    for n in 0..40 {
                        client.queue_change_request(request(offset + n)).unwrap();
                    }
                });
            }
        });
        assert_eq!(a.queued_change_requests().unwrap().len(), 80);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = data.path().join("listing-outbox.json");
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
