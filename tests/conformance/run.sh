#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance,
# pinned in tests/package.json, installed by tests/setup.sh with its own
# Node 22) against devops-mcp over Streamable HTTP.
#
#   conformance build (--features conformance: the suite's fixture tools,
#   resources and prompts), `--suite all`:
#     conformance-2025-11-25            stateful server, spec 2025-11-25
#     conformance-2026-07-28            stateful server, spec 2026-07-28
#     conformance-2026-07-28-stateless  --stateless server, spec 2026-07-28
#     conformance-skills-<version>      the three sep-2640 skills scenarios (--force)
#   real build (no fixtures), every scenario that needs none:
#     real-2025-11-25, real-2026-07-28  (REAL_SCENARIOS_* below, skills included)
#
# Every run passes its section of tests/conformance/expected-failures.yaml as
# --expected-failures, so any failure or warning not listed there, and any
# listed entry that now passes, fails the run. Exits non-zero when a run fails.
#
# Env: DEVOPS_MCP_BIN (real build; default $CARGO_TARGET_DIR/debug/devops-mcp
# or target/debug/devops-mcp), DEVOPS_MCP_CONFORMANCE_BIN (conformance build;
# default target/conformance/debug/devops-mcp), DEVOPS_MCP_TOOLS (tools dir,
# default .tools), CONFORMANCE_OUT (results dir, default a temp dir),
# CONFORMANCE_BASELINE (default tests/conformance/expected-failures.yaml),
# CONFORMANCE_RUNS (space-separated subset of the run names above).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tools="${DEVOPS_MCP_TOOLS:-$repo/.tools}"
node_modules="$tools/node/node_modules"
node="$node_modules/.bin/node"
cli="$node_modules/@modelcontextprotocol/conformance/dist/index.js"
baseline_file="${CONFORMANCE_BASELINE:-$here/expected-failures.yaml}"
pinned_version="0.2.0-alpha.12"

real_bin="${DEVOPS_MCP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/devops-mcp}"
conf_bin="${DEVOPS_MCP_CONFORMANCE_BIN:-$repo/target/conformance/debug/devops-mcp}"
all_runs="conformance-2025-11-25 conformance-2026-07-28 conformance-2026-07-28-stateless conformance-skills-2025-11-25 conformance-skills-2026-07-28 real-2025-11-25 real-2026-07-28"
runs="${CONFORMANCE_RUNS:-$all_runs}"

SKILLS_SCENARIOS="sep-2640-skills-directory sep-2640-skills-enumeration sep-2640-skills-manifest"
# Scenarios that use no fixture tool, resource or prompt (checked against each
# scenario's code in the suite): the real server must pass all of them.
REAL_SCENARIOS_2025="server-initialize server-session-lifecycle logging-set-level ping tools-list resources-list prompts-list completion-complete server-sse-multiple-streams dns-rebinding-protection"
REAL_SCENARIOS_2026="tools-list resources-list prompts-list completion-complete server-sse-multiple-streams sep-2164-resource-not-found dns-rebinding-protection caching http-header-validation input-required-result-unsupported-methods input-required-result-validate-input"

die() { echo "conformance: $*" >&2; exit 2; }

[ -x "$node" ] || die "Node 22 of the conformance suite not found at $node; run \`bash tests/setup.sh\`"
[ -f "$cli" ] || die "conformance suite not found at $cli; run \`bash tests/setup.sh\`"
case "$("$node" --version)" in v22.*) ;; *) die "the conformance suite needs Node 22, $node is $("$node" --version)";; esac
installed="$("$node" -p "require('$node_modules/@modelcontextprotocol/conformance/package.json').version")"
[ "$installed" = "$pinned_version" ] || die "conformance suite $installed installed, $pinned_version pinned; run \`bash tests/setup.sh\`"

out="${CONFORMANCE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/devops-mcp-conformance.XXXXXX")}"
mkdir -p "$out"
export NODE_MODULES="$node_modules"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

check_binary() { # BINARY WANT_FIXTURES(yes|no)
  local bin="$1" want="$2" listed
  [ -x "$bin" ] || die "binary $bin not found; build it (see the header of $0)"
  listed="$(env -i HOME="$HOME" PATH="$PATH" "$bin" --workspace "$out" tools --json 2>/dev/null)" || die "$bin tools --json failed"
  if grep -q '"test_simple_text"' <<<"$listed"; then
    [ "$want" = yes ] || die "$bin has the conformance fixtures; DEVOPS_MCP_BIN must be a normal build"
  else
    [ "$want" = no ] || die "$bin lacks the conformance fixtures; build it with --features conformance (CARGO_TARGET_DIR=target/conformance cargo build -p devops-mcp --features conformance)"
  fi
}

free_port() {
  "$node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_server NAME BINARY [SERVE FLAGS...]: sets $url; the server runs with a
# scrubbed environment in a fresh workspace and logs to $out/NAME.server.log.
start_server() {
  local name="$1" bin="$2"; shift 2
  local port workspace log
  port="$(free_port)"
  workspace="$out/$name.workspace"
  log="$out/$name.server.log"
  mkdir -p "$workspace"
  (cd "$workspace" && exec env -i HOME="$HOME" PATH="$PATH" NO_COLOR=1 \
    "$bin" --workspace "$workspace" serve --http "127.0.0.1:$port" "$@") >"$log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      url="http://127.0.0.1:$port/mcp"
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; die "server for $name exited before listening"; }
    sleep 0.05
  done
  die "server for $name did not listen on port $port"
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
}

failed_runs=()
summaries=()

# conformance RUN SPEC_VERSION ARGS...: one CLI invocation into $out/RUN.
conformance() {
  local run="$1" version="$2"; shift 2
  local log="$out/$run.log"
  echo "--- $run: conformance server --url $url --spec-version $version $*" >>"$log"
  if ! timeout 600 "$node" "$cli" server --url "$url" --spec-version "$version" \
      --expected-failures "$out/$run.expected.yaml" -o "$out/$run" "$@" >>"$log" 2>&1; then
    return 1
  fi
}

# run_one RUN: start the right server, run the run's scenarios, summarise.
run_one() {
  local run="$1" ok=1 scenario
  case "$run" in
    conformance-2025-11-25)
      start_server "$run" "$conf_bin"
      conformance "$run" 2025-11-25 --suite all || ok=0 ;;
    conformance-2026-07-28)
      start_server "$run" "$conf_bin"
      conformance "$run" 2026-07-28 --suite all || ok=0 ;;
    conformance-2026-07-28-stateless)
      start_server "$run" "$conf_bin" --stateless
      conformance "$run" 2026-07-28 --suite all || ok=0 ;;
    conformance-skills-2025-11-25|conformance-skills-2026-07-28)
      start_server "$run" "$conf_bin"
      for scenario in $SKILLS_SCENARIOS; do
        conformance "$run" "${run##*skills-}" --scenario "$scenario" --force || ok=0
      done ;;
    real-2025-11-25|real-2026-07-28)
      local version="${run#real-}" list
      if [ "$version" = 2025-11-25 ]; then list="$REAL_SCENARIOS_2025"; else list="$REAL_SCENARIOS_2026"; fi
      start_server "$run" "$real_bin"
      for scenario in $list; do
        conformance "$run" "$version" --scenario "$scenario" || ok=0
      done
      for scenario in $SKILLS_SCENARIOS; do
        conformance "$run" "$version" --scenario "$scenario" --force || ok=0
      done ;;
    *) die "unknown run $run; runs: $all_runs" ;;
  esac
  kill -0 "$server_pid" 2>/dev/null || { ok=0; echo "  $run: the server died during the run (see $out/$run.server.log)" >&2; }
  stop_server
  summaries+=("$("$node" "$here/report.mjs" summary "$out/$run" "$run" "$baseline_file" 2>&1 || true)")
  if [ "$ok" = 0 ]; then
    failed_runs+=("$run")
    summaries+=("    (CLI verdict for $run: see $out/$run.log)")
    sed 's/\x1b\[[0-9;]*m//g' "$out/$run.log" \
      | awk '/Unexpected failures \(not in baseline\)|Stale baseline entries/ {p = 1; print; next}
             p && /^ +[✗✓]/ {print; next} {p = 0}' \
      | awk '!seen[$0]++' | sed 's/^/    /' | head -40 >"$out/$run.verdict" || true
    [ -s "$out/$run.verdict" ] && summaries+=("$(cat "$out/$run.verdict")")
  fi
}

for run in $runs; do
  case " $all_runs " in *" $run "*) ;; *) die "unknown run $run; runs: $all_runs" ;; esac
  case "$run" in
    conformance-*) check_binary "$conf_bin" yes ;;
    real-*) check_binary "$real_bin" no ;;
  esac
  # Validates the whole file (every entry needs a reason) and writes this run's list.
  "$node" "$here/report.mjs" baseline "$baseline_file" "$run" "$out/$run.expected.yaml" || exit 2
done
for run in $runs; do
  run_one "$run"
done

echo "conformance $pinned_version summary (results in $out):"
printf '%s\n' "${summaries[@]}"
if [ ${#failed_runs[@]} -gt 0 ]; then
  echo "conformance: FAILED runs: ${failed_runs[*]}"
  exit 1
fi
echo "conformance: all runs passed (failures only where expected-failures.yaml says why)"
