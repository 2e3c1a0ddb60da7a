//! Scenarios: the state a QA case starts from, written once in a file (TOML or JSON) and
//! loaded by `--scenario FILE` or `POST /dev/reset`: accounts (phone, nickname, unit and
//! department, certification state), posts with comments and likes, and policy versions.
//! Dev mode only. Loading checks everything and writes it in one transaction: a scenario with
//! one bad entry changes nothing, and the error names the entry (`posts[2].author: …`).

mod apply;

use std::path::Path;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::policy;

pub use apply::{Loaded, apply};

/// One scenario file.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the scenario is for (not loaded anywhere; for whoever reads the file).
    #[serde(default)]
    pub description: Option<String>,
    /// Also seed the demo feed a dev server starts with (off: only what the file lists).
    #[serde(default)]
    #[schema(default = json!(false))]
    pub demo_feed: bool,
    #[serde(default)]
    pub accounts: Vec<Account>,
    /// Oldest first.
    #[serde(default)]
    pub posts: Vec<Post>,
    /// Published in order; the last is the one in force.
    #[serde(default)]
    pub policies: Vec<policy::Draft>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ScenarioAccount)]
pub struct Account {
    /// A mainland mobile number: the account logs in with it (the dev SMS outbox or one-tap).
    #[schema(examples("13800138000"))]
    pub phone: String,
    /// Else the default nickname of a new account.
    #[serde(default)]
    pub nickname: Option<String>,
    /// A unit id (`un_<n>`) with one of its departments (`dp_<n>`), or neither.
    #[serde(default)]
    #[schema(examples("un_1"))]
    pub unit: Option<String>,
    #[serde(default)]
    #[schema(examples("dp_1"))]
    pub department: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::openapi::fields::certification_status, default = "none")]
    pub certification: Certification,
    /// For a certification that is not `none`: the ID number submitted (else a valid test
    /// number).
    #[serde(default)]
    pub id_number: Option<String>,
    /// For `rejected`: the reviewer's reason.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Where the account's physician certification stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Certification {
    #[default]
    None,
    Pending,
    Approved,
    Rejected,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ScenarioPost)]
pub struct Post {
    /// The phone of one of the scenario's accounts.
    pub author: String,
    pub text: String,
    /// How long ago it was posted (default: the listed order, ten minutes apart, up to now).
    #[serde(default)]
    #[schema(minimum = 0)]
    pub hours_ago: Option<u32>,
    #[serde(default)]
    #[schema(default = json!(false))]
    pub public_share: bool,
    /// Phones of the scenario's accounts that like it.
    #[serde(default)]
    pub likes: Vec<String>,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ScenarioComment)]
pub struct Comment {
    pub author: String,
    pub text: String,
}

/// Why a scenario cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read or parsed, or an entry breaks a rule: the message says where.
    #[error("scenario: {0}")]
    Invalid(String),
    #[error("scenario: database: {0}")]
    Database(#[from] rusqlite::Error),
}

impl Scenario {
    /// Reads a scenario file: `.toml` or `.json`.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let invalid =
            |message: String| ScenarioError::Invalid(format!("{}: {message}", path.display()));
        let format = match path.extension().and_then(|extension| extension.to_str()) {
            Some("toml") => Format::Toml,
            Some("json") => Format::Json,
            _ => return Err(invalid("a scenario file ends in .toml or .json".into())),
        };
        let text = std::fs::read_to_string(path).map_err(|error| invalid(error.to_string()))?;
        format.parse(&text).map_err(invalid)
    }

    /// A scenario sent as a request body: JSON, or TOML with `Content-Type: application/toml`;
    /// an empty body is the empty scenario.
    pub fn from_body(content_type: Option<&str>, body: &[u8]) -> Result<Scenario, ScenarioError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Scenario::default());
        }
        let essence = content_type
            .and_then(|value| value.split(';').next())
            .map(|essence| essence.trim().to_ascii_lowercase());
        let format = match essence.as_deref() {
            Some("application/toml") => Format::Toml,
            _ => Format::Json,
        };
        let text = std::str::from_utf8(body)
            .map_err(|_| ScenarioError::Invalid("the body is not UTF-8".into()))?;
        format.parse(text).map_err(ScenarioError::Invalid)
    }
}

enum Format {
    Toml,
    Json,
}

impl Format {
    fn parse(&self, text: &str) -> Result<Scenario, String> {
        match self {
            Format::Toml => toml::from_str(text).map_err(|error| error.to_string()),
            Format::Json => serde_json::from_str(text).map_err(|error| error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_and_json_and_names_what_it_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let toml_file = dir.path().join("s.toml");
        std::fs::write(
            &toml_file,
            "[[accounts]]\nphone = \"13800138000\"\ncertification = \"approved\"\n",
        )
        .unwrap();
        let scenario = Scenario::from_file(&toml_file).unwrap();
        assert_eq!(scenario.accounts[0].certification, Certification::Approved);
        let json_file = dir.path().join("s.json");
        std::fs::write(&json_file, r#"{"posts":[{"author":"1","text":"x"}]}"#).unwrap();
        assert_eq!(Scenario::from_file(&json_file).unwrap().posts.len(), 1);

        // Points and orders do not exist yet: a file that asks for them is refused.
        std::fs::write(&toml_file, "[[accounts]]\nphone = \"1\"\npoints = 10\n").unwrap();
        let error = Scenario::from_file(&toml_file).unwrap_err().to_string();
        assert!(error.contains("points"), "{error}");
        let text = dir.path().join("s.txt");
        std::fs::write(&text, "").unwrap();
        let error = Scenario::from_file(&text).unwrap_err().to_string();
        assert!(error.contains(".toml or .json"), "{error}");
    }

    #[test]
    fn every_shipped_scenario_reads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            Scenario::from_file(&path).unwrap_or_else(|error| panic!("{error}"));
            read += 1;
        }
        assert!(read >= 3, "{read} scenarios shipped");
    }
}
