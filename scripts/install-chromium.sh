#!/bin/sh
# Headless Chromium for the end-to-end browser tests (Debian's `chromium` package, driven
# by Playwright's Python API; never `playwright install`). A no-op when already installed.
# When it cannot install (no root/sudo, not Debian, no network) it says so and exits 0:
# the browser tests then report themselves as skipped instead of failing `make test`.
set -e
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"          # never wait for a password prompt
else
    echo "install-chromium: not root and no sudo; browser tests will be skipped." >&2
    echo "  Install it yourself: apt-get update && apt-get install -y chromium" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-chromium: no apt-get (not Debian/Ubuntu); browser tests will be skipped." >&2
    exit 0
fi
echo "install-chromium: installing Debian's chromium for the browser tests..." >&2
if ! $SUDO apt-get update -qq \
    || ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    echo "install-chromium: apt-get could not install chromium; browser tests will be skipped." >&2
    echo "  Install it yourself: apt-get update && apt-get install -y chromium" >&2
    exit 0
fi
