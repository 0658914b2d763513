//! Conformance: parses every query of the KQL documentation corpus
//! (`../shared/conformance/kql-docs/cases.jsonl`) and reports the accept
//! rate, overall and per first operator. Every accepted query is then
//! analysed with an empty catalog (the corpus queries build their own
//! data): a valid documentation example should get no error diagnostic,
//! and the output column names the analyzer predicts are compared with the
//! ones the documentation shows.
//!
//! A ratchet keeps each number (accepted, analysed without errors, column
//! names matched) from dropping below `tests/kql_parse_baseline.json`;
//! `KQL_UPDATE_BASELINE=1` rewrites that file after an improvement.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Case {
    id: String,
    query: String,
    #[serde(default)]
    operators: Vec<String>,
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    flags: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Baseline {
    /// Cases in the corpus when the baseline was written.
    total: usize,
    /// Cases the parser accepted then; the test fails below this.
    accepted: usize,
    /// Accepted cases that semantic analysis reported no error for.
    analyzed_without_errors: usize,
    /// Cases whose predicted output column names equal the documented ones.
    column_names_matched: usize,
    /// Cases where the comparison was possible (complete predicted schema
    /// and trustworthy documented names).
    column_names_compared: usize,
}

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/kql-docs/cases.jsonl")
}

fn baseline_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/kql_parse_baseline.json")
}

fn load_cases() -> Vec<Case> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the KQL corpus at {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line is a JSON case"))
        .collect()
}

#[test]
fn documentation_corpus_parse_rate() {
    let cases = load_cases();
    assert!(
        cases.len() > 800,
        "corpus unexpectedly small: {}",
        cases.len()
    );

    let catalog = devops_mcp_kql::Catalog::new();
    let mut per_operator: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut analysis_errors = Vec::new();
    let mut name_mismatches = Vec::new();
    let (mut accepted, mut clean, mut matched, mut compared) = (0, 0, 0, 0);
    for case in &cases {
        let first = case
            .operators
            .first()
            .cloned()
            .unwrap_or_else(|| "(none)".into());
        let entry = per_operator.entry(first).or_default();
        entry.1 += 1;
        let query = match devops_mcp_kql::parse(&case.query) {
            Ok(query) => query,
            Err(e) => {
                failures.push(format!("{}: {}", case.id, e));
                continue;
            }
        };
        accepted += 1;
        entry.0 += 1;
        let analysis = devops_mcp_kql::analyze(&query, &catalog);
        let errors: Vec<String> = analysis.errors().map(ToString::to_string).collect();
        if errors.is_empty() {
            clean += 1;
        } else {
            analysis_errors.push(format!("{}: {}", case.id, errors.join(" | ")));
        }
        let trusted = !case
            .flags
            .iter()
            .any(|f| f == "doc_column_names_suspect" || f == "multiple_result_sets");
        if let (Some(output), true) = (&analysis.output, trusted)
            && output.complete
        {
            compared += 1;
            let names: Vec<&str> = output.columns.iter().map(|c| c.name.as_str()).collect();
            if names == case.columns.iter().map(String::as_str).collect::<Vec<_>>() {
                matched += 1;
            } else {
                name_mismatches.push(format!(
                    "{}: documented {:?}, predicted {names:?}",
                    case.id, case.columns
                ));
            }
        }
    }

    let rate = 100.0 * accepted as f64 / cases.len() as f64;
    eprintln!(
        "KQL corpus: {accepted}/{} queries parsed ({rate:.1}%)",
        cases.len()
    );
    eprintln!("per first operator (accepted/total):");
    for (op, (ok, total)) in &per_operator {
        eprintln!("  {op:<28} {ok:>4}/{total:<4}");
    }
    for failure in &failures {
        eprintln!("  rejected {failure}");
    }
    eprintln!("semantic analysis: {clean}/{accepted} accepted queries without error diagnostics");
    for e in &analysis_errors {
        eprintln!("  analysis error {e}");
    }
    eprintln!("output column names: {matched}/{compared} match the documentation");
    for m in &name_mismatches {
        eprintln!("  column names {m}");
    }

    let baseline_file = baseline_path();
    if std::env::var_os("KQL_UPDATE_BASELINE").is_some_and(|v| v == "1") {
        let baseline = Baseline {
            total: cases.len(),
            accepted,
            analyzed_without_errors: clean,
            column_names_matched: matched,
            column_names_compared: compared,
        };
        let json = serde_json::to_string_pretty(&baseline).expect("baseline serializes");
        std::fs::write(&baseline_file, json + "\n").expect("baseline file is writable");
        eprintln!("baseline rewritten: {accepted} accepted");
        return;
    }
    let baseline: Baseline = serde_json::from_str(
        &std::fs::read_to_string(&baseline_file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", baseline_file.display())),
    )
    .expect("baseline file is valid JSON");
    assert!(
        accepted >= baseline.accepted,
        "parse conformance regressed: {accepted} accepted, baseline {} (rejected: {})",
        baseline.accepted,
        failures.join("; ")
    );
    assert!(
        clean >= baseline.analyzed_without_errors,
        "semantic analysis now reports errors on valid documentation examples: {clean} clean, baseline {}:\n{}",
        baseline.analyzed_without_errors,
        analysis_errors.join("\n")
    );
    assert!(
        matched >= baseline.column_names_matched,
        "predicted output column names regressed: {matched} match, baseline {}:\n{}",
        baseline.column_names_matched,
        name_mismatches.join("\n")
    );
    if accepted > baseline.accepted
        || clean > baseline.analyzed_without_errors
        || matched > baseline.column_names_matched
    {
        eprintln!("conformance improved; run with KQL_UPDATE_BASELINE=1 to raise the baseline");
    }
}
