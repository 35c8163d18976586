#!/usr/bin/env python3
"""Connection setup time between two py-libp2p 0.8.1 hosts on loopback (TCP + Noise + yamux),
the py baseline for the Swift P2PBenchmarks "P2P connection setup Swift-Swift".

Each sample: fresh listener and dialer hosts (not timed), then `dialer.connect(listener)` is timed
two ways:
  * "established": until the dialer's network reports the upgraded connection (notifee
    `connected`: TCP connect, multistream-select, Noise XX, multistream-select, yamux) - the
    same end point as the Swift `Host.dial`;
  * "connect_call": until `connect()` returns; py 0.8.1 also waits its 250 ms Happy-Eyeballs
    fallback delay there (`network/swarm.py _HAPPY_EYEBALLS_DELAY`).
Prints one JSON line with p25/p50/p75 in microseconds for both.
"""

import argparse
import json
import logging
import statistics
import time

import multiaddr
import trio

from libp2p import new_host
from libp2p.abc import INotifee
from libp2p.crypto.ed25519 import create_new_key_pair as ed25519_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID, Yamux

LOOPBACK = multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")


def make_host():  # type: ignore[no-untyped-def]
    keys = ed25519_key_pair()
    return new_host(
        key_pair=keys,
        sec_opt={NOISE_ID: NoiseTransport(keys, noise_privkey=x25519_key_pair().private_key)},
        muxer_opt={TProtocol(YAMUX_ID): Yamux},
    )


class Established(INotifee):
    """Records when the first connection is up."""

    def __init__(self) -> None:
        self.at: float | None = None

    async def connected(self, network, conn) -> None:  # type: ignore[no-untyped-def]
        if self.at is None:
            self.at = time.perf_counter()

    async def disconnected(self, network, conn) -> None:  # type: ignore[no-untyped-def]
        pass

    async def opened_stream(self, network, stream) -> None:  # type: ignore[no-untyped-def]
        pass

    async def closed_stream(self, network, stream) -> None:  # type: ignore[no-untyped-def]
        pass

    async def listen(self, network, multiaddr) -> None:  # type: ignore[no-untyped-def]
        pass

    async def listen_close(self, network, multiaddr) -> None:  # type: ignore[no-untyped-def]
        pass


async def sample() -> tuple[float, float]:
    listener, dialer = make_host(), make_host()
    established = Established()
    dialer.get_network().register_notifee(established)
    async with listener.run(listen_addrs=[LOOPBACK]), dialer.run(listen_addrs=[LOOPBACK]):
        addr = [a for a in listener.get_addrs() if "/ip4/127.0.0.1/" in str(a)][0]
        info = info_from_p2p_addr(addr)
        start = time.perf_counter()
        await dialer.connect(info)
        returned = time.perf_counter()
    if established.at is None:
        raise SystemExit("connected notification missing")
    return established.at - start, returned - start


def quartiles(values: list[float]) -> dict[str, float]:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return {"p25_us": q[0] * 1e6, "p50_us": statistics.median(values) * 1e6, "p75_us": q[2] * 1e6}


async def main(count: int, seconds: float) -> None:
    samples: list[tuple[float, float]] = []
    deadline = time.monotonic() + seconds
    while len(samples) < count and time.monotonic() < deadline:
        samples.append(await sample())
    print(json.dumps({"samples": len(samples), "established": quartiles([s[0] for s in samples]),
                      "connect_call": quartiles([s[1] for s in samples])}))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--seconds", type=float, default=20.0)
    args = p.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    trio.run(main, args.count, args.seconds)
