#!/usr/bin/env python3
"""A fleet of N self-hosted runners polling GitHub, in compressed time, against the local stand-in (not CI).

Each runner has its own CACHE_DIR, token (--tokens shared: one token for the whole fleet) and ghcache-peer daemon
(127.0.0.1). Every 2 simulated minutes each runner
asks for the queued workflow runs of octo/app (TTL 60 s), the organisation's runners (300 s) and its repositories
(600 s) with ghcache-get. Time is compressed by --factor (TTLs via CACHE_TTL_RULES and the poll interval are divided
by it). Polls start at a random phase per runner (jittered) or all at the same instant (synchronised).
With --data changing, every polled resource changes once per simulated minute (the stand-in's
POST /_standin/mutate), so no refresh can be a free 304: each one is a charged 200 (--data static: the data never
changes, so refreshes can be free 304 revalidations: the stand-in, like GitHub, sends Last-Modified only on single
objects, and every polled resource is a list, so a refresh is free only with an ETag the same token received; with
per-runner tokens a runner revalidating a copy another runner fetched pays a 200).

With --tokens per-job every poll is a job with a token of its own (granted admin of the organisation at the stand-in
just before, as GitHub mints a job's GITHUB_TOKEN), so under CACHE_SHARING=verified (--sharing, the default) every
job proves its access to each copy it reads: `proofs` and `proofs_free` (summed over the runners' ghcache-stats)
are reported, and `proofs_per_job_key` must stay <= 1. `versions_floor` replays the poll times with the mutation
times: the fetches of a perfectly shared cache that may serve a job only bytes GitHub would show it now (a poll
fetches when the newest copy is older than its TTL, or when the data changed since it was fetched and the job's
token has not been shown the current bytes) — the least any access-checked cache can be charged.

Reported per simulated hour:
  polls            lookups made = calls charged by the same fleet with no cache
  floor            unique refreshes: replaying the recorded poll times, the fetches a single perfectly shared
                   cache would make (a poll fetches when the fleet's newest copy is older than its TTL)
  charged          calls the stand-in charged to the rate limit (a 304 revalidation is free)
  upstream         all requests that reached the stand-in (charged + free 304s)

    Benchmarks/scripts/fleet_simulation.py --bin .build/release --runners 5 20 50 --minutes 30 --data static changing
    Benchmarks/scripts/fleet_simulation.py --bin .build/release --runners 5 --data static --tokens shared
    Benchmarks/scripts/fleet_simulation.py --bin .build/release --runners 5 20 --data static changing --tokens per-job

Python standard library only; reuses the process helpers of replication_latency.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replication_latency import Fleet, start_fleet  # noqa: E402

RESOURCES = [  # (ghcache-get arguments, TTL rule pattern, TTL seconds, stand-in resource path)
    (["runs", "octo/app", "--status", "queued"], "/repos/*/*/actions/runs?status=queued", 60,
     "/repos/octo/app/actions/runs"),
    (["runners", "--org", "octo"], "/orgs/*/actions/runners", 300, "/orgs/octo/actions/runners"),
    (["repos", "octo"], "/users/*/repos", 600, "/users/octo/repos"),
]
POLL_SECONDS = 120
MUTATE_SECONDS = 60  # with --data changing, every resource changes once per simulated minute


def mutate_until(
    url: str, start: float, end: float, interval: float, stop: threading.Event, made: list[int], times: list[float]
) -> None:
    """Changes every polled resource at start, start + interval, ... until end (or stop); counts into made[0] and
    records when each round of changes was made in times."""
    moment = start
    while moment < end and not stop.is_set():
        stop.wait(max(0.0, moment - time.time()))
        times.append(time.time())
        for *_, path in RESOURCES:
            request = urllib.request.Request(
                url + "/_standin/mutate", data=json.dumps({"path": path}).encode(), method="POST",
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            made[0] += 1
        moment += interval


def floor(polls: list[tuple[float, int]], factor: float) -> int:
    fetches = 0
    for index, (_, _, ttl, _) in enumerate(RESOURCES):
        newest = None
        for moment in sorted(t for t, resource in polls if resource == index):
            if newest is None or moment - newest >= ttl / factor:
                fetches += 1
                newest = moment
    return fetches


def versions_floor(polls: list[tuple[float, int]], changes: list[float], factor: float) -> int:
    """The fetches of a perfectly shared cache that serves a job only what GitHub shows it now: a poll fetches when
    the newest copy is older than the TTL, or older than the last change (a new token must be shown current bytes)."""
    fetches = 0
    for index, (_, _, ttl, _) in enumerate(RESOURCES):
        newest = None
        for moment in sorted(t for t, resource in polls if resource == index):
            changed = max((c for c in changes if c <= moment), default=None)
            if newest is None or moment - newest >= ttl / factor or (changed is not None and changed > newest):
                fetches += 1
                newest = moment
    return fetches


def access_counters(fleet: Fleet, runners: int) -> dict:
    """The runners' `access` counters from ghcache-stats --json, summed."""
    total: dict[str, int] = {}
    for index in range(runners):
        result = subprocess.run(
            [f"{fleet.bin}/ghcache-stats", "--json"], capture_output=True, text=True, timeout=30,
            env={**fleet.base_env(), "CACHE_DIR": fleet.directory(index)})
        for name, value in json.loads(result.stdout).get("access", {}).items():
            total[name] = total.get(name, 0) + value
    return total


def simulate(
    binaries: str, runners: int, minutes: float, factor: float, synchronised: bool, changing: bool, tokens: str,
    refresh_ahead: int = 0, sharing: str = "verified",
) -> dict:
    shared_token = tokens == "shared"
    rules = ",".join(f"{pattern}={max(1, round(ttl / factor))}" for _, pattern, ttl, _ in RESOURCES)
    effective_factor = RESOURCES[0][2] / max(1, round(RESOURCES[0][2] / factor))
    interval = POLL_SECONDS / effective_factor
    with tempfile.TemporaryDirectory(prefix="ghcache-fleet-") as root:
        fleet = Fleet(binaries, root, f"sim-{random.random()}", shared_token)
        for index in range(runners):
            os.makedirs(fleet.directory(index), exist_ok=True)
            with open(os.path.join(fleet.directory(index), "config.env"), "w") as handle:
                handle.write(f"CACHE_TTL_RULES={rules}\nCACHE_REFRESH_AHEAD={refresh_ahead}\nCACHE_SHARING={sharing}\n")
        try:
            # Every daemon's own token may read what the jobs poll (the organisation's runners need an admin).
            fleet.control("/_standin/access", {"grants": [
                {"token": fleet.token(index), "scope": "octo", "role": "admin"} for index in range(runners)]})
            start_fleet(fleet, runners)
            polls: list[tuple[float, int]] = []
            lock = threading.Lock()
            phases = [0.0 if synchronised else random.uniform(0, interval) for _ in range(runners)]
            start = time.time() + 1
            duration = minutes * 60 / effective_factor

            def poll(index: int, resource: int, token: str | None) -> None:
                with lock:
                    polls.append((time.time(), resource))
                fleet.get(index, *RESOURCES[resource][0], token=token)

            schedule = sorted(
                (start + phases[index] + round_ * interval, index)
                for index in range(runners)
                for round_ in range(int(duration / interval) + 1)
                if phases[index] + round_ * interval < duration)
            stop = threading.Event()
            mutations = [0]
            changes: list[float] = []
            mutator = threading.Thread(target=mutate_until, args=(
                fleet.url, start - 0.5, start + duration, MUTATE_SECONDS / effective_factor, stop, mutations, changes))
            jobs = 0
            if changing:  # the first change lands just before the first poll
                mutator.start()
            try:
                with ThreadPoolExecutor(max_workers=32) as pool:
                    for moment, index in schedule:
                        token = None
                        if tokens == "per-job":  # GitHub mints the job's token; the job polls with it
                            jobs += 1
                            token = f"job-{index}-{jobs}"
                            fleet.control("/_standin/access/grant", {"token": token, "scope": "octo", "role": "admin"})
                        time.sleep(max(0.0, moment - time.time()))
                        for resource in range(len(RESOURCES)):
                            pool.submit(poll, index, resource, token)
            finally:
                stop.set()
                if changing:
                    mutator.join(timeout=30)
            stats = fleet.charged()
            access = access_counters(fleet, runners)
            hours = minutes / 60
            lateness = max(0.0, time.time() - start - duration)
            return {
                "runners": runners, "polling": "synchronised" if synchronised else "jittered",
                "data": "changing" if changing else "static", "mutations": mutations[0],
                "tokens": tokens, "sharing": sharing, "refresh_ahead": refresh_ahead,
                "simulated_minutes": minutes, "factor": round(effective_factor, 1),
                "polls_per_hour": round(len(polls) / hours), "floor_per_hour": round(floor(polls, effective_factor) / hours),
                "charged_per_hour": round(stats["charged"] / hours), "upstream_per_hour": round(stats["total"] / hours),
                "charged_vs_floor": round(stats["charged"] / max(1, floor(polls, effective_factor)), 2),
                "versions_floor_per_hour": round(versions_floor(polls, changes, effective_factor) / hours),
                "charged_vs_versions_floor": round(
                    stats["charged"] / max(1, versions_floor(polls, changes, effective_factor)), 2),
                "proofs": access.get("proofs", 0), "proofs_free": access.get("proofs_free", 0),
                "proofs_per_job_key": round(access.get("proofs", 0) / max(1, len(polls)), 2),
                "schedule_lateness_s": round(lateness, 1),
                "charged_by_uri": {uri: counts["charged"] for uri, counts in stats["by_path"].items()},
            }
        finally:
            fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release")
    parser.add_argument("--runners", type=int, nargs="*", default=[5, 20, 50])
    parser.add_argument("--minutes", type=float, default=30, help="simulated minutes per run")
    parser.add_argument("--factor", type=float, default=30, help="time compression")
    parser.add_argument("--modes", nargs="*", choices=["jittered", "synchronised"], default=["jittered", "synchronised"])
    parser.add_argument(
        "--data", nargs="*", choices=["static", "changing"], default=["static"],
        help="static: the stand-in's data never changes; changing: every resource changes each simulated minute")
    parser.add_argument(
        "--tokens", choices=["per-runner", "shared", "per-job"], default="per-runner",
        help="per-runner: every runner (and its daemon) has its own API token; shared: the fleet uses one token; "
        "per-job: every poll is a job with a new token (the daemons keep one each)")
    parser.add_argument(
        "--sharing", choices=["verified", "token", "fleet"], default="verified", help="CACHE_SHARING of every runner")
    parser.add_argument(
        "--refresh-ahead", type=int, default=0,
        help="CACHE_REFRESH_AHEAD of every daemon (0, the default: off; N revalidations of polled keys per minute)")
    args = parser.parse_args()
    for runners in args.runners:
        for data in args.data:
            for mode in args.modes:
                print(json.dumps(simulate(
                    args.bin, runners, args.minutes, args.factor, mode == "synchronised", data == "changing",
                    args.tokens, args.refresh_ahead, args.sharing)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
