#!/usr/bin/env bash
# HTTP/2 proxy throughput: h2load (100 streams over 10 connections) against three reverse proxies in front of the
# same loopback nginx origin (1 KB responses, HTTP/1.1 upstream): nginx, mitmdump 8.1.1 and this host. Each one
# terminates h2load's TLS with ALPN h2 (TLS=1), or takes h2c with prior knowledge (TLS=0). See bench/README.md.
#
# Environment:
#   TLS=1               1: https:// with ALPN h2 to every target; 0: cleartext h2c (prior knowledge)
#   TARGETS             which targets, in this order (default "nginx mitmdump host"; with TLS=0 "nginx host":
#                       add mitmdump to try its h2c)
#   DURATION=10s        h2load -D of each measured run (the main duration)
#   WARMUP=5s           h2load --warm-up-time before it, on the same connections (0 skips it)
#   REQUESTS            h2load -n REQUESTS instead of -D DURATION (the warm-up is then a separate -D WARMUP run)
#   CONNECTIONS=10      h2load -c
#   STREAMS=10          h2load -m (concurrent streams per connection)
#   THREADS=1           h2load -t
#   HOST_PLUGINS=shipped  shipped: the host loads plugins.json's shipped plugins (View, Session, StreamTester, Web);
#                       empty: an empty plugins.json (`{"Addons": {}}`), the engine and built-in addons alone
#   SKIP_BUILD=1        use the existing Release build of the host
#   OUT=path            also write the table (Markdown) to this file
#   KEEP_WORK=1         keep the temporary work dir (configs, logs, h2load outputs) instead of deleting it
#   NGINX_WORKERS       worker_processes of both nginx instances (default auto)
#   WAIT_FOR_TESTS=1    before measuring and between targets, wait while `pgrep -f testhost`, `pgrep -f "dotnet test"`
#                       or `pgrep -f "dotnet build"` finds a process (0: do not wait)
#   WAIT_MAX=1800       ... for at most this many seconds in all, then measure anyway (and say so)
#   ORIGIN_PORT=18280 NGINX_H2_PORT=18281 MITM_PORT=18282 HOST_PORT=18283   ports on 127.0.0.1 (must be free)
# Exit code: 0 when every target answered only 200s of 1024 bytes over HTTP/2 without errors, 1 otherwise (the
# table is printed either way; a target that could not start or failed its check is a FAIL row, not a crash).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

TLS=${TLS:-1}
if [[ $TLS == 1 ]]; then DEFAULT_TARGETS="nginx mitmdump host"; else DEFAULT_TARGETS="nginx host"; fi
TARGETS=${TARGETS:-$DEFAULT_TARGETS}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
REQUESTS=${REQUESTS:-}
CONNECTIONS=${CONNECTIONS:-10}
STREAMS=${STREAMS:-10}
THREADS=${THREADS:-1}
SKIP_BUILD=${SKIP_BUILD:-0}
OUT=${OUT:-}
KEEP_WORK=${KEEP_WORK:-0}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
WAIT_FOR_TESTS=${WAIT_FOR_TESTS:-1}
WAIT_MAX=${WAIT_MAX:-1800}
ORIGIN_PORT=${ORIGIN_PORT:-18280}
NGINX_H2_PORT=${NGINX_H2_PORT:-18281}
MITM_PORT=${MITM_PORT:-18282}
HOST_PORT=${HOST_PORT:-18283}
HOST_PLUGINS=${HOST_PLUGINS:-shipped}
[[ $HOST_PLUGINS == shipped || $HOST_PLUGINS == empty ]] || { echo "HOST_PLUGINS must be shipped or empty" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

HOST_DLL=$REPO_ROOT/host/addons-host/bin/Release/net10.0/addons-host.dll
BODY_SIZE=1024

log() { printf '[bench-h2] %s\n' "$*" >&2; }
die() { printf '[bench-h2] error: %s\n' "$*" >&2; exit 1; }

[[ $TLS == 0 || $TLS == 1 ]] || die "TLS must be 0 or 1, not '$TLS'"
for target in $TARGETS; do
    [[ $target == nginx || $target == mitmdump || $target == host ]] || die "unknown target '$target' (nginx, mitmdump, host)"
done

# --- 1. tools --------------------------------------------------------------------------------------------------
install_tools() {
    local -A package_of=([h2load]=nghttp2-client [nginx]=nginx [mitmdump]=mitmproxy [openssl]=openssl [curl]=curl)
    local missing=() tool
    for tool in h2load nginx mitmdump openssl curl; do
        command -v "$tool" >/dev/null 2>&1 || [[ $tool == nginx && -x /usr/sbin/nginx ]] || missing+=("${package_of[$tool]}")
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
    # nginx is in /usr/sbin, which a non-root PATH may lack.
    command -v nginx >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    for tool in h2load nginx mitmdump openssl curl dotnet timeout; do
        command -v "$tool" >/dev/null 2>&1 || die "$tool is not available"
    done
    curl --version | grep -q 'HTTP2' || die "this curl has no HTTP/2 (the checks need it)"
    MITM_VERSION=$(mitmdump --version 2>/dev/null | awk '/^Mitmproxy:/ {print $2}')
    [[ $MITM_VERSION == 8.1.1 ]] || log "warning: mitmdump is ${MITM_VERSION:-unknown}, the comparison is specified against 8.1.1"
}

# --- processes and cleanup -------------------------------------------------------------------------------------
# shellcheck source=common.sh
source "$SCRIPT_DIR/common.sh"


# wait_for_tests: while a build or a test run (of this repository or any other) is going on, wait; it takes the CPU.
WAITED=0
wait_for_tests() {
    [[ $WAIT_FOR_TESTS == 1 ]] || return 0
    local waited=0
    while pgrep -f testhost >/dev/null || pgrep -f "dotnet test" >/dev/null || pgrep -f "dotnet build" >/dev/null; do
        ((waited % 60 == 0)) && log "a build or test run is using the CPU (pgrep -f testhost / \"dotnet test\" / \"dotnet build\"); waiting (${waited}s so far)"
        if ((WAITED + waited >= WAIT_MAX)); then
            log "warning: still a build or test run after ${WAIT_MAX}s of waiting in all; measuring anyway"
            break
        fi
        sleep 5
        waited=$((waited + 5))
    done
    ((waited > 0)) && log "waited ${waited}s for the build or test run to end"
    WAITED=$((WAITED + waited))
    return 0
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "n/a" }'; }
seconds_of() { # seconds_of 10s|500ms|2m|10 -> seconds (for the watchdog)
    awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /ms$/) n /= 1000; else if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; printf "%d", n + 1 }'
}

# nginx_conf NAME BODY: writes WORK/nginx-NAME.conf, the http block's contents being BODY.
nginx_conf() {
    local name=$1 body=$2 user_directive=''
    # As root the workers would run as nobody, who may not read the work dir; they run as root instead.
    [[ $(id -u) -eq 0 ]] && user_directive='user root;'
    mkdir -p "$WORK/nginx-$name-tmp"
    cat >"$WORK/nginx-$name.conf" <<EOF
$user_directive
worker_processes $NGINX_WORKERS;
pid $WORK/nginx-$name.pid;
error_log $WORK/nginx-$name.error.log warn;
daemon off;
events { worker_connections 4096; }
http {
    access_log off;
    tcp_nodelay on;
    keepalive_timeout 65s;
    client_body_temp_path $WORK/nginx-$name-tmp/body;
    proxy_temp_path       $WORK/nginx-$name-tmp/proxy;
    fastcgi_temp_path     $WORK/nginx-$name-tmp/fastcgi;
    uwsgi_temp_path       $WORK/nginx-$name-tmp/uwsgi;
    scgi_temp_path        $WORK/nginx-$name-tmp/scgi;
$body
}
EOF
}

# start_nginx NAME: validates and runs WORK/nginx-NAME.conf (daemon off) in the background; LAST_PID is its master.
start_nginx() {
    local name=$1 conf=$WORK/nginx-$1.conf
    nginx -t -q -p "$WORK/" -e "$WORK/nginx-$name.error.log" -c "$conf" || { log "nginx-$name: invalid config $conf"; return 1; }
    nginx -p "$WORK/" -e "$WORK/nginx-$name.error.log" -c "$conf" >"$WORK/nginx-$name.out" 2>&1 &
    PIDS+=($!)
    LAST_PID=$!
}

# --- targets ---------------------------------------------------------------------------------------------------
declare -A PORT_OF=([nginx]=$NGINX_H2_PORT [mitmdump]=$MITM_PORT [host]=$HOST_PORT)
declare -A PID_OF LOG_OF CA_OF STATUS REASON RPS OK2XX NON2XX FAILED MEAN_MS MAX_MS DATA
SCHEME=http
[[ $TLS == 1 ]] && SCHEME=https

# url_of TARGET: the URL h2load and curl request. Over TLS the name is localhost (a valid SNI, in the certificates),
# reached at 127.0.0.1 through curl's --resolve and h2load's --connect-to.
url_of() {
    if [[ $TLS == 1 ]]; then echo "https://localhost:${PORT_OF[$1]}/1k.bin"; else echo "http://127.0.0.1:${PORT_OF[$1]}/1k.bin"; fi
}

fail() { # fail TARGET REASON
    STATUS[$1]=FAIL
    REASON[$1]=$2
    log "$1 FAILED: $2"
}

start_nginx_h2() {
    local listen="listen 127.0.0.1:$NGINX_H2_PORT http2;" tls=''
    if [[ $TLS == 1 ]]; then
        # nginx 1.22 (Debian 12) takes http2 as a parameter of listen; the "http2 on;" directive is 1.25.1 and later.
        listen="listen 127.0.0.1:$NGINX_H2_PORT ssl http2;"
        tls="ssl_certificate     $WORK/origin.crt;
        ssl_certificate_key $WORK/origin.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:h2proxy:1m;"
    fi
    # keepalive_requests also caps the requests of one HTTP/2 connection (1000 by default): without a high one nginx
    # would send GOAWAY to h2load's connections every 1000 requests.
    nginx_conf h2proxy "    keepalive_requests 10000000;
    http2_max_concurrent_streams 128;
    upstream origin {
        server 127.0.0.1:$ORIGIN_PORT;
        keepalive 64;
        keepalive_requests 100000;
    }
    proxy_http_version 1.1;
    proxy_set_header Connection \"\";
    proxy_set_header Host \$host;
    server {
        $listen
        server_name localhost;
        $tls
        location / {
            proxy_pass http://origin;
        }
    }"
    start_nginx h2proxy || return 1
    PID_OF[nginx]=$LAST_PID
    LOG_OF[nginx]=$WORK/nginx-h2proxy.error.log
    CA_OF[nginx]=$WORK/origin.crt
    wait_port "$NGINX_H2_PORT" "${PID_OF[nginx]}" nginx-h2proxy "${LOG_OF[nginx]}" 20
}

start_mitmdump() {
    # In reverse mode mitmdump sees the client's TLS ClientHello and terminates it with a certificate of its own CA.
    mitmdump --listen-host 127.0.0.1 -p "$MITM_PORT" --mode "reverse:http://127.0.0.1:$ORIGIN_PORT" -q \
        --set "confdir=$WORK/mitm" </dev/null >"$WORK/mitmdump.log" 2>&1 &
    PID_OF[mitmdump]=$!
    PIDS+=($!)
    LOG_OF[mitmdump]=$WORK/mitmdump.log
    CA_OF[mitmdump]=$WORK/mitm/mitmproxy-ca-cert.pem
    wait_port "$MITM_PORT" "${PID_OF[mitmdump]}" mitmdump "${LOG_OF[mitmdump]}" 60
}

start_host() {
    # The shipped plugins of plugins.json (View, Session, StreamTester, Web) are loaded unless HOST_PLUGINS=empty; the
    # web interface takes a free port instead of 8081.
    local plugins=(--set web_port=0)
    if [[ $HOST_PLUGINS == empty ]]; then
        printf '{"Addons": {}}\n' >"$WORK/plugins-empty.json"
        plugins=(--plugins "$WORK/plugins-empty.json")
    fi
    dotnet "$HOST_DLL" "${plugins[@]}" --set listen_host=127.0.0.1 --set "listen_port=$HOST_PORT" --set "confdir=$WORK/conf" \
        --set "mode=reverse:http://127.0.0.1:$ORIGIN_PORT" -q </dev/null >"$WORK/host.log" 2>&1 &
    PID_OF[host]=$!
    PIDS+=($!)
    LOG_OF[host]=$WORK/host.log
    CA_OF[host]=$WORK/conf/addons-ca-cert.pem
    wait_port "$HOST_PORT" "${PID_OF[host]}" host "${LOG_OF[host]}" 60
}

# check TARGET: one request with curl must come back over HTTP/2 as a 200 of 1024 bytes. Over TLS curl trusts only
# the target's own certificate or CA, so the target really terminated the TLS.
check() {
    local target=$1 url args result
    url=$(url_of "$target")
    args=(-q -sS -o /dev/null -w '%{http_version} %{http_code} %{size_download}' --max-time 10)
    if [[ $TLS == 1 ]]; then
        args+=(--http2 --resolve "localhost:${PORT_OF[$target]}:127.0.0.1" --cacert "${CA_OF[$target]}")
    else
        args+=(--http2-prior-knowledge)
    fi
    result=$(curl "${args[@]}" "$url" 2>"$WORK/curl-$target.err") || true
    [[ $result == "2 200 $BODY_SIZE" ]] && return 0
    local error
    error=$(tr '\n' ' ' <"$WORK/curl-$target.err")
    fail "$target" "the check with curl ($url) expected '2 200 $BODY_SIZE' (HTTP/2, status, size), got '$result'${error:+: ${error% }}"
    return 1
}

# to_ms VALUE: h2load's times (853us, 12.34ms, 1.02s) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

# measure TARGET: the h2load run; fills RPS, OK2XX, NON2XX, FAILED, MEAN_MS, MAX_MS, DATA and STATUS.
measure() {
    local target=$1 url out args=(-c "$CONNECTIONS" -m "$STREAMS" -t "$THREADS") limit
    url=$(url_of "$target")
    out=$WORK/h2load-$target.txt
    [[ $TLS == 1 ]] && args+=(--connect-to "127.0.0.1:${PORT_OF[$target]}")
    # A watchdog: no h2load run outlives its durations by more than a minute.
    limit=$(($(seconds_of "$DURATION") + $(seconds_of "$WARMUP") + 60))
    if [[ -n $REQUESTS ]]; then
        if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
            timeout -k 5 "$limit" h2load "${args[@]}" -D "$WARMUP" "$url" >"$WORK/h2load-$target.warmup.txt" 2>&1 || true
        fi
        args+=(-n "$REQUESTS")
    else
        args+=(-D "$DURATION")
        [[ $WARMUP != 0 && $WARMUP != 0s ]] && args+=(--warm-up-time "$WARMUP")
    fi
    log "$target: h2load ${args[*]} $url"
    local code=0
    timeout -k 5 "$limit" h2load "${args[@]}" "$url" >"$out" 2>&1 || code=$?
    ((code == 124 || code == 137)) && { fail "$target" "h2load did not finish within ${limit}s and was killed"; return; }

    # requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout
    # status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx
    # traffic: 58.79KB (60202) total, 13.33KB (13652) headers (space savings 95.98%), 9.77KB (10000) data
    # finished in 4.50s, 444.39 req/s, 13.06KB/s
    # time for request:     1.02ms       4.44s    160.87ms    489.75ms    89.75%
    local reqs requests codes traffic timing protocol
    # "finished in" includes the warm-up; its req/s is over the measured time only.
    reqs=$(awk '/^finished in/ {print $4; exit}' "$out")
    requests=$(awk '/^requests:/ {print $2, $8, $10, $12, $14; exit}' "$out") # total succeeded failed errored timeout
    codes=$(awk '/^status codes:/ {print $3, $5, $7, $9; exit}' "$out")       # 2xx 3xx 4xx 5xx
    traffic=$(awk '/^traffic:/ {for (i = 1; i <= NF; i++) if ($i == "data") {gsub(/[()]/, "", $(i - 1)); print $(i - 1)}; exit}' "$out")
    timing=$(awk '/^time for request:/ {print $4, $5, $6; exit}' "$out") # min max mean
    protocol=$(awk -F': ' '/^Application protocol:/ {print $2; exit}' "$out")
    if [[ -z $reqs || -z $requests || -z $codes ]]; then
        fail "$target" "h2load printed no summary (exit code $code): $(tail -n 3 "$out" | tr '\n' ' ')"
        return
    fi
    local total succeeded failed errored timedout s2 s3 s4 s5
    read -r total succeeded failed errored timedout <<<"$requests"
    read -r s2 s3 s4 s5 <<<"$codes"
    local min max mean
    read -r min max mean <<<"$timing"
    OK2XX[$target]=$s2
    NON2XX[$target]=$((s3 + s4 + s5))
    FAILED[$target]="$failed/$errored/$timedout"
    MEAN_MS[$target]=$(to_ms "${mean:-0}")
    MAX_MS[$target]=$(to_ms "${max:-0}")
    DATA[$target]=${traffic:-0}
    # Only 2xx responses count: h2load's req/s (over the measured time, the requests done) times the 2xx share.
    RPS[$target]=$(awk -v r="$reqs" -v n="$s2" -v d="$total" 'BEGIN { f = (d > 0 && n < d) ? n / d : 1; printf "%.0f", r * f }')
    STATUS[$target]=ok
    local expected_protocol=h2c
    [[ $TLS == 1 ]] && expected_protocol=h2
    # The body bytes must be those of the 2xx responses, 1024 each; with -D the responses still in flight at the
    # end may have started (at most connections x streams of them). h2load's data figure also counts the responses
    # of a --warm-up-time (its request counts do not), so with one only the lower bound holds.
    local low=$((s2 * BODY_SIZE)) high=$(((s2 + CONNECTIONS * STREAMS) * BODY_SIZE))
    [[ -z $REQUESTS && $WARMUP != 0 && $WARMUP != 0s ]] && high=$((1 << 62))
    if ((s2 == 0)); then
        fail "$target" "no 2xx response ($total requests; exit code $code)"
    elif [[ $protocol != "$expected_protocol" ]]; then
        fail "$target" "h2load spoke '${protocol:-nothing}', not $expected_protocol"
    elif ((failed + errored + timedout > 0 || s3 + s4 + s5 > 0)); then
        fail "$target" "$succeeded succeeded, $failed failed, $errored errored, $timedout timed out; status codes $s2 2xx, $s3 3xx, $s4 4xx, $s5 5xx"
    elif ((${DATA[$target]} < low || ${DATA[$target]} > high)); then
        fail "$target" "${DATA[$target]} bytes of data for $s2 responses of $BODY_SIZE bytes"
    fi
    if [[ ${STATUS[$target]} != ok ]]; then
        sed -n '/^finished in/,$p' "$out" >&2
    fi
    if ! kill -0 "${PID_OF[$target]}" 2>/dev/null; then
        fail "$target" "it exited during the run"
        tail -n 40 "${LOG_OF[$target]}" >&2 || true
    fi
}

# --- main ------------------------------------------------------------------------------------------------------
install_tools

if [[ " $TARGETS " == *" host "* && $SKIP_BUILD != 1 ]]; then
    log "building the host (Release)"
    (cd "$REPO_ROOT" && dotnet build host/addons-host -c Release -nologo -v q) >&2
fi
[[ " $TARGETS " != *" host "* || -f $HOST_DLL ]] || die "$HOST_DLL not found (build the host, or drop SKIP_BUILD)"

for port in $ORIGIN_PORT $NGINX_H2_PORT $MITM_PORT $HOST_PORT; do
    port_open "$port" && die "port $port on 127.0.0.1 is already in use"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/proxy-bench-h2.XXXXXX")
log "work dir $WORK"
mkdir -p "$WORK/www" "$WORK/conf" "$WORK/mitm"
head -c $BODY_SIZE /dev/urandom >"$WORK/www/1k.bin"
openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/origin.key" -out "$WORK/origin.crt" >/dev/null 2>&1 || die "openssl could not create the certificate"

# The origin of run.sh, plain HTTP/1.1 only: every target forwards to it.
log "starting nginx origin (127.0.0.1:$ORIGIN_PORT, worker_processes $NGINX_WORKERS)"
nginx_conf origin "    default_type application/octet-stream;
    sendfile on;
    etag off;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        server_name localhost;
        root $WORK/www;
        location / { }
    }"
start_nginx origin || die "the origin's config is invalid"
ORIGIN_PID=$LAST_PID
wait_port "$ORIGIN_PORT" $ORIGIN_PID nginx-origin "$WORK/nginx-origin.error.log" 20 || die "the origin did not start"
[[ $(curl -q -sS -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 "http://127.0.0.1:$ORIGIN_PORT/1k.bin") == "200 $BODY_SIZE" ]] ||
    die "the origin does not answer 200 with $BODY_SIZE bytes"

for target in $TARGETS; do
    log "starting $target on 127.0.0.1:${PORT_OF[$target]} ($( [[ $TLS == 1 ]] && echo "TLS, ALPN h2" || echo "h2c"))"
    STATUS[$target]=pending
    case $target in
    nginx) start_nginx_h2 || fail nginx "nginx did not start (see above)" ;;
    mitmdump) start_mitmdump || fail mitmdump "mitmdump did not start (see above)" ;;
    host) start_host || fail host "the host did not start (see above)" ;;
    esac
    [[ ${STATUS[$target]} == FAIL ]] || check "$target" || true
done

wait_for_tests
BUSY_BEFORE=$(idle_machine_busy)
if awk -v b="$BUSY_BEFORE" 'BEGIN { exit !(b + 0 > 10) }'; then
    log "warning: with every benchmark process idle the CPUs are still ${BUSY_BEFORE}% busy: other processes compete for them and skew the numbers"
fi
if [[ -n $REQUESTS ]]; then RUN_DESC="-n $REQUESTS"; else RUN_DESC="-D $DURATION"; fi
log "measuring: h2load $RUN_DESC -c $CONNECTIONS -m $STREAMS -t $THREADS, warm-up $WARMUP"
for target in $TARGETS; do
    if [[ ${STATUS[$target]} == FAIL ]]; then
        log "$target: not measured (${REASON[$target]})"
        continue
    fi
    wait_for_tests
    measure "$target"
done
BUSY_AFTER=$(idle_machine_busy)

# --- table -----------------------------------------------------------------------------------------------------
commit=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$REPO_ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit (with uncommitted changes)"
report() {
    local mode="TLS (ALPN h2) from h2load, terminated by each target"
    [[ $TLS == 1 ]] || mode="cleartext h2c (prior knowledge) from h2load"
    echo "## HTTP/2 proxy benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "host commit $commit; $(nproc) cores; $mode; host plugins: $HOST_PLUGINS; h2load $RUN_DESC -c $CONNECTIONS -m $STREAMS -t $THREADS" \
        "(warm-up $WARMUP); 1024-byte responses from an nginx origin over HTTP/1.1;" \
        "nginx $(nginx -v 2>&1 | sed 's#.*/##') (worker_processes $NGINX_WORKERS); mitmdump ${MITM_VERSION:-?};" \
        "dotnet $(dotnet --version 2>/dev/null); CPU use by other processes ${BUSY_BEFORE}% before, ${BUSY_AFTER}% after$( ((WAITED > 0)) && echo "; paused ${WAITED}s for builds or test runs")"
    echo
    echo "| target | req/s (2xx) | vs nginx | vs mitmdump | 2xx responses | failed/errored/timeout | non-2xx | mean ms | max ms | result |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    local target base_nginx=0 base_mitm=0
    [[ ${STATUS[nginx]:-} == ok ]] && base_nginx=${RPS[nginx]}
    [[ ${STATUS[mitmdump]:-} == ok ]] && base_mitm=${RPS[mitmdump]}
    for target in $TARGETS; do
        if [[ -z ${RPS[$target]:-} ]]; then
            printf '| %s | - | - | - | - | - | - | - | - | FAIL: %s |\n' "$target" "${REASON[$target]}"
            continue
        fi
        local result=ok
        [[ ${STATUS[$target]} == ok ]] || result="FAIL: ${REASON[$target]}"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$target" "${RPS[$target]}" \
            "$(ratio "${RPS[$target]}" "$base_nginx")" "$(ratio "${RPS[$target]}" "$base_mitm")" \
            "${OK2XX[$target]}" "${FAILED[$target]}" "${NON2XX[$target]}" "${MEAN_MS[$target]}" "${MAX_MS[$target]}" "$result"
    done
    echo
    echo "req/s counts only 2xx responses over h2load's measured time; mean and max are h2load's \"time for request\"" \
        "(h2load reports no percentiles)."
}

TABLE=$(report)
echo "$TABLE"
if [[ -n $OUT ]]; then
    printf '%s\n' "$TABLE" >"$OUT"
    log "table written to $OUT"
fi

failed=0
for target in $TARGETS; do
    if [[ ${STATUS[$target]} != ok ]]; then
        failed=1
        [[ $target == host && -f $WORK/host.log ]] && { log "the host's log, last lines:"; tail -n 20 "$WORK/host.log" >&2 || true; }
    fi
done
exit $failed
