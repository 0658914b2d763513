#!/usr/bin/env bash
# Wrapper overhead benchmark: runs the same semgrep command directly and through the scanner
# on tests/fixtures/scan/vulnerable-app, N times each in one run, and prints the medians and
# the overhead percentage (target < 5 %).
# Usage: crates/devops-mcp-scan/benches/overhead.sh [runs] [path/to/semgrep]
set -euo pipefail
cd "$(dirname "$0")/../../.."
export SEMGREP_ENABLE_VERSION_CHECK=0
exec cargo run --quiet --release -p devops-mcp-scan --example overhead -- "${1:-7}" ${2:+"$2"}
