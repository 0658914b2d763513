#!/usr/bin/env bash
# Runs the MCP Inspector CLI (@modelcontextprotocol/inspector, pinned in
# tests/package.json) against `devops-mcp serve` over stdio and verifies the
# skills the server serves (SEP-2640 conformance and SHA-256 digests):
#
#   skills/list --verify --require-digests   every skill, every file
#   skills/get  --verify --require-digests   each skill by its URI
#
# and checks the verified set equals `devops-mcp skills`. Exits non-zero on
# any failure. Env: DEVOPS_MCP_BIN (default $CARGO_TARGET_DIR/debug/devops-mcp
# or target/debug/devops-mcp), DEVOPS_MCP_TOOLS (default .tools).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="${DEVOPS_MCP_TOOLS:-$repo/.tools}"
node_modules="$tools/node/node_modules"
node="$node_modules/.bin/node"
inspector="$node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js"
pinned_version="2.12.0"
bin="${DEVOPS_MCP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/devops-mcp}"

die() { echo "inspector: $*" >&2; exit 2; }
[ -x "$node" ] || die "Node not found at $node; run \`bash tests/setup.sh\`"
[ -f "$inspector" ] || die "inspector CLI not found at $inspector; run \`bash tests/setup.sh\`"
installed="$("$node" -p "require('$node_modules/@modelcontextprotocol/inspector/package.json').version")"
[ "$installed" = "$pinned_version" ] || die "inspector $installed installed, $pinned_version pinned; run \`bash tests/setup.sh\`"
[ -x "$bin" ] || die "devops-mcp binary not found at $bin; build it or set DEVOPS_MCP_BIN"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/devops-mcp-inspector.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
workspace="$scratch/workspace"
mkdir -p "$workspace" "$scratch/home"

# The inspector keeps a catalog and caches under HOME: give it a scratch one.
# The server gets a scrubbed environment (no DEVOPS_MCP_*, RUST_LOG, tokens).
inspect() {
  env -i HOME="$scratch/home" PATH="$PATH" NO_COLOR=1 \
    "$node" "$inspector" --cwd "$workspace" "$@" -- "$bin" --workspace "$workspace" serve
}

# check_reports FILE WHAT: every line is a report with ok=true and outcome=verified.
check_reports() {
  "$node" - "$1" "$2" <<'EOF'
const fs = require("fs");
const [file, what] = process.argv.slice(2);
const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim());
if (lines.length === 0) { console.error(`inspector: ${what}: no report`); process.exit(1); }
const names = [];
for (const line of lines) {
  const report = JSON.parse(line);
  const bad = (report.files ?? []).filter((f) => f.status !== "verified");
  if (report.ok !== true || report.outcome !== "verified" || (report.conformance ?? []).length || (report.frontmatter ?? []).length || bad.length || !(report.files ?? []).length) {
    console.error(`inspector: ${what}: ${report.uri} not verified: ${line.slice(0, 600)}`);
    process.exit(1);
  }
  names.push(report.name);
}
console.log(names.sort().join("\n"));
EOF
}

status=0
if ! inspect --method skills/list --verify --require-digests >"$scratch/list.jsonl" 2>"$scratch/list.err"; then
  echo "inspector: skills/list --verify failed:" >&2
  cat "$scratch/list.err" "$scratch/list.jsonl" >&2
  exit 1
fi
check_reports "$scratch/list.jsonl" "skills/list" >"$scratch/verified.txt" || status=1

env -i HOME="$scratch/home" PATH="$PATH" "$bin" --workspace "$workspace" skills 2>/dev/null \
  | tail -n +2 | awk 'NF {print $1}' | sort >"$scratch/served.txt"
if ! diff -u "$scratch/served.txt" "$scratch/verified.txt" >"$scratch/diff.txt"; then
  echo "inspector: skills verified by skills/list differ from \`devops-mcp skills\`:" >&2
  cat "$scratch/diff.txt" >&2
  status=1
fi

files=0
while read -r name; do
  [ -n "$name" ] || continue
  if ! inspect --method skills/get --uri "skill://$name/SKILL.md" --verify --require-digests >"$scratch/get.jsonl" 2>"$scratch/get.err"; then
    echo "inspector: skills/get --verify failed for $name:" >&2
    cat "$scratch/get.err" "$scratch/get.jsonl" >&2
    status=1
    continue
  fi
  check_reports "$scratch/get.jsonl" "skills/get $name" >/dev/null || status=1
  files=$((files + $(grep -o '"status":"verified"' "$scratch/get.jsonl" | wc -l)))
done <"$scratch/verified.txt"

skills=$(wc -l <"$scratch/verified.txt")
if [ "$status" = 0 ]; then
  echo "inspector $pinned_version: skills/list and skills/get --verify --require-digests: $skills skills, $files files verified"
else
  echo "inspector $pinned_version: FAILED" >&2
fi
exit "$status"
