//! What a caller asks for: the scan request (a tool input, so it derives a JSON schema whose
//! field docs are what an agent reads), the bundled rule packs, severities, and the scanner's
//! own options. Validation that needs no file system lives here too.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ScanError;

/// A bundled rule pack, written and tested by this project.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RulePack {
    /// Hard-coded credentials: Azure storage keys, connection strings and SAS tokens,
    /// Application Insights keys, GitHub tokens, private keys, JWT signing keys, Django
    /// SECRET_KEY, AWS keys, high-entropy values assigned to secret-looking names.
    Secrets,
    /// GitHub Actions workflows: unpinned actions, pwn requests, script injection, token
    /// permissions, long-lived cloud credentials, secrets printed to logs.
    GithubActions,
    /// Text-level checks of Bicep templates (semgrep has no Bicep parser): HTTPS-only, minimum
    /// TLS, public network access, secrets in outputs and parameter defaults, missing @secure().
    Bicep,
    /// Django and Python: DEBUG, ALLOWED_HOSTS, raw SQL, CSRF exemptions, cookie and HSTS
    /// settings, shell=True, pickle and yaml.load.
    PythonDjango,
    /// Dockerfiles: running as root, `latest` tags, secrets in ENV/ARG, `curl | sh`.
    Dockerfile,
}

impl RulePack {
    /// Every bundled pack, in a stable order.
    pub const ALL: [RulePack; 5] = [
        RulePack::Secrets,
        RulePack::GithubActions,
        RulePack::Bicep,
        RulePack::PythonDjango,
        RulePack::Dockerfile,
    ];

    /// The pack's name: its folder under `rules/` and the middle part of its rule ids.
    pub fn name(self) -> &'static str {
        match self {
            RulePack::Secrets => "secrets",
            RulePack::GithubActions => "github-actions",
            RulePack::Bicep => "bicep",
            RulePack::PythonDjango => "python-django",
            RulePack::Dockerfile => "dockerfile",
        }
    }

    /// The pack a bundled rule id (`devops-mcp.<pack>.<rule>`) belongs to.
    pub fn of_rule_id(rule_id: &str) -> Option<RulePack> {
        let rest = rule_id.strip_prefix("devops-mcp.")?;
        let (pack, _) = rest.split_once('.')?;
        RulePack::ALL.into_iter().find(|p| p.name() == pack)
    }
}

impl fmt::Display for RulePack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How serious a finding is. Semgrep's INFO/WARNING/ERROR map to info/medium/high; its
/// LOW/MEDIUM/HIGH/CRITICAL map one to one.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational; never a problem on its own.
    Info,
    /// Low.
    Low,
    /// Medium (semgrep WARNING).
    Medium,
    /// High (semgrep ERROR).
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Maps a semgrep severity string; unknown values (EXPERIMENT, INVENTORY) become info.
    pub fn from_semgrep(value: &str) -> Severity {
        match value.to_ascii_uppercase().as_str() {
            "CRITICAL" => Severity::Critical,
            "ERROR" | "HIGH" => Severity::High,
            "WARNING" | "MEDIUM" => Severity::Medium,
            "LOW" => Severity::Low,
            _ => Severity::Info,
        }
    }

    /// Lower-case name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default severity threshold: semgrep's "blocking" level (ERROR and above).
pub const DEFAULT_THRESHOLD: Severity = Severity::High;

/// Largest accepted `max_target_bytes` (100 MB).
pub const MAX_TARGET_BYTES_LIMIT: u64 = 100_000_000;

/// Largest accepted `timeout_per_file_secs`.
pub const MAX_PER_FILE_TIMEOUT_SECS: u32 = 3_600;

/// Most include or exclude globs accepted.
const MAX_GLOBS: usize = 100;

/// A request to scan part of the workspace with semgrep, fully offline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// File or folder to scan, relative to the workspace root (an absolute path inside the
    /// workspace is accepted too). `..` components and symlinks leading outside the workspace
    /// are refused. Default: "." (the whole workspace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,

    /// Bundled rule packs to run: any of "secrets", "github-actions", "bicep",
    /// "python-django", "dockerfile". Default: all five. An empty list runs only `rules`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packs: Option<Vec<RulePack>>,

    /// Your own semgrep rules: a rule file (.yaml/.yml) or a folder of them, inside the
    /// workspace, run in addition to `packs`. Registry configurations (`p/...`, `r/...`,
    /// `auto`, URLs) are refused because the server is offline. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,

    /// Only scan files matching these globs (semgrep `--include`, e.g. "*.py", "src/**").
    /// Default: every file semgrep would scan. `.semgrepignore` and `.gitignore` still apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,

    /// Skip files and folders matching these globs (semgrep `--exclude`, e.g. "tests/**",
    /// "*.min.js"). Default: none beyond `.semgrepignore`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,

    /// Skip files larger than this many bytes (1 to 100000000). Default: semgrep's 1000000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_target_bytes: Option<u64>,

    /// Per-file, per-rule match timeout in seconds (1 to 3600); a file that times out is
    /// reported as a warning and skipped. Default: semgrep's 5 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_per_file_secs: Option<u32>,

    /// Stop the whole scan after this many seconds (at least 1; capped by the server's
    /// limit, 3600 by default). Default: 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_timeout_secs: Option<u64>,

    /// Verdict threshold: the scan fails if any finding has this severity or higher. One of
    /// "info", "low", "medium", "high", "critical". Default: "high".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_threshold: Option<Severity>,

    /// Diff-aware mode: a git ref (branch, tag or commit, e.g. "main" or "HEAD~1"); only
    /// findings introduced since that ref are reported. The workspace must be a git
    /// repository. Default: report all findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_ref: Option<String>,

    /// Also write a SARIF 2.1.0 report to this path inside the workspace (snippets of secrets
    /// are redacted in it as well). Default: no SARIF file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sarif_output: Option<String>,

    /// Replace `sarif_output` if the file already exists. Default: false (an existing file is
    /// an error, never silently overwritten).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overwrite_sarif: bool,
}

impl ScanRequest {
    /// A request for the whole workspace with every bundled pack and default limits.
    pub fn new() -> ScanRequest {
        ScanRequest::default()
    }

    /// The packs to run, defaults applied, sorted and deduplicated.
    pub fn selected_packs(&self) -> Vec<RulePack> {
        let mut packs = self.packs.clone().unwrap_or_else(|| RulePack::ALL.to_vec());
        packs.sort();
        packs.dedup();
        packs
    }

    /// The verdict threshold, default applied.
    pub fn threshold(&self) -> Severity {
        self.severity_threshold.unwrap_or(DEFAULT_THRESHOLD)
    }

    /// Checks the fields that need no file system. Paths are checked against the workspace
    /// by the scanner.
    pub fn validate(&self) -> Result<(), ScanError> {
        if self.selected_packs().is_empty() && self.rules.is_none() {
            return Err(ScanError::InvalidRequest {
                field: "packs",
                reason: "no rules to run: `packs` is empty and `rules` is not set; name at least \
                         one pack or give a rule file"
                    .to_owned(),
            });
        }
        if let Some(rules) = &self.rules {
            refuse_registry_config(rules)?;
        }
        check_globs("include", &self.include)?;
        check_globs("exclude", &self.exclude)?;
        if let Some(bytes) = self.max_target_bytes
            && !(1..=MAX_TARGET_BYTES_LIMIT).contains(&bytes)
        {
            return Err(ScanError::InvalidRequest {
                field: "max_target_bytes",
                reason: format!("{bytes} is out of range; use 1 to {MAX_TARGET_BYTES_LIMIT}"),
            });
        }
        if let Some(secs) = self.timeout_per_file_secs
            && !(1..=MAX_PER_FILE_TIMEOUT_SECS).contains(&secs)
        {
            return Err(ScanError::InvalidRequest {
                field: "timeout_per_file_secs",
                reason: format!("{secs} is out of range; use 1 to {MAX_PER_FILE_TIMEOUT_SECS}"),
            });
        }
        if self.total_timeout_secs == Some(0) {
            return Err(ScanError::InvalidRequest {
                field: "total_timeout_secs",
                reason: "0 is not allowed; give at least 1 second".to_owned(),
            });
        }
        if let Some(reference) = &self.baseline_ref {
            check_git_ref(reference)?;
        }
        Ok(())
    }
}

/// Refuses configurations that would make semgrep reach the network.
fn refuse_registry_config(rules: &str) -> Result<(), ScanError> {
    let trimmed = rules.trim();
    let lower = trimmed.to_ascii_lowercase();
    let is_registry = matches!(lower.as_str(), "auto" | "r2c" | "policy" | "supply-chain")
        || lower.starts_with("p/")
        || lower.starts_with("r/")
        || lower.starts_with("s/")
        || lower.starts_with("http://")
        || lower.starts_with("https://");
    if is_registry {
        return Err(ScanError::RegistryConfigRefused {
            config: trimmed.to_owned(),
        });
    }
    if trimmed.is_empty() {
        return Err(ScanError::InvalidRequest {
            field: "rules",
            reason: "empty; give a rule file or folder inside the workspace, or leave it out"
                .to_owned(),
        });
    }
    Ok(())
}

fn check_globs(field: &'static str, globs: &[String]) -> Result<(), ScanError> {
    if globs.len() > MAX_GLOBS {
        return Err(ScanError::InvalidRequest {
            field,
            reason: format!(
                "{} globs given; at most {MAX_GLOBS} are accepted",
                globs.len()
            ),
        });
    }
    for glob in globs {
        if glob.trim().is_empty() || glob.len() > 500 || glob.contains(['\0', '\n', '\r']) {
            return Err(ScanError::InvalidRequest {
                field,
                reason: format!(
                    "{glob:?} is not a usable glob; give a non-empty single-line pattern of at \
                     most 500 characters such as \"*.py\" or \"tests/**\""
                ),
            });
        }
    }
    Ok(())
}

/// Accepts the characters git allows in ref names and revision suffixes (`~`, `^`, `@{}`),
/// and refuses anything that could be read as an option.
fn check_git_ref(reference: &str) -> Result<(), ScanError> {
    let valid_chars = reference.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '.' | '_' | '-' | '/' | '~' | '^' | '@' | '{' | '}')
    });
    if reference.is_empty() || reference.len() > 200 || reference.starts_with('-') || !valid_chars {
        return Err(ScanError::InvalidRequest {
            field: "baseline_ref",
            reason: format!(
                "{reference:?} is not a git ref; give a branch, tag or commit such as \"main\", \
                 \"origin/main\", \"v1.2.0\" or \"HEAD~1\""
            ),
        });
    }
    Ok(())
}

/// How the scanner runs semgrep: set once by the server from its configuration.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// The semgrep executable (see [`crate::locate_semgrep`]).
    pub semgrep: PathBuf,
    /// Total timeout when the request gives none.
    pub default_total_timeout: Duration,
    /// Upper bound for a request's `total_timeout_secs`.
    pub max_total_timeout: Duration,
    /// How often a heartbeat progress event is sent while semgrep runs.
    pub heartbeat_interval: Duration,
    /// Semgrep's `--jobs`; `None` lets semgrep use one job per CPU.
    pub jobs: Option<u32>,
}

impl ScanOptions {
    /// Options with the defaults: 600 s per scan (at most 3600 s), a heartbeat every 2 s.
    pub fn new(semgrep: PathBuf) -> ScanOptions {
        ScanOptions {
            semgrep,
            default_total_timeout: Duration::from_secs(600),
            max_total_timeout: Duration::from_secs(3_600),
            heartbeat_interval: Duration::from_secs(2),
            jobs: None,
        }
    }

    /// The total timeout for a request: its own value capped by the maximum, or the default.
    pub fn total_timeout(&self, request: &ScanRequest) -> Duration {
        request
            .total_timeout_secs
            .map_or(self.default_total_timeout, Duration::from_secs)
            .min(self.max_total_timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_configs_are_refused() {
        for config in [
            "p/default",
            "r/python.django",
            "auto",
            "https://semgrep.dev/c/p/ci",
        ] {
            let request = ScanRequest {
                rules: Some(config.to_owned()),
                ..ScanRequest::default()
            };
            let err = request.validate().unwrap_err();
            assert!(
                matches!(err, ScanError::RegistryConfigRefused { .. }),
                "{config}: {err}"
            );
            assert!(err.to_string().contains("offline"), "{err}");
        }
        let local = ScanRequest {
            rules: Some("policies/semgrep.yml".to_owned()),
            ..ScanRequest::default()
        };
        local.validate().unwrap();
    }

    #[test]
    fn baseline_ref_must_look_like_a_ref() {
        for good in [
            "main",
            "origin/main",
            "HEAD~1",
            "v1.2.0",
            "abc123",
            "HEAD@{1}",
        ] {
            check_git_ref(good).unwrap();
        }
        for bad in ["--output=/tmp/x", "", "main; rm -rf /", "a b"] {
            assert!(check_git_ref(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn empty_rule_set_is_refused() {
        let request = ScanRequest {
            packs: Some(vec![]),
            ..ScanRequest::default()
        };
        assert!(matches!(
            request.validate(),
            Err(ScanError::InvalidRequest { field: "packs", .. })
        ));
    }

    #[test]
    fn severities_map_from_semgrep() {
        assert_eq!(Severity::from_semgrep("ERROR"), Severity::High);
        assert_eq!(Severity::from_semgrep("WARNING"), Severity::Medium);
        assert_eq!(Severity::from_semgrep("INFO"), Severity::Info);
        assert_eq!(Severity::from_semgrep("CRITICAL"), Severity::Critical);
        assert_eq!(Severity::from_semgrep("low"), Severity::Low);
        assert!(Severity::Critical > Severity::High);
    }

    #[test]
    fn rule_ids_name_their_pack() {
        assert_eq!(
            RulePack::of_rule_id("devops-mcp.github-actions.unpinned-action"),
            Some(RulePack::GithubActions)
        );
        assert_eq!(RulePack::of_rule_id("custom.rule"), None);
    }

    #[test]
    fn request_schema_documents_every_field() {
        let schema = serde_json::to_value(schemars::schema_for!(ScanRequest)).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        assert_eq!(properties.len(), 12);
        for (name, property) in properties {
            let description = property["description"].as_str().unwrap_or_default();
            assert!(description.len() > 20, "{name} lacks a description");
        }
        assert_eq!(schema["additionalProperties"], false);
        let parsed: ScanRequest =
            serde_json::from_str(r#"{"path": "src", "packs": ["github-actions"]}"#).unwrap();
        assert_eq!(parsed.selected_packs(), vec![RulePack::GithubActions]);
        assert!(serde_json::from_str::<ScanRequest>(r#"{"target": "src"}"#).is_err());
    }

    #[test]
    fn out_of_range_limits_are_refused() {
        let request = ScanRequest {
            timeout_per_file_secs: Some(0),
            ..ScanRequest::default()
        };
        assert!(request.validate().is_err());
        let request = ScanRequest {
            max_target_bytes: Some(MAX_TARGET_BYTES_LIMIT + 1),
            ..ScanRequest::default()
        };
        assert!(request.validate().is_err());
    }
}
