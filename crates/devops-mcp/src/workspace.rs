//! The user's workspace: the only place tools read from and write to.
//!
//! Every path an agent gives is relative to the workspace root and is checked
//! before use: no absolute paths, no `..`, and no symlink that leads outside.
//! Writes are atomic (temporary file, fsync, rename) and never silently
//! replace a file whose content differs.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

/// A failure to use a workspace path, phrased for the agent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceError {
    #[error(
        "`{path}` must be relative to the workspace root; give a path such as `infrastructure/main.bicep`"
    )]
    Absolute { path: String },
    #[error(
        "`{path}` leaves the workspace (`..` is not allowed); give a path inside the workspace"
    )]
    ParentDir { path: String },
    #[error(
        "`{path}` resolves outside the workspace through a symbolic link; use a path inside the workspace"
    )]
    Escapes { path: String },
    #[error("`{path}` is empty; give a path inside the workspace")]
    Empty { path: String },
    #[error("`{path}` already exists with different content; pass `overwrite: true` to replace it")]
    Exists { path: String },
    #[error("cannot write `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// What happened, or would happen, to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    /// The file did not exist.
    Created,
    /// The file existed with the same content; nothing was written.
    Unchanged,
    /// The file existed with different content and was replaced.
    Overwritten,
}

/// The confined workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// `root` must already be canonical (the configuration canonicalizes it).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolve a workspace-relative path, refusing anything that could leave the root.
    pub fn resolve(&self, relative: &str) -> Result<PathBuf, WorkspaceError> {
        let trimmed = relative.trim();
        if trimmed.is_empty() {
            return Err(WorkspaceError::Empty {
                path: relative.to_owned(),
            });
        }
        let path = Path::new(trimmed);
        let mut clean = PathBuf::new();
        for component in path.components() {
            match component {
                Component::Normal(part) => clean.push(part),
                Component::CurDir => {}
                Component::ParentDir => {
                    return Err(WorkspaceError::ParentDir {
                        path: relative.to_owned(),
                    });
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(WorkspaceError::Absolute {
                        path: relative.to_owned(),
                    });
                }
            }
        }
        let joined = self.root.join(&clean);
        // Canonicalize the deepest part that exists: a symlink anywhere on the
        // way shows up as a prefix outside the root.
        let mut existing = joined.as_path();
        while !existing.exists() {
            match existing.parent() {
                Some(parent) => existing = parent,
                None => break,
            }
        }
        let real = existing
            .canonicalize()
            .map_err(|source| WorkspaceError::Io {
                path: relative.to_owned(),
                source,
            })?;
        if !real.starts_with(&self.root) {
            return Err(WorkspaceError::Escapes {
                path: relative.to_owned(),
            });
        }
        // A dangling symlink does not "exist" yet still redirects a write.
        if joined.symlink_metadata().is_ok() && !joined.exists() {
            return Err(WorkspaceError::Escapes {
                path: relative.to_owned(),
            });
        }
        Ok(joined)
    }

    /// Decide what writing `content` to `relative` would do, without writing.
    pub fn plan_write(
        &self,
        relative: &str,
        content: &[u8],
        overwrite: bool,
    ) -> Result<FileChange, WorkspaceError> {
        let path = self.resolve(relative)?;
        match std::fs::read(&path) {
            Ok(existing) if existing == content => Ok(FileChange::Unchanged),
            Ok(_) if overwrite => Ok(FileChange::Overwritten),
            Ok(_) => Err(WorkspaceError::Exists {
                path: relative.to_owned(),
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(FileChange::Created),
            Err(source) => Err(WorkspaceError::Io {
                path: relative.to_owned(),
                source,
            }),
        }
    }

    /// Write a set of files: every file is checked first, so either all the
    /// checks pass and the files are written, or nothing is written.
    pub fn write_files(
        &self,
        files: &[(String, Vec<u8>)],
        overwrite: bool,
    ) -> Result<Vec<(String, FileChange)>, WorkspaceError> {
        let mut planned = Vec::with_capacity(files.len());
        for (relative, content) in files {
            planned.push(self.plan_write(relative, content, overwrite)?);
        }
        let mut done = Vec::with_capacity(files.len());
        for ((relative, content), change) in files.iter().zip(planned) {
            if change != FileChange::Unchanged {
                let path = self.resolve(relative)?;
                write_atomic(&path, content).map_err(|source| WorkspaceError::Io {
                    path: relative.clone(),
                    source,
                })?;
            }
            done.push((relative.clone(), change));
        }
        Ok(done)
    }
}

/// Write `content` to `path` through a temporary file in the same folder, so a
/// reader (or a crash) sees either the old file or the new one, never half.
pub fn write_atomic(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(content)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    // Make the rename itself durable.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        (dir, Workspace::new(root))
    }

    #[test]
    fn refuses_paths_that_leave_the_root() {
        let (_dir, ws) = workspace();
        assert!(matches!(
            ws.resolve("../x"),
            Err(WorkspaceError::ParentDir { .. })
        ));
        assert!(matches!(
            ws.resolve("a/../../x"),
            Err(WorkspaceError::ParentDir { .. })
        ));
        assert!(matches!(
            ws.resolve("/etc/passwd"),
            Err(WorkspaceError::Absolute { .. })
        ));
        assert!(matches!(ws.resolve(" "), Err(WorkspaceError::Empty { .. })));
        assert!(ws.resolve("infra/main.bicep").is_ok());
    }

    #[test]
    fn refuses_symlink_escapes() {
        let (dir, ws) = workspace();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert!(matches!(
            ws.resolve("link/file.txt"),
            Err(WorkspaceError::Escapes { .. })
        ));
        std::os::unix::fs::symlink("/nonexistent/target", dir.path().join("dangling")).unwrap();
        assert!(matches!(
            ws.resolve("dangling"),
            Err(WorkspaceError::Escapes { .. })
        ));
    }

    #[test]
    fn never_overwrites_silently_and_writes_nothing_on_failure() {
        let (dir, ws) = workspace();
        std::fs::write(dir.path().join("b.txt"), "old").unwrap();
        let files = vec![
            ("a.txt".to_owned(), b"new a".to_vec()),
            ("b.txt".to_owned(), b"new b".to_vec()),
        ];
        assert!(matches!(
            ws.write_files(&files, false),
            Err(WorkspaceError::Exists { .. })
        ));
        assert!(!dir.path().join("a.txt").exists(), "partial write");
        let done = ws.write_files(&files, true).unwrap();
        assert_eq!(done[0].1, FileChange::Created);
        assert_eq!(done[1].1, FileChange::Overwritten);
        let again = ws.write_files(&files, false).unwrap();
        assert!(again.iter().all(|(_, c)| *c == FileChange::Unchanged));
    }
}
