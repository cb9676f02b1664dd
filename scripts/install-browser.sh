#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (test/dev-browser.test.ts), driven by
# playwright-core, which downloads no browser of its own. Needs root (CI runs as root).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  /usr/bin/chromium --version
  exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
