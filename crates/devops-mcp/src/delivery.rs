//! Delivering generated files: into the workspace, or as a commit on a new
//! branch of the workspace's git repository.
//!
//! The commit is built with git plumbing on a private index (`GIT_INDEX_FILE`),
//! so the user's working tree, index and current branch are never touched:
//! whatever they were doing stays exactly as it was.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;

use crate::workspace::{FileChange, Workspace, WorkspaceError};

/// Where a commit goes.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitOptions {
    /// New branch to create. Must not exist yet. Default: `devops-mcp/<what>-<UTC timestamp>`.
    #[serde(default)]
    pub branch: Option<String>,
    /// Commit message. Default: a summary of the generated files.
    #[serde(default)]
    pub message: Option<String>,
    /// Commit to branch from. Default: `HEAD`.
    #[serde(default)]
    pub base: Option<String>,
}

/// One file as delivered.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WrittenFile {
    /// Workspace-relative path.
    pub path: String,
    /// What happened to it.
    pub change: FileChange,
}

/// The commit that was made.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CommitResult {
    /// The new branch.
    pub branch: String,
    /// The new commit's SHA.
    pub commit: String,
    /// The commit it was made on.
    pub base: String,
    /// Files in the commit, relative to the repository root.
    pub files: Vec<String>,
}

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(
        "the workspace is not inside a git repository; run `git init` there or use `write` instead of `commit`"
    )]
    NotARepository,
    #[error("branch `{0}` already exists; choose another `commit.branch`")]
    BranchExists(String),
    #[error("`{0}` is not a valid branch name; use letters, digits, `-`, `_`, `.` and `/`")]
    BadBranch(String),
    #[error("git {step} failed: {message}")]
    Git { step: String, message: String },
    #[error("cannot run git: {0}; install git")]
    GitMissing(std::io::Error),
}

/// Write files into the workspace: all checked first, then all written atomically.
pub fn write_files(
    workspace: &Workspace,
    files: &[(String, String)],
    overwrite: bool,
) -> Result<Vec<WrittenFile>, DeliveryError> {
    let bytes: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(path, content)| (path.clone(), content.clone().into_bytes()))
        .collect();
    Ok(workspace
        .write_files(&bytes, overwrite)?
        .into_iter()
        .map(|(path, change)| WrittenFile { path, change })
        .collect())
}

/// Commit `files` (workspace-relative) on a new branch without touching the
/// working tree, the index or the checked-out branch.
pub async fn commit_files(
    workspace: &Workspace,
    files: &[(String, String)],
    options: &CommitOptions,
    default_branch: &str,
    default_message: &str,
) -> Result<CommitResult, DeliveryError> {
    // Confinement applies to commits too: a path must be one we could write.
    for (path, _) in files {
        workspace.resolve(path)?;
    }
    let root = workspace.root();
    let toplevel = git(root, &["rev-parse", "--show-toplevel"], None, &[])
        .await
        .map_err(|_| DeliveryError::NotARepository)?;
    let toplevel = PathBuf::from(toplevel.trim());
    let prefix = root
        .strip_prefix(toplevel.canonicalize().unwrap_or(toplevel.clone()))
        .unwrap_or(Path::new(""))
        .to_path_buf();

    let branch = options
        .branch
        .clone()
        .unwrap_or_else(|| default_branch.to_owned());
    if git(root, &["check-ref-format", "--branch", &branch], None, &[])
        .await
        .is_err()
    {
        return Err(DeliveryError::BadBranch(branch));
    }
    let base_ref = options.base.clone().unwrap_or_else(|| "HEAD".into());
    let base = git(
        root,
        &["rev-parse", "--verify", &format!("{base_ref}^{{commit}}")],
        None,
        &[],
    )
    .await?
    .trim()
    .to_owned();

    let index_dir = tempfile::tempdir().map_err(|e| DeliveryError::Git {
        step: "temporary index".into(),
        message: e.to_string(),
    })?;
    let index = index_dir.path().join("index");
    let index_env = [("GIT_INDEX_FILE", index.to_string_lossy().into_owned())];
    git(&toplevel, &["read-tree", &base], None, &index_env).await?;
    let mut committed = Vec::with_capacity(files.len());
    for (path, content) in files {
        let repo_path = prefix.join(path).to_string_lossy().replace('\\', "/");
        let blob = git(
            &toplevel,
            &["hash-object", "-w", "--stdin"],
            Some(content.as_bytes()),
            &[],
        )
        .await?;
        let cacheinfo = format!("100644,{},{repo_path}", blob.trim());
        git(
            &toplevel,
            &["update-index", "--add", "--cacheinfo", &cacheinfo],
            None,
            &index_env,
        )
        .await?;
        committed.push(repo_path);
    }
    let tree = git(&toplevel, &["write-tree"], None, &index_env).await?;
    let message = options
        .message
        .clone()
        .unwrap_or_else(|| default_message.to_owned());
    let identity = fallback_identity(&toplevel).await;
    let commit = git(
        &toplevel,
        &["commit-tree", tree.trim(), "-p", &base, "-F", "-"],
        Some(message.as_bytes()),
        &identity,
    )
    .await?
    .trim()
    .to_owned();
    // The empty old value makes git refuse to move an existing branch.
    let reference = format!("refs/heads/{branch}");
    if git(
        &toplevel,
        &["update-ref", &reference, &commit, ""],
        None,
        &[],
    )
    .await
    .is_err()
    {
        return Err(DeliveryError::BranchExists(branch));
    }
    Ok(CommitResult {
        branch,
        commit,
        base,
        files: committed,
    })
}

/// When the user has no git identity configured, commit as devops-mcp
/// rather than fail; a configured identity always wins.
async fn fallback_identity(repo: &Path) -> Vec<(&'static str, String)> {
    let configured = git(repo, &["config", "user.email"], None, &[]).await;
    if configured.is_ok_and(|email| !email.trim().is_empty()) {
        return Vec::new();
    }
    vec![
        ("GIT_AUTHOR_NAME", "devops-mcp".into()),
        ("GIT_AUTHOR_EMAIL", "devops-mcp@localhost".into()),
        ("GIT_COMMITTER_NAME", "devops-mcp".into()),
        ("GIT_COMMITTER_EMAIL", "devops-mcp@localhost".into()),
    ]
}

async fn git(
    dir: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, String)],
) -> Result<String, DeliveryError> {
    let mut command = tokio::process::Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().map_err(DeliveryError::GitMissing)?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)
            .await
            .map_err(|e| DeliveryError::Git {
                step: args.first().copied().unwrap_or("git").into(),
                message: e.to_string(),
            })?;
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(DeliveryError::GitMissing)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(DeliveryError::Git {
            step: args.first().copied().unwrap_or("git").into(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// A default branch name: `devops-mcp/<what>-<UTC yyyymmdd-hhmmss>`.
pub fn default_branch(what: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    format!("devops-mcp/{what}-{now}")
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sh(dir: &Path, args: &[&str]) -> String {
        git(dir, args, None, &[]).await.unwrap()
    }

    #[tokio::test]
    async fn commit_leaves_working_tree_and_index_alone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        sh(&root, &["init", "-q", "-b", "main"]).await;
        std::fs::write(root.join("app.py"), "print('v1')\n").unwrap();
        sh(&root, &["add", "app.py"]).await;
        let ident = [
            ("GIT_AUTHOR_NAME", "t".to_owned()),
            ("GIT_AUTHOR_EMAIL", "t@t".to_owned()),
            ("GIT_COMMITTER_NAME", "t".to_owned()),
            ("GIT_COMMITTER_EMAIL", "t@t".to_owned()),
        ];
        git(&root, &["commit", "-q", "-m", "init"], None, &ident)
            .await
            .unwrap();
        // Uncommitted work the user is in the middle of.
        std::fs::write(root.join("app.py"), "print('v2, unsaved work')\n").unwrap();
        std::fs::write(root.join("notes.txt"), "untracked\n").unwrap();
        let status_before = sh(&root, &["status", "--porcelain"]).await;

        let workspace = Workspace::new(root.clone());
        let files = vec![(
            ".github/workflows/ci.yml".to_owned(),
            "name: ci\n".to_owned(),
        )];
        let options = CommitOptions {
            branch: Some("devops-mcp/ci".into()),
            ..CommitOptions::default()
        };
        let result = commit_files(&workspace, &files, &options, "unused", "Add CI")
            .await
            .unwrap();
        assert_eq!(result.files, vec![".github/workflows/ci.yml".to_owned()]);
        assert_eq!(sh(&root, &["status", "--porcelain"]).await, status_before);
        assert_eq!(
            sh(&root, &["branch", "--show-current"]).await.trim(),
            "main"
        );
        let shown = sh(&root, &["show", "devops-mcp/ci:.github/workflows/ci.yml"]).await;
        assert_eq!(shown, "name: ci\n");
        let app = sh(&root, &["show", "devops-mcp/ci:app.py"]).await;
        assert_eq!(
            app, "print('v1')\n",
            "the commit must not pick up unsaved work"
        );

        let again = commit_files(&workspace, &files, &options, "unused", "Add CI").await;
        assert!(matches!(again, Err(DeliveryError::BranchExists(_))));
    }

    #[tokio::test]
    async fn outside_a_repository_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let workspace = Workspace::new(dir.path().canonicalize().unwrap());
        let files = vec![("a.yml".to_owned(), "x".to_owned())];
        let result = commit_files(&workspace, &files, &CommitOptions::default(), "b", "m").await;
        assert!(matches!(result, Err(DeliveryError::NotARepository)));
    }
}
