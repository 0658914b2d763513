//! Semgrep's `--json` output turned into typed findings and warnings. Pure: file contents for
//! snippets come in through a lookup function, so this module does no I/O.
//!
//! Semgrep OSS no longer puts the matched lines in its JSON (`"lines": "requires login"`), so
//! snippets are cut from the scanned file using the byte offsets semgrep reports.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ScanError;
use crate::redact;
use crate::report::{Confidence, Finding, Position, ScanWarning};
use crate::request::{RulePack, Severity};

/// Longest snippet kept, in lines and bytes.
const MAX_SNIPPET_LINES: usize = 12;
const MAX_SNIPPET_BYTES: usize = 2_000;

/// Semgrep's JSON document, reduced to what the scanner uses.
#[derive(Debug, Deserialize)]
pub(crate) struct SemgrepOutput {
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub results: Vec<RawResult>,
    #[serde(default)]
    pub errors: Vec<RawError>,
    #[serde(default)]
    pub paths: RawPaths,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RawPaths {
    #[serde(default)]
    pub scanned: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawResult {
    pub check_id: String,
    pub path: String,
    pub start: RawPosition,
    pub end: RawPosition,
    pub extra: RawExtra,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct RawPosition {
    pub line: u32,
    pub col: u32,
    #[serde(default)]
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawExtra {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub metadata: Value,
    #[serde(default)]
    pub fix: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RawError {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Value,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub short_msg: Option<String>,
    #[serde(default)]
    pub long_msg: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
}

impl RawError {
    /// The most informative text semgrep gave, shortened.
    pub(crate) fn text(&self) -> String {
        let text = match (&self.message, &self.short_msg, &self.long_msg) {
            (Some(message), _, _) if !message.trim().is_empty() => message.clone(),
            (_, Some(short), Some(long)) => format!("{short}: {long}"),
            (_, Some(short), None) => short.clone(),
            (_, None, Some(long)) => long.clone(),
            _ => "no details".to_owned(),
        };
        let text = redact::redact_free_text(text.trim());
        shorten(&text, 600)
    }

    pub(crate) fn kind_name(&self) -> String {
        match &self.kind {
            Value::String(kind) => kind.clone(),
            Value::Array(parts) => parts
                .first()
                .and_then(Value::as_str)
                .unwrap_or("error")
                .to_owned(),
            _ => "error".to_owned(),
        }
    }
}

/// Parses semgrep's JSON.
pub(crate) fn parse(json: &[u8]) -> Result<SemgrepOutput, ScanError> {
    serde_json::from_slice(json).map_err(|err| ScanError::MalformedOutput {
        reason: if json.is_empty() {
            "it printed nothing".to_owned()
        } else {
            err.to_string()
        },
    })
}

/// Semgrep's errors as warnings.
pub(crate) fn warnings(output: &SemgrepOutput) -> Vec<ScanWarning> {
    output
        .errors
        .iter()
        .map(|error| ScanWarning {
            kind: error.kind_name(),
            level: error.level.clone().unwrap_or_else(|| "error".to_owned()),
            message: error.text(),
            path: error.path.clone(),
        })
        .collect()
}

/// Joins the texts of semgrep's errors, for fatal-error messages.
pub(crate) fn error_details(output: &SemgrepOutput) -> Option<String> {
    let texts: Vec<String> = output
        .errors
        .iter()
        .filter(|e| e.level.as_deref() != Some("warn") || e.code.is_some_and(|c| c >= 2))
        .map(RawError::text)
        .collect();
    (!texts.is_empty()).then(|| shorten(&texts.join("; "), 1_500))
}

/// Whether a rule is about a secret, so its matches must be masked: bundled secrets rules,
/// and any rule whose metadata names CWE-798/321/259/522 or the `secrets` technology.
pub(crate) fn is_secret_bearing(rule_id: &str, metadata: &Value) -> bool {
    if RulePack::of_rule_id(rule_id) == Some(RulePack::Secrets) {
        return true;
    }
    let cwe_hit = strings(metadata.get("cwe")).iter().any(|cwe| {
        ["CWE-798", "CWE-321", "CWE-259", "CWE-522", "CWE-312"]
            .iter()
            .any(|id| {
                cwe.starts_with(id) && !cwe[id.len()..].starts_with(|c: char| c.is_ascii_digit())
            })
    });
    let tech_hit = strings(metadata.get("technology"))
        .iter()
        .any(|t| t.eq_ignore_ascii_case("secrets"));
    let category_hit = metadata
        .get("subcategory")
        .map(|v| strings(Some(v)))
        .unwrap_or_default()
        .iter()
        .any(|s| s.eq_ignore_ascii_case("secrets"));
    cwe_hit || tech_hit || category_hit
}

/// A metadata value that is a string or a list of strings.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn confidence(metadata: &Value) -> Option<Confidence> {
    match metadata
        .get("confidence")?
        .as_str()?
        .to_ascii_uppercase()
        .as_str()
    {
        "HIGH" => Some(Confidence::High),
        "MEDIUM" => Some(Confidence::Medium),
        "LOW" => Some(Confidence::Low),
        _ => None,
    }
}

/// Builds the typed findings. `source` returns a scanned file's text by its semgrep path.
pub(crate) fn findings<'a>(
    output: &SemgrepOutput,
    source: impl Fn(&str) -> Option<&'a str>,
) -> Vec<Finding> {
    let mut findings: Vec<(Finding, String)> = output
        .results
        .iter()
        .map(|result| build(result, source(&result.path)))
        .collect();
    findings.sort_by(|(a, _), (b, _)| {
        (
            &a.path,
            a.start.line,
            a.start.col,
            &a.rule_id,
            a.end.line,
            a.end.col,
        )
            .cmp(&(
                &b.path,
                b.start.line,
                b.start.col,
                &b.rule_id,
                b.end.line,
                b.end.col,
            ))
    });
    // Identical matched text for the same rule in the same file gets an occurrence number,
    // so fingerprints stay unique without depending on line numbers.
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .into_iter()
        .map(|(mut finding, basis)| {
            let occurrence = seen.entry(basis.clone()).or_insert(0);
            finding.fingerprint = fingerprint(&basis, *occurrence);
            *occurrence += 1;
            finding
        })
        .collect()
}

/// One finding plus its fingerprint basis (rule, path, normalized masked text).
fn build(result: &RawResult, source: Option<&str>) -> (Finding, String) {
    let metadata = &result.extra.metadata;
    let secret = is_secret_bearing(&result.check_id, metadata);
    let matched = source.and_then(|text| slice(text, result.start.offset, result.end.offset));

    let snippet = match source {
        Some(text) => {
            let (snippet, range) = snippet_with_range(text, result);
            let mask_match = RulePack::of_rule_id(&result.check_id) == Some(RulePack::Secrets);
            shorten(
                &redact::redact_snippet(&snippet, range, secret, mask_match),
                MAX_SNIPPET_BYTES,
            )
        }
        None => String::new(),
    };

    let mut message = result.extra.message.trim().to_owned();
    let mut fix = result.extra.fix.clone();
    if secret && let Some(m) = matched.filter(|m| m.trim().len() >= 6) {
        message = message.replace(m.trim(), &redact::mask_matched(m));
        fix = fix.map(|f| f.replace(m.trim(), &redact::mask_matched(m)));
    }
    message = redact::redact_free_text(&message);
    fix = fix.map(|f| redact::redact_free_text(&f));

    let normalized = matched
        .map(|m| {
            let m = if secret {
                redact::redact_secret_context(&redact::mask_matched(m))
            } else {
                redact::redact_known_secrets(m)
            };
            m.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .unwrap_or_default();
    let basis = format!("{}\u{0}{}\u{0}{}", result.check_id, result.path, normalized);

    let finding = Finding {
        rule_id: result.check_id.clone(),
        severity: Severity::from_semgrep(&result.extra.severity),
        confidence: confidence(metadata),
        message,
        path: result.path.clone(),
        start: Position {
            line: result.start.line,
            col: result.start.col,
        },
        end: Position {
            line: result.end.line,
            col: result.end.col,
        },
        snippet,
        fix,
        cwe: strings(metadata.get("cwe")),
        owasp: strings(metadata.get("owasp")),
        references: strings(metadata.get("references")),
        fingerprint: String::new(),
    };
    (finding, basis)
}

fn fingerprint(basis: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(basis.as_bytes());
    if occurrence > 0 {
        hasher.update(format!("\u{0}{occurrence}").as_bytes());
    }
    format!("{:x}", hasher.finalize())
}

fn slice(text: &str, start: Option<i64>, end: Option<i64>) -> Option<&str> {
    let start = usize::try_from(start?).ok()?;
    let end = usize::try_from(end?).ok()?;
    text.get(start..end)
}

/// The full lines of the match and the match's byte range inside them.
fn snippet_with_range(text: &str, result: &RawResult) -> (String, Option<(usize, usize)>) {
    let start_line = usize::try_from(result.start.line.max(1)).unwrap_or(1);
    let end_line = usize::try_from(result.end.line.max(result.start.line)).unwrap_or(start_line);
    let last_line = end_line.min(start_line + MAX_SNIPPET_LINES - 1);

    let mut line_start = 0_usize;
    let mut snippet_start = None;
    let mut snippet_end = text.len();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        if number == start_line {
            snippet_start = Some(line_start);
        }
        if number == last_line {
            snippet_end = line_start + line.trim_end_matches(['\n', '\r']).len();
            break;
        }
        line_start += line.len();
    }
    let Some(snippet_start) = snippet_start else {
        return (String::new(), None);
    };
    let snippet_end = snippet_end.max(snippet_start);
    let snippet = text.get(snippet_start..snippet_end).unwrap_or_default();
    let range = match (result.start.offset, result.end.offset) {
        (Some(s), Some(e)) => {
            let s = usize::try_from(s).ok();
            let e = usize::try_from(e).ok();
            match (s, e) {
                (Some(s), Some(e)) if s >= snippet_start => {
                    let e = e.min(snippet_end);
                    (e >= s).then(|| (s - snippet_start, e - snippet_start))
                }
                _ => None,
            }
        }
        _ => None,
    };
    (snippet.to_owned(), range)
}

fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

/// Parses semgrep's summary line on stderr ("Ran 42 rules on 17 files: 3 findings.").
pub(crate) fn rules_run_from_summary(line: &str) -> Option<u64> {
    let rest = line.trim().strip_prefix("Ran ")?;
    let (count, rest) = rest.split_once(' ')?;
    if !(rest.starts_with("rule ") || rest.starts_with("rules ")) {
        return None;
    }
    count.replace(',', "").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str =
        "import os\nSECRET_KEY = \"django-insecure-canary-abc-0000\"\nDEBUG = True\n";

    fn output() -> SemgrepOutput {
        let start = SOURCE.find("django").unwrap() as i64;
        let end = start + "django-insecure-canary-abc-0000".len() as i64;
        let debug = SOURCE.find("DEBUG").unwrap() as i64;
        let json = serde_json::json!({
            "version": "1.185.0",
            "results": [
                {"check_id": "devops-mcp.python-django.debug-true", "path": "app/settings.py",
                 "start": {"line": 3, "col": 1, "offset": debug},
                 "end": {"line": 3, "col": 13, "offset": debug + 12},
                 "extra": {"message": "DEBUG is True", "severity": "ERROR", "fix": "DEBUG = False",
                           "metadata": {"cwe": ["CWE-489: Active Debug Code"], "confidence": "HIGH",
                                        "owasp": "A05:2021 - Security Misconfiguration"},
                           "lines": "requires login"}},
                {"check_id": "devops-mcp.secrets.django-secret-key", "path": "app/settings.py",
                 "start": {"line": 2, "col": 15, "offset": start},
                 "end": {"line": 2, "col": 46, "offset": end},
                 "extra": {"message": "hard-coded", "severity": "CRITICAL",
                           "metadata": {"cwe": ["CWE-798: Use of Hard-coded Credentials"]}}}
            ],
            "errors": [{"code": 3, "level": "warn", "type": ["PartialParsing", []],
                        "message": "Syntax error at line x.py:1", "path": "x.py"}],
            "paths": {"scanned": ["app/settings.py", "x.py"]}
        });
        parse(json.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn findings_are_typed_sorted_and_redacted() {
        let output = output();
        let findings = findings(&output, |_| Some(SOURCE));
        assert_eq!(findings.len(), 2);
        let secret = &findings[0];
        assert_eq!(secret.rule_id, "devops-mcp.secrets.django-secret-key");
        assert_eq!(secret.severity, Severity::Critical);
        assert_eq!(secret.snippet, "SECRET_KEY = \"djan****\"");
        assert!(!format!("{secret:?}").contains("canary-abc"));
        let debug = &findings[1];
        assert_eq!(debug.severity, Severity::High);
        assert_eq!(debug.confidence, Some(Confidence::High));
        assert_eq!(debug.snippet, "DEBUG = True");
        assert_eq!(debug.fix.as_deref(), Some("DEBUG = False"));
        assert_eq!(debug.owasp, vec!["A05:2021 - Security Misconfiguration"]);
        assert_eq!(debug.fingerprint.len(), 64);

        let warnings = warnings(&output);
        assert_eq!(warnings[0].kind, "PartialParsing");
        assert_eq!(warnings[0].path.as_deref(), Some("x.py"));
    }

    #[test]
    fn fingerprints_ignore_line_moves() {
        let output = output();
        let before = findings(&output, |_| Some(SOURCE));
        let shifted_source = format!("\n\n{SOURCE}");
        let mut shifted = output;
        for result in &mut shifted.results {
            result.start.line += 2;
            result.end.line += 2;
            result.start.offset = result.start.offset.map(|o| o + 2);
            result.end.offset = result.end.offset.map(|o| o + 2);
        }
        let after = findings(&shifted, |_| Some(shifted_source.as_str()));
        assert_eq!(before[0].fingerprint, after[0].fingerprint);
        assert_eq!(before[1].fingerprint, after[1].fingerprint);
        assert_ne!(before[0].fingerprint, before[1].fingerprint);
    }

    #[test]
    fn secret_bearing_rules_are_recognized() {
        let meta = serde_json::json!({"cwe": "CWE-798: Use of Hard-coded Credentials"});
        assert!(is_secret_bearing("custom.rule", &meta));
        let meta = serde_json::json!({"cwe": ["CWE-7980"]});
        assert!(!is_secret_bearing("custom.rule", &meta));
        assert!(is_secret_bearing("devops-mcp.secrets.x", &Value::Null));
    }

    #[test]
    fn summary_line_gives_rule_count() {
        assert_eq!(
            rules_run_from_summary("Ran 42 rules on 17 files: 3 findings."),
            Some(42)
        );
        assert_eq!(
            rules_run_from_summary("Ran 1 rule on 1 file: 1 finding."),
            Some(1)
        );
        assert_eq!(rules_run_from_summary("Scanning 3 files"), None);
    }

    #[test]
    fn malformed_output_is_an_error() {
        assert!(matches!(parse(b""), Err(ScanError::MalformedOutput { .. })));
        assert!(matches!(
            parse(b"{\"results\": 3}"),
            Err(ScanError::MalformedOutput { .. })
        ));
    }
}
