//! `cargo xtask docs`: the API reference of every layer a developer uses, in target/docs:
//! rustdoc for the core and the FFI crate, Dokka (HTML) for the Android layer with the generated
//! Kotlin bindings, and a DocC archive for the iOS package's Swift (the layer and the generated
//! Swift), built from its symbol graph with the `docc` of the Swift chroot.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::bindings::{self, target_dir};
use crate::chroot::Chroot;
use crate::cmd::{Result, cargo, run};

/// The chroot's DocC (swiftlang ships it outside PATH).
const DOCC: &str = "/usr/libexec/swift/bin/docc";

pub(crate) fn run_all(root: &Path) -> Result {
    let target = target_dir(root);
    run(cargo(root).args([
        "doc",
        "--no-deps",
        "-p",
        "medcircle-core",
        "-p",
        "medcircle-ffi",
    ]))?;
    let generated = bindings::generate(root, bindings::Purpose::App)?;
    let dokka = dokka(root, &generated.join("kotlin"))?;
    let docc = docc(root, &target, &generated.join("swift"))?;
    println!("API docs written:");
    println!(
        "  Rust (rustdoc):     {}",
        target.join("doc/medcircle_core/index.html").display()
    );
    println!(
        "                      {}",
        target.join("doc/medcircle_ffi/index.html").display()
    );
    println!(
        "  Kotlin (Dokka):     {}",
        dokka.join("index.html").display()
    );
    println!("  Swift (DocC):       {}", docc.display());
    Ok(())
}

/// Dokka over the Android layer and the bindings (android/medcircle, profile `docs`).
fn dokka(root: &Path, generated_kotlin: &Path) -> Result<PathBuf> {
    let android = root.join("android");
    run(Command::new("mvn")
        .current_dir(&android)
        .args([
            "-B",
            "--no-transfer-progress",
            "-Pdocs",
            "-pl",
            "medcircle",
            "-am",
        ])
        .arg(format!(
            "-Dmedcircle.bindings={}",
            generated_kotlin.display()
        ))
        .arg("process-classes"))?;
    Ok(android.join("medcircle/target/dokka"))
}

/// The iOS package built for Linux in the chroot with its symbol graph emitted, then `docc
/// convert` on it. The package takes the generated files as `tests/swift/run-tests.sh` gives
/// them (Sources/MedCircleFFI, Sources/MedCircle/Generated, both git-ignored).
fn docc(root: &Path, target: &Path, generated_swift: &Path) -> Result<PathBuf> {
    let package = root.join("ios");
    place_generated(generated_swift, &package)?;
    let docs = target.join("docs");
    let graphs = docs.join("symbol-graphs");
    let archive = docs.join("MedCircle.doccarchive");
    for stale in [&graphs, &archive] {
        if stale.exists() {
            fs::remove_dir_all(stale).map_err(|e| format!("{}: {e}", stale.display()))?;
        }
    }
    fs::create_dir_all(&graphs).map_err(|e| format!("{}: {e}", graphs.display()))?;
    let chroot = Chroot::prepared(root)?;
    let mounts = chroot.mount(true)?;
    let built = run(chroot
        .command()
        .args([
            "swift",
            "build",
            "--package-path",
            &chroot.inside(&package)?,
        ])
        .args(["--target", "MedCircle", "-Xswiftc", "-emit-symbol-graph"])
        .args([
            "-Xswiftc",
            "-emit-symbol-graph-dir",
            "-Xswiftc",
            &chroot.inside(&graphs)?,
        ]))
    .and_then(|()| {
        run(chroot
            .command()
            .args([
                DOCC,
                "convert",
                "--additional-symbol-graph-dir",
                &chroot.inside(&graphs)?,
            ])
            .args(["--fallback-display-name", "MedCircle"])
            .args(["--fallback-bundle-identifier", "com.medcircle.MedCircle"])
            .args(["--output-path", &chroot.inside(&archive)?]))
    });
    drop(mounts);
    built.map(|()| archive)
}

/// The generated headers and module map into Sources/MedCircleFFI, the generated Swift into
/// Sources/MedCircle/Generated, replacing what an older generation left.
fn place_generated(generated_swift: &Path, package: &Path) -> Result {
    let ffi = package.join("Sources/MedCircleFFI");
    let swift = package.join("Sources/MedCircle/Generated");
    for dir in [&ffi, &swift] {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    for entry in
        fs::read_dir(generated_swift).map_err(|e| format!("{}: {e}", generated_swift.display()))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        let into = match path.extension().and_then(|e| e.to_str()) {
            Some("h" | "modulemap") => &ffi,
            Some("swift") => &swift,
            _ => continue,
        };
        let name = path.file_name().expect("a file in the directory");
        fs::copy(&path, into.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
