//! Human text or one JSON object per line (`--json`), for people and for QA scripts alike.

use std::io::Write;

use serde_json::{Value, json};

pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// One result: `text` for people, `data` (with `"step": step`) for scripts.
    pub(crate) fn emit(&self, step: &str, text: &str, mut data: Value) {
        if self.json {
            if let Value::Object(map) = &mut data {
                map.insert("step".into(), json!(step));
            }
            line(&data.to_string());
        } else {
            line(text);
        }
    }

    pub(crate) fn failure(&self, message: &str) {
        if self.json {
            println!(
                "{}",
                json!({ "step": "error", "ok": false, "error": message })
            );
        } else {
            eprintln!("error: {message}");
        }
    }
}

/// A closed pipe (`medcircle demo | head`) is not an error worth a panic.
fn line(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
