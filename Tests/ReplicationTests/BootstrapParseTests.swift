import LibP2P
import Testing

@testable import Replication

@Suite("CACHE_BOOTSTRAP_PEERS entries: addresses, DNS names, bad entries")
struct BootstrapParseTests {
    static let local = Identity.generate().peerID
    static let other = Identity.generate().peerID

    @Test func entriesAreSplitIntoAddressesAndNames() {
        let (addresses, names, warnings) = Bootstrap.parse(
            [
                "/ip4/10.0.0.5/tcp/9000/p2p/\(Self.other)", "/dns4/runners.internal/tcp/9000",
                "/dns/runners.internal/tcp/9000/p2p/\(Self.other)", "/dns4/runners.internal/tcp/9000",
                "/ip4/10.0.0.6/tcp/9000/p2p/\(Self.local)", "/dns4/runners.internal", "/udp/53", "nonsense",
            ], localPeer: Self.local)
        #expect(addresses.map(\.description) == ["/ip4/10.0.0.5/tcp/9000/p2p/\(Self.other)"])
        #expect(
            names.map(\.description) == [
                "/dns4/runners.internal/tcp/9000", "/dns/runners.internal/tcp/9000/p2p/\(Self.other)",
            ], "duplicates once, our own address left out")
        #expect(warnings.count == 3)
        #expect(warnings.contains { $0.hasPrefix("skipping bootstrap peer /dns4/runners.internal: expected") })
        #expect(warnings.contains { $0.hasPrefix("skipping bootstrap peer nonsense:") })
    }

    @Test func selfDialsAreRecognised() {
        #expect(Bootstrap.leadsBackHere(HostError.dialedSelf("/ip4/10.0.0.5/tcp/9000")))
        #expect(!Bootstrap.leadsBackHere(HostError.connectionFailed("refused")))
    }
}
