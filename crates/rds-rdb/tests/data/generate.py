#!/usr/bin/env python3
"""Generates the RDB fixtures of rds-rdb's tests with a real redis-server 7.0.15.

Usage: python3 generate.py            (needs `redis-server` 7.0.15 on PATH; rewrites the files here)

For each fixture NAME it starts a fresh redis-server with the fixture's config on a free port in a
temporary directory, loads the fixture's data with raw RESP commands, runs SAVE and writes:
- NAME.rdb: the dump.rdb redis-server wrote;
- NAME.expected: what the dump must decode to, one key per line, tab-separated:
  db, type, OBJECT ENCODING, key (hex), absolute expire in ms (-1 for none), then the value:
  string: hex; list: hex elements joined by ','; set: sorted hex members; hash: sorted
  `field:value` hex pairs; zset: `member:score` in ZRANGE order, the score as Redis prints it.
  A first line `!config name=value ...` lists the settings the decoder must use to reach the same
  encodings; `!function <hex>` lines list the function libraries;
- NAME.dump: `key(hex)<TAB>DUMP payload(hex)` for every key of db 0 (DUMP/RESTORE tests).
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "bench"))
from common import Conn, free_port  # noqa: E402  (the project's one Python RESP client)

FAR = 4102444800000  # 2100-01-01, so keys with a TTL never expire while a test runs
LIBRARY = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return 1 end)"


def common_data(c, rng):
    """Strings, lists, sets, hashes and sorted sets in both encodings, with TTLs and several dbs."""
    c.call("SET", "foo", "bar")
    for key, value in [("n8", "12"), ("n16", "12345"), ("n32", "1234567890"), ("n64", "12345678901234"),
                       ("neg", "-5"), ("min32", "-2147483648"), ("lead0", "007"), ("float", "3.14"),
                       ("empty", ""), ("big", "a" * 100), ("k" * 40, "long key")]:
        c.call("SET", key, value)
    c.call("SET", "123", "integer key")
    c.call("SET", "", "empty key")
    c.call("SET", "bin", bytes(range(256)))
    c.call("SET", "rand50", bytes(rng.randrange(256) for _ in range(50)))
    c.call("SET", "text", "the quick brown fox jumps over the lazy dog " * 5)
    c.call("APPEND", "appended", "x" * 30)
    c.call("RPUSH", "l_small", "a", "b", "1", "2", "-1", "1000", "70000", "-70000", "3000000000",
           "9223372036854775807", "-9223372036854775808", "x" * 70, "")
    c.call("RPUSH", "l_big", *["item:%d" % i for i in range(3000)])
    c.call("LPUSH", "l_lpush", *[str(i) for i in range(1000)])
    c.call("RPUSH", "l_huge_elem", "y" * 5000, "z" * 20000, "small")
    c.call("SADD", "s_int", "1", "2", "3")
    c.call("SADD", "s_int32", "1", "70000", "-70000")
    c.call("SADD", "s_int64", "1", "5000000000")
    c.call("SADD", "s_str", "a", "b", "c", "1")
    c.call("SADD", "s_many", *[str(i) for i in range(600)])
    c.call("SADD", "s_neg", "-1", "-2", "-32768")
    c.call("HSET", "h_small", "f1", "v1", "f2", "v2", "n", "12", "neg", "-4096", "e", "")
    c.call("HSET", "h_long", "f", "v" * 100, "g", "1")
    c.call("HSET", "h_many", *sum([["field:%d" % i, "value:%d" % i] for i in range(600)], []))
    c.call("ZADD", "z_small", "1.5", "m1", "2", "m2", "-3", "m3", "inf", "pinf", "-inf", "ninf",
           "0.1", "tenth", "1e300", "huge", "4503599627370496", "two52", "-0.0000001", "tiny")
    c.call("ZADD", "z_big", *sum([[str(i * 0.5), "member:%d" % i] for i in range(300)], []))
    c.call("ZADD", "z_long", "1", "m" * 100, "2", "short", "inf", "top")
    c.call("SET", "e_string", "expiring")
    c.call("PEXPIREAT", "e_string", FAR + 123)
    c.call("RPUSH", "e_list", "x", "y")
    c.call("PEXPIREAT", "e_list", FAR + 456)
    c.call("SELECT", "1")
    c.call("SET", "db1key", "one")
    c.call("HSET", "db1hash", "a", "1")
    c.call("PEXPIREAT", "db1hash", FAR)
    c.call("SELECT", "15")
    c.call("SET", "last", "fifteen")
    c.call("SELECT", "0")


def small_limits_data(c, rng):
    """The same shapes with tiny encoding limits, so every type reaches its big encoding."""
    c.call("RPUSH", "list", *[str(i) for i in range(10)], "a", "bb", "c" * 30)
    c.call("LPUSH", "list2", *["e%d" % i for i in range(9)])
    c.call("HSET", "hash3", "a", "1", "b", "2", "c", "3")
    c.call("HSET", "hash1", "a", "1")
    c.call("HSET", "hashlong", "a", "123456789")
    c.call("SADD", "set5", "1", "2", "3", "4", "5")
    c.call("SADD", "set4", "1", "2", "3", "4")
    c.call("ZADD", "zset3", "1", "a", "2", "b", "3", "c")
    c.call("ZADD", "zset2", "1", "a", "2.5", "b")
    c.call("ZADD", "zsetlong", "1", "abcdefghij")
    c.call("SET", "big", "b" * 100)
    c.call("SET", "n", "99")


def compressed_data(c, rng):
    """Lists whose inner quicklist nodes are LZF-compressed in memory (list-compress-depth)."""
    c.call("RPUSH", "clist", *["compressible-element-%d" % (i % 10) for i in range(200)])
    c.call("RPUSH", "clist_short", "a", "b", "c")
    c.call("SET", "s", "v")


def stream_data(c, rng):
    """A string, then a stream (which rds cannot load), then another string."""
    c.call("SET", "a", "1")
    c.call("XADD", "s", "1-1", "f", "v")


def access_data(c, rng):
    """A few keys, saved with LRU idle times or LFU counters."""
    c.call("SET", "a", "1")
    c.call("RPUSH", "b", "x")
    for _ in range(20):
        c.call("GET", "a")


FIXTURES = [
    ("redis-7.0.15-default", [], common_data, True),
    ("redis-7.0.15-small-limits", ["--list-max-listpack-size", "4", "--hash-max-listpack-entries", "2",
                                   "--hash-max-listpack-value", "8", "--set-max-intset-entries", "4",
                                   "--zset-max-listpack-entries", "2", "--zset-max-listpack-value", "8",
                                   "--rdbcompression", "no"], small_limits_data, False),
    ("redis-7.0.15-compressed-nodes", ["--list-compress-depth", "1", "--list-max-listpack-size", "8"],
     compressed_data, False),
    ("redis-7.0.15-stream", [], stream_data, False),
    ("redis-7.0.15-lru", ["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru"], access_data, False),
    ("redis-7.0.15-lfu", ["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lfu"], access_data, False),
]

CONFIG_KEYS = ["list-max-listpack-size", "hash-max-listpack-entries", "hash-max-listpack-value",
               "set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value"]


def value_text(c, kind, key):
    hx = lambda b: b.hex()
    if kind == "string":
        return hx(c.call("GET", key))
    if kind == "list":
        return ",".join(hx(e) for e in c.call("LRANGE", key, 0, -1))
    if kind == "set":
        return ",".join(sorted(hx(e) for e in c.call("SMEMBERS", key)))
    if kind == "hash":
        flat = c.call("HGETALL", key)
        return ",".join(sorted(hx(flat[i]) + ":" + hx(flat[i + 1]) for i in range(0, len(flat), 2)))
    if kind == "zset":
        flat = c.call("ZRANGE", key, 0, -1, "WITHSCORES")
        return ",".join(hx(flat[i]) + ":" + flat[i + 1].decode() for i in range(0, len(flat), 2))
    return "-"


def describe(c):
    lines = []
    config = c.call("CONFIG", "GET", "*")
    pairs = dict(zip(config[::2], config[1::2]))
    lines.append("!config " + " ".join("%s=%s" % (k, pairs[k.encode()].decode()) for k in CONFIG_KEYS))
    for db in range(16):
        c.call("SELECT", db)
        for key in sorted(c.call("KEYS", "*")):
            kind = c.call("TYPE", key).decode()
            encoding = c.call("OBJECT", "ENCODING", key).decode()
            expire = c.call("PEXPIRETIME", key)
            lines.append("\t".join([str(db), kind, encoding, key.hex(), str(expire), value_text(c, kind, key)]))
    c.call("SELECT", 0)
    return lines


def generate(name, args, fill, with_library):
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="rds-rdb-fixture-")
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--dir", tmp, "--save", "",
                             "--appendonly", "no"] + args, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = Conn(port, timeout=60, raw=True)
                c.call("PING")
                break
            except OSError:
                time.sleep(0.05)
        rng = random.Random(name)
        fill(c, rng)
        lines = describe(c)
        if with_library:
            c.call("FUNCTION", "LOAD", LIBRARY)
            lines.insert(1, "!function " + LIBRARY.encode().hex())
        dumps = []
        if name != "redis-7.0.15-stream":
            for key in sorted(c.call("KEYS", "*")):
                dumps.append(key.hex() + "\t" + c.call("DUMP", key).hex())
        c.call("SAVE")
        shutil.copy(os.path.join(tmp, "dump.rdb"), os.path.join(HERE, name + ".rdb"))
        with open(os.path.join(HERE, name + ".expected"), "w") as f:
            f.write("\n".join(lines) + "\n")
        if dumps:
            with open(os.path.join(HERE, name + ".dump"), "w") as f:
                f.write("\n".join(dumps) + "\n")
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    if "v=7.0.15" not in version:
        sys.exit("needs redis-server 7.0.15, found: " + version)
    for name, args, fill, with_library in FIXTURES:
        generate(name, args, fill, with_library)
        print("wrote", name)


if __name__ == "__main__":
    main()
