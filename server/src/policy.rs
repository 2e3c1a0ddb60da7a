//! The privacy policy the app shows before consent, split into addressable sections.

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The exact text whose hash the client records with the user's consent.
const TEXT: &str = include_str!("../policy/privacy-policy.txt");
pub const VERSION: &str = "2026-11-01";
const TITLE: &str = "MedCircle Privacy Policy";

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

#[derive(Debug, Serialize)]
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub text: String,
}

/// The policy as served: its JSON body and entity tag, computed once at startup.
pub struct Published {
    pub etag: HeaderValue,
    pub body: Bytes,
}

impl Published {
    pub fn new() -> Self {
        let hash = hex::encode(Sha256::digest(TEXT.as_bytes()));
        let body = json!({
            "version": VERSION,
            "hash": hash,
            "title": TITLE,
            "sections": sections(TEXT),
        });
        Published {
            etag: HeaderValue::try_from(format!("\"{hash}\""))
                .expect("a quoted hex digest is a valid header value"),
            body: Bytes::from(body.to_string()),
        }
    }
}

fn sections(text: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut headings = SECTIONS.iter().peekable();
    for line in text.lines().map(str::trim) {
        if let Some((id, heading)) = headings.next_if(|(_, heading)| *heading == line) {
            let title = heading.trim_start_matches('[').trim_end_matches(']');
            sections.push(Section {
                id,
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
        let ids: Vec<_> = sections.iter().map(|s| s.id).collect();
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
}
