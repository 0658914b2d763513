//! Running semgrep as a child process: an argument vector (never a shell) in its own process
//! group, so cancellation and timeouts can kill semgrep and every helper it started
//! (pysemgrep, semgrep-core) at once, then reap them so no zombie is left behind.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::ScanError;

/// Environment variables semgrep reads that would change what a scan does (its own default
/// config, a baseline, an app token that turns on network features); removed from the child.
const SCRUBBED_ENV: &[&str] = &[
    "SEMGREP_APP_TOKEN",
    "SEMGREP_RULES",
    "SEMGREP_BASELINE_COMMIT",
    "SEMGREP_BASELINE_REF",
    "SEMGREP_REPO_URL",
    "SEMGREP_REPO_NAME",
    "SEMGREP_BRANCH",
    "SEMGREP_JOB_URL",
    "SEMGREP_PR_ID",
    "SEMGREP_URL",
];

/// How long to wait for the processes of a killed group to die (SIGKILL is immediate; this
/// only bounds a pathological case such as a process stuck in uninterruptible I/O).
const GROUP_EXIT_GRACE: Duration = Duration::from_millis(1_000);

/// What a progress callback receives while semgrep runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScanProgress {
    /// Another scan of the same workspace is running; this one waits its turn.
    Queued,
    /// Semgrep was started.
    Started {
        /// Bundled packs in use.
        packs: Vec<String>,
        /// Whether user rules are included.
        user_rules: bool,
    },
    /// A status line from semgrep's own output.
    Message {
        /// The line, trimmed.
        text: String,
    },
    /// Semgrep is still running.
    Heartbeat {
        /// Seconds since semgrep started.
        elapsed_secs: u64,
    },
    /// Semgrep finished and the results were read.
    Finished {
        /// Number of findings.
        findings: usize,
        /// Milliseconds since the scan started.
        elapsed_ms: u64,
    },
}

/// A command line to run.
#[derive(Debug, Clone)]
pub(crate) struct Invocation {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub cwd: PathBuf,
}

/// What a finished process produced.
#[derive(Debug)]
pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// The last lines of stderr, for error messages.
    pub stderr_tail: Vec<String>,
}

/// Kills the process group when dropped unless disarmed, so an abandoned scan future (the
/// caller dropped it instead of cancelling) does not leave semgrep running.
struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            kill_group(pgid);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

fn kill_group(pgid: Pid) {
    match killpg(pgid, Signal::SIGKILL) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(err) => {
            tracing::warn!(%err, pgid = pgid.as_raw(), "could not kill semgrep's process group")
        }
    }
}

/// Whether a process of the group is still running. Zombies do not count: the direct child
/// is reaped by us, and helpers it started become orphans that init reaps on its own schedule
/// (a second or two on some VMs), which a scan must not wait for.
#[cfg(target_os = "linux")]
fn group_running(pgid: Pid) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return !matches!(killpg(pgid, None), Err(Errno::ESRCH));
    };
    entries.flatten().any(|entry| {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            return false;
        };
        // Fields after the parenthesized command name: state, ppid, pgrp, ...
        let Some(rest) = stat.rfind(')').and_then(|i| stat.get(i + 2..)) else {
            return false;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let group = fields.nth(1).and_then(|g| g.parse::<i32>().ok());
        group == Some(pgid.as_raw()) && !matches!(state, Some("Z" | "X"))
    })
}

#[cfg(not(target_os = "linux"))]
fn group_running(pgid: Pid) -> bool {
    !matches!(killpg(pgid, None), Err(Errno::ESRCH))
}

/// Waits until no process of a killed group is running any more, up to a grace period.
async fn wait_group_gone(pgid: Pid) {
    let deadline = Instant::now() + GROUP_EXIT_GRACE;
    while group_running(pgid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Why a run stopped early.
enum Stop {
    Cancelled,
    TimedOut,
}

/// Runs `invocation` to completion, or until `cancel` fires or `timeout` passes; in those
/// cases the whole process group is killed and reaped before returning.
pub(crate) async fn run(
    invocation: &Invocation,
    env: &[(&str, &str)],
    cancel: &CancellationToken,
    timeout: Duration,
    heartbeat: Duration,
    progress: &(dyn Fn(ScanProgress) + Send + Sync),
) -> Result<Finished, ScanError> {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + timeout;
    if cancel.is_cancelled() {
        return Err(ScanError::Cancelled);
    }

    let mut command = Command::new(&invocation.program);
    command
        .args(&invocation.args)
        .current_dir(&invocation.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for name in SCRUBBED_ENV {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .spawn()
        .map_err(|source| spawn_error(&invocation.program, source))?;
    let pgid = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let mut guard = GroupGuard { pgid };

    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let stdout_task = tokio::spawn(read_all(stdout));
    let (line_tx, mut line_rx) = mpsc::channel::<String>(64);
    let stderr_task = tokio::spawn(read_lines(stderr, line_tx));

    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    let mut lines_open = true;
    let outcome: Result<ExitStatus, Stop> = loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break Err(Stop::Cancelled),
            () = tokio::time::sleep_until(deadline) => break Err(Stop::TimedOut),
            status = child.wait() => match status {
                Ok(status) => break Ok(status),
                Err(source) => {
                    guard.kill();
                    return Err(ScanError::Io { context: "waiting for semgrep".to_owned(), source });
                }
            },
            line = line_rx.recv(), if lines_open => match line {
                Some(text) => progress(ScanProgress::Message { text }),
                None => lines_open = false,
            },
            _ = ticker.tick() => progress(ScanProgress::Heartbeat {
                elapsed_secs: started.elapsed().as_secs(),
            }),
        }
    };

    let status = match outcome {
        Ok(status) => status,
        Err(stop) => {
            guard.kill();
            // Reap the direct child (SIGKILL cannot be ignored, so this returns promptly).
            let _ = child.wait().await;
            if let Some(pgid) = pgid {
                wait_group_gone(pgid).await;
            }
            stdout_task.abort();
            stderr_task.abort();
            return Err(match stop {
                Stop::Cancelled => ScanError::Cancelled,
                Stop::TimedOut => ScanError::TimedOut { limit: timeout },
            });
        }
    };
    // The child is reaped; a helper that outlived it could still hold the pipes open, so the
    // readers are awaited under the same cancellation and deadline.
    let collected = async {
        let stdout = stdout_task.await.unwrap_or_default();
        let stderr = stderr_task.await.unwrap_or_default();
        (stdout, stderr)
    };
    let (stdout, stderr_tail) = tokio::select! {
        biased;
        () = cancel.cancelled() => {
            guard.kill();
            return Err(ScanError::Cancelled);
        }
        () = tokio::time::sleep_until(deadline) => {
            guard.kill();
            return Err(ScanError::TimedOut { limit: timeout });
        }
        collected = collected => collected,
    };
    while let Ok(text) = line_rx.try_recv() {
        progress(ScanProgress::Message { text });
    }
    // The group leader exited normally; its pid may be reused from now on, so never signal
    // that group again.
    guard.pgid = None;
    Ok(Finished {
        status,
        stdout,
        stderr_tail,
    })
}

fn spawn_error(program: &Path, source: std::io::Error) -> ScanError {
    if source.kind() == std::io::ErrorKind::NotFound {
        ScanError::SemgrepNotFound {
            searched: program.display().to_string(),
        }
    } else {
        ScanError::Spawn {
            path: program.to_path_buf(),
            source,
        }
    }
}

async fn read_all(stream: Option<impl AsyncRead + Unpin>) -> Vec<u8> {
    let mut buffer = Vec::new();
    if let Some(mut stream) = stream
        && let Err(err) = stream.read_to_end(&mut buffer).await
    {
        tracing::warn!(%err, "reading semgrep's output failed");
    }
    buffer
}

/// Forwards meaningful stderr lines as progress and keeps the last ones for error messages.
async fn read_lines(
    stream: Option<impl AsyncRead + Unpin>,
    tx: mpsc::Sender<String>,
) -> Vec<String> {
    const TAIL: usize = 40;
    let mut tail = Vec::new();
    let Some(stream) = stream else {
        return tail;
    };
    let mut lines = BufReader::new(stream).lines();
    loop {
        match lines.next_line().await {
            Ok(Some(line)) => {
                let text = line.trim();
                // Semgrep draws boxes and blank lines around its status; keep the words.
                if text.is_empty() || text.chars().all(|c| !c.is_alphanumeric()) {
                    continue;
                }
                let text = text
                    .trim_matches(|c: char| "│┌┐└┘─ ".contains(c))
                    .to_owned();
                if text.is_empty() {
                    continue;
                }
                if tail.len() == TAIL {
                    tail.remove(0);
                }
                tail.push(text.clone());
                // A slow consumer must never stall semgrep: drop progress lines when full.
                let _ = tx.try_send(text);
            }
            Ok(None) => break,
            Err(err) => {
                tracing::debug!(%err, "reading semgrep's stderr stopped");
                break;
            }
        }
    }
    tail
}

/// Semgrep's exit status as text.
pub(crate) fn describe_status(status: &ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => "unknown status".to_owned(),
    }
}
