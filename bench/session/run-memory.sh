#!/usr/bin/env bash
# Memory over a long capture (issue 21): a Release host with the shipped plugins, headless (-n), its StreamTester
# sending FLOWS synthetic 1 KB flows through every hook as fast as the host takes them; the View keeps every flow,
# the Session persists every flow and, past session_hot_flows, hands the View summaries in place of flows. Every
# second the script samples the host's resident memory (VmRSS) and the Session's written count (session.stats over
# the web API); it prints the RSS each time another STEP flows are written, and the bytes each flow past the hot cap
# added. See bench/README.md, "Memory over a long capture".
#
# Environment:
#   FLOWS=1000000    flows the stream sends
#   STEP=FLOWS/10    a row every STEP flows written
#   HOT=100000       session_hot_flows (the addon's default)
#   RATE=max         streamtester_rate
#   SKIP_BUILD=1     use the existing Release build of the host
#   KEEP_WORK=1      keep the work dir (the session file is FLOWS x ~2.6 KB)
# Exit code: 0 when every flow was written, 1 otherwise.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
FLOWS=${FLOWS:-1000000}
STEP=${STEP:-$((FLOWS / 10))}
HOT=${HOT:-100000}
RATE=${RATE:-max}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_WORK=${KEEP_WORK:-0}
WEB_PORT=18391
HOST_DLL=$REPO_ROOT/host/addons-host/bin/Release/net10.0/addons-host.dll

log() { printf '[memory] %s\n' "$*" >&2; }
die() { printf '[memory] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../proxy/common.sh
source "$REPO_ROOT/bench/proxy/common.sh"

command -v curl >/dev/null 2>&1 || die "curl is needed (apt-get install curl)"
if [[ $SKIP_BUILD != 1 ]]; then
    log "building the host (Release)"
    (cd "$REPO_ROOT" && dotnet build host/addons-host -c Release -nologo -v q) >&2
fi
[[ -f $HOST_DLL ]] || die "$HOST_DLL not found (build the host, or drop SKIP_BUILD)"
port_open $WEB_PORT && die "port $WEB_PORT on 127.0.0.1 is already in use"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/session-memory.XXXXXX")
mkdir -p "$WORK/conf"

dotnet "$HOST_DLL" -n --set "confdir=$WORK/conf" --set flow_detail=0 --set web_port=$WEB_PORT \
    --set "session_path=$WORK/memory.sqlite" --set session_hot_flows="$HOT" \
    --set streamtester_autostart=true --set streamtester_duration=0 --set streamtester_count="$FLOWS" \
    --set streamtester_rate="$RATE" --set "streamtester_output=$WORK/stream.json" </dev/null >"$WORK/host.log" 2>&1 &
HOST_PID=$!
PIDS+=($HOST_PID)
for ((i = 0; ; i++)); do
    grep -q 'token=' "$WORK/host.log" && break
    kill -0 $HOST_PID 2>/dev/null || { tail -n 40 "$WORK/host.log" >&2; die "the host exited before its web interface started"; }
    ((i < 600)) || die "the host's web interface did not start within 60 s"
    sleep 0.1
done
TOKEN=$(grep -o 'token=[A-Za-z0-9_-]*' "$WORK/host.log" | head -n 1 | cut -d= -f2)

written() {
    curl -sS --max-time 5 -X POST -H "Authorization: Bearer $TOKEN" -H 'X-Requested-With: addons-web' \
        -H 'Content-Type: application/json' -d '{"arguments": []}' \
        "http://127.0.0.1:$WEB_PORT/api/commands/session.stats" 2>/dev/null | grep -o 'written [0-9]*' | awk '{print $2}'
}
rss_mb() { awk '/^VmRSS:/ {printf "%.0f", $2 / 1024}' "/proc/$HOST_PID/status"; }

log "streaming $FLOWS flows (rate $RATE, session_hot_flows $HOT); a row every $STEP flows written"
echo "| flows written | seconds | RSS MB | bytes a flow since the last row |"
echo "| ---: | ---: | ---: | ---: |"
start=$(date +%s.%N)
next=$STEP last_flows=0 last_rss=0 count=0 stalled=0
while ((count < FLOWS)); do
    sleep 1
    kill -0 $HOST_PID 2>/dev/null || { tail -n 40 "$WORK/host.log" >&2; die "the host exited after $count flows"; }
    now=$(written) || true
    [[ -n $now ]] || continue
    if ((now == count)); then
        ((++stalled < 60)) || die "no flow written for 60 s at $count"
        continue
    fi
    stalled=0 count=$now
    if ((count >= next || count >= FLOWS)); then
        rss=$(rss_mb)
        per=$(awk -v r="$rss" -v lr="$last_rss" -v f="$count" -v lf="$last_flows" 'BEGIN {if (f > lf && lr > 0) printf "%.0f", (r - lr) * 1048576 / (f - lf); else print "-"}')
        printf '| %d | %.0f | %d | %s |\n' "$count" "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {print n - s}')" "$rss" "$per"
        last_flows=$count last_rss=$rss
        while ((next <= count)); do next=$((next + STEP)); done
    fi
done
log "all $FLOWS flows written; $(rss_mb) MB resident"
