//! `medcircle`: a terminal shell over the same core the apps use — for developers and QA.

mod commands;
mod demo;
mod dev_outbox;
mod keyring_session;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::Output;

#[derive(Parser)]
#[command(name = "medcircle", version, about = "MedCircle in a terminal")]
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
    /// Log in.
    Login {
        #[command(subcommand)]
        method: LoginMethod,
    },
    /// Who is logged in, as the server sees it.
    Whoami,
    /// Log out: revoke the session and wipe the account's local data.
    Logout,
    /// Start a reference server in-process and walk a whole journey against it.
    Demo,
}

#[derive(Subcommand)]
enum PolicyAction {
    /// Fetch and print the current policy.
    Show,
}

#[derive(Subcommand)]
enum ConsentAction {
    /// Fetch the current policy and accept it.
    Accept,
    /// What has been accepted.
    Status,
}

#[derive(Subcommand)]
enum LoginMethod {
    /// Log in with a code texted to PHONE (asked for when --code is omitted).
    Sms {
        phone: String,
        #[arg(long)]
        code: Option<String>,
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
            command => {
                let settings = commands::Settings {
                    server: cli.server,
                    data_dir: cli.data_dir.unwrap_or_else(default_data_dir),
                    dev: cli.dev,
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
