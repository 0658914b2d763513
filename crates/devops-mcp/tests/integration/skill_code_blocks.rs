//! Every fenced code block in the skills and prompts is checked by an
//! independent tool: Bicep by tree-sitter-bicep, GitHub workflows by
//! actionlint and zizmor, KQL by Microsoft's own parser, Python by
//! `py_compile`, shell by `bash -n`, JSON by serde. A block whose info string
//! says `bad-example` must fail its checker.

use std::path::{Path, PathBuf};
use std::process::Command;

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

use crate::common::repo_root;

#[derive(Debug)]
struct Block {
    file: PathBuf,
    line: usize,
    lang: String,
    bad: bool,
    code: String,
}

impl Block {
    fn at(&self) -> String {
        format!("{}:{} ({})", self.file.display(), self.line, self.lang)
    }
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "md") {
            out.push(path);
        }
    }
}

fn blocks() -> Vec<Block> {
    let root = repo_root();
    let mut files = Vec::new();
    markdown_files(&root.join("skills"), &mut files);
    markdown_files(&root.join("crates/devops-mcp/prompts"), &mut files);
    files.sort();
    let mut blocks = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut current: Option<Block> = None;
        for (event, range) in Parser::new(&text).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or_default().to_owned();
                    let bad = words.any(|word| word == "bad-example");
                    let line = text[..range.start].lines().count() + 1;
                    current = Some(Block {
                        file: file.strip_prefix(&root).unwrap_or(&file).to_path_buf(),
                        line,
                        lang,
                        bad,
                        code: String::new(),
                    });
                }
                Event::Text(chunk) => {
                    if let Some(block) = current.as_mut() {
                        block.code.push_str(&chunk);
                    }
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some(block) = current.take() {
                        blocks.push(block);
                    }
                }
                _ => {}
            }
        }
    }
    blocks
}

/// An external checker: the tools dir first (tests/setup.sh installs there), then PATH.
fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"));
    let candidate = dir.join("bin").join(name);
    if candidate.exists() {
        return candidate;
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|path| path.exists())
    });
    found.unwrap_or_else(|| panic!("{name} is not installed: run `bash tests/setup.sh`"))
}

fn tools_dir() -> PathBuf {
    std::env::var_os("DEVOPS_MCP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"))
}

/// `Err(reason)` when the block does not pass its checker.
fn check_bicep(code: &str) -> Result<(), String> {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .unwrap();
    let tree = parser.parse(code, None).ok_or("no parse tree")?;
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            return Err(format!(
                "syntax error at block line {}, column {}",
                at.row + 1,
                at.column + 1
            ));
        }
        stack.extend(node.children(&mut cursor));
    }
    Ok(())
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn check_workflow(code: &str, scratch: &Path) -> Result<(), String> {
    let dir = scratch.join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    for old in std::fs::read_dir(&dir).unwrap().flatten() {
        std::fs::remove_file(old.path()).unwrap();
    }
    let file = dir.join("block.yml");
    std::fs::write(&file, code).unwrap();
    run(Command::new(tool("actionlint"))
        .arg("-no-color")
        .arg(&file)
        .current_dir(scratch))?;
    run(Command::new(tool("zizmor"))
        .args(["--offline", "--no-progress", "--format", "plain"])
        .arg(&file))
}

fn check_python(code: &str, scratch: &Path) -> Result<(), String> {
    let file = scratch.join("block.py");
    std::fs::write(&file, code).unwrap();
    run(Command::new("python3")
        .args(["-m", "py_compile"])
        .arg(&file))
}

fn check_bash(code: &str, scratch: &Path) -> Result<(), String> {
    let file = scratch.join("block.sh");
    std::fs::write(&file, code).unwrap();
    run(Command::new("bash").arg("-n").arg(&file))
}

/// Microsoft's KQL parser over every KQL block at once; one verdict per block.
fn check_kql(blocks: &[&Block]) -> Vec<Result<(), String>> {
    let node_modules = tools_dir().join("node/node_modules");
    let node = node_modules.join(".bin/node");
    let node = if node.exists() {
        node
    } else {
        PathBuf::from("node")
    };
    let input: String = blocks
        .iter()
        .map(|block| serde_json::to_string(&block.code).unwrap() + "\n")
        .collect();
    let mut child = Command::new(node)
        .arg(repo_root().join("tests/kql/oracle.js"))
        .arg(&node_modules)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node runs tests/kql/oracle.js (run `bash tests/setup.sh`)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let verdicts: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(verdicts.len(), blocks.len(), "oracle output: {text}");
    verdicts
        .into_iter()
        .map(|verdict| {
            if verdict["accepted"] == true {
                Ok(())
            } else {
                Err(verdict["diagnostics"].to_string())
            }
        })
        .collect()
}

fn is_workflow(code: &str) -> bool {
    code.lines().any(|line| line.starts_with("on:")) && code.lines().any(|l| l.starts_with("jobs:"))
}

#[test]
fn every_code_block_passes_an_independent_checker() {
    let blocks = blocks();
    assert!(blocks.len() > 50, "found only {} code blocks", blocks.len());
    let scratch = tempfile::tempdir().unwrap();
    let mut verdicts: Vec<(&Block, Result<(), String>)> = Vec::new();
    let kql: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.lang == "kusto" || b.lang == "kql")
        .collect();
    verdicts.extend(kql.iter().copied().zip(check_kql(&kql)));
    for block in &blocks {
        let verdict = match block.lang.as_str() {
            "bicep" => check_bicep(&block.code),
            "yaml" | "yml" if is_workflow(&block.code) => {
                check_workflow(&block.code, scratch.path())
            }
            "yaml" | "yml" => yaml_serde::from_str::<serde_json::Value>(&block.code)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            "python" => check_python(&block.code, scratch.path()),
            "bash" | "sh" => check_bash(&block.code, scratch.path()),
            "json" => serde_json::from_str::<serde_json::Value>(&block.code)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            _ => continue,
        };
        verdicts.push((block, verdict));
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for (block, verdict) in verdicts {
        checked += 1;
        match (block.bad, verdict) {
            (false, Err(reason)) => failures.push(format!("{}: {reason}", block.at())),
            (true, Ok(())) => failures.push(format!(
                "{}: marked bad-example but its checker accepts it",
                block.at()
            )),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checked blocks fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Beyond syntax: every KQL block over tables the server knows (the
/// Application Insights tables, with the official schemas of
/// ../shared/contracts/app-insights, and `secret_audit`)
/// names real columns and type-checks, as `query_kql` `validate_only` sees
/// it. Blocks over other Azure tables (AzureDiagnostics, ...) cannot be
/// checked here and are counted, not failed.
#[tokio::test]
async fn kql_blocks_over_known_tables_validate_against_their_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[backends]\nkql_data_dir = \"telemetry\"\n[backends.secrets]\nlocal_store_dir = {:?}\n",
        dir.path().join(".secrets-store").display().to_string()
    );
    std::fs::write(dir.path().join("devops-mcp.toml"), config).unwrap();
    // The official table schemas (all columns), read in place.
    let tables =
        std::fs::read_to_string(crate::common::contracts().join("app-insights/tables.json"))
            .expect("../shared/contracts/app-insights/tables.json");
    devops_mcp_kql::write_sample_telemetry(&dir.path().join("telemetry"), 50, 1, Some(&tables))
        .unwrap();
    let config = devops_mcp::config::Config::load(devops_mcp::config::Overrides {
        workspace: Some(dir.path().to_path_buf()),
        ..devops_mcp::config::Overrides::default()
    })
    .unwrap();
    let server = devops_mcp::DevopsServer::new(config).unwrap();
    let mut client = devops_mcp::client::LocalClient::connect(server)
        .await
        .unwrap();

    let (mut checked, mut unknown_tables, mut failures) = (0, 0, Vec::new());
    for block in blocks()
        .iter()
        .filter(|b| (b.lang == "kusto" || b.lang == "kql") && !b.bad)
    {
        let result = crate::common::call(
            &mut client,
            "query_kql",
            serde_json::json!({ "query": block.code, "validate_only": true }),
        )
        .await
        .unwrap_or_else(|error| panic!("{}: {error}", block.at()));
        let diagnostics = result["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if diagnostics.iter().any(|d| d["code"] == "unknown-table") {
            unknown_tables += 1;
            continue;
        }
        checked += 1;
        if result["valid"] != true {
            failures.push(format!(
                "{}: {}",
                block.at(),
                serde_json::Value::Array(diagnostics)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 5,
        "only {checked} KQL blocks were over known tables ({unknown_tables} were not)"
    );
}
