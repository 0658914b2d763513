//! Confinement of request paths to the workspace root: `..` is refused outright, and every
//! path is canonicalized so a symlink pointing outside the root is caught too.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::error::ScanError;

/// A canonical workspace root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Workspace {
    root: PathBuf,
}

/// An existing path inside the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// Canonical absolute path.
    pub absolute: PathBuf,
    /// Path relative to the root ("." for the root itself).
    pub relative: PathBuf,
}

impl Workspace {
    /// Canonicalizes `root`, which must be an existing folder.
    pub(crate) fn open(root: &Path) -> Result<Workspace, ScanError> {
        let root = root
            .canonicalize()
            .map_err(|source| ScanError::WorkspaceRoot {
                path: root.to_path_buf(),
                source,
            })?;
        if !root.is_dir() {
            return Err(ScanError::WorkspaceRoot {
                path: root,
                source: io::Error::new(io::ErrorKind::NotADirectory, "not a folder"),
            });
        }
        Ok(Workspace { root })
    }

    /// The canonical root.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves an existing, readable file or folder named by a request field.
    pub(crate) fn resolve_existing(
        &self,
        field: &'static str,
        given: &str,
    ) -> Result<Resolved, ScanError> {
        let joined = self.lexically_confined(field, given)?;
        let absolute = joined
            .canonicalize()
            .map_err(|source| ScanError::PathUnreadable {
                field,
                path: given.to_owned(),
                source,
            })?;
        let relative = self.relative(field, given, &absolute)?;
        let readable = if absolute.is_dir() {
            fs::read_dir(&absolute).map(drop)
        } else {
            fs::File::open(&absolute).map(drop)
        };
        readable.map_err(|source| ScanError::PathUnreadable {
            field,
            path: given.to_owned(),
            source,
        })?;
        Ok(Resolved { absolute, relative })
    }

    /// Resolves a file the scanner will write: its folder is created if needed (inside the
    /// workspace), and an existing symlink or folder at that name is refused.
    pub(crate) fn resolve_output(
        &self,
        field: &'static str,
        given: &str,
    ) -> Result<PathBuf, ScanError> {
        let joined = self.lexically_confined(field, given)?;
        let (Some(parent), Some(file_name)) = (joined.parent(), joined.file_name()) else {
            return Err(ScanError::InvalidRequest {
                field,
                reason: format!("{given:?} does not name a file"),
            });
        };
        // The nearest existing ancestor decides where the new folders would really be.
        let mut existing = parent;
        while !existing.exists() {
            existing = existing.parent().unwrap_or(&self.root);
        }
        let canonical_existing =
            existing
                .canonicalize()
                .map_err(|source| ScanError::PathUnreadable {
                    field,
                    path: given.to_owned(),
                    source,
                })?;
        self.relative(field, given, &canonical_existing)?;
        fs::create_dir_all(parent).map_err(|source| ScanError::Io {
            context: format!("creating the folder for `{field}` ({given})"),
            source,
        })?;
        let canonical_parent =
            parent
                .canonicalize()
                .map_err(|source| ScanError::PathUnreadable {
                    field,
                    path: given.to_owned(),
                    source,
                })?;
        self.relative(field, given, &canonical_parent)?;
        let target = canonical_parent.join(file_name);
        if let Ok(meta) = fs::symlink_metadata(&target)
            && (meta.file_type().is_symlink() || meta.is_dir())
        {
            return Err(ScanError::InvalidRequest {
                field,
                reason: format!("{given:?} is a symlink or a folder; name a regular file"),
            });
        }
        Ok(target)
    }

    /// Joins `given` to the root after refusing `..`, NUL bytes and empty names.
    fn lexically_confined(&self, field: &'static str, given: &str) -> Result<PathBuf, ScanError> {
        if given.contains('\0') {
            return Err(ScanError::InvalidRequest {
                field,
                reason: "contains a NUL byte".to_owned(),
            });
        }
        let path = Path::new(given);
        if path
            .components()
            .any(|component| matches!(component, Component::ParentDir))
        {
            return Err(ScanError::PathOutsideWorkspace {
                field,
                path: given.to_owned(),
            });
        }
        Ok(if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        })
    }

    fn relative(
        &self,
        field: &'static str,
        given: &str,
        canonical: &Path,
    ) -> Result<PathBuf, ScanError> {
        let relative =
            canonical
                .strip_prefix(&self.root)
                .map_err(|_| ScanError::PathOutsideWorkspace {
                    field,
                    path: given.to_owned(),
                })?;
        Ok(if relative.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            relative.to_path_buf()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_confined() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        fs::create_dir_all(root.join("src")).unwrap();
        fs::write(root.join("src/app.py"), "x = 1\n").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
        let ws = Workspace::open(&root).unwrap();

        let resolved = ws.resolve_existing("path", "src").unwrap();
        assert_eq!(resolved.relative, PathBuf::from("src"));
        assert_eq!(
            ws.resolve_existing("path", ".").unwrap().relative,
            PathBuf::from(".")
        );
        let absolute = root.join("src/app.py");
        assert_eq!(
            ws.resolve_existing("path", absolute.to_str().unwrap())
                .unwrap()
                .relative,
            PathBuf::from("src/app.py")
        );

        for bad in ["../ws/src", "src/../../x", "escape", "escape/file"] {
            let err = ws.resolve_existing("path", bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    ScanError::PathOutsideWorkspace { .. } | ScanError::PathUnreadable { .. }
                ),
                "{bad}: {err}"
            );
        }
        assert!(matches!(
            ws.resolve_existing("path", "escape").unwrap_err(),
            ScanError::PathOutsideWorkspace { .. }
        ));
        assert!(matches!(
            ws.resolve_existing("path", outside.path().to_str().unwrap())
                .unwrap_err(),
            ScanError::PathOutsideWorkspace { .. }
        ));
        assert!(matches!(
            ws.resolve_existing("path", "missing").unwrap_err(),
            ScanError::PathUnreadable { .. }
        ));
    }

    #[test]
    fn outputs_are_confined() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::os::unix::fs::symlink(outside.path(), root.join("escape")).unwrap();
        let ws = Workspace::open(root).unwrap();

        let out = ws
            .resolve_output("sarif_output", "reports/scan.sarif")
            .unwrap();
        assert!(out.starts_with(ws.root()));
        assert!(ws.root().join("reports").is_dir());
        assert!(matches!(
            ws.resolve_output("sarif_output", "escape/scan.sarif")
                .unwrap_err(),
            ScanError::PathOutsideWorkspace { .. }
        ));
        assert!(matches!(
            ws.resolve_output("sarif_output", "../scan.sarif")
                .unwrap_err(),
            ScanError::PathOutsideWorkspace { .. }
        ));
        assert!(!outside.path().join("scan.sarif").exists());
    }
}
