#!/usr/bin/env python3
"""p2p_peer.py - the ghcache test suite's py-libp2p (0.8.1) peer.

A real py-libp2p host restricted to TCP + Noise + yamux on 127.0.0.1 (or --listen, an address
inside a test's network namespace). It prints its full multiaddr (/ip4/127.0.0.1/tcp/PORT/p2p/...)
as the FIRST stdout line, then one JSON object per line for everything that happens:

  {"event": "connected", "peer": ID}         / "disconnected"
  {"event": "message", "from": ID, "seqno": HEX, "topics": [...], "data_hex": HEX, "signed": B}
  {"event": "ping", "peer": ID, "rtt_ms": FLOAT}
  {"event": "identify", "peer": ID, "agent_version": S, "protocol_version": S,
   "protocols": [...], "listen_addrs": [...], "observed_addr": S, "public_key_hex": HEX}
  {"event": "echo", "peer": ID, "sent": N, "received": N, "match": B}
  {"event": "error", "action": S, "error": S}
  {"event": "mdns_found", "peer": ID, "addrs": [...]}   (--mdns: py-libp2p's own mDNS discovery)

"The peer" is the one --connect dials, else the first peer that connects to us.
Identify and ping handlers are always served. Diagnostics go to stderr. The process exits
after --timeout seconds, or once --expect messages arrived and all actions finished.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time

import multiaddr
import trio

from libp2p import new_host
from libp2p.abc import INotifee
from libp2p.crypto.ed25519 import create_new_key_pair as ed25519_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.discovery.events.peerDiscovery import peerDiscovery
from libp2p.host.ping import ID as PING_ID, perform_ping_roundtrip
from libp2p.identity.identify.identify import ID as IDENTIFY_ID, parse_identify_response
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pubsub import Pubsub
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID, Yamux
from libp2p.tools.anyio_service import background_trio_service


def emit(**fields: object) -> None:
    sys.stdout.write(json.dumps(fields, sort_keys=True) + "\n")
    sys.stdout.flush()


def note(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def loopback_only(addr: multiaddr.Multiaddr) -> None:
    if addr.value_for_protocol("ip4") != "127.0.0.1":
        raise SystemExit(f"only 127.0.0.1 may be dialed: {addr}")


class Events(INotifee):
    """Reports connections and remembers the first remote peer."""

    def __init__(self) -> None:
        self.first_peer: ID | None = None
        self.peer_known = trio.Event()

    async def connected(self, network, conn) -> None:  # type: ignore[no-untyped-def]
        peer = conn.muxed_conn.peer_id
        emit(event="connected", peer=peer.to_base58())
        if self.first_peer is None:
            self.first_peer = peer
            self.peer_known.set()

    async def disconnected(self, network, conn) -> None:  # type: ignore[no-untyped-def]
        emit(event="disconnected", peer=conn.muxed_conn.peer_id.to_base58())

    async def opened_stream(self, network, stream) -> None:  # type: ignore[no-untyped-def]
        pass

    async def closed_stream(self, network, stream) -> None:  # type: ignore[no-untyped-def]
        pass

    async def listen(self, network, multiaddr) -> None:  # type: ignore[no-untyped-def]
        pass

    async def listen_close(self, network, multiaddr) -> None:  # type: ignore[no-untyped-def]
        pass


async def read_to_eof(stream, limit: int) -> bytes:  # type: ignore[no-untyped-def]
    data = b""
    while len(data) <= limit:
        try:
            chunk = await stream.read(65536)
        except EOFError:
            break
        if not chunk:
            break
        data += chunk
    return data


async def echo_handler(stream) -> None:  # type: ignore[no-untyped-def]
    """Echoes every chunk until the peer half-closes, then closes."""
    try:
        while True:
            try:
                chunk = await stream.read(65536)
            except EOFError:
                break
            if not chunk:
                break
            await stream.write(chunk)
        await stream.close()
    except Exception as exc:
        note(f"echo handler: {exc!r}")
        await stream.reset()


async def do_identify(host, peer: ID) -> None:  # type: ignore[no-untyped-def]
    stream = await host.new_stream(peer, [IDENTIFY_ID])
    reply = await read_to_eof(stream, 1 << 16)
    await stream.close()
    info = parse_identify_response(reply)
    emit(
        event="identify",
        peer=peer.to_base58(),
        agent_version=info.agent_version,
        protocol_version=info.protocol_version,
        protocols=list(info.protocols),
        listen_addrs=[str(multiaddr.Multiaddr(a)) for a in info.listen_addrs],
        observed_addr=str(multiaddr.Multiaddr(info.observed_addr)) if info.observed_addr else "",
        public_key_hex=info.public_key.hex(),
    )


async def do_ping(host, peer: ID, count: int) -> None:  # type: ignore[no-untyped-def]
    stream = await host.new_stream(peer, [PING_ID])
    for _ in range(count):
        start = time.monotonic()
        await perform_ping_roundtrip(stream)
        emit(event="ping", peer=peer.to_base58(), rtt_ms=(time.monotonic() - start) * 1000)
    await stream.close()


async def do_echo(host, peer: ID, protocol: str, size: int) -> None:  # type: ignore[no-untyped-def]
    payload = bytes((i * 31) & 0xFF for i in range(size))
    stream = await host.new_stream(peer, [TProtocol(protocol)])
    received = b""

    async def reader() -> None:
        nonlocal received
        received = await read_to_eof(stream, size + 1)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        await stream.write(payload)
        await stream.close()
    emit(event="echo", peer=peer.to_base58(), sent=size, received=len(received), match=received == payload)


def pattern_bytes(size: int) -> bytes:
    """The deterministic payload of --publish-size: byte i is (i * 7 + 3) mod 256."""
    return bytes((i * 7 + 3) & 0xFF for i in range(size))


async def run(args: argparse.Namespace) -> int:
    keys = ed25519_key_pair(bytes.fromhex(args.seed_hex)) if args.seed_hex else ed25519_key_pair()
    # py-libp2p's mDNS browser starts inside new_host and may find peers at once: listen before.
    mdns_found: list = []  # type: ignore[type-arg]
    mdns_state: dict = {}  # type: ignore[type-arg]

    def on_found(info) -> None:  # type: ignore[no-untyped-def]
        # Called on zeroconf's thread: report, then dial on trio's once the nursery runs.
        peer = info.peer_id.to_base58()
        if peer in {i.peer_id.to_base58() for i in mdns_found}:
            return
        mdns_found.append(info)
        emit(event="mdns_found", peer=peer, addrs=[str(a) for a in info.addrs])
        if not args.mdns_no_dial and "dial" in mdns_state:
            trio.from_thread.run_sync(mdns_state["dial"], info, trio_token=mdns_state["token"])

    if args.mdns:
        peerDiscovery.register_peer_discovered_handler(on_found)
    host = new_host(
        key_pair=keys,
        sec_opt={NOISE_ID: NoiseTransport(keys, noise_privkey=x25519_key_pair().private_key)},
        muxer_opt={TProtocol(YAMUX_ID): Yamux},
        enable_mDNS=args.mdns,
    )
    events = Events()
    host.get_network().register_notifee(events)
    if args.echo_protocol:
        host.set_stream_handler(TProtocol(args.echo_protocol), echo_handler)

    pubsub = gossipsub = None
    if not args.no_pubsub:
        protocols = [TProtocol(p.strip()) for p in args.protocols.split(",") if p.strip()]
        gossipsub = GossipSub(
            protocols=protocols, degree=6, degree_low=4, degree_high=12, time_to_live=60,
            gossip_window=3, gossip_history=5, heartbeat_initial_delay=0.1,
            heartbeat_interval=args.heartbeat,
        )
        pubsub = Pubsub(host, gossipsub)

    received = 0
    actions_done = trio.Event()
    enough = trio.Event()

    async with host.run(listen_addrs=[multiaddr.Multiaddr(f"/ip4/{args.listen}/tcp/{args.port}")]):
        async with trio.open_nursery() as nursery:
            if args.mdns and not args.mdns_no_dial:

                async def dial_found(info) -> None:  # type: ignore[no-untyped-def]
                    try:
                        await host.connect(info)
                    except Exception as exc:
                        emit(event="error", action="mdns_connect", error=repr(exc))

                mdns_state["token"] = trio.lowlevel.current_trio_token()
                mdns_state["dial"] = lambda info: nursery.start_soon(dial_found, info)
                for info in list(mdns_found):  # found before the nursery ran
                    nursery.start_soon(dial_found, info)
            if pubsub is not None:
                await nursery.start(_run_service, pubsub)
                await nursery.start(_run_service, gossipsub)
                await pubsub.wait_until_ready()
            addrs = [str(a) for a in host.get_addrs() if f"/ip4/{args.listen}/" in str(a)]
            me = addrs[0] if addrs else f"/ip4/{args.listen}/tcp/{args.port}"
            if "/p2p/" not in me:
                me += f"/p2p/{host.get_id().to_base58()}"
            print(me, flush=True)

            if pubsub is not None:
                subscription = await pubsub.subscribe(args.topic)

                async def receive() -> None:
                    nonlocal received
                    while True:
                        msg = await subscription.get()
                        if msg.from_id == host.get_id().to_bytes():
                            continue  # our own publication
                        try:
                            sender = ID(msg.from_id).to_base58()
                        except Exception:
                            sender = msg.from_id.hex()
                        emit(event="message", **{"from": sender}, seqno=msg.seqno.hex(),
                             topics=list(msg.topicIDs), data_hex=msg.data.hex(), signed=bool(msg.signature))
                        received += 1
                        if args.expect and received >= args.expect:
                            enough.set()

                nursery.start_soon(receive)

            async def actions() -> None:
                peer: ID | None = None
                if args.connect:
                    addr = multiaddr.Multiaddr(args.connect)
                    loopback_only(addr)
                    info = info_from_p2p_addr(addr)
                    try:
                        await host.connect(info)
                        peer = info.peer_id
                    except Exception as exc:
                        emit(event="error", action="connect", error=repr(exc))
                        return
                elif args.identify or args.ping or args.send_echo:
                    await events.peer_known.wait()
                    peer = events.first_peer
                if peer is not None:
                    steps = []
                    if args.identify:
                        steps.append(("identify", lambda: do_identify(host, peer)))
                    if args.ping:
                        steps.append(("ping", lambda: do_ping(host, peer, args.ping)))
                    if args.send_echo:
                        steps.append(("echo", lambda: do_echo(host, peer, args.echo_protocol, args.send_echo)))
                    for name, step in steps:
                        try:
                            await step()
                        except Exception as exc:
                            emit(event="error", action=name, error=repr(exc))
                if pubsub is not None and (args.publish or args.publish_size):
                    await trio.sleep(args.delay)
                    payloads = [value.encode() for value in args.publish]
                    payloads += [pattern_bytes(size) for size in args.publish_size]
                    for i, payload in enumerate(payloads):
                        if i:
                            await trio.sleep(args.interval)
                        await pubsub.publish(args.topic, payload)
                        note(f"published {len(payload)} bytes")
                    await trio.sleep(0.5)
                actions_done.set()

            nursery.start_soon(actions)
            await actions_done.wait()
            if args.expect:
                await enough.wait()
            elif not args.linger:
                await trio.sleep(0.2)
            else:
                await trio.sleep_forever()
            nursery.cancel_scope.cancel()
    return 0


async def _run_service(service, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
    async with background_trio_service(service):
        task_status.started()
        await trio.sleep_forever()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = ephemeral)")
    p.add_argument("--listen", default="127.0.0.1",
                   help="IPv4 address to listen on (only addresses inside a test's network namespace)")
    p.add_argument("--mdns", action="store_true",
                   help="run py-libp2p's mDNS discovery; report found peers and dial them")
    p.add_argument("--mdns-no-dial", action="store_true", help="with --mdns: report found peers, never dial them")
    p.add_argument("--connect", help="multiaddr to dial (/ip4/127.0.0.1/tcp/P/p2p/ID)")
    p.add_argument("--seed-hex", help="32-byte Ed25519 seed (hex) for a fixed peer id")
    p.add_argument("--identify", action="store_true", help="identify the peer and print the result")
    p.add_argument("--ping", type=int, default=0, metavar="N", help="ping the peer N times")
    p.add_argument("--echo-protocol", help="serve an echo handler on this protocol id")
    p.add_argument("--send-echo", type=int, default=0, metavar="BYTES",
                   help="send BYTES bytes to the peer's --echo-protocol handler and check the echo")
    p.add_argument("--no-pubsub", action="store_true", help="do not start gossipsub")
    p.add_argument("--topic", default="ghcache", help="gossipsub topic")
    p.add_argument("--protocols", default="/meshsub/1.1.0,/meshsub/1.0.0",
                   help="gossipsub protocol ids in preference order")
    p.add_argument("--heartbeat", type=int, default=1, help="gossipsub heartbeat seconds")
    p.add_argument("--publish", action="append", default=[], help="publish this value (repeatable)")
    p.add_argument("--publish-size", type=int, action="append", default=[], metavar="BYTES",
                   help="after the --publish values, publish BYTES bytes of pattern (i*7+3)&0xff (repeatable)")
    p.add_argument("--delay", type=float, default=1.0, help="seconds before the first --publish")
    p.add_argument("--interval", type=float, default=0.3, help="seconds between --publish values")
    p.add_argument("--expect", type=int, default=0, help="exit 0 after N messages were received")
    p.add_argument("--linger", action="store_true", help="stay up until --timeout after the actions")
    p.add_argument("--timeout", type=float, default=30.0, help="exit (1 if --expect unmet) after this")
    p.add_argument("--verbose", action="store_true", help="py-libp2p logging on stderr")
    args = p.parse_args()
    if args.send_echo and not args.echo_protocol:
        p.error("--send-echo needs --echo-protocol")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.CRITICAL, stream=sys.stderr)

    # Hard stop even if a library task hangs.
    threading.Timer(args.timeout + 5, lambda: os._exit(2)).start()
    rc = 0

    async def bounded() -> None:
        nonlocal rc
        with trio.move_on_after(args.timeout) as scope:
            rc = await run(args)
        if scope.cancelled_caught:
            note("timeout reached")
            rc = 1 if args.expect else 0

    try:
        trio.run(bounded)
    except KeyboardInterrupt:
        rc = 130
    sys.stdout.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
