//! Reading a bicep-types directory from disk: the only I/O of the Bicep module, kept apart
//! so that everything else stays pure.

use std::collections::BTreeSet;
use std::path::Path;

use super::{TypeFileContent, TypeIndex};
use crate::error::Error;

impl TypeIndex {
    /// Loads `index.json` from `dir` and notes every `types.json` it references (relative
    /// to `dir`); each is read and parsed on first use, so loading the full upstream package
    /// costs one directory walk, not a gigabyte of reads. Referenced files that are missing
    /// make their resource types unchecked rather than failing the load, so a trimmed copy
    /// works.
    ///
    /// # Errors
    /// [`Error::TypeData`] when `index.json` cannot be read or is not in the bicep-types
    /// format, or a referenced path would leave `dir`.
    pub fn load_dir(dir: &Path) -> Result<Self, Error> {
        let source = dir.display().to_string();
        let index_path = dir.join("index.json");
        let index_json = std::fs::read_to_string(&index_path).map_err(|e| Error::TypeData {
            path: index_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let index: serde_json::Value =
            serde_json::from_str(&index_json).map_err(|e| Error::TypeData {
                path: index_path.display().to_string(),
                reason: format!("not JSON: {e}"),
            })?;
        let mut wanted = BTreeSet::new();
        if let Some(resources) = index
            .get("resources")
            .and_then(serde_json::Value::as_object)
        {
            for value in resources.values() {
                if let Some(file) = value
                    .get("$ref")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|r| r.split_once("#/"))
                    .map(|(f, _)| f)
                {
                    wanted.insert(file.to_owned());
                }
            }
        }
        let mut files = Vec::new();
        for rel in wanted {
            if rel.starts_with('/') || rel.split('/').any(|seg| seg == "..") {
                return Err(Error::TypeData {
                    path: rel,
                    reason: "a referenced file leaves the type directory".to_owned(),
                });
            }
            let path = dir.join(&rel);
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => files.push((rel, TypeFileContent::OnDisk(path))),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(Error::TypeData {
                        path: dir.join(&rel).display().to_string(),
                        reason: e.to_string(),
                    });
                }
            }
        }
        Self::build(&source, &index_json, files)
    }
}

/// Reads a `types.json` the index referenced, on first use.
pub(super) fn read_type_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}
