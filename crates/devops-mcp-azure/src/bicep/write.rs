//! Deciding what writing a generated file set would do, without touching the disk: for
//! each file, whether it is new, unchanged or different from what is there, with a small
//! diff summary, so that the server can refuse to overwrite without `overwrite: true` and
//! show the agent what would change. The server does the confined, atomic writes.

use schemars::JsonSchema;
use serde::Serialize;

use super::generate::{GeneratedFile, sha256_hex};

/// What writing one file would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WriteAction {
    /// No file exists at the path.
    Create,
    /// The existing file has the same content.
    Unchanged,
    /// The existing file differs; writing replaces it (needs `overwrite: true`).
    Differs,
}

/// A line-level summary of how an existing file differs from the new content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DiffSummary {
    /// Lines only in the new content.
    pub lines_added: usize,
    /// Lines only in the existing file.
    pub lines_removed: usize,
    /// First line (1-based, in the existing file) that differs.
    pub first_difference_line: usize,
    /// The first changed lines, prefixed `-` (existing) or `+` (new); at most 20.
    pub preview: Vec<String>,
}

/// The plan for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WriteEntry {
    /// Workspace-relative path.
    pub path: String,
    /// SHA-256 of the new content.
    pub sha256: String,
    /// What writing would do.
    pub action: WriteAction,
    /// For `differs`: how.
    pub diff: Option<DiffSummary>,
}

/// The plan for a whole file set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct WritePlan {
    /// One entry per generated file, in the same order.
    pub entries: Vec<WriteEntry>,
}

impl WritePlan {
    /// Paths that would be overwritten with different content: writing must stop unless
    /// the caller passed `overwrite: true`.
    #[must_use]
    pub fn conflicts(&self) -> Vec<&str> {
        self.entries
            .iter()
            .filter(|e| e.action == WriteAction::Differs)
            .map(|e| e.path.as_str())
            .collect()
    }

    /// Entries that need a write (new or different).
    pub fn to_write(&self) -> impl Iterator<Item = &WriteEntry> {
        self.entries
            .iter()
            .filter(|e| e.action != WriteAction::Unchanged)
    }
}

/// Compares each generated file with what `existing(path)` returns (the current content,
/// or `None` when there is no file).
pub fn plan_write(files: &[GeneratedFile], existing: impl Fn(&str) -> Option<String>) -> WritePlan {
    let entries = files
        .iter()
        .map(|f| {
            let (action, diff) = match existing(&f.path) {
                None => (WriteAction::Create, None),
                Some(old) if sha256_hex(&old) == f.sha256 => (WriteAction::Unchanged, None),
                Some(old) => (WriteAction::Differs, Some(diff(&old, &f.content))),
            };
            WriteEntry {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
                action,
                diff,
            }
        })
        .collect();
    WritePlan { entries }
}

/// Line diff by longest common subsequence (files here are a few hundred lines; beyond
/// 2000 lines per side the middle is compared as a block to bound the work).
fn diff(old: &str, new: &str) -> DiffSummary {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<String> = Vec::new();
    let (mut added, mut removed);
    if am.len() <= 2000 && bm.len() <= 2000 {
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if am[i] == bm[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        added = 0;
        removed = 0;
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                i += 1;
                j += 1;
            } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
                added += 1;
                ops.push(format!("+{}", bm[j]));
                j += 1;
            } else {
                removed += 1;
                ops.push(format!("-{}", am[i]));
                i += 1;
            }
        }
    } else {
        removed = am.len();
        added = bm.len();
        ops.extend(am.iter().map(|l| format!("-{l}")));
        ops.extend(bm.iter().map(|l| format!("+{l}")));
    }
    ops.truncate(20);
    DiffSummary {
        lines_added: added,
        lines_removed: removed,
        first_difference_line: prefix + 1,
        preview: ops,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str) -> GeneratedFile {
        GeneratedFile {
            path: path.into(),
            content: content.into(),
            sha256: sha256_hex(content),
        }
    }

    #[test]
    fn plan_reports_create_unchanged_and_differs() {
        let files = [
            file("a.bicep", "x\ny\nz\n"),
            file("b.bicep", "same\n"),
            file("c.bicep", "new\n"),
        ];
        let plan = plan_write(&files, |p| match p {
            "a.bicep" => Some("x\nY\nz\nextra\n".to_owned()),
            "b.bicep" => Some("same\n".to_owned()),
            _ => None,
        });
        let actions: Vec<WriteAction> = plan.entries.iter().map(|e| e.action).collect();
        assert_eq!(
            actions,
            [
                WriteAction::Differs,
                WriteAction::Unchanged,
                WriteAction::Create
            ]
        );
        assert_eq!(plan.conflicts(), ["a.bicep"]);
        let d = plan.entries[0].diff.as_ref().expect("diff");
        assert_eq!(
            (d.lines_added, d.lines_removed, d.first_difference_line),
            (1, 2, 2)
        );
        assert!(
            d.preview.contains(&"-Y".to_owned())
                && d.preview.contains(&"+y".to_owned())
                && d.preview.contains(&"-extra".to_owned())
        );
        assert_eq!(plan.to_write().count(), 2);
    }
}
