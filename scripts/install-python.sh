#!/usr/bin/env bash
# Installs Debian's python3-flask and python3-django for the tests with real Python peers
# (test/upstream-python.test.ts, test/polyglot.test.ts) and the polyglot demo, which run
# /usr/bin/python3: Debian's own, whatever python3 comes first on PATH.
# Idempotent; runs as root, or through sudo otherwise.
set -euo pipefail
PYTHON=/usr/bin/python3
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import flask, django' 2>/dev/null; then
  echo "flask and django already importable by $PYTHON"
else
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3 python3-flask python3-django >/dev/null
fi
"$PYTHON" -c 'from importlib.metadata import version as v; print(*(f"{p} {v(p)}" for p in ("flask", "werkzeug", "django")))'
