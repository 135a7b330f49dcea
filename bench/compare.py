#!/usr/bin/env python3
"""Benchmarks rds-server against the real redis-server in one run, as ratios.

Each pair starts a fresh rds-server and a fresh redis-server and runs the same redis-benchmark load
against both, alternating which goes first. Machines are shared and noisy, so only the ratios of a
pair are meaningful; the median over pairs is reported.

    python3 bench/compare.py throughput --tests set,get,incr,mset --pipelines 1,16 --pairs 3
    python3 bench/compare.py memory --keys 1000000
    python3 bench/compare.py idle
"""

import argparse
import csv
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RDS = os.path.join(ROOT, "target", "release", "rds-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on a free port with a throwaway directory."""

    def __init__(self, binary, extra=()):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="rds-bench-")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir, *extra]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{binary} did not start")

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        return 0

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_benchmark(port, args):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "--csv", *args], capture_output=True, text=True,
                         timeout=900, check=True).stdout
    rows = {}
    for row in csv.DictReader(io.StringIO(out)):
        name = row["test"].split(" ")[0]
        rows[name] = (float(row["rps"]), float(row["p99_latency_ms"]))
    return rows


def throughput(opts):
    results = {}  # (test, pipeline) -> list of (rps ratio, p99 ratio, rds rps, redis rps)
    for pair in range(opts.pairs):
        for pipeline in opts.pipelines:
            order = ["rds", "redis"] if pair % 2 == 0 else ["redis", "rds"]
            measured = {}
            for who in order:
                server = Server(RDS if who == "rds" else "redis-server")
                try:
                    measured[who] = redis_benchmark(server.port, [
                        "-t", opts.tests, "-c", str(opts.clients), "-n", str(opts.requests),
                        "-r", str(opts.keyspace), "-P", str(pipeline), "-d", str(opts.size)])
                finally:
                    server.stop()
            for test, (rds_rps, rds_p99) in measured["rds"].items():
                redis_rps, redis_p99 = measured["redis"].get(test, (0.0, 0.0))
                results.setdefault((test, pipeline), []).append(
                    (rds_rps / redis_rps if redis_rps else 0.0,
                     rds_p99 / redis_p99 if redis_p99 else 0.0, rds_rps, redis_rps))
            print(f"pair {pair + 1} -P {pipeline}: done", file=sys.stderr)
    print(f"| test | -P | rds rps | redis rps | rps ratio (median of {opts.pairs}) | p99 ratio |")
    print("|---|---|---|---|---|---|")
    for (test, pipeline), rows in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        print(f"| {test} | {pipeline} | {statistics.median(r[2] for r in rows):,.0f} "
              f"| {statistics.median(r[3] for r in rows):,.0f} | {statistics.median(r[0] for r in rows):.2f} "
              f"| {statistics.median(r[1] for r in rows):.2f} |")


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
    i = sub.add_parser("idle")
    i.add_argument("--seconds", type=int, default=10)
    opts = parser.parse_args()
    if not os.path.exists(RDS):
        sys.exit(f"{RDS} missing: run `cargo build --release` first")
    {"throughput": throughput, "memory": memory, "idle": idle}[opts.mode](opts)


if __name__ == "__main__":
    main()
