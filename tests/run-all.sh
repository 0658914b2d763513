#!/usr/bin/env bash
# The project's test command (see README): installs the pinned external tools
# the tests use, then runs every gate in order and stops at the first failure.
#   DEVOPS_MCP_TOOLS   where tools are installed (default: <repo>/.tools)
#   CARGO_TARGET_DIR   build output (CI points it outside the clone to reuse builds)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DEVOPS_MCP_TOOLS="${DEVOPS_MCP_TOOLS:-$repo/.tools}"
target="${CARGO_TARGET_DIR:-$repo/target}"
export CARGO_TARGET_DIR="$target"
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "install test tools"
bash tests/setup.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (workspace, and the conformance fixtures)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p devops-mcp --all-targets --features conformance -- -D warnings

step "build the server (with conformance fixtures, then the real one)"
cargo build -p devops-mcp --features conformance
cp "$target/debug/devops-mcp" "$target/debug/devops-mcp-conformance"
cargo build -p devops-mcp

step "cargo nextest run --workspace"
cargo nextest run --workspace --no-fail-fast

if [ -f tests/run-blackbox.sh ]; then
  step "black-box suites (Python MCP SDK, conformance, inspector)"
  DEVOPS_MCP_BIN="$target/debug/devops-mcp" \
  DEVOPS_MCP_CONFORMANCE_BIN="$target/debug/devops-mcp-conformance" \
    bash tests/run-blackbox.sh
fi

step "all gates passed"
