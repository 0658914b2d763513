//! Offline security scanning with semgrep: bundled rule packs (secrets, GitHub Actions, Bicep,
//! Django, Dockerfile), user rules from the workspace, typed and redacted findings, SARIF
//! output, progress, cancellation and per-workspace queuing.
//!
//! This crate knows nothing of MCP: a [`ScanRequest`] goes in, a [`ScanReport`] or a
//! [`ScanError`] comes out. It never reads environment variables (the caller passes `PATH` to
//! [`locate_semgrep`]) and never downloads anything: registry configurations are refused and
//! semgrep runs with metrics and version checks off.

mod error;
mod output;
mod process;
mod redact;
mod report;
mod request;
mod rules;
mod sarif;
mod scanner;
mod workspace;

mod locate;

pub use error::{INSTALL_HINT, ScanError};
pub use locate::locate_semgrep;
pub use process::ScanProgress;
pub use redact::{MASK, mask};
pub use report::{
    Confidence, Finding, Position, ScanReport, ScanStats, ScanWarning, SeverityCounts, Verdict,
};
pub use request::{
    DEFAULT_THRESHOLD, MAX_PER_FILE_TIMEOUT_SECS, MAX_TARGET_BYTES_LIMIT, RulePack, ScanOptions,
    ScanRequest, Severity,
};
pub use rules::{BundledRuleFile, bundled_rule_files, bundled_rule_ids};
pub use scanner::{SEMGREP_ENV, Scanner};
