#!/bin/sh
# Install Debian's Chromium for the browser tests (tests marked `browser`). Idempotent.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "setup-browser: $CHROMIUM present"
    exit 0
fi

if [ "$(id -u)" = "0" ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "setup-browser: $CHROMIUM is missing and cannot be installed (not root, no sudo)." >&2
    echo "setup-browser: run 'sudo apt-get install -y chromium'; browser tests will be skipped." >&2
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-browser: no apt-get here; install Chromium at $CHROMIUM by hand." >&2
    echo "setup-browser: browser tests will be skipped until then." >&2
    exit 0
fi

echo "setup-browser: installing chromium with apt-get"
if ! { $SUDO apt-get update && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; then
    echo "setup-browser: apt-get could not install chromium; browser tests will be skipped." >&2
    exit 0
fi
echo "setup-browser: installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
