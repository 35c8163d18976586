#!/usr/bin/env python3
"""Propagation latency and daemon memory of ghcache-peer fleets on loopback (not CI).

Starts the GitHub stand-in and N ghcache-peer daemons on 127.0.0.1 (each its own CACHE_DIR; daemon i bootstraps
from up to 3 random earlier daemons), lets runner 0 fetch K distinct responses with ghcache-get, then reads every
other runner's store: for each row that arrived from a peer, latency = last_access - fetched_at, i.e. from the
moment runner 0 fetched the response (its fetch timestamp) to the moment the row was written at the receiver (the
store sets last_access to the insert time). Both clocks are this machine's. Prints one JSON line per fleet size.

    Benchmarks/scripts/replication_latency.py --bin .build/release --daemons 2 10 30 --entries 200

Memory: VmRSS of every daemon at the end, and with --rss-entries M a separate pair of daemons where runner 0 holds
M entries and runner 1 receives all of them (gossip, then restarts and receives them again via join-time sync);
there VmRSS, RssAnon (heap and stacks: VmRSS minus the mapped binary and shared libraries) and VmHWM (peak) are
reported per daemon ([runner 0, runner 1]), with the store sizes. For the join-time sync, runner 0 (the responder)
is followed closely: "heap" is its RssAnon (/proc/PID/status: resident anonymous pages, i.e. malloc heap, thread
stacks and other private anonymous mappings), read immediately before runner 1 restarts, sampled every 0.1 s during
the sync (the peak) and read again 30 s after the sync finished (runner 1 holds every entry); the run reports
whether that last figure is within 10 MiB of the one before the sync. Runner 0's VmHWM is reset
(/proc/PID/clear_refs) before the sync, so its after-sync VmHWM is the sync's peak resident size.
Python standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def wait_lines(path: str, count: int, process: subprocess.Popen, timeout: float = 20) -> list[str]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with open(path) as handle:
            lines = handle.read().splitlines()
        if len(lines) >= count:
            return lines
        if process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited: {open(path + '.err').read()}")
        time.sleep(0.05)
    raise SystemExit(f"no output in {path} within {timeout} s")


class Fleet:
    def __init__(self, binaries: str, root: str, secret: str, shared_token: bool = False):
        self.bin = binaries
        self.root = root
        self.secret = secret
        self.shared_token = shared_token
        self.processes: list[subprocess.Popen] = []
        out = os.path.join(root, "stand-in.out")
        # A budget no run can spend (the default 5000 per token and hour stops a 10 000-entry fill half-way).
        self.standin = self.spawn([f"{binaries}/github-stand-in", "--port", "0", "--rate-limit", "1000000"], out, {})
        self.url = wait_lines(out, 1, self.standin)[0]

    def spawn(self, args: list[str], out: str, env: dict[str, str]) -> subprocess.Popen:
        process = subprocess.Popen(
            args, stdout=open(out, "w"), stderr=open(out + ".err", "w"), env={**self.base_env(), **env})
        self.processes.append(process)
        return process

    def base_env(self) -> dict[str, str]:
        return {
            "PATH": "/usr/bin:/bin", "HOME": self.root, "GITHUB_API_URL": getattr(self, "url", ""),
            "CACHE_P2P_SHARED_SECRET": self.secret, "CACHE_LISTEN_ADDRESS": "127.0.0.1", "CACHE_LISTEN_PORT": "0",
        }

    def directory(self, index: int) -> str:
        return os.path.join(self.root, f"runner-{index}")

    def token(self, index: int) -> str:
        """The runner's API token: its own, or one the whole fleet shares."""
        return "bench-shared" if self.shared_token else f"bench-{index}"

    def start_daemon(self, index: int, bootstrap: list[str]) -> tuple[subprocess.Popen, str]:
        out = os.path.join(self.root, f"peer-{index}-{len(self.processes)}.out")
        process = self.spawn(
            [f"{self.bin}/ghcache-peer", "--log-level", "warning"], out,
            {"CACHE_DIR": self.directory(index), "CACHE_BOOTSTRAP_PEERS": ",".join(bootstrap),
             "GITHUB_TOKEN": self.token(index)})
        return process, wait_lines(out, 2, process)[1]

    def get(self, index: int, *args: str, token: str | None = None) -> None:
        """`ghcache-get ARGS` on runner `index`, with the runner's token or `token` (a job's own)."""
        subprocess.run(
            [f"{self.bin}/ghcache-get", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
            env={**self.base_env(), "CACHE_DIR": self.directory(index), "GITHUB_TOKEN": token or self.token(index)})

    def control(self, path: str, body: dict) -> dict:
        """POSTs `body` to the stand-in's control route `path` (/_standin/...)."""
        request = urllib.request.Request(
            self.url + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def charged(self) -> dict:
        with urllib.request.urlopen(self.url + "/_standin/stats") as response:
            return json.load(response)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def memory_mib(pid: int, field: str = "VmRSS") -> float:
    """A /proc/PID/status memory field in MiB: VmRSS (resident), RssAnon (its heap/stack part; the rest is mapped
    binary and library pages), VmHWM (peak resident)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory_report(*pids: int) -> dict:
    return {field: [round(memory_mib(pid, field), 1) for pid in pids] for field in ("VmRSS", "RssAnon", "VmHWM")}


def reset_peak(pid: int) -> None:
    """Resets VmHWM to the current VmRSS (proc(5), clear_refs "5"), so the next VmHWM is a peak from now on."""
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")


def peer_rows(directory: str) -> list[tuple[float, float]]:
    db = sqlite3.connect(f"file:{directory}/cache.sqlite?mode=ro", uri=True, timeout=30)
    try:
        return db.execute("SELECT fetched_at, last_access FROM entries WHERE origin = 'peer'").fetchall()
    finally:
        db.close()


def store_mib(directory: str) -> float:
    return sum(os.path.getsize(os.path.join(directory, name))
               for name in os.listdir(directory) if name.startswith("cache.sqlite")) / 2**20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_fleet(fleet: Fleet, count: int) -> list[tuple[subprocess.Popen, str]]:
    daemons: list[tuple[subprocess.Popen, str]] = []
    for index in range(count):
        earlier = [address for _, address in daemons]
        daemons.append(fleet.start_daemon(index, random.sample(earlier, min(3, len(earlier)))))
    time.sleep(2 + count * 0.05)  # connections, subscriptions and meshes settle
    return daemons


def latency_run(binaries: str, count: int, entries: int, interval: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="ghcache-bench-") as root:
        fleet = Fleet(binaries, root, f"bench-{random.random()}")
        try:
            daemons = start_fleet(fleet, count)
            for item in range(entries):
                fleet.get(0, "repos", f"bench-org-{item}")
                time.sleep(interval)
            time.sleep(2)
            latencies = []
            for index in range(1, count):
                latencies += [(stored - fetched) * 1000 for fetched, stored in peer_rows(fleet.directory(index))]
            rss = [memory_mib(process.pid) for process, _ in daemons]
            anon = [memory_mib(process.pid, "RssAnon") for process, _ in daemons]
            expected = entries * (count - 1)
            return {
                "daemons": count, "entries": entries, "received": len(latencies), "expected": expected,
                "p50_ms": round(percentile(latencies, 0.50), 2), "p99_ms": round(percentile(latencies, 0.99), 2),
                "max_ms": round(max(latencies), 2), "mean_ms": round(statistics.mean(latencies), 2),
                "rss_mib_max": round(max(rss), 1), "rss_mib_median": round(statistics.median(rss), 1),
                "rss_anon_mib_max": round(max(anon), 1), "charged": fleet.charged()["charged"],
            }
        finally:
            fleet.stop()


def rss_run(binaries: str, entries: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="ghcache-bench-") as root:
        fleet = Fleet(binaries, root, f"bench-{random.random()}")
        try:
            (first, address), (second, _) = start_fleet(fleet, 2)
            idle = memory_report(first.pid, second.pid)
            started = time.time()
            with ThreadPoolExecutor(max_workers=4) as pool:
                list(pool.map(lambda item: fleet.get(0, "repos", f"rss-org-{item}"), range(entries)))
            fill_seconds = time.time() - started
            deadline = time.time() + 120
            while len(peer_rows(fleet.directory(1))) < entries and time.time() < deadline:
                time.sleep(0.5)
            gossiped = len(peer_rows(fleet.directory(1)))
            after_gossip = memory_report(first.pid, second.pid)
            # Runner 1 restarts with an empty store and catches up through join-time sync.
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=10)
            for name in os.listdir(fleet.directory(1)):
                if name.startswith("cache.sqlite"):
                    os.remove(os.path.join(fleet.directory(1), name))
            heap_before = memory_mib(first.pid, "RssAnon")  # the responder, immediately before the sync
            reset_peak(first.pid)
            heap_peak = heap_before
            started = time.time()
            second, _ = fleet.start_daemon(1, [address])
            while time.time() < started + 120:
                heap_peak = max(heap_peak, memory_mib(first.pid, "RssAnon"))
                if len(peer_rows(fleet.directory(1))) >= entries:
                    break
                time.sleep(0.1)
            sync_seconds = time.time() - started
            synced = len(peer_rows(fleet.directory(1)))
            after_sync = memory_report(first.pid, second.pid)
            settled = time.time() + 30  # 30 s after the sync finished, still sampling the responder's heap
            while time.time() < settled:
                heap_peak = max(heap_peak, memory_mib(first.pid, "RssAnon"))
                time.sleep(min(0.1, max(0.0, settled - time.time())))
            after_30s = memory_report(first.pid, second.pid)
            heap_after = after_30s["RssAnon"][0]
            return {
                "entries": entries, "fill_seconds": round(fill_seconds, 1), "gossiped": gossiped,
                "store_mib": [round(store_mib(fleet.directory(index)), 1) for index in (0, 1)],
                "idle_mib": idle, "after_gossip_mib": after_gossip,
                "synced": synced, "sync_seconds": round(sync_seconds, 1),
                "after_sync_mib": after_sync, "after_sync_30s_mib": after_30s,
                "responder_heap_mib": {
                    "before_sync": round(heap_before, 1), "peak": round(heap_peak, 1),
                    "after_sync": after_sync["RssAnon"][0], "after_30s": heap_after,
                    "growth_after_30s": round(heap_after - heap_before, 1),
                    "within_10_mib": heap_after - heap_before <= 10,
                },
            }
        finally:
            fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release", help="directory of the built binaries")
    parser.add_argument("--daemons", type=int, nargs="*", default=[2, 10, 30])
    parser.add_argument("--entries", type=int, default=200, help="responses runner 0 fetches per fleet size")
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between runner 0's fetches")
    parser.add_argument("--rss-entries", type=int, default=0, help="also measure RSS with this many entries")
    args = parser.parse_args()
    for count in args.daemons:
        print(json.dumps(latency_run(args.bin, count, args.entries, args.interval)), flush=True)
    if args.rss_entries:
        print(json.dumps(rss_run(args.bin, args.rss_entries)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
