"""Smoke test of rds-server with redis-py, a client we did not write.

Usage: smoke.py PORT. Exits non-zero (with a traceback) on the first failed check.
"""

import sys

import redis


def main() -> None:
    port = int(sys.argv[1])
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
    assert r.ping() is True
    assert r.echo("hello") == b"hello"

    # Strings, including binary-safe values and integers.
    assert r.set("smoke:k", b"v\x00\xff") is True
    assert r.get("smoke:k") == b"v\x00\xff"
    assert r.get("smoke:missing") is None
    assert r.incr("smoke:n") == 1
    assert r.incrby("smoke:n", 41) == 42
    assert r.mset({"smoke:a": "1", "smoke:b": "2"}) is True
    assert r.mget("smoke:a", "smoke:b", "smoke:missing") == [b"1", b"2", None]

    # Expiry.
    assert r.expire("smoke:k", 100) is True
    assert r.ttl("smoke:k") == 100
    assert r.persist("smoke:k") is True
    assert r.ttl("smoke:k") == -1

    # Pipelining through redis-py's own buffering.
    pipe = r.pipeline(transaction=False)
    for i in range(100):
        pipe.set(f"smoke:p{i}", i)
    for i in range(100):
        pipe.get(f"smoke:p{i}")
    results = pipe.execute()
    assert results[:100] == [True] * 100
    assert results[100:] == [str(i).encode() for i in range(100)]

    # Errors come back as exceptions with Redis's text.
    try:
        r.execute_command("INCR", "smoke:k")
    except redis.ResponseError as error:
        assert str(error) == "value is not an integer or out of range", str(error)
    else:
        raise AssertionError("INCR on a non-integer did not fail")

    assert r.delete("smoke:k", "smoke:n", "smoke:missing") == 2
    print("smoke ok")


if __name__ == "__main__":
    main()
