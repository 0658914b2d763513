//! Broken and insecure fixtures: every `// expect: <rule>` marker must be reported on its
//! line, and nothing else may be reported as an error or warning.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use devops_mcp_azure::bicep::rules::Severity;
use devops_mcp_azure::bicep::{SourceFile, validate};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bicep")
}

fn collect(dir: &Path, base: &Path, out: &mut Vec<SourceFile>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read fixture dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, base, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "bicep" || e == "bicepparam")
        {
            let rel = path
                .strip_prefix(base)
                .expect("inside base")
                .to_string_lossy()
                .replace('\\', "/");
            out.push(SourceFile::new(
                rel,
                std::fs::read_to_string(&path).expect("read fixture"),
            ));
        }
    }
}

/// (file, line, rule) triples the fixture plants.
fn expectations(files: &[SourceFile]) -> BTreeSet<(String, u32, String)> {
    let mut out = BTreeSet::new();
    for f in files {
        for (i, line) in f.content.lines().enumerate() {
            if let Some((_, rules)) = line.split_once("// expect:") {
                for rule in rules.split(',') {
                    out.insert((
                        f.path.clone(),
                        u32::try_from(i + 1).expect("line"),
                        rule.trim().to_owned(),
                    ));
                }
            }
        }
    }
    out
}

/// Each top-level `.bicep` file is one case; each directory is one case (a file set).
fn cases() -> Vec<(String, Vec<SourceFile>)> {
    let dir = fixtures_dir();
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    let mut cases = Vec::new();
    for path in entries {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let mut files = Vec::new();
        if path.is_dir() {
            collect(&path, &path, &mut files);
        } else if path.extension().is_some_and(|e| e == "bicep") {
            files.push(SourceFile::new(
                name.clone(),
                std::fs::read_to_string(&path).expect("read"),
            ));
        } else {
            continue;
        }
        cases.push((name, files));
    }
    cases
}

#[test]
fn every_planted_problem_is_reported_at_its_line_and_nothing_else() {
    let cases = cases();
    assert!(cases.len() >= 8, "fixtures missing: {}", cases.len());
    let mut total = 0;
    for (name, files) in cases {
        let expected = expectations(&files);
        assert!(!expected.is_empty(), "{name} plants nothing");
        total += expected.len();
        let report = validate(&files, Some(crate::types()));
        let reported: BTreeSet<(String, u32, String)> = report
            .diagnostics
            .iter()
            .filter(|d| d.severity >= Severity::Warning)
            .map(|d| (d.file.clone(), d.line, d.rule_id.clone()))
            .collect();
        let missing: Vec<_> = expected.difference(&reported).collect();
        let unexpected: Vec<_> = reported.difference(&expected).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{name}\nmissing: {missing:#?}\nunexpected: {unexpected:#?}\nall: {:#?}",
            report.diagnostics
        );
    }
    assert!(total >= 60, "only {total} planted problems");
}

#[test]
fn every_rule_is_exercised_by_a_fixture_or_a_generator_test() {
    let planted: BTreeSet<String> = cases()
        .iter()
        .flat_map(|(_, files)| expectations(files))
        .map(|(_, _, rule)| rule)
        .collect();
    // Rules without a planted fixture problem, each exercised elsewhere:
    // BCP-TYP-008 (information, asserted in type-errors via the report and in generator tests).
    let elsewhere = ["BCP-TYP-008"];
    for rule in devops_mcp_azure::bicep::rules::RULES {
        assert!(
            planted.contains(rule.id) || elsewhere.contains(&rule.id),
            "no fixture plants {} {}",
            rule.id,
            rule.name
        );
    }
}

#[test]
fn suppressions_are_counted_not_hidden() {
    let case = cases()
        .into_iter()
        .find(|(n, _)| n == "insecure-postgres.bicep")
        .expect("fixture");
    let report = validate(&case.1, Some(crate::types()));
    assert_eq!(report.suppressed, 1);
}

#[test]
fn unknown_api_versions_are_unchecked_not_valid() {
    let case = cases()
        .into_iter()
        .find(|(n, _)| n == "type-errors.bicep")
        .expect("fixture");
    let report = validate(&case.1, Some(crate::types()));
    let unchecked: Vec<(&str, &str)> = report
        .unchecked_resources
        .iter()
        .map(|u| (u.resource_type.as_str(), u.api_version.as_str()))
        .collect();
    assert_eq!(unchecked, [("Microsoft.Web/sites", "2099-01-01")]);
    let line = case.1[0]
        .content
        .lines()
        .position(|l| l.starts_with("resource future"))
        .expect("future resource")
        + 1;
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.rule_id == "BCP-TYP-008" && d.line as usize == line),
        "{:#?}",
        report.diagnostics
    );
}
