//! The crate's error type: every way a scan can fail, each with a message that tells the caller
//! (ultimately an AI agent) what to do next.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// The command that installs the pinned semgrep, quoted in "not found" errors.
pub const INSTALL_HINT: &str =
    "install it with `pip install semgrep==1.185.0` or run `bash tests/setup.sh`";

/// Why a scan could not produce a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// No semgrep executable was found where it was looked for.
    #[error("semgrep was not found (looked in: {searched}); {INSTALL_HINT}")]
    SemgrepNotFound {
        /// The places that were searched, in order.
        searched: String,
    },

    /// A request field has a value the scanner does not accept.
    #[error("invalid `{field}`: {reason}")]
    InvalidRequest {
        /// The request field (JSON name).
        field: &'static str,
        /// What is wrong and what is accepted instead.
        reason: String,
    },

    /// A path in the request resolves outside the workspace root.
    #[error(
        "`{field}` ({path}) resolves outside the workspace root; give a path inside the workspace \
         (relative paths are resolved against the root, `..` and symlinks leading out are refused)"
    )]
    PathOutsideWorkspace {
        /// The request field (JSON name).
        field: &'static str,
        /// The path as given.
        path: String,
    },

    /// A path in the request does not exist or cannot be read.
    #[error(
        "`{field}` ({path}) cannot be read: {source}; check the path (relative to the workspace root)"
    )]
    PathUnreadable {
        /// The request field (JSON name).
        field: &'static str,
        /// The path as given.
        path: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A registry rule set was asked for; the server works offline.
    #[error(
        "`rules` is `{config}`, a Semgrep registry configuration; this server runs offline and \
         never downloads rules. Use the bundled packs (`packs`) or a rule file or folder inside \
         the workspace"
    )]
    RegistryConfigRefused {
        /// The refused configuration string.
        config: String,
    },

    /// The workspace root itself is unusable.
    #[error("workspace root {path} is not usable: {source}")]
    WorkspaceRoot {
        /// The configured root.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// The SARIF output file exists and overwriting was not allowed.
    #[error(
        "`sarif_output` ({path}) already exists; choose another path or set `overwrite_sarif` to true"
    )]
    SarifExists {
        /// The path as given.
        path: String,
    },

    /// The semgrep process could not be started.
    #[error("could not start semgrep at {path}: {source}; {INSTALL_HINT}")]
    Spawn {
        /// The executable that was run.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A local file operation of the scanner failed.
    #[error("{context}: {source}")]
    Io {
        /// What the scanner was doing.
        context: String,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// The caller cancelled the scan; the semgrep process group was killed.
    #[error("the scan was cancelled; semgrep was stopped and no findings were kept")]
    Cancelled,

    /// The scan ran longer than its total timeout; the semgrep process group was killed.
    #[error(
        "the scan did not finish within {} s and was stopped; narrow `path`, add `exclude` globs, \
         or raise `total_timeout_secs`",
        limit.as_secs()
    )]
    TimedOut {
        /// The total timeout that was exceeded.
        limit: Duration,
    },

    /// Semgrep rejected a rule (exit codes 4, 5 and 7).
    #[error(
        "semgrep rejected the rule configuration (exit {code}): {details}. Fix the rule file given \
         in `rules` (semgrep --validate --config <file> shows the problem), or leave `rules` out \
         to scan with the bundled packs only"
    )]
    InvalidRules {
        /// Semgrep's exit code.
        code: i32,
        /// Semgrep's own explanation.
        details: String,
    },

    /// A rule names a language semgrep does not support (exit code 8).
    #[error(
        "a rule uses a language semgrep does not support (exit 8): {details}. Change the rule's \
         `languages` to a supported one (e.g. python, yaml, dockerfile, generic, regex)"
    )]
    UnsupportedLanguage {
        /// Semgrep's own explanation.
        details: String,
    },

    /// Diff-aware mode could not use the baseline ref.
    #[error(
        "`baseline_ref` ({reference}) could not be used: {details}. The workspace must be a git \
         repository and the ref must name a commit there (check with `git rev-parse {reference}`); \
         leave `baseline_ref` out to report all findings"
    )]
    BaselineUnavailable {
        /// The ref as given.
        reference: String,
        /// Semgrep's explanation.
        details: String,
    },

    /// Semgrep stopped with a fatal error (exit code 2 or another unexpected status).
    #[error("semgrep failed ({status}): {details}")]
    SemgrepFailed {
        /// Exit code or signal, as text.
        status: String,
        /// Semgrep's own explanation, or the end of its error output.
        details: String,
    },

    /// Semgrep's output could not be understood.
    #[error(
        "semgrep's JSON output could not be read ({reason}); check that the semgrep at the \
         configured path is the pinned 1.185.0"
    )]
    MalformedOutput {
        /// What was wrong with it.
        reason: String,
    },
}
