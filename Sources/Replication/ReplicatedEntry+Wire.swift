import CacheCore
import Foundation

/// The wire view of CacheCore's ``ReplicatedEntry`` (the one entry type shared by the store and the envelope).
extension ReplicatedEntry {
    /// An entry as received or published: headers outside `CacheEntry.keptHeaders` are dropped (names lower-cased),
    /// the CID is `cid` as received (checked by ``VerifiedEntry``) or else computed from `body`, and an absent API
    /// version is `""`.
    public init(
        key: String, method: String = "GET", url: String, accept: String, apiVersion: String?, status: Int,
        headers: [String: String], body: Data, cid: String? = nil, fetchedAtMilliseconds: Int64,
        expiresAtMilliseconds: Int64, originPeer: String, validators: [TokenValidator] = []
    ) {
        self.init(
            key: key, method: method, url: url, accept: accept, apiVersion: apiVersion ?? "", status: status,
            headers: Self.selectHeaders(headers), body: body, cid: cid ?? ContentID.of(body),
            fetchedAt: Double(fetchedAtMilliseconds) / 1000, expiresAt: Double(expiresAtMilliseconds) / 1000,
            originPeer: originPeer, validators: validators)
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
}
