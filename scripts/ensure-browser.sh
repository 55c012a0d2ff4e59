#!/usr/bin/env bash
# The real-browser tests (tests/browser, marked `browser`) drive Debian's Chromium through
# Playwright. Install it (and CJK fonts, so pages render readable Chinese) when missing.
# Never `playwright install`: it downloads a browser build of its own.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "ensure-browser: /usr/bin/chromium missing and apt-get unavailable as root; browser tests will skip" >&2
    exit 0
fi
echo "==> installing chromium and fonts-noto-cjk (Debian packages) for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
