#!/usr/bin/env bash
# The web interface (addons/Web) with large captures, in Debian's headless Chromium, beside mitmweb 8.1.1 (issue:
# "with 1,000,000 flows in the View, half of them cold in the session, the first page renders in under 1 s, a filter
# change shows its first page in under 1 s, scrolling to the end fetches one page; under a 10,000 flows/s stream the
# page stays responsive and its WebSocket traffic stays bounded; beside mitmweb 8.1.1 on 100,000 flows loaded from the
# same file: time to show, time to filter, memory").
#   bench/web/run.sh                              # 1,000,000 and 100,000 flows, 3 rounds, about 10 minutes
#   FLOWS=200000 COMPARE=20000 ROUNDS=1 bench/web/run.sh
#   SKIP_BUILD=1 OUT=/tmp/web.md KEEP_WORK=1 bench/web/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
FLOWS=${FLOWS:-1000000}
COMPARE=${COMPARE:-100000}
ROUNDS=${ROUNDS:-3}
copies=$((FLOWS / COMPARE))
if (( copies * COMPARE != FLOWS || copies < 2 || copies > 10 || COMPARE > 150000 )); then
  echo "FLOWS must be 2 to 10 times COMPARE, and COMPARE at most 150,000 (a flow file of the host stays under 2 GiB)" >&2
  exit 2
fi

say() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# --- what it needs, from Debian ----------------------------------------------------------------------------------------
need=()
[[ -x /usr/bin/chromium ]] || need+=(chromium)
[[ -x /usr/bin/chromedriver ]] || need+=(chromium-driver)
[[ -x /usr/bin/mitmweb ]] || need+=(mitmproxy)
if (( ${#need[@]} )); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "missing ${need[*]} and this is not root (no sudo)" >&2; exit 1; }
    sudo=(sudo)
  fi
  say "installing ${need[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >&2
fi

# --- build -------------------------------------------------------------------------------------------------------------
host_dir=host/addons-host/bin/Release/net10.0
bench=bench/web/WebBench/bin/Release/net10.0/WebBench.dll
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  say "building the host and WebBench in Release"
  dotnet build host/addons-host -c Release -nologo -v q >/dev/null
  dotnet build bench/web/WebBench -c Release -nologo -v q >/dev/null
fi

# --- a temporary work dir; every process started here is stopped on any exit ----------------------------------------
work=$(mktemp -d -t web-bench-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ "${KEEP_WORK:-}" == 1 ]]; then echo "work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
started=$SECONDS

host() { dotnet "$host_dir/addons-host.dll" --plugins "$host_dir/plugins.json" --set flow_detail=0 --set confdir="$work/conf" "$@"; }

# Starts the host with the Web plugin on a free port (web_port=0) in the background; sets host_pid and host_url.
start_host() {
  local log=$1; shift
  # Not through host(): $! must be the dotnet process itself, whose memory and CPU time are measured.
  dotnet "$host_dir/addons-host.dll" --plugins "$host_dir/plugins.json" --set flow_detail=0 --set confdir="$work/conf" \
    -n --set web_port=0 --set web_password="$token" "$@" >"$log" 2>&1 &
  host_pid=$!
  pids+=("$host_pid")
  for _ in $(seq 1 600); do
    host_url=$(grep -o 'Web interface at http://127.0.0.1:[0-9]*' "$log" | head -1 | sed 's/Web interface at //') || true
    [[ -n "$host_url" ]] && return 0
    kill -0 "$host_pid" 2>/dev/null || { echo "the host stopped:" >&2; tail -20 "$log" >&2; exit 1; }
    sleep 0.2
  done
  echo "the host did not name its web interface:" >&2; tail -20 "$log" >&2; exit 1
}

stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

token=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')

# --- the flows: COMPARE generated ones, and FLOWS as copies of them with other ids and times ---------------------------
say "generating $COMPARE flows (mitmproxy's own classes and flow file writer)"
/usr/bin/python3 bench/web/make_flows.py "$work/compare.mitm" "$COMPARE"
parts=()
for ((first = 0; first < copies; first += 5)); do
  n=$(( copies - first < 5 ? copies - first : 5 ))
  /usr/bin/python3 bench/web/make_flows.py "$work/big-$first.mitm" --copies "$n" --first "$first" --of "$work/compare.mitm"
  parts+=("$work/big-$first.mitm")
done
say "putting $FLOWS flows through the host into a session file (-n -r, ${#parts[@]} part(s))"
t0=$SECONDS
for part in "${parts[@]}"; do
  host -n --set session_path="$work/big.session" -r "$part" >>"$work/session-build.log" 2>&1
  rm -f "$part"
done
session_build=$((SECONDS - t0))
session_mb=$(( $(stat -c %s "$work/big.session") / 1048576 ))

# --- 1: FLOWS in the View, half of them cold, and the streams -------------------------------------------------------
say "the host on the session file with session_hot_flows=$((FLOWS / 2))"
start_host "$work/big.log" --set session_path="$work/big.session" --set session_hot_flows=$((FLOWS / 2))
dotnet "$bench" settle --pid "$host_pid" --url "$host_url" --token "$token" --expect "$FLOWS" --out "$work/big-settled.json"
dotnet "$bench" big --url "$host_url" --token "$token" --pid "$host_pid" --settled "$work/big-settled.json" \
  --confdir "$work/conf" --rounds "$ROUNDS" --profile "$work/chromium" --out "$work/big.json"
stop "$host_pid"

# --- 2: COMPARE flows from one file, the host and mitmweb, one after the other loaded, then measured in alternation ---
say "the host reading $COMPARE flows from the file (-r, keepserving)"
start_host "$work/compare-host.log" --set session_path="$work/compare.session" --set keepserving=true -r "$work/compare.mitm"
dotnet "$bench" settle --pid "$host_pid" --url "$host_url" --token "$token" --expect "$COMPARE" --out "$work/ours-settled.json"
say "mitmweb reading the same file"
mitm_port=$(free_port)
mitmweb -n --no-web-open-browser --web-port "$mitm_port" --set confdir="$work/mitm" -r "$work/compare.mitm" >"$work/mitmweb.log" 2>&1 &
mitm_pid=$!
pids+=("$mitm_pid")
dotnet "$bench" settle --pid "$mitm_pid" --http "http://127.0.0.1:$mitm_port/" --out "$work/mitmweb-settled.json"
dotnet "$bench" compare --url "$host_url" --token "$token" --pid "$host_pid" --settled "$work/ours-settled.json" \
  --mitmweb-url "http://127.0.0.1:$mitm_port" --mitmweb-pid "$mitm_pid" --mitmweb-settled "$work/mitmweb-settled.json" \
  --rounds "$ROUNDS" --profile "$work/chromium" --out "$work/compare.json"
stop "$mitm_pid"
stop "$host_pid"

# --- the tables --------------------------------------------------------------------------------------------------------
commit=$(git -C "$root" rev-parse --short HEAD)
dirty=$(git -C "$root" status --porcelain -- addons/Web host abstractions | wc -l)
[[ "$dirty" -gt 0 ]] && commit="$commit + $dirty changed file(s) in the working tree"
mitm_version=$(mitmweb --version 2>/dev/null | sed -n 's/^Mitmproxy: //p')
header="host $commit; $(nproc) cores, $(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576 )) GiB; dotnet $(dotnet --version); mitmweb $mitm_version; \
FLOWS=$FLOWS COMPARE=$COMPARE ROUNDS=$ROUNDS; session of $FLOWS flows built in ${session_build} s (${session_mb} MB); whole run $(( (SECONDS - started) / 60 )) min"
dotnet "$bench" report --big "$work/big.json" --compare "$work/compare.json" --header "$header" | tee "${OUT:-/dev/null}"
