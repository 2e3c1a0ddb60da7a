//! The Android code on the JVM (`android/`, Maven): the library module's Kotlin layer and the
//! generated bindings compiled against android-all and tested (JUnit 4, Robolectric, the real
//! library through JNA), and the sample app compiled. Before that, the versions the Gradle build
//! names (`android/gradle/libs.versions.toml`) must be those this build checks.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::cmd::{Result, run_capturing};

/// Runs the Maven build; returns its output for the caller to count the tests in.
pub(crate) fn run(root: &Path, generated_kotlin: &Path, target: &Path) -> Result<String> {
    let android = root.join("android");
    same_versions(&android)?;
    run_capturing(
        Command::new("mvn")
            .current_dir(&android)
            // No `clean`: the Kotlin compiler's incremental build follows changed bindings and
            // saves recompiling 19,000 unchanged generated lines at every run.
            .args(["-B", "--no-transfer-progress", "test"])
            .arg(format!(
                "-Dmedcircle.bindings={}",
                generated_kotlin.display()
            ))
            .arg(format!(
                "-Dmedcircle.libDir={}",
                target.join("debug").display()
            )),
    )
}

/// Every version in the Gradle catalogue but the Android Gradle Plugin's must equal the Maven
/// property of the same name (`kotlinx-coroutines` → `kotlinx.coroutines.version`).
fn same_versions(android: &Path) -> Result {
    let read =
        |path: &Path| fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()));
    let catalogue = read(&android.join("gradle/libs.versions.toml"))?;
    let pom = read(&android.join("pom.xml"))?;
    let differing: Vec<String> = catalogue_versions(&catalogue)
        .into_iter()
        .filter(|(name, _)| name != "agp")
        .filter_map(|(name, version)| {
            let property = format!("{}.version", name.replace('-', "."));
            let in_pom = pom_property(&pom, &property);
            (in_pom.as_deref() != Some(version.as_str())).then(|| {
                format!(
                    "{name} = {version} in libs.versions.toml, {property} = {in_pom:?} in pom.xml"
                )
            })
        })
        .collect();
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the Gradle and Maven builds name different versions: {}",
            differing.join("; ")
        ))
    }
}

/// The `name = "version"` lines of the catalogue's `[versions]` table.
fn catalogue_versions(catalogue: &str) -> Vec<(String, String)> {
    catalogue
        .lines()
        .skip_while(|l| l.trim() != "[versions]")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with('['))
        .filter_map(|l| {
            let (name, value) = l.split_once('=')?;
            Some((
                name.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            ))
        })
        .collect()
}

fn pom_property(pom: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = pom.find(&open)? + open.len();
    let end = start + pom[start..].find("</")?;
    Some(pom[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_and_pom_are_read_as_written() {
        let catalogue = "# c\n[versions]\nagp = \"8.7.3\"\nkotlinx-coroutines = \"1.11.0\"\n\n[libraries]\nx = { module = \"a:b\" }\n";
        assert_eq!(
            catalogue_versions(catalogue),
            [
                ("agp".into(), "8.7.3".into()),
                ("kotlinx-coroutines".into(), "1.11.0".into())
            ]
        );
        let pom = "<properties>\n<kotlinx.coroutines.version>1.11.0</kotlinx.coroutines.version>\n";
        assert_eq!(
            pom_property(pom, "kotlinx.coroutines.version").as_deref(),
            Some("1.11.0")
        );
        assert_eq!(pom_property(pom, "jna.version"), None);
    }

    #[test]
    fn the_repositorys_builds_agree() {
        let android = Path::new(env!("CARGO_MANIFEST_DIR")).join("../android");
        assert_eq!(same_versions(&android), Ok(()));
    }
}
