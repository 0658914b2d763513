//! File primitives for stores that must survive crashes and concurrent writers.
//!
//! Replacement is temp file + fsync + rename + directory fsync, so a reader or
//! a process killed at any instant sees the old file or the new one, never a
//! mix. Writers serialise on an `flock(2)` of a separate lock file: the data
//! file itself is replaced by rename, so a lock on it would not be shared.
//! flock locks belong to the open file description, which makes them exclude
//! threads of one process (each opens its own description) as well as processes.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Holds an exclusive lock until dropped (closing the descriptor releases it).
#[derive(Debug)]
pub(crate) struct LockGuard {
    _file: File,
}

/// Block until this thread holds the exclusive lock on `lock_path`, creating it if needed.
pub(crate) fn lock_exclusive(lock_path: &Path) -> io::Result<LockGuard> {
    if let Some(parent) = lock_path.parent() {
        create_private_dir(parent)?;
    }
    let file = private_options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)?;
    fs4::fs_std::FileExt::lock_exclusive(&file)?;
    Ok(LockGuard { _file: file })
}

/// Create `dir` and missing parents; new directories get mode 0700.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Open options that create files readable by the owner only.
pub(crate) fn private_options() -> OpenOptions {
    #[cfg_attr(not(unix), allow(unused_mut))]
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Flush a directory entry change (create, rename) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Prefix of the temporary files used to replace `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.tmp-")
}

/// Remove temporary files a killed writer left next to `path`. Call only
/// while holding the lock: then no live writer owns one.
pub(crate) fn remove_stale_temps(path: &Path) -> io::Result<usize> {
    let dir = parent_dir(path);
    let prefix = temp_prefix(path);
    let mut removed = 0;
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Replace `path` atomically with what `write` produces (mode 0600).
pub(crate) fn replace_atomically<E>(
    path: &Path,
    write: impl FnOnce(&mut File) -> Result<(), E>,
    io_error: impl Fn(io::Error) -> E,
) -> Result<(), E> {
    let dir = parent_dir(path);
    create_private_dir(&dir).map_err(&io_error)?;
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).map_err(|error| io_error(io::Error::other(error.to_string())))?;
    let suffix: String = suffix.iter().map(|byte| format!("{byte:02x}")).collect();
    let temp = dir.join(format!(
        "{}{}-{suffix}",
        temp_prefix(path),
        std::process::id()
    ));
    let mut file = private_options()
        .write(true)
        .create_new(true)
        .open(&temp)
        .map_err(&io_error)?;
    let result = write(&mut file).and_then(|()| {
        file.flush().map_err(&io_error)?;
        file.sync_all().map_err(&io_error)
    });
    drop(file);
    if let Err(error) = result {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    if let Err(error) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io_error(error));
    }
    sync_dir(&dir).map_err(io_error)
}

/// Create `path` with `content` and mode 0600; fails if it exists.
pub(crate) fn create_private_file(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    create_private_dir(&dir)?;
    let mut file = private_options().write(true).create_new(true).open(path)?;
    file.write_all(content)?;
    file.sync_all()?;
    drop(file);
    sync_dir(&dir)
}

/// The permission bits of `path` that give access to group or others.
pub(crate) fn shared_mode_bits(metadata: &fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        let mode = std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_and_clean_temps() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/data.bin");
        replace_atomically(&path, |file| file.write_all(b"one"), |e| e).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        #[cfg(unix)]
        {
            let mode = std::os::unix::fs::PermissionsExt::mode(
                &fs::metadata(&path).expect("meta").permissions(),
            );
            assert_eq!(mode & 0o777, 0o600);
        }
        // A failing writer leaves the old content and no temp file.
        let failed: Result<(), io::Error> =
            replace_atomically(&path, |_| Err(io::Error::other("boom")), |e| e);
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).expect("read"), b"one");
        fs::write(path.with_file_name(".data.bin.tmp-1-ab"), b"stale").expect("stale");
        assert_eq!(remove_stale_temps(&path).expect("clean"), 1);
        assert_eq!(
            fs::read_dir(path.parent().expect("parent"))
                .expect("dir")
                .count(),
            1
        );
    }
}
