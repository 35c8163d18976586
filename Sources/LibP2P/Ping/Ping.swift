/// The ping protocol (`ping/ping.md`): the dialer sends 32 random bytes, the listener echoes them.
enum Ping {
    /// The protocol id.
    static let protocolID = "/ipfs/ping/1.0.0"
    /// The payload size.
    static let payloadSize = 32

    /// Echoes 32-byte payloads until the peer closes.
    static func serve(_ stream: P2PStream) async {
        do {
            while true {
                let payload = try await stream.readExactly(payloadSize)
                try await stream.write(payload)
            }
        } catch is UnexpectedEOF {
            try? await stream.closeWrite()
        } catch {
            stream.reset()
        }
    }
}

/// The ping echo did not match what we sent.
public struct PingMismatch: Error, CustomStringConvertible {
    public var description: String { "ping: the peer echoed different bytes" }
}

extension Host {
    /// Measures the round-trip time to a connected peer with `/ipfs/ping/1.0.0`.
    /// - Throws: `HostError.notConnected`, a timeout after `configuration.negotiationTimeout`,
    ///   or `PingMismatch`.
    public func ping(_ peer: PeerID) async throws -> Duration {
        let stream = try await newStream(to: peer, protocols: [Ping.protocolID])
        var rng = SystemRandomNumberGenerator()
        let payload = (0..<Ping.payloadSize).map { _ in UInt8.random(in: 0...255, using: &rng) }
        do {
            let rtt = try await stream.yamux.withDeadline(configuration.negotiationTimeout) {
                let start = ContinuousClock.now
                try await stream.write(payload)
                let echo = try await stream.readExactly(Ping.payloadSize)
                let rtt = ContinuousClock.now - start
                guard echo == payload else { throw PingMismatch() }
                return rtt
            }
            try await stream.closeWrite()
            return rtt
        } catch YamuxError.timedOut {
            throw HostError.timeout("ping to \(peer)")
        } catch {
            stream.reset()
            throw error
        }
    }
}
