#!/usr/bin/env python3
"""Persistence numbers of rds against real Redis 7.0, measured side by side.

    cargo build --release
    python3 bench/persistence.py rdb --keys 1000000 --loads 5  # SAVE time, RDB size, startup load time
    python3 bench/persistence.py aof --requests 2000000 # redis-benchmark -t set -P 16, appendonly everysec

`rdb` loads the same 1,000,000 mixed keys into each server (60% strings, 10% each of lists, hashes,
sets and sorted sets of 5 elements, 10% of all keys with a TTL), times SAVE, reports the file size,
then restarts each server on its file --loads times (alternating rds and redis) and reports the median
and range of its own "DB loaded from disk" times, and the median of the per-pair ratios.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RDS, cmd, encode, free_port, redis_benchmark  # noqa: E402

SERVERS = (("rds", RDS), ("redis", shutil.which("redis-server")))


def call(port, *args):
    """One command, patient enough for DEBUG POPULATE and SAVE; None when unreachable."""
    return cmd(port, *args, timeout=600)


def start(binary, directory, extra=()):
    port = free_port()
    log = open(os.path.join(directory, "server.log"), "a")
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", directory,
            "--enable-debug-command", "yes", *extra]
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if call(port, "PING") == "PONG":
            return proc, port
        time.sleep(0.02)
    raise RuntimeError(f"{binary} did not start")


def stop(proc, port):
    call(port, "SHUTDOWN", "NOSAVE")
    proc.wait(timeout=60)


def mixed_commands(keys):
    """RESP commands creating `keys` keys beyond the DEBUG POPULATE strings (40% of them)."""
    per_kind = keys // 10
    chunks = []
    for i in range(per_kind):
        chunks.append(encode("RPUSH", f"list:{i}", "a", "b", "c", i, "elements-of-a-list"))
        chunks.append(encode("HSET", f"hash:{i}", "name", f"user{i}", "age", i % 90, "city", "Paris"))
        chunks.append(encode("SADD", f"set:{i}", i, i + 1, i + 2, "member", f"m{i}"))
        chunks.append(encode("ZADD", f"zset:{i}", 1, "a", 2.5, "b", i, "c", -3, "d", 1e10, "e"))
    for i in range(0, keys * 6 // 10, 10):
        chunks.append(encode("PEXPIRE", f"str:{i}", 86_400_000))
    return b"".join(chunks)


def fill(port, keys, commands):
    call(port, "DEBUG", "POPULATE", keys * 6 // 10, "str", 32)
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=commands, capture_output=True, check=True)
    assert call(port, "DBSIZE") == keys, call(port, "DBSIZE")


def loaded_seconds(directory):
    with open(os.path.join(directory, "server.log")) as f:
        found = re.findall(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
    return float(found[-1]) if found else float("nan")


def rdb(args):
    """SAVE once per server, then restart each on its file `--loads` times, alternating the servers so
    both see the same machine load; reports the median and range of the load times."""
    commands = mixed_commands(args.keys)
    print(f"{args.keys} mixed keys, {args.loads} alternating loads per server\n")
    saved = {}
    try:
        for name, binary in SERVERS:
            directory = tempfile.mkdtemp(prefix="rds-persist-bench-")
            saved[name] = {"dir": directory, "loads": [], "rss": []}
            proc, port = start(binary, directory)
            fill(port, args.keys, commands)
            started = time.time()
            assert call(port, "SAVE") == "OK"
            saved[name]["save"] = time.time() - started
            saved[name]["digest"] = call(port, "DEBUG", "DIGEST")
            stop(proc, port)
            saved[name]["size"] = os.path.getsize(os.path.join(directory, "dump.rdb"))
        for _ in range(args.loads):
            for name, binary in SERVERS:
                run = saved[name]
                proc, port = start(binary, run["dir"])
                assert call(port, "DEBUG", "DIGEST") == run["digest"]
                with open(f"/proc/{proc.pid}/status") as f:
                    rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024
                stop(proc, port)
                run["loads"].append(loaded_seconds(run["dir"]))
                run["rss"].append(rss)
        print("| server | SAVE | RDB size | load at startup (median) | load range | RSS after load |")
        print("|---|---|---|---|---|---|")
        for name, _ in SERVERS:
            run = saved[name]
            loads = sorted(run["loads"])
            print(f"| {name} | {run['save']:.3f} s | {run['size'] / 1e6:.1f} MB | {statistics.median(loads):.3f} s | "
                  f"{loads[0]:.3f}–{loads[-1]:.3f} s | {statistics.median(run['rss']):.0f} MiB |")
        ratios = [a / b for a, b in zip(saved["rds"]["loads"], saved["redis"]["loads"])]
        print(f"\nload time ratio rds/redis, median of {len(ratios)} alternating pairs: {statistics.median(ratios):.2f}")
    finally:
        for run in saved.values():
            shutil.rmtree(run["dir"], ignore_errors=True)


def aof(args):
    print(f"redis-benchmark -t set -P 16 -n {args.requests} -r 1000000, appendonly yes, appendfsync {args.fsync}\n")
    print("| server | SET/s | p50 ms | p99 ms | AOF size |")
    print("|---|---|---|---|---|")
    for name, binary in SERVERS:
        directory = tempfile.mkdtemp(prefix="rds-aof-bench-")
        try:
            proc, port = start(binary, directory, ["--appendonly", "yes", "--appendfsync", args.fsync])
            row = redis_benchmark(port, ["-t", "set", "-P", "16", "-n", str(args.requests), "-r", "1000000"])["SET"]
            # An automatic rewrite started during the run: let it finish before measuring the files.
            deadline = time.time() + 60
            while "aof_rewrite_in_progress:1" in (call(port, "INFO", "persistence") or "") and time.time() < deadline:
                time.sleep(0.1)
            aof_dir = os.path.join(directory, "appendonlydir")
            size = sum(os.path.getsize(os.path.join(aof_dir, f)) for f in os.listdir(aof_dir))
            stop(proc, port)
            print(f"| {name} | {float(row['rps']):.0f} | {float(row['p50_latency_ms']):.3f} | "
                  f"{float(row['p99_latency_ms']):.3f} | {size / 1e6:.1f} MB |")
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("rdb")
    r.add_argument("--keys", type=int, default=1_000_000)
    r.add_argument("--loads", type=int, default=5)
    a = sub.add_parser("aof")
    a.add_argument("--requests", type=int, default=2_000_000)
    a.add_argument("--fsync", default="everysec")
    args = parser.parse_args()
    {"rdb": rdb, "aof": aof}[args.what](args)


if __name__ == "__main__":
    main()
