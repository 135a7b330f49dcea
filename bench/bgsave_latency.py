#!/usr/bin/env python3
"""GET latency while a BGSAVE of 1,000,000 keys runs, against the same server idle: rds (fork-less
snapshot) and real Redis (fork), side by side.

For each server: load 1,000,000 keys with DEBUG POPULATE, run `redis-benchmark -t get` once idle,
then again while BGSAVE runs back to back for the whole benchmark, and report p50/p99/max and the
throughput of both runs, plus how long one BGSAVE took and how many ran.

    cargo build --release
    python3 bench/bgsave_latency.py --keys 1000000 --requests 400000 --clients 50
"""

import argparse
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RDS, Conn, Server, cmd, redis_benchmark  # noqa: E402


def benchmark(port, args):
    rows = redis_benchmark(port, ["-t", "get", "-n", str(args.requests), "-c", str(args.clients), "-r", str(args.keys)])
    row = next(row for title, row in rows.items() if title == "GET")
    return {k: float(row[k]) for k in ("rps", "p50_latency_ms", "p99_latency_ms", "max_latency_ms")}


def keep_saving(server, stop, saves):
    """Issues BGSAVE whenever none runs, until `stop` is set; records each save's duration. Polls over
    one kept connection: spawning a redis-cli per poll would load the two cores during these runs only."""
    conn = Conn(server.port, timeout=60)
    while not stop.is_set():
        started = time.time()
        if not conn.cmd("BGSAVE").startswith("Background saving started"):
            time.sleep(0.01)
            continue
        while "rdb_bgsave_in_progress:1" in conn.cmd("INFO", "persistence"):
            time.sleep(0.01)
        saves.append(time.time() - started)
    conn.close()


def measure(binary, args):
    server = Server(binary, ["--enable-debug-command", "yes"])
    try:
        cmd(server.port, "DEBUG", "POPULATE", args.keys, "key", args.value_size, timeout=600)
        idle = benchmark(server.port, args)
        stop, saves = threading.Event(), []
        saver = threading.Thread(target=keep_saving, args=(server, stop, saves))
        saver.start()
        time.sleep(0.2)
        during = benchmark(server.port, args)
        stop.set()
        saver.join()
        return idle, during, saves
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--value-size", type=int, default=100)
    parser.add_argument("--requests", type=int, default=400_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rds", default=RDS, help="rds-server binary (to compare builds)")
    parser.add_argument("--servers", default="rds,redis", help="which of rds,redis to run")
    args = parser.parse_args()
    print(f"GET latency, {args.keys} keys of {args.value_size} bytes, {args.clients} clients, "
          f"{args.requests} requests per run\n")
    print("| server | run | GET/s | p50 ms | p99 ms | max ms | BGSAVEs | one BGSAVE |")
    print("|---|---|---|---|---|---|---|---|")
    for name, binary in (("rds", args.rds), ("redis", shutil.which("redis-server"))):
        if name not in args.servers.split(","):
            continue
        idle, during, saves = measure(binary, args)
        one = f"{sum(saves) / len(saves):.2f} s" if saves else "-"
        for label, run, count in (("idle", idle, "-"), ("during BGSAVE", during, str(len(saves)))):
            print(f"| {name} | {label} | {run['rps']:.0f} | {run['p50_latency_ms']:.3f} | "
                  f"{run['p99_latency_ms']:.3f} | {run['max_latency_ms']:.3f} | {count} | "
                  f"{one if label != 'idle' else '-'} |")


if __name__ == "__main__":
    main()
