// Helpers for tests/conformance/run.sh, run with the suite's own Node 22.
//
//   node report.mjs baseline <expected-failures.yaml> <run> <out.yaml>
//       Validate the per-run baseline (every entry needs a reason) and write the
//       run's entries in the conformance CLI's --expected-failures format.
//   node report.mjs summary <results-dir> <run> <expected-failures.yaml>
//       Print one run's counts (scenarios, checks by status) and every check
//       that failed or warned, marking the ones the baseline expects.
//
// `yaml` is resolved from the node_modules the suite is installed in
// (env NODE_MODULES), so this needs nothing beyond tests/package.json.

import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_MODULES ?? ".", "noop.js"));
const YAML = require("yaml");

function fail(message) {
  console.error(`conformance: ${message}`);
  process.exit(2);
}

function loadBaseline(file) {
  const document = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
  if (typeof document !== "object" || Array.isArray(document)) {
    fail(`${file}: expected a mapping of run name -> list of {failure, reason}`);
  }
  for (const [run, entries] of Object.entries(document)) {
    if (entries == null) continue;
    if (!Array.isArray(entries)) fail(`${file}: run ${run} must hold a list`);
    for (const entry of entries) {
      if (typeof entry !== "object" || entry === null || typeof entry.failure !== "string") {
        fail(`${file}: run ${run}: every entry needs \`failure: <scenario>[:<check-id>]\`, got ${JSON.stringify(entry)}`);
      }
      if (typeof entry.reason !== "string" || entry.reason.trim().length < 20) {
        fail(`${file}: run ${run}: entry ${entry.failure} needs a written \`reason\` (why it fails, when to remove it)`);
      }
      const extra = Object.keys(entry).filter((key) => key !== "failure" && key !== "reason");
      if (extra.length) fail(`${file}: run ${run}: entry ${entry.failure} has unknown keys ${extra.join(", ")}`);
    }
  }
  return document;
}

function baseline([file, run, out]) {
  const entries = loadBaseline(file)[run] ?? [];
  fs.writeFileSync(out, YAML.stringify({ server: entries.map((entry) => entry.failure) }));
}

function findChecks(dir) {
  const found = [];
  if (!fs.existsSync(dir)) return found;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findChecks(full));
    else if (entry.name === "checks.json") found.push(full);
  }
  return found;
}

function scenarioOf(file) {
  // <out>/<run>/server-<scenario>-<ISO timestamp>/checks.json
  const folder = path.basename(path.dirname(file));
  return folder.replace(/^server-/, "").replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, "");
}

function summary([dir, run, file]) {
  const expected = new Set((loadBaseline(file)[run] ?? []).map((entry) => entry.failure));
  const counts = { SUCCESS: 0, FAILURE: 0, WARNING: 0, INFO: 0, SKIPPED: 0 };
  let scenarios = 0;
  let scenariosFailed = 0;
  const problems = [];
  for (const checksFile of findChecks(dir).sort()) {
    const scenario = scenarioOf(checksFile);
    const checks = JSON.parse(fs.readFileSync(checksFile, "utf8"));
    scenarios += 1;
    let bad = false;
    for (const check of checks) {
      counts[check.status] = (counts[check.status] ?? 0) + 1;
      if (check.status === "FAILURE" || check.status === "WARNING") {
        bad = true;
        const known = expected.has(scenario) || expected.has(`${scenario}:${check.id}`);
        const message = (check.errorMessage ?? check.description ?? "").replace(/\s+/g, " ").slice(0, 240);
        problems.push(`    ${known ? "~ expected" : "✗"} ${check.status} ${scenario}:${check.id} — ${message}`);
      }
    }
    if (bad) scenariosFailed += 1;
  }
  console.log(
    `  ${run}: scenarios ${scenarios - scenariosFailed}/${scenarios} passed, ` +
      `checks ${counts.SUCCESS} passed, ${counts.FAILURE} failed, ${counts.WARNING} warnings` +
      (counts.INFO ? `, ${counts.INFO} info` : "") +
      (counts.SKIPPED ? `, ${counts.SKIPPED} skipped` : ""),
  );
  for (const line of problems) console.log(line);
  if (scenarios === 0) {
    console.log(`    ✗ no results were written under ${dir}`);
    process.exit(1);
  }
}

const [command, ...args] = process.argv.slice(2);
if (command === "baseline") baseline(args);
else if (command === "summary") summary(args);
else fail(`unknown command ${command}; use baseline or summary`);
