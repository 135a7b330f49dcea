#!/usr/bin/env python3
"""Replication benchmarks: rds-server against redis-server 7.0, in one run, as ratios.

    python3 bench/replication.py fullsync --keys 1000000 --pairs 3
    python3 bench/replication.py throughput --replicas 2 --pairs 3

fullsync: a master holding --keys keys (DEBUG POPULATE) gets a fresh replica of the same kind; the time
from starting the replica until its link is up with every key loaded, once with `repl-diskless-sync no`
(RDB file, then `$<len>`) and once diskless (`$EOF:` framing, delay 0).

throughput: `redis-benchmark -t set -P 16` against a master with --replicas replicas of the same kind,
and against the same master alone; the replicas are checked to have caught up afterwards. While it runs,
the master's INFO replication is sampled every 50 ms for the replication lag in bytes
(`master_repl_offset` minus the slowest `slaveN:...,offset=`), reported as median and maximum.
"""

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import RDS, Server, cmd, redis_benchmark  # noqa: E402


def command(port, *args):
    """One command, patient enough for DEBUG POPULATE; INFO's text, or "" when unreachable."""
    reply = cmd(port, *args, timeout=600)
    return "" if reply is None else reply


def info(port, field):
    for line in command(port, "INFO", "replication").splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1]
    return ""


def lag_bytes(port):
    """master_repl_offset minus the smallest replica offset the master knows (None without replicas)."""
    fields = dict(line.split(":", 1) for line in command(port, "INFO", "replication").splitlines() if ":" in line)
    offsets = [
        int(part.split("=", 1)[1])
        for key, value in fields.items()
        if key.startswith("slave") and key[5:].isdigit()
        for part in value.split(",")
        if part.startswith("offset=")
    ]
    return int(fields["master_repl_offset"]) - min(offsets) if offsets else None


class LagSampler(threading.Thread):
    """Samples the master's replication lag every 50 ms until stopped."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.samples, self.done = port, [], threading.Event()

    def run(self):
        while not self.done.wait(0.05):
            try:
                lag = lag_bytes(self.port)
            except OSError:
                continue
            if lag is not None:
                self.samples.append(lag)

    def stop(self):
        self.done.set()
        self.join()
        return (statistics.median(self.samples), max(self.samples)) if self.samples else (0, 0)


def wait_synced(master, replica, keys, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if info(replica.port, "master_link_status") == "up" and command(replica.port, "DBSIZE") == keys:
                return True
        except OSError:
            pass
        time.sleep(0.01)
    return False


def fullsync_once(binary, keys, diskless):
    extra = ["--enable-debug-command", "yes", "--repl-diskless-sync", "yes" if diskless else "no",
             "--repl-diskless-sync-delay", "0"]
    master = Server(binary, extra)
    try:
        command(master.port, "DEBUG", "POPULATE", str(keys))
        started = time.time()
        replica = Server(binary, ["--replicaof", "127.0.0.1", str(master.port)])
        try:
            if not wait_synced(master, replica, keys):
                raise RuntimeError("replica did not sync")
            return time.time() - started
        finally:
            replica.stop()
    finally:
        master.stop()


def fullsync(opts):
    for diskless in (False, True):
        ratios, rds_times, redis_times = [], [], []
        for pair in range(opts.pairs):
            order = [("rds", opts.rds), ("redis", "redis-server")]
            if pair % 2:
                order.reverse()
            times = {name: fullsync_once(binary, opts.keys, diskless) for name, binary in order}
            rds_times.append(times["rds"])
            redis_times.append(times["redis"])
            ratios.append(times["rds"] / times["redis"])
        mode = "diskless" if diskless else "disk"
        print(f"fullsync {mode:8} keys={opts.keys}: rds {statistics.median(rds_times):.2f}s "
              f"redis {statistics.median(redis_times):.2f}s ratio rds/redis {statistics.median(ratios):.2f}")


def throughput_once(binary, replicas, opts):
    master = Server(binary, ["--repl-diskless-sync-delay", "0"])
    followers = []
    try:
        bench = ["-t", "set", "-P", "16", "-n", str(opts.requests), "-r", "100000", "-c", "50"]
        alone = float(redis_benchmark(master.port, bench)["SET"]["rps"])
        for _ in range(replicas):
            followers.append(Server(binary, ["--replicaof", "127.0.0.1", str(master.port)]))
        for follower in followers:
            deadline = time.time() + 60
            while info(follower.port, "master_link_status") != "up" and time.time() < deadline:
                time.sleep(0.01)
        sampler = LagSampler(master.port)
        sampler.start()
        replicated = float(redis_benchmark(master.port, bench)["SET"]["rps"])
        lag = sampler.stop()
        offset = info(master.port, "master_repl_offset")
        for follower in followers:
            deadline = time.time() + 60
            while info(follower.port, "slave_repl_offset") != offset and time.time() < deadline:
                time.sleep(0.01)
            if info(follower.port, "slave_repl_offset") != offset:
                raise RuntimeError("replica did not catch up")
        return alone, replicated, lag
    finally:
        for follower in followers:
            follower.stop()
        master.stop()


def throughput(opts):
    ratios, results = [], {"rds": [], "redis": []}
    for pair in range(opts.pairs):
        order = [("rds", RDS), ("redis", "redis-server")]
        if pair % 2:
            order.reverse()
        got = {name: throughput_once(binary, opts.replicas, opts) for name, binary in order}
        for name in got:
            results[name].append(got[name])
        ratios.append(got["rds"][1] / got["redis"][1])
    for name, runs in results.items():
        alone = statistics.median(r[0] for r in runs)
        replicated = statistics.median(r[1] for r in runs)
        lag_median = statistics.median(r[2][0] for r in runs)
        lag_max = max(r[2][1] for r in runs)
        print(f"{name:5} SET -P 16: alone {alone:,.0f} rps, with {opts.replicas} replicas {replicated:,.0f} rps, "
              f"replication lag median {lag_median:,.0f} bytes, max {lag_max:,.0f} bytes")
    print(f"ratio rds/redis with {opts.replicas} replicas: {statistics.median(ratios):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="bench", required=True)
    p = sub.add_parser("fullsync")
    p.add_argument("--keys", type=int, default=1_000_000)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--rds", default=RDS, help="rds-server binary (to compare builds)")
    p = sub.add_parser("throughput")
    p.add_argument("--replicas", type=int, default=2)
    p.add_argument("--requests", type=int, default=2_000_000)
    p.add_argument("--pairs", type=int, default=3)
    opts = parser.parse_args()
    {"fullsync": fullsync, "throughput": throughput}[opts.bench](opts)


if __name__ == "__main__":
    main()
