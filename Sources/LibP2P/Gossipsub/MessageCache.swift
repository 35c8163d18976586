/// The message cache (`gossipsub-v1.0.md` §Message Cache): the messages of the last
/// `historyLength` heartbeats, served to IWANT, of which the last `historyGossip` are advertised
/// in IHAVE.
struct MessageCache {
    private struct Entry {
        var message: WireMessage
        var transmissions: [PeerID: Int] = [:]
    }

    private let historyGossip: Int
    private var entries: [[UInt8]: Entry] = [:]
    /// Message IDs by heartbeat window, newest first.
    private var windows: [[[UInt8]]]

    init(historyLength: Int, historyGossip: Int) {
        windows = Array(repeating: [], count: max(1, historyLength))
        self.historyGossip = min(max(0, historyGossip), max(1, historyLength))
    }

    /// Adds a message to the newest window (no-op if already present).
    mutating func put(_ message: WireMessage, id: [UInt8]) {
        guard entries[id] == nil else { return }
        entries[id] = Entry(message: message)
        windows[0].append(id)
    }

    /// Whether the cache holds `id`.
    func contains(_ id: [UInt8]) -> Bool { entries[id] != nil }

    /// The message for an IWANT from `peer`, unless it was already sent to that peer `limit` times.
    mutating func getForPeer(_ id: [UInt8], peer: PeerID, limit: Int) -> WireMessage? {
        guard var entry = entries[id] else { return nil }
        let count = entry.transmissions[peer, default: 0]
        guard count < limit else { return nil }
        entry.transmissions[peer] = count + 1
        entries[id] = entry
        return entry.message
    }

    /// IDs from the `historyGossip` newest windows of messages in `topic`.
    func gossipIDs(topic: String) -> [[UInt8]] {
        windows.prefix(historyGossip).flatMap { window in
            window.filter { entries[$0]?.message.topics.contains(topic) == true }
        }
    }

    /// Starts a new window, forgetting the oldest (at every heartbeat).
    mutating func shift() {
        for id in windows.removeLast() { entries[id] = nil }
        windows.insert([], at: 0)
    }

    /// Number of messages held.
    var count: Int { entries.count }
}

/// Remembers message IDs for a fixed TTL to drop duplicates (the "seen cache").
struct SeenCache {
    private let ttl: Duration
    private var expiries: [[UInt8]: ContinuousClock.Instant] = [:]
    /// Insertion order; with a fixed TTL this is also expiry order.
    private var queue: [([UInt8], ContinuousClock.Instant)] = []
    private var head = 0

    init(ttl: Duration) { self.ttl = ttl }

    /// Records `id` as seen at `now`; returns `false` if it was already seen (and not expired).
    mutating func insert(_ id: [UInt8], now: ContinuousClock.Instant) -> Bool {
        if let expiry = expiries[id], expiry > now { return false }
        let expiry = now + ttl
        expiries[id] = expiry
        queue.append((id, expiry))
        return true
    }

    /// Whether `id` was seen within the TTL.
    func contains(_ id: [UInt8], now: ContinuousClock.Instant) -> Bool {
        guard let expiry = expiries[id] else { return false }
        return expiry > now
    }

    /// Forgets expired IDs.
    mutating func prune(now: ContinuousClock.Instant) {
        while head < queue.count, queue[head].1 <= now {
            let (id, expiry) = queue[head]
            if expiries[id] == expiry { expiries[id] = nil }
            head += 1
        }
        if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    /// Number of IDs remembered.
    var count: Int { expiries.count }
}
