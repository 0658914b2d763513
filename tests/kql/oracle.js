#!/usr/bin/env node
// Syntax oracle for the devops-mcp KQL parser: Microsoft's own Kusto.Language
// parser (npm `@kusto/language-service-next`), used by the Rust test
// `crates/devops-mcp-kql/tests/oracle.rs` as an independent judge of which
// queries are syntactically valid KQL.
//
// Input (stdin): JSON lines, each either a JSON string (the query) or an
// object {"id": ..., "query": "..."}.
// Output (stdout): one JSON line per input line, in order:
//   {"id": ..., "accepted": true|false, "kind": "Query"|"Command"|...,
//    "diagnostics": [{"code", "severity", "message", "start", "length"}]}
// "accepted" means Kusto.Language reports no syntax diagnostic of severity
// Error. Only KustoCode.Parse (no semantic analysis) is run, so unknown
// tables, columns or functions never count as rejection.
//
// Usage: node oracle.js [<node_modules dir that holds @kusto/language-service-next>]
// Without an argument the package is resolved the normal way (NODE_PATH,
// parent node_modules folders).
'use strict';

const path = require('path');
const readline = require('readline');

function load(modulesDir) {
  const pkg = '@kusto/language-service-next';
  const resolve = (file) =>
    modulesDir ? path.join(modulesDir, pkg, file) : `${pkg}/${file}`;
  // bridge.js defines the Bridge.NET runtime as a global that the Kusto
  // bundle expects; both must be loaded, in this order.
  require(resolve('bridge.min.js'));
  require(resolve('Kusto.Language.Bridge.min.js'));
  // eslint-disable-next-line no-undef
  return Kusto.Language;
}

function listToArray(list) {
  const out = [];
  if (!list) return out;
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i));
  return out;
}

function check(K, query) {
  const code = K.KustoCode.Parse(query);
  const diagnostics = listToArray(code.GetSyntaxDiagnostics()).map((d) => ({
    code: d.Code,
    severity: d.Severity,
    message: d.Message,
    start: d.Start,
    length: d.Length,
  }));
  const accepted = !diagnostics.some((d) => d.severity === 'Error');
  return { kind: code.Kind, accepted, diagnostics };
}

function main() {
  const K = load(process.argv[2]);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  rl.on('line', (line) => {
    if (line.trim() === '') return;
    const item = JSON.parse(line);
    const id = typeof item === 'string' ? null : item.id === undefined ? null : item.id;
    const query = typeof item === 'string' ? item : item.query;
    let result;
    try {
      result = check(K, query);
    } catch (e) {
      result = { kind: 'Error', accepted: false, diagnostics: [{ code: 'ORACLE', severity: 'Error', message: String(e), start: 0, length: 0 }] };
    }
    out.push(JSON.stringify(Object.assign({ id }, result)));
    if (out.length >= 64) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  });
  rl.on('close', () => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
  });
}

main();
