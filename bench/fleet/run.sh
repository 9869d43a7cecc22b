#!/usr/bin/env bash
# Fleets (issue 22), in one run on this machine:
#  1. the write path: the same synthetic ~2 KB flows into an emptied fleet store by the Session's path (binary COPY into
#     a staging table, merged) beside batched INSERTs with the same upsert (FleetBench, Release);
#  2. HOSTS hosts at once, each a Release addons-host run headless (-n) whose StreamTester sends FLOWS synthetic 1 KB
#     flows through every hook as fast as it takes them: first each host writing its own SQLite session file, then all
#     of them writing to one PostgreSQL. Per host and in all: flows persisted, flows/s persisted, and the latency from
#     the flow's publication to its commit (p50/p99), as the StreamTester measures them. Every flow must be persisted.
# PostgreSQL is a cluster of the script's own (Debian's postgresql, initdb in the work dir, its durability defaults:
# fsync and synchronous_commit on), on 127.0.0.1 and a free port, stopped at the end.
#
# Environment:
#   HOSTS=4          hosts at once
#   FLOWS=50000      flows each host's stream sends
#   ROWS=100000      flows of the write-path comparison; ROUNDS=3 its rounds (median)
#   SKIP_BUILD=1     use the existing Release builds
#   KEEP_WORK=1      keep the work dir
# Exit code: 0 when every flow was persisted in every run, 1 otherwise.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
HOSTS=${HOSTS:-4}
FLOWS=${FLOWS:-50000}
ROWS=${ROWS:-100000}
ROUNDS=${ROUNDS:-3}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_WORK=${KEEP_WORK:-0}
HOST_DLL=$REPO_ROOT/host/addons-host/bin/Release/net10.0/addons-host.dll
BENCH_DLL=$REPO_ROOT/bench/fleet/FleetBench/bin/Release/net10.0/FleetBench.dll

log() { printf '[fleet] %s\n' "$*" >&2; }
die() { printf '[fleet] error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../proxy/common.sh
source "$REPO_ROOT/bench/proxy/common.sh"

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]]; then
    log "installing Debian's postgresql"
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
    $sudo apt-get install -y -q --no-install-recommends postgresql >/dev/null || die "postgresql could not be installed"
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read the StreamTester's results"

if [[ $SKIP_BUILD != 1 ]]; then
    log "building the host and FleetBench (Release)"
    (cd "$REPO_ROOT" && dotnet build host/addons-host -c Release -nologo -v q && dotnet build bench/fleet/FleetBench -c Release -nologo -v q) >&2
fi
[[ -f $HOST_DLL && -f $BENCH_DLL ]] || die "Release builds not found (drop SKIP_BUILD)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench.XXXXXX")
chmod 755 "$WORK"

# --- PostgreSQL: a cluster of our own (as the postgres user when root: initdb refuses root) ---------------------
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_DIR=$WORK/pg
mkdir -p "$PG_DIR"
PG_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s' "$PG_PASSWORD" >"$PG_DIR/password"
chmod 600 "$PG_DIR/password"
[[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$PG_DIR"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U addons --auth=scram-sha-256 --pwfile="$PG_DIR/password" -E UTF8 --locale=C >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/server.log" -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null
stop_pg() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap 'stop_pg; cleanup' EXIT
export PGPASSWORD=$PG_PASSWORD
psql() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U addons -v ON_ERROR_STOP=1 -qAt "$@"; }
psql -d postgres -c "CREATE DATABASE writepath" -c "CREATE DATABASE fleet"
connection() { echo "Host=127.0.0.1;Port=$PG_PORT;Username=addons;Database=$1"; }
log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (fsync $(psql -d postgres -c 'SHOW fsync'), synchronous_commit $(psql -d postgres -c 'SHOW synchronous_commit'))"

# --- 1. the write path -------------------------------------------------------------------------------------------
echo "### The write path: $ROWS flows, 2,000 a transaction, median of $ROUNDS rounds"
echo
dotnet "$BENCH_DLL" --connection "$(connection writepath)" --rows "$ROWS" --repeat "$ROUNDS"
echo

# --- 2. HOSTS hosts at once --------------------------------------------------------------------------------------
# run_hosts MODE: starts HOSTS hosts writing as MODE says, waits for all, prints their rows; 1 if a flow was not persisted.
run_hosts() {
    local mode=$1 i pids=() dir
    for ((i = 1; i <= HOSTS; i++)); do
        dir=$WORK/$mode/h$i
        mkdir -p "$dir/conf" "$dir/results"
        local session=(--set "session_path=$dir/session.sqlite")
        if [[ $mode == postgres ]]; then
            session+=(--set "session_postgres=$(connection fleet)" --set "session_host_id=h$i")
        fi
        dotnet "$HOST_DLL" -n --set "confdir=$dir/conf" --set flow_detail=0 --Addons:Web:Enabled=false --Addons:Bridge:Enabled=false \
            "${session[@]}" --set streamtester_autostart=true --set streamtester_exit=true --set streamtester_duration=0 \
            --set streamtester_count="$FLOWS" --set streamtester_rate=max --set "streamtester_output=$dir/results" \
            </dev/null >"$dir/host.log" 2>&1 &
        pids+=($!)
        PIDS+=($!)
    done
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { tail -n 30 "$WORK/$mode/h$((i + 1))/host.log" >&2; die "host h$((i + 1)) ($mode) failed"; }
    done
    python3 - "$WORK/$mode" "$HOSTS" "$FLOWS" "$mode" <<'PY'
import glob, json, sys
folder, hosts, flows, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows, ok = [], True
for i in range(1, hosts + 1):
    files = glob.glob(f"{folder}/h{i}/results/*.json")
    r = json.load(open(files[0]))
    ok &= r["persisted"] == flows and r["not_persisted"] == 0
    rows.append((f"h{i}", r["persisted"], r["persisted_per_second"], r["latency_ms"]["p50"], r["latency_ms"]["p99"]))
label = "each its own SQLite session" if mode == "sqlite" else "one PostgreSQL"
for name, persisted, rate, p50, p99 in rows:
    print(f"| {label} | {name} | {persisted:,} | {rate:,.0f} | {p50:.1f} | {p99:.1f} |")
print(f"| {label} | all | {sum(r[1] for r in rows):,} | {sum(r[2] for r in rows):,.0f} | | |")
sys.exit(0 if ok else 1)
PY
}

echo "### $HOSTS hosts at once, each streaming $FLOWS flows at saturation"
echo
echo "| store | host | persisted | flows/s persisted | p50 ms | p99 ms |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
status=0
run_hosts sqlite || status=1
run_hosts postgres || status=1
stored=$(psql -d fleet -c "SELECT count(*) FROM addons_flow")
echo
echo "PostgreSQL holds $stored flows of $((HOSTS * FLOWS)) sent; $(psql -d fleet -c "SELECT string_agg(host_id || ' ' || n, ', ' ORDER BY host_id) FROM (SELECT host_id, count(*) n FROM addons_flow GROUP BY 1) t")."
[[ $stored -eq $((HOSTS * FLOWS)) ]] || status=1
exit $status
