"""redis-py's Sentinel support against a sentinel stack (tests/sentinel.rs starts it).

Usage: sentinel_client.py MASTER_NAME SENTINEL_PORTS MASTER_PORT MASTER_PID
  SENTINEL_PORTS is a comma-separated list; MASTER_PORT the master the sentinels monitor at first;
  MASTER_PID its process, which this script kills with SIGKILL once it has written through it.

Finds the master through the sentinels, writes, reads from a replica with slave_for, kills the master,
keeps writing (reconnecting through the sentinels) until the new master accepts writes, then checks
that writes replicated before the kill survived and that replicas of the new master serve reads.
Prints one line of figures and exits 0; any failed check raises (a traceback, exit code 1).
"""

import os
import signal
import sys
import time

import redis
from redis.sentinel import Sentinel

# Bound on every wait (the failover itself takes a few seconds with down-after-milliseconds 1000).
DEADLINE_SECONDS = 60


def wait_for(what, check):
    """Polls check() every 50 ms until it returns a true value, which it returns."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        try:
            result = check()
            if result:
                return result
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def main() -> None:
    name, ports, master_port, master_pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sentinel = Sentinel([("127.0.0.1", int(p)) for p in ports.split(",")], socket_timeout=2)

    assert sentinel.discover_master(name) == ("127.0.0.1", master_port), sentinel.discover_master(name)
    master = sentinel.master_for(name, socket_timeout=2)
    assert master.execute_command("ROLE")[0] == b"master"
    for i in range(200):
        assert master.set(f"before:{i}", i) is True
    # WAIT on the connection that wrote (a pipeline keeps one connection): every replica has them.
    pipe = master.pipeline(transaction=False)
    pipe.set("before:last", "x")
    pipe.execute_command("WAIT", 2, 5000)
    assert pipe.execute() == [True, 2]

    replica = sentinel.slave_for(name, socket_timeout=2)
    assert replica.execute_command("ROLE")[0] == b"slave"
    assert replica.get("before:199") == b"199"
    try:
        replica.set("on-replica", 1)
        raise AssertionError("a replica accepted a write")
    except redis.ReadOnlyError:
        pass

    os.kill(master_pid, signal.SIGKILL)
    killed = time.monotonic()

    # Keep writing: errors until the sentinels promote a replica, then the client reconnects to it.
    failures = 0
    deadline = killed + DEADLINE_SECONDS
    while True:
        try:
            if master.set("after:0", 0):
                break
        except (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError):
            failures += 1
        assert time.monotonic() < deadline, "no write accepted after the master was killed"
        time.sleep(0.05)
    recovered = time.monotonic() - killed

    new_host, new_port = sentinel.discover_master(name)
    assert new_port != master_port, "the sentinels still name the dead master"
    assert master.execute_command("ROLE")[0] == b"master"
    for i in range(1, 200):
        assert master.set(f"after:{i}", i) is True
    for i in range(200):
        assert master.get(f"before:{i}") == str(i).encode(), f"before:{i} was lost"

    # The remaining replica follows the new master and serves reads through slave_for.
    replica = sentinel.slave_for(name, socket_timeout=2)
    wait_for("a replica of the new master", lambda: sentinel.discover_slaves(name))
    wait_for("after:199 on a replica", lambda: replica.get("after:199") == b"199")
    assert replica.execute_command("ROLE")[0] == b"slave"
    print(f"ok failures={failures} recovered_after={recovered:.2f}s new_master={new_host}:{new_port}")


if __name__ == "__main__":
    main()
