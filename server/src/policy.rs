//! The privacy policy the app shows before consent, split into addressable sections, with
//! the consent purposes it covers and what changed since the version before it.
//!
//! The built-in version is served from startup; in dev mode `POST /dev/policy/publish`
//! replaces it with a new version kept in memory only.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::app::lock;
use crate::consents::PURPOSES;
use crate::error::ApiError;

/// The exact text whose hash the client records with the user's consent.
const TEXT: &str = include_str!("../policy/privacy-policy.txt");
pub const VERSION: &str = "2026-11-01";
pub const TITLE: &str = "MedCircle Privacy Policy";

const MAX_VERSION_CHARS: usize = 32;
pub const MAX_CHANGES: usize = 20;
pub const MAX_CHANGE_CHARS: usize = 500;
const MAX_SECTION_ID_CHARS: usize = 64;
const MAX_SECTION_TITLE_CHARS: usize = 200;

/// Section ids (stable: consents and the client's data inventory cite them) and the heading
/// line of the text that starts each section, in order.
const SECTIONS: &[(&str, &str)] = &[
    ("introduction", "Privacy Policy"),
    ("scope", "1. Scope"),
    (
        "how-we-collect-and-use",
        "[How we collect and use your information]",
    ),
    ("account-information", "Account information related"),
    ("function-and-service", "Function and service related"),
    ("purpose", "2. Purpose"),
    (
        "sharing-transfer-disclosure",
        "3. How do we share, transfer, and publicly disclose your personal information",
    ),
    (
        "protection",
        "4. How do we protect and save your personal information",
    ),
];

/// A section of the policy: one of the built-in ones, or the one a published version appends
/// (to the built-in sections, and to the built-in text as `\n\n<title>\n\n<text>\n`, title and
/// text trimmed; each publish starts again from the built-in text).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[schema(as = PolicySection)]
pub struct Section {
    /// Stable: consents and the client's data inventory cite it. An appended section's is not
    /// one of the built-in ids.
    #[schema(pattern = "^[a-z0-9-]{1,64}$")]
    pub id: String,
    #[schema(max_length = 200)]
    pub title: String,
    /// Not blank; may hold paragraphs separated by blank lines.
    pub text: String,
}

/// A new version, as `POST /dev/policy/publish` and scenarios take it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(as = PolicyPublishRequest)]
pub struct Draft {
    /// Must differ from every version already served, the built-in one included (409 `version_exists`).
    #[schema(pattern = "^[0-9A-Za-z._-]{1,32}$", examples("2027-01-01"))]
    pub version: String,
    #[schema(schema_with = crate::openapi::fields::draft_changes)]
    pub changes: Vec<String>,
    /// The purposes the new version covers, served in this order; must include privacy_policy.
    #[schema(schema_with = crate::openapi::fields::policy_purposes)]
    pub purposes: Vec<String>,
    /// Appended to the built-in text; without it the text is the built-in one.
    #[serde(default)]
    #[schema(nullable = false)]
    pub section: Option<Section>,
}

impl Draft {
    /// Checks every field; messages name the rule broken, never the value sent.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !is_version(&self.version) {
            return Err(ApiError::InvalidRequest(format!(
                "version must be 1 to {MAX_VERSION_CHARS} characters of 0-9, A-Z, a-z, ., _ and -"
            )));
        }
        if !(1..=MAX_CHANGES).contains(&self.changes.len()) {
            return Err(ApiError::InvalidRequest(format!(
                "changes must hold 1 to {MAX_CHANGES} summaries"
            )));
        }
        if self
            .changes
            .iter()
            .any(|change| change.trim().is_empty() || change.chars().count() > MAX_CHANGE_CHARS)
        {
            return Err(ApiError::InvalidRequest(format!(
                "each change must be non-blank and at most {MAX_CHANGE_CHARS} characters"
            )));
        }
        check_purposes(&self.purposes)?;
        if let Some(section) = &self.section {
            check_section(section)?;
        }
        Ok(())
    }
}

fn is_version(raw: &str) -> bool {
    (1..=MAX_VERSION_CHARS).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn check_purposes(purposes: &[String]) -> Result<(), ApiError> {
    let invalid = |rule: &str| Err(ApiError::InvalidRequest(format!("purposes {rule}")));
    if !(1..=PURPOSES.len()).contains(&purposes.len()) {
        return invalid(&format!("must hold 1 to {} purposes", PURPOSES.len()));
    }
    if !purposes
        .iter()
        .all(|purpose| PURPOSES.contains(&purpose.as_str()))
    {
        return invalid(&format!("must be among {}", PURPOSES.join(", ")));
    }
    if purposes.iter().collect::<HashSet<_>>().len() != purposes.len() {
        return invalid("must not repeat a purpose");
    }
    if !purposes.iter().any(|purpose| purpose == "privacy_policy") {
        return invalid("must include privacy_policy");
    }
    Ok(())
}

fn check_section(section: &Section) -> Result<(), ApiError> {
    let id = &section.id;
    if !(1..=MAX_SECTION_ID_CHARS).contains(&id.len())
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(ApiError::InvalidRequest(format!(
            "section.id must be 1 to {MAX_SECTION_ID_CHARS} characters of a-z, 0-9 and -"
        )));
    }
    if SECTIONS.iter().any(|(built_in, _)| built_in == id) {
        return Err(ApiError::InvalidRequest(
            "section.id must differ from the ids of the built-in sections".into(),
        ));
    }
    let title = section.title.trim();
    if title.is_empty() || title.chars().count() > MAX_SECTION_TITLE_CHARS || title.contains('\n') {
        return Err(ApiError::InvalidRequest(format!(
            "section.title must be one non-blank line of at most {MAX_SECTION_TITLE_CHARS} characters"
        )));
    }
    if section.text.trim().is_empty() {
        return Err(ApiError::InvalidRequest(
            "section.text must not be blank".into(),
        ));
    }
    Ok(())
}

/// One version as `GET /v1/policy` serves it.
#[derive(Serialize, ToSchema)]
#[schema(as = Policy)]
pub struct Served<'a> {
    /// Unique among the versions a server has served.
    #[schema(examples("2026-11-01"))]
    version: &'a str,
    /// SHA-256 (hex) of the exact full policy text (including a section appended by publishing); record it with the user's consent.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    hash: &'a str,
    #[schema(schema_with = crate::openapi::fields::policy_title)]
    title: &'a str,
    /// The whole text, in order, split at its headings.
    sections: &'a [Section],
    /// The consent purposes (categories of collection) this version covers; always includes privacy_policy. The built-in version covers all six, in the order listed.
    #[schema(schema_with = crate::openapi::fields::policy_purposes)]
    purposes: &'a [String],
    /// Human-readable summaries of what changed since previous_version; empty for the built-in version.
    #[schema(schema_with = crate::openapi::fields::policy_changes)]
    changes: &'a [String],
    /// The version this one replaced; null for the built-in version.
    #[schema(required = true)]
    previous_version: Option<&'a str>,
}

/// One version: its full text (what the hash covers) and what it says about itself.
struct Policy {
    version: String,
    text: String,
    sections: Vec<Section>,
    purposes: Vec<String>,
    changes: Vec<String>,
    previous_version: Option<String>,
}

impl Policy {
    /// The version compiled into the server: every purpose, nothing before it.
    fn built_in() -> Self {
        Policy {
            version: VERSION.to_owned(),
            text: TEXT.to_owned(),
            sections: sections(TEXT),
            purposes: PURPOSES.map(str::to_owned).to_vec(),
            changes: Vec::new(),
            previous_version: None,
        }
    }

    /// A validated `draft`, replacing `previous`: the built-in text with the draft's section
    /// (trimmed) appended as two more paragraphs, its title and its text.
    fn from_draft(draft: Draft, previous: &str) -> Self {
        let mut text = TEXT.to_owned();
        let mut sections = sections(TEXT);
        if let Some(section) = draft.section {
            let section = Section {
                id: section.id,
                title: section.title.trim().to_owned(),
                text: section.text.trim().to_owned(),
            };
            text = format!(
                "{}\n\n{}\n\n{}\n",
                TEXT.trim_end(),
                section.title,
                section.text
            );
            sections.push(section);
        }
        Policy {
            version: draft.version,
            text,
            sections,
            purposes: draft.purposes,
            changes: draft.changes,
            previous_version: Some(previous.to_owned()),
        }
    }

    fn publish(self) -> Published {
        let hash = hex::encode(Sha256::digest(self.text.as_bytes()));
        let body = serde_json::to_string(&Served {
            version: &self.version,
            hash: &hash,
            title: TITLE,
            sections: &self.sections,
            purposes: &self.purposes,
            changes: &self.changes,
            previous_version: self.previous_version.as_deref(),
        })
        .expect("a policy serializes");
        Published {
            etag: HeaderValue::try_from(format!("\"{hash}\""))
                .expect("a quoted hex digest is a valid header value"),
            body: Bytes::from(body),
            version: self.version,
            hash,
        }
    }
}

/// One version as served: its JSON body and entity tag, computed when it is published.
pub struct Published {
    pub version: String,
    pub hash: String,
    pub etag: HeaderValue,
    pub body: Bytes,
}

/// The version in force, and every version served since startup (publishing is dev only:
/// the versions live in memory and a restart goes back to the built-in one).
pub struct Policies {
    history: Mutex<History>,
}

struct History {
    current: Arc<Published>,
    versions: HashSet<String>,
}

impl History {
    fn built_in() -> History {
        let current = Policy::built_in().publish();
        History {
            versions: HashSet::from([current.version.clone()]),
            current: Arc::new(current),
        }
    }
}

impl Policies {
    pub fn new() -> Self {
        Policies {
            history: Mutex::new(History::built_in()),
        }
    }

    pub fn current(&self) -> Arc<Published> {
        lock(&self.history).current.clone()
    }

    /// Whether `version` was served since start (and so cannot be published again).
    pub fn served(&self, version: &str) -> bool {
        lock(&self.history).versions.contains(version)
    }

    /// Back to the built-in version alone, as at start (a dev reset).
    pub fn reset(&self) {
        *lock(&self.history) = History::built_in();
    }

    /// Makes `draft` the version in force; the one it replaces becomes its previous_version.
    pub fn publish(&self, draft: Draft) -> Result<Arc<Published>, ApiError> {
        draft.validate()?;
        let mut history = lock(&self.history);
        if !history.versions.insert(draft.version.clone()) {
            return Err(ApiError::VersionExists);
        }
        let published = Arc::new(Policy::from_draft(draft, &history.current.version).publish());
        history.current = published.clone();
        Ok(published)
    }
}

fn sections(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut headings = SECTIONS.iter().peekable();
    for line in text.lines().map(str::trim) {
        if let Some((id, heading)) = headings.next_if(|(_, heading)| *heading == line) {
            let title = heading.trim_start_matches('[').trim_end_matches(']');
            sections.push(Section {
                id: (*id).to_owned(),
                title: title.to_owned(),
                text: String::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.text.push_str(line);
            section.text.push('\n');
        }
    }
    for section in &mut sections {
        section.text = section.text.trim().to_owned();
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_heading_starts_a_non_empty_section() {
        let sections = sections(TEXT);
        let ids: Vec<_> = sections.iter().map(|s| s.id.as_str()).collect();
        let expected: Vec<_> = SECTIONS.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, expected);
        for section in &sections {
            assert!(!section.text.is_empty(), "{}", section.id);
            assert!(
                section
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                section.id
            );
        }
        assert_eq!(sections[2].title, "How we collect and use your information");
        assert!(sections[1].text.starts_with("This statement applies"));
    }

    #[test]
    fn sections_cover_the_whole_text() {
        let sections = sections(TEXT);
        let served: String = sections
            .iter()
            .flat_map(|s| [s.title.as_str(), s.text.as_str()])
            .collect::<Vec<_>>()
            .join("\n");
        let words = |s: &str| {
            s.split_whitespace()
                .map(|w| w.trim_matches(|c| c == '[' || c == ']').to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(words(&served), words(TEXT));
    }

    type Edit = fn(&mut Draft);

    fn draft(version: &str) -> Draft {
        Draft {
            version: version.to_owned(),
            changes: vec!["Adds a section.".to_owned()],
            purposes: vec!["privacy_policy".to_owned()],
            section: Some(Section {
                id: "retention-2".to_owned(),
                title: " 5. Retention ".to_owned(),
                text: "We keep it briefly.\n".to_owned(),
            }),
        }
    }

    #[test]
    fn a_draft_appends_its_trimmed_section_to_the_built_in_text() {
        let policy = Policy::from_draft(draft("2027-01-01"), VERSION);
        assert_eq!(
            policy.text,
            format!("{TEXT}5. Retention\n\nWe keep it briefly.\n"),
            "the built-in text ends with a blank line"
        );
        let last = policy.sections.last().unwrap();
        assert_eq!(last.id, "retention-2");
        assert_eq!(last.title, "5. Retention");
        assert_eq!(last.text, "We keep it briefly.");
        assert_eq!(policy.sections.len(), SECTIONS.len() + 1);
        assert_eq!(policy.previous_version.as_deref(), Some(VERSION));

        let plain = Policy::from_draft(
            Draft {
                section: None,
                ..draft("2027-01-02")
            },
            "2027-01-01",
        );
        assert_eq!(plain.text, TEXT);
        assert_eq!(plain.sections, sections(TEXT));
    }

    #[test]
    fn validates_every_field_of_a_draft() {
        assert!(draft("2027-01-01").validate().is_ok());
        assert!(draft(&"v.1_-A".repeat(5)).validate().is_ok());
        let invalid: [(&str, Edit); 16] = [
            ("empty version", |d| d.version.clear()),
            ("long version", |d| d.version = "v".repeat(33)),
            ("version alphabet", |d| d.version = "2027 01".into()),
            ("no changes", |d| d.changes.clear()),
            ("blank change", |d| d.changes.push(" ".into())),
            ("too many changes", |d| d.changes = vec!["c".into(); 21]),
            ("long change", |d| d.changes = vec!["c".repeat(501)]),
            ("no purposes", |d| d.purposes.clear()),
            ("unknown purpose", |d| d.purposes.push("marketing".into())),
            ("repeated purpose", |d| {
                d.purposes.push("privacy_policy".into())
            }),
            ("no privacy_policy", |d| {
                d.purposes = vec!["personalisation".into()];
            }),
            ("section id alphabet", |d| {
                d.section.as_mut().unwrap().id = "Retention".into();
            }),
            ("built-in section id", |d| {
                d.section.as_mut().unwrap().id = "scope".into();
            }),
            ("blank title", |d| {
                d.section.as_mut().unwrap().title = " ".into()
            }),
            ("two-line title", |d| {
                d.section.as_mut().unwrap().title = "a\nb".into();
            }),
            ("blank text", |d| {
                d.section.as_mut().unwrap().text = "\n".into()
            }),
        ];
        for (what, change) in invalid {
            let mut draft = draft("2027-01-01");
            change(&mut draft);
            assert!(
                matches!(draft.validate(), Err(ApiError::InvalidRequest(_))),
                "{what}"
            );
        }
        let mut all = draft("2027-01-01");
        all.purposes = PURPOSES.map(str::to_owned).to_vec();
        all.section = None;
        assert!(all.validate().is_ok());
    }

    #[test]
    fn a_version_is_published_once_and_chains_to_the_one_it_replaced() {
        let policies = Policies::new();
        assert_eq!(policies.current().version, VERSION);
        let first = policies.publish(draft("2027-01-01")).unwrap();
        assert_eq!(policies.current().version, "2027-01-01");
        for taken in [VERSION, "2027-01-01"] {
            assert!(matches!(
                policies.publish(draft(taken)),
                Err(ApiError::VersionExists)
            ));
        }
        assert_eq!(policies.current().hash, first.hash);
        policies.publish(draft("2027-01-02")).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&policies.current().body).unwrap();
        assert_eq!(body["previous_version"], "2027-01-01");
    }
}
