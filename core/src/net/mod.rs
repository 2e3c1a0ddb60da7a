//! The one door to the network. Every request goes through [`Net::call`], which enforces the
//! consent gate, TLS-only transport, timeouts, a response size cap and retries for idempotent
//! requests, and turns every failure into a [`NetError`].

mod endpoint;
mod error;
mod retry;
mod tls;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

pub(crate) use endpoint::Endpoint;
pub use error::NetworkProblem;
pub(crate) use error::{ApiError, NetError};
use retry::RetryPolicy;
pub use upload::{CancelToken, UploadProgress};

use crate::client::ClientError;
use crate::clock::Clock;
use crate::consent::{ConsentGate, ConsentPurpose};
use crate::privacy::inventory;

/// One personal data item that left the device: what the privacy ledger records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transmission {
    pub(crate) item: &'static str,
    pub(crate) purpose: ConsentPurpose,
    pub(crate) destination: String,
    pub(crate) endpoint: &'static str,
    pub(crate) sent_at: i64,
}

/// Where the network layer writes what it sent.
pub(crate) trait TransmissionLog: Send + Sync {
    fn record(&self, sent: &[Transmission]);
}

/// Request headers beyond the usual: a conditional GET, an idempotent mutation.
#[derive(Default)]
pub(crate) struct Headers<'a> {
    pub(crate) if_none_match: Option<&'a str>,
    pub(crate) idempotency_key: Option<&'a str>,
}

/// A successful answer: its body, or that what the client holds is still current.
pub(crate) struct Answer {
    pub(crate) not_modified: bool,
    pub(crate) etag: Option<String>,
    pub(crate) bytes: Vec<u8>,
}

/// A request body and its media type; an upload also reports its progress.
struct Payload {
    content_type: &'static str,
    bytes: bytes::Bytes,
    progress: Option<Arc<dyn UploadProgress>>,
}

impl Payload {
    fn new(content_type: &'static str, bytes: impl Into<bytes::Bytes>) -> Self {
        Self {
            content_type,
            bytes: bytes.into(),
            progress: None,
        }
    }
}

/// Larger responses are refused: nothing the API returns comes near it, and a hostile or
/// broken server must not be able to exhaust the phone's memory.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

pub(crate) struct Net {
    http: reqwest::Client,
    base: Url,
    gate: ConsentGate,
    ledger: Arc<dyn TransmissionLog>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

/// What the network layer answers to besides the server: consent, the ledger, the clock.
pub(crate) struct NetContext {
    pub(crate) gate: ConsentGate,
    pub(crate) ledger: Arc<dyn TransmissionLog>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Net {
    pub(crate) fn new(
        base: Url,
        spki_pins: &[String],
        context: NetContext,
        timeouts: Timeouts,
    ) -> Result<Self, ClientError> {
        let tls = tls::client_config(spki_pins)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .https_only(base.scheme() == "https")
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            // The API never redirects; following one could downgrade to plain http.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("medcircle-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::InvalidConfig {
                reason: format!("http client: {e}"),
            })?;
        Ok(Self {
            http,
            base,
            gate: context.gate,
            ledger: context.ledger,
            clock: context.clock,
            retry: RetryPolicy::default(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        })
    }

    /// Sends one API request and decodes its JSON answer.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        body: Option<&(impl Serialize + ?Sized)>,
        bearer: Option<&str>,
    ) -> Result<T, NetError> {
        let bytes = self.send(endpoint, None, body, bearer).await?;
        serde_json::from_slice(&bytes).map_err(|e| NetError::Malformed(e.to_string()))
    }

    /// Sends one API request whose success carries no body worth reading.
    pub(crate) async fn call_no_content(
        &self,
        endpoint: Endpoint,
        body: Option<&(impl Serialize + ?Sized)>,
        bearer: Option<&str>,
    ) -> Result<(), NetError> {
        self.send(endpoint, None, body, bearer).await.map(drop)
    }

    /// Like [`Net::call`] with query parameters (encoded here: user input never becomes part
    /// of the URL's syntax).
    pub(crate) async fn call_with_query<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        query: &[(&str, &str)],
        bearer: Option<&str>,
    ) -> Result<T, NetError> {
        let bytes = self
            .send_to(endpoint, None, query, None::<&()>, bearer)
            .await?;
        serde_json::from_slice(&bytes).map_err(|e| NetError::Malformed(e.to_string()))
    }

    /// Like [`Net::call`], for a resource of `endpoint` named by `id` (one encoded path
    /// segment, followed by the endpoint's action if it has one).
    pub(crate) async fn call_at<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        id: &str,
        bearer: Option<&str>,
    ) -> Result<T, NetError> {
        let bytes = self.send(endpoint, Some(id), None::<&()>, bearer).await?;
        serde_json::from_slice(&bytes).map_err(|e| NetError::Malformed(e.to_string()))
    }

    /// Like [`Net::call_at`] when the answer carries nothing worth reading.
    pub(crate) async fn call_no_content_at(
        &self,
        endpoint: Endpoint,
        id: &str,
        bearer: Option<&str>,
    ) -> Result<(), NetError> {
        self.send(endpoint, Some(id), None::<&()>, bearer)
            .await
            .map(drop)
    }

    async fn send(
        &self,
        endpoint: Endpoint,
        id: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
        bearer: Option<&str>,
    ) -> Result<Vec<u8>, NetError> {
        self.send_to(endpoint, id, &[], body, bearer).await
    }

    async fn send_to(
        &self,
        endpoint: Endpoint,
        id: Option<&str>,
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
        bearer: Option<&str>,
    ) -> Result<Vec<u8>, NetError> {
        let (url, body) = self.prepare(endpoint, id, query, body)?;
        self.dispatch(endpoint, url, body.as_ref(), bearer).await
    }

    /// The URL of `endpoint` (for the resource `id`, with `query`) and its JSON body.
    fn prepare(
        &self,
        endpoint: Endpoint,
        id: Option<&str>,
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<(Url, Option<Payload>), NetError> {
        let body = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| NetError::Malformed(format!("request body: {e}")))?
            .map(|bytes| Payload::new("application/json", bytes));
        let mut url = self
            .base
            .join(endpoint.path().trim_start_matches('/'))
            .map_err(|e| NetError::Malformed(format!("url: {e}")))?;
        if let Some(id) = id {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| NetError::Malformed("url cannot take a path".into()))?;
            segments.push(id);
            if let Some(action) = endpoint.after_id() {
                segments.push(action);
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok((url, body))
    }

    /// `link` as an absolute URL: a path is resolved against the server's base.
    pub(crate) fn absolute(&self, link: &str) -> Result<String, NetError> {
        self.base
            .join(link)
            .map(String::from)
            .map_err(|e| NetError::Malformed(format!("link: {e}")))
    }

    /// The general form, for the feed and its outbox: a resource named by `id`, a query,
    /// conditional and idempotency headers; the raw answer.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn exchange(
        &self,
        endpoint: Endpoint,
        id: Option<&str>,
        query: &[(&str, &str)],
        body: Option<&(impl Serialize + ?Sized)>,
        bearer: Option<&str>,
        headers: &Headers<'_>,
    ) -> Result<Answer, NetError> {
        let (url, body) = self.prepare(endpoint, id, query, body)?;
        self.dispatch_with(endpoint, url, body.as_ref(), bearer, headers)
            .await
    }

    /// Sends one request to a login provider (discovery, token endpoint): an absolute URL
    /// outside the API, under the same gate, ledger and limits; a form body if any.
    pub(crate) async fn call_provider<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        url: Url,
        form: Option<&[(&str, &str)]>,
    ) -> Result<T, NetError> {
        debug_assert!(endpoint.external());
        let body = form.map(|pairs| {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            Payload::new("application/x-www-form-urlencoded", encoded)
        });
        let bytes = self.dispatch(endpoint, url, body.as_ref(), None).await?;
        serde_json::from_slice(&bytes).map_err(|e| NetError::Malformed(e.to_string()))
    }

    async fn dispatch(
        &self,
        endpoint: Endpoint,
        url: Url,
        body: Option<&Payload>,
        bearer: Option<&str>,
    ) -> Result<Vec<u8>, NetError> {
        self.dispatch_with(endpoint, url, body, bearer, &Headers::default())
            .await
            .map(|answer| answer.bytes)
    }

    async fn dispatch_with(
        &self,
        endpoint: Endpoint,
        url: Url,
        body: Option<&Payload>,
        bearer: Option<&str>,
        headers: &Headers<'_>,
    ) -> Result<Answer, NetError> {
        self.admit(endpoint)?;
        // Mutations are not retried here, even with an idempotency key: the outbox retries
        // them with its own backoff, and a user waiting on one gets the failure at once.
        let attempts = if endpoint.idempotent() {
            self.retry.attempts
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .send_once(endpoint, url.clone(), body, bearer, headers)
                .await;
            if result.as_ref().err().is_none_or(NetError::reached_server) {
                self.record(endpoint, &url);
            }
            match result {
                Err(error) if attempt < attempts && error.is_transient() => {
                    let delay = self.retry.delay(attempt);
                    tracing::debug!(
                        endpoint = endpoint.path(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        %error,
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                other => return other,
            }
        }
    }

    /// The single place where consent is enforced for the network: nothing but the policy
    /// before the policy is accepted, and no item without a declaration and its consent.
    fn admit(&self, endpoint: Endpoint) -> Result<(), NetError> {
        if !endpoint.allowed_before_consent() && !self.gate.policy_accepted() {
            tracing::info!(
                endpoint = endpoint.path(),
                "request blocked: policy not accepted"
            );
            return Err(NetError::ConsentRequired {
                purpose: ConsentPurpose::PrivacyPolicy,
            });
        }
        for &id in endpoint.items() {
            let item = inventory().item(id).ok_or(NetError::Undeclared(id))?;
            if !endpoint.erasure() && !self.gate.allows(item.purpose()) {
                tracing::info!(
                    endpoint = endpoint.path(),
                    item = id,
                    "request blocked: no consent"
                );
                return Err(NetError::ConsentRequired {
                    purpose: item.purpose(),
                });
            }
        }
        Ok(())
    }

    fn record(&self, endpoint: Endpoint, url: &Url) {
        let destination = match (url.host_str(), url.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => String::new(),
        };
        let sent_at = self.clock.now_unix();
        let sent: Vec<_> = endpoint
            .items()
            .iter()
            .filter_map(|&id| inventory().item(id).map(|item| (id, item.purpose())))
            .map(|(item, purpose)| Transmission {
                item,
                purpose,
                destination: destination.clone(),
                endpoint: endpoint.path(),
                sent_at,
            })
            .collect();
        if !sent.is_empty() {
            self.ledger.record(&sent);
        }
    }

    async fn send_once(
        &self,
        endpoint: Endpoint,
        url: Url,
        body: Option<&Payload>,
        bearer: Option<&str>,
        extra: &Headers<'_>,
    ) -> Result<Answer, NetError> {
        let limit = endpoint
            .max_response_bytes()
            .unwrap_or(self.max_response_bytes);
        let mut request = self.http.request(endpoint.method(), url);
        if let Some(etag) = extra.if_none_match {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(key) = extra.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, body.content_type);
            request = match &body.progress {
                Some(progress) => request
                    .header(CONTENT_LENGTH, body.bytes.len())
                    .body(upload::reporting_body(body.bytes.clone(), progress.clone())),
                None => request.body(body.bytes.clone()),
            };
        }
        if let Some(token) = bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut response = request.send().await.map_err(NetError::from_transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(len) = response.content_length()
            && len > limit as u64
        {
            return Err(NetError::TooLarge(limit));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(NetError::from_transport)? {
            if bytes.len() + chunk.len() > limit {
                return Err(NetError::TooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(Answer {
                not_modified: status == StatusCode::NOT_MODIFIED,
                etag: headers
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                bytes,
            });
        }
        Err(error_from_status(status, &headers, &bytes))
    }
}

fn error_from_status(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> NetError {
    let api = ApiError::parse(status, body);
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let header = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            NetError::RateLimited {
                retry_after_s: api.retry_after_s.or(header).unwrap_or(60).max(1),
            }
        }
        StatusCode::UNAUTHORIZED => NetError::Unauthorized { code: api.code },
        s if s.is_server_error() => NetError::Server { status: s.as_u16() },
        s => NetError::Refused {
            status: s.as_u16(),
            error: api,
        },
    }
}

#[cfg(test)]
mod tests;
