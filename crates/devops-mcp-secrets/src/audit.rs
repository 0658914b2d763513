//! The audit trail: one JSON line per secret operation, never a value.
//!
//! The file is JSON lines with flat fields so `query_kql` can read it as a
//! local table (`time`, `operation`, `store`, `target`, `name`, `version`,
//! `source_kind`, `exposed_to_model`, `outcome`, `error_kind`, `actor`).
//! Records are built from names and codes only: the type has no field that
//! could hold a value, and appends are serialised with the same `flock` as
//! the local store so concurrent writers never interleave lines.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::SecretsError;
use crate::fsx;
use crate::name::StoreKind;
use crate::properties::format_time;
use crate::source::SourceKind;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOperation {
    /// A value was written.
    Set,
    /// A value was read (human CLI, or the read half of a copy).
    Get,
    /// Names and metadata were listed.
    List,
    /// A secret was deleted.
    Delete,
    /// A `.env` file was imported.
    Import,
    /// An older version was made current again.
    Restore,
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Done.
    Success,
    /// Failed or refused; `error_kind` says why.
    Failure,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AuditRecord {
    /// When, RFC 3339 UTC (named as in Application Insights tables, and not `time`, a KQL keyword).
    pub timestamp: String,
    /// What was done.
    pub operation: AuditOperation,
    /// Which store.
    pub store: StoreKind,
    /// Which vault, repository scope or store file, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Secret name (absent for list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version written or read, when the store has versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where the value came from (writes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_kind: Option<SourceKind>,
    /// True when the value passed through the model (literal `value` source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposed_to_model: Option<bool>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The error code ([`SecretsError::kind`]) on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// Who asked, as the caller names it (e.g. `mcp`, `cli`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
}

impl AuditRecord {
    /// A record stamped now, with outcome success and the optional fields empty.
    pub fn new(operation: AuditOperation, store: StoreKind) -> Self {
        Self {
            timestamp: format_time(OffsetDateTime::now_utc()),
            operation,
            store,
            target: None,
            name: None,
            version: None,
            source_kind: None,
            exposed_to_model: None,
            outcome: AuditOutcome::Success,
            error_kind: None,
            actor: None,
        }
    }

    /// Mark the record as failed with `error`'s code.
    pub fn failed(mut self, error: &SecretsError) -> Self {
        self.outcome = AuditOutcome::Failure;
        self.error_kind = Some(error.kind().to_owned());
        self
    }
}

/// An append-only JSON lines file.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    lock_path: PathBuf,
}

impl AuditLog {
    /// A trail at `path` (created with mode 0600 on first append).
    pub fn new(path: PathBuf) -> Self {
        let mut lock_name = path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        lock_name.push(".lock");
        let lock_path = path.with_file_name(lock_name);
        Self { path, lock_path }
    }

    /// Where the trail is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record as a single line, flushed to disk.
    pub fn append(&self, record: &AuditRecord) -> Result<(), SecretsError> {
        let io_error = |source| SecretsError::Audit {
            path: self.path.clone(),
            source,
        };
        let mut line =
            serde_json::to_vec(record).map_err(|error| io_error(std::io::Error::other(error)))?;
        line.push(b'\n');
        let _lock = fsx::lock_exclusive(&self.lock_path).map_err(io_error)?;
        let mut file = fsx::private_options()
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(io_error)?;
        file.write_all(&line).map_err(io_error)?;
        file.sync_data().map_err(io_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_json_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("logs/audit.jsonl"));
        let mut record = AuditRecord::new(AuditOperation::Set, StoreKind::Local);
        record.name = Some("DB".to_owned());
        record.source_kind = Some(SourceKind::Generate);
        log.append(&record).expect("append");
        let failed = AuditRecord::new(AuditOperation::Set, StoreKind::KeyVault)
            .failed(&SecretsError::LiteralNotAllowed);
        log.append(&failed).expect("append");
        let text = std::fs::read_to_string(log.path()).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["operation"], "set");
        assert_eq!(lines[0]["source_kind"], "generate");
        assert_eq!(lines[0]["outcome"], "success");
        assert_eq!(lines[1]["outcome"], "failure");
        assert_eq!(lines[1]["error_kind"], "literal_not_allowed");
        assert_eq!(lines[1]["store"], "key_vault");
    }
}
