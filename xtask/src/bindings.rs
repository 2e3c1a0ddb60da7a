//! Generates the Kotlin and Swift bindings from the built library (uniffi library mode).

use std::fs;
use std::path::{Path, PathBuf};

use crate::cmd::{Result, cargo, run};

pub(crate) const LIBRARY: &str = "libmedcircle_ffi.so";

/// What the bindings are generated for: an app, or the Kotlin and Swift suites (which also
/// get the library's testing exports).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    App,
    Suites,
}

pub(crate) fn generate(root: &Path, purpose: Purpose) -> Result<PathBuf> {
    let mut build = cargo(root);
    build.args(["build", "-p", "medcircle-ffi", "-p", "uniffi-bindgen"]);
    if purpose == Purpose::Suites {
        build.args(["--features", "medcircle-ffi/testing"]);
    }
    run(&mut build)?;
    let target = target_dir(root);
    let out = target.join("bindings");
    for language in ["kotlin", "swift"] {
        let dir = out.join(language);
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| format!("clean {}: {e}", dir.display()))?;
        }
        // Metadata is read from the unstripped debug library; strip only release artifacts.
        run(cargo(root).args([
            "run",
            "--quiet",
            "-p",
            "uniffi-bindgen",
            "--",
            "generate",
            &target.join("debug").join(LIBRARY).to_string_lossy(),
            "--language",
            language,
            "--no-format",
            "--out-dir",
            &dir.to_string_lossy(),
        ]))?;
    }
    write_swift_module_map(&out.join("swift"))?;
    Ok(out)
}

/// uniffi writes one module map per crate, all naming the module `MedCircleFFI` (and using
/// Darwin); SwiftPM and Xcode want one map that declares every header.
fn write_swift_module_map(dir: &Path) -> Result {
    let mut headers = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("h") => headers.push(path.file_name().unwrap().to_string_lossy().into_owned()),
            Some("modulemap") => fs::remove_file(&path).map_err(|e| e.to_string())?,
            _ => {}
        }
    }
    headers.sort();
    let mut map = String::from("module MedCircleFFI {\n");
    for header in headers {
        map.push_str(&format!("    header \"{header}\"\n"));
    }
    map.push_str("    export *\n}\n");
    fs::write(dir.join("module.modulemap"), map).map_err(|e| e.to_string())
}

pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}
