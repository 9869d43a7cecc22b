#!/usr/bin/env bash
# Makes chromium-156-headless.har: Debian's headless Chromium loads chromium-site/index.html from a loopback server
# (a page, a script, an image, a fetch of JSON, a POST the static server answers 501, the favicon's 404), and
# chrome-har-capturer (npm) records the HAR over the DevTools protocol. Run it to refresh the fixture.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
command -v chromium >/dev/null || apt-get install -y -q --no-install-recommends chromium
(cd chromium-site && python3 -m http.server 18790 --bind 127.0.0.1 >/dev/null 2>&1) &
chromium --headless=new --no-sandbox --disable-gpu --remote-debugging-port=9333 --user-data-dir="$work/profile" about:blank >/dev/null 2>&1 &
(cd "$work" && npm install --silent chrome-har-capturer@0.14.4)
sleep 3
"$work/node_modules/.bin/chrome-har-capturer" --port 9333 --content --grace 1000 --output chromium-156-headless.har http://127.0.0.1:18790/index.html
