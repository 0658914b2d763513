//! checkov, an independent scanner, over every generated variant: 0 failed checks. A check
//! may be skipped only with a reason in docs/checkov-skips.md, which this test enforces.

use std::path::PathBuf;
use std::process::Command;

/// checkov checks skipped per variant; each needs a `## <id>` section in docs/checkov-skips.md.
fn skips(variant: &str) -> Vec<&'static str> {
    let mut ids = vec!["CKV_AZURE_17", "CKV_AZURE_212", "CKV_AZURE_222"];
    if variant != "django-postgres-private-prod" {
        // Public networking and plans that are not zone redundant in every environment.
        ids.extend(["CKV_AZURE_109", "CKV_AZURE_189", "CKV_AZURE_225"]);
    }
    ids
}

/// `DEVOPS_MCP_TOOLS` (a directory), then `<repo>/.tools`, then PATH.
fn checkov() -> PathBuf {
    let candidates = std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(|d| PathBuf::from(d).join("bin/checkov"))
        .into_iter()
        .chain([crate::repo_root().join(".tools/bin/checkov")]);
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let c = dir.join("checkov");
            if c.is_file() {
                return c;
            }
        }
    }
    panic!("checkov not found (DEVOPS_MCP_TOOLS, .tools/bin, PATH): run `bash tests/setup.sh`");
}

#[test]
fn every_skip_has_a_written_reason() {
    let doc = std::fs::read_to_string(crate::repo_root().join("docs/checkov-skips.md"))
        .expect("docs/checkov-skips.md");
    for (variant, _) in crate::variants() {
        for id in skips(variant) {
            let heading = format!("## {id}\n");
            let at = doc.find(&heading).unwrap_or_else(|| {
                panic!("{id} is skipped without a section in docs/checkov-skips.md")
            });
            let body = doc[at + heading.len()..]
                .split("\n## ")
                .next()
                .unwrap_or("");
            assert!(
                body.trim().len() > 80,
                "{id} needs a real reason, got {body:?}"
            );
        }
    }
}

#[test]
fn checkov_finds_no_failed_check_in_any_generated_variant() {
    let checkov = checkov();
    for (name, spec) in crate::variants() {
        let generated = crate::generate_variant(&spec);
        let dir = tempfile::tempdir().expect("tempdir");
        for f in &generated.files {
            let path = dir.path().join(&f.path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &f.content).expect("write");
        }
        let output = Command::new(&checkov)
            .args([
                "--framework",
                "bicep",
                "--skip-download",
                "--quiet",
                "--compact",
                "-o",
                "json",
                "-d",
            ])
            .arg(dir.path())
            .args(["--skip-check", &skips(name).join(",")])
            .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
            .env("BC_SKIP_MAPPING", "TRUE")
            .output()
            .expect("run checkov");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: checkov output is not JSON ({e}); stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
        let report = if json.is_array() {
            json[0].clone()
        } else {
            json
        };
        let summary = &report["summary"];
        let failed: Vec<String> = report["results"]["failed_checks"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|c| format!("{} {} {}", c["check_id"], c["resource"], c["file_path"]))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            summary["failed"], 0,
            "{name}: checkov failed checks: {failed:#?}"
        );
        assert_eq!(
            summary["parsing_errors"], 0,
            "{name}: checkov could not parse a generated file"
        );
        let passed = summary["passed"].as_u64().expect("passed count");
        assert!(
            passed >= 15,
            "{name}: only {passed} checks passed; did checkov read the files?"
        );
        let resources = summary["resource_count"].as_u64().expect("resource count");
        assert!(
            resources >= 20,
            "{name}: checkov saw only {resources} resources"
        );
    }
}
