import CacheCore
import Foundation

/// The requester's side of a join-time sync: what it already holds (docs/PROTOCOL.md §6).
public struct SyncRequest: Sendable, Equatable {
    /// One fresh entry (key and fetch time) a peer holds.
    public struct Held: Sendable, Equatable {
        /// The cache key.
        public var key: String
        /// Its fetch time, Unix milliseconds.
        public var fetchedAtMilliseconds: Int64

        /// An entry the requester holds.
        public init(key: String, fetchedAtMilliseconds: Int64) {
            self.key = key
            self.fetchedAtMilliseconds = fetchedAtMilliseconds
        }
    }

    /// The requester's fresh entries.
    public var have: [Held]
    /// The most entries the requester wants.
    public var limit: Int

    /// A request listing `have`, asking for at most `limit` entries (capped at ``SyncProtocol/maxEntries``).
    public init(have: [Held], limit: Int = SyncProtocol.maxEntries) {
        self.have = have
        self.limit = min(max(limit, 0), SyncProtocol.maxEntries)
    }

    /// What a responder sends for this request: of its fresh entries (`candidates`, any order), those whose key the
    /// requester lacks or holds with an older fetch, newest fetch first, at most ``limit``.
    public func selection(of candidates: [Held]) -> [Held] {
        let held = Dictionary(have.map { ($0.key, $0.fetchedAtMilliseconds) }) { max($0, $1) }
        return
            candidates
            .filter { candidate in held[candidate.key].map { $0 < candidate.fetchedAtMilliseconds } ?? true }
            .sorted { $0.fetchedAtMilliseconds > $1.fetchedAtMilliseconds }
            .prefix(limit)
            .map { $0 }
    }
}

extension FleetCodec {
    /// The request frame payload: Fernet over `0x01 ‖ zlib(JSON {"have": [[key, ms], ...], "limit": N})`.
    ///
    /// When the whole `have` list does not fit in one frame, only its longest prefix that fits is sent (order
    /// `have` newest first so the most useful part survives; the responder then sends a few duplicates).
    public func sealRequest(_ request: SyncRequest, now: Date = Date()) throws(Rejection) -> [UInt8] {
        var count = request.have.count
        while true {
            let pairs: [[Any]] = request.have.prefix(count).map { [$0.key, $0.fetchedAtMilliseconds] }
            guard let json = try? JSONSerialization.data(withJSONObject: ["have": pairs, "limit": request.limit]),
                let compressed = try? Zlib.compress(Array(json))
            else { throw Rejection(.malformed, "sync request not encodable") }
            let plaintext = [Envelope.version] + compressed
            if Fernet.tokenLength(plaintextCount: plaintext.count) <= SyncProtocol.maxFrameBytes {
                return Array(fernet.encrypt(plaintext, now: now).utf8)
            }
            // Too big: shrink in proportion (with 5 % slack) and retry; strictly decreasing, and 0 pairs fit.
            let ratio = Double(SyncProtocol.maxFrameBytes) / Double(Fernet.tokenLength(plaintextCount: plaintext.count))
            count = min(count - 1, Int(Double(count) * ratio * 0.95))
        }
    }

    /// Validates and decodes a request frame payload.
    ///
    /// - Throws: a ``Rejection`` (`oversized`, `undecryptable`, `expired`, `clock_skew`, `malformed`).
    public func openRequest(_ payload: [UInt8], now: Date = Date()) throws(Rejection) -> SyncRequest {
        let json = try openMessageJSON(payload, now: now)
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let pairs = object["have"] as? [[Any]], let limit = (object["limit"] as? NSNumber)?.intValue
        else { throw Rejection(.malformed, "sync request is not {\"have\": [...], \"limit\": N}") }
        var have: [SyncRequest.Held] = []
        have.reserveCapacity(pairs.count)
        for pair in pairs {
            guard pair.count == 2, let key = pair[0] as? String, let number = pair[1] as? NSNumber,
                !key.isEmpty, key.utf8.count <= Envelope.maxFieldBytes
            else { throw Rejection(.malformed, "sync request has an invalid [key, fetched_at_ms] pair") }
            have.append(SyncRequest.Held(key: key, fetchedAtMilliseconds: number.int64Value))
        }
        return SyncRequest(have: have, limit: limit)
    }
}

extension SyncRequest.Held {
    /// The index row of a stored entry.
    init(_ entry: FreshEntry) {
        self.init(key: entry.key, fetchedAtMilliseconds: ReplicatedEntry.milliseconds(entry.fetchedAt))
    }
}
