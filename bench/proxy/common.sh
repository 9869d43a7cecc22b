# Shared by run.sh and run-h2.sh (sourced after each defines log, die and KEEP_WORK): the processes a benchmark
# starts and their cleanup, waiting for a port, and how busy the machine is with every benchmark process idle.

# --- processes and cleanup -------------------------------------------------------------------------------------
PIDS=()
WORK=
cleanup() {
    local status=$? pid i
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP_WORK == 1 ]]; then
            log "work dir kept: $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT PID NAME LOG [TIMEOUT_S]: 0 once the port accepts connections, 1 (with the log's tail) otherwise.
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

# idle_machine_busy: the CPUs' busy percentage over one second, taken while every process of the benchmark is idle.
idle_machine_busy() {
    local a b
    a=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat 2>/dev/null) || true
    sleep 1
    b=$(awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $5 + $6; exit}' /proc/stat 2>/dev/null) || true
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[1] - x[1]; i = y[2] - x[2];
        if (t > 0) printf "%.0f", 100 * (t - i) / t; else print "?" }'
}
