import LibP2P
import Synchronization

/// How many inbound streams of one protocol each remote peer has open, refusing more than ``limit`` at once (a peer
/// cannot tie up a responder with unbounded parallel requests).
final class PeerAdmission: Sendable {
    let limit: Int
    private let open = Mutex<[PeerID: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `serve` if `peer` has fewer than ``limit`` streams open, else resets `stream`.
    func serve(_ stream: P2PStream, _ serve: () async -> Void) async {
        let peer = stream.remotePeer
        let admitted = open.withLock { counts in
            guard counts[peer, default: 0] < limit else { return false }
            counts[peer, default: 0] += 1
            return true
        }
        guard admitted else { return stream.reset() }
        await serve()
        open.withLock { counts in
            counts[peer, default: 1] -= 1
            if counts[peer] == 0 { counts[peer] = nil }
        }
    }
}
