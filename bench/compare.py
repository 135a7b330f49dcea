#!/usr/bin/env python3
"""Benchmarks rds-server against the real redis-server in one run, as ratios.

Each pair starts a fresh rds-server and a fresh redis-server and runs the same redis-benchmark load
against both, alternating which goes first. Machines are shared and noisy, so only the ratios of a
pair are meaningful; the median over pairs is reported.

    python3 bench/compare.py throughput --tests set,get,incr,mset --pipelines 1,16 --pairs 3
    python3 bench/compare.py memory --keys 1000000
    python3 bench/compare.py idle
    python3 bench/compare.py collections --kinds hash,zset --count 100000
"""

import argparse
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RDS, Server, encode, redis_benchmark  # noqa: E402


def throughput(opts):
    """Per test: requests/s and server CPU time per request, rds against redis, median over pairs.

    CPU time per request (utime+stime of the server process) is the steadier of the two on a shared
    machine: it does not count time the server spent waiting for a core.
    """
    results = {}  # (test, pipeline) -> list of (rds rps, redis rps, rds p99, redis p99, rds cpu/req, redis cpu/req)
    for pair in range(opts.pairs):
        for pipeline in opts.pipelines:
            order = ["rds", "redis"] if pair % 2 == 0 else ["redis", "rds"]
            measured = {who: {} for who in order}
            for who in order:
                server = Server(RDS if who == "rds" else "redis-server")
                try:
                    for test in opts.tests.split(","):
                        before = server.cpu_seconds()
                        rows = redis_benchmark(server.port, [
                            "-t", test, "-c", str(opts.clients), "-n", str(opts.requests),
                            "-r", str(opts.keyspace), "-P", str(pipeline), "-d", str(opts.size)])
                        cpu = server.cpu_seconds() - before
                        # LRANGE tests print a row for the LPUSH that fills their list first: keep only
                        # the requested test's row (its CPU then includes the fill, noted in the docs).
                        for title, row in rows.items():
                            name = title.split(" ")[0]
                            if name.lower() == test.lower():
                                measured[who][name] = (float(row["rps"]), float(row["p99_latency_ms"]),
                                                       cpu / opts.requests * 1e9)
                finally:
                    server.stop()
            for test, (rds_rps, rds_p99, rds_cpu) in measured["rds"].items():
                redis_rps, redis_p99, redis_cpu = measured["redis"].get(test, (0.0, 0.0, 0.0))
                results.setdefault((test, pipeline), []).append(
                    (rds_rps, redis_rps, rds_p99, redis_p99, rds_cpu, redis_cpu))
            print(f"pair {pair + 1} -P {pipeline}: done", file=sys.stderr)
    print("| test | -P | rds rps | redis rps | rps ratio | p99 ratio | rds CPU ns/req | redis CPU ns/req "
          "| efficiency (redis CPU / rds CPU) |")
    print("|---|---|---|---|---|---|---|---|---|")

    def ratio(a, b):
        return a / b if b else 0.0

    for (test, pipeline), rows in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        med = lambda f: statistics.median(f(r) for r in rows)  # noqa: E731
        print(f"| {test} | {pipeline} | {med(lambda r: r[0]):,.0f} | {med(lambda r: r[1]):,.0f} "
              f"| {med(lambda r: ratio(r[0], r[1])):.2f} | {med(lambda r: ratio(r[2], r[3])):.2f} "
              f"| {med(lambda r: r[4]):,.0f} | {med(lambda r: r[5]):,.0f} | {med(lambda r: ratio(r[5], r[4])):.2f} |")
    print(f"\nmedian of {opts.pairs} pair(s); {opts.requests:,} requests per test, -c {opts.clients}, "
          f"-r {opts.keyspace}, -d {opts.size}")


def memory(opts):
    rows = []
    for who, binary in (("rds", RDS), ("redis", "redis-server")):
        server = Server(binary)
        try:
            redis_benchmark(server.port, ["-t", "set", "-r", str(opts.keys), "-n", str(opts.keys * 3),
                                          "-d", "16", "-P", "16", "-c", "50"])
            rows.append((who, server.status("VmHWM"), server.status("VmRSS")))
        finally:
            server.stop()
    print("| server | peak RSS | RSS after load |")
    print("|---|---|---|")
    for who, peak, rss in rows:
        print(f"| {who} | {peak / 2**20:.1f} MiB | {rss / 2**20:.1f} MiB |")
    print(f"\nratio rds/redis (peak RSS): {rows[0][1] / rows[1][1]:.2f}")


def load_pipelined(port, commands, batch=1000):
    """Sends RESP commands pipelined in batches and reads all replies."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(60)
        for start in range(0, len(commands), batch):
            chunk = commands[start:start + batch]
            sock.sendall(b"".join(encode(*argv) for argv in chunk))
            replies = 0
            buffered = b""
            while replies < len(chunk):
                buffered += sock.recv(1 << 16)
                replies = buffered.count(b"\r\n")
            # Replies are integers (":N\r\n"), one line each.


def collections(opts):
    """RSS after loading N hashes of 10 fields, or N sorted sets of 10 members."""
    kinds = {
        "hash": lambda i: [b"HSET", b"hash:%d" % i] + [x for f in range(10) for x in (b"field:%d" % f, b"value:%d" % f)],
        "zset": lambda i: [b"ZADD", b"zset:%d" % i] + [x for m in range(10) for x in (b"%d" % m, b"member:%d" % m)],
    }
    print("| data | rds RSS | redis RSS | ratio |")
    print("|---|---|---|---|")
    for kind in opts.kinds.split(","):
        commands = [kinds[kind](i) for i in range(opts.count)]
        rss = {}
        for who, binary in (("rds", RDS), ("redis", "redis-server")):
            server = Server(binary)
            try:
                load_pipelined(server.port, commands)
                rss[who] = server.status("VmRSS")
            finally:
                server.stop()
        print(f"| {opts.count:,} {'hashes' if kind == 'hash' else 'sorted sets'} of 10 | {rss['rds'] / 2**20:.1f} MiB | {rss['redis'] / 2**20:.1f} MiB "
              f"| {rss['rds'] / rss['redis']:.2f} |")


def idle(opts):
    print("| server | CPU over idle window | RSS |")
    print("|---|---|---|")
    for who, binary in (("rds", RDS), ("redis", "redis-server")):
        server = Server(binary)
        try:
            time.sleep(1)
            before = server.cpu_seconds()
            time.sleep(opts.seconds)
            used = server.cpu_seconds() - before
            print(f"| {who} | {used / opts.seconds * 100:.2f}% of a core | {server.status('VmRSS') / 2**20:.1f} MiB |")
        finally:
            server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("throughput")
    t.add_argument("--tests", default="set,get,incr,mset")
    t.add_argument("--clients", type=int, default=50)
    t.add_argument("--requests", type=int, default=1_000_000)
    t.add_argument("--keyspace", type=int, default=100_000)
    t.add_argument("--size", type=int, default=3)
    t.add_argument("--pipelines", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16])
    t.add_argument("--pairs", type=int, default=3)
    m = sub.add_parser("memory")
    m.add_argument("--keys", type=int, default=1_000_000)
    c = sub.add_parser("collections")
    c.add_argument("--kinds", default="hash,zset")
    c.add_argument("--count", type=int, default=100_000)
    i = sub.add_parser("idle")
    i.add_argument("--seconds", type=int, default=10)
    opts = parser.parse_args()
    if not os.path.exists(RDS):
        sys.exit(f"{RDS} missing: run `cargo build --release` first")
    {"throughput": throughput, "memory": memory, "idle": idle, "collections": collections}[opts.mode](opts)


if __name__ == "__main__":
    main()
