#!/usr/bin/env bash
# The Session under the proxy (issue 21), on a Release host with the shipped plugins and a loopback nginx origin:
#  1. saturation, then a graceful stop: every flow the proxy answered must be in the session file, and the writer's
#     queue (sampled through the web API's session.stats) must not sit at its capacity;
#  2. kill -9 under the same load: the file must pass PRAGMA integrity_check, and the flows answered but not found
#     must fit in the last flush window (session_flush_ms) plus one batch's commit.
# See bench/README.md, "The Session under the proxy".
#
# Environment:
#   DURATION=20        seconds of hey -z in the graceful run
#   KILL_AFTER=10      seconds of load before the kill -9
#   CONNECTIONS=16     hey -c
#   FLUSH_MS=200       session_flush_ms (the addon's default)
#   SKIP_BUILD=1       use the existing Release build of the host
#   KEEP_WORK=1        keep the work dir (logs, session files, hey outputs)
# Exit code: 0 when nothing was lost in the graceful run and the killed file is intact within its window, else 1.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
DURATION=${DURATION:-20}
KILL_AFTER=${KILL_AFTER:-10}
CONNECTIONS=${CONNECTIONS:-16}
FLUSH_MS=${FLUSH_MS:-200}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_WORK=${KEEP_WORK:-0}
ORIGIN_PORT=18180
HOST_PORT=18190
WEB_PORT=18191
HOST_DLL=$REPO_ROOT/host/addons-host/bin/Release/net10.0/addons-host.dll
BODY_SIZE=1024

log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../proxy/common.sh
source "$REPO_ROOT/bench/proxy/common.sh"

install_tools() {
    local -A package_of=([hey]=hey [nginx]=nginx [sqlite3]=sqlite3 [curl]=curl)
    local missing=() tool
    for tool in hey nginx sqlite3 curl; do
        command -v "$tool" >/dev/null 2>&1 || [[ $tool == nginx && -x /usr/sbin/nginx ]] || missing+=("${package_of[$tool]}")
    done
    if ((${#missing[@]} > 0)); then
        local sudo=()
        [[ $(id -u) -eq 0 ]] || sudo=(sudo)
        log "installing ${missing[*]}"
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
}

start_origin() {
    mkdir -p "$WORK/www" "$WORK/nginx-tmp"
    head -c $BODY_SIZE /dev/urandom >"$WORK/www/1k.bin"
    local user=''
    [[ $(id -u) -eq 0 ]] && user='user root;'
    cat >"$WORK/nginx.conf" <<EOF
$user
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path $WORK/nginx-tmp/proxy;
    fastcgi_temp_path $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx-tmp/uwsgi;
    scgi_temp_path $WORK/nginx-tmp/scgi;
    server { listen 127.0.0.1:$ORIGIN_PORT; root $WORK/www; }
}
EOF
    nginx -p "$WORK/" -e "$WORK/nginx.error.log" -c "$WORK/nginx.conf" >"$WORK/nginx.out" 2>&1 &
    PIDS+=($!)
    wait_port $ORIGIN_PORT $! nginx "$WORK/nginx.error.log" 20 || exit 1
}

# start_host NAME SESSION_FILE: the shipped plugins, flows persisted to SESSION_FILE; HOST_PID, TOKEN.
start_host() {
    local name=$1 session=$2 i
    dotnet "$HOST_DLL" --set listen_host=127.0.0.1 --set listen_port=$HOST_PORT --set "confdir=$WORK/conf" \
        --set web_port=$WEB_PORT --set "session_path=$session" --set session_flush_ms="$FLUSH_MS" --set flow_detail=0 \
        </dev/null >"$WORK/$name.log" 2>&1 &
    HOST_PID=$!
    PIDS+=($HOST_PID)
    for ((i = 0; ; i++)); do
        grep -q "listening at http://127.0.0.1:$HOST_PORT" "$WORK/$name.log" && grep -q 'token=' "$WORK/$name.log" && break
        kill -0 $HOST_PID 2>/dev/null || { tail -n 40 "$WORK/$name.log" >&2; die "$name exited before it was listening"; }
        ((i < 600)) || die "$name was not listening within 60 s"
        sleep 0.1
    done
    TOKEN=$(grep -o 'token=[A-Za-z0-9_-]*' "$WORK/$name.log" | head -n 1 | cut -d= -f2)
    local check
    check=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 -x "http://127.0.0.1:$HOST_PORT" "$URL") || true
    [[ $check == "200 $BODY_SIZE" ]] || die "$name: a request through the proxy answered '$check', expected '200 $BODY_SIZE'"
}

# sample_queue OUT: session.stats' queue depth every half second until killed.
sample_queue() {
    while true; do
        curl -sS --max-time 2 -X POST -H "Authorization: Bearer $TOKEN" -H 'X-Requested-With: addons-web' \
            -H 'Content-Type: application/json' -d '{"arguments": []}' \
            "http://127.0.0.1:$WEB_PORT/api/commands/session.stats" 2>/dev/null |
            grep -o 'queue depth [0-9]*' | awk '{print $3}' >>"$1" || true
        sleep 0.5
    done
}

# ok_count HEY_OUTPUT: the responses that were a 200 (the body size is checked by the caller through hey's average).
ok_count() {
    awk '/^Status code distribution:/ {s = 1; next} s && /^ *\[[0-9]+\]/ {gsub(/[][]/, "", $1); if ($1 == 200) n += $2} /^$/ {s = 0} END {print n + 0}' "$1"
}

rows_in() { sqlite3 "$1" 'SELECT count(*) FROM record'; }

install_tools
if [[ $SKIP_BUILD != 1 ]]; then
    log "building the host (Release)"
    (cd "$REPO_ROOT" && dotnet build host/addons-host -c Release -nologo -v q) >&2
fi
[[ -f $HOST_DLL ]] || die "$HOST_DLL not found (build the host, or drop SKIP_BUILD)"
for port in $ORIGIN_PORT $HOST_PORT $WEB_PORT; do
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/session-e2e.XXXXXX")
mkdir -p "$WORK/conf"
URL=http://127.0.0.1:$ORIGIN_PORT/1k.bin
start_origin
status=0

# --- 1. saturation and a graceful stop -------------------------------------------------------------------------
start_host graceful "$WORK/graceful.sqlite"
sample_queue "$WORK/queue.txt" &
SAMPLER=$!
PIDS+=($SAMPLER)
log "graceful: hey -z ${DURATION}s -c $CONNECTIONS through the host"
hey -z "${DURATION}s" -c "$CONNECTIONS" -x "http://127.0.0.1:$HOST_PORT" "$URL" >"$WORK/hey-graceful.txt" 2>&1 || true
kill $SAMPLER 2>/dev/null || true
kill -TERM $HOST_PID
wait $HOST_PID 2>/dev/null || true
answered=$(( $(ok_count "$WORK/hey-graceful.txt") + 1 ))   # + the check request
rate=$(awk '/Requests\/sec:/ {printf "%.0f", $2; exit}' "$WORK/hey-graceful.txt")
size=$(awk '/Size\/request:/ {print $2; exit}' "$WORK/hey-graceful.txt")
found=$(rows_in "$WORK/graceful.sqlite")
integrity=$(sqlite3 "$WORK/graceful.sqlite" 'PRAGMA integrity_check')
read -r qmax qmedian qsamples < <(sort -n "$WORK/queue.txt" | awk '{a[NR] = $1} END {print a[NR] + 0, a[int((NR + 1) / 2)] + 0, NR}')
lost=$(( answered > found ? answered - found : 0 ))
echo "graceful: $rate req/s for ${DURATION}s, $answered responses 200 ($size bytes each on average); $found flows in the session file after the stop ($((found - answered)) more than hey counted: requests in flight when hey stopped); lost $lost; integrity $integrity; queue depth over $qsamples samples: median $qmedian, max $qmax (capacity 8000)"
[[ $lost -eq 0 && $integrity == ok && $size == "$BODY_SIZE" ]] || status=1

# --- 2. kill -9 under load -------------------------------------------------------------------------------------
start_host killed "$WORK/killed.sqlite"
log "kill -9: hey -c $CONNECTIONS through the host, the host killed after ${KILL_AFTER}s"
hey -z "$((KILL_AFTER + 5))s" -c "$CONNECTIONS" -x "http://127.0.0.1:$HOST_PORT" "$URL" >"$WORK/hey-killed.txt" 2>&1 &
HEY=$!
sleep "$KILL_AFTER"
kill -KILL $HOST_PID
wait $HEY || true
answered=$(( $(ok_count "$WORK/hey-killed.txt") + 1 ))
rate=$(awk -v n="$answered" -v t="$KILL_AFTER" 'BEGIN {printf "%.0f", n / t}')
integrity=$(sqlite3 "$WORK/killed.sqlite" 'PRAGMA integrity_check' 2>&1)
found=$(rows_in "$WORK/killed.sqlite" 2>&1)
lost=$(( answered > found ? answered - found : 0 ))
window=$(awk -v r="$rate" -v f="$FLUSH_MS" 'BEGIN {printf "%.0f", r * f / 1000}')
echo "kill -9 after ${KILL_AFTER}s: $answered responses 200 (~$rate req/s); $found flows in the file; lost $lost = $(awk -v l="$lost" -v r="$rate" 'BEGIN {if (r > 0) printf "%.0f", 1000 * l / r; else print "?"}') ms of traffic (session_flush_ms $FLUSH_MS: ~$window flows); integrity $integrity"
[[ $integrity == ok ]] || status=1
# The window plus one batch's commit (up to 2,000 flows) may be lost; more means the promise does not hold.
(( lost <= window + 2000 )) || status=1
exit $status
