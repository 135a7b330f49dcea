#!/usr/bin/env python3
"""Sentinel failover benchmark: the rds stack (rds-server + rds-sentinel) against the real Redis stack
(redis-server + redis-sentinel 7.0), alternately in one run, with the same configuration.

    cargo build --release --bin rds-server --bin rds-sentinel
    python3 bench/sentinel.py --runs 5

Each run starts a master, two replicas and three sentinels (quorum 2, down-after-milliseconds 1000,
failover-timeout 10000) on loopback, writes `SET` through a client that follows the sentinels (about a
thousand writes a second), and kill -9s the master. Measured:

- recovery: from the kill until every sentinel answers GET-MASTER-ADDR-BY-NAME with the same new
  address and that server accepts a write;
- lost: writes acknowledged (by the old master before the kill, or by the new one after) that the new
  master does not hold once the dust settles;
- extra failovers: the sentinels' master changing again within 5 s after recovery.

Prints each run and the medians, and the rds/Redis ratio of the median recovery times. With
`--timeline`, every sentinel's events are recorded (PSUBSCRIBE *) and each run prints when the
failover's steps happened after the kill; the medians of those times end the report.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import ROOT, Conn, Server, cmd, free_port  # noqa: E402

DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 10000
NAME = "mymaster"


def master_addr(port):
    reply = cmd(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", NAME, timeout=0.5)
    return (reply[0], int(reply[1])) if isinstance(reply, list) and len(reply) == 2 else None


class Sentinel:
    def __init__(self, binary, master_port):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="rds-bench-sentinel-")
        conf = os.path.join(self.dir, "sentinel.conf")
        with open(conf, "w") as f:
            f.write(f"sentinel monitor {NAME} 127.0.0.1 {master_port} 2\n"
                    f"sentinel down-after-milliseconds {NAME} {DOWN_AFTER_MS}\n"
                    f"sentinel failover-timeout {NAME} {FAILOVER_TIMEOUT_MS}\n"
                    f"sentinel parallel-syncs {NAME} 1\n")
        self.proc = subprocess.Popen([binary, conf, "--port", str(self.port), "--dir", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while cmd(self.port, "PING", timeout=0.2) != "PONG":
            if time.time() > deadline:
                self.stop()
                raise RuntimeError(f"{binary} did not start")
            time.sleep(0.05)

    def view(self):
        """The master0 line of INFO sentinel as a dict."""
        text = cmd(self.port, "INFO", "sentinel") or ""
        for line in text.splitlines():
            if line.startswith("master0:"):
                return dict(kv.split("=", 1) for kv in line[len("master0:"):].split(","))
        return {}

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# The steps of a failover, in order, as the timeline reports them: the first sentinel to publish the
# event, and for the ones every sentinel publishes, the last one too.
STEPS = ["+sdown", "+odown", "+try-failover", "+vote-for-leader", "+elected-leader", "+selected-slave",
         "+failover-state-wait-promotion", "+promoted-slave", "+slave-reconf-sent", "+slave-reconf-inprog",
         "+slave-reconf-done", "+failover-end", "+switch-master"]
EVERY = {"+sdown", "+odown", "+vote-for-leader", "+switch-master"}


class Events(threading.Thread):
    """Every event one sentinel publishes, with its arrival time."""

    def __init__(self, index, port, events):
        super().__init__(daemon=True)
        self.index, self.events = index, events
        self.conn = Conn(port, timeout=0.2)
        self.conn.sock.sendall(b"*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n")
        self.conn.sock.settimeout(5)
        self.conn._read()
        # Blocking reads; stop() shuts the socket down, which ends them.
        self.conn.sock.settimeout(None)

    def run(self):
        while True:
            try:
                msg = self.conn._read()
            except (OSError, ConnectionError):
                return
            if isinstance(msg, list) and len(msg) == 4 and msg[0] == "pmessage":
                self.events.append((time.time(), self.index, msg[2], msg[3]))

    def stop(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.join()
        self.conn.close()


def timeline(events, killed, old_port):
    """{step: (first, last)} seconds after the kill, for the steps about the failover of `old_port`."""
    out = {}
    for at, index, channel, message in sorted(events):
        if at < killed or channel not in STEPS:
            continue
        if channel in ("+sdown", "+odown") and not message.startswith(f"master {NAME} 127.0.0.1 {old_port}"):
            continue
        first, last, seen = out.get(channel, (at - killed, at - killed, set()))
        seen.add(index)
        out[channel] = (first, at - killed, seen)
    return {k: (first, last) for k, (first, last, _seen) in out.items()}


class Writer(threading.Thread):
    """SET b:<i> <i> through whatever master the sentinels name; records acknowledged indexes."""

    def __init__(self, sentinel_ports):
        super().__init__(daemon=True)
        self.sentinels = sentinel_ports
        self.acked = []
        self.stopped = threading.Event()

    def connect(self):
        while not self.stopped.is_set():
            for port in self.sentinels:
                addr = master_addr(port)
                if addr:
                    try:
                        return Conn(addr[1], timeout=0.5)
                    except OSError:
                        pass
            time.sleep(0.01)
        return None

    def run(self):
        i, conn = 0, None
        while not self.stopped.is_set():
            if conn is None:
                conn = self.connect()
                if conn is None:
                    return
            try:
                if conn.cmd("SET", f"b:{i}", i) == "OK":
                    self.acked.append(i)
                else:
                    # -READONLY from a demoted master, ...: ask the sentinels again.
                    conn.close()
                    conn = None
            except OSError:
                conn.close()
                conn = None
            i += 1
            time.sleep(0.001)
        if conn:
            conn.close()


def missing(port, indexes):
    c = Conn(port, timeout=10)
    lost = 0
    for start in range(0, len(indexes), 500):
        chunk = indexes[start:start + 500]
        values = c.cmd("MGET", *[f"b:{i}" for i in chunk])
        lost += sum(1 for i, v in zip(chunk, values) if v != str(i))
    c.close()
    return lost


def one_run(server_bin, sentinel_bin, with_timeline=False):
    extra = ["--repl-diskless-sync-delay", "0"]
    master = Server(server_bin, extra)
    replicas = [Server(server_bin, extra + ["--replicaof", "127.0.0.1", str(master.port)]) for _ in range(2)]
    sentinels = []
    try:
        sentinels = [Sentinel(sentinel_bin, master.port) for _ in range(3)]
        deadline = time.time() + 30
        while not all(s.view().get("slaves") == "2" and s.view().get("sentinels") == "3" for s in sentinels):
            if time.time() > deadline:
                raise RuntimeError("sentinels did not discover each other")
            time.sleep(0.05)
        old = master.port
        events, watchers = [], []
        if with_timeline:
            watchers = [Events(i, s.port, events) for i, s in enumerate(sentinels)]
            for w in watchers:
                w.start()
        writer = Writer([s.port for s in sentinels])
        writer.start()
        time.sleep(1.0)
        master.proc.kill()
        killed = time.time()
        master.proc.wait()
        new = None
        while time.time() - killed < 90:
            addrs = [master_addr(s.port) for s in sentinels]
            if addrs[0] and addrs[0][1] != old and all(a == addrs[0] for a in addrs):
                if cmd(addrs[0][1], "SET", "probe", "1", timeout=0.5) == "OK":
                    new = addrs[0][1]
                    break
            time.sleep(0.005)
        if new is None:
            raise RuntimeError("no failover within 90 s")
        recovery = time.time() - killed
        # Extra failovers show up as the sentinels' master moving again.
        settle = time.time() + 5
        final = new
        while time.time() < settle:
            addr = master_addr(sentinels[0].port)
            if addr:
                final = addr[1]
            time.sleep(0.05)
        writer.stopped.set()
        writer.join()
        lost = missing(final, writer.acked)
        for w in watchers:
            w.stop()
        steps = timeline(events, killed, old) if with_timeline else {}
        return recovery, lost, len(writer.acked), final != new, steps
    finally:
        for s in sentinels:
            s.stop()
        master.stop()
        for r in replicas:
            r.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs of each stack (at least 3)")
    parser.add_argument("--timeline", action="store_true", help="record and print when each failover step happened")
    parser.add_argument("--only", choices=["rds", "redis"], help="run one stack only")
    parser.add_argument("--rds-server", default=os.path.join(ROOT, "target", "release", "rds-server"))
    parser.add_argument("--rds-sentinel", default=os.path.join(ROOT, "target", "release", "rds-sentinel"))
    parser.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    parser.add_argument("--redis-sentinel", default=shutil.which("redis-sentinel") or "redis-sentinel")
    opts = parser.parse_args()
    stacks = {"rds": (opts.rds_server, opts.rds_sentinel), "redis": (opts.redis_server, opts.redis_sentinel)}
    if opts.only:
        stacks = {opts.only: stacks[opts.only]}
    results = {name: [] for name in stacks}
    steps = {name: [] for name in stacks}
    for run in range(max(3, opts.runs)):
        for name, (server, sentinel) in stacks.items():
            recovery, lost, acked, extra, timeline_ = one_run(server, sentinel, opts.timeline)
            results[name].append((recovery, lost, extra))
            steps[name].append(timeline_)
            print(f"run {run + 1} {name:5}: recovery {recovery:6.3f} s, lost {lost} of {acked} acknowledged writes"
                  f"{', EXTRA FAILOVER' if extra else ''}", flush=True)
            if opts.timeline:
                print("    " + ", ".join(f"{k} {v[0]:.3f}" + (f"-{v[1]:.3f}" if k in EVERY else "")
                                          for k, v in sorted(timeline_.items(), key=lambda kv: kv[1][0])), flush=True)
    print()
    medians = {}
    for name, rows in results.items():
        medians[name] = statistics.median(r[0] for r in rows)
        print(f"{name:5}: median recovery {medians[name]:.3f} s, median lost writes "
              f"{statistics.median(r[1] for r in rows):g}, max lost {max(r[1] for r in rows)}, "
              f"extra failovers {sum(r[2] for r in rows)}/{len(rows)}")
    if len(medians) == 2:
        print(f"recovery ratio rds/redis: {medians['rds'] / medians['redis']:.2f}")
    if opts.timeline:
        print()
        print("median seconds after the kill (first sentinel / last sentinel):")
        print(f"{'step':32}" + "".join(f"{name:>16}" for name in stacks))
        for step in STEPS:
            cells = []
            for name in stacks:
                firsts = [t[step][0] for t in steps[name] if step in t]
                lasts = [t[step][1] for t in steps[name] if step in t]
                if not firsts:
                    cells.append(f"{'-':>16}")
                elif step in EVERY:
                    cells.append(f"{statistics.median(firsts):>8.3f}/{statistics.median(lasts):<7.3f}")
                else:
                    cells.append(f"{statistics.median(firsts):>16.3f}")
            print(f"{step:32}" + "".join(cells))


if __name__ == "__main__":
    main()
