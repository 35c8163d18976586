#!/usr/bin/env python3
"""kad_node.py - the ghcache test suite's py-libp2p (0.8.1) Kademlia DHT node.

A real py-libp2p host (TCP + Noise + yamux on 127.0.0.1) running libp2p.kad_dht.KadDHT in server
mode (or --client), and nothing else: no gossipsub, no ghcache protocol. It prints its full
multiaddr (/ip4/127.0.0.1/tcp/PORT/p2p/ID) as the FIRST stdout line, then one JSON object per line:

  {"event": "connected", "peer": ID}                      (and "disconnected")
  {"event": "provided", "key_hex": HEX, "ok": B}          (--provide)
  {"event": "providers", "key_hex": HEX, "peers": [{"id": ID, "addrs": [...]}]}  (--find-providers)
  {"event": "closest", "key_hex": HEX, "peers": [ID...]}  (--find-closest: iterative FIND_NODE)
  {"event": "found_peer", "peer": ID, "addrs": [...]}     (--find-peer)
  {"event": "routing_table", "size": N, "peers": [ID...]} (after the actions, and with --report-every)
  {"event": "error", "action": S, "error": S}

Actions run in this order after --connect: --provide, --find-closest, --find-peer, --find-providers
(retried every second until a provider other than this node is found, or --timeout). Diagnostics go
to stderr. The process exits after --timeout seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair as ed25519_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.kad_dht.kad_dht import DHTMode, KadDHT
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID, Yamux
from libp2p.tools.anyio_service import background_trio_service

# The suite's transport peer: its JSON output and its connection reporter (same contract).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from p2p_peer import Events, emit  # noqa: E402


def report_table(dht: KadDHT) -> None:
    peers = [p.to_base58() for p in dht.routing_table.get_peer_ids()]
    emit(event="routing_table", size=len(peers), peers=sorted(peers))


async def run(args: argparse.Namespace) -> int:
    keys = ed25519_key_pair(bytes.fromhex(args.seed_hex)) if args.seed_hex else ed25519_key_pair()
    host = new_host(
        key_pair=keys,
        sec_opt={NOISE_ID: NoiseTransport(keys, noise_privkey=x25519_key_pair().private_key)},
        muxer_opt={TProtocol(YAMUX_ID): Yamux},
    )
    host.get_network().register_notifee(Events())
    dht = KadDHT(host, DHTMode.CLIENT if args.client else DHTMode.SERVER)
    async with host.run(listen_addrs=[multiaddr.Multiaddr(f"/ip4/127.0.0.1/tcp/{args.port}")]):
        async with background_trio_service(dht):
            addrs = [str(a) for a in host.get_addrs() if "/ip4/127.0.0.1/" in str(a)]
            me = addrs[0] if addrs else f"/ip4/127.0.0.1/tcp/{args.port}"
            if "/p2p/" not in me:
                me += f"/p2p/{host.get_id().to_base58()}"
            print(me, flush=True)
            async with trio.open_nursery() as nursery:
                if args.report_every:

                    async def reporter() -> None:
                        while True:
                            await trio.sleep(args.report_every)
                            report_table(dht)

                    nursery.start_soon(reporter)
                await actions(args, host, dht)
                report_table(dht)
                await trio.sleep_forever()
    return 0


async def actions(args: argparse.Namespace, host, dht: KadDHT) -> None:  # type: ignore[no-untyped-def]
    for target in args.connect:
        addr = multiaddr.Multiaddr(target)
        if addr.value_for_protocol("ip4") != "127.0.0.1":
            raise SystemExit(f"only 127.0.0.1 may be dialed: {addr}")
        info = info_from_p2p_addr(addr)
        try:
            await host.connect(info)
            host.get_peerstore().add_addrs(info.peer_id, info.addrs, 3600)
            await dht.add_peer(info.peer_id, skip_server_mode_check=True)
        except Exception as exc:
            emit(event="error", action="connect", error=repr(exc))
    if args.provide:
        try:
            ok = await dht.provider_store.provide(bytes.fromhex(args.provide))
            emit(event="provided", key_hex=args.provide, ok=bool(ok))
        except Exception as exc:
            emit(event="error", action="provide", error=repr(exc))
    if args.find_closest:
        try:
            peers = await dht.peer_routing.find_closest_peers_network(bytes.fromhex(args.find_closest))
            emit(event="closest", key_hex=args.find_closest, peers=[p.to_base58() for p in peers])
        except Exception as exc:
            emit(event="error", action="find_closest", error=repr(exc))
    if args.find_peer:
        try:
            info = await dht.find_peer(ID.from_base58(args.find_peer))
            if info is None:
                emit(event="error", action="find_peer", error="not found")
            else:
                emit(event="found_peer", peer=info.peer_id.to_base58(), addrs=[str(a) for a in info.addrs])
        except Exception as exc:
            emit(event="error", action="find_peer", error=repr(exc))
    if args.find_providers:
        key = bytes.fromhex(args.find_providers)
        while True:
            try:
                found = await dht.provider_store.find_providers(key)
            except Exception as exc:
                emit(event="error", action="find_providers", error=repr(exc))
                found = []
            others = [p for p in found if p.peer_id != host.get_id()]
            if others:
                emit(event="providers", key_hex=args.find_providers,
                     peers=[{"id": p.peer_id.to_base58(), "addrs": [str(a) for a in p.addrs]} for p in others])
                break
            # A local hit on our own record would stop py's lookup early: forget it and ask again.
            dht.provider_store.providers.pop(key, None)
            await trio.sleep(1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = ephemeral)")
    p.add_argument("--seed-hex", help="32-byte Ed25519 seed (hex) for a fixed peer id")
    p.add_argument("--client", action="store_true", help="run the DHT in client mode (serve nothing)")
    p.add_argument("--connect", action="append", default=[], help="multiaddr to dial and add to the routing table")
    p.add_argument("--provide", metavar="KEY_HEX", help="announce this node as a provider of the key")
    p.add_argument("--find-closest", metavar="KEY_HEX", help="iterative FIND_NODE for the key")
    p.add_argument("--find-peer", metavar="PEER_ID", help="look the peer up (FIND_NODE) and print its addresses")
    p.add_argument("--find-providers", metavar="KEY_HEX", help="look up providers of the key (GET_PROVIDERS)")
    p.add_argument("--report-every", type=float, default=0, help="print the routing table every N seconds")
    p.add_argument("--timeout", type=float, default=30.0, help="exit after this many seconds")
    p.add_argument("--verbose", action="store_true", help="py-libp2p logging on stderr")
    args = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.CRITICAL, stream=sys.stderr)
    threading.Timer(args.timeout + 5, lambda: os._exit(2)).start()

    async def bounded() -> None:
        with trio.move_on_after(args.timeout):
            await run(args)

    try:
        trio.run(bounded)
    except KeyboardInterrupt:
        os._exit(130)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
