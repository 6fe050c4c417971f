#!/bin/sh
# PostgreSQL for the registry tests (Debian's `postgresql` package). The tests start a
# throwaway cluster of their own on a free local port and stop it; nothing is started
# here. A no-op when PostgreSQL is already installed.
# When it cannot install (no root/sudo, not Debian, no network) it says so and exits 0:
# the PostgreSQL tests then report themselves as skipped (and fail under CI=1).
set -e
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"          # never wait for a password prompt
else
    echo "install-postgres: not root and no sudo; PostgreSQL tests will be skipped." >&2
    echo "  Install it yourself: apt-get update && apt-get install -y postgresql" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-postgres: no apt-get (not Debian/Ubuntu); PostgreSQL tests will be skipped." >&2
    exit 0
fi
echo "install-postgres: installing Debian's postgresql for the registry tests..." >&2
if ! $SUDO apt-get update -qq \
    || ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; then
    echo "install-postgres: apt-get could not install postgresql; its tests will be skipped." >&2
    echo "  Install it yourself: apt-get update && apt-get install -y postgresql" >&2
    exit 0
fi
# Debian starts a system cluster on install; the tests use their own, so stop it.
$SUDO service postgresql stop >/dev/null 2>&1 || true
