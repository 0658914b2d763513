//! Benchmark: the same semgrep command run directly and through the scanner, on the
//! vulnerable fixture, N times each (interleaved, in one run), printing the medians and the
//! wrapper's overhead, in wall-clock time and in CPU time (semgrep's processes plus the
//! wrapper's own work; CPU time is what to trust on a busy machine). Run with
//! `cargo run --release -p devops-mcp-scan --example overhead -- [runs] [semgrep]`
//! (or `benches/overhead.sh`).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use devops_mcp_scan::{
    RulePack, SEMGREP_ENV, ScanOptions, ScanRequest, Scanner, bundled_rule_files, locate_semgrep,
};
use nix::sys::resource::{UsageWho, getrusage};
use tokio_util::sync::CancellationToken;

/// CPU time (user + system) used so far by this process (`Self_`) or its reaped children.
fn cpu(who: UsageWho) -> Duration {
    let usage = getrusage(who).unwrap();
    let time = |t: nix::sys::time::TimeVal| {
        Duration::new(
            u64::try_from(t.tv_sec()).unwrap(),
            u32::try_from(t.tv_usec()).unwrap() * 1_000,
        )
    };
    time(usage.user_time()) + time(usage.system_time())
}

/// CPU time of children plus this process.
fn total_cpu() -> Duration {
    cpu(UsageWho::RUSAGE_CHILDREN) + cpu(UsageWho::RUSAGE_SELF)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let mid = samples.len() / 2;
    if samples.len().is_multiple_of(2) {
        (samples[mid - 1] + samples[mid]) / 2
    } else {
        samples[mid]
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let runs: usize = args.next().map_or(7, |n| n.parse().unwrap());
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let semgrep = match args.next() {
        Some(path) => PathBuf::from(path),
        None => locate_semgrep(
            Some(&repo.join(".tools")),
            None,
            std::env::var_os("PATH").as_deref(),
        )
        .unwrap(),
    };

    // One workspace for both, so both scan exactly the same tree.
    let workspace = tempfile::tempdir().unwrap();
    copy_dir(
        &repo.join("tests/fixtures/scan/vulnerable-app"),
        workspace.path(),
    );
    let rules = tempfile::tempdir().unwrap();
    for file in bundled_rule_files() {
        let dir = rules.path().join(file.pack.name());
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(file.file_name), file.yaml).unwrap();
    }
    let mut direct_args: Vec<OsString> = [
        "scan",
        "--json",
        "--metrics=off",
        "--disable-version-check",
        "--no-rewrite-rule-ids",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    for pack in RulePack::ALL {
        let mut arg = OsString::from("--config=");
        arg.push(rules.path().join(pack.name()));
        direct_args.push(arg);
    }
    direct_args.push(".".into());

    let scanner = Scanner::new(ScanOptions::new(semgrep.clone()));
    let request = ScanRequest::default();
    let cancel = CancellationToken::new();

    // Warm-up: file-system caches, Python byte-code, the scanner's rule folder.
    let warm = scanner
        .scan(workspace.path(), &request, &cancel, &|_| {})
        .await
        .unwrap();
    let expected = warm.findings.len();

    let mut direct = Vec::with_capacity(runs);
    let mut wrapped = Vec::with_capacity(runs);
    let mut direct_cpu = Vec::with_capacity(runs);
    let mut wrapped_cpu = Vec::with_capacity(runs);
    for run in 0..runs {
        let cpu_before = total_cpu();
        let started = Instant::now();
        let output = Command::new(&semgrep)
            .args(&direct_args)
            .current_dir(workspace.path())
            .envs(SEMGREP_ENV.iter().copied())
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        direct.push(started.elapsed());
        direct_cpu.push(total_cpu() - cpu_before);
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "direct run failed"
        );
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["results"].as_array().unwrap().len(), expected);

        let cpu_before = total_cpu();
        let started = Instant::now();
        let report = scanner
            .scan(workspace.path(), &request, &cancel, &|_| {})
            .await
            .unwrap();
        wrapped.push(started.elapsed());
        wrapped_cpu.push(total_cpu() - cpu_before);
        assert_eq!(report.findings.len(), expected);
        println!(
            "run {}: direct {:.3} s (cpu {:.3} s), wrapper {:.3} s (cpu {:.3} s)",
            run + 1,
            direct[run].as_secs_f64(),
            direct_cpu[run].as_secs_f64(),
            wrapped[run].as_secs_f64(),
            wrapped_cpu[run].as_secs_f64(),
        );
    }
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let direct = median(direct);
    let wrapped = median(wrapped);
    let overhead = (wrapped.as_secs_f64() / direct.as_secs_f64() - 1.0) * 100.0;
    println!(
        "semgrep {} on vulnerable-app ({expected} findings), {runs} runs each",
        warm.semgrep_version
    );
    println!("median direct:  {:.3} s", direct.as_secs_f64());
    println!("median wrapper: {:.3} s", wrapped.as_secs_f64());
    println!("overhead:       {overhead:+.2} % wall clock (target < 5 %)");
    let direct_cpu = median(direct_cpu);
    let wrapped_cpu = median(wrapped_cpu);
    let cpu_overhead = (wrapped_cpu.as_secs_f64() / direct_cpu.as_secs_f64() - 1.0) * 100.0;
    println!("median cpu direct:  {:.3} s", direct_cpu.as_secs_f64());
    println!("median cpu wrapper: {:.3} s", wrapped_cpu.as_secs_f64());
    println!("overhead:       {cpu_overhead:+.2} % cpu time");
    println!("load average at the end: {}", load.trim());
}
