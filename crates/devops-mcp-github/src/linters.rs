//! External linters: actionlint and zizmor, run as child processes from
//! argument vectors (no shell) on a scratch copy of the files, their findings
//! merged into a [`ValidationReport`]. This is the one module that does I/O.
//!
//! zizmor always runs `--offline` with the default (regular) persona; a second
//! pedantic run only counts findings, for information.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Output};

use crate::validate::{CheckerRun, Finding, Severity, ValidationReport};

/// Paths of the external linters that were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalTools {
    /// The actionlint executable.
    pub actionlint: Option<PathBuf>,
    /// The zizmor executable.
    pub zizmor: Option<PathBuf>,
}

impl ExternalTools {
    /// Finds the tools in `tools_dir/bin`, then `tools_dir`, then each
    /// directory of `path_var` (the caller passes the PATH value it read; this
    /// crate reads no environment variables).
    #[must_use]
    pub fn locate(tools_dir: Option<&Path>, path_var: Option<&OsStr>) -> Self {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(t) = tools_dir {
            dirs.push(t.join("bin"));
            dirs.push(t.to_path_buf());
        }
        if let Some(p) = path_var {
            dirs.extend(std::env::split_paths(p));
        }
        let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
        Self {
            actionlint: find("actionlint"),
            zizmor: find("zizmor"),
        }
    }
}

/// The outcome of the external linters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExternalReport {
    /// Findings (actionlint, zizmor regular persona) and which checkers ran.
    pub report: ValidationReport,
    /// Number of zizmor findings under the pedantic persona, when zizmor ran.
    pub zizmor_pedantic: Option<usize>,
}

/// Errors of the external run itself (not findings).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LinterError {
    /// A file path would leave the scratch directory.
    #[error("file path `{0}` must be relative and stay inside the repository")]
    BadPath(String),
    /// The scratch directory could not be written.
    #[error("could not write `{path}` in the scratch directory: {source}")]
    Io {
        /// The path written.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Writes the YAML files under `scratch` (which should be an empty directory
/// the caller owns) and runs every tool found on them.
///
/// A tool that is missing or fails to run is reported in `checkers` with
/// `ran: false` and the reason; that is not an error.
///
/// # Errors
/// [`LinterError`] when a path is unsafe or the files cannot be written.
pub fn run_external(
    files: &[(String, String)],
    tools: &ExternalTools,
    scratch: &Path,
) -> Result<ExternalReport, LinterError> {
    let mut rel_paths = Vec::new();
    for (path, content) in files {
        if !(path.ends_with(".yml") || path.ends_with(".yaml")) {
            continue;
        }
        let rel = Path::new(path);
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(LinterError::BadPath(path.clone()));
        }
        let dest = scratch.join(rel);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(|source| LinterError::Io {
                path: path.clone(),
                source,
            })?;
        }
        std::fs::write(&dest, content).map_err(|source| LinterError::Io {
            path: path.clone(),
            source,
        })?;
        rel_paths.push(path.clone());
    }
    let mut out = ExternalReport::default();
    match &tools.actionlint {
        Some(exe) => run_actionlint(exe, scratch, &rel_paths, &mut out.report),
        None => out.report.set_checker(not_found("actionlint")),
    }
    match &tools.zizmor {
        Some(exe) => {
            run_zizmor(exe, scratch, &mut out.report);
            out.zizmor_pedantic = zizmor_pedantic_count(exe, scratch);
        }
        None => out.report.set_checker(not_found("zizmor")),
    }
    Ok(out)
}

fn not_found(name: &str) -> CheckerRun {
    CheckerRun {
        name: name.to_owned(),
        ran: false,
        detail: format!("not run: `{name}` not found in the tools directory or PATH"),
    }
}

fn failed(name: &str, why: &str) -> CheckerRun {
    CheckerRun {
        name: name.to_owned(),
        ran: false,
        detail: format!("not run: {why}"),
    }
}

fn output(exe: &Path, args: &[&str], cwd: &Path) -> Result<Output, String> {
    Command::new(exe)
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("could not start {}: {e}", exe.display()))
}

fn version(exe: &Path, flag: &str, cwd: &Path) -> String {
    output(exe, &[flag], cwd)
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_default()
}

fn run_actionlint(exe: &Path, scratch: &Path, rel_paths: &[String], report: &mut ValidationReport) {
    let mut args = vec!["-format", "{{json .}}", "-no-color"];
    args.extend(rel_paths.iter().map(String::as_str));
    let out = match output(exe, &args, scratch) {
        Ok(o) => o,
        Err(e) => return report.set_checker(failed("actionlint", &e)),
    };
    // Exit 0: clean, 1: findings; anything else is a failure of the tool.
    if !matches!(out.status.code(), Some(0 | 1)) {
        let err = String::from_utf8_lossy(&out.stderr);
        return report.set_checker(failed("actionlint", err.trim()));
    }
    let parsed: Result<Vec<serde_json::Value>, _> = serde_json::from_slice(&out.stdout);
    let Ok(items) = parsed else {
        return report.set_checker(failed("actionlint", "its JSON output could not be read"));
    };
    for item in items {
        let get = |k: &str| {
            item.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        };
        let num = |k: &str| {
            item.get(k)
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        report.findings.push(Finding {
            checker: "actionlint".to_owned(),
            rule: get("kind").to_owned(),
            severity: Severity::Error,
            path: get("filepath").trim_start_matches("./").to_owned(),
            line: num("line"),
            column: num("column"),
            message: get("message").to_owned(),
            help: None,
        });
    }
    report.set_checker(CheckerRun {
        name: "actionlint".to_owned(),
        ran: true,
        detail: version(exe, "-version", scratch),
    });
}

fn zizmor_json(
    exe: &Path,
    scratch: &Path,
    persona: &str,
) -> Result<Vec<serde_json::Value>, String> {
    let args = [
        "--offline",
        "--no-config",
        "--format",
        "json",
        "--persona",
        persona,
        ".",
    ];
    let out = output(exe, &args, scratch)?;
    serde_json::from_slice(&out.stdout).map_err(|_| {
        let err = String::from_utf8_lossy(&out.stderr);
        format!("zizmor output could not be read: {}", err.trim())
    })
}

fn run_zizmor(exe: &Path, scratch: &Path, report: &mut ValidationReport) {
    let items = match zizmor_json(exe, scratch, "regular") {
        Ok(i) => i,
        Err(e) => return report.set_checker(failed("zizmor", &e)),
    };
    for item in items {
        let ident = item
            .get("ident")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let desc = item
            .get("desc")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let severity = match item
            .pointer("/determinations/severity")
            .and_then(serde_json::Value::as_str)
        {
            Some("High" | "Medium") => Severity::Error,
            Some("Low") => Severity::Warning,
            _ => Severity::Info,
        };
        let primary = item
            .get("locations")
            .and_then(serde_json::Value::as_array)
            .and_then(|l| {
                l.iter()
                    .find(|x| {
                        x.pointer("/symbolic/kind")
                            .and_then(serde_json::Value::as_str)
                            == Some("Primary")
                    })
                    .or_else(|| l.first())
            });
        let path = primary
            .and_then(|p| p.pointer("/symbolic/key/Local/verbatim_path"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .trim_start_matches("./")
            .to_owned();
        let row = |k: &str| {
            primary
                .and_then(|p| p.pointer(&format!("/concrete/location/start_point/{k}")))
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .map(|n| n + 1)
        };
        let annotation = primary
            .and_then(|p| p.pointer("/symbolic/annotation"))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        report.findings.push(Finding {
            checker: "zizmor".to_owned(),
            rule: ident.to_owned(),
            severity,
            path,
            line: row("row"),
            column: row("column"),
            message: if annotation.is_empty() {
                desc.to_owned()
            } else {
                format!("{desc}: {annotation}")
            },
            help: item
                .get("url")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
        });
    }
    report.set_checker(CheckerRun {
        name: "zizmor".to_owned(),
        ran: true,
        detail: format!(
            "{} (--offline, regular persona)",
            version(exe, "--version", scratch)
        ),
    });
}

fn zizmor_pedantic_count(exe: &Path, scratch: &Path) -> Option<usize> {
    zizmor_json(exe, scratch, "pedantic").ok().map(|v| v.len())
}
