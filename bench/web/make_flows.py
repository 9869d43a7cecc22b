#!/usr/bin/python3
"""Writes N synthetic HTTP flows to a mitmproxy flow file (mitmproxy 8.1.1's own classes and FlowWriter), the input of
bench/web/run.sh for both the Addons host and mitmweb. Deterministic for a seed.

    make_flows.py OUT.mitm N [--seed S]
    make_flows.py OUT.mitm --copies K --of IN.mitm [--first F]   # copies F..F+K-1 of IN's flows, other ids and times

The copies are made on the bytes of the file (a flow file is a sequence of tnetstrings): copy k gets every id (flow,
client, server) with its first hex digit set to k, and every timestamp moved k * 1,000 s later, so a million flows
take seconds where generating them takes minutes. (The host reads a flow file into one array, so a file must stay
under 2 GiB: 1,000,000 of these flows are written as two files of 500,000.)

The flows vary as bench/view's do (4 methods, 50 hosts, API/static/search paths, 4 status codes) with smaller bodies
(requests 0-256 bytes for POST and PUT, responses 0-1024 bytes), so that a million of them stay near a gigabyte.
About 10% match the benchmark's filter `~m POST & ~u /api`, spread evenly over the file.
"""
import argparse
import random
import re
import sys

from mitmproxy import connection, http, io

METHODS = ([b"GET", b"POST", b"PUT", b"DELETE"], [60, 85, 95, 100])  # (values, cumulative weights in %)
PATHS = (["/api/v1/items/{n}", "/static/app{n}.js", "/index.html", "/search?q={n}"], [40, 70, 90, 100])
STATUSES = ([(200, b"OK"), (404, b"Not Found"), (500, b"Internal Server Error"), (301, b"Moved Permanently")],
            [70, 85, 90, 100])
HOSTS = [f"host{i}.example" for i in range(50)]
START_TS = 1_764_900_000.0
LOWERCASE = bytes(ord("a") + i % 26 for i in range(256))


def pick(rng, table):
    values, cum_weights = table
    return rng.choices(values, cum_weights=cum_weights)[0]


def copy(src, out, copies, first):
    if not (0 <= first and 1 <= copies and first + copies <= 10):
        sys.exit("copies 0 to 9 at most (one digit)")
    data = bytearray(open(src, "rb").read())
    # Where the bytes to change are, found once: the first hex digit of each id, and the seventh digit of each
    # timestamp (1764900xxx.yyy -> 17649k0xxx.yyy). The same length, so every tnetstring length stays right.
    stamp = b":%d" % (START_TS // 1000)
    spots = [m.start() + 8 for m in re.finditer(rb"2:id;36:[0-9a-f]", data)]
    spots += [m.start() + len(stamp) - 1 for m in re.finditer(re.escape(stamp), data)]
    with open(out, "wb") as f:
        for k in range(first, first + copies):
            digit = ord("0") + k
            for i in spots:
                data[i] = digit
            f.write(data)
    print(f"wrote copies {first}..{first + copies - 1} of {src} to {out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int, nargs="?")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copies", type=int)
    ap.add_argument("--of")
    ap.add_argument("--first", type=int, default=0)
    args = ap.parse_args()
    if args.copies:
        copy(args.of, args.out, args.copies, args.first)
        return
    rng = random.Random(args.seed)
    # Bodies are slices of one pool of letters: generating random bytes per flow would dominate the run.
    pool = rng.randbytes(1 << 16).translate(LOWERCASE)
    with open(args.out, "wb") as f:
        w = io.FlowWriter(f)
        for i in range(args.n):
            method = pick(rng, METHODS)
            host = rng.choice(HOSTS)
            path = pick(rng, PATHS).format(n=rng.randrange(10_000))
            status, reason = pick(rng, STATUSES)
            start = rng.randrange(len(pool) - 2048)
            req_body = pool[start:start + rng.randint(0, 256)] if method in (b"POST", b"PUT") else b""
            resp_body = pool[start + 256:start + 256 + rng.randint(0, 1024)]
            ts = START_TS + i * 0.001  # 1 ms apart
            request = http.Request(
                host, 80, method, b"http", b"", path.encode(), b"HTTP/1.1",
                http.Headers([(b"Host", host.encode()), (b"User-Agent", b"bench/1"),
                              (b"Content-Length", str(len(req_body)).encode())]),
                req_body, None, ts, ts + 0.0001,
            )
            response = http.Response(
                b"HTTP/1.1", status, reason,
                http.Headers([(b"Content-Type", b"text/plain"), (b"Content-Length", str(len(resp_body)).encode())]),
                resp_body, None, ts + 0.002, ts + 0.003,
            )
            client = connection.Client(("127.0.0.1", 40_000 + i % 20_000), ("127.0.0.1", 8080), ts)
            client.timestamp_end = ts + 0.004
            server = connection.Server((host, 80))
            server.timestamp_start = ts + 0.0002
            server.timestamp_tcp_setup = ts + 0.0005
            server.timestamp_end = ts + 0.004
            flow = http.HTTPFlow(client, server)
            flow.request = request
            flow.response = response
            flow.timestamp_created = ts
            w.add(flow)
    print(f"wrote {args.n} flows to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
