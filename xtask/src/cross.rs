//! The library checked for the phones' targets: `cargo clippy -p medcircle-ffi` (which checks
//! it and its workspace dependencies) for the Android ABIs and iOS, and the Android static
//! library's JNI entry point of the secure store. There is no NDK or Apple SDK here, so nothing
//! is linked: the C in ring and SQLCipher is compiled by the host's clang for a stand-in Linux
//! triple with that architecture's glibc headers (Debian's cross `libc6-dev-*` packages).
//! SQLCipher's crypto is Rust (`sqlcipher/`), so no crypto headers are needed. What this
//! catches is Rust that does not compile (or lints) under `cfg(target_os = "android"/"ios")` and
//! target-specific dependencies that do not build; it says nothing about linking or running on
//! a device. It expects a Debian host (the cross libc headers' paths).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::target_dir;
use crate::cmd::{Result, cargo, run};

/// A Rust target and how its C is compiled here.
struct Target {
    rust: &'static str,
    /// The clang triple C is compiled for.
    stand_in: &'static str,
    /// That triple's libc headers (Debian's cross packages), when not the host's.
    libc_headers: Option<&'static str>,
    /// The clang triple for assembly, when the target's assembly dialect differs (Mach-O).
    assembly: Option<&'static str>,
}

const TARGETS: [Target; 4] = [
    Target {
        rust: "aarch64-linux-android",
        stand_in: "aarch64-linux-gnu",
        libc_headers: Some("/usr/aarch64-linux-gnu/include"),
        assembly: None,
    },
    Target {
        rust: "armv7-linux-androideabi",
        stand_in: "armv7a-linux-gnueabihf",
        libc_headers: Some("/usr/arm-linux-gnueabihf/include"),
        assembly: None,
    },
    Target {
        rust: "x86_64-linux-android",
        stand_in: "x86_64-linux-gnu",
        libc_headers: None,
        assembly: None,
    },
    Target {
        rust: "aarch64-apple-ios",
        stand_in: "aarch64-linux-gnu",
        libc_headers: Some("/usr/aarch64-linux-gnu/include"),
        assembly: Some("arm64-apple-ios"),
    },
];

/// The keyring store's JNI entry point, which `Keyring.initializeNdkContext` calls from Kotlin:
/// the Android library must export it.
const KEYRING_JNI_SYMBOL: &str =
    "Java_io_crates_keyring_Keyring_00024Companion_initializeNdkContext";

/// Checks every target; returns how many checks passed (one per target, plus the symbol).
pub(crate) fn check_all(root: &Path) -> Result<u64> {
    let work = target_dir(root).join("cross");
    let sdk = work.join("empty-sdk");
    fs::create_dir_all(&sdk).map_err(|e| format!("create {}: {e}", sdk.display()))?;
    let mut passed = 0;
    for target in &TARGETS {
        let mut clippy = cargo(root);
        clippy
            .args(["clippy", "-p", "medcircle-ffi", "--target", target.rust])
            .args(["--", "-D", "warnings"]);
        configure(&mut clippy, target, &work, &sdk)?;
        run(&mut clippy)?;
        passed += 1;
    }
    check_jni_export(root, &TARGETS[0], &work, &sdk)?;
    Ok(passed + 1)
}

/// The static library for `target` (compiled, not linked: `true` stands in for the linker a
/// staticlib never calls, so no build script can reach for the NDK's) must hold the keyring's
/// JNI function as a defined, global symbol.
fn check_jni_export(root: &Path, target: &Target, work: &Path, sdk: &Path) -> Result {
    let mut build = cargo(root);
    build.args([
        "rustc",
        "-p",
        "medcircle-ffi",
        "--lib",
        "--crate-type",
        "staticlib",
        "--target",
        target.rust,
    ]);
    build.env(
        format!(
            "CARGO_TARGET_{}_LINKER",
            env_suffix(target.rust).to_uppercase()
        ),
        "true",
    );
    configure(&mut build, target, work, sdk)?;
    run(&mut build)?;
    let archive = target_dir(root)
        .join(target.rust)
        .join("debug")
        .join("libmedcircle_ffi.a");
    // Not echoed: the archive has tens of thousands of symbols. Its exit status is not read:
    // Debian's llvm-nm is older than Rust's LLVM and fails on the bitcode members of
    // compiler_builtins, while it lists every machine-code member; the symbol must be among them.
    let listing = Command::new("llvm-nm")
        .args(["--defined-only", "--extern-only"])
        .arg(&archive)
        .output()
        .map_err(|e| format!("cannot run llvm-nm (install llvm): {e}"))?;
    if exports(
        &String::from_utf8_lossy(&listing.stdout),
        KEYRING_JNI_SYMBOL,
    ) {
        Ok(())
    } else {
        Err(format!(
            "{} does not export {KEYRING_JNI_SYMBOL}: Kotlin's Keyring.initializeNdkContext would not link",
            archive.display()
        ))
    }
}

/// Whether `llvm-nm` output lists `symbol` as a defined text symbol.
fn exports(nm_output: &str, symbol: &str) -> bool {
    nm_output.lines().any(|line| {
        let mut fields = line.split_whitespace().rev();
        fields.next() == Some(symbol) && fields.next() == Some("T")
    })
}

/// The environment the `cc` crate reads for `target`.
fn configure(command: &mut Command, target: &Target, work: &Path, sdk: &Path) -> Result {
    let suffix = env_suffix(target.rust);
    command
        .env(format!("CC_{suffix}"), compiler_wrapper(work, target)?)
        .env(format!("AR_{suffix}"), "llvm-ar")
        // The cc crate asks xcrun for the SDK unless SDKROOT names one; no header comes from it.
        .env("SDKROOT", sdk);
    Ok(())
}

fn env_suffix(rust_target: &str) -> String {
    rust_target.replace('-', "_")
}

/// A compiler for the `cc` crate: clang for the stand-in triple, without the flags the `cc`
/// crate adds for the real target that make no sense for the stand-in (its `--target`, Apple's
/// SDK and deployment flags, Android's soft-float ABI).
fn compiler_wrapper(work: &Path, target: &Target) -> Result<PathBuf> {
    let path = work.join(format!("cc-{}", target.rust));
    let headers = target
        .libc_headers
        .map(|dir| format!(" -isystem {dir}"))
        .unwrap_or_default();
    let assembly = target.assembly.map_or(String::new(), |triple| {
        format!(
            "for arg in \"${{kept[@]}}\"; do\n  case \"$arg\" in *.S|*.s) triple={triple} ;; esac\ndone\n"
        )
    });
    let script = format!(
        "#!/usr/bin/env bash\n\
         # Written by xtask (xtask/src/cross.rs): C for {rust} compiled as {stand_in}.\n\
         kept=()\n\
         skip=0\n\
         for arg in \"$@\"; do\n\
         \x20 if [ \"$skip\" = 1 ]; then skip=0; continue; fi\n\
         \x20 case \"$arg\" in\n\
         \x20   --target=*|-mfloat-abi=*|-miphoneos-version-min=*|-mios-version-min=*|-mios-simulator-version-min=*) ;;\n\
         \x20   -isysroot|-arch|-target) skip=1 ;;\n\
         \x20   *) kept+=(\"$arg\") ;;\n\
         \x20 esac\n\
         done\n\
         triple={stand_in}\n\
         {assembly}\
         exec clang --target=\"$triple\"{headers} \"${{kept[@]}}\"\n",
        rust = target.rust,
        stand_in = target.stand_in,
    );
    fs::create_dir_all(work).map_err(|e| format!("create {}: {e}", work.display()))?;
    fs::write(&path, script).map_err(|e| format!("write {}: {e}", path.display()))?;
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("chmod {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_defined_text_symbol_counts_as_exported() {
        let defined = format!("0000000000000000 T {KEYRING_JNI_SYMBOL}\n");
        assert!(exports(&defined, KEYRING_JNI_SYMBOL));
        let undefined = format!("                 U {KEYRING_JNI_SYMBOL}\n");
        assert!(!exports(&undefined, KEYRING_JNI_SYMBOL));
        assert!(!exports(
            "0000000000000000 T Java_other\n",
            KEYRING_JNI_SYMBOL
        ));
    }
}
