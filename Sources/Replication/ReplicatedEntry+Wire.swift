import CacheCore
import Foundation

/// The wire view of CacheCore's ``ReplicatedEntry`` (the one entry type shared by the store and the envelope).
///
/// The envelope carries times as Unix milliseconds; the store keeps Unix seconds as `Double`. Converting through
/// these accessors rounds to the millisecond, so an entry equals itself after a round trip through the envelope.
extension ReplicatedEntry {
    /// An entry as received or published: headers outside `CacheEntry.keptHeaders` are dropped (names lower-cased),
    /// the CID is computed from `body`, and an absent API version is stored as `""` (as the store does).
    public init(
        key: String, method: String = "GET", url: String, accept: String, apiVersion: String?, status: Int,
        headers: [String: String], body: Data, fetchedAtMilliseconds: Int64, expiresAtMilliseconds: Int64,
        originPeer: String, validators: [TokenValidator] = []
    ) {
        self.init(
            key: key, method: method, url: url, accept: accept, apiVersion: apiVersion ?? "", status: status,
            headers: Self.selectHeaders(headers), body: body, cid: ContentID.of(body),
            fetchedAt: Double(fetchedAtMilliseconds) / 1000, expiresAt: Double(expiresAtMilliseconds) / 1000,
            originPeer: originPeer, validators: validators)
    }

    /// When the response was fetched from GitHub, in Unix milliseconds.
    public var fetchedAtMilliseconds: Int64 {
        get { Self.milliseconds(fetchedAt) }
        set { fetchedAt = Double(newValue) / 1000 }
    }

    /// When the entry stops being fresh, in Unix milliseconds.
    public var expiresAtMilliseconds: Int64 {
        get { Self.milliseconds(expiresAt) }
        set { expiresAt = Double(newValue) / 1000 }
    }

    /// Replaces the body and with it the CID.
    public mutating func setBody(_ body: Data) {
        self.body = body
        self.cid = ContentID.of(body)
    }

    /// Keeps only the replicated headers (`CacheEntry.keptHeaders`), with lower-case names.
    static func selectHeaders(_ headers: [String: String]) -> [String: String] {
        var selected: [String: String] = [:]
        for (name, value) in headers where CacheEntry.keptHeaders.contains(name.lowercased()) {
            selected[name.lowercased()] = value
        }
        return selected
    }

    /// Unix milliseconds of Unix seconds, rounded to nearest and clamped to `Int64`.
    static func milliseconds(_ seconds: Double) -> Int64 {
        Int64(exactly: (seconds * 1000).rounded()) ?? (seconds < 0 ? .min : .max)
    }

    /// Unix milliseconds of a date, rounded to nearest and clamped to `Int64`.
    static func milliseconds(_ date: Date) -> Int64 { milliseconds(date.timeIntervalSince1970) }
}
