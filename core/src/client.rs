//! The facade a shell holds: built from a config, owning the runtime, the stores and the
//! network, and handing out one sub-client per area.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::{AuthClient, DeviceInfoProvider, OAuthProviders, Session};
use crate::certification::{CertificationClient, CertificationStatus};
use crate::clock::{Clock, SystemClock};
use crate::config::ClientConfig;
use crate::consent::{self, ConsentClient, ConsentGate, PolicyDocument};
use crate::feed::{FeedClient, FeedRuntime};
use crate::net::{Net, NetContext, Timeouts};
use crate::permissions::{DialogLock, LocationSlot, PermissionsClient, ProviderSlot};
use crate::privacy::PrivacyClient;
use crate::profile::ProfileClient;
use crate::records::RecordsClient;
use crate::runtime::CoreRuntime;
use crate::secrets::{CredentialStore, SecretStore};
use crate::store::{AppStore, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "ffi", derive(uniffi::Error))]
pub enum ClientError {
    #[error("invalid configuration: {reason}")]
    InvalidConfig { reason: String },
    /// Plain http is only for a loopback server in a dev build.
    #[error("refusing insecure server URL {url}: use https")]
    InsecureServerUrl { url: String },
    #[error("the secure store is unavailable: {detail}")]
    SecureStoreUnavailable { detail: String },
    #[error("local storage failed: {detail}")]
    Storage { detail: String },
}

impl From<StoreError> for ClientError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Secrets(e) => ClientError::SecureStoreUnavailable {
                detail: e.to_string(),
            },
            other => ClientError::Storage {
                detail: other.to_string(),
            },
        }
    }
}

/// State shared by every sub-client.
pub(crate) struct Inner {
    runtime: CoreRuntime,
    pub(crate) data_dir: PathBuf,
    pub(crate) secrets: SecretStore,
    pub(crate) app: Arc<AppStore>,
    pub(crate) net: Net,
    pub(crate) gate: ConsentGate,
    /// The policy last fetched, i.e. the one the user can have been shown.
    pub(crate) shown_policy: Mutex<Option<PolicyDocument>>,
    pub(crate) session: Session,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) permission_provider: ProviderSlot,
    pub(crate) permission_dialog: DialogLock,
    pub(crate) consent_sync: tokio::sync::Mutex<()>,
    pub(crate) device_info_provider: std::sync::RwLock<Option<Arc<dyn DeviceInfoProvider>>>,
    pub(crate) location_provider: LocationSlot,
    pub(crate) oauth: OAuthProviders,
    pub(crate) certification: watch::Sender<CertificationStatus>,
    pub(crate) feed: FeedRuntime,
}

impl Inner {
    /// Runs `work` on the core's runtime and waits for it. Dropping the returned future does
    /// not stop the work: a write that started finishes (or rolls back) on its own.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl Future<Output = T> + Send + 'static,
    ) -> T {
        // Boxed: one task type per result type rather than one per call site, which keeps
        // the library small (every distinct spawned future is a copy of the task machinery).
        let work: std::pin::Pin<Box<dyn Future<Output = T> + Send>> = Box::pin(work);
        match self.runtime.spawn(work).await {
            Ok(value) => value,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("core task ended without a result: {error}"),
        }
    }
}

impl Inner {
    /// Work nobody awaits; a closing client lets it finish.
    pub(crate) fn spawn_background(&self, job: impl Future<Output = ()> + Send + 'static) {
        self.runtime.spawn_background(job);
    }

    /// Runs `job` after `delay` (a retry); the wait itself does not hold a closing client.
    pub(crate) fn spawn_timer(
        &self,
        delay: Duration,
        job: impl Future<Output = ()> + Send + 'static,
    ) {
        self.runtime.spawn(async move {
            tokio::time::sleep(delay).await;
            job.await;
        });
    }

    /// Consent sync, in the background: a failure leaves the work queued for the next try.
    pub(crate) fn sync_in_background(self: &Arc<Self>) {
        let inner = self.clone();
        self.spawn_background(async move {
            if let Err(error) = consent::sync_now(&inner).await {
                tracing::info!(%error, "consent sync postponed");
            }
        });
    }
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// Opens the client with the platform's secure store and the system clock.
    pub async fn open(config: ClientConfig) -> Result<Client, ClientError> {
        let store =
            SecretStore::platform_store().map_err(|e| ClientError::SecureStoreUnavailable {
                detail: e.to_string(),
            })?;
        Self::open_with(config, store, Arc::new(SystemClock)).await
    }

    /// Opens the client with a given credential store (another platform backend, or a test's)
    /// and clock.
    pub async fn open_with(
        config: ClientConfig,
        store: Arc<CredentialStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Client, ClientError> {
        let base = config.validated_server_url()?;
        if config.data_dir.trim().is_empty() {
            return Err(ClientError::InvalidConfig {
                reason: "data_dir is empty".into(),
            });
        }
        let runtime = CoreRuntime::new().map_err(|e| ClientError::InvalidConfig {
            reason: format!("cannot start the core runtime: {e}"),
        })?;
        let data_dir = PathBuf::from(&config.data_dir);
        let oauth = OAuthProviders::new(config.oauth_providers.clone(), config.dev);
        let secrets = SecretStore::new(store, &config.data_dir);
        let gate = ConsentGate::default();
        let opened = {
            let (data_dir, secrets, gate, clock) = (
                data_dir.clone(),
                secrets.clone(),
                gate.clone(),
                clock.clone(),
            );
            runtime.spawn_blocking(move || -> Result<_, ClientError> {
                std::fs::create_dir_all(&data_dir).map_err(|e| ClientError::Storage {
                    detail: format!("cannot create the data directory: {e}"),
                })?;
                secrets.probe().map_err(StoreError::from)?;
                let app = Arc::new(AppStore::open(&data_dir, &secrets)?);
                consent::load_gate(&app, &gate)?;
                let context = NetContext {
                    gate,
                    ledger: app.clone(),
                    clock: clock.clone(),
                };
                let net = Net::new(base, &config.spki_pins, context, Timeouts::default())?;
                let session = Session::restore(&data_dir, &secrets);
                Ok((app, net, session))
            })
        };
        let (app, net, session) = match opened.await {
            Ok(result) => result?,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let client = Client {
            inner: Arc::new(Inner {
                runtime,
                data_dir,
                secrets,
                app,
                net,
                gate,
                shown_policy: Mutex::new(None),
                session,
                clock,
                permission_provider: ProviderSlot::default(),
                permission_dialog: DialogLock::default(),
                consent_sync: tokio::sync::Mutex::default(),
                device_info_provider: std::sync::RwLock::default(),
                location_provider: LocationSlot::default(),
                oauth,
                certification: watch::Sender::new(CertificationStatus::default()),
                feed: FeedRuntime::default(),
            }),
        };
        crate::feed::resume(&client.inner);
        Ok(client)
    }

    pub fn auth(&self) -> AuthClient {
        AuthClient::new(self.inner.clone())
    }

    pub fn certification(&self) -> CertificationClient {
        CertificationClient::new(self.inner.clone())
    }

    pub fn feed(&self) -> FeedClient {
        FeedClient::new(self.inner.clone())
    }

    pub fn consent(&self) -> ConsentClient {
        ConsentClient::new(self.inner.clone())
    }

    pub fn permissions(&self) -> PermissionsClient {
        PermissionsClient::new(self.inner.clone())
    }

    pub fn privacy(&self) -> PrivacyClient {
        PrivacyClient::new(self.inner.clone())
    }

    pub fn profile(&self) -> ProfileClient {
        ProfileClient::new(self.inner.clone())
    }

    pub fn records(&self) -> RecordsClient {
        RecordsClient::new(self.inner.clone())
    }

    /// Lets background work (syncs, outbox flushes) finish, for up to `limit_ms`: call it
    /// before a process exits on its own (a terminal command, a test), so no write is cut
    /// off by the exit.
    pub async fn close(&self, limit_ms: u64) {
        let inner = self.inner.clone();
        self.inner
            .run(async move { inner.runtime.idle(Duration::from_millis(limit_ms)).await })
            .await
    }

    /// Spawns a long-lived task (an observer) on the core's runtime.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.runtime.spawn(task)
    }
}
