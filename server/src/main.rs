//! `medcircle-server --addr ADDR --db PATH [--dev] [--oidc-provider NAME=ISSUER_URL,CLIENT_ID]...`:
//! runs the reference backend until SIGINT or SIGTERM. The first line on stdout is
//! `listening on <url>`, for programs that start it.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use medcircle_server::{OidcProvider, RunningServer, ServerConfig};

/// MedCircle reference backend (development, QA and tests).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// SQLite database file, created if missing.
    #[arg(long)]
    db: PathBuf,
    /// Enable the /dev routes (SMS outbox, clock, request log). Never in production.
    #[arg(long)]
    dev: bool,
    /// An OpenID provider whose ID tokens log users in, as NAME=ISSUER_URL,CLIENT_ID (e.g.
    /// `acme=https://id.acme.example,medcircle`); repeatable. NAME is what the app sends.
    #[arg(long = "oidc-provider", value_name = "NAME=ISSUER_URL,CLIENT_ID")]
    oidc_providers: Vec<OidcProvider>,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(io::stderr).init();
    let args = Args::parse();
    let server = match RunningServer::start(ServerConfig {
        addr: args.addr,
        db_path: args.db,
        dev: args.dev,
        providers: args.oidc_providers,
    }) {
        Ok(server) => server,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = announce(server.url()) {
        tracing::error!(%error, "cannot write to stdout");
        return ExitCode::FAILURE;
    }
    if let Err(error) = wait_for_signal() {
        tracing::error!(%error, "cannot wait for signals");
        return ExitCode::FAILURE;
    }
    tracing::info!("shutting down");
    server.shutdown();
    ExitCode::SUCCESS
}

fn announce(url: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {url}")?;
    stdout.flush()
}

fn wait_for_signal() -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            let mut terminate =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                result = tokio::signal::ctrl_c() => result,
                _ = terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await
    })
}
