//! The scanner: validates a request against the workspace, runs semgrep with the bundled packs
//! and user rules (one scan per workspace root at a time), and turns its output into a report.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::error::ScanError;
use crate::output;
use crate::process::{self, Finished, Invocation, ScanProgress};
use crate::report::{self, ScanReport, ScanStats, SeverityCounts};
use crate::request::{ScanOptions, ScanRequest};
use crate::rules::MaterializedRules;
use crate::sarif;
use crate::workspace::Workspace;

/// Environment every semgrep child gets: no version check (it hangs ~97 s offline) and no
/// metrics.
pub const SEMGREP_ENV: &[(&str, &str)] = &[
    ("SEMGREP_ENABLE_VERSION_CHECK", "0"),
    ("SEMGREP_SEND_METRICS", "off"),
];

/// Largest file read back for snippets (bigger ones get findings without a snippet).
const MAX_SOURCE_BYTES: u64 = 20_000_000;

/// Runs scans. Create one per server and share it: it holds the per-workspace queue, the
/// bundled rules written out once, and the cached semgrep version.
#[derive(Debug)]
pub struct Scanner {
    options: ScanOptions,
    locks: Mutex<HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
    rules: OnceCell<MaterializedRules>,
    version: OnceCell<String>,
}

impl Scanner {
    /// A scanner running the semgrep named in `options`.
    pub fn new(options: ScanOptions) -> Scanner {
        Scanner {
            options,
            locks: Mutex::new(HashMap::new()),
            rules: OnceCell::new(),
            version: OnceCell::new(),
        }
    }

    /// The options this scanner was created with.
    pub fn options(&self) -> &ScanOptions {
        &self.options
    }

    /// Semgrep's version (`semgrep --version`), run once and cached. Also a cheap check that
    /// semgrep works, for `doctor`.
    pub async fn semgrep_version(&self) -> Result<String, ScanError> {
        self.version
            .get_or_try_init(|| async {
                let invocation = Invocation {
                    program: self.options.semgrep.clone(),
                    args: vec![OsString::from("--version")],
                    cwd: std::env::temp_dir(),
                };
                let finished = process::run(
                    &invocation,
                    SEMGREP_ENV,
                    &CancellationToken::new(),
                    Duration::from_secs(120),
                    Duration::from_secs(3_600),
                    &|_| {},
                )
                .await?;
                let text = String::from_utf8_lossy(&finished.stdout).trim().to_owned();
                if !finished.status.success() || text.is_empty() {
                    return Err(ScanError::SemgrepFailed {
                        status: process::describe_status(&finished.status),
                        details: format!(
                            "`semgrep --version` did not print a version: {}",
                            finished.stderr_tail.join(" / ")
                        ),
                    });
                }
                Ok(text)
            })
            .await
            .cloned()
    }

    /// Scans part of `workspace_root` as `request` says.
    ///
    /// Waits for any other scan of the same root to finish first (reporting
    /// [`ScanProgress::Queued`]). Cancelling `cancel` (or exceeding the total timeout) kills
    /// semgrep's whole process group and returns [`ScanError::Cancelled`]
    /// ([`ScanError::TimedOut`]) promptly. Dropping the returned future kills it too.
    pub async fn scan(
        &self,
        workspace_root: &Path,
        request: &ScanRequest,
        cancel: &CancellationToken,
        progress: &(dyn Fn(ScanProgress) + Send + Sync),
    ) -> Result<ScanReport, ScanError> {
        let started = Instant::now();
        request.validate()?;
        let workspace = Workspace::open(workspace_root)?;
        let target = workspace.resolve_existing("path", request.path.as_deref().unwrap_or("."))?;
        let user_rules = request
            .rules
            .as_deref()
            .map(|rules| workspace.resolve_existing("rules", rules))
            .transpose()?;
        let sarif_target = request
            .sarif_output
            .as_deref()
            .map(|given| {
                let path = workspace.resolve_output("sarif_output", given)?;
                if !request.overwrite_sarif && path.exists() {
                    return Err(ScanError::SarifExists {
                        path: given.to_owned(),
                    });
                }
                Ok(path)
            })
            .transpose()?;

        let lock = self.lock_for(workspace.root());
        let _turn = match lock.clone().try_lock_owned() {
            Ok(guard) => guard,
            Err(_) => {
                progress(ScanProgress::Queued);
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => return Err(ScanError::Cancelled),
                    guard = lock.lock_owned() => guard,
                }
            }
        };

        let rules = self
            .rules
            .get_or_try_init(|| async { MaterializedRules::create() })
            .await?;
        let packs = request.selected_packs();
        let scratch = tempfile::Builder::new()
            .prefix("devops-mcp-scan-")
            .tempdir()
            .map_err(|source| ScanError::Io {
                context: "creating a private temporary folder for the scan".to_owned(),
                source,
            })?;
        let raw_sarif = scratch.path().join("semgrep.sarif");

        let mut args: Vec<OsString> = vec![
            "scan".into(),
            "--json".into(),
            "--metrics=off".into(),
            "--disable-version-check".into(),
            // Keep rule ids as written; semgrep otherwise prefixes them with the config's
            // folder path (here a random temporary folder).
            "--no-rewrite-rule-ids".into(),
        ];
        for pack in &packs {
            args.push(prefixed("--config=", rules.pack_dir(*pack)?.as_os_str()));
        }
        if let Some(user) = &user_rules {
            args.push(prefixed("--config=", user.absolute.as_os_str()));
        }
        if let Some(secs) = request.timeout_per_file_secs {
            args.push(format!("--timeout={secs}").into());
        }
        if let Some(bytes) = request.max_target_bytes {
            args.push(format!("--max-target-bytes={bytes}").into());
        }
        for glob in &request.include {
            args.push(format!("--include={glob}").into());
        }
        for glob in &request.exclude {
            args.push(format!("--exclude={glob}").into());
        }
        if let Some(reference) = &request.baseline_ref {
            args.push(format!("--baseline-commit={reference}").into());
        }
        if sarif_target.is_some() {
            args.push(prefixed("--sarif-output=", raw_sarif.as_os_str()));
        }
        if let Some(jobs) = self.options.jobs {
            args.push(format!("--jobs={jobs}").into());
        }
        args.push(target_argument(&target.relative));

        let invocation = Invocation {
            program: self.options.semgrep.clone(),
            args,
            cwd: workspace.root().to_path_buf(),
        };
        progress(ScanProgress::Started {
            packs: packs.iter().map(|p| p.name().to_owned()).collect(),
            user_rules: user_rules.is_some(),
        });
        tracing::debug!(?invocation, "running semgrep");
        let finished = process::run(
            &invocation,
            SEMGREP_ENV,
            cancel,
            self.options.total_timeout(request),
            self.options.heartbeat_interval,
            progress,
        )
        .await?;

        let parsed = check_exit(&finished, request.baseline_ref.as_deref())?;
        let sources = read_sources(&workspace, &parsed);
        let findings = output::findings(&parsed, |path| sources.get(path).map(String::as_str));
        if let (Some(target_path), Some(given)) = (&sarif_target, &request.sarif_output) {
            sarif::finish_sarif(
                &raw_sarif,
                target_path,
                &findings,
                request.overwrite_sarif,
                given,
            )?;
        }

        let semgrep_version = match &parsed.version {
            Some(version) => version.clone(),
            None => self.semgrep_version().await.unwrap_or_default(),
        };
        let threshold = request.threshold();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        progress(ScanProgress::Finished {
            findings: findings.len(),
            elapsed_ms,
        });
        Ok(ScanReport {
            counts: SeverityCounts::of(&findings),
            verdict: report::verdict(&findings, threshold),
            threshold,
            stats: ScanStats {
                files_scanned: parsed.paths.scanned.len(),
                rules_run: finished
                    .stderr_tail
                    .iter()
                    .rev()
                    .find_map(|line| output::rules_run_from_summary(line)),
                elapsed_ms,
            },
            warnings: output::warnings(&parsed),
            semgrep_version,
            sarif_path: sarif_target,
            baseline_ref: request.baseline_ref.clone(),
            packs,
            findings,
        })
    }

    fn lock_for(&self, root: &Path) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget roots nobody is scanning, so the map does not grow without bound.
        locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        locks.entry(root.to_path_buf()).or_default().clone()
    }
}

fn prefixed(flag: &str, value: &std::ffi::OsStr) -> OsString {
    let mut arg = OsString::from(flag);
    arg.push(value);
    arg
}

/// The scan target as semgrep sees it: relative to the root, and never starting with `-`.
fn target_argument(relative: &Path) -> OsString {
    if relative == Path::new(".") {
        OsString::from(".")
    } else {
        Path::new(".").join(relative).into_os_string()
    }
}

/// Maps semgrep's exit status (0 and 1 are normal) to a parsed output or a typed error.
fn check_exit(
    finished: &Finished,
    baseline_ref: Option<&str>,
) -> Result<output::SemgrepOutput, ScanError> {
    let code = finished.status.code();
    if matches!(code, Some(0 | 1)) {
        return output::parse(&finished.stdout);
    }
    let from_json = output::parse(&finished.stdout)
        .ok()
        .and_then(|parsed| output::error_details(&parsed));
    let details = from_json.unwrap_or_else(|| {
        let tail = finished.stderr_tail.join(" / ");
        if tail.is_empty() {
            "semgrep gave no explanation".to_owned()
        } else {
            crate::redact::redact_known_secrets(&tail)
        }
    });
    Err(match code {
        Some(2) if baseline_ref.is_some() && details.to_ascii_lowercase().contains("baseline") => {
            ScanError::BaselineUnavailable {
                reference: baseline_ref.unwrap_or_default().to_owned(),
                details: last_meaningful_line(&details),
            }
        }
        Some(code @ (4 | 5 | 7)) => ScanError::InvalidRules { code, details },
        Some(8) => ScanError::UnsupportedLanguage { details },
        _ => ScanError::SemgrepFailed {
            status: process::describe_status(&finished.status),
            details,
        },
    })
}

/// Semgrep sometimes returns a Python traceback as its message; its last line says what
/// went wrong.
fn last_meaningful_line(details: &str) -> String {
    details
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty() && !line.starts_with('^') && !line.starts_with("File "))
        .unwrap_or(details)
        .to_owned()
}

/// Reads the files that have findings, for snippets. Paths semgrep reports are relative to
/// the workspace root; anything resolving outside it is not read.
fn read_sources(workspace: &Workspace, parsed: &output::SemgrepOutput) -> HashMap<String, String> {
    let mut sources = HashMap::new();
    for result in &parsed.results {
        if sources.contains_key(&result.path) {
            continue;
        }
        let Ok(path) = workspace.root().join(&result.path).canonicalize() else {
            continue;
        };
        if !path.starts_with(workspace.root())
            || path.metadata().map_or(true, |m| m.len() > MAX_SOURCE_BYTES)
        {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            sources.insert(result.path.clone(), text);
        }
    }
    sources
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_never_looks_like_an_option() {
        assert_eq!(target_argument(Path::new(".")), OsString::from("."));
        assert_eq!(target_argument(Path::new("-rf")), OsString::from("./-rf"));
    }
}
