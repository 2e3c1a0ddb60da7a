//! A server on its own thread and runtime, for tests and the terminal shell's demo.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::{KeySource, ServerConfig, app, serve};

const WORKERS: usize = 4;

/// A server running on its own thread with its own tokio runtime; dropping it shuts it down.
pub struct RunningServer {
    url: String,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Binds `config.addr` (port 0 allowed), opens the database and returns once listening.
    /// The keys come from the environment (see `KeySource::from_env`) or, in dev mode, from a
    /// key file beside the database.
    pub fn start(config: ServerConfig) -> io::Result<RunningServer> {
        Self::start_with_keys(config, KeySource::from_env())
    }

    /// Like `start`, with the keys of `keys` when given.
    pub fn start_with_keys(
        config: ServerConfig,
        keys: Option<KeySource>,
    ) -> io::Result<RunningServer> {
        let listener = std::net::TcpListener::bind(config.addr)?;
        listener.set_nonblocking(true)?;
        let url = url_for(listener.local_addr()?);
        // Several workers: a slow request occupies one of them, not the whole server.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("medcircle-server-worker")
            .enable_all()
            .build()?;
        let (app, listener) = {
            // Registering the socket needs the runtime's reactor, and the app's background
            // work its spawner, not a running runtime.
            let _entered = runtime.enter();
            (
                app::build(&config, keys, &url)?,
                tokio::net::TcpListener::from_std(listener)?,
            )
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("medcircle-server".into())
            .spawn(move || {
                let shutdown = async {
                    let _ = stopped.await;
                };
                if let Err(error) = runtime.block_on(serve::run(app, listener, shutdown)) {
                    tracing::error!(%error, "server stopped with an error");
                }
            })?;
        tracing::info!(%url, dev = config.dev, "server started");
        Ok(RunningServer {
            url,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops accepting, lets in-flight requests finish, and joins the server thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("server thread panicked");
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A URL clients can connect to: a wildcard bind address is reachable on loopback.
pub(crate) fn url_for(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}
