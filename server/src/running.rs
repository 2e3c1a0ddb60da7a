//! A server on its own thread and runtime, for the binary, tests and the terminal shell's demo.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::payments::PaymentSettings;
use crate::scenario::Scenario;
use crate::tls::{self, TlsInfo, TlsListener, TlsSource};
use crate::wechat::WechatProvider;
use crate::{KeySource, ServerConfig, app, exposure, serve};

const WORKERS: usize = 4;

/// What a server may take besides its `ServerConfig`; the default is none of it.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The keys (else from the environment, see `KeySource::from_env`, or in dev mode a key
    /// file beside the database).
    pub keys: Option<KeySource>,
    /// Serve HTTPS with this certificate.
    pub tls: Option<TlsSource>,
    /// Dev mode only: empty the database and load this scenario at start.
    pub scenario: Option<Scenario>,
    /// Allow dev mode on an address that is not loopback.
    pub dev_remote: bool,
    /// OAuth 2.0 providers in WeChat's shape whose codes log users in
    /// (`POST /v1/auth/oauth/code`). In dev mode the dev provider's apps are trusted too, as
    /// `wechat` and `wechat-web`.
    pub wechat_providers: Vec<WechatProvider>,
    /// The payment gateways' parameters and the step-up threshold. In dev mode the dev
    /// gateways stand in for a gateway not given.
    pub payments: PaymentSettings,
}

/// A server running on its own thread with its own tokio runtime; dropping it shuts it down.
pub struct RunningServer {
    url: String,
    tls: Option<TlsInfo>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Binds `config.addr` (port 0 allowed), opens the database and returns once listening.
    /// The keys come from the environment (see `KeySource::from_env`) or, in dev mode, from a
    /// key file beside the database.
    pub fn start(config: ServerConfig) -> io::Result<RunningServer> {
        Self::start_with(config, Options::default())
    }

    /// Like `start`, with the keys of `keys` when given.
    pub fn start_with_keys(
        config: ServerConfig,
        keys: Option<KeySource>,
    ) -> io::Result<RunningServer> {
        Self::start_with(
            config,
            Options {
                keys,
                ..Options::default()
            },
        )
    }

    /// Like `start`, with `options`. Dev mode on an address that is not loopback is refused
    /// unless `options.dev_remote`, and a scenario without dev mode, before anything is bound.
    pub fn start_with(config: ServerConfig, options: Options) -> io::Result<RunningServer> {
        exposure::check(config.addr, config.dev, options.dev_remote)?;
        if options.scenario.is_some() && !config.dev {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a scenario replaces the whole database: dev mode (--dev) only",
            ));
        }
        let tls = options
            .tls
            .as_ref()
            .map(|source| tls::load(source, &config.db_path))
            .transpose()?;
        let listener = std::net::TcpListener::bind(config.addr)?;
        listener.set_nonblocking(true)?;
        let url = url_for(listener.local_addr()?, tls.is_some());
        let keys = options.keys.or_else(KeySource::from_env);
        // Several workers: a slow request occupies one of them, not the whole server.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("medcircle-server-worker")
            .enable_all()
            .build()?;
        let (app, listener) = {
            // Registering the socket needs the runtime's reactor, and the app's background
            // work (and the TLS handshakes) its spawner, not a running runtime.
            let _entered = runtime.enter();
            let app = app::build(
                &config,
                &options.wechat_providers,
                &options.payments,
                keys,
                options.scenario.as_ref(),
                &url,
            )?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let listener = match &tls {
                Some(tls) => Incoming::Tls(TlsListener::new(listener, tls.config.clone())?),
                None => Incoming::Plain(listener),
            };
            (app, listener)
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("medcircle-server".into())
            .spawn(move || {
                let shutdown = async {
                    let _ = stopped.await;
                };
                let served = runtime.block_on(async move {
                    match listener {
                        Incoming::Plain(listener) => serve::run(app, listener, shutdown).await,
                        Incoming::Tls(listener) => serve::run(app, listener, shutdown).await,
                    }
                });
                if let Err(error) = served {
                    tracing::error!(%error, "server stopped with an error");
                }
            })?;
        tracing::info!(%url, dev = config.dev, "server started");
        Ok(RunningServer {
            url,
            tls: tls.map(|tls| tls.info),
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash (`https://`
    /// with TLS).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// With TLS, what clients need to trust and pin it.
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
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

enum Incoming {
    Plain(tokio::net::TcpListener),
    Tls(TlsListener),
}

/// A URL clients can connect to: a wildcard bind address is reachable on loopback.
pub(crate) fn url_for(addr: SocketAddr, tls: bool) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}
