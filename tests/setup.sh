#!/usr/bin/env bash
# Installs every external tool the tests use into the project's tools dir
# (default: <repo>/.tools, override with DEVOPS_MCP_TOOLS). Idempotent: a
# second run only checks that the pinned versions are in place.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="${DEVOPS_MCP_TOOLS:-$repo/.tools}"
mkdir -p "$tools/bin"

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

# venv NAME REQUIREMENTS [EXTRA PIP ARGS...]: one venv per tool family, because
# semgrep and checkov pin conflicting dependencies.
venv() {
  local name="$1" req="$2"; shift 2
  local dir="$tools/$name" want
  want="$(stamp "$req")"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ]; then return; fi
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" > "$dir/.stamp"
}

venv venv "$repo/tests/requirements.txt"
venv venv-semgrep "$repo/tests/requirements-scanners.txt"
venv venv-checkov "$repo/tests/requirements-checkov.txt"
# checkov 3.3 ships pycep-parser 0.5, which cannot parse modern Bicep
# (user-defined types, `existing`, safe dereference); 0.7.1 can.
if ! "$tools/venv-checkov/bin/pip" show pycep-parser 2>/dev/null | grep -q '^Version: 0.7.1$'; then
  "$tools/venv-checkov/bin/pip" install --quiet --disable-pip-version-check --no-deps pycep-parser==0.7.1
fi
for exe in venv/bin/zizmor venv/bin/actionlint venv-semgrep/bin/semgrep venv-semgrep/bin/pysemgrep venv-checkov/bin/checkov; do
  [ -e "$tools/$exe" ] && ln -sf "$tools/$exe" "$tools/bin/$(basename "$exe")"
done

# Node tools (conformance suite, inspector, Microsoft's KQL parser, GitHub's OpenAPI).
want="$(stamp "$repo/tests/package.json" "$repo/tests/package-lock.json")"
if [ ! -f "$tools/node/.stamp" ] || [ "$(cat "$tools/node/.stamp")" != "$want" ]; then
  rm -rf "$tools/node" && mkdir -p "$tools/node"
  cp "$repo/tests/package.json" "$repo/tests/package-lock.json" "$tools/node/"
  # `npm ci` rejects this lock file (npm 11 omits an optional Windows-only
  # package from it), so install from the lock with `npm install`.
  (cd "$tools/node" && npm install --no-audit --no-fund --loglevel=error)
  echo "$want" > "$tools/node/.stamp"
fi

# Debian tools: the reference age CLI, wrk for the HTTP benchmark.
missing=()
command -v age >/dev/null || missing+=(age)
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
echo "setup: tools ready in $tools"
