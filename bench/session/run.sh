#!/usr/bin/env bash
# Session storage write rates on ~2 KB synthetic flows (issue 5): (a) one transaction per flow, (b) the best raw
# batched insert of the same protobuf records, and SessionStore.WriteBatch with the full schema, in one run.
#   bench/session/run.sh                      # 150,000 flows per case (each capped at 8 s), 3 interleaved rounds
#   ROWS=100000 DURATION=5 ROUNDS=1 bench/session/run.sh
#   EXPLORE=1 bench/session/run.sh            # also every (b) variant tried (about 5 more minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-150000}
DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}

dotnet build bench/session/SessionBench -c Release -nologo -v q >/dev/null
args=(--rows "$ROWS" --seconds "$DURATION" --repeat "$ROUNDS")
if [[ "${EXPLORE:-}" == 1 ]]; then
  args+=(--explore)
fi
dotnet bench/session/SessionBench/bin/Release/net10.0/SessionBench.dll "${args[@]}"
