#!/bin/sh
# Headless Chromium for the end-to-end browser tests (Debian's `chromium` package, driven
# by Playwright's Python API; never `playwright install`). A no-op when already installed.
set -e
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
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
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
