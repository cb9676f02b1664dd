#!/usr/bin/env bash
# Installs Debian's nginx and HAProxy for the deploy test (npm run test:deploy), which starts
# them itself on loopback ports with configurations of its own: the packages' system-wide
# services are not needed, and a policy-rc.d keeps the install from starting them.
# Idempotent; runs as root, or through sudo otherwise.
set -euo pipefail
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
if have nginx && have haproxy; then
  echo "nginx and haproxy already installed"
else
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  # A policy-rc.d that refuses keeps the packages' postinst from starting the services.
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod +x "$policy"
    own_policy=true
  fi
  trap '[ "$own_policy" = true ] && "${SUDO[@]}" rm -f "$policy"' EXIT
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    nginx haproxy >/dev/null
fi
PATH="$PATH:/usr/sbin"
nginx -v 2>&1
# sed reads to the end: head would close the pipe early, and pipefail turns SIGPIPE into exit 141.
haproxy -v | sed -n 1p
