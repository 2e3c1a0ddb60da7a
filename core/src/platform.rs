//! The platform layer's services as one bundle every layer above shares: the core's runtime,
//! the data directory and secure store, the app database, the network and the consent gate
//! it reads, and the clock.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use crate::clock::Clock;
use crate::net::{Net, VersionGate};
use crate::policy::ConsentGate;
use crate::runtime::CoreRuntime;
use crate::secrets::SecretStore;
use crate::store::Database;

pub(crate) struct Platform {
    pub(crate) runtime: CoreRuntime,
    pub(crate) data_dir: PathBuf,
    pub(crate) secrets: SecretStore,
    /// The app database (consents, settings, queues, the ledger): each area its own tables.
    pub(crate) app_db: Arc<Database>,
    pub(crate) net: Net,
    pub(crate) gate: ConsentGate,
    /// The server's minimum version, which the network layer enforces.
    pub(crate) versions: VersionGate,
    pub(crate) clock: Arc<dyn Clock>,
    /// A development build (plain http to loopback allowed).
    pub(crate) dev: bool,
}

impl Platform {
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_unix()
    }
}

/// What a part of the core reaches the runtime through.
pub(crate) trait OnPlatform: Send + Sync + 'static {
    fn platform(&self) -> &Platform;
}

/// Runs `work` (given its own handle on `part`) on the core's runtime and waits for it.
/// Dropping the returned future does not stop the work: a write that started finishes (or
/// rolls back) on its own. Every exported call goes through here.
pub(crate) async fn run<P, T, F, Fut>(part: &Arc<P>, work: F) -> T
where
    P: OnPlatform,
    T: Send + 'static,
    F: FnOnce(Arc<P>) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
{
    let future = work(part.clone());
    part.platform().runtime.run(future).await
}
