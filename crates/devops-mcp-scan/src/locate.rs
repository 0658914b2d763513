//! Finding the semgrep executable: a configured path, then the project's tools folder, then
//! the `PATH` value the caller passes (domain code does not read the environment itself).

use std::env;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::error::ScanError;

/// Returns the semgrep executable to run.
///
/// Order: `configured_path` (an error if it is set but not an executable file, so a typo is
/// not silently replaced by another semgrep), then `<tools_dir>/bin/semgrep`, then each folder
/// of `search_path` (the value of `PATH`, passed in by the caller).
pub fn locate_semgrep(
    tools_dir: Option<&Path>,
    configured_path: Option<&Path>,
    search_path: Option<&OsStr>,
) -> Result<PathBuf, ScanError> {
    if let Some(configured) = configured_path {
        if is_executable_file(configured) {
            return Ok(configured.to_path_buf());
        }
        return Err(ScanError::SemgrepNotFound {
            searched: format!(
                "configured path {} (not an executable file)",
                configured.display()
            ),
        });
    }
    let mut searched = Vec::new();
    if let Some(tools) = tools_dir {
        let candidate = tools.join("bin").join("semgrep");
        if is_executable_file(&candidate) {
            return Ok(candidate);
        }
        searched.push(candidate.display().to_string());
    }
    if let Some(path) = search_path {
        for dir in env::split_paths(path) {
            if dir.as_os_str().is_empty() {
                continue;
            }
            let candidate = dir.join("semgrep");
            if is_executable_file(&candidate) {
                return Ok(candidate);
            }
        }
        searched.push("PATH".to_owned());
    }
    Err(ScanError::SemgrepNotFound {
        searched: if searched.is_empty() {
            "nowhere: no tools folder or PATH was given".to_owned()
        } else {
            searched.join(", ")
        },
    })
}

#[cfg(unix)]
fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable_file(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt as _;

    fn fake_semgrep(dir: &Path) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join("semgrep");
        fs::write(&path, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn lookup_order_is_configured_tools_path() {
        let tmp = tempfile::tempdir().unwrap();
        let tools = tmp.path().join("tools");
        let on_path = tmp.path().join("path-bin");
        let configured = fake_semgrep(&tmp.path().join("configured"));
        let in_tools = fake_semgrep(&tools.join("bin"));
        let in_path = fake_semgrep(&on_path);
        let path_var = env::join_paths([on_path.as_path()]).unwrap();

        assert_eq!(
            locate_semgrep(Some(&tools), Some(&configured), Some(&path_var)).unwrap(),
            configured
        );
        assert_eq!(
            locate_semgrep(Some(&tools), None, Some(&path_var)).unwrap(),
            in_tools
        );
        assert_eq!(
            locate_semgrep(Some(&tmp.path().join("none")), None, Some(&path_var)).unwrap(),
            in_path
        );
    }

    #[test]
    fn missing_semgrep_says_how_to_install() {
        let tmp = tempfile::tempdir().unwrap();
        let err = locate_semgrep(Some(tmp.path()), None, Some(OsStr::new(""))).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("pip install semgrep==1.185.0"), "{text}");
        assert!(text.contains("bash tests/setup.sh"), "{text}");

        let err = locate_semgrep(None, Some(&tmp.path().join("nope")), None).unwrap_err();
        assert!(err.to_string().contains("configured path"), "{err}");
    }
}
