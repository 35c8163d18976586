/// The outbound half of gossipsub with one peer: a bounded queue of encoded RPCs and a task that
/// opens our own stream to the peer (`/meshsub/1.1.0`, else `/meshsub/1.0.0`) and writes them,
/// length-prefixed, in order. A broken stream is reopened once; if that fails the peer is given up.
final class PeerWriter: Sendable {
    let peer: PeerID
    private let frames: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation

    init(peer: PeerID, capacity: Int) {
        self.peer = peer
        (frames, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Queues an encoded RPC; `false` if the queue is full or closed (the RPC is dropped).
    func enqueue(_ rpc: [UInt8]) -> Bool {
        if case .enqueued = continuation.yield(rpc) { return true }
        return false
    }

    /// Ends the queue; the stream is half-closed once the queued RPCs are written.
    func finish() { continuation.finish() }

    /// Starts the writing task: opens the stream at once (like py, so that peers see us as a
    /// pubsub peer before we have anything to say), then writes queued RPCs. `failed` runs if no
    /// stream can be (re)opened.
    func run(host: Host, protocols: [String], failed: @escaping @Sendable () async -> Void) {
        let frames = self.frames
        let peer = self.peer
        Task {
            func open() async -> P2PStream? {
                for attempt in 0..<2 {
                    guard host.isConnected(to: peer) else { return nil }
                    if attempt > 0 { try? await Task.sleep(for: .milliseconds(200)) }
                    if let stream = try? await host.newStream(to: peer, protocols: protocols) { return stream }
                }
                return nil
            }
            var stream = await open()
            if stream == nil {
                self.finish()
                await failed()
                return
            }
            for await frame in frames {
                if stream == nil { stream = await open() }
                guard let current = stream else { break }
                do {
                    try await current.writeLengthPrefixed(frame)
                } catch {
                    // The peer reset our stream (py does on an oversized RPC): retry on a new one.
                    current.reset()
                    stream = await open()
                    if (try? await stream?.writeLengthPrefixed(frame)) == nil { break }
                }
            }
            if let stream, host.isConnected(to: peer) {
                try? await stream.closeWrite()
            } else {
                self.finish()
                await failed()
            }
        }
    }
}
