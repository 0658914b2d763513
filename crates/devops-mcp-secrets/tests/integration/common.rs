//! Shared helpers: repository paths, external tools, unique canaries and a
//! process-wide TRACE log capture for leak checks.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The tools folder: `$DEVOPS_MCP_TOOLS`, else `<repo>/.tools`.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"))
}

/// An external program: `<tools>/bin/<name>`, else on `PATH`; panics with
/// the setup instruction when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let pinned = tools_dir().join("bin").join(name);
    if pinned.is_file() {
        return pinned;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("`{name}` is missing: run `bash tests/setup.sh`");
}

/// The Python of the test venv (has PyNaCl).
pub fn venv_python() -> PathBuf {
    let python = tools_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `bash tests/setup.sh`",
        python.display()
    );
    python
}

/// A value no test shares: `canary-<32 hex>`.
pub fn canary() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("canary-{hex}")
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Buffer> = OnceLock::new();

/// Install (once) a global TRACE subscriber that records every event of every
/// crate (and `log` records) into a buffer.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("install the test subscriber");
        buffer
    });
}

/// Everything logged so far.
pub fn logs() -> String {
    let buffer = LOGS.get().expect("call capture_logs first");
    String::from_utf8_lossy(&buffer.0.lock().expect("log buffer")).into_owned()
}

/// Assert `canary` is in none of `texts` nor in the captured logs, and that
/// the log capture is live (it holds events).
pub fn assert_no_leak(canary: &str, texts: &[String]) {
    for text in texts {
        assert!(!text.contains(canary), "the canary leaked into: {text}");
    }
    let logs = logs();
    assert!(!logs.is_empty(), "the log capture recorded nothing");
    assert!(!logs.contains(canary), "the canary leaked into the logs");
}

/// Decode `%XX` escapes (and `+` as a space) in a URL path segment or query part.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| Some(hex(bytes[i + 1])? * 16 + hex(bytes[i + 2])?))
            .flatten();
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
