#!/usr/bin/env bash
# Installs the Fetch runtimes the runtime tests (test/runtimes.test.ts) run the root
# entry on: Bun, Deno and workerd (through miniflare). All three come from npm, each
# binary in an optional per-platform package, into .runtimes/ rather than the
# project's node_modules, so a plain `npm install` stays light.
#
#   bash scripts/install-runtimes.sh            install (a no-op when already there)
#   SWITCHYARD_RUNTIMES_DIR=dir bash ...        install elsewhere (the tests read it too)
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: bump these together with a run of `node --import tsx --test test/runtimes.test.ts`.
BUN=1.4.5
DENO=2.9.6
MINIFLARE=4.20260730.0

dir="${SWITCHYARD_RUNTIMES_DIR:-.runtimes}"
mkdir -p "$dir"
stamp="$dir/node_modules/.switchyard-runtimes"
want="bun@$BUN deno@$DENO miniflare@$MINIFLARE"

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  # --prefix with no package.json of its own: nothing is saved, and the project's
  # package.json and lockfile are left alone. miniflare 4 declares node >=22 but
  # runs on Node 20 for what the tests use: the engine warning is expected.
  # shellcheck disable=SC2086
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" $want
  echo "$want" >"$stamp"
fi

bin="$dir/node_modules/.bin"
echo "bun $("$bin/bun" --version)"
"$bin/deno" --version | sed -n 1p # not head: see install-balancers.sh
echo "workerd $("$bin/workerd" --version | sed 's/^workerd //')"
echo "miniflare $MINIFLARE"
