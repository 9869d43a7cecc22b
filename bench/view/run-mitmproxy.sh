#!/usr/bin/env bash
# Runs mitmproxy_view_bench.py (the View addon of mitmproxy itself) with the system Python, which is where Debian's
# mitmproxy package puts its modules (/usr/lib/python3/dist-packages); a pyenv python3 on PATH would lack them.
# Installs the package with apt-get when it is missing (as root, or through sudo). Arguments are passed through:
#   bench/view/run-mitmproxy.sh [--flows N] [--seed S] [--json]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python=/usr/bin/python3

if ! "$python" -c 'import mitmproxy.addons.view' >/dev/null 2>&1; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "mitmproxy is missing and this is not root (no sudo)" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "installing mitmproxy with apt-get" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq mitmproxy >&2
fi

exec "$python" "$here/mitmproxy_view_bench.py" "$@"
