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
import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RDS = os.path.join(ROOT, "target", "release", "rds-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True)
    return out.stdout.strip()


class Server:
    """A server on a free port with a throwaway directory."""

    def __init__(self, binary):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="rds-bgsave-bench-")
        self.log = open(os.path.join(self.dir, "server.log"), "w")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir, "--enable-debug-command", "yes"]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if cli(self.port, "PING") == "PONG":
                    return
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{binary} did not start")

    def info(self, field):
        for line in cli(self.port, "INFO", "persistence").splitlines():
            if line.startswith(field + ":"):
                return line.split(":", 1)[1]
        return ""

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def benchmark(port, args):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "--csv", "-t", "get", "-n", str(args.requests),
                          "-c", str(args.clients), "-r", str(args.keys)], capture_output=True, text=True, check=True)
    row = next(r for r in csv.DictReader(io.StringIO(out.stdout)) if r["test"] == "GET")
    return {k: float(row[k]) for k in ("rps", "p50_latency_ms", "p99_latency_ms", "max_latency_ms")}


class Connection:
    """One RESP connection kept open, so polling does not spawn a redis-cli process per call (on two
    cores that noise alone shows up in the benchmark's tail)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            data = str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)
        return self._reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _reply(self):
        line = self._line()
        if line[:1] == b"$":
            size = int(line[1:])
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(65536)
            data, self.buf = self.buf[:size], self.buf[size + 2:]
            return data.decode()
        return line[1:].decode()


def keep_saving(server, stop, saves):
    """Issues BGSAVE whenever none runs, until `stop` is set; records each save's duration."""
    conn = Connection(server.port)
    while not stop.is_set():
        started = time.time()
        if not conn.call("BGSAVE").startswith("Background saving started"):
            time.sleep(0.01)
            continue
        while "rdb_bgsave_in_progress:1" in conn.call("INFO", "persistence"):
            time.sleep(0.01)
        saves.append(time.time() - started)
    conn.sock.close()


def measure(binary, args):
    server = Server(binary)
    try:
        cli(server.port, "DEBUG", "POPULATE", str(args.keys), "key", str(args.value_size))
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
