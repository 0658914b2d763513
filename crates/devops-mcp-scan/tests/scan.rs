//! Integration tests that run the real semgrep (pinned 1.185.0, installed by
//! `bash tests/setup.sh`) on the fixture repositories under `tests/fixtures/scan/`.
//!
//! Semgrep takes 2-3 s to start, so each run is shared by several assertions.

// Helpers outside `#[test]` functions are test code too.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use devops_mcp_scan::{
    RulePack, ScanError, ScanOptions, ScanProgress, ScanReport, ScanRequest, Scanner, Severity,
    Verdict, locate_semgrep,
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/scan")
}

/// The pinned semgrep: `$DEVOPS_MCP_TOOLS` or `<repo>/.tools`, then `PATH`.
fn semgrep() -> PathBuf {
    let tools = std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"));
    let path = std::env::var_os("PATH");
    locate_semgrep(Some(&tools), None, path.as_deref()).unwrap_or_else(|err| {
        panic!("semgrep is needed for these tests: {err}; run `bash tests/setup.sh`")
    })
}

fn scanner() -> Scanner {
    Scanner::new(ScanOptions::new(semgrep()))
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

/// A private copy of a fixture app: semgrep's default `.semgrepignore` skips `tests/`, so the
/// fixtures are scanned from a temporary workspace, as a user's repository would be.
fn workspace_with(app: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(app), dir.path());
    dir
}

fn manifest() -> Value {
    let text = fs::read_to_string(fixtures().join("vulnerable-app.manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Collects progress events.
#[derive(Default, Clone)]
struct Events(Arc<Mutex<Vec<ScanProgress>>>);

impl Events {
    fn sink(&self) -> impl Fn(ScanProgress) + Send + Sync + 'static {
        let events = self.0.clone();
        move |event| events.lock().unwrap().push(event)
    }
    fn all(&self) -> Vec<ScanProgress> {
        self.0.lock().unwrap().clone()
    }
}

/// Processes whose working directory is `dir` (semgrep and its helpers run there), with their
/// process group and state.
fn processes_in(dir: &Path) -> Vec<(u32, i32, char)> {
    let dir = dir.canonicalize().unwrap();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(cwd) = fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        if cwd != dir {
            continue;
        }
        if let Some((pgid, state)) = stat(pid) {
            found.push((pid, pgid, state));
        }
    }
    found
}

fn stat(pid: u32) -> Option<(i32, char)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    Some((
        fields.get(2)?.parse().ok()?,
        fields.first()?.chars().next()?,
    ))
}

/// Every live process of a process group (zombies included).
fn group_members(pgid: i32) -> Vec<(u32, char)> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
        .filter_map(|pid| stat(pid).map(|(group, state)| (pid, group, state)))
        .filter(|(_, group, _)| *group == pgid)
        .map(|(pid, _, state)| (pid, state))
        .collect()
}

/// Zombie children of this test process.
fn own_zombies() -> Vec<u32> {
    let me = std::process::id().to_string();
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|text| {
                text.rfind(')').is_some_and(|i| {
                    let fields: Vec<&str> = text[i + 2..].split_whitespace().collect();
                    fields.first() == Some(&"Z") && fields.get(1) == Some(&me.as_str())
                })
            })
        })
        .collect()
}

fn assert_no_canaries(haystack: &str, what: &str) {
    for canary in manifest()["canaries"].as_array().unwrap() {
        let canary = canary.as_str().unwrap();
        assert!(
            !haystack.contains(canary),
            "{what} contains the canary {canary}"
        );
        // The distinctive tail of a canary must not leak either.
        let tail: String = canary
            .chars()
            .skip(canary.chars().count().saturating_sub(10))
            .collect();
        assert!(
            !haystack.contains(&tail),
            "{what} contains the end of canary {canary}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vulnerable_fixture_full_recall_redacted_with_valid_sarif() {
    let workspace = workspace_with("vulnerable-app");
    let scanner = scanner();
    let events = Events::default();
    let request = ScanRequest {
        sarif_output: Some("reports/scan.sarif".to_owned()),
        ..ScanRequest::default()
    };
    let report = scanner
        .scan(
            workspace.path(),
            &request,
            &CancellationToken::new(),
            &events.sink(),
        )
        .await
        .unwrap();

    // Recall 100% and nothing unexpected: the findings are exactly the planted issues.
    let expected: BTreeSet<(String, String, u32)> = manifest()["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| {
            (
                issue["rule_id"].as_str().unwrap().to_owned(),
                issue["path"].as_str().unwrap().to_owned(),
                u32::try_from(issue["line"].as_u64().unwrap()).unwrap(),
            )
        })
        .collect();
    let found: BTreeSet<(String, String, u32)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.path.clone(), f.start.line))
        .collect();
    let missed: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(missed.is_empty(), "missed planted issues: {missed:#?}");
    assert!(
        unexpected.is_empty(),
        "unexpected findings: {unexpected:#?}"
    );
    assert_eq!(report.findings.len(), expected.len());

    // Every bundled rule is exercised by the fixture.
    let rules_hit: HashSet<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    for pack in RulePack::ALL {
        for id in devops_mcp_scan::bundled_rule_ids(pack) {
            assert!(rules_hit.contains(id.as_str()), "no planted issue for {id}");
        }
    }

    // Report shape.
    assert_eq!(report.verdict, Verdict::Fail);
    assert_eq!(report.threshold, Severity::High);
    assert_eq!(report.counts.total(), report.findings.len());
    assert!(report.counts.critical > 0 && report.counts.medium > 0 && report.counts.low > 0);
    assert_eq!(report.semgrep_version, "1.185.0");
    assert_eq!(report.packs, RulePack::ALL.to_vec());
    assert!(report.stats.files_scanned >= 15, "{:?}", report.stats);
    assert_eq!(report.stats.rules_run, Some(39));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let fingerprints: HashSet<&str> = report
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(
        fingerprints.len(),
        report.findings.len(),
        "fingerprints must be unique"
    );

    let debug = report
        .findings
        .iter()
        .find(|f| f.rule_id == "devops-mcp.python-django.debug-true")
        .unwrap();
    assert_eq!(debug.snippet, "DEBUG = True");
    assert_eq!(debug.fix.as_deref(), Some("DEBUG = False"));
    assert_eq!(debug.cwe, vec!["CWE-489: Active Debug Code"]);
    assert!(!debug.references.is_empty() && !debug.owasp.is_empty());
    assert!(debug.confidence.is_some());
    let token = report
        .findings
        .iter()
        .find(|f| f.rule_id == "devops-mcp.secrets.github-token-classic")
        .unwrap();
    assert_eq!(token.severity, Severity::Critical);
    assert_eq!(token.snippet, "GITHUB_TOKEN = \"ghp_****\"");
    let key = report
        .findings
        .iter()
        .find(|f| f.rule_id == "devops-mcp.secrets.private-key")
        .unwrap();
    assert_eq!(key.start.line, 11);
    assert_eq!(key.end.line, 15);
    assert!(key.snippet.contains("****"), "{}", key.snippet);

    // Canaries never appear unredacted: not in the result, its Debug form, the SARIF file or
    // the progress stream.
    let json = serde_json::to_string(&report).unwrap();
    assert_no_canaries(&json, "the JSON report");
    assert_no_canaries(&format!("{report:?}"), "the report's Debug output");
    assert_no_canaries(&format!("{:?}", events.all()), "the progress events");
    let sarif_path = report.sarif_path.clone().unwrap();
    assert!(sarif_path.starts_with(workspace.path().canonicalize().unwrap()));
    let sarif_text = fs::read_to_string(&sarif_path).unwrap();
    assert_no_canaries(&sarif_text, "the SARIF file");

    // The SARIF file is valid SARIF 2.1.0 and carries every finding.
    let schema_path = repo_root().join("../shared/contracts/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        report.findings.len()
    );

    // Progress: start, semgrep's own status lines, end.
    let events = events.all();
    assert!(
        matches!(events.first(), Some(ScanProgress::Started { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ScanProgress::Message { .. })),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(ScanProgress::Finished { findings, .. }) if *findings == report.findings.len())
    );

    // An existing SARIF file is not silently overwritten.
    let again = scanner
        .scan(
            workspace.path(),
            &ScanRequest {
                packs: Some(vec![RulePack::Dockerfile]),
                sarif_output: Some("reports/scan.sarif".to_owned()),
                ..ScanRequest::default()
            },
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(again, ScanError::SarifExists { .. }), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_twin_has_no_findings_and_scans_of_one_root_queue() {
    let workspace = workspace_with("clean-app");
    let scanner = Arc::new(scanner());
    let first_events = Events::default();
    let second_events = Events::default();
    let cancel = CancellationToken::new();
    let full = ScanRequest::default();
    let docker_only = ScanRequest {
        packs: Some(vec![RulePack::Dockerfile]),
        severity_threshold: Some(Severity::Info),
        ..ScanRequest::default()
    };
    let first_sink = first_events.sink();
    let second_sink = second_events.sink();
    let (first, second): (Result<ScanReport, _>, Result<ScanReport, _>) = tokio::join!(
        scanner.scan(workspace.path(), &full, &cancel, &first_sink),
        async {
            // Let the first scan take the workspace.
            tokio::time::sleep(Duration::from_millis(200)).await;
            scanner
                .scan(workspace.path(), &docker_only, &cancel, &second_sink)
                .await
        }
    );
    let first = first.unwrap();
    let second = second.unwrap();
    assert!(
        first.findings.is_empty(),
        "clean twin findings: {:#?}",
        first.findings
    );
    assert_eq!(first.verdict, Verdict::Pass);
    assert!(first.stats.files_scanned >= 15);
    assert!(second.findings.is_empty());
    assert_eq!(second.packs, vec![RulePack::Dockerfile]);
    assert_eq!(second.stats.rules_run, Some(5));

    let second_events = second_events.all();
    assert_eq!(
        second_events.first(),
        Some(&ScanProgress::Queued),
        "{second_events:?}"
    );
    // The queued scan started only after the first one had finished.
    assert!(!first_events.all().contains(&ScanProgress::Queued));
}

#[test]
fn bundled_rule_packs_pass_semgrep_test() {
    let output = Command::new(semgrep())
        .args([
            "--test",
            "--strict",
            "--metrics=off",
            "--disable-version-check",
            "rules",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
        .env("SEMGREP_SEND_METRICS", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "semgrep --test failed:\n{stdout}\n{stderr}"
    );
    let tests_line = stdout
        .lines()
        .find(|line| line.contains("All tests passed"))
        .unwrap_or_else(|| panic!("no pass line:\n{stdout}\n{stderr}"));
    // Semgrep counts one test per rule id.
    let total: usize = RulePack::ALL
        .into_iter()
        .map(|pack| devops_mcp_scan::bundled_rule_ids(pack).len())
        .sum();
    assert!(
        tests_line.starts_with(&format!("{total}/{total}:")),
        "expected {total} rules tested: {tests_line}"
    );
    assert!(stdout.contains("All fix tests passed"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_kills_the_process_group_promptly() {
    let workspace = workspace_with("vulnerable-app");
    let scanner = Arc::new(scanner());
    let cancel = CancellationToken::new();
    let events = Events::default();
    let root = workspace.path().to_path_buf();
    let task = {
        let scanner = scanner.clone();
        let cancel = cancel.clone();
        let root = root.clone();
        let sink = events.sink();
        tokio::spawn(async move {
            scanner
                .scan(&root, &ScanRequest::default(), &cancel, &sink)
                .await
        })
    };

    // Wait until semgrep and its helpers are running in the workspace, and note their group.
    // (Generous: on a loaded machine Python start-up alone can take many seconds.)
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut groups = BTreeSet::new();
    while Instant::now() < deadline {
        let running = processes_in(&root);
        if running.len() >= 2 {
            groups.extend(running.iter().map(|(_, pgid, _)| *pgid));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        !groups.is_empty(),
        "semgrep never started; events: {:?}",
        events.all()
    );
    assert_eq!(
        groups.len(),
        1,
        "semgrep's processes share one process group: {groups:?}"
    );
    let pgid = *groups.first().unwrap();
    assert_ne!(
        pgid,
        nix_pgid_of_self(),
        "semgrep must run in its own process group"
    );

    let cancelled_at = Instant::now();
    cancel.cancel();
    let result = task.await.unwrap();
    let took = cancelled_at.elapsed();
    assert!(matches!(result, Err(ScanError::Cancelled)), "{result:?}");
    assert!(took < Duration::from_secs(2), "cancellation took {took:?}");

    // Nothing of the group is still running and this process has no zombie child. Helpers
    // orphaned by the kill are reaped by init on its own schedule: they must be gone soon.
    let running: Vec<_> = group_members(pgid)
        .into_iter()
        .filter(|(_, state)| *state != 'Z')
        .collect();
    assert!(
        running.is_empty(),
        "still running after cancel: {running:?}"
    );
    assert!(own_zombies().is_empty(), "zombies: {:?}", own_zombies());
    assert!(
        processes_in(&root).is_empty(),
        "left behind: {:?}",
        processes_in(&root)
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while !group_members(pgid).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left: Vec<_> = group_members(pgid)
        .into_iter()
        .map(|(pid, state)| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            (pid, state, stat)
        })
        .collect();
    assert!(
        left.is_empty(),
        "left behind: {left:?} (test pid {})",
        std::process::id()
    );
}

fn nix_pgid_of_self() -> i32 {
    stat(std::process::id()).unwrap().0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn total_timeout_stops_the_scan_and_leaves_nothing() {
    let workspace = workspace_with("vulnerable-app");
    let request = ScanRequest {
        total_timeout_secs: Some(1),
        ..ScanRequest::default()
    };
    let started = Instant::now();
    let err = scanner()
        .scan(
            workspace.path(),
            &request,
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, ScanError::TimedOut { .. }), "{err}");
    assert!(err.to_string().contains("total_timeout_secs"), "{err}");
    assert!(took < Duration::from_secs(3), "timeout took {took:?}");
    assert!(processes_in(workspace.path()).is_empty());
    assert!(own_zombies().is_empty(), "zombies: {:?}", own_zombies());
}

#[tokio::test]
async fn missing_semgrep_is_a_clear_error() {
    let workspace = workspace_with("clean-app");
    let scanner = Scanner::new(ScanOptions::new(PathBuf::from("/nonexistent/bin/semgrep")));
    let err = scanner
        .scan(
            workspace.path(),
            &ScanRequest::default(),
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ScanError::SemgrepNotFound { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("pip install semgrep==1.185.0") && text.contains("bash tests/setup.sh"));

    let empty = tempfile::tempdir().unwrap();
    let err = locate_semgrep(Some(empty.path()), None, Some(empty.path().as_os_str())).unwrap_err();
    assert!(err.to_string().contains("bash tests/setup.sh"), "{err}");
}

#[tokio::test]
async fn paths_must_stay_inside_the_workspace() {
    let workspace = workspace_with("clean-app");
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("leak.py"), "DEBUG = True\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), workspace.path().join("linked")).unwrap();
    let scanner = scanner();
    let cancel = CancellationToken::new();

    let cases = [
        ("path", "../", "outside"),
        ("path", "shop/../../etc", "outside"),
        ("path", outside.path().to_str().unwrap(), "outside"),
        ("path", "linked", "outside"),
        ("path", "linked/leak.py", "outside"),
        ("path", "does/not/exist", "cannot be read"),
        ("rules", "linked/leak.py", "outside"),
        ("rules", "../rules.yml", "outside"),
        ("sarif_output", "linked/out.sarif", "outside"),
        ("sarif_output", "../out.sarif", "outside"),
    ];
    for (field, value, expected) in cases {
        let mut request = ScanRequest::default();
        match field {
            "path" => request.path = Some(value.to_owned()),
            "rules" => request.rules = Some(value.to_owned()),
            _ => request.sarif_output = Some(value.to_owned()),
        }
        let err = scanner
            .scan(workspace.path(), &request, &cancel, &|_| {})
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(field) && text.contains(expected),
            "{field}={value}: {text}"
        );
    }
    assert!(!outside.path().join("out.sarif").exists());

    let err = scanner
        .scan(
            workspace.path(),
            &ScanRequest {
                rules: Some("p/django".to_owned()),
                ..ScanRequest::default()
            },
            &cancel,
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ScanError::RegistryConfigRefused { .. }),
        "{err}"
    );
}

fn user_rule_workspace(rule: &str) -> tempfile::TempDir {
    let workspace = tempfile::tempdir().unwrap();
    fs::create_dir_all(workspace.path().join("policies")).unwrap();
    fs::write(workspace.path().join("policies/custom.yaml"), rule).unwrap();
    fs::write(workspace.path().join("app.py"), "eval(user_input)\n").unwrap();
    workspace
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_user_rule_is_exit_7() {
    let workspace = user_rule_workspace(
        "rules:\n  - id: no-eval\n    patern: eval(...)\n    message: m\n    languages: [python]\n    severity: ERROR\n",
    );
    let request = ScanRequest {
        packs: Some(vec![]),
        rules: Some("policies/custom.yaml".to_owned()),
        ..ScanRequest::default()
    };
    let err = scanner()
        .scan(
            workspace.path(),
            &request,
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ScanError::InvalidRules { code: 7, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("Invalid rule schema"), "{err}");
    assert!(processes_in(workspace.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_language_is_exit_8() {
    let workspace = user_rule_workspace(
        "rules:\n  - id: no-eval\n    pattern: eval(...)\n    message: m\n    languages: [klingon]\n    severity: ERROR\n",
    );
    let request = ScanRequest {
        packs: Some(vec![]),
        rules: Some("policies".to_owned()),
        ..ScanRequest::default()
    };
    let err = scanner()
        .scan(
            workspace.path(),
            &request,
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ScanError::UnsupportedLanguage { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("klingon"), "{err}");
    assert!(processes_in(workspace.path()).is_empty());
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.email=scan@test",
            "-c",
            "user.name=scan-test",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baseline_ref_reports_only_new_findings_with_user_rules() {
    let workspace = tempfile::tempdir().unwrap();
    let root = workspace.path();
    fs::create_dir_all(root.join("policies")).unwrap();
    fs::write(
        root.join("policies/no-eval.yaml"),
        "rules:\n  - id: acme.no-eval\n    pattern: eval(...)\n    message: Do not use eval.\n    languages: [python]\n    severity: WARNING\n",
    )
    .unwrap();
    fs::write(root.join("old.py"), "eval(a)\n").unwrap();
    fs::write(root.join("settings.py"), "DEBUG = True\n").unwrap();
    git(root, &["init", "-q"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    git(root, &["tag", "base"]);
    fs::write(root.join("new.py"), "x = 1\neval(b)\n").unwrap();
    fs::write(
        root.join("settings.py"),
        "DEBUG = True\nSESSION_COOKIE_SECURE = False\n",
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "change"]);

    let request = ScanRequest {
        packs: Some(vec![RulePack::PythonDjango]),
        rules: Some("policies".to_owned()),
        baseline_ref: Some("base".to_owned()),
        severity_threshold: Some(Severity::Critical),
        ..ScanRequest::default()
    };
    let scanner = scanner();
    let report = scanner
        .scan(root, &request, &CancellationToken::new(), &|_| {})
        .await
        .unwrap();
    let found: BTreeSet<(String, String, u32)> = report
        .findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.path.clone(), f.start.line))
        .collect();
    let expected: BTreeSet<(String, String, u32)> = [
        ("acme.no-eval", "new.py", 2),
        (
            "devops-mcp.python-django.insecure-cookie-settings",
            "settings.py",
            2,
        ),
    ]
    .into_iter()
    .map(|(r, p, l)| (r.to_owned(), p.to_owned(), l))
    .collect();
    assert_eq!(found, expected);
    assert_eq!(report.baseline_ref.as_deref(), Some("base"));
    assert_eq!(report.verdict, Verdict::Pass, "no critical finding");

    let err = scanner
        .scan(
            root,
            &ScanRequest {
                baseline_ref: Some("no-such-ref".to_owned()),
                ..request
            },
            &CancellationToken::new(),
            &|_| {},
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ScanError::BaselineUnavailable { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("git rev-parse no-such-ref"),
        "{err}"
    );
}

#[test]
fn docs_list_every_bundled_rule() {
    let docs = fs::read_to_string(repo_root().join("docs/run_semgrep.md")).unwrap();
    for pack in RulePack::ALL {
        assert!(
            docs.contains(&format!("### {}", pack.name())),
            "docs miss pack {pack}"
        );
        for id in devops_mcp_scan::bundled_rule_ids(pack) {
            assert!(
                docs.contains(&format!("`{id}`")),
                "docs/run_semgrep.md misses {id}"
            );
        }
    }
}
