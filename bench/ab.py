#!/usr/bin/env python3
"""A/B of two rds-server binaries and the real redis-server on one redis-benchmark load.

Tells a regression from a noisy host: the three servers run the same load alternately (the order
reversed every other pair), and the median requests/s of each is printed with every pair's figure.

    python3 bench/ab.py OLD_BINARY NEW_BINARY --test incr --pipeline 16 --pairs 3
"""

import argparse
import statistics

from common import Server, redis_benchmark


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--redis", default="/usr/bin/redis-server")
    parser.add_argument("--test", default="set")
    parser.add_argument("--pipeline", default="1")
    parser.add_argument("--requests", default="1000000")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    binaries = {"old": args.old, "new": args.new, "redis": args.redis}
    results = {name: [] for name in binaries}
    load = ["-t", args.test, "-c", "50", "-n", args.requests, "-r", "100000", "-P", args.pipeline]
    for pair in range(args.pairs):
        order = list(binaries) if pair % 2 == 0 else list(reversed(binaries))
        for name in order:
            server = Server(binaries[name])
            try:
                rows = redis_benchmark(server.port, load)
                results[name].append(float(next(iter(rows.values()))["rps"]))
            finally:
                server.stop()
    for name, values in results.items():
        print(f"{name}: median {statistics.median(values):,.0f} req/s, pairs {[round(v) for v in values]}")


if __name__ == "__main__":
    main()
