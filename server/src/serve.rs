//! Serving the app on a listener until a shutdown future resolves.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::serve::{Listener, ListenerExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::keys::KeySource;
use crate::oidc::OidcProvider;
use crate::payments::PaymentSettings;
use crate::{app, running};

/// How long in-flight requests may run after shutdown was asked before the server stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a server instance needs to run.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// SQLite database file; created and migrated on first start.
    pub db_path: PathBuf,
    /// Enables the `/dev/*` routes (SMS outbox, clock, request log). Never in production.
    pub dev: bool,
    /// OpenID providers whose ID tokens log users in (`POST /v1/auth/oauth`). In dev mode the
    /// server's own dev provider is trusted too, as `dev`.
    pub providers: Vec<OidcProvider>,
}

/// Serves `config` on `listener` until `shutdown` resolves, then stops gracefully.
///
/// `config.addr` is ignored: the listener is already bound. The keys come as for
/// `RunningServer::start`.
pub async fn serve(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let url = running::url_for(listener.local_addr()?, false);
    let app = app::build(
        &config,
        &[],
        &PaymentSettings::default(),
        KeySource::from_env(),
        None,
        &url,
    )?;
    run(app, listener, shutdown).await
}

/// Serves `app` on `listener` (plain TCP, or TLS) until `shutdown`, then stops gracefully.
pub(crate) async fn run<L>(
    app: Router,
    listener: L,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: Listener<Addr = SocketAddr>,
{
    // The shutdown future is awaited once but observed twice (graceful stop and its deadline).
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        // A closed channel also means nobody can ask to keep running.
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let deadline = {
        let stopped = stopped(stop_rx.clone());
        async move {
            stopped.await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        }
    };
    // The peer address feeds the coarse requester details of a web login and the per-requester
    // limits. (Tapping the listener gives any listener's connections their peer address.)
    let app = app.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener.tap_io(|_| ()), app).with_graceful_shutdown(stopped(stop_rx));
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!("connections still open after the shutdown grace period; closing them");
            Ok(())
        }
    }
}
