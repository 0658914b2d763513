//! The SARIF report: semgrep writes it into the scanner's private folder; here its snippets and
//! messages are replaced by the redacted ones of the typed findings, our stable fingerprints
//! are added, and the result is written atomically to the requested path.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::error::ScanError;
use crate::redact;
use crate::report::Finding;

type LocationKey = (String, String, u64, u64, u64, u64);

fn key_of(finding: &Finding) -> LocationKey {
    (
        finding.rule_id.clone(),
        finding.path.clone(),
        u64::from(finding.start.line),
        u64::from(finding.start.col),
        u64::from(finding.end.line),
        u64::from(finding.end.col),
    )
}

/// Rewrites semgrep's SARIF document in place. Pure.
pub(crate) fn redact_sarif(document: &mut Value, findings: &[Finding]) {
    let by_location: HashMap<LocationKey, &Finding> =
        findings.iter().map(|f| (key_of(f), f)).collect();
    let Some(runs) = document.get_mut("runs").and_then(Value::as_array_mut) else {
        return;
    };
    for run in runs {
        let Some(results) = run.get_mut("results").and_then(Value::as_array_mut) else {
            continue;
        };
        for result in results {
            redact_result(result, &by_location);
        }
    }
}

fn redact_result(result: &mut Value, by_location: &HashMap<LocationKey, &Finding>) {
    let rule_id = result
        .get("ruleId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let location = result.pointer("/locations/0/physicalLocation");
    let uri = location
        .and_then(|l| l.pointer("/artifactLocation/uri"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let region = |name: &str| {
        location
            .and_then(|l| l.pointer(&format!("/region/{name}")))
            .and_then(Value::as_u64)
            .unwrap_or_default()
    };
    let key = (
        rule_id,
        uri,
        region("startLine"),
        region("startColumn"),
        region("endLine"),
        region("endColumn"),
    );
    let finding = by_location.get(&key).copied();

    if let Some(snippet) = result.pointer_mut("/locations/0/physicalLocation/region/snippet/text") {
        *snippet = Value::String(match finding {
            Some(f) => f.snippet.clone(),
            // Not one of ours (should not happen): keep nothing that could be a secret.
            None => redact::redact_secret_context(snippet.as_str().unwrap_or_default()),
        });
    }
    if let Some(message) = result.pointer_mut("/message/text") {
        *message = Value::String(match finding {
            Some(f) => f.message.clone(),
            None => redact::redact_free_text(message.as_str().unwrap_or_default()),
        });
    }
    if let Some(object) = result.as_object_mut() {
        match finding {
            Some(f) => {
                object.insert(
                    "fingerprints".to_owned(),
                    serde_json::json!({ "devops-mcp/v1": f.fingerprint }),
                );
                // Semgrep's fix text repeats the match; keep it only where ours survived.
                if f.fix.is_none() {
                    object.remove("fixes");
                }
            }
            None => {
                object.remove("fingerprints");
                object.remove("fixes");
            }
        }
    }
}

/// Reads semgrep's SARIF from `source`, redacts it and writes it atomically to `target`
/// (a temporary file in the same folder, then a rename). Refuses to replace an existing file
/// unless `overwrite` is set.
pub(crate) fn finish_sarif(
    source: &Path,
    target: &Path,
    findings: &[Finding],
    overwrite: bool,
    given: &str,
) -> Result<(), ScanError> {
    let raw = std::fs::read(source).map_err(|source_err| ScanError::Io {
        context: "reading the SARIF file semgrep wrote".to_owned(),
        source: source_err,
    })?;
    let mut document: Value =
        serde_json::from_slice(&raw).map_err(|err| ScanError::MalformedOutput {
            reason: format!("SARIF output: {err}"),
        })?;
    redact_sarif(&mut document, findings);
    let bytes = serde_json::to_vec_pretty(&document).map_err(|err| ScanError::MalformedOutput {
        reason: format!("SARIF output: {err}"),
    })?;

    let folder = target.parent().unwrap_or(Path::new("."));
    let io_error = |context: &str, source: std::io::Error| ScanError::Io {
        context: format!("{context} {}", target.display()),
        source,
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .map_err(|e| io_error("creating a temporary file next to", e))?;
    file.write_all(&bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| io_error("writing", e))?;
    if overwrite {
        file.persist(target)
            .map_err(|e| io_error("replacing", e.error))?;
    } else {
        file.persist_noclobber(target).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                ScanError::SarifExists {
                    path: given.to_owned(),
                }
            } else {
                io_error("creating", e.error)
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Position;
    use crate::request::Severity;

    #[test]
    fn snippets_and_messages_are_replaced() {
        let finding = Finding {
            rule_id: "devops-mcp.secrets.github-token-classic".to_owned(),
            severity: Severity::Critical,
            confidence: None,
            message: "A GitHub token is hard-coded.".to_owned(),
            path: "app.sh".to_owned(),
            start: Position { line: 2, col: 8 },
            end: Position { line: 2, col: 48 },
            snippet: "TOKEN=ghp_****".to_owned(),
            fix: None,
            cwe: vec![],
            owasp: vec![],
            references: vec![],
            fingerprint: "f".repeat(64),
        };
        let secret = "ghp_CANARY0devops0mcp0not0a0real0token00";
        let mut doc = serde_json::json!({"version": "2.1.0", "runs": [{"results": [
            {"ruleId": finding.rule_id, "message": {"text": format!("found {secret}")},
             "fingerprints": {"matchBasedId/v1": "requires login"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.sh"},
                "region": {"startLine": 2, "startColumn": 8, "endLine": 2, "endColumn": 48,
                           "snippet": {"text": format!("TOKEN={secret}")}}}}]},
            {"ruleId": "other", "message": {"text": "x"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "b.sh"},
                "region": {"startLine": 1, "snippet": {"text": format!("export T={secret}")}}}}]}
        ]}]});
        redact_sarif(&mut doc, &[finding]);
        let text = doc.to_string();
        assert!(!text.contains("CANARY0devops"), "{text}");
        assert!(text.contains("TOKEN=ghp_****"), "{text}");
        assert!(text.contains(&"f".repeat(64)), "{text}");
    }
}
