use std::sync::Arc;

use medcircle_core::{
    CancelToken, Client, FeedbackForm, FeedbackReceipt, HelpArticle, HelpArticleSummary,
    HelpClient, HelpError, HelpTickets, UploadProgress,
};

use crate::task::{TaskHandle, observe};

/// Follows the tickets: the first call carries the kept list, then every change.
#[uniffi::export(foreign)]
pub trait HelpTicketsListener: Send + Sync {
    fn on_update(&self, tickets: HelpTickets);
}

/// The help center: articles, feedback with photos, tickets with the team's replies.
#[derive(uniffi::Object)]
pub struct Help {
    client: Client,
    help: HelpClient,
}

impl Help {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            help: client.help(),
            client,
        }
    }
}

#[uniffi::export]
impl Help {
    pub async fn articles(
        &self,
        topic: Option<String>,
    ) -> Result<Vec<HelpArticleSummary>, HelpError> {
        self.help.articles(topic).await
    }

    pub async fn search(&self, query: String) -> Result<Vec<HelpArticleSummary>, HelpError> {
        self.help.search(query).await
    }

    pub async fn article(&self, id: String) -> Result<HelpArticle, HelpError> {
        self.help.article(id).await
    }

    /// Photos only after `Permissions.request(FEEDBACK_PHOTOS)` allowed them.
    pub async fn send_feedback(
        &self,
        form: FeedbackForm,
        progress: Arc<dyn UploadProgress>,
        cancel: Arc<CancelToken>,
    ) -> Result<FeedbackReceipt, HelpError> {
        self.help.send_feedback(form, progress, cancel).await
    }

    pub async fn retry_feedback(&self, key: String) -> Result<FeedbackReceipt, HelpError> {
        self.help.retry_feedback(key).await
    }

    pub async fn discard_feedback(&self, key: String) -> Result<HelpTickets, HelpError> {
        self.help.discard_feedback(key).await
    }

    pub async fn flush(&self) -> Result<HelpTickets, HelpError> {
        self.help.flush().await
    }

    pub async fn refresh_tickets(&self) -> Result<HelpTickets, HelpError> {
        self.help.refresh_tickets().await
    }

    pub async fn tickets(&self) -> Result<HelpTickets, HelpError> {
        self.help.tickets().await
    }

    pub async fn mark_ticket_read(&self, id: String) -> Result<HelpTickets, HelpError> {
        self.help.mark_ticket_read(id).await
    }

    pub fn observe_tickets(&self, listener: Arc<dyn HelpTicketsListener>) -> Arc<TaskHandle> {
        observe(&self.client, self.help.ticket_updates(), move |tickets| {
            listener.on_update(tickets)
        })
    }
}
