//! The one door to the network. Every request goes through [`Net::call`], which enforces the
//! consent gate, TLS-only transport, timeouts, a response size cap and retries for idempotent
//! requests, and turns every failure into a [`NetError`].

mod code;
mod endpoint;
mod error;
mod request;
mod retry;
mod tls;
mod upload;
mod version;

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER,
};
use url::Url;

pub(crate) use code::ApiCode;
pub(crate) use endpoint::{Access, Endpoint};
pub use error::NetworkProblem;
pub(crate) use error::{ApiError, Challenge, NetError};
pub(crate) use request::{Answer, Request, Upload};
pub(crate) use retry::{RetryPolicy, outbox_delay};
pub use upload::{CancelToken, UploadProgress};
pub(crate) use version::VersionGate;

use crate::clock::Clock;
use crate::config::ClientError;
use crate::policy::{ConsentGate, ConsentPurpose, inventory};

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
    /// To the API's server: pinned when pins are configured.
    http: reqwest::Client,
    /// To login providers: the same trust, never the API's pins.
    providers: reqwest::Client,
    base: Url,
    gate: ConsentGate,
    versions: VersionGate,
    ledger: Arc<dyn TransmissionLog>,
    clock: Arc<dyn Clock>,
    retry: RetryPolicy,
    max_response_bytes: usize,
}

/// Whom the network layer trusts: the roots plus these anchors; for the API's server, only
/// keys on these pins (when any).
#[derive(Debug, Clone, Default)]
pub(crate) struct Trust {
    pub(crate) spki_pins: Vec<String>,
    pub(crate) extra_anchors: Vec<String>,
}

/// What the network layer answers to besides the server: consent, the ledger, the clock.
pub(crate) struct NetContext {
    pub(crate) gate: ConsentGate,
    pub(crate) versions: VersionGate,
    pub(crate) ledger: Arc<dyn TransmissionLog>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Net {
    pub(crate) fn new(
        base: Url,
        trust: &Trust,
        context: NetContext,
        timeouts: Timeouts,
    ) -> Result<Self, ClientError> {
        let roots = tls::roots(&trust.extra_anchors)?;
        let client = |tls: rustls::ClientConfig, https_only: bool| {
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls)
                .https_only(https_only)
                .connect_timeout(timeouts.connect)
                .timeout(timeouts.request)
                // The API never redirects; following one could downgrade to plain http.
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .user_agent(concat!("medcircle-core/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| ClientError::InvalidConfig {
                    reason: format!("http client: {e}"),
                })
        };
        let http = client(
            tls::client_config(roots.clone(), &trust.spki_pins)?,
            base.scheme() == "https",
        )?;
        // Provider URLs are checked one by one (https, or loopback http in a dev build).
        let providers = client(tls::client_config(roots, &[])?, false)?;
        Ok(Self {
            http,
            providers,
            base,
            gate: context.gate,
            versions: context.versions,
            ledger: context.ledger,
            clock: context.clock,
            retry: RetryPolicy::default(),
            max_response_bytes: MAX_RESPONSE_BYTES,
        })
    }

    /// Sends `request` (with `bearer` as the session's token) and returns the answer or a
    /// typed failure. The one way out of the device: consent, items, limits, the ledger.
    pub(crate) async fn send(
        &self,
        request: &Request,
        bearer: Option<&str>,
    ) -> Result<Answer, NetError> {
        let url = request.url(&self.base)?;
        let dispatched = self.dispatch(request, url, bearer);
        match &request.upload {
            Some(upload) => {
                if upload.cancel.is_cancelled() {
                    return Err(NetError::Cancelled);
                }
                let total = request.body.as_ref().map_or(0, |b| b.bytes.len() as u64);
                let answer = tokio::select! {
                    answer = dispatched => answer?,
                    () = upload.cancel.cancelled() => return Err(NetError::Cancelled),
                };
                upload.progress.progress(total, total);
                Ok(answer)
            }
            None => dispatched.await,
        }
    }

    /// `link` as an absolute URL: a path is resolved against the server's base.
    pub(crate) fn absolute(&self, link: &str) -> Result<String, NetError> {
        self.base
            .join(link)
            .map(String::from)
            .map_err(|e| NetError::Malformed(format!("link: {e}")))
    }

    async fn dispatch(
        &self,
        request: &Request,
        url: Url,
        bearer: Option<&str>,
    ) -> Result<Answer, NetError> {
        let endpoint = request.endpoint;
        let route = endpoint.route();
        self.admit(endpoint)?;
        // Mutations are not retried here, even with an idempotency key: the outbox retries
        // them with its own backoff, and a user waiting on one gets the failure at once.
        let attempts = if route.idempotent() && request.upload.is_none() {
            self.retry.attempts
        } else {
            1
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.send_once(request, url.clone(), bearer).await;
            if result.as_ref().err().is_none_or(NetError::reached_server) {
                self.record(endpoint, &url);
            }
            match result {
                Err(error) if attempt < attempts && error.is_transient() => {
                    let delay = self.retry.delay(attempt);
                    tracing::debug!(
                        endpoint = route.path,
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

    /// The single place where consent and the minimum version are enforced for the
    /// network: nothing but the policy before the policy is accepted, no item without a
    /// declaration and its consent, and below the minimum version only what a user needs to
    /// learn why and leave.
    fn admit(&self, endpoint: Endpoint) -> Result<(), NetError> {
        let route = endpoint.route();
        if !route.while_outdated
            && let Some(minimum) = self.versions.update_required()
        {
            tracing::info!(endpoint = route.path, %minimum, "request blocked: update required");
            return Err(NetError::UpdateRequired { minimum });
        }
        if route.access != Access::BeforeConsent && !self.gate.policy_accepted() {
            tracing::info!(
                endpoint = route.path,
                "request blocked: policy not accepted"
            );
            return Err(NetError::ConsentRequired {
                purpose: ConsentPurpose::PrivacyPolicy,
            });
        }
        for &id in route.items {
            let item = inventory().item(id).ok_or(NetError::Undeclared(id))?;
            if route.access != Access::Erasure && !self.gate.allows(item.purpose()) {
                tracing::info!(
                    endpoint = route.path,
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
        let route = endpoint.route();
        let sent: Vec<_> = route
            .items
            .iter()
            .filter_map(|&id| inventory().item(id).map(|item| (id, item.purpose())))
            .map(|(item, purpose)| Transmission {
                item,
                purpose,
                destination: destination.clone(),
                endpoint: route.path,
                sent_at,
            })
            .collect();
        if !sent.is_empty() {
            self.ledger.record(&sent);
        }
    }

    async fn send_once(
        &self,
        request: &Request,
        url: Url,
        bearer: Option<&str>,
    ) -> Result<Answer, NetError> {
        let route = request.endpoint.route();
        let limit = route.max_response_bytes.unwrap_or(self.max_response_bytes);
        let client = if route.external {
            &self.providers
        } else {
            &self.http
        };
        let mut http = client.request(route.verb.method(), url);
        if let Some(etag) = &request.if_none_match {
            http = http.header(IF_NONE_MATCH, etag);
        }
        if let Some(key) = &request.idempotency_key {
            http = http.header("idempotency-key", key);
        }
        if let Some(body) = &request.body {
            http = http.header(CONTENT_TYPE, body.content_type);
            http = match &request.upload {
                Some(upload) => {
                    http.header(CONTENT_LENGTH, body.bytes.len())
                        .body(upload::reporting_body(
                            body.bytes.clone(),
                            upload.progress.clone(),
                        ))
                }
                None => http.body(body.bytes.clone()),
            };
        }
        if let Some(token) = bearer {
            http = http.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut response = http.send().await.map_err(NetError::from_transport)?;
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
        s if s.is_server_error() => NetError::Server {
            status: s.as_u16(),
            error: api,
        },
        s => NetError::Refused {
            status: s.as_u16(),
            error: api,
        },
    }
}

/// For the fuzz targets: an error answer, read as the network layer reads it.
#[cfg(feature = "fuzzing")]
pub(crate) fn fuzz_error(bytes: &[u8]) -> NetError {
    error_from_status(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), bytes)
}

#[cfg(test)]
mod tests;
