#!/usr/bin/env bash
# The View at scale, side by side with mitmproxy 8.1.1's View on the same synthetic flows (issue 4).
#   bench/view/run.sh            # 1,000,000 flows for the targets, 100,000 flows for the comparison
#   FLOWS=200000 COMPARE=50000 bench/view/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
FLOWS=${FLOWS:-1000000}
COMPARE=${COMPARE:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build bench/view/ViewBench -c Release -nologo -v q >/dev/null
bench=bench/view/ViewBench/bin/Release/net10.0/ViewBench.dll

echo "== Addons View, $FLOWS flows (targets: add >= 1M flows/s, filter and order change <= 0.5 s)"
dotnet "$bench" "$FLOWS"

echo
echo "== side by side on $COMPARE flows"
dotnet "$bench" "$COMPARE" --json > "$work/dotnet.json"
bash bench/view/run-mitmproxy.sh --flows "$COMPARE" --json > "$work/mitmproxy.json"
/usr/bin/python3 - "$work/dotnet.json" "$work/mitmproxy.json" <<'PY'
import json, sys
ours, theirs = (json.load(open(p)) for p in sys.argv[1:3])
rows = [("add (flows/s)", ours["add_flows_per_s"], theirs["add_flows_per_s"], True)]
for name in ours["filters"]:
    rows.append((f"filter {name} (s)", ours["filters"][name]["seconds"], theirs["filters"][name]["seconds"], False))
for name in ("method", "url", "size"):
    rows.append((f"order {name} (s)", ours["orders"][name], theirs["orders"][name], False))
print(f"| operation | {ours['impl']} | {theirs['impl']} | ratio (x faster) |")
print("| --- | ---: | ---: | ---: |")
for name, a, b, higher_is_better in rows:
    ratio = a / b if higher_is_better else b / a
    print(f"| {name} | {a:,.3f} | {b:,.3f} | {ratio:.1f}x |")
print(f"| memory per flow, View only (bytes) | {ours['view_bytes_per_flow']:,.0f} | see mitmproxy's memory breakdown | |")
PY
