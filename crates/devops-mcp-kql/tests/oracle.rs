//! Syntax agreement with Microsoft's own KQL parser (Kusto.Language, npm
//! `@kusto/language-service-next`), run through `tests/kql/oracle.js`.
//!
//! The queries compared are: every query of the documentation corpus,
//! deterministic mutations of each (truncated, or with one bracket,
//! comma, pipe, `=` or `:` removed) so that rejection is tested as much as
//! acceptance, and the hand-written cases in `tests/syntax_cases.jsonl`.
//! For each query both parsers must agree on accept/reject. The number of
//! agreements may not drop below `tests/kql_oracle_baseline.json`
//! (`KQL_UPDATE_BASELINE=1` rewrites it); disagreements are listed in the
//! failure message.
//!
//! The oracle needs node and the npm package installed by
//! `bash tests/setup.sh` under `<repo>/.tools/node` (or `$DEVOPS_MCP_TOOLS/node`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Case {
    id: String,
    query: String,
}

#[derive(Deserialize)]
struct HandCase {
    query: String,
}

#[derive(Serialize)]
struct OracleInput<'a> {
    id: usize,
    query: &'a str,
}

#[derive(Deserialize)]
struct OracleOutput {
    id: usize,
    accepted: bool,
    #[serde(default)]
    diagnostics: Vec<OracleDiagnostic>,
}

#[derive(Deserialize)]
struct OracleDiagnostic {
    message: String,
    start: usize,
}

#[derive(Serialize, Deserialize)]
struct Baseline {
    /// Queries compared when the baseline was written.
    compared: usize,
    /// Queries on which both parsers agreed then; the test fails below this.
    agreed: usize,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn repo_root() -> PathBuf {
    manifest_dir().join("../..")
}

fn tools_dir() -> PathBuf {
    std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"))
}

fn node_modules() -> PathBuf {
    let dir = tools_dir().join("node/node_modules");
    let package = dir.join("@kusto/language-service-next/Kusto.Language.Bridge.min.js");
    assert!(
        package.is_file(),
        "Microsoft's KQL parser (@kusto/language-service-next) is missing at {}: run `bash tests/setup.sh`",
        package.display()
    );
    dir
}

fn node_binary(modules: &Path) -> PathBuf {
    let bundled = modules.join(".bin/node");
    if bundled.exists() {
        return bundled;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("node"))
                .find(|p| p.is_file())
        })
        .unwrap_or_default();
    on_path.unwrap_or_else(|| {
        panic!("node is missing: run `bash tests/setup.sh` (it installs node under .tools/node)")
    })
}

/// A small deterministic generator so mutations are the same on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Two mutations of `query`: truncated at a character boundary, and with
/// one structural character removed.
fn mutations(query: &str, seed: u64) -> Vec<String> {
    let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut out = Vec::new();
    let boundaries: Vec<usize> = query
        .char_indices()
        .map(|(i, _)| i)
        .filter(|&i| i > 0 && !query[..i].trim_end().is_empty())
        .collect();
    if !boundaries.is_empty() {
        let cut = boundaries[rng.below(boundaries.len())];
        out.push(query[..cut].to_string());
    }
    let structural: Vec<usize> = query
        .char_indices()
        .filter(|(_, c)| matches!(c, '(' | ')' | '[' | ']' | ',' | '|' | '=' | ':'))
        .map(|(i, _)| i)
        .collect();
    if !structural.is_empty() {
        let at = structural[rng.below(structural.len())];
        let mut mutated = query.to_string();
        mutated.remove(at);
        out.push(mutated);
    }
    out.retain(|q| !q.trim_start().starts_with('.') && !q.trim().is_empty());
    out
}

fn load_queries() -> Vec<(String, String)> {
    let corpus = manifest_dir().join("../../../shared/conformance/kql-docs/cases.jsonl");
    let text = std::fs::read_to_string(&corpus)
        .unwrap_or_else(|e| panic!("cannot read the KQL corpus at {}: {e}", corpus.display()));
    let mut queries = Vec::new();
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let case: Case = serde_json::from_str(line).expect("corpus line is a JSON case");
        for (m, mutated) in mutations(&case.query, n as u64 + 1).into_iter().enumerate() {
            queries.push((format!("{}~mutation{}", case.id, m + 1), mutated));
        }
        queries.push((case.id, case.query));
    }
    let hand = manifest_dir().join("tests/syntax_cases.jsonl");
    let text = std::fs::read_to_string(&hand)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", hand.display()));
    for (n, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let case: HandCase =
            serde_json::from_str(line).expect("syntax case is a JSON object with a query");
        queries.push((format!("syntax_cases.jsonl:{}", n + 1), case.query));
    }
    queries
}

fn run_oracle(queries: &[(String, String)]) -> Vec<OracleOutput> {
    let modules = node_modules();
    let script = repo_root().join("tests/kql/oracle.js");
    let mut child = Command::new(node_binary(&modules))
        .arg(&script)
        .arg(&modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut input = String::new();
    for (i, (_, query)) in queries.iter().enumerate() {
        input.push_str(
            &serde_json::to_string(&OracleInput { id: i, query }).expect("input serializes"),
        );
        input.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("oracle runs");
    writer
        .join()
        .expect("writer thread")
        .expect("oracle reads its input");
    assert!(
        output.status.success(),
        "oracle.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<OracleOutput> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle prints JSON lines"))
        .collect();
    assert_eq!(results.len(), queries.len(), "oracle answered every query");
    results
}

#[test]
fn syntax_agrees_with_kusto_language() {
    let queries = load_queries();
    let oracle = run_oracle(&queries);

    let mut agreed = 0;
    let mut disagreements = Vec::new();
    for result in &oracle {
        let (id, query) = &queries[result.id];
        let ours = devops_mcp_kql::parse(query);
        if ours.is_ok() == result.accepted {
            agreed += 1;
            continue;
        }
        let detail = match (&ours, result.diagnostics.first()) {
            (Ok(_), Some(d)) => format!(
                "Kusto rejects ({} at offset {}), we accept",
                d.message, d.start
            ),
            (Ok(_), None) => "Kusto rejects, we accept".to_string(),
            (Err(e), _) => format!("Kusto accepts, we reject: {e}"),
        };
        disagreements.push(format!("{id}: {detail}\n    query: {query:?}"));
    }

    let compared = queries.len();
    let rejected_by_kusto = oracle.iter().filter(|r| !r.accepted).count();
    eprintln!(
        "syntax agreement with Kusto.Language: {agreed}/{compared} ({rejected_by_kusto} queries rejected by Kusto)"
    );
    for d in &disagreements {
        eprintln!("  {d}");
    }

    let baseline_file = manifest_dir().join("tests/kql_oracle_baseline.json");
    if std::env::var_os("KQL_UPDATE_BASELINE").is_some_and(|v| v == "1") {
        let json = serde_json::to_string_pretty(&Baseline { compared, agreed })
            .expect("baseline serializes");
        std::fs::write(&baseline_file, json + "\n").expect("baseline file is writable");
        return;
    }
    let baseline: Baseline = serde_json::from_str(
        &std::fs::read_to_string(&baseline_file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", baseline_file.display())),
    )
    .expect("baseline file is valid JSON");
    assert!(
        agreed >= baseline.agreed,
        "syntax agreement with Kusto.Language regressed: {agreed}/{compared}, baseline {}.\nDisagreements:\n{}",
        baseline.agreed,
        disagreements.join("\n")
    );
}
