#!/usr/bin/env python3
"""One-hop gossipsub latency and 10 KB throughput between two py-libp2p 0.8.1 hosts on loopback:
the py baseline for the Swift P2PBenchmarks "Gossip one-hop latency Swift-Swift (1 KB)" and
"Gossip throughput Swift-Swift (100 x 10 KB)".

Host A (not subscribed: fanout, like the Swift benchmark) publishes (StrictSign, /meshsub/1.1.0) to host B; a sample is publish -> B's subscription
yields the message. py's per-topic forwarding rate limit (10 msg/s by default) is lifted so the
throughput figure measures the stack, not the limiter.
Prints one JSON line: {"latency_p50_us", "latency_p99_us", "latency_samples",
"throughput_p50_ms_per_100", "throughput_msgs_per_s", "throughput_samples"}.
"""

import argparse
import json
import logging
import statistics
import time

import multiaddr
import trio

from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair as ed25519_key_pair
from libp2p.crypto.x25519 import create_new_key_pair as x25519_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.pubsub.gossipsub import GossipSub
from libp2p.pubsub.pubsub import Pubsub
from libp2p.security.noise.transport import PROTOCOL_ID as NOISE_ID, Transport as NoiseTransport
from libp2p.stream_muxer.yamux.yamux import PROTOCOL_ID as YAMUX_ID, Yamux
from libp2p.tools.anyio_service import background_trio_service

LOOPBACK = multiaddr.Multiaddr("/ip4/127.0.0.1/tcp/0")
TOPIC = "bench"
WINDOW = 16


def make_node():  # type: ignore[no-untyped-def]
    keys = ed25519_key_pair()
    host = new_host(
        key_pair=keys,
        sec_opt={NOISE_ID: NoiseTransport(keys, noise_privkey=x25519_key_pair().private_key)},
        muxer_opt={TProtocol(YAMUX_ID): Yamux},
    )
    router = GossipSub(
        protocols=[TProtocol("/meshsub/1.1.0")], degree=6, degree_low=4, degree_high=12,
        heartbeat_interval=1, max_messages_per_topic_per_second=1e9,
    )
    return host, router, Pubsub(host, router)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run_service(service, task_status=trio.TASK_STATUS_IGNORED) -> None:  # type: ignore[no-untyped-def]
    async with background_trio_service(service):
        task_status.started()
        await trio.sleep_forever()


async def main(latency_samples: int, throughput_samples: int) -> None:
    host_a, router_a, pubsub_a = make_node()
    host_b, router_b, pubsub_b = make_node()
    async with host_a.run(listen_addrs=[LOOPBACK]), host_b.run(listen_addrs=[LOOPBACK]):
        async with trio.open_nursery() as nursery:
            for service in (pubsub_a, router_a, pubsub_b, router_b):
                await nursery.start(run_service, service)
            await pubsub_a.wait_until_ready()
            await pubsub_b.wait_until_ready()
            sub_b = await pubsub_b.subscribe(TOPIC)
            addr = [a for a in host_b.get_addrs() if "/ip4/127.0.0.1/" in str(a)][0]
            await host_a.connect(info_from_p2p_addr(addr))
            with trio.fail_after(10):
                while host_b.get_id() not in pubsub_a.peer_topics.get(TOPIC, set()):
                    await trio.sleep(0.01)

            small = b"\x5a" * 1024
            latencies = []
            for _ in range(latency_samples):
                start = time.perf_counter()
                await pubsub_a.publish(TOPIC, small)
                with trio.fail_after(10):
                    await sub_b.get()
                latencies.append(time.perf_counter() - start)

            big = b"\x5a" * 10240
            rounds = []
            for _ in range(throughput_samples):
                done = trio.Event()
                received = 0

                async def drain() -> None:
                    nonlocal received
                    for _ in range(100):
                        await sub_b.get()
                        received += 1
                    done.set()

                start = time.perf_counter()
                nursery.start_soon(drain)
                with trio.fail_after(30):
                    for sent in range(100):
                        # py drops deliveries beyond its 32-message subscription queue, so keep
                        # at most WINDOW messages in flight (an app has to do the same).
                        while sent - received >= WINDOW:
                            await trio.sleep(0.0002)
                        await pubsub_a.publish(TOPIC, big)
                    await done.wait()
                rounds.append(time.perf_counter() - start)
            nursery.cancel_scope.cancel()
    p50_round = statistics.median(rounds)
    print(json.dumps({
        "latency_p50_us": round(percentile(latencies, 50) * 1e6, 1),
        "latency_p99_us": round(percentile(latencies, 99) * 1e6, 1),
        "latency_samples": len(latencies),
        "throughput_p50_ms_per_100": round(p50_round * 1e3, 2),
        "throughput_msgs_per_s": round(100 / p50_round, 1),
        "throughput_samples": len(rounds),
    }))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-samples", type=int, default=500)
    parser.add_argument("--throughput-samples", type=int, default=20)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    trio.run(main, args.latency_samples, args.throughput_samples)
