//! `cargo xtask bench`: the core's criterion benchmarks, then a summary of their means read from
//! criterion's estimates and marked against the design budgets, and the reference server's load
//! test (`server/benches/load.rs`: latency percentiles under concurrent readers and writers,
//! against one reader alone). A missed budget is reported (OVER BUDGET), never failed; a
//! benchmark that does not run, or a load test with errors, fails the task.
//! `cargo xtask bench load` runs the load test alone.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

use crate::bindings::{LIBRARY, target_dir};
use crate::cmd::{Result, cargo, run, run_capturing};
use crate::json::Json;
use crate::size;

/// The bench targets of medcircle-core (`core/benches/<name>.rs`).
const BENCHES: &[&str] = &["store"];

/// The product's id in each pair; its baseline is `plain` with the same case.
const PRODUCT: &str = "encrypted";
const BASELINE: &str = "plain";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Budget {
    /// The product's mean, in nanoseconds, at most.
    Mean(f64),
    /// The product's mean over the baseline's, at most.
    Ratio(f64),
}

/// The budgets, by criterion group.
const BUDGETS: &[(&str, Budget)] = &[
    ("cold_start_first_page", Budget::Mean(5e6)),
    ("page_read", Budget::Ratio(1.3)),
    ("local_search_100k", Budget::Mean(10e6)),
];

pub(crate) fn run_all(root: &Path, criterion_args: &[String]) -> Result {
    if criterion_args == ["load"] {
        print!("\n{}", load(root)?);
        return Ok(());
    }
    let started = SystemTime::now();
    for bench in BENCHES {
        run(cargo(root)
            .args(["bench", "-p", "medcircle-core", "--features", "bench"])
            .args(["--bench", bench, "--"])
            .args(criterion_args))?;
    }
    // Not criterion: percentiles of reads while a refresh hangs, written as JSON.
    run(cargo(root).args(["bench", "-p", "medcircle-core", "--bench", "local_reads"]))?;
    let load = if criterion_args.is_empty() {
        load(root)?
    } else {
        String::new()
    };
    let target = target_dir(root);
    let results = read_results(&target.join("criterion"), started)?;
    println!();
    print!("{}", summary(&results));
    let reads = fs::read_to_string(target.join("local-reads.json"))
        .map_err(|e| format!("local-reads.json: {e}"))?;
    print!("{}", local_reads_summary(&reads)?);
    println!("{}", cdylib_line(&target.join("release").join(LIBRARY)));
    print!("{load}");
    Ok(())
}

/// Runs the server's load test; returns its figures (its `load …` lines). It fails on errors.
fn load(root: &Path) -> Result<String> {
    let output =
        run_capturing(cargo(root).args(["bench", "-p", "medcircle-server", "--bench", "load"]))?;
    let figures: String = output
        .lines()
        .filter(|line| line.starts_with("load"))
        .map(|line| format!("{line}\n"))
        .collect();
    if figures.is_empty() {
        return Err("the load test printed no figures".into());
    }
    Ok(figures)
}

/// One benchmark of this run.
#[derive(Debug, Clone, PartialEq)]
struct Measured {
    group: String,
    /// `encrypted` or `plain` for a pair, else any name.
    function: Option<String>,
    /// The case within a group (`zh_4char`, `1_page`), if any.
    case: Option<String>,
    full_id: String,
    mean_ns: f64,
}

/// Every benchmark whose estimates were written since `since`, in the order they ran.
fn read_results(dir: &Path, since: SystemTime) -> Result<Vec<Measured>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let estimates = path.join("estimates.json");
            if path.file_name().is_some_and(|n| n == "new") && estimates.is_file() {
                let written = fs::metadata(&estimates)
                    .and_then(|m| m.modified())
                    .map_err(|e| format!("{}: {e}", estimates.display()))?;
                if written >= since {
                    found.push((written, read_measured(&path)?));
                }
            } else {
                pending.push(path);
            }
        }
    }
    found.sort_by_key(|(written, _)| *written);
    Ok(found.into_iter().map(|(_, m)| m).collect())
}

/// A criterion `new/` directory: its `benchmark.json` (the id) and `estimates.json` (the mean).
fn read_measured(new: &Path) -> Result<Measured> {
    let read = |name: &str| -> Result<Json> {
        let path = new.join(name);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Json::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let id = read("benchmark.json")?;
    let estimates = read("estimates.json")?;
    let text = |key: &str| id.get(key).and_then(Json::as_str).map(str::to_owned);
    let bad = |what: &str| format!("{}: no {what}", new.display());
    Ok(Measured {
        group: text("group_id").ok_or_else(|| bad("group_id"))?,
        function: text("function_id"),
        case: text("value_str"),
        full_id: text("full_id").ok_or_else(|| bad("full_id"))?,
        mean_ns: estimates
            .get("mean")
            .and_then(|m| m.get("point_estimate"))
            .and_then(Json::as_f64)
            .ok_or_else(|| bad("mean.point_estimate"))?,
    })
}

fn budget(group: &str) -> Option<Budget> {
    BUDGETS.iter().find(|(g, _)| *g == group).map(|(_, b)| *b)
}

/// The table: each benchmark's mean, and after each encrypted/plain pair their ratio, with the
/// verdict where a budget applies; then the misses.
fn summary(results: &[Measured]) -> String {
    if results.is_empty() {
        return "xtask: no benchmark ran (did the filter match none?)\n".into();
    }
    let mut rows: Vec<[String; 3]> = Vec::new();
    let mut over = Vec::new();
    let mut verdict = |id: &str, within: bool, limit: String| {
        if within {
            format!("≤ {limit}  ok")
        } else {
            over.push(id.to_owned());
            format!("≤ {limit}  OVER BUDGET")
        }
    };
    for (i, m) in results.iter().enumerate() {
        let role = m.function.as_deref();
        let mark = match budget(&m.group) {
            Some(Budget::Mean(limit)) if role != Some(BASELINE) => {
                verdict(&m.full_id, m.mean_ns <= limit, round(duration(limit)))
            }
            _ if role == Some(BASELINE) => "baseline".into(),
            _ => String::new(),
        };
        rows.push([m.full_id.clone(), duration(m.mean_ns), mark]);
        // A pair's ratio follows whichever of the two ran last.
        let Some(other_role) = (match role {
            Some(PRODUCT) => Some(BASELINE),
            Some(BASELINE) => Some(PRODUCT),
            _ => None,
        }) else {
            continue;
        };
        let Some(other) = results[..i].iter().find(|o| {
            o.group == m.group && o.case == m.case && o.function.as_deref() == Some(other_role)
        }) else {
            continue;
        };
        let (product, baseline) = if role == Some(PRODUCT) {
            (m, other)
        } else {
            (other, m)
        };
        let ratio = product.mean_ns / baseline.mean_ns;
        let label = match &m.case {
            Some(case) => format!("  {}/{case}: {PRODUCT}/{BASELINE}", m.group),
            None => format!("  {}: {PRODUCT}/{BASELINE}", m.group),
        };
        let mark = match budget(&m.group) {
            Some(Budget::Ratio(limit)) => verdict(&label, ratio <= limit, format!("{limit}×")),
            _ => String::new(),
        };
        rows.push([label, format!("{ratio:.2}×"), mark]);
    }
    let width = |col: usize| {
        rows.iter()
            .map(|r| r[col].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1) = (width(0), width(1));
    let mut out = format!("{:<w0$}  {:>w1$}  budget\n", "benchmark (mean)", "");
    for [id, value, mark] in &rows {
        out.push_str(format!("{id:<w0$}  {value:>w1$}  {mark}").trim_end());
        out.push('\n');
    }
    if over.is_empty() {
        out.push_str("xtask: every budget met\n");
    } else {
        out.push_str(&format!("xtask: {} OVER BUDGET:\n", over.len()));
        for id in over {
            out.push_str(&format!("  {}\n", id.trim()));
        }
    }
    out
}

/// The reads made while a token refresh hangs, against the same reads idle: p99 within
/// `LOCAL_READ_RATIO` (a local read never waits on the network).
const LOCAL_READ_RATIO: f64 = 2.0;

fn local_reads_summary(json: &str) -> Result<String> {
    let json = Json::parse(json)?;
    let mut out = String::from("local reads while a token refresh hangs (p99, same run)\n");
    let mut over = Vec::new();
    for read in ["local_search", "cached_page"] {
        let value = |key: &str| {
            json.get(read)
                .and_then(|r| r.get(key))
                .and_then(Json::as_f64)
                .ok_or_else(|| format!("local-reads.json: no {read}.{key}"))
        };
        let (idle, during) = (value("idle_p99_ns")?, value("during_p99_ns")?);
        let ratio = during / idle;
        let verdict = if ratio <= LOCAL_READ_RATIO {
            "ok"
        } else {
            over.push(read);
            "OVER BUDGET"
        };
        out.push_str(&format!(
            "  {read}: {} during / {} idle = {ratio:.2}×  ≤ {LOCAL_READ_RATIO}×  {verdict}\n",
            duration(during),
            duration(idle)
        ));
    }
    if !over.is_empty() {
        out.push_str(&format!("xtask: OVER BUDGET: {}\n", over.join(", ")));
    }
    Ok(out)
}

/// A duration given in nanoseconds, in the unit that suits it.
fn duration(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

/// `5.00 ms` as `5 ms`, for a budget.
fn round(text: String) -> String {
    match text.split_once(' ') {
        Some((value, unit)) if value.contains('.') => {
            format!(
                "{} {unit}",
                value.trim_end_matches('0').trim_end_matches('.')
            )
        }
        _ => text,
    }
}

/// The shipped library's stripped size, if `cargo xtask size` built one (this task builds none).
fn cdylib_line(library: &Path) -> String {
    let Ok(meta) = fs::metadata(library) else {
        return format!(
            "cdylib: no {} (`cargo xtask size` builds it and reports its size)",
            library.display()
        );
    };
    let size = match size::stripped_size(library, "strip") {
        Some(bytes) => format!("{} stripped", size::megabytes(bytes)),
        None => format!(
            "{} as built (no `strip` to check it)",
            size::megabytes(meta.len())
        ),
    };
    let age = meta
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|d| format!(", built {} h ago", d.as_secs() / 3600))
        .unwrap_or_default();
    format!("cdylib: {} {size}{age}", library.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(full_id: &str, mean_ns: f64) -> Measured {
        let mut parts = full_id.split('/');
        Measured {
            group: parts.next().unwrap().into(),
            function: parts.next().map(Into::into),
            case: parts.next().map(Into::into),
            full_id: full_id.into(),
            mean_ns,
        }
    }

    #[test]
    fn the_summary_marks_budgets_and_pairs_without_failing() {
        let table = summary(&[
            measured("cold_start_first_page/encrypted", 3.2e6),
            measured("cold_start_first_page/plain", 2.0e6),
            measured("page_read/encrypted", 140e3),
            measured("page_read/plain", 100e3),
            measured("local_search_100k/encrypted/zh_4char", 42e6),
            measured("local_search_100k/encrypted/rare", 80e3),
            measured("local_search_100k/plain/zh_4char", 40e6),
            measured("bulk_cache_pages/encrypted/1_page", 2e6),
        ]);
        let line = |start: &str| {
            table
                .lines()
                .find(|l| l.trim_start().starts_with(start))
                .unwrap_or_else(|| panic!("no `{start}` in\n{table}"))
                .to_owned()
        };
        assert!(line("cold_start_first_page/encrypted ").ends_with("≤ 5 ms  ok"));
        assert!(line("cold_start_first_page/plain ").ends_with("baseline"));
        assert!(line("cold_start_first_page: encrypted/plain").contains("1.60×"));
        assert!(line("page_read: encrypted/plain").ends_with("≤ 1.3×  OVER BUDGET"));
        assert!(line("local_search_100k/encrypted/zh_4char ").contains("42.0 ms"));
        assert!(line("local_search_100k/encrypted/zh_4char ").ends_with("OVER BUDGET"));
        assert!(line("local_search_100k/encrypted/rare ").ends_with("≤ 10 ms  ok"));
        assert!(line("local_search_100k/zh_4char: encrypted/plain").contains("1.05×"));
        assert!(line("bulk_cache_pages/encrypted/1_page ").ends_with("2.00 ms"));
        assert!(line("xtask: 2 OVER BUDGET").ends_with(':'));
        assert_eq!(
            summary(&[]),
            "xtask: no benchmark ran (did the filter match none?)\n"
        );
    }

    #[test]
    fn reads_during_a_hanging_refresh_are_marked_against_twice_idle() {
        let json = r#"{"local_search": {"idle_p99_ns": 1000, "during_p99_ns": 1500},
                       "cached_page": {"idle_p99_ns": 1000, "during_p99_ns": 3000000}}"#;
        let text = local_reads_summary(json).unwrap();
        assert!(text.contains("local_search: 1.50 µs during / 1.00 µs idle = 1.50×  ≤ 2×  ok"));
        assert!(text.contains("cached_page: 3.00 ms during / 1.00 µs idle = 3000.00×"));
        assert!(text.contains("xtask: OVER BUDGET: cached_page"));
        assert!(local_reads_summary("{}").is_err());
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(duration(850.0), "850 ns");
        assert_eq!(duration(12_345.0), "12.3 µs");
        assert_eq!(duration(4.5e6), "4.50 ms");
        assert_eq!(duration(2.0e9), "2.00 s");
        assert_eq!(round(duration(5e6)), "5 ms");
        assert_eq!(round(duration(2.5e6)), "2.5 ms");
        assert_eq!(round(duration(850.0)), "850 ns");
    }
}
