//! `medcircle`: a terminal shell over the same core the apps use — for developers and QA.

mod certify;
mod commands;
mod demo;
mod dev_server;
mod feed;
mod help;
mod keyring_session;
mod mall;
mod oauth;
mod output;
mod permissions;
mod privacy;
mod security;
mod shop;
mod web_login;
mod wechat;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use medcircle_core::{ConsentPurpose, Feature};

use output::Output;

#[derive(Parser)]
#[command(
    name = "medcircle",
    version,
    about = "MedCircle in a terminal",
    // `help` is the help center; `--help` still prints this usage.
    disable_help_subcommand = true
)]
struct Cli {
    /// API base URL.
    #[arg(
        long,
        global = true,
        env = "MEDCIRCLE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// Where the encrypted databases live (default: ~/.local/share/medcircle).
    #[arg(long, global = true, env = "MEDCIRCLE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Development build: allows plain http to a loopback server.
    #[arg(long, global = true)]
    dev: bool,
    /// Also trust the CA certificate(s) in this PEM file (a QA server's development CA,
    /// e.g. `medcircle-server --tls`'s ca.pem).
    #[arg(long, global = true, env = "MEDCIRCLE_CA", value_name = "FILE")]
    ca: Option<PathBuf>,
    /// A login provider for `login oauth NAME`, as NAME=ISSUER_URL,CLIENT_ID[,REDIRECT_URI]
    /// (repeatable; the redirect defaults to com.medcircle.app:/oauth/callback). The server
    /// must know it too (medcircle-server --oidc-provider). With --dev, the dev server's own
    /// provider is `dev` unless one is given under that name.
    #[arg(
        long = "oauth-provider",
        global = true,
        value_name = "NAME=ISSUER_URL,CLIENT_ID[,REDIRECT_URI]",
        value_parser = oauth::parse_provider
    )]
    oauth_providers: Vec<medcircle_core::OAuthProviderConfig>,
    /// Machine-readable output: one JSON object per line.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The privacy policy.
    Policy {
        #[command(subcommand)]
        action: PolicyAction,
    },
    /// Consent to the privacy policy.
    Consent {
        #[command(subcommand)]
        action: ConsentAction,
    },
    /// The permission gate: what each feature may do, and asking for a permission.
    Permissions {
        #[command(subcommand)]
        action: Option<PermissionAction>,
    },
    /// What the app collects, who receives it, which permission serves which feature.
    Inventory,
    /// The privacy ledger: every personal data item this device sent, when, where and why.
    Ledger {
        /// Only this item (an inventory id such as phone_number).
        #[arg(long)]
        item: Option<String>,
        /// Only since this unix time.
        #[arg(long)]
        since: Option<i64>,
        /// The whole ledger as one JSON document.
        #[arg(long)]
        export: bool,
    },
    /// Everything about you, from the server and this device, as one JSON document.
    Export,
    /// Delete the account on the server and every trace of it on this device.
    DeleteAccount {
        /// Required: deleting cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// The interest tags that personalise your feed; `--delete ID` or `--delete-all`.
    Interests {
        #[arg(long)]
        delete: Option<String>,
        #[arg(long)]
        delete_all: bool,
    },
    /// Turn positioning (GPS for identity authentication) on or off.
    Positioning { state: Switch },
    /// Log in.
    Login {
        #[command(subcommand)]
        method: LoginMethod,
    },
    /// Play the browser of scan-to-login: show a login QR code and wait (dev servers).
    WebLogin,
    /// Play the phone of scan-to-login: check a scanned code, show who asks, confirm.
    Scan { payload: String },
    /// Complete the account: unit (institution) and department.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
    },
    /// Physician certification: certificate photos and ID number, the review's status.
    Certify {
        #[command(subcommand)]
        action: CertifyAction,
    },
    /// The feed: the cache at once, then refreshed.
    Feed {
        /// Also load this many further pages.
        #[arg(long, default_value_t = 0)]
        more: u32,
        /// Only the cache, no request.
        #[arg(long)]
        offline: bool,
    },
    /// Publish a post (with `--photo FILE`, repeatable: JPEG or PNG).
    Post {
        text: String,
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
    },
    /// Comment on a post.
    Comment { post_id: String, text: String },
    /// A post's comments.
    Comments { post_id: String },
    /// Like a post (`--undo` to unlike).
    Like {
        post_id: String,
        #[arg(long)]
        undo: bool,
    },
    /// Collect a post (`--undo` to uncollect).
    Collect {
        post_id: String,
        #[arg(long)]
        undo: bool,
    },
    /// The posts you collected.
    Collections,
    /// A share link and text for a post.
    Share { post_id: String },
    /// Search posts on the server, or in the cache with `--local` (works offline).
    Search {
        query: String,
        #[arg(long)]
        local: bool,
    },
    /// Delete your post, or with `--comment ID` your comment on it.
    Delete {
        post_id: String,
        #[arg(long)]
        comment: Option<String>,
    },
    /// What waits to reach the server; `--flush` sends it now.
    Outbox {
        #[arg(long)]
        flush: bool,
    },
    /// Where the account is logged in: device, login method, place, last use.
    Sessions {
        #[command(subcommand)]
        action: Option<SessionsAction>,
    },
    /// Security notices (new logins, incidents, forced logouts, updates); `--read ID` marks
    /// one read.
    Notices {
        #[arg(long, value_name = "ID")]
        read: Option<String>,
    },
    /// The help center's articles (`--topic T`), `help search Q`, `help read ID`; kept for
    /// offline reading.
    Help {
        #[command(subcommand)]
        action: Option<HelpAction>,
        #[arg(long)]
        topic: Option<String>,
    },
    /// Send feedback, with up to 4 photos (asks for the photo permission first), a contact
    /// number, and the app and OS version only with `--share-versions`.
    Feedback {
        text: String,
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
        #[arg(long, value_name = "PHONE")]
        contact: Option<String>,
        #[arg(long)]
        share_versions: bool,
    },
    /// Your feedback and the team's replies (* unread); `--read ID` marks a ticket read.
    Tickets {
        #[arg(long, value_name = "ID")]
        read: Option<String>,
    },
    /// The shop: membership plans and virtual goods, prices in CNY.
    Shop,
    /// Buy PRODUCT (an id from `shop`). The terminal stands in for the payment app (dev
    /// servers): it asks whether to pay, cancel or fail, unless `--sdk` says; the server's
    /// word decides whether the order is paid.
    Buy {
        product: String,
        #[arg(long = "pay", value_enum)]
        method: PayArg,
        /// What the user does in the payment app, without asking.
        #[arg(long, value_enum)]
        sdk: Option<SdkArg>,
    },
    /// The account's orders (from the server; offline, as kept) and what they give.
    Orders,
    /// One order.
    Order { number: String },
    /// Who is logged in, as the server sees it.
    Whoami,
    /// Log out: revoke the session and wipe the account's local data. Refuses while items
    /// wait unsent (saying how many), unless `--discard-unsent`.
    Logout {
        #[arg(long)]
        discard_unsent: bool,
    },
    /// Wheat grains: the balance and its history (as kept when the server cannot be reached).
    Points,
    /// Today's check-in (once a day).
    Checkin,
    /// The wheat-grain mall's goods; `--more` loads the next page.
    Mall {
        #[arg(long)]
        more: bool,
    },
    /// One item of the mall, with its stock now.
    Item { id: String },
    /// The address book: add, list, default, delete.
    Address {
        #[command(subcommand)]
        action: mall::AddressAction,
    },
    /// Redeem ITEM with wheat grains, shipped to `--address ID`.
    Redeem {
        item: String,
        #[arg(long)]
        address: String,
    },
    /// Your redemption orders and where each stands.
    Redemptions,
    /// A redemption order: `cancel ID`.
    Redemption {
        #[command(subcommand)]
        action: mall::RedemptionAction,
    },
    /// Start a reference server in-process and walk a whole journey against it.
    Demo,
}

#[derive(Subcommand)]
enum HelpAction {
    /// Articles whose title or text holds QUERY (Chinese or English).
    Search { query: String },
    /// One article.
    Read { id: String },
}

#[derive(Subcommand)]
enum SessionsAction {
    /// Sign session ID out, or every other one with `--others` (asks for an SMS code if the
    /// last login is not recent).
    Revoke {
        #[arg(required_unless_present = "others")]
        id: Option<String>,
        #[arg(long, conflicts_with = "id")]
        others: bool,
    },
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Fetch and print the current policy.
    Show,
}

#[derive(Subcommand)]
enum ConsentAction {
    /// What has been accepted, and every optional purpose.
    Show,
    /// Fetch the current policy and accept it.
    Accept,
    /// Grant an optional purpose.
    Grant { purpose: Purpose },
    /// Withdraw an optional purpose (effective at once).
    Withdraw { purpose: Purpose },
}

#[derive(Subcommand)]
enum ProfileAction {
    /// Search the units dictionary (Chinese or English; empty lists the first ones).
    Units {
        #[arg(default_value = "")]
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// A unit's departments.
    Departments { unit_id: String },
    /// Set the unit and department.
    Complete {
        unit_id: String,
        department_id: String,
    },
}

#[derive(Subcommand)]
enum CertifyAction {
    /// Where the application stands, from the server.
    Status,
    /// Upload the certificate photos (JPEG or PNG files) and apply.
    Submit {
        /// The 18-character resident ID number.
        #[arg(long)]
        id_number: String,
        /// Photo of the physician qualification certificate.
        #[arg(long)]
        photo: PathBuf,
        /// Photo of the practising certificate.
        #[arg(long)]
        practising: Option<PathBuf>,
    },
    /// Show the full ID number (asks for an SMS code if the last login is not recent).
    Reveal,
}

#[derive(Subcommand)]
enum PermissionAction {
    /// What each feature may do now (the default).
    Show,
    /// Ask for a feature's permission: shows the rationale, then the terminal plays the
    /// OS dialog.
    Request { feature: FeatureArg },
}

#[derive(Clone, Copy, ValueEnum)]
enum PayArg {
    Alipay,
    Wechat,
}

impl From<PayArg> for medcircle_core::PaymentMethod {
    fn from(method: PayArg) -> Self {
        match method {
            PayArg::Alipay => medcircle_core::PaymentMethod::Alipay,
            PayArg::Wechat => medcircle_core::PaymentMethod::WechatPay,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum SdkArg {
    Succeed,
    Cancel,
    Fail,
}

impl From<SdkArg> for shop::InApp {
    fn from(sdk: SdkArg) -> Self {
        match sdk {
            SdkArg::Succeed => shop::InApp::Succeed,
            SdkArg::Cancel => shop::InApp::Cancel,
            SdkArg::Fail => shop::InApp::Fail,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Switch {
    On,
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
enum Purpose {
    Personalisation,
    BrowsingRecords,
    PreciseLocation,
    IdentityVerification,
    ThirdPartySharing,
}

impl From<Purpose> for ConsentPurpose {
    fn from(purpose: Purpose) -> Self {
        match purpose {
            Purpose::Personalisation => ConsentPurpose::Personalisation,
            Purpose::BrowsingRecords => ConsentPurpose::BrowsingRecords,
            Purpose::PreciseLocation => ConsentPurpose::PreciseLocation,
            Purpose::IdentityVerification => ConsentPurpose::IdentityVerification,
            Purpose::ThirdPartySharing => ConsentPurpose::ThirdPartySharing,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum FeatureArg {
    ScanToLogin,
    PostPhotos,
    FeedbackPhotos,
    CertificationPhotos,
    Positioning,
}

impl From<FeatureArg> for Feature {
    fn from(feature: FeatureArg) -> Self {
        match feature {
            FeatureArg::ScanToLogin => Feature::ScanToLogin,
            FeatureArg::PostPhotos => Feature::PostPhotos,
            FeatureArg::FeedbackPhotos => Feature::FeedbackPhotos,
            FeatureArg::CertificationPhotos => Feature::CertificationPhotos,
            FeatureArg::Positioning => Feature::Positioning,
        }
    }
}

#[derive(Subcommand)]
enum LoginMethod {
    /// Log in with a code texted to PHONE (asked for when --code is omitted).
    Sms {
        phone: String,
        #[arg(long)]
        code: Option<String>,
    },
    /// One-tap login with the local number. The terminal has no carrier SDK: it asks the dev
    /// server's carrier for the token a phone with PHONE would get (dev servers only).
    OneTap {
        phone: String,
        #[arg(long, default_value = "China Mobile")]
        carrier: String,
    },
    /// Log in with a third-party account: prints the provider's URL, then takes the address
    /// the browser was sent back to.
    Oauth {
        provider: String,
        /// The address the browser was sent back to (asked for when omitted).
        #[arg(long)]
        callback: Option<String>,
        /// Dev provider only: sign in there as this subject instead of using a browser.
        #[arg(long = "as")]
        subject: Option<String>,
        /// Copy the provider's nickname and avatar into the profile (asked when neither flag).
        #[arg(long, conflicts_with = "no_bind")]
        bind: bool,
        /// Keep the default profile.
        #[arg(long)]
        no_bind: bool,
    },
    /// Log in with WeChat (dev servers only). The terminal stands in for the WeChat app: it
    /// asks whether you agree and as which dev user, gets a code from the dev server's
    /// WeChat-style provider, then asks about copying the nickname and avatar.
    Wechat {
        /// The server's name for the provider (`wechat-web` is the dev provider's second app,
        /// with --app-id wxd0medcircle0web).
        #[arg(long, default_value = "wechat")]
        provider: String,
        /// The app id the stand-in WeChat app is asked for.
        #[arg(long, default_value = crate::wechat::DEV_APP_ID)]
        app_id: String,
        /// Agree in WeChat as this dev user, without asking.
        #[arg(long = "as", conflicts_with_all = ["deny", "cancel"])]
        user: Option<String>,
        /// Refuse in WeChat.
        #[arg(long, conflicts_with = "cancel")]
        deny: bool,
        /// Go back from WeChat without deciding.
        #[arg(long)]
        cancel: bool,
        /// Copy the WeChat nickname and avatar into the profile (asked when neither flag).
        #[arg(long, conflicts_with = "no_bind")]
        bind: bool,
        /// Keep the default profile.
        #[arg(long)]
        no_bind: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.json);
    if matches!(cli.command, Command::Demo)
        && let Err(message) = keyring_session::join_anonymous()
    {
        out.failure(&message);
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            out.failure(&format!("cannot start: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo => demo::run(&out).await,
            Command::WebLogin => web_login::browser(&cli.server, &out).await,
            command => {
                let settings = commands::Settings {
                    server: cli.server,
                    data_dir: cli.data_dir.unwrap_or_else(default_data_dir),
                    dev: cli.dev,
                    ca: cli.ca,
                    oauth_providers: cli.oauth_providers,
                };
                commands::run(command, &settings, &out).await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            out.failure(&message);
            ExitCode::FAILURE
        }
    }
}

fn default_data_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(".local/share/medcircle")
}
