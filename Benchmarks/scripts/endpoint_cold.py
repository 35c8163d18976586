#!/usr/bin/env python3
"""Cold GETs through one daemon's local endpoint, alone and in a fleet (not CI).

Starts the GitHub stand-in and N ghcache-peer daemons on 127.0.0.1 (daemon i bootstraps from daemon 0), waits until
every daemon has heard every other one's member announcement, then sends K GETs of distinct, never-cached paths
(`/repos/bench/repo-<i>`) to daemon 0's api.sock with C requests in flight, each with the token `Authorization`
header. Every request is a miss: alone, daemon 0 fetches it; in a fleet of N, (N-1)/N of the keys belong to another
daemon, which fetches them for daemon 0 over the fill protocol (docs/PROTOCOL.md section 7). Prints one JSON line
per fleet size: wall time, requests per second, latency percentiles, outcomes (X-GHCache; a failed request as its
status and outcome) and the calls the stand-in charged. Python standard library only.

    Benchmarks/scripts/endpoint_cold.py --bin .build/release --daemons 1 10 --requests 1000 --concurrency 8
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replication_latency import Fleet  # noqa: E402


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(self.path)


def wait_for_members(fleet: Fleet, count: int, timeout: float = 60) -> None:
    """Until every daemon's heartbeat lists count-1 connected peers and two announcement rounds have passed."""
    import sqlite3
    deadline = time.time() + timeout
    while time.time() < deadline:
        connected = []
        for index in range(count):
            with sqlite3.connect(os.path.join(fleet.directory(index), "cache.sqlite")) as db:
                row = db.execute("SELECT connected_peers FROM peer_status WHERE id = 1").fetchone()
            connected.append(len(json.loads(row[0])) if row and row[0] else 0)
        if min(connected) >= min(count - 1, 1) and sum(connected) >= count - 1:
            time.sleep(11)  # member announcements every 5 s: two rounds
            return
        time.sleep(0.5)
    raise SystemExit(f"the fleet did not connect within {timeout} s")


def run(binaries: str, daemons: int, requests: int, concurrency: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ghcache-cold-") as root:
        fleet = Fleet(binaries, root, secret="cold-bench")
        try:
            first, address = fleet.start_daemon(0, [])
            for index in range(1, daemons):
                fleet.start_daemon(index, [address])
            wait_for_members(fleet, daemons)
            socket_path = os.path.join(fleet.directory(0), "api.sock")
            connections: dict[int, UnixConnection] = {}

            def get(number: int) -> tuple[float, str]:
                import threading
                ident = threading.get_ident()
                connection = connections.get(ident)
                if connection is None:
                    connection = connections[ident] = UnixConnection(socket_path)
                started = time.perf_counter()
                connection.request(
                    "GET", f"/repos/bench/repo-{number}", headers={"Authorization": "token bench-0"})
                response = connection.getresponse()
                response.read()
                outcome = response.getheader("X-GHCache", "-")
                if response.status != 200:
                    outcome = f"{response.status} {outcome}"
                return time.perf_counter() - started, outcome

            before = fleet.charged()["charged"]
            started = time.perf_counter()
            with ThreadPoolExecutor(concurrency) as pool:
                results = list(pool.map(get, range(requests)))
            wall = time.perf_counter() - started
            import sqlite3
            with sqlite3.connect(os.path.join(fleet.directory(0), "cache.sqlite")) as db:
                counters = dict(db.execute("SELECT name, value FROM counters").fetchall())
            latencies = sorted(latency for latency, _ in results)
            return {
                "daemons": daemons, "requests": requests, "concurrency": concurrency, "wall_s": round(wall, 2),
                "per_s": round(requests / wall, 1), "p50_ms": round(statistics.median(latencies) * 1000, 1),
                "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
                "outcomes": dict(Counter(outcome for _, outcome in results)),
                "charged": fleet.charged()["charged"] - before,
                "fill_fallbacks": counters.get("fill_fallbacks", 0),
            }
        finally:
            fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release")
    parser.add_argument("--daemons", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    for count in arguments.daemons:
        print(json.dumps(run(os.path.abspath(arguments.bin), count, arguments.requests, arguments.concurrency)),
              flush=True)


if __name__ == "__main__":
    main()
