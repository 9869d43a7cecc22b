#!/usr/bin/env bash
# Proxy throughput of two revisions of the host, side by side in one run: each revision is checked out in a git
# worktree under a temporary dir, built in Release, and measured with hey (plain HTTP through the proxy, 1 KB
# responses from a loopback nginx), the two builds alternating A B A B ... so that the machine's drift hits both.
# See bench/README.md.
#
# Usage: bench/proxy/compare-revisions.sh [BASE [HEAD]]      (defaults: b640080 and HEAD)
#
# Environment:
#   DURATION=10s      hey -z of each measured run
#   WARMUP=5s         hey -z of the unmeasured warm-up run right before it, on the same fresh host (0 skips it)
#   ROUNDS=5          measured runs of each revision per configuration (A B A B ...)
#   CONNECTIONS=16    hey -c (concurrent keep-alive connections)
#   COUNTERS=auto     0: skip configuration (c), the one with dotnet-counters attached
#   WAIT_FOR_TESTS=1  before measuring and between runs, wait while `pgrep -f testhost` or `pgrep -f "dotnet test"`
#                     finds a process (0: do not wait)
#   WAIT_MAX=1800     ... for at most this many seconds, then measure anyway (and say so)
#   ORIGIN_PORT=18180 the nginx origin's port; HOST_PORT=18190: the first host's port (each start takes the next)
#   NGINX_WORKERS     worker_processes of the origin (default auto)
#   OUT=path          also write the report (Markdown) to this file
#   KEEP_WORK=1       keep the temporary dir (worktrees, logs, every hey output) instead of deleting it
# Exit code: 0 when every run answered only 200s of 1024 bytes without errors, 1 otherwise (the table is printed
# either way, failed runs are left out of the medians and counted in its last column).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

BASE_REV=${1:-${BASE:-b640080}}
HEAD_REV=${2:-HEAD}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-5}
CONNECTIONS=${CONNECTIONS:-16}
COUNTERS=${COUNTERS:-auto}
WAIT_FOR_TESTS=${WAIT_FOR_TESTS:-1}
WAIT_MAX=${WAIT_MAX:-1800}
ORIGIN_PORT=${ORIGIN_PORT:-18180}
HOST_PORT=${HOST_PORT:-18190}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
OUT=${OUT:-}
KEEP_WORK=${KEEP_WORK:-0}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

log() { printf '[compare] %s\n' "$*" >&2; }
die() { printf '[compare] error: %s\n' "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------------------------------------------
install_tools() {
    local missing=() tool
    for tool in hey nginx curl; do
        command -v "$tool" >/dev/null 2>&1 || [[ $tool == nginx && -x /usr/sbin/nginx ]] || missing+=("$tool")
    done
    if ((${#missing[@]} > 0)); then
        local sudo=()
        if [[ $(id -u) -ne 0 ]]; then
            command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]} and not root (no sudo) to install them"
            sudo=(sudo)
        fi
        log "installing ${missing[*]}"
        "${sudo[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    for tool in hey nginx curl dotnet git; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is not available"
    done
}

# --- processes, worktrees and cleanup --------------------------------------------------------------------------
PIDS=()
WORKTREES=()
WORK=
stop_pid() { # stop_pid PID SIGNAL: signal, wait up to 15 s, then kill
    local pid=$1 sig=${2:-TERM} i
    kill -"$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local status=$? pid wt
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && stop_pid "$pid" TERM
    done
    for wt in "${WORKTREES[@]}"; do
        git -C "$REPO_ROOT" worktree remove --force "$wt" >/dev/null 2>&1 || true
    done
    ((${#WORKTREES[@]} > 0)) && git -C "$REPO_ROOT" worktree prune >/dev/null 2>&1 || true
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP_WORK == 1 ]]; then log "work dir kept: $WORK (worktrees removed)"; else rm -rf "$WORK"; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT PID NAME LOG [TIMEOUT_S]
wait_port() {
    local port=$1 pid=$2 name=$3 logfile=$4 timeout=${5:-60} i
    for ((i = 0; i < timeout * 10; i++)); do
        port_open "$port" && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$logfile" >&2 || true
            log "$name exited before port $port accepted connections"
            return 1
        fi
        sleep 0.1
    done
    tail -n 30 "$logfile" >&2 || true
    log "$name: port $port did not accept connections within ${timeout}s"
    return 1
}

# busy_percent: how busy the CPUs are over one second (taken while every process of the benchmark is idle).
busy_percent() {
    local a b
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat)
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2];
        if (t > 0) printf "%.0f", 100 * (t - i) / t; else print "?" }'
}

median() { # median VALUE...: the middle one (the mean of the two middle ones for an even count); n/a for none
    (($# > 0)) || { echo n/a; return; }
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }'; }
fmt0() { [[ $1 == n/a ]] && echo n/a || printf '%.0f' "$1"; }
fmt2() { [[ $1 == n/a ]] && echo n/a || printf '%.2f' "$1"; }

# --- main: revisions, worktrees, builds ------------------------------------------------------------------------
install_tools
BASE_SHA=$(git -C "$REPO_ROOT" rev-parse --verify "$BASE_REV^{commit}") || die "unknown revision $BASE_REV"
HEAD_SHA=$(git -C "$REPO_ROOT" rev-parse --verify "$HEAD_REV^{commit}") || die "unknown revision $HEAD_REV"
BASE_SHORT=$(git -C "$REPO_ROOT" rev-parse --short "$BASE_SHA")
HEAD_SHORT=$(git -C "$REPO_ROOT" rev-parse --short "$HEAD_SHA")
[[ $HEAD_REV == HEAD ]] && ! git -C "$REPO_ROOT" diff --quiet HEAD 2>/dev/null &&
    log "note: the working tree has uncommitted changes; they are not measured (the worktree is the commit $HEAD_SHORT)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxy-compare.XXXXXX")
log "work dir $WORK"
mkdir -p "$WORK/www" "$WORK/tmp" "$WORK/nginx-tmp"
# The host's and dotnet-counters' diagnostic sockets and any other temporary file go under the work dir too.
export TMPDIR=$WORK/tmp

declare -A DLL
for rev in base head; do
    sha=$BASE_SHA
    [[ $rev == head ]] && sha=$HEAD_SHA
    wt=$WORK/src-$rev
    git -C "$REPO_ROOT" worktree add --detach -q "$wt" "$sha" || die "git worktree add $sha failed"
    WORKTREES+=("$wt")
    log "building $rev ($(git -C "$wt" rev-parse --short HEAD)) in Release"
    start=$SECONDS
    if ! (cd "$wt" && dotnet build host/addons-host -c Release -nologo -v q --disable-build-servers) >"$WORK/build-$rev.log" 2>&1; then
        tail -n 40 "$WORK/build-$rev.log" >&2
        die "the build of $rev failed"
    fi
    log "built $rev in $((SECONDS - start)) s"
    DLL[$rev]=$wt/host/addons-host/bin/Release/net10.0/addons-host.dll
    [[ -f ${DLL[$rev]} ]] || die "${DLL[$rev]} not found after the build"
done

# dotnet-counters as a local tool, for configuration (c).
COUNTERS_NOTE=
if [[ $COUNTERS == 0 ]]; then
    COUNTERS_NOTE="skipped (COUNTERS=0)"
elif dotnet tool install dotnet-counters --tool-path "$WORK/tools" >"$WORK/counters-install.log" 2>&1 &&
    [[ -x $WORK/tools/dotnet-counters ]]; then
    log "dotnet-counters $("$WORK/tools/dotnet-counters" --version 2>/dev/null | head -n 1) installed"
else
    tail -n 5 "$WORK/counters-install.log" >&2 || true
    COUNTERS_NOTE="skipped: dotnet-counters could not be installed (dotnet tool install failed)"
    log "configuration (c) $COUNTERS_NOTE"
fi

# --- origin ----------------------------------------------------------------------------------------------------
head -c 1024 /dev/urandom >"$WORK/www/1k.bin"
printf '{"Addons": {}}\n' >"$WORK/plugins-empty.json"
user_directive=''
[[ $(id -u) -eq 0 ]] && user_directive='user root;' # the workers must read the private work dir
# The origin of run.sh (nginx-origin.conf.in), plain HTTP only.
cat >"$WORK/nginx-origin.conf" <<EOF
$user_directive
worker_processes $NGINX_WORKERS;
pid $WORK/nginx-origin.pid;
error_log $WORK/nginx-origin.error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/octet-stream;
    sendfile on;
    tcp_nodelay on;
    etag off;
    keepalive_timeout 65s;
    keepalive_requests 100000;
    client_body_temp_path $WORK/nginx-tmp/body;
    proxy_temp_path       $WORK/nginx-tmp/proxy;
    fastcgi_temp_path     $WORK/nginx-tmp/fastcgi;
    uwsgi_temp_path       $WORK/nginx-tmp/uwsgi;
    scgi_temp_path        $WORK/nginx-tmp/scgi;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        server_name localhost;
        root $WORK/www;
        location / { }
    }
}
EOF
port_open "$ORIGIN_PORT" && die "port $ORIGIN_PORT on 127.0.0.1 is already in use"
nginx -t -q -p "$WORK/" -e "$WORK/nginx-origin.error.log" -c "$WORK/nginx-origin.conf" || die "invalid nginx config"
nginx -p "$WORK/" -e "$WORK/nginx-origin.error.log" -c "$WORK/nginx-origin.conf" >"$WORK/nginx-origin.out" 2>&1 &
ORIGIN_PID=$!
PIDS+=($ORIGIN_PID)
wait_port "$ORIGIN_PORT" $ORIGIN_PID nginx-origin "$WORK/nginx-origin.error.log" 20 || die "the origin did not start"
URL=http://127.0.0.1:$ORIGIN_PORT/1k.bin
[[ $(curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 "$URL") == "200 1024" ]] ||
    die "the origin does not answer 200 with 1024 bytes"

# --- measuring -------------------------------------------------------------------------------------------------
CONFIGS=(a b)
[[ -z $COUNTERS_NOTE ]] && CONFIGS+=(c)
declare -A CONFIG_NAME=(
    [a]="(a) shipped plugins.json (View, Session, StreamTester), -q, session_path"
    [b]='(b) empty plugins.json `{"Addons": {}}`, -q'
    [c]="(c) as (a), dotnet-counters collecting Addons.Host"
)
declare -A RPS_LIST P99_LIST FAILS COUNTER_ROWS
NEXT_PORT=$HOST_PORT
RUN=0

# measure CONFIG REV ROUND: a fresh host, a warm-up, one measured hey run; appends to RPS_LIST/P99_LIST or FAILS.
measure() {
    local config=$1 rev=$2 round=$3 port name args=() host_pid counters_pid= out ok=1 reason=
    RUN=$((RUN + 1))
    port=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    while port_open "$port"; do port=$NEXT_PORT; NEXT_PORT=$((NEXT_PORT + 1)); done
    name=$config-$rev-$round
    args=(-q --set listen_host=127.0.0.1 --set "listen_port=$port" --set "confdir=$WORK/conf-$rev")
    case $config in
    a | c) args+=(--set "session_path=$WORK/session-$name.sqlite") ;;
    b) args+=(--plugins "$WORK/plugins-empty.json") ;;
    esac
    dotnet "${DLL[$rev]}" "${args[@]}" </dev/null >"$WORK/host-$name.log" 2>&1 &
    host_pid=$!
    PIDS+=($host_pid)
    if ! wait_port "$port" $host_pid "host $rev" "$WORK/host-$name.log" 60; then
        ok=0 reason="the host did not start"
    elif [[ $(curl -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 -x "http://127.0.0.1:$port" "$URL" 2>&1) != "200 1024" ]]; then
        ok=0 reason="the sanity request did not answer 200 with 1024 bytes"
    fi
    if ((ok)) && [[ $config == c ]]; then
        "$WORK/tools/dotnet-counters" collect --process-id $host_pid --counters Addons.Host --refresh-interval 1 \
            --format csv --output "$WORK/counters-$name.csv" </dev/null >"$WORK/counters-$name.log" 2>&1 &
        counters_pid=$!
        PIDS+=($counters_pid)
        sleep 2 # let it attach; the warm-up follows anyway
        kill -0 $counters_pid 2>/dev/null || { ok=0 reason="dotnet-counters exited: $(tail -n 3 "$WORK/counters-$name.log" | tr '\n' ' ')"; }
    fi
    out=$WORK/hey-$name.txt
    if ((ok)); then
        [[ $WARMUP != 0 && $WARMUP != 0s ]] &&
            { hey -z "$WARMUP" -c "$CONNECTIONS" -x "http://127.0.0.1:$port" "$URL" >"$WORK/hey-$name.warmup.txt" 2>&1 || true; }
        hey -z "$DURATION" -c "$CONNECTIONS" -x "http://127.0.0.1:$port" "$URL" >"$out" 2>&1 || true
        kill -0 $host_pid 2>/dev/null || { ok=0 reason="the host exited during the run"; }
    fi
    if [[ -n $counters_pid ]]; then
        stop_pid $counters_pid TERM # a background job of a script ignores SIGINT
        local rows=0
        [[ -f $WORK/counters-$name.csv ]] && rows=$(grep -c 'Addons\.Host' "$WORK/counters-$name.csv" || true)
        COUNTER_ROWS[$rev]=$((${COUNTER_ROWS[$rev]:-0} + rows))
    fi
    stop_pid $host_pid TERM
    rm -f "$WORK/session-$name.sqlite"*

    local rps= p99= codes= size= errors=0
    if ((ok)); then
        rps=$(awk '/Requests\/sec:/ {print $2; exit}' "$out")
        p99=$(awk '/99% in/ {printf "%.2f", $3 * 1000; exit}' "$out")
        size=$(awk '/Size\/request:/ {print $2; exit}' "$out")
        # "Status code distribution:" lines look like "  [200]	8336 responses"; every code must be 200.
        codes=$(awk '/^Status code distribution:/ {s = 1; next} s && /^ *\[[0-9]+\]/ {print $1} /^$/ {s = 0}' "$out" | sort -u | tr '\n' ' ')
        # "Error distribution:" lines look like "  [12]	Get "http://...": EOF".
        errors=$(awk '/^Error distribution:/ {s = 1; next} s && /^ *\[[0-9]+\]/ {gsub(/[][]/, "", $1); n += $1} END {print n + 0}' "$out")
        if [[ -z $rps || $codes != "[200] " || $size != 1024 || $errors -ne 0 ]]; then
            ok=0 reason="status codes '${codes% }', size/request '${size:-none}', $errors errors"
        fi
    fi
    if ((ok)); then
        RPS_LIST[$config-$rev]+="$rps "
        P99_LIST[$config-$rev]+="$p99 "
        log "run $RUN: ($config) $rev round $round: $rps req/s, p99 $p99 ms"
    else
        FAILS[$config-$rev]=$((${FAILS[$config-$rev]:-0} + 1))
        log "run $RUN: ($config) $rev round $round FAILED: $reason"
        [[ -f $out ]] && sed -n '/^Summary:/,/^  Requests\/sec:/p; /^Status code distribution:/,$p' "$out" >&2
        tail -n 20 "$WORK/host-$name.log" >&2 || true
    fi
}

# wait_for_tests: while a test run of the repository (or any other) is going on, wait; it takes the CPU.
WAITED=0
wait_for_tests() {
    [[ $WAIT_FOR_TESTS == 1 ]] || return 0
    local waited=0
    while pgrep -f testhost >/dev/null || pgrep -f "dotnet test" >/dev/null; do
        ((waited % 60 == 0)) && log "a test run is using the CPU (pgrep -f testhost / \"dotnet test\"); waiting (${waited}s so far)"
        if ((WAITED + waited >= WAIT_MAX)); then
            log "warning: still a test run after ${WAIT_MAX}s of waiting in all; measuring anyway"
            break
        fi
        sleep 5
        waited=$((waited + 5))
    done
    ((waited > 0)) && log "waited ${waited}s for the test run to end"
    WAITED=$((WAITED + waited))
    return 0
}

wait_for_tests
BUSY_BEFORE=$(busy_percent)
awk -v b="$BUSY_BEFORE" 'BEGIN { exit !(b + 0 > 10) }' &&
    log "warning: with every benchmark process idle the CPUs are still ${BUSY_BEFORE}% busy; other processes skew the numbers"
MEASURE_START=$SECONDS
WAITED=0
log "measuring: ${#CONFIGS[@]} configurations x $ROUNDS rounds x (base, head), each a fresh host, warm-up $WARMUP, hey -z $DURATION -c $CONNECTIONS"
for config in "${CONFIGS[@]}"; do
    for ((round = 1; round <= ROUNDS; round++)); do
        wait_for_tests # between runs too: a test run started meanwhile pauses the measurements
        measure "$config" base "$round"
        wait_for_tests
        measure "$config" head "$round"
    done
done
MEASURE_SECONDS=$((SECONDS - MEASURE_START - WAITED))
BUSY_AFTER=$(busy_percent)

# --- report ----------------------------------------------------------------------------------------------------
report() {
    echo "base $BASE_SHORT ($BASE_REV), head $HEAD_SHORT ($HEAD_REV); $(nproc) cores; plain HTTP through the proxy;" \
        "hey -z $DURATION -c $CONNECTIONS (keep-alive) after a $WARMUP warm-up on a fresh host, $ROUNDS rounds alternating" \
        "base/head; 1024-byte responses from nginx $(nginx -v 2>&1 | sed 's#.*/##') (worker_processes $NGINX_WORKERS);" \
        "dotnet $(dotnet --version 2>/dev/null); CPU use by other processes ${BUSY_BEFORE}% before, ${BUSY_AFTER}% after;" \
        "measuring took ${MEASURE_SECONDS}s$( ((WAITED > 0)) && echo ", after pausing ${WAITED}s for test runs started meanwhile")"
    echo
    echo "| configuration | base req/s | head req/s | head/base req/s | base p99 ms | head p99 ms | head/base p99 | failed runs |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    local config br hr bp hp
    for config in "${CONFIGS[@]}"; do
        # shellcheck disable=SC2086 # the lists are space-separated numbers
        br=$(median ${RPS_LIST[$config-base]:-})
        # shellcheck disable=SC2086
        hr=$(median ${RPS_LIST[$config-head]:-})
        # shellcheck disable=SC2086
        bp=$(median ${P99_LIST[$config-base]:-})
        # shellcheck disable=SC2086
        hp=$(median ${P99_LIST[$config-head]:-})
        printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "${CONFIG_NAME[$config]}" "$(fmt0 "$br")" "$(fmt0 "$hr")" \
            "$(ratio "$hr" "$br")" "$(fmt2 "$bp")" "$(fmt2 "$hp")" "$(ratio "$hp" "$bp")" \
            "$((${FAILS[$config-base]:-0} + ${FAILS[$config-head]:-0}))"
    done
    [[ -n $COUNTERS_NOTE ]] && printf '| %s | %s |||||||\n' "${CONFIG_NAME[c]}" "$COUNTERS_NOTE"
    echo
    echo "Medians of the rounds; every round's req/s, in the order run:"
    echo
    for config in "${CONFIGS[@]}"; do
        echo "- ($config) base: ${RPS_LIST[$config-base]:-none}; head: ${RPS_LIST[$config-head]:-none}"
    done
    if [[ -z $COUNTERS_NOTE ]]; then
        echo "- (c) Addons.Host lines in dotnet-counters' CSV, all rounds: base ${COUNTER_ROWS[base]:-0}, head ${COUNTER_ROWS[head]:-0}"
    fi
}
REPORT=$(report)
echo "$REPORT"
if [[ -n $OUT ]]; then
    printf '%s\n' "$REPORT" >"$OUT"
    log "report written to $OUT"
fi

failed=0
for key in "${!FAILS[@]}"; do
    ((${FAILS[$key]} > 0)) && failed=1
done
exit $failed
