import NIOCore

/// One established, secured and multiplexed connection to a peer.
final class Connection: Sendable {
    /// A host-unique number.
    let id: UInt64
    /// The authenticated remote peer.
    let remotePeer: PeerID
    /// The remote TCP address, as observed by us.
    let remoteAddress: Multiaddr?
    /// Whether we dialed it.
    let isOutbound: Bool
    let session: YamuxSession
    private let writer: NoiseTransportWriter

    init(
        id: UInt64, remotePeer: PeerID, remoteAddress: Multiaddr?, isOutbound: Bool, session: YamuxSession,
        writer: NoiseTransportWriter
    ) {
        self.id = id
        self.remotePeer = remotePeer
        self.remoteAddress = remoteAddress
        self.isOutbound = isOutbound
        self.session = session
        self.writer = writer
    }

    /// Sends GO_AWAY and ends the connection: queued frames are flushed, then TCP closes.
    func close() {
        session.goAway()
        writer.finish()
    }
}
