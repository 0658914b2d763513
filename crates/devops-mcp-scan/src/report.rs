//! The typed result of a scan: findings, counts, verdict, statistics and warnings. These types
//! are plain data (they serialize to what a tool result carries) and hold no secrets: every
//! snippet and message is redacted before it gets here.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::request::Severity;

/// A position in a file, 1-based like semgrep's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number, starting at 1.
    pub col: u32,
}

/// How sure the rule author is that a match is a real problem (rule metadata `confidence`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Often a false positive; review before acting.
    Low,
    /// Usually right.
    Medium,
    /// Almost always right.
    High,
}

/// One problem semgrep found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// Rule id, e.g. `devops-mcp.secrets.github-token-classic`.
    pub rule_id: String,
    /// Severity.
    pub severity: Severity,
    /// Rule confidence, when the rule states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    /// What is wrong and what to do about it.
    pub message: String,
    /// File path relative to the workspace root.
    pub path: String,
    /// Start of the match.
    pub start: Position,
    /// End of the match (exclusive column).
    pub end: Position,
    /// The matched source lines, with any secret masked to a short prefix and `****`.
    pub snippet: String,
    /// Replacement text suggested by the rule (semgrep autofix), when it has a safe one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// CWE identifiers from the rule metadata, e.g. `CWE-798: Use of Hard-coded Credentials`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<String>,
    /// OWASP Top 10 categories from the rule metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owasp: Vec<String>,
    /// Reference links from the rule metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Stable identity of the finding across edits that move it: SHA-256 over the rule id,
    /// the path and the whitespace-normalized matched text (secrets masked), not line numbers.
    pub fingerprint: String,
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeverityCounts {
    /// Critical findings.
    pub critical: usize,
    /// High findings.
    pub high: usize,
    /// Medium findings.
    pub medium: usize,
    /// Low findings.
    pub low: usize,
    /// Informational findings.
    pub info: usize,
}

impl SeverityCounts {
    /// Counts the findings.
    pub fn of(findings: &[Finding]) -> SeverityCounts {
        let mut counts = SeverityCounts::default();
        for finding in findings {
            match finding.severity {
                Severity::Critical => counts.critical += 1,
                Severity::High => counts.high += 1,
                Severity::Medium => counts.medium += 1,
                Severity::Low => counts.low += 1,
                Severity::Info => counts.info += 1,
            }
        }
        counts
    }

    /// Total number of findings.
    pub fn total(&self) -> usize {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

/// Pass or fail against the severity threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding at or above the threshold.
    Pass,
    /// At least one finding at or above the threshold.
    Fail,
}

/// Scan statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScanStats {
    /// Files semgrep scanned.
    pub files_scanned: usize,
    /// Rules semgrep ran, when it reported the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules_run: Option<u64>,
    /// Wall-clock time of the scan, in milliseconds.
    pub elapsed_ms: u64,
}

/// A problem semgrep reported without failing the scan (a file it could not parse, a file that
/// timed out, a rule it skipped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ScanWarning {
    /// Semgrep's error type, e.g. `Syntax error` or `Timeout`.
    pub kind: String,
    /// Semgrep's level (`warn` or `error`).
    pub level: String,
    /// What happened.
    pub message: String,
    /// The file concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Everything a finished scan produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ScanReport {
    /// Findings, ordered by path, then position, then rule id.
    pub findings: Vec<Finding>,
    /// Findings per severity.
    pub counts: SeverityCounts,
    /// Pass or fail against `threshold`.
    pub verdict: Verdict,
    /// The severity threshold the verdict used.
    pub threshold: Severity,
    /// Statistics.
    pub stats: ScanStats,
    /// Semgrep's non-fatal errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ScanWarning>,
    /// Semgrep's version.
    pub semgrep_version: String,
    /// Where the SARIF 2.1.0 report was written, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sarif_path: Option<PathBuf>,
    /// The git ref findings were compared with (diff-aware mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_ref: Option<String>,
    /// Bundled packs that ran.
    pub packs: Vec<crate::request::RulePack>,
}

/// The verdict for `findings` against `threshold`.
pub fn verdict(findings: &[Finding], threshold: Severity) -> Verdict {
    if findings.iter().any(|f| f.severity >= threshold) {
        Verdict::Fail
    } else {
        Verdict::Pass
    }
}
