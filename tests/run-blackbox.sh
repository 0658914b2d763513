#!/usr/bin/env bash
# Black-box suites against built devops-mcp binaries, in order:
#   1+2. tests/python        Python MCP SDK over stdio, Streamable HTTP (stateful and
#                            stateless, SDK modes legacy and auto) and legacy SSE, plus
#                            protocol-level bad input, HTTP safety and configuration
#   3.   tests/conformance   official MCP conformance suite (both spec versions)
#   4.   tests/inspector     MCP Inspector CLI skills/list --verify
# Prints pytest's summary line and the conformance summary; exits non-zero when
# any suite fails. Builds nothing:
#   DEVOPS_MCP_BIN              normal build     (default $CARGO_TARGET_DIR/debug/devops-mcp
#                                                 or target/debug/devops-mcp)
#   DEVOPS_MCP_CONFORMANCE_BIN  --features conformance build
#                                                (default target/conformance/debug/devops-mcp)
#   DEVOPS_MCP_TOOLS            tools dir of tests/setup.sh (default .tools)
# Extra arguments go to pytest (e.g. -k stdio, -x).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${DEVOPS_MCP_TOOLS:-$repo/.tools}"
export DEVOPS_MCP_BIN="${DEVOPS_MCP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/devops-mcp}"
export DEVOPS_MCP_CONFORMANCE_BIN="${DEVOPS_MCP_CONFORMANCE_BIN:-$repo/target/conformance/debug/devops-mcp}"
python="$tools/venv/bin/python"
# Keep the source tree free of __pycache__ folders.
export PYTHONDONTWRITEBYTECODE=1

for bin in "$DEVOPS_MCP_BIN" "$DEVOPS_MCP_CONFORMANCE_BIN"; do
  [ -x "$bin" ] || { echo "run-blackbox: $bin not found (see the header of $0 for how to build it)" >&2; exit 2; }
done
[ -x "$python" ] || { echo "run-blackbox: $python not found; run \`bash tests/setup.sh\`" >&2; exit 2; }

logs="$(mktemp -d "${TMPDIR:-/tmp}/devops-mcp-blackbox.XXXXXX")"
failed=()
started=$SECONDS

echo "== 1. Python MCP SDK suite (tests/python)"
(cd "$repo/tests/python" && "$python" -m pytest -q "$@") 2>&1 | tee "$logs/pytest.log"
[ "${PIPESTATUS[0]}" = 0 ] || failed+=(python)
pytest_summary="$(grep -E '^=* ?[0-9]+ (passed|failed|error)|^=+ .*(passed|failed|error).* =+$|^[0-9]+ (passed|failed)' "$logs/pytest.log" | tail -n 1)"

echo "== 3. MCP conformance suite (tests/conformance)"
CONFORMANCE_OUT="$logs/conformance" bash "$repo/tests/conformance/run.sh" 2>&1 | tee "$logs/conformance.log"
[ "${PIPESTATUS[0]}" = 0 ] || failed+=(conformance)

echo "== 4. MCP Inspector CLI (tests/inspector)"
bash "$repo/tests/inspector/run.sh" 2>&1 | tee "$logs/inspector.log"
[ "${PIPESTATUS[0]}" = 0 ] || failed+=(inspector)

echo
echo "== black-box summary ($((SECONDS - started)) s, logs in $logs)"
echo "python:      ${pytest_summary:-no pytest summary line (see $logs/pytest.log)}"
sed -n '/^conformance .* summary/,$p' "$logs/conformance.log" | sed 's/^/  /' | sed '1s/^  /conformance: /'
echo "inspector:   $(tail -n 1 "$logs/inspector.log")"
if [ ${#failed[@]} -gt 0 ]; then
  echo "black-box: FAILED: ${failed[*]}"
  exit 1
fi
echo "black-box: all suites passed"
