#!/bin/sh
# Installs the system packages Shrinkray needs, only those missing, on Debian/Ubuntu (as root).
#   sh scripts/setup.sh          ffmpeg/ffprobe (to run the service)
#   sh scripts/setup.sh --test   also mosquitto and chromium (to run the tests)
set -eu
want="ffmpeg"
[ "${1:-}" = "--test" ] && want="ffmpeg mosquitto chromium"
missing=""
for pkg in $want; do
  case "$pkg" in
    mosquitto) bin=mosquitto; [ -x /usr/sbin/mosquitto ] && continue ;;
    *) bin=$pkg ;;
  esac
  command -v "$bin" >/dev/null 2>&1 || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: please install:$missing (no apt-get here)" >&2
    exit 1
  fi
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Node.js 20 or newer: Debian 13 ships it (`nodejs`); Debian 12's is 18, too old.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing nodejs and npm (Node.js 20+ needed)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
fi
if [ "$(node_major)" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
# mosquitto's Debian package starts a system broker on 1883; the tests start their own on free ports.
echo "setup: ok ($(ffmpeg -version | head -n1 | cut -d' ' -f1-3), node $(node --version))"
