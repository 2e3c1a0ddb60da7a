//! The core's layers, read from its sources: every module imports only from its own layer or
//! the ones below, no area imports another, and only the facade imports the areas together.
//! (docs/ARCHITECTURE.md draws the same layers.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the top-level modules of each.
const LAYERS: [(&str, &[&str]); 4] = [
    (
        "platform",
        &[
            "runtime", "clock", "config", "secrets", "logging", "net", "store", "policy", "shell",
            "updates", "platform",
        ],
    ),
    ("account", &["account"]),
    (
        "areas",
        &[
            "auth",
            "consent",
            "permissions",
            "profile",
            "certification",
            "feed",
            "records",
            "privacy",
            "security",
            "mall",
            "help",
            "purchases",
        ],
    ),
    ("facade", &["client", "fuzzing"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source names through `crate::` (in `use` lists too), comments
/// (doc links) aside.
fn crate_references(source: &str) -> BTreeSet<String> {
    let code: String = source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        // `$crate::` inside a macro is the macro's own crate: the same rule applies.
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                found.insert(leading_name(item.trim()));
            }
        } else {
            found.insert(leading_name(rest));
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

fn leading_name(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

#[test]
fn every_module_imports_only_its_own_layer_or_below_and_no_area_another() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if top == "lib" {
            continue;
        }
        let own =
            layer_of(&top).unwrap_or_else(|| panic!("{} belongs to no layer", relative.display()));
        let source = std::fs::read_to_string(&file).unwrap();
        for target in crate_references(&source) {
            let Some(theirs) = layer_of(&target) else {
                wrong.push(format!(
                    "{}: crate::{target} is in no layer",
                    relative.display()
                ));
                continue;
            };
            let upward = theirs > own;
            let sideways_between_areas = own == 2 && theirs == 2 && target != top;
            if upward || sideways_between_areas {
                wrong.push(format!(
                    "{} ({}) imports crate::{target} ({})",
                    relative.display(),
                    LAYERS[own].0,
                    LAYERS[theirs].0
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "the scan found only {checked} imports");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_scan_sees_grouped_and_macro_imports() {
    let source = "use crate::{net::Endpoint, store};\n\
                  /// The area of a [`crate::Client`].\n\
                  impl From<$crate::account::Failure> for X {}";
    let names: Vec<_> = crate_references(source).into_iter().collect();
    assert_eq!(names, ["account", "net", "store"]);
}
