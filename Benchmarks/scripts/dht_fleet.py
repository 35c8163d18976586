#!/usr/bin/env python3
"""A fleet of ghcache-peer daemons whose bootstrap lists name only one py-libp2p DHT node (not CI).

Starts the GitHub stand-in, one py-libp2p 0.8.1 Kademlia node (Tests/Python/kad_node.py: no gossipsub, no ghcache
protocol) and N daemons on 127.0.0.1, each with CACHE_BOOTSTRAP_PEERS set to the node alone and mDNS off, so the
DHT's provider records under the fleet key are the only way the daemons can find each other. Polls
`ghcache-stats --json` of every daemon every 0.5 s and reports:

  connected_s   when the graph of daemon-to-daemon connections first became connected (one component)
  mesh_s        when every daemon was connected to every other one (all N-1), if within --timeout
  via           how the daemon-to-daemon links were made, counted on both ends (dht, fleet, inbound)
  replicated_s  after convergence, from runner 0's fetch until every store holds the row

    python3 Benchmarks/scripts/dht_fleet.py --bin .build/debug --daemons 20 --python .venv/bin/python

Exits 1 if the fleet did not become connected within --timeout. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replication_latency import Fleet, wait_lines  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def stats(fleet: Fleet, index: int) -> dict:
    result = subprocess.run(
        [f"{fleet.bin}/ghcache-stats", "--json"], capture_output=True, text=True, timeout=20,
        env={**fleet.base_env(), "CACHE_DIR": fleet.directory(index)})
    return json.loads(result.stdout) if result.returncode == 0 else {}


def components(ids: list[str], edges: dict[str, set[str]]) -> int:
    seen: set[str] = set()
    count = 0
    for start in ids:
        if start in seen:
            continue
        count += 1
        stack = [start]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(edges.get(node, set()) - seen)
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/debug", help="directory of the built binaries")
    parser.add_argument("--python", default=os.path.join(ROOT, ".venv/bin/python"), help="python with py-libp2p")
    parser.add_argument("--daemons", type=int, default=20)
    parser.add_argument("--refresh", default="2", help="CACHE_DHT_REFRESH of every daemon (seconds)")
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()

    root = tempfile.mkdtemp(prefix="ghcache-dht-fleet-")
    fleet = Fleet(args.bin, root, "dht-bench-secret")
    try:
        out = os.path.join(root, "kad-node.out")
        node = fleet.spawn(
            [args.python, "-u", os.path.join(ROOT, "Tests/Python/kad_node.py"), "--timeout", str(args.timeout + 120)],
            out, {})
        node_address = wait_lines(out, 1, node, timeout=60)[0]
        node_id = node_address.rsplit("/", 1)[-1]
        start = time.time()
        ids: list[str] = []
        for index in range(args.daemons):
            out = os.path.join(root, f"peer-{index}.out")
            process = fleet.spawn(
                [f"{fleet.bin}/ghcache-peer", "--log-level", "warning"], out,
                {"CACHE_DIR": fleet.directory(index), "CACHE_BOOTSTRAP_PEERS": node_address,
                 "GITHUB_TOKEN": fleet.token(index), "CACHE_MDNS": "false", "CACHE_DHT_REFRESH": args.refresh})
            ids.append(wait_lines(out, 2, process)[0])
        started_s = time.time() - start
        connected_s = mesh_s = None
        via: dict[str, int] = {}
        while time.time() - start < args.timeout:
            edges: dict[str, set[str]] = {}
            via = {}
            for index, peer in enumerate(ids):
                for item in stats(fleet, index).get("peers", []):
                    if item.get("peer") == node_id:
                        continue
                    edges.setdefault(peer, set()).add(item["peer"])
                    edges.setdefault(item["peer"], set()).add(peer)
                    via[item.get("via") or "?"] = via.get(item.get("via") or "?", 0) + 1
            if connected_s is None and components(ids, edges) == 1:
                connected_s = round(time.time() - start, 2)
            if all(len(edges.get(peer, set())) >= len(ids) - 1 for peer in ids):
                mesh_s = round(time.time() - start, 2)
                break
            time.sleep(0.5)
        result = {"daemons": args.daemons, "started_s": round(started_s, 2), "connected_s": connected_s,
                  "mesh_s": mesh_s, "via": via}
        if connected_s is not None:
            fetched = time.time()
            fleet.get(0, "repos", "octocat")
            pending = set(range(args.daemons))
            while pending and time.time() - fetched < 60:
                pending = {i for i in pending if stats(fleet, i).get("cache_size", 0) < 1}
                time.sleep(0.2)
            result["replicated_s"] = round(time.time() - fetched, 2) if not pending else None
            result["charged"] = fleet.charged().get("charged")
        print(json.dumps(result), flush=True)
        return 0 if connected_s is not None else 1
    finally:
        fleet.stop()


if __name__ == "__main__":
    sys.exit(main())
