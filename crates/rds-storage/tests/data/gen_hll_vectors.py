#!/usr/bin/env python3
"""Regenerates hll_vectors.txt from a real redis-server (7.0.15 was used).

Usage: redis-server --port 23999 --save '' & python3 gen_hll_vectors.py 23999 > hll_vectors.txt

Each line is one step replayed by tests/hll_vectors.rs; the replies and bytes are what real Redis produced.
  config <hll-sparse-max-bytes>
  pfadd <key> <prefix> <from> <to> <reply>       elements <prefix><i> for i in from..to, in one PFADD
  pfcount <reply> <key>...
  pfmerge <dest> <src>...
  get <key> <len> <crc64-redis of the bytes, hex>   (crc64 as Redis's CRC-64/Jones, crc::CRC_64_REDIS)
  hex <key> <hex bytes>                         exact bytes from GET
  set <key> <hex bytes>                         SET a raw value
  pfadd_raw <reply> <key> <element>...           PFADD of literal elements
  error <command> <args>... | <error text>      the command fails with this text
"""
import socket, sys

port = int(sys.argv[1]) if len(sys.argv) > 1 else 23999
sock = socket.create_connection(("127.0.0.1", port))
rfile = sock.makefile("rb")

def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)

def read_reply():
    line = rfile.readline()
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        return Exception(rest.decode())
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = rfile.read(n + 2)[:-2]
        return data
    if t == b"*":
        return [read_reply() for _ in range(int(rest))]
    raise ValueError(line)

def cmd(*args):
    sock.sendall(encode(args))
    return read_reply()

# CRC-64/Jones as Redis (reflected poly 0xad93d23594c935a9, init 0, no xorout).
POLY = 0x95AC9329AC4BC9B5  # reflected form of 0xad93d23594c935a9
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)

def crc64(data):
    crc = 0
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc

assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA

def out(*parts):
    print(" ".join(str(p) for p in parts))

def config(n):
    assert cmd("CONFIG", "SET", "hll-sparse-max-bytes", str(n)) == "OK"
    out("config", n)

def pfadd(key, prefix, lo, hi):
    elems = ["%s%d" % (prefix, i) for i in range(lo, hi)]
    r = cmd("PFADD", key, *elems)
    out("pfadd", key, prefix, lo, hi, r)

def pfcount(*keys):
    r = cmd("PFCOUNT", *keys)
    out("pfcount", r, *keys)

def pfmerge(dest, *srcs):
    r = cmd("PFMERGE", dest, *srcs)
    assert r == "OK", r
    out("pfmerge", dest, *srcs)

def get(key, full=False):
    v = cmd("GET", key)
    if full:
        out("hex", key, v.hex())
    else:
        out("get", key, len(v), "%016x" % crc64(v))

def setraw(key, data):
    assert cmd("SET", key, data) == "OK"
    out("set", key, data.hex())

def error(*args):
    r = cmd(*args)
    assert isinstance(r, Exception), (args, r)
    out("error", *args, "|", str(r))

def attempt(*args):
    """Runs a command that may fail, printing an `error` line or the command's own line."""
    r = cmd(*args)
    if isinstance(r, Exception):
        out("error", *args, "|", str(r))
    elif args[0] == "PFCOUNT":
        out("pfcount", r, *args[1:])
    elif args[0] == "PFADD":
        out("pfadd_raw", r, *args[1:])
    else:
        assert r == "OK", r
        out("pfmerge", *args[1:])

cmd("FLUSHALL")
print("# HyperLogLog vectors captured from", cmd("INFO", "server").decode().split("redis_version:")[1].split()[0])

# A: one key growing from empty to dense under the default sparse limit, counted at checkpoints.
config(3000)
cmd("PFADD", "a")
out("pfadd", "a", "e:", 0, 0, 1)
get("a", full=True)
pfcount("a")
get("a", full=True)
checkpoints = [1, 2, 3, 5, 10, 20, 50, 100, 200, 300, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000,
               4000, 5000, 7500, 10000, 15000, 20000, 30000, 50000, 75000, 100000, 150000, 200000, 300000]
done = 0
for cp in checkpoints:
    while done < cp:
        step = min(cp, done + 1000)
        pfadd("a", "e:", done, step)
        done = step
    get("a", full=(cp <= 1000 or cp == 5000))
    pfcount("a")
    get("a")
pfadd("a", "e:", 0, 100)  # all already present
pfcount("a")

# B: a small sparse limit promotes early; odd batch sizes.
config(300)
done = 0
for step in [1, 7, 13, 40, 80, 150, 151, 230, 400]:
    pfadd("b", "b:", done, step)
    done = step
    get("b", full=True)
    pfcount("b")
config(3000)

# C: merges of sparse and dense values, multi-key counts.
pfadd("m1", "x:", 0, 300)
pfadd("m2", "y:", 0, 200)
pfadd("m2", "x:", 100, 150)
pfmerge("m3", "m1", "m2")
get("m3", full=True)
pfcount("m3")
pfcount("m1", "m2")
pfcount("m1", "m2", "missing")
pfadd("d", "z:", 0, 6000)
get("d")
pfcount("m1", "d")
pfmerge("m1", "d")
get("m1")
pfcount("m1")
get("m1")
pfmerge("m4", "m2")
get("m4", full=True)
pfmerge("m2", "m2", "m3")
get("m2", full=True)
pfmerge("m5")
get("m5", full=True)
pfmerge("m5", "missing", "m4")
get("m5", full=True)
pfcount("m5", "m3", "d", "a")

# D: invalid values.
setraw("s", b"hello")
attempt("PFCOUNT", "s")
attempt("PFADD", "s", "x")
attempt("PFMERGE", "t", "s")
setraw("s2", b"HYLL\x02\x00\x00\x00" + b"\x00" * 8 + b"\x7f\xff")
attempt("PFCOUNT", "s2")
setraw("s3", b"HYLL\x00\x00\x00\x00" + b"\x00" * 8 + b"\x00" * 100)
attempt("PFCOUNT", "s3")
setraw("s4", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xff\x10")
attempt("PFCOUNT", "s4")
attempt("PFADD", "s4", "aaa", "bbb", "ccc")
get("s4", full=True)
setraw("s4", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xff\x10")
attempt("PFCOUNT", "s4", "a")
attempt("PFMERGE", "s4")
setraw("s5", b"HYL")
attempt("PFCOUNT", "s5")
setraw("s6", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xff\xff")
attempt("PFCOUNT", "s6")
setraw("s7", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x7f\xfe")
attempt("PFCOUNT", "s7")
# A sparse value with a valid-looking but non-canonical layout still counts.
setraw("s8", b"HYLL\x01\x00\x00\x00" + b"\x00" * 7 + b"\x80" + b"\x00\x00\x80\x7f\xfc")
pfcount("s8")
get("s8", full=True)
pfadd("s8", "q:", 0, 20)
get("s8", full=True)
