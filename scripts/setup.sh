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
# mosquitto's Debian package starts a system broker on 1883; the tests start their own on free ports.
echo "setup: ok ($(ffmpeg -version | head -n1 | cut -d' ' -f1-3))"
