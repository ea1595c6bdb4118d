//! The listing jobs (情報変更届, DESIGN §7) as the runtime carries them out: each one a call of
//! the client, answered with one message. Filing writes the outbox first, so a crash or a lost
//! network between the member's Enter and the server loses nothing.

use super::message::{Filed, ListingJob, ListingNews, Message};
use crate::client::Client;
use crate::listing::ChangeStatus;

pub async fn listing(client: &Client, job: ListingJob) -> Message {
    let news = match job {
        ListingJob::File(request) => ListingNews::Filed(file(client, request).await),
        ListingJob::Mine => mine(client).await,
        ListingJob::Withdraw(id) => ListingNews::Reviewed(
            client
                .withdraw_change_request(id)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        ListingJob::Drop(client_ref) => match client.drop_queued_change_request(&client_ref) {
            Ok(()) => mine(client).await,
            Err(e) => ListingNews::Reviewed(Err(e.to_string())),
        },
        ListingJob::Queue => ListingNews::Queue(
            client
                .change_requests(Some(ChangeStatus::Pending))
                .await
                .map_err(|e| e.to_string()),
        ),
        ListingJob::Approve { id, resolutions } => ListingNews::Reviewed(
            client
                .approve_change_request(id, resolutions)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
        ListingJob::Reject { id, reason } => ListingNews::Reviewed(
            client
                .reject_change_request(id, &reason)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string()),
        ),
    };
    Message::Listing(news)
}

async fn file(client: &Client, request: crate::listing::NewChangeRequest) -> Result<Filed, String> {
    let client_ref = request.client_ref.clone();
    client
        .queue_change_request(request)
        .map_err(|e| e.to_string())?;
    match client.send_queued_change_requests().await {
        Ok(delivery) => {
            if let Some(sent) = delivery
                .sent
                .into_iter()
                .find(|r| r.client_ref == client_ref)
            {
                return Ok(Filed::Sent(Box::new(sent)));
            }
            if let Some((_, why)) = delivery
                .refused
                .into_iter()
                .find(|(r, _)| r.client_ref == client_ref)
            {
                // The editor still holds the edits to correct: the refused copy need not wait.
                let _ = client.drop_queued_change_request(&client_ref);
                return Ok(Filed::Refused(why));
            }
            Ok(Filed::Waiting)
        }
        // Signed out meanwhile: it waits in the outbox for the next sign-in.
        Err(_) => Ok(Filed::Waiting),
    }
}

async fn mine(client: &Client) -> ListingNews {
    let queued = client.queued_change_requests().unwrap_or_default();
    let requests = client
        .change_requests(None)
        .await
        .map_err(|e| e.to_string());
    ListingNews::Mine { requests, queued }
}

/// Before a sync: what waits in the outbox goes first (the member's Enter said "send").
/// None when nothing was sent.
pub async fn deliver(client: &Client) -> Option<Message> {
    // Nothing waiting costs one small file read: the delivery returns before any request.
    let delivery = client.send_queued_change_requests().await.ok()?;
    (!delivery.sent.is_empty() || !delivery.refused.is_empty())
        .then_some(Message::Listing(ListingNews::Delivered(delivery)))
}
