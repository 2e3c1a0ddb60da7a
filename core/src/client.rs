//! The facade a shell holds: it builds the platform, the account and the areas, wires what
//! areas offer each other, and hands out one sub-client per area. Nothing below imports it.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::account::{self, Account, AccountObserver, DataExport, Withdrawal};
use crate::auth::{AuthArea, AuthClient};
use crate::certification::{self, CertificationArea, CertificationClient};
use crate::clock::{Clock, SystemClock};
use crate::config::{ClientConfig, ClientError};
use crate::consent::{self, ConsentArea, ConsentClient};
use crate::feed::{self, FeedArea, FeedClient};
use crate::help::{self, HelpArea, HelpClient};
use crate::mall::{self, MallArea, MallClient};
use crate::net::{Net, NetContext, Timeouts, Trust, VersionGate};
use crate::permissions::{self, PermissionsArea, PermissionsClient};
use crate::platform::Platform;
use crate::policy::ConsentGate;
use crate::privacy::{self, Ledger, PrivacyArea, PrivacyClient};
use crate::profile::{ProfileArea, ProfileClient};
use crate::purchases::{self, PurchasesArea, PurchasesClient};
use crate::records::{self, RecordsArea, RecordsClient};
use crate::runtime::CoreRuntime;
use crate::secrets::{CredentialStore, SecretStore};
use crate::security::{self, SecurityArea, SecurityClient};
use crate::store::{self, StoreError};

struct Areas {
    platform: Arc<Platform>,
    auth: Arc<AuthArea>,
    certification: Arc<CertificationArea>,
    consent: Arc<ConsentArea>,
    feed: Arc<FeedArea>,
    mall: Arc<MallArea>,
    help: Arc<HelpArea>,
    permissions: Arc<PermissionsArea>,
    privacy: Arc<PrivacyArea>,
    profile: Arc<ProfileArea>,
    records: Arc<RecordsArea>,
    security: Arc<SecurityArea>,
    purchases: Arc<PurchasesArea>,
}

#[derive(Clone)]
pub struct Client {
    areas: Arc<Areas>,
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
        let secrets = SecretStore::new(store, &config.data_dir);
        let gate = ConsentGate::default();
        let versions = VersionGate::default();
        let opened = {
            let (data_dir, secrets, gate, versions, clock) = (
                data_dir.clone(),
                secrets.clone(),
                gate.clone(),
                versions.clone(),
                clock.clone(),
            );
            let trust = Trust {
                spki_pins: config.spki_pins.clone(),
                extra_anchors: config.extra_trust_anchors.clone(),
            };
            runtime.spawn_blocking(move || -> Result<_, ClientError> {
                std::fs::create_dir_all(&data_dir).map_err(|e| ClientError::Storage {
                    detail: format!("cannot create the data directory: {e}"),
                })?;
                secrets.probe().map_err(StoreError::from)?;
                let app_schemas = vec![
                    consent::APP_SCHEMA,
                    permissions::APP_SCHEMA,
                    privacy::APP_SCHEMA,
                    records::APP_SCHEMA,
                    help::APP_SCHEMA,
                ];
                let app_db = Arc::new(store::app_database(&data_dir, app_schemas, &secrets)?);
                consent::load_gate(&app_db.conn(), &gate)?;
                security::load_gate(&app_db.conn(), &versions)?;
                let context = NetContext {
                    gate,
                    versions,
                    ledger: Arc::new(Ledger(app_db.clone())),
                    clock,
                };
                let net = Net::new(base, &trust, context, Timeouts::default())?;
                Ok((app_db, net))
            })
        };
        let (app_db, net) = match opened.await {
            Ok(result) => result?,
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let platform = Arc::new(Platform {
            runtime,
            data_dir,
            secrets,
            app_db,
            net,
            gate,
            versions,
            clock,
            dev: config.dev,
        });
        let account_schemas = vec![
            account::SCHEMA,
            certification::ACCOUNT_SCHEMA,
            feed::ACCOUNT_SCHEMA,
            security::ACCOUNT_SCHEMA,
            mall::ACCOUNT_SCHEMA,
            help::ACCOUNT_SCHEMA,
            purchases::ACCOUNT_SCHEMA,
        ];
        let restoring = platform.clone();
        let restored = platform
            .runtime
            .spawn_blocking(move || Account::restore(restoring, account_schemas));
        let account = match restored.await {
            Ok(account) => Arc::new(account),
            Err(error) => std::panic::resume_unwind(error.into_panic()),
        };
        let areas = Areas::build(platform, account, config);
        areas.feed.resume();
        areas.security.resume();
        areas.help.resume();
        areas.purchases.resume();
        areas.auth.deliver_revocations();
        Ok(Client {
            areas: Arc::new(areas),
        })
    }

    pub fn auth(&self) -> AuthClient {
        AuthClient::new(self.areas.auth.clone())
    }

    pub fn certification(&self) -> CertificationClient {
        CertificationClient::new(self.areas.certification.clone())
    }

    pub fn consent(&self) -> ConsentClient {
        ConsentClient::new(self.areas.consent.clone())
    }

    pub fn feed(&self) -> FeedClient {
        FeedClient::new(self.areas.feed.clone())
    }

    pub fn mall(&self) -> MallClient {
        MallClient::new(self.areas.mall.clone())
    }

    pub fn help(&self) -> HelpClient {
        HelpClient::new(self.areas.help.clone())
    }

    pub fn permissions(&self) -> PermissionsClient {
        PermissionsClient::new(self.areas.permissions.clone())
    }

    pub fn privacy(&self) -> PrivacyClient {
        PrivacyClient::new(self.areas.privacy.clone())
    }

    pub fn profile(&self) -> ProfileClient {
        ProfileClient::new(self.areas.profile.clone())
    }

    pub fn records(&self) -> RecordsClient {
        RecordsClient::new(self.areas.records.clone())
    }

    pub fn security(&self) -> SecurityClient {
        SecurityClient::new(self.areas.security.clone())
    }

    pub fn purchases(&self) -> PurchasesClient {
        PurchasesClient::new(self.areas.purchases.clone())
    }

    /// Lets background work (syncs, outbox flushes) and calls whose callers stopped waiting
    /// finish, for up to `limit_ms`: call it before a process exits on its own (a terminal
    /// command, a test), so no write is cut off by the exit.
    pub async fn close(&self, limit_ms: u64) {
        let platform = self.areas.platform.clone();
        let idle = self
            .areas
            .platform
            .runtime
            .spawn(async move { platform.runtime.idle(Duration::from_millis(limit_ms)).await });
        let _ = idle.await;
    }

    /// Spawns a long-lived task (an observer) on the core's runtime.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.areas.platform.runtime.spawn(task)
    }
}

impl Areas {
    /// Every area, each given what it needs from the others as a small trait.
    fn build(platform: Arc<Platform>, account: Arc<Account>, config: ClientConfig) -> Areas {
        let records = Arc::new(RecordsArea::new(platform.clone(), account.clone()));
        let permissions = Arc::new(PermissionsArea::new(platform.clone()));
        let withdrawals: Vec<Arc<dyn Withdrawal>> = vec![records.clone(), permissions.clone()];
        let consent = Arc::new(ConsentArea::new(
            platform.clone(),
            account.clone(),
            withdrawals,
        ));
        let auth = Arc::new(AuthArea::new(
            platform.clone(),
            account.clone(),
            config.oauth_providers,
            consent.clone(),
        ));
        let certification = Arc::new(CertificationArea::new(
            platform.clone(),
            account.clone(),
            permissions.clone(),
        ));
        let feed = Arc::new_cyclic(|this| {
            FeedArea::new(
                platform.clone(),
                account.clone(),
                records.clone(),
                this.clone(),
            )
        });
        let exports: Vec<Arc<dyn DataExport>> =
            vec![consent.clone(), permissions.clone(), records.clone()];
        let privacy = Arc::new(PrivacyArea::new(platform.clone(), account.clone(), exports));
        let profile = Arc::new(ProfileArea::new(platform.clone(), account.clone()));
        let security = Arc::new(SecurityArea::new(platform.clone(), account.clone()));
        let mall = Arc::new(MallArea::new(platform.clone(), account.clone()));
        let help = Arc::new(HelpArea::new(
            platform.clone(),
            account.clone(),
            permissions.clone(),
        ));
        let purchases = Arc::new(PurchasesArea::new(platform.clone(), account.clone()));
        // Weak: the account must not keep the areas (and with them the runtime) alive.
        let observers: [Weak<dyn AccountObserver>; 7] = [
            Arc::downgrade(&consent) as Weak<dyn AccountObserver>,
            Arc::downgrade(&certification) as Weak<dyn AccountObserver>,
            Arc::downgrade(&feed) as Weak<dyn AccountObserver>,
            Arc::downgrade(&security) as Weak<dyn AccountObserver>,
            Arc::downgrade(&mall) as Weak<dyn AccountObserver>,
            Arc::downgrade(&help) as Weak<dyn AccountObserver>,
            Arc::downgrade(&purchases) as Weak<dyn AccountObserver>,
        ];
        for observer in observers {
            account.observe(observer);
        }
        Areas {
            platform,
            auth,
            certification,
            consent,
            feed,
            mall,
            help,
            permissions,
            privacy,
            profile,
            records,
            security,
            purchases,
        }
    }
}
