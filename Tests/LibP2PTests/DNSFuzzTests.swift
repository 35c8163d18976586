import Foundation
import TestSupport
import Testing

@testable import LibP2P

/// Bounded fuzzing of the DNS decoder (mDNS packets from anyone on the LAN, answers of the resolver): random and
/// mutated messages give a typed error or a message, and the peer extraction copes with whatever decodes.
@Suite struct DNSFuzzTests {
    @Test func dnsMessagesFromTheNetwork() throws {
        let peer = Identity.generate().peerID
        let addresses = try ["/ip4/10.0.0.5/tcp/9000", "/ip6/fd00::2/tcp/9000"].map { try Multiaddr(parsing: $0) }
        let announcer = MDNSDiscovery(peerID: peer) { addresses }
        let listener = MDNSDiscovery(peerID: Identity.generate().peerID) { [] }
        let seeds = [announcer.answers([10, 0, 0, 5]).encode(), announcer.query().encode()]
        let ran = Fuzzer.run(seed: 21) { fuzzer, round in
            let bytes = round % 3 == 0 ? fuzzer.bytes(maxCount: 512) : fuzzer.mutate(fuzzer.pick(seeds))
            do {
                let message = try DNSMessage.decode(bytes)
                _ = listener.peers(in: message)
                _ = listener.asksForUs(message)
                _ = message.encode()
            } catch let error as DNSMessageError {
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("an untyped error: \(error)")
            }
        }
        #expect(ran > 100)
    }
}
