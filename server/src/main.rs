//! `medcircle-server --addr ADDR --db PATH [--dev [--dev-remote] [--scenario FILE]]
//! [--key-file PATH] [--tls [--tls-name NAME]... | --tls-cert PEM --tls-key PEM]
//! [--oidc-provider NAME=ISSUER_URL,CLIENT_ID]...
//! [--wechat-provider NAME=APP_ID,file:PATH|env:VAR[,BASE_URL]]...
//! [--alipay APP_ID,SELLER_ID,file:PEM,file:PEM]
//! [--wechat-pay APP_ID,MCH_ID,SERIAL_NO,file:PEM,file:PEM,file:KEY|env:VAR[,API_BASE]]
//! [--pay-reauth-above-fen FEN]`: runs the reference backend until SIGINT or
//! SIGTERM. The first line on stdout is `listening on <url>`, for programs that start it; with
//! TLS, the next ones name the CA files and the pin.
//! `medcircle-server --db PATH --key-file PATH --rotate-keys` rotates the data key and exits.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use medcircle_server::{
    AlipayMerchant, KeySource, OidcProvider, Options, PaymentSettings, Rotated, RunningServer,
    Scenario, ServerConfig, TlsInfo, TlsSource, WechatPayMerchant, WechatProvider, rotate_keys,
};

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
    /// Enable the /dev routes (SMS outbox, clock, request log, reset). Never in production.
    #[arg(long)]
    dev: bool,
    /// Allow --dev on an address that is not loopback (an emulator's host, a QA network).
    #[arg(long, requires = "dev")]
    dev_remote: bool,
    /// Empty the database and load this scenario (TOML or JSON) at start. Needs --dev.
    #[arg(long, value_name = "FILE", requires = "dev")]
    scenario: Option<PathBuf>,
    /// Serve HTTPS with a leaf from a development CA kept beside the database (made on first
    /// start; install its ca.pem or ca.der on test devices).
    #[arg(long, conflicts_with = "tls_cert")]
    tls: bool,
    /// A host name or IP address the development leaf covers; repeatable (default localhost,
    /// 127.0.0.1 and ::1).
    #[arg(long = "tls-name", value_name = "NAME", requires = "tls")]
    tls_names: Vec<String>,
    /// Serve HTTPS with this PEM certificate chain (leaf first) instead.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// An OpenID provider whose ID tokens log users in, as NAME=ISSUER_URL,CLIENT_ID (e.g.
    /// `acme=https://id.acme.example,medcircle`); repeatable. NAME is what the app sends.
    #[arg(long = "oidc-provider", value_name = "NAME=ISSUER_URL,CLIENT_ID")]
    oidc_providers: Vec<OidcProvider>,
    /// An OAuth 2.0 provider speaking WeChat's API (WeChat's apps) whose app SDK's codes log
    /// users in, as NAME=APP_ID,SECRET[,BASE_URL]: SECRET is `file:PATH` (the app secret in a
    /// file) or `env:VAR` (in that environment variable), never the secret itself; BASE_URL
    /// defaults to https://api.weixin.qq.com. Repeatable; or MEDCIRCLE_WECHAT_PROVIDERS,
    /// separated by `;`. The secret is never logged. With --dev, `wechat` and `wechat-web` are
    /// the dev provider's apps (`/dev/wechat`).
    #[arg(
        long = "wechat-provider",
        value_name = "NAME=APP_ID,SECRET[,BASE_URL]",
        env = "MEDCIRCLE_WECHAT_PROVIDERS",
        value_delimiter = ';',
        hide_env_values = true
    )]
    wechat_providers: Vec<WechatProvider>,
    /// Alipay app payments, as APP_ID,SELLER_ID,file:MERCHANT_KEY_PEM,file:ALIPAY_PUBLIC_KEY:
    /// the merchant's PKCS#8 private key and Alipay's public key from files, never inline.
    /// Or MEDCIRCLE_ALIPAY. With --dev and without it, the dev gateway (`/dev/pay`).
    #[arg(
        long,
        value_name = "APP_ID,SELLER_ID,file:PEM,file:PEM",
        env = "MEDCIRCLE_ALIPAY",
        hide_env_values = true
    )]
    alipay: Option<AlipayMerchant>,
    /// WeChat Pay (API v3) app payments, as APP_ID,MCH_ID,SERIAL_NO,file:MERCHANT_KEY_PEM,
    /// file:PLATFORM_PUBLIC_KEY_PEM,file:APIV3_KEY|env:VAR[,API_BASE] (SERIAL_NO: the merchant
    /// API certificate's; API_BASE defaults to https://api.mch.weixin.qq.com). Or
    /// MEDCIRCLE_WECHAT_PAY. With --dev and without it, the dev gateway (`/dev/pay`).
    #[arg(
        long,
        value_name = "APP_ID,MCH_ID,SERIAL_NO,file:PEM,file:PEM,file:KEY|env:VAR[,API_BASE]",
        env = "MEDCIRCLE_WECHAT_PAY",
        hide_env_values = true
    )]
    wechat_pay: Option<WechatPayMerchant>,
    /// A purchase above this many fen needs a recent authentication (step-up).
    #[arg(long, value_name = "FEN", default_value_t = PaymentSettings::default().reauth_above_fen)]
    pay_reauth_above_fen: u64,
    /// The key file (lookup and data keys), outside the data directory. Required without
    /// --dev unless MEDCIRCLE_KEYS holds the keys; --dev makes one beside the database.
    #[arg(long, env = "MEDCIRCLE_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// Seal every sealed value under a new data key, drop the older keys from the key file,
    /// and exit. Stop the server first.
    #[arg(long, requires = "key_file")]
    rotate_keys: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(io::stderr).init();
    let args = Args::parse();
    if let (true, Some(key_file)) = (args.rotate_keys, &args.key_file) {
        return match rotate_keys(&args.db, key_file) {
            Ok(Rotated { key_id, values }) => {
                tracing::info!(key_id, values, "data key rotated");
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "cannot rotate the data key");
                ExitCode::FAILURE
            }
        };
    }
    let scenario = match args
        .scenario
        .as_deref()
        .map(Scenario::from_file)
        .transpose()
    {
        Ok(scenario) => scenario,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    let tls = match (args.tls, args.tls_cert, args.tls_key) {
        (_, Some(cert), Some(key)) => Some(TlsSource::Files { cert, key }),
        (true, ..) => Some(TlsSource::DevCa {
            names: args.tls_names,
        }),
        _ => None,
    };
    let options = Options {
        keys: args.key_file.map(KeySource::File),
        tls,
        scenario,
        dev_remote: args.dev_remote,
        wechat_providers: args.wechat_providers,
        payments: PaymentSettings {
            reauth_above_fen: args.pay_reauth_above_fen,
            alipay: args.alipay,
            wechat_pay: args.wechat_pay,
        },
    };
    let config = ServerConfig {
        addr: args.addr,
        db_path: args.db,
        dev: args.dev,
        providers: args.oidc_providers,
    };
    let server = match RunningServer::start_with(config, options) {
        Ok(server) => server,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = announce(server.url(), server.tls()) {
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

fn announce(url: &str, tls: Option<&TlsInfo>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on {url}")?;
    if let Some(tls) = tls {
        if let (Some(pem), Some(der)) = (&tls.ca_pem, &tls.ca_der) {
            writeln!(stdout, "tls ca {} (DER: {})", pem.display(), der.display())?;
        }
        writeln!(stdout, "tls pin {}", tls.pin)?;
    }
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
