"""What the benchmark scripts share: paths, free ports, a minimal RESP client, server processes and
redis-benchmark runs."""

import csv
import io
import os
import shutil
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RDS = os.path.join(ROOT, "target", "release", "rds-server")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encode(*args):
    """One command as a RESP multibulk; arguments are bytes, or anything `str()` spells."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        arg = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(out)


class Error(str):
    """An error reply."""


class Conn:
    """A blocking RESP2 connection with a minimal reply parser: simple strings and bulks as `str`
    (as `bytes` with `raw=True`, for binary data), integers as `int`, errors as `Error`, arrays as
    lists, nulls as None. Also used by the fixture generators under crates/*/tests/data."""

    def __init__(self, port, timeout=2.0, raw=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.raw = raw

    def close(self):
        self.sock.close()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest if self.raw else rest.decode()
        if kind == b"-":
            return Error(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data if self.raw else data.decode(errors="replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ConnectionError(f"bad reply {line!r}")

    def cmd(self, *args):
        self.sock.sendall(encode(*args))
        return self._read()

    def call(self, *args):
        """Like `cmd`, but an error reply raises (for scripts where any error is a bug)."""
        reply = self.cmd(*args)
        if isinstance(reply, Error):
            raise RuntimeError(f"{args[0]}: {reply}")
        return reply


def cmd(port, *args, timeout=2.0):
    """One command on a fresh connection; None when the process cannot be reached (or closes the
    connection instead of replying, as SHUTDOWN does)."""
    try:
        c = Conn(port, timeout)
        try:
            return c.cmd(*args)
        finally:
            c.close()
    except OSError:
        return None


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
            if cmd(self.port, "PING", timeout=0.2) == "PONG":
                return
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
    """Runs redis-benchmark with `args` (plus --csv) and returns its rows by test name."""
    out = subprocess.run(["redis-benchmark", "-p", str(port), "--csv", *args], capture_output=True, text=True,
                         timeout=900, check=True).stdout
    return {row["test"]: row for row in csv.DictReader(io.StringIO(out))}
