//! `cargo xtask size`: builds the library the apps ship (the `medcircle-ffi` cdylib, release
//! profile) for each target this machine can link, and prints its stripped size against the
//! budget (≤ 8 MB, aiming at ≤ 6 MB) with the biggest contributors. A library that needs a
//! system crypto library does not count: the task fails on one.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bindings::LIBRARY;
use crate::cmd::{Result, cargo, describe, stdout_of};
use crate::json::Json;

/// Decimal megabytes, as the budget is stated.
const MB: f64 = 1e6;
const BUDGET_MB: f64 = 8.0;
const AIM_MB: f64 = 6.0;
/// Shared libraries whose presence in DT_NEEDED means the crypto is not ours.
const SYSTEM_CRYPTO: [&str; 2] = ["libcrypto", "libssl"];
const TOP: usize = 12;

/// A target and the tools that build and read its libraries.
struct Target {
    triple: &'static str,
    /// The cross toolchain's prefix (`aarch64-linux-gnu-`), empty for the host.
    tools: &'static str,
    /// The Debian packages of that toolchain.
    packages: &'static str,
}

const HOST: Target = Target {
    triple: "x86_64-unknown-linux-gnu",
    tools: "",
    packages: "",
};
const CROSS: [Target; 1] = [Target {
    triple: "aarch64-unknown-linux-gnu",
    tools: "aarch64-linux-gnu-",
    packages: "gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
}];

pub(crate) fn run_all(root: &Path) -> Result {
    let mut targets = vec![&HOST];
    for target in &CROSS {
        match target.missing_tools() {
            None => targets.push(target),
            Some(missing) => println!("{}: not buildable here ({missing})", target.triple),
        }
    }
    let mut not_self_contained = Vec::new();
    for target in targets {
        let built = target.build(root)?;
        let report = Report::of(target, &built)?;
        print!("{report}");
        if !report.system_crypto.is_empty() {
            not_self_contained.push(target.triple);
        }
    }
    if not_self_contained.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "not self-contained (links system crypto): {}",
            not_self_contained.join(", ")
        ))
    }
}

impl Target {
    fn is_host(&self) -> bool {
        self.tools.is_empty()
    }

    fn tool(&self, name: &str) -> String {
        format!("{}{name}", self.tools)
    }

    /// What is missing to link this target here, if anything.
    fn missing_tools(&self) -> Option<String> {
        let mut missing = Vec::new();
        if !links_against_libc(&self.tool("gcc")) {
            missing.push(format!(
                "`{}` with its C library (Debian: {})",
                self.tool("gcc"),
                self.packages
            ));
        }
        if !rust_std_installed(self.triple) {
            missing.push(format!("`rustup target add {}`", self.triple));
        }
        (!missing.is_empty()).then(|| format!("needs {}", missing.join(" and ")))
    }

    /// Builds the cdylib alone (as android/build-native.sh does: asking for the staticlib and
    /// rlib too keeps more code alive) with its symbols.
    fn build(&self, root: &Path) -> Result<Built> {
        let mut command = cargo(root);
        command.args([
            "rustc",
            "--release",
            "-p",
            "medcircle-ffi",
            "--crate-type",
            "cdylib",
            "--message-format=json-render-diagnostics",
        ]);
        if !self.is_host() {
            command.args(["--target", self.triple]).env(
                format!(
                    "CARGO_TARGET_{}_LINKER",
                    self.triple.to_uppercase().replace('-', "_")
                ),
                self.tool("gcc"),
            );
        }
        // Symbols stay for the contributors; the size is taken from a stripped copy.
        command.args(["--", "-C", "strip=none"]);
        eprintln!("+ {}", describe(&command));
        let out = command
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot start `{}`: {e}", describe(&command)))?;
        if !out.status.success() {
            return Err(format!("`{}` failed ({})", describe(&command), out.status));
        }
        Built::from_messages(&String::from_utf8_lossy(&out.stdout))
    }
}

/// What cargo reported building: the library, and each build script's output directory (where
/// the C and assembly archives are) by crate.
struct Built {
    library: PathBuf,
    script_outputs: Vec<(String, PathBuf)>,
}

impl Built {
    fn from_messages(messages: &str) -> Result<Built> {
        let mut library = None;
        let mut script_outputs = Vec::new();
        for message in messages.lines().filter_map(|l| Json::parse(l).ok()) {
            let text = |key: &str| message.get(key).and_then(Json::as_str);
            match text("reason") {
                Some("build-script-executed") => {
                    if let (Some(id), Some(dir)) = (text("package_id"), text("out_dir")) {
                        script_outputs.push((package_name(id).to_string(), dir.into()));
                    }
                }
                Some("compiler-artifact") => {
                    let files = message.get("filenames").and_then(Json::as_array);
                    library = files
                        .into_iter()
                        .flatten()
                        .filter_map(Json::as_str)
                        .find(|f| f.ends_with(LIBRARY))
                        .map(PathBuf::from)
                        .or(library);
                }
                _ => {}
            }
        }
        Ok(Built {
            library: library.ok_or("cargo reported no cdylib")?,
            script_outputs,
        })
    }
}

/// `registry+https://…#ring@0.17.14` or `path+file:///…/sqlcipher#medcircle-sqlcipher@0.1.0`
/// → the package's name.
fn package_name(id: &str) -> &str {
    let spec = id.rsplit('#').next().unwrap_or(id);
    spec.split(['@', ' ']).next().unwrap_or(spec)
}

/// What one target's library weighs and what it is made of.
struct Report {
    triple: &'static str,
    stripped: u64,
    system_crypto: Vec<String>,
    /// Bytes of symbols per origin, largest first.
    contributors: Vec<(String, u64)>,
    symbol_bytes: u64,
}

impl Report {
    fn of(target: &Target, built: &Built) -> Result<Report> {
        let library = &built.library;
        let stripped = stripped_size(library, &target.tool("strip"))
            .ok_or_else(|| format!("cannot strip {}", library.display()))?;
        let system_crypto = needed(library, &target.tool("readelf"))?
            .into_iter()
            .filter(|lib| SYSTEM_CRYPTO.iter().any(|c| lib.starts_with(c)))
            .collect();
        let native = native_symbols(&built.script_outputs, &target.tool("nm"))?;
        let symbols = symbol_sizes(library, &target.tool("nm"))?;
        let symbol_bytes = symbols.iter().map(|(_, size)| size).sum();
        let mut by_origin: HashMap<String, u64> = HashMap::new();
        for (name, size) in symbols {
            *by_origin.entry(origin(&name, &native)).or_default() += size;
        }
        let mut contributors: Vec<_> = by_origin.into_iter().collect();
        contributors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Report {
            triple: target.triple,
            stripped,
            system_crypto,
            contributors,
            symbol_bytes,
        })
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = self.stripped as f64 / MB;
        let verdict = if mb > BUDGET_MB {
            "OVER BUDGET"
        } else if mb > AIM_MB {
            "within budget, above the aim"
        } else {
            "within the aim"
        };
        writeln!(
            f,
            "{}: {} stripped; budget {BUDGET_MB} MB, aim {AIM_MB} MB: {verdict}",
            self.triple,
            megabytes(self.stripped)
        )?;
        if self.system_crypto.is_empty() {
            writeln!(f, "  self-contained: no system crypto library needed")?;
        } else {
            writeln!(
                f,
                "  NOT SELF-CONTAINED: needs {} (the figure does not count)",
                self.system_crypto.join(", ")
            )?;
        }
        writeln!(
            f,
            "  largest contributors (symbol sizes; {:.2} MB in symbols, the rest is unwind \
             tables, relocations and the dynamic symbol table):",
            self.symbol_bytes as f64 / MB
        )?;
        for (origin, bytes) in self.contributors.iter().take(TOP) {
            writeln!(f, "    {:>7.3} MB  {origin}", *bytes as f64 / MB)?;
        }
        Ok(())
    }
}

pub(crate) fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB ({bytes} bytes)", bytes as f64 / MB)
}

/// The size of a `strip --strip-all` copy of `library`.
pub(crate) fn stripped_size(library: &Path, strip: &str) -> Option<u64> {
    let copy = std::env::temp_dir().join(format!("xtask-{}-{LIBRARY}", std::process::id()));
    let size = Command::new(strip)
        .arg("--strip-all")
        .arg("-o")
        .arg(&copy)
        .arg(library)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| fs::metadata(&copy).ok())
        .map(|m| m.len());
    let _ = fs::remove_file(&copy);
    size
}

/// The shared libraries `library` needs at run time (its DT_NEEDED entries).
fn needed(library: &Path, readelf: &str) -> Result<Vec<String>> {
    Ok(output(Command::new(readelf).arg("--dynamic").arg(library))?
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .filter_map(|l| Some(l.split('[').nth(1)?.trim_end_matches(']').to_string()))
        .collect())
}

/// Every sized symbol of `library` (name demangled, size in bytes).
fn symbol_sizes(library: &Path, nm: &str) -> Result<Vec<(String, u64)>> {
    Ok(output(
        Command::new(nm)
            .args(["--print-size", "--demangle"])
            .arg(library),
    )?
    .lines()
    .filter_map(parse_sized_symbol)
    .collect())
}

/// `0000000000001040 0000000000000022 T name` → (name, 0x22).
fn parse_sized_symbol(line: &str) -> Option<(String, u64)> {
    let mut fields = line.splitn(4, ' ');
    let _address = fields.next()?;
    let size = u64::from_str_radix(fields.next()?, 16).ok()?;
    let _kind = fields.next()?;
    Some((fields.next()?.to_string(), size))
}

/// C and assembly symbols by the crate whose build script compiled them.
fn native_symbols(
    script_outputs: &[(String, PathBuf)],
    nm: &str,
) -> Result<HashMap<String, String>> {
    let mut found = HashMap::new();
    for (krate, dir) in script_outputs {
        for archive in archives(dir) {
            let listing = output(Command::new(nm).arg("--defined-only").arg(&archive))?;
            for name in listing.lines().filter_map(|l| l.split(' ').nth(2)) {
                found.insert(name.to_string(), format!("{krate} (C)"));
            }
        }
    }
    Ok(found)
}

fn archives(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "a") {
                found.push(path);
            }
        }
    }
    found
}

/// Where a symbol comes from: a C archive's crate, or the crate a demangled Rust path starts
/// with (for a trait method, the implementing type's crate; generic code instantiated for
/// another crate's types counts under the generic's own crate, e.g. `core`).
fn origin(symbol: &str, native: &HashMap<String, String>) -> String {
    if let Some(krate) = native.get(symbol) {
        return krate.clone();
    }
    // Code LLVM's outliner (aarch64, opt-level "z") moved out of Rust functions after LTO.
    if symbol.starts_with("OUTLINED_FUNCTION_") {
        return "[outlined Rust code]".to_string();
    }
    // The exported C functions and metadata uniffi generates (plain names, no Rust path).
    if !symbol.contains("::")
        && (symbol.starts_with("uniffi_") || symbol.starts_with("UNIFFI_META_"))
    {
        return "[uniffi scaffolding and metadata]".to_string();
    }
    let path = symbol
        .trim_start_matches('<')
        .trim_start_matches(['&', '*', '[', '('])
        .trim_start_matches("mut ")
        .trim_start_matches("const ")
        .trim_start_matches("dyn ");
    match path.split_once("::") {
        Some((krate, _)) if !krate.is_empty() && !krate.contains([' ', '<', '>']) => {
            krate.to_string()
        }
        _ => "[other: C runtime, anonymous and unattributed symbols]".to_string(),
    }
}

/// Whether `gcc` runs and finds its target's C library (it prints a bare name when not).
fn links_against_libc(gcc: &str) -> bool {
    Command::new(gcc)
        .arg("-print-file-name=libc.so")
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"/"))
}

fn rust_std_installed(triple: &str) -> bool {
    Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .is_some_and(|sysroot| {
            Path::new(&sysroot)
                .join("lib/rustlib")
                .join(triple)
                .join("lib")
                .is_dir()
        })
}

fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(command)))?;
    stdout_of(&format!("`{}`", describe(command)), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_attributed_to_their_crate() {
        let native = HashMap::from([(
            "sqlite3VdbeExec".to_string(),
            "medcircle-sqlcipher (C)".into(),
        )]);
        let cases = [
            ("sqlite3VdbeExec", "medcircle-sqlcipher (C)"),
            (
                "tokio::runtime::task::raw::poll::h0123456789abcdef",
                "tokio",
            ),
            (
                "<rustls::client::ClientConfig as core::fmt::Debug>::fmt::h0123",
                "rustls",
            ),
            (
                "<&T as core::fmt::Display>::fmt::h0123",
                "[other: C runtime, anonymous and unattributed symbols]",
            ),
            (
                "<&serde_json::Value as core::fmt::Display>::fmt",
                "serde_json",
            ),
            ("core::ptr::drop_in_place<medcircle_core::Client>", "core"),
            (
                "uniffi_core::ffi::rustbuffer::RustBuffer::destroy",
                "uniffi_core",
            ),
            (
                "memcpy",
                "[other: C runtime, anonymous and unattributed symbols]",
            ),
            (
                "uniffi_medcircle_ffi_fn_method_feed_publish",
                "[uniffi scaffolding and metadata]",
            ),
            ("OUTLINED_FUNCTION_1672", "[outlined Rust code]"),
        ];
        for (symbol, expected) in cases {
            assert_eq!(origin(symbol, &native), expected, "{symbol}");
        }
    }

    #[test]
    fn cargo_messages_give_the_library_and_the_build_scripts() {
        let messages = [
            r#"{"reason":"build-script-executed","package_id":"registry+https://github.com/rust-lang/crates.io-index#ring@0.17.14","out_dir":"/t/release/build/ring-1/out"}"#,
            r#"{"reason":"build-script-executed","package_id":"path+file:///w/sqlcipher#medcircle-sqlcipher@0.1.0","out_dir":"/t/release/build/medcircle-sqlcipher-2/out"}"#,
            r#"{"reason":"compiler-artifact","filenames":["/t/release/deps/libring-3.rlib"]}"#,
            r#"{"reason":"compiler-artifact","filenames":["/t/release/libmedcircle_ffi.so"]}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ]
        .join("\n");
        let built = Built::from_messages(&messages).unwrap();
        assert_eq!(
            built.library,
            PathBuf::from("/t/release/libmedcircle_ffi.so")
        );
        assert_eq!(
            built.script_outputs,
            [
                (
                    "ring".to_string(),
                    PathBuf::from("/t/release/build/ring-1/out")
                ),
                (
                    "medcircle-sqlcipher".to_string(),
                    PathBuf::from("/t/release/build/medcircle-sqlcipher-2/out")
                ),
            ]
        );
        assert!(Built::from_messages(r#"{"reason":"build-finished"}"#).is_err());
    }

    #[test]
    fn nm_lines_give_name_and_size() {
        assert_eq!(
            parse_sized_symbol("0000000000001040 0000000000000022 T sqlite3_open"),
            Some(("sqlite3_open".into(), 0x22))
        );
        assert_eq!(
            parse_sized_symbol("0000000000001040 0000000000000010 t <T as core::fmt::Debug>::fmt"),
            Some(("<T as core::fmt::Debug>::fmt".into(), 0x10))
        );
        assert_eq!(parse_sized_symbol("                 U memcpy"), None);
    }
}
