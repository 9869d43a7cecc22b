#!/usr/bin/python3
"""Benchmark of mitmproxy's own View addon (mitmproxy.addons.view.View), for side-by-side comparison with the
.NET implementation. Written against Debian's mitmproxy 8.1.1; run it with /usr/bin/python3 (see run-mitmproxy.sh).

    mitmproxy_view_bench.py [--flows N] [--seed S] [--json]

Steps:
  1. Generates N synthetic HTTP flows with mitmproxy's own classes (HTTPFlow, Request, Response, Client, Server),
     deterministically from random.Random(seed). Generation is never timed.
  2. Memory: tracemalloc traces the generation and a View.add of all flows; the live-bytes delta divided by N is
     bytes_per_flow. This View is then dropped and tracemalloc stopped, so it does not slow the timed part.
  3. Timings (time.perf_counter) on a fresh View with the same flows: add (one view.add call with all N flows),
     three filters, back to no filter, three orders, reverse on. Each operation but the last two is timed three times
     (add on a fresh View each time; a filter after clearing it; an order after setting time) and the median kept.

Prints a table; with --json prints only a single JSON object on stdout (the table then goes to stderr).
"""
import argparse
import gc
import json
import random
import sys
import time
import tracemalloc

from mitmproxy import connection, flowfilter, http
from mitmproxy.addons.view import View
from mitmproxy.version import VERSION

FILTERS = ['~m POST & ~u /api', '~c 404 | ~h "x-debug"', "~b secret"]
ORDERS = ["method", "url", "size"]

METHODS = ([b"GET", b"POST", b"PUT", b"DELETE"], [60, 85, 95, 100])  # (values, cumulative weights in %)
PATHS = (["/api/v1/items/{n}", "/static/app{n}.js", "/index.html", "/search?q={n}"], [40, 70, 90, 100])
STATUSES = ([(200, b"OK"), (404, b"Not Found"), (500, b"Internal Server Error"), (301, b"Moved Permanently")],
            [70, 85, 90, 100])
HOSTS = [f"host{i}.example" for i in range(50)]
MAX_BODY = 4096
START_TS = 1_700_000_000.0
# Maps every byte to a lowercase letter (b % 26; 'a'..'v' are marginally more frequent, which does not matter here).
LOWERCASE = bytes(ord("a") + i % 26 for i in range(256))


def pick(rng: random.Random, table):
    values, cum_weights = table
    return rng.choices(values, cum_weights=cum_weights)[0]


def letters(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n).translate(LOWERCASE)


def generate(n: int, seed: int) -> list[http.HTTPFlow]:
    """N complete request/response flows; the draws per flow are made in a fixed order, so a seed gives one data set."""
    rng = random.Random(seed)
    flows = []
    for i in range(n):
        method = pick(rng, METHODS)
        host = rng.choice(HOSTS)
        path = pick(rng, PATHS).format(n=rng.randrange(10_000))
        status, reason = pick(rng, STATUSES)
        req_body = letters(rng, rng.randint(0, MAX_BODY))
        if rng.random() < 0.01:  # 1%: insert "secret" at a random position (the body grows by 6 bytes)
            pos = rng.randint(0, len(req_body))
            req_body = req_body[:pos] + b"secret" + req_body[pos:]
        resp_body = letters(rng, rng.randint(0, MAX_BODY))
        debug = rng.random() < 0.05

        ts = START_TS + i * 0.001  # 1 ms apart
        req_headers = [(b"Host", host.encode()), (b"Content-Length", str(len(req_body)).encode())]
        if debug:
            req_headers.append((b"X-Debug", b"1"))
        request = http.Request(
            host, 80, method, b"http", b"", path.encode(), b"HTTP/1.1",
            http.Headers(req_headers), req_body, None, ts, ts + 0.0001,
        )
        response = http.Response(
            b"HTTP/1.1", status, reason,
            http.Headers([(b"Content-Type", b"text/plain"), (b"Content-Length", str(len(resp_body)).encode())]),
            resp_body, None, ts + 0.0002, ts + 0.0003,
        )
        client = connection.Client(("127.0.0.1", 40_000 + i % 20_000), ("127.0.0.1", 8080), ts)
        server = connection.Server((host, 80))
        flow = http.HTTPFlow(client, server)
        flow.request = request
        flow.response = response
        flow.timestamp_created = ts
        flows.append(flow)
    return flows


def measure_memory(n: int, seed: int) -> tuple[list[http.HTTPFlow], dict]:
    """tracemalloc: live Python heap bytes after generating + adding, minus before, per flow."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    flows = generate(n, seed)
    gc.collect()
    after_gen = tracemalloc.get_traced_memory()[0]
    view = View()
    view.add(flows)
    gc.collect()
    after_add = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del view
    gc.collect()
    body_bytes = sum(len(f.request.raw_content) + len(f.response.raw_content) for f in flows)
    return flows, {
        "method": "tracemalloc, live bytes after generate+add minus before",
        "generate_bytes_per_flow": (after_gen - base) / n,
        "view_bytes_per_flow": (after_add - after_gen) / n,
        "body_payload_bytes_per_flow": body_bytes / n,
        "total_bytes_per_flow": (after_add - base) / n,
    }


def timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


REPEATS = 3  # each operation is timed this many times and the median reported, as the .NET side does


def median(times: list) -> float:
    return sorted(times)[len(times) // 2]


def run(n: int, seed: int) -> dict:
    flows, memory = measure_memory(n, seed)
    gc.collect()

    rows = []  # (op, seconds, view length)
    add_times = []
    for _ in range(REPEATS):
        view = None
        gc.collect()
        view = View()  # needs no addon context: add/set_filter/set_order/set_reversed use no options or ctx
        add_times.append(timed(view.add, flows))
    add_s = median(add_times)
    assert len(view) == n
    rows.append((f"add ({n} flows, one call)", add_s, len(view)))

    filters = {}
    for expr in FILTERS:
        flt = flowfilter.parse(expr)  # parsing is not timed, only the view's refilter
        times = []
        for _ in range(REPEATS):
            view.set_filter(None)
            times.append(timed(view.set_filter, flt))
        s = median(times)
        filters[expr] = {"seconds": s, "matched": len(view)}
        rows.append((f"filter {expr}", s, len(view)))

    clear_s = timed(view.set_filter, None)
    rows.append(("filter (none)", clear_s, len(view)))

    orders = {}
    for name in ORDERS:
        times = []
        for _ in range(REPEATS):
            view.set_order("time")  # a change of order each time, as on the .NET side
            times.append(timed(view.set_order, name))
        s = median(times)
        orders[name] = s
        rows.append((f"order {name}", s, len(view)))
    keys = [view.orders["size"](f) for f in view]
    assert keys == sorted(keys), "view is not in size order"

    reverse_s = timed(view.set_reversed, True)
    rows.append(("reverse on", reverse_s, len(view)))
    assert view[0] is view._view[-1]

    # Facts about the data, for reading the filter counts (not timed).
    facts = {
        "x_debug_requests": sum(1 for f in flows if "X-Debug" in f.request.headers),
        "status_404": sum(1 for f in flows if f.response.status_code == 404),
        "status_404_or_x_debug": sum(
            1 for f in flows if f.response.status_code == 404 or "X-Debug" in f.request.headers
        ),
    }
    return {
        "impl": f"mitmproxy {VERSION}",
        "flows": n,
        "seed": seed,
        "add_mode": "one view.add() call with all flows",
        "add_flows_per_s": n / add_s,
        "filters": filters,
        "filter_clear_seconds": clear_s,
        "orders": orders,
        "reverse_seconds": reverse_s,
        "bytes_per_flow": memory["total_bytes_per_flow"],
        "memory": memory,
        "data": facts,
        "_rows": rows,
    }


def print_table(result: dict, out) -> None:
    n = result["flows"]
    print(f"{result['impl']} View, Python {sys.version.split()[0]}, {n} flows, seed {result['seed']}", file=out)
    print(f"| op | seconds | µs/flow | view length |", file=out)
    print(f"| --- | ---: | ---: | ---: |", file=out)
    for op, s, length in result["_rows"]:
        print(f"| {op} | {s:.6f} | {s / n * 1e6:.3f} | {length} |", file=out)
    m = result["memory"]
    print(f"\nadd: {result['add_flows_per_s']:,.0f} flows/s", file=out)
    print(f"memory ({m['method']}): {m['total_bytes_per_flow']:,.0f} bytes/flow = "
          f"{m['generate_bytes_per_flow']:,.0f} flow objects (of which "
          f"{m['body_payload_bytes_per_flow']:,.0f} body payload) + {m['view_bytes_per_flow']:,.0f} View", file=out)
    d = result["data"]
    print(f"data: {d['status_404']} responses 404, {d['x_debug_requests']} requests with X-Debug, "
          f"{d['status_404_or_x_debug']} with either", file=out)
    if result["filters"][FILTERS[1]]["matched"] == d["status_404"] < d["status_404_or_x_debug"]:
        print(f"note: {FILTERS[1]} matched only the 404s: ~h is a case-sensitive regex over the raw header bytes "
              f"here, so \"x-debug\" does not match the header \"X-Debug: 1\"", file=out)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--flows", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout (table on stderr)")
    args = p.parse_args()
    if args.flows < 1:
        p.error("--flows must be at least 1")

    result = run(args.flows, args.seed)
    print_table(result, sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if not k.startswith("_")}))


if __name__ == "__main__":
    main()
